/* SPDX-License-Identifier: MIT */
/* The C11 driver's entry for the C++ test. */
#ifndef NETCX_TEST_C11_DRIVER_H
#define NETCX_TEST_C11_DRIVER_H

#include <netadaptercx.h>

NETCX_EXTERN_C_BEGIN

/** Creates a DMA enabler and the adapter (with its context) on `Device`, as EvtDriverDeviceAdd
 *  would. The adapter's EvtAdapterSetCapabilities sets link layer and datapath capabilities. */
NTSTATUS c11_create_adapter(WDFDEVICE Device, NETADAPTER* Adapter);

/** NetConfigurationQueryUlong with flags no enumerator names (C++ cannot pass those). */
NTSTATUS c11_query_ulong_raw_flags(NETCONFIGURATION Configuration, ULONG Flags,
                                   PCUNICODE_STRING ValueName, PULONG Value);

NETCX_EXTERN_C_END

#endif
