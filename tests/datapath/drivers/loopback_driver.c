/* SPDX-License-Identifier: MIT */
/* The loopback test driver: see loopback_driver.h. One adapter at a time (global state). */
#include "loopback_driver.h"

#include <pthread.h>
#include <string.h>

#define TRACE(...) DbgPrint("loopback: " __VA_ARGS__)

typedef struct _LOOPBACK_QUEUE {
    NETPACKETQUEUE Queue;
    NET_RING_COLLECTION const* Rings;
    NET_EXTENSION Va;
    NET_EXTENSION La;
    int Started;
    int Busy;
    int Armed;
    int Cancelled;
} LOOPBACK_QUEUE;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    LOOPBACK_QUEUE Tx;
    LOOPBACK_QUEUE Rx;
    WDFDMAENABLER Dma;
    ULONG HoldTx;
    ULONG KeepRx;
    LOOPBACK_COUNTERS Counters;
} g;

void loopback_driver_counters(LOOPBACK_COUNTERS* Counters)
{
    pthread_mutex_lock(&g_lock);
    *Counters = g.Counters;
    pthread_mutex_unlock(&g_lock);
}

static ULONG Query(NETCONFIGURATION Configuration, PCWSTR Name, ULONG Default)
{
    UNICODE_STRING name;
    ULONG value = 0;
    RtlInitUnicodeString(&name, Name);
    if (NT_SUCCESS(NetConfigurationQueryUlong(Configuration, NET_CONFIGURATION_QUERY_ULONG_NO_FLAGS,
                                              &name, &value)))
        return value;
    return Default;
}

static LOOPBACK_QUEUE* Of(NETPACKETQUEUE Queue)
{
    return Queue == g.Tx.Queue ? &g.Tx : &g.Rx;
}

/* Every callback but Start checks it runs between Start and Stop, alone for its queue. */
static LOOPBACK_QUEUE* Enter(NETPACKETQUEUE Queue)
{
    LOOPBACK_QUEUE* q;
    pthread_mutex_lock(&g_lock);
    q = Of(Queue);
    if (!q->Started || q->Busy)
        g.Counters.OutOfOrder++;
    q->Busy = 1;
    return q;
}

static void Leave(LOOPBACK_QUEUE* q)
{
    q->Busy = 0;
    pthread_mutex_unlock(&g_lock);
}

static void SeeLa(LOOPBACK_QUEUE* q, UINT32 i)
{
    if (q->La.Reserved[0] != NULL) {
        ULONG64 la = NetExtensionGetFragmentLogicalAddress(&q->La, i)->LogicalAddress;
        if (la > g.Counters.MaxLogicalAddress)
            g.Counters.MaxLogicalAddress = la;
    }
}

static void* Va(LOOPBACK_QUEUE* q, UINT32 i)
{
    return NetExtensionGetFragmentVirtualAddress(&q->Va, i)->VirtualAddress;
}

/* Copies one Tx packet into Rx; FALSE if Rx has no room yet. */
static BOOLEAN LoopOne(NET_PACKET const* packet)
{
    NET_RING* txf = NetRingCollectionGetFragmentRing(g.Tx.Rings);
    NET_RING* rxp = NetRingCollectionGetPacketRing(g.Rx.Rings);
    NET_RING* rxf = NetRingCollectionGetFragmentRing(g.Rx.Rings);
    UINT32 total = 0, i, k, need, capacity, fi, copied = 0, frag = 0;
    NET_PACKET* out;

    if (g.Rx.Queue == NULL || !g.Rx.Started || g.Rx.Cancelled)
        return TRUE; /* nowhere to loop: the packet is just sent */
    for (k = 0, i = packet->FragmentIndex; k < packet->FragmentCount;
         ++k, i = NetRingIncrementIndex(txf, i))
        total += (UINT32)NetRingGetFragmentAtIndex(txf, i)->ValidLength;
    if (NetRingGetRangeCount(rxp, rxp->NextIndex, rxp->EndIndex) == 0 ||
        NetRingGetRangeCount(rxf, rxf->NextIndex, rxf->EndIndex) == 0)
        return FALSE;
    capacity = (UINT32)NetRingGetFragmentAtIndex(rxf, rxf->NextIndex)->Capacity;
    need = total == 0 ? 1 : (total + capacity - 1) / capacity;
    if (need > 0xffff || need >= rxf->NumberOfElements) {
        g.Counters.Dropped++;
        return TRUE;
    }
    if (NetRingGetRangeCount(rxf, rxf->NextIndex, rxf->EndIndex) < need)
        return FALSE;

    fi = rxf->NextIndex;
    for (k = 0, i = packet->FragmentIndex; k < packet->FragmentCount;
         ++k, i = NetRingIncrementIndex(txf, i)) {
        NET_FRAGMENT const* f = NetRingGetFragmentAtIndex(txf, i);
        unsigned char const* from = (unsigned char const*)Va(&g.Tx, i) + f->Offset;
        UINT32 left = (UINT32)f->ValidLength;
        SeeLa(&g.Tx, i);
        while (left != 0) {
            UINT32 at = (fi + frag) & rxf->ElementIndexMask;
            UINT32 room = capacity - copied;
            UINT32 n = left < room ? left : room;
            SeeLa(&g.Rx, at);
            memcpy((unsigned char*)Va(&g.Rx, at) + copied, from, n);
            from += n;
            left -= n;
            copied += n;
            if (copied == capacity) {
                NetRingGetFragmentAtIndex(rxf, at)->ValidLength = copied;
                NetRingGetFragmentAtIndex(rxf, at)->Offset = 0;
                copied = 0;
                frag++;
            }
        }
    }
    if (copied != 0 || frag == 0) {
        UINT32 at = (fi + frag) & rxf->ElementIndexMask;
        NetRingGetFragmentAtIndex(rxf, at)->ValidLength = copied;
        NetRingGetFragmentAtIndex(rxf, at)->Offset = 0;
        frag++;
    }
    out = NetRingGetPacketAtIndex(rxp, rxp->NextIndex);
    out->FragmentIndex = fi;
    out->FragmentCount = (UINT16)frag;
    out->Layout.Layer2Type = NetPacketLayer2TypeEthernet;
    rxp->NextIndex = NetRingIncrementIndex(rxp, rxp->NextIndex);
    rxf->NextIndex = NetRingAdvanceIndex(rxf, rxf->NextIndex, (INT32)frag);
    g.Counters.Looped++;
    return TRUE;
}

static VOID TxAdvance(NETPACKETQUEUE Queue)
{
    LOOPBACK_QUEUE* q = Enter(Queue);
    NET_RING* pr = NetRingCollectionGetPacketRing(q->Rings);
    NET_RING* fr = NetRingCollectionGetFragmentRing(q->Rings);
    int notify = 0;
    g.Counters.TxAdvances++;
    while (pr->BeginIndex != pr->EndIndex) {
        NET_PACKET* p = NetRingGetPacketAtIndex(pr, pr->BeginIndex);
        if (q->Cancelled) {
            p->Ignore = 1;
        } else {
            if (g.HoldTx || !LoopOne(p))
                break;
            notify = 1;
        }
        fr->BeginIndex = NetRingAdvanceIndex(fr, p->FragmentIndex, p->FragmentCount);
        pr->BeginIndex = NetRingIncrementIndex(pr, pr->BeginIndex);
    }
    if (pr->BeginIndex == pr->EndIndex)
        fr->BeginIndex = fr->EndIndex;
    if (notify && g.Rx.Armed) {
        g.Rx.Armed = 0;
        Leave(q);
        NetRxQueueNotifyMoreReceivedPacketsAvailable(g.Rx.Queue);
        return;
    }
    Leave(q);
}

static VOID RxAdvance(NETPACKETQUEUE Queue)
{
    LOOPBACK_QUEUE* q = Enter(Queue);
    NET_RING* pr = NetRingCollectionGetPacketRing(q->Rings);
    NET_RING* fr = NetRingCollectionGetFragmentRing(q->Rings);
    g.Counters.RxAdvances++;
    if (q->Cancelled && !g.KeepRx) {
        /* Unused packets go back as Ignore, unused fragments unreferenced. */
        UINT32 i;
        for (i = pr->NextIndex; i != pr->EndIndex; i = NetRingIncrementIndex(pr, i))
            NetRingGetPacketAtIndex(pr, i)->Ignore = 1;
        pr->NextIndex = pr->EndIndex;
        fr->NextIndex = fr->EndIndex;
    }
    pr->BeginIndex = pr->NextIndex;
    fr->BeginIndex = fr->NextIndex;
    Leave(q);
}

static VOID SetNotification(NETPACKETQUEUE Queue, BOOLEAN Enabled)
{
    LOOPBACK_QUEUE* q = Enter(Queue);
    q->Armed = Enabled;
    if (Enabled)
        g.Counters.NotificationsArmed++;
    Leave(q);
}

static VOID Cancel(NETPACKETQUEUE Queue)
{
    LOOPBACK_QUEUE* q = Enter(Queue);
    q->Cancelled = 1;
    TRACE("EvtCancel %s", q == &g.Tx ? "tx" : "rx");
    Leave(q);
}

static VOID Start(NETPACKETQUEUE Queue)
{
    LOOPBACK_QUEUE* q;
    pthread_mutex_lock(&g_lock);
    q = Of(Queue);
    if (q->Started)
        g.Counters.OutOfOrder++;
    q->Started = 1;
    q->Cancelled = 0;
    TRACE("EvtStart %s", q == &g.Tx ? "tx" : "rx");
    pthread_mutex_unlock(&g_lock);
}

static VOID Stop(NETPACKETQUEUE Queue)
{
    LOOPBACK_QUEUE* q = Enter(Queue);
    q->Started = 0;
    TRACE("EvtStop %s", q == &g.Tx ? "tx" : "rx");
    Leave(q);
}

static NTSTATUS CreateQueue(LOOPBACK_QUEUE* q, int tx, void* init)
{
    NET_PACKET_QUEUE_CONFIG config;
    NET_EXTENSION_QUERY query;
    NTSTATUS status;
    NET_PACKET_QUEUE_CONFIG_INIT(&config, tx ? TxAdvance : RxAdvance, SetNotification, Cancel);
    config.EvtStart = Start;
    config.EvtStop = Stop;
    pthread_mutex_lock(&g_lock);
    memset(q, 0, sizeof *q);
    pthread_mutex_unlock(&g_lock);
    status =
        tx ? NetTxQueueCreate((NETTXQUEUE_INIT*)init, WDF_NO_OBJECT_ATTRIBUTES, &config, &q->Queue)
           : NetRxQueueCreate((NETRXQUEUE_INIT*)init, WDF_NO_OBJECT_ATTRIBUTES, &config, &q->Queue);
    if (!NT_SUCCESS(status))
        return status;
    q->Rings = tx ? NetTxQueueGetRingCollection(q->Queue) : NetRxQueueGetRingCollection(q->Queue);
    NET_EXTENSION_QUERY_INIT(&query, NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_NAME,
                             NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_VERSION_1,
                             NetExtensionTypeFragment);
    if (tx)
        NetTxQueueGetExtension(q->Queue, &query, &q->Va);
    else
        NetRxQueueGetExtension(q->Queue, &query, &q->Va);
    NET_EXTENSION_QUERY_INIT(&query, NET_FRAGMENT_EXTENSION_LOGICAL_ADDRESS_NAME,
                             NET_FRAGMENT_EXTENSION_LOGICAL_ADDRESS_VERSION_1,
                             NetExtensionTypeFragment);
    if (tx)
        NetTxQueueGetExtension(q->Queue, &query, &q->La);
    else
        NetRxQueueGetExtension(q->Queue, &query, &q->La);
    return q->Va.Reserved[0] != NULL ? STATUS_SUCCESS : STATUS_NOT_SUPPORTED;
}

static NTSTATUS CreateTxQueue(NETADAPTER Adapter, NETTXQUEUE_INIT* Init)
{
    UNREFERENCED_PARAMETER(Adapter);
    TRACE("EvtAdapterCreateTxQueue %u", (unsigned)NetTxQueueInitGetQueueId(Init));
    return CreateQueue(&g.Tx, 1, Init);
}

static NTSTATUS CreateRxQueue(NETADAPTER Adapter, NETRXQUEUE_INIT* Init)
{
    UNREFERENCED_PARAMETER(Adapter);
    TRACE("EvtAdapterCreateRxQueue %u", (unsigned)NetRxQueueInitGetQueueId(Init));
    return CreateQueue(&g.Rx, 0, Init);
}

static NTSTATUS SetCapabilities(NETADAPTER Adapter)
{
    NETCONFIGURATION configuration;
    NET_ADAPTER_TX_CAPABILITIES tx;
    NET_ADAPTER_RX_CAPABILITIES rx;
    NET_ADAPTER_DMA_CAPABILITIES dma;
    ULONG rxFrame, txFrame, useDma, dma32, backfill, txAlign, txFragments, ring;
    NTSTATUS status;

    status = NetAdapterOpenConfiguration(Adapter, WDF_NO_OBJECT_ATTRIBUTES, &configuration);
    if (!NT_SUCCESS(status))
        return status;
    rxFrame = Query(configuration, L"rx_frame", 1514);
    txFrame = Query(configuration, L"tx_frame", 9014);
    useDma = Query(configuration, L"use_dma", 0);
    dma32 = Query(configuration, L"dma32", 0);
    backfill = Query(configuration, L"backfill", 0);
    txAlign = Query(configuration, L"tx_align", 1);
    txFragments = Query(configuration, L"tx_fragments", 0);
    ring = Query(configuration, L"ring", 64);
    g.HoldTx = Query(configuration, L"hold_tx", 0);
    g.KeepRx = Query(configuration, L"keep_rx", 0);
    NetConfigurationClose(configuration);

    if (useDma && g.Dma == NULL) {
        WDF_DMA_ENABLER_CONFIG dmaConfig;
        WDF_DMA_ENABLER_CONFIG_INIT(
            &dmaConfig, dma32 ? WdfDmaProfileScatterGather : WdfDmaProfileScatterGather64Duplex,
            65536);
        status = WdfDmaEnablerCreate(NetAdapterGetDevice(Adapter), &dmaConfig,
                                     WDF_NO_OBJECT_ATTRIBUTES, &g.Dma);
        if (!NT_SUCCESS(status))
            return status;
    }
    NET_ADAPTER_DMA_CAPABILITIES_INIT(&dma, g.Dma);
    if (useDma) {
        NET_ADAPTER_TX_CAPABILITIES_INIT_FOR_DMA(&tx, &dma, txFrame, 1);
        NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED_DMA(&rx, &dma, rxFrame, 1);
    } else {
        NET_ADAPTER_TX_CAPABILITIES_INIT(&tx, txFrame, 1);
        NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED(&rx, rxFrame, 1);
    }
    tx.PayloadBackfill = backfill;
    tx.FragmentBufferAlignment = txAlign;
    if (txFragments != 0)
        tx.MaximumNumberOfFragments = txFragments;
    tx.FragmentRingNumberOfElementsHint = ring;
    rx.FragmentRingNumberOfElementsHint = ring;
    return NetAdapterSetDatapathCapabilities(Adapter, &tx, &rx);
}

static NTSTATUS DeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    NET_ADAPTER_CONFIG config;
    WDFDEVICE device;
    NETADAPTER adapter;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(Driver);
    g.Dma = NULL;
    status = NetAdapterDeviceInitConfig(DeviceInit);
    if (!NT_SUCCESS(status))
        return status;
    status = WdfDeviceCreate(&DeviceInit, WDF_NO_OBJECT_ATTRIBUTES, &device);
    if (!NT_SUCCESS(status))
        return status;
    NET_ADAPTER_CONFIG_INIT(&config, SetCapabilities, CreateTxQueue, CreateRxQueue);
    return NetAdapterCreate(device, WDF_NO_OBJECT_ATTRIBUTES, &config, &adapter);
}

NTSTATUS loopback_driver_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    pthread_mutex_lock(&g_lock);
    memset(&g.Counters, 0, sizeof g.Counters);
    memset(&g.Tx, 0, sizeof g.Tx);
    memset(&g.Rx, 0, sizeof g.Rx);
    pthread_mutex_unlock(&g_lock);
    WDF_DRIVER_CONFIG_INIT(&config, DeviceAdd);
    return WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config,
                           WDF_NO_HANDLE);
}
