// SPDX-License-Identifier: MIT
/// @file
/// A single-producer single-consumer ring of small trivially-copyable elements (buffer indices):
/// how buffers cross from one thread to another (a queue's context to a protocol's, and back).
///
/// Each side keeps its own index on its own cache line and a cached copy of the other side's
/// index, re-reading the shared one only when the cache says the ring looks full (producer) or
/// empty (consumer). In steady streaming most batches then touch no line the other core wrote,
/// which is what makes this cheaper than a ring that reads the other index on every batch.
/// Verbs as in the pool: `_bulk` all or nothing, `_burst` best effort.
///
/// Context: `enqueue_*` from one producer thread, `dequeue_*` from one consumer thread.
#pragma once

#include <netcx/base/compiler.hpp>
#include <netcx/base/copy.hpp>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdint>
#include <memory>

namespace netcx {

template <class T>
class spsc_ring {
public:
    /// `size` is a power of two >= 2; the ring holds size - 1 elements.
    explicit spsc_ring(std::uint32_t size)
        : mask_(size - 1), slots_(std::make_unique_for_overwrite<T[]>(size))
    {
        assert(size >= 2 && (size & (size - 1)) == 0);
    }

    [[nodiscard]] std::uint32_t capacity() const noexcept { return mask_; }

    /// Producer. Adds all `n` elements or none.
    NETCX_ALWAYS_INLINE bool enqueue_bulk(const T* in, std::uint32_t n) noexcept
    {
        const std::uint32_t head = prod_.head.load(std::memory_order_relaxed);
        if (mask_ - (head - prod_.tail_cache) < n) {
            prod_.tail_cache = cons_.tail.load(std::memory_order_acquire);
            if (mask_ - (head - prod_.tail_cache) < n)
                return false;
        }
        put(head, in, n);
        prod_.head.store(head + n, std::memory_order_release);
        return true;
    }

    /// Producer. Adds as many as fit; returns how many.
    NETCX_ALWAYS_INLINE std::uint32_t enqueue_burst(const T* in, std::uint32_t n) noexcept
    {
        const std::uint32_t head = prod_.head.load(std::memory_order_relaxed);
        std::uint32_t room = mask_ - (head - prod_.tail_cache);
        if (room < n) {
            prod_.tail_cache = cons_.tail.load(std::memory_order_acquire);
            room = mask_ - (head - prod_.tail_cache);
        }
        n = std::min(n, room);
        put(head, in, n);
        prod_.head.store(head + n, std::memory_order_release);
        return n;
    }

    /// Consumer. Takes exactly `n` elements or none.
    NETCX_ALWAYS_INLINE bool dequeue_bulk(T* out, std::uint32_t n) noexcept
    {
        const std::uint32_t tail = cons_.tail.load(std::memory_order_relaxed);
        if (cons_.head_cache - tail < n) {
            cons_.head_cache = prod_.head.load(std::memory_order_acquire);
            if (cons_.head_cache - tail < n)
                return false;
        }
        get(tail, out, n);
        cons_.tail.store(tail + n, std::memory_order_release);
        return true;
    }

    /// Consumer. Takes up to `n`; returns how many.
    NETCX_ALWAYS_INLINE std::uint32_t dequeue_burst(T* out, std::uint32_t n) noexcept
    {
        const std::uint32_t tail = cons_.tail.load(std::memory_order_relaxed);
        std::uint32_t avail = cons_.head_cache - tail;
        if (avail < n) {
            cons_.head_cache = prod_.head.load(std::memory_order_acquire);
            avail = cons_.head_cache - tail;
        }
        n = std::min(n, avail);
        get(tail, out, n);
        cons_.tail.store(tail + n, std::memory_order_release);
        return n;
    }

    /// Elements queued now (exact only when both sides are quiet).
    [[nodiscard]] std::uint32_t size() const noexcept
    {
        return prod_.head.load(std::memory_order_acquire) -
               cons_.tail.load(std::memory_order_acquire);
    }

private:
    NETCX_ALWAYS_INLINE void put(std::uint32_t head, const T* in, std::uint32_t n) noexcept
    {
        const std::uint32_t at = head & mask_;
        const std::uint32_t first = std::min(n, mask_ + 1 - at);
        copy_elements(in, first, &slots_[at]);
        copy_elements(in + first, n - first, &slots_[0]);
    }
    NETCX_ALWAYS_INLINE void get(std::uint32_t tail, T* out, std::uint32_t n) noexcept
    {
        const std::uint32_t at = tail & mask_;
        const std::uint32_t first = std::min(n, mask_ + 1 - at);
        copy_elements(&slots_[at], first, out);
        copy_elements(&slots_[0], n - first, out + first);
    }

    const std::uint32_t mask_;
    const std::unique_ptr<T[]> slots_;
    struct alignas(cache_line_size) producer {
        std::atomic<std::uint32_t> head{0}; // next slot to write
        std::uint32_t tail_cache = 0;       // consumer's tail as last seen
    } prod_;
    struct alignas(cache_line_size) consumer {
        std::atomic<std::uint32_t> tail{0}; // next slot to read
        std::uint32_t head_cache = 0;       // producer's head as last seen
    } cons_;
};

} // namespace netcx
