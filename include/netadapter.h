/* SPDX-License-Identifier: MIT */
/**
 * @file
 * NETADAPTER: creation in the NetAdapterCx 1.2 form the buffer-manager documentation uses,
 * datapath capabilities (what the buffer manager builds from), and link-layer state.
 *
 * Where NetAdapterCx 1.2 and later versions differ, 1.2's signatures win (NET_ADAPTER_CONFIG_INIT
 * with three callbacks, NetAdapterCreate(device, ...), the Tx INIT taking a maximum fragment buffer
 * size) and later fields are added (PayloadBackfill, MaximumNumberOfFragments, MaximumFrameSize
 * beside the 1.2 name MaximumFragmentBufferSize). The Rx capabilities carry the return callback
 * and the mapping fields side by side, not in a union: NetAdapterCx reads MappingRequirement in
 * every mode, which with its union aliases the callback pointer.
 */
#ifndef NETCX_NETADAPTER_H
#define NETCX_NETADAPTER_H

#include <wdf.h>

NETCX_EXTERN_C_BEGIN

DECLARE_HANDLE(NETADAPTER);
DECLARE_HANDLE(NETCONFIGURATION);
DECLARE_HANDLE(NET_FRAGMENT_RETURN_CONTEXT_HANDLE);

typedef struct NETTXQUEUE_INIT NETTXQUEUE_INIT, *PNETTXQUEUE_INIT;
typedef struct NETRXQUEUE_INIT NETRXQUEUE_INIT, *PNETRXQUEUE_INIT;

/* ---- Creation (1.2) -------------------------------------------------------------------- */

typedef NTSTATUS EVT_NET_ADAPTER_SET_CAPABILITIES(NETADAPTER Adapter);
typedef EVT_NET_ADAPTER_SET_CAPABILITIES* PFN_NET_ADAPTER_SET_CAPABILITIES;
typedef NTSTATUS EVT_NET_ADAPTER_CREATE_TXQUEUE(NETADAPTER Adapter, NETTXQUEUE_INIT* TxQueueInit);
typedef EVT_NET_ADAPTER_CREATE_TXQUEUE* PFN_NET_ADAPTER_CREATE_TXQUEUE;
typedef NTSTATUS EVT_NET_ADAPTER_CREATE_RXQUEUE(NETADAPTER Adapter, NETRXQUEUE_INIT* RxQueueInit);
typedef EVT_NET_ADAPTER_CREATE_RXQUEUE* PFN_NET_ADAPTER_CREATE_RXQUEUE;

typedef struct _NET_ADAPTER_CONFIG {
    ULONG Size;
    PFN_NET_ADAPTER_SET_CAPABILITIES EvtAdapterSetCapabilities;
    PFN_NET_ADAPTER_CREATE_TXQUEUE EvtAdapterCreateTxQueue;
    PFN_NET_ADAPTER_CREATE_RXQUEUE EvtAdapterCreateRxQueue;
} NET_ADAPTER_CONFIG, *PNET_ADAPTER_CONFIG;

FORCEINLINE VOID NET_ADAPTER_CONFIG_INIT(PNET_ADAPTER_CONFIG AdapterConfig,
                                         PFN_NET_ADAPTER_SET_CAPABILITIES EvtAdapterSetCapabilities,
                                         PFN_NET_ADAPTER_CREATE_TXQUEUE EvtAdapterCreateTxQueue,
                                         PFN_NET_ADAPTER_CREATE_RXQUEUE EvtAdapterCreateRxQueue)
{
    RtlZeroMemory(AdapterConfig, sizeof(NET_ADAPTER_CONFIG));
    AdapterConfig->Size = sizeof(NET_ADAPTER_CONFIG);
    AdapterConfig->EvtAdapterSetCapabilities = EvtAdapterSetCapabilities;
    AdapterConfig->EvtAdapterCreateTxQueue = EvtAdapterCreateTxQueue;
    AdapterConfig->EvtAdapterCreateRxQueue = EvtAdapterCreateRxQueue;
}

/** Prepares a device init for a network adapter; call in EvtDriverDeviceAdd before WdfDeviceCreate.
 */
NTSTATUS NetAdapterDeviceInitConfig(PWDFDEVICE_INIT DeviceInit);

/** Creates the device's adapter (a child of the device). EvtAdapterSetCapabilities runs when the
 *  host starts the device. */
NTSTATUS NetAdapterCreate(WDFDEVICE Device, PWDF_OBJECT_ATTRIBUTES AdapterAttributes,
                          PNET_ADAPTER_CONFIG Configuration, NETADAPTER* Adapter);

WDFDEVICE NetAdapterGetDevice(NETADAPTER Adapter);

/* ---- Datapath capabilities ------------------------------------------------------------- */

typedef enum _NET_MEMORY_MAPPING_REQUIREMENT {
    NetMemoryMappingRequirementNone = 0,
    NetMemoryMappingRequirementDmaMapped = 1,
} NET_MEMORY_MAPPING_REQUIREMENT;

typedef enum _NET_RX_FRAGMENT_BUFFER_ALLOCATION_MODE {
    NetRxFragmentBufferAllocationModeSystem = 0,
    NetRxFragmentBufferAllocationModeDriver = 1,
} NET_RX_FRAGMENT_BUFFER_ALLOCATION_MODE;

typedef enum _NET_RX_FRAGMENT_BUFFER_ATTACHMENT_MODE {
    NetRxFragmentBufferAttachmentModeSystem = 0,
    NetRxFragmentBufferAttachmentModeDriver = 1,
} NET_RX_FRAGMENT_BUFFER_ATTACHMENT_MODE;

#define NET_ADAPTER_FRAGMENT_DEFAULT_ALIGNMENT 1

typedef struct _NET_ADAPTER_DMA_CAPABILITIES {
    ULONG Size;
    WDFDMAENABLER DmaEnabler;
    PHYSICAL_ADDRESS MaximumPhysicalAddress; /* 0: no limit beyond the enabler's */
    WDF_TRI_STATE CacheEnabled;
    NODE_REQUIREMENT PreferredNode;
} NET_ADAPTER_DMA_CAPABILITIES, *PNET_ADAPTER_DMA_CAPABILITIES;

FORCEINLINE VOID NET_ADAPTER_DMA_CAPABILITIES_INIT(PNET_ADAPTER_DMA_CAPABILITIES DmaCapabilities,
                                                   WDFDMAENABLER DmaEnabler)
{
    RtlZeroMemory(DmaCapabilities, sizeof(NET_ADAPTER_DMA_CAPABILITIES));
    DmaCapabilities->Size = sizeof(NET_ADAPTER_DMA_CAPABILITIES);
    DmaCapabilities->DmaEnabler = DmaEnabler;
    DmaCapabilities->CacheEnabled = WdfUseDefault;
    DmaCapabilities->PreferredNode = MM_ANY_NODE_OK;
}

typedef struct _NET_ADAPTER_TX_CAPABILITIES {
    ULONG Size;
    NET_MEMORY_MAPPING_REQUIREMENT MappingRequirement;
    SIZE_T PayloadBackfill;
    SIZE_T MaximumNumberOfFragments; /* (SIZE_T)-1: unlimited */
    SIZE_T FragmentBufferAlignment;
    UINT32 FragmentRingNumberOfElementsHint; /* 0: no preference */
    SIZE_T MaximumNumberOfQueues;
    PNET_ADAPTER_DMA_CAPABILITIES DmaCapabilities;
    union {
        SIZE_T MaximumFragmentBufferSize; /* NetAdapterCx 1.2 */
        SIZE_T MaximumFrameSize;          /* later name */
    };
} NET_ADAPTER_TX_CAPABILITIES, *PNET_ADAPTER_TX_CAPABILITIES;

FORCEINLINE VOID NET_ADAPTER_TX_CAPABILITIES_INIT(PNET_ADAPTER_TX_CAPABILITIES TxCapabilities,
                                                  SIZE_T MaximumFragmentBufferSize,
                                                  SIZE_T MaximumNumberOfQueues)
{
    RtlZeroMemory(TxCapabilities, sizeof(NET_ADAPTER_TX_CAPABILITIES));
    TxCapabilities->Size = sizeof(NET_ADAPTER_TX_CAPABILITIES);
    TxCapabilities->FragmentBufferAlignment = NET_ADAPTER_FRAGMENT_DEFAULT_ALIGNMENT;
    TxCapabilities->MaximumNumberOfQueues = MaximumNumberOfQueues;
    TxCapabilities->MaximumNumberOfFragments = (SIZE_T)-1;
    TxCapabilities->MaximumFragmentBufferSize = MaximumFragmentBufferSize;
}

FORCEINLINE VOID NET_ADAPTER_TX_CAPABILITIES_INIT_FOR_DMA(
    PNET_ADAPTER_TX_CAPABILITIES TxCapabilities, PNET_ADAPTER_DMA_CAPABILITIES DmaCapabilities,
    SIZE_T MaximumFragmentBufferSize, SIZE_T MaximumNumberOfQueues)
{
    NET_ADAPTER_TX_CAPABILITIES_INIT(TxCapabilities, MaximumFragmentBufferSize,
                                     MaximumNumberOfQueues);
    TxCapabilities->DmaCapabilities = DmaCapabilities;
    TxCapabilities->MappingRequirement = NetMemoryMappingRequirementDmaMapped;
}

typedef VOID EVT_NET_ADAPTER_RETURN_RX_BUFFER(NETADAPTER Adapter,
                                              NET_FRAGMENT_RETURN_CONTEXT_HANDLE RxReturnContext);
typedef EVT_NET_ADAPTER_RETURN_RX_BUFFER* PFN_NET_ADAPTER_RETURN_RX_BUFFER;

typedef struct _NET_ADAPTER_RX_CAPABILITIES {
    ULONG Size;
    NET_RX_FRAGMENT_BUFFER_ALLOCATION_MODE AllocationMode;
    NET_RX_FRAGMENT_BUFFER_ATTACHMENT_MODE AttachmentMode;
    UINT32 FragmentRingNumberOfElementsHint; /* 0: no preference */
    union {
        SIZE_T MaximumFragmentBufferSize; /* NetAdapterCx 1.2 */
        SIZE_T MaximumFrameSize;          /* later name */
    };
    SIZE_T MaximumNumberOfQueues;
    /* Driver allocation */
    PFN_NET_ADAPTER_RETURN_RX_BUFFER EvtAdapterReturnRxBuffer;
    /* System allocation */
    NET_MEMORY_MAPPING_REQUIREMENT MappingRequirement;
    SIZE_T FragmentBufferAlignment;
    PNET_ADAPTER_DMA_CAPABILITIES DmaCapabilities;
} NET_ADAPTER_RX_CAPABILITIES, *PNET_ADAPTER_RX_CAPABILITIES;

FORCEINLINE VOID NETCX_RX_CAPABILITIES_INIT_COMMON(PNET_ADAPTER_RX_CAPABILITIES RxCapabilities,
                                                   SIZE_T MaximumFrameSize,
                                                   SIZE_T MaximumNumberOfQueues)
{
    RtlZeroMemory(RxCapabilities, sizeof(NET_ADAPTER_RX_CAPABILITIES));
    RxCapabilities->Size = sizeof(NET_ADAPTER_RX_CAPABILITIES);
    RxCapabilities->FragmentBufferAlignment = NET_ADAPTER_FRAGMENT_DEFAULT_ALIGNMENT;
    RxCapabilities->MaximumFrameSize = MaximumFrameSize;
    RxCapabilities->MaximumNumberOfQueues = MaximumNumberOfQueues;
}

FORCEINLINE VOID NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED(
    PNET_ADAPTER_RX_CAPABILITIES RxCapabilities, SIZE_T MaximumFrameSize,
    SIZE_T MaximumNumberOfQueues)
{
    NETCX_RX_CAPABILITIES_INIT_COMMON(RxCapabilities, MaximumFrameSize, MaximumNumberOfQueues);
    RxCapabilities->AllocationMode = NetRxFragmentBufferAllocationModeSystem;
    RxCapabilities->AttachmentMode = NetRxFragmentBufferAttachmentModeSystem;
    RxCapabilities->MappingRequirement = NetMemoryMappingRequirementNone;
}

FORCEINLINE VOID NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED_DMA(
    PNET_ADAPTER_RX_CAPABILITIES RxCapabilities, PNET_ADAPTER_DMA_CAPABILITIES DmaCapabilities,
    SIZE_T MaximumFrameSize, SIZE_T MaximumNumberOfQueues)
{
    NETCX_RX_CAPABILITIES_INIT_COMMON(RxCapabilities, MaximumFrameSize, MaximumNumberOfQueues);
    RxCapabilities->AllocationMode = NetRxFragmentBufferAllocationModeSystem;
    RxCapabilities->AttachmentMode = NetRxFragmentBufferAttachmentModeSystem;
    RxCapabilities->MappingRequirement = NetMemoryMappingRequirementDmaMapped;
    RxCapabilities->DmaCapabilities = DmaCapabilities;
}

FORCEINLINE VOID NET_ADAPTER_RX_CAPABILITIES_INIT_DRIVER_MANAGED(
    PNET_ADAPTER_RX_CAPABILITIES RxCapabilities, PFN_NET_ADAPTER_RETURN_RX_BUFFER EvtReturnRxBuffer,
    SIZE_T MaximumFrameSize, SIZE_T MaximumNumberOfQueues)
{
    NETCX_RX_CAPABILITIES_INIT_COMMON(RxCapabilities, MaximumFrameSize, MaximumNumberOfQueues);
    RxCapabilities->AllocationMode = NetRxFragmentBufferAllocationModeDriver;
    RxCapabilities->AttachmentMode = NetRxFragmentBufferAttachmentModeDriver;
    RxCapabilities->EvtAdapterReturnRxBuffer = EvtReturnRxBuffer;
}

/** Records the datapath capabilities (deep copies, DMA structs included). Call from
 *  EvtAdapterSetCapabilities. A refused set returns the named error, logs one line, and makes
 *  the device's start fail with it. */
NTSTATUS NetAdapterSetDatapathCapabilities(NETADAPTER Adapter,
                                           PNET_ADAPTER_TX_CAPABILITIES TxCapabilities,
                                           PNET_ADAPTER_RX_CAPABILITIES RxCapabilities);
#define NetAdapterSetDataPathCapabilities NetAdapterSetDatapathCapabilities

/* ---- Link layer ------------------------------------------------------------------------ */

#define NET_ADAPTER_LINK_LAYER_ADDRESS_MAX_LENGTH 32

typedef struct _NET_ADAPTER_LINK_LAYER_ADDRESS {
    USHORT Length;
    UCHAR Address[NET_ADAPTER_LINK_LAYER_ADDRESS_MAX_LENGTH];
} NET_ADAPTER_LINK_LAYER_ADDRESS, *PNET_ADAPTER_LINK_LAYER_ADDRESS;

FORCEINLINE VOID NET_ADAPTER_LINK_LAYER_ADDRESS_INIT(
    PNET_ADAPTER_LINK_LAYER_ADDRESS LinkLayerAddress, USHORT Length, const UCHAR* Value)
{
    RtlZeroMemory(LinkLayerAddress, sizeof(NET_ADAPTER_LINK_LAYER_ADDRESS));
    LinkLayerAddress->Length = Length;
    if (Length != 0 && Length <= NET_ADAPTER_LINK_LAYER_ADDRESS_MAX_LENGTH)
        RtlCopyMemory(LinkLayerAddress->Address, Value, Length);
}

typedef struct _NET_ADAPTER_LINK_LAYER_CAPABILITIES {
    ULONG Size;
    ULONG64 MaxTxLinkSpeed; /* bits per second */
    ULONG64 MaxRxLinkSpeed;
} NET_ADAPTER_LINK_LAYER_CAPABILITIES, *PNET_ADAPTER_LINK_LAYER_CAPABILITIES;

FORCEINLINE VOID
NET_ADAPTER_LINK_LAYER_CAPABILITIES_INIT(PNET_ADAPTER_LINK_LAYER_CAPABILITIES LinkLayerCapabilities,
                                         ULONG64 MaxTxLinkSpeed, ULONG64 MaxRxLinkSpeed)
{
    RtlZeroMemory(LinkLayerCapabilities, sizeof(NET_ADAPTER_LINK_LAYER_CAPABILITIES));
    LinkLayerCapabilities->Size = sizeof(NET_ADAPTER_LINK_LAYER_CAPABILITIES);
    LinkLayerCapabilities->MaxTxLinkSpeed = MaxTxLinkSpeed;
    LinkLayerCapabilities->MaxRxLinkSpeed = MaxRxLinkSpeed;
}

typedef enum _NET_IF_MEDIA_CONNECT_STATE {
    MediaConnectStateUnknown = 0,
    MediaConnectStateConnected,
    MediaConnectStateDisconnected,
} NET_IF_MEDIA_CONNECT_STATE;

typedef enum _NET_IF_MEDIA_DUPLEX_STATE {
    MediaDuplexStateUnknown = 0,
    MediaDuplexStateHalf,
    MediaDuplexStateFull,
} NET_IF_MEDIA_DUPLEX_STATE;

typedef enum _NET_ADAPTER_PAUSE_FUNCTION_TYPE {
    NetAdapterPauseFunctionTypeUnknown = 0,
    NetAdapterPauseFunctionTypeUnsupported,
    NetAdapterPauseFunctionTypeSendPauseOnly,
    NetAdapterPauseFunctionTypeReceivePauseOnly,
    NetAdapterPauseFunctionTypeSendAndReceive,
} NET_ADAPTER_PAUSE_FUNCTION_TYPE;

typedef enum _NET_ADAPTER_AUTO_NEGOTIATION_FLAGS {
    NetAdapterAutoNegotiationFlagNone = 0,
    NetAdapterAutoNegotiationFlagXmitLinkSpeedAutoNegotiated = 0x1,
    NetAdapterAutoNegotiationFlagRcvLinkSpeedautoNegotiated = 0x2,
    NetAdapterAutoNegotiationFlagDuplexAutoNegotiated = 0x4,
    NetAdapterAutoNegotiationFlagPauseFunctionsAutoNegotiated = 0x8,
} NET_ADAPTER_AUTO_NEGOTIATION_FLAGS;

typedef struct _NET_ADAPTER_LINK_STATE {
    ULONG Size;
    NET_IF_MEDIA_CONNECT_STATE MediaConnectState;
    NET_IF_MEDIA_DUPLEX_STATE MediaDuplexState;
    ULONG64 TxLinkSpeed;
    ULONG64 RxLinkSpeed;
    NET_ADAPTER_AUTO_NEGOTIATION_FLAGS AutoNegotiationFlags;
    NET_ADAPTER_PAUSE_FUNCTION_TYPE SupportedPauseFunctions;
} NET_ADAPTER_LINK_STATE, *PNET_ADAPTER_LINK_STATE;

FORCEINLINE VOID NET_ADAPTER_LINK_STATE_INIT(
    PNET_ADAPTER_LINK_STATE LinkState, ULONG64 LinkSpeed,
    NET_IF_MEDIA_CONNECT_STATE MediaConnectState, NET_IF_MEDIA_DUPLEX_STATE MediaDuplexState,
    NET_ADAPTER_PAUSE_FUNCTION_TYPE SupportedPauseFunctions,
    NET_ADAPTER_AUTO_NEGOTIATION_FLAGS AutoNegotiationFlags)
{
    RtlZeroMemory(LinkState, sizeof(NET_ADAPTER_LINK_STATE));
    LinkState->Size = sizeof(NET_ADAPTER_LINK_STATE);
    LinkState->MediaConnectState = MediaConnectState;
    LinkState->MediaDuplexState = MediaDuplexState;
    LinkState->TxLinkSpeed = LinkSpeed;
    LinkState->RxLinkSpeed = LinkSpeed;
    LinkState->AutoNegotiationFlags = AutoNegotiationFlags;
    LinkState->SupportedPauseFunctions = SupportedPauseFunctions;
}

FORCEINLINE VOID NET_ADAPTER_LINK_STATE_INIT_DISCONNECTED(PNET_ADAPTER_LINK_STATE LinkState)
{
    NET_ADAPTER_LINK_STATE_INIT(LinkState, 0, MediaConnectStateDisconnected,
                                MediaDuplexStateUnknown, NetAdapterPauseFunctionTypeUnknown,
                                NetAdapterAutoNegotiationFlagNone);
}

NTSTATUS
NetAdapterSetLinkLayerCapabilities(NETADAPTER Adapter,
                                   PNET_ADAPTER_LINK_LAYER_CAPABILITIES LinkLayerCapabilities);
NTSTATUS NetAdapterSetLinkLayerMtuSize(NETADAPTER Adapter, ULONG MtuSize);
NTSTATUS NetAdapterSetPermanentLinkLayerAddress(NETADAPTER Adapter,
                                                PNET_ADAPTER_LINK_LAYER_ADDRESS LinkLayerAddress);
NTSTATUS NetAdapterSetCurrentLinkLayerAddress(NETADAPTER Adapter,
                                              PNET_ADAPTER_LINK_LAYER_ADDRESS LinkLayerAddress);
NTSTATUS NetAdapterSetLinkState(NETADAPTER Adapter, PNET_ADAPTER_LINK_STATE LinkState);
#define NetAdapterSetCurrentLinkState NetAdapterSetLinkState

NETCX_EXTERN_C_END

#endif /* NETCX_NETADAPTER_H */
