/* SPDX-License-Identifier: MIT */
/** @file NET_PACKET (12 bytes): a packet names a run of fragments in the fragment ring. */
#ifndef NETCX_NET_PACKET_H
#define NETCX_NET_PACKET_H

#include <net/ring.h>

NETCX_EXTERN_C_BEGIN

typedef enum _NET_PACKET_LAYER2_TYPE {
    NetPacketLayer2TypeUnspecified = 0,
    NetPacketLayer2TypeNull = 1,
    NetPacketLayer2TypeEthernet = 2,
} NET_PACKET_LAYER2_TYPE;

typedef enum _NET_PACKET_LAYER3_TYPE {
    NetPacketLayer3TypeUnspecified = 0,
    NetPacketLayer3TypeIPv4UnspecifiedOptions = 1,
    NetPacketLayer3TypeIPv4WithOptions = 2,
    NetPacketLayer3TypeIPv4NoOptions = 3,
    NetPacketLayer3TypeIPv6UnspecifiedExtensions = 4,
    NetPacketLayer3TypeIPv6WithExtensions = 5,
    NetPacketLayer3TypeIPv6NoExtensions = 6,
} NET_PACKET_LAYER3_TYPE;

typedef enum _NET_PACKET_LAYER4_TYPE {
    NetPacketLayer4TypeUnspecified = 0,
    NetPacketLayer4TypeTcp = 1,
    NetPacketLayer4TypeUdp = 2,
    NetPacketLayer4TypeIPFragment = 3,
    NetPacketLayer4TypeIPNotFragment = 4,
} NET_PACKET_LAYER4_TYPE;

/* 40 bits of header lengths and types; packed so NET_PACKET stays 12 bytes. */
typedef struct __attribute__((packed)) _NET_PACKET_LAYOUT {
    UINT16 Layer2HeaderLength : 7;
    UINT16 Layer3HeaderLength : 9;
    UINT8 Layer4HeaderLength : 8;
    UINT8 Layer2Type : 4; /* NET_PACKET_LAYER2_TYPE */
    UINT8 Layer3Type : 4; /* NET_PACKET_LAYER3_TYPE */
    UINT8 Layer4Type : 4; /* NET_PACKET_LAYER4_TYPE */
    UINT8 Reserved0 : 4;
} NET_PACKET_LAYOUT;

typedef struct _NET_PACKET {
    UINT32 FragmentIndex;
    UINT16 FragmentCount;
    NET_PACKET_LAYOUT Layout;
    UINT8 Ignore : 1;
    UINT8 Scratch : 1;
    UINT8 Reserved1 : 6;
} NET_PACKET;

#ifdef __cplusplus
static_assert(sizeof(NET_PACKET_LAYOUT) == 5, "NET_PACKET_LAYOUT is 40 bits");
static_assert(sizeof(NET_PACKET) == 12, "NET_PACKET is 12 bytes");
#else
_Static_assert(sizeof(NET_PACKET_LAYOUT) == 5, "NET_PACKET_LAYOUT is 40 bits");
_Static_assert(sizeof(NET_PACKET) == 12, "NET_PACKET is 12 bytes");
#endif

FORCEINLINE NET_PACKET* NetRingGetPacketAtIndex(NET_RING const* Ring, UINT32 Index)
{
    return NETCX_CAST(NET_PACKET*, NetRingGetElementAtIndex(Ring, Index));
}

NETCX_EXTERN_C_END

#endif /* NETCX_NET_PACKET_H */
