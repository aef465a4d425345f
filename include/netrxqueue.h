/* SPDX-License-Identifier: MIT */
/** @file Rx queues: created in EvtAdapterCreateRxQueue from the NETRXQUEUE_INIT handed to it. */
#ifndef NETCX_NETRXQUEUE_H
#define NETCX_NETRXQUEUE_H

#include <net/extension.h>
#include <netpacketqueue.h>

NETCX_EXTERN_C_BEGIN

NTSTATUS NetRxQueueCreate(NETRXQUEUE_INIT* NetRxQueueInit, WDF_OBJECT_ATTRIBUTES* RxQueueAttributes,
                          NET_PACKET_QUEUE_CONFIG* Configuration, NETPACKETQUEUE* RxQueue);
ULONG NetRxQueueInitGetQueueId(NETRXQUEUE_INIT* NetRxQueueInit);
NET_RING_COLLECTION const* NetRxQueueGetRingCollection(NETPACKETQUEUE NetRxQueue);
VOID NetRxQueueGetExtension(NETPACKETQUEUE NetRxQueue, NET_EXTENSION_QUERY const* Query,
                            NET_EXTENSION* Extension);
VOID NetRxQueueNotifyMoreReceivedPacketsAvailable(NETPACKETQUEUE RxQueue);

NETCX_EXTERN_C_END

#endif /* NETCX_NETRXQUEUE_H */
