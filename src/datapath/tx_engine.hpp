// SPDX-License-Identifier: MIT
// Tx translation for one queue (see datapath.cpp's design comment): sends queued by the producer
// become packet and fragment ring entries with virtual and logical addresses; what the device
// cannot use as it is goes through a bounce buffer; completions release buffers by token and hand
// cookies to the sink.
#pragma once

#include "datapath/engine.hpp"
#include "datapath/tokens.hpp"

#include <netcx/base/spsc_ring.hpp>
#include <netcx/bm/address_space.hpp>
#include <netcx/bm/pool.hpp>
#include <netcx/bm/pool_cache.hpp>

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>
#include <span>
#include <vector>

namespace netcx::datapath {

/// One item per fragment; a packet's first item carries its fragment count and cookie.
struct tx_item {
    tx_fragment f;
    std::uint32_t count; // on a packet's first item: its fragment count (0: see send)
    std::uint64_t cookie;
};

/// A registered region as Tx sees it: where it is, and how the device reaches it.
struct tx_region {
    const std::byte* base = nullptr;
    std::size_t size = 0;
    std::unique_ptr<bm::dma_mapping> mapping; ///< null: LA = VA (identity) or no DMA
    bool reachable = true;                    ///< ends at or below the device's reach
    /// Cleared when the protocol unregisters it: sends from it bounce from then on (the mapping
    /// stays until close, for a send placed just before).
    std::atomic<bool> active{true};
};

struct tx_limits {
    std::uint64_t max_frame = 0;
    std::uint32_t backfill = 0;
    std::uint32_t alignment = 1;
    std::uint64_t max_fragments = ~std::uint64_t{0};
    std::uint64_t max_logical_address = ~std::uint64_t{0};
    bool dma = false;                               // fragments need logical addresses
    bool identity = true;                           // the device's space is LA = VA
    bm::address_space* space = nullptr;             // the device's
    const std::deque<tx_region>* regions = nullptr; // registered memory
};

std::uint32_t ring_pow2(std::uint32_t n) noexcept;

/// A size class has two caches, the sender's and the completing context's: each holds at most a
/// quarter of the class, so neither can strand the buffers the other needs.
[[nodiscard]] inline std::uint32_t class_cache_capacity(const bm::pool& p) noexcept
{
    return std::clamp<std::uint32_t>(p.count() / 4, 2, bm::default_cache_capacity);
}

class tx_engine final : public engine_base {
public:
    tx_engine(packet_queue& q, bool verify, std::uint32_t index, bm::pool* bounce,
              std::vector<bm::pool*> classes, tx_sink* sink, const tx_limits& limits);

    // ---- Producer side (the sending thread) ----
    std::uint32_t send(std::span<const tx_packet> packets,
                       std::span<const tx_fragment> fragments) noexcept;
    /// Received packets as they are (datapath::forward).
    std::uint32_t send(std::span<const rx_packet> packets,
                       std::span<const rx_fragment> fragments) noexcept;

    // ---- The context ----
    void start() noexcept override
    {
        engine_base::start();
        self_.store(execution_context::current(), std::memory_order_relaxed);
    }
    bool poll() noexcept override
    {
        seen_notifications_ = q_.notifications();
        bool work = translate();
        (void)advance(); // Tx ring entries are the framework's; completion reads only indices
        work |= complete();
        flush();
        return work;
    }
    void arm() noexcept override
    {
        if (pr_->EndIndex != pr_->OSReserved0) // NxQueue: Tx arms only with packets pending
            arm_driver();
    }
    bool has_pending() const noexcept override
    {
        return sends_.size() != 0 || q_.notifications() != seen_notifications_;
    }
    void retire() noexcept override
    {
        engine_base::retire();
        bounce_cache_.reset();
        class_caches_.clear();
    }
    void stop() noexcept override;

    /// Size classes: their entries in the token table (the datapath adds them).
    [[nodiscard]] std::vector<std::unique_ptr<buffer_owner>>& class_owners() noexcept
    {
        return class_owners_;
    }
    /// On the context: a buffer of class `c` from the context's own cache.
    [[nodiscard]] bm::pool_cache& class_cache(std::size_t c) noexcept { return *class_caches_[c]; }
    /// Sends from registered region `r` not yet completed (any thread; approximate while running).
    [[nodiscard]] std::uint64_t region_in_flight(std::size_t r) const noexcept
    {
        return r < region_in_flight_.size() ? region_in_flight_[r].load(std::memory_order_relaxed)
                                            : 0;
    }

private:
    static constexpr std::uint32_t no_bounce = ~0U;
    static constexpr std::uint16_t no_region = 0xffff;
    struct slot {
        std::uint64_t cookie = 0;
        std::uint32_t bytes = 0;
        std::uint32_t bounce = no_bounce;
    };
    struct placed {
        std::uint64_t la = 0;
        std::uint16_t region = no_region;
    };

    enum class emitted : std::uint8_t { consumed, full };
    /// Puts one packet (fragment j is frag(j)) on the rings, bounced if need be, or drops it;
    /// `full`: no room (ring or bounce buffers) until completions come.
    template <class Frag>
    emitted emit(const Frag& frag, std::uint32_t k, std::uint64_t cookie) noexcept;
    template <class Frag>
    void finish(const Frag& frag, std::uint32_t n, std::uint64_t cookie, tx_drop why) noexcept;
    template <class P, class F>
    std::uint32_t send_any(std::span<const P> packets, std::span<const F> fragments) noexcept;
    template <class P, class F>
    std::uint32_t send_direct(std::span<const P> packets, std::span<const F> fragments) noexcept;
    template <class P, class F>
    std::uint32_t send_plain(std::span<const P> packets, std::span<const F> fragments) noexcept;
    void push_completion(std::uint64_t cookie) noexcept
    {
        if (sink_ == nullptr)
            return;
        if (nc_ == completions_.size())
            flush();
        completions_[nc_++] = cookie;
    }
    void flush() noexcept
    {
        if (nc_ != 0 && sink_ != nullptr)
            sink_->on_complete(index_, {completions_.data(), nc_});
        nc_ = 0;
    }
    void release_later(buffer_token t) noexcept
    {
        if (t.value == 0)
            return;
        if (nr_ == releases_.size())
            release_now();
        releases_[nr_++] = t;
    }
    void release_now() noexcept;

    bool take() noexcept;
    std::optional<bounce_reason> place(const tx_fragment& it, bool first,
                                       placed& out) const noexcept
    {
        // The common cases first: no backfill, any alignment, no logical addresses.
        if (limits_.backfill == 0 &&
            (reinterpret_cast<std::uintptr_t>(it.data) & (limits_.alignment - 1)) == 0 &&
            !limits_.dma)
            return std::nullopt;
        return place_slow(it, first, out);
    }
    std::optional<bounce_reason> place_slow(const tx_fragment& it, bool first,
                                            placed& out) const noexcept;
    bool translate() noexcept;
    bool complete() noexcept;

    std::uint32_t index_;
    tx_sink* sink_;
    tx_limits limits_;
    spsc_ring<tx_item> sends_;
    bm::pool* bounce_;
    std::optional<bm::pool_cache> bounce_cache_;
    std::vector<std::unique_ptr<bm::pool_cache>> class_caches_;
    std::vector<std::unique_ptr<buffer_owner>> class_owners_;
    std::vector<tx_item> scratch_; // producer's
    std::vector<tx_item> staged_;  // the context's: items taken off `sends_`
    std::uint32_t staged_pos_ = 0, staged_n_ = 0;
    std::vector<placed> placed_;           // per item of the packet being translated
    std::vector<slot> slots_;              // per packet ring slot
    std::vector<buffer_token> frag_token_; // per fragment ring slot: released at completion
    std::vector<std::uint16_t> frag_region_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> region_in_flight_storage_;
    std::span<std::atomic<std::uint64_t>> region_in_flight_;
    std::vector<std::uint64_t> completions_;
    std::uint32_t nc_ = 0;
    std::vector<buffer_token> releases_;
    std::uint32_t nr_ = 0;
    std::atomic<execution_context*> self_{nullptr}; // the context, between start and stop
    bool plain_ = false; // nothing can bounce and no logical addresses: skip placement
};

} // namespace netcx::datapath
