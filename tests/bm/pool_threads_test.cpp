// SPDX-License-Identifier: MIT
// Buffers crossing threads: allocated on one, freed on another (through caches and through the
// unattached return path), and shared buffers released concurrently. Meant for the TSan build.
#include "support/modes.hpp"

#include <netcx/bm/pool_cache.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace netcx::bm {
namespace {

std::unique_ptr<pool> make(std::uint32_t count, bool checked)
{
    pool_config c;
    c.name = "mt";
    c.buffer_count = count;
    c.buffer_size = 64;
    c.pages = page_policy::small;
    c.checked = checked;
    auto p = pool::create(c);
    EXPECT_TRUE(p.ok());
    return std::move(p).value();
}

/// A locked hand-off queue: the test's stand-in for a ring between two threads.
class handoff {
public:
    void push(std::span<const buffer_index> bs)
    {
        const std::lock_guard g{lock_};
        q_.insert(q_.end(), bs.begin(), bs.end());
    }
    std::size_t pop(std::span<buffer_index> out)
    {
        const std::lock_guard g{lock_};
        const std::size_t n = std::min(out.size(), q_.size());
        std::copy_n(q_.begin(), n, out.begin());
        q_.erase(q_.begin(), q_.begin() + static_cast<std::ptrdiff_t>(n));
        return n;
    }

private:
    std::mutex lock_;
    std::deque<buffer_index> q_;
};

class PoolThreads : public ::testing::TestWithParam<bool> {};

TEST_P(PoolThreads, AllocOnOneThreadFreeOnAnotherThroughCaches)
{
    auto p = make(2048, GetParam());
    constexpr std::uint64_t total = 200'000;
    handoff ring;
    std::atomic<bool> done{false};
    std::thread consumer([&] {
        pool_cache c{*p, {owner::protocol, 1}, 256};
        std::uint64_t freed = 0;
        buffer_index burst[32];
        while (freed < total) {
            const auto n = ring.pop(burst);
            ASSERT_EQ(c.free_bulk(std::span{burst, n}), status::ok);
            freed += n;
        }
        done = true;
    });
    {
        pool_cache c{*p, {owner::driver, 0}, 256};
        buffer_index burst[32];
        for (std::uint64_t sent = 0; sent < total;) {
            const auto n = c.alloc_burst(burst);
            ring.push(std::span{burst, n});
            sent += n;
            if (n == 0)
                std::this_thread::yield(); // the consumer's cache holds the rest for now
        }
        consumer.join();
    }
    EXPECT_TRUE(done);
    const auto s = p->stats();
    EXPECT_EQ(s.in_flight, 0u);
    EXPECT_EQ(s.alloc_fast + s.alloc_slow, total);
    EXPECT_GT(s.flushes, 0u) << "the consumer's cache returned buffers through the depot";
    EXPECT_EQ(p->outstanding().outstanding, 0u);
}

TEST_P(PoolThreads, ThreadsWithoutACacheReturnBuffersConcurrently)
{
    auto p = make(4096, GetParam());
    constexpr int returners = 3;
    std::vector<handoff> rings(returners);
    std::atomic<int> finished{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < returners; ++t) {
        ts.emplace_back([&, t] {
            buffer_index burst[16];
            while (true) {
                const bool last = finished.load() != 0; // read before the pop: nothing comes after
                const auto n = rings[static_cast<std::size_t>(t)].pop(burst);
                if (n == 0 && last)
                    break;
                ASSERT_EQ(p->free_unattached(std::span{burst, n}), status::ok);
            }
        });
    }
    {
        pool_cache c{*p, {}, 128};
        buffer_index burst[16];
        for (int round = 0; round < 3000; ++round) {
            const auto n = c.alloc_burst(burst);
            rings[static_cast<std::size_t>(round % returners)].push(std::span{burst, n});
        }
        finished = 1;
        for (auto& t : ts)
            t.join();
        EXPECT_EQ(p->stats().in_flight, 0u);
        EXPECT_GT(p->stats().free_remote, 0u);
    }
    EXPECT_EQ(p->outstanding().outstanding, 0u);
}

TEST_P(PoolThreads, SharedBuffersReleasedConcurrentlyAreFreedExactlyOnce)
{
    auto p = make(1024, GetParam());
    std::vector<buffer_index> all(1024);
    {
        pool_cache c{*p, {}, 64};
        ASSERT_EQ(c.alloc_bulk(all), status::ok);
    }
    for (auto b : all)
        p->add_ref(b); // two holders each
    auto release_all = [&] {
        pool_cache c{*p, {}, 64};
        for (auto b : all)
            ASSERT_EQ(c.release(b), status::ok);
    };
    std::thread a{release_all};
    std::thread b{release_all};
    a.join();
    b.join();
    EXPECT_EQ(p->stats().in_flight, 0u);
    EXPECT_EQ(p->outstanding().outstanding, 0u);
    EXPECT_EQ(p->stats().bad_frees, 0u);
    pool_cache c{*p, {}, 64};
    std::vector<buffer_index> again(1024);
    EXPECT_EQ(c.alloc_bulk(again), status::ok) << "every buffer is back exactly once";
    EXPECT_FALSE(c.alloc());
    EXPECT_EQ(c.free_bulk(again), status::ok);
}

INSTANTIATE_TEST_SUITE_P(Modes, PoolThreads, ::testing::Values(false, true), test::pool_mode_name);

} // namespace
} // namespace netcx::bm
