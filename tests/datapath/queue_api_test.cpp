// SPDX-License-Identifier: MIT
// The queue C API's refusals, each by name: inits used outside their callback or twice, bad
// configurations, garbage handles, extensions found by name/version/type.
#include "datapath_fixture.hpp"

#include <net/logicaladdress.h>
#include <net/virtualaddress.h>
#include <netadaptercx.h>

namespace netcx::test {
namespace {

// What the hook driver's EvtAdapterCreateTxQueue does in the current test.
std::function<NTSTATUS(NETTXQUEUE_INIT*)> g_tx_hook;
NETTXQUEUE_INIT* g_saved_init = nullptr;

VOID Nop(NETPACKETQUEUE) {}
VOID NopNotify(NETPACKETQUEUE, BOOLEAN) {}

NTSTATUS HookSetCapabilities(NETADAPTER a)
{
    NET_ADAPTER_TX_CAPABILITIES tx;
    NET_ADAPTER_RX_CAPABILITIES rx;
    NET_ADAPTER_TX_CAPABILITIES_INIT(&tx, 1514, 1);
    NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED(&rx, 1514, 1);
    tx.FragmentRingNumberOfElementsHint = 16;
    rx.FragmentRingNumberOfElementsHint = 16;
    return NetAdapterSetDatapathCapabilities(a, &tx, &rx);
}
NTSTATUS HookCreateTx(NETADAPTER, NETTXQUEUE_INIT* init)
{
    g_saved_init = init;
    return g_tx_hook ? g_tx_hook(init) : STATUS_NOT_SUPPORTED;
}
NTSTATUS HookCreateRx(NETADAPTER, NETRXQUEUE_INIT*)
{
    return STATUS_NOT_SUPPORTED;
}
NTSTATUS HookDeviceAdd(WDFDRIVER, PWDFDEVICE_INIT init)
{
    WDFDEVICE device;
    NETADAPTER adapter;
    NET_ADAPTER_CONFIG config;
    if (NTSTATUS s = NetAdapterDeviceInitConfig(init); !NT_SUCCESS(s))
        return s;
    if (NTSTATUS s = WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &device); !NT_SUCCESS(s))
        return s;
    NET_ADAPTER_CONFIG_INIT(&config, HookSetCapabilities, HookCreateTx, HookCreateRx);
    return NetAdapterCreate(device, WDF_NO_OBJECT_ATTRIBUTES, &config, &adapter);
}
std::int32_t HookEntry(_DRIVER_OBJECT* os, _UNICODE_STRING* path)
{
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, HookDeviceAdd);
    return WdfDriverCreate(os, path, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
}

class QueueApiTest : public DatapathTest {
protected:
    QueueApiTest() { host_->register_builtin("hook", HookEntry); }
    ~QueueApiTest() override
    {
        g_tx_hook = nullptr;
        g_saved_init = nullptr;
    }
    /// Opens a Tx-only datapath on the hook driver; the hook runs in EvtAdapterCreateTxQueue.
    result<std::unique_ptr<datapath::datapath>> open_hook()
    {
        auto d = host_->load_driver("hook");
        EXPECT_TRUE(d.ok());
        auto dev = host_->add_device(*d);
        EXPECT_TRUE(dev.ok());
        EXPECT_TRUE(host_->start_device(*dev).ok());
        datapath::options o;
        o.rx_queues = 0;
        return host_->open_datapath(*dev, o);
    }
    static NET_PACKET_QUEUE_CONFIG good_config()
    {
        NET_PACKET_QUEUE_CONFIG c;
        NET_PACKET_QUEUE_CONFIG_INIT(&c, Nop, NopNotify, Nop);
        return c;
    }
};

TEST_F(QueueApiTest, ABadConfigurationIsRefusedByName)
{
    struct bad_case {
        void (*edit)(NET_PACKET_QUEUE_CONFIG&);
        NTSTATUS status;
        const char* message;
    };
    const bad_case cases[] = {
        {[](NET_PACKET_QUEUE_CONFIG& c) { c.Size = 4; }, STATUS_INFO_LENGTH_MISMATCH,
         "Configuration->Size is 4"},
        {[](NET_PACKET_QUEUE_CONFIG& c) { c.EvtAdvance = nullptr; }, STATUS_INVALID_PARAMETER,
         "Configuration->EvtAdvance is NULL"},
        {[](NET_PACKET_QUEUE_CONFIG& c) { c.EvtSetNotificationEnabled = nullptr; },
         STATUS_INVALID_PARAMETER, "Configuration->EvtSetNotificationEnabled is NULL"},
        {[](NET_PACKET_QUEUE_CONFIG& c) { c.EvtCancel = nullptr; }, STATUS_INVALID_PARAMETER,
         "Configuration->EvtCancel is NULL"},
    };
    auto d = host_->load_driver("hook");
    ASSERT_TRUE(d.ok());
    auto dev = host_->add_device(*d);
    ASSERT_TRUE(dev.ok());
    ASSERT_TRUE(host_->start_device(*dev).ok());
    for (const auto& c : cases) {
        NTSTATUS seen = STATUS_SUCCESS;
        g_tx_hook = [&](NETTXQUEUE_INIT* init) {
            auto config = good_config();
            c.edit(config);
            NETPACKETQUEUE q = nullptr;
            seen = NetTxQueueCreate(init, WDF_NO_OBJECT_ATTRIBUTES, &config, &q);
            return seen;
        };
        datapath::options o;
        o.rx_queues = 0;
        auto r = host_->open_datapath(*dev, o);
        EXPECT_FALSE(r.ok());
        EXPECT_EQ(seen, c.status) << c.message;
        EXPECT_TRUE(log_.has(std::string{"NetTxQueueCreate: "} + c.message)) << c.message;
    }
}

TEST_F(QueueApiTest, AnInitIsValidOnceAndOnlyInsideItsCallback)
{
    g_tx_hook = [&](NETTXQUEUE_INIT* init) {
        auto config = good_config();
        NETPACKETQUEUE q = nullptr, q2 = nullptr;
        EXPECT_EQ(NetTxQueueInitGetQueueId(init), 0U);
        NTSTATUS s = NetTxQueueCreate(init, WDF_NO_OBJECT_ATTRIBUTES, &config, &q);
        EXPECT_EQ(NetTxQueueCreate(init, WDF_NO_OBJECT_ATTRIBUTES, &config, &q2),
                  STATUS_INVALID_DEVICE_STATE);
        return s;
    };
    auto r = open_hook();
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_TRUE(log_.has("queue init already used"));
    // Outside the callback the init is dead.
    auto config = good_config();
    NETPACKETQUEUE q = nullptr;
    EXPECT_EQ(NetTxQueueCreate(g_saved_init, WDF_NO_OBJECT_ATTRIBUTES, &config, &q),
              STATUS_INVALID_PARAMETER);
    EXPECT_TRUE(log_.has("is not the one handed to the running EvtAdapterCreateTxQueue"));
    auto* garbage = reinterpret_cast<NETTXQUEUE_INIT*>(std::uintptr_t{0x1234});
    EXPECT_EQ(NetTxQueueCreate(garbage, WDF_NO_OBJECT_ATTRIBUTES, &config, &q),
              STATUS_INVALID_PARAMETER);
    EXPECT_TRUE((*r)->close().ok());
}

TEST_F(QueueApiTest, ACallbackThatCreatesNoQueueFailsTheOpen)
{
    g_tx_hook = [](NETTXQUEUE_INIT*) { return STATUS_SUCCESS; };
    auto r = open_hook();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.err().message.find("without calling NetTxQueueCreate"), std::string::npos);
}

TEST_F(QueueApiTest, ExtensionsAreFoundByNameVersionAndType)
{
    NET_EXTENSION va{}, la{}, newer{}, packet{};
    const NET_RING_COLLECTION* rings = nullptr;
    g_tx_hook = [&](NETTXQUEUE_INIT* init) {
        auto config = good_config();
        NETPACKETQUEUE q = nullptr;
        NTSTATUS s = NetTxQueueCreate(init, WDF_NO_OBJECT_ATTRIBUTES, &config, &q);
        rings = NetTxQueueGetRingCollection(q);
        NET_EXTENSION_QUERY query;
        NET_EXTENSION_QUERY_INIT(&query, NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_NAME, 1,
                                 NetExtensionTypeFragment);
        NetTxQueueGetExtension(q, &query, &va);
        NET_EXTENSION_QUERY_INIT(&query, NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_NAME, 2,
                                 NetExtensionTypeFragment);
        NetTxQueueGetExtension(q, &query, &newer);
        NET_EXTENSION_QUERY_INIT(&query, NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_NAME, 1,
                                 NetExtensionTypePacket);
        NetTxQueueGetExtension(q, &query, &packet);
        NET_EXTENSION_QUERY_INIT(&query, NET_FRAGMENT_EXTENSION_LOGICAL_ADDRESS_NAME, 1,
                                 NetExtensionTypeFragment);
        NetTxQueueGetExtension(q, &query, &la); // no DMA capabilities: not registered
        return s;
    };
    auto r = open_hook();
    ASSERT_TRUE(r.ok()) << r.err().message;
    ASSERT_NE(rings, nullptr);
    const NET_RING* fr = NetRingCollectionGetFragmentRing(rings);
    const NET_RING* pr = NetRingCollectionGetPacketRing(rings);
    EXPECT_EQ(fr->NumberOfElements, 16U);
    EXPECT_EQ(fr->ElementIndexMask, 15U);
    EXPECT_EQ(pr->ElementStride, sizeof(NET_PACKET));
    EXPECT_EQ(fr->ElementStride, 16U); // NET_FRAGMENT + the VA extension
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(fr) % 64, 0U);
    EXPECT_EQ(va.Reserved[0], static_cast<const void*>(&fr->Buffer[8]));
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(va.Reserved[1]), 16U);
    EXPECT_EQ(newer.Reserved[0], nullptr);
    EXPECT_EQ(packet.Reserved[0], nullptr);
    EXPECT_EQ(la.Reserved[0], nullptr);
    EXPECT_TRUE((*r)->close().ok());
}

TEST_F(QueueApiTest, GarbageQueueHandlesAreNamedErrors)
{
    auto* garbage = reinterpret_cast<NETPACKETQUEUE>(std::uintptr_t{0xdead0});
    EXPECT_EQ(NetTxQueueGetRingCollection(garbage), nullptr);
    EXPECT_EQ(NetRxQueueGetRingCollection(nullptr), nullptr);
    NetTxQueueNotifyMoreCompletedPacketsAvailable(garbage);
    NET_EXTENSION e;
    NET_EXTENSION_QUERY query;
    NET_EXTENSION_QUERY_INIT(&query, NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_NAME, 1,
                             NetExtensionTypeFragment);
    NetRxQueueGetExtension(garbage, &query, &e);
    EXPECT_EQ(e.Reserved[0], nullptr);
    EXPECT_TRUE(log_.has("NetTxQueueGetRingCollection"));
    EXPECT_TRUE(log_.has("NetRxQueueGetExtension"));
}

} // namespace
} // namespace netcx::test
