// SPDX-License-Identifier: MIT
/// @file
/// Strong types for buffers: a buffer is a 32-bit index into its pool (as VPP does), so rings and
/// caches carry 4 bytes per buffer instead of a pointer; the pool turns it into addresses.
#pragma once

#include <cstdint>
#include <string_view>

namespace netcx::bm {

/// A buffer's position in its pool.
enum class buffer_index : std::uint32_t {};

constexpr std::uint32_t to_u32(buffer_index i) noexcept
{
    return static_cast<std::uint32_t>(i);
}

/// An address as a device sees it (bus, I/O virtual, physical or region-relative).
enum class logical_address : std::uint64_t {};

constexpr std::uint64_t to_u64(logical_address a) noexcept
{
    return static_cast<std::uint64_t>(a);
}

inline constexpr logical_address no_address_limit{~std::uint64_t{0}};

/// Who holds a buffer. Recorded per buffer when a pool is checked (debug builds, NETCX_CHECKED=1).
enum class owner : std::uint8_t {
    pool,      ///< in the pool's depot: free
    cache,     ///< in a per-queue cache: free, owned by that cache's thread
    framework, ///< taken by the framework (posting, translating, bouncing)
    driver,    ///< posted to a client driver
    protocol,  ///< indicated to (or allocated by) a protocol driver
};

[[nodiscard]] std::string_view to_string(owner o) noexcept;

/// An owner and which one of its kind (queue or protocol id), for leak reports.
struct holder {
    owner kind = owner::framework;
    std::uint16_t id = 0;
    friend bool operator==(holder, holder) = default;
};

} // namespace netcx::bm
