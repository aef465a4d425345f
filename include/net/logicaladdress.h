/* SPDX-License-Identifier: MIT */
/** @file The fragment logical-address extension (registered when DMA capabilities are set). */
#ifndef NETCX_NET_LOGICALADDRESS_H
#define NETCX_NET_LOGICALADDRESS_H

#include <net/extension.h>

NETCX_EXTERN_C_BEGIN

#define NET_FRAGMENT_EXTENSION_LOGICAL_ADDRESS_NAME L"ms_fragment_logicaladdress"
#define NET_FRAGMENT_EXTENSION_LOGICAL_ADDRESS_VERSION_1 1U

typedef struct _NET_FRAGMENT_LOGICAL_ADDRESS {
    UINT64 LogicalAddress;
} NET_FRAGMENT_LOGICAL_ADDRESS;

FORCEINLINE NET_FRAGMENT_LOGICAL_ADDRESS*
NetExtensionGetFragmentLogicalAddress(NET_EXTENSION const* Extension, UINT32 Index)
{
    return NETCX_CAST(NET_FRAGMENT_LOGICAL_ADDRESS*, NetExtensionGetData(Extension, Index));
}

NETCX_EXTERN_C_END

#endif /* NETCX_NET_LOGICALADDRESS_H */
