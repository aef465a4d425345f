// SPDX-License-Identifier: MIT
// Registers the built-in drivers with a host.
#include <netcx/drivers/builtin.hpp>

void netcx_register_builtin_drivers(netcx::host::host& host)
{
    host.register_builtin("simnic", simnic_driver_entry);
    host.register_builtin("null", null_driver_entry);
}
