/* SPDX-License-Identifier: MIT */
/** @file NET_FRAGMENT (8 bytes): one piece of payload memory in the fragment ring. */
#ifndef NETCX_NET_FRAGMENT_H
#define NETCX_NET_FRAGMENT_H

#include <net/ring.h>

NETCX_EXTERN_C_BEGIN

typedef struct _NET_FRAGMENT {
    UINT64 ValidLength : 26;
    UINT64 Capacity : 26;
    UINT64 Offset : 10;
    UINT64 Scratch : 1;
    UINT64 OsReserved_Bounced : 1;
} NET_FRAGMENT;

#ifdef __cplusplus
static_assert(sizeof(NET_FRAGMENT) == 8, "NET_FRAGMENT is 8 bytes");
#else
_Static_assert(sizeof(NET_FRAGMENT) == 8, "NET_FRAGMENT is 8 bytes");
#endif

FORCEINLINE NET_FRAGMENT* NetRingGetFragmentAtIndex(NET_RING const* Ring, UINT32 Index)
{
    return NETCX_CAST(NET_FRAGMENT*, NetRingGetElementAtIndex(Ring, Index));
}

NETCX_EXTERN_C_END

#endif /* NETCX_NET_FRAGMENT_H */
