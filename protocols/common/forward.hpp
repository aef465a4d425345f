// SPDX-License-Identifier: MIT
/// @file
/// Zero-copy forwarding, shared by echo (back out of the same adapter, addresses swapped) and
/// bridge (out of the other adapter, as is): received packets go out as they are through
/// binding::forward, so the framework releases each buffer when its send completes. What the Tx
/// queue refuses is released at once.
#pragma once

#include <netcx/protocol/protocol.hpp>

#include <atomic>
#include <cstdint>
#include <span>

namespace netcx::protocols {

struct forward_counters {
    std::atomic<std::uint64_t> received{0};
    std::atomic<std::uint64_t> received_bytes{0};
    std::atomic<std::uint64_t> forwarded{0};
    std::atomic<std::uint64_t> sent_bytes{0};
    std::atomic<std::uint64_t> refused{0}; ///< send refused them: released
    std::atomic<std::uint64_t> runts{0};   ///< shorter than an Ethernet header: released
};

/// Sends `packets` from `from` out of `to`'s Tx queue `tx_queue` (from one thread per Tx queue).
/// `swap_mac`: swap destination and source addresses in place first. Counters are added with a
/// read-modify-write once per batch (several queues' contexts may forward at once).
void forward(protocol::binding& from, protocol::binding& to, std::uint32_t tx_queue,
             std::span<const datapath::rx_packet> packets,
             std::span<const datapath::rx_fragment> fragments, bool swap_mac,
             forward_counters& c) noexcept;

} // namespace netcx::protocols
