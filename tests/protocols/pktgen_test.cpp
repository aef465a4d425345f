// SPDX-License-Identifier: MIT
// pktgen against a fake binding: exact counts, sizes and size mixes, flows and sequences, pacing,
// retries of refused sends, buffers all returned at stop, and the round trip through a loopback.
#include "fake_binding.hpp"
#include "support/log_capture.hpp"

#include "pktgen/pktgen.hpp"

#include <netcx/protocols/builtin.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

namespace netcx::protocols {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<builtin> made(const params& p)
{
    auto g = make("pktgen", p);
    EXPECT_TRUE(g.ok()) << g.err().message;
    return g ? std::move(*g) : nullptr;
}

template <class F>
bool within(std::chrono::milliseconds limit, F&& f)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!f()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(200us);
    }
    return true;
}

void start(builtin& g, test::fake_binding& b)
{
    protocol::binding* bs[] = {&b};
    ASSERT_TRUE(g.start(bs).ok());
}

TEST(Pktgen, SendsExactlyCountFramesOfTheSize)
{
    auto g = made({{"count", "1000"}, {"size", "128"}, {"check", "0"}});
    test::fake_binding b{*g};
    start(*g, b);
    ASSERT_TRUE(within(5s, [&] { return g->done(); }));
    g->stop();
    const auto sent = b.sent();
    ASSERT_EQ(sent.size(), 1000u);
    for (std::size_t i = 0; i < sent.size(); ++i) {
        ASSERT_EQ(sent[i].bytes.size(), 128u);
        ASSERT_EQ(sent[i].tokens.size(), 1u);
        EXPECT_NE(sent[i].tokens[0] & test::fake_binding::tx_tag, 0u); // the Tx buffer's token
        auto frame = sent[i].bytes;
        datapath::rx_fragment f{frame.data(), 128, {}};
        stamp s;
        ASSERT_EQ(check_frame({&f, 1}, 128, s), frame_check::ok);
        EXPECT_EQ(s.flow, 0u);
        EXPECT_EQ(s.sequence, i);
    }
    const auto r = g->report();
    EXPECT_EQ(r.sent, 1000u);
    EXPECT_EQ(r.sent_bytes, 128000u);
    EXPECT_EQ(b.tx_held(), 0u);
    for (const auto s : b.alloc_sizes())
        EXPECT_EQ(s, 128u);
}

TEST(Pktgen, SizeMixIsRoundRobinAndFlowsInterleave)
{
    auto g = made({{"count", "300"},
                   {"sizes", "64,512,1500,512"},
                   {"flows", "3"},
                   {"dst", "0a:0b:0c:0d:0e:0f"},
                   {"src", "12-34-56-78-9a-bc"},
                   {"check", "0"}});
    test::fake_binding b{*g};
    start(*g, b);
    ASSERT_TRUE(within(5s, [&] { return g->done(); }));
    g->stop();
    const auto sent = b.sent();
    ASSERT_EQ(sent.size(), 300u);
    const std::uint32_t mix[] = {64, 512, 1500, 512};
    std::map<std::uint32_t, std::uint64_t> next_seq;
    for (std::size_t k = 0; k < sent.size(); ++k) {
        ASSERT_EQ(sent[k].bytes.size(), mix[k % 4]) << k;
        auto frame = sent[k].bytes;
        datapath::rx_fragment f{frame.data(), static_cast<std::uint32_t>(frame.size()), {}};
        stamp s;
        ASSERT_EQ(check_frame({&f, 1}, f.length, s), frame_check::ok);
        EXPECT_EQ(s.flow, k % 3);
        EXPECT_EQ(s.sequence, next_seq[s.flow]++);
        EXPECT_EQ(std::to_integer<int>(frame[0]), 0x0a);
        EXPECT_EQ(std::to_integer<int>(frame[5]), 0x0f);
        EXPECT_EQ(std::to_integer<int>(frame[6]), 0x12);
        EXPECT_EQ(std::to_integer<int>(frame[11]), 0xbc);
    }
    EXPECT_EQ(g->report().sent_bytes, 75u * (64 + 512 + 1500 + 512));
    EXPECT_EQ(b.tx_held(), 0u);
}

TEST(Pktgen, PacesToTheRate)
{
    auto g = made({{"count", "300"}, {"rate", "3000"}, {"check", "0"}});
    test::fake_binding b{*g};
    const auto t0 = std::chrono::steady_clock::now();
    start(*g, b);
    ASSERT_TRUE(within(5s, [&] { return g->done(); }));
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    g->stop();
    EXPECT_EQ(b.sent_count(), 300u);
    // 300 frames at 3000 pps: 100 ms (bursts of at most 32 allow ~10 ms early).
    EXPECT_GE(elapsed, 80ms);
    EXPECT_LE(elapsed, 1500ms);
}

TEST(Pktgen, DurationBoundsTheRun)
{
    auto g = made({{"duration", "0.15"}, {"rate", "10000"}, {"check", "0"}});
    test::fake_binding b{*g};
    const auto t0 = std::chrono::steady_clock::now();
    start(*g, b);
    ASSERT_TRUE(within(5s, [&] { return g->done(); }));
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    g->stop();
    EXPECT_GE(elapsed, 140ms);
    EXPECT_LE(elapsed, 1500ms);
    EXPECT_GE(b.sent_count(), 500u); // ~1500 expected; loose for loaded machines
    EXPECT_LE(b.sent_count(), 1600u);
    EXPECT_EQ(g->report().sent, b.sent_count());
}

TEST(Pktgen, RetriesRefusedSendsAndSendsEachFrameOnce)
{
    auto g = made({{"count", "200"}, {"check", "0"}});
    test::fake_binding b{*g};
    b.accept(50); // the queue takes 50, then refuses everything until room is made
    start(*g, b);
    ASSERT_TRUE(within(2s, [&] { return g->report().send_refused > 0; }));
    EXPECT_EQ(b.sent_count(), 50u);
    EXPECT_FALSE(g->done());
    b.accept(UINT64_MAX);
    ASSERT_TRUE(within(5s, [&] { return g->done(); }));
    g->stop();
    const auto sent = b.sent();
    ASSERT_EQ(sent.size(), 200u);
    for (std::size_t k = 0; k < sent.size(); ++k)
        EXPECT_EQ(sent[k].cookie, k);
    EXPECT_EQ(b.tx_held(), 0u);
}

TEST(Pktgen, StopReleasesEveryUnsentBuffer)
{
    auto g = made({{"count", "1000"}, {"check", "0"}, {"txq", "2"}});
    EXPECT_EQ(g->preferences().tx_queues, 2u);
    test::fake_binding b{*g};
    b.accept(40);
    start(*g, b);
    ASSERT_TRUE(within(2s, [&] { return g->report().send_refused > 0; }));
    EXPECT_GT(b.tx_held(), 0u); // frames made and refused
    g->stop();
    EXPECT_EQ(b.tx_held(), 0u);
    EXPECT_EQ(b.sent_count(), 40u);
    EXPECT_EQ(g->report().sent, 40u);
    std::set<std::uint32_t> queues;
    for (const auto& f : b.sent())
        queues.insert(f.queue);
    EXPECT_EQ(queues, (std::set<std::uint32_t>{0, 1}));
}

TEST(Pktgen, WaitsForTxBuffersAndGivesUpNamingTheSize)
{
    test::log_capture log;
    auto g = made({{"count", "10"}, {"size", "9000"}, {"check", "0"}});
    test::fake_binding b{*g, "fake0", 64, 2048}; // no buffer large enough
    start(*g, b);
    ASSERT_TRUE(within(5s, [&] { return g->done(); }));
    g->stop();
    EXPECT_EQ(b.sent_count(), 0u);
    EXPECT_TRUE(log.has("no Tx buffer of 9000 bytes from adapter 'fake0'")) << log.all();
}

TEST(Pktgen, ChecksWhatComesBack)
{
    auto g = made({{"count", "500"}, {"sizes", "64,1500"}, {"flows", "4"}});
    test::fake_binding b{*g};
    b.loopback(true);
    start(*g, b);
    ASSERT_TRUE(within(5s, [&] { return g->done(); }));
    g->stop();
    const auto r = g->report();
    EXPECT_EQ(r.sent, 500u);
    EXPECT_EQ(r.received, 500u);
    EXPECT_EQ(r.received_bytes, 250u * (64 + 1500));
    EXPECT_EQ(r.lost, 0u);
    EXPECT_EQ(r.integrity_errors, 0u);
    EXPECT_EQ(r.out_of_order, 0u);
    EXPECT_TRUE(r.has_latency);
    EXPECT_GT(r.latency_max_ns, 0u);
    // Every looped-back fragment was released by pktgen.
    EXPECT_EQ(b.released().size(), 500u);
}

TEST(Pktgen, CountsWhatNeverCameBackAfterTheGrace)
{
    auto g = made({{"count", "50"}, {"grace_ms", "50"}});
    test::fake_binding b{*g};
    start(*g, b);
    ASSERT_TRUE(within(5s, [&] { return g->done(); })); // nothing returns: the grace ends it
    g->stop();
    const auto r = g->report();
    EXPECT_EQ(r.sent, 50u);
    EXPECT_EQ(r.received, 0u);
    EXPECT_EQ(r.lost, 50u);
}

TEST(Pktgen, AWindowBoundsFramesOutAndReopensWhenNothingComesBack)
{
    auto g = made({{"count", "200"}, {"window", "64"}, {"grace_ms", "50"}});
    test::fake_binding b{*g}; // no loopback: nothing ever comes back
    start(*g, b);
    std::this_thread::sleep_for(100ms); // well inside the 250 ms a full window waits
    EXPECT_EQ(b.sent().size(), 64u) << "closed loop: the window is full";
    // The window reopens after a while without progress, so a lost frame never stalls pktgen.
    ASSERT_TRUE(within(5s, [&] { return g->done(); }));
    g->stop();
    EXPECT_EQ(g->report().sent, 200u);
    EXPECT_EQ(g->report().lost, 200u);
}

TEST(Pktgen, AWindowLosesNothingWhenFramesComeBack)
{
    auto g = made({{"count", "2000"}, {"window", "32"}});
    test::fake_binding b{*g};
    b.loopback(true);
    start(*g, b);
    ASSERT_TRUE(within(5s, [&] { return g->done(); }));
    g->stop();
    EXPECT_EQ(g->report().received, 2000u);
    EXPECT_EQ(g->report().lost, 0u);
}

} // namespace
} // namespace netcx::protocols
