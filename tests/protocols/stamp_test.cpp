// SPDX-License-Identifier: MIT
// The frame stamp and its pattern: round trips at every size, across any fragmentation, and each
// way a frame can be wrong.
#include "fake_binding.hpp"

#include "common/histogram.hpp"
#include "common/stamp.hpp"

#include <gtest/gtest.h>

namespace netcx::protocols {
namespace {

std::vector<datapath::rx_fragment> split(std::vector<std::byte>& f, std::uint32_t step)
{
    std::vector<datapath::rx_fragment> out;
    for (std::uint32_t at = 0; at < f.size(); at += step)
        out.push_back({f.data() + at,
                       std::min<std::uint32_t>(step, static_cast<std::uint32_t>(f.size()) - at),
                       {}});
    return out;
}

TEST(Stamp, RoundTripsAtEverySizeAndFragmentation)
{
    for (const std::uint32_t size : {64u, 65u, 71u, 128u, 1500u, 1514u, 9000u}) {
        auto f = test::stamped(7, 123456789012ull, size);
        for (const std::uint32_t step : {size, 1u, 5u, 13u, 41u, 42u, 43u, 1000u}) {
            auto frags = split(f, step);
            stamp s;
            ASSERT_EQ(check_frame(frags, size, s), frame_check::ok) << size << "/" << step;
            EXPECT_EQ(s.flow, 7u);
            EXPECT_EQ(s.sequence, 123456789012ull);
            EXPECT_EQ(s.frame_length, size);
        }
    }
}

TEST(Stamp, HeaderIsBigEndianEthernet)
{
    auto f = test::stamped(1, 2, 64);
    EXPECT_EQ(std::to_integer<int>(f[0]), 0x02);
    EXPECT_EQ(std::to_integer<int>(f[5]), 0x02);
    EXPECT_EQ(std::to_integer<int>(f[11]), 0x01);
    EXPECT_EQ(std::to_integer<int>(f[12]), 0x88);
    EXPECT_EQ(std::to_integer<int>(f[13]), 0xB5);
    EXPECT_EQ(std::to_integer<int>(f[14]), 'N');
    EXPECT_EQ(std::to_integer<int>(f[17]), '1');
}

TEST(Stamp, EveryCorruptedPayloadByteIsSeen)
{
    auto f = test::stamped(3, 99, 300);
    for (std::size_t i = stamp_bytes; i < f.size(); ++i) {
        auto g = f;
        g[i] ^= std::byte{0x10};
        auto frags = split(g, 17);
        stamp s;
        EXPECT_EQ(check_frame(frags, 300, s), frame_check::pattern_mismatch) << i;
    }
}

TEST(Stamp, PatternDependsOnFlowAndSequence)
{
    auto a = test::stamped(0, 5, 200);
    auto b = test::stamped(0, 5, 200);
    // The same stamp with another sequence in the header: the payload no longer matches.
    detail::put_be<std::uint64_t>(b.data() + 22, 6);
    auto fa = split(a, 200);
    auto fb = split(b, 200);
    stamp s;
    EXPECT_EQ(check_frame(fa, 200, s), frame_check::ok);
    EXPECT_EQ(check_frame(fb, 200, s), frame_check::pattern_mismatch);
}

TEST(Stamp, LengthMismatchAndForeign)
{
    auto f = test::stamped(0, 0, 128);
    auto frags = split(f, 128);
    stamp s;
    frags[0].length = 100; // truncated on the way
    EXPECT_EQ(check_frame(frags, 100, s), frame_check::length_mismatch);

    auto g = test::stamped(0, 0, 128);
    g[13] = std::byte{0x00}; // another EtherType
    auto gf = split(g, 128);
    EXPECT_EQ(check_frame(gf, 128, s), frame_check::foreign);
    auto h = test::stamped(0, 0, 128);
    h[15] = std::byte{'X'}; // no magic
    auto hf = split(h, 128);
    EXPECT_EQ(check_frame(hf, 128, s), frame_check::foreign);
    std::vector<std::byte> runt(20);
    auto rf = split(runt, 20);
    EXPECT_EQ(check_frame(rf, 20, s), frame_check::foreign);
}

TEST(Stamp, PatternWrittenFromAnyOffsetMatches)
{
    std::vector<std::byte> whole(100), part(37);
    write_pattern(42, 0, whole);
    write_pattern(42, 13, part);
    EXPECT_TRUE(std::equal(part.begin(), part.end(), whole.begin() + 13));
    EXPECT_TRUE(check_pattern(42, 13, part));
    EXPECT_FALSE(check_pattern(43, 13, part));
}

TEST(Histogram, BucketsAreContiguousAndNarrow)
{
    std::size_t prev = 0;
    for (std::uint64_t v = 0; v < 100000; ++v) {
        const std::size_t i = latency_histogram::index(v);
        ASSERT_TRUE(i == prev || i == prev + 1) << v;
        ASSERT_LE(v, latency_histogram::upper(i));
        if (i > 0) {
            ASSERT_GT(v, latency_histogram::upper(i - 1));
        }
        prev = i;
    }
    const std::uint64_t big = UINT64_MAX;
    EXPECT_LT(latency_histogram::index(big), latency_histogram::buckets);
    EXPECT_EQ(latency_histogram::upper(latency_histogram::index(big)), big);
}

TEST(Histogram, PercentilesWithinABucket)
{
    auto h = std::make_unique<latency_histogram>();
    for (std::uint64_t v = 1; v <= 10000; ++v)
        h->record(v * 100); // 100 ns .. 1 ms, uniform
    const latency_histogram* hs[] = {h.get()};
    const auto s = latency_histogram::summarize(hs);
    EXPECT_EQ(s.count, 10000u);
    EXPECT_EQ(s.max_ns, 1'000'000u);
    EXPECT_NEAR(static_cast<double>(s.p50_ns), 500'000, 500'000 * 0.07);
    EXPECT_NEAR(static_cast<double>(s.p99_ns), 990'000, 990'000 * 0.07);
    EXPECT_NEAR(static_cast<double>(s.p999_ns), 999'000, 999'000 * 0.07);
    EXPECT_LE(s.p999_ns, s.max_ns);
}

} // namespace
} // namespace netcx::protocols
