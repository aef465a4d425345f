/* SPDX-License-Identifier: MIT */
/*
 * seed_driver: a NetAdapterCx client driver that opts into the buffer manager the way the
 * NetAdapterCx 1.2 buffer-manager documentation describes, in four steps:
 *
 *   1. EvtDriverDeviceAdd registers EvtAdapterSetCapabilities in a NET_ADAPTER_CONFIG and calls
 *      NetAdapterCreate (it also creates the 64-bit scatter-gather DMA enabler both directions
 *      use and keeps it in the device context);
 *   2.-3. EvtAdapterSetCapabilities initializes Tx capabilities for DMA and Rx capabilities as
 *      system-managed with DMA, then sets the ring hints and the Rx buffer alignment;
 *   4. it hands both to NetAdapterSetDatapathCapabilities.
 *
 * The ring sizes come from the adapter's configuration (*ReceiveBuffers, *TransmitBuffers), with
 * the defaults below. This driver has no hardware and no datapath yet: its queue callbacks refuse.
 *
 * Built in-tree as <build>/examples/seed_driver/seed_driver.so, and by this folder's Makefile
 * against an installed netcx (pkg-config). Load it with `netcx plan --driver PATH/seed_driver.so`.
 */
#include <netadaptercx.h>
#include <ntddk.h>
#include <wdf.h>

/* Frame geometry: an Ethernet frame without CRC, the CRC the NIC writes after it, and a few
 * reserved bytes the NIC's receive descriptor format needs at the end of each buffer. */
#define MAX_PACKET_SIZE 1514
#define FRAME_CRC_SIZE 4
#define RSVD_BUF_SIZE 8
/* A transmit control block describes one packet in at most this many physical fragments. */
#define MAX_PHYS_BUF_COUNT 8

/* Ring sizes: the framework wants powers of two; these are the defaults when the adapter's
 * configuration does not say. */
#define DEFAULT_TRANSMIT_CONTROL_BLOCKS 32 /* x MAX_PHYS_BUF_COUNT = a 256-fragment Tx ring */
#define DEFAULT_RECEIVE_BUFFERS 512
#define MIN_RING_KEYWORD_VALUE 1
#define MAX_RING_KEYWORD_VALUE 8192

#define SEED_MTU 1500
#define SEED_LINK_SPEED 1000000000ull /* 1 Gb/s */

typedef struct _SEED_DEVICE_CONTEXT {
    NETADAPTER Adapter;
    WDFDMAENABLER DmaEnabler;
    ULONG NumTransmitControlBlocks;
    ULONG NumReceiveBuffers;
} SEED_DEVICE_CONTEXT, *PSEED_DEVICE_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(SEED_DEVICE_CONTEXT, SeedGetDeviceContext);
typedef struct _SEED_ADAPTER_CONTEXT {
    WDFDEVICE Device;
    UCHAR PermanentAddress[6];
    UCHAR CurrentAddress[6];
} SEED_ADAPTER_CONTEXT, *PSEED_ADAPTER_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(SEED_ADAPTER_CONTEXT, SeedGetAdapterContext);
DRIVER_INITIALIZE DriverEntry;
static EVT_WDF_DRIVER_DEVICE_ADD SeedEvtDeviceAdd;
static EVT_NET_ADAPTER_SET_CAPABILITIES SeedEvtAdapterSetCapabilities;
static EVT_NET_ADAPTER_CREATE_TXQUEUE SeedEvtAdapterCreateTxQueue;
static EVT_NET_ADAPTER_CREATE_RXQUEUE SeedEvtAdapterCreateRxQueue;

/* A locally administered address, used unless the configuration has a NetworkAddress. */
static const UCHAR SeedDefaultAddress[6] = {0x02, 0x00, 0x5e, 0xed, 0x00, 0x01};

/* Reads a ring-size keyword. A missing or out-of-range value takes the default; an in-range one
 * is passed on as is, so the framework's own rule (a power of two) applies to it. */
static ULONG SeedReadRingKeyword(NETCONFIGURATION Configuration, PCUNICODE_STRING Keyword,
                                 ULONG Default)
{
    ULONG value = 0;
    NTSTATUS status = NetConfigurationQueryUlong(
        Configuration, NET_CONFIGURATION_QUERY_ULONG_NO_FLAGS, Keyword, &value);
    if (!NT_SUCCESS(status))
        return Default;
    if (value < MIN_RING_KEYWORD_VALUE || value > MAX_RING_KEYWORD_VALUE) {
        DbgPrint("seed_driver: %lu is out of range for a ring keyword; using %lu\n",
                 (unsigned long)value, (unsigned long)Default);
        return Default;
    }
    return value;
}

/* Ring sizes and the station address, from the adapter's configuration. */
static NTSTATUS SeedReadConfiguration(NETADAPTER Adapter, PSEED_DEVICE_CONTEXT Device,
                                      PSEED_ADAPTER_CONTEXT AdapterContext)
{
    DECLARE_CONST_UNICODE_STRING(receiveBuffers, L"*ReceiveBuffers");
    DECLARE_CONST_UNICODE_STRING(transmitBuffers, L"*TransmitBuffers");
    NETCONFIGURATION configuration;
    ULONG length = 0;

    Device->NumReceiveBuffers = DEFAULT_RECEIVE_BUFFERS;
    Device->NumTransmitControlBlocks = DEFAULT_TRANSMIT_CONTROL_BLOCKS;
    RtlCopyMemory(AdapterContext->PermanentAddress, SeedDefaultAddress, sizeof(SeedDefaultAddress));
    RtlCopyMemory(AdapterContext->CurrentAddress, SeedDefaultAddress, sizeof(SeedDefaultAddress));

    NTSTATUS status =
        NetAdapterOpenConfiguration(Adapter, WDF_NO_OBJECT_ATTRIBUTES, &configuration);
    if (!NT_SUCCESS(status))
        return status;

    Device->NumReceiveBuffers =
        SeedReadRingKeyword(configuration, &receiveBuffers, DEFAULT_RECEIVE_BUFFERS);
    Device->NumTransmitControlBlocks =
        SeedReadRingKeyword(configuration, &transmitBuffers, DEFAULT_TRANSMIT_CONTROL_BLOCKS);

    status =
        NetConfigurationQueryNetworkAddress(configuration, sizeof(AdapterContext->CurrentAddress),
                                            AdapterContext->CurrentAddress, &length);
    if (!NT_SUCCESS(status) || length != sizeof(AdapterContext->CurrentAddress))
        RtlCopyMemory(AdapterContext->CurrentAddress, SeedDefaultAddress,
                      sizeof(SeedDefaultAddress));

    NetConfigurationClose(configuration);
    return STATUS_SUCCESS;
}

/* MTU, addresses, link speed and link state: a 1 Gb/s full-duplex link that is up. */
static NTSTATUS SeedSetLinkLayer(NETADAPTER Adapter, PSEED_ADAPTER_CONTEXT AdapterContext)
{
    NET_ADAPTER_LINK_LAYER_CAPABILITIES linkCapabilities;
    NET_ADAPTER_LINK_LAYER_ADDRESS address;
    NET_ADAPTER_LINK_STATE linkState;
    NTSTATUS status;

    NET_ADAPTER_LINK_LAYER_CAPABILITIES_INIT(&linkCapabilities, SEED_LINK_SPEED, SEED_LINK_SPEED);
    status = NetAdapterSetLinkLayerCapabilities(Adapter, &linkCapabilities);
    if (!NT_SUCCESS(status))
        return status;

    status = NetAdapterSetLinkLayerMtuSize(Adapter, SEED_MTU);
    if (!NT_SUCCESS(status))
        return status;

    NET_ADAPTER_LINK_LAYER_ADDRESS_INIT(&address, sizeof(AdapterContext->PermanentAddress),
                                        AdapterContext->PermanentAddress);
    status = NetAdapterSetPermanentLinkLayerAddress(Adapter, &address);
    if (!NT_SUCCESS(status))
        return status;

    NET_ADAPTER_LINK_LAYER_ADDRESS_INIT(&address, sizeof(AdapterContext->CurrentAddress),
                                        AdapterContext->CurrentAddress);
    status = NetAdapterSetCurrentLinkLayerAddress(Adapter, &address);
    if (!NT_SUCCESS(status))
        return status;

    NET_ADAPTER_LINK_STATE_INIT(&linkState, SEED_LINK_SPEED, MediaConnectStateConnected,
                                MediaDuplexStateFull, NetAdapterPauseFunctionTypeUnsupported,
                                NetAdapterAutoNegotiationFlagNone);
    return NetAdapterSetCurrentLinkState(Adapter, &linkState);
}

/* Steps 2 to 4: describe both datapaths to the buffer manager. */
static NTSTATUS SeedEvtAdapterSetCapabilities(NETADAPTER Adapter)
{
    PSEED_ADAPTER_CONTEXT adapterContext = SeedGetAdapterContext(Adapter);
    PSEED_DEVICE_CONTEXT device = SeedGetDeviceContext(adapterContext->Device);
    NET_ADAPTER_DMA_CAPABILITIES txDma;
    NET_ADAPTER_DMA_CAPABILITIES rxDma;
    NET_ADAPTER_TX_CAPABILITIES tx;
    NET_ADAPTER_RX_CAPABILITIES rx;
    NTSTATUS status;

    status = SeedReadConfiguration(Adapter, device, adapterContext);
    if (!NT_SUCCESS(status))
        return status;
    status = SeedSetLinkLayer(Adapter, adapterContext);
    if (!NT_SUCCESS(status))
        return status;

    /* Tx: payloads are DMA-mapped through the device's enabler; one queue. A packet uses up to
     * MAX_PHYS_BUF_COUNT fragments, so the fragment ring holds that many per control block. */
    NET_ADAPTER_DMA_CAPABILITIES_INIT(&txDma, device->DmaEnabler);
    NET_ADAPTER_TX_CAPABILITIES_INIT_FOR_DMA(&tx, &txDma, MAX_PACKET_SIZE, 1);
    tx.FragmentRingNumberOfElementsHint = device->NumTransmitControlBlocks * MAX_PHYS_BUF_COUNT;

    /* Rx: the framework allocates and attaches DMA-mapped buffers big enough for a frame, its
     * CRC and the reserved tail, aligned to 64 bytes; one queue. */
    NET_ADAPTER_DMA_CAPABILITIES_INIT(&rxDma, device->DmaEnabler);
    NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED_DMA(
        &rx, &rxDma, MAX_PACKET_SIZE + FRAME_CRC_SIZE + RSVD_BUF_SIZE, 1);
    rx.FragmentBufferAlignment = 64;
    rx.FragmentRingNumberOfElementsHint = device->NumReceiveBuffers;

    return NetAdapterSetDatapathCapabilities(Adapter, &tx, &rx);
}

/* The datapath (queues) is not written yet. */
static NTSTATUS SeedEvtAdapterCreateTxQueue(NETADAPTER Adapter, NETTXQUEUE_INIT* TxQueueInit)
{
    UNREFERENCED_PARAMETER(Adapter);
    UNREFERENCED_PARAMETER(TxQueueInit);
    return STATUS_NOT_SUPPORTED;
}

static NTSTATUS SeedEvtAdapterCreateRxQueue(NETADAPTER Adapter, NETRXQUEUE_INIT* RxQueueInit)
{
    UNREFERENCED_PARAMETER(Adapter);
    UNREFERENCED_PARAMETER(RxQueueInit);
    return STATUS_NOT_SUPPORTED;
}

/* Step 1: the device, its DMA enabler, and the adapter with EvtAdapterSetCapabilities. */
static NTSTATUS SeedEvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    WDF_OBJECT_ATTRIBUTES deviceAttributes;
    WDF_OBJECT_ATTRIBUTES adapterAttributes;
    WDF_DMA_ENABLER_CONFIG dmaConfig;
    NET_ADAPTER_CONFIG adapterConfig;
    PSEED_DEVICE_CONTEXT deviceContext;
    WDFDEVICE device;
    NETADAPTER adapter;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(Driver);

    status = NetAdapterDeviceInitConfig(DeviceInit);
    if (!NT_SUCCESS(status))
        return status;

    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&deviceAttributes, SEED_DEVICE_CONTEXT);
    status = WdfDeviceCreate(&DeviceInit, &deviceAttributes, &device);
    if (!NT_SUCCESS(status))
        return status;
    deviceContext = SeedGetDeviceContext(device);

    WDF_DMA_ENABLER_CONFIG_INIT(&dmaConfig, WdfDmaProfileScatterGather64Duplex, MAX_PACKET_SIZE);
    status = WdfDmaEnablerCreate(device, &dmaConfig, WDF_NO_OBJECT_ATTRIBUTES,
                                 &deviceContext->DmaEnabler);
    if (!NT_SUCCESS(status))
        return status;

    NET_ADAPTER_CONFIG_INIT(&adapterConfig, SeedEvtAdapterSetCapabilities,
                            SeedEvtAdapterCreateTxQueue, SeedEvtAdapterCreateRxQueue);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&adapterAttributes, SEED_ADAPTER_CONTEXT);
    status = NetAdapterCreate(device, &adapterAttributes, &adapterConfig, &adapter);
    if (!NT_SUCCESS(status))
        return status;

    deviceContext->Adapter = adapter;
    SeedGetAdapterContext(adapter)->Device = device;
    return STATUS_SUCCESS;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;

    WDF_DRIVER_CONFIG_INIT(&config, SeedEvtDeviceAdd);
    return WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config,
                           WDF_NO_HANDLE);
}
