// SPDX-License-Identifier: MIT
// NetAdapterCreate and NetAdapterGetDevice: each refusal by name, one adapter per device,
// parent/child lifetime, contexts, names.
#include "refusal.hpp"
#include "support/wdf_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace netcx::test {
namespace {

constexpr std::string_view create_api = "NetAdapterCreate";

struct ADAPTER_CONTEXT {
    int value;
};
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(ADAPTER_CONTEXT, get_adapter_context);

NET_ADAPTER_CONFIG valid_config()
{
    NET_ADAPTER_CONFIG c;
    NET_ADAPTER_CONFIG_INIT(&c, evt_set_capabilities, evt_create_txqueue, evt_create_rxqueue);
    return c;
}

TEST(AdapterCreate, CreatesTheDevicesAdapterAsItsChild)
{
    wdf_fixture f;
    NET_ADAPTER_CONFIG c = valid_config();
    NETADAPTER a = nullptr;
    ASSERT_EQ(NetAdapterCreate(f.device(), WDF_NO_OBJECT_ATTRIBUTES, &c, &a), STATUS_SUCCESS);
    ASSERT_NE(a, nullptr);
    auto& obj = wdf_fixture::adapter_object(a);
    EXPECT_EQ(obj.kind(), wdf::object_kind::adapter);
    EXPECT_EQ(obj.parent(), &f.device_object());
    EXPECT_EQ(f.device_object().net_adapter, &obj);
    EXPECT_EQ(&obj.owner_device(), &f.device_object());
    EXPECT_EQ(obj.state(), adapter::adapter_state::created);
    EXPECT_EQ(obj.config().EvtAdapterSetCapabilities, &evt_set_capabilities);
    EXPECT_EQ(obj.config().EvtAdapterCreateTxQueue, &evt_create_txqueue);
    EXPECT_EQ(obj.config().EvtAdapterCreateRxQueue, &evt_create_rxqueue);
    EXPECT_EQ(NetAdapterGetDevice(a), f.device());
    EXPECT_FALSE(obj.tx().has_value());
    EXPECT_FALSE(obj.rx().has_value());
}

TEST(AdapterCreate, NamesAdaptersInCreationOrder)
{
    wdf_fixture f1;
    wdf_fixture f2;
    auto& a1 = wdf_fixture::adapter_object(f1.create_adapter());
    auto& a2 = wdf_fixture::adapter_object(f2.create_adapter());
    ASSERT_EQ(a1.name().rfind("adapter", 0), 0u) << a1.name();
    ASSERT_EQ(a2.name().rfind("adapter", 0), 0u) << a2.name();
    EXPECT_EQ(std::stoul(a2.name().substr(7)), std::stoul(a1.name().substr(7)) + 1);
}

TEST(AdapterCreate, AttributesGiveTheAdapterAZeroedTypedContext)
{
    wdf_fixture f;
    NET_ADAPTER_CONFIG c = valid_config();
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, ADAPTER_CONTEXT);
    NETADAPTER a = nullptr;
    ASSERT_EQ(NetAdapterCreate(f.device(), &attributes, &c, &a), STATUS_SUCCESS);
    ADAPTER_CONTEXT* ctx = get_adapter_context(a);
    ASSERT_NE(ctx, nullptr);
    EXPECT_EQ(ctx->value, 0);
}

TEST(AdapterCreate, AParentUnderTheDeviceIsAccepted)
{
    wdf_fixture f;
    WDF_OBJECT_ATTRIBUTES pa;
    WDF_OBJECT_ATTRIBUTES_INIT(&pa);
    pa.ParentObject = f.device();
    WDFOBJECT holder = nullptr;
    ASSERT_EQ(WdfObjectCreate(&pa, &holder), STATUS_SUCCESS);
    NET_ADAPTER_CONFIG c = valid_config();
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = holder;
    NETADAPTER a = nullptr;
    ASSERT_EQ(NetAdapterCreate(f.device(), &attributes, &c, &a), STATUS_SUCCESS);
    EXPECT_EQ(wdf_fixture::adapter_object(a).parent(), holder);
    WdfObjectDelete(holder); // takes the adapter with it
    EXPECT_EQ(f.device_object().net_adapter, nullptr);
}

TEST(AdapterCreate, DeletingTheAdapterFreesTheDeviceForAnother)
{
    wdf_fixture f;
    NETADAPTER a = f.create_adapter();
    const auto live = wdf::object::live_count();
    WdfObjectDelete(a);
    EXPECT_EQ(wdf::object::live_count(), live - 1);
    EXPECT_EQ(f.device_object().net_adapter, nullptr);
    EXPECT_NE(f.create_adapter(), nullptr);
}

TEST(AdapterCreate, DeletingTheDriverDeletesTheAdapter)
{
    const auto live = wdf::object::live_count();
    {
        wdf_fixture f;
        f.create_adapter();
        EXPECT_GT(wdf::object::live_count(), live);
    }
    EXPECT_EQ(wdf::object::live_count(), live);
}

TEST(AdapterCreate, RefusesASecondAdapterOnADevice)
{
    wdf_fixture f;
    auto& first = wdf_fixture::adapter_object(f.create_adapter());
    NET_ADAPTER_CONFIG c = valid_config();
    NETADAPTER a = nullptr;
    EXPECT_TRUE(refused([&] { return NetAdapterCreate(f.device(), nullptr, &c, &a); },
                        STATUS_INVALID_DEVICE_STATE, create_api,
                        "already has " + first.name() + "; one adapter per device"));
    EXPECT_EQ(a, nullptr);
    EXPECT_EQ(f.device_object().net_adapter, &first);
}

TEST(AdapterCreate, RefusesANullDevice)
{
    NET_ADAPTER_CONFIG c = valid_config();
    NETADAPTER a = nullptr;
    EXPECT_TRUE(refused([&] { return NetAdapterCreate(nullptr, nullptr, &c, &a); },
                        STATUS_INVALID_HANDLE, create_api, "NULL"));
}

TEST(AdapterCreate, RefusesAForgedDeviceHandle)
{
    int not_an_object = 0;
    NET_ADAPTER_CONFIG c = valid_config();
    NETADAPTER a = nullptr;
    EXPECT_TRUE(refused(
        [&] {
            return NetAdapterCreate(reinterpret_cast<WDFDEVICE>(&not_an_object), nullptr, &c, &a);
        },
        STATUS_INVALID_HANDLE, create_api, "not a live WDF object"));
}

TEST(AdapterCreate, RefusesAHandleOfAnotherKind)
{
    wdf_fixture f;
    NET_ADAPTER_CONFIG c = valid_config();
    NETADAPTER a = nullptr;
    EXPECT_TRUE(refused(
        [&] { return NetAdapterCreate(reinterpret_cast<WDFDEVICE>(f.driver()), nullptr, &c, &a); },
        STATUS_OBJECT_TYPE_MISMATCH, create_api, "is a driver, not a device"));
}

TEST(AdapterCreate, RefusesBadAttributes)
{
    wdf_fixture f;
    NET_ADAPTER_CONFIG c = valid_config();
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.Size = 4;
    NETADAPTER a = nullptr;
    EXPECT_TRUE(refused([&] { return NetAdapterCreate(f.device(), &attributes, &c, &a); },
                        STATUS_INFO_LENGTH_MISMATCH, create_api, "Size is 4"));
    EXPECT_EQ(f.device_object().net_adapter, nullptr);
}

TEST(AdapterCreate, RefusesAParentOutsideTheDevice)
{
    wdf_fixture f;
    wdf_fixture other;
    NET_ADAPTER_CONFIG c = valid_config();
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = other.device();
    NETADAPTER a = nullptr;
    EXPECT_TRUE(refused([&] { return NetAdapterCreate(f.device(), &attributes, &c, &a); },
                        STATUS_INVALID_PARAMETER, create_api,
                        "is not the device or an object under it"));
}

TEST(AdapterCreate, RefusesANullConfig)
{
    wdf_fixture f;
    NETADAPTER a = nullptr;
    EXPECT_TRUE(refused([&] { return NetAdapterCreate(f.device(), nullptr, nullptr, &a); },
                        STATUS_INVALID_PARAMETER, create_api, "Configuration is NULL"));
}

TEST(AdapterCreate, RefusesAConfigOfTheWrongSize)
{
    wdf_fixture f;
    NET_ADAPTER_CONFIG c = valid_config();
    c.Size = sizeof(NET_ADAPTER_CONFIG) + 8;
    NETADAPTER a = nullptr;
    EXPECT_TRUE(refused(
        [&] { return NetAdapterCreate(f.device(), nullptr, &c, &a); }, STATUS_INFO_LENGTH_MISMATCH,
        create_api, "Configuration->Size is " + std::to_string(sizeof(NET_ADAPTER_CONFIG) + 8)));
}

TEST(AdapterCreate, RefusesAMissingSetCapabilitiesCallback)
{
    wdf_fixture f;
    NET_ADAPTER_CONFIG c = valid_config();
    c.EvtAdapterSetCapabilities = nullptr;
    NETADAPTER a = nullptr;
    EXPECT_TRUE(refused([&] { return NetAdapterCreate(f.device(), nullptr, &c, &a); },
                        STATUS_INVALID_PARAMETER, create_api,
                        "Configuration->EvtAdapterSetCapabilities is NULL"));
}

TEST(AdapterCreate, RefusesAMissingCreateTxQueueCallback)
{
    wdf_fixture f;
    NET_ADAPTER_CONFIG c = valid_config();
    c.EvtAdapterCreateTxQueue = nullptr;
    NETADAPTER a = nullptr;
    EXPECT_TRUE(refused([&] { return NetAdapterCreate(f.device(), nullptr, &c, &a); },
                        STATUS_INVALID_PARAMETER, create_api,
                        "Configuration->EvtAdapterCreateTxQueue is NULL"));
}

TEST(AdapterCreate, RefusesAMissingCreateRxQueueCallback)
{
    wdf_fixture f;
    NET_ADAPTER_CONFIG c = valid_config();
    c.EvtAdapterCreateRxQueue = nullptr;
    NETADAPTER a = nullptr;
    EXPECT_TRUE(refused([&] { return NetAdapterCreate(f.device(), nullptr, &c, &a); },
                        STATUS_INVALID_PARAMETER, create_api,
                        "Configuration->EvtAdapterCreateRxQueue is NULL"));
}

TEST(AdapterCreate, RefusesANullOutPointer)
{
    wdf_fixture f;
    NET_ADAPTER_CONFIG c = valid_config();
    EXPECT_TRUE(refused([&] { return NetAdapterCreate(f.device(), nullptr, &c, nullptr); },
                        STATUS_INVALID_PARAMETER, create_api, "Adapter (the out pointer) is NULL"));
    EXPECT_EQ(f.device_object().net_adapter, nullptr);
}

// What an adapter's cleanup callback saw while the driver was being unloaded.
NTSTATUS create_during_delete = STATUS_SUCCESS;
NTSTATUS open_during_delete = STATUS_SUCCESS;

void adapter_cleanup(WDFOBJECT adapter)
{
    auto h = static_cast<NETADAPTER>(adapter);
    NET_ADAPTER_CONFIG c = valid_config();
    NETADAPTER again = nullptr;
    create_during_delete = NetAdapterCreate(NetAdapterGetDevice(h), nullptr, &c, &again);
    NETCONFIGURATION cfg = nullptr;
    open_during_delete = NetAdapterOpenConfiguration(h, nullptr, &cfg);
}

TEST(AdapterCreate, NothingIsCreatedUnderObjectsBeingDeleted)
{
    log_capture log;
    const auto live = wdf::object::live_count();
    {
        wdf_fixture f;
        NET_ADAPTER_CONFIG c = valid_config();
        WDF_OBJECT_ATTRIBUTES attributes;
        WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
        attributes.EvtCleanupCallback = adapter_cleanup;
        NETADAPTER a = nullptr;
        ASSERT_EQ(NetAdapterCreate(f.device(), &attributes, &c, &a), STATUS_SUCCESS);
    } // unloading the driver deletes the device, then the adapter runs its cleanup
    EXPECT_EQ(create_during_delete, STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(open_during_delete, STATUS_INVALID_DEVICE_STATE);
    EXPECT_TRUE(log.has("NetAdapterCreate: device")) << log.all();
    EXPECT_TRUE(log.has("NetAdapterOpenConfiguration: adapter")) << log.all();
    EXPECT_EQ(wdf::object::live_count(), live);
}

TEST(AdapterGetDevice, ReturnsNullForABadHandle)
{
    wdf_fixture f;
    log_capture log;
    EXPECT_EQ(NetAdapterGetDevice(nullptr), nullptr);
    EXPECT_EQ(NetAdapterGetDevice(reinterpret_cast<NETADAPTER>(f.device())), nullptr);
    EXPECT_EQ(log.count(), 2u);
    EXPECT_TRUE(log.has("NetAdapterGetDevice: the handle is NULL")) << log.all();
    EXPECT_TRUE(log.has("is a device")) << log.all();
}

} // namespace
} // namespace netcx::test
