/* SPDX-License-Identifier: MIT */
/*
 * The example of the NetAdapterCx buffer-manager documentation (NetAdapterCx 1.2), completed into
 * a driver that builds as C against an installed netcx and loads in its host:
 *
 *   cc -std=c11 -shared -fPIC -o seed_example.so seed_example.c $(pkg-config --cflags --libs netcx)
 *   netcx plan --driver ./seed_example.so
 *
 * Between "clang-format off" and "on" are the documentation's lines, unchanged except that each
 * "..." placeholder is filled in (marked "(filled in)") and the comma missing after the Rx
 * capabilities' frame size is added. Before them: what the example assumes exists (context types,
 * constants, the queue callbacks); after them: DriverEntry.
 */
#include <netadaptercx.h>
#include <ntddk.h>
#include <wdf.h>

#define MAX_PACKET_SIZE 1514
#define FRAME_CRC_SIZE 4
#define RSVD_BUF_SIZE 8
#define MAX_PHYS_BUF_COUNT 8
#define NUM_TRANSMIT_CONTROL_BLOCKS 32 /* x MAX_PHYS_BUF_COUNT: a 256-fragment Tx ring */
#define NUM_RECEIVE_BUFFERS 512
#define MTU_SIZE 1500
#define LINK_SPEED 1000000000ull

/* The device's context, where the example keeps its DMA enabler and ring sizes. */
typedef struct _MY_DEVICE_CONTEXT {
    WDFDMAENABLER dmaEnabler;
    ULONG NumTransmitControlBlocks;
    ULONG NumReceiveBuffers;
} MY_DEVICE_CONTEXT, *PMY_DEVICE_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(MY_DEVICE_CONTEXT, GetMyDeviceContext);
/* The adapter's context (MY_CONTEXT in the example): the way back to the device. */
typedef struct _MY_CONTEXT {
    WDFDEVICE Device;
} MY_CONTEXT, *PMY_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(MY_CONTEXT, GetMyAdapterContext);
/* The example reaches the device context from the adapter. */
static PMY_DEVICE_CONTEXT GetMyContextFromDevice(NETADAPTER Adapter)
{
    return GetMyDeviceContext(GetMyAdapterContext(Adapter)->Device);
}

static const UCHAR MacAddress[6] = {0x02, 0x00, 0x5e, 0xed, 0x00, 0x02};

DRIVER_INITIALIZE DriverEntry;
EVT_WDF_DRIVER_DEVICE_ADD MyDeviceAdd;
EVT_NET_ADAPTER_SET_CAPABILITIES MyAdapterSetCapabilities;
EVT_NET_ADAPTER_CREATE_TXQUEUE MyAdapterCreateTxQueue;
EVT_NET_ADAPTER_CREATE_RXQUEUE MyAdapterCreateRxQueue;

/* No datapath yet: queues are refused. */
NTSTATUS MyAdapterCreateTxQueue(NETADAPTER Adapter, NETTXQUEUE_INIT* TxQueueInit)
{
    UNREFERENCED_PARAMETER(Adapter);
    UNREFERENCED_PARAMETER(TxQueueInit);
    return STATUS_NOT_SUPPORTED;
}

NTSTATUS MyAdapterCreateRxQueue(NETADAPTER Adapter, NETRXQUEUE_INIT* RxQueueInit)
{
    UNREFERENCED_PARAMETER(Adapter);
    UNREFERENCED_PARAMETER(RxQueueInit);
    return STATUS_NOT_SUPPORTED;
}

// clang-format off
NTSTATUS
MyDeviceAdd(
    WDFDRIVER Driver,
    PWDFDEVICE_INIT DeviceInit
)
{
    NTSTATUS status;

    // Other device setup tasks
    // (filled in) The device, its context and the DMA enabler both directions use.
    UNREFERENCED_PARAMETER(Driver);
    status = NetAdapterDeviceInitConfig(DeviceInit);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    WDF_OBJECT_ATTRIBUTES deviceAttributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&deviceAttributes, MY_DEVICE_CONTEXT);
    WDFDEVICE wdfDevice;
    status = WdfDeviceCreate(&DeviceInit, &deviceAttributes, &wdfDevice);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    PMY_DEVICE_CONTEXT deviceContext = GetMyDeviceContext(wdfDevice);
    deviceContext->NumTransmitControlBlocks = NUM_TRANSMIT_CONTROL_BLOCKS;
    deviceContext->NumReceiveBuffers = NUM_RECEIVE_BUFFERS;
    WDF_DMA_ENABLER_CONFIG dmaConfig;
    WDF_DMA_ENABLER_CONFIG_INIT(&dmaConfig, WdfDmaProfileScatterGather64Duplex, MAX_PACKET_SIZE);
    status = WdfDmaEnablerCreate(wdfDevice, &dmaConfig, WDF_NO_OBJECT_ATTRIBUTES,
                                 &deviceContext->dmaEnabler);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    // Set up the NETADAPTER object
    NET_ADAPTER_CONFIG  adapterConfig;
    NET_ADAPTER_CONFIG_INIT(&adapterConfig,
                            MyAdapterSetCapabilities,
                            MyAdapterCreateTxQueue,
                            MyAdapterCreateRxQueue
                            );

    WDF_OBJECT_ATTRIBUTES adapterAttributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&adapterAttributes, MY_CONTEXT);

    NETADAPTER netAdapter;
    status = NetAdapterCreate(wdfDevice,
                              &adapterAttributes,
                              &adapterConfig,
                              &netAdapter
                              );

    // Other device setup tasks
    // (filled in)
    if (!NT_SUCCESS(status)) {
        return status;
    }
    GetMyAdapterContext(netAdapter)->Device = wdfDevice;
    return status;
}

NTSTATUS
MyAdapterSetCapabilities(
    NETADAPTER Adapter
)
{
    NTSTATUS status;

    // Get the device context
    PMY_DEVICE_CONTEXT deviceContext = GetMyContextFromDevice(Adapter);

    // Set various capabilities such as link layer MTU size, link layer capabilities, and power capabilities
    // (filled in) MTU, link speed, MAC address and link state.
    NET_ADAPTER_LINK_LAYER_CAPABILITIES linkCapabilities;
    NET_ADAPTER_LINK_LAYER_CAPABILITIES_INIT(&linkCapabilities, LINK_SPEED, LINK_SPEED);
    status = NetAdapterSetLinkLayerCapabilities(Adapter, &linkCapabilities);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = NetAdapterSetLinkLayerMtuSize(Adapter, MTU_SIZE);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    NET_ADAPTER_LINK_LAYER_ADDRESS address;
    NET_ADAPTER_LINK_LAYER_ADDRESS_INIT(&address, sizeof(MacAddress), MacAddress);
    status = NetAdapterSetPermanentLinkLayerAddress(Adapter, &address);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = NetAdapterSetCurrentLinkLayerAddress(Adapter, &address);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    NET_ADAPTER_LINK_STATE linkState;
    NET_ADAPTER_LINK_STATE_INIT(&linkState, LINK_SPEED, MediaConnectStateConnected,
                                MediaDuplexStateFull, NetAdapterPauseFunctionTypeUnsupported,
                                NetAdapterAutoNegotiationFlagNone);
    status = NetAdapterSetCurrentLinkState(Adapter, &linkState);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    // Initialize the Tx DMA capabilities structure
    NET_ADAPTER_DMA_CAPABILITIES txDmaCapabilities;
    NET_ADAPTER_DMA_CAPABILITIES_INIT(&txDmaCapabilities,
                                      deviceContext->dmaEnabler
                                      );

    // Set Tx capabilities
    NET_ADAPTER_TX_CAPABILITIES txCapabilities;
    NET_ADAPTER_TX_CAPABILITIES_INIT_FOR_DMA(&txCapabilities,
                                             &txDmaCapabilities,
                                             MAX_PACKET_SIZE,
                                             1
                                             );
    txCapabilities.FragmentRingNumberOfElementsHint = deviceContext->NumTransmitControlBlocks * MAX_PHYS_BUF_COUNT;

    // Initialize the Rx DMA capabilities structure
    NET_ADAPTER_DMA_CAPABILITIES rxDmaCapabilities;
    NET_ADAPTER_DMA_CAPABILITIES_INIT(&rxDmaCapabilities,
                                      deviceContext->dmaEnabler
                                      );

    // Set Rx capabilities
    NET_ADAPTER_RX_CAPABILITIES rxCapabilities;
    NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED_DMA(&rxCapabilities,
                                                        &rxDmaCapabilities,
                                                        MAX_PACKET_SIZE + FRAME_CRC_SIZE + RSVD_BUF_SIZE,
                                                        1
                                                        );
    rxCapabilities.FragmentBufferAlignment = 64;
    rxCapabilities.FragmentRingNumberOfElementsHint = deviceContext->NumReceiveBuffers;

    // Set the adapter's datapath capabilities
    NetAdapterSetDatapathCapabilities(Adapter, &txCapabilities, &rxCapabilities);

    // Set other needed capabilities
    // (filled in) Nothing else to set.
    return status;
}
// clang-format on

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, MyDeviceAdd);
    return WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config,
                           WDF_NO_HANDLE);
}
