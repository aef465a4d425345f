// SPDX-License-Identifier: MIT
// netcx pool against DPDK rte_mempool, side by side in one process.
//
// Matrix (pool of 16383 buffers of 2048 bytes on both sides, cache 512 on both sides):
// - single core, bulk {1, 8, 32, 64}: on the main lcore (CPU 0), each round takes n_keep = 128
//   objects in chunks of `bulk`, then returns them in chunks of `bulk`. DPDK: rte_mempool_get_bulk
//   / rte_mempool_put_bulk on an rte_mempool_create(cache_size 512, flags 0, default ring ops)
//   pool, served by lcore 0's per-lcore cache. netcx: pool_cache(capacity 512)::alloc_bulk /
//   free_bulk. The bulk size is read from a volatile, so neither side is specialised for it.
// - cross-thread, bursts of 32: allocate on CPU 0, free on CPU 1, through an SP/SC ring of 1024.
//   DPDK: the main lcore gets 32 and rte_ring_sp_enqueue_bulk's them; a consumer started with
//   rte_eal_remote_launch on lcore 1 rte_ring_sc_dequeue_bulk's and rte_mempool_put_bulk's them
//   (each lcore with its own per-lcore cache). netcx: the main thread allocates from its
//   pool_cache into netcx::spsc_ring; a std::thread pinned to CPU 1 frees into its own
//   pool_cache. Each side uses its own ring: the case compares the two systems' ways of moving
//   buffers between cores (rte_ring reads the other side's index on every batch; netcx's ring
//   keeps a cached copy and rarely touches the other core's line).
// - hugepages: the same cases on 2 MiB pages, in a child process (EAL can start only once per
//   process), run only if /proc/meminfo shows HugePages_Free >= 512 and a hugetlbfs is mounted.
//
// Method: EAL runs with --no-huge (4 KiB pages, like netcx's page_policy::small), --no-pci and
// -l 0-1; EAL pins the main thread to CPU 0. DPDK's fast path and netcx's are both header-inline
// and are compiled here, in one translation unit with DPDK's cflags (-march=corei7). Time is TSC
// cycles (the header also prints the core clock per TSC clock); one object is one alloc plus one
// free. Each repetition measures DPDK then netcx (A/B); a case reports the median over the
// repetitions with min and max, and the ratio of medians DPDK / netcx (above 1: netcx is faster).
// One untimed warm-up of each side precedes each case and sizes its runs (~0.1 s per single-core
// run, ~0.25 s per cross-thread run). A failed allocation is a bug and aborts.
// Cross-thread figures depend on where the host runs the two vCPUs, which changes between and
// during runs: the report prints the CPU 0 <-> CPU 1 cache-line round trip (on the project's
// machine ~130 TSC cycles when near, ~950 when far, where cross-thread costs ~4x more on both
// sides). Interleaving keeps the ratio fair; it cannot keep the absolute figure stable.
// The last line is `pool: min speedup netcx/dpdk = X.XX`, the smallest ratio over all cases.
//
// Usage: netcx-bench-pool [--quick] [--reps N]
//   --quick: 3 repetitions of short runs (a smoke test of a few seconds).
// The EAL's runtime directory (/var/run/dpdk/netcx-bench-<pid>) is removed at exit.
#include "bench_util.hpp"

#include <netcx/base/spsc_ring.hpp>
#include <netcx/bm/pool.hpp>
#include <netcx/bm/pool_cache.hpp>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_version.h>

#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using bench::bug;
using bench::cpu_model;
using bench::cpu_relax;
using bench::fatal;
using bench::kernel_release;
using bench::measure_tsc_hz;
using bench::pin_this_thread;
using bench::read_tsc;
using bench::summarize;
using bench::summary;

using netcx::status;
using netcx::bm::buffer_index;
using netcx::bm::page_policy;
using netcx::bm::pool;
using netcx::bm::pool_cache;

constexpr std::uint32_t pool_buffers = 16383;
constexpr std::uint32_t buffer_bytes = 2048;
constexpr std::uint32_t cache_size = 512;
constexpr std::uint32_t n_keep = 128;
constexpr std::uint32_t single_bulks[] = {1, 8, 32, 64};
constexpr std::uint32_t xfer_burst = 32;
constexpr std::uint32_t xfer_ring_size = 1024;
constexpr std::uint64_t min_huge_pages = 512;

// ---------------------------------------------------------------------------------------------
// Plumbing: errors, time, CPUs.

// Core clock per TSC clock, from a chain of dependent adds (one per core cycle). The report's
// cycles are TSC cycles; a boosting core runs more of its own cycles per TSC cycle.
double core_clocks_per_tsc(std::uint64_t adds)
{
    std::uint64_t x = 0;
    const std::uint64_t t0 = read_tsc();
    for (std::uint64_t i = 0; i < adds / 4; ++i)
        asm volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
    const std::uint64_t t1 = read_tsc();
    return static_cast<double>(x) / static_cast<double>(t1 - t0);
}

// TSC cycles for a cache line to go from the calling thread's CPU to `cpu` and back: what the
// cross-thread case pays per ring or depot hand-off. It depends on where the host runs the two
// vCPUs (same core, same CCX, another die) and so labels each run's cross-thread figures.
double line_round_trip(unsigned cpu, std::uint32_t trips)
{
    alignas(netcx::cache_line_size) std::atomic<std::uint32_t> turn{0};
    std::thread echo([&turn, cpu, trips] {
        pin_this_thread(cpu);
        for (std::uint32_t i = 0; i < trips; ++i) {
            while (turn.load(std::memory_order_acquire) != 2 * i + 1)
                cpu_relax();
            turn.store(2 * i + 2, std::memory_order_release);
        }
    });
    std::uint64_t t0 = 0;
    for (std::uint32_t i = 0; i < trips; ++i) {
        if (i == trips / 4)
            t0 = read_tsc(); // the first quarter warms up
        turn.store(2 * i + 1, std::memory_order_release);
        while (turn.load(std::memory_order_acquire) != 2 * i + 2)
            cpu_relax();
    }
    const std::uint64_t t1 = read_tsc();
    echo.join();
    return static_cast<double>(t1 - t0) / (trips - trips / 4);
}

// ---------------------------------------------------------------------------------------------
// Options and the machine.

struct options {
    bool quick = false;
    unsigned reps = 9;
    std::string huge_dir; // set: this process is the hugepage child
    [[nodiscard]] bool huge() const { return !huge_dir.empty(); }
};

options parse_options(int argc, char** argv)
{
    options o;
    bool reps_given = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (bench::parse_common_option(argc, argv, i, o.quick, o.reps, reps_given)) {
            continue;
        } else if (a == "--huge-child" && i + 1 < argc) { // internal: see run_huge_child
            o.huge_dir = argv[++i];
        } else if (a == "--help" || a == "-h") {
            std::printf("usage: %s [--quick] [--reps N]\n", argv[0]);
            std::exit(EXIT_SUCCESS);
        } else {
            fatal("unknown argument '%s' (usage: [--quick] [--reps N])", argv[i]);
        }
    }
    if (o.quick && !reps_given)
        o.reps = 3;
    return o;
}

/// Free 2 MiB hugepages and a hugetlbfs mount point, or why the hugepage variant cannot run.
struct huge_check {
    bool usable = false;
    std::string mount;
    std::string reason;
};

huge_check check_hugepages()
{
    huge_check c;
    std::uint64_t free_pages = 0;
    std::ifstream meminfo("/proc/meminfo");
    for (std::string line; std::getline(meminfo, line);) {
        if (line.rfind("HugePages_Free:", 0) == 0)
            free_pages = std::strtoull(line.c_str() + std::strlen("HugePages_Free:"), nullptr, 10);
    }
    std::ifstream mounts("/proc/mounts");
    for (std::string line; std::getline(mounts, line);) {
        std::istringstream fields(line);
        std::string dev, dir, type;
        fields >> dev >> dir >> type;
        if (type == "hugetlbfs") {
            c.mount = dir;
            break;
        }
    }
    if (free_pages < min_huge_pages)
        c.reason = "HugePages_Free = " + std::to_string(free_pages) +
                   ", needs >= " + std::to_string(min_huge_pages);
    if (c.mount.empty())
        c.reason += std::string(c.reason.empty() ? "" : "; ") + "no hugetlbfs mount";
    c.usable = c.reason.empty();
    return c;
}

// ---------------------------------------------------------------------------------------------
// Results.

struct row {
    std::string name;
    unsigned reps = 0;
    summary dpdk, netcx;
    [[nodiscard]] double ratio() const { return dpdk.median / netcx.median; }
};

// ---------------------------------------------------------------------------------------------
// The two pools.

struct mempool_free {
    void operator()(rte_mempool* mp) const noexcept { rte_mempool_free(mp); }
};
using mempool_ptr = std::unique_ptr<rte_mempool, mempool_free>;

struct ring_free {
    void operator()(rte_ring* r) const noexcept { rte_ring_free(r); }
};
using ring_ptr = std::unique_ptr<rte_ring, ring_free>;

mempool_ptr make_dpdk_pool(const char* name)
{
    mempool_ptr mp(rte_mempool_create(name, pool_buffers, buffer_bytes, cache_size, 0, nullptr,
                                      nullptr, nullptr, nullptr, SOCKET_ID_ANY, 0));
    if (!mp)
        fatal("rte_mempool_create(%s): %s", name, rte_strerror(rte_errno));
    return mp;
}

std::unique_ptr<pool> make_netcx_pool(const char* name, page_policy pages)
{
    netcx::bm::pool_config config;
    config.name = name;
    config.buffer_count = pool_buffers;
    config.buffer_size = buffer_bytes;
    config.pages = pages;
    config.checked = false; // DPDK's Debian build has mempool debug and stats off too
    auto p = pool::create(config);
    if (!p)
        fatal("netcx pool::create(%s): %s", name, p.err().message.c_str());
    return std::move(p).value();
}

// ---------------------------------------------------------------------------------------------
// Single core: rounds of n_keep objects taken and returned in chunks of `bulk`.

volatile std::uint32_t g_bulk = 1; // read at run time: no constant folding of the chunk size

[[gnu::noinline]] std::uint64_t dpdk_single_core(rte_mempool* mp, std::uint64_t rounds)
{
    const std::uint32_t bulk = g_bulk;
    void* objs[n_keep];
    const std::uint64_t t0 = read_tsc();
    for (std::uint64_t r = 0; r < rounds; ++r) {
        for (std::uint32_t i = 0; i < n_keep; i += bulk) {
            if (rte_mempool_get_bulk(mp, objs + i, bulk) != 0)
                bug("rte_mempool_get_bulk failed");
        }
        for (std::uint32_t i = 0; i < n_keep; i += bulk)
            rte_mempool_put_bulk(mp, objs + i, bulk);
    }
    return read_tsc() - t0;
}

[[gnu::noinline]] std::uint64_t netcx_single_core(pool_cache& cache, std::uint64_t rounds)
{
    const std::uint32_t bulk = g_bulk;
    buffer_index objs[n_keep];
    const std::uint64_t t0 = read_tsc();
    for (std::uint64_t r = 0; r < rounds; ++r) {
        for (std::uint32_t i = 0; i < n_keep; i += bulk) {
            if (cache.alloc_bulk(std::span<buffer_index>(objs + i, bulk)) != status::ok)
                bug("pool_cache::alloc_bulk failed");
        }
        for (std::uint32_t i = 0; i < n_keep; i += bulk) {
            if (cache.free_bulk(std::span<const buffer_index>(objs + i, bulk)) != status::ok)
                bug("pool_cache::free_bulk failed");
        }
    }
    return read_tsc() - t0;
}

row run_single_core(const options& o, page_policy pages, std::uint32_t bulk, double tsc_hz)
{
    mempool_ptr mp = make_dpdk_pool("bench_single");
    std::unique_ptr<pool> np = make_netcx_pool("bench_single", pages);
    pool_cache cache(*np, {}, cache_size);
    g_bulk = bulk;

    // Warm-up (fills both caches, faults in both arrays) and sizing: ~0.1 s per run, 5 ms quick.
    constexpr std::uint64_t warm_rounds = 4096;
    const auto objs_warm = static_cast<double>(warm_rounds * n_keep);
    const double cpo_d = static_cast<double>(dpdk_single_core(mp.get(), warm_rounds)) / objs_warm;
    const double cpo_n = static_cast<double>(netcx_single_core(cache, warm_rounds)) / objs_warm;
    const double target_cycles = tsc_hz * (o.quick ? 0.005 : 0.1);
    const auto rounds = std::max<std::uint64_t>(
        warm_rounds, static_cast<std::uint64_t>(target_cycles / (std::max(cpo_d, cpo_n) * n_keep)));
    const auto objs = static_cast<double>(rounds * n_keep);

    std::vector<double> d, n;
    d.reserve(o.reps);
    n.reserve(o.reps);
    for (unsigned rep = 0; rep < o.reps; ++rep) {
        d.push_back(static_cast<double>(dpdk_single_core(mp.get(), rounds)) / objs);
        n.push_back(static_cast<double>(netcx_single_core(cache, rounds)) / objs);
    }
    return {"single core, bulk " + std::to_string(bulk), o.reps, summarize(d), summarize(n)};
}

// ---------------------------------------------------------------------------------------------
// Cross-thread: allocate on CPU 0, free on CPU 1, through an SP/SC ring.

/// netcx's own SP/SC ring of buffer indices (include/netcx/base/spsc_ring.hpp).
using spsc_ring = netcx::spsc_ring<buffer_index>;

// The DPDK consumer: runs on lcore 1 for one repetition. Its own cache lines, away from the
// producer's stack, with `freed` (polled by the producer) on a line of its own.
struct alignas(netcx::cache_line_size) dpdk_xfer {
    rte_mempool* mp = nullptr;
    rte_ring* ring = nullptr;
    std::uint64_t count = 0;
    std::atomic<bool> ready{false};
    alignas(netcx::cache_line_size) std::atomic<std::uint64_t> freed{0};
};

int dpdk_consumer(void* arg)
{
    auto& x = *static_cast<dpdk_xfer*>(arg);
    rte_mempool* const mp = x.mp;
    rte_ring* const ring = x.ring;
    const std::uint64_t count = x.count;
    void* objs[xfer_burst];
    x.ready.store(true, std::memory_order_release);
    std::uint64_t done = 0;
    while (done < count) {
        if (rte_ring_sc_dequeue_bulk(ring, objs, xfer_burst, nullptr) == 0) {
            cpu_relax();
            continue;
        }
        rte_mempool_put_bulk(mp, objs, xfer_burst);
        done += xfer_burst;
    }
    x.freed.store(done, std::memory_order_release);
    return 0;
}

[[gnu::noinline]] std::uint64_t dpdk_cross_thread(rte_mempool* mp, rte_ring* ring, unsigned worker,
                                                  std::uint64_t count)
{
    dpdk_xfer x;
    x.mp = mp;
    x.ring = ring;
    x.count = count;
    if (const int e = rte_eal_remote_launch(dpdk_consumer, &x, worker); e != 0)
        fatal("rte_eal_remote_launch: %s", rte_strerror(-e));
    while (!x.ready.load(std::memory_order_acquire))
        cpu_relax();

    void* objs[xfer_burst];
    const std::uint64_t t0 = read_tsc();
    for (std::uint64_t sent = 0; sent < count; sent += xfer_burst) {
        if (rte_mempool_get_bulk(mp, objs, xfer_burst) != 0)
            bug("rte_mempool_get_bulk failed (producer ran dry)");
        while (rte_ring_sp_enqueue_bulk(ring, objs, xfer_burst, nullptr) == 0)
            cpu_relax();
    }
    while (x.freed.load(std::memory_order_acquire) != count)
        cpu_relax();
    const std::uint64_t elapsed = read_tsc() - t0;
    if (rte_eal_wait_lcore(worker) != 0)
        bug("DPDK consumer failed");
    return elapsed;
}

/// The netcx consumer: a thread pinned to `cpu` with its own pool_cache, alive for a whole case
/// and blocked (not spinning) between repetitions, as an idle EAL worker lcore is.
class netcx_consumer {
public:
    netcx_consumer(pool& p, spsc_ring& ring, unsigned cpu)
        : pool_(p), ring_(ring), thread_([this, cpu] { main(cpu); })
    {
    }
    ~netcx_consumer()
    {
        stop_.store(true, std::memory_order_relaxed);
        command_.fetch_add(1, std::memory_order_release);
        command_.notify_one();
        thread_.join();
    }
    netcx_consumer(const netcx_consumer&) = delete;
    netcx_consumer& operator=(const netcx_consumer&) = delete;

    /// Starts consuming `count` buffers; returns once the consumer is awake and spinning.
    void start(std::uint64_t count)
    {
        count_ = count;
        freed_.store(0, std::memory_order_relaxed);
        const std::uint32_t gen = command_.fetch_add(1, std::memory_order_release) + 1;
        command_.notify_one();
        while (ready_.load(std::memory_order_acquire) != gen)
            cpu_relax();
    }
    [[nodiscard]] bool finished() const noexcept
    {
        return freed_.load(std::memory_order_acquire) == count_;
    }

private:
    void main(unsigned cpu)
    {
        pin_this_thread(cpu);
        pool_cache cache(pool_, {netcx::bm::owner::framework, 1}, cache_size);
        buffer_index objs[xfer_burst];
        std::uint32_t seen = 0;
        for (;;) {
            command_.wait(seen, std::memory_order_acquire);
            seen = command_.load(std::memory_order_acquire);
            if (stop_.load(std::memory_order_relaxed))
                return;
            const std::uint64_t count = count_;
            ready_.store(seen, std::memory_order_release);
            std::uint64_t done = 0;
            while (done < count) {
                if (!ring_.dequeue_bulk(objs, xfer_burst)) {
                    cpu_relax();
                    continue;
                }
                if (cache.free_bulk(std::span<const buffer_index>(objs, xfer_burst)) != status::ok)
                    bug("pool_cache::free_bulk failed");
                done += xfer_burst;
            }
            freed_.store(done, std::memory_order_release);
        }
    }

    pool& pool_;
    spsc_ring& ring_;
    std::uint64_t count_ = 0; // published by command_'s release
    std::atomic<std::uint32_t> command_{0};
    std::atomic<std::uint32_t> ready_{0};
    std::atomic<bool> stop_{false};
    // Its own line: the producer polls it during the whole transfer.
    alignas(netcx::cache_line_size) std::atomic<std::uint64_t> freed_{0};
    std::thread thread_; // last: starts once everything above is built
};

[[gnu::noinline]] std::uint64_t netcx_cross_thread(pool_cache& cache, spsc_ring& ring,
                                                   netcx_consumer& consumer, std::uint64_t count)
{
    consumer.start(count);
    buffer_index objs[xfer_burst];
    const std::uint64_t t0 = read_tsc();
    for (std::uint64_t sent = 0; sent < count; sent += xfer_burst) {
        if (cache.alloc_bulk(std::span<buffer_index>(objs, xfer_burst)) != status::ok)
            bug("pool_cache::alloc_bulk failed (producer ran dry)");
        while (!ring.enqueue_bulk(objs, xfer_burst))
            cpu_relax();
    }
    while (!consumer.finished())
        cpu_relax();
    return read_tsc() - t0;
}

row run_cross_thread(const options& o, page_policy pages, double tsc_hz)
{
    const unsigned worker = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
    if (worker >= RTE_MAX_LCORE)
        fatal("no worker lcore: the EAL needs -l 0-1");

    mempool_ptr mp = make_dpdk_pool("bench_xfer");
    ring_ptr ring(rte_ring_create("bench_xfer", xfer_ring_size, static_cast<int>(rte_socket_id()),
                                  RING_F_SP_ENQ | RING_F_SC_DEQ));
    if (!ring)
        fatal("rte_ring_create: %s", rte_strerror(rte_errno));

    std::unique_ptr<pool> np = make_netcx_pool("bench_xfer", pages);
    pool_cache cache(*np, {}, cache_size);
    spsc_ring nring(xfer_ring_size);
    const unsigned worker_cpu = rte_lcore_to_cpu_id(static_cast<int>(worker));
    netcx_consumer consumer(*np, nring, worker_cpu);
    std::printf("cross-thread: cpu 0 <-> cpu %u cache-line round trip %.0f tsc cycles (before)\n",
                worker_cpu, line_round_trip(worker_cpu, o.quick ? 20'000 : 200'000));

    // Warm-up and sizing: a repetition moves ~0.25 s worth of objects (tens of millions; 20 ms
    // when quick), a multiple of the burst.
    const std::uint64_t warm = o.quick ? std::uint64_t{1} << 18 : std::uint64_t{1} << 21;
    const double cpo_d =
        static_cast<double>(dpdk_cross_thread(mp.get(), ring.get(), worker, warm)) /
        static_cast<double>(warm);
    const double cpo_n = static_cast<double>(netcx_cross_thread(cache, nring, consumer, warm)) /
                         static_cast<double>(warm);
    const double target_cycles = tsc_hz * (o.quick ? 0.02 : 0.25);
    const std::uint64_t count =
        std::max(warm, static_cast<std::uint64_t>(target_cycles / std::max(cpo_d, cpo_n)) /
                           xfer_burst * xfer_burst);
    const auto objs = static_cast<double>(count);

    std::vector<double> d, n;
    d.reserve(o.reps);
    n.reserve(o.reps);
    for (unsigned rep = 0; rep < o.reps; ++rep) {
        d.push_back(static_cast<double>(dpdk_cross_thread(mp.get(), ring.get(), worker, count)) /
                    objs);
        n.push_back(static_cast<double>(netcx_cross_thread(cache, nring, consumer, count)) / objs);
    }
    return {"cross-thread, burst 32", o.reps, summarize(d), summarize(n)};
}

// ---------------------------------------------------------------------------------------------
// The matrix, EAL set-up, the hugepage child and the report.

std::vector<row> run_matrix(const options& o, page_policy pages, double tsc_hz)
{
    std::vector<row> rows;
    for (const std::uint32_t bulk : single_bulks)
        rows.push_back(run_single_core(o, pages, bulk, tsc_hz));
    rows.push_back(run_cross_thread(o, pages, tsc_hz));
    return rows;
}

void start_eal(const char* argv0, const options& o)
{
    std::vector<std::string> args = {argv0, "-l", "0-1", "-m", "512", "--no-pci"};
    if (o.huge()) {
        args.insert(args.end(), {"--huge-dir", o.huge_dir, "--huge-unlink"});
    } else {
        args.emplace_back("--no-huge");
    }
    args.insert(args.end(), {"--file-prefix", "netcx-bench-" + std::to_string(getpid()),
                             "--log-level=lib.eal:error"});
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    if (rte_eal_init(static_cast<int>(args.size()), argv.data()) < 0)
        fatal("rte_eal_init: %s", rte_strerror(rte_errno));
    if (rte_lcore_count() < 2)
        fatal("the EAL has %u lcores, needs 2 (-l 0-1)", rte_lcore_count());
}

/// Stops the EAL and removes its runtime directory (/var/run/dpdk/netcx-bench-<pid>), which
/// rte_eal_cleanup leaves behind: several MiB of tmpfs per run.
void stop_eal()
{
    const std::filesystem::path runtime_dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    if (runtime_dir.filename().string().rfind("netcx-bench-", 0) == 0) {
        std::error_code ignored;
        std::filesystem::remove_all(runtime_dir, ignored);
    }
}

// Child protocol: one line per row, "row\t<name>\t<reps>\t<6 numbers>".
void print_rows_for_parent(const std::vector<row>& rows)
{
    for (const row& r : rows)
        std::printf("row\t%s\t%u\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\n", r.name.c_str(), r.reps,
                    r.dpdk.median, r.dpdk.min, r.dpdk.max, r.netcx.median, r.netcx.min,
                    r.netcx.max);
}

std::optional<row> parse_row(const std::string& line)
{
    std::vector<std::string> f;
    std::istringstream in(line);
    for (std::string field; std::getline(in, field, '\t');)
        f.push_back(field);
    if (f.size() != 9 || f[0] != "row")
        return std::nullopt;
    row r;
    r.name = f[1] + " (2 MiB pages)";
    r.reps = static_cast<unsigned>(std::stoul(f[2]));
    r.dpdk = {std::stod(f[3]), std::stod(f[4]), std::stod(f[5])};
    r.netcx = {std::stod(f[6]), std::stod(f[7]), std::stod(f[8])};
    return r;
}

/// Runs the matrix on hugepages in a child process and returns its rows (empty on failure).
std::vector<row> run_huge_child(const options& o, const std::string& mount)
{
    std::vector<std::string> args = {"/proc/self/exe", "--huge-child", mount, "--reps",
                                     std::to_string(o.reps)};
    if (o.quick)
        args.emplace_back("--quick");
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    int fds[2];
    if (pipe(fds) != 0)
        fatal("pipe: %s", std::strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    std::fflush(stdout);
    pid_t child = 0;
    const int e = posix_spawn(&child, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (e != 0) {
        close(fds[0]);
        std::printf("hugepage variant: failed to start: %s\n", std::strerror(e));
        return {};
    }
    std::vector<row> rows;
    std::string pending;
    char buf[4096];
    for (ssize_t k; (k = read(fds[0], buf, sizeof buf)) != 0;) {
        if (k < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        pending.append(buf, static_cast<std::size_t>(k));
    }
    close(fds[0]);
    std::istringstream lines(pending);
    for (std::string line; std::getline(lines, line);) {
        if (auto r = parse_row(line))
            rows.push_back(*r);
    }
    int wstatus = 0;
    while (waitpid(child, &wstatus, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0 || rows.empty())
        fatal("the hugepage child failed (status %d)", wstatus);
    return rows;
}

void print_table(const std::vector<row>& rows)
{
    std::printf("%-38s %4s  %-24s  %-24s  %10s\n", "case", "reps", "dpdk cyc/obj med [min-max]",
                "netcx cyc/obj med [min-max]", "dpdk/netcx");
    for (const row& r : rows) {
        char d[64], n[64];
        std::snprintf(d, sizeof d, "%7.2f [%.2f-%.2f]", r.dpdk.median, r.dpdk.min, r.dpdk.max);
        std::snprintf(n, sizeof n, "%7.2f [%.2f-%.2f]", r.netcx.median, r.netcx.min, r.netcx.max);
        std::printf("%-38s %4u  %-24s  %-24s  %10.2f\n", r.name.c_str(), r.reps, d, n, r.ratio());
    }
}

} // namespace

int main(int argc, char** argv)
{
    bench::bench_name = "netcx-bench-pool";
    const options o = parse_options(argc, argv);
    start_eal(argv[0], o);
    const double tsc_hz = measure_tsc_hz(std::chrono::milliseconds(o.quick ? 20 : 200));
    const page_policy pages = o.huge() ? page_policy::huge_required : page_policy::small;

    if (o.huge()) { // the hugepage child: rows only, for the parent to merge
        print_rows_for_parent(run_matrix(o, pages, tsc_hz));
        std::fflush(stdout);
        stop_eal();
        return EXIT_SUCCESS;
    }

    std::printf("netcx pool vs DPDK rte_mempool: TSC cycles per object (one alloc + one free)\n");
    std::printf("machine: %s, %u CPUs online, kernel %s, main thread on CPU %d\n",
                cpu_model().c_str(), std::thread::hardware_concurrency(), kernel_release().c_str(),
                sched_getcpu());
    std::printf("dpdk: %s; tsc: %.1f MHz measured (rte_get_tsc_hz %.1f MHz); core clock ~%.2f x "
                "tsc (dependent adds)\n",
                rte_version(), tsc_hz / 1e6, static_cast<double>(rte_get_tsc_hz()) / 1e6,
                core_clocks_per_tsc(o.quick ? 20'000'000 : 200'000'000));
    const unsigned worker_cpu =
        rte_lcore_to_cpu_id(static_cast<int>(rte_get_next_lcore(rte_get_main_lcore(), 1, 0)));
    std::printf("cpu 0 <-> cpu %u cache-line round trip: %.0f tsc cycles (at start)\n", worker_cpu,
                line_round_trip(worker_cpu, o.quick ? 20'000 : 200'000));
    std::printf("build: g++ %s, one TU with DPDK's cflags (-march=corei7)%s\n", __VERSION__,
#ifdef __SSE4_2__
                ", SSE4.2 on"
#else
                ", SSE4.2 OFF"
#endif
    );
    std::printf("setup: pool %u x %u B, cache %u both sides, n_keep %u, 4 KiB pages "
                "(EAL --no-huge; netcx page_policy::small), %u reps, DPDK then netcx per rep%s\n",
                pool_buffers, buffer_bytes, cache_size, n_keep, o.reps,
                o.quick ? " (--quick)" : "");
    std::fflush(stdout);

    std::vector<row> rows = run_matrix(o, pages, tsc_hz);
    if (const huge_check hc = check_hugepages(); hc.usable) {
        for (row& r : run_huge_child(o, hc.mount))
            rows.push_back(std::move(r));
    } else {
        std::printf("hugepage variant: skipped (%s)\n", hc.reason.c_str());
    }
    print_table(rows);
    double min_ratio = rows.front().ratio();
    for (const row& r : rows)
        min_ratio = std::min(min_ratio, r.ratio());
    std::fflush(stdout);
    stop_eal();
    std::printf("pool: min speedup netcx/dpdk = %.2f\n", min_ratio);
    return EXIT_SUCCESS;
}
