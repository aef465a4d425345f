// SPDX-License-Identifier: MIT
/// @file
/// A latency histogram with log-linear buckets (16 per power of two: at most 6.25% wide), fixed
/// size, no allocation. One thread records (relaxed load + store per bucket, no read-modify-write);
/// any thread may read a summary, exact once the writer has stopped and approximate while it runs.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

namespace netcx::protocols {

struct latency_summary {
    std::uint64_t count = 0;
    std::uint64_t p50_ns = 0;
    std::uint64_t p99_ns = 0;
    std::uint64_t p999_ns = 0;
    std::uint64_t max_ns = 0;
};

class latency_histogram {
public:
    static constexpr unsigned sub_bits = 4;
    static constexpr std::uint64_t sub = 1u << sub_bits;
    static constexpr std::size_t buckets = (64 - sub_bits + 1) * sub; // 976

    /// Bucket of `v`: values below 2*sub have their own; above, 16 per power of two.
    [[nodiscard]] static constexpr std::size_t index(std::uint64_t v) noexcept
    {
        if (v < 2 * sub)
            return static_cast<std::size_t>(v);
        const unsigned e = 63u - static_cast<unsigned>(std::countl_zero(v)); // >= sub_bits + 1
        const std::uint64_t s = (v >> (e - sub_bits)) & (sub - 1);
        return static_cast<std::size_t>((e - sub_bits + 1) * sub + s);
    }
    /// The largest value in bucket `i`.
    [[nodiscard]] static constexpr std::uint64_t upper(std::size_t i) noexcept
    {
        if (i < 2 * sub)
            return i;
        const unsigned e = static_cast<unsigned>(i / sub) + sub_bits - 1;
        const std::uint64_t s = i % sub;
        const std::uint64_t low = (sub + s) << (e - sub_bits);
        return low + ((std::uint64_t{1} << (e - sub_bits)) - 1);
    }

    /// Writer only.
    void record(std::uint64_t ns) noexcept
    {
        auto& b = counts_[index(ns)];
        b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        if (ns > max_.load(std::memory_order_relaxed))
            max_.store(ns, std::memory_order_relaxed);
    }

    /// Sums several histograms into a summary (values are bucket upper bounds, capped at max).
    [[nodiscard]] static latency_summary summarize(std::span<const latency_histogram* const> hs);

private:
    std::array<std::atomic<std::uint64_t>, buckets> counts_{};
    std::atomic<std::uint64_t> max_{0};
};

} // namespace netcx::protocols
