// SPDX-License-Identifier: MIT
// WdfDriverCreate: the one call a DriverEntry must make. The driver is a root object; the host
// deletes it (and with it every device) when it unloads the driver.
#include "wdf/driver.hpp"

#include <new>

namespace netcx::wdf {

driver::driver(DRIVER_OBJECT& os_object, const WDF_DRIVER_CONFIG& config)
    : object(object_kind_v, nullptr), os_object_(os_object), config_(config)
{
}

driver::~driver() = default;

void driver::on_delete() noexcept
{
    // The DRIVER_OBJECT may be given to DriverEntry again (a reload).
    if (os_object_.created == this)
        os_object_.created = nullptr;
}

} // namespace netcx::wdf

using netcx::wdf::refuse;

extern "C" NTSTATUS WdfDriverCreate(PDRIVER_OBJECT DriverObject, PCUNICODE_STRING RegistryPath,
                                    PWDF_OBJECT_ATTRIBUTES DriverAttributes,
                                    PWDF_DRIVER_CONFIG DriverConfig, WDFDRIVER* Driver)
{
    constexpr std::string_view api = "WdfDriverCreate";
    (void)RegistryPath; // no registry: parameters come per device
    if (Driver != nullptr)
        *Driver = nullptr;
    if (DriverObject == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "DriverObject is NULL (pass the one DriverEntry received)");
    if (DriverObject->created != nullptr)
        return refuse(STATUS_INVALID_DEVICE_STATE, api,
                      "driver '{}' already has a WDFDRIVER {} (WdfDriverCreate is called once)",
                      DriverObject->name, static_cast<void*>(DriverObject->created));
    if (DriverConfig == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api, "DriverConfig is NULL");
    if (DriverConfig->Size != sizeof(WDF_DRIVER_CONFIG))
        return refuse(STATUS_INFO_LENGTH_MISMATCH, api,
                      "WDF_DRIVER_CONFIG.Size is {}, expected {} (use WDF_DRIVER_CONFIG_INIT)",
                      DriverConfig->Size, sizeof(WDF_DRIVER_CONFIG));
    constexpr ULONG known_flags =
        WdfDriverInitNonPnpDriver | WdfDriverInitNoDispatchOverride | WdfVerifyOn | WdfVerifierOn;
    if ((DriverConfig->DriverInitFlags & ~known_flags) != 0)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "WDF_DRIVER_CONFIG.DriverInitFlags 0x{:x} has unknown bits",
                      DriverConfig->DriverInitFlags);
    if ((DriverConfig->DriverInitFlags & WdfDriverInitNonPnpDriver) != 0)
        return refuse(STATUS_NOT_SUPPORTED, api,
                      "WdfDriverInitNonPnpDriver: netcx drivers are PnP (devices come from the "
                      "host through EvtDriverDeviceAdd)");
    if (DriverConfig->EvtDriverDeviceAdd == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "WDF_DRIVER_CONFIG.EvtDriverDeviceAdd is NULL (a PnP driver needs it)");
    if (NTSTATUS s = netcx::wdf::check_attributes(DriverAttributes, api); !NT_SUCCESS(s))
        return s;
    if (DriverAttributes != nullptr && DriverAttributes->ParentObject != nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "DriverAttributes.ParentObject must be NULL (is {}): a driver has no parent",
                      DriverAttributes->ParentObject);
    netcx::wdf::driver* d = nullptr;
    try {
        d = new netcx::wdf::driver(*DriverObject, *DriverConfig);
    } catch (const std::bad_alloc&) {
        return refuse(STATUS_INSUFFICIENT_RESOURCES, api, "no memory for driver '{}'",
                      DriverObject->name);
    }
    if (NTSTATUS s = netcx::wdf::apply_attributes(*d, DriverAttributes, api); !NT_SUCCESS(s))
        return s;
    DriverObject->created = d;
    if (Driver != nullptr)
        *Driver = static_cast<WDFDRIVER>(d->handle());
    return STATUS_SUCCESS;
}
