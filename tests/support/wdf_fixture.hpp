// SPDX-License-Identifier: MIT
// A driver, a device and (on request) its adapter, made the way the host makes them but without
// the host: DriverEntry's WdfDriverCreate, then a WDFDEVICE_INIT with parameters and an identity
// address space, NetAdapterDeviceInitConfig and WdfDeviceCreate. Tests that need a WDFDEVICE,
// a NETADAPTER or a WDFDMAENABLER build on this; EvtAdapterSetCapabilities runs the test's hook.
//
// Needs the test target to see src/ (internal headers) and tests/ (this folder).
#pragma once

#include "adapter/adapter.hpp"
#include "wdf/device.hpp"
#include "wdf/driver.hpp"

#include <netadaptercx.h>
#include <netcx/bm/address_space.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace netcx::test {

/// Stores `value` in an enum field, including values no enumerator names (what a buggy driver
/// passes; creating such an enum value directly is undefined behaviour).
template <class E>
void set_raw(E& field, long long value) noexcept
{
    const auto v = static_cast<std::underlying_type_t<E>>(value);
    std::memcpy(&field, &v, sizeof v);
}

/// What EvtAdapterSetCapabilities does in the current test (tests run one at a time).
inline std::function<NTSTATUS(NETADAPTER)>& set_capabilities_hook()
{
    static std::function<NTSTATUS(NETADAPTER)> hook;
    return hook;
}

inline NTSTATUS evt_set_capabilities(NETADAPTER adapter)
{
    auto& hook = set_capabilities_hook();
    return hook ? hook(adapter) : STATUS_SUCCESS;
}
inline NTSTATUS evt_create_txqueue(NETADAPTER, NETTXQUEUE_INIT*)
{
    return STATUS_SUCCESS;
}
inline NTSTATUS evt_create_rxqueue(NETADAPTER, NETRXQUEUE_INIT*)
{
    return STATUS_SUCCESS;
}
inline NTSTATUS evt_device_add(WDFDRIVER, PWDFDEVICE_INIT)
{
    return STATUS_SUCCESS;
}

class wdf_fixture {
public:
    /// A driver named `name` with one device carrying `params`. Test assertions fail (and the
    /// handles stay null) if the framework refuses.
    explicit wdf_fixture(wdf::device_params params = {}, std::string name = "test")
    {
        os_.name = std::move(name);
        WDF_DRIVER_CONFIG config;
        WDF_DRIVER_CONFIG_INIT(&config, evt_device_add);
        EXPECT_EQ(WdfDriverCreate(&os_, nullptr, WDF_NO_OBJECT_ATTRIBUTES, &config, &driver_),
                  STATUS_SUCCESS);
        if (driver_ == nullptr)
            return;
        init_ = std::make_unique<WDFDEVICE_INIT>();
        init_->driver = os_.created;
        init_->params = std::move(params);
        init_->space = std::make_unique<bm::identity_space>();
        init_->space_name = "identity";
        EXPECT_EQ(NetAdapterDeviceInitConfig(init_.get()), STATUS_SUCCESS);
        PWDFDEVICE_INIT init = init_.get();
        EXPECT_EQ(WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &device_), STATUS_SUCCESS);
    }

    /// Deletes the driver and everything under it (the host's job; drivers may not).
    ~wdf_fixture()
    {
        set_capabilities_hook() = nullptr;
        if (driver_ != nullptr)
            static_cast<wdf::object*>(static_cast<WDFOBJECT>(driver_))->delete_tree();
    }

    wdf_fixture(const wdf_fixture&) = delete;
    wdf_fixture& operator=(const wdf_fixture&) = delete;

    [[nodiscard]] WDFDRIVER driver() const noexcept { return driver_; }
    [[nodiscard]] WDFDEVICE device() const noexcept { return device_; }
    [[nodiscard]] wdf::device& device_object() const noexcept
    {
        return *static_cast<wdf::device*>(
            static_cast<wdf::object*>(static_cast<WDFOBJECT>(device_)));
    }

    /// NetAdapterCreate with the test callbacks; the adapter's EvtAdapterSetCapabilities runs
    /// `on_set_capabilities` (the shared hook).
    NETADAPTER create_adapter(std::function<NTSTATUS(NETADAPTER)> on_set_capabilities = {})
    {
        set_capabilities_hook() = std::move(on_set_capabilities);
        NET_ADAPTER_CONFIG config;
        NET_ADAPTER_CONFIG_INIT(&config, evt_set_capabilities, evt_create_txqueue,
                                evt_create_rxqueue);
        NETADAPTER a = nullptr;
        EXPECT_EQ(NetAdapterCreate(device_, WDF_NO_OBJECT_ATTRIBUTES, &config, &a), STATUS_SUCCESS);
        return a;
    }

    /// A DMA enabler on the device; `version_override` 0 keeps the framework's DMA version (3).
    WDFDMAENABLER create_dma_enabler(WDF_DMA_PROFILE profile = WdfDmaProfileScatterGather64,
                                     ULONG version_override = 0)
    {
        WDF_DMA_ENABLER_CONFIG config;
        WDF_DMA_ENABLER_CONFIG_INIT(&config, profile, 65536);
        config.WdmDmaVersionOverride = version_override;
        WDFDMAENABLER e = nullptr;
        EXPECT_EQ(WdfDmaEnablerCreate(device_, &config, WDF_NO_OBJECT_ATTRIBUTES, &e),
                  STATUS_SUCCESS);
        return e;
    }

    /// The C++ object behind an adapter handle.
    static adapter::adapter& adapter_object(NETADAPTER a) noexcept
    {
        return *static_cast<adapter::adapter*>(
            static_cast<wdf::object*>(static_cast<WDFOBJECT>(a)));
    }

private:
    DRIVER_OBJECT os_;
    WDFDRIVER driver_ = nullptr;
    WDFDEVICE device_ = nullptr;
    std::unique_ptr<WDFDEVICE_INIT> init_;
};

} // namespace netcx::test
