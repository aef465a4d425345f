/* SPDX-License-Identifier: MIT */
/* The loopback test driver: see loopback_driver.h. One adapter at a time (global state). */
#include "loopback_driver.h"

#include <net/returncontext.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TRACE(...) DbgPrint("loopback: " __VA_ARGS__)

typedef struct _LOOPBACK_QUEUE {
    NETPACKETQUEUE Queue;
    NET_RING_COLLECTION const* Rings;
    NET_EXTENSION Va;
    NET_EXTENSION La;
    NET_EXTENSION Rc;
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
    /* Driver-managed Rx (rx_driver=1): the driver's buffer area and what became of each buffer. */
    ULONG RxDriver;
    ULONG IgnoreEvery; /* every Nth looped packet goes back with Ignore set */
    ULONG BadEvery;    /* every Nth looped packet breaks an indicate rule */
    ULONG RxFrame;
    unsigned char* Area;
    unsigned char* State; /* per buffer: FREE, ATTACHED (in the ring) or GIVEN (in a packet) */
    UINT32* Free;
    UINT32 FreeCount;
    UINT32* SlotBuffer; /* Rx fragment ring index -> buffer attached there */
    UINT32 AttachedEnd; /* fragments [NextIndex, AttachedEnd) have buffers */
} g;

enum { BUFFER_FREE, BUFFER_ATTACHED, BUFFER_GIVEN };

void loopback_driver_counters(LOOPBACK_COUNTERS* Counters)
{
    pthread_mutex_lock(&g_lock);
    *Counters = g.Counters;
    Counters->RxFreeBuffers = g.FreeCount;
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

/* Driver-managed Rx, under g_lock. */
static void PutBuffer(UINT32 b)
{
    g.State[b] = BUFFER_FREE;
    g.Free[g.FreeCount++] = b;
}

static VOID ReturnRxBuffer(NETADAPTER Adapter, NET_FRAGMENT_RETURN_CONTEXT_HANDLE Context)
{
    UINT32 b = (UINT32)((uintptr_t)Context - 1);
    UNREFERENCED_PARAMETER(Adapter);
    pthread_mutex_lock(&g_lock);
    g.Counters.RxReturns++;
    if (Context == NULL || b >= g.Counters.RxBuffers || g.State[b] != BUFFER_GIVEN)
        g.Counters.RxBadReturns++;
    else
        PutBuffer(b);
    pthread_mutex_unlock(&g_lock);
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
    UINT32 total = 0, i, k, need, capacity, fi, copied = 0, frag = 0, rxEnd;
    NET_PACKET* out;

    if (g.Rx.Queue == NULL || !g.Rx.Started || g.Rx.Cancelled)
        return TRUE; /* nowhere to loop: the packet is just sent */
    for (k = 0, i = packet->FragmentIndex; k < packet->FragmentCount;
         ++k, i = NetRingIncrementIndex(txf, i))
        total += (UINT32)NetRingGetFragmentAtIndex(txf, i)->ValidLength;
    rxEnd = g.RxDriver ? g.AttachedEnd : rxf->EndIndex;
    if (NetRingGetRangeCount(rxp, rxp->NextIndex, rxp->EndIndex) == 0 ||
        NetRingGetRangeCount(rxf, rxf->NextIndex, rxEnd) == 0)
        return FALSE;
    capacity = (UINT32)NetRingGetFragmentAtIndex(rxf, rxf->NextIndex)->Capacity;
    need = total == 0 ? 1 : (total + capacity - 1) / capacity;
    if (need > 0xffff || need >= rxf->NumberOfElements) {
        g.Counters.Dropped++;
        return TRUE;
    }
    if (NetRingGetRangeCount(rxf, rxf->NextIndex, rxEnd) < need)
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
    memset(&out->Layout, 0, sizeof out->Layout); /* the verifier poisons every type */
    out->Layout.Layer2Type = NetPacketLayer2TypeEthernet;
    if (g.RxDriver) {
        ULONG64 n = g.Counters.Looped + 1;
        for (k = 0, i = fi; k < frag; ++k, i = NetRingIncrementIndex(rxf, i))
            g.State[g.SlotBuffer[i]] = BUFFER_GIVEN;
        if (g.IgnoreEvery != 0 && n % g.IgnoreEvery == 0) {
            /* Ignored: the driver keeps the buffers (the framework must not return them). */
            out->Ignore = 1;
            for (k = 0, i = fi; k < frag; ++k, i = NetRingIncrementIndex(rxf, i))
                PutBuffer(g.SlotBuffer[i]);
            g.Counters.IgnoredFragments += frag;
        } else if (g.BadEvery != 0 && n % g.BadEvery == 0) {
            /* Offset + ValidLength > Capacity: dropped, and every fragment returned. */
            NetRingGetFragmentAtIndex(rxf, fi)->Offset = 1;
            NetRingGetFragmentAtIndex(rxf, fi)->ValidLength =
                NetRingGetFragmentAtIndex(rxf, fi)->Capacity;
            g.Counters.BadFragments += frag;
        }
    }
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
    if (g.RxDriver && !q->Cancelled) {
        /* Attach a buffer to each posted fragment, as long as there are free ones. */
        while (g.AttachedEnd != fr->EndIndex && g.FreeCount != 0) {
            UINT32 b = g.Free[--g.FreeCount];
            NET_FRAGMENT* f = NetRingGetFragmentAtIndex(fr, g.AttachedEnd);
            g.State[b] = BUFFER_ATTACHED;
            g.SlotBuffer[g.AttachedEnd] = b;
            f->Capacity = g.RxFrame;
            f->Offset = 0;
            f->ValidLength = 0;
            NetExtensionGetFragmentVirtualAddress(&q->Va, g.AttachedEnd)->VirtualAddress =
                g.Area + (size_t)b * g.RxFrame;
            NetExtensionGetFragmentReturnContext(&q->Rc, g.AttachedEnd)->Handle =
                (NET_FRAGMENT_RETURN_CONTEXT_HANDLE)(uintptr_t)(b + 1);
            g.AttachedEnd = NetRingIncrementIndex(fr, g.AttachedEnd);
        }
    }
    if (q->Cancelled && !g.KeepRx) {
        /* Unused packets go back as Ignore, unused fragments unreferenced (the driver keeps the
         * buffers attached to them). */
        UINT32 i;
        for (i = pr->NextIndex; i != pr->EndIndex; i = NetRingIncrementIndex(pr, i))
            NetRingGetPacketAtIndex(pr, i)->Ignore = 1;
        if (g.RxDriver) {
            for (i = fr->NextIndex; i != g.AttachedEnd; i = NetRingIncrementIndex(fr, i))
                PutBuffer(g.SlotBuffer[i]);
            g.AttachedEnd = fr->EndIndex;
        }
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
    if (q == &g.Rx)
        g.AttachedEnd = 0; /* indices restart at 0 */
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

/* Under g_lock. The area stays until the next Rx queue or driver entry: the protocol may hold
 * buffers past the queue's life. */
static void FreeDriverBuffers(void)
{
    free(g.Area);
    free(g.State);
    free(g.Free);
    free(g.SlotBuffer);
    g.Area = NULL;
    g.State = NULL;
    g.Free = NULL;
    g.SlotBuffer = NULL;
    g.FreeCount = 0;
    g.Counters.RxBuffers = 0;
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
    if (!tx && g.RxDriver) {
        NET_RING* fr = NetRingCollectionGetFragmentRing(q->Rings);
        UINT32 count = 2 * fr->NumberOfElements, b;
        NET_EXTENSION_QUERY_INIT(&query, NET_FRAGMENT_EXTENSION_RETURN_CONTEXT_NAME,
                                 NET_FRAGMENT_EXTENSION_RETURN_CONTEXT_VERSION_1,
                                 NetExtensionTypeFragment);
        NetRxQueueGetExtension(q->Queue, &query, &q->Rc);
        if (q->Rc.Reserved[0] == NULL)
            return STATUS_NOT_SUPPORTED;
        pthread_mutex_lock(&g_lock);
        FreeDriverBuffers();
        g.Area = (unsigned char*)malloc((size_t)count * g.RxFrame);
        g.State = (unsigned char*)malloc(count);
        g.Free = (UINT32*)malloc(count * sizeof(UINT32));
        g.SlotBuffer = (UINT32*)calloc(fr->NumberOfElements, sizeof(UINT32));
        if (g.Area == NULL || g.State == NULL || g.Free == NULL || g.SlotBuffer == NULL) {
            FreeDriverBuffers();
            pthread_mutex_unlock(&g_lock);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        g.Counters.RxBuffers = count;
        g.FreeCount = 0;
        for (b = count; b != 0; --b)
            PutBuffer(b - 1);
        pthread_mutex_unlock(&g_lock);
    }
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
    g.RxDriver = Query(configuration, L"rx_driver", 0);
    g.IgnoreEvery = Query(configuration, L"ignore_every", 0);
    g.BadEvery = Query(configuration, L"bad_every", 0);
    g.RxFrame = rxFrame;
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
    if (g.RxDriver) {
        if (useDma)
            NET_ADAPTER_TX_CAPABILITIES_INIT_FOR_DMA(&tx, &dma, txFrame, 1);
        else
            NET_ADAPTER_TX_CAPABILITIES_INIT(&tx, txFrame, 1);
        NET_ADAPTER_RX_CAPABILITIES_INIT_DRIVER_MANAGED(&rx, ReturnRxBuffer, rxFrame, 1);
    } else if (useDma) {
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
    FreeDriverBuffers();
    pthread_mutex_unlock(&g_lock);
    WDF_DRIVER_CONFIG_INIT(&config, DeviceAdd);
    return WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config,
                           WDF_NO_HANDLE);
}
