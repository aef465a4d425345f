// SPDX-License-Identifier: MIT
/// @file
/// The bus: what the platform gives simulated hardware and its driver, beyond the NetAdapterCx
/// API. On Windows the platform owns the IOMMU the device sits behind and hands drivers common
/// buffers (WdfCommonBufferCreate: memory with its device address); here the host's device
/// parameters (`dma=`, `iommu_bits=`) chose the address space and this is the way to reach it.
/// Only the hardware model and a driver's own buffers (driver-managed Rx) use it.
#pragma once

#include <netcx/base/status.hpp>
#include <netcx/bm/address_space.hpp>
#include <netcx/bm/memory_region.hpp>

#include <wdf.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace netcx::simnic::bus {

/// The address space `device` sits on, or null if the handle names no live device.
[[nodiscard]] bm::address_space* device_address_space(WDFDEVICE device) noexcept;

/// Driver-owned memory mapped for the device (a common buffer): VA and device address.
class common_buffer {
public:
    /// `bytes` rounded up to pages, mapped through `space`. Fails with a named error.
    static result<common_buffer> allocate(bm::address_space& space, std::size_t bytes);

    [[nodiscard]] std::byte* va() const noexcept { return region_.base(); }
    [[nodiscard]] std::size_t size() const noexcept { return region_.size(); }
    /// The device address of `offset` bytes in.
    [[nodiscard]] std::uint64_t la(std::size_t offset) const noexcept
    {
        return bm::to_u64(mapping_->translate(offset));
    }

private:
    common_buffer(bm::memory_region region, std::unique_ptr<bm::dma_mapping> mapping) noexcept
        : region_(std::move(region)), mapping_(std::move(mapping))
    {
    }
    bm::memory_region region_;                 // declared first: outlives its mapping
    std::unique_ptr<bm::dma_mapping> mapping_; // unmapped first
};

} // namespace netcx::simnic::bus
