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
 * the defaults below.
 *
 * The datapath is a loopback NIC: what it sends, it receives. One Tx and one Rx queue, created
 * with NET_PACKET_QUEUE_CONFIG (Start, Stop, Advance, SetNotificationEnabled, Cancel) and kept in
 * the adapter context.
 *   Tx Advance: for each packet the framework posted ([BeginIndex, EndIndex) of the packet ring),
 *     "DMA" its fragments (gathered, in order) into the next Rx fragments the framework posted
 *     ([NextIndex, EndIndex) of the Rx fragment ring), fill the next Rx packet, advance the Rx
 *     NextIndex, then complete the Tx packet (its BeginIndex). The copy goes through the virtual
 *     address extension (C cannot dereference a logical address); the logical address extension
 *     is what hardware would DMA from and to, and the driver checks it is set on both sides: a
 *     fragment without one is not DMA-mapped, and the packet is dropped as a device would. With
 *     no Rx buffer posted, the Tx packet stays pending (not dropped) until one is; with the Rx
 *     queue not running, it is sent and lost. Received packets are notified to an armed Rx queue.
 *   Rx Advance: returns the packets Tx filled ([BeginIndex, NextIndex) becomes the framework's),
 *     so the framework (and its verifier) checks them there; and tells an armed Tx queue that
 *     buffers arrived if Tx packets wait for them.
 *   Cancel: Tx returns what is pending marked Ignore (not sent); Rx returns unfilled packets marked
 *     Ignore and unfilled fragments unreferenced.
 * Context: the framework polls Rx queue i and Tx queue i on one execution context, so the
 * callbacks of both queues are serialized and Tx Advance may fill the Rx ring's driver-owned
 * elements [NextIndex, EndIndex) without a lock (the simnic driver shows a NIC whose "hardware"
 * runs on its own). EvtStop prints what the queue moved.
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
/* One queue: its rings and address extensions, and where it is in its life. */
typedef struct _SEED_QUEUE {
    NETPACKETQUEUE Queue;
    NET_RING* PacketRing;
    NET_RING* FragmentRing;
    NET_EXTENSION VirtualAddress;
    NET_EXTENSION LogicalAddress;
    BOOLEAN Running; /* between EvtStart and EvtCancel */
    BOOLEAN Armed;   /* EvtSetNotificationEnabled(TRUE) and no notification since */
} SEED_QUEUE;
typedef struct _SEED_ADAPTER_CONTEXT {
    WDFDEVICE Device;
    UCHAR PermanentAddress[6];
    UCHAR CurrentAddress[6];
    SEED_QUEUE Tx;
    SEED_QUEUE Rx;
    /* Counters, printed at EvtStop. */
    ULONG64 LoopedPackets;
    ULONG64 LoopedBytes;
    ULONG64 LostPackets;       /* sent while the Rx queue was not running */
    ULONG64 UnmappedFragments; /* a fragment without a logical address: dropped */
    ULONG64 OversizePackets;   /* more Rx fragments than the ring holds: dropped */
    ULONG64 CancelledPackets;  /* Tx packets returned unsent after EvtCancel */
} SEED_ADAPTER_CONTEXT, *PSEED_ADAPTER_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(SEED_ADAPTER_CONTEXT, SeedGetAdapterContext);
typedef struct _SEED_QUEUE_CONTEXT {
    PSEED_ADAPTER_CONTEXT Adapter;
} SEED_QUEUE_CONTEXT, *PSEED_QUEUE_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(SEED_QUEUE_CONTEXT, SeedGetQueueContext);
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

/* ---- the datapath: a loopback NIC ---------------------------------------------------------- */

static PSEED_ADAPTER_CONTEXT SeedAdapterOf(NETPACKETQUEUE Queue)
{
    return SeedGetQueueContext(Queue)->Adapter;
}

static void* SeedFragmentVa(SEED_QUEUE const* Queue, UINT32 Index)
{
    return NetExtensionGetFragmentVirtualAddress(&Queue->VirtualAddress, Index)->VirtualAddress;
}

/* What the "hardware" would DMA from or to; 0 when the fragment is not DMA-mapped. */
static ULONG64 SeedFragmentLa(SEED_QUEUE const* Queue, UINT32 Index)
{
    if (Queue->LogicalAddress.Reserved[0] == NULL)
        return 0;
    return NetExtensionGetFragmentLogicalAddress(&Queue->LogicalAddress, Index)->LogicalAddress;
}

typedef enum _SEED_LOOP_RESULT {
    SeedLoopReceived, /* in the Rx ring: complete the Tx packet */
    SeedLoopDropped,  /* lost, as a device would lose it: complete the Tx packet */
    SeedLoopWait,     /* no Rx buffer posted yet: keep the Tx packet */
} SEED_LOOP_RESULT;

/* Receives one Tx packet into the Rx ring's driver-owned elements at NextIndex. */
static SEED_LOOP_RESULT SeedLoopPacket(PSEED_ADAPTER_CONTEXT Adapter, NET_PACKET const* Packet)
{
    SEED_QUEUE* tx = &Adapter->Tx;
    SEED_QUEUE* rx = &Adapter->Rx;
    NET_RING* txFragments = tx->FragmentRing;
    NET_RING* rxPackets;
    NET_RING* rxFragments;
    NET_PACKET* received;
    UINT32 total = 0, capacity, need, first, filled = 0, used = 0, k, i;

    if (!rx->Running) {
        Adapter->LostPackets++;
        return SeedLoopDropped;
    }
    rxPackets = rx->PacketRing;
    rxFragments = rx->FragmentRing;

    /* The descriptors the hardware would get: LA + Offset and ValidLength per fragment. */
    for (k = 0, i = Packet->FragmentIndex; k < Packet->FragmentCount;
         ++k, i = NetRingIncrementIndex(txFragments, i)) {
        if (SeedFragmentLa(tx, i) == 0) {
            Adapter->UnmappedFragments++;
            return SeedLoopDropped;
        }
        total += (UINT32)NetRingGetFragmentAtIndex(txFragments, i)->ValidLength;
    }

    if (NetRingGetRangeCount(rxPackets, rxPackets->NextIndex, rxPackets->EndIndex) == 0 ||
        NetRingGetRangeCount(rxFragments, rxFragments->NextIndex, rxFragments->EndIndex) == 0)
        return SeedLoopWait;
    first = rxFragments->NextIndex;
    capacity = (UINT32)NetRingGetFragmentAtIndex(rxFragments, first)->Capacity;
    need = total == 0 ? 1 : (total + capacity - 1) / capacity;
    if (need >= rxFragments->NumberOfElements || need > 0xffff) {
        Adapter->OversizePackets++;
        return SeedLoopDropped;
    }
    if (NetRingGetRangeCount(rxFragments, first, rxFragments->EndIndex) < need)
        return SeedLoopWait;
    for (k = 0; k < need; ++k)
        if (SeedFragmentLa(rx, NetRingAdvanceIndex(rxFragments, first, (INT32)k)) == 0) {
            Adapter->UnmappedFragments++;
            return SeedLoopDropped;
        }

    /* Gather the Tx fragments into whole Rx fragments (all but the last full), data at Offset 0. */
    for (k = 0, i = Packet->FragmentIndex; k < Packet->FragmentCount;
         ++k, i = NetRingIncrementIndex(txFragments, i)) {
        NET_FRAGMENT const* from = NetRingGetFragmentAtIndex(txFragments, i);
        UCHAR const* data = (UCHAR const*)SeedFragmentVa(tx, i) + from->Offset;
        UINT32 left = (UINT32)from->ValidLength;
        while (left != 0) {
            UINT32 at = NetRingAdvanceIndex(rxFragments, first, (INT32)filled);
            UINT32 room = capacity - used;
            UINT32 n = left < room ? left : room;
            RtlCopyMemory((UCHAR*)SeedFragmentVa(rx, at) + used, data, n);
            data += n;
            left -= n;
            used += n;
            if (used == capacity) {
                NET_FRAGMENT* to = NetRingGetFragmentAtIndex(rxFragments, at);
                to->ValidLength = used;
                to->Offset = 0;
                used = 0;
                filled++;
            }
        }
    }
    if (used != 0 || filled == 0) {
        NET_FRAGMENT* to = NetRingGetFragmentAtIndex(
            rxFragments, NetRingAdvanceIndex(rxFragments, first, (INT32)filled));
        to->ValidLength = used;
        to->Offset = 0;
        filled++;
    }

    received = NetRingGetPacketAtIndex(rxPackets, rxPackets->NextIndex);
    received->FragmentIndex = first;
    received->FragmentCount = (UINT16)filled;
    RtlZeroMemory(&received->Layout, sizeof(received->Layout));
    received->Layout.Layer2Type = NetPacketLayer2TypeEthernet;
    if (total >= 14)
        received->Layout.Layer2HeaderLength = 14;
    rxPackets->NextIndex = NetRingIncrementIndex(rxPackets, rxPackets->NextIndex);
    rxFragments->NextIndex = NetRingAdvanceIndex(rxFragments, first, (INT32)filled);
    Adapter->LoopedPackets++;
    Adapter->LoopedBytes += total;
    return SeedLoopReceived;
}

static VOID SeedEvtTxAdvance(NETPACKETQUEUE Queue)
{
    PSEED_ADAPTER_CONTEXT adapter = SeedAdapterOf(Queue);
    SEED_QUEUE* tx = &adapter->Tx;
    SEED_QUEUE* rx = &adapter->Rx;
    NET_RING* packets = tx->PacketRing;
    NET_RING* fragments = tx->FragmentRing;
    BOOLEAN received = FALSE;

    while (packets->BeginIndex != packets->EndIndex) {
        NET_PACKET* packet = NetRingGetPacketAtIndex(packets, packets->BeginIndex);
        if (!tx->Running) {
            packet->Ignore = 1; /* cancelled: returned unsent */
            adapter->CancelledPackets++;
        } else if (!packet->Ignore && packet->FragmentCount != 0) {
            SEED_LOOP_RESULT result = SeedLoopPacket(adapter, packet);
            if (result == SeedLoopWait)
                break;
            received |= result == SeedLoopReceived;
        }
        if (packet->FragmentCount != 0)
            fragments->BeginIndex =
                NetRingAdvanceIndex(fragments, packet->FragmentIndex, packet->FragmentCount);
        packets->BeginIndex = NetRingIncrementIndex(packets, packets->BeginIndex);
    }

    if (received && rx->Armed) {
        rx->Armed = FALSE; /* the driver disarms itself before notifying */
        NetRxQueueNotifyMoreReceivedPacketsAvailable(rx->Queue);
    }
}

static VOID SeedEvtRxAdvance(NETPACKETQUEUE Queue)
{
    PSEED_ADAPTER_CONTEXT adapter = SeedAdapterOf(Queue);
    SEED_QUEUE* rx = &adapter->Rx;
    SEED_QUEUE* tx = &adapter->Tx;
    NET_RING* packets = rx->PacketRing;
    NET_RING* fragments = rx->FragmentRing;

    if (!rx->Running) {
        /* Cancelled: unfilled packets go back marked Ignore, unfilled fragments unreferenced. */
        UINT32 i;
        for (i = packets->NextIndex; i != packets->EndIndex; i = NetRingIncrementIndex(packets, i))
            NetRingGetPacketAtIndex(packets, i)->Ignore = 1;
        packets->NextIndex = packets->EndIndex;
        fragments->NextIndex = fragments->EndIndex;
    }
    /* What Tx filled is returned here, where the framework checks it. */
    packets->BeginIndex = packets->NextIndex;
    fragments->BeginIndex = fragments->NextIndex;

    /* Tx packets waiting for buffers can go now that buffers are posted. */
    if (rx->Running && tx->Running && tx->Armed &&
        tx->PacketRing->BeginIndex != tx->PacketRing->EndIndex &&
        fragments->NextIndex != fragments->EndIndex) {
        tx->Armed = FALSE;
        NetTxQueueNotifyMoreCompletedPacketsAvailable(tx->Queue);
    }
}

static SEED_QUEUE* SeedQueueOf(NETPACKETQUEUE Queue)
{
    PSEED_ADAPTER_CONTEXT adapter = SeedAdapterOf(Queue);
    return Queue == adapter->Tx.Queue ? &adapter->Tx : &adapter->Rx;
}

static VOID SeedEvtSetNotificationEnabled(NETPACKETQUEUE Queue, BOOLEAN NotificationEnabled)
{
    SeedQueueOf(Queue)->Armed = NotificationEnabled;
}

static VOID SeedEvtCancel(NETPACKETQUEUE Queue)
{
    /* Advance returns everything from now on. */
    SeedQueueOf(Queue)->Running = FALSE;
}

static VOID SeedEvtStart(NETPACKETQUEUE Queue)
{
    SEED_QUEUE* queue = SeedQueueOf(Queue);
    queue->Running = TRUE;
    queue->Armed = FALSE;
}

static VOID SeedEvtStop(NETPACKETQUEUE Queue)
{
    PSEED_ADAPTER_CONTEXT adapter = SeedAdapterOf(Queue);
    SEED_QUEUE* queue = SeedQueueOf(Queue);
    queue->Running = FALSE;
    queue->Armed = FALSE;
    DbgPrint("seed_driver: %s stopped: looped %llu packets (%llu bytes), %llu lost, %llu "
             "unmapped fragments, %llu oversize, %llu cancelled\n",
             queue == &adapter->Tx ? "tx" : "rx", (unsigned long long)adapter->LoopedPackets,
             (unsigned long long)adapter->LoopedBytes, (unsigned long long)adapter->LostPackets,
             (unsigned long long)adapter->UnmappedFragments,
             (unsigned long long)adapter->OversizePackets,
             (unsigned long long)adapter->CancelledPackets);
}

/* Creates a queue, keeps its rings and both address extensions in the adapter context. The
 * virtual address extension is always there; the logical one is, since the capabilities ask for
 * DMA both ways (without it every packet would be dropped as unmapped). */
static NTSTATUS SeedCreateQueue(NETADAPTER Adapter, SEED_QUEUE* Queue, NETTXQUEUE_INIT* TxInit,
                                NETRXQUEUE_INIT* RxInit)
{
    PSEED_ADAPTER_CONTEXT adapter = SeedGetAdapterContext(Adapter);
    NET_PACKET_QUEUE_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    NET_EXTENSION_QUERY va;
    NET_EXTENSION_QUERY la;
    NET_RING_COLLECTION const* rings;
    NTSTATUS status;

    RtlZeroMemory(Queue, sizeof(*Queue));
    NET_PACKET_QUEUE_CONFIG_INIT(&config, TxInit != NULL ? SeedEvtTxAdvance : SeedEvtRxAdvance,
                                 SeedEvtSetNotificationEnabled, SeedEvtCancel);
    config.EvtStart = SeedEvtStart;
    config.EvtStop = SeedEvtStop;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, SEED_QUEUE_CONTEXT);
    status = TxInit != NULL ? NetTxQueueCreate(TxInit, &attributes, &config, &Queue->Queue)
                            : NetRxQueueCreate(RxInit, &attributes, &config, &Queue->Queue);
    if (!NT_SUCCESS(status))
        return status;
    SeedGetQueueContext(Queue->Queue)->Adapter = adapter;

    NET_EXTENSION_QUERY_INIT(&va, NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_NAME,
                             NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_VERSION_1,
                             NetExtensionTypeFragment);
    NET_EXTENSION_QUERY_INIT(&la, NET_FRAGMENT_EXTENSION_LOGICAL_ADDRESS_NAME,
                             NET_FRAGMENT_EXTENSION_LOGICAL_ADDRESS_VERSION_1,
                             NetExtensionTypeFragment);
    if (TxInit != NULL) {
        rings = NetTxQueueGetRingCollection(Queue->Queue);
        NetTxQueueGetExtension(Queue->Queue, &va, &Queue->VirtualAddress);
        NetTxQueueGetExtension(Queue->Queue, &la, &Queue->LogicalAddress);
    } else {
        rings = NetRxQueueGetRingCollection(Queue->Queue);
        NetRxQueueGetExtension(Queue->Queue, &va, &Queue->VirtualAddress);
        NetRxQueueGetExtension(Queue->Queue, &la, &Queue->LogicalAddress);
    }
    Queue->PacketRing = NetRingCollectionGetPacketRing(rings);
    Queue->FragmentRing = NetRingCollectionGetFragmentRing(rings);
    if (Queue->VirtualAddress.Reserved[0] == NULL || Queue->LogicalAddress.Reserved[0] == NULL) {
        DbgPrint("seed_driver: the %s queue has no %s address extension\n",
                 TxInit != NULL ? "tx" : "rx",
                 Queue->VirtualAddress.Reserved[0] == NULL ? "virtual" : "logical");
        return STATUS_NOT_SUPPORTED; /* the framework deletes the queue */
    }
    return STATUS_SUCCESS;
}

static NTSTATUS SeedEvtAdapterCreateTxQueue(NETADAPTER Adapter, NETTXQUEUE_INIT* TxQueueInit)
{
    return SeedCreateQueue(Adapter, &SeedGetAdapterContext(Adapter)->Tx, TxQueueInit, NULL);
}

static NTSTATUS SeedEvtAdapterCreateRxQueue(NETADAPTER Adapter, NETRXQUEUE_INIT* RxQueueInit)
{
    return SeedCreateQueue(Adapter, &SeedGetAdapterContext(Adapter)->Rx, NULL, RxQueueInit);
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
