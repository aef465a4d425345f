// SPDX-License-Identifier: MIT
// sink's checks: one pass per frame (gather the header, check the pattern per fragment), sequence
// bookkeeping in a per-flow bitmap, counters added once per batch.
#include "common/receiver.hpp"

#include <algorithm>
#include <cstring>

namespace netcx::protocols {
namespace {
void add(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept
{
    if (n != 0)
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
std::uint64_t window_for(std::uint32_t flows)
{
    std::uint64_t w = flow_checker::max_window;
    while (w > flow_checker::min_window && flows * w / 8 > flow_checker::bitmap_budget_bytes)
        w /= 2;
    return w;
}
} // namespace

flow_checker::flow_checker(std::uint32_t flows)
    : flows_(flows), window_(window_for(flows)), state_(std::make_unique<flow_state[]>(flows)),
      bits_(std::make_unique<std::uint64_t[]>(flows * window_ / 64)),
      latency_(std::make_unique<latency_histogram>())
{
}

void flow_checker::check(std::span<const datapath::rx_packet> packets,
                         std::span<const datapath::rx_fragment> fragments,
                         std::uint64_t now) noexcept
{
    std::uint64_t bytes = 0, bad = 0, other = 0;
    for (const auto& p : packets) {
        bytes += p.length;
        if (p.first_fragment > fragments.size() ||
            p.fragment_count > fragments.size() - p.first_fragment) {
            ++bad; // a packet that points past the batch: not trusted
            continue;
        }
        stamp s;
        switch (check_frame(fragments.subspan(p.first_fragment, p.fragment_count), p.length, s)) {
        case frame_check::ok: break;
        case frame_check::foreign: ++other; continue;
        case frame_check::length_mismatch:
        case frame_check::pattern_mismatch: ++bad; continue; // its stamp is not trusted either
        }
        if (s.flow >= flows_) {
            ++other;
            continue;
        }
        sequence(s.flow, s.sequence);
        latency_->record(now >= s.send_ns ? now - s.send_ns : 0);
    }
    add(received, packets.size());
    add(received_bytes, bytes);
    add(integrity_errors, bad);
    add(foreign, other);
}

void flow_checker::sequence(std::uint32_t flow, std::uint64_t seq) noexcept
{
    flow_state& st = state_[flow];
    const std::uint64_t window = window_;
    std::uint64_t* bits = bits_.get() + flow * (window / 64);
    const std::uint64_t next = st.next.load(std::memory_order_relaxed);
    auto bit = [](std::uint64_t s) { return std::uint64_t{1} << (s % 64); };
    auto word = [&](std::uint64_t s) -> std::uint64_t& { return bits[(s % window) / 64]; };
    if (seq >= next) {
        if (seq == UINT64_MAX)
            return; // would wrap `next`: not a sequence a generator reaches
        // Positions [next, seq] now stand for new sequence numbers: clear what they remembered.
        if (seq - next >= window) {
            std::memset(bits, 0, window / 8);
        } else {
            for (std::uint64_t s = next; s < seq; ++s)
                word(s) &= ~bit(s);
        }
        word(seq) |= bit(seq);
        st.next.store(seq + 1, std::memory_order_relaxed);
        add(st.unique, 1);
        return;
    }
    if (next - seq > window) { // older than the window: counted lost already
        add(out_of_order, 1);
        return;
    }
    if ((word(seq) & bit(seq)) != 0) {
        add(duplicates, 1);
        return;
    }
    word(seq) |= bit(seq);
    add(st.unique, 1);
    add(out_of_order, 1);
}

receiver::receiver(std::uint32_t queues, std::uint32_t flows)
{
    checkers_.reserve(std::max<std::uint32_t>(queues, 1));
    for (std::uint32_t q = 0; q < std::max<std::uint32_t>(queues, 1); ++q)
        checkers_.push_back(std::make_unique<flow_checker>(flows));
}

std::uint64_t receiver::unique() const noexcept
{
    std::uint64_t n = 0;
    for (const auto& c : checkers_)
        for (std::uint32_t f = 0; f < c->flows(); ++f)
            n += c->flow(f).unique.load(std::memory_order_relaxed);
    return n;
}

std::uint64_t receiver::gaps() const noexcept
{
    std::uint64_t n = 0;
    const std::uint32_t flows = checkers_.front()->flows();
    for (std::uint32_t f = 0; f < flows; ++f) {
        std::uint64_t next = 0, unique = 0;
        for (const auto& c : checkers_) {
            next = std::max(next, c->flow(f).next.load(std::memory_order_relaxed));
            unique += c->flow(f).unique.load(std::memory_order_relaxed);
        }
        n += next > unique ? next - unique : 0;
    }
    return n;
}

void receiver::fill(traffic_report& r) const
{
    std::vector<const latency_histogram*> hs;
    for (const auto& c : checkers_) {
        r.received += c->received.load(std::memory_order_relaxed);
        r.received_bytes += c->received_bytes.load(std::memory_order_relaxed);
        r.out_of_order += c->out_of_order.load(std::memory_order_relaxed);
        r.duplicates += c->duplicates.load(std::memory_order_relaxed);
        r.integrity_errors += c->integrity_errors.load(std::memory_order_relaxed);
        r.foreign += c->foreign.load(std::memory_order_relaxed);
        hs.push_back(&c->latency());
    }
    r.lost = gaps();
    const latency_summary l = latency_histogram::summarize(hs);
    r.has_latency = l.count > 0;
    r.latency_p50_ns = l.p50_ns;
    r.latency_p99_ns = l.p99_ns;
    r.latency_p999_ns = l.p999_ns;
    r.latency_max_ns = l.max_ns;
}

} // namespace netcx::protocols
