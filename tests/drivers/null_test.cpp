// SPDX-License-Identifier: MIT
// null end to end: every posted Rx buffer comes back filled from the template (64 bytes unless
// frame_size says otherwise); every send completes at once.
#include "driver_fixture.hpp"

#include <algorithm>

namespace netcx::test {
namespace {

using NullTest = DriverTest;

TEST_F(NullTest, ReceivesTemplateFramesAtTheTemplateSize)
{
    const auto d = started_device("null");
    recording_sink rx{64};
    counting_tx_sink tx;
    auto dp = open(d, rx, tx);
    ASSERT_TRUE(dp);
    EXPECT_TRUE(eventually([&] { return rx.count() >= 10000; }));
    auto c = dp->close();
    EXPECT_TRUE(c.ok()) << c.err().message;
    const auto lengths = rx.lengths();
    EXPECT_TRUE(std::ranges::all_of(lengths, [](std::uint32_t l) { return l == 64; }));
    const auto f = rx.frames();
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f[0].size(), 64u);
    EXPECT_EQ(f[0][0], std::byte{0xff});
    EXPECT_EQ(f[0][12], std::byte{0x88});
    EXPECT_EQ(f[0][13], std::byte{0xb5});
}

TEST_F(NullTest, FrameSizeAndCopyAreParameters)
{
    const auto d = started_device("null", {{"frame_size", "128"}, {"copy", "0"}});
    recording_sink rx{16};
    counting_tx_sink tx;
    auto dp = open(d, rx, tx);
    ASSERT_TRUE(dp);
    EXPECT_TRUE(eventually([&] { return rx.count() >= 1000; }));
    EXPECT_TRUE(dp->close().ok());
    const auto lengths = rx.lengths();
    EXPECT_TRUE(std::ranges::all_of(lengths, [](std::uint32_t l) { return l == 128; }));
}

TEST_F(NullTest, EverySendCompletes)
{
    const auto d = started_device("null", {{"rx", "0"}});
    recording_sink rx;
    counting_tx_sink tx;
    auto dp = open(d, rx, tx);
    ASSERT_TRUE(dp);
    std::vector<std::byte> payload(64, std::byte{0x5a});
    std::vector<datapath::tx_fragment> fragments{{payload.data(), 64}};
    std::vector<datapath::tx_packet> packets;
    for (std::uint64_t i = 0; i < 32; ++i)
        packets.push_back({0, 1, i});
    for (int burst = 0; burst < 100; ++burst)
        send_all(*dp, packets, fragments);
    EXPECT_TRUE(eventually([&] { return tx.count() >= 3200; }));
    EXPECT_EQ(rx.count(), 0u);
    EXPECT_EQ(dp->tx_stats(0).packets + 0, dp->tx_stats(0).packets); // readable while open
    EXPECT_TRUE(dp->close().ok());
    EXPECT_EQ(tx.count(), 3200u);
}

TEST_F(NullTest, TheDriverKeepsEveryRingRuleUnderTheVerifier)
{
    const auto d = started_device("null", {{"verifier", "1"}});
    recording_sink rx{16};
    counting_tx_sink tx;
    auto dp = open(d, rx, tx);
    ASSERT_TRUE(dp);
    std::vector<std::byte> payload(64, std::byte{0x5a});
    std::vector<datapath::tx_fragment> fragments{{payload.data(), 64}};
    std::vector<datapath::tx_packet> packets(32, datapath::tx_packet{0, 1, 0});
    send_all(*dp, packets, fragments);
    EXPECT_TRUE(eventually([&] { return rx.count() >= 1000 && tx.count() >= 32; }))
        << "received " << rx.count() << ", completed " << tx.count();
    EXPECT_TRUE(dp->close().ok());
    const auto stats = dp->rx_stats(0);
    EXPECT_EQ(stats.rx_drops[static_cast<std::size_t>(datapath::rx_drop::verifier)], 0u);
}

TEST_F(NullTest, BadFrameSizeFailsTheDevice)
{
    auto drv = host_.load_driver("null");
    ASSERT_TRUE(drv.ok());
    EXPECT_FALSE(host_.add_device(*drv, {{"frame_size", "9"}}).ok());
    EXPECT_TRUE(log_.has("frame_size=9"));
}

TEST_F(NullTest, TheSharedObjectDriverLoads)
{
    auto drv = host_.load_driver(NETCX_NULL_SO);
    ASSERT_TRUE(drv.ok()) << drv.err().message;
    auto dev = host_.add_device(*drv);
    ASSERT_TRUE(dev.ok());
    ASSERT_TRUE(host_.start_device(*dev).ok());
    recording_sink rx{16};
    counting_tx_sink tx;
    auto dp = open(*dev, rx, tx);
    ASSERT_TRUE(dp);
    EXPECT_TRUE(eventually([&] { return rx.count() >= 100; }));
    EXPECT_TRUE(dp->close().ok());
}

} // namespace
} // namespace netcx::test
