/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The slice of ntddk.h a NetAdapterCx driver touches: the driver object handed to DriverEntry,
 * NUMA node requirements and debug output. The driver object is opaque here; WdfDriverCreate
 * is the only thing a driver does with it.
 */
#ifndef NETCX_NTDDK_H
#define NETCX_NTDDK_H

#include <ntdef.h>

NETCX_EXTERN_C_BEGIN

typedef struct _DRIVER_OBJECT DRIVER_OBJECT, *PDRIVER_OBJECT;

typedef NTSTATUS DRIVER_INITIALIZE(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
typedef DRIVER_INITIALIZE* PDRIVER_INITIALIZE;

typedef ULONG NODE_REQUIREMENT;
#define MM_ANY_NODE_OK 0x80000000u

/** Writes to the netcx log (debug level). */
ULONG DbgPrint(PCSTR Format, ...) __attribute__((format(printf, 1, 2)));
#define KdPrint(args) DbgPrint args

#define NT_ASSERT(e) ((void)0)
#define ASSERT(e) ((void)0)

NETCX_EXTERN_C_END

#endif /* NETCX_NTDDK_H */
