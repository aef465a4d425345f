// SPDX-License-Identifier: MIT
// pcapng blocks, little-endian (the byte-order magic says so), each padded to 32 bits with its
// total length at both ends.
#include "capture/pcapng.hpp"

#include "base/diag.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace netcx::protocols {
namespace {
constexpr std::uint32_t section_header = 0x0A0D0D0A;
constexpr std::uint32_t interface_description = 0x00000001;
constexpr std::uint32_t enhanced_packet = 0x00000006;
constexpr std::uint32_t byte_order_magic = 0x1A2B3C4D;
constexpr std::uint16_t opt_endofopt = 0;
constexpr std::uint16_t opt_if_tsresol = 9;
constexpr std::uint32_t epb_fixed = 32; // header 8 + 5 fields 20 + trailing length 4

constexpr std::uint32_t pad4(std::uint32_t n)
{
    return (n + 3) & ~3u;
}
} // namespace

result<std::unique_ptr<pcapng_writer>> pcapng_writer::open(const std::string& path,
                                                           std::uint32_t snaplen, bool nanoseconds,
                                                           std::size_t buffer_bytes)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return fail(status::invalid_parameter, "capture: cannot open '{}' for writing: {}", path,
                    std::strerror(errno));
    std::unique_ptr<pcapng_writer> w{
        new pcapng_writer(fd, path, snaplen, nanoseconds,
                          std::max<std::size_t>(buffer_bytes, pad4(snaplen) + epb_fixed + 64))};
    // Section Header Block: no options, section length unknown (-1).
    w->put32(section_header);
    w->put32(28);
    w->put32(byte_order_magic);
    w->put16(1); // major
    w->put16(0); // minor
    w->put32(0xFFFFFFFF);
    w->put32(0xFFFFFFFF);
    w->put32(28);
    // Interface Description Block: Ethernet, snaplen, if_tsresol (6: 10^-6 s, 9: 10^-9 s).
    w->put32(interface_description);
    w->put32(32);
    w->put16(linktype_ethernet);
    w->put16(0);
    w->put32(snaplen);
    w->put16(opt_if_tsresol);
    w->put16(1);
    w->put32(nanoseconds ? 9u : 6u); // the value byte, then 3 bytes of padding (little-endian)
    w->put16(opt_endofopt);
    w->put16(0);
    w->put32(32);
    w->flush();
    if (w->write_errors_ != 0)
        return fail(status::invalid_parameter, "capture: cannot write '{}'", path);
    return w;
}

pcapng_writer::pcapng_writer(int fd, std::string path, std::uint32_t snaplen, bool nanoseconds,
                             std::size_t buffer_bytes)
    : fd_(fd), path_(std::move(path)), snaplen_(snaplen), nanoseconds_(nanoseconds),
      buf_(buffer_bytes)
{
}

pcapng_writer::~pcapng_writer()
{
    flush();
    ::close(fd_);
}

void pcapng_writer::put32(std::uint32_t v) noexcept
{
    std::memcpy(buf_.data() + len_, &v, 4);
    len_ += 4;
}

void pcapng_writer::put16(std::uint16_t v) noexcept
{
    std::memcpy(buf_.data() + len_, &v, 2);
    len_ += 2;
}

void pcapng_writer::write(std::uint64_t ts, std::span<const datapath::rx_fragment> fragments,
                          std::uint32_t length) noexcept
{
    const std::uint32_t captured = std::min(length, snaplen_);
    const std::uint32_t total = epb_fixed + pad4(captured);
    if (len_ + total > buf_.size())
        flush();
    put32(enhanced_packet);
    put32(total);
    put32(0); // interface 0
    put32(static_cast<std::uint32_t>(ts >> 32));
    put32(static_cast<std::uint32_t>(ts));
    const std::size_t lengths = len_; // captured length's offset; the block starts 20 before
    put32(captured);
    put32(length);
    std::uint32_t copied = 0;
    for (const auto& f : fragments) {
        const std::uint32_t take = std::min(f.length, captured - copied);
        std::memcpy(buf_.data() + len_, f.data, take);
        len_ += take;
        copied += take;
        if (copied == captured)
            break;
    }
    if (copied < captured) { // the fragments held less than `length` says: record what they held
        std::memcpy(buf_.data() + lengths, &copied, 4);
    }
    const std::uint32_t padded = pad4(copied);
    std::memset(buf_.data() + len_, 0, padded - copied);
    len_ += padded - copied;
    const std::uint32_t actual = epb_fixed + padded;
    if (actual != total) // keep both lengths right
        std::memcpy(buf_.data() + lengths - 16, &actual, 4);
    put32(actual);
    ++packets_;
}

void pcapng_writer::flush() noexcept
{
    std::size_t at = 0;
    while (at < len_) {
        const ssize_t n = ::write(fd_, buf_.data() + at, len_ - at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (write_errors_++ == 0)
                log(log_level::error, "capture: writing '{}' failed: {} (frames are dropped)",
                    path_, std::strerror(errno));
            break;
        }
        at += static_cast<std::size_t>(n);
    }
    len_ = 0;
}

} // namespace netcx::protocols
