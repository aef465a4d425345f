// SPDX-License-Identifier: MIT
// What every netcx-vs-DPDK benchmark program needs: fatal errors and broken invariants, TSC time,
// CPU pinning, the machine's description, and medians. Each program sets `bench_name` first.
#pragma once

#include <pthread.h>
#include <sched.h>
#include <sys/utsname.h>
#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace bench {

/// The program's name, for error lines ("netcx-bench-pool: ...").
inline const char* bench_name = "netcx-bench";

[[noreturn, gnu::format(printf, 1, 2)]] inline void fatal(const char* fmt, ...)
{
    std::fflush(stdout);
    std::fprintf(stderr, "%s: ", bench_name);
    va_list ap;
    va_start(ap, fmt);
    std::vfprintf(stderr, fmt, ap);
    va_end(ap);
    std::fputc('\n', stderr);
    std::exit(EXIT_FAILURE);
}

/// A broken invariant (a lost buffer, a failed allocation): a bug in netcx or in the harness.
[[noreturn]] inline void bug(const char* what)
{
    std::fflush(stdout);
    std::fprintf(stderr, "%s: BUG: %s\n", bench_name, what);
    std::abort();
}

inline std::uint64_t read_tsc() noexcept
{
    _mm_lfence(); // earlier instructions retire before the counter is read
    return __rdtsc();
}

inline void cpu_relax() noexcept
{
    _mm_pause();
}

inline double measure_tsc_hz(std::chrono::milliseconds span)
{
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    const std::uint64_t c0 = read_tsc();
    while (clock::now() - t0 < span)
        cpu_relax();
    const std::uint64_t c1 = read_tsc();
    const std::chrono::duration<double> s = clock::now() - t0;
    return static_cast<double>(c1 - c0) / s.count();
}

inline void pin_this_thread(unsigned cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (const int e = pthread_setaffinity_np(pthread_self(), sizeof set, &set); e != 0)
        fatal("cannot pin a thread to CPU %u: %s", cpu, std::strerror(e));
}

inline std::string cpu_model()
{
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            const auto value = line.find_first_not_of(" \t", colon + 1);
            if (colon != std::string::npos && value != std::string::npos)
                return line.substr(value);
        }
    }
    return "unknown";
}

inline std::string kernel_release()
{
    utsname u{};
    return uname(&u) == 0 ? u.release : "unknown";
}

/// The options every benchmark takes: `--quick` and `--reps N`. If argv[i] is one, consumes it
/// (and its value) and returns true.
inline bool parse_common_option(int argc, char** argv, int& i, bool& quick, unsigned& reps,
                                bool& reps_given)
{
    const std::string a = argv[i];
    if (a == "--quick") {
        quick = true;
        return true;
    }
    if (a == "--reps" && i + 1 < argc) {
        char* end = nullptr;
        const unsigned long v = std::strtoul(argv[++i], &end, 10);
        if (*end != '\0' || v == 0 || v > 1000)
            fatal("--reps wants a count in [1, 1000], not '%s'", argv[i]);
        reps = static_cast<unsigned>(v);
        reps_given = true;
        return true;
    }
    return false;
}

struct summary {
    double median = 0, min = 0, max = 0;
};

/// Median, min and max of `v` (all zero when empty).
inline summary summarize(std::vector<double> v)
{
    if (v.empty())
        return {};
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    const double median = v.size() % 2 != 0 ? v[m] : (v[m - 1] + v[m]) / 2;
    return {median, v.front(), v.back()};
}

} // namespace bench
