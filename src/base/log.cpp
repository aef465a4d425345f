// SPDX-License-Identifier: MIT
#include <netcx/base/log.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace netcx {
namespace {

log_level level_from_env() noexcept
{
    const char* v = std::getenv("NETCX_LOG");
    if (v == nullptr)
        return log_level::info;
    const std::string_view s{v};
    if (s == "debug")
        return log_level::debug;
    if (s == "warning")
        return log_level::warning;
    if (s == "error")
        return log_level::error;
    return log_level::info;
}

struct logger {
    std::mutex lock;
    log_sink sink;
    std::atomic<log_level> min{level_from_env()};
};

logger& the_logger()
{
    static logger l;
    return l;
}

} // namespace

std::string_view to_string(log_level l) noexcept
{
    switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warning: return "warning";
    case log_level::error: return "error";
    }
    return "?";
}

log_sink set_log_sink(log_sink sink)
{
    auto& l = the_logger();
    const std::lock_guard g{l.lock};
    std::swap(l.sink, sink);
    return sink;
}

void set_log_level(log_level min) noexcept
{
    the_logger().min.store(min, std::memory_order_relaxed);
}

void log_line(log_level level, std::string_view line)
{
    auto& l = the_logger();
    if (level < l.min.load(std::memory_order_relaxed))
        return;
    const std::lock_guard g{l.lock};
    if (l.sink) {
        l.sink(level, line);
        return;
    }
    std::fprintf(stderr, "netcx: %.*s: %.*s\n", static_cast<int>(to_string(level).size()),
                 to_string(level).data(), static_cast<int>(line.size()), line.data());
}

} // namespace netcx
