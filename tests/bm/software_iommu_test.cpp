// SPDX-License-Identifier: MIT
#include "support/log_capture.hpp"

#include <netcx/bm/address_space.hpp>

#include <gtest/gtest.h>

namespace netcx::bm {
namespace {

memory_region small_region(std::size_t bytes)
{
    auto r = memory_region::allocate({bytes, any_numa_node, page_policy::small});
    EXPECT_TRUE(r.ok());
    return std::move(r).value();
}

TEST(SoftwareIommu, MapsBelowTheAddressWidthAndTranslatesAccess)
{
    auto r = small_region(8192);
    software_iommu mmu{32};
    EXPECT_EQ(to_u64(mmu.max_address()), 0xffffffffu);
    auto m = mmu.map(r);
    ASSERT_TRUE(m.ok());
    const auto iova = to_u64((*m)->translate(0));
    EXPECT_NE(iova, 0u) << "IOVA 0 must never be valid";
    EXPECT_LE(iova + r.size() - 1, 0xffffffffu);
    auto p = mmu.access(logical_address{iova + 100}, 64, dma_direction::from_device);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, r.base() + 100);
    EXPECT_EQ(mmu.faults(), 0u);
}

TEST(SoftwareIommu, UnmappedAndPartialAccessesFault)
{
    test::log_capture cap;
    auto r = small_region(4096);
    software_iommu mmu;
    auto m = mmu.map(r);
    ASSERT_TRUE(m.ok());
    const auto iova = to_u64((*m)->translate(0));
    EXPECT_EQ(mmu.access(logical_address{0}, 1, dma_direction::to_device).code(),
              status::address_unreachable);
    EXPECT_EQ(mmu.access(logical_address{iova + 4000}, 200, dma_direction::to_device).code(),
              status::address_unreachable);
    EXPECT_EQ(mmu.faults(), 2u);
    EXPECT_TRUE(cap.has("DMA fault: device read 200 bytes"));
}

TEST(SoftwareIommu, AccessAfterUnmapIsAFault)
{
    auto r = small_region(4096);
    software_iommu mmu;
    auto m = mmu.map(r);
    ASSERT_TRUE(m.ok());
    const logical_address la = (*m)->translate(0);
    m->reset(); // unmap
    EXPECT_EQ(mmu.live_mappings(), 0u);
    EXPECT_EQ(mmu.access(la, 64, dma_direction::from_device).code(), status::address_unreachable);
    EXPECT_EQ(mmu.faults(), 1u);
}

TEST(SoftwareIommu, ExhaustionIsNamedAndFreedRangesAreReused)
{
    test::log_capture cap;
    software_iommu mmu{16}; // 64 KiB of IOVA space, one page reserved at 0
    auto a = small_region(32768);
    auto b = small_region(28672);
    auto ma = mmu.map(a);
    auto mb = mmu.map(b);
    ASSERT_TRUE(ma.ok());
    ASSERT_TRUE(mb.ok());
    auto c = small_region(4096);
    auto mc = mmu.map(c);
    ASSERT_FALSE(mc.ok());
    EXPECT_EQ(mc.code(), status::address_unreachable);
    EXPECT_TRUE(cap.has("16-bit device"));
    const auto freed = to_u64((*ma)->translate(0));
    ma->reset();
    auto again = mmu.map(c);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(to_u64((*again)->translate(0)), freed);
}

} // namespace
} // namespace netcx::bm
