// SPDX-License-Identifier: MIT
// The cache's slow paths: refill from and flush to the depot, oversize requests, and everything a
// checked pool does (fault injection, double/foreign free refusal, holder records).
#include <netcx/bm/pool_cache.hpp>

#include "base/diag.hpp"

#include <netcx/base/fault.hpp>

namespace netcx::bm {
namespace {
void add(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept
{
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
} // namespace

pool_cache::pool_cache(pool& p, holder who, std::uint32_t capacity)
    : capacity_(std::clamp<std::uint32_t>(capacity, 2, max_cache_capacity)), checked_(p.checked()),
      pool_(&p), who_(who)
{
    p.attach(this);
}

pool_cache::~pool_cache()
{
    if (checked_)
        pool_->mark(objs_, len_, {owner::pool, 0});
    pool_->depot_put(objs_, len_);
    len_ = 0;
    pool_->detach(this);
}

std::uint32_t pool_cache::alloc_slow(buffer_index* out, std::uint32_t n,
                                     bool all_or_nothing) noexcept
{
    pool& p = *pool_;
    if (checked_ && fault::should_fail(fault::site::buffer_alloc)) {
        add(alloc_empty_, 1);
        refusal_ = status::fault_injected;
        log(log_level::warning, "pool '{}': injected allocation failure", p.name());
        return 0;
    }
    std::uint32_t got = 0;
    bool fast = false;
    if (n <= len_) { // checked pools come here with a full enough cache
        got = n;
        fast = true;
    } else if (n > capacity_) { // too big for the cache: straight from the depot
        got = p.depot_take(out, n, all_or_nothing);
        if (!all_or_nothing && got < n) {
            const std::uint32_t more = std::min(n - got, len_);
            len_ -= more;
            copy(objs_ + len_, more, out + got);
            got += more;
        }
        if (checked_)
            p.mark(out, got, who_);
        add(alloc_slow_, got);
        if (got < n) {
            add(alloc_empty_, 1);
            refusal_ = status::no_memory;
        }
        return got;
    } else { // refill the whole cache: one depot transaction per cache-full of allocations
        const std::uint32_t want = capacity_ - len_;
        const std::uint32_t k = p.depot_take(objs_ + len_, want, false);
        if (checked_)
            p.mark(objs_ + len_, k, {owner::cache, who_.id});
        len_ += k;
        add(refills_, k != 0);
        got = std::min(n, len_);
        if (all_or_nothing && got < n)
            got = 0;
    }
    len_ -= got;
    copy(objs_ + len_, got, out);
    if (checked_)
        p.mark(out, got, who_);
    add(fast ? alloc_fast_ : alloc_slow_, got);
    if (got < n) {
        add(alloc_empty_, 1);
        refusal_ = status::no_memory;
    }
    return got;
}

status pool_cache::free_slow(const buffer_index* in, std::uint32_t n) noexcept
{
    pool& p = *pool_;
    status result = status::ok;
    for (std::uint32_t done = 0; done < n;) {
        // Checked pools take runs of buffers that pass their checks; a refused one is skipped.
        std::uint32_t k = n - done;
        status refused = status::ok;
        if (checked_) {
            k = 0;
            while (done + k < n &&
                   (refused = p.check_free(in[done + k], owner::cache)) == status::ok)
                ++k;
        }
        put(in + done, k);
        done += k;
        if (refused != status::ok) {
            add(bad_frees_, 1);
            if (result == status::ok)
                result = refused;
            ++done;
        }
    }
    return result;
}

void pool_cache::put(const buffer_index* batch, std::uint32_t k) noexcept
{
    pool& p = *pool_;
    if (k > capacity_) { // too big for the cache: straight to the depot
        if (checked_)
            p.mark(batch, k, {owner::pool, 0});
        p.depot_put(batch, k);
        add(free_slow_, k);
        return;
    }
    if (k > capacity_ - len_) { // flush the whole cache: one depot transaction per cache-full
        const std::uint32_t target = 0;
        if (checked_)
            p.mark(objs_ + target, len_ - target, {owner::pool, 0});
        p.depot_put(objs_ + target, len_ - target);
        len_ = target;
        add(flushes_, 1);
        add(free_slow_, k);
    } else {
        add(free_fast_, k);
    }
    copy(batch, k, objs_ + len_);
    len_ += k;
}

} // namespace netcx::bm
