// SPDX-License-Identifier: MIT
// netcx datapath against DPDK ethdev: io-forward between two null NICs, side by side in one
// process.
//
// The case is `dpdk-testpmd --forward-mode=io` between two `net_null` ports on one forwarding
// core: receive a burst on one port, send it out of the other, and the reverse direction too
// (testpmd's two streams). 64-byte packets, bursts of 32. The figure is packets forwarded per
// second, summed over both directions (testpmd measures ~125 Mpps here).
//
// - DPDK: EAL `--no-huge --no-pci -l 0-1 -m 512 --vdev net_null0 --vdev net_null1` (net_null's
//   defaults: size 64, copy 0: Rx allocates mbufs and sets their lengths, Tx frees them), one
//   rte_pktmbuf_pool_create pool (8191 mbufs, cache 256), each port 1 Rx + 1 Tx queue of 1024
//   descriptors. The loop runs on the main lcore (CPU 0): rte_eth_rx_burst(a, 32) ->
//   rte_eth_tx_burst(b, n), freeing what Tx does not take, then b -> a; the clock is read every
//   64 round trips.
// - netcx: the built-in null driver (drivers/null: Tx completes at once, Rx fills from a
//   template, at most 32 packets per Advance: burst=32), two devices added and started through
//   the host, a datapath opened on each with 1 Rx and 1 Tx queue, all four queues on one polled
//   execution context (datapath::context, mode polled) that the main thread polls in a loop on
//   CPU 0, as the DPDK loop runs there: run-to-completion, no thread switch. The rx_sink of
//   adapter i forwards each received batch out of adapter 1-i zero-copy (datapath::forward: the
//   received buffers go out as they are and the Tx completion releases them, on the same
//   context, straight into adapter i's Rx cache). A packet counts as forwarded when `forward`
//   accepts it (DPDK: when tx_burst accepts it).
//
// Method: one process, one translation unit with DPDK's cflags (-march=corei7; netcx's inline
// code included). Each repetition runs DPDK then netcx (A/B) for the same number of TSC cycles
// (0.5 s; 0.1 s with --quick), each preceded by one untimed warm-up run; both loops read the
// clock every 64 rounds. netcx's datapaths are opened for each repetition and closed after it,
// outside the timed window. The report gives the median Mpps over the repetitions with min and
// max, and the ratio of medians netcx / DPDK (above 1: netcx forwards more). The last line is
// `datapath: speedup netcx/dpdk = X.XX`.
//
// Usage: netcx-bench-datapath [--quick] [--reps N] [--only dpdk|netcx]
//   --quick: 3 repetitions of short runs (a smoke test of a few seconds).
//   --only: run one side (profiling, e.g. under valgrind --tool=callgrind); the ratio is 0.00.
// The EAL's runtime directory (/var/run/dpdk/netcx-dp-<pid>) is removed at exit.
#include "bench_util.hpp"

#include <netcx/datapath/context.hpp>
#include <netcx/datapath/datapath.hpp>
#include <netcx/drivers/builtin.hpp>
#include <netcx/host/host.hpp>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_version.h>

#include <pthread.h>
#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <x86intrin.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

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

constexpr std::uint16_t burst = 32;
constexpr std::uint32_t packet_bytes = 64;
constexpr unsigned mbuf_count = 8191;
constexpr unsigned mbuf_cache = 256;
constexpr std::uint16_t ring_descriptors = 1024;
constexpr unsigned rounds_per_clock_read = 64;

// ---------------------------------------------------------------------------------------------
// Plumbing: errors, time, the machine.

struct options {
    bool quick = false;
    unsigned reps = 9;
    bool run_dpdk = true;  // --only netcx turns it off (profiling one side)
    bool run_netcx = true; // --only dpdk
    [[nodiscard]] double run_seconds() const { return quick ? 0.1 : 0.5; }
};

options parse_options(int argc, char** argv)
{
    options o;
    bool reps_given = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (bench::parse_common_option(argc, argv, i, o.quick, o.reps, reps_given)) {
            continue;
        } else if (a == "--only" && i + 1 < argc) {
            const std::string side = argv[++i];
            if (side != "dpdk" && side != "netcx")
                fatal("--only wants dpdk or netcx, not '%s'", side.c_str());
            o.run_dpdk = side == "dpdk";
            o.run_netcx = side == "netcx";
        } else if (a == "--help" || a == "-h") {
            std::printf("usage: %s [--quick] [--reps N] [--only dpdk|netcx]\n", argv[0]);
            std::exit(EXIT_SUCCESS);
        } else {
            fatal("unknown argument '%s' (usage: [--quick] [--reps N] [--only dpdk|netcx])",
                  argv[i]);
        }
    }
    if (o.quick && !reps_given)
        o.reps = 3;
    return o;
}

/// One timed run: packets forwarded (both directions) over TSC cycles.
struct sample {
    std::uint64_t packets = 0;
    std::uint64_t cycles = 0;
    [[nodiscard]] double mpps(double tsc_hz) const
    {
        return cycles == 0
                   ? 0.0
                   : static_cast<double>(packets) * tsc_hz / static_cast<double>(cycles) / 1e6;
    }
};

// ---------------------------------------------------------------------------------------------
// DPDK: two net_null ports, io forwarding on the main lcore.

struct mempool_free {
    void operator()(rte_mempool* mp) const noexcept { rte_mempool_free(mp); }
};
using mempool_ptr = std::unique_ptr<rte_mempool, mempool_free>;

class dpdk_ports {
public:
    dpdk_ports()
    {
        pool_.reset(rte_pktmbuf_pool_create("dp_mbufs", mbuf_count, mbuf_cache, 0,
                                            RTE_MBUF_DEFAULT_BUF_SIZE,
                                            static_cast<int>(rte_socket_id())));
        if (!pool_)
            fatal("rte_pktmbuf_pool_create: %s", rte_strerror(rte_errno));
        port_[0] = start_port("net_null0");
        port_[1] = start_port("net_null1");
    }
    ~dpdk_ports()
    {
        for (const std::uint16_t p : port_) {
            if (rte_eth_dev_stop(p) != 0)
                std::fprintf(stderr, "netcx-bench-datapath: rte_eth_dev_stop(%u) failed\n", p);
            rte_eth_dev_close(p);
        }
    }
    dpdk_ports(const dpdk_ports&) = delete;
    dpdk_ports& operator=(const dpdk_ports&) = delete;

    /// Forwards in both directions until `cycles` TSC cycles have passed.
    [[gnu::noinline]] sample forward(std::uint64_t cycles) const
    {
        const std::uint16_t a = port_[0];
        const std::uint16_t b = port_[1];
        rte_mbuf* pkts[burst];
        std::uint64_t forwarded = 0;
        const std::uint64_t t0 = read_tsc();
        const std::uint64_t deadline = t0 + cycles;
        std::uint64_t now = t0;
        do {
            for (unsigned i = 0; i < rounds_per_clock_read; ++i) {
                forwarded += stream(a, b, pkts);
                forwarded += stream(b, a, pkts);
            }
            now = read_tsc();
        } while (now < deadline);
        return {forwarded, now - t0};
    }

    [[nodiscard]] unsigned mbufs_available() const { return rte_mempool_avail_count(pool_.get()); }

private:
    // testpmd's io forwarding without its statistics: receive a burst, send it, free the rest.
    static inline std::uint32_t stream(std::uint16_t rx, std::uint16_t tx, rte_mbuf** pkts)
    {
        const std::uint16_t n = rte_eth_rx_burst(rx, 0, pkts, burst);
        if (n == 0)
            return 0;
        const std::uint16_t sent = rte_eth_tx_burst(tx, 0, pkts, n);
        if (sent < n) [[unlikely]]
            rte_pktmbuf_free_bulk(pkts + sent, n - sent);
        return sent;
    }

    std::uint16_t start_port(const char* name)
    {
        std::uint16_t port = 0;
        if (rte_eth_dev_get_port_by_name(name, &port) != 0)
            fatal("no DPDK port %s (the EAL needs --vdev %s)", name, name);
        const rte_eth_conf conf{};
        const int socket = rte_eth_dev_socket_id(port);
        if (const int e = rte_eth_dev_configure(port, 1, 1, &conf); e != 0)
            fatal("rte_eth_dev_configure(%s): %s", name, rte_strerror(-e));
        if (const int e = rte_eth_rx_queue_setup(
                port, 0, ring_descriptors, static_cast<unsigned>(socket), nullptr, pool_.get());
            e != 0)
            fatal("rte_eth_rx_queue_setup(%s): %s", name, rte_strerror(-e));
        if (const int e = rte_eth_tx_queue_setup(port, 0, ring_descriptors,
                                                 static_cast<unsigned>(socket), nullptr);
            e != 0)
            fatal("rte_eth_tx_queue_setup(%s): %s", name, rte_strerror(-e));
        if (const int e = rte_eth_dev_start(port); e != 0)
            fatal("rte_eth_dev_start(%s): %s", name, rte_strerror(-e));
        return port;
    }

    mempool_ptr pool_;
    std::array<std::uint16_t, 2> port_{};
};

// ---------------------------------------------------------------------------------------------
// netcx: two null adapters on one polled execution context, each adapter's Rx forwarded
// zero-copy out of the other's Tx.
namespace dp = netcx::datapath;

/// Adapter i's Rx sink: forwards each received batch out of adapter 1 - i as it is
/// (datapath::forward): the Tx fragments are the received buffers, released by the Tx completion
/// (on the same context: straight back into adapter i's Rx cache). What the Tx queue does not
/// take is released at once, as testpmd frees what tx_burst does not take. Runs on the polling
/// thread only.
class forward_sink final : public dp::rx_sink {
public:
    void on_receive(std::uint32_t /*queue*/, std::span<const dp::rx_packet> packets,
                    std::span<const dp::rx_fragment> fragments) override
    {
        const std::uint32_t accepted = out->forward(0, packets, fragments);
        forwarded += accepted;
        if (accepted < packets.size()) [[unlikely]] {
            self->release(fragments.subspan(packets[accepted].first_fragment));
            refused += packets.size() - accepted;
        }
    }

    dp::datapath* self = nullptr;
    dp::datapath* out = nullptr;
    std::uint64_t forwarded = 0;
    std::uint64_t refused = 0;
};

/// The host with the built-in null driver and two started null devices.
class netcx_ports {
public:
    netcx_ports()
    {
        netcx_register_builtin_drivers(host_);
        auto driver = host_.load_driver("null");
        if (!driver)
            fatal("loading the null driver: %s", driver.err().message.c_str());
        for (auto& device : devices_) {
            auto d = host_.add_device(*driver, {{"frame_size", std::to_string(packet_bytes)},
                                                {"copy", "0"},
                                                {"burst", std::to_string(burst)}});
            if (!d)
                fatal("adding a null device: %s", d.err().message.c_str());
            if (auto s = host_.start_device(*d); !s)
                fatal("starting a null device: %s", s.err().message.c_str());
            device = *d;
        }
    }

    /// Opens both datapaths on a polled context, polls it from this thread for `cycles` TSC
    /// cycles (reading the clock every 64 polls, as the DPDK loop does), then closes them.
    [[gnu::noinline]] sample forward(std::uint64_t cycles)
    {
        auto lcore = dp::context::create({"bench lcore", dp::context::mode::polled, -1});
        std::array<std::unique_ptr<dp::datapath>, 2> paths;
        for (unsigned i = 0; i < 2; ++i) {
            dp::options o;
            o.rx_queues = 1;
            o.tx_queues = 1;
            o.rx = &sinks_[i];
            o.on = lcore;
            auto d = host_.open_datapath(devices_[i], o);
            if (!d)
                fatal("open_datapath(adapter %u): %s", i, d.err().message.c_str());
            paths[i] = std::move(d).value();
        }
        for (unsigned i = 0; i < 2; ++i) {
            sinks_[i].self = paths[i].get();
            sinks_[i].out = paths[1 - i].get();
        }
        for (unsigned i = 0; i < 1000; ++i) // the rings fill, the caches warm
            (void)lcore->poll();
        const std::uint64_t f0 = sinks_[0].forwarded + sinks_[1].forwarded;
        const std::uint64_t t0 = read_tsc();
        const std::uint64_t deadline = t0 + cycles;
        std::uint64_t now = t0;
        do {
            for (unsigned i = 0; i < rounds_per_clock_read; ++i)
                (void)lcore->poll();
            now = read_tsc();
        } while (now < deadline);
        const std::uint64_t f1 = sinks_[0].forwarded + sinks_[1].forwarded;
        for (unsigned i = 0; i < 2; ++i)
            gather(*paths[i]);
        // Both stop before either closes: no completion can reach a closed datapath.
        for (auto& p : paths)
            p->stop();
        for (unsigned i = 0; i < 2; ++i)
            if (auto r = paths[i]->close(); !r)
                fatal("closing adapter %u's datapath: %s", i, r.err().message.c_str());
        return {f1 - f0, now - t0};
    }

    [[nodiscard]] std::string plan_line() const
    {
        auto p = host_.plan(devices_[0]);
        if (!p)
            return "plan unavailable: " + p.err().message;
        return "rx " + p->rx.allocation.value + "-allocated, " +
               std::to_string(p->rx.buffer_count.value) + " x " +
               std::to_string(p->rx.buffer_size.value) + " B buffers, ring " +
               std::to_string(p->rx.fragment_ring_size.value) + "; tx ring " +
               std::to_string(p->tx.fragment_ring_size.value);
    }

    /// What the datapaths counted over every run, one line.
    void print_stats() const
    {
        std::printf("netcx datapath counters (all runs): rx %llu packets in %llu advances, tx %llu "
                    "packets in %llu advances; %llu refused by send (Tx ring full)",
                    static_cast<unsigned long long>(rx_packets_),
                    static_cast<unsigned long long>(rx_advances_),
                    static_cast<unsigned long long>(tx_packets_),
                    static_cast<unsigned long long>(tx_advances_),
                    static_cast<unsigned long long>(sinks_[0].refused + sinks_[1].refused));
        for (std::size_t r = 0; r < rx_drops_.size(); ++r)
            if (rx_drops_[r] != 0)
                std::printf("; rx drop %s %llu", dp::to_string(static_cast<dp::rx_drop>(r)).data(),
                            static_cast<unsigned long long>(rx_drops_[r]));
        for (std::size_t r = 0; r < tx_drops_.size(); ++r)
            if (tx_drops_[r] != 0)
                std::printf("; tx drop %s %llu", dp::to_string(static_cast<dp::tx_drop>(r)).data(),
                            static_cast<unsigned long long>(tx_drops_[r]));
        for (std::size_t r = 0; r < bounces_.size(); ++r)
            if (bounces_[r] != 0)
                std::printf("; bounce %s %llu",
                            dp::to_string(static_cast<dp::bounce_reason>(r)).data(),
                            static_cast<unsigned long long>(bounces_[r]));
        std::printf("\n");
    }

private:
    void gather(const dp::datapath& d)
    {
        const dp::queue_stats rx = d.rx_stats(0);
        const dp::queue_stats tx = d.tx_stats(0);
        for (std::size_t r = 0; r < rx.rx_drops.size(); ++r)
            rx_drops_[r] += rx.rx_drops[r];
        for (std::size_t r = 0; r < tx.tx_drops.size(); ++r)
            tx_drops_[r] += tx.tx_drops[r];
        for (std::size_t r = 0; r < tx.bounces.size(); ++r)
            bounces_[r] += tx.bounces[r];
        rx_advances_ += rx.advances;
        rx_packets_ += rx.packets;
        tx_advances_ += tx.advances;
        tx_packets_ += tx.packets;
    }

    netcx::host::host host_;
    std::array<netcx::host::device_id, 2> devices_{};
    std::array<forward_sink, 2> sinks_;
    std::array<std::uint64_t, static_cast<std::size_t>(dp::rx_drop::count_)> rx_drops_{};
    std::array<std::uint64_t, static_cast<std::size_t>(dp::tx_drop::count_)> tx_drops_{};
    std::array<std::uint64_t, static_cast<std::size_t>(dp::bounce_reason::count_)> bounces_{};
    std::uint64_t rx_advances_ = 0, rx_packets_ = 0, tx_advances_ = 0, tx_packets_ = 0;
};

// ---------------------------------------------------------------------------------------------
// EAL set-up and the report.

void start_eal(const char* argv0)
{
    std::vector<std::string> args = {argv0,
                                     "--no-huge",
                                     "--no-pci",
                                     "-l",
                                     "0-1",
                                     "-m",
                                     "512",
                                     "--file-prefix",
                                     "netcx-dp-" + std::to_string(getpid()),
                                     "--vdev",
                                     "net_null0",
                                     "--vdev",
                                     "net_null1",
                                     "--log-level=lib.eal:error"};
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    if (rte_eal_init(static_cast<int>(args.size()), argv.data()) < 0)
        fatal("rte_eal_init: %s", rte_strerror(rte_errno));
}

/// Stops the EAL and removes its runtime directory (/var/run/dpdk/netcx-dp-<pid>), which
/// rte_eal_cleanup leaves behind.
void stop_eal()
{
    const std::filesystem::path runtime_dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    if (runtime_dir.filename().string().rfind("netcx-dp-", 0) == 0) {
        std::error_code ignored;
        std::filesystem::remove_all(runtime_dir, ignored);
    }
}

/// Prints the set-up, runs the repetitions and the table; returns netcx Mpps / DPDK Mpps.
double run(const options& o, double tsc_hz)
{
    const auto run_cycles = static_cast<std::uint64_t>(tsc_hz * o.run_seconds());
    std::printf("netcx datapath vs DPDK ethdev: io forwarding between two null NICs, Mpps "
                "(both directions summed)\n");
    std::printf("machine: %s, %u CPUs online, kernel %s, main thread on CPU %d\n",
                cpu_model().c_str(), std::thread::hardware_concurrency(), kernel_release().c_str(),
                sched_getcpu());
    std::printf("dpdk: %s; tsc: %.1f MHz measured (rte_get_tsc_hz %.1f MHz)\n", rte_version(),
                tsc_hz / 1e6, static_cast<double>(rte_get_tsc_hz()) / 1e6);
    std::printf("build: g++ %s, one TU with DPDK's cflags (-march=corei7)\n", __VERSION__);
    std::printf("setup: %u-byte packets, bursts of %u; dpdk: net_null0/1 (copy 0), %u mbufs "
                "(cache %u), 1 Rx + 1 Tx queue each, loop on the main lcore (CPU 0); %u reps of "
                "%.1f s, DPDK then netcx per rep%s\n",
                packet_bytes, burst, mbuf_count, mbuf_cache, o.reps, o.run_seconds(),
                o.quick ? " (--quick)" : "");

    const dpdk_ports dpdk;
    netcx_ports netcx;
    std::printf("netcx: null driver x 2 (frame_size %u, copy 0, burst %u), 1 Rx + 1 Tx queue "
                "each, all four queues on one polled execution context driven by the main "
                "thread (CPU 0), zero-copy forwarding in the rx_sink (datapath::forward; buffers "
                "released by the Tx completion); %s\n",
                packet_bytes, burst, netcx.plan_line().c_str());
    std::fflush(stdout);

    // Warm-up: one untimed run of each side. Packets are counted over every run, warm-ups
    // included, so a callgrind profile of forward() divides by the right number.
    std::uint64_t dpdk_packets = 0, netcx_packets = 0;
    if (o.run_dpdk)
        dpdk_packets += dpdk.forward(run_cycles / 5).packets;
    if (o.run_netcx)
        netcx_packets += netcx.forward(run_cycles / 5).packets;

    std::vector<double> d, n;
    for (unsigned rep = 0; rep < o.reps; ++rep) {
        if (o.run_dpdk) {
            const sample s = dpdk.forward(run_cycles);
            dpdk_packets += s.packets;
            d.push_back(s.mpps(tsc_hz));
        }
        if (o.run_netcx) {
            const sample s = netcx.forward(run_cycles);
            netcx_packets += s.packets;
            n.push_back(s.mpps(tsc_hz));
        }
    }
    if (dpdk.mbufs_available() != mbuf_count)
        bug("DPDK mbufs missing after the runs");
    if (o.run_netcx)
        netcx.print_stats();

    std::printf("packets forwarded (all runs): dpdk %llu, netcx %llu\n",
                static_cast<unsigned long long>(dpdk_packets),
                static_cast<unsigned long long>(netcx_packets));
    const summary sd = summarize(d);
    const summary sn = summarize(n);
    std::printf("%-34s %4s  %-26s  %-26s  %10s\n", "case", "reps", "dpdk Mpps med [min-max]",
                "netcx Mpps med [min-max]", "netcx/dpdk");
    char ds[64], ns[64];
    std::snprintf(ds, sizeof ds, "%7.2f [%.2f-%.2f]", sd.median, sd.min, sd.max);
    if (d.empty())
        std::snprintf(ds, sizeof ds, "%7s", "-");
    if (n.empty())
        std::snprintf(ns, sizeof ns, "%7s", "-");
    else
        std::snprintf(ns, sizeof ns, "%7.2f [%.2f-%.2f]", sn.median, sn.min, sn.max);
    const double ratio = sd.median > 0 ? sn.median / sd.median : 0.0;
    std::printf("%-34s %4u  %-26s  %-26s  %10.2f\n", "io forward, 64 B, burst 32, 1 core", o.reps,
                ds, ns, ratio);
    return ratio;
}

} // namespace

int main(int argc, char** argv)
{
    bench::bench_name = "netcx-bench-datapath";
    const options o = parse_options(argc, argv);
    start_eal(argv[0]);
    const double tsc_hz = measure_tsc_hz(std::chrono::milliseconds(o.quick ? 20 : 200));
    const double ratio = run(o, tsc_hz); // every port, datapath and pool is gone after it
    std::fflush(stdout);
    stop_eal();
    std::printf("datapath: speedup netcx/dpdk = %.2f\n", ratio);
    return EXIT_SUCCESS;
}
