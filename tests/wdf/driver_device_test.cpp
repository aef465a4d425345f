// SPDX-License-Identifier: MIT
// WDFDRIVER and WDFDEVICE: the INITs, creation the way DriverEntry and EvtDriverDeviceAdd do it,
// and every refusal rule of WdfDriverCreate, NetAdapterDeviceInitConfig,
// WdfDeviceInitSetPnpPowerEventCallbacks and WdfDeviceCreate.
#include "wdf_support.hpp"

#include <cstdint>

namespace {

struct driver_context {
    int devices_added;
};
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(driver_context, get_driver_context);

struct device_context {
    WDFDRIVER driver;
};
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(device_context, get_device_context);

NTSTATUS d0_entry(WDFDEVICE, WDF_POWER_DEVICE_STATE)
{
    return STATUS_SUCCESS;
}
NTSTATUS prepare_hardware(WDFDEVICE, WDFCMRESLIST, WDFCMRESLIST)
{
    return STATUS_SUCCESS;
}
VOID unload(WDFDRIVER) {}

// An EvtDriverDeviceAdd as drivers write it.
NTSTATUS device_add(WDFDRIVER driver, PWDFDEVICE_INIT init)
{
    NTSTATUS status = NetAdapterDeviceInitConfig(init);
    if (!NT_SUCCESS(status))
        return status;
    WDF_PNPPOWER_EVENT_CALLBACKS pnp;
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnp);
    pnp.EvtDevicePrepareHardware = prepare_hardware;
    pnp.EvtDeviceD0Entry = d0_entry;
    WdfDeviceInitSetPnpPowerEventCallbacks(init, &pnp);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, device_context);
    WDFDEVICE device = nullptr;
    status = WdfDeviceCreate(&init, &attributes, &device);
    if (!NT_SUCCESS(status))
        return status;
    get_device_context(device)->driver = driver;
    ++get_driver_context(driver)->devices_added;
    return STATUS_SUCCESS;
}

// A DriverEntry as drivers write it.
NTSTATUS driver_entry(PDRIVER_OBJECT driver_object, PUNICODE_STRING registry_path)
{
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, device_add);
    config.EvtDriverUnload = unload;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, driver_context);
    WDFDRIVER driver = nullptr;
    return WdfDriverCreate(driver_object, registry_path, &attributes, &config, &driver);
}

} // namespace

namespace netcx::test {
namespace {

template <class T>
void fill_garbage(T& s)
{
    std::memset(&s, 0xAB, sizeof s);
}

TEST(WdfInit, DriverConfigInitSetsSizeAndDeviceAddAndZeroesTheRest)
{
    WDF_DRIVER_CONFIG c;
    fill_garbage(c);
    WDF_DRIVER_CONFIG_INIT(&c, device_add);
    EXPECT_EQ(c.Size, sizeof(WDF_DRIVER_CONFIG));
    EXPECT_EQ(c.EvtDriverDeviceAdd, device_add);
    EXPECT_EQ(c.EvtDriverUnload, nullptr);
    EXPECT_EQ(c.DriverInitFlags, 0u);
    EXPECT_EQ(c.DriverPoolTag, 0u);
}

TEST(WdfInit, PnpPowerCallbacksInitSetsSizeAndZeroesEveryCallback)
{
    WDF_PNPPOWER_EVENT_CALLBACKS c;
    fill_garbage(c);
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&c);
    EXPECT_EQ(c.Size, sizeof(WDF_PNPPOWER_EVENT_CALLBACKS));
    WDF_PNPPOWER_EVENT_CALLBACKS zero;
    std::memset(&zero, 0, sizeof zero);
    zero.Size = sizeof zero;
    EXPECT_EQ(std::memcmp(&c, &zero, sizeof c), 0);
    EXPECT_EQ(c.EvtDeviceD0Entry, nullptr);
    EXPECT_EQ(c.EvtDevicePrepareHardware, nullptr);
    EXPECT_EQ(c.EvtDeviceSurpriseRemoval, nullptr);
}

class WdfDriver : public wdf_test {};

TEST_F(WdfDriver, DriverEntryCreatesARootDriverWithItsConfigAndContext)
{
    auto& os = driver_object("nic");
    ASSERT_EQ(driver_entry(&os, nullptr), STATUS_SUCCESS);
    ASSERT_NE(os.created, nullptr);
    EXPECT_EQ(os.created->parent(), nullptr);
    EXPECT_EQ(os.created->kind(), wdf::object_kind::driver);
    EXPECT_EQ(os.created->name(), "nic");
    EXPECT_EQ(os.created->config().EvtDriverDeviceAdd, device_add);
    EXPECT_EQ(os.created->config().EvtDriverUnload, unload);
    auto handle = static_cast<WDFDRIVER>(os.created->handle());
    ASSERT_NE(get_driver_context(handle), nullptr);
    EXPECT_EQ(get_driver_context(handle)->devices_added, 0);
}

TEST_F(WdfDriver, TheOutputHandleIsOptionalAndMatches)
{
    auto& os = driver_object();
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, device_add);
    WDFDRIVER out = nullptr;
    ASSERT_EQ(WdfDriverCreate(&os, nullptr, nullptr, &config, &out), STATUS_SUCCESS);
    EXPECT_EQ(out, os.created->handle());
    auto& os2 = driver_object();
    EXPECT_EQ(WdfDriverCreate(&os2, nullptr, nullptr, &config, nullptr), STATUS_SUCCESS);
    EXPECT_NE(os2.created, nullptr);
}

TEST_F(WdfDriver, CreateRefusals)
{
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, device_add);
    WDFDRIVER out = nullptr;
    constexpr std::string_view api = "WdfDriverCreate";
    EXPECT_TRUE(refused([&] { return WdfDriverCreate(nullptr, nullptr, nullptr, &config, &out); },
                        STATUS_INVALID_PARAMETER, api, "DriverObject is NULL"));

    auto& os = driver_object("twice");
    ASSERT_EQ(WdfDriverCreate(&os, nullptr, nullptr, &config, &out), STATUS_SUCCESS);
    EXPECT_TRUE(refused([&] { return WdfDriverCreate(&os, nullptr, nullptr, &config, &out); },
                        STATUS_INVALID_DEVICE_STATE, api,
                        "driver 'twice' already has a WDFDRIVER"));
    EXPECT_EQ(out, nullptr) << "a refused create clears the output";

    auto& fresh = driver_object("fresh");
    auto refuse_config = [&](WDF_DRIVER_CONFIG c, NTSTATUS s, std::string_view needle) {
        return refused([&] { return WdfDriverCreate(&fresh, nullptr, nullptr, &c, &out); }, s, api,
                       needle);
    };
    EXPECT_TRUE(refused([&] { return WdfDriverCreate(&fresh, nullptr, nullptr, nullptr, &out); },
                        STATUS_INVALID_PARAMETER, api, "DriverConfig is NULL"));
    auto bad_size = config;
    bad_size.Size = 4;
    EXPECT_TRUE(
        refuse_config(bad_size, STATUS_INFO_LENGTH_MISMATCH, "WDF_DRIVER_CONFIG.Size is 4"));
    auto no_add = config;
    no_add.EvtDriverDeviceAdd = nullptr;
    EXPECT_TRUE(refuse_config(no_add, STATUS_INVALID_PARAMETER, "EvtDriverDeviceAdd is NULL"));
    auto non_pnp = config;
    non_pnp.DriverInitFlags = WdfDriverInitNonPnpDriver;
    EXPECT_TRUE(refuse_config(non_pnp, STATUS_NOT_SUPPORTED, "WdfDriverInitNonPnpDriver"));
    auto unknown = config;
    unknown.DriverInitFlags = 0x100;
    EXPECT_TRUE(refuse_config(unknown, STATUS_INVALID_PARAMETER, "DriverInitFlags 0x100"));

    WDF_OBJECT_ATTRIBUTES a;
    WDF_OBJECT_ATTRIBUTES_INIT(&a);
    a.Size = 3;
    EXPECT_TRUE(refused([&] { return WdfDriverCreate(&fresh, nullptr, &a, &config, &out); },
                        STATUS_INFO_LENGTH_MISMATCH, api, "WDF_OBJECT_ATTRIBUTES.Size is 3"));
    WDF_OBJECT_ATTRIBUTES_INIT(&a);
    a.ParentObject = os.created->handle();
    EXPECT_TRUE(refused([&] { return WdfDriverCreate(&fresh, nullptr, &a, &config, &out); },
                        STATUS_INVALID_PARAMETER, api, "a driver has no parent"));
    EXPECT_EQ(fresh.created, nullptr) << "no refused call made a driver";
    auto flags = config;
    flags.DriverInitFlags = WdfDriverInitNoDispatchOverride | WdfVerifierOn;
    EXPECT_EQ(WdfDriverCreate(&fresh, nullptr, nullptr, &flags, &out), STATUS_SUCCESS);
}

TEST_F(WdfDriver, AnUnloadedDriverObjectCanBeGivenToDriverEntryAgain)
{
    auto& os = driver_object();
    ASSERT_EQ(driver_entry(&os, nullptr), STATUS_SUCCESS);
    os.created->delete_tree();
    EXPECT_EQ(os.created, nullptr);
    EXPECT_EQ(driver_entry(&os, nullptr), STATUS_SUCCESS);
}

class WdfDevice : public wdf_test {
protected:
    void SetUp() override
    {
        wdf_test::SetUp();
        auto& os = driver_object("nic");
        EXPECT_EQ(driver_entry(&os, nullptr), STATUS_SUCCESS);
        driver_ = static_cast<WDFDRIVER>(os.created->handle());
    }
    WDFDRIVER driver_ = nullptr;
};

TEST_F(WdfDevice, DeviceAddBuildsADeviceFromItsInit)
{
    auto init = make_init(driver_, {{"dma", "identity"}, {"mtu", "1500"}, {"mtu", "9000"}});
    WDFDEVICE_INIT* raw = init.get();
    // The host runs EvtDriverDeviceAdd from the driver's config.
    ASSERT_EQ(object_of(driver_) != nullptr, true);
    const auto& config = static_cast<wdf::driver*>(object_of(driver_))->config();
    ASSERT_EQ(config.EvtDriverDeviceAdd(driver_, raw), STATUS_SUCCESS);
    wdf::device* d = raw->created;
    ASSERT_NE(d, nullptr);
    auto device = static_cast<WDFDEVICE>(d->handle());
    EXPECT_EQ(d->parent(), object_of(driver_));
    EXPECT_EQ(&d->owner_driver(), object_of(driver_));
    EXPECT_EQ(WdfDeviceGetDriver(device), driver_);
    EXPECT_EQ(get_device_context(device)->driver, driver_);
    EXPECT_EQ(get_driver_context(driver_)->devices_added, 1);
    EXPECT_EQ(d->param("mtu"), "9000") << "the last value given wins";
    EXPECT_EQ(d->param("dma"), "identity");
    EXPECT_FALSE(d->param("speed").has_value());
    EXPECT_EQ(d->params().size(), 3u);
    EXPECT_EQ(d->address_space().name(), "identity");
    EXPECT_EQ(d->pnp().EvtDevicePrepareHardware, prepare_hardware);
    EXPECT_EQ(d->pnp().EvtDeviceD0Entry, d0_entry);
    EXPECT_EQ(d->pnp().Size, sizeof(WDF_PNPPOWER_EVENT_CALLBACKS));
    EXPECT_EQ(d->net_adapter, nullptr);
    EXPECT_EQ(WdfCmResourceListGetCount(nullptr), 0u);
}

TEST_F(WdfDevice, CreateConsumesTheInitPointer)
{
    auto init = make_init(driver_);
    PWDFDEVICE_INIT p = init.get();
    ASSERT_EQ(NetAdapterDeviceInitConfig(p), STATUS_SUCCESS);
    EXPECT_TRUE(init->net_adapter_configured);
    WDFDEVICE device = nullptr;
    ASSERT_EQ(WdfDeviceCreate(&p, nullptr, &device), STATUS_SUCCESS);
    EXPECT_EQ(p, nullptr);
    EXPECT_EQ(init->created, object_of(device));
    EXPECT_EQ(init->space, nullptr) << "the device took the address space";
}

TEST_F(WdfDevice, CreateRefusals)
{
    constexpr std::string_view api = "WdfDeviceCreate";
    WDFDEVICE device = nullptr;
    EXPECT_TRUE(refused([&] { return WdfDeviceCreate(nullptr, nullptr, &device); },
                        STATUS_INVALID_PARAMETER, api, "DeviceInit is NULL"));
    PWDFDEVICE_INIT null_init = nullptr;
    EXPECT_TRUE(refused([&] { return WdfDeviceCreate(&null_init, nullptr, &device); },
                        STATUS_INVALID_PARAMETER, api, "*DeviceInit is NULL"));

    auto init = make_init(driver_);
    PWDFDEVICE_INIT p = init.get();
    EXPECT_TRUE(refused([&] { return WdfDeviceCreate(&p, nullptr, &device); },
                        STATUS_INVALID_DEVICE_STATE, api,
                        "NetAdapterDeviceInitConfig was not called"));
    EXPECT_EQ(p, init.get()) << "a refused create does not consume the init";
    ASSERT_EQ(NetAdapterDeviceInitConfig(p), STATUS_SUCCESS);
    EXPECT_TRUE(refused([&] { return WdfDeviceCreate(&p, nullptr, nullptr); },
                        STATUS_INVALID_PARAMETER, api, "Device (the output handle) is NULL"));
    WDF_OBJECT_ATTRIBUTES a;
    WDF_OBJECT_ATTRIBUTES_INIT(&a);
    a.ParentObject = driver_;
    EXPECT_TRUE(refused([&] { return WdfDeviceCreate(&p, &a, &device); }, STATUS_INVALID_PARAMETER,
                        api, "a device's parent is its driver"));
    WDF_OBJECT_ATTRIBUTES_INIT(&a);
    a.Size = 1;
    EXPECT_TRUE(refused([&] { return WdfDeviceCreate(&p, &a, &device); },
                        STATUS_INFO_LENGTH_MISMATCH, api, "WDF_OBJECT_ATTRIBUTES.Size is 1"));

    // Consumed: a second pointer to the same init.
    PWDFDEVICE_INIT keep = p;
    ASSERT_EQ(WdfDeviceCreate(&p, nullptr, &device), STATUS_SUCCESS);
    EXPECT_TRUE(refused([&] { return WdfDeviceCreate(&keep, nullptr, &device); },
                        STATUS_INVALID_DEVICE_STATE, api, "already consumed"));
    EXPECT_EQ(device, nullptr);
}

TEST_F(WdfDevice, AnInitTheHostDidNotFillIsRefused)
{
    WDFDEVICE device = nullptr;
    auto no_driver = make_init(driver_);
    no_driver->driver = nullptr;
    no_driver->net_adapter_configured = true;
    PWDFDEVICE_INIT p = no_driver.get();
    EXPECT_TRUE(refused([&] { return WdfDeviceCreate(&p, nullptr, &device); },
                        STATUS_INVALID_HANDLE, "WdfDeviceCreate", "the handle is NULL"));
    // A forged driver pointer is looked up, never followed.
    auto forged = make_init(driver_);
    int not_a_driver = 0;
    forged->driver = reinterpret_cast<wdf::driver*>(&not_a_driver);
    forged->net_adapter_configured = true;
    p = forged.get();
    EXPECT_TRUE(refused([&] { return WdfDeviceCreate(&p, nullptr, &device); },
                        STATUS_INVALID_HANDLE, "WdfDeviceCreate", "is not a live WDF object"));
    auto no_space = make_init(driver_);
    no_space->space.reset();
    no_space->net_adapter_configured = true;
    p = no_space.get();
    EXPECT_TRUE(refused([&] { return WdfDeviceCreate(&p, nullptr, &device); },
                        STATUS_INVALID_DEVICE_STATE, "WdfDeviceCreate", "no DMA address space"));
}

TEST_F(WdfDevice, InitCallsRefusals)
{
    EXPECT_TRUE(refused([] { return NetAdapterDeviceInitConfig(nullptr); },
                        STATUS_INVALID_PARAMETER, "NetAdapterDeviceInitConfig",
                        "DeviceInit is NULL"));
    constexpr std::string_view api = "WdfDeviceInitSetPnpPowerEventCallbacks";
    WDF_PNPPOWER_EVENT_CALLBACKS pnp;
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnp);
    pnp.EvtDeviceD0Entry = d0_entry;
    EXPECT_TRUE(logged([&] { WdfDeviceInitSetPnpPowerEventCallbacks(nullptr, &pnp); },
                       STATUS_INVALID_PARAMETER, api, "DeviceInit is NULL"));
    auto init = make_init(driver_);
    EXPECT_TRUE(logged([&] { WdfDeviceInitSetPnpPowerEventCallbacks(init.get(), nullptr); },
                       STATUS_INVALID_PARAMETER, api, "PnpPowerEventCallbacks is NULL"));
    auto bad = pnp;
    bad.Size = 8;
    EXPECT_TRUE(logged([&] { WdfDeviceInitSetPnpPowerEventCallbacks(init.get(), &bad); },
                       STATUS_INFO_LENGTH_MISMATCH, api, "WDF_PNPPOWER_EVENT_CALLBACKS.Size is 8"));
    EXPECT_EQ(init->pnp.EvtDeviceD0Entry, nullptr) << "refused callbacks are not kept";
    WdfDeviceInitSetPnpPowerEventCallbacks(init.get(), &pnp);
    EXPECT_EQ(init->pnp.EvtDeviceD0Entry, d0_entry);

    // After WdfDeviceCreate the init is spent.
    PWDFDEVICE_INIT p = init.get();
    ASSERT_EQ(NetAdapterDeviceInitConfig(p), STATUS_SUCCESS);
    WDFDEVICE device = nullptr;
    ASSERT_EQ(WdfDeviceCreate(&p, nullptr, &device), STATUS_SUCCESS);
    EXPECT_TRUE(refused([&] { return NetAdapterDeviceInitConfig(init.get()); },
                        STATUS_INVALID_DEVICE_STATE, "NetAdapterDeviceInitConfig",
                        "already consumed"));
    EXPECT_TRUE(logged([&] { WdfDeviceInitSetPnpPowerEventCallbacks(init.get(), &pnp); },
                       STATUS_INVALID_DEVICE_STATE, api, "already consumed"));
}

TEST_F(WdfDevice, ADeviceBeingDeletedTakesNoNewChildren)
{
    WDFDEVICE device = make_device(driver_);
    WdfObjectReference(device);
    object_of(device)->delete_tree(); // the host removes it while the driver holds a reference
    WDF_DMA_ENABLER_CONFIG c;
    WDF_DMA_ENABLER_CONFIG_INIT(&c, WdfDmaProfileScatterGather, 4096);
    WDFDMAENABLER e = nullptr;
    EXPECT_TRUE(refused([&] { return WdfDmaEnablerCreate(device, &c, nullptr, &e); },
                        STATUS_INVALID_DEVICE_STATE, "WdfDmaEnablerCreate", "being deleted"));
    WDF_OBJECT_ATTRIBUTES a;
    WDF_OBJECT_ATTRIBUTES_INIT(&a);
    a.ParentObject = device;
    WDFOBJECT o = nullptr;
    EXPECT_TRUE(refused([&] { return WdfObjectCreate(&a, &o); }, STATUS_INVALID_DEVICE_STATE,
                        "WdfObjectCreate", "being deleted"));
    WdfObjectDereference(device);
}

} // namespace
} // namespace netcx::test
