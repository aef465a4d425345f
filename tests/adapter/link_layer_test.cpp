// SPDX-License-Identifier: MIT
// Link layer: capabilities, MTU, permanent and current addresses, link state. Each refusal by
// name; a refusal from EvtAdapterSetCapabilities fails the start, one after the start does not.
#include "refusal.hpp"
#include "support/wdf_fixture.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <vector>

namespace netcx::test {
namespace {

NET_ADAPTER_LINK_LAYER_ADDRESS address(std::initializer_list<UCHAR> bytes)
{
    NET_ADAPTER_LINK_LAYER_ADDRESS a;
    std::vector<UCHAR> v{bytes};
    v.reserve(1); // never a null source, even for an empty address (memcpy's contract)
    NET_ADAPTER_LINK_LAYER_ADDRESS_INIT(&a, static_cast<USHORT>(v.size()), v.data());
    return a;
}

NET_ADAPTER_LINK_STATE connected_state()
{
    NET_ADAPTER_LINK_STATE s;
    NET_ADAPTER_LINK_STATE_INIT(&s, 10'000'000'000ull, MediaConnectStateConnected,
                                MediaDuplexStateFull, NetAdapterPauseFunctionTypeUnsupported,
                                NetAdapterAutoNegotiationFlagXmitLinkSpeedAutoNegotiated);
    return s;
}

class LinkLayer : public ::testing::Test {
protected:
    wdf_fixture f;
    NETADAPTER a = f.create_adapter();
    adapter::adapter& obj = wdf_fixture::adapter_object(a);
};

TEST_F(LinkLayer, DefaultsAreMtu1500NoAddressAndDisconnected)
{
    EXPECT_EQ(obj.link().mtu, 1500u);
    EXPECT_EQ(obj.link().permanent_address.Length, 0u);
    EXPECT_EQ(obj.link().current_address.Length, 0u);
    EXPECT_EQ(obj.link().state.Size, sizeof(NET_ADAPTER_LINK_STATE));
    EXPECT_EQ(obj.link().state.MediaConnectState, MediaConnectStateDisconnected);
    EXPECT_EQ(obj.link().state.TxLinkSpeed, 0u);
}

TEST_F(LinkLayer, CapabilitiesAreCopied)
{
    NET_ADAPTER_LINK_LAYER_CAPABILITIES c;
    NET_ADAPTER_LINK_LAYER_CAPABILITIES_INIT(&c, 25'000'000'000ull, 10'000'000'000ull);
    ASSERT_EQ(NetAdapterSetLinkLayerCapabilities(a, &c), STATUS_SUCCESS);
    c.MaxTxLinkSpeed = 1;
    EXPECT_EQ(obj.link().capabilities.MaxTxLinkSpeed, 25'000'000'000ull);
    EXPECT_EQ(obj.link().capabilities.MaxRxLinkSpeed, 10'000'000'000ull);
}

TEST_F(LinkLayer, CapabilitiesRefusals)
{
    constexpr std::string_view api = "NetAdapterSetLinkLayerCapabilities";
    EXPECT_TRUE(refused([&] { return NetAdapterSetLinkLayerCapabilities(a, nullptr); },
                        STATUS_INVALID_PARAMETER, api, "LinkLayerCapabilities is NULL"));
    NET_ADAPTER_LINK_LAYER_CAPABILITIES c;
    NET_ADAPTER_LINK_LAYER_CAPABILITIES_INIT(&c, 1, 1);
    c.Size = 12;
    EXPECT_TRUE(refused([&] { return NetAdapterSetLinkLayerCapabilities(a, &c); },
                        STATUS_INFO_LENGTH_MISMATCH, api, "LinkLayerCapabilities->Size is 12"));
    EXPECT_TRUE(refused([&] { return NetAdapterSetLinkLayerCapabilities(nullptr, &c); },
                        STATUS_INVALID_HANDLE, api, "the handle is NULL"));
}

TEST_F(LinkLayer, MtuWithinIpBoundsIsKept)
{
    EXPECT_EQ(NetAdapterSetLinkLayerMtuSize(a, 68), STATUS_SUCCESS);
    EXPECT_EQ(obj.link().mtu, 68u);
    EXPECT_EQ(NetAdapterSetLinkLayerMtuSize(a, 9000), STATUS_SUCCESS);
    EXPECT_EQ(obj.link().mtu, 9000u);
    EXPECT_EQ(NetAdapterSetLinkLayerMtuSize(a, 65535), STATUS_SUCCESS);
    EXPECT_EQ(obj.link().mtu, 65535u);
}

TEST_F(LinkLayer, MtuOutsideIpBoundsIsRefused)
{
    constexpr std::string_view api = "NetAdapterSetLinkLayerMtuSize";
    for (ULONG mtu : {0u, 67u, 65536u, 0xFFFFFFFFu})
        EXPECT_TRUE(refused([&] { return NetAdapterSetLinkLayerMtuSize(a, mtu); },
                            STATUS_INVALID_PARAMETER, api,
                            "MtuSize is " + std::to_string(mtu) + "; must be 68"))
            << mtu;
    EXPECT_EQ(obj.link().mtu, 1500u);
}

TEST_F(LinkLayer, AddressesAreCopiedWithTheirLength)
{
    auto permanent = address({0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE});
    auto current = address({0x06, 0x01, 0x02, 0x03, 0x04, 0x05});
    ASSERT_EQ(NetAdapterSetPermanentLinkLayerAddress(a, &permanent), STATUS_SUCCESS);
    ASSERT_EQ(NetAdapterSetCurrentLinkLayerAddress(a, &current), STATUS_SUCCESS);
    permanent.Address[0] = 0xFF;
    EXPECT_EQ(obj.link().permanent_address.Length, 6u);
    EXPECT_EQ(obj.link().permanent_address.Address[0], 0x02u);
    EXPECT_EQ(obj.link().permanent_address.Address[5], 0xEEu);
    EXPECT_EQ(obj.link().current_address.Length, 6u);
    EXPECT_EQ(std::memcmp(obj.link().current_address.Address, current.Address, 6), 0);
    // A 20-byte (InfiniBand-sized) address fits too.
    auto ib = address({0x02, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19});
    EXPECT_EQ(NetAdapterSetCurrentLinkLayerAddress(a, &ib), STATUS_SUCCESS);
    EXPECT_EQ(obj.link().current_address.Length, 20u);
}

TEST_F(LinkLayer, AddressRefusals)
{
    for (auto [api, set] : {std::pair{std::string_view{"NetAdapterSetPermanentLinkLayerAddress"},
                                      &NetAdapterSetPermanentLinkLayerAddress},
                            std::pair{std::string_view{"NetAdapterSetCurrentLinkLayerAddress"},
                                      &NetAdapterSetCurrentLinkLayerAddress}}) {
        EXPECT_TRUE(refused([&] { return set(a, nullptr); }, STATUS_INVALID_PARAMETER, api,
                            "LinkLayerAddress is NULL"));
        auto empty = address({});
        EXPECT_TRUE(refused([&] { return set(a, &empty); }, STATUS_INVALID_PARAMETER, api,
                            "LinkLayerAddress->Length is 0; must be 1..32"));
        auto too_long = address({0x02});
        too_long.Length = 33;
        EXPECT_TRUE(refused([&] { return set(a, &too_long); }, STATUS_INVALID_PARAMETER, api,
                            "LinkLayerAddress->Length is 33"));
    }
    EXPECT_EQ(obj.link().permanent_address.Length, 0u);
    EXPECT_EQ(obj.link().current_address.Length, 0u);
}

TEST_F(LinkLayer, ACurrentGroupAddressIsRefused)
{
    constexpr std::string_view api = "NetAdapterSetCurrentLinkLayerAddress";
    auto multicast = address({0x01, 0x00, 0x5E, 0x00, 0x00, 0x01});
    EXPECT_TRUE(refused([&] { return NetAdapterSetCurrentLinkLayerAddress(a, &multicast); },
                        STATUS_INVALID_PARAMETER, api,
                        "starting 01 is a multicast or broadcast address"));
    auto broadcast = address({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
    EXPECT_TRUE(refused([&] { return NetAdapterSetCurrentLinkLayerAddress(a, &broadcast); },
                        STATUS_INVALID_PARAMETER, api, "starting ff is a multicast"));
    EXPECT_EQ(obj.link().current_address.Length, 0u);
}

TEST_F(LinkLayer, LinkStateIsCopied)
{
    auto s = connected_state();
    ASSERT_EQ(NetAdapterSetLinkState(a, &s), STATUS_SUCCESS);
    EXPECT_EQ(obj.link().state.MediaConnectState, MediaConnectStateConnected);
    EXPECT_EQ(obj.link().state.MediaDuplexState, MediaDuplexStateFull);
    EXPECT_EQ(obj.link().state.TxLinkSpeed, 10'000'000'000ull);
    EXPECT_EQ(obj.link().state.AutoNegotiationFlags,
              NetAdapterAutoNegotiationFlagXmitLinkSpeedAutoNegotiated);
    // NetAdapterSetCurrentLinkState is the same call under its later name.
    NET_ADAPTER_LINK_STATE down;
    NET_ADAPTER_LINK_STATE_INIT_DISCONNECTED(&down);
    ASSERT_EQ(NetAdapterSetCurrentLinkState(a, &down), STATUS_SUCCESS);
    EXPECT_EQ(obj.link().state.MediaConnectState, MediaConnectStateDisconnected);
}

TEST_F(LinkLayer, LinkStateRefusals)
{
    constexpr std::string_view api = "NetAdapterSetLinkState";
    EXPECT_TRUE(refused([&] { return NetAdapterSetLinkState(a, nullptr); },
                        STATUS_INVALID_PARAMETER, api, "LinkState is NULL"));
    auto s = connected_state();
    s.Size = 1;
    EXPECT_TRUE(refused([&] { return NetAdapterSetLinkState(a, &s); }, STATUS_INFO_LENGTH_MISMATCH,
                        api, "LinkState->Size is 1"));
    s = connected_state();
    set_raw(s.MediaConnectState, 3);
    EXPECT_TRUE(refused([&] { return NetAdapterSetLinkState(a, &s); }, STATUS_INVALID_PARAMETER,
                        api, "LinkState->MediaConnectState is 3"));
    s = connected_state();
    set_raw(s.MediaDuplexState, -1);
    EXPECT_TRUE(refused([&] { return NetAdapterSetLinkState(a, &s); }, STATUS_INVALID_PARAMETER,
                        api, "LinkState->MediaDuplexState is"));
    s = connected_state();
    set_raw(s.SupportedPauseFunctions, 5);
    EXPECT_TRUE(refused([&] { return NetAdapterSetLinkState(a, &s); }, STATUS_INVALID_PARAMETER,
                        api, "LinkState->SupportedPauseFunctions is 5"));
    s = connected_state();
    set_raw(s.AutoNegotiationFlags, 0x10);
    EXPECT_TRUE(refused([&] { return NetAdapterSetLinkState(a, &s); }, STATUS_INVALID_PARAMETER,
                        api, "LinkState->AutoNegotiationFlags is 0x10"));
    EXPECT_EQ(obj.link().state.MediaConnectState, MediaConnectStateDisconnected);
}

TEST(LinkLayerStart, ARefusalFromSetCapabilitiesFailsTheStart)
{
    wdf_fixture f;
    NETADAPTER a = f.create_adapter([](NETADAPTER ad) {
        (void)NetAdapterSetLinkLayerMtuSize(ad, 10); // ignored status
        NET_ADAPTER_TX_CAPABILITIES tx;
        NET_ADAPTER_TX_CAPABILITIES_INIT(&tx, 1514, 1);
        NET_ADAPTER_RX_CAPABILITIES rx;
        NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED(&rx, 1514, 1);
        return NetAdapterSetDatapathCapabilities(ad, &tx, &rx);
    });
    auto r = wdf_fixture::adapter_object(a).start();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.err().message.find("NetAdapterSetLinkLayerMtuSize: MtuSize is 10"),
              std::string::npos)
        << r.err().message;
}

TEST(LinkLayerStart, ARefusalBeforeTheStartFailsIt)
{
    wdf_fixture f;
    NETADAPTER a = f.create_adapter([](NETADAPTER ad) {
        NET_ADAPTER_TX_CAPABILITIES tx;
        NET_ADAPTER_TX_CAPABILITIES_INIT(&tx, 1514, 1);
        NET_ADAPTER_RX_CAPABILITIES rx;
        NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED(&rx, 1514, 1);
        return NetAdapterSetDatapathCapabilities(ad, &tx, &rx);
    });
    auto bad = address({0x01, 2, 3, 4, 5, 6});
    EXPECT_EQ(NetAdapterSetCurrentLinkLayerAddress(a, &bad), STATUS_INVALID_PARAMETER);
    auto r = wdf_fixture::adapter_object(a).start();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.err().message.find("NetAdapterSetCurrentLinkLayerAddress: LinkLayerAddress "
                                   "starting 01 is a multicast"),
              std::string::npos)
        << r.err().message;
}

TEST(LinkLayerStart, ARefusalWhileStartedLeavesTheAdapterRunning)
{
    wdf_fixture f;
    NETADAPTER a = f.create_adapter([](NETADAPTER ad) {
        NET_ADAPTER_TX_CAPABILITIES tx;
        NET_ADAPTER_TX_CAPABILITIES_INIT(&tx, 1514, 1);
        NET_ADAPTER_RX_CAPABILITIES rx;
        NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED(&rx, 1514, 1);
        return NetAdapterSetDatapathCapabilities(ad, &tx, &rx);
    });
    auto& obj = wdf_fixture::adapter_object(a);
    ASSERT_TRUE(obj.start().ok());
    auto s = connected_state();
    ASSERT_EQ(NetAdapterSetLinkState(a, &s), STATUS_SUCCESS);
    set_raw(s.MediaConnectState, 9);
    EXPECT_EQ(NetAdapterSetLinkState(a, &s), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(obj.state(), adapter::adapter_state::started);
    EXPECT_EQ(obj.link().state.MediaConnectState, MediaConnectStateConnected);
}

} // namespace
} // namespace netcx::test
