// SPDX-License-Identifier: MIT
// Parameter parsing for the built-in protocols (control path; every refusal logs one line).
#include "common/params.hpp"

#include "base/diag.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace netcx::protocols {

result<void> param_reader::check_keys(std::initializer_list<std::string_view> known) const
{
    for (std::size_t i = 0; i < p_.size(); ++i) {
        const auto& [k, v] = p_[i];
        if (std::find(known.begin(), known.end(), k) == known.end()) {
            std::string list;
            for (auto n : known)
                list += (list.empty() ? "" : ", ") + std::string{n};
            return fail(status::invalid_parameter, "{}: unknown parameter {}={} (known: {})",
                        protocol_, k, v, list.empty() ? "none" : list);
        }
        for (std::size_t j = 0; j < i; ++j)
            if (p_[j].first == k)
                return fail(status::invalid_parameter, "{}: parameter {}={}: given twice",
                            protocol_, k, v);
    }
    return {};
}

const std::string* param_reader::find(std::string_view key) const
{
    for (const auto& [k, v] : p_)
        if (k == key)
            return &v;
    return nullptr;
}

error param_reader::bad(std::string_view key, std::string_view why) const
{
    const std::string* v = find(key);
    return fail(status::invalid_parameter, "{}: parameter {}={}: {}", protocol_, key,
                v != nullptr ? *v : std::string{}, why);
}

namespace {
std::optional<std::uint64_t> parse_u64(std::string_view s)
{
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size())
        return std::nullopt;
    return v;
}
} // namespace

result<std::uint64_t> param_reader::number(std::string_view key, std::uint64_t fallback,
                                           std::uint64_t min, std::uint64_t max) const
{
    const std::string* v = find(key);
    if (v == nullptr)
        return fallback;
    const auto n = parse_u64(*v);
    if (!n)
        return bad(key, "not a number");
    if (*n < min)
        return bad(key, fmt::format("below the minimum {}", min));
    if (*n > max)
        return bad(key, fmt::format("above the maximum {}", max));
    return *n;
}

result<std::uint64_t> param_reader::seconds(std::string_view key, double max_seconds) const
{
    const std::string* v = find(key);
    if (v == nullptr)
        return std::uint64_t{0};
    double d = 0;
    const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
    if (v->empty() || ec != std::errc{} || end != v->data() + v->size() || !std::isfinite(d))
        return bad(key, "not a number of seconds");
    if (d <= 0)
        return bad(key, "must be above 0");
    if (d > max_seconds)
        return bad(key, fmt::format("above the maximum {} s", max_seconds));
    return static_cast<std::uint64_t>(d * 1e9);
}

result<std::vector<std::uint32_t>> param_reader::numbers(std::string_view key, std::uint32_t min,
                                                         std::uint32_t max,
                                                         std::size_t max_items) const
{
    const std::string* v = find(key);
    std::vector<std::uint32_t> out;
    if (v == nullptr)
        return out;
    std::string_view rest = *v;
    while (true) {
        const auto comma = rest.find(',');
        const auto item = rest.substr(0, comma);
        const auto n = parse_u64(item);
        if (!n)
            return bad(key, fmt::format("'{}' is not a number", item));
        if (*n < min || *n > max)
            return bad(key, fmt::format("{} is outside {}..{}", *n, min, max));
        out.push_back(static_cast<std::uint32_t>(*n));
        if (out.size() > max_items)
            return bad(key, fmt::format("more than {} values", max_items));
        if (comma == std::string_view::npos)
            break;
        rest.remove_prefix(comma + 1);
    }
    return out;
}

result<mac_address> param_reader::mac(std::string_view key, const mac_address& fallback) const
{
    const std::string* v = find(key);
    if (v == nullptr)
        return fallback;
    mac_address m{};
    const std::string_view s = *v;
    if (s.size() != 17)
        return bad(key, "not a MAC address (aa:bb:cc:dd:ee:ff)");
    for (std::size_t i = 0; i < 6; ++i) {
        const std::string_view hex = s.substr(i * 3, 2);
        if (i < 5 && s[i * 3 + 2] != ':' && s[i * 3 + 2] != '-')
            return bad(key, "not a MAC address (aa:bb:cc:dd:ee:ff)");
        unsigned b = 0;
        const auto [end, ec] = std::from_chars(hex.data(), hex.data() + 2, b, 16);
        if (ec != std::errc{} || end != hex.data() + 2)
            return bad(key, "not a MAC address (aa:bb:cc:dd:ee:ff)");
        m[i] = static_cast<std::uint8_t>(b);
    }
    return m;
}

} // namespace netcx::protocols
