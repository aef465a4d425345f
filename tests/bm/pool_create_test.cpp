// SPDX-License-Identifier: MIT
// Pool construction: geometry, memory sources, address spaces, and every refusal by name.
#include "support/log_capture.hpp"

#include <netcx/bm/pool.hpp>
#include <netcx/bm/pool_cache.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

namespace netcx::bm {
namespace {

pool_config config(std::uint32_t count, std::uint32_t size, std::uint32_t align = 64)
{
    pool_config c;
    c.name = "t";
    c.buffer_count = count;
    c.buffer_size = size;
    c.alignment = align;
    c.pages = page_policy::small;
    return c;
}

TEST(PoolCreate, CarvesBuffersAtAnAlignedStrideNotPages)
{
    auto p = pool::create(config(1000, 1500));
    ASSERT_TRUE(p.ok()) << p.err().message;
    auto& pl = **p;
    EXPECT_EQ(pl.count(), 1000u);
    EXPECT_EQ(pl.buffer_size(), 1500u);
    EXPECT_EQ(pl.stride(), 1536u);
    EXPECT_LE(pl.memory().size(), 1000u * 1536 + 4095);
    for (std::uint32_t i : {0u, 1u, 999u}) {
        EXPECT_EQ(pl.va(buffer_index{i}), pl.memory().base() + std::size_t{i} * 1536);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(pl.va(buffer_index{i})) % 64, 0u);
        EXPECT_EQ(to_u64(pl.la(buffer_index{i})),
                  reinterpret_cast<std::uintptr_t>(pl.va(buffer_index{i})));
    }
    EXPECT_EQ(pl.address_space_name(), "identity");
}

TEST(PoolCreate, AlignmentOnePacksBuffersBackToBack)
{
    auto p = pool::create(config(7, 1518, 1));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ((*p)->stride(), 1518u);
}

TEST(PoolCreate, FreshPoolHandsOutBuffersInAddressOrder)
{
    auto p = pool::create(config(64, 2048));
    ASSERT_TRUE(p.ok());
    pool_cache c{**p};
    for (std::uint32_t i = 0; i < 64; ++i)
        EXPECT_EQ(to_u32(*c.alloc()), i);
    for (std::uint32_t i = 0; i < 64; ++i)
        (void)c.free(buffer_index{i});
}

TEST(PoolCreate, RefusesBadConfigurationsByName)
{
    test::log_capture cap;
    EXPECT_EQ(pool::create(config(0, 2048)).code(), status::invalid_parameter);
    EXPECT_TRUE(cap.has("pool 't': buffer count is 0"));
    EXPECT_EQ(pool::create(config(8, 0)).code(), status::invalid_parameter);
    EXPECT_TRUE(cap.has("buffer size is 0"));
    for (std::uint32_t a : {0u, 3u, 96u, 8192u})
        EXPECT_EQ(pool::create(config(8, 2048, a)).code(), status::invalid_parameter) << a;
    EXPECT_TRUE(cap.has("alignment 8192 is not a power of two between 1 and 4096"));
    EXPECT_EQ(pool::create(config(8, 0xffffffffu, 64)).code(), status::integer_overflow);
    EXPECT_TRUE(cap.has("overflows when aligned"));
    EXPECT_EQ(pool::create(config(0xffffffffu, 0xffffffffu, 1)).code(), status::integer_overflow);
    EXPECT_TRUE(cap.has("4294967295 buffers of 4294967295 bytes overflow"));
}

TEST(PoolCreate, CarvesFromRegisteredMemory)
{
    alignas(4096) static std::byte area[64 * 1024];
    auto region = memory_region::borrow(area, sizeof area);
    ASSERT_TRUE(region.ok());
    auto c = config(30, 2000);
    c.memory = &*region;
    c.memory_offset = 4096;
    auto p = pool::create(c);
    ASSERT_TRUE(p.ok()) << p.err().message;
    EXPECT_EQ((*p)->va(buffer_index{0}), area + 4096);
    EXPECT_EQ((*p)->va(buffer_index{29}), area + 4096 + 29 * 2048);
    EXPECT_EQ((*p)->memory().source(), memory_source::registered);
}

TEST(PoolCreate, RegisteredMemoryTooSmallOrMisalignedIsRefused)
{
    test::log_capture cap;
    alignas(4096) static std::byte area[16 * 1024];
    auto region = memory_region::borrow(area, sizeof area);
    auto c = config(9, 2048);
    c.memory = &*region;
    EXPECT_EQ(pool::create(c).code(), status::invalid_parameter);
    EXPECT_TRUE(cap.has("need 18432 bytes; the region has 16384"));
    c.buffer_count = 4;
    c.memory_offset = 8;
    EXPECT_EQ(pool::create(c).code(), status::invalid_parameter);
    EXPECT_TRUE(cap.has("is not 64-byte aligned"));
}

TEST(PoolCreate, ThirtyTwoBitIommuDeviceGetsAddressesBelowFourGiB)
{
    software_iommu mmu{32};
    auto c = config(500, 2048);
    c.space = &mmu;
    c.max_logical_address = mmu.max_address();
    {
        auto p = pool::create(c);
        ASSERT_TRUE(p.ok()) << p.err().message;
        EXPECT_EQ((*p)->address_space_name(), "iommu");
        const auto la0 = to_u64((*p)->la(buffer_index{0}));
        EXPECT_EQ(to_u64((*p)->la(buffer_index{499})), la0 + 499 * 2048);
        EXPECT_LE(la0 + 500 * 2048, 0xffffffffu);
        // The device reaches exactly the buffer through the IOMMU.
        auto va = mmu.access((*p)->la(buffer_index{7}), 2048, dma_direction::from_device);
        ASSERT_TRUE(va.ok());
        EXPECT_EQ(*va, (*p)->va(buffer_index{7}));
        EXPECT_EQ(mmu.live_mappings(), 1u);
    }
    EXPECT_EQ(mmu.live_mappings(), 0u) << "destroying the pool unmaps it";
}

TEST(PoolCreate, SystemMemoryForAThirtyTwoBitDeviceOnTheIdentitySpaceLiesBelow4GiB)
{
    auto c = config(16, 2048);
    c.max_logical_address = logical_address{0xffffffff};
    auto p = pool::create(c);
    ASSERT_TRUE(p.ok()) << p.err().message;
    for (std::uint32_t i = 0; i < 16; ++i)
        EXPECT_LE(reinterpret_cast<std::uintptr_t>((*p)->va(buffer_index{i})) + 2047, 0xffffffffU);
}

TEST(PoolCreate, BorrowedBuffersAboveTheDevicesReachAreRefused)
{
    test::log_capture cap;
    // An ordinary mapping: on x86-64 Linux user mappings lie far above 4 GiB.
    auto high = memory_region::allocate({1 << 20, any_numa_node, page_policy::small});
    ASSERT_TRUE(high.ok());
    ASSERT_GT(reinterpret_cast<std::uintptr_t>(high->base()), 0xffffffffU);
    auto c = config(16, 2048);
    c.memory = &*high;
    c.max_logical_address = logical_address{0xffffffff};
    auto p = pool::create(c);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.code(), status::address_unreachable);
    EXPECT_TRUE(cap.has("ends above the device's maximum 0xffffffff"));
}

TEST(PoolCreate, PhysicalSpaceRefusesBuffersThatCrossPages)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root";
    test::log_capture cap;
    physical_space phys;
    auto c = config(8, 1500);
    c.space = &phys;
    auto p = pool::create(c); // stride 1536: buffer 2 spans bytes 3072..4571
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.code(), status::not_supported);
    EXPECT_TRUE(cap.has("buffer 2 (1500 bytes at offset 3072) crosses a 4096-byte boundary"));
    c.alignment = 2048;
    auto q = pool::create(c);
    ASSERT_TRUE(q.ok()) << q.err().message;
    EXPECT_EQ(to_u64((*q)->la(buffer_index{1})), to_u64((*q)->la(buffer_index{0})) + 2048);
}

TEST(PoolCreate, IndexOfFindsTheBufferOrNamesAForeignPointer)
{
    test::log_capture cap;
    auto p = pool::create(config(10, 1000));
    ASSERT_TRUE(p.ok());
    auto& pl = **p;
    EXPECT_EQ(to_u32(*pl.index_of(pl.va(buffer_index{3}) + 500)), 3u);
    int outside = 0;
    EXPECT_EQ(pl.index_of(&outside).code(), status::foreign_buffer);
    EXPECT_EQ(pl.index_of(pl.va(buffer_index{9}) + pl.stride()).code(), status::foreign_buffer);
    EXPECT_TRUE(cap.has("is not inside any of its buffers"));
}

} // namespace
} // namespace netcx::bm
