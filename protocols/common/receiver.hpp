// SPDX-License-Identifier: MIT
/// @file
/// What sink does with received frames (pktgen embeds it to check what comes back): counts them,
/// checks each stamp, the length and the payload pattern byte by byte, tracks sequence numbers
/// per flow and records latency.
///
/// Sequence tracking, per flow: `next` = highest sequence seen + 1, and a bitmap of the last
/// `window()` sequence numbers below `next`. A frame at or above `next` advances it (the skipped
/// numbers are gaps until filled); below it and inside the window it fills a gap (out of order)
/// or is a duplicate; below the window it is out of order and stays counted lost. lost = sum of
/// (next - unique received) over flows: gaps never filled (a generator knowing what it sent
/// counts trailing losses too).
///
/// Each Rx queue has its own `flow_checker` (one writer each, no lock); a report sums them. A
/// flow whose frames arrive on several queues is still counted right for loss; its duplicates
/// across queues are not seen. Counters are relaxed atomics written by their queue's context with
/// a load and a store, so report() may read them from another thread while traffic runs.
#pragma once

#include "common/histogram.hpp"
#include "common/stamp.hpp"

#include <netcx/datapath/datapath.hpp>
#include <netcx/protocols/builtin.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace netcx::protocols {

class flow_checker {
public:
    /// Sequence numbers remembered per flow: 65536, less when many flows would make the bitmaps
    /// pass 2 MiB per queue (at least 1024).
    static constexpr std::uint64_t max_window = 65536;
    static constexpr std::uint64_t min_window = 1024;
    static constexpr std::uint64_t bitmap_budget_bytes = 2 << 20;

    /// Tracks flows [0, flows); stamped frames of other flows count as foreign.
    explicit flow_checker(std::uint32_t flows);

    [[nodiscard]] std::uint64_t window() const noexcept { return window_; }

    /// Checks a batch (the queue's context only). `now` is the receive time (steady_clock ns).
    void check(std::span<const datapath::rx_packet> packets,
               std::span<const datapath::rx_fragment> fragments, std::uint64_t now) noexcept;

    struct flow_state {
        std::atomic<std::uint64_t> next{0};   ///< highest sequence seen + 1
        std::atomic<std::uint64_t> unique{0}; ///< distinct sequence numbers received
    };
    [[nodiscard]] std::uint32_t flows() const noexcept { return flows_; }
    [[nodiscard]] const flow_state& flow(std::uint32_t f) const noexcept { return state_[f]; }
    [[nodiscard]] const latency_histogram& latency() const noexcept { return *latency_; }

    std::atomic<std::uint64_t> received{0};
    std::atomic<std::uint64_t> received_bytes{0};
    std::atomic<std::uint64_t> out_of_order{0};
    std::atomic<std::uint64_t> duplicates{0};
    std::atomic<std::uint64_t> integrity_errors{0};
    std::atomic<std::uint64_t> foreign{0};

private:
    void sequence(std::uint32_t flow, std::uint64_t seq) noexcept;

    std::uint32_t flows_;
    std::uint64_t window_; ///< a power of two
    std::unique_ptr<flow_state[]> state_;
    std::unique_ptr<std::uint64_t[]> bits_; ///< flows_ * window_ / 64 words
    std::unique_ptr<latency_histogram> latency_;
};

/// One flow_checker per Rx queue, summed for reports.
class receiver {
public:
    receiver(std::uint32_t queues, std::uint32_t flows);

    void check(std::uint32_t queue, std::span<const datapath::rx_packet> packets,
               std::span<const datapath::rx_fragment> fragments) noexcept
    {
        checkers_[queue < checkers_.size() ? queue : 0]->check(packets, fragments, now_ns());
    }

    /// Distinct stamped frames received, over every flow.
    [[nodiscard]] std::uint64_t unique() const noexcept;
    /// Gaps not filled so far (sum over flows of next - unique).
    [[nodiscard]] std::uint64_t gaps() const noexcept;
    /// Fills received..foreign, lost (= gaps) and the latency figures of `r`.
    void fill(traffic_report& r) const;

private:
    std::vector<std::unique_ptr<flow_checker>> checkers_;
};

} // namespace netcx::protocols
