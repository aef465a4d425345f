/* SPDX-License-Identifier: MIT */
/**
 * @file
 * NETCONFIGURATION: the adapter's parameters as a driver reads them (the registry keywords on
 * Windows). netcx feeds them from the host's device parameters (`--param KEY=VALUE`).
 */
#ifndef NETCX_NETCONFIGURATION_H
#define NETCX_NETCONFIGURATION_H

#include <netadapter.h>

NETCX_EXTERN_C_BEGIN

typedef enum _NET_CONFIGURATION_QUERY_ULONG_FLAGS {
    NET_CONFIGURATION_QUERY_ULONG_NO_FLAGS = 0x0,
    NET_CONFIGURATION_QUERY_ULONG_MAY_BE_STORED_AS_HEX_STRING = 0x1,
} NET_CONFIGURATION_QUERY_ULONG_FLAGS;

NTSTATUS NetAdapterOpenConfiguration(NETADAPTER Adapter,
                                     PWDF_OBJECT_ATTRIBUTES ConfigurationAttributes,
                                     NETCONFIGURATION* Configuration);
VOID NetConfigurationClose(NETCONFIGURATION Configuration);
/** STATUS_OBJECT_NAME_NOT_FOUND when absent; STATUS_INVALID_PARAMETER when not a number. */
NTSTATUS NetConfigurationQueryUlong(NETCONFIGURATION Configuration,
                                    NET_CONFIGURATION_QUERY_ULONG_FLAGS Flags,
                                    PCUNICODE_STRING ValueName, PULONG Value);
NTSTATUS NetConfigurationQueryString(NETCONFIGURATION Configuration, PCUNICODE_STRING ValueName,
                                     PWDF_OBJECT_ATTRIBUTES StringAttributes, WDFSTRING* WdfString);
/** The NetworkAddress parameter (e.g. 02-00-00-00-00-01 or 020000000001). */
NTSTATUS NetConfigurationQueryNetworkAddress(NETCONFIGURATION Configuration, ULONG BufferLength,
                                             PVOID NetworkAddressBuffer, PULONG ResultLength);

NETCX_EXTERN_C_END

#endif /* NETCX_NETCONFIGURATION_H */
