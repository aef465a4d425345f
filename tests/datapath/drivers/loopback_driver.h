/* SPDX-License-Identifier: MIT */
/*
 * The loopback test driver (built in for the datapath tests): what its Tx queue is given, it
 * receives on its Rx queue. Tx EvtAdvance copies each packet's payload (through the VA extension)
 * into the next posted Rx fragment(s), chaining fragments when a frame is larger than one Rx
 * buffer, then returns both and notifies Rx when armed.
 *
 * Parameters: rx_frame (Rx MaximumFrameSize, default 1514), tx_frame (Tx maximum, default 9014),
 * use_dma (0/1), dma32 (1: a 32-bit enabler), backfill, tx_align, tx_fragments, ring (ring hint,
 * default 64), hold_tx (1: never complete Tx until cancelled), keep_rx (1: ignore Cancel on Rx,
 * keeping its buffers: a misbehaving stop), rx_driver (1: driver-managed Rx: the driver attaches
 * buffers of rx_frame bytes from its own area of twice the Rx fragment ring, hands each buffer's
 * index + 1 as its return context, and counts EvtAdapterReturnRxBuffer calls), ignore_every (N:
 * in driver-managed Rx, every Nth looped packet is marked Ignore and the driver takes its buffers
 * back itself), bad_every (N: in driver-managed Rx, every Nth looped packet breaks an indicate rule
 * (Offset + ValidLength > Capacity), so the framework drops it and must return its fragments).
 */
#ifndef NETCX_TESTS_LOOPBACK_DRIVER_H
#define NETCX_TESTS_LOOPBACK_DRIVER_H

#include <netadaptercx.h>
#include <ntddk.h>

NETCX_EXTERN_C_BEGIN

typedef struct _LOOPBACK_COUNTERS {
    ULONG64 TxAdvances;
    ULONG64 RxAdvances;
    ULONG64 Looped;             /* packets copied Tx -> Rx */
    ULONG64 Dropped;            /* frames larger than the Rx fragments available could chain */
    ULONG64 OutOfOrder;         /* a callback outside Start..Stop, or concurrent for one queue */
    ULONG64 NotificationsArmed; /* EvtSetNotificationEnabled(TRUE) calls */
    ULONG64 MaxLogicalAddress;  /* highest LA seen in a looped Tx or Rx fragment */
    /* Driver-managed Rx (rx_driver=1). */
    ULONG64 RxBuffers;        /* buffers in the driver's area */
    ULONG64 RxFreeBuffers;    /* of which on its free list (filled by loopback_driver_counters) */
    ULONG64 RxReturns;        /* EvtAdapterReturnRxBuffer calls */
    ULONG64 RxBadReturns;     /* ... for a buffer not handed up in a packet (or returned twice) */
    ULONG64 IgnoredFragments; /* fragments of packets marked Ignore (the driver kept them) */
    ULONG64 BadFragments;     /* fragments of packets that break an indicate rule */
} LOOPBACK_COUNTERS;

DRIVER_INITIALIZE loopback_driver_entry;
void loopback_driver_counters(LOOPBACK_COUNTERS* Counters);

NETCX_EXTERN_C_END

#endif
