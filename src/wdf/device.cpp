// SPDX-License-Identifier: MIT
// WDFDEVICE: created once from the WDFDEVICE_INIT the host hands to EvtDriverDeviceAdd, after the
// driver declared it a NetAdapterCx device (NetAdapterDeviceInitConfig). Its parent is the driver.
#include "wdf/device.hpp"

#include "wdf/driver.hpp"

#include <netadapter.h>

#include <new>

namespace netcx::wdf {

device::device(driver& owner, object* parent, WDFDEVICE_INIT& init)
    : object(object_kind_v, parent), owner_(owner), params_(std::move(init.params)), pnp_(init.pnp),
      space_(std::move(init.space))
{
}

device::~device() = default;

std::optional<std::string_view> device::param(std::string_view key) const noexcept
{
    for (auto it = params_.rbegin(); it != params_.rend(); ++it)
        if (it->first == key)
            return std::string_view{it->second};
    return std::nullopt;
}

} // namespace netcx::wdf

using netcx::wdf::object;
using netcx::wdf::refuse;

extern "C" {

NTSTATUS NetAdapterDeviceInitConfig(PWDFDEVICE_INIT DeviceInit)
{
    constexpr std::string_view api = "NetAdapterDeviceInitConfig";
    if (DeviceInit == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api, "DeviceInit is NULL");
    if (DeviceInit->created != nullptr)
        return refuse(STATUS_INVALID_DEVICE_STATE, api,
                      "DeviceInit was already consumed by WdfDeviceCreate (call this before)");
    DeviceInit->net_adapter_configured = true;
    return STATUS_SUCCESS;
}

VOID WdfDeviceInitSetPnpPowerEventCallbacks(PWDFDEVICE_INIT DeviceInit,
                                            PWDF_PNPPOWER_EVENT_CALLBACKS PnpPowerEventCallbacks)
{
    constexpr std::string_view api = "WdfDeviceInitSetPnpPowerEventCallbacks";
    if (DeviceInit == nullptr) {
        refuse(STATUS_INVALID_PARAMETER, api, "DeviceInit is NULL");
        return;
    }
    if (DeviceInit->created != nullptr) {
        refuse(STATUS_INVALID_DEVICE_STATE, api,
               "DeviceInit was already consumed by WdfDeviceCreate (call this before)");
        return;
    }
    if (PnpPowerEventCallbacks == nullptr) {
        refuse(STATUS_INVALID_PARAMETER, api, "PnpPowerEventCallbacks is NULL");
        return;
    }
    if (PnpPowerEventCallbacks->Size != sizeof(WDF_PNPPOWER_EVENT_CALLBACKS)) {
        refuse(STATUS_INFO_LENGTH_MISMATCH, api,
               "WDF_PNPPOWER_EVENT_CALLBACKS.Size is {}, expected {} (use "
               "WDF_PNPPOWER_EVENT_CALLBACKS_INIT)",
               PnpPowerEventCallbacks->Size, sizeof(WDF_PNPPOWER_EVENT_CALLBACKS));
        return;
    }
    DeviceInit->pnp = *PnpPowerEventCallbacks;
}

NTSTATUS WdfDeviceCreate(PWDFDEVICE_INIT* DeviceInit, PWDF_OBJECT_ATTRIBUTES DeviceAttributes,
                         WDFDEVICE* Device)
{
    constexpr std::string_view api = "WdfDeviceCreate";
    if (Device != nullptr)
        *Device = nullptr;
    if (DeviceInit == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api, "DeviceInit is NULL");
    WDFDEVICE_INIT* init = *DeviceInit;
    if (init == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "*DeviceInit is NULL (a WDFDEVICE_INIT is consumed by one WdfDeviceCreate)");
    if (init->created != nullptr)
        return refuse(STATUS_INVALID_DEVICE_STATE, api,
                      "DeviceInit was already consumed by WdfDeviceCreate (device {})",
                      static_cast<void*>(init->created));
    if (Device == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api, "Device (the output handle) is NULL");
    if (!init->net_adapter_configured)
        return refuse(STATUS_INVALID_DEVICE_STATE, api,
                      "NetAdapterDeviceInitConfig was not called on DeviceInit (NetAdapterCx "
                      "requires it before WdfDeviceCreate)");
    // The host fills these; a WDFDEVICE_INIT from elsewhere is refused, not trusted.
    auto* drv = object::as<netcx::wdf::driver>(init->driver, api);
    if (drv == nullptr)
        return STATUS_INVALID_HANDLE;
    if (drv->deleting())
        return refuse(STATUS_INVALID_DEVICE_STATE, api, "driver '{}' is being deleted",
                      drv->name());
    if (init->space == nullptr)
        return refuse(STATUS_INVALID_DEVICE_STATE, api, "DeviceInit has no DMA address space");
    if (NTSTATUS s = netcx::wdf::check_attributes(DeviceAttributes, api); !NT_SUCCESS(s))
        return s;
    if (DeviceAttributes != nullptr && DeviceAttributes->ParentObject != nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "DeviceAttributes.ParentObject must be NULL (is {}): a device's parent is "
                      "its driver",
                      DeviceAttributes->ParentObject);
    netcx::wdf::device* d = nullptr;
    try {
        d = new netcx::wdf::device(*drv, drv, *init);
    } catch (const std::bad_alloc&) {
        return refuse(STATUS_INSUFFICIENT_RESOURCES, api, "no memory for a device of driver '{}'",
                      drv->name());
    }
    if (NTSTATUS s = netcx::wdf::apply_attributes(*d, DeviceAttributes, api); !NT_SUCCESS(s))
        return s;
    init->created = d;
    *DeviceInit = nullptr;
    *Device = static_cast<WDFDEVICE>(d->handle());
    return STATUS_SUCCESS;
}

WDFDRIVER WdfDeviceGetDriver(WDFDEVICE Device)
{
    auto* d = object::as<netcx::wdf::device>(Device, "WdfDeviceGetDriver");
    return d == nullptr ? nullptr : static_cast<WDFDRIVER>(d->owner_driver().handle());
}

ULONG WdfCmResourceListGetCount(WDFCMRESLIST List)
{
    (void)List; // no bus, no resources: every list is empty
    return 0;
}

} // extern "C"
