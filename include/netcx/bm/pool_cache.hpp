// SPDX-License-Identifier: MIT
/// @file
/// The per-queue (per-thread) buffer cache: the buffer manager's fast path.
///
/// A cache is a LIFO array of free buffer indices owned by one thread. Alloc and free touch only
/// that array and the cache's counters: no lock, no atomic read-modify-write, no call. When the
/// cache runs dry it refills from the pool's depot to full; when it overflows it flushes all it
/// holds to the depot; requests larger than the cache go to the depot directly. Whole-cache moves
/// halve the depot transactions of half-cache ones, and each costs a cross-core transfer of the
/// depot's lock line when buffers flow between threads (cross-thread: 11.5 -> 9.3 cycles/object).
/// Verbs: `alloc_bulk` / `free_bulk` are all-or-nothing (status), `alloc_burst` is best effort
/// (count).
///
/// Context: every member except the constructor's and destructor's registration is for the owning
/// thread only ("the caller MUST guarantee non-concurrent access"); buffers it frees may come from
/// any cache of the same pool.
#pragma once

#include <netcx/base/compiler.hpp>
#include <netcx/base/copy.hpp>
#include <netcx/bm/pool.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <span>

namespace netcx::bm {

inline constexpr std::uint32_t max_cache_capacity = 1024;
inline constexpr std::uint32_t default_cache_capacity = 512;

class pool_cache {
public:
    /// Attaches to `p`. Buffers it allocates are recorded as held by `who` (checked pools).
    /// `capacity` is clamped to [2, max_cache_capacity]; the cache holds at most that many.
    explicit pool_cache(pool& p, holder who = {owner::framework, 0},
                        std::uint32_t capacity = default_cache_capacity);
    /// Flushes every cached buffer to the depot and detaches.
    ~pool_cache();
    pool_cache(const pool_cache&) = delete;
    pool_cache& operator=(const pool_cache&) = delete;

    [[nodiscard]] pool& owning_pool() const noexcept { return *pool_; }
    [[nodiscard]] std::uint32_t size() const noexcept { return len_; }
    [[nodiscard]] std::uint32_t capacity() const noexcept { return capacity_; }

    /// One buffer, or nullopt when the pool is exhausted.
    NETCX_ALWAYS_INLINE std::optional<buffer_index> alloc() noexcept
    {
        if (NETCX_LIKELY(!checked_ && len_ != 0)) {
            bump(alloc_fast_, 1);
            return objs_[--len_];
        }
        buffer_index b{};
        if (alloc_slow(&b, 1, true) != 1)
            return std::nullopt;
        return b;
    }

    /// Fills all of `out`, or nothing (no_memory; fault_injected from the fault injector).
    NETCX_ALWAYS_INLINE status alloc_bulk(std::span<buffer_index> out) noexcept
    {
        const auto n = static_cast<std::uint32_t>(out.size());
        if (NETCX_LIKELY(!checked_ && n <= len_)) {
            len_ -= n;
            copy(objs_ + len_, n, out.data());
            bump(alloc_fast_, n);
            return status::ok;
        }
        return alloc_slow(out.data(), n, true) == n ? status::ok : refusal_;
    }

    /// Fills as much of `out` as the pool can; returns how many.
    [[nodiscard]] NETCX_ALWAYS_INLINE std::uint32_t
    alloc_burst(std::span<buffer_index> out) noexcept
    {
        const auto n = static_cast<std::uint32_t>(out.size());
        if (NETCX_LIKELY(!checked_ && n <= len_)) {
            len_ -= n;
            copy(objs_ + len_, n, out.data());
            bump(alloc_fast_, n);
            return n;
        }
        return alloc_slow(out.data(), n, false);
    }

    /// Returns one buffer (its sole holder). Checked pools refuse double/foreign frees.
    NETCX_ALWAYS_INLINE status free(buffer_index b) noexcept
    {
        if (NETCX_LIKELY(!checked_ && len_ != capacity_)) {
            objs_[len_++] = b;
            bump(free_fast_, 1);
            return status::ok;
        }
        return free_slow(&b, 1);
    }

    /// Returns every buffer in `in`. Checked pools refuse double/foreign frees and keep the rest.
    NETCX_ALWAYS_INLINE status free_bulk(std::span<const buffer_index> in) noexcept
    {
        const auto n = static_cast<std::uint32_t>(in.size());
        if (NETCX_LIKELY(!checked_ && n <= capacity_ - len_)) {
            copy(in.data(), n, objs_ + len_);
            len_ += n;
            bump(free_fast_, n);
            return status::ok;
        }
        return free_slow(in.data(), n);
    }

    /// Drops one holder's reference (see `pool::add_ref`); the last one frees the buffer.
    NETCX_ALWAYS_INLINE status release(buffer_index b) noexcept
    {
        auto& refs = pool_->meta_[to_u32(b)].extra_refs;
        // Seeing no other holder means nobody else can change the count: free without an RMW.
        if (refs.load(std::memory_order_acquire) == 0 || refs.fetch_sub(1) == 0) {
            refs.store(0, std::memory_order_relaxed); // undo the wrap of a racing last release
            return free(b);
        }
        return status::ok;
    }

private:
    friend class pool;

    static NETCX_ALWAYS_INLINE void copy(const buffer_index* from, std::uint32_t n,
                                         buffer_index* to) noexcept
    {
        copy_elements(from, n, to);
    }
    // Owner-thread counter: a plain add, readable (racily, atomically) by stats().
    static NETCX_ALWAYS_INLINE void bump(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept
    {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }

    NETCX_NOINLINE std::uint32_t alloc_slow(buffer_index* out, std::uint32_t n,
                                            bool all_or_nothing) noexcept;
    NETCX_NOINLINE status free_slow(const buffer_index* in, std::uint32_t n) noexcept;
    void put(const buffer_index* batch, std::uint32_t n) noexcept; // free_slow's unchecked core

    // Hot line: touched by every call.
    std::uint32_t len_ = 0;
    std::uint32_t capacity_;
    bool checked_;
    status refusal_ = status::no_memory; // why the last all-or-nothing alloc failed
    pool* pool_;
    holder who_;
    std::atomic<std::uint64_t> alloc_fast_{0}, free_fast_{0};
    // Slow-path counters.
    std::atomic<std::uint64_t> alloc_slow_{0}, alloc_empty_{0}, free_slow_{0}, refills_{0},
        flushes_{0}, bad_frees_{0};

    alignas(cache_line_size) buffer_index objs_[max_cache_capacity];
};

} // namespace netcx::bm
