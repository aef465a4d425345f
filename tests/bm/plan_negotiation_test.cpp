// SPDX-License-Identifier: MIT
// Negotiation: the NIC's constraints, a protocol's preferences and the framework's defaults make
// the buffer plan. Each conflict is checked twice: in the value's reason and in `conflicts`.
// Registration's refusals: one named error and one log line each.
#include <netcx/bm/plan.hpp>

#include "support/seed_nic.hpp"

#include "support/log_capture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace netcx::bm {
namespace {

constexpr std::uint64_t mib = 1u << 20;
constexpr std::uint64_t high = 0x7f0000000000; // where a 64-bit process's mappings live
constexpr std::uint64_t low = 0x10000000;      // below 4 GiB

// seed_like(): one Rx queue's pool is 2 x 512 buffers x 1536 bytes + 64 = 1.5 MiB + 64.
using test::seed_like;

/// A 32-bit device on the identity space (simnic address_width=32 dma=identity).
nic_constraints thirty_two_bit()
{
    auto n = seed_like();
    for (auto* d : {&n.rx, &n.tx}) {
        d->address_width = 32;
        d->max_logical_address = 0xffffffff;
    }
    return n;
}

nic_constraints driver_allocated()
{
    auto n = seed_like();
    n.rx.dma_mapped = false;
    n.rx_driver_allocates = true;
    n.rx_driver_attaches = true;
    return n;
}

protocol_preferences prefs_of(std::string name = "pktgen")
{
    protocol_preferences p;
    p.protocol = std::move(name);
    return p;
}

bool has(const std::string& text, std::string_view needle)
{
    return text.find(needle) != std::string::npos;
}

/// The conflict about `field` ("rx.queues"), or "" when there is none.
std::string conflict(const buffer_plan& p, std::string_view field)
{
    for (const auto& c : p.conflicts)
        if (c.rfind(std::string{field} + ": ", 0) == 0)
            return c;
    return {};
}

/// The preference lost: the reason says so and `conflicts` carries the same sentence.
void expect_conflict(const buffer_plan& p, std::string_view field, const std::string& reason,
                     std::string_view needle)
{
    EXPECT_TRUE(has(reason, needle)) << reason;
    const std::string c = conflict(p, field);
    ASSERT_FALSE(c.empty()) << field << " is not in conflicts";
    EXPECT_EQ(c, std::string{field} + ": " + reason);
}

// ---- No preference: the defaults --------------------------------------------------------------

TEST(PlanNegotiation, NoPreferencesGiveTheDefaultPlan)
{
    for (const auto& n : {seed_like(), nic_constraints{}, thirty_two_bit(), driver_allocated()}) {
        const auto defaults = make_plan(n);
        const auto negotiated = make_plan(n, {});
        EXPECT_EQ(negotiated.to_json(), defaults.to_json());
        EXPECT_EQ(negotiated.to_text(), defaults.to_text());
        EXPECT_TRUE(negotiated.conflicts.empty());
    }
}

TEST(PlanNegotiation, DefaultsForTheNewValues)
{
    const auto p = make_plan(seed_like());
    EXPECT_EQ(p.rx.memory.value, "system");
    EXPECT_TRUE(has(p.rx.memory.reason, "no registered memory"));
    EXPECT_EQ(p.tx.registered.value, "none");
    EXPECT_TRUE(has(p.tx.registered.reason, "no registered memory"));
    EXPECT_EQ(p.tx.size_classes.value, (std::vector<std::uint32_t>{128, 256, 512, 1024, 2048}));
    EXPECT_TRUE(has(p.tx.size_classes.reason, "MaximumFragmentBufferSize 1514 + backfill 0"));
    EXPECT_EQ(p.tx.buffers_per_class.value, 512u);
    EXPECT_TRUE(has(p.tx.buffers_per_class.reason, "the framework's default"));
    EXPECT_EQ(make_plan(driver_allocated()).rx.memory.value, "driver");
}

TEST(PlanNegotiation, SizeClassesHoldAFrameAndItsBackfill)
{
    auto n = seed_like();
    n.tx.max_frame_size = 2048;
    n.tx_backfill = 16; // 2064 needs the 4096 class
    EXPECT_EQ(make_plan(n).tx.size_classes.value,
              (std::vector<std::uint32_t>{128, 256, 512, 1024, 2048, 4096}));
    n.tx.max_frame_size = 0; // MTU 9000 + 14
    n.tx_backfill = 0;
    n.mtu = 9000;
    const auto p = make_plan(n);
    EXPECT_EQ(p.tx.size_classes.value.back(), 16384u);
    EXPECT_TRUE(has(p.tx.size_classes.reason, "MTU 9000"));
    n.tx.max_frame_size = 64;
    EXPECT_EQ(make_plan(n).tx.size_classes.value, (std::vector<std::uint32_t>{128}));
}

// ---- Queues --------------------------------------------------------------------------------

TEST(PlanNegotiation, QueuesWithinTheNicAreHonoured)
{
    auto n = seed_like();
    n.rx.max_queues = 4;
    n.tx.max_queues = 4;
    auto prefs = prefs_of();
    prefs.rx_queues = 2;
    prefs.tx_queues = 3;
    const auto p = make_plan(n, prefs);
    EXPECT_EQ(p.rx.queues.value, 2u);
    EXPECT_TRUE(has(p.rx.queues.reason, "pktgen asked for 2 Rx queues (the NIC allows up to 4"));
    EXPECT_EQ(p.rx.buffer_count.value, 2u * 512 * 2);
    EXPECT_TRUE(has(p.rx.buffer_count.reason, "x 2 queues"));
    EXPECT_EQ(p.tx.queues.value, 3u);
    EXPECT_EQ(p.tx.bounce_buffer_count.value, 256u * 3);
    EXPECT_TRUE(p.conflicts.empty());
}

TEST(PlanNegotiation, RxQueuesAboveTheNicsAreClamped)
{
    auto n = seed_like();
    n.rx.max_queues = 4;
    auto prefs = prefs_of();
    prefs.rx_queues = 8;
    const auto p = make_plan(n, prefs);
    EXPECT_EQ(p.rx.queues.value, 4u);
    expect_conflict(p, "rx.queues", p.rx.queues.reason,
                    "pktgen asked for 8 Rx queues, but the NIC has at most 4 "
                    "(MaximumNumberOfQueues), which wins");
    EXPECT_EQ(p.rx.buffer_count.value, 2u * 512 * 4);
    EXPECT_EQ(p.conflicts.size(), 1u);
}

TEST(PlanNegotiation, TxQueuesAboveTheNicsAreClamped)
{
    auto prefs = prefs_of();
    prefs.tx_queues = 2;
    const auto p = make_plan(seed_like(), prefs);
    EXPECT_EQ(p.tx.queues.value, 1u);
    expect_conflict(p, "tx.queues", p.tx.queues.reason, "asked for 2 Tx queues");
    EXPECT_TRUE(has(p.tx.queues.reason, "at most 1"));
    EXPECT_EQ(p.tx.bounce_buffer_count.value, 256u);
}

TEST(PlanNegotiation, UnnamedProtocolIsTheProtocol)
{
    protocol_preferences prefs;
    prefs.tx_queues = 2;
    const auto p = make_plan(seed_like(), prefs);
    EXPECT_TRUE(has(p.tx.queues.reason, "the protocol asked for 2 Tx queues"))
        << p.tx.queues.reason;
}

// ---- Headroom and buffer size ----------------------------------------------------------------

TEST(PlanNegotiation, HeadroomIsKeptBeforeTheFrame)
{
    auto prefs = prefs_of();
    prefs.headroom = 128;
    const auto p = make_plan(seed_like(), prefs);
    EXPECT_EQ(p.rx.headroom.value, 128u);
    EXPECT_TRUE(has(p.rx.headroom.reason, "pktgen asked for 128 bytes of headroom"));
    EXPECT_EQ(p.rx.buffer_size.value, 128u + 1526);
    EXPECT_TRUE(has(p.rx.buffer_size.reason, "headroom 128 + MaximumFrameSize 1526"));
    EXPECT_EQ(p.rx.stride.value, 1664u); // 1654 rounded up to 64
    EXPECT_TRUE(p.conflicts.empty());
}

TEST(PlanNegotiation, HeadroomIsRoundedUpToTheNicsAlignment)
{
    auto prefs = prefs_of();
    prefs.headroom = 100;
    const auto p = make_plan(seed_like(), prefs); // FragmentBufferAlignment 64
    EXPECT_EQ(p.rx.headroom.value, 128u);
    EXPECT_TRUE(has(p.rx.headroom.reason, "rounded up to 128 (FragmentBufferAlignment 64)"));
    EXPECT_TRUE(p.conflicts.empty());
}

TEST(PlanNegotiation, HeadroomBeyondAFragmentsCapacityIsRefused)
{
    auto n = seed_like();
    n.rx.max_frame_size = (1u << 26) - 100;
    auto prefs = prefs_of();
    prefs.headroom = 4096;
    const auto p = make_plan(n, prefs);
    EXPECT_EQ(p.rx.headroom.value, 0u);
    expect_conflict(p, "rx.headroom", p.rx.headroom.reason,
                    "exceeds the largest NET_FRAGMENT Capacity");
    EXPECT_TRUE(has(p.rx.headroom.reason, "pktgen asked for 4096 bytes of headroom"));
    EXPECT_EQ(p.rx.buffer_size.value, (1u << 26) - 100); // the frame alone
}

TEST(PlanNegotiation, HeadroomInDriverAllocatedBuffersIsRefused)
{
    auto prefs = prefs_of();
    prefs.headroom = 64;
    const auto p = make_plan(driver_allocated(), prefs);
    EXPECT_EQ(p.rx.headroom.value, 0u);
    expect_conflict(p, "rx.headroom", p.rx.headroom.reason,
                    "AllocationMode Driver: the driver allocates the Rx buffers");
}

TEST(PlanNegotiation, BufferSizeIsHonoured)
{
    auto prefs = prefs_of();
    prefs.buffer_size = 4096;
    const auto p = make_plan(seed_like(), prefs);
    EXPECT_EQ(p.rx.buffer_size.value, 4096u);
    EXPECT_TRUE(has(p.rx.buffer_size.reason, "pktgen asked for 4096-byte Rx buffers"));
    EXPECT_EQ(p.rx.stride.value, 4096u);
    EXPECT_TRUE(p.conflicts.empty());
}

TEST(PlanNegotiation, BufferSmallerThanTheFrameSpansFragments)
{
    auto prefs = prefs_of();
    prefs.buffer_size = 512;
    const auto p = make_plan(seed_like(), prefs);
    EXPECT_EQ(p.rx.buffer_size.value, 512u);
    EXPECT_TRUE(has(p.rx.buffer_size.reason, "spans up to 3 fragments")) << p.rx.buffer_size.reason;
    EXPECT_EQ(p.rx.stride.value, 512u);
    EXPECT_TRUE(p.conflicts.empty()) << "allowed: netcx receives packets of several fragments";

    prefs.headroom = 128; // 384 bytes of payload per buffer: 4 fragments
    EXPECT_TRUE(has(make_plan(seed_like(), prefs).rx.buffer_size.reason, "up to 4 fragments"));
}

TEST(PlanNegotiation, BufferBelowHeadroomPlus64IsRefused)
{
    auto prefs = prefs_of();
    prefs.headroom = 128;
    prefs.buffer_size = 150;
    const auto p = make_plan(seed_like(), prefs);
    EXPECT_EQ(p.rx.buffer_size.value, 128u + 1526); // the default: headroom + frame
    expect_conflict(p, "rx.buffer_size", p.rx.buffer_size.reason,
                    "pktgen asked for 150-byte Rx buffers, less than headroom 128 + 64 bytes of "
                    "payload: refused");
    EXPECT_TRUE(has(p.rx.buffer_size.reason, "headroom 128 + MaximumFrameSize 1526"));
    EXPECT_EQ(p.rx.stride.value, 1664u);
}

TEST(PlanNegotiation, BufferBeyondAFragmentsCapacityIsCapped)
{
    auto prefs = prefs_of();
    prefs.buffer_size = 1u << 27;
    const auto p = make_plan(seed_like(), prefs);
    EXPECT_EQ(p.rx.buffer_size.value, (1u << 26) - 1);
    expect_conflict(p, "rx.buffer_size", p.rx.buffer_size.reason,
                    "more than the largest NET_FRAGMENT Capacity");
}

TEST(PlanNegotiation, BufferSizeOfDriverAllocatedBuffersIsMoot)
{
    auto prefs = prefs_of();
    prefs.buffer_size = 4096;
    const auto p = make_plan(driver_allocated(), prefs);
    EXPECT_EQ(p.rx.buffer_size.value, 1526u);
    expect_conflict(p, "rx.buffer_size", p.rx.buffer_size.reason,
                    "AllocationMode Driver: the driver allocates and sizes its own Rx buffers");
}

// ---- NUMA ------------------------------------------------------------------------------------

TEST(PlanNegotiation, TheNicsPreferredNodeWins)
{
    auto n = seed_like();
    n.rx.numa_node = 1;
    auto prefs = prefs_of();
    prefs.numa_node = 0;
    const auto p = make_plan(n, prefs);
    EXPECT_EQ(p.rx.numa_node.value, 1);
    expect_conflict(p, "rx.numa_node", p.rx.numa_node.reason,
                    "pktgen asked for NUMA node 0, but the NIC prefers node 1");
    // Tx has no PreferredNode: the protocol's node.
    EXPECT_EQ(p.tx.numa_node.value, 0);
    EXPECT_TRUE(has(p.tx.numa_node.reason, "MM_ANY_NODE_OK"));
    EXPECT_TRUE(conflict(p, "tx.numa_node").empty());
}

TEST(PlanNegotiation, SameNodeAgrees)
{
    auto n = seed_like();
    n.rx.numa_node = 1;
    auto prefs = prefs_of();
    prefs.numa_node = 1;
    const auto p = make_plan(n, prefs);
    EXPECT_EQ(p.rx.numa_node.value, 1);
    EXPECT_TRUE(has(p.rx.numa_node.reason, "the NIC's PreferredNode too"));
    EXPECT_TRUE(p.conflicts.empty());
}

// ---- Registered memory -------------------------------------------------------------------------

TEST(PlanNegotiation, RegisteredMemoryOnA64BitDevice)
{
    auto prefs = prefs_of();
    prefs.registered = {{high, 4 * mib}};
    const auto p = make_plan(seed_like(), prefs);
    EXPECT_EQ(p.rx.memory.value, "registered");
    EXPECT_TRUE(has(p.rx.memory.reason, "range 0 (0x7f0000000000..0x7f00003fffff) is the first "
                                        "of at least 1572928 bytes"))
        << p.rx.memory.reason;
    EXPECT_TRUE(has(p.rx.memory.reason, "1024 buffers x 1536-byte stride + 64 to align its start"));
    EXPECT_EQ(p.tx.registered.value, "zero-copy");
    EXPECT_TRUE(has(p.tx.registered.reason, "without a copy"));
    EXPECT_TRUE(p.conflicts.empty());
}

TEST(PlanNegotiation, RegisteredRangesTooSmallForAnRxPool)
{
    auto prefs = prefs_of();
    prefs.registered = {{high, mib}, {high + 2 * mib, mib / 2}};
    const auto p = make_plan(seed_like(), prefs);
    EXPECT_EQ(p.rx.memory.value, "system");
    expect_conflict(p, "rx.memory", p.rx.memory.reason, "no registered range holds 1572928 bytes");
    EXPECT_TRUE(has(p.rx.memory.reason, "the largest holds 1048576"));
    EXPECT_EQ(p.tx.registered.value, "zero-copy"); // Tx still sends from them
}

TEST(PlanNegotiation, ARangeMustHoldThePoolAndItsAlignment)
{
    auto prefs = prefs_of();
    prefs.registered = {{high, 1536 * 1024}}; // the buffers, without room to align the start
    EXPECT_EQ(make_plan(seed_like(), prefs).rx.memory.value, "system");
    prefs.registered = {{high, 1536 * 1024 + 64}};
    EXPECT_EQ(make_plan(seed_like(), prefs).rx.memory.value, "registered");
}

TEST(PlanNegotiation, OneRxQueuesPoolIsWhatARangeMustHold)
{
    auto n = seed_like();
    n.rx.max_queues = 4;
    auto prefs = prefs_of();
    prefs.rx_queues = 4; // 4 x 1.5 MiB in all, 1.5 MiB per queue
    prefs.registered = {{high, 2 * mib}};
    const auto p = make_plan(n, prefs);
    EXPECT_EQ(p.rx.memory.value, "registered") << p.rx.memory.reason;
    EXPECT_TRUE(has(p.rx.memory.reason, "one Rx queue's pool"));
}

TEST(PlanNegotiation, RegisteredMemoryAboveA32BitDevicesReach)
{
    auto prefs = prefs_of();
    prefs.registered = {{high, 4 * mib}};
    const auto p = make_plan(thirty_two_bit(), prefs);
    // Rx comes from system memory the device reaches.
    EXPECT_EQ(p.rx.memory.value, "system");
    expect_conflict(p, "rx.memory", p.rx.memory.reason,
                    "registered memory is out of the device's reach: range 0 "
                    "(0x7f0000000000..0x7f00003fffff)");
    EXPECT_TRUE(has(p.rx.memory.reason, "it ends at 0x7f00003fffff, above the device's reach "
                                        "0xffffffff"));
    EXPECT_TRUE(has(p.rx.memory.reason, "Rx comes from system memory the device can reach"));
    // Tx from it is bounced.
    EXPECT_EQ(p.tx.registered.value, "bounced");
    expect_conflict(p, "tx.registered", p.tx.registered.reason,
                    "registered memory is out of the device's reach");
    EXPECT_TRUE(has(p.tx.registered.reason, "above the device's reach 0xffffffff"));
    EXPECT_TRUE(has(p.tx.registered.reason, "Tx from it is bounced"));
    EXPECT_EQ(p.conflicts.size(), 2u);

    const std::string text = p.to_text();
    EXPECT_TRUE(has(text, "\nconflicts:\n  - rx.memory: registered memory is out of")) << text;
    EXPECT_TRUE(has(text, "\n  - tx.registered: ")) << text;
}

TEST(PlanNegotiation, RegisteredMemoryBelow4GiBOnA32BitDevice)
{
    auto prefs = prefs_of();
    prefs.registered = {{low, 4 * mib}};
    const auto p = make_plan(thirty_two_bit(), prefs);
    EXPECT_EQ(p.rx.memory.value, "registered");
    EXPECT_TRUE(has(p.rx.memory.reason, "within the device's reach 0xffffffff"));
    EXPECT_EQ(p.tx.registered.value, "zero-copy");
    EXPECT_TRUE(p.conflicts.empty());
}

TEST(PlanNegotiation, RxTakesTheFirstRangeTheDeviceReaches)
{
    auto prefs = prefs_of();
    prefs.registered = {{low, mib}, {high, 4 * mib}, {low + 16 * mib, 2 * mib}};
    const auto p = make_plan(thirty_two_bit(), prefs);
    EXPECT_EQ(p.rx.memory.value, "registered");
    EXPECT_TRUE(has(p.rx.memory.reason, "range 2 (0x11000000..0x111fffff)")) << p.rx.memory.reason;
    EXPECT_TRUE(conflict(p, "rx.memory").empty());
    // Tx: range 1 is out of reach, the others are not.
    EXPECT_EQ(p.tx.registered.value, "bounced");
    expect_conflict(p, "tx.registered", p.tx.registered.reason,
                    "registered range 1 (0x7f0000000000..0x7f00003fffff): it ends at "
                    "0x7f00003fffff, above the device's reach 0xffffffff; Tx from it is bounced");
    EXPECT_TRUE(has(p.tx.registered.reason, "sends from the other ranges go without a copy"));
}

TEST(PlanNegotiation, TxNamesEveryRangeOutOfReach)
{
    auto prefs = prefs_of();
    prefs.registered = {{high, mib}, {low, mib}, {high + 8 * mib, mib}};
    const auto p = make_plan(thirty_two_bit(), prefs);
    EXPECT_EQ(p.tx.registered.value, "bounced");
    expect_conflict(p, "tx.registered", p.tx.registered.reason,
                    "registered ranges 0, 2 are out of the device's reach (range 0 "
                    "(0x7f0000000000..0x7f00000fffff): it ends at 0x7f00000fffff, above the "
                    "device's reach 0xffffffff); Tx from them is bounced; sends from the other "
                    "ranges go without a copy");
}

TEST(PlanNegotiation, RxAndTxHaveTheirOwnReach)
{
    auto n = seed_like();
    n.tx.address_width = 32;
    n.tx.max_logical_address = 0xffffffff; // only Tx is limited
    auto prefs = prefs_of();
    prefs.registered = {{high, 4 * mib}};
    const auto p = make_plan(n, prefs);
    EXPECT_EQ(p.rx.memory.value, "registered");
    EXPECT_EQ(p.tx.registered.value, "bounced");
    EXPECT_FALSE(conflict(p, "tx.registered").empty());
    EXPECT_TRUE(conflict(p, "rx.memory").empty());
}

TEST(PlanNegotiation, AnIommuMapsRegisteredMemoryWithinItsWidth)
{
    auto n = thirty_two_bit();
    n.rx.address_space = "iommu";
    n.tx.address_space = "iommu";
    auto prefs = prefs_of();
    prefs.registered = {{high, 4 * mib}};
    const auto p = make_plan(n, prefs);
    EXPECT_EQ(p.rx.memory.value, "registered");
    EXPECT_TRUE(has(p.rx.memory.reason, "the IOMMU maps it below its width (0xffffffff)"));
    EXPECT_EQ(p.tx.registered.value, "zero-copy");
    EXPECT_TRUE(has(p.tx.registered.reason, "the IOMMU maps it"));
    EXPECT_TRUE(p.conflicts.empty());
}

TEST(PlanNegotiation, ThePhysicalSpaceIsCheckedAtBind)
{
    auto n = thirty_two_bit();
    n.rx.address_space = "physical";
    n.tx.address_space = "physical";
    auto prefs = prefs_of();
    prefs.registered = {{high, 4 * mib}};
    const auto p = make_plan(n, prefs);
    EXPECT_EQ(p.rx.memory.value, "registered");
    EXPECT_TRUE(has(p.rx.memory.reason, "checked at bind"));
    EXPECT_EQ(p.tx.registered.value, "zero-copy");
    EXPECT_TRUE(has(p.tx.registered.reason, "checked at bind"));
}

TEST(PlanNegotiation, WithoutDmaEveryRangeIsReached)
{
    auto n = thirty_two_bit();
    n.rx.dma_mapped = false;
    n.tx.dma_mapped = false;
    auto prefs = prefs_of();
    prefs.registered = {{high, 4 * mib}};
    const auto p = make_plan(n, prefs);
    EXPECT_EQ(p.rx.memory.value, "registered");
    EXPECT_TRUE(has(p.rx.memory.reason, "no DMA mapping"));
    EXPECT_EQ(p.tx.registered.value, "zero-copy");
    EXPECT_TRUE(has(p.tx.registered.reason, "MappingRequirement None"));
    EXPECT_TRUE(p.conflicts.empty());
}

TEST(PlanNegotiation, RegisteredRxWithDriverAllocatedBuffersIsMoot)
{
    auto prefs = prefs_of();
    prefs.registered = {{high, 4 * mib}};
    const auto p = make_plan(driver_allocated(), prefs);
    EXPECT_EQ(p.rx.memory.value, "driver");
    expect_conflict(p, "rx.memory", p.rx.memory.reason,
                    "pktgen registered memory, but AllocationMode Driver: the driver allocates "
                    "its own Rx buffers");
    EXPECT_EQ(p.tx.registered.value, "zero-copy");
}

TEST(PlanNegotiation, ZeroCopyTxStillBouncesMisalignedPayloads)
{
    auto n = seed_like();
    n.tx.alignment = 256;
    n.tx_backfill = 32;
    auto prefs = prefs_of();
    prefs.registered = {{high, 4 * mib}};
    const auto p = make_plan(n, prefs);
    EXPECT_EQ(p.tx.registered.value, "zero-copy");
    EXPECT_TRUE(has(p.tx.registered.reason, "payloads not 256-byte aligned or without 32 bytes "
                                            "of backfill before them still bounce"))
        << p.tx.registered.reason;
}

// ---- Output ------------------------------------------------------------------------------------

TEST(PlanNegotiation, JsonListsConflictsAndTheNewValues)
{
    auto prefs = prefs_of();
    prefs.registered = {{high, 4 * mib}};
    prefs.rx_queues = 2;
    const auto p = make_plan(thirty_two_bit(), prefs);
    const auto j = nlohmann::json::parse(p.to_json());
    ASSERT_TRUE(j["conflicts"].is_array());
    ASSERT_EQ(j["conflicts"].size(), p.conflicts.size());
    EXPECT_EQ(j["conflicts"].size(), 3u);
    for (std::size_t i = 0; i < p.conflicts.size(); ++i)
        EXPECT_EQ(j["conflicts"][i], p.conflicts[i]);
    EXPECT_EQ(j["rx"]["memory"], "system");
    EXPECT_EQ(j["rx"]["reasons"]["memory"], p.rx.memory.reason);
    EXPECT_EQ(j["tx"]["registered"], "bounced");
    EXPECT_EQ(j["tx"]["size_classes"], nlohmann::json::array({128, 256, 512, 1024, 2048}));
    EXPECT_EQ(j["tx"]["buffers_per_class"], 512);
}

TEST(PlanNegotiation, TextShowsTheNewValues)
{
    const std::string text = make_plan(seed_like()).to_text();
    EXPECT_TRUE(has(text, "  tx.size_classes ")) << text;
    EXPECT_TRUE(has(text, " 128,256,512,1024,2048 ")) << text;
    EXPECT_TRUE(has(text, "  rx.memory ")) << text;
    EXPECT_TRUE(has(text, "  tx.registered ")) << text;
    EXPECT_TRUE(has(text, "  tx.buffers_per_class ")) << text;
    EXPECT_FALSE(has(text, "conflicts:")) << "no section without conflicts";
}

// ---- Registration's refusals ---------------------------------------------------------------

/// The refusal is invalid_parameter, logged once, and contains every needle.
void expect_refused(const std::vector<registered_range>& ranges, const nic_constraints& n,
                    std::initializer_list<std::string_view> needles)
{
    const test::log_capture logs;
    const auto r = validate_registration(ranges, n);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.code(), status::invalid_parameter);
    for (const auto needle : needles)
        EXPECT_TRUE(has(r.err().message, needle)) << r.err().message << "\nlacks: " << needle;
    EXPECT_EQ(logs.count(), 1u) << logs.all();
    EXPECT_TRUE(logs.has(r.err().message)) << logs.all();
}

TEST(Registration, NoRangesAndGoodRangesAreAccepted)
{
    EXPECT_TRUE(validate_registration({}, seed_like()));
    EXPECT_TRUE(validate_registration({{high, 4 * mib}, {low, mib}}, seed_like()));
    // Touching is not overlapping.
    EXPECT_TRUE(validate_registration({{high + mib, mib}, {high, mib}}, seed_like()));
}

TEST(Registration, NullBaseIsRefused)
{
    expect_refused({{high, mib}, {0, mib}}, seed_like(), {"registered range 1: null base"});
}

TEST(Registration, ZeroBytesAreRefused)
{
    expect_refused({{high, 0}}, seed_like(), {"registered range 0 at 0x7f0000000000: zero bytes"});
}

TEST(Registration, ARangeThatWrapsIsRefused)
{
    expect_refused({{0xffffffffffff0000, 0x20000}}, seed_like(),
                   {"registered range 0 at 0xffffffffffff0000", "wrap around the end"});
}

TEST(Registration, MisalignedBaseIsRefused)
{
    auto n = seed_like();
    n.tx.alignment = 256; // larger than Rx's 64: the one that counts
    expect_refused({{high + 64, mib}}, n,
                   {"registered range 0: base 0x7f0000000040 is not a multiple of the NIC's buffer "
                    "alignment 256",
                    "Rx FragmentBufferAlignment 64 and Tx 256"});
}

TEST(Registration, MisalignedLengthIsRefused)
{
    expect_refused({{high, mib + 8}}, seed_like(),
                   {"registered range 0 at 0x7f0000000000: length 1048584 is not a multiple of "
                    "the NIC's buffer alignment 64"});
}

TEST(Registration, AnyAlignmentWhenTheNicAsksNone)
{
    nic_constraints n; // alignment 1 both ways
    EXPECT_TRUE(validate_registration({{high + 3, 5}}, n));
}

TEST(Registration, OverlappingRangesAreNamedByIndexAndAddress)
{
    expect_refused({{low, mib}, {high, 4 * mib}, {high + 2 * mib, 4 * mib}}, seed_like(),
                   {"registered ranges 1 (0x7f0000000000..0x7f00003fffff) and 2 "
                    "(0x7f0000200000..0x7f00005fffff) overlap"});
    // Out of order, and one inside another.
    expect_refused({{high + mib, mib}, {low, mib}, {high, 4 * mib}}, seed_like(),
                   {"registered ranges 0 (0x7f0000100000..0x7f00001fffff) and 2 "
                    "(0x7f0000000000..0x7f00003fffff) overlap"});
    // The same range twice.
    expect_refused({{high, mib}, {high, mib}}, seed_like(), {"registered ranges 0", "and 1"});
}

} // namespace
} // namespace netcx::bm
