/* SPDX-License-Identifier: MIT */
/** @file WDFSTRING: a framework-owned string (what NetConfigurationQueryString returns). */
#ifndef NETCX_WDFSTRING_H
#define NETCX_WDFSTRING_H

#include <wdfobject.h>

NETCX_EXTERN_C_BEGIN

NTSTATUS WdfStringCreate(PCUNICODE_STRING UnicodeString, PWDF_OBJECT_ATTRIBUTES StringAttributes,
                         WDFSTRING* String);
VOID WdfStringGetUnicodeString(WDFSTRING String, PUNICODE_STRING UnicodeString);

NETCX_EXTERN_C_END

#endif /* NETCX_WDFSTRING_H */
