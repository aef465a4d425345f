// SPDX-License-Identifier: MIT
// Checked pools: holder records, double/foreign/shared frees refused by name, leak reports.
#include "support/log_capture.hpp"

#include <netcx/bm/pool_cache.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace netcx::bm {
namespace {

std::unique_ptr<pool> make(std::uint32_t count, bool checked = true)
{
    pool_config c;
    c.name = "chk";
    c.buffer_count = count;
    c.buffer_size = 256;
    c.pages = page_policy::small;
    c.checked = checked;
    auto p = pool::create(c);
    EXPECT_TRUE(p.ok());
    return std::move(p).value();
}

/// Every buffer of `p` can be allocated exactly once: nothing lost, nothing duplicated.
void expect_intact(pool& p)
{
    pool_cache c{p, {}, 8};
    std::vector<buffer_index> all(p.count());
    ASSERT_EQ(c.alloc_bulk(all), status::ok);
    EXPECT_FALSE(c.alloc());
    std::vector<bool> seen(p.count());
    for (auto b : all) {
        EXPECT_FALSE(seen[to_u32(b)]) << "buffer " << to_u32(b) << " handed out twice";
        seen[to_u32(b)] = true;
    }
    ASSERT_EQ(c.free_bulk(all), status::ok);
}

TEST(CheckedPool, RecordsWhoHoldsEachBuffer)
{
    auto p = make(8);
    pool_cache c{*p, {owner::driver, 3}, 4};
    const auto b = *c.alloc();
    EXPECT_EQ(p->holder_of(b), (holder{owner::driver, 3}));
    p->set_holder(b, {owner::protocol, 1});
    EXPECT_EQ(p->holder_of(b), (holder{owner::protocol, 1}));
    ASSERT_EQ(c.free(b), status::ok);
    EXPECT_EQ(p->holder_of(b).kind, owner::cache);
}

TEST(CheckedPool, DoubleFreeIsRefusedAndNamed)
{
    test::log_capture cap;
    auto p = make(16);
    {
        pool_cache c{*p, {}, 4};
        const auto b = *c.alloc();
        ASSERT_EQ(c.free(b), status::ok);
        EXPECT_EQ(c.free(b), status::double_free);
        EXPECT_TRUE(cap.has("pool 'chk': double free of buffer 0 (already free, in the cache)"))
            << cap.all();
        EXPECT_EQ(p->stats().bad_frees, 1u);
    }
    expect_intact(*p);
}

TEST(CheckedPool, BadEntriesInABulkFreeAreRefusedTheRestKept)
{
    test::log_capture cap;
    auto p = make(16);
    {
        pool_cache c{*p, {}, 4};
        std::vector<buffer_index> four(4);
        ASSERT_EQ(c.alloc_bulk(four), status::ok);
        const std::vector<buffer_index> mixed{four[0], buffer_index{99}, four[1],
                                              four[0], four[2],          four[3]};
        EXPECT_EQ(c.free_bulk(mixed), status::foreign_buffer) << "the first refusal is reported";
        EXPECT_TRUE(cap.has("foreign buffer 99 freed (the pool has 16 buffers)"));
        EXPECT_TRUE(cap.has("double free of buffer " + std::to_string(to_u32(four[0]))));
        EXPECT_EQ(p->stats().bad_frees, 2u);
        EXPECT_EQ(p->stats().in_flight, 0u);
    }
    expect_intact(*p);
}

TEST(CheckedPool, FreeingASharedBufferIsRefused)
{
    test::log_capture cap;
    auto p = make(4);
    pool_cache c{*p, {}, 4};
    const auto b = *c.alloc();
    p->add_ref(b);
    EXPECT_EQ(c.free(b), status::busy);
    EXPECT_TRUE(cap.has("freed while 1 other holder still reference it (use release)"));
    EXPECT_EQ(c.release(b), status::ok);
    EXPECT_EQ(c.release(b), status::ok);
    EXPECT_EQ(p->stats().in_flight, 0u);
}

TEST(CheckedPool, UnattachedReturnsAreCheckedToo)
{
    test::log_capture cap;
    auto p = make(8);
    pool_cache c{*p, {}, 4};
    const auto b = *c.alloc();
    const buffer_index one[] = {b};
    EXPECT_EQ(p->free_unattached(one), status::ok);
    EXPECT_EQ(p->free_unattached(one), status::double_free);
    EXPECT_TRUE(cap.has("double free of buffer 0 (already free, in the pool)"));
    const buffer_index foreign[] = {buffer_index{8}};
    EXPECT_EQ(p->free_unattached(foreign), status::foreign_buffer);
    EXPECT_EQ(p->stats().free_remote, 1u);
    EXPECT_EQ(p->stats().in_flight, 0u);
}

TEST(CheckedPool, OutstandingBuffersAreGroupedByHolder)
{
    auto p = make(16);
    pool_cache drv{*p, {owner::driver, 3}, 4};
    std::vector<buffer_index> mine;
    for (int i = 0; i < 3; ++i)
        mine.push_back(*drv.alloc()); // buffers 0, 1, 2
    p->set_holder(mine[2], {owner::protocol, 7});
    const auto r = p->outstanding();
    EXPECT_EQ(r.outstanding, 3u);
    EXPECT_EQ(r.describe(), "3 buffers outstanding: driver 3 holds [0, 1]; protocol 7 holds [2]");
    ASSERT_EQ(drv.free_bulk(mine), status::ok);
    EXPECT_EQ(p->outstanding().outstanding, 0u);
}

TEST(LeakReport, DestroyingAPoolNamesTheHoldersAndKeepsTheMemoryMapped)
{
    test::log_capture cap;
    auto p = make(8);
    std::byte* payload = nullptr;
    {
        pool_cache drv{*p, {owner::driver, 0}, 4};
        const auto b = *drv.alloc();
        payload = p->va(b);
        std::vector<buffer_index> rest(2);
        ASSERT_EQ(drv.alloc_bulk(rest), status::ok);
        ASSERT_EQ(drv.free_bulk(rest), status::ok);
    }
    p.reset();
    EXPECT_TRUE(cap.has("pool 'chk' destroyed with 1 buffer outstanding: driver 0 holds [0]; its "
                        "memory stays mapped"))
        << cap.all();
    payload[0] = std::byte{1}; // a late holder still touches mapped memory
}

TEST(LeakReport, UncheckedPoolsStillFindTheBuffers)
{
    auto p = make(8, false);
    pool_cache c{*p, {}, 4};
    std::vector<buffer_index> two(2);
    ASSERT_EQ(c.alloc_bulk(two), status::ok);
    const auto r = p->outstanding();
    EXPECT_EQ(r.outstanding, 2u);
    EXPECT_FALSE(r.holders_known);
    EXPECT_EQ(r.describe(), "2 buffers outstanding: unknown holder (pool unchecked) holds [0, 1]");
    ASSERT_EQ(c.free_bulk(two), status::ok);
}

TEST(UncheckedPool, DoubleFreesCannotOverrunTheDepot)
{
    test::log_capture cap;
    auto p = make(4, false);
    std::vector<buffer_index> all(4);
    {
        pool_cache c{*p, {}, 2};
        ASSERT_EQ(c.alloc_bulk(all), status::ok);
        ASSERT_EQ(c.free_bulk(all), status::ok);
        const buffer_index again[] = {all[0], all[1], all[2], all[3]};
        (void)p->free_unattached(again); // a caller bug an unchecked pool cannot see per buffer
    }
    EXPECT_TRUE(cap.has("extra returns dropped")) << cap.all();
}

} // namespace
} // namespace netcx::bm
