/* SPDX-License-Identifier: MIT */
/** @file Tx queues: created in EvtAdapterCreateTxQueue from the NETTXQUEUE_INIT handed to it. */
#ifndef NETCX_NETTXQUEUE_H
#define NETCX_NETTXQUEUE_H

#include <net/extension.h>
#include <netpacketqueue.h>

NETCX_EXTERN_C_BEGIN

NTSTATUS NetTxQueueCreate(NETTXQUEUE_INIT* NetTxQueueInit, WDF_OBJECT_ATTRIBUTES* TxQueueAttributes,
                          NET_PACKET_QUEUE_CONFIG* Configuration, NETPACKETQUEUE* TxQueue);
ULONG NetTxQueueInitGetQueueId(NETTXQUEUE_INIT* NetTxQueueInit);
NET_RING_COLLECTION const* NetTxQueueGetRingCollection(NETPACKETQUEUE NetTxQueue);
VOID NetTxQueueGetExtension(NETPACKETQUEUE NetTxQueue, NET_EXTENSION_QUERY const* Query,
                            NET_EXTENSION* Extension);
VOID NetTxQueueNotifyMoreCompletedPacketsAvailable(NETPACKETQUEUE TxQueue);

NETCX_EXTERN_C_END

#endif /* NETCX_NETTXQUEUE_H */
