// SPDX-License-Identifier: MIT
// Rx translation for one queue, system- or driver-managed (see datapath.cpp's design comment).
#pragma once

#include "datapath/engine.hpp"
#include "datapath/tokens.hpp"

#include <netcx/base/spinlock.hpp>
#include <netcx/bm/pool.hpp>
#include <netcx/bm/pool_cache.hpp>

#include <net/returncontext.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

namespace netcx::datapath {

/// Driver-managed Rx: what the driver needs to take its buffers back.
struct driver_return {
    NETADAPTER adapter = nullptr;
    PFN_NET_ADAPTER_RETURN_RX_BUFFER fn = nullptr;
};

class rx_engine final : public engine_base {
public:
    /// System-managed Rx: buffers from `pool`, posted `headroom` bytes in.
    rx_engine(packet_queue& q, bool verify, std::uint32_t index, bm::pool& pool,
              std::uint32_t headroom, rx_sink& sink)
        : engine_base(q, verify), index_(index), pool_(&pool), sink_(sink),
          cache_(std::in_place, pool,
                 bm::holder{bm::owner::framework, static_cast<std::uint16_t>(index)}),
          slot_buffer_(fr_->NumberOfElements), indicated_(fr_->NumberOfElements),
          packets_(pr_->NumberOfElements), fragments_(fr_->NumberOfElements), headroom_(headroom),
          capacity_(pool.buffer_size() - headroom)
    {
        owner_.pool = &pool;
        owner_.cache = &*cache_;
        owner_.rx = this;
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
        owner_.rx = this;
        owner_.slots = table_size_;
    }

    /// Its entry in the token table (the datapath adds it, and sets its context).
    [[nodiscard]] buffer_owner& owner() noexcept { return owner_; }

    /// EvtStart, then buffers go to the driver at once (post, EvtAdvance): a frame that arrives
    /// as soon as the datapath is open finds them. What the driver returns is drained at the
    /// first poll (no callback runs before open returns).
    void start() noexcept override
    {
        engine_base::start();
        (void)(driver_managed() ? post_empty() : post());
        refused_at_start_ = !advance();
    }
    bool poll() noexcept override
    {
        bool work = driver_managed() ? post_empty() : post();
        const bool accepted = advance() && !std::exchange(refused_at_start_, false);
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
        // From now on releases go to the depot: the cache is retired by the control path.
        owner_.context.store(nullptr, std::memory_order_release);
    }
    /// Any thread: `n` buffers of this queue went back to the pool (or slots to the table);
    /// wakes the context if it sleeps for want of them.
    void on_returned(std::uint64_t n) noexcept
    {
        returned_.fetch_add(n, std::memory_order_relaxed);
        if (execution_context* ec = owner_.context.load(std::memory_order_acquire))
            ec->wake();
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
        NET_FRAGMENT posted{};
        posted.Capacity = capacity_;
        // In registers: the stores below could alias any member.
        unsigned char* const ring = fr_->Buffer;
        const std::size_t estride = fr_->ElementStride;
        const std::uint32_t mask = fr_->ElementIndexMask;
        const std::uint32_t va_off = va_off_;
        bm::buffer_index* const sb = slot_buffer_.data();
        std::byte* const first = pool_->va(bm::buffer_index{0}) + headroom_;
        const std::size_t stride = pool_->stride();
        const bool la = has_la_, checked = pool_->checked();
        while (n != 0) {
            const std::uint32_t want = std::min<std::uint32_t>(n, 64);
            const std::uint32_t k = cache_->alloc_burst({got, want});
            for (std::uint32_t j = 0; j < k; ++j) {
                const bm::buffer_index b = got[j];
                unsigned char* const e = ring + std::size_t{end} * estride;
                std::memcpy(e, &posted, sizeof posted);
                std::byte* const va = first + std::size_t{bm::to_u32(b)} * stride;
                std::memcpy(e + va_off, &va, sizeof va);
                if (la)
                    set_la(end, bm::to_u64(pool_->la(b)) + headroom_);
                if (checked)
                    pool_->set_holder(b, {bm::owner::driver, static_cast<std::uint16_t>(index_)});
                sb[end] = b;
                end = (end + 1) & mask;
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

    /// Why the packet's fragments break the indicate rules, if they do (the fragments are known
    /// to be in the returned range and taken by no other packet).
    std::optional<rx_drop> fragment_rule(const NET_PACKET& p) const noexcept
    {
        const std::uint32_t count = p.FragmentCount;
        const std::uint32_t mask = fr_->ElementIndexMask;
        for (std::uint32_t k = 0, i = p.FragmentIndex; k < count; ++k, i = (i + 1) & mask) {
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
        for (std::uint32_t k = 0, i = p.FragmentIndex; k < count; ++k, i = (i + 1) & mask)
            if (indicated_[i])
                return rx_drop::verifier;
        return fragment_rule(p);
    }

    /// The drained range is the framework's again; the batch goes to the protocol.
    void finish_drain(std::uint32_t pe, std::uint32_t fe, std::uint32_t np, std::uint32_t nf,
                      std::uint64_t bytes) noexcept
    {
        pr_->OSReserved0 = pe;
        fr_->OSReserved0 = fe;
        if (np != 0) {
            bump(stats_.packets, np);
            bump(stats_.bytes, bytes);
            sink_.on_receive(index_, {packets_.data(), np}, {fragments_.data(), nf});
        }
    }

    /// Appends packet `p` to the batch; `make(j, f)` gives the rx_fragment of fragment slot j.
    template <class Make>
    NETCX_ALWAYS_INLINE std::uint32_t append(const NET_PACKET& p, std::uint32_t& np,
                                             std::uint32_t& nf, Make&& make) noexcept
    {
        const std::uint32_t mask = fr_->ElementIndexMask;
        rx_packet& out = packets_[np++];
        out.first_fragment = nf;
        out.fragment_count = p.FragmentCount;
        out.layer2_type = p.Layout.Layer2Type;
        std::uint32_t len = 0;
        for (std::uint32_t k = 0, j = p.FragmentIndex; k < p.FragmentCount;
             ++k, j = (j + 1) & mask) {
            const NET_FRAGMENT& f = *fragment(j);
            fragments_[nf++] = make(j, f);
            len += static_cast<std::uint32_t>(f.ValidLength);
        }
        out.length = len;
        return len;
    }

    /// System-managed: hands packet `p`'s buffers to the protocol.
    std::uint32_t indicate(const NET_PACKET& p, std::uint32_t& np, std::uint32_t& nf) noexcept
    {
        return append(p, np, nf, [this](std::uint32_t j, const NET_FRAGMENT& f) -> rx_fragment {
            const bm::buffer_index b = slot_buffer_[j];
            pool_->set_holder(b, {bm::owner::protocol, static_cast<std::uint16_t>(index_)});
            return {pool_->va(b) + headroom_ + f.Offset, static_cast<std::uint32_t>(f.ValidLength),
                    make_token(owner_.id, bm::to_u32(b))};
        });
    }

    // Packets normally name the returned fragments in order, each once: the fast path checks
    // just that (no per-fragment bookkeeping). The first packet that does not (ignored, refused
    // by the verifier, out of order) switches to the general path, which marks what packets take
    // and returns the rest to the cache at the end.
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
        std::uint32_t next = fb; // in order: the first fragment no packet took yet
        bool in_order = accepted;
        bm::buffer_index back[64];
        std::uint32_t nb = 0;
        // The common packet, one fragment in order, with everything it needs in registers (the
        // stores below could alias any member, so the compiler would reload them otherwise).
        const std::uint32_t pmask = pr_->ElementIndexMask;
        rx_packet* const pk = packets_.data();
        rx_fragment* const fg = fragments_.data();
        const bm::buffer_index* const sb = slot_buffer_.data();
        std::byte* const first = pool_->va(bm::buffer_index{0}) + headroom_;
        const std::size_t stride = pool_->stride();
        const std::uint64_t token0 = make_token(owner_.id, 0).value;
        const std::uint32_t cap = capacity_;
        const bool checked = pool_->checked();
        std::uint32_t i = pb;
        for (; in_order && i != pe; i = (i + 1) & pmask) {
            const NET_PACKET p = *NetRingGetPacketAtIndex(pr_, i);
            if (p.Ignore || p.FragmentCount != 1 || p.FragmentIndex != next ||
                ((next - fb) & mask) >= returned)
                break;
            const NET_FRAGMENT f = *fragment(next);
            const std::uint32_t off = static_cast<std::uint32_t>(f.Offset);
            const std::uint32_t len = static_cast<std::uint32_t>(f.ValidLength);
            const std::uint32_t c = static_cast<std::uint32_t>(f.Capacity);
            if (c > cap || off + len > c)
                break; // the general path drops it and says why
            const std::uint32_t b = bm::to_u32(sb[next]);
            if (checked)
                pool_->set_holder(bm::buffer_index{b},
                                  {bm::owner::protocol, static_cast<std::uint16_t>(index_)});
            pk[np] = {nf, 1, len, p.Layout.Layer2Type};
            fg[nf] = {first + std::size_t{b} * stride + off, len, {token0 | b}};
            ++np;
            ++nf;
            bytes += len;
            next = (next + 1) & mask;
        }
        for (; i != pe; i = (i + 1) & pmask) {
            const NET_PACKET& p = *NetRingGetPacketAtIndex(pr_, i);
            if (in_order) {
                if (!p.Ignore && p.FragmentCount != 0 && p.FragmentIndex == next &&
                    ((next - fb) & mask) + p.FragmentCount <= returned) {
                    if (auto why = fragment_rule(p)) {
                        drop(*why);
                        for (std::uint32_t k = 0, j = next; k < p.FragmentCount;
                             ++k, j = (j + 1) & mask) {
                            back[nb++] = slot_buffer_[j];
                            if (nb == 64) {
                                (void)cache_->free_bulk({back, nb});
                                nb = 0;
                            }
                        }
                    } else {
                        bytes += indicate(p, np, nf);
                    }
                    next = (next + p.FragmentCount) & mask;
                    continue;
                }
                // Leave the fast path: what packets took so far counts as taken.
                in_order = false;
                for (std::uint32_t j = fb; j != next; j = (j + 1) & mask)
                    indicated_[j] = 1;
            }
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
            for (std::uint32_t k = 0, j = p.FragmentIndex; k < p.FragmentCount;
                 ++k, j = (j + 1) & mask)
                indicated_[j] = 1;
            bytes += indicate(p, np, nf);
        }
        // Fragments no accepted packet took go back to the cache.
        for (std::uint32_t j = in_order ? next : fb; j != fe; j = (j + 1) & mask) {
            if (!in_order && indicated_[j]) {
                indicated_[j] = 0;
                continue;
            }
            back[nb++] = slot_buffer_[j];
            if (nb == 64) {
                (void)cache_->free_bulk({back, nb});
                nb = 0;
            }
        }
        if (nb != 0)
            (void)cache_->free_bulk({back, nb});
        finish_drain(pe, fe, np, nf, bytes);
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
            bytes += append(p, np, nf, [this](std::uint32_t j, const NET_FRAGMENT& f) {
                const std::uint32_t slot = free_slots_.back();
                free_slots_.pop_back();
                const std::uint32_t generation =
                    ((states_[slot].load(std::memory_order_relaxed) >> 1) + 1) & generation_mask;
                handles_[slot] = return_context(j);
                states_[slot].store((generation << 1) | 1U, std::memory_order_release);
                indicated_[j] = 1;
                return rx_fragment{va(j) + f.Offset, static_cast<std::uint32_t>(f.ValidLength),
                                   make_slot_token(owner_.id, slot, generation)};
            });
        }
        // Fragments no packet took (indicated or dropped) stay with the driver.
        for (std::uint32_t i = fb; i != fe; i = (i + 1) & mask)
            indicated_[i] = 0;
        finish_drain(pe, fe, np, nf, bytes);
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
    std::uint32_t headroom_ = 0;
    std::uint32_t capacity_;
    bool stopping_ = false;
    bool refused_at_start_ = false; // the verifier refused the Advance that start() made
    buffer_owner owner_;
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

} // namespace netcx::datapath
