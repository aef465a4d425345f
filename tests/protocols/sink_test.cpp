// SPDX-License-Identifier: MIT
// sink: counts, loss, reordering, duplicates, corruption, fragments, foreign frames, latency, and
// every fragment released exactly once.
#include "fake_binding.hpp"

#include "common/receiver.hpp"

#include <netcx/protocols/builtin.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace netcx::protocols {
namespace {

class SinkTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto s = make("sink", params_);
        ASSERT_TRUE(s.ok()) << s.err().message;
        sink_ = std::move(*s);
        b_ = std::make_unique<test::fake_binding>(*sink_);
        protocol::binding* bs[] = {b_.get()};
        ASSERT_TRUE(sink_->start(bs).ok());
    }
    /// Delivers `batch` and checks that every fragment of it was released.
    void deliver(test::rx_batch& batch, std::uint32_t queue = 0)
    {
        const auto before = b_->released().size();
        sink_->on_receive(*b_, queue, batch.packets, batch.fragments);
        auto rel = b_->released();
        std::vector<std::uint64_t> got(rel.begin() + static_cast<std::ptrdiff_t>(before),
                                       rel.end());
        std::vector<std::uint64_t> want;
        for (const auto& f : batch.fragments)
            want.push_back(f.token.value);
        std::sort(got.begin(), got.end());
        std::sort(want.begin(), want.end());
        EXPECT_EQ(got, want);
    }
    void deliver_seqs(std::initializer_list<std::uint64_t> seqs, std::uint32_t flow = 0)
    {
        test::rx_batch b;
        for (auto s : seqs)
            b.add(test::stamped(flow, s));
        deliver(b);
    }
    traffic_report stopped_report()
    {
        sink_->stop();
        return sink_->report();
    }

    params params_;
    std::unique_ptr<builtin> sink_;
    std::unique_ptr<test::fake_binding> b_;
};

TEST_F(SinkTest, InOrderFramesAreAllAccounted)
{
    test::rx_batch b;
    for (std::uint64_t s = 0; s < 100; ++s)
        b.add(test::stamped(0, s, 64 + static_cast<std::uint32_t>(s)));
    deliver(b);
    const auto r = stopped_report();
    EXPECT_EQ(r.received, 100u);
    EXPECT_EQ(r.received_bytes, 100u * 64 + 4950);
    EXPECT_EQ(r.lost, 0u);
    EXPECT_EQ(r.out_of_order, 0u);
    EXPECT_EQ(r.duplicates, 0u);
    EXPECT_EQ(r.integrity_errors, 0u);
    EXPECT_EQ(r.foreign, 0u);
    EXPECT_TRUE(r.has_latency);
    EXPECT_GE(r.latency_p50_ns, 1000u); // stamped 1 us in the past
    EXPECT_LE(r.latency_p50_ns, r.latency_p99_ns);
    EXPECT_LE(r.latency_p99_ns, r.latency_p999_ns);
    EXPECT_LE(r.latency_p999_ns, r.latency_max_ns);
}

TEST_F(SinkTest, GapsNeverFilledAreLost)
{
    deliver_seqs({0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    deliver_seqs({20, 21, 22});
    EXPECT_EQ(sink_->report().lost, 10u);
    deliver_seqs({12}); // one filled late
    const auto r = stopped_report();
    EXPECT_EQ(r.received, 14u);
    EXPECT_EQ(r.lost, 9u);
    EXPECT_EQ(r.out_of_order, 1u);
}

TEST_F(SinkTest, ReorderingIsCountedNotLost)
{
    deliver_seqs({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 10, 11, 12, 13, 14, 16});
    const auto r = stopped_report();
    EXPECT_EQ(r.received, 17u);
    EXPECT_EQ(r.lost, 0u);
    EXPECT_EQ(r.out_of_order, 5u);
    EXPECT_EQ(r.duplicates, 0u);
}

TEST_F(SinkTest, DuplicatesAreCounted)
{
    deliver_seqs({0, 1, 2, 1, 3, 3, 3});
    const auto r = stopped_report();
    EXPECT_EQ(r.received, 7u);
    EXPECT_EQ(r.duplicates, 3u);
    EXPECT_EQ(r.lost, 0u);
    EXPECT_EQ(r.out_of_order, 0u);
}

TEST_F(SinkTest, FlowsAreTrackedApart)
{
    deliver_seqs({0, 1, 2}, 0);
    deliver_seqs({0, 2}, 1);
    deliver_seqs({0, 1, 2}, 5);
    const auto r = stopped_report();
    EXPECT_EQ(r.received, 8u);
    EXPECT_EQ(r.lost, 1u);
    EXPECT_EQ(r.duplicates, 0u);
}

TEST_F(SinkTest, SequencesFarApartDoNotConfuseTheWindow)
{
    deliver_seqs({0, 1});
    deliver_seqs({200000}); // far beyond the window: 199998 gaps
    deliver_seqs({5});      // older than the window now: out of order, still lost
    deliver_seqs({200000}); // a duplicate
    deliver_seqs({199999}); // fills a gap inside the window
    const auto r = stopped_report();
    EXPECT_EQ(r.duplicates, 1u);
    EXPECT_EQ(r.out_of_order, 2u);
    EXPECT_EQ(r.lost, 200001u - 4u);
}

TEST_F(SinkTest, CorruptedFramesAreIntegrityErrorsAndNotDelivered)
{
    test::rx_batch b;
    b.add(test::stamped(0, 0, 200));
    auto bad = test::stamped(0, 1, 200);
    bad[150] ^= std::byte{1};
    b.add(std::move(bad));
    auto cut = test::stamped(0, 2, 200);
    cut.resize(180); // shorter than its stamp says
    b.add(std::move(cut));
    b.add(test::stamped(0, 3, 200));
    deliver(b);
    const auto r = stopped_report();
    EXPECT_EQ(r.received, 4u);
    EXPECT_EQ(r.integrity_errors, 2u);
    EXPECT_EQ(r.lost, 2u); // a damaged frame does not count as delivered
}

TEST_F(SinkTest, MultiFragmentFramesAreCheckedAcrossFragments)
{
    test::rx_batch b;
    b.add(test::stamped(0, 0, 1500), 512);
    b.add(test::stamped(0, 1, 9000), 2048);
    b.add(test::stamped(0, 2, 100), 10); // the header itself spans fragments
    auto bad = test::stamped(0, 3, 3000);
    bad[2047] ^= std::byte{0x80}; // the last byte of the first fragment
    b.add(std::move(bad), 2048);
    auto bad2 = test::stamped(0, 4, 3000);
    bad2[2048] ^= std::byte{0x80}; // the first byte of the second
    b.add(std::move(bad2), 2048);
    deliver(b);
    const auto r = stopped_report();
    EXPECT_EQ(r.received, 5u);
    EXPECT_EQ(r.received_bytes, 1500u + 9000 + 100 + 3000 + 3000);
    EXPECT_EQ(r.integrity_errors, 2u);
}

TEST_F(SinkTest, ForeignFramesAreCountedNotChecked)
{
    test::rx_batch b;
    std::vector<std::byte> arp(60, std::byte{0xff});
    arp[12] = std::byte{0x08};
    arp[13] = std::byte{0x06};
    b.add(arp);
    b.add(std::vector<std::byte>(10)); // a runt
    b.add(test::stamped(9999, 0));     // a flow beyond those tracked (64)
    b.add(test::stamped(0, 0));
    deliver(b);
    const auto r = stopped_report();
    EXPECT_EQ(r.received, 4u);
    EXPECT_EQ(r.foreign, 3u);
    EXPECT_EQ(r.integrity_errors, 0u);
    EXPECT_EQ(r.lost, 0u);
}

TEST_F(SinkTest, InterleavedHalvesFillEachOthersGaps)
{
    test::rx_batch a, b;
    for (std::uint64_t s = 0; s < 10; s += 2)
        a.add(test::stamped(0, s));
    for (std::uint64_t s = 1; s < 10; s += 2)
        b.add(test::stamped(0, s));
    deliver(a, 0);
    deliver(b, 0); // the odd ones fill the gaps the even ones left
    const auto r = stopped_report();
    EXPECT_EQ(r.received, 10u);
    EXPECT_EQ(r.lost, 0u);
}

TEST(Sink, ManyFlowsShrinkTheSequenceWindowNotTheChecks)
{
    EXPECT_EQ(flow_checker{64}.window(), 65536u);
    EXPECT_EQ(flow_checker{256}.window(), 65536u);
    EXPECT_EQ(flow_checker{4096}.window(), 4096u);
    auto s = make("sink", {{"flows", "4096"}});
    ASSERT_TRUE(s.ok());
    test::fake_binding b{**s};
    test::rx_batch batch;
    for (std::uint32_t f = 0; f < 4096; f += 7)
        for (std::uint64_t q : {0, 2, 1, 1, 10000, 3})
            batch.add(test::stamped(f, q));
    (*s)->on_receive(b, 0, batch.packets, batch.fragments);
    (*s)->stop();
    const auto r = (*s)->report();
    const std::uint64_t flows = (4096 + 6) / 7;
    EXPECT_EQ(r.duplicates, flows);
    EXPECT_EQ(r.out_of_order, flows * 2); // 1 late inside the window, 3 beyond it
    EXPECT_EQ(r.lost, flows * (10001 - 4));
}

TEST(Sink, ExpectMakesItDoneAndCountsTrailingLoss)
{
    auto s = make("sink", {{"expect", "5"}, {"rxq", "2"}});
    ASSERT_TRUE(s.ok());
    auto& sink = **s;
    EXPECT_EQ(sink.preferences().rx_queues, 2u);
    test::fake_binding b{sink};
    test::rx_batch batch;
    for (std::uint64_t q = 0; q < 3; ++q)
        batch.add(test::stamped(0, q));
    sink.on_receive(b, 1, batch.packets, batch.fragments);
    EXPECT_FALSE(sink.done());
    sink.stop();
    EXPECT_EQ(sink.report().lost, 2u);
    test::rx_batch more;
    more.add(test::stamped(0, 3));
    more.add(test::stamped(0, 4));
    sink.on_receive(b, 0, more.packets, more.fragments);
    EXPECT_TRUE(sink.done());
    EXPECT_EQ(sink.report().lost, 0u);
}

} // namespace
} // namespace netcx::protocols
