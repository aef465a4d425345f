// SPDX-License-Identifier: MIT
/// @file
/// Address spaces turn a virtual address into the logical address a device uses for DMA.
///
/// Mapping happens once, when a pool is built (`map` a whole region, then `translate` each buffer's
/// offset into the precomputed table); the fast path never translates. The interfaces are virtual
/// because they run on the control path only.
///
///   identity      LA = VA                          software NICs (TAP, AF_PACKET, null)
///   physical      LA = physical address (pagemap)  root only; contiguous within one page
///   software IOMMU LA = I/O virtual address        the simulated NIC; refuses unmapped DMA
///   region offset LA = VA - region base            AF_XDP UMEM addresses
#pragma once

#include <netcx/base/status.hpp>
#include <netcx/bm/buffer.hpp>
#include <netcx/bm/memory_region.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace netcx::bm {

/// A region mapped for a device. Unmaps on destruction; its address space must outlive it.
class dma_mapping {
public:
    virtual ~dma_mapping() = default;
    /// The logical address of `offset` bytes into the mapped region (offset < region size).
    [[nodiscard]] virtual logical_address translate(std::size_t offset) const noexcept = 0;
    /// Bytes from any multiple of this offset that are contiguous in logical space.
    [[nodiscard]] virtual std::size_t contiguity() const noexcept = 0;
};

class address_space {
public:
    virtual ~address_space() = default;
    [[nodiscard]] virtual std::string_view name() const noexcept = 0;
    /// Maps a whole region. Fails with a named error (fault site `map` injects failures).
    virtual result<std::unique_ptr<dma_mapping>> map(const memory_region& region) = 0;
};

/// LA = VA: devices that are software and read process memory directly.
class identity_space final : public address_space {
public:
    [[nodiscard]] std::string_view name() const noexcept override { return "identity"; }
    result<std::unique_ptr<dma_mapping>> map(const memory_region& region) override;
};

/// LA = physical address from /proc/self/pagemap. Locks the region in memory (needs root or
/// CAP_IPC_LOCK) and needs CAP_SYS_ADMIN to read frame numbers; fails with access_denied otherwise.
class physical_space final : public address_space {
public:
    [[nodiscard]] std::string_view name() const noexcept override { return "physical"; }
    result<std::unique_ptr<dma_mapping>> map(const memory_region& region) override;
};

/// LA = VA - base of one region (AF_XDP UMEM addressing). Only memory inside that region maps.
class region_offset_space final : public address_space {
public:
    explicit region_offset_space(const memory_region& umem) noexcept
        : base_(umem.base()), size_(umem.size())
    {
    }
    [[nodiscard]] std::string_view name() const noexcept override { return "region-offset"; }
    result<std::unique_ptr<dma_mapping>> map(const memory_region& region) override;

private:
    std::byte* base_;
    std::size_t size_;
};

enum class dma_direction : std::uint8_t { to_device, from_device };

/// A software IOMMU: hands out I/O virtual addresses below 2^address_width and lets a simulated
/// device reach memory only through live mappings. Any other access is a DMA fault: logged,
/// counted, refused. Thread-safe; `access` takes a shared lock (a model of hardware, not a fast
/// path).
class software_iommu final : public address_space {
public:
    /// `address_width` in bits, 12..64 (32 models a 32-bit device).
    explicit software_iommu(unsigned address_width = 64);
    ~software_iommu() override;

    [[nodiscard]] std::string_view name() const noexcept override { return "iommu"; }
    result<std::unique_ptr<dma_mapping>> map(const memory_region& region) override;

    /// The device's view: host memory at [iova, iova+len), or a fault (address_unreachable).
    result<std::byte*> access(logical_address iova, std::size_t len, dma_direction dir) noexcept;

    [[nodiscard]] unsigned address_width() const noexcept { return width_; }
    [[nodiscard]] logical_address max_address() const noexcept { return logical_address{limit_}; }
    [[nodiscard]] std::uint64_t faults() const noexcept
    {
        return faults_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::size_t live_mappings() const;

private:
    class mapping;
    struct entry {
        std::byte* va;
        std::size_t len;
    };
    void unmap(std::uint64_t iova) noexcept;

    unsigned width_;
    std::uint64_t limit_; // highest valid IOVA
    mutable std::shared_mutex lock_;
    std::map<std::uint64_t, entry> live_;          // iova -> mapping
    std::map<std::uint64_t, std::uint64_t> holes_; // freed iova -> length, reused first-fit
    std::uint64_t next_;                           // bump pointer for fresh IOVA space
    std::atomic<std::uint64_t> faults_{0};
};

} // namespace netcx::bm
