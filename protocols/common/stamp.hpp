// SPDX-License-Identifier: MIT
/// @file
/// The frame stamp pktgen writes and sink (and pktgen, on what comes back) checks.
///
///   offset  bytes  field
///        0      6  destination MAC
///        6      6  source MAC
///       12      2  EtherType 0x88B5 (IEEE 802 local experimental), big-endian
///       14      4  magic "NCX1"
///       18      4  flow id
///       22      8  sequence number (per flow, from 0)
///       30      8  send time, steady_clock nanoseconds
///       38      4  frame length (the whole frame, header included)
///       42    ...  pattern: a function of (flow, sequence, offset), checked byte by byte
///
/// Fields are big-endian (network order, so tshark shows them as they are). The pattern is made of
/// 64-bit words, one per 8 bytes, so writing and checking cost a multiply per word; a receiver
/// checks it across fragments at their absolute offsets.
#pragma once

#include <netcx/datapath/datapath.hpp>

#include <array>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace netcx::protocols {

static_assert(std::endian::native == std::endian::little, "the pattern words are little-endian");

using mac_address = std::array<std::uint8_t, 6>;

inline constexpr mac_address default_dst_mac{0x02, 0, 0, 0, 0, 0x02};
inline constexpr mac_address default_src_mac{0x02, 0, 0, 0, 0, 0x01};
inline constexpr std::uint16_t stamp_ethertype = 0x88B5;
inline constexpr std::uint32_t stamp_magic = 0x4E435831; // "NCX1"
inline constexpr std::uint32_t stamp_bytes = 42;         ///< Ethernet header + stamp
inline constexpr std::uint32_t min_frame = 64;
inline constexpr std::uint32_t max_frame = 9000;

struct stamp {
    std::uint32_t flow = 0;
    std::uint64_t sequence = 0;
    std::uint64_t send_ns = 0;
    std::uint32_t frame_length = 0;
};

[[nodiscard]] inline std::uint64_t now_ns() noexcept
{
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

namespace detail {
template <class T>
inline void put_be(std::byte* p, T v) noexcept
{
    for (std::size_t i = 0; i < sizeof(T); ++i)
        p[i] = static_cast<std::byte>(v >> (8 * (sizeof(T) - 1 - i)));
}
template <class T>
[[nodiscard]] inline T get_be(const std::byte* p) noexcept
{
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        v = static_cast<T>((v << 8) | static_cast<T>(p[i]));
    return v;
}
} // namespace detail

/// The pattern of frame (flow, sequence): word k covers pattern bytes [8k, 8k+8).
[[nodiscard]] inline std::uint64_t pattern_seed(std::uint32_t flow, std::uint64_t sequence) noexcept
{
    std::uint64_t z = sequence + (static_cast<std::uint64_t>(flow) << 40) + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
[[nodiscard]] inline std::uint64_t pattern_word(std::uint64_t seed, std::uint64_t k) noexcept
{
    const std::uint64_t w = (seed + k) * 0x9E3779B97F4A7C15ull;
    return w ^ (w >> 29);
}

/// Writes the pattern bytes [from, from + out.size()) (offsets counted from the pattern's start).
void write_pattern(std::uint64_t seed, std::uint64_t from, std::span<std::byte> out) noexcept;
/// Whether `in` holds pattern bytes [from, from + in.size()).
[[nodiscard]] bool check_pattern(std::uint64_t seed, std::uint64_t from,
                                 std::span<const std::byte> in) noexcept;

/// Writes a whole stamped frame of `s.frame_length` bytes (min_frame..max_frame) into `out`.
void write_frame(std::span<std::byte> out, const mac_address& dst, const mac_address& src,
                 const stamp& s) noexcept;

/// What a receiver learns from one frame.
enum class frame_check : std::uint8_t {
    ok,
    foreign,          ///< not a netcx frame (EtherType, magic or too short for the stamp)
    length_mismatch,  ///< the stamp's frame length is not the frame's
    pattern_mismatch, ///< a payload byte differs from the pattern
};

/// Checks one received frame spread over `fragments` (`length` bytes in all); fills `s` unless
/// foreign.
[[nodiscard]] frame_check check_frame(std::span<const datapath::rx_fragment> fragments,
                                      std::uint32_t length, stamp& s) noexcept;

} // namespace netcx::protocols
