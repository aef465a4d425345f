// SPDX-License-Identifier: MIT
#include <netcx/base/fault.hpp>

#include "base/diag.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <cstdlib>

namespace netcx::fault {
namespace {

struct site_state {
    std::atomic<std::uint64_t> countdown{0}; // 0 = disarmed; 1 = the next event fails
    std::atomic<std::uint64_t> injected{0};
};

std::array<site_state, site_count>& table()
{
    static std::array<site_state, site_count> s;
    return s;
}

// The table, armed once from NETCX_FAULT on first use.
std::array<site_state, site_count>& sites()
{
    static const bool from_env = [] {
        if (const char* spec = std::getenv("NETCX_FAULT"); spec != nullptr && !arm_from_spec(spec))
            log(log_level::error,
                "NETCX_FAULT='{}' is malformed (want site:N[,site:N], sites "
                "memory, map, buffer_alloc); nothing armed",
                spec);
        return true;
    }();
    (void)from_env;
    return table();
}

site_state& state(site s)
{
    return sites()[static_cast<unsigned>(s)];
}

} // namespace

std::string_view to_string(site s) noexcept
{
    switch (s) {
    case site::memory: return "memory";
    case site::map: return "map";
    case site::buffer_alloc: return "buffer_alloc";
    }
    return "?";
}

void fail_nth(site s, std::uint64_t nth) noexcept
{
    state(s).countdown.store(nth);
}

void reset() noexcept
{
    for (auto& s : sites())
        s.countdown.store(0);
}

bool should_fail(site s) noexcept
{
    auto& st = state(s);
    std::uint64_t c = st.countdown.load(std::memory_order_relaxed);
    while (c != 0) {
        if (st.countdown.compare_exchange_weak(c, c - 1)) {
            if (c != 1)
                return false;
            st.injected.fetch_add(1);
            return true;
        }
    }
    return false;
}

std::uint64_t injected(site s) noexcept
{
    return state(s).injected.load();
}

bool arm_from_spec(std::string_view spec) noexcept
{
    struct arm {
        site s;
        std::uint64_t n;
    };
    std::array<arm, 8> arms{};
    std::size_t count = 0;
    while (!spec.empty()) {
        const auto comma = spec.find(',');
        const auto item = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        const auto colon = item.find(':');
        if (colon == std::string_view::npos || count == arms.size())
            return false;
        const auto name = item.substr(0, colon);
        const auto num = item.substr(colon + 1);
        std::uint64_t n = 0;
        if (std::from_chars(num.data(), num.data() + num.size(), n).ec != std::errc{} || n == 0)
            return false;
        bool known = false;
        for (unsigned i = 0; i < site_count; ++i) {
            if (to_string(static_cast<site>(i)) == name) {
                arms[count++] = {static_cast<site>(i), n};
                known = true;
            }
        }
        if (!known)
            return false;
    }
    for (std::size_t i = 0; i < count; ++i)
        table()[static_cast<unsigned>(arms[i].s)].countdown.store(arms[i].n);
    return true;
}

} // namespace netcx::fault
