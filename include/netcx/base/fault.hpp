// SPDX-License-Identifier: MIT
/// @file
/// Fault injection: make the N-th event at a site fail, so every error path runs in tests.
/// Sites are counted process-wide. Also armed from the environment: NETCX_FAULT=map:2,memory:1.
/// `buffer_alloc` is counted only by checked pools (the unchecked fast path never looks).
#pragma once

#include <cstdint>
#include <string_view>

namespace netcx::fault {

enum class site : std::uint8_t { memory, map, buffer_alloc };
inline constexpr unsigned site_count = 3;

[[nodiscard]] std::string_view to_string(site s) noexcept;

/// The `nth` event at `s` from now (1 = the next one) fails, once. 0 disarms the site.
void fail_nth(site s, std::uint64_t nth) noexcept;
/// Disarms every site.
void reset() noexcept;
/// Counts one event at `s`; true when this one must fail.
[[nodiscard]] bool should_fail(site s) noexcept;
/// Failures injected at `s` since start.
[[nodiscard]] std::uint64_t injected(site s) noexcept;

/// Arms sites from a spec such as "map:2,memory:1"; false (and nothing armed) if malformed.
bool arm_from_spec(std::string_view spec) noexcept;

} // namespace netcx::fault
