// SPDX-License-Identifier: MIT
/// @file
/// Buffer pools: fixed-size buffers carved from one memory region, mapped for a device once.
///
/// Design
/// - Buffers sit at `stride = align_up(size, alignment)` from the region's start (never one page
///   per buffer), any count. A buffer is a 32-bit `buffer_index`; its virtual address is
///   `base + index * stride` and its logical address comes from a table filled when the pool is
///   built, so no translation happens per packet.
/// - Per-buffer metadata (reference count, holder) lives in its own array, apart from payload.
/// - Free buffers live in a depot (an index stack under a spinlock) and in per-thread
///   `pool_cache`s (pool_cache.hpp). Caches move buffers to and from the depot a whole cache at a
///   time, so a buffer allocated on one thread and freed on another reaches its allocator again
///   through the depot in batches: the cross-thread return path costs the owner nothing per buffer.
///   A thread with no cache returns buffers with `free_unattached`.
/// - A checked pool (debug builds, or NETCX_CHECKED=1, or `pool_config::checked`) records each
///   buffer's holder, refuses double and foreign frees with a named error, and counts the
///   `buffer_alloc` fault site. An unchecked pool trusts its callers and does none of that.
/// - Destroying a pool with buffers outstanding logs which holders still have which buffers and
///   keeps the memory mapped, so a late holder cannot fault.
#pragma once

#include <netcx/base/compiler.hpp>
#include <netcx/base/spinlock.hpp>
#include <netcx/base/status.hpp>
#include <netcx/bm/address_space.hpp>
#include <netcx/bm/buffer.hpp>
#include <netcx/bm/memory_region.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace netcx::bm {

class pool_cache;

struct pool_config {
    std::string name = "pool";
    std::uint32_t buffer_count = 0;
    std::uint32_t buffer_size = 0;
    /// Buffer start alignment: a power of two no larger than the page size.
    std::uint32_t alignment = cache_line_size;
    int numa_node = any_numa_node;
    page_policy pages = page_policy::huge_preferred;
    /// Carve from this region (registration mode) instead of allocating system memory.
    /// Borrowed: it must outlive the pool.
    const memory_region* memory = nullptr;
    std::size_t memory_offset = 0;
    /// Where the device's logical addresses come from; null means identity. Must outlive the pool.
    address_space* space = nullptr;
    /// Highest logical address the device can reach; a buffer ending above it refuses the pool.
    logical_address max_logical_address = no_address_limit;
    /// Holder tracking and state checks. Unset: NETCX_CHECKED=0/1, else on in debug builds.
    std::optional<bool> checked;
};

/// Totals over the pool and all its caches. Counts are buffers, except refills and flushes.
struct pool_stats {
    std::uint64_t alloc_fast = 0;  ///< served from a cache without touching the depot
    std::uint64_t alloc_slow = 0;  ///< served by a call that went to the depot
    std::uint64_t alloc_empty = 0; ///< allocation calls refused because the pool ran dry
    std::uint64_t free_fast = 0;   ///< returned into a cache
    std::uint64_t free_slow = 0;   ///< returned by a call that flushed to the depot
    std::uint64_t free_remote = 0; ///< returned by `free_unattached` (threads with no cache)
    std::uint64_t refills = 0;     ///< cache refills from the depot
    std::uint64_t flushes = 0;     ///< cache flushes to the depot
    std::uint64_t bad_frees = 0;   ///< double and foreign frees refused (checked pools)
    std::uint64_t in_flight = 0;   ///< allocated and not yet freed
};

/// What a pool still lent out, grouped by holder (one "unknown" group when the pool is unchecked).
struct leak_report {
    struct group {
        holder who;
        std::vector<buffer_index> buffers;
    };
    std::uint32_t outstanding = 0;
    bool holders_known = false;
    std::vector<group> groups;
    /// "3 buffers outstanding: driver 0 holds [4, 7]; protocol 2 holds [9]".
    [[nodiscard]] std::string describe() const;
};

class pool {
public:
    /// Validates `config`, takes memory, maps it, fills the address table. Fails with a named
    /// error and frees everything taken so far.
    static result<std::unique_ptr<pool>> create(const pool_config& config);
    ~pool();
    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] std::uint32_t count() const noexcept { return count_; }
    [[nodiscard]] std::uint32_t buffer_size() const noexcept { return size_; }
    [[nodiscard]] std::uint32_t stride() const noexcept { return stride_; }
    [[nodiscard]] bool checked() const noexcept { return checked_; }
    [[nodiscard]] const memory_region& memory() const noexcept { return *region_; }
    [[nodiscard]] std::string_view address_space_name() const noexcept { return space_name_; }

    [[nodiscard]] std::byte* va(buffer_index i) const noexcept
    {
        return base_ + static_cast<std::size_t>(to_u32(i)) * stride_;
    }
    [[nodiscard]] logical_address la(buffer_index i) const noexcept { return la_[to_u32(i)]; }

    /// The buffer holding `p` (any byte inside it). Fails with foreign_buffer otherwise.
    [[nodiscard]] result<buffer_index> index_of(const void* p) const;

    /// One more holder for `i` (it must be allocated). Release with `pool_cache::release`.
    void add_ref(buffer_index i) noexcept
    {
        meta_[to_u32(i)].extra_refs.fetch_add(1, std::memory_order_relaxed);
    }
    /// Holders of `i` beyond the first.
    [[nodiscard]] std::uint32_t extra_refs(buffer_index i) const noexcept
    {
        return meta_[to_u32(i)].extra_refs.load(std::memory_order_relaxed);
    }

    /// Records who holds `i` now (checked pools; a no-op otherwise).
    void set_holder(buffer_index i, holder h) noexcept
    {
        if (checked_)
            meta_[to_u32(i)].state.store(pack(h), std::memory_order_relaxed);
    }
    /// The recorded holder (checked pools), or `owner::pool` when free.
    [[nodiscard]] holder holder_of(buffer_index i) const noexcept
    {
        return unpack(meta_[to_u32(i)].state.load(std::memory_order_relaxed));
    }

    /// Returns buffers from a thread that has no cache (the cross-thread return path).
    /// Checked pools refuse double and foreign frees (double_free / foreign_buffer) and keep the
    /// rest.
    status free_unattached(std::span<const buffer_index> buffers) noexcept;

    [[nodiscard]] pool_stats stats() const;
    /// Buffers not in the depot or a cache. Exact only while no cache is in use.
    [[nodiscard]] leak_report outstanding() const;

private:
    friend class pool_cache;

    struct alignas(8) buffer_meta {
        std::atomic<std::uint32_t> extra_refs{0};
        std::atomic<std::uint32_t> state{0}; // holder, packed
    };
    static constexpr std::uint32_t pack(holder h) noexcept
    {
        return static_cast<std::uint32_t>(h.kind) | (std::uint32_t{h.id} << 8);
    }
    static constexpr holder unpack(std::uint32_t v) noexcept
    {
        return {static_cast<owner>(v & 0xff), static_cast<std::uint16_t>(v >> 8)};
    }

    struct counters { // for caches that are gone and for the unattached path
        std::atomic<std::uint64_t> alloc_fast{0}, alloc_slow{0}, alloc_empty{0}, free_fast{0},
            free_slow{0}, free_remote{0}, refills{0}, flushes{0}, bad_frees{0};
    };

    pool() = default;

    // Depot: the slow path. Each returns how many moved.
    std::uint32_t depot_take(buffer_index* out, std::uint32_t n, bool all_or_nothing) noexcept;
    void depot_put(const buffer_index* in, std::uint32_t n) noexcept;

    // Checked pools: validates one free and records the buffer as `to`; else logs the refusal.
    status check_free(buffer_index i, owner to) noexcept;
    void mark(const buffer_index* b, std::uint32_t n, holder h) noexcept;

    void attach(pool_cache* c);
    void detach(pool_cache* c);

    // Hot, read-only after creation.
    std::byte* base_ = nullptr;
    std::uint32_t stride_ = 0;
    std::uint32_t count_ = 0;
    const logical_address* la_ = nullptr;
    buffer_meta* meta_ = nullptr;
    bool checked_ = false;

    // Depot (its own cache line).
    alignas(cache_line_size) mutable spinlock depot_lock_;
    std::uint32_t depot_len_ = 0;
    std::unique_ptr<buffer_index[]> depot_;

    // Control path.
    alignas(cache_line_size) std::string name_;
    std::uint32_t size_ = 0;
    std::string space_name_;
    std::unique_ptr<logical_address[]> la_table_;
    std::unique_ptr<buffer_meta[]> meta_table_;
    std::optional<memory_region> owned_region_;
    const memory_region* region_ = nullptr;
    std::unique_ptr<dma_mapping> mapping_;
    mutable std::mutex caches_lock_;
    std::vector<pool_cache*> caches_;
    counters retired_;
};

} // namespace netcx::bm
