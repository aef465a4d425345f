// SPDX-License-Identifier: MIT
/// @file
/// bridge: binds two adapters; what arrives on one goes out of the other's Tx queue of the same
/// index, zero-copy, unchanged (the framework bounces a buffer the other device cannot reach).
/// Frames that arrive before start() or that send refuses are released and counted.
/// Parameters: queues=N (Rx and Tx queue pairs on each adapter, 1..64, default 1).
#pragma once

#include "common/forward.hpp"

#include <netcx/protocols/builtin.hpp>

#include <array>
#include <atomic>

namespace netcx::protocols {

class bridge final : public builtin {
public:
    static result<std::unique_ptr<builtin>> make(const params& p);

    [[nodiscard]] std::string_view name() const noexcept override { return "bridge"; }
    [[nodiscard]] std::uint32_t adapters() const noexcept override { return 2; }
    [[nodiscard]] protocol::preferences preferences() const override;
    result<void> start(std::span<protocol::binding* const> bindings) override;
    void stop() override;
    [[nodiscard]] traffic_report report() const override;

    void on_receive(protocol::binding& b, std::uint32_t queue,
                    std::span<const protocol::rx_packet> packets,
                    std::span<const protocol::rx_fragment> fragments) override;

private:
    explicit bridge(std::uint32_t queues) : queues_(queues) {}

    std::uint32_t queues_;
    std::array<std::atomic<protocol::binding*>, 2> ends_{};
    forward_counters counters_;
    std::atomic<std::uint64_t> unbridged_{0}; ///< arrived before start or after stop: released
};

} // namespace netcx::protocols
