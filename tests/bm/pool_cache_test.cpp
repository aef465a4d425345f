// SPDX-License-Identifier: MIT
// The cache fast and slow paths, run on unchecked and checked pools alike.
#include "support/modes.hpp"

#include <netcx/bm/pool_cache.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

namespace netcx::bm {
namespace {

class PoolCache : public ::testing::TestWithParam<bool> {
protected:
    std::unique_ptr<pool> make(std::uint32_t count)
    {
        pool_config c;
        c.name = "cache-test";
        c.buffer_count = count;
        c.buffer_size = 2048;
        c.pages = page_policy::small;
        c.checked = GetParam();
        auto p = pool::create(c);
        EXPECT_TRUE(p.ok());
        return std::move(p).value();
    }
};

TEST_P(PoolCache, SingleAllocAndFreeAreLifo)
{
    auto p = make(100);
    pool_cache c{*p, {}, 16};
    const auto a = c.alloc();
    ASSERT_TRUE(a);
    EXPECT_EQ(c.free(*a), status::ok);
    EXPECT_EQ(c.alloc(), a) << "the most recently freed buffer comes back first (warm in cache)";
    EXPECT_EQ(c.free(*a), status::ok);
}

TEST_P(PoolCache, EveryBufferCanBeAllocatedOnceThenThePoolIsEmpty)
{
    auto p = make(1000); // not a power of two
    pool_cache c{*p, {}, 64};
    std::vector<buffer_index> all(1000);
    for (std::size_t i = 0; i < all.size(); i += 8)
        ASSERT_EQ(c.alloc_bulk(std::span{all}.subspan(i, 8)), status::ok) << i;
    std::set<std::uint32_t> distinct;
    for (auto b : all)
        distinct.insert(to_u32(b));
    EXPECT_EQ(distinct.size(), 1000u);
    EXPECT_EQ(*distinct.rbegin(), 999u);

    EXPECT_FALSE(c.alloc());
    buffer_index one[1];
    EXPECT_EQ(c.alloc_bulk(one), status::no_memory);
    auto s = p->stats();
    EXPECT_EQ(s.alloc_empty, 2u);
    EXPECT_EQ(s.in_flight, 1000u);
    EXPECT_EQ(s.alloc_fast + s.alloc_slow, 1000u);
    EXPECT_GT(s.refills, 0u);

    ASSERT_EQ(c.free_bulk(all), status::ok);
    EXPECT_EQ(p->stats().in_flight, 0u);
}

TEST_P(PoolCache, BulkIsAllOrNothingBurstIsBestEffort)
{
    auto p = make(20);
    pool_cache c{*p, {}, 8};
    std::vector<buffer_index> got(15);
    ASSERT_EQ(c.alloc_bulk(got), status::ok);
    std::vector<buffer_index> ten(10);
    EXPECT_EQ(c.alloc_bulk(ten), status::no_memory);
    EXPECT_EQ(c.alloc_burst(ten), 5u) << "the 5 left, since bulk took none";
    EXPECT_EQ(c.alloc_burst(ten), 0u);
    ASSERT_EQ(c.free_bulk(got), status::ok);
    ASSERT_EQ(c.free_bulk(std::span{ten}.first(5)), status::ok);
    EXPECT_EQ(p->stats().in_flight, 0u);
}

TEST_P(PoolCache, OverflowFlushesToTheDepotForOtherCaches)
{
    auto p = make(64);
    std::vector<buffer_index> all(64);
    std::uint32_t kept_by_a = 0;
    {
        pool_cache a{*p, {}, 16};
        ASSERT_EQ(a.alloc_bulk(all), status::ok); // larger than the cache: straight from the depot
        for (auto b : all)
            ASSERT_EQ(a.free(b), status::ok);
        kept_by_a = a.size();
        EXPECT_LE(kept_by_a, 16u);
        EXPECT_GT(p->stats().flushes, 0u);
        pool_cache b{*p, {}, 16};
        std::vector<buffer_index> rest(64 - kept_by_a);
        EXPECT_EQ(b.alloc_bulk(rest), status::ok) << "what a flushed is in the depot for b";
        EXPECT_FALSE(b.alloc()) << "the rest sit in a's cache";
        EXPECT_EQ(b.free_bulk(rest), status::ok);
    }
    // Destroyed caches hand everything back; stats survive them.
    pool_cache c{*p, {}, 16};
    EXPECT_EQ(c.alloc_bulk(all), status::ok);
    EXPECT_EQ(c.free_bulk(all), status::ok);
    const auto s = p->stats();
    EXPECT_EQ(s.in_flight, 0u);
    EXPECT_EQ(s.alloc_fast + s.alloc_slow, 64u + (64u - kept_by_a) + 64u);
    EXPECT_EQ(s.alloc_empty, 1u);
}

TEST_P(PoolCache, OversizeRequestsBypassTheCache)
{
    auto p = make(300);
    pool_cache c{*p, {}, 32};
    std::vector<buffer_index> big(200);
    ASSERT_EQ(c.alloc_bulk(big), status::ok);
    EXPECT_EQ(c.size(), 0u);
    ASSERT_EQ(c.free_bulk(big), status::ok);
    EXPECT_EQ(c.size(), 0u);
    EXPECT_EQ(p->outstanding().outstanding, 0u);
}

TEST_P(PoolCache, SharedBufferIsFreedByItsLastHolder)
{
    auto p = make(4);
    pool_cache c{*p, {}, 4};
    const auto b = *c.alloc();
    p->add_ref(b);
    p->add_ref(b);
    EXPECT_EQ(p->extra_refs(b), 2u);
    EXPECT_EQ(c.release(b), status::ok);
    EXPECT_EQ(c.release(b), status::ok);
    EXPECT_EQ(p->stats().in_flight, 1u) << "one holder left";
    EXPECT_EQ(c.release(b), status::ok);
    EXPECT_EQ(p->stats().in_flight, 0u);
    EXPECT_EQ(p->extra_refs(b), 0u);
}

TEST_P(PoolCache, CapacityIsClampedAndHonoured)
{
    auto p = make(4096);
    pool_cache tiny{*p, {}, 0};
    EXPECT_EQ(tiny.capacity(), 2u);
    pool_cache huge{*p, {}, 1u << 20};
    EXPECT_EQ(huge.capacity(), max_cache_capacity);
    std::vector<buffer_index> bs(3000);
    ASSERT_EQ(huge.alloc_bulk(std::span{bs}.first(1000)), status::ok);
    ASSERT_EQ(huge.free_bulk(std::span{bs}.first(1000)), status::ok);
    EXPECT_LE(huge.size(), max_cache_capacity) << "a cache never holds more than its capacity";
}

INSTANTIATE_TEST_SUITE_P(Modes, PoolCache, ::testing::Values(false, true), test::pool_mode_name);

} // namespace
} // namespace netcx::bm
