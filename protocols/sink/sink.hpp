// SPDX-License-Identifier: MIT
/// @file
/// sink: counts received frames, checks each stamp, its length and payload pattern, sequence
/// numbers per flow (loss, reordering, duplicates) and latency (common/receiver.hpp), and releases
/// each batch at once.
/// Parameters: expect=N (frames expected in all: done() once they arrived; lost counts the
/// missing ones at stop), flows=N (flows tracked, 1..4096, default 64), rxq=N (1..64, default 1).
#pragma once

#include "common/receiver.hpp"

#include <netcx/protocols/builtin.hpp>

#include <atomic>

namespace netcx::protocols {

class sink final : public builtin {
public:
    static result<std::unique_ptr<builtin>> make(const params& p);

    [[nodiscard]] std::string_view name() const noexcept override { return "sink"; }
    [[nodiscard]] protocol::preferences preferences() const override;
    result<void> start(std::span<protocol::binding* const> bindings) override;
    [[nodiscard]] bool done() const noexcept override;
    void stop() override { stopped_.store(true, std::memory_order_relaxed); }
    [[nodiscard]] traffic_report report() const override;

    void on_receive(protocol::binding& b, std::uint32_t queue,
                    std::span<const protocol::rx_packet> packets,
                    std::span<const protocol::rx_fragment> fragments) override
    {
        rx_.check(queue, packets, fragments);
        b.release(fragments);
    }

private:
    sink(std::uint64_t expect, std::uint32_t flows, std::uint32_t rxq)
        : expect_(expect), rxq_(rxq), rx_(rxq, flows)
    {
    }

    std::uint64_t expect_;
    std::uint32_t rxq_;
    receiver rx_;
    std::atomic<bool> stopped_{false};
};

} // namespace netcx::protocols
