/* SPDX-License-Identifier: MIT */
/**
 * @file
 * NET_RING: the ring a client driver and the framework share, with NetAdapterCx's layout and
 * index helpers. The driver owns [BeginIndex, EndIndex); the framework posts by advancing EndIndex
 * and reclaims what the driver hands back by reading up to BeginIndex. Indices are always masked
 * (NumberOfElements is a power of two), so at most NumberOfElements - 1 elements are in flight.
 */
#ifndef NETCX_NET_RING_H
#define NETCX_NET_RING_H

#include <ntdef.h>

NETCX_EXTERN_C_BEGIN

typedef struct _NET_RING {
    UINT16 OSReserved1;
    UINT16 ElementStride;
    UINT32 NumberOfElements;
    UINT32 ElementIndexMask;
    UINT32 EndIndex;
    union {
        UINT32 OSReserved0; /* the framework's drain cursor */
        void* OSReserved2[4];
    };
    UINT32 BeginIndex;
    UINT32 NextIndex; /* the driver's own cursor, e.g. to split posting from draining */
    void* Scratch;
    /* Elements follow, ElementStride bytes each. Reached by pointer arithmetic only. */
    __attribute__((aligned(8))) unsigned char Buffer[1];
} NET_RING;

FORCEINLINE void* NetRingGetElementAtIndex(NET_RING const* Ring, UINT32 Index)
{
    return NETCX_CAST(void*, NETCX_CONST_CAST(unsigned char*, &Ring->Buffer[0]) +
                                 NETCX_CAST(size_t, Index) * Ring->ElementStride);
}

FORCEINLINE UINT32 NetRingIncrementIndex(NET_RING const* Ring, UINT32 Index)
{
    return (Index + 1) & Ring->ElementIndexMask;
}

FORCEINLINE UINT32 NetRingAdvanceIndex(NET_RING const* Ring, UINT32 Index, INT32 Distance)
{
    return (Index + NETCX_CAST(UINT32, Distance)) & Ring->ElementIndexMask;
}

FORCEINLINE UINT32 NetRingGetRangeCount(NET_RING const* Ring, UINT32 StartIndex, UINT32 EndIndex)
{
    return (EndIndex - StartIndex) & Ring->ElementIndexMask;
}

NETCX_EXTERN_C_END

#endif /* NETCX_NET_RING_H */
