/* SPDX-License-Identifier: MIT */
/*
 * The host tests' drivers, as the tests see them when they are built in (NETCX_TEST_BUILTIN):
 * each file is also built as a shared object, where its entry point is DriverEntry.
 *
 * test_driver.c     a well-behaved NetAdapterCx driver whose capabilities come from its
 *                   parameters (read through NETCONFIGURATION), so bad values reach validation.
 * failing_driver.c  fails at the step `failing_driver_set_mode` names (built in); as a shared
 *                   object its mode is fixed when it is compiled (FAILING_DRIVER_DEFAULT_MODE).
 *
 * Both trace every callback with DbgPrint ("test_driver: EvtDriverDeviceAdd"), so a test sees the
 * order in the netcx log at debug level.
 */
#ifndef NETCX_TESTS_HOST_TEST_DRIVERS_H
#define NETCX_TESTS_HOST_TEST_DRIVERS_H

#include <netadaptercx.h>
#include <ntddk.h>

NETCX_EXTERN_C_BEGIN

typedef enum _FAILING_DRIVER_MODE {
    FailNothing = 0,
    FailDriverEntry,              /* DriverEntry returns STATUS_INSUFFICIENT_RESOURCES */
    FailDriverEntryAfterCreate,   /* WdfDriverCreate, then DriverEntry returns an error */
    FailSkipDriverCreate,         /* DriverEntry succeeds without WdfDriverCreate */
    FailDeviceAdd,                /* EvtDriverDeviceAdd returns STATUS_INSUFFICIENT_RESOURCES */
    FailDeviceAddAfterCreate,     /* device and adapter created, then an error */
    FailSkipDeviceCreate,         /* EvtDriverDeviceAdd succeeds without WdfDeviceCreate */
    FailSkipAdapterCreate,        /* EvtDriverDeviceAdd succeeds without NetAdapterCreate */
    FailPrepareHardware,          /* EvtDevicePrepareHardware returns STATUS_DEVICE_NOT_READY */
    FailSetCapabilities,          /* EvtAdapterSetCapabilities returns STATUS_NOT_SUPPORTED */
    FailSkipDatapathCapabilities, /* EvtAdapterSetCapabilities succeeds, sets no datapath caps */
    FailD0Entry,                  /* EvtDeviceD0Entry returns STATUS_DEVICE_NOT_READY */
    FailD0Exit,                   /* EvtDeviceD0Exit returns STATUS_UNSUCCESSFUL */
} FAILING_DRIVER_MODE;

#ifdef NETCX_TEST_BUILTIN
DRIVER_INITIALIZE test_driver_entry;
DRIVER_INITIALIZE failing_driver_entry;
void failing_driver_set_mode(FAILING_DRIVER_MODE Mode);
/** The adapter the test driver created last (NULL before the first). */
NETADAPTER test_driver_last_adapter(void);
#endif

NETCX_EXTERN_C_END

#endif /* NETCX_TESTS_HOST_TEST_DRIVERS_H */
