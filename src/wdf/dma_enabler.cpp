// SPDX-License-Identifier: MIT
// WDFDMAENABLER: the device's DMA reach. NetAdapterCx needs DMA v3 (the framework's default here).
#include "wdf/dma_enabler.hpp"

#include "wdf/device.hpp"

#include <new>

namespace netcx::wdf {
namespace {

unsigned profile_width(WDF_DMA_PROFILE p) noexcept
{
    switch (p) {
    case WdfDmaProfilePacket64:
    case WdfDmaProfileScatterGather64:
    case WdfDmaProfileScatterGather64Duplex: return 64;
    default: return 32;
    }
}

} // namespace

dma_enabler::dma_enabler(device& owner, object* parent, const WDF_DMA_ENABLER_CONFIG& config)
    : object(object_kind_v, parent), owner_(owner), config_(config),
      width_(config.AddressWidthOverride != 0 ? config.AddressWidthOverride
                                              : profile_width(config.Profile))
{
}

dma_enabler::~dma_enabler() = default;

std::uint64_t dma_enabler::max_logical_address() const noexcept
{
    return width_ >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width_) - 1;
}

ULONG dma_enabler::dma_version() const noexcept
{
    return config_.WdmDmaVersionOverride != 0 ? config_.WdmDmaVersionOverride : 3;
}

bm::address_space& dma_enabler::address_space() const noexcept
{
    return owner_.address_space();
}

} // namespace netcx::wdf

using netcx::wdf::dma_enabler;
using netcx::wdf::object;
using netcx::wdf::refuse;

extern "C" {

NTSTATUS WdfDmaEnablerCreate(WDFDEVICE Device, PWDF_DMA_ENABLER_CONFIG Config,
                             PWDF_OBJECT_ATTRIBUTES Attributes, WDFDMAENABLER* DmaEnablerHandle)
{
    constexpr std::string_view api = "WdfDmaEnablerCreate";
    if (DmaEnablerHandle != nullptr)
        *DmaEnablerHandle = nullptr;
    auto* dev = object::as<netcx::wdf::device>(Device, api);
    if (dev == nullptr)
        return STATUS_INVALID_HANDLE;
    if (dev->deleting())
        return refuse(STATUS_INVALID_DEVICE_STATE, api, "device {} is being deleted",
                      static_cast<void*>(Device));
    if (DmaEnablerHandle == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api, "DmaEnablerHandle (the output) is NULL");
    if (Config == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api, "Config is NULL");
    if (Config->Size != sizeof(WDF_DMA_ENABLER_CONFIG))
        return refuse(STATUS_INFO_LENGTH_MISMATCH, api,
                      "WDF_DMA_ENABLER_CONFIG.Size is {}, expected {} (use "
                      "WDF_DMA_ENABLER_CONFIG_INIT)",
                      Config->Size, sizeof(WDF_DMA_ENABLER_CONFIG));
    if (const auto profile = netcx::wdf::raw_enum(Config->Profile);
        profile <= WdfDmaProfileInvalid || profile > WdfDmaProfileSystemDuplex)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "WDF_DMA_ENABLER_CONFIG.Profile {} is not a WDF_DMA_PROFILE",
                      netcx::wdf::raw_enum(Config->Profile));
    if (Config->MaximumLength == 0)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "WDF_DMA_ENABLER_CONFIG.MaximumLength is 0 (the largest transfer, in bytes)");
    if (Config->WdmDmaVersionOverride != 0 && Config->WdmDmaVersionOverride != 3)
        return refuse(STATUS_NOT_SUPPORTED, api,
                      "WDF_DMA_ENABLER_CONFIG.WdmDmaVersionOverride is {}: NetAdapterCx requires "
                      "DMA v3 (leave it 0 or set 3)",
                      Config->WdmDmaVersionOverride);
    if (Config->AddressWidthOverride != 0 &&
        (Config->AddressWidthOverride < 24 || Config->AddressWidthOverride > 64))
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "WDF_DMA_ENABLER_CONFIG.AddressWidthOverride is {}, not 0 or 24..64",
                      Config->AddressWidthOverride);
    constexpr ULONG known_flags = WDF_DMA_ENABLER_CONFIG_NO_SGL_PARTIAL_TRANSFER |
                                  WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER;
    if ((Config->Flags & ~known_flags) != 0)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "WDF_DMA_ENABLER_CONFIG.Flags 0x{:x} has unknown bits", Config->Flags);
    if (NTSTATUS s = netcx::wdf::check_attributes(Attributes, api); !NT_SUCCESS(s))
        return s;
    // The enabler refers to its device: it must go when the device goes.
    if (Attributes != nullptr && Attributes->ParentObject != nullptr &&
        Attributes->ParentObject != dev->handle())
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "Attributes.ParentObject {} is not the device {} (a DMA enabler is a child "
                      "of its device)",
                      Attributes->ParentObject, static_cast<void*>(Device));
    dma_enabler* e = nullptr;
    try {
        e = new dma_enabler(*dev, dev, *Config);
    } catch (const std::bad_alloc&) {
        return refuse(STATUS_INSUFFICIENT_RESOURCES, api, "no memory for a DMA enabler");
    }
    if (NTSTATUS s = netcx::wdf::apply_attributes(*e, Attributes, api); !NT_SUCCESS(s))
        return s;
    *DmaEnablerHandle = static_cast<WDFDMAENABLER>(e->handle());
    return STATUS_SUCCESS;
}

size_t WdfDmaEnablerGetMaximumLength(WDFDMAENABLER DmaEnabler)
{
    auto* e = object::as<dma_enabler>(DmaEnabler, "WdfDmaEnablerGetMaximumLength");
    return e == nullptr ? 0 : e->maximum_length();
}

size_t WdfDmaEnablerGetMaximumScatterGatherElements(WDFDMAENABLER DmaEnabler)
{
    auto* e = object::as<dma_enabler>(DmaEnabler, "WdfDmaEnablerGetMaximumScatterGatherElements");
    return e == nullptr ? 0 : e->max_fragments();
}

VOID WdfDmaEnablerSetMaximumScatterGatherElements(WDFDMAENABLER DmaEnabler, size_t MaximumFragments)
{
    constexpr std::string_view api = "WdfDmaEnablerSetMaximumScatterGatherElements";
    auto* e = object::as<dma_enabler>(DmaEnabler, api);
    if (e == nullptr)
        return;
    if (MaximumFragments == 0) {
        refuse(STATUS_INVALID_PARAMETER, api, "MaximumFragments is 0 (at least 1)");
        return;
    }
    e->set_max_fragments(MaximumFragments);
}

} // extern "C"
