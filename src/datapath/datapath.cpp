// SPDX-License-Identifier: MIT
// The datapath: Rx and Tx translation between a driver's rings and the upper edge
// (datapath.hpp), and the open/close of an adapter's queues, pools and execution contexts.
//
// Files: rx_engine.* and tx_engine.* translate one queue each; execution_context.* polls them;
// tokens.* names buffers process-wide and routes their release; this file opens and closes an
// adapter's datapath and implements the upper edge.
//
// Threads. By default context i polls Rx queue i and Tx queue i (a NAPI-style pair), so a
// loopback or forwarding driver sees both queues' callbacks serialized; options::on puts every
// queue on one shared context instead (threaded, or polled by the caller: run-to-completion on
// one core across adapters). The rings, the pool caches and the counters of a queue are written
// by its context only.
//
// Rx (system-managed). Each poll: post fragments [EndIndex, OSReserved0 - 1) with a buffer from
// the queue's cache (Capacity = buffer size, Offset 0, VA, LA when registered) and packet
// elements likewise; EvtAdvance; drain packets [OSReserved0, BeginIndex): check each against the
// reference's indicate rules (and that it names fragments the driver returned, once), mark the
// fragments it references, build the batch and hand it to the sink once; fragments the driver
// returned that no accepted packet references go straight back to the cache.
// Release path: a token names its owner (tokens.hpp). Released on the owner's own context (the
// sink releasing at once, a Tx completion of a forwarded buffer on a shared context) the buffers
// go straight into that context's cache: no lock, no atomic. From any other thread they go to the
// pool's depot (one lock per batch of tokens) and the context's cache refills from there.
// Headroom (the plan's, a protocol preference): buffers are posted `headroom` bytes in.
//
// Rx (driver-managed: AllocationMode Driver, AttachmentMode Driver). No Rx pool: each poll posts
// empty fragment and packet elements (VA and return context zeroed) and the driver attaches its
// own buffers, writing VA, return context, Capacity, Offset and ValidLength. Drain applies the
// same indicate rules (Capacity as the driver wrote it, at most MaximumFrameSize) and, as
// NetAdapterCx does (reference 2.3 DRIVER): fragments of Ignore packets, and returned fragments no
// packet references, stay with the driver (no return call); fragments of packets dropped by
// validation go back at once through EvtAdapterReturnRxBuffer, once each; indicated fragments
// get a slot in the queue's return table (4 x the fragment ring) holding their
// NET_FRAGMENT_RETURN_CONTEXT_HANDLE, and their token names the slot and its generation. A slot's
// state word is
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
// packet's fragment count and cookie) into the queue's SPSC ring, whole packets with one publish
// per call, and wakes the context if it sleeps. The context turns them into ring entries at
// EndIndex: as they are when the device can use them (a token's pool in the device's space, LA =
// VA on an identity space, or a registered region mapped for the device), else one fragment in a
// bounce buffer, counted by reason. PayloadBackfill: the first fragment retreats into its
// buffer's room when a token shows there is room, else it bounces. Zero-length and oversize
// packets complete at once as drops. Completion drains [OSReserved0, BeginIndex): bounce buffers
// back to the cache, tokens released, cookies to the sink once per poll. A packet the driver
// returns with Ignore set was not sent (cancelled).
//
// Tx size classes: per Tx queue a pool per class of the plan, in the device's space. `alloc_tx`
// serves the sending thread from its own caches (or the context's, when it is the context), and
// completion frees into the context's caches: the pool's cross-thread path balances them.
//
// Stop (on the context): EvtCancel; Advance and drain until every posted element is back (at
// most 2 s, then the queue is named with what the driver kept); EvtStop. Unposted sends complete
// as cancelled.
#include "datapath/open.hpp"

#include "adapter/adapter.hpp"
#include "base/diag.hpp"
#include "datapath/execution_context.hpp"
#include "datapath/queue.hpp"
#include "datapath/rx_engine.hpp"
#include "datapath/tokens.hpp"
#include "datapath/tx_engine.hpp"
#include "wdf/device.hpp"

#include <netcx/bm/pool.hpp>
#include <netcx/bm/pool_cache.hpp>
#include <netcx/datapath/context.hpp>

#include <algorithm>
#include <array>

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

/// Where the sending thread allocates Tx buffers: its own caches, one per size class.
struct sender_caches {
    std::vector<std::unique_ptr<bm::pool_cache>> by_class;
};

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
        return send_any(queue, packets, fragments);
    }
    std::uint32_t forward(std::uint32_t queue, std::span<const rx_packet> packets,
                          std::span<const rx_fragment> fragments) noexcept override
    {
        return send_any(queue, packets, fragments);
    }

    void release(std::span<const rx_fragment> fragments) noexcept override
    {
        std::array<buffer_token, 64> t;
        while (!fragments.empty()) {
            const std::size_t n = std::min(fragments.size(), t.size());
            for (std::size_t i = 0; i < n; ++i)
                t[i] = fragments[i].token;
            release_tokens({t.data(), n}, adapter_name_);
            fragments = fragments.subspan(n);
        }
    }
    void release(std::span<const buffer_token> tokens) noexcept override
    {
        release_tokens(tokens, adapter_name_);
    }

    std::uint32_t alloc_tx(std::uint32_t queue, std::uint32_t bytes,
                           std::span<tx_buffer> out) noexcept override;

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

    std::vector<pool_report> pools() const override;
    bool region_busy(std::size_t i) const noexcept override;
    void unregister_region(std::size_t i) noexcept override
    {
        if (i < regions_.size())
            regions_[i].active.store(false, std::memory_order_release);
    }
    std::uint64_t held() const noexcept override;
    void stop() noexcept override;
    result<void> close() override;

    result<void> build(adapter::adapter& a, const bm::buffer_plan& plan);

private:
    template <class P, class F>
    std::uint32_t send_any(std::uint32_t queue, std::span<const P> packets,
                           std::span<const F> fragments) noexcept
    {
        if (stopped_.load(std::memory_order_relaxed) || queue >= tx_.size())
            return 0;
        const std::uint32_t n = tx_[queue]->send(packets, fragments);
        if (n != 0)
            tx_context_[queue]->wake();
        return n;
    }
    result<void> build_rx_pools(adapter::adapter& a, const bm::buffer_plan& plan, bool verify);
    result<void> build_tx(adapter::adapter& a, const bm::buffer_plan& plan, bool verify);
    result<bm::pool*> add_pool(const bm::pool_config& c);
    void start_contexts();

    std::string adapter_name_;
    options options_;
    std::shared_ptr<open_link> link_;
    std::atomic<bool> stopped_{false};
    bool closed_ = false;
    std::vector<packet_queue*> queues_; // referenced; deleted at close
    std::vector<std::unique_ptr<bm::pool>> pools_;
    std::vector<std::unique_ptr<rx_engine>> rx_;
    std::vector<std::unique_ptr<tx_engine>> tx_;
    std::vector<std::shared_ptr<context>> contexts_;
    std::vector<execution_context*> rx_context_, tx_context_;
    std::vector<buffer_owner*> owners_;  // entered in the token table
    std::deque<tx_region> regions_;      // stable: the Tx engines point at it
    std::vector<std::size_t> rx_region_; // per Rx queue: the region its pool is carved from
    std::vector<std::uint32_t> classes_; // Tx size classes, ascending
    std::uint32_t backfill_ = 0;
    std::vector<sender_caches> senders_; // per Tx queue
};

std::uint32_t datapath_impl::alloc_tx(std::uint32_t queue, std::uint32_t bytes,
                                      std::span<tx_buffer> out) noexcept
{
    if (stopped_.load(std::memory_order_relaxed) || queue >= tx_.size() || out.empty())
        return 0;
    const auto c = static_cast<std::size_t>(
        std::lower_bound(classes_.begin(), classes_.end(), bytes + backfill_) - classes_.begin());
    if (c == classes_.size())
        return 0;
    bm::pool_cache& cache = execution_context::current() == tx_context_[queue]
                                ? tx_[queue]->class_cache(c)
                                : *senders_[queue].by_class[c];
    const buffer_owner& o = *tx_[queue]->class_owners()[c];
    std::array<bm::buffer_index, 64> got;
    for (std::size_t done = 0; done < out.size();) {
        const std::size_t n = std::min(out.size() - done, got.size());
        if (cache.alloc_bulk({got.data(), n}) != status::ok) {
            if (done != 0) // all or none
                for (std::size_t i = 0; i < done; ++i)
                    (void)cache.free(bm::buffer_index{token_index(out[i].token)});
            return 0;
        }
        for (std::size_t i = 0; i < n; ++i) {
            o.pool->set_holder(got[i], {bm::owner::protocol, static_cast<std::uint16_t>(queue)});
            out[done + i] = {o.pool->va(got[i]) + backfill_, classes_[c] - backfill_,
                             make_token(o.id, bm::to_u32(got[i]))};
        }
        done += n;
    }
    return static_cast<std::uint32_t>(out.size());
}

std::vector<pool_report> datapath_impl::pools() const
{
    std::vector<pool_report> out;
    for (const auto& p : pools_) {
        pool_report r{p->name(), p->stats(), p->count(), {}};
        if (stopped_.load(std::memory_order_relaxed))
            if (auto l = p->outstanding(); l.outstanding != 0)
                r.held = l.describe();
        out.push_back(std::move(r));
    }
    return out;
}

bool datapath_impl::region_busy(std::size_t i) const noexcept
{
    if (!closed_ && std::find(rx_region_.begin(), rx_region_.end(), i) != rx_region_.end())
        return true;
    for (const auto& t : tx_)
        if (t->region_in_flight(i) != 0)
            return true;
    return false;
}

std::uint64_t datapath_impl::held() const noexcept
{
    std::uint64_t n = 0;
    for (const auto& p : pools_)
        n += stopped_.load(std::memory_order_relaxed) ? p->outstanding().outstanding
                                                      : p->stats().in_flight;
    return n;
}

void datapath_impl::stop() noexcept
{
    if (stopped_.exchange(true))
        return;
    // Each context stops its engines (cancel, drain, EvtStop) on its own thread.
    for (std::size_t i = 0; i < contexts_.size(); ++i) {
        std::vector<queue_engine*> mine;
        for (std::size_t q = 0; q < rx_.size(); ++q)
            if (rx_context_[q] == &contexts_[i]->impl())
                mine.push_back(rx_[q].get());
        for (std::size_t q = 0; q < tx_.size(); ++q)
            if (tx_context_[q] == &contexts_[i]->impl())
                mine.push_back(tx_[q].get());
        contexts_[i]->impl().detach(mine);
    }
    // The caches go back to their pools (counters stay), so what is out is what someone holds.
    for (auto& e : rx_)
        e->retire();
    for (auto& e : tx_)
        e->retire();
    senders_.clear();
}

result<void> datapath_impl::close()
{
    if (closed_)
        return {};
    stop();
    closed_ = true;
    contexts_.clear();
    std::string leaks;
    for (auto& e : rx_)
        if (e->driver_managed())
            if (const std::uint32_t held = e->return_outstanding_slow(); held != 0)
                leaks += fmt::format("{}{}: {} driver fragment(s) the protocol still held "
                                     "(returned to the driver at close)",
                                     leaks.empty() ? "" : "; ", e->queue().name(), held);
    for (buffer_owner* o : owners_)
        owners::remove(*o);
    owners_.clear();
    owners::quiesce(); // a release still inside one of them finishes first
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
    pools_.clear(); // the engines stay (retired) for their counters; a pool with buffers out keeps
                    // its memory mapped (quarantine)
    if (link_ && link_->open == this)
        link_->open = nullptr;
    if (!leaks.empty())
        return fail(status::busy, "{}: datapath closed with buffers still held: {}", adapter_name_,
                    leaks);
    return {};
}

result<bm::pool*> datapath_impl::add_pool(const bm::pool_config& c)
{
    auto p = bm::pool::create(c);
    if (!p)
        return std::move(p).err();
    pools_.push_back(std::move(*p));
    return pools_.back().get();
}

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
    if (auto r = build_rx_pools(a, plan, verify); !r)
        return r;
    if (auto r = build_tx(a, plan, verify); !r)
        return r;
    for (buffer_owner* o : owners_)
        if (!owners::add(*o))
            return fail(status::no_memory, "{}: open_datapath: the buffer owner table is full",
                        adapter_name_);
    start_contexts();
    link_->open = this;
    return {};
}

// Rx: one pool per queue (none when the driver allocates), carved from registered memory when
// the plan says so.
result<void> datapath_impl::build_rx_pools(adapter::adapter& a, const bm::buffer_plan& plan,
                                           bool verify)
{
    const auto& rxc = a.rx();
    wdf::device& dev = a.owner_device();
    const bool rx_dma = plan.rx.mapping.value == "dma";
    const bool rx_driver = rxc && rxc->allocation == NetRxFragmentBufferAllocationModeDriver;
    const std::uint32_t headroom = plan.rx.headroom.value;
    std::vector<std::size_t> used(options_.registered.size(), 0);
    for (std::uint32_t i = 0; i < options_.rx_queues; ++i) {
        packet_queue& q = *queues_[options_.tx_queues + i];
        if (rx_driver) {
            rx_.push_back(std::make_unique<rx_engine>(
                q, verify, i,
                driver_return{static_cast<NETADAPTER>(a.handle()), rxc->return_buffer},
                plan.rx.buffer_size.value, *options_.rx));
            owners_.push_back(&rx_.back()->owner());
            continue;
        }
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
        if (plan.rx.memory.value == "registered") {
            // The first region with room for this queue's pool (stride-aligned start).
            const std::size_t stride =
                (c.buffer_size + c.alignment - 1) / c.alignment * c.alignment;
            const std::size_t need = stride * c.buffer_count + c.alignment;
            for (std::size_t r = 0; r < options_.registered.size(); ++r) {
                if (options_.registered[r]->size() - used[r] >= need) {
                    c.memory = options_.registered[r];
                    c.memory_offset = used[r];
                    used[r] += need;
                    rx_region_.push_back(r);
                    break;
                }
            }
            if (c.memory == nullptr)
                log(log_level::warning,
                    "{}: no registered region has {} more bytes for rxqueue{}; it uses system "
                    "memory",
                    a.name(), stride * c.buffer_count, i);
        }
        auto p = add_pool(c);
        if (!p)
            return std::move(p).err();
        rx_.push_back(std::make_unique<rx_engine>(q, verify, i, **p, headroom, *options_.rx));
        rx_.back()->owner().space = c.space;
        owners_.push_back(&rx_.back()->owner());
    }
    return {};
}

// Tx: limits from the plan, registered regions mapped for the device, a bounce pool per queue
// (when anything can bounce), and the size classes.
result<void> datapath_impl::build_tx(adapter::adapter& a, const bm::buffer_plan& plan, bool verify)
{
    const auto& txc = a.tx();
    wdf::device& dev = a.owner_device();
    tx_limits lim;
    lim.backfill = static_cast<std::uint32_t>(plan.tx.backfill.value);
    lim.alignment = std::max<std::uint32_t>(plan.tx.alignment.value, 1);
    lim.max_fragments = plan.tx.max_fragments.value;
    lim.max_logical_address = plan.tx.max_logical_address.value;
    lim.dma = plan.tx.mapping.value == "dma";
    lim.identity = dev.address_space().name() == "identity";
    lim.space = lim.dma ? &dev.address_space() : nullptr;
    lim.max_frame = txc && txc->max_fragment_buffer_size != 0 ? txc->max_fragment_buffer_size
                                                              : a.link().mtu + 14U;
    backfill_ = lim.backfill;

    for (const bm::memory_region* m : options_.registered) {
        tx_region& g = regions_.emplace_back();
        g.base = m->base();
        g.size = m->size();
        if (lim.dma && !lim.identity) {
            auto mapping = dev.address_space().map(*m);
            if (!mapping)
                return std::move(mapping).err();
            g.mapping = std::move(*mapping);
            g.reachable = bm::to_u64(g.mapping->translate(g.size - 1)) <= lim.max_logical_address;
        } else if (lim.dma) {
            g.reachable =
                reinterpret_cast<std::uintptr_t>(g.base) + g.size - 1 <= lim.max_logical_address;
        }
    }
    lim.regions = &regions_;

    const bool may_bounce =
        lim.dma || lim.backfill != 0 || lim.alignment > 1 || lim.max_fragments != ~std::uint64_t{0};
    classes_ = plan.tx.size_classes.value;
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
            c.space = lim.space;
            c.max_logical_address = bm::logical_address{plan.tx.max_logical_address.value};
            auto p = add_pool(c);
            if (!p)
                return std::move(p).err();
            bounce = *p;
        }
        std::vector<bm::pool*> classes;
        for (const std::uint32_t size : classes_) {
            bm::pool_config c;
            c.name = fmt::format("{} txqueue{} class{}", a.name(), i, size);
            c.buffer_count = std::max(plan.tx.buffers_per_class.value, 2U);
            c.buffer_size = size;
            c.alignment = std::min<std::uint32_t>(std::max<std::uint32_t>(lim.alignment, 64), 4096);
            c.numa_node = plan.tx.numa_node.value;
            c.space = lim.space;
            c.max_logical_address = bm::logical_address{plan.tx.max_logical_address.value};
            auto p = add_pool(c);
            if (!p)
                return std::move(p).err();
            classes.push_back(*p);
        }
        tx_.push_back(
            std::make_unique<tx_engine>(*queues_[i], verify, i, bounce, classes, options_.tx, lim));
        sender_caches s;
        for (bm::pool* p : classes)
            s.by_class.push_back(std::make_unique<bm::pool_cache>(
                *p, bm::holder{bm::owner::protocol, static_cast<std::uint16_t>(i)},
                class_cache_capacity(*p)));
        senders_.push_back(std::move(s));
        for (auto& o : tx_.back()->class_owners())
            owners_.push_back(o.get());
    }
    return {};
}

// Contexts: the shared one (options::on), or context i for Rx queue i and Tx queue i.
void datapath_impl::start_contexts()
{
    const std::uint32_t n = std::max(options_.rx_queues, options_.tx_queues);
    rx_context_.assign(rx_.size(), nullptr);
    tx_context_.assign(tx_.size(), nullptr);
    for (std::uint32_t i = 0; i < n; ++i) {
        if (options_.on == nullptr || i == 0) {
            const int cpu = options_.cpus.empty() ? -1 : options_.cpus[i % options_.cpus.size()];
            contexts_.push_back(
                options_.on != nullptr
                    ? options_.on
                    : context::create({fmt::format("{} context{}", adapter_name_, i),
                                       context::mode::threaded, cpu}));
        }
        execution_context& ec = contexts_.back()->impl();
        std::vector<queue_engine*> engines;
        if (i < rx_.size()) {
            rx_[i]->owner().context.store(&ec, std::memory_order_release);
            rx_[i]->queue().set_context(&ec);
            rx_context_[i] = &ec;
            engines.push_back(rx_[i].get());
        }
        if (i < tx_.size()) {
            for (auto& o : tx_[i]->class_owners())
                o->context.store(&ec, std::memory_order_release);
            tx_[i]->queue().set_context(&ec);
            tx_context_[i] = &ec;
            engines.push_back(tx_[i].get());
        }
        ec.attach(engines);
    }
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
    for (std::size_t i = 0; i < o.registered.size(); ++i)
        if (o.registered[i] == nullptr)
            return fail(status::invalid_parameter,
                        "{}: open_datapath: registered region {} is null", a.name(), i);
    auto dp = std::make_unique<datapath_impl>(a, o, link ? link : std::make_shared<open_link>());
    if (auto r = dp->build(a, plan); !r) {
        (void)dp->close();
        return std::move(r).err();
    }
    return std::unique_ptr<datapath>{std::move(dp)};
}

} // namespace netcx::datapath
