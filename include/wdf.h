/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The minimal KMDF that NetAdapterCx client drivers use: objects and contexts, driver, device,
 * DMA enabler, strings. Include it as on Windows: `#include <ntddk.h>` then `#include <wdf.h>`.
 */
#ifndef NETCX_WDF_H
#define NETCX_WDF_H

#include <ntddk.h>
#include <wdfdevice.h>
#include <wdfdmaenabler.h>
#include <wdfdriver.h>
#include <wdfobject.h>
#include <wdfstring.h>

#endif /* NETCX_WDF_H */
