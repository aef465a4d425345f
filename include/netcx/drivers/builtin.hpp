// SPDX-License-Identifier: MIT
/// @file
/// The drivers built into netcx (library `netcx_drivers`): `simnic`, the simulated DMA NIC, and
/// `null`, the NIC that costs nothing. Tools and tests register them with a host by name.
#pragma once

#include <netcx/host/host.hpp>

struct _DRIVER_OBJECT;
struct _UNICODE_STRING;

extern "C" {
/// DriverEntry of each built-in driver (what `host::register_builtin` takes).
std::int32_t simnic_driver_entry(_DRIVER_OBJECT* driver, _UNICODE_STRING* registry_path);
std::int32_t null_driver_entry(_DRIVER_OBJECT* driver, _UNICODE_STRING* registry_path);
}

/// Registers "simnic" and "null" with `host`.
void netcx_register_builtin_drivers(netcx::host::host& host);
