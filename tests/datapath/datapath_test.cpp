// SPDX-License-Identifier: MIT
// End to end through the loopback driver: what is sent is received intact, every buffer comes
// back, bounces and drops are counted by reason, stop drains, an idle context sleeps.
#include "datapath_fixture.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

namespace netcx::test {
namespace {

using datapath::bounce_reason;
using datapath::tx_drop;

std::size_t at(bounce_reason r)
{
    return static_cast<std::size_t>(r);
}
std::size_t at(tx_drop r)
{
    return static_cast<std::size_t>(r);
}

TEST_F(DatapathTest, PacketsOfManySizesArriveIntactAndEveryBufferComesBack)
{
    open();
    std::vector<std::vector<std::byte>> payloads;
    for (unsigned i = 0; i < 300; ++i)
        payloads.push_back(pattern(1 + (i * 37) % 1514, i));
    send_all(payloads);
    ASSERT_TRUE(wait_until([&] { return rx_.count() == payloads.size(); })) << rx_.count();
    ASSERT_TRUE(wait_until([&] { return tx_.count() == payloads.size(); }));
    {
        const std::lock_guard g{rx_.lock};
        for (std::size_t i = 0; i < payloads.size(); ++i)
            ASSERT_EQ(rx_.got[i].payload, payloads[i]) << "packet " << i;
    }
    EXPECT_EQ(dp_->tx_stats(0).packets, payloads.size());
    EXPECT_EQ(dp_->rx_stats(0).packets, payloads.size());
    auto r = dp_->close();
    EXPECT_TRUE(r.ok()) << r.err().message;
}

TEST_F(DatapathTest, CloseNamesBuffersTheProtocolStillHolds)
{
    open({}, false);
    send_all({pattern(100, 1), pattern(200, 2)});
    ASSERT_TRUE(wait_until([&] { return rx_.count() == 2; }));
    auto r = dp_->close();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), status::busy);
    EXPECT_NE(r.err().message.find("buffers still held"), std::string::npos) << r.err().message;
}

TEST_F(DatapathTest, FramesLargerThanOneBufferArriveAsSeveralFragments)
{
    open({{"rx_frame", "256"}});
    const std::vector<std::vector<std::byte>> payloads{pattern(1000, 3), pattern(256, 4),
                                                       pattern(257, 5)};
    send_all(payloads);
    ASSERT_TRUE(wait_until([&] { return rx_.count() == 3; }));
    const std::lock_guard g{rx_.lock};
    EXPECT_EQ(rx_.got[0].fragments, 4);
    EXPECT_EQ(rx_.got[1].fragments, 1);
    EXPECT_EQ(rx_.got[2].fragments, 2);
    for (std::size_t i = 0; i < payloads.size(); ++i)
        EXPECT_EQ(rx_.got[i].payload, payloads[i]);
}

TEST_F(DatapathTest, OrdinaryMemoryBouncesAsUnmappedBehindAnIommu)
{
    open({{"dma", "iommu"}, {"use_dma", "1"}});
    const std::vector<std::vector<std::byte>> payloads{pattern(60, 1), pattern(1500, 2)};
    send_all(payloads);
    ASSERT_TRUE(wait_until([&] { return rx_.count() == 2; }));
    EXPECT_EQ(dp_->tx_stats(0).bounces[at(bounce_reason::unmapped)], 2U);
    const std::lock_guard g{rx_.lock};
    EXPECT_EQ(rx_.got[1].payload, payloads[1]);
}

TEST_F(DatapathTest, AThirtyTwoBitDeviceBehindAnIommuGetsAddressesBelow4GiB)
{
    open({{"dma", "iommu"}, {"use_dma", "1"}, {"dma32", "1"}});
    const std::vector<std::vector<std::byte>> payloads{pattern(100, 1), pattern(1400, 2)};
    send_all(payloads);
    ASSERT_TRUE(wait_until([&] { return rx_.count() == 2; }));
    EXPECT_EQ(dp_->tx_stats(0).bounces[at(bounce_reason::unmapped)], 2U);
    LOOPBACK_COUNTERS c;
    loopback_driver_counters(&c);
    EXPECT_NE(c.MaxLogicalAddress, 0U);
    EXPECT_LE(c.MaxLogicalAddress, 0xffffffffULL);
    const std::lock_guard g{rx_.lock};
    EXPECT_EQ(rx_.got[1].payload, payloads[1]);
}

TEST_F(DatapathTest, BackfillBouncesAndLeadsThePayload)
{
    open({{"backfill", "32"}});
    const auto payload = pattern(200, 7);
    send_all({payload});
    ASSERT_TRUE(wait_until([&] { return rx_.count() == 1; }));
    EXPECT_EQ(dp_->tx_stats(0).bounces[at(bounce_reason::backfill)], 1U);
    const std::lock_guard g{rx_.lock};
    ASSERT_EQ(rx_.got[0].payload.size(), 232U);
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), rx_.got[0].payload.begin() + 32));
}

TEST_F(DatapathTest, MisalignedPayloadsAndTooManyFragmentsBounce)
{
    open({{"tx_align", "64"}, {"tx_fragments", "2"}});
    auto buf = pattern(512, 8);
    // Misaligned: one fragment starting at an odd address.
    const std::byte* odd =
        buf.data() + ((reinterpret_cast<std::uintptr_t>(buf.data()) & 63) == 1 ? 2 : 1);
    datapath::tx_fragment f{odd, 100};
    datapath::tx_packet p{0, 1, 1};
    ASSERT_EQ(dp_->send(0, {&p, 1}, {&f, 1}), 1U);
    ASSERT_TRUE(wait_until([&] { return rx_.count() == 1; }));
    EXPECT_EQ(dp_->tx_stats(0).bounces[at(bounce_reason::misaligned)], 1U);
    // Three fragments, two allowed: gathered into one bounce buffer, in order.
    alignas(64) static std::byte a[64], b[64], c[64];
    std::memset(a, 1, 64);
    std::memset(b, 2, 64);
    std::memset(c, 3, 64);
    const datapath::tx_fragment fs[3] = {{a, 64}, {b, 64}, {c, 64}};
    datapath::tx_packet q{0, 3, 2};
    ASSERT_EQ(dp_->send(0, {&q, 1}, fs), 1U);
    ASSERT_TRUE(wait_until([&] { return rx_.count() == 2; }));
    EXPECT_EQ(dp_->tx_stats(0).bounces[at(bounce_reason::too_many_fragments)], 1U);
    const std::lock_guard g{rx_.lock};
    ASSERT_EQ(rx_.got[1].payload.size(), 192U);
    EXPECT_EQ(rx_.got[1].payload[0], std::byte{1});
    EXPECT_EQ(rx_.got[1].payload[100], std::byte{2});
    EXPECT_EQ(rx_.got[1].payload[191], std::byte{3});
}

TEST_F(DatapathTest, ZeroLengthAndOversizePacketsAreDroppedAndStillComplete)
{
    open({{"tx_frame", "1514"}});
    const auto big = pattern(2000, 1);
    datapath::tx_fragment f{big.data(), 2000};
    const datapath::tx_packet ps[2] = {{0, 0, 100}, {0, 1, 101}};
    ASSERT_EQ(dp_->send(0, ps, {&f, 1}), 2U);
    ASSERT_TRUE(wait_until([&] { return tx_.count() == 2; }));
    const auto s = dp_->tx_stats(0);
    EXPECT_EQ(s.tx_drops[at(tx_drop::zero_length)], 1U);
    EXPECT_EQ(s.tx_drops[at(tx_drop::oversize)], 1U);
    EXPECT_EQ(rx_.count(), 0U);
}

TEST_F(DatapathTest, APacketNamingFragmentsOutsideTheSpanStopsTheSendThere)
{
    open();
    const auto a = pattern(100, 1), b = pattern(100, 2);
    const datapath::tx_fragment fs[2] = {{a.data(), 100}, {b.data(), 100}};
    // The second packet names fragments [1, 3) of two: it and what follows are not accepted.
    const datapath::tx_packet ps[3] = {{0, 1, 1}, {1, 2, 2}, {1, 1, 3}};
    EXPECT_EQ(dp_->send(0, ps, fs), 1U);
    EXPECT_TRUE(log_.has("send: packet 1 names fragments [1, 3) of a span of 2; not sent"))
        << log_.all();
    ASSERT_TRUE(wait_until([&] { return rx_.count() == 1; }));
    EXPECT_EQ(dp_->tx_stats(0).packets, 1U);
}

TEST_F(DatapathTest, StopCompletesWhatTheDriverHeldAsCancelled)
{
    open({{"hold_tx", "1"}});
    std::vector<std::vector<std::byte>> payloads;
    for (unsigned i = 0; i < 10; ++i)
        payloads.push_back(pattern(100, i));
    send_all(payloads);
    ASSERT_TRUE(wait_until([&] { return dp_->tx_stats(0).advances > 2; }));
    EXPECT_EQ(tx_.count(), 0U);
    auto r = dp_->close();
    EXPECT_TRUE(r.ok()) << r.err().message;
    EXPECT_EQ(tx_.count(), 10U);
    EXPECT_EQ(dp_->tx_stats(0).tx_drops[at(tx_drop::cancelled)], 10U);
}

TEST_F(DatapathTest, IdleContextSleepsAndASendWakesIt)
{
    open();
    // Idle: the context arms and sleeps, so Advance stops being called.
    ASSERT_TRUE(wait_until([&] {
        const auto a = dp_->rx_stats(0).advances;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return dp_->rx_stats(0).advances == a;
    }));
    LOOPBACK_COUNTERS c;
    loopback_driver_counters(&c);
    EXPECT_GT(c.NotificationsArmed, 0U);
    send_all({pattern(64, 1)});
    ASSERT_TRUE(wait_until([&] { return rx_.count() == 1; }));
}

TEST_F(DatapathTest, CallbacksRunBetweenStartAndStopInOrder)
{
    open();
    send_all({pattern(64, 1)});
    ASSERT_TRUE(wait_until([&] { return rx_.count() == 1; }));
    ASSERT_TRUE(dp_->close().ok());
    std::vector<std::string> order;
    std::istringstream lines{log_.all()};
    for (std::string line; std::getline(lines, line);)
        if (auto p = line.find("loopback: "); p != std::string::npos)
            order.push_back(line.substr(p + 10));
    const std::vector<std::string> expected{"EvtAdapterCreateTxQueue 0",
                                            "EvtAdapterCreateRxQueue 0",
                                            "EvtStart rx",
                                            "EvtStart tx",
                                            "EvtCancel rx",
                                            "EvtStop rx",
                                            "EvtCancel tx",
                                            "EvtStop tx"};
    EXPECT_EQ(order, expected);
    LOOPBACK_COUNTERS c;
    loopback_driver_counters(&c);
    EXPECT_EQ(c.OutOfOrder, 0U);
}

TEST_F(DatapathTest, StopDeviceRefusesWhileTheDatapathIsOpenAndRemoveClosesIt)
{
    open();
    auto s = host_->stop_device(device_);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), status::busy);
    EXPECT_TRUE(log_.has("its datapath is open"));
    EXPECT_TRUE(host_->remove_device(device_).ok());
    EXPECT_TRUE(log_.has("EvtStop rx"));
    EXPECT_EQ(dp_->send(0, {}, {}), 0U);
}

TEST_F(DatapathTest, ADriverThatKeepsRxBuffersAfterCancelIsNamed)
{
    open({{"keep_rx", "1"}});
    ASSERT_TRUE(wait_until([&] { return dp_->rx_stats(0).advances > 0; }));
    auto r = dp_->close();
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(log_.has("rxqueue0: the driver kept")) << log_.all();
}

TEST_F(DatapathTest, OpenRefusesMoreQueuesThanTheAdapterHas)
{
    auto d = host_->load_driver("loopback");
    ASSERT_TRUE(d.ok());
    auto dev = host_->add_device(*d);
    ASSERT_TRUE(dev.ok());
    datapath::options o;
    o.rx = &rx_;
    auto not_started = host_->open_datapath(*dev, o);
    EXPECT_FALSE(not_started.ok());
    ASSERT_TRUE(host_->start_device(*dev).ok());
    o.rx_queues = 2;
    auto r = host_->open_datapath(*dev, o);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.err().message.find("rx_queues 2 is more than the adapter's 1"), std::string::npos);
    o.rx_queues = 1;
    o.rx = nullptr;
    EXPECT_FALSE(host_->open_datapath(*dev, o).ok());
    EXPECT_TRUE(log_.has("without an rx sink"));
}

} // namespace
} // namespace netcx::test
