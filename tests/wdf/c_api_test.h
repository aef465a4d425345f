/* SPDX-License-Identifier: MIT */
/* The C half of the C API test: each function returns NULL on success or what went wrong. */
#ifndef NETCX_TESTS_WDF_C_API_TEST_H
#define NETCX_TESTS_WDF_C_API_TEST_H

#include <ntddk.h>
#include <wdf.h>

NETCX_EXTERN_C_BEGIN

/** The INITs of wdf*.h, field by field, from C. */
const char* c_init_defaults(void);
/** A C DriverEntry: WDF_DRIVER_CONFIG_INIT, a driver context, WdfDriverCreate. */
NTSTATUS c_driver_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
/** What c_driver_entry's EvtDriverDeviceAdd did, checked (NULL if all went right). */
const char* c_device_add_result(void);
/** Contexts and lifetime on objects under `parent`, from C. */
const char* c_contexts(WDFOBJECT parent);

NETCX_EXTERN_C_END

#endif
