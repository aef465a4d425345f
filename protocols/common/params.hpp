// SPDX-License-Identifier: MIT
/// @file
/// Reading a protocol's key=value parameters: unknown or repeated keys and bad values are named
/// invalid_parameter errors ("pktgen: parameter size=70000: above the maximum 9000").
#pragma once

#include "common/stamp.hpp"

#include <netcx/base/status.hpp>
#include <netcx/protocols/builtin.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace netcx::protocols {

class param_reader {
public:
    param_reader(std::string_view protocol, const params& p) : protocol_(protocol), p_(p) {}

    /// Refuses keys not in `known` and keys given twice.
    result<void> check_keys(std::initializer_list<std::string_view> known) const;

    [[nodiscard]] const std::string* find(std::string_view key) const;
    [[nodiscard]] bool has(std::string_view key) const { return find(key) != nullptr; }

    /// An unsigned decimal in [min, max]; `fallback` when absent.
    result<std::uint64_t> number(std::string_view key, std::uint64_t fallback, std::uint64_t min,
                                 std::uint64_t max) const;
    /// A non-negative decimal number of seconds (e.g. 2 or 0.5), as nanoseconds, in (0, max].
    result<std::uint64_t> seconds(std::string_view key, double max_seconds) const;
    /// A comma-separated list of numbers, each in [min, max], at most `max_items`.
    result<std::vector<std::uint32_t>> numbers(std::string_view key, std::uint32_t min,
                                               std::uint32_t max, std::size_t max_items) const;
    /// "aa:bb:cc:dd:ee:ff" (or with '-'); `fallback` when absent.
    result<mac_address> mac(std::string_view key, const mac_address& fallback) const;

    /// The named error for `key`'s value: "<protocol>: parameter <key>=<value>: <why>".
    [[nodiscard]] error bad(std::string_view key, std::string_view why) const;

private:
    std::string protocol_;
    const params& p_;
};

} // namespace netcx::protocols
