// SPDX-License-Identifier: MIT
// simnic end to end: two devices on a wire (or one in loopback) move packets through
// host::open_datapath in every Rx mode the framework offers, on the software IOMMU and on the
// identity space, with 32-bit devices and multi-fragment Tx; every buffer is back at close.
#include "driver_fixture.hpp"

#include <numeric>
#include <sstream>

namespace netcx::test {
namespace {

/// `count` frames of `size` bytes, each split into `pieces` fragments; frame i starts with i.
struct frames {
    frames(std::uint32_t count, std::uint32_t frame_size, std::uint32_t pieces = 1)
        : bytes(std::size_t{count} * frame_size), size(frame_size)
    {
        for (std::size_t i = 0; i < bytes.size(); ++i)
            bytes[i] = std::byte(static_cast<std::uint8_t>(i * 7 + i / size));
        for (std::uint32_t i = 0; i < count; ++i) {
            std::byte* f = bytes.data() + std::size_t{i} * size;
            std::memset(f, 0xff, 6);            // broadcast
            std::memcpy(f + 12, "\x88\xb5", 2); // local experimental EtherType
            std::memcpy(f + 14, &i, sizeof i);  // sequence number
            packets.push_back({static_cast<std::uint32_t>(fragments.size()),
                               static_cast<std::uint16_t>(pieces), i});
            std::uint32_t off = 0;
            for (std::uint32_t k = 0; k < pieces; ++k) {
                const std::uint32_t len = k + 1 == pieces ? size - off : size / pieces;
                fragments.push_back({f + off, len});
                off += len;
            }
        }
    }
    std::span<const std::byte> frame(std::uint32_t i) const
    {
        return {bytes.data() + std::size_t{i} * size, size};
    }
    std::vector<std::byte> bytes;
    std::uint32_t size;
    std::vector<datapath::tx_packet> packets;
    std::vector<datapath::tx_fragment> fragments;
};

class SimnicTest : public DriverTest {
protected:
    /// Two simnics on a fresh wire with `p` each; sends `f` from the first, expects all of it on
    /// the second, intact and in order; closes both with nothing held.
    void pair_moves(const host::params& p, const frames& f)
    {
        host::params pa = p, pb = p;
        const std::string wire = "wire-" + std::to_string(next_wire_++) +
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name();
        pa.emplace_back("wire", wire);
        pb.emplace_back("wire", wire);
        const auto a = started_device("simnic", pa);
        const auto b = started_device("simnic", pb);
        recording_sink rx_a, rx_b;
        counting_tx_sink tx_a, tx_b;
        auto dp_a = open(a, rx_a, tx_a);
        auto dp_b = open(b, rx_b, tx_b);
        ASSERT_TRUE(dp_a && dp_b);
        send_paced(*dp_a, f.packets, f.fragments, [&] { return rx_b.count(); });
        EXPECT_TRUE(eventually([&] { return rx_b.count() >= f.packets.size(); }))
            << "received " << rx_b.count() << " of " << f.packets.size() << "; Rx advances "
            << dp_b->rx_stats(0).advances << ", notifications " << dp_b->rx_stats(0).notifications
            << ", dropped by the verifier "
            << dp_b->rx_stats(0).rx_drops[static_cast<std::size_t>(datapath::rx_drop::verifier)];
        EXPECT_TRUE(eventually([&] { return tx_a.count() >= f.packets.size(); }))
            << "completed " << tx_a.count() << " of " << f.packets.size();
        const auto got = rx_b.frames();
        if (got.size() != f.packets.size()) {
            (void)dp_a->close();
            (void)dp_b->close();
            FAIL() << "received " << got.size() << " of " << f.packets.size() << "\n"
                   << simnic_counters();
        }
        for (std::uint32_t i = 0; i < got.size(); ++i)
            ASSERT_TRUE(std::ranges::equal(got[i], f.frame(i))) << "frame " << i;
        EXPECT_EQ(rx_a.count(), 0u);
        const auto stats = dp_b->rx_stats(0);
        EXPECT_EQ(stats.packets, f.packets.size());
        for (auto d : stats.rx_drops)
            EXPECT_EQ(d, 0u);
        last_tx_stats_ = dp_a->tx_stats(0);
        auto ca = dp_a->close();
        auto cb = dp_b->close();
        EXPECT_TRUE(ca.ok()) << ca.err().message;
        EXPECT_TRUE(cb.ok()) << cb.err().message;
        EXPECT_FALSE(log_.has("DMA fault:")) << log_.all();
        EXPECT_FALSE(log_.has("never returned")) << log_.all();
    }

    /// The devices' counters, as their drivers logged them when their Rx queues stopped.
    std::string simnic_counters() const
    {
        std::string out;
        std::istringstream lines{log_.all()};
        for (std::string line; std::getline(lines, line);)
            if (line.find("simnic") != std::string::npos && line.find(": rx ") != std::string::npos)
                out += line + "\n";
        return out;
    }

    datapath::queue_stats last_tx_stats_;
    inline static int next_wire_ = 0;
};

TEST_F(SimnicTest, APairOnAWireMovesPacketsWithSystemRxThroughTheIommu)
{
    pair_moves({{"dma", "iommu"}}, frames{200, 256});
}

TEST_F(SimnicTest, APairMovesPacketsWithSystemRxWithoutDma)
{
    pair_moves({{"rx_mode", "system_nodma"}}, frames{200, 128});
}

TEST_F(SimnicTest, APairMovesPacketsOnTheIdentitySpaceWithDma)
{
    pair_moves({{"dma", "identity"}}, frames{100, 1514});
}

TEST_F(SimnicTest, ThirtyTwoBitDevicesBehindA32BitIommuMovePackets)
{
    pair_moves({{"dma", "iommu"}, {"iommu_bits", "32"}, {"address_width", "32"}}, frames{100, 300});
}

TEST_F(SimnicTest, TheDriverKeepsEveryRingRuleUnderTheVerifier)
{
    pair_moves({{"dma", "iommu"}, {"verifier", "1"}, {"max_sg", "8"}}, frames{100, 400, 3});
    EXPECT_FALSE(log_.has("verifier: ")) << log_.all();
}

TEST_F(SimnicTest, MultiFragmentTxIsGatheredByTheDevice)
{
    // On the identity space the payloads are usable as they are: four fragments reach the device.
    pair_moves({{"max_sg", "8"}}, frames{100, 600, 4});
    for (auto b : last_tx_stats_.bounces)
        EXPECT_EQ(b, 0u);
}

TEST_F(SimnicTest, MoreFragmentsThanTheDeviceTakesAreBounced)
{
    pair_moves({{"max_sg", "2"}}, frames{50, 600, 5});
    EXPECT_EQ(last_tx_stats_
                  .bounces[static_cast<std::size_t>(datapath::bounce_reason::too_many_fragments)],
              50u);
}

TEST_F(SimnicTest, PayloadsOutsideTheIommuAreBouncedIntoMappedMemory)
{
    pair_moves({{"dma", "iommu"}}, frames{50, 300, 2});
    EXPECT_EQ(last_tx_stats_.bounces[static_cast<std::size_t>(datapath::bounce_reason::unmapped)],
              50u);
}

TEST_F(SimnicTest, MisalignedPayloadsAreBouncedForAnAligningDevice)
{
    // Frames lie at 200-byte steps in one vector: most are not 64-byte aligned.
    pair_moves({{"alignment", "64"}, {"rx_mode", "system_nodma"}}, frames{50, 200});
}

TEST_F(SimnicTest, DriverManagedRxMovesPacketsOrIsRefusedByName)
{
    host::params p{{"dma", "iommu"}, {"rx_mode", "driver"}, {"wire", "driver-managed"}};
    const auto a = started_device("simnic", p);
    recording_sink rx;
    counting_tx_sink tx;
    datapath::options o;
    o.rx = &rx;
    o.tx = &tx;
    auto dp = host_.open_datapath(a, o);
    ASSERT_TRUE(dp.ok()) << dp.err().message;
    const auto b = started_device("simnic", p);
    recording_sink rx_b;
    counting_tx_sink tx_b;
    auto dp_b = open(b, rx_b, tx_b);
    rx.attach(dp->get());
    frames f{100, 200};
    send_paced(*dp_b, f.packets, f.fragments, [&] { return rx.count(); });
    EXPECT_TRUE(eventually([&] { return rx.count() >= 100; }));
    const auto st = (*dp)->rx_stats(0);
    for (std::size_t i = 0; i < st.rx_drops.size(); ++i)
        EXPECT_EQ(st.rx_drops[i], 0u) << to_string(static_cast<datapath::rx_drop>(i));
    EXPECT_TRUE((*dp)->close().ok());
    EXPECT_TRUE(dp_b->close().ok());
    EXPECT_FALSE(log_.has("never returned")) << log_.all();
}

TEST_F(SimnicTest, ALoopbackDeviceReceivesWhatItSends)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    recording_sink rx;
    counting_tx_sink tx;
    auto dp = open(d, rx, tx);
    ASSERT_TRUE(dp);
    frames f{300, 64};
    send_paced(*dp, f.packets, f.fragments, [&] { return rx.count(); });
    EXPECT_TRUE(eventually([&] { return rx.count() >= 300 && tx.count() >= 300; }));
    const auto got = rx.frames();
    ASSERT_EQ(got.size(), 300u);
    EXPECT_TRUE(std::ranges::equal(got[299], f.frame(299)));
    auto c = dp->close();
    EXPECT_TRUE(c.ok()) << c.err().message;
}

TEST_F(SimnicTest, DmaFaultsDropTheirFramesAndEveryBufferComesBack)
{
    // Every 4th Rx descriptor carries an address the IOMMU does not map (a driver bug or a stale
    // mapping): the device faults on it instead of writing anywhere, the frame is lost, and the
    // framework recovers the buffer as one no packet references.
    const auto d =
        started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}, {"bad_rx_address", "4"}});
    recording_sink rx;
    counting_tx_sink tx;
    auto dp = open(d, rx, tx);
    ASSERT_TRUE(dp);
    frames f{200, 64};
    for (std::size_t at = 0; at < 200; at += 20) { // a few at a time: one descriptor per frame
        send_all(*dp, std::span{f.packets}.subspan(at, 20), f.fragments);
        EXPECT_TRUE(eventually([&] { return tx.count() >= at + 20; }));
    }
    EXPECT_TRUE(eventually([&] { return rx.count() >= 150; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(rx.count(), 150u) << "one frame in four met a faulting descriptor";
    EXPECT_TRUE(log_.has("DMA fault")) << log_.all();
    for (const auto& got : rx.frames()) { // what arrived is intact: nothing was written astray
        std::uint32_t seq = 0;
        ASSERT_EQ(got.size(), 64u);
        std::memcpy(&seq, got.data() + 14, sizeof seq);
        ASSERT_LT(seq, 200u);
        EXPECT_TRUE(std::ranges::equal(got, f.frame(seq))) << "frame " << seq;
    }
    auto c = dp->close();
    EXPECT_TRUE(c.ok()) << c.err().message; // every faulted buffer came back
    EXPECT_TRUE(log_.has("50 DMA faults")) << log_.all();
}

TEST_F(SimnicTest, ADeviceAloneCompletesItsSendsAndReceivesNothing)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}});
    recording_sink rx;
    counting_tx_sink tx;
    auto dp = open(d, rx, tx);
    ASSERT_TRUE(dp);
    frames f{20, 100};
    send_all(*dp, f.packets, f.fragments);
    EXPECT_TRUE(eventually([&] { return tx.count() >= 20; }));
    EXPECT_EQ(rx.count(), 0u);
    EXPECT_TRUE(dp->close().ok());
}

TEST_F(SimnicTest, QueuesStopWithPacketsInFlightAndReopen)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    frames f{500, 100};
    for (int round = 0; round < 2; ++round) {
        recording_sink rx;
        counting_tx_sink tx;
        auto dp = open(d, rx, tx);
        ASSERT_TRUE(dp);
        std::size_t sent = 0;
        while (sent < f.packets.size() && sent < 200)
            sent += dp->send(0, std::span{f.packets}.subspan(sent), f.fragments);
        auto c = dp->close(); // with sends and receives in flight
        EXPECT_TRUE(c.ok()) << c.err().message;
        EXPECT_EQ(tx.count(), sent) << "every accepted send completes, sent or cancelled";
    }
}

TEST_F(SimnicTest, TheAdapterReportsItsLinkLayer)
{
    const auto d1 = started_device("simnic", {{"max_frame", "9014"}});
    const auto d2 =
        started_device("simnic", {{"NetworkAddress", "02-11-22-33-44-55"}, {"link", "0"}});
    (void)d1;
    (void)d2;
    const auto adapters = host_.adapters();
    ASSERT_EQ(adapters.size(), 2u);
    EXPECT_EQ(adapters[0].mtu, 9000u);
    EXPECT_EQ(adapters[0].mac.substr(0, 9), "02:53:4e:");
    EXPECT_TRUE(adapters[0].link_up);
    EXPECT_EQ(adapters[1].mac, "02:11:22:33:44:55");
    EXPECT_FALSE(adapters[1].link_up);
}

TEST_F(SimnicTest, BadParametersFailTheDeviceByName)
{
    auto drv = host_.load_driver("simnic");
    ASSERT_TRUE(drv.ok());
    EXPECT_FALSE(host_.add_device(*drv, {{"address_width", "48"}}).ok());
    EXPECT_TRUE(log_.has("address_width=48: must be 32 or 64"));
    EXPECT_FALSE(host_.add_device(*drv, {{"rx_mode", "bogus"}}).ok());
    EXPECT_TRUE(log_.has("rx_mode=bogus"));
}

TEST_F(SimnicTest, TheSharedObjectDriverMovesPackets)
{
    auto drv = host_.load_driver(NETCX_SIMNIC_SO);
    ASSERT_TRUE(drv.ok()) << drv.err().message;
    auto dev = host_.add_device(*drv, {{"dma", "iommu"}, {"loopback", "1"}});
    ASSERT_TRUE(dev.ok()) << dev.err().message;
    ASSERT_TRUE(host_.start_device(*dev).ok());
    recording_sink rx;
    counting_tx_sink tx;
    auto dp = open(*dev, rx, tx);
    ASSERT_TRUE(dp);
    frames f{50, 80};
    send_paced(*dp, f.packets, f.fragments, [&] { return rx.count(); });
    EXPECT_TRUE(eventually([&] { return rx.count() >= 50; }));
    EXPECT_TRUE(dp->close().ok());
}

} // namespace
} // namespace netcx::test
