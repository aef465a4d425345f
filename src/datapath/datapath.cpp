// SPDX-License-Identifier: MIT
// The datapath: Rx and Tx translation between a driver's rings and the upper edge
// (datapath.hpp), and the open/close of an adapter's queues, pools and execution contexts.
//
// Threads. Context i polls Rx queue i and Tx queue i (a NAPI-style pair; one pinned core does
// io-forwarding), so a loopback or forwarding driver sees both queues' callbacks serialized. The
// rings, the pool caches and the counters of a queue are written by its context only.
//
// Rx (system-managed). Each poll: post fragments [EndIndex, OSReserved0 - 1) with a buffer from
// the queue's cache (Capacity = buffer size, Offset 0, VA, LA when registered) and packet
// elements likewise; EvtAdvance; drain packets [OSReserved0, BeginIndex): check each against the
// reference's indicate rules (and that it names fragments the driver returned, once), mark the
// fragments it references, build the batch and hand it to the sink once; fragments the driver
// returned that no accepted packet references go straight back to the cache.
// Release path: `release` may run on any thread, so buffers go back through the pool's
// unattached path (the depot, one lock per call, per batch of tokens); the context's cache
// refills from the depot. An MPSC return ring would save the lock but needs a CAS per producer
// batch and a drain step per poll; the depot already is the pool's cross-thread path.
// Tokens: bit 63 set, queue in bits 32..47, buffer index in bits 0..31.
//
// Rx (driver-managed: AllocationMode Driver, AttachmentMode Driver). No Rx pool: each poll posts
// empty fragment and packet elements (VA and return context zeroed) and the driver attaches its
// own buffers, writing VA, return context, Capacity, Offset and ValidLength. Drain applies the
// same indicate rules (Capacity as the driver wrote it, at most MaximumFrameSize) and, as
// NetAdapterCx does (reference 2.3 DRIVER): fragments of Ignore packets, and returned fragments no
// packet references, stay with the driver (no return call); fragments of packets dropped by
// validation go back at once through EvtAdapterReturnRxBuffer, once each; indicated fragments
// get a slot in the queue's return table (4 x the fragment ring) holding their
// NET_FRAGMENT_RETURN_CONTEXT_HANDLE, and their token names the slot: bit 63 and bit 62 set,
// generation in bits 48..61, queue in bits 32..47, slot in bits 0..31. A slot's state word is
// (generation << 1 | outstanding): `release` (any thread) clears it with one CAS, so each fragment
// is returned exactly once and a stale or repeated token is a named error, calls
// EvtAdapterReturnRxBuffer, then pushes the freed slots (one lock per batch) for the context to
// take back. The context drains only when it has a free slot for every returned fragment, so a
// protocol holding the whole table stalls the queue (backpressure, as pool exhaustion does in
// system mode) until releases wake it; at stop it drains anyway and returns the fragments of
// packets it has no slot for (unindicated, non-ignored fragments go back at stop:
// EcRecoverBuffers). Close: fragments the protocol still holds are returned to the driver then (the
// driver's buffers must not outlive its adapter, as pool memory does not outlive close) and close
// reports them as busy, as it reports pool buffers; a release after close is ignored. Fragments the
// driver never returned after EvtCancel (the 2 s drain timeout) are the driver's: no return call.
//
// Tx. `send` (one thread per queue) pushes packets as runs of items (first item carries the
// packet's fragment count and cookie) into the queue's SPSC ring, all of a packet or none, and
// wakes the context if it sleeps. The context turns them into ring entries at EndIndex: as they
// are when the device can use them (LA = VA on an identity space), else one fragment in a bounce
// buffer, counted by reason. Zero-length and oversize packets complete at once as drops.
// Completion drains [OSReserved0, BeginIndex): bounce buffers back to the cache, cookies to the
// sink once per poll. A packet the driver returns with Ignore set was not sent (cancelled).
//
// Stop (on the context): EvtCancel; Advance and drain until every posted element is back (at
// most 2 s, then the queue is named with what the driver kept); EvtStop. Unposted sends complete
// as cancelled.
#include "datapath/open.hpp"

#include "adapter/adapter.hpp"
#include "base/diag.hpp"
#include "datapath/execution_context.hpp"
#include "datapath/queue.hpp"
#include "datapath/verifier.hpp"
#include "wdf/device.hpp"

#include <netcx/base/spinlock.hpp>
#include <netcx/base/spsc_ring.hpp>
#include <netcx/bm/pool.hpp>
#include <netcx/bm/pool_cache.hpp>

#include <net/logicaladdress.h>
#include <net/returncontext.h>
#include <net/virtualaddress.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

namespace netcx::datapath {

std::string_view to_string(rx_drop r) noexcept
{
    switch (r) {
    case rx_drop::no_fragments: return "no_fragments";
    case rx_drop::capacity_above_frame: return "capacity_above_frame";
    case rx_drop::length_beyond_capacity: return "length_beyond_capacity";
    case rx_drop::offset_not_first: return "offset_not_first";
    case rx_drop::short_middle_fragment: return "short_middle_fragment";
    case rx_drop::verifier: return "verifier";
    case rx_drop::count_: break;
    }
    return "?";
}

std::string_view to_string(tx_drop r) noexcept
{
    switch (r) {
    case tx_drop::zero_length: return "zero_length";
    case tx_drop::oversize: return "oversize";
    case tx_drop::no_bounce_buffer: return "no_bounce_buffer";
    case tx_drop::cancelled: return "cancelled";
    case tx_drop::count_: break;
    }
    return "?";
}

std::string_view to_string(bounce_reason r) noexcept
{
    switch (r) {
    case bounce_reason::misaligned: return "misaligned";
    case bounce_reason::above_max_address: return "above_max_address";
    case bounce_reason::unmapped: return "unmapped";
    case bounce_reason::too_many_fragments: return "too_many_fragments";
    case bounce_reason::backfill: return "backfill";
    case bounce_reason::count_: break;
    }
    return "?";
}

namespace {

using clock = std::chrono::steady_clock;
constexpr auto drain_timeout = std::chrono::seconds(2);
constexpr std::uint64_t token_tag = std::uint64_t{1} << 63;
constexpr std::uint64_t token_driver = std::uint64_t{1} << 62;
constexpr std::uint32_t generation_mask = (1U << 14) - 1;

NETCX_ALWAYS_INLINE void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept
{
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

/// Counters written by the queue's context, read by anyone.
struct atomic_stats {
    std::atomic<std::uint64_t> packets{0}, bytes{0}, advances{0};
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(rx_drop::count_)> rx_drops{};
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(tx_drop::count_)> tx_drops{};
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(bounce_reason::count_)>
        bounces{};

    queue_stats read(std::uint64_t notifications) const
    {
        queue_stats s;
        s.packets = packets.load(std::memory_order_relaxed);
        s.bytes = bytes.load(std::memory_order_relaxed);
        s.advances = advances.load(std::memory_order_relaxed);
        s.notifications = notifications;
        for (std::size_t i = 0; i < rx_drops.size(); ++i)
            s.rx_drops[i] = rx_drops[i].load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < tx_drops.size(); ++i)
            s.tx_drops[i] = tx_drops[i].load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < bounces.size(); ++i)
            s.bounces[i] = bounces[i].load(std::memory_order_relaxed);
        return s;
    }
};

/// What both directions share: the queue, its rings, the driver's callbacks.
class engine_base : public queue_engine {
public:
    engine_base(packet_queue& q, bool verify, bool driver_attaches = false)
        : q_(q), pr_(q.packet_ring()), fr_(q.fragment_ring())
    {
        va_off_ = q.extension_offset(NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_NAME);
        const auto* la = q.find_extension(NET_FRAGMENT_EXTENSION_LOGICAL_ADDRESS_NAME, 1);
        has_la_ = la != nullptr;
        la_off_ = has_la_ ? la->offset : 0;
        if (verify)
            verifier_.emplace(q.is_tx() ? queue_kind::tx : queue_kind::rx, driver_attaches);
    }

    [[nodiscard]] packet_queue& queue() const noexcept { return q_; }
    [[nodiscard]] const atomic_stats& counters() const noexcept { return stats_; }
    [[nodiscard]] std::uint64_t notifications() const noexcept
    {
        return retired_ ? final_notifications_ : q_.notifications();
    }
    /// After the context stopped: gives cached buffers back to the pools and lets go of the
    /// queue (the counters stay readable).
    virtual void retire() noexcept
    {
        final_notifications_ = q_.notifications();
        retired_ = true;
    }

    void start() noexcept override
    {
        q_.reset_indices();
        if (verifier_)
            verifier_->reset(); // its snapshot and poison cursors describe the old indices
        if (q_.config().EvtStart != nullptr)
            q_.config().EvtStart(handle());
    }
    void disarm() noexcept override { armed_ = false; }

protected:
    NETPACKETQUEUE handle() const noexcept { return static_cast<NETPACKETQUEUE>(q_.handle()); }

    /// EvtAdvance, with the verifier around it when on. False if the verifier refused it.
    bool advance() noexcept
    {
        bump(stats_.advances);
        if (verifier_) {
            verifier_->before_advance(q_.rings());
            q_.config().EvtAdvance(handle());
            if (verifier_->after_advance(q_.rings()))
                return false;
            return true;
        }
        q_.config().EvtAdvance(handle());
        return true;
    }

    void arm_driver() noexcept
    {
        if (!armed_) {
            armed_ = true;
            q_.config().EvtSetNotificationEnabled(handle(), TRUE);
        }
    }

    NET_FRAGMENT* fragment(std::uint32_t i) const noexcept
    {
        return NetRingGetFragmentAtIndex(fr_, i);
    }
    void set_va(std::uint32_t i, void* va) const noexcept
    {
        auto* e = reinterpret_cast<NET_FRAGMENT_VIRTUAL_ADDRESS*>(
            static_cast<unsigned char*>(NetRingGetElementAtIndex(fr_, i)) + va_off_);
        e->VirtualAddress = va;
    }
    std::byte* va(std::uint32_t i) const noexcept
    {
        return static_cast<std::byte*>(
            reinterpret_cast<const NET_FRAGMENT_VIRTUAL_ADDRESS*>(
                static_cast<const unsigned char*>(NetRingGetElementAtIndex(fr_, i)) + va_off_)
                ->VirtualAddress);
    }
    void set_la(std::uint32_t i, std::uint64_t la) const noexcept
    {
        auto* e = reinterpret_cast<NET_FRAGMENT_LOGICAL_ADDRESS*>(
            static_cast<unsigned char*>(NetRingGetElementAtIndex(fr_, i)) + la_off_);
        e->LogicalAddress = la;
    }
    static std::uint32_t free_slots(const NET_RING* r) noexcept
    {
        return (r->OSReserved0 - 1 - r->EndIndex) & r->ElementIndexMask;
    }

    /// Cancel, then Advance and `drain` until every posted element is back or time runs out.
    template <class Drain>
    void cancel_and_drain(Drain&& drain) noexcept
    {
        q_.config().EvtCancel(handle());
        const auto deadline = clock::now() + drain_timeout;
        for (;;) {
            drain();
            if (pr_->OSReserved0 == pr_->EndIndex && fr_->OSReserved0 == fr_->EndIndex)
                break;
            if (clock::now() > deadline) {
                log(log_level::error,
                    "{}: the driver kept {} packet(s) and {} fragment(s) for {} s after "
                    "EvtCancel; stopping the queue without them",
                    q_.name(), NetRingGetRangeCount(pr_, pr_->OSReserved0, pr_->EndIndex),
                    NetRingGetRangeCount(fr_, fr_->OSReserved0, fr_->EndIndex),
                    std::chrono::duration_cast<std::chrono::seconds>(drain_timeout).count());
                break;
            }
            (void)advance();
            std::this_thread::yield();
        }
        if (q_.config().EvtStop != nullptr)
            q_.config().EvtStop(handle());
        q_.set_context(nullptr);
    }

    packet_queue& q_;
    NET_RING* pr_;
    NET_RING* fr_;
    std::uint32_t va_off_ = 0;
    std::uint32_t la_off_ = 0;
    bool has_la_ = false;
    bool armed_ = false;
    std::uint64_t seen_notifications_ = 0;
    bool retired_ = false;
    std::uint64_t final_notifications_ = 0;
    atomic_stats stats_;
    std::optional<verifier> verifier_;
};

// ---- Rx -----------------------------------------------------------------------------------

/// Driver-managed Rx: what the driver needs to take its buffers back.
struct driver_return {
    NETADAPTER adapter = nullptr;
    PFN_NET_ADAPTER_RETURN_RX_BUFFER fn = nullptr;
};

class rx_engine final : public engine_base {
public:
    /// System-managed Rx: buffers from `pool`.
    rx_engine(packet_queue& q, bool verify, std::uint32_t index, bm::pool& pool, rx_sink& sink)
        : engine_base(q, verify), index_(index), pool_(&pool), sink_(sink),
          cache_(std::in_place, pool,
                 bm::holder{bm::owner::framework, static_cast<std::uint16_t>(index)}),
          slot_buffer_(fr_->NumberOfElements), indicated_(fr_->NumberOfElements),
          packets_(pr_->NumberOfElements), fragments_(fr_->NumberOfElements),
          capacity_(pool.buffer_size())
    {
    }

    /// Driver-managed Rx: the driver attaches buffers of at most `max_frame` bytes.
    rx_engine(packet_queue& q, bool verify, std::uint32_t index, const driver_return& ret,
              std::uint32_t max_frame, rx_sink& sink)
        : engine_base(q, verify, true), index_(index), pool_(nullptr), sink_(sink),
          indicated_(fr_->NumberOfElements), packets_(pr_->NumberOfElements),
          fragments_(fr_->NumberOfElements), capacity_(max_frame), ret_(ret),
          rc_off_(q.extension_offset(NET_FRAGMENT_EXTENSION_RETURN_CONTEXT_NAME)),
          table_size_(4 * fr_->NumberOfElements), handles_(table_size_),
          states_(std::make_unique<std::atomic<std::uint32_t>[]>(table_size_))
    {
        free_slots_.reserve(table_size_);
        freed_.reserve(table_size_);
        for (std::uint32_t i = table_size_; i != 0; --i)
            free_slots_.push_back(i - 1);
    }

    bool poll() noexcept override
    {
        bool work = driver_managed() ? post_empty() : post();
        const bool accepted = advance();
        work |= driver_managed() ? drain_driver(accepted) : drain(accepted);
        return work;
    }
    void arm() noexcept override { arm_driver(); }
    bool has_pending() const noexcept override
    {
        return returned_.load(std::memory_order_relaxed) != seen_returned_ ||
               q_.notifications() != seen_notifications_;
    }
    void stop() noexcept override
    {
        stopping_ = true;
        cancel_and_drain([this] {
            if (driver_managed())
                (void)drain_driver(true);
            else
                (void)drain(true);
        });
    }

    /// Any thread: `n` buffers of this queue went back to the pool.
    void on_returned(std::uint64_t n) noexcept
    {
        returned_.fetch_add(n, std::memory_order_relaxed);
    }
    [[nodiscard]] bool driver_managed() const noexcept { return pool_ == nullptr; }
    [[nodiscard]] bm::pool& pool() const noexcept { return *pool_; }
    [[nodiscard]] std::uint32_t table_size() const noexcept { return table_size_; }
    void retire() noexcept override
    {
        engine_base::retire();
        cache_.reset();
    }

    /// Any thread (driver-managed): the protocol released the fragment in `slot` indicated with
    /// `generation`; returns it to the driver unless it is not outstanding (false: a stale or
    /// repeated token). The slot is free once `slots_freed` took it.
    bool return_slot(std::uint32_t slot, std::uint32_t generation) noexcept
    {
        std::uint32_t expected = (generation << 1) | 1U;
        if (!states_[slot].compare_exchange_strong(expected, generation << 1,
                                                   std::memory_order_acq_rel))
            return false;
        ret_.fn(ret_.adapter, handles_[slot]);
        return true;
    }
    /// Any thread (driver-managed): slots `return_slot` emptied can be used again.
    void slots_freed(std::span<const std::uint32_t> slots) noexcept
    {
        {
            const std::lock_guard g{freed_lock_};
            freed_.insert(freed_.end(), slots.begin(), slots.end()); // within the reserve
        }
        on_returned(slots.size());
    }
    /// After the context stopped (driver-managed): returns every fragment the protocol still
    /// holds to the driver; how many there were.
    std::uint32_t return_outstanding_slow() noexcept
    {
        std::uint32_t n = 0;
        for (std::uint32_t i = 0; i < table_size_; ++i) {
            const std::uint32_t s = states_[i].load(std::memory_order_acquire);
            if ((s & 1U) != 0 && return_slot(i, s >> 1))
                ++n;
        }
        return n;
    }

private:
    bool post() noexcept
    {
        seen_returned_ = returned_.load(std::memory_order_relaxed);
        seen_notifications_ = q_.notifications();
        if (stopping_)
            return false;
        std::uint32_t n = free_slots(fr_);
        std::uint32_t end = fr_->EndIndex;
        const std::uint32_t posted_from = end;
        bm::buffer_index got[64];
        while (n != 0) {
            const std::uint32_t want = std::min<std::uint32_t>(n, 64);
            const std::uint32_t k = cache_->alloc_burst({got, want});
            for (std::uint32_t j = 0; j < k; ++j) {
                const bm::buffer_index b = got[j];
                NET_FRAGMENT* f = fragment(end);
                *f = NET_FRAGMENT{};
                f->Capacity = capacity_;
                set_va(end, pool_->va(b));
                if (has_la_)
                    set_la(end, bm::to_u64(pool_->la(b)));
                pool_->set_holder(b, {bm::owner::driver, static_cast<std::uint16_t>(index_)});
                slot_buffer_[end] = b;
                end = (end + 1) & fr_->ElementIndexMask;
            }
            n -= k;
            if (k < want)
                break;
        }
        fr_->EndIndex = end;
        post_packets();
        return end != posted_from;
    }

    void post_packets() noexcept
    {
        std::uint32_t pn = free_slots(pr_);
        for (std::uint32_t pe = pr_->EndIndex; pn != 0; --pn) {
            *NetRingGetPacketAtIndex(pr_, pe) = NET_PACKET{};
            pe = (pe + 1) & pr_->ElementIndexMask;
            pr_->EndIndex = pe;
        }
    }

    /// Driver-managed: empty fragments (the driver attaches) and packets.
    bool post_empty() noexcept
    {
        seen_returned_ = returned_.load(std::memory_order_relaxed);
        seen_notifications_ = q_.notifications();
        if (stopping_)
            return false;
        const std::uint32_t posted_from = fr_->EndIndex;
        std::uint32_t end = posted_from;
        for (std::uint32_t n = free_slots(fr_); n != 0; --n) {
            *fragment(end) = NET_FRAGMENT{};
            set_va(end, nullptr);
            set_return_context(end, nullptr);
            end = (end + 1) & fr_->ElementIndexMask;
        }
        fr_->EndIndex = end;
        post_packets();
        return end != posted_from;
    }

    NET_FRAGMENT_RETURN_CONTEXT_HANDLE return_context(std::uint32_t i) const noexcept
    {
        return reinterpret_cast<const NET_FRAGMENT_RETURN_CONTEXT*>(
                   static_cast<const unsigned char*>(NetRingGetElementAtIndex(fr_, i)) + rc_off_)
            ->Handle;
    }
    void set_return_context(std::uint32_t i, NET_FRAGMENT_RETURN_CONTEXT_HANDLE h) const noexcept
    {
        reinterpret_cast<NET_FRAGMENT_RETURN_CONTEXT*>(
            static_cast<unsigned char*>(NetRingGetElementAtIndex(fr_, i)) + rc_off_)
            ->Handle = h;
    }

    void drop(rx_drop why) noexcept { bump(stats_.rx_drops[static_cast<std::size_t>(why)]); }

    /// Why the packet breaks the indicate rules, if it does.
    std::optional<rx_drop> check(const NET_PACKET& p, std::uint32_t first_returned,
                                 std::uint32_t returned) const noexcept
    {
        const std::uint32_t count = p.FragmentCount;
        if (count == 0)
            return rx_drop::no_fragments;
        const std::uint32_t mask = fr_->ElementIndexMask;
        // Fragments the driver did not return, or that another packet took: a ring rule (the
        // verifier names it); counted under the verifier's reason even with the verifier off.
        if (p.FragmentIndex > mask ||
            ((p.FragmentIndex - first_returned) & mask) + count > returned)
            return rx_drop::verifier;
        for (std::uint32_t k = 0, i = p.FragmentIndex; k < count; ++k, i = (i + 1) & mask) {
            if (indicated_[i])
                return rx_drop::verifier;
            const NET_FRAGMENT& f = *fragment(i);
            if (f.Capacity > capacity_)
                return rx_drop::capacity_above_frame;
            if (f.Offset + f.ValidLength > f.Capacity)
                return rx_drop::length_beyond_capacity;
            if (k != 0 && f.Offset != 0)
                return rx_drop::offset_not_first;
            if (k + 1 != count && f.Offset + f.ValidLength != f.Capacity)
                return rx_drop::short_middle_fragment;
        }
        return std::nullopt;
    }

    bool drain(bool accepted) noexcept
    {
        const std::uint32_t pb = pr_->OSReserved0, pe = pr_->BeginIndex;
        const std::uint32_t fb = fr_->OSReserved0, fe = fr_->BeginIndex;
        if (pb == pe && fb == fe)
            return false;
        const std::uint32_t returned = NetRingGetRangeCount(fr_, fb, fe);
        const std::uint32_t mask = fr_->ElementIndexMask;
        std::uint32_t np = 0, nf = 0;
        std::uint64_t bytes = 0;
        for (std::uint32_t i = pb; i != pe; i = (i + 1) & pr_->ElementIndexMask) {
            const NET_PACKET& p = *NetRingGetPacketAtIndex(pr_, i);
            if (p.Ignore)
                continue;
            if (!accepted) {
                drop(rx_drop::verifier);
                continue;
            }
            if (auto why = check(p, fb, returned)) {
                drop(*why);
                continue;
            }
            rx_packet& out = packets_[np++];
            out.first_fragment = nf;
            out.fragment_count = p.FragmentCount;
            out.layer2_type = p.Layout.Layer2Type;
            std::uint32_t len = 0;
            for (std::uint32_t k = 0, j = p.FragmentIndex; k < p.FragmentCount;
                 ++k, j = (j + 1) & mask) {
                const NET_FRAGMENT& f = *fragment(j);
                const bm::buffer_index b = slot_buffer_[j];
                indicated_[j] = 1;
                pool_->set_holder(b, {bm::owner::protocol, static_cast<std::uint16_t>(index_)});
                fragments_[nf++] = {pool_->va(b) + f.Offset,
                                    static_cast<std::uint32_t>(f.ValidLength),
                                    {token_tag | (std::uint64_t{index_} << 32) | bm::to_u32(b)}};
                len += static_cast<std::uint32_t>(f.ValidLength);
            }
            out.length = len;
            bytes += len;
        }
        // Fragments no accepted packet took go back to the cache.
        bm::buffer_index back[64];
        std::uint32_t nb = 0;
        for (std::uint32_t i = fb; i != fe; i = (i + 1) & mask) {
            if (indicated_[i]) {
                indicated_[i] = 0;
                continue;
            }
            back[nb++] = slot_buffer_[i];
            if (nb == 64) {
                (void)cache_->free_bulk({back, nb});
                nb = 0;
            }
        }
        if (nb != 0)
            (void)cache_->free_bulk({back, nb});
        pr_->OSReserved0 = pe;
        fr_->OSReserved0 = fe;
        if (np != 0) {
            bump(stats_.packets, np);
            bump(stats_.bytes, bytes);
            sink_.on_receive(index_, {packets_.data(), np}, {fragments_.data(), nf});
        }
        return true;
    }

    /// Driver-managed: the fragments of a packet that is not indicated go back to the driver, once
    /// each (those inside the returned range no packet took yet).
    void give_back(const NET_PACKET& p, std::uint32_t fb, std::uint32_t returned) noexcept
    {
        const std::uint32_t mask = fr_->ElementIndexMask;
        if (p.FragmentIndex > mask)
            return;
        const std::uint32_t count = std::min<std::uint32_t>(p.FragmentCount, returned);
        for (std::uint32_t k = 0, i = p.FragmentIndex; k < count; ++k, i = (i + 1) & mask) {
            if (((i - fb) & mask) >= returned || indicated_[i])
                continue;
            indicated_[i] = 1;
            ret_.fn(ret_.adapter, return_context(i));
        }
    }

    /// Driver-managed: slots released since the last take come back to the context.
    void take_freed_slots() noexcept
    {
        const std::lock_guard g{freed_lock_};
        free_slots_.insert(free_slots_.end(), freed_.begin(), freed_.end()); // within reserve
        freed_.clear();
    }

    bool drain_driver(bool accepted) noexcept
    {
        const std::uint32_t pb = pr_->OSReserved0, pe = pr_->BeginIndex;
        const std::uint32_t fb = fr_->OSReserved0, fe = fr_->BeginIndex;
        if (pb == pe && fb == fe)
            return false;
        const std::uint32_t returned = NetRingGetRangeCount(fr_, fb, fe);
        if (free_slots_.size() < returned) {
            take_freed_slots();
            if (free_slots_.size() < returned && !stopping_)
                return false; // backpressure: a release wakes the context
        }
        const std::uint32_t mask = fr_->ElementIndexMask;
        std::uint32_t np = 0, nf = 0;
        std::uint64_t bytes = 0;
        for (std::uint32_t i = pb; i != pe; i = (i + 1) & pr_->ElementIndexMask) {
            const NET_PACKET& p = *NetRingGetPacketAtIndex(pr_, i);
            if (p.Ignore)
                continue; // its fragments stay with the driver
            if (!accepted) {
                drop(rx_drop::verifier);
                give_back(p, fb, returned);
                continue;
            }
            if (auto why = check(p, fb, returned)) {
                drop(*why);
                give_back(p, fb, returned);
                continue;
            }
            if (free_slots_.size() < p.FragmentCount) { // only while stopping
                give_back(p, fb, returned);
                continue;
            }
            rx_packet& out = packets_[np++];
            out.first_fragment = nf;
            out.fragment_count = p.FragmentCount;
            out.layer2_type = p.Layout.Layer2Type;
            std::uint32_t len = 0;
            for (std::uint32_t k = 0, j = p.FragmentIndex; k < p.FragmentCount;
                 ++k, j = (j + 1) & mask) {
                const NET_FRAGMENT& f = *fragment(j);
                const std::uint32_t slot = free_slots_.back();
                free_slots_.pop_back();
                const std::uint32_t generation =
                    ((states_[slot].load(std::memory_order_relaxed) >> 1) + 1) & generation_mask;
                handles_[slot] = return_context(j);
                states_[slot].store((generation << 1) | 1U, std::memory_order_release);
                indicated_[j] = 1;
                fragments_[nf++] = {va(j) + f.Offset,
                                    static_cast<std::uint32_t>(f.ValidLength),
                                    {token_tag | token_driver | (std::uint64_t{generation} << 48) |
                                     (std::uint64_t{index_} << 32) | slot}};
                len += static_cast<std::uint32_t>(f.ValidLength);
            }
            out.length = len;
            bytes += len;
        }
        // Fragments no packet took (indicated or dropped) stay with the driver.
        for (std::uint32_t i = fb; i != fe; i = (i + 1) & mask)
            indicated_[i] = 0;
        pr_->OSReserved0 = pe;
        fr_->OSReserved0 = fe;
        if (np != 0) {
            bump(stats_.packets, np);
            bump(stats_.bytes, bytes);
            sink_.on_receive(index_, {packets_.data(), np}, {fragments_.data(), nf});
        }
        return true;
    }

    std::uint32_t index_;
    bm::pool* pool_; // null: driver-managed
    rx_sink& sink_;
    std::optional<bm::pool_cache> cache_;
    std::vector<bm::buffer_index> slot_buffer_; // fragment slot -> posted buffer
    std::vector<std::uint8_t> indicated_;       // fragment slot taken by an accepted packet
    std::vector<rx_packet> packets_;
    std::vector<rx_fragment> fragments_;
    std::uint32_t capacity_;
    bool stopping_ = false;
    std::uint64_t seen_returned_ = 0;
    // Driver-managed: the return table.
    driver_return ret_;
    std::uint32_t rc_off_ = 0;
    std::uint32_t table_size_ = 0;
    std::vector<NET_FRAGMENT_RETURN_CONTEXT_HANDLE> handles_; // slot -> driver's handle
    std::unique_ptr<std::atomic<std::uint32_t>[]> states_;    // generation << 1 | outstanding
    std::vector<std::uint32_t> free_slots_;                   // the context's
    alignas(cache_line_size) spinlock freed_lock_;
    std::vector<std::uint32_t> freed_; // released slots, under freed_lock_
    alignas(cache_line_size) std::atomic<std::uint64_t> returned_{0};
};

// ---- Tx -----------------------------------------------------------------------------------

struct tx_item {
    const std::byte* data;
    std::uint32_t length;
    std::uint32_t count; // on a packet's first item: its fragment count (0: an empty packet)
    std::uint64_t cookie;
};

struct tx_limits {
    std::uint64_t max_frame = 0;
    std::uint32_t backfill = 0;
    std::uint32_t alignment = 1;
    std::uint64_t max_fragments = ~std::uint64_t{0};
    std::uint64_t max_logical_address = ~std::uint64_t{0};
    bool dma = false;     // fragments need logical addresses
    bool identity = true; // the device's space is LA = VA
};

std::uint32_t ring_pow2(std::uint32_t n) noexcept
{
    std::uint32_t v = 2;
    while (v < n)
        v <<= 1;
    return v;
}

class tx_engine final : public engine_base {
public:
    tx_engine(packet_queue& q, bool verify, std::uint32_t index, bm::pool* bounce, tx_sink* sink,
              const tx_limits& limits)
        : engine_base(q, verify), index_(index), sink_(sink), limits_(limits),
          sends_(ring_pow2(2 * fr_->NumberOfElements)), bounce_(bounce),
          scratch_(fr_->NumberOfElements), held_(fr_->NumberOfElements),
          slots_(pr_->NumberOfElements), completions_(pr_->NumberOfElements)
    {
        if (bounce != nullptr)
            bounce_cache_.emplace(
                *bounce, bm::holder{bm::owner::framework, static_cast<std::uint16_t>(index)});
    }

    // Producer side (the sending thread).
    std::uint32_t send(std::span<const tx_packet> packets,
                       std::span<const tx_fragment> fragments) noexcept
    {
        std::uint32_t accepted = 0;
        for (const tx_packet& p : packets) {
            const std::uint32_t k = p.fragment_count;
            if (std::size_t{p.first_fragment} + k > fragments.size()) {
                log(log_level::error,
                    "{}: send: packet {} names fragments [{}, {}) of a span of {}; not sent",
                    q_.name(), accepted, p.first_fragment, p.first_fragment + k, fragments.size());
                break;
            }
            std::uint32_t n = 0;
            if (k == 0 || k > scratch_.size()) {
                // Nothing to send, or more fragments than a ring holds: complete as a drop.
                scratch_[0] = {nullptr, k == 0 ? 0U : ~0U, 0, p.cookie};
                n = 1;
            } else {
                for (std::uint32_t j = 0; j < k; ++j) {
                    const tx_fragment& f = fragments[p.first_fragment + j];
                    scratch_[j] = {f.data, f.length, j == 0 ? k : 0U, p.cookie};
                }
                n = k;
            }
            if (!sends_.enqueue_bulk(scratch_.data(), n))
                break;
            ++accepted;
        }
        return accepted;
    }

    bool poll() noexcept override
    {
        seen_notifications_ = q_.notifications();
        bool work = translate();
        const bool accepted = advance();
        (void)accepted; // Tx ring entries are the framework's; completion reads only indices
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
    }
    void stop() noexcept override
    {
        cancel_and_drain([this] {
            (void)complete();
            flush();
        });
        // What never reached the ring completes as cancelled.
        if (held_n_ != 0)
            finish(held_[0].cookie, tx_drop::cancelled);
        held_n_ = 0;
        tx_item it{};
        while (sends_.dequeue_bulk(&it, 1))
            if (it.count != 0 || it.data == nullptr)
                finish(it.cookie, tx_drop::cancelled);
        flush();
    }

private:
    void finish(std::uint64_t cookie, tx_drop why) noexcept
    {
        bump(stats_.tx_drops[static_cast<std::size_t>(why)]);
        push_completion(cookie);
    }
    void push_completion(std::uint64_t cookie) noexcept
    {
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

    /// Takes the next packet's items into held_ (false: none queued).
    bool take() noexcept
    {
        if (held_n_ != 0)
            return true;
        if (!sends_.dequeue_bulk(held_.data(), 1))
            return false;
        const std::uint32_t n = std::max<std::uint32_t>(held_[0].count, 1);
        // The producer enqueued the packet whole: the rest is there.
        if (n > 1)
            (void)sends_.dequeue_bulk(held_.data() + 1, n - 1);
        held_n_ = n;
        return true;
    }

    std::optional<bounce_reason> bounce_needed(std::uint32_t k) const noexcept
    {
        if (limits_.backfill != 0)
            return bounce_reason::backfill;
        if (k > limits_.max_fragments)
            return bounce_reason::too_many_fragments;
        for (std::uint32_t j = 0; j < k; ++j) {
            const auto a = reinterpret_cast<std::uintptr_t>(held_[j].data);
            if ((a & (limits_.alignment - 1)) != 0)
                return bounce_reason::misaligned;
            if (!limits_.dma)
                continue;
            if (!limits_.identity)
                return bounce_reason::unmapped;
            if (a + held_[j].length - 1 > limits_.max_logical_address)
                return bounce_reason::above_max_address;
        }
        return std::nullopt;
    }

    bool translate() noexcept
    {
        bool moved = false;
        for (std::uint32_t budget = pr_->NumberOfElements; budget != 0 && take(); --budget) {
            const tx_item& first = held_[0];
            const std::uint32_t k = first.count;
            std::uint64_t total = 0;
            for (std::uint32_t j = 0; j < k; ++j)
                total += held_[j].length;
            if (k == 0 && first.length != 0) { // more fragments than the ring holds
                finish(first.cookie, tx_drop::oversize);
                held_n_ = 0;
                moved = true;
                continue;
            }
            if (total == 0 || total > limits_.max_frame) {
                finish(first.cookie, total == 0 ? tx_drop::zero_length : tx_drop::oversize);
                held_n_ = 0;
                moved = true;
                continue;
            }
            const auto reason = bounce_needed(k);
            const std::uint32_t needed = reason ? 1 : k;
            if (free_slots(pr_) == 0 || free_slots(fr_) < needed)
                break; // the ring is full: wait for completions
            const std::uint32_t pi = pr_->EndIndex;
            std::uint32_t fi = fr_->EndIndex;
            slot& s = slots_[pi];
            s.cookie = first.cookie;
            s.bytes = static_cast<std::uint32_t>(total);
            s.bounce = no_bounce;
            if (reason) {
                std::optional<bm::buffer_index> b;
                if (bounce_cache_ && total + limits_.backfill <= bounce_->buffer_size())
                    b = bounce_cache_->alloc();
                if (!b) {
                    if (pr_->EndIndex != pr_->OSReserved0 && bounce_cache_)
                        break; // buffers come back with completions: retry then
                    finish(first.cookie, tx_drop::no_bounce_buffer);
                    held_n_ = 0;
                    moved = true;
                    continue;
                }
                bump(stats_.bounces[static_cast<std::size_t>(*reason)]);
                std::byte* va = bounce_->va(*b);
                std::byte* to = va + limits_.backfill;
                for (std::uint32_t j = 0; j < k; ++j) {
                    std::memcpy(to, held_[j].data, held_[j].length);
                    to += held_[j].length;
                }
                NET_FRAGMENT* f = fragment(fi);
                *f = NET_FRAGMENT{};
                f->ValidLength = limits_.backfill + total;
                f->Capacity = bounce_->buffer_size();
                f->OsReserved_Bounced = 1;
                set_va(fi, va);
                if (has_la_)
                    set_la(fi, bm::to_u64(bounce_->la(*b)));
                s.bounce = bm::to_u32(*b);
            } else {
                for (std::uint32_t j = 0; j < k; ++j) {
                    NET_FRAGMENT* f = fragment((fi + j) & fr_->ElementIndexMask);
                    *f = NET_FRAGMENT{};
                    f->ValidLength = held_[j].length;
                    f->Capacity = held_[j].length;
                    auto* va = const_cast<std::byte*>(held_[j].data);
                    set_va((fi + j) & fr_->ElementIndexMask, va);
                    if (has_la_)
                        set_la((fi + j) & fr_->ElementIndexMask,
                               reinterpret_cast<std::uintptr_t>(va));
                }
            }
            NET_PACKET* p = NetRingGetPacketAtIndex(pr_, pi);
            *p = NET_PACKET{};
            p->FragmentIndex = fi;
            p->FragmentCount = static_cast<UINT16>(needed);
            fr_->EndIndex = (fi + needed) & fr_->ElementIndexMask;
            pr_->EndIndex = (pi + 1) & pr_->ElementIndexMask;
            held_n_ = 0;
            moved = true;
        }
        return moved;
    }

    bool complete() noexcept
    {
        const std::uint32_t pb = pr_->OSReserved0, pe = pr_->BeginIndex;
        const bool frags = fr_->OSReserved0 != fr_->BeginIndex;
        if (pb == pe && !frags)
            return false;
        std::uint64_t packets = 0, bytes = 0;
        for (std::uint32_t i = pb; i != pe; i = (i + 1) & pr_->ElementIndexMask) {
            const slot& s = slots_[i];
            if (s.bounce != no_bounce)
                (void)bounce_cache_->free(bm::buffer_index{s.bounce});
            if (NetRingGetPacketAtIndex(pr_, i)->Ignore) {
                finish(s.cookie, tx_drop::cancelled);
                continue;
            }
            ++packets;
            bytes += s.bytes;
            push_completion(s.cookie);
        }
        pr_->OSReserved0 = pe;
        fr_->OSReserved0 = fr_->BeginIndex;
        bump(stats_.packets, packets);
        bump(stats_.bytes, bytes);
        return true;
    }

    static constexpr std::uint32_t no_bounce = ~0U;
    struct slot {
        std::uint64_t cookie = 0;
        std::uint32_t bytes = 0;
        std::uint32_t bounce = no_bounce;
    };

    std::uint32_t index_;
    tx_sink* sink_;
    tx_limits limits_;
    spsc_ring<tx_item> sends_;
    bm::pool* bounce_;
    std::optional<bm::pool_cache> bounce_cache_;
    std::vector<tx_item> scratch_; // producer's
    std::vector<tx_item> held_;    // the context's: the packet being translated
    std::uint32_t held_n_ = 0;
    std::vector<slot> slots_; // per packet ring slot
    std::vector<std::uint64_t> completions_;
    std::uint32_t nc_ = 0;
};

// ---- The datapath -------------------------------------------------------------------------

class datapath_impl final : public datapath {
public:
    datapath_impl(adapter::adapter& a, const options& o, std::shared_ptr<open_link> link)
        : adapter_name_(a.name()), options_(o), link_(std::move(link))
    {
    }
    ~datapath_impl() override { (void)close(); }

    std::uint32_t send(std::uint32_t queue, std::span<const tx_packet> packets,
                       std::span<const tx_fragment> fragments) noexcept override
    {
        if (closed_.load(std::memory_order_relaxed) || queue >= tx_.size())
            return 0;
        const std::uint32_t n = tx_[queue]->send(packets, fragments);
        if (n != 0)
            tx_context_[queue]->wake();
        return n;
    }

    void release(std::span<const rx_fragment> fragments) noexcept override
    {
        // Releases keep working while close drains the queues (the sink may release from the
        // context); they stop once the pools are gone.
        if (!pools_alive_.load(std::memory_order_acquire))
            return;
        bm::buffer_index run[64];
        std::uint32_t slots[64];
        std::uint32_t n = 0;
        std::uint32_t run_queue = 0;
        auto flush = [&] {
            if (n == 0)
                return;
            if (rx_[run_queue]->driver_managed())
                rx_[run_queue]->slots_freed({slots, n});
            else {
                (void)rx_[run_queue]->pool().free_unattached({run, n});
                rx_[run_queue]->on_returned(n);
            }
            rx_context_[run_queue]->wake();
            n = 0;
        };
        for (const rx_fragment& f : fragments) {
            const std::uint64_t t = f.token.value;
            const auto q = static_cast<std::uint32_t>((t >> 32) & 0xffff);
            const auto i = static_cast<std::uint32_t>(t);
            const bool driver = (t & token_driver) != 0;
            if ((t & token_tag) == 0 || q >= rx_.size() || driver != rx_[q]->driver_managed() ||
                i >= (driver ? rx_[q]->table_size() : rx_[q]->pool().count())) {
                log(log_level::error, "{}: release: token {:#x} names no Rx buffer; ignored",
                    adapter_name_, t);
                continue;
            }
            if (q != run_queue || n == 64)
                flush();
            run_queue = q;
            if (driver) {
                if (!rx_[q]->return_slot(i,
                                         static_cast<std::uint32_t>(t >> 48) & generation_mask)) {
                    log(log_level::error,
                        "{}: release: token {:#x} names a fragment that is not outstanding "
                        "(released twice, or stale); ignored",
                        adapter_name_, t);
                    continue;
                }
                slots[n++] = i;
            } else
                run[n++] = bm::buffer_index{i};
        }
        flush();
    }

    queue_stats rx_stats(std::uint32_t queue) const override
    {
        if (queue >= rx_.size())
            return {};
        return rx_[queue]->counters().read(rx_[queue]->notifications());
    }
    queue_stats tx_stats(std::uint32_t queue) const override
    {
        if (queue >= tx_.size())
            return {};
        return tx_[queue]->counters().read(tx_[queue]->notifications());
    }

    result<void> close() override;

    result<void> build(adapter::adapter& a, const bm::buffer_plan& plan);

private:
    std::string adapter_name_;
    options options_;
    std::shared_ptr<open_link> link_;
    std::atomic<bool> closed_{false};
    std::atomic<bool> pools_alive_{true};
    bool started_ = false;
    std::vector<packet_queue*> queues_; // referenced; deleted at close
    std::vector<std::unique_ptr<bm::pool>> pools_;
    std::vector<std::unique_ptr<rx_engine>> rx_;
    std::vector<std::unique_ptr<tx_engine>> tx_;
    std::vector<std::unique_ptr<execution_context>> contexts_;
    std::vector<execution_context*> rx_context_, tx_context_;
};

result<void> datapath_impl::build(adapter::adapter& a, const bm::buffer_plan& plan)
{
    const auto& rxc = a.rx();
    const auto& txc = a.tx();
    wdf::device& dev = a.owner_device();
    const bool verify =
        options_.verifier || dev.param("verifier") == std::optional<std::string_view>{"1"};

    // Queues first: the driver sees its create callbacks in order, Tx then Rx.
    for (std::uint32_t i = 0; i < options_.tx_queues; ++i) {
        queue_layout l{plan.tx.packet_ring_size.value, plan.tx.fragment_ring_size.value,
                       txc && txc->dma.has_value(), false};
        auto q = create_queue(a, true, i, l);
        if (!q)
            return std::move(q).err();
        (*q)->reference();
        queues_.push_back(*q);
    }
    for (std::uint32_t i = 0; i < options_.rx_queues; ++i) {
        queue_layout l{plan.rx.packet_ring_size.value, plan.rx.fragment_ring_size.value,
                       rxc && rxc->dma.has_value(),
                       rxc && rxc->allocation == NetRxFragmentBufferAllocationModeDriver};
        auto q = create_queue(a, false, i, l);
        if (!q)
            return std::move(q).err();
        (*q)->reference();
        queues_.push_back(*q);
    }

    // Pools: one Rx pool per queue (none when the driver allocates), one bounce pool per Tx queue
    // (when anything can bounce).
    const bool rx_dma = plan.rx.mapping.value == "dma";
    const bool rx_driver = rxc && rxc->allocation == NetRxFragmentBufferAllocationModeDriver;
    for (std::uint32_t i = 0; i < options_.rx_queues && rx_driver; ++i)
        rx_.push_back(std::make_unique<rx_engine>(
            *queues_[options_.tx_queues + i], verify, i,
            driver_return{static_cast<NETADAPTER>(a.handle()), rxc->return_buffer},
            plan.rx.buffer_size.value, *options_.rx));
    for (std::uint32_t i = 0; i < options_.rx_queues && !rx_driver; ++i) {
        bm::pool_config c;
        c.name = fmt::format("{} rxqueue{}", a.name(), i);
        c.buffer_count = std::max(plan.rx.buffer_count.value / std::max(plan.rx.queues.value, 1U),
                                  plan.rx.fragment_ring_size.value);
        c.buffer_size = plan.rx.buffer_size.value;
        c.alignment =
            std::min<std::uint32_t>(std::max<std::uint32_t>(plan.rx.alignment.value, 64), 4096);
        c.numa_node = plan.rx.numa_node.value;
        c.space = rx_dma ? &dev.address_space() : nullptr;
        c.max_logical_address = bm::logical_address{plan.rx.max_logical_address.value};
        auto p = bm::pool::create(c);
        if (!p)
            return std::move(p).err();
        pools_.push_back(std::move(*p));
        rx_.push_back(std::make_unique<rx_engine>(*queues_[options_.tx_queues + i], verify, i,
                                                  *pools_.back(), *options_.rx));
    }
    tx_limits lim;
    lim.backfill = static_cast<std::uint32_t>(plan.tx.backfill.value);
    lim.alignment = std::max<std::uint32_t>(plan.tx.alignment.value, 1);
    lim.max_fragments = plan.tx.max_fragments.value;
    lim.max_logical_address = plan.tx.max_logical_address.value;
    lim.dma = plan.tx.mapping.value == "dma";
    lim.identity = dev.address_space().name() == "identity";
    lim.max_frame = txc && txc->max_fragment_buffer_size != 0 ? txc->max_fragment_buffer_size
                                                              : a.link().mtu + 14U;
    const bool may_bounce =
        lim.dma || lim.backfill != 0 || lim.alignment > 1 || lim.max_fragments != ~std::uint64_t{0};
    for (std::uint32_t i = 0; i < options_.tx_queues; ++i) {
        bm::pool* bounce = nullptr;
        if (may_bounce) {
            bm::pool_config c;
            c.name = fmt::format("{} txqueue{} bounce", a.name(), i);
            if (plan.tx.bounce_buffer_count.value != 0) {
                c.buffer_count = std::max(
                    plan.tx.bounce_buffer_count.value / std::max(plan.tx.queues.value, 1U), 2U);
                c.buffer_size = plan.tx.bounce_buffer_size.value;
            } else { // no DMA: only alignment, backfill or the fragment limit bounce
                c.buffer_count = plan.tx.packet_ring_size.value;
                c.buffer_size = static_cast<std::uint32_t>(lim.max_frame + lim.backfill);
            }
            c.alignment = std::min<std::uint32_t>(std::max<std::uint32_t>(lim.alignment, 64), 4096);
            c.numa_node = plan.tx.numa_node.value;
            c.space = lim.dma ? &dev.address_space() : nullptr;
            c.max_logical_address = bm::logical_address{plan.tx.max_logical_address.value};
            auto p = bm::pool::create(c);
            if (!p)
                return std::move(p).err();
            pools_.push_back(std::move(*p));
            bounce = pools_.back().get();
        }
        tx_.push_back(
            std::make_unique<tx_engine>(*queues_[i], verify, i, bounce, options_.tx, lim));
    }

    // Contexts: context i polls Rx queue i and Tx queue i.
    const std::uint32_t n = std::max(options_.rx_queues, options_.tx_queues);
    for (std::uint32_t i = 0; i < n; ++i) {
        const int cpu = options_.cpus.empty() ? -1 : options_.cpus[i % options_.cpus.size()];
        auto ec =
            std::make_unique<execution_context>(fmt::format("{} context{}", a.name(), i), cpu);
        if (i < rx_.size()) {
            ec->add(rx_[i].get());
            rx_[i]->queue().set_context(ec.get());
            rx_context_.push_back(ec.get());
        }
        if (i < tx_.size()) {
            ec->add(tx_[i].get());
            tx_[i]->queue().set_context(ec.get());
            tx_context_.push_back(ec.get());
        }
        contexts_.push_back(std::move(ec));
    }
    for (auto& ec : contexts_)
        ec->run();
    started_ = true;
    link_->open = this;
    return {};
}

result<void> datapath_impl::close()
{
    if (closed_.exchange(true))
        return {};
    for (auto& ec : contexts_)
        ec->join(); // each stops its queues: cancel, drain, EvtStop
    contexts_.clear();
    for (auto& e : rx_) // the caches return what they hold to their pools; counters stay
        e->retire();
    for (auto& e : tx_)
        e->retire();
    std::string leaks;
    for (auto& e : rx_)
        if (e->driver_managed())
            if (const std::uint32_t held = e->return_outstanding_slow(); held != 0)
                leaks += fmt::format("{}{}: {} driver fragment(s) the protocol still held "
                                     "(returned to the driver at close)",
                                     leaks.empty() ? "" : "; ", e->queue().name(), held);
    for (packet_queue* q : queues_) {
        q->set_context(nullptr);
        if (!q->deleting())
            q->delete_tree();
        q->dereference();
    }
    queues_.clear();
    for (auto& p : pools_)
        if (auto r = p->outstanding(); r.outstanding != 0)
            leaks +=
                fmt::format("{}pool '{}': {}", leaks.empty() ? "" : "; ", p->name(), r.describe());
    pools_alive_.store(false, std::memory_order_release);
    pools_.clear();
    if (link_ && link_->open == this)
        link_->open = nullptr;
    if (!leaks.empty())
        return fail(status::busy, "{}: datapath closed with buffers still held: {}", adapter_name_,
                    leaks);
    return {};
}

} // namespace

result<std::unique_ptr<datapath>> open(adapter::adapter& a, const bm::buffer_plan& plan,
                                       const options& o, std::shared_ptr<open_link> link)
{
    if (link && link->open != nullptr)
        return fail(status::busy, "{}: open_datapath: a datapath is already open", a.name());
    if (o.rx_queues == 0 && o.tx_queues == 0)
        return fail(status::invalid_parameter, "{}: open_datapath: no queues asked for", a.name());
    if (o.rx_queues > plan.rx.queues.value)
        return fail(status::invalid_parameter,
                    "{}: open_datapath: rx_queues {} is more than the adapter's {}", a.name(),
                    o.rx_queues, plan.rx.queues.value);
    if (o.tx_queues > plan.tx.queues.value)
        return fail(status::invalid_parameter,
                    "{}: open_datapath: tx_queues {} is more than the adapter's {}", a.name(),
                    o.tx_queues, plan.tx.queues.value);
    if (o.rx_queues > 0 && o.rx == nullptr)
        return fail(status::invalid_parameter, "{}: open_datapath: rx_queues {} without an rx sink",
                    a.name(), o.rx_queues);
    auto dp = std::make_unique<datapath_impl>(a, o, link ? link : std::make_shared<open_link>());
    if (auto r = dp->build(a, plan); !r) {
        (void)dp->close();
        return std::move(r).err();
    }
    return std::unique_ptr<datapath>{std::move(dp)};
}

} // namespace netcx::datapath
