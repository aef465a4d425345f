/* SPDX-License-Identifier: MIT */
/** @file The fragment virtual-address extension (always registered). */
#ifndef NETCX_NET_VIRTUALADDRESS_H
#define NETCX_NET_VIRTUALADDRESS_H

#include <net/extension.h>

NETCX_EXTERN_C_BEGIN

#define NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_NAME L"ms_fragment_virtualaddress"
#define NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_VERSION_1 1U

typedef struct _NET_FRAGMENT_VIRTUAL_ADDRESS {
    void* VirtualAddress;
} NET_FRAGMENT_VIRTUAL_ADDRESS;

FORCEINLINE NET_FRAGMENT_VIRTUAL_ADDRESS*
NetExtensionGetFragmentVirtualAddress(NET_EXTENSION const* Extension, UINT32 Index)
{
    return NETCX_CAST(NET_FRAGMENT_VIRTUAL_ADDRESS*, NetExtensionGetData(Extension, Index));
}

NETCX_EXTERN_C_END

#endif /* NETCX_NET_VIRTUALADDRESS_H */
