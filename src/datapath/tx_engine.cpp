// SPDX-License-Identifier: MIT
#include "datapath/tx_engine.hpp"

namespace netcx::datapath {

std::uint32_t ring_pow2(std::uint32_t n) noexcept
{
    std::uint32_t v = 2;
    while (v < n)
        v <<= 1;
    return v;
}

tx_engine::tx_engine(packet_queue& q, bool verify, std::uint32_t index, bm::pool* bounce,
                     std::vector<bm::pool*> classes, tx_sink* sink, const tx_limits& limits)
    : engine_base(q, verify), index_(index), sink_(sink), limits_(limits),
      sends_(ring_pow2(2 * fr_->NumberOfElements)), bounce_(bounce),
      scratch_(fr_->NumberOfElements), staged_(2 * fr_->NumberOfElements),
      placed_(fr_->NumberOfElements), slots_(pr_->NumberOfElements),
      frag_token_(fr_->NumberOfElements), frag_region_(fr_->NumberOfElements, no_region),
      completions_(pr_->NumberOfElements), releases_(fr_->NumberOfElements)
{
    const bm::holder me{bm::owner::framework, static_cast<std::uint16_t>(index)};
    if (bounce != nullptr)
        bounce_cache_.emplace(*bounce, me);
    for (bm::pool* p : classes) {
        class_caches_.push_back(std::make_unique<bm::pool_cache>(*p, me, class_cache_capacity(*p)));
        auto o = std::make_unique<buffer_owner>();
        o->pool = p;
        o->cache = class_caches_.back().get();
        o->space = limits_.space;
        class_owners_.push_back(std::move(o));
    }
    plain_ = limits_.backfill == 0 && limits_.alignment <= 1 && !limits_.dma &&
             limits_.max_fragments == ~std::uint64_t{0};
    const std::size_t nr = limits_.regions != nullptr ? limits_.regions->size() : 0;
    region_in_flight_storage_ = std::make_unique<std::atomic<std::uint64_t>[]>(nr);
    region_in_flight_ = {region_in_flight_storage_.get(), nr};
}

namespace {

std::uint64_t cookie_of(const tx_packet& p) noexcept
{
    return p.cookie;
}
std::uint64_t cookie_of(const rx_packet&) noexcept
{
    return 0;
}
tx_fragment as_tx(const tx_fragment& f) noexcept
{
    return f;
}
tx_fragment as_tx(const rx_fragment& f) noexcept
{
    return {f.data, f.length, f.token};
}

/// The packets up to the first that names fragments outside the span (that one is logged): what
/// came before it goes out, it and the rest are not accepted.
template <class P>
std::span<const P> well_formed(std::span<const P> packets, std::size_t fragments,
                               std::string_view queue) noexcept
{
    for (std::size_t i = 0; i < packets.size(); ++i) {
        const P& p = packets[i];
        if (std::size_t{p.first_fragment} + p.fragment_count > fragments) {
            log(log_level::error,
                "{}: send: packet {} names fragments [{}, {}) of a span of {}; not sent", queue, i,
                p.first_fragment, p.first_fragment + p.fragment_count, fragments);
            return packets.first(i);
        }
    }
    return packets;
}

} // namespace

std::uint32_t tx_engine::send(std::span<const tx_packet> packets,
                              std::span<const tx_fragment> fragments) noexcept
{
    return send_any(well_formed(packets, fragments.size(), q_.name()), fragments);
}

std::uint32_t tx_engine::send(std::span<const rx_packet> packets,
                              std::span<const rx_fragment> fragments) noexcept
{
    return send_any(well_formed(packets, fragments.size(), q_.name()), fragments);
}

// Producer: every item of the accepted packets goes into the ring with one publish. On the
// queue's own context with nothing queued before, packets go straight onto the rings instead.
// Packets name fragments inside the span (send checked).
template <class P, class F>
std::uint32_t tx_engine::send_any(std::span<const P> packets, std::span<const F> fragments) noexcept
{
    if (self_.load(std::memory_order_relaxed) == execution_context::current() &&
        staged_pos_ == staged_n_ && sends_.size() == 0)
        return send_direct(packets, fragments);
    std::uint32_t accepted = 0;
    while (accepted < packets.size()) {
        const std::uint32_t room = std::min<std::uint32_t>(
            sends_.capacity() - sends_.size(), static_cast<std::uint32_t>(scratch_.size()));
        std::uint32_t n = 0, k_packets = 0;
        for (std::size_t i = accepted; i < packets.size(); ++i) {
            const P& p = packets[i];
            const std::uint32_t k = p.fragment_count;
            // Nothing to send, or more fragments than a ring holds: one item that completes as
            // a drop (length 0: zero_length, ~0: oversize; its buffers are released now).
            const bool whole = k != 0 && k <= scratch_.size();
            const std::uint32_t items = whole ? k : 1;
            if (n + items > room)
                break;
            if (whole) {
                for (std::uint32_t j = 0; j < k; ++j)
                    scratch_[n + j] = {as_tx(fragments[p.first_fragment + j]), j == 0 ? k : 0U,
                                       cookie_of(p)};
            } else {
                scratch_[n] = {{nullptr, k == 0 ? 0U : ~0U, {}}, 0, cookie_of(p)};
                for (std::uint32_t j = 0; j < k; ++j) // (not the context: release now)
                    if (const buffer_token t = as_tx(fragments[p.first_fragment + j]).buffer;
                        t.value != 0)
                        release_tokens({&t, 1}, q_.name());
            }
            n += items;
            ++k_packets;
        }
        if (n == 0 || !sends_.enqueue_bulk(scratch_.data(), n))
            break;
        accepted += k_packets;
    }
    return accepted;
}

template <class P, class F>
std::uint32_t tx_engine::send_direct(std::span<const P> packets,
                                     std::span<const F> fragments) noexcept
{
    std::uint32_t accepted = plain_ ? send_plain(packets, fragments) : 0;
    for (const P& p : packets.subspan(accepted)) {
        const std::uint32_t k = p.fragment_count;
        const F* f = fragments.data() + p.first_fragment;
        const auto frag = [f](std::uint32_t j) { return as_tx(f[j]); };
        if (k > placed_.size()) // more fragments than a ring holds
            finish(frag, k, cookie_of(p), tx_drop::oversize);
        else if (emit(frag, k, cookie_of(p)) == emitted::full)
            break;
        ++accepted;
    }
    release_now();
    return accepted;
}

// The common case on the context, with everything in registers (the ring stores could alias
// any member): one-fragment packets of a sane length, nothing to place, room on the rings. Stops
// at the first packet that is not, for the general path.
template <class P, class F>
std::uint32_t tx_engine::send_plain(std::span<const P> packets,
                                    std::span<const F> fragments) noexcept
{
    unsigned char* const pring = pr_->Buffer;
    unsigned char* const fring = fr_->Buffer;
    const std::size_t pstride = pr_->ElementStride, fstride = fr_->ElementStride;
    const std::uint32_t pmask = pr_->ElementIndexMask, fmask = fr_->ElementIndexMask;
    const std::uint32_t va_off = va_off_;
    const std::uint64_t max_frame = limits_.max_frame;
    slot* const slots = slots_.data();
    buffer_token* const tokens = frag_token_.data();
    std::uint32_t pi = pr_->EndIndex, fi = fr_->EndIndex;
    const std::uint32_t room = std::min(free_slots(pr_), free_slots(fr_));
    std::uint32_t n = 0;
    for (; n < packets.size() && n < room; ++n) {
        const P& p = packets[n];
        if (p.fragment_count != 1)
            break;
        const tx_fragment f = as_tx(fragments[p.first_fragment]);
        if (f.length == 0 || f.length > max_frame)
            break;
        NET_FRAGMENT v{};
        v.ValidLength = f.length;
        v.Capacity = f.length;
        unsigned char* const fe = fring + std::size_t{fi} * fstride;
        std::memcpy(fe, &v, sizeof v);
        std::memcpy(fe + va_off, &f.data, sizeof f.data);
        tokens[fi] = f.buffer;
        slots[pi] = {cookie_of(p), f.length, no_bounce};
        NET_PACKET k{};
        k.FragmentIndex = fi;
        k.FragmentCount = 1;
        std::memcpy(pring + std::size_t{pi} * pstride, &k, sizeof k);
        pi = (pi + 1) & pmask;
        fi = (fi + 1) & fmask;
    }
    pr_->EndIndex = pi;
    fr_->EndIndex = fi;
    return n;
}

void tx_engine::stop() noexcept
{
    cancel_and_drain([this] {
        (void)complete();
        flush();
    });
    // What never reached the ring completes as cancelled.
    while (take()) {
        const tx_item* h = &staged_[staged_pos_];
        const std::uint32_t n = std::max<std::uint32_t>(h->count, 1);
        finish([h](std::uint32_t j) { return h[j].f; }, n, h->cookie, tx_drop::cancelled);
        staged_pos_ += n;
    }
    release_now();
    flush();
    self_.store(nullptr, std::memory_order_relaxed);
    for (auto& o : class_owners_)
        o->context.store(nullptr, std::memory_order_release);
}

template <class Frag>
void tx_engine::finish(const Frag& frag, std::uint32_t n, std::uint64_t cookie,
                       tx_drop why) noexcept
{
    bump(stats_.tx_drops[static_cast<std::size_t>(why)]);
    for (std::uint32_t j = 0; j < n; ++j)
        release_later(frag(j).buffer);
    push_completion(cookie);
}

void tx_engine::release_now() noexcept
{
    if (nr_ != 0)
        release_tokens({releases_.data(), nr_}, q_.name());
    nr_ = 0;
}

// Makes staged_[staged_pos_] the first item of a whole packet; false if none is queued. The
// producer publishes whole packets, so what the ring holds always ends on a packet boundary.
bool tx_engine::take() noexcept
{
    if (staged_pos_ < staged_n_ &&
        staged_n_ - staged_pos_ >= std::max<std::uint32_t>(staged_[staged_pos_].count, 1))
        return true;
    if (staged_pos_ != 0) {
        std::copy(staged_.begin() + staged_pos_, staged_.begin() + staged_n_, staged_.begin());
        staged_n_ -= staged_pos_;
        staged_pos_ = 0;
    }
    const std::uint32_t k = std::min<std::uint32_t>(
        sends_.size(), static_cast<std::uint32_t>(staged_.size()) - staged_n_);
    if (k != 0 && sends_.dequeue_bulk(staged_.data() + staged_n_, k))
        staged_n_ += k;
    return staged_n_ != 0 && staged_n_ >= std::max<std::uint32_t>(staged_[0].count, 1);
}

// Where the device finds one item, or why it cannot use it as it is. The first item may retreat
// by PayloadBackfill when its buffer has the room before it.
std::optional<bounce_reason> tx_engine::place_slow(const tx_fragment& it, bool first,
                                                   placed& out) const noexcept
{
    const std::byte* data = it.data;
    std::uint64_t len = it.length;
    const buffer_owner* o = it.buffer.value != 0 ? owners::find(it.buffer) : nullptr;
    if (first && limits_.backfill != 0) {
        if (o == nullptr || o->pool == nullptr ||
            data - o->pool->va(bm::buffer_index{token_index(it.buffer)}) < limits_.backfill)
            return bounce_reason::backfill;
        data -= limits_.backfill;
        len += limits_.backfill;
    }
    const auto a = reinterpret_cast<std::uintptr_t>(data);
    if ((a & (limits_.alignment - 1)) != 0)
        return bounce_reason::misaligned;
    if (!limits_.dma)
        return std::nullopt;
    std::uint64_t la = 0;
    if (o != nullptr && o->pool != nullptr && o->space == limits_.space) {
        const bm::buffer_index b{token_index(it.buffer)};
        la = bm::to_u64(o->pool->la(b)) + static_cast<std::uint64_t>(data - o->pool->va(b));
    } else if (limits_.identity) {
        la = a;
    } else {
        const std::deque<tx_region>* rs = limits_.regions;
        std::size_t r = 0;
        for (; rs != nullptr && r < rs->size(); ++r) {
            const tx_region& g = (*rs)[r];
            if (data >= g.base && len <= g.size &&
                static_cast<std::size_t>(data - g.base) <= g.size - len)
                break;
        }
        if (rs == nullptr || r == rs->size() || !(*rs)[r].mapping ||
            !(*rs)[r].active.load(std::memory_order_acquire))
            return bounce_reason::unmapped;
        const tx_region& g = (*rs)[r];
        if (!g.reachable)
            return bounce_reason::above_max_address;
        const auto off = static_cast<std::size_t>(data - g.base);
        const std::size_t c = g.mapping->contiguity();
        if (c != 0 && off % c + len > c)
            return bounce_reason::unmapped; // crosses a DMA segment
        la = bm::to_u64(g.mapping->translate(off));
        out.region = static_cast<std::uint16_t>(r);
    }
    if (la + len - 1 > limits_.max_logical_address)
        return bounce_reason::above_max_address;
    out.la = la;
    return std::nullopt;
}

bool tx_engine::translate() noexcept
{
    bool moved = false;
    for (std::uint32_t budget = pr_->NumberOfElements; budget != 0 && take(); --budget) {
        const tx_item* h = &staged_[staged_pos_];
        const std::uint32_t items = std::max<std::uint32_t>(h->count, 1);
        const auto frag = [h](std::uint32_t j) { return h[j].f; };
        if (h->count == 0) // an empty packet, or more fragments than the ring holds
            finish(frag, 1, h->cookie, h->f.length == 0 ? tx_drop::zero_length : tx_drop::oversize);
        else if (emit(frag, h->count, h->cookie) == emitted::full)
            break;
        staged_pos_ += items;
        moved = true;
    }
    release_now();
    return moved;
}

template <class Frag>
NETCX_ALWAYS_INLINE tx_engine::emitted tx_engine::emit(const Frag& frag, std::uint32_t k,
                                                       std::uint64_t cookie) noexcept
{
    const std::uint32_t fmask = fr_->ElementIndexMask;
    std::uint64_t total = 0;
    for (std::uint32_t j = 0; j < k; ++j)
        total += frag(j).length;
    if (k == 0 || total == 0 || total > limits_.max_frame) {
        finish(frag, k, cookie, total == 0 ? tx_drop::zero_length : tx_drop::oversize);
        return emitted::consumed;
    }
    std::optional<bounce_reason> reason;
    if (!plain_) {
        if (k > limits_.max_fragments)
            reason = bounce_reason::too_many_fragments;
        for (std::uint32_t j = 0; j < k && !reason; ++j) {
            placed_[j] = {};
            reason = place(frag(j), j == 0, placed_[j]);
        }
    }
    const std::uint32_t needed = reason ? 1 : k;
    if (free_slots(pr_) == 0 || free_slots(fr_) < needed)
        return emitted::full; // wait for completions
    const std::uint32_t pi = pr_->EndIndex;
    const std::uint32_t fi = fr_->EndIndex;
    slot& s = slots_[pi];
    s.cookie = cookie;
    s.bytes = static_cast<std::uint32_t>(total);
    s.bounce = no_bounce;
    if (reason) {
        std::optional<bm::buffer_index> b;
        if (bounce_cache_ && total + limits_.backfill <= bounce_->buffer_size())
            b = bounce_cache_->alloc();
        if (!b) {
            if (pr_->EndIndex != pr_->OSReserved0 && bounce_cache_)
                return emitted::full; // buffers come back with completions: retry then
            finish(frag, k, cookie, tx_drop::no_bounce_buffer);
            return emitted::consumed;
        }
        bump(stats_.bounces[static_cast<std::size_t>(*reason)]);
        std::byte* va = bounce_->va(*b);
        std::byte* to = va + limits_.backfill;
        for (std::uint32_t j = 0; j < k; ++j) {
            std::memcpy(to, frag(j).data, frag(j).length);
            to += frag(j).length;
            release_later(frag(j).buffer); // copied: the original can go
        }
        NET_FRAGMENT* f = fragment(fi);
        *f = NET_FRAGMENT{};
        f->ValidLength = limits_.backfill + total;
        f->Capacity = bounce_->buffer_size();
        f->OsReserved_Bounced = 1;
        set_va(fi, va);
        if (has_la_)
            set_la(fi, bm::to_u64(bounce_->la(*b)));
        frag_token_[fi] = {};
        frag_region_[fi] = no_region;
        s.bounce = bm::to_u32(*b);
    } else if (plain_) { // as they are: no backfill, no alignment, no logical addresses
        for (std::uint32_t j = 0; j < k; ++j) {
            const tx_fragment in = frag(j);
            const std::uint32_t e = (fi + j) & fmask;
            NET_FRAGMENT v{}; // built in a register, stored once
            v.ValidLength = in.length;
            v.Capacity = in.length;
            *fragment(e) = v;
            set_va(e, const_cast<std::byte*>(in.data));
            frag_token_[e] = in.buffer;
        }
    } else {
        for (std::uint32_t j = 0; j < k; ++j) {
            const tx_fragment in = frag(j);
            const std::uint32_t e = (fi + j) & fmask;
            const std::uint32_t back = j == 0 ? limits_.backfill : 0;
            NET_FRAGMENT* f = fragment(e);
            *f = NET_FRAGMENT{};
            f->ValidLength = in.length + back;
            f->Capacity = in.length + back;
            set_va(e, const_cast<std::byte*>(in.data) - back);
            if (has_la_)
                set_la(e, placed_[j].la);
            frag_token_[e] = in.buffer;
            frag_region_[e] = placed_[j].region;
            if (placed_[j].region != no_region)
                bump(region_in_flight_[placed_[j].region]);
        }
    }
    NET_PACKET* p = NetRingGetPacketAtIndex(pr_, pi);
    *p = NET_PACKET{};
    p->FragmentIndex = fi;
    p->FragmentCount = static_cast<UINT16>(needed);
    fr_->EndIndex = (fi + needed) & fmask;
    pr_->EndIndex = (pi + 1) & pr_->ElementIndexMask;
    return emitted::consumed;
}

bool tx_engine::complete() noexcept
{
    const std::uint32_t pb = pr_->OSReserved0, pe = pr_->BeginIndex;
    const std::uint32_t fb = fr_->OSReserved0, fe = fr_->BeginIndex;
    if (pb == pe && fb == fe)
        return false;
    // In registers: the stores below could alias any member.
    const unsigned char* const pring = pr_->Buffer;
    const std::size_t pstride = pr_->ElementStride;
    const std::uint32_t pmask = pr_->ElementIndexMask, fmask = fr_->ElementIndexMask;
    const slot* const slots = slots_.data();
    std::uint64_t packets = 0, bytes = 0, cancelled = 0;
    for (std::uint32_t i = pb; i != pe; i = (i + 1) & pmask) {
        const slot& s = slots[i];
        if (s.bounce != no_bounce) [[unlikely]]
            (void)bounce_cache_->free(bm::buffer_index{s.bounce});
        NET_PACKET k;
        std::memcpy(&k, pring + std::size_t{i} * pstride, sizeof k);
        if (k.Ignore) [[unlikely]] {
            ++cancelled; // the driver did not send it
        } else {
            ++packets;
            bytes += s.bytes;
        }
        push_completion(s.cookie);
    }
    const buffer_token* const tokens = frag_token_.data();
    buffer_token* const out = releases_.data();
    const auto cap = static_cast<std::uint32_t>(releases_.size());
    std::uint32_t nr = nr_;
    for (std::uint32_t i = fb; i != fe; i = (i + 1) & fmask) {
        if (tokens[i].value == 0)
            continue;
        if (nr == cap) {
            nr_ = nr;
            release_now();
            nr = 0;
        }
        out[nr++] = tokens[i];
    }
    nr_ = nr;
    if (!region_in_flight_.empty()) {
        for (std::uint32_t i = fb; i != fe; i = (i + 1) & fmask) {
            if (frag_region_[i] != no_region) {
                auto& c = region_in_flight_[frag_region_[i]];
                c.store(c.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
                frag_region_[i] = no_region;
            }
        }
    }
    release_now();
    pr_->OSReserved0 = pe;
    fr_->OSReserved0 = fe;
    bump(stats_.packets, packets);
    bump(stats_.bytes, bytes);
    if (cancelled != 0)
        bump(stats_.tx_drops[static_cast<std::size_t>(tx_drop::cancelled)], cancelled);
    return true;
}

} // namespace netcx::datapath
