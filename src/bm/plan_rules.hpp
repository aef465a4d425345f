// SPDX-License-Identifier: MIT
/// @file
/// The buffer plan's rules shared by the defaults (plan.cpp) and negotiation (negotiate.cpp):
/// each computes one planned value and its reason, so a value a preference changes is recomputed
/// by the same rule, with the same words, as the default.
#pragma once

#include <netcx/bm/plan.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace netcx::bm::plan_rules {

inline constexpr std::uint32_t cache_line = 64;               // default buffer alignment
inline constexpr std::uint32_t page_size = 4096;              // largest alignment a pool carves at
inline constexpr std::uint64_t max_fragment = (1u << 26) - 1; // NET_FRAGMENT Capacity is 26 bits
inline constexpr std::uint32_t ethernet_header = 14;
inline constexpr std::uint32_t smallest_size_class = 128;
inline constexpr std::uint32_t default_buffers_per_class = 512;
inline constexpr std::uint64_t unlimited = std::numeric_limits<std::uint64_t>::max();

inline std::uint64_t align_up(std::uint64_t v, std::uint64_t a)
{
    return (v + a - 1) / a * a;
}

inline std::string plural(std::uint64_t n, std::string_view word)
{
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

/// The Rx/Tx MaximumFrameSize, or MTU + Ethernet header when the NIC left it 0, capped at what
/// a fragment can describe.
planned<std::uint32_t> frame_size(const nic_direction& d, std::uint32_t mtu,
                                  std::string_view field);
/// The NIC's FragmentBufferAlignment, kept a power of two within a page.
planned<std::uint32_t> nic_alignment(const nic_direction& d);
/// The Rx stride: `buffer_size` rounded up to `alignment`, compared with NetAdapterCx's pages.
planned<std::uint32_t> rx_stride(std::uint32_t buffer_size, std::uint32_t alignment);
/// Rx buffers for `queues` queues of `ring` fragments (0 when the driver allocates).
planned<std::uint32_t> rx_buffer_count(const nic_constraints& nic, std::uint32_t ring,
                                       std::uint32_t queues);
/// Tx bounce buffers for `queues` queues of `ring` packets (0 without DMA).
planned<std::uint32_t> bounce_buffer_count(const nic_constraints& nic, std::uint32_t ring,
                                           std::uint32_t queues);
/// The Tx size classes: powers of two from 128 up to the first that holds a frame + backfill.
planned<std::vector<std::uint32_t>> size_classes(const nic_constraints& nic);

/// "128,256,512"
std::string join(const std::vector<std::uint32_t>& v);

} // namespace netcx::bm::plan_rules
