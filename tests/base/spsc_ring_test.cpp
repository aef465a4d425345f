// SPDX-License-Identifier: MIT
#include <netcx/base/copy.hpp>
#include <netcx/base/spsc_ring.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <thread>
#include <vector>

namespace netcx {
namespace {

TEST(CopyElements, CopiesEveryLengthExactly)
{
    std::vector<std::uint32_t> from(80);
    std::iota(from.begin(), from.end(), 1u);
    for (std::uint32_t n = 0; n <= 70; ++n) {
        std::vector<std::uint32_t> to(80, 0);
        copy_elements(from.data(), n, to.data());
        for (std::uint32_t i = 0; i < 80; ++i)
            EXPECT_EQ(to[i], i < n ? from[i] : 0u) << "n=" << n << " i=" << i;
    }
}

TEST(SpscRing, HoldsSizeMinusOneAndKeepsOrderAcrossTheWrap)
{
    spsc_ring<std::uint32_t> r{8};
    EXPECT_EQ(r.capacity(), 7u);
    std::uint32_t next_in = 0, next_out = 0;
    for (int round = 0; round < 20; ++round) { // wraps the 32-bit indices' low bits many times
        std::uint32_t in[5];
        for (auto& v : in)
            v = next_in++;
        ASSERT_TRUE(r.enqueue_bulk(in, 5));
        std::uint32_t out[5];
        ASSERT_TRUE(r.dequeue_bulk(out, 5));
        for (auto v : out)
            EXPECT_EQ(v, next_out++);
    }
}

TEST(SpscRing, BulkIsAllOrNothingBurstIsBestEffort)
{
    spsc_ring<std::uint32_t> r{8};
    const std::uint32_t six[6] = {1, 2, 3, 4, 5, 6};
    ASSERT_TRUE(r.enqueue_bulk(six, 6));
    EXPECT_FALSE(r.enqueue_bulk(six, 2)) << "only one slot is free";
    EXPECT_EQ(r.enqueue_burst(six, 2), 1u);
    EXPECT_EQ(r.size(), 7u);
    std::uint32_t out[8];
    EXPECT_FALSE(r.dequeue_bulk(out, 8));
    EXPECT_EQ(r.dequeue_burst(out, 8), 7u);
    EXPECT_EQ(out[6], 1u);
    EXPECT_EQ(r.dequeue_burst(out, 8), 0u);
}

TEST(SpscRing, TwoThreadsPassEveryElementOnceInOrder)
{
    spsc_ring<std::uint32_t> r{64};
    constexpr std::uint32_t total = 300'000;
    std::thread consumer([&] {
        std::uint32_t expect = 0;
        std::uint32_t buf[13];
        while (expect < total) {
            const auto n = r.dequeue_burst(buf, 13);
            for (std::uint32_t i = 0; i < n; ++i)
                ASSERT_EQ(buf[i], expect++);
        }
    });
    std::uint32_t buf[9];
    for (std::uint32_t sent = 0; sent < total;) {
        const std::uint32_t want = std::min<std::uint32_t>(9, total - sent);
        for (std::uint32_t i = 0; i < want; ++i)
            buf[i] = sent + i;
        sent += r.enqueue_burst(buf, want);
    }
    consumer.join();
    EXPECT_EQ(r.size(), 0u);
}

} // namespace
} // namespace netcx
