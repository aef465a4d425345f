// SPDX-License-Identifier: MIT
// to_nic_constraints: an adapter's accepted capabilities, the DMA enabler's reach and the address
// space its device sits on, as the buffer plan reads them.
#include "host_fixture.hpp"

#include "adapter/adapter.hpp"
#include "host/nic_constraints.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <optional>

namespace netcx::test {
namespace {

constexpr std::uint64_t all_ones = ~std::uint64_t{0};

class NicConstraints : public HostTest {
protected:
    /// Starts a test_driver device with `p` and converts its adapter.
    bm::nic_constraints constraints(const host::params& p = {})
    {
        if (!driver_) {
            auto d = host_.load_driver("test_driver");
            EXPECT_TRUE(d.ok());
            if (!d)
                return {};
            driver_ = *d;
        }
        auto dev = host_.add_device(*driver_, p);
        EXPECT_TRUE(dev.ok()) << dev.err().message;
        if (!dev)
            return {};
        auto started = host_.start_device(*dev);
        EXPECT_TRUE(started.ok()) << started.err().message;
        const auto* a = wdf::object::as<adapter::adapter>(test_driver_last_adapter(), "test");
        EXPECT_NE(a, nullptr);
        if (a == nullptr)
            return {};
        return host::to_nic_constraints(*a);
    }
    std::optional<host::driver_id> driver_;
};

TEST_F(NicConstraints, SixtyFourBitDmaOnTheIdentitySpace)
{
    const auto c = constraints();
    for (const auto* d : {&c.rx, &c.tx}) {
        EXPECT_TRUE(d->dma_mapped);
        EXPECT_EQ(d->address_width, 64u);
        EXPECT_EQ(d->max_logical_address, all_ones);
        EXPECT_EQ(d->address_space, "identity");
        EXPECT_EQ(d->numa_node, -1) << "MM_ANY_NODE_OK";
        EXPECT_EQ(d->max_frame_size, 1514u);
        EXPECT_EQ(d->max_queues, 1u);
    }
    EXPECT_EQ(c.rx.alignment, 64u);
    EXPECT_EQ(c.rx.ring_hint, 1024u);
    EXPECT_EQ(c.tx.alignment, 1u);
    EXPECT_EQ(c.tx.ring_hint, 512u);
    EXPECT_EQ(c.tx.max_fragments, all_ones) << "unlimited Tx fragments, unlimited SG elements";
    EXPECT_FALSE(c.rx_driver_allocates);
    EXPECT_FALSE(c.rx_driver_attaches);
    EXPECT_EQ(c.tx_backfill, 0u);
    EXPECT_EQ(c.mtu, 1500u);
}

TEST_F(NicConstraints, ThirtyTwoBitProfileMeansAThirtyTwoBitDevice)
{
    const auto c = constraints({{"dma32", "1"}}); // WdfDmaProfileScatterGather
    EXPECT_EQ(c.rx.max_logical_address, 0xffffffffu);
    EXPECT_EQ(c.tx.max_logical_address, 0xffffffffu);
    EXPECT_EQ(c.rx.address_width, 32u);
    EXPECT_EQ(c.tx.address_width, 32u);
}

TEST_F(NicConstraints, IommuWidthLimitsTheReach)
{
    const auto c = constraints({{"dma", "iommu"}, {"iommu_bits", "36"}});
    EXPECT_EQ(c.rx.max_logical_address, (std::uint64_t{1} << 36) - 1);
    EXPECT_EQ(c.tx.max_logical_address, (std::uint64_t{1} << 36) - 1);
    EXPECT_EQ(c.rx.address_space, "iommu");
    EXPECT_EQ(c.rx.address_width, 64u) << "the enabler's width; the IOMMU is the platform's";
}

TEST_F(NicConstraints, TheLowestLimitWins)
{
    auto c = constraints({{"dma", "iommu"}, {"iommu_bits", "40"}, {"dma32", "1"}});
    EXPECT_EQ(c.rx.max_logical_address, 0xffffffffu) << "32-bit enabler below a 40-bit IOMMU";

    c = constraints({{"dma", "iommu"}, {"iommu_bits", "24"}});
    EXPECT_EQ(c.tx.max_logical_address, 0xffffffu);

    c = constraints({{"max_physical_address", "268435455"}});
    EXPECT_EQ(c.rx.max_logical_address, 0x0fffffffu) << "DMA caps MaximumPhysicalAddress";
    EXPECT_EQ(c.tx.max_logical_address, 0x0fffffffu);
}

TEST_F(NicConstraints, IommuWithoutAnyLimitIsSixtyFourBits)
{
    const auto c = constraints({{"dma", "iommu"}});
    EXPECT_EQ(c.rx.max_logical_address, all_ones);
}

TEST_F(NicConstraints, PhysicalSpaceIsNamed)
{
    if (geteuid() != 0)
        GTEST_SKIP() << "dma=physical needs root";
    const auto c = constraints({{"dma", "physical"}});
    EXPECT_EQ(c.rx.address_space, "physical");
    EXPECT_EQ(c.tx.address_space, "physical");
    EXPECT_EQ(c.rx.max_logical_address, all_ones) << "the enabler's reach: 64 bits";
}

TEST_F(NicConstraints, TxFragmentsAreLimitedByScatterGatherElements)
{
    auto c = constraints({{"sg_elements", "8"}, {"tx_fragments", "16"}});
    EXPECT_EQ(c.tx.max_fragments, 8u);
    c = constraints({{"sg_elements", "8"}, {"tx_fragments", "4"}});
    EXPECT_EQ(c.tx.max_fragments, 4u);
    c = constraints({{"sg_elements", "8"}});
    EXPECT_EQ(c.tx.max_fragments, 8u);
}

TEST_F(NicConstraints, WithoutDmaNothingLimitsTheAddresses)
{
    const auto c = constraints({{"use_dma", "0"}, {"dma", "iommu"}, {"iommu_bits", "32"}});
    for (const auto* d : {&c.rx, &c.tx}) {
        EXPECT_FALSE(d->dma_mapped);
        EXPECT_EQ(d->max_logical_address, all_ones);
        EXPECT_EQ(d->address_width, 64u);
        EXPECT_EQ(d->address_space, "iommu") << "still the device's space";
    }
}

TEST_F(NicConstraints, NumaNodeMtuAndFrameSize)
{
    const auto c = constraints({{"numa_node", "0"}, {"mtu", "9000"}});
    EXPECT_EQ(c.rx.numa_node, 0);
    EXPECT_EQ(c.tx.numa_node, 0);
    EXPECT_EQ(c.mtu, 9000u);
    EXPECT_EQ(c.rx.max_frame_size, 9014u);
    EXPECT_EQ(c.tx.max_frame_size, 9014u);
}

TEST_F(NicConstraints, PlanCarriesTheReach)
{
    const host::device_id dev = started_device("test_driver", {{"dma32", "1"}});
    auto p = host_.plan(dev);
    ASSERT_TRUE(p.ok()) << p.err().message;
    EXPECT_EQ(p->rx.max_logical_address.value, 0xffffffffu);
    EXPECT_EQ(p->tx.max_logical_address.value, 0xffffffffu);
}

} // namespace
} // namespace netcx::test
