// SPDX-License-Identifier: MIT
// Forwarding in runs of well-formed packets, each run one binding::forward call (the framework
// sends the received buffers as they are); refused packets are released, one call each (slow
// path).
#include "common/forward.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace netcx::protocols {
namespace {
constexpr std::uint32_t ethernet_addresses = 12;

void bump(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept
{
    if (n != 0)
        c.fetch_add(n, std::memory_order_relaxed);
}

void swap_addresses(std::byte* frame) noexcept
{
    std::array<std::byte, 6> t;
    std::memcpy(t.data(), frame, 6);
    std::memmove(frame, frame + 6, 6);
    std::memcpy(frame + 6, t.data(), 6);
}
} // namespace

void forward(protocol::binding& from, protocol::binding& to, std::uint32_t tx_queue,
             std::span<const datapath::rx_packet> packets,
             std::span<const datapath::rx_fragment> fragments, bool swap_mac,
             forward_counters& c) noexcept
{
    std::uint64_t bytes = 0, sent = 0, sent_bytes = 0, refused = 0, runts = 0;
    std::size_t run = 0; // the first packet of the run not yet forwarded

    // Packets [run, end) go out as they are; what the Tx queue does not take is released.
    auto flush = [&](std::size_t end) {
        if (run == end)
            return;
        const auto batch = packets.subspan(run, end - run);
        const std::uint32_t accepted = to.forward(tx_queue, batch, fragments);
        sent += accepted;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (i < accepted) {
                sent_bytes += batch[i].length;
                continue;
            }
            from.release(fragments.subspan(batch[i].first_fragment, batch[i].fragment_count));
            ++refused;
        }
        run = end;
    };

    for (std::size_t i = 0; i < packets.size(); ++i) {
        const auto& p = packets[i];
        bytes += p.length;
        const bool inside = p.first_fragment <= fragments.size() &&
                            p.fragment_count <= fragments.size() - p.first_fragment;
        const auto frags = inside ? fragments.subspan(p.first_fragment, p.fragment_count)
                                  : std::span<const datapath::rx_fragment>{};
        if (frags.empty() || (swap_mac && frags[0].length < ethernet_addresses)) {
            flush(i);
            if (inside) // else it points past the batch: nothing of it can be released
                from.release(frags);
            ++runts;
            run = i + 1;
            continue;
        }
        if (swap_mac)
            swap_addresses(frags[0].data);
    }
    flush(packets.size());
    bump(c.received, packets.size());
    bump(c.received_bytes, bytes);
    bump(c.forwarded, sent);
    bump(c.sent_bytes, sent_bytes);
    bump(c.refused, refused);
    bump(c.runts, runts);
}

} // namespace netcx::protocols
