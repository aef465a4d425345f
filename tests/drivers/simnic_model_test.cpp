// SPDX-License-Identifier: MIT
// simnic's hardware model on its own: DMA through the software IOMMU, faults on unmapped and stale
// addresses (counted, nothing touched), wire and loopback delivery, no-buffer drops, the
// scatter-gather limit, the address width and alignment, interrupts.
#include "support/log_capture.hpp"

#include "simnic/model/nic.hpp"

#include <netcx/bm/address_space.hpp>
#include <netcx/bm/memory_region.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace netcx::simnic {
namespace {

bm::memory_region region(std::size_t bytes)
{
    auto r = bm::memory_region::allocate({bytes, bm::any_numa_node, bm::page_policy::small});
    EXPECT_TRUE(r.ok());
    return std::move(r).value();
}

std::unique_ptr<nic> make(bm::address_space& space, config cfg, const char* name = "nic")
{
    auto n = nic::create(cfg, space, name);
    EXPECT_TRUE(n.ok()) << n.err().message;
    return n ? std::move(n).value() : nullptr;
}

config loopback()
{
    config c;
    c.loopback = true;
    return c;
}

/// A region mapped through an IOMMU, split into 2 KiB buffers.
struct mapped {
    mapped(bm::software_iommu& mmu, std::size_t bytes = 16 * 2048) : mem(region(bytes))
    {
        auto m = mmu.map(mem);
        EXPECT_TRUE(m.ok());
        map = std::move(m).value();
    }
    std::byte* va(std::size_t i) const { return mem.base() + i * 2048; }
    std::uint64_t la(std::size_t i) const { return bm::to_u64(map->translate(i * 2048)); }
    bm::memory_region mem;
    std::unique_ptr<bm::dma_mapping> map;
};

void fill(std::byte* p, std::size_t n, std::uint8_t seed)
{
    for (std::size_t i = 0; i < n; ++i)
        p[i] = std::byte(static_cast<std::uint8_t>(seed + i));
}

bool all_zero(const std::byte* p, std::size_t n)
{
    return std::all_of(p, p + n, [](std::byte b) { return b == std::byte{0}; });
}

std::vector<tx_completion> send(nic& n, std::span<const tx_descriptor> d)
{
    EXPECT_EQ(n.tx_post(d), d.size());
    n.tx_doorbell();
    std::vector<tx_completion> out(d.size());
    out.resize(n.tx_reap(out));
    return out;
}

std::vector<rx_completion> reap(nic& n)
{
    std::vector<rx_completion> out(64);
    out.resize(n.rx_reap(out, 64));
    return out;
}

TEST(SimnicModel, LoopbackDmaGoesThroughTheIommu)
{
    bm::software_iommu mmu;
    mapped m{mmu};
    auto n = make(mmu, loopback());
    n->rx_enable(nullptr, nullptr);
    const rx_descriptor rx[] = {{m.la(1), 2048, 7}};
    ASSERT_EQ(n->rx_post(rx), 1u);
    fill(m.va(0), 100, 3);
    const tx_descriptor tx[] = {{m.la(0), 100, 42, tx_descriptor::end_of_packet}};
    const auto done = send(*n, tx);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].cookie, 42u);
    EXPECT_EQ(done[0].status, tx_status::ok);
    const auto got = reap(*n);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].cookie, 7u);
    EXPECT_EQ(got[0].length, 100u);
    EXPECT_TRUE(got[0].end_of_frame);
    EXPECT_EQ(std::memcmp(m.va(0), m.va(1), 100), 0);
    const auto s = n->counters();
    EXPECT_EQ(s.tx_packets, 1u);
    EXPECT_EQ(s.rx_packets, 1u);
    EXPECT_EQ(s.rx_bytes, 100u);
    EXPECT_EQ(mmu.faults(), 0u);
}

TEST(SimnicModel, TxFromAnUnmappedIovaIsAFaultAndNothingIsDelivered)
{
    test::log_capture cap;
    bm::software_iommu mmu;
    mapped m{mmu};
    auto n = make(mmu, loopback());
    n->rx_enable(nullptr, nullptr);
    const rx_descriptor rx[] = {{m.la(1), 2048, 1}};
    ASSERT_EQ(n->rx_post(rx), 1u);
    const std::uint64_t beyond = m.la(0) + m.mem.size() + 4096; // never mapped
    const tx_descriptor tx[] = {{beyond, 64, 9, tx_descriptor::end_of_packet}};
    const auto done = send(*n, tx);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].status, tx_status::dma_fault);
    EXPECT_EQ(n->counters().tx_dma_faults, 1u);
    EXPECT_EQ(n->counters().tx_packets, 0u);
    EXPECT_EQ(mmu.faults(), 1u);
    EXPECT_TRUE(cap.has("DMA fault"));
    EXPECT_TRUE(reap(*n).empty());
    EXPECT_TRUE(all_zero(m.va(1), 2048));
}

TEST(SimnicModel, RxIntoAStaleIovaIsAFaultAndTheMemoryIsUntouched)
{
    test::log_capture cap;
    bm::software_iommu mmu;
    mapped src{mmu};
    mapped stale{mmu};
    auto n = make(mmu, loopback());
    n->rx_enable(nullptr, nullptr);
    const rx_descriptor rx[] = {{stale.la(0), 2048, 5}};
    ASSERT_EQ(n->rx_post(rx), 1u);
    stale.map.reset(); // unmapped while the device still holds the descriptor
    fill(src.va(0), 64, 1);
    const tx_descriptor tx[] = {{src.la(0), 64, 1, tx_descriptor::end_of_packet}};
    EXPECT_EQ(send(*n, tx)[0].status, tx_status::ok);
    const auto got = reap(*n);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].status, rx_status::dma_fault);
    EXPECT_EQ(got[0].length, 0u);
    EXPECT_EQ(n->counters().rx_dma_faults, 1u);
    EXPECT_EQ(n->counters().rx_packets, 0u);
    EXPECT_EQ(mmu.faults(), 1u);
    EXPECT_TRUE(all_zero(stale.mem.base(), stale.mem.size()));
}

TEST(SimnicModel, TwoDevicesOnAWireDeliverToEachOtherAndInterruptWhenArmed)
{
    bm::software_iommu mmu_a, mmu_b;
    mapped a_mem{mmu_a};
    mapped b_mem{mmu_b};
    config c;
    c.wire = "model-test-wire";
    auto a = make(mmu_a, c, "a");
    auto b = make(mmu_b, c, "b");
    int interrupts = 0;
    b->rx_enable([](void* ctx) { ++*static_cast<int*>(ctx); }, &interrupts);
    const rx_descriptor rx[] = {{b_mem.la(0), 2048, 0}, {b_mem.la(1), 2048, 1}};
    ASSERT_EQ(b->rx_post(rx), 2u);
    fill(a_mem.va(0), 200, 9);
    const tx_descriptor tx[] = {{a_mem.la(0), 200, 0, tx_descriptor::end_of_packet}};

    EXPECT_EQ(send(*a, tx)[0].status, tx_status::ok); // not armed: no interrupt
    EXPECT_EQ(interrupts, 0);
    b->rx_arm(true);
    EXPECT_EQ(send(*a, tx)[0].status, tx_status::ok);
    EXPECT_EQ(interrupts, 1);
    const auto got = reap(*b);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1].length, 200u);
    EXPECT_EQ(std::memcmp(a_mem.va(0), b_mem.va(1), 200), 0);
    EXPECT_EQ(b->counters().rx_interrupts, 1u);
    EXPECT_EQ(a->counters().rx_packets, 0u);
}

TEST(SimnicModel, AFrameWithoutAPostedBufferIsDroppedAndCounted)
{
    bm::software_iommu mmu;
    mapped m{mmu};
    auto n = make(mmu, loopback());
    n->rx_enable(nullptr, nullptr);
    const tx_descriptor tx[] = {{m.la(0), 64, 0, tx_descriptor::end_of_packet}};
    EXPECT_EQ(send(*n, tx)[0].status, tx_status::ok); // sent; the receiver had no buffer
    EXPECT_EQ(n->counters().rx_no_buffer, 1u);
    // A frame larger than every posted buffer together is dropped too.
    const rx_descriptor rx[] = {{m.la(1), 32, 0}};
    ASSERT_EQ(n->rx_post(rx), 1u);
    EXPECT_EQ(send(*n, tx)[0].status, tx_status::ok);
    EXPECT_EQ(n->counters().rx_no_buffer, 2u);
    EXPECT_EQ(n->rx_outstanding(), 1u);
}

TEST(SimnicModel, TxScatterGatherIsGatheredAndRxChainsDescriptors)
{
    bm::software_iommu mmu;
    mapped m{mmu};
    config c = loopback();
    c.max_tx_sg = 3;
    auto n = make(mmu, c);
    n->rx_enable(nullptr, nullptr);
    const rx_descriptor rx[] = {{m.la(8), 128, 0}, {m.la(9), 128, 1}, {m.la(10), 128, 2}};
    ASSERT_EQ(n->rx_post(rx), 3u);
    fill(m.va(0), 100, 1);
    fill(m.va(1), 100, 2);
    fill(m.va(2), 100, 3);
    const tx_descriptor tx[] = {{m.la(0), 100, 0, 0},
                                {m.la(1), 100, 0, 0},
                                {m.la(2), 100, 0, tx_descriptor::end_of_packet}};
    EXPECT_EQ(send(*n, tx)[0].status, tx_status::ok);
    const auto got = reap(*n);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].length, 128u);
    EXPECT_EQ(got[1].length, 128u);
    EXPECT_EQ(got[2].length, 44u);
    EXPECT_FALSE(got[0].end_of_frame);
    EXPECT_TRUE(got[2].end_of_frame);
    std::vector<std::byte> sent(300), received(300);
    std::memcpy(sent.data(), m.va(0), 100);
    std::memcpy(sent.data() + 100, m.va(1), 100);
    std::memcpy(sent.data() + 200, m.va(2), 100);
    std::memcpy(received.data(), m.va(8), 128);
    std::memcpy(received.data() + 128, m.va(9), 128);
    std::memcpy(received.data() + 256, m.va(10), 44);
    EXPECT_EQ(sent, received);
}

TEST(SimnicModel, MoreScatterGatherElementsThanTheLimitAreRefused)
{
    test::log_capture cap;
    bm::software_iommu mmu;
    mapped m{mmu};
    config c = loopback();
    c.max_tx_sg = 2;
    auto n = make(mmu, c);
    n->rx_enable(nullptr, nullptr);
    const tx_descriptor tx[] = {{m.la(0), 10, 0, 0},
                                {m.la(1), 10, 0, 0},
                                {m.la(2), 10, 4, tx_descriptor::end_of_packet},
                                {m.la(3), 60, 5, tx_descriptor::end_of_packet}};
    const auto done = send(*n, tx);
    ASSERT_EQ(done.size(), 2u);
    EXPECT_EQ(done[0].cookie, 4u);
    EXPECT_EQ(done[0].status, tx_status::too_many_fragments);
    EXPECT_EQ(done[1].status, tx_status::ok);
    EXPECT_EQ(n->counters().tx_sg_limit, 1u);
    EXPECT_TRUE(cap.has("3 scatter-gather elements (max 2)"));
}

TEST(SimnicModel, NopOversizeAndLinkDownComplete)
{
    bm::software_iommu mmu;
    mapped m{mmu};
    config c;
    c.max_frame = 100;
    auto alone = make(mmu, c); // no wire: nobody to send to
    const tx_descriptor tx[] = {{0, 0, 1, tx_descriptor::end_of_packet | tx_descriptor::nop},
                                {m.la(0), 101, 2, tx_descriptor::end_of_packet},
                                {m.la(0), 60, 3, tx_descriptor::end_of_packet}};
    const auto done = send(*alone, tx);
    ASSERT_EQ(done.size(), 3u);
    EXPECT_EQ(done[0].status, tx_status::nop);
    EXPECT_EQ(done[1].status, tx_status::oversize);
    EXPECT_EQ(done[2].status, tx_status::link_down);
    EXPECT_EQ(alone->counters().tx_oversize, 1u);
    EXPECT_EQ(alone->counters().tx_link_down, 1u);
    EXPECT_EQ(mmu.faults(), 0u);
}

TEST(SimnicModel, AnUnfinishedPacketWaitsForItsLastDescriptor)
{
    bm::software_iommu mmu;
    mapped m{mmu};
    auto n = make(mmu, loopback());
    const tx_descriptor first[] = {{m.la(0), 30, 0, 0}};
    EXPECT_TRUE(send(*n, first).empty());
    const tx_descriptor last[] = {{m.la(1), 30, 8, tx_descriptor::end_of_packet}};
    const auto done = send(*n, last);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].cookie, 8u);
    EXPECT_EQ(n->tx_space(), n->cfg().tx_ring_size);
}

TEST(SimnicModel, A32BitDeviceCannotReachAddressesAbove4GiB)
{
    test::log_capture cap;
    bm::identity_space identity;
    auto mem = region(4096);
    config c = loopback();
    c.address_width = 32;
    auto n = make(identity, c);
    const auto va = reinterpret_cast<std::uintptr_t>(mem.base());
    if (va + 4096 <= 0xffffffffu)
        GTEST_SKIP() << "the region happens to lie below 4 GiB";
    const tx_descriptor tx[] = {{va, 64, 0, tx_descriptor::end_of_packet}};
    EXPECT_EQ(send(*n, tx)[0].status, tx_status::dma_fault);
    EXPECT_TRUE(cap.has("beyond its 32-bit reach"));
}

TEST(SimnicModel, MisalignedDmaIsAFault)
{
    test::log_capture cap;
    bm::software_iommu mmu;
    mapped m{mmu};
    config c = loopback();
    c.alignment = 64;
    auto n = make(mmu, c);
    n->rx_enable(nullptr, nullptr);
    const rx_descriptor rx[] = {{m.la(1), 2048, 0}};
    ASSERT_EQ(n->rx_post(rx), 1u);
    const tx_descriptor tx[] = {{m.la(0) + 2, 64, 0, tx_descriptor::end_of_packet}};
    EXPECT_EQ(send(*n, tx)[0].status, tx_status::dma_fault);
    EXPECT_TRUE(cap.has("not aligned to 64 bytes"));
    EXPECT_EQ(mmu.faults(), 0u) << "refused before the IOMMU";
}

TEST(SimnicModel, IdentityDevicesReadAndWriteVirtualAddresses)
{
    bm::identity_space identity;
    auto mem = region(8192);
    auto n = make(identity, loopback());
    n->rx_enable(nullptr, nullptr);
    const auto va = reinterpret_cast<std::uintptr_t>(mem.base());
    const rx_descriptor rx[] = {{va + 4096, 2048, 0}};
    ASSERT_EQ(n->rx_post(rx), 1u);
    fill(mem.base(), 64, 7);
    const tx_descriptor tx[] = {{va, 64, 0, tx_descriptor::end_of_packet}};
    EXPECT_EQ(send(*n, tx)[0].status, tx_status::ok);
    ASSERT_EQ(reap(*n).size(), 1u);
    EXPECT_EQ(std::memcmp(mem.base(), mem.base() + 4096, 64), 0);
}

TEST(SimnicModel, RefusesBadConfigurationsByName)
{
    test::log_capture cap;
    bm::software_iommu mmu;
    config c;
    c.address_width = 48;
    EXPECT_EQ(nic::create(c, mmu, "x").code(), status::invalid_parameter);
    EXPECT_TRUE(cap.has("address_width=48: must be 32 or 64"));
    c = config{};
    c.alignment = 3;
    EXPECT_EQ(nic::create(c, mmu, "x").code(), status::invalid_parameter);
    c = config{};
    c.loopback = true;
    c.wire = "w";
    EXPECT_EQ(nic::create(c, mmu, "x").code(), status::invalid_parameter);
    EXPECT_TRUE(cap.has("exclusive"));
    bm::region_offset_space offsets{region(4096)};
    EXPECT_EQ(nic::create(config{}, offsets, "x").code(), status::not_supported);
}

TEST(SimnicModel, AWireJoinsTwoDevicesAndFreesItsEndWhenOneLeaves)
{
    test::log_capture cap;
    bm::software_iommu mmu;
    config c;
    c.wire = "model-test-full";
    auto a = make(mmu, c, "a");
    auto b = make(mmu, c, "b");
    EXPECT_EQ(nic::create(c, mmu, "c").code(), status::busy);
    EXPECT_TRUE(cap.has("wire 'model-test-full' already joins two devices (a and b)"));
    b.reset();
    auto c2 = make(mmu, c, "c");
    EXPECT_NE(c2, nullptr);
}

} // namespace
} // namespace netcx::simnic
