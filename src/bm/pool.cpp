// SPDX-License-Identifier: MIT
// Pool construction, the depot, checked-mode bookkeeping, stats and the leak report.
// The design is described atop include/netcx/bm/pool.hpp.
#include <netcx/bm/pool.hpp>

#include "base/diag.hpp"

#include <netcx/bm/pool_cache.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string_view>

#ifndef NETCX_CHECKED_DEFAULT
#define NETCX_CHECKED_DEFAULT 0
#endif

namespace netcx::bm {
namespace {

constexpr std::uint32_t page_size = 4096;

bool checked_default() noexcept
{
    if (const char* v = std::getenv("NETCX_CHECKED"); v != nullptr)
        return std::string_view{v} != "0";
    return NETCX_CHECKED_DEFAULT != 0;
}

std::string holder_name(holder h)
{
    return fmt::format("{} {}", to_string(h.kind), h.id);
}

} // namespace

std::string_view to_string(owner o) noexcept
{
    switch (o) {
    case owner::pool: return "pool";
    case owner::cache: return "cache";
    case owner::framework: return "framework";
    case owner::driver: return "driver";
    case owner::protocol: return "protocol";
    }
    return "?";
}

std::string leak_report::describe() const
{
    std::string s =
        fmt::format("{} buffer{} outstanding", outstanding, outstanding == 1 ? "" : "s");
    const char* sep = ": ";
    for (const auto& g : groups) {
        s += sep;
        sep = "; ";
        s += holders_known ? holder_name(g.who) : std::string{"unknown holder (pool unchecked)"};
        s += " holds [";
        const std::size_t shown = std::min<std::size_t>(g.buffers.size(), 16);
        for (std::size_t i = 0; i < shown; ++i)
            s += fmt::format("{}{}", i ? ", " : "", to_u32(g.buffers[i]));
        if (shown < g.buffers.size())
            s += fmt::format(", ... {} more", g.buffers.size() - shown);
        s += "]";
    }
    return s;
}

result<std::unique_ptr<pool>> pool::create(const pool_config& c)
{
    // Entry point: every refusal names the pool, the rule and the value.
    if (c.buffer_count == 0)
        return fail(status::invalid_parameter, "pool '{}': buffer count is 0", c.name);
    if (c.buffer_size == 0)
        return fail(status::invalid_parameter, "pool '{}': buffer size is 0", c.name);
    if (c.alignment == 0 || (c.alignment & (c.alignment - 1)) != 0 || c.alignment > page_size)
        return fail(status::invalid_parameter,
                    "pool '{}': alignment {} is not a power of two between 1 and {}", c.name,
                    c.alignment, page_size);
    const std::uint64_t stride64 =
        (std::uint64_t{c.buffer_size} + c.alignment - 1) & ~std::uint64_t{c.alignment - 1};
    if (stride64 > UINT32_MAX)
        return fail(status::integer_overflow, "pool '{}': buffer size {} overflows when aligned",
                    c.name, c.buffer_size);
    const auto stride = static_cast<std::uint32_t>(stride64);
    const std::uint64_t bytes = stride64 * c.buffer_count; // < 2^64: both factors < 2^32
    if (bytes > SIZE_MAX / 2)
        return fail(status::integer_overflow, "pool '{}': {} buffers of {} bytes overflow", c.name,
                    c.buffer_count, stride);

    std::unique_ptr<pool> p{new pool};
    p->name_ = c.name;
    p->size_ = c.buffer_size;
    p->stride_ = stride;
    p->count_ = c.buffer_count;
    p->checked_ = c.checked.value_or(checked_default());

    std::size_t offset = 0;
    if (c.memory != nullptr) {
        const auto start = reinterpret_cast<std::uintptr_t>(c.memory->base()) + c.memory_offset;
        if (c.memory_offset > c.memory->size() || bytes > c.memory->size() - c.memory_offset)
            return fail(status::invalid_parameter,
                        "pool '{}': {} buffers of {} bytes need {} bytes; the region has {} past "
                        "offset {}",
                        c.name, c.buffer_count, stride, bytes,
                        c.memory_offset > c.memory->size() ? 0 : c.memory->size() - c.memory_offset,
                        c.memory_offset);
        if (start % c.alignment != 0)
            return fail(status::invalid_parameter,
                        "pool '{}': region start {:#x} (offset {}) is not {}-byte aligned", c.name,
                        start, c.memory_offset, c.alignment);
        p->region_ = c.memory;
        offset = c.memory_offset;
    } else {
        // On the identity space the buffers' virtual addresses are what the device sees: keep
        // them within its reach.
        const bool identity = c.space == nullptr || c.space->name() == "identity";
        const std::uint64_t below = identity ? to_u64(c.max_logical_address) : ~std::uint64_t{0};
        auto r =
            memory_region::allocate({static_cast<std::size_t>(bytes), c.numa_node, c.pages, below});
        if (!r)
            return error{r.code(), fmt::format("pool '{}': {}", c.name, r.err().message)};
        p->owned_region_.emplace(std::move(r).value());
        p->region_ = &*p->owned_region_;
    }
    p->base_ = p->region_->base() + offset;

    identity_space identity;
    address_space& space = c.space != nullptr ? *c.space : identity;
    p->space_name_ = std::string{space.name()};
    auto m = space.map(*p->region_);
    if (!m)
        return error{m.code(), fmt::format("pool '{}': {}", c.name, m.err().message)};

    // Translate every buffer once, here; check it is contiguous and within the device's reach.
    const std::size_t granule = (*m)->contiguity();
    p->la_table_ = std::make_unique<logical_address[]>(c.buffer_count);
    for (std::uint32_t i = 0; i < c.buffer_count; ++i) {
        const std::size_t at = offset + std::size_t{i} * stride;
        if (granule != SIZE_MAX && at / granule != (at + c.buffer_size - 1) / granule)
            return fail(status::not_supported,
                        "pool '{}': buffer {} ({} bytes at offset {}) crosses a {}-byte boundary "
                        "of the {} address space; use an alignment that divides {} or hugepages",
                        c.name, i, c.buffer_size, at, granule, space.name(), granule);
        const logical_address la = (*m)->translate(at);
        if (to_u64(la) > to_u64(c.max_logical_address) - (c.buffer_size - 1) ||
            to_u64(c.max_logical_address) < c.buffer_size - 1)
            return fail(status::address_unreachable,
                        "pool '{}': buffer {} at logical address {:#x} ends above the device's "
                        "maximum {:#x}",
                        c.name, i, to_u64(la), to_u64(c.max_logical_address));
        p->la_table_[i] = la;
    }
    p->mapping_ = std::move(m).value();
    p->la_ = p->la_table_.get();

    p->meta_table_ = std::make_unique<buffer_meta[]>(c.buffer_count);
    p->meta_ = p->meta_table_.get();
    // Depot top is buffer 0, so a fresh pool hands out buffers in address order.
    p->depot_ = std::make_unique<buffer_index[]>(c.buffer_count);
    for (std::uint32_t k = 0; k < c.buffer_count; ++k)
        p->depot_[k] = buffer_index{c.buffer_count - 1 - k};
    p->depot_len_ = c.buffer_count;
    return p;
}

pool::~pool()
{
    if (!depot_)
        return; // create() failed part way: nothing was lent out
    {
        const std::lock_guard g{caches_lock_};
        if (!caches_.empty())
            log(log_level::error,
                "pool '{}': destroyed with {} caches still attached (destroy caches first)", name_,
                caches_.size());
    }
    const leak_report r = outstanding();
    if (r.outstanding == 0)
        return;
    log(log_level::error, "pool '{}' destroyed with {}; its memory stays mapped", name_,
        r.describe());
    if (owned_region_)
        owned_region_->quarantine();
}

std::uint32_t pool::depot_take(buffer_index* out, std::uint32_t n, bool all_or_nothing) noexcept
{
    const std::lock_guard g{depot_lock_};
    if (all_or_nothing && depot_len_ < n)
        return 0;
    const std::uint32_t k = std::min(n, depot_len_);
    depot_len_ -= k;
    std::memcpy(out, &depot_[depot_len_], k * sizeof(buffer_index));
    return k;
}

void pool::depot_put(const buffer_index* in, std::uint32_t n) noexcept
{
    const std::lock_guard g{depot_lock_};
    if (n > count_ - depot_len_) {
        // Only reachable through unchecked double frees: drop rather than write past the depot.
        log(log_level::error,
            "pool '{}': {} buffers returned to a depot with room for {} (double free in an "
            "unchecked pool?); extra returns dropped",
            name_, n, count_ - depot_len_);
        n = count_ - depot_len_;
    }
    std::memcpy(&depot_[depot_len_], in, n * sizeof(buffer_index));
    depot_len_ += n;
}

status pool::check_free(buffer_index b, owner to) noexcept
{
    if (to_u32(b) >= count_) {
        log(log_level::error, "pool '{}': foreign buffer {} freed (the pool has {} buffers)", name_,
            to_u32(b), count_);
        return status::foreign_buffer;
    }
    auto& m = meta_[to_u32(b)];
    const holder h = unpack(m.state.load(std::memory_order_relaxed));
    if (h.kind == owner::pool || h.kind == owner::cache) {
        log(log_level::error, "pool '{}': double free of buffer {} (already free, in the {})",
            name_, to_u32(b), to_string(h.kind));
        return status::double_free;
    }
    if (const auto refs = m.extra_refs.load(std::memory_order_relaxed); refs != 0) {
        log(log_level::error,
            "pool '{}': buffer {} freed while {} other holder{} still reference it (use release)",
            name_, to_u32(b), refs, refs == 1 ? "" : "s");
        return status::busy;
    }
    m.state.store(pack({to, 0}), std::memory_order_relaxed);
    return status::ok;
}

void pool::mark(const buffer_index* b, std::uint32_t n, holder h) noexcept
{
    for (std::uint32_t i = 0; i < n; ++i)
        meta_[to_u32(b[i])].state.store(pack(h), std::memory_order_relaxed);
}

status pool::free_unattached(std::span<const buffer_index> buffers) noexcept
{
    status first_bad = status::ok;
    std::uint64_t returned = 0;
    for (const buffer_index b : buffers) {
        if (const status s = checked_ ? check_free(b, owner::pool) : status::ok; s != status::ok) {
            retired_.bad_frees.fetch_add(1, std::memory_order_relaxed);
            if (first_bad == status::ok)
                first_bad = s;
            continue;
        }
        depot_put(&b, 1);
        ++returned;
    }
    retired_.free_remote.fetch_add(returned, std::memory_order_relaxed);
    return first_bad;
}

result<buffer_index> pool::index_of(const void* p) const
{
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    const auto b = reinterpret_cast<std::uintptr_t>(base_);
    if (a < b || (a - b) / stride_ >= count_)
        return fail(status::foreign_buffer,
                    "pool '{}': pointer {} is not inside any of its buffers", name_, p);
    return buffer_index{static_cast<std::uint32_t>((a - b) / stride_)};
}

void pool::attach(pool_cache* c)
{
    const std::lock_guard g{caches_lock_};
    caches_.push_back(c);
}

void pool::detach(pool_cache* c)
{
    const auto ld = [](const std::atomic<std::uint64_t>& v) {
        return v.load(std::memory_order_relaxed);
    };
    const std::lock_guard g{caches_lock_};
    std::erase(caches_, c);
    retired_.alloc_fast += ld(c->alloc_fast_);
    retired_.alloc_slow += ld(c->alloc_slow_);
    retired_.alloc_empty += ld(c->alloc_empty_);
    retired_.free_fast += ld(c->free_fast_);
    retired_.free_slow += ld(c->free_slow_);
    retired_.refills += ld(c->refills_);
    retired_.flushes += ld(c->flushes_);
    retired_.bad_frees += ld(c->bad_frees_);
}

pool_stats pool::stats() const
{
    const auto ld = [](const std::atomic<std::uint64_t>& v) {
        return v.load(std::memory_order_relaxed);
    };
    pool_stats s{ld(retired_.alloc_fast), ld(retired_.alloc_slow), ld(retired_.alloc_empty),
                 ld(retired_.free_fast),  ld(retired_.free_slow),  ld(retired_.free_remote),
                 ld(retired_.refills),    ld(retired_.flushes),    ld(retired_.bad_frees)};
    {
        const std::lock_guard g{caches_lock_};
        for (const pool_cache* c : caches_) {
            s.alloc_fast += ld(c->alloc_fast_);
            s.alloc_slow += ld(c->alloc_slow_);
            s.alloc_empty += ld(c->alloc_empty_);
            s.free_fast += ld(c->free_fast_);
            s.free_slow += ld(c->free_slow_);
            s.refills += ld(c->refills_);
            s.flushes += ld(c->flushes_);
            s.bad_frees += ld(c->bad_frees_);
        }
    }
    const std::uint64_t out = s.alloc_fast + s.alloc_slow;
    const std::uint64_t back = s.free_fast + s.free_slow + s.free_remote;
    s.in_flight = out > back ? out - back : 0;
    return s;
}

leak_report pool::outstanding() const
{
    std::vector<bool> is_free(count_, false);
    {
        const std::lock_guard g{depot_lock_};
        for (std::uint32_t k = 0; k < depot_len_; ++k)
            is_free[to_u32(depot_[k])] = true;
    }
    {
        const std::lock_guard g{caches_lock_};
        for (const pool_cache* c : caches_)
            for (std::uint32_t k = 0; k < c->len_; ++k)
                is_free[to_u32(c->objs_[k])] = true;
    }
    leak_report r;
    r.holders_known = checked_;
    for (std::uint32_t i = 0; i < count_; ++i) {
        if (is_free[i])
            continue;
        ++r.outstanding;
        const holder h = checked_ ? holder_of(buffer_index{i}) : holder{};
        auto g = std::find_if(r.groups.begin(), r.groups.end(),
                              [&](const leak_report::group& x) { return x.who == h; });
        if (g == r.groups.end())
            g = r.groups.insert(r.groups.end(), {h, {}});
        g->buffers.push_back(buffer_index{i});
    }
    return r;
}

} // namespace netcx::bm
