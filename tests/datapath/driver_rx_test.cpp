// SPDX-License-Identifier: MIT
// Driver-managed Rx (AllocationMode Driver) through the loopback driver with rx_driver=1: packets
// arrive intact in the driver's own buffers; EvtAdapterReturnRxBuffer runs exactly once per
// indicated or dropped fragment, from whichever thread releases; Ignore packets' fragments and
// unreferenced ones stay with the driver; close returns what the protocol still holds, and says so.
#include "datapath_fixture.hpp"

#include <numeric>

namespace netcx::test {
namespace {

using datapath::rx_drop;

LOOPBACK_COUNTERS counters()
{
    LOOPBACK_COUNTERS c{};
    loopback_driver_counters(&c);
    return c;
}

std::uint64_t fragments_received(collect_rx& rx)
{
    const std::lock_guard g{rx.lock};
    return std::accumulate(rx.got.begin(), rx.got.end(), std::uint64_t{0},
                           [](std::uint64_t n, const received& r) { return n + r.fragments; });
}

std::size_t at(rx_drop r)
{
    return static_cast<std::size_t>(r);
}

class DriverRxTest : public DatapathTest {};

TEST_F(DriverRxTest, PacketsArriveIntactAndEveryFragmentIsReturnedOnce)
{
    open({{"rx_driver", "1"}, {"rx_frame", "512"}});
    std::vector<std::vector<std::byte>> payloads;
    for (unsigned i = 0; i < 300; ++i)
        payloads.push_back(pattern(1 + (i * 37) % 1514, i));
    send_all(payloads);
    ASSERT_TRUE(wait_until([&] { return rx_.count() == payloads.size(); })) << rx_.count();
    {
        const std::lock_guard g{rx_.lock};
        for (std::size_t i = 0; i < payloads.size(); ++i)
            ASSERT_EQ(rx_.got[i].payload, payloads[i]) << "packet " << i;
        EXPECT_EQ(rx_.got[1].fragments, 1);  // 38 bytes
        EXPECT_EQ(rx_.got[30].fragments, 3); // 1111 bytes in 512-byte buffers
    }
    const std::uint64_t frags = fragments_received(rx_);
    ASSERT_TRUE(wait_until([&] { return counters().RxReturns == frags; }))
        << counters().RxReturns << " of " << frags;
    auto r = dp_->close();
    EXPECT_TRUE(r.ok()) << r.err().message;
    const LOOPBACK_COUNTERS c = counters();
    EXPECT_EQ(c.RxReturns, frags) << "a return after close, or twice";
    EXPECT_EQ(c.RxBadReturns, 0U);
    EXPECT_GT(c.RxBuffers, 0U);
    EXPECT_EQ(c.RxFreeBuffers, c.RxBuffers) << "the driver is missing buffers after close";
    EXPECT_EQ(dp_->rx_stats(0).packets, payloads.size());
}

TEST_F(DriverRxTest, IgnoredPacketsStayWithTheDriverAndDroppedOnesAreReturned)
{
    open({{"rx_driver", "1"}, {"ignore_every", "5"}, {"bad_every", "7"}});
    std::vector<std::vector<std::byte>> payloads;
    for (unsigned i = 0; i < 70; ++i)
        payloads.push_back(pattern(60 + i, i));
    send_all(payloads);
    // Of 70: 14 ignored (every 5th), 8 dropped (every 7th but the 35th and 70th, ignored).
    ASSERT_TRUE(wait_until([&] { return tx_.count() == 70; }));
    ASSERT_TRUE(wait_until([&] { return rx_.count() == 48; })) << rx_.count();
    ASSERT_TRUE(wait_until(
        [&] { return dp_->rx_stats(0).rx_drops[at(rx_drop::length_beyond_capacity)] == 8; }));
    const std::uint64_t frags = fragments_received(rx_);
    ASSERT_TRUE(wait_until([&] { return counters().RxReturns == frags + 8; }))
        << counters().RxReturns;
    EXPECT_TRUE(dp_->close().ok());
    const LOOPBACK_COUNTERS c = counters();
    EXPECT_EQ(c.IgnoredFragments, 14U);
    EXPECT_EQ(c.BadFragments, 8U);
    EXPECT_EQ(c.RxReturns, frags + 8) << "ignored fragments must not be returned";
    EXPECT_EQ(c.RxBadReturns, 0U);
    EXPECT_EQ(c.RxFreeBuffers, c.RxBuffers);
}

TEST_F(DriverRxTest, ReleaseFromAnotherThreadReturnsOnceAndASecondReleaseIsNamed)
{
    open({{"rx_driver", "1"}, {"verifier", "1"}}, false);
    send_all({pattern(100, 1), pattern(200, 2), pattern(300, 3)});
    ASSERT_TRUE(wait_until([&] { return rx_.count() == 3; })) << log_.all();
    std::vector<datapath::rx_fragment> held;
    {
        const std::lock_guard g{rx_.lock};
        held = rx_.held;
    }
    EXPECT_EQ(counters().RxReturns, 0U);
    std::thread([&] { dp_->release(held); }).join();
    EXPECT_EQ(counters().RxReturns, held.size());
    dp_->release({held.data(), 1});
    EXPECT_TRUE(log_.has("not outstanding")) << log_.all();
    EXPECT_EQ(counters().RxReturns, held.size());
    EXPECT_EQ(dp_->rx_stats(0).rx_drops[at(rx_drop::verifier)], 0U);
    EXPECT_TRUE(dp_->close().ok());
    EXPECT_EQ(counters().RxFreeBuffers, counters().RxBuffers);
    EXPECT_EQ(counters().RxBadReturns, 0U);
}

TEST_F(DriverRxTest, CloseReturnsWhatTheProtocolStillHoldsAndReportsItBusy)
{
    open({{"rx_driver", "1"}}, false);
    send_all({pattern(100, 1), pattern(200, 2)});
    ASSERT_TRUE(wait_until([&] { return rx_.count() == 2; }));
    auto r = dp_->close();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), status::busy);
    EXPECT_NE(r.err().message.find("2 driver fragment(s) the protocol still held"),
              std::string::npos)
        << r.err().message;
    LOOPBACK_COUNTERS c = counters();
    EXPECT_EQ(c.RxReturns, 2U);
    EXPECT_EQ(c.RxFreeBuffers, c.RxBuffers);
    dp_->release(rx_.held); // after close: ignored, no second return
    c = counters();
    EXPECT_EQ(c.RxReturns, 2U);
    EXPECT_EQ(c.RxBadReturns, 0U);
}

} // namespace
} // namespace netcx::test
