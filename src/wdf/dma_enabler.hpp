// SPDX-License-Identifier: MIT
// WDFDMAENABLER: the device's DMA reach. The profile fixes the address width (the `...64`
// profiles 64 bits, others 32, unless AddressWidthOverride says otherwise); the address space is
// the device's.
#pragma once

#include "wdf/object.hpp"

#include <netcx/bm/address_space.hpp>

#include <wdfdmaenabler.h>

#include <cstdint>

namespace netcx::wdf {

class device;

class dma_enabler final : public object {
public:
    static constexpr object_kind object_kind_v = object_kind::dma_enabler;
    /// SG element limit when the driver sets none (KMDF's "unlimited").
    static constexpr std::size_t unlimited_fragments = static_cast<ULONG>(-1);

    dma_enabler(device& owner, object* parent, const WDF_DMA_ENABLER_CONFIG& config);

    [[nodiscard]] device& owner_device() const noexcept { return owner_; }
    [[nodiscard]] WDF_DMA_PROFILE profile() const noexcept { return config_.Profile; }
    [[nodiscard]] unsigned address_width() const noexcept { return width_; }
    /// Highest logical address the device can drive: 2^width - 1.
    [[nodiscard]] std::uint64_t max_logical_address() const noexcept;
    [[nodiscard]] std::size_t maximum_length() const noexcept { return config_.MaximumLength; }
    [[nodiscard]] std::size_t max_fragments() const noexcept { return max_fragments_; }
    void set_max_fragments(std::size_t n) noexcept { max_fragments_ = n; }
    [[nodiscard]] ULONG dma_version() const noexcept; // 3 unless overridden
    [[nodiscard]] bm::address_space& address_space() const noexcept;

private:
    ~dma_enabler() override;
    device& owner_;
    WDF_DMA_ENABLER_CONFIG config_;
    unsigned width_;
    std::size_t max_fragments_ = unlimited_fragments;
};

} // namespace netcx::wdf
