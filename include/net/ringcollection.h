/* SPDX-License-Identifier: MIT */
/** @file NET_RING_COLLECTION: a queue's packet and fragment rings. */
#ifndef NETCX_NET_RINGCOLLECTION_H
#define NETCX_NET_RINGCOLLECTION_H

#include <net/fragment.h>
#include <net/packet.h>

NETCX_EXTERN_C_BEGIN

typedef enum _NET_RING_TYPE {
    NetRingTypePacket = 0,
    NetRingTypeFragment = 1,
    NetRingTypeDataBuffer = 2, /* reserved */
} NET_RING_TYPE;

typedef struct _NET_RING_COLLECTION {
    NET_RING* Rings[3];
} NET_RING_COLLECTION;

FORCEINLINE NET_RING* NetRingCollectionGetPacketRing(NET_RING_COLLECTION const* Rings)
{
    return Rings->Rings[NetRingTypePacket];
}

FORCEINLINE NET_RING* NetRingCollectionGetFragmentRing(NET_RING_COLLECTION const* Rings)
{
    return Rings->Rings[NetRingTypeFragment];
}

NETCX_EXTERN_C_END

#endif /* NETCX_NET_RINGCOLLECTION_H */
