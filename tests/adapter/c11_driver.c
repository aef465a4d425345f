/* SPDX-License-Identifier: MIT */
/* Typical NetAdapterCx capability-setting code, compiled as C11: a driver's adapter context, its
 * DMA enabler, link layer from the configuration, and the seed's datapath capabilities. The C++
 * test (c11_test.cpp) runs it against a device and checks what the framework recorded. */
#include <netadaptercx.h>
#include <ntddk.h>
#include <wdf.h>

#include "c11_driver.h"

#define MAX_PACKET_SIZE 1514
#define FRAME_CRC_SIZE 4
#define RSVD_BUF_SIZE 8

typedef struct _MY_ADAPTER_CONTEXT {
    WDFDMAENABLER DmaEnabler;
    ULONG NumReceiveBuffers;
    ULONG NumTransmitControlBlocks;
    ULONG ReturnedBuffers;
} MY_ADAPTER_CONTEXT, *PMY_ADAPTER_CONTEXT;

/* No ';' after it: the macro ends in a function body, and ISO C (-Wpedantic) refuses the extra
 * ';' that WDK drivers usually write. */
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(MY_ADAPTER_CONTEXT, GetMyAdapterContext);
static EVT_NET_ADAPTER_SET_CAPABILITIES MyAdapterSetCapabilities;
static EVT_NET_ADAPTER_CREATE_TXQUEUE MyAdapterCreateTxQueue;
static EVT_NET_ADAPTER_CREATE_RXQUEUE MyAdapterCreateRxQueue;

static NTSTATUS MyAdapterCreateTxQueue(NETADAPTER Adapter, NETTXQUEUE_INIT* TxQueueInit)
{
    UNREFERENCED_PARAMETER(Adapter);
    UNREFERENCED_PARAMETER(TxQueueInit);
    return STATUS_SUCCESS;
}

static NTSTATUS MyAdapterCreateRxQueue(NETADAPTER Adapter, NETRXQUEUE_INIT* RxQueueInit)
{
    UNREFERENCED_PARAMETER(Adapter);
    UNREFERENCED_PARAMETER(RxQueueInit);
    return STATUS_SUCCESS;
}

/* Reads the keywords the way drivers do: defaults when absent. */
static NTSTATUS MyReadConfiguration(NETADAPTER Adapter, PMY_ADAPTER_CONTEXT Context,
                                    NET_ADAPTER_LINK_LAYER_ADDRESS* Current)
{
    NETCONFIGURATION configuration;
    NTSTATUS status =
        NetAdapterOpenConfiguration(Adapter, WDF_NO_OBJECT_ATTRIBUTES, &configuration);
    if (!NT_SUCCESS(status))
        return status;

    DECLARE_CONST_UNICODE_STRING(numRxBuffers, L"NumRxBuffers");
    ULONG value = 0;
    status = NetConfigurationQueryUlong(configuration, NET_CONFIGURATION_QUERY_ULONG_NO_FLAGS,
                                        &numRxBuffers, &value);
    Context->NumReceiveBuffers = NT_SUCCESS(status) ? value : 256;

    UCHAR mac[6];
    ULONG length = 0;
    status = NetConfigurationQueryNetworkAddress(configuration, sizeof(mac), mac, &length);
    if (NT_SUCCESS(status) && length == sizeof(mac))
        NET_ADAPTER_LINK_LAYER_ADDRESS_INIT(Current, (USHORT)length, mac);

    NetConfigurationClose(configuration);
    return STATUS_SUCCESS;
}

static NTSTATUS MyAdapterSetCapabilities(NETADAPTER Adapter)
{
    PMY_ADAPTER_CONTEXT context = GetMyAdapterContext(Adapter);

    static const UCHAR permanent[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    NET_ADAPTER_LINK_LAYER_ADDRESS permanentAddress;
    NET_ADAPTER_LINK_LAYER_ADDRESS_INIT(&permanentAddress, sizeof(permanent), permanent);
    NET_ADAPTER_LINK_LAYER_ADDRESS currentAddress = permanentAddress;
    NTSTATUS status = MyReadConfiguration(Adapter, context, &currentAddress);
    if (!NT_SUCCESS(status))
        return status;

    NET_ADAPTER_LINK_LAYER_CAPABILITIES linkCapabilities;
    NET_ADAPTER_LINK_LAYER_CAPABILITIES_INIT(&linkCapabilities, 1000000000ull, 1000000000ull);
    status = NetAdapterSetLinkLayerCapabilities(Adapter, &linkCapabilities);
    if (!NT_SUCCESS(status))
        return status;
    status = NetAdapterSetLinkLayerMtuSize(Adapter, MAX_PACKET_SIZE - 14);
    if (!NT_SUCCESS(status))
        return status;
    status = NetAdapterSetPermanentLinkLayerAddress(Adapter, &permanentAddress);
    if (!NT_SUCCESS(status))
        return status;
    status = NetAdapterSetCurrentLinkLayerAddress(Adapter, &currentAddress);
    if (!NT_SUCCESS(status))
        return status;

    NET_ADAPTER_DMA_CAPABILITIES txDmaCapabilities;
    NET_ADAPTER_DMA_CAPABILITIES_INIT(&txDmaCapabilities, context->DmaEnabler);
    NET_ADAPTER_TX_CAPABILITIES txCapabilities;
    NET_ADAPTER_TX_CAPABILITIES_INIT_FOR_DMA(&txCapabilities, &txDmaCapabilities, MAX_PACKET_SIZE,
                                             1);
    txCapabilities.FragmentRingNumberOfElementsHint = context->NumTransmitControlBlocks * 4;

    NET_ADAPTER_DMA_CAPABILITIES rxDmaCapabilities;
    NET_ADAPTER_DMA_CAPABILITIES_INIT(&rxDmaCapabilities, context->DmaEnabler);
    NET_ADAPTER_RX_CAPABILITIES rxCapabilities;
    NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED_DMA(
        &rxCapabilities, &rxDmaCapabilities, MAX_PACKET_SIZE + FRAME_CRC_SIZE + RSVD_BUF_SIZE, 1);
    rxCapabilities.FragmentBufferAlignment = 64;
    rxCapabilities.FragmentRingNumberOfElementsHint = context->NumReceiveBuffers;

    return NetAdapterSetDatapathCapabilities(Adapter, &txCapabilities, &rxCapabilities);
}

NTSTATUS c11_create_adapter(WDFDEVICE Device, NETADAPTER* Adapter)
{
    WDF_DMA_ENABLER_CONFIG dmaConfig;
    WDF_DMA_ENABLER_CONFIG_INIT(&dmaConfig, WdfDmaProfileScatterGather64, MAX_PACKET_SIZE);
    WDFDMAENABLER dmaEnabler;
    NTSTATUS status =
        WdfDmaEnablerCreate(Device, &dmaConfig, WDF_NO_OBJECT_ATTRIBUTES, &dmaEnabler);
    if (!NT_SUCCESS(status))
        return status;

    NET_ADAPTER_CONFIG adapterConfig;
    NET_ADAPTER_CONFIG_INIT(&adapterConfig, MyAdapterSetCapabilities, MyAdapterCreateTxQueue,
                            MyAdapterCreateRxQueue);
    WDF_OBJECT_ATTRIBUTES adapterAttributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&adapterAttributes, MY_ADAPTER_CONTEXT);
    status = NetAdapterCreate(Device, &adapterAttributes, &adapterConfig, Adapter);
    if (!NT_SUCCESS(status))
        return status;

    PMY_ADAPTER_CONTEXT context = GetMyAdapterContext(*Adapter);
    context->DmaEnabler = dmaEnabler;
    context->NumTransmitControlBlocks = 32;
    return STATUS_SUCCESS;
}

NTSTATUS c11_query_ulong_raw_flags(NETCONFIGURATION Configuration, ULONG Flags,
                                   PCUNICODE_STRING ValueName, PULONG Value)
{
    /* In C an enum is an int: any value passes, as from a driver built against newer headers. */
    return NetConfigurationQueryUlong(Configuration, (NET_CONFIGURATION_QUERY_ULONG_FLAGS)Flags,
                                      ValueName, Value);
}
