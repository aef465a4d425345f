/* SPDX-License-Identifier: MIT */
/**
 * @file
 * Ring extensions: per-element data beside the core element (virtual address, logical address,
 * return context), found by name and version. A NET_EXTENSION is a base and a stride:
 * element i's data is at base + i * stride.
 */
#ifndef NETCX_NET_EXTENSION_H
#define NETCX_NET_EXTENSION_H

#include <ntdef.h>

NETCX_EXTERN_C_BEGIN

typedef enum _NET_EXTENSION_TYPE {
    NetExtensionTypePacket = 1,
    NetExtensionTypeFragment = 2,
} NET_EXTENSION_TYPE;

typedef struct _NET_EXTENSION {
    void* Reserved[2]; /* base, stride */
} NET_EXTENSION;

typedef struct _NET_EXTENSION_QUERY {
    ULONG Size;
    PCWSTR Name;
    ULONG Version;
    NET_EXTENSION_TYPE Type;
} NET_EXTENSION_QUERY;

FORCEINLINE VOID NET_EXTENSION_QUERY_INIT(NET_EXTENSION_QUERY* Query, PCWSTR Name, ULONG Version,
                                          NET_EXTENSION_TYPE Type)
{
    RtlZeroMemory(Query, sizeof(NET_EXTENSION_QUERY));
    Query->Size = sizeof(NET_EXTENSION_QUERY);
    Query->Name = Name;
    Query->Version = Version;
    Query->Type = Type;
}

FORCEINLINE void* NetExtensionGetData(NET_EXTENSION const* Extension, UINT32 Index)
{
    return NETCX_CAST(unsigned char*, Extension->Reserved[0]) +
           NETCX_CAST(size_t, Index) * NETCX_REINTERPRET_CAST(size_t, Extension->Reserved[1]);
}

NETCX_EXTERN_C_END

#endif /* NETCX_NET_EXTENSION_H */
