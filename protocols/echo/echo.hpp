// SPDX-License-Identifier: MIT
/// @file
/// echo: swaps the Ethernet addresses of each received frame in place and sends it back out of
/// the same adapter's Tx queue of the same index, zero-copy (the Rx buffer is the Tx payload; the
/// framework releases it when the send completes). Refused sends are released and counted.
/// Parameters: queues=N (Rx and Tx queue pairs, 1..64, default 1).
#pragma once

#include "common/forward.hpp"

#include <netcx/protocols/builtin.hpp>

namespace netcx::protocols {

class echo final : public builtin {
public:
    static result<std::unique_ptr<builtin>> make(const params& p);

    [[nodiscard]] std::string_view name() const noexcept override { return "echo"; }
    [[nodiscard]] protocol::preferences preferences() const override;
    result<void> start(std::span<protocol::binding* const> bindings) override;
    void stop() override {}
    [[nodiscard]] traffic_report report() const override;

    void on_receive(protocol::binding& b, std::uint32_t queue,
                    std::span<const protocol::rx_packet> packets,
                    std::span<const protocol::rx_fragment> fragments) override
    {
        forward(b, b, queue < queues_ ? queue : 0, packets, fragments, true, counters_);
    }

private:
    explicit echo(std::uint32_t queues) : queues_(queues) {}

    std::uint32_t queues_;
    forward_counters counters_;
};

} // namespace netcx::protocols
