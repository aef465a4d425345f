/* SPDX-License-Identifier: MIT */
/**
 * @file
 * WDFDMAENABLER: what the device can address. The profile's width is the device's: the
 * `...64` profiles reach 64 bits, the others 32 (so a 32-bit profile means a 32-bit device).
 * The address space the device sits on (identity, IOMMU, physical) comes from the host's
 * device parameters (`dma=`), as the platform decides it on Windows.
 */
#ifndef NETCX_WDFDMAENABLER_H
#define NETCX_WDFDMAENABLER_H

#include <wdfobject.h>

NETCX_EXTERN_C_BEGIN

typedef enum _WDF_DMA_PROFILE {
    WdfDmaProfileInvalid = 0,
    WdfDmaProfilePacket,
    WdfDmaProfileScatterGather,
    WdfDmaProfilePacket64,
    WdfDmaProfileScatterGather64,
    WdfDmaProfileScatterGatherDuplex,
    WdfDmaProfileScatterGather64Duplex,
    WdfDmaProfileSystem,
    WdfDmaProfileSystemDuplex,
} WDF_DMA_PROFILE;

typedef enum _WDF_DMA_ENABLER_CONFIG_FLAGS {
    WDF_DMA_ENABLER_CONFIG_NO_SGL_PARTIAL_TRANSFER = 0x01,
    WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER = 0x02,
} WDF_DMA_ENABLER_CONFIG_FLAGS;

typedef struct _WDF_DMA_ENABLER_CONFIG {
    ULONG Size;
    WDF_DMA_PROFILE Profile;
    size_t MaximumLength;
    PVOID EvtDmaEnablerFill;
    PVOID EvtDmaEnablerFlush;
    PVOID EvtDmaEnablerDisable;
    PVOID EvtDmaEnablerEnable;
    PVOID EvtDmaEnablerSelfManagedIoStart;
    PVOID EvtDmaEnablerSelfManagedIoStop;
    ULONG AddressWidthOverride;  /* 0: the profile's width */
    ULONG WdmDmaVersionOverride; /* 0: the framework's (3); NetAdapterCx requires 3 */
    ULONG Flags;
} WDF_DMA_ENABLER_CONFIG, *PWDF_DMA_ENABLER_CONFIG;

FORCEINLINE VOID WDF_DMA_ENABLER_CONFIG_INIT(PWDF_DMA_ENABLER_CONFIG Config,
                                             WDF_DMA_PROFILE Profile, size_t MaximumLength)
{
    RtlZeroMemory(Config, sizeof(WDF_DMA_ENABLER_CONFIG));
    Config->Size = sizeof(WDF_DMA_ENABLER_CONFIG);
    Config->Profile = Profile;
    Config->MaximumLength = MaximumLength;
}

NTSTATUS WdfDmaEnablerCreate(WDFDEVICE Device, PWDF_DMA_ENABLER_CONFIG Config,
                             PWDF_OBJECT_ATTRIBUTES Attributes, WDFDMAENABLER* DmaEnablerHandle);
size_t WdfDmaEnablerGetMaximumLength(WDFDMAENABLER DmaEnabler);
size_t WdfDmaEnablerGetMaximumScatterGatherElements(WDFDMAENABLER DmaEnabler);
VOID WdfDmaEnablerSetMaximumScatterGatherElements(WDFDMAENABLER DmaEnabler,
                                                  size_t MaximumFragments);

NETCX_EXTERN_C_END

#endif /* NETCX_WDFDMAENABLER_H */
