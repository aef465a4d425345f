// SPDX-License-Identifier: MIT
// echo and bridge: zero-copy forwarding (the rx tokens ride in the tx fragments), address swap,
// direction, refusals released, frames before start released.
#include "fake_binding.hpp"

#include <netcx/protocols/builtin.hpp>

#include <gtest/gtest.h>

#include <algorithm>

namespace netcx::protocols {
namespace {

std::vector<std::byte> frame(std::size_t n, std::uint8_t first_dst, std::uint8_t first_src)
{
    std::vector<std::byte> f(n);
    for (std::size_t i = 0; i < n; ++i)
        f[i] = std::byte(i * 7);
    for (int i = 0; i < 6; ++i) {
        f[static_cast<std::size_t>(i)] = std::byte(first_dst + i);
        f[static_cast<std::size_t>(6 + i)] = std::byte(first_src + i);
    }
    return f;
}

std::unique_ptr<builtin> made(std::string_view name, const params& p = {})
{
    auto g = make(name, p);
    EXPECT_TRUE(g.ok()) << g.err().message;
    return g ? std::move(*g) : nullptr;
}

TEST(Echo, SwapsAddressesAndSendsTheReceivedBuffersBack)
{
    auto e = made("echo");
    test::fake_binding b{*e};
    protocol::binding* bs[] = {&b};
    ASSERT_TRUE(e->start(bs).ok());
    test::rx_batch batch;
    batch.add(frame(60, 0x10, 0x20));
    batch.add(frame(3000, 0x30, 0x40), 1024); // three fragments
    batch.add(frame(64, 0x50, 0x60));
    const auto original = batch.storage;
    e->on_receive(b, 0, batch.packets, batch.fragments);

    const auto sent = b.sent();
    ASSERT_EQ(sent.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& o = original[i];
        const auto& s = sent[i].bytes;
        ASSERT_EQ(s.size(), o.size());
        EXPECT_TRUE(std::equal(s.begin(), s.begin() + 6, o.begin() + 6)) << i;
        EXPECT_TRUE(std::equal(s.begin() + 6, s.begin() + 12, o.begin())) << i;
        EXPECT_TRUE(std::equal(s.begin() + 12, s.end(), o.begin() + 12)) << i;
    }
    // Zero copy: the fragments are the received ones, with their tokens, in order.
    EXPECT_EQ(sent[1].fragment_lengths, (std::vector<std::uint32_t>{1024, 1024, 952}));
    std::vector<std::uint64_t> tokens;
    for (const auto& s : sent)
        tokens.insert(tokens.end(), s.tokens.begin(), s.tokens.end());
    std::vector<std::uint64_t> want;
    for (const auto& f : batch.fragments)
        want.push_back(f.token.value);
    EXPECT_EQ(tokens, want);
    EXPECT_TRUE(b.released().empty()); // the framework releases them on completion
    const auto r = e->report();
    EXPECT_EQ(r.received, 3u);
    EXPECT_EQ(r.forwarded, 3u);
    EXPECT_EQ(r.send_refused, 0u);
}

TEST(Echo, ReleasesWhatSendRefusesAndRunts)
{
    auto e = made("echo", {{"queues", "2"}});
    EXPECT_EQ(e->preferences().rx_queues, 2u);
    EXPECT_EQ(e->preferences().tx_queues, 2u);
    test::fake_binding b{*e};
    b.accept(1);
    test::rx_batch batch;
    batch.add(frame(60, 1, 2));
    batch.add(frame(200, 1, 2), 100);
    batch.add(std::vector<std::byte>(8)); // shorter than the two addresses
    batch.add(frame(60, 1, 2));
    e->on_receive(b, 1, batch.packets, batch.fragments);
    const auto sent = b.sent();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].queue, 1u); // back out of the same queue index
    auto released = b.released();
    std::sort(released.begin(), released.end());
    std::vector<std::uint64_t> want;
    for (std::size_t k = 1; k < batch.fragments.size(); ++k)
        want.push_back(batch.fragments[k].token.value);
    EXPECT_EQ(released, want);
    const auto r = e->report();
    EXPECT_EQ(r.forwarded, 1u);
    EXPECT_EQ(r.send_refused, 2u);
    EXPECT_EQ(r.foreign, 1u);
}

TEST(Bridge, ForwardsEachWayUnchanged)
{
    auto br = made("bridge");
    EXPECT_EQ(br->adapters(), 2u);
    test::fake_binding a{*br, "a"}, z{*br, "z"};
    protocol::binding* bs[] = {&a, &z};
    ASSERT_TRUE(br->start(bs).ok());

    test::rx_batch from_a, from_z;
    from_a.add(frame(100, 1, 2));
    from_a.add(frame(5000, 3, 4), 2048);
    from_z.add(frame(70, 5, 6));
    br->on_receive(a, 0, from_a.packets, from_a.fragments);
    br->on_receive(z, 0, from_z.packets, from_z.fragments);

    const auto to_z = z.sent();
    const auto to_a = a.sent();
    ASSERT_EQ(to_z.size(), 2u);
    ASSERT_EQ(to_a.size(), 1u);
    EXPECT_EQ(to_z[0].bytes, from_a.storage[0]);
    EXPECT_EQ(to_z[1].bytes, from_a.storage[1]);
    EXPECT_EQ(to_a[0].bytes, from_z.storage[0]);
    EXPECT_EQ(to_z[1].tokens.size(), 3u);
    EXPECT_EQ(to_z[1].tokens[0], from_a.fragments[1].token.value);
    EXPECT_EQ(br->report().forwarded, 3u);
}

TEST(Bridge, ReleasesRefusedFramesToTheirOwnAdapterAndFramesBeforeStart)
{
    auto br = made("bridge");
    test::fake_binding a{*br, "a"}, z{*br, "z"};
    test::rx_batch early;
    early.add(frame(64, 1, 2));
    br->on_receive(a, 0, early.packets, early.fragments); // not started: nowhere to go
    EXPECT_EQ(a.released().size(), 1u);

    protocol::binding* bs[] = {&a, &z};
    ASSERT_TRUE(br->start(bs).ok());
    z.accept(0);
    test::rx_batch batch;
    batch.add(frame(64, 1, 2));
    br->on_receive(a, 0, batch.packets, batch.fragments);
    EXPECT_EQ(a.released().size(), 2u);
    EXPECT_TRUE(z.released().empty());
    EXPECT_EQ(br->report().send_refused, 2u);

    protocol::binding* one[] = {&a};
    EXPECT_EQ(br->start(one).code(), status::invalid_parameter);
}

} // namespace
} // namespace netcx::protocols
