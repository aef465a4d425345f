/* SPDX-License-Identifier: MIT */
/** @file The fragment return-context extension (registered for driver-managed Rx). */
#ifndef NETCX_NET_RETURNCONTEXT_H
#define NETCX_NET_RETURNCONTEXT_H

#include <net/extension.h>
#include <netadapter.h>

NETCX_EXTERN_C_BEGIN

#define NET_FRAGMENT_EXTENSION_RETURN_CONTEXT_NAME L"ms_fragment_returncontext"
#define NET_FRAGMENT_EXTENSION_RETURN_CONTEXT_VERSION_1 1U

typedef struct _NET_FRAGMENT_RETURN_CONTEXT {
    NET_FRAGMENT_RETURN_CONTEXT_HANDLE Handle;
} NET_FRAGMENT_RETURN_CONTEXT;

FORCEINLINE NET_FRAGMENT_RETURN_CONTEXT*
NetExtensionGetFragmentReturnContext(NET_EXTENSION const* Extension, UINT32 Index)
{
    return NETCX_CAST(NET_FRAGMENT_RETURN_CONTEXT*, NetExtensionGetData(Extension, Index));
}

NETCX_EXTERN_C_END

#endif /* NETCX_NET_RETURNCONTEXT_H */
