// SPDX-License-Identifier: MIT
// A driver written in C11 (c11_driver.c) creates its adapter and sets capabilities; the framework
// must record what it asked for.
#include "c11_driver.h"
#include "support/wdf_fixture.hpp"

#include "wdf/dma_enabler.hpp"

#include <gtest/gtest.h>

namespace netcx::test {
namespace {

TEST(C11Driver, SetsLinkLayerAndTheSeedsDatapathCapabilities)
{
    wdf_fixture f{{{"NumRxBuffers", "1024"}, {"NetworkAddress", "06:11:22:33:44:55"}}};
    NETADAPTER a = nullptr;
    ASSERT_EQ(c11_create_adapter(f.device(), &a), STATUS_SUCCESS);
    auto& obj = wdf_fixture::adapter_object(a);
    auto r = obj.start();
    ASSERT_TRUE(r.ok()) << r.err().message;

    EXPECT_EQ(obj.link().mtu, 1500u);
    EXPECT_EQ(obj.link().capabilities.MaxTxLinkSpeed, 1'000'000'000ull);
    EXPECT_EQ(obj.link().permanent_address.Length, 6u);
    EXPECT_EQ(obj.link().permanent_address.Address[5], 0x01u);
    EXPECT_EQ(obj.link().current_address.Length, 6u);
    EXPECT_EQ(obj.link().current_address.Address[0], 0x06u); // from NetworkAddress
    EXPECT_EQ(obj.link().current_address.Address[5], 0x55u);

    ASSERT_TRUE(obj.tx() && obj.rx());
    EXPECT_EQ(obj.tx()->mapping, NetMemoryMappingRequirementDmaMapped);
    EXPECT_EQ(obj.tx()->max_fragment_buffer_size, 1514u);
    EXPECT_EQ(obj.tx()->ring_hint, 128u);
    ASSERT_TRUE(obj.tx()->dma.has_value());
    EXPECT_EQ(obj.tx()->dma->enabler->address_width(), 64u);
    EXPECT_EQ(obj.rx()->allocation, NetRxFragmentBufferAllocationModeSystem);
    EXPECT_EQ(obj.rx()->mapping, NetMemoryMappingRequirementDmaMapped);
    EXPECT_EQ(obj.rx()->alignment, 64u);
    EXPECT_EQ(obj.rx()->max_frame_size, 1526u);
    EXPECT_EQ(obj.rx()->ring_hint, 1024u);
}

TEST(C11Driver, ARingHintFromTheConfigurationThatIsNoPowerOfTwoFailsTheStart)
{
    wdf_fixture f{{{"NumRxBuffers", "1000"}}};
    NETADAPTER a = nullptr;
    ASSERT_EQ(c11_create_adapter(f.device(), &a), STATUS_SUCCESS);
    auto r = wdf_fixture::adapter_object(a).start();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.err().message.find("RxCapabilities->FragmentRingNumberOfElementsHint is 1000"),
              std::string::npos)
        << r.err().message;
}

} // namespace
} // namespace netcx::test
