// SPDX-License-Identifier: MIT
// Every failure a pool can meet, forced by the fault injector: a named error, nothing leaked.
#include "support/log_capture.hpp"

#include <netcx/base/fault.hpp>
#include <netcx/bm/pool_cache.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace netcx::bm {
namespace {

class PoolFault : public ::testing::Test {
protected:
    void TearDown() override { fault::reset(); }
    static pool_config config()
    {
        pool_config c;
        c.name = "f";
        c.buffer_count = 64;
        c.buffer_size = 2048;
        c.pages = page_policy::small;
        c.checked = true;
        return c;
    }
};

TEST_F(PoolFault, MemoryFailureAtCreate)
{
    test::log_capture cap;
    fault::fail_nth(fault::site::memory, 1);
    auto p = pool::create(config());
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.code(), status::fault_injected);
    EXPECT_EQ(p.err().message.rfind("pool 'f': system memory: injected failure", 0), 0u)
        << p.err().message;
    EXPECT_TRUE(cap.has("system memory: injected failure"));
}

TEST_F(PoolFault, MappingFailureAtCreateUnmapsNothingAndLeaksNothing)
{
    software_iommu mmu{32};
    auto c = config();
    c.space = &mmu;
    fault::fail_nth(fault::site::map, 1);
    auto p = pool::create(c);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.code(), status::fault_injected);
    EXPECT_EQ(mmu.live_mappings(), 0u);
    auto again = pool::create(c);
    ASSERT_TRUE(again.ok()) << "the fault fires once";
}

TEST_F(PoolFault, AddressLimitFailureReleasesTheMapping)
{
    software_iommu mmu{16}; // 60 KiB usable: 64 buffers of 2 KiB do not fit
    auto c = config();
    c.space = &mmu;
    auto p = pool::create(c);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.code(), status::address_unreachable);
    EXPECT_EQ(mmu.live_mappings(), 0u);
}

TEST_F(PoolFault, TheNthBufferAllocationFails)
{
    auto p = pool::create(config());
    ASSERT_TRUE(p.ok());
    pool_cache c{**p, {}, 16};
    fault::fail_nth(fault::site::buffer_alloc, 3);
    auto a = c.alloc();
    std::vector<buffer_index> two(2);
    ASSERT_EQ(c.alloc_bulk(two), status::ok);
    std::vector<buffer_index> three(3);
    EXPECT_EQ(c.alloc_bulk(three), status::fault_injected);
    EXPECT_EQ(c.alloc_burst(three), 3u) << "the next call succeeds";
    EXPECT_EQ((*p)->stats().alloc_empty, 1u);
    EXPECT_EQ((*p)->stats().in_flight, 6u);
    EXPECT_EQ(c.free(*a), status::ok);
    EXPECT_EQ(c.free_bulk(two), status::ok);
    EXPECT_EQ(c.free_bulk(three), status::ok);
    EXPECT_EQ((*p)->outstanding().outstanding, 0u);
}

TEST_F(PoolFault, EveryAllocationPathReportsTheInjectedFailure)
{
    auto p = pool::create(config());
    ASSERT_TRUE(p.ok());
    pool_cache c{**p, {}, 16};
    fault::fail_nth(fault::site::buffer_alloc, 1);
    EXPECT_FALSE(c.alloc());
    fault::fail_nth(fault::site::buffer_alloc, 1);
    std::vector<buffer_index> four(4);
    EXPECT_EQ(c.alloc_burst(four), 0u);
    EXPECT_EQ((*p)->stats().in_flight, 0u);
}

} // namespace
} // namespace netcx::bm
