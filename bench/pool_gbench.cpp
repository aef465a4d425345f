// SPDX-License-Identifier: MIT
// Google Benchmark microbenchmarks of the netcx pool fast path, netcx alone (the side-by-side
// comparison with DPDK is pool_vs_dpdk.cpp).
//
// Matrix: one pool of 16383 buffers of 2048 bytes on 4 KiB pages (page_policy::small), unchecked,
// one pool_cache of capacity 512 on the benchmark thread.
// - single_alloc_free: alloc() + free() of one buffer per iteration.
// - bulk_alloc_free/N: alloc_bulk(N) + free_bulk(N) per iteration, N in {1, 8, 32, 64}.
// Items processed are buffers, each one alloc plus one free, so items_per_second is directly
// comparable with pool_vs_dpdk's objects. The bulk size is a runtime argument (state.range), so
// the compiler cannot specialise the copy loops for it.
#include <netcx/bm/pool.hpp>
#include <netcx/bm/pool_cache.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <utility>

namespace {

using netcx::status;
using netcx::bm::buffer_index;
using netcx::bm::pool;
using netcx::bm::pool_cache;

constexpr std::uint32_t pool_buffers = 16383;
constexpr std::uint32_t buffer_bytes = 2048;
constexpr std::uint32_t cache_capacity = 512;
constexpr std::size_t max_bulk = 64;

// One pool for the whole run, created on first use.
pool& bench_pool()
{
    static const std::unique_ptr<pool> p = [] {
        netcx::bm::pool_config config;
        config.name = "gbench";
        config.buffer_count = pool_buffers;
        config.buffer_size = buffer_bytes;
        config.pages = netcx::bm::page_policy::small;
        config.checked = false;
        auto r = pool::create(config);
        if (!r) {
            std::fprintf(stderr, "netcx-bench-pool-gbench: pool::create: %s\n",
                         r.err().message.c_str());
            std::abort();
        }
        return std::move(r).value();
    }();
    return *p;
}

[[noreturn]] void fail(const char* what)
{
    std::fprintf(stderr, "netcx-bench-pool-gbench: %s failed\n", what);
    std::abort();
}

void single_alloc_free(benchmark::State& state)
{
    pool_cache cache(bench_pool(), {}, cache_capacity);
    for (auto _ : state) {
        const auto b = cache.alloc();
        if (!b)
            fail("alloc");
        benchmark::DoNotOptimize(*b);
        if (cache.free(*b) != status::ok)
            fail("free");
    }
    state.SetItemsProcessed(state.iterations());
}

void bulk_alloc_free(benchmark::State& state)
{
    pool_cache cache(bench_pool(), {}, cache_capacity);
    const auto n = static_cast<std::size_t>(state.range(0));
    std::array<buffer_index, max_bulk> bufs{};
    const std::span<buffer_index> out(bufs.data(), n);
    for (auto _ : state) {
        if (cache.alloc_bulk(out) != status::ok)
            fail("alloc_bulk");
        benchmark::DoNotOptimize(bufs.data());
        if (cache.free_bulk(out) != status::ok)
            fail("free_bulk");
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

} // namespace

BENCHMARK(single_alloc_free);
BENCHMARK(bulk_alloc_free)->Arg(1)->Arg(8)->Arg(32)->Arg(64);

BENCHMARK_MAIN();
