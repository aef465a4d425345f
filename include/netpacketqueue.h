/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The packet-queue configuration shared by Tx and Rx queues. The framework calls EvtStart before
 * anything else and EvtStop after everything else; EvtAdvance, EvtSetNotificationEnabled and
 * EvtCancel never run concurrently for one queue. After EvtCancel, EvtAdvance keeps being called
 * until the driver has returned every element.
 */
#ifndef NETCX_NETPACKETQUEUE_H
#define NETCX_NETPACKETQUEUE_H

#include <net/ringcollection.h>
#include <netadapter.h>

NETCX_EXTERN_C_BEGIN

DECLARE_HANDLE(NETPACKETQUEUE);

typedef VOID EVT_PACKET_QUEUE_START(NETPACKETQUEUE PacketQueue);
typedef EVT_PACKET_QUEUE_START* PFN_PACKET_QUEUE_START;
typedef VOID EVT_PACKET_QUEUE_STOP(NETPACKETQUEUE PacketQueue);
typedef EVT_PACKET_QUEUE_STOP* PFN_PACKET_QUEUE_STOP;
typedef VOID EVT_PACKET_QUEUE_ADVANCE(NETPACKETQUEUE PacketQueue);
typedef EVT_PACKET_QUEUE_ADVANCE* PFN_PACKET_QUEUE_ADVANCE;
typedef VOID EVT_PACKET_QUEUE_SET_NOTIFICATION_ENABLED(NETPACKETQUEUE PacketQueue,
                                                       BOOLEAN NotificationEnabled);
typedef EVT_PACKET_QUEUE_SET_NOTIFICATION_ENABLED* PFN_PACKET_QUEUE_SET_NOTIFICATION_ENABLED;
typedef VOID EVT_PACKET_QUEUE_CANCEL(NETPACKETQUEUE PacketQueue);
typedef EVT_PACKET_QUEUE_CANCEL* PFN_PACKET_QUEUE_CANCEL;

typedef struct _NET_PACKET_QUEUE_CONFIG {
    ULONG Size;
    PFN_PACKET_QUEUE_START EvtStart;
    PFN_PACKET_QUEUE_STOP EvtStop;
    PFN_PACKET_QUEUE_ADVANCE EvtAdvance;
    PFN_PACKET_QUEUE_SET_NOTIFICATION_ENABLED EvtSetNotificationEnabled;
    PFN_PACKET_QUEUE_CANCEL EvtCancel;
} NET_PACKET_QUEUE_CONFIG;

FORCEINLINE VOID NET_PACKET_QUEUE_CONFIG_INIT(
    NET_PACKET_QUEUE_CONFIG* Configuration, PFN_PACKET_QUEUE_ADVANCE EvtAdvance,
    PFN_PACKET_QUEUE_SET_NOTIFICATION_ENABLED EvtSetNotificationEnabled,
    PFN_PACKET_QUEUE_CANCEL EvtCancel)
{
    RtlZeroMemory(Configuration, sizeof(NET_PACKET_QUEUE_CONFIG));
    Configuration->Size = sizeof(NET_PACKET_QUEUE_CONFIG);
    Configuration->EvtAdvance = EvtAdvance;
    Configuration->EvtSetNotificationEnabled = EvtSetNotificationEnabled;
    Configuration->EvtCancel = EvtCancel;
}

NETCX_EXTERN_C_END

#endif /* NETCX_NETPACKETQUEUE_H */
