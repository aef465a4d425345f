// SPDX-License-Identifier: MIT
// Writing and checking stamped frames. A frame may arrive in fragments of any size: the header is
// gathered into a local copy, the pattern is checked fragment by fragment at absolute offsets.
#include "common/stamp.hpp"

#include <algorithm>

namespace netcx::protocols {

void write_pattern(std::uint64_t seed, std::uint64_t from, std::span<std::byte> out) noexcept
{
    std::size_t i = 0;
    while (i < out.size()) {
        const std::uint64_t off = from % 8;
        const std::uint64_t w = pattern_word(seed, from / 8);
        const std::size_t take = std::min<std::size_t>(8 - off, out.size() - i);
        std::memcpy(out.data() + i, reinterpret_cast<const std::byte*>(&w) + off, take);
        i += take;
        from += take;
    }
}

bool check_pattern(std::uint64_t seed, std::uint64_t from, std::span<const std::byte> in) noexcept
{
    std::size_t i = 0;
    while (i < in.size()) {
        const std::uint64_t off = from % 8;
        const std::uint64_t w = pattern_word(seed, from / 8);
        const std::size_t take = std::min<std::size_t>(8 - off, in.size() - i);
        if (std::memcmp(in.data() + i, reinterpret_cast<const std::byte*>(&w) + off, take) != 0)
            return false;
        i += take;
        from += take;
    }
    return true;
}

void write_frame(std::span<std::byte> out, const mac_address& dst, const mac_address& src,
                 const stamp& s) noexcept
{
    std::byte* p = out.data();
    std::memcpy(p, dst.data(), 6);
    std::memcpy(p + 6, src.data(), 6);
    detail::put_be<std::uint16_t>(p + 12, stamp_ethertype);
    detail::put_be<std::uint32_t>(p + 14, stamp_magic);
    detail::put_be<std::uint32_t>(p + 18, s.flow);
    detail::put_be<std::uint64_t>(p + 22, s.sequence);
    detail::put_be<std::uint64_t>(p + 30, s.send_ns);
    detail::put_be<std::uint32_t>(p + 38, s.frame_length);
    const std::size_t n = std::min<std::size_t>(s.frame_length, out.size());
    if (n > stamp_bytes)
        write_pattern(pattern_seed(s.flow, s.sequence), 0,
                      out.subspan(stamp_bytes, n - stamp_bytes));
}

frame_check check_frame(std::span<const datapath::rx_fragment> fragments, std::uint32_t length,
                        stamp& s) noexcept
{
    if (length < stamp_bytes)
        return frame_check::foreign;
    // The header, gathered (it may span fragments).
    std::array<std::byte, stamp_bytes> h;
    std::uint32_t got = 0;
    for (const auto& f : fragments) {
        const std::uint32_t take = std::min(f.length, stamp_bytes - got);
        std::memcpy(h.data() + got, f.data, take);
        got += take;
        if (got == stamp_bytes)
            break;
    }
    if (got < stamp_bytes || detail::get_be<std::uint16_t>(h.data() + 12) != stamp_ethertype ||
        detail::get_be<std::uint32_t>(h.data() + 14) != stamp_magic)
        return frame_check::foreign;
    s.flow = detail::get_be<std::uint32_t>(h.data() + 18);
    s.sequence = detail::get_be<std::uint64_t>(h.data() + 22);
    s.send_ns = detail::get_be<std::uint64_t>(h.data() + 30);
    s.frame_length = detail::get_be<std::uint32_t>(h.data() + 38);

    std::uint64_t total = 0;
    for (const auto& f : fragments)
        total += f.length;
    if (s.frame_length != length || total != length)
        return frame_check::length_mismatch;

    const std::uint64_t seed = pattern_seed(s.flow, s.sequence);
    std::uint64_t at = 0; // absolute offset of the fragment's first byte
    for (const auto& f : fragments) {
        const std::uint64_t end = at + f.length;
        if (end > stamp_bytes) {
            const std::uint64_t skip = at < stamp_bytes ? stamp_bytes - at : 0;
            const std::span<const std::byte> in{f.data + skip, f.length - skip};
            if (!check_pattern(seed, at + skip - stamp_bytes, in))
                return frame_check::pattern_mismatch;
        }
        at = end;
    }
    return frame_check::ok;
}

} // namespace netcx::protocols
