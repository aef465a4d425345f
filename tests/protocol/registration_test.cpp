// SPDX-License-Identifier: MIT
// Registration mode end to end over simnic: Rx buffers carved from the protocol's range and Tx
// from it without a copy on a 64-bit device behind an IOMMU and on a 32-bit one behind a 32-bit
// IOMMU; on the identity space a 32-bit device does not reach the range: Rx comes from system
// memory, Tx from the range is bounced, and the plan and the stats say so. unregister_memory's
// refusals.
#include "protocol_fixture.hpp"

namespace netcx::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t range_bytes = 8 << 20;
constexpr std::size_t tx_area = range_bytes / 2; // Tx payloads live in the upper half

class RegistrationTest : public ProtocolTest {
protected:
    /// Sends `n` frames of `size` bytes from the upper half of `m` (the protocol's memory, no
    /// token), in bursts paced by `r`.
    static void send_from_range(protocol::binding& b, const mapped_range& m, const recorder& r,
                                std::uint32_t n, std::uint32_t size)
    {
        constexpr std::uint32_t burst = 32;
        std::vector<protocol::tx_packet> packets(burst);
        std::vector<protocol::tx_fragment> fragments(burst);
        for (std::uint32_t at = 0; at < n; at += burst) {
            const std::uint32_t k = std::min(burst, n - at);
            for (std::uint32_t i = 0; i < k; ++i) {
                std::byte* p = m.base() + tx_area + std::size_t{i} * 2048;
                fill_frame(p, size, at + i);
                fragments[i] = {p, size, {}};
                packets[i] = {i, 1, at + i};
            }
            send_all(b, {packets.data(), k}, {fragments.data(), k});
            ASSERT_TRUE(eventually([&] { return r.received() >= at + k; }))
                << "received " << r.received() << " of " << at + k;
            // The payloads are reused by the next burst: wait for their completion.
            ASSERT_TRUE(eventually([&] { return r.completed() >= at + k; }));
        }
    }
    static std::uint64_t bounces(const protocol::binding_stats& s)
    {
        std::uint64_t n = 0;
        for (const auto c : s.tx.bounces)
            n += c;
        return n;
    }
    static bool mentions(const std::vector<std::string>& lines, std::string_view what)
    {
        for (const auto& l : lines)
            if (l.find(what) != std::string::npos)
                return true;
        return false;
    }
};

TEST_F(RegistrationTest, SixtyFourBitDeviceReceivesIntoAndSendsFromTheRange)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    mapped_range m{range_bytes};
    ASSERT_NE(m.base(), nullptr);
    recorder r;
    protocol::preferences prefs;
    prefs.registered = {m.range()};
    auto b = bound(d, r, prefs);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->plan().rx.memory.value, "registered") << b->plan().rx.memory.reason;
    EXPECT_EQ(b->plan().tx.registered.value, "zero-copy") << b->plan().tx.registered.reason;
    EXPECT_TRUE(b->plan().conflicts.empty());

    constexpr std::uint32_t n = 200, size = 700;
    send_from_range(*b, m, r, n, size);
    expect_frames(r, n, size);
    for (const std::byte* p : r.addresses())
        EXPECT_TRUE(m.contains(p, size)) << "an Rx buffer outside the registered range";
    const auto s = b->stats();
    EXPECT_EQ(bounces(s), 0u) << "payloads in the registered range go out as they are";
    EXPECT_EQ(s.tx.packets, n);
    auto u = b->unbind(1s);
    EXPECT_TRUE(u.ok()) << u.err().message;
}

TEST_F(RegistrationTest, ThirtyTwoBitDeviceBehindAThirtyTwoBitIommuReachesTheRange)
{
    const auto d = started_device(
        "simnic",
        {{"dma", "iommu"}, {"iommu_bits", "32"}, {"address_width", "32"}, {"loopback", "1"}});
    mapped_range m{range_bytes};
    ASSERT_NE(m.base(), nullptr);
    recorder r;
    protocol::preferences prefs;
    prefs.registered = {m.range()};
    auto b = bound(d, r, prefs);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->plan().rx.max_logical_address.value, 0xffffffffu);
    EXPECT_EQ(b->plan().rx.memory.value, "registered") << b->plan().rx.memory.reason;
    EXPECT_EQ(b->plan().tx.registered.value, "zero-copy") << b->plan().tx.registered.reason;
    constexpr std::uint32_t n = 100, size = 400;
    send_from_range(*b, m, r, n, size);
    expect_frames(r, n, size);
    for (const std::byte* p : r.addresses())
        EXPECT_TRUE(m.contains(p, size));
    EXPECT_EQ(bounces(b->stats()), 0u);
    auto u = b->unbind(1s);
    EXPECT_TRUE(u.ok()) << u.err().message;
}

TEST_F(RegistrationTest, ThirtyTwoBitDeviceOnTheIdentitySpaceBouncesFromARangeAboveItsReach)
{
    const auto d =
        started_device("simnic", {{"dma", "identity"}, {"address_width", "32"}, {"loopback", "1"}});
    mapped_range m{range_bytes};
    ASSERT_NE(m.base(), nullptr);
    ASSERT_GT(reinterpret_cast<std::uintptr_t>(m.base()), 0xffffffffu)
        << "this test needs a mapping above 4 GiB (x86-64 Linux puts them there)";
    recorder r;
    protocol::preferences prefs;
    prefs.registered = {m.range()};
    // The plan says what lost, and why, without binding.
    auto plan = protocol::negotiate(host_, d, r.name(), prefs);
    ASSERT_TRUE(plan.ok()) << plan.err().message;
    EXPECT_EQ(plan->rx.memory.value, "system");
    EXPECT_EQ(plan->tx.registered.value, "bounced");
    EXPECT_TRUE(
        mentions(plan->conflicts, "rx.memory: registered memory is out of the device's reach"))
        << plan->to_text();
    EXPECT_TRUE(mentions(plan->conflicts, "tx.registered"));
    EXPECT_TRUE(mentions(plan->conflicts, "above the device's reach 0xffffffff"));

    auto bound_r = protocol::bind(host_, d, r, prefs);
    ASSERT_TRUE(bound_r.ok()) << bound_r.err().message;
    auto& b = *bound_r;
    EXPECT_EQ(b->plan().rx.memory.value, "system");
    EXPECT_EQ(b->plan().tx.registered.value, "bounced");
    EXPECT_FALSE(b->plan().conflicts.empty());
    constexpr std::uint32_t n = 100, size = 400;
    send_from_range(*b, m, r, n, size);
    expect_frames(r, n, size);
    for (const std::byte* p : r.addresses()) {
        EXPECT_FALSE(m.contains(p)) << "Rx from system memory, not the unreachable range";
        EXPECT_LE(reinterpret_cast<std::uintptr_t>(p) + size - 1, 0xffffffffu);
    }
    const auto s = b->stats();
    EXPECT_EQ(s.tx.bounces[static_cast<std::size_t>(datapath::bounce_reason::above_max_address)],
              n);
    EXPECT_EQ(bounces(s), n);
    auto u = b->unbind(1s);
    EXPECT_TRUE(u.ok()) << u.err().message;
}

TEST_F(RegistrationTest, RegisteredRxBuffersKeepTheHeadroomInsideTheRange)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    mapped_range m{range_bytes};
    ASSERT_NE(m.base(), nullptr);
    recorder r;
    protocol::preferences prefs;
    prefs.registered = {m.range()};
    prefs.headroom = 128;
    auto b = bound(d, r, prefs);
    ASSERT_NE(b, nullptr);
    ASSERT_EQ(b->plan().rx.memory.value, "registered");
    ASSERT_EQ(b->plan().rx.headroom.value, 128u);
    const std::uint32_t stride = b->plan().rx.stride.value;
    send_allocated(*b, 50, 1000, [&] { return r.received(); });
    expect_frames(r, 50, 1000);
    for (const std::byte* p : r.addresses()) {
        ASSERT_TRUE(m.contains(p - 128, 128 + 1000));
        // Carved from the range's start at the plan's stride: the payload is `headroom` in.
        EXPECT_EQ(static_cast<std::size_t>(p - 128 - m.base()) % stride, 0u);
    }
    EXPECT_TRUE(b->unbind(1s).ok());
}

TEST_F(RegistrationTest, UnregisterIsRefusedWhileTheRxPoolIsCarvedFromTheRange)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    mapped_range rx_range{range_bytes};
    mapped_range tx_range{64 << 10}; // too small for an Rx pool: used for Tx only
    ASSERT_NE(rx_range.base(), nullptr);
    ASSERT_NE(tx_range.base(), nullptr);
    recorder r;
    protocol::preferences prefs;
    prefs.registered = {rx_range.range(), tx_range.range()};
    auto b = bound(d, r, prefs);
    ASSERT_NE(b, nullptr);
    ASSERT_EQ(b->plan().rx.memory.value, "registered");

    auto busy = b->unregister_memory(0);
    ASSERT_FALSE(busy.ok());
    EXPECT_EQ(busy.err().code, status::busy);
    EXPECT_NE(busy.err().message.find("range 0"), std::string::npos) << busy.err().message;
    EXPECT_NE(busy.err().message.find("still holds buffers"), std::string::npos)
        << busy.err().message;

    auto out_of_range = b->unregister_memory(2);
    ASSERT_FALSE(out_of_range.ok());
    EXPECT_EQ(out_of_range.err().code, status::invalid_parameter);
    EXPECT_NE(out_of_range.err().message.find("no registered range 2"), std::string::npos)
        << out_of_range.err().message;

    // Tx from the second range, then it goes: nothing is in flight.
    const std::uint32_t size = 256;
    fill_frame(tx_range.base(), size, 7);
    const protocol::tx_fragment f{tx_range.base(), size, {}};
    const protocol::tx_packet p{0, 1, 7};
    send_all(*b, {&p, 1}, {&f, 1});
    ASSERT_TRUE(eventually([&] { return r.completed() == 1 && r.received() == 1; }));
    EXPECT_EQ(r.frames().at(0), expected_frame(size, 7));
    EXPECT_EQ(bounces(b->stats()), 0u);
    auto ok = b->unregister_memory(1);
    EXPECT_TRUE(ok.ok()) << ok.err().message;
    // Unregistered, the range is the protocol's own memory again: a send from it is bounced.
    fill_frame(tx_range.base(), size, 8);
    const protocol::tx_packet p2{0, 1, 8};
    send_all(*b, {&p2, 1}, {&f, 1});
    ASSERT_TRUE(eventually([&] { return r.completed() == 2 && r.received() == 2; }));
    EXPECT_EQ(r.frames().at(1), expected_frame(size, 8));
    EXPECT_EQ(b->stats().tx.bounces[static_cast<std::size_t>(datapath::bounce_reason::unmapped)],
              1u);
    auto twice = b->unregister_memory(1);
    ASSERT_FALSE(twice.ok());
    EXPECT_EQ(twice.err().code, status::invalid_parameter);
    EXPECT_NE(twice.err().message.find("already unregistered"), std::string::npos)
        << twice.err().message;

    // Once unbound, no pool is carved from the first range any more.
    EXPECT_TRUE(b->unbind(1s).ok());
    auto after = b->unregister_memory(0);
    EXPECT_TRUE(after.ok()) << after.err().message;
}

} // namespace
} // namespace netcx::test
