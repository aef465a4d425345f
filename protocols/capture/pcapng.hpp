// SPDX-License-Identifier: MIT
/// @file
/// A pcapng writer (draft-ietf-opsawg-pcapng): one Section Header Block, one Interface
/// Description Block (LINKTYPE_ETHERNET, if_tsresol microseconds or nanoseconds), then an Enhanced
/// Packet Block per frame. Blocks go to a write buffer flushed when full and on flush(), so a
/// frame costs a copy, not a syscall. libpcap reads pcapng but cannot write it, hence this.
///
/// Context: write/flush from one thread at a time (the caller serializes).
#pragma once

#include <netcx/base/status.hpp>
#include <netcx/datapath/datapath.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace netcx::protocols {

class pcapng_writer {
public:
    static constexpr std::uint16_t linktype_ethernet = 1;

    /// Creates (truncates) `path` and writes the section and interface headers. Errors name the
    /// file and the system's reason.
    static result<std::unique_ptr<pcapng_writer>> open(const std::string& path,
                                                       std::uint32_t snaplen, bool nanoseconds,
                                                       std::size_t buffer_bytes = 1 << 20);
    ~pcapng_writer();
    pcapng_writer(const pcapng_writer&) = delete;
    pcapng_writer& operator=(const pcapng_writer&) = delete;

    /// Appends one frame (its fragments concatenated, cut at snaplen); `ts` in the interface's
    /// resolution since the epoch.
    void write(std::uint64_t ts, std::span<const datapath::rx_fragment> fragments,
               std::uint32_t length) noexcept;
    /// Writes the buffer out.
    void flush() noexcept;

    [[nodiscard]] bool nanoseconds() const noexcept { return nanoseconds_; }
    [[nodiscard]] std::uint64_t packets() const noexcept { return packets_; }
    [[nodiscard]] std::uint64_t write_errors() const noexcept { return write_errors_; }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    pcapng_writer(int fd, std::string path, std::uint32_t snaplen, bool nanoseconds,
                  std::size_t buffer_bytes);
    void put32(std::uint32_t v) noexcept;
    void put16(std::uint16_t v) noexcept;

    int fd_;
    std::string path_;
    std::uint32_t snaplen_;
    bool nanoseconds_;
    std::vector<std::byte> buf_;
    std::size_t len_ = 0;
    std::uint64_t packets_ = 0;
    std::uint64_t write_errors_ = 0;
};

} // namespace netcx::protocols
