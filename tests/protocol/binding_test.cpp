// SPDX-License-Identifier: MIT
// protocol::bind end to end over simnic: send and receive through a binding, unbind with held
// buffers (busy, named, memory not freed) and with a release from another thread during the wait,
// releases from a thread that is not the context, preferences honoured (headroom, Tx size
// classes), a shared polled context across two bindings, a send-only protocol, and every
// refusal of bind.
#include "protocol_fixture.hpp"

#include <netcx/datapath/context.hpp>

#include <cstring>

namespace netcx::test {
namespace {

using namespace std::chrono_literals;

class BindingTest : public ProtocolTest {};

TEST_F(BindingTest, SendsAndReceivesOnALoopbackThenUnbinds)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    recorder r;
    auto b = bound(d, r);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->adapter(), b->plan().adapter);
    EXPECT_EQ(&b->protocol(), &r);

    constexpr std::uint32_t n = 200, size = 300;
    send_allocated(*b, n, size, [&] { return r.received(); });
    expect_frames(r, n, size);
    ASSERT_TRUE(eventually([&] { return r.completed() >= n; }));

    const protocol::binding_stats s = b->stats();
    EXPECT_EQ(s.tx.packets, n);
    EXPECT_EQ(s.tx.bytes, std::uint64_t{n} * size);
    EXPECT_EQ(s.rx.packets, n);
    EXPECT_EQ(s.rx.bytes, std::uint64_t{n} * size);
    for (const auto c : s.tx.bounces)
        EXPECT_EQ(c, 0u) << "allocated Tx buffers are in the device's space: no bounce";
    EXPECT_FALSE(s.pools.empty());
    EXPECT_GE(s.alloc_fast + s.alloc_slow, n);
    // Running, the Rx pool lends the device a posted ring: buffers are in flight, but no more
    // than the Rx pools hold (every Tx buffer came back at completion).
    std::uint64_t rx_buffers = 0;
    for (const auto& p : s.pools)
        if (p.name.find("rxqueue") != std::string::npos)
            rx_buffers += p.buffers;
    EXPECT_LE(s.in_flight, rx_buffers);

    auto u = b->unbind(1s);
    EXPECT_TRUE(u.ok()) << u.err().message;
    const protocol::binding_stats after = b->stats();
    EXPECT_EQ(after.in_flight, 0u);
    EXPECT_EQ(after.rx.packets, n) << "the counters outlive the unbind";
    EXPECT_EQ(after.tx.packets, n);
    // A second unbind has nothing to do; sending and allocating after unbind are refused.
    EXPECT_TRUE(b->unbind(0ms).ok());
    protocol::tx_buffer t;
    EXPECT_EQ(b->alloc(0, 64, {&t, 1}), 0u);
    const std::byte payload[64]{};
    const protocol::tx_fragment f{payload, sizeof payload, {}};
    const protocol::tx_packet p{0, 1, 0};
    EXPECT_EQ(b->send(0, {&p, 1}, {&f, 1}), 0u);
}

TEST_F(BindingTest, UnbindWithHeldBuffersIsBusyNamesThemAndKeepsTheMemory)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    recorder r{keep_policy::hold};
    auto b = bound(d, r);
    ASSERT_NE(b, nullptr);
    constexpr std::uint32_t n = 8, size = 200;
    send_allocated(*b, n, size, [&] { return r.received(); });
    const auto held = r.held();
    ASSERT_EQ(held.size(), n);

    const auto start = std::chrono::steady_clock::now();
    auto u = b->unbind(100ms);
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(u.ok());
    EXPECT_EQ(u.err().code, status::busy);
    EXPECT_GE(took, 100ms) << "unbind waits the whole bound for the holder";
    EXPECT_NE(u.err().message.find("recorder"), std::string::npos) << u.err().message;
    EXPECT_NE(u.err().message.find("rxqueue0"), std::string::npos) << u.err().message;
    EXPECT_NE(u.err().message.find("8 buffers outstanding"), std::string::npos) << u.err().message;
    // Checked pools (debug builds, NETCX_CHECKED=1) record the holder; unchecked ones cannot.
    EXPECT_TRUE(u.err().message.find("protocol 0 holds") != std::string::npos ||
                u.err().message.find("unknown holder (pool unchecked)") != std::string::npos)
        << u.err().message;
    EXPECT_TRUE(log_.has("unbind of protocol 'recorder'")) << log_.all();

    // The memory stays mapped under its holder: reading it does not fault (ASan would say).
    for (std::uint32_t i = 0; i < n; ++i) {
        const auto& f = held[i];
        ASSERT_EQ(f.length, size);
        EXPECT_EQ(std::vector<std::byte>(f.data, f.data + f.length), expected_frame(size, i));
    }
    EXPECT_EQ(b->stats().in_flight, n) << "the held buffers are still out";
    // Unbinding again reports the same: the buffers are still held.
    auto again = b->unbind(0ms);
    EXPECT_FALSE(again.ok());
    if (!again.ok()) {
        EXPECT_EQ(again.err().code, status::busy);
        EXPECT_EQ(again.err().message, u.err().message);
    }
    // The adapter is free again (the held memory stays quarantined under its holder).
    recorder next;
    auto b2 = bound(d, next);
    ASSERT_NE(b2, nullptr);
    EXPECT_TRUE(b2->unbind(1s).ok());
    for (std::uint32_t i = 0; i < n; ++i)
        EXPECT_EQ(held[i].data[0], expected_frame(size, i)[0]);
}

TEST_F(BindingTest, UnbindWaitsForAReleaseFromAnotherThread)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    recorder r{keep_policy::hold};
    auto b = bound(d, r);
    ASSERT_NE(b, nullptr);
    constexpr std::uint32_t n = 16, size = 128;
    send_allocated(*b, n, size, [&] { return r.received(); });
    ASSERT_EQ(r.held().size(), n);

    std::thread releaser([&] {
        std::this_thread::sleep_for(50ms);
        r.release_held(*b);
    });
    const auto start = std::chrono::steady_clock::now();
    auto u = b->unbind(2s);
    const auto took = std::chrono::steady_clock::now() - start;
    releaser.join();
    EXPECT_TRUE(u.ok()) << u.err().message;
    EXPECT_GE(took, 40ms);
    EXPECT_LT(took, 1500ms) << "unbind returns once the buffers are back, not at the bound";
    EXPECT_EQ(b->stats().in_flight, 0u);
    expect_frames(r, n, size);
}

TEST_F(BindingTest, UnbindWaitsForUnsentTxBuffersReleasedByAnotherThread)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    recorder r;
    auto b = bound(d, r);
    ASSERT_NE(b, nullptr);
    std::array<protocol::tx_buffer, 8> held;
    ASSERT_EQ(b->alloc(0, 200, held), held.size());
    std::thread releaser([&] {
        std::this_thread::sleep_for(50ms);
        std::array<protocol::buffer_token, held.size()> t;
        for (std::size_t i = 0; i < held.size(); ++i)
            t[i] = held[i].token;
        b->release(t);
    });
    auto u = b->unbind(2s);
    releaser.join();
    EXPECT_TRUE(u.ok()) << u.err().message;
}

TEST_F(BindingTest, FragmentsReleasedByAnotherThreadAllComeBack)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    recorder r{keep_policy::hand_off};
    auto b = bound(d, r);
    ASSERT_NE(b, nullptr);
    // More packets than the Rx pool holds: the queue lives on what the other thread gives back.
    const std::uint32_t n = b->plan().rx.buffer_count.value * 2 + 100;
    send_allocated(
        *b, n, 100, [&] { return r.received(); }, 0, 64);
    EXPECT_EQ(r.received(), n);
    ASSERT_TRUE(eventually([&] { return r.pending() == 0; }));
    EXPECT_EQ(r.worker_releases(), n);
    EXPECT_GT(b->stats().cross_thread, 0u) << "the worker has no cache: its returns cross";
    auto u = b->unbind(1s);
    EXPECT_TRUE(u.ok()) << u.err().message;
    EXPECT_EQ(b->stats().in_flight, 0u);
    EXPECT_EQ(b->stats().rx.packets, n);
}

TEST_F(BindingTest, HeadroomIsKeptBeforeEachReceivedPayload)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    recorder r;
    protocol::preferences prefs;
    prefs.headroom = 128;
    auto b = bound(d, r, prefs);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->plan().rx.headroom.value, 128u);
    EXPECT_GE(b->plan().rx.buffer_size.value, 128u + 1514u);
    send_allocated(*b, 20, 1514, [&] { return r.received(); });
    expect_frames(r, 20, 1514);
    // Buffers are carved at the plan's alignment; the payload starts `headroom` bytes in.
    const std::uint32_t align = b->plan().rx.alignment.value;
    for (const std::byte* p : r.addresses())
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p - 128) % align, 0u);
    EXPECT_TRUE(b->unbind(1s).ok());
}

TEST_F(BindingTest, AllocServesTheSmallestSizeClassThatFits)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    recorder r;
    auto b = bound(d, r);
    ASSERT_NE(b, nullptr);
    const auto& classes = b->plan().tx.size_classes.value;
    ASSERT_FALSE(classes.empty());
    ASSERT_EQ(b->plan().tx.backfill.value, 0u);
    std::array<protocol::tx_buffer, 4> out;
    std::vector<protocol::buffer_token> tokens;
    for (const std::uint32_t want : {1U, 100U, 128U, 129U, 1000U, classes.back()}) {
        ASSERT_EQ(b->alloc(0, want, out), out.size()) << want;
        const auto fit = *std::lower_bound(classes.begin(), classes.end(), want);
        for (const auto& t : out) {
            EXPECT_EQ(t.capacity, fit) << "asked " << want;
            EXPECT_NE(t.data, nullptr);
            tokens.push_back(t.token);
            std::memset(t.data, 0xab, t.capacity); // usable over its whole capacity
        }
    }
    // Larger than the largest class: none.
    EXPECT_EQ(b->alloc(0, classes.back() + 1, out), 0u);
    // All or none: more than a class holds.
    std::vector<protocol::tx_buffer> many(b->plan().tx.buffers_per_class.value + 1);
    EXPECT_EQ(b->alloc(0, 64, many), 0u);
    EXPECT_GT(b->stats().in_flight, 0u);
    b->release(tokens);
    auto u = b->unbind(1s);
    EXPECT_TRUE(u.ok()) << u.err().message;
}

TEST_F(BindingTest, TwoBindingsOnASharedPolledContext)
{
    const std::string w = wire();
    const auto a = started_device("simnic", {{"dma", "iommu"}, {"wire", w}});
    const auto z = started_device("simnic", {{"dma", "iommu"}, {"wire", w}});
    auto ctx = datapath::context::create({"polled", datapath::context::mode::polled, -1});
    ASSERT_NE(ctx, nullptr);
    protocol::preferences prefs;
    prefs.on = ctx;
    recorder ra, rz;
    auto ba = bound(a, ra, prefs);
    auto bz = bound(z, rz, prefs);
    ASSERT_NE(ba, nullptr);
    ASSERT_NE(bz, nullptr);
    for (int i = 0; i < 4; ++i) // post the Rx rings
        (void)ctx->poll();

    constexpr std::uint32_t n = 100, size = 256;
    std::vector<protocol::tx_buffer> bufs(n);
    std::vector<protocol::tx_packet> packets(n);
    std::vector<protocol::tx_fragment> fragments(n);
    ASSERT_EQ(ba->alloc(0, size, bufs), n);
    for (std::uint32_t i = 0; i < n; ++i) {
        fill_frame(bufs[i].data, size, i);
        fragments[i] = {bufs[i].data, size, bufs[i].token};
        packets[i] = {i, 1, i};
    }
    std::uint32_t sent = 0;
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while ((sent < n || rz.received() < n || ra.completed() < n) &&
           std::chrono::steady_clock::now() < deadline) {
        if (sent < n)
            sent += ba->send(0, std::span{packets}.subspan(sent), fragments);
        (void)ctx->poll();
    }
    EXPECT_EQ(sent, n);
    EXPECT_EQ(ra.completed(), n);
    expect_frames(rz, n, size);
    EXPECT_EQ(ra.received(), 0u);
    // Polled contexts are closed on the thread that polls them: this one.
    auto ua = ba->unbind(1s);
    EXPECT_TRUE(ua.ok()) << ua.err().message;
    auto uz = bz->unbind(1s);
    EXPECT_TRUE(uz.ok()) << uz.err().message;
    EXPECT_EQ(bz->stats().rx.packets, n);
    EXPECT_EQ(ba->stats().tx.packets, n);
}

TEST_F(BindingTest, DestroyingABindingUnbindsIt)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    recorder r;
    {
        auto b = bound(d, r);
        ASSERT_NE(b, nullptr);
        send_allocated(*b, 10, 100, [&] { return r.received(); });
    }
    auto again = bound(d, r);
    ASSERT_NE(again, nullptr);
    EXPECT_TRUE(again->unbind(1s).ok());
}

// ---- Refusals ----

TEST_F(BindingTest, RefusesNoQueues)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    recorder r;
    protocol::preferences prefs;
    prefs.rx_queues = 0;
    prefs.tx_queues = 0;
    auto b = protocol::bind(host_, d, r, prefs);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.err().code, status::invalid_parameter);
    EXPECT_NE(b.err().message.find("rx_queues and tx_queues are 0"), std::string::npos)
        << b.err().message;
    EXPECT_NE(b.err().message.find("recorder"), std::string::npos) << b.err().message;
}

TEST_F(BindingTest, RefusesASecondProtocolOnABoundAdapter)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    recorder r1, r2;
    auto b1 = bound(d, r1);
    ASSERT_NE(b1, nullptr);
    auto b2 = protocol::bind(host_, d, r2);
    ASSERT_FALSE(b2.ok());
    EXPECT_EQ(b2.err().code, status::busy);
    EXPECT_NE(b2.err().message.find("already open"), std::string::npos) << b2.err().message;
    EXPECT_NE(b2.err().message.find("recorder"), std::string::npos) << b2.err().message;
    // The first binding is untouched; once it unbinds, the adapter binds again.
    EXPECT_TRUE(b1->unbind(1s).ok());
    auto b3 = protocol::bind(host_, d, r2);
    EXPECT_TRUE(b3.ok()) << b3.err().message;
}

TEST_F(BindingTest, RefusesADeviceNotStarted)
{
    auto drv = host_.load_driver("simnic");
    ASSERT_TRUE(drv.ok());
    loaded_ = true;
    driver_ = *drv;
    auto d = host_.add_device(*drv, {{"dma", "iommu"}});
    ASSERT_TRUE(d.ok());
    recorder r;
    auto b = protocol::bind(host_, *d, r);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.err().code, status::invalid_parameter);
    EXPECT_NE(b.err().message.find("not started"), std::string::npos) << b.err().message;
    // Nor a device that does not exist.
    auto none = protocol::bind(host_, host::device_id{999}, r);
    EXPECT_FALSE(none.ok());
}

TEST_F(BindingTest, RefusesBadRegisteredRangesNamingTheRule)
{
    const auto d =
        started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}, {"alignment", "64"}});
    mapped_range m{1 << 20};
    ASSERT_NE(m.base(), nullptr);
    recorder r;
    const auto refused = [&](std::vector<protocol::memory_range> ranges, std::string_view rule) {
        protocol::preferences prefs;
        prefs.registered = std::move(ranges);
        auto b = protocol::bind(host_, d, r, prefs);
        ASSERT_FALSE(b.ok()) << rule;
        EXPECT_EQ(b.err().code, status::invalid_parameter) << rule;
        EXPECT_NE(b.err().message.find(rule), std::string::npos)
            << "want '" << rule << "' in: " << b.err().message;
    };
    const std::size_t half = m.bytes() / 2;
    refused({{nullptr, 4096}}, "null base");
    refused({{m.base(), 0}}, "zero bytes");
    refused({{reinterpret_cast<std::byte*>(~std::uintptr_t{0xfff}), 8192}}, "wrap");
    refused({{m.base(), half}, {m.base() + 4096, half}}, "overlap");
    refused({{m.base() + 8, 4096}}, "is not a multiple of the NIC's buffer alignment 64");
    refused({{m.base(), 4096 + 8}}, "length 4104 is not a multiple");
    // The adapter stays free: a good range binds.
    protocol::preferences good;
    good.registered = {m.range()};
    auto b = protocol::bind(host_, d, r, good);
    ASSERT_TRUE(b.ok()) << b.err().message;
    EXPECT_TRUE((*b)->unbind(1s).ok());
}

/// Only sends: on_receive is the default, which releases what arrives.
class sender final : public protocol::protocol_driver {
public:
    std::string_view name() const noexcept override { return "sender"; }
};

TEST_F(BindingTest, ASendOnlyProtocolGetsWhatArrivesReleasedForIt)
{
    const auto d = started_device("simnic", {{"dma", "iommu"}, {"loopback", "1"}});
    sender s;
    auto b = bound(d, s);
    ASSERT_NE(b, nullptr);
    constexpr std::uint32_t n = 50, size = 128;
    for (std::uint32_t i = 0; i < n; ++i) {
        const auto buf = b->alloc_one(0, size);
        ASSERT_TRUE(buf.has_value());
        EXPECT_GE(buf->capacity, size);
        std::memset(buf->data, 0xff, size);
        const protocol::tx_fragment f{buf->data, size, buf->token};
        const protocol::tx_packet p{0, 1, i};
        if (b->send(0, {&p, 1}, {&f, 1}) == 0) {
            b->release(buf->token); // not sent: given back by token
            --i;
        }
    }
    EXPECT_TRUE(eventually([&] { return b->stats().rx.packets == n; }));
    EXPECT_FALSE(b->alloc_one(0, 1u << 20).has_value()) << "no class holds a megabyte";
    const auto u = b->unbind(1s); // nothing held: the default released every fragment
    EXPECT_TRUE(u.ok()) << u.err().message;
}

} // namespace
} // namespace netcx::test
