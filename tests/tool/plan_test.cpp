// SPDX-License-Identifier: MIT
// The buffer plan: each rule, its reason, and the text and JSON forms `netcx plan` prints.
#include <netcx/bm/plan.hpp>

#include "support/seed_nic.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <sstream>
#include <string>

namespace netcx::bm {
namespace {

constexpr std::uint64_t all_ones = ~std::uint64_t{0};

using test::seed_like;

bool has(const std::string& text, std::string_view needle)
{
    return text.find(needle) != std::string::npos;
}

TEST(Plan, SystemManagedDmaRx)
{
    const auto p = make_plan(seed_like());
    EXPECT_EQ(p.adapter, "adapter0");
    EXPECT_TRUE(p.errors.empty());
    EXPECT_EQ(p.rx.allocation.value, "system");
    EXPECT_TRUE(has(p.rx.allocation.reason, "AllocationMode System"));
    EXPECT_EQ(p.rx.attachment.value, "system");
    EXPECT_TRUE(has(p.rx.attachment.reason, "AttachmentMode System"));
    EXPECT_EQ(p.rx.mapping.value, "dma");
    EXPECT_TRUE(has(p.rx.mapping.reason, "MappingRequirement DmaMapped"));
    EXPECT_TRUE(has(p.rx.mapping.reason, "NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED_DMA"));
    EXPECT_EQ(p.rx.buffer_size.value, 1526u);
    EXPECT_TRUE(has(p.rx.buffer_size.reason, "MaximumFrameSize 1526"));
    EXPECT_EQ(p.rx.queues.value, 1u);
    EXPECT_TRUE(has(p.rx.queues.reason, "MaximumNumberOfQueues 1"));
    EXPECT_EQ(p.rx.headroom.value, 0u);
    EXPECT_TRUE(has(p.rx.headroom.reason, "protocol preferences arrive later"));
}

TEST(Plan, SystemManagedRxWithoutDma)
{
    auto n = seed_like();
    n.rx.dma_mapped = false;
    const auto p = make_plan(n);
    EXPECT_EQ(p.rx.mapping.value, "none");
    EXPECT_TRUE(has(p.rx.mapping.reason, "MappingRequirement None"));
    EXPECT_TRUE(has(p.rx.mapping.reason, "NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED sets"));
    EXPECT_EQ(p.rx.max_logical_address.value, all_ones);
    EXPECT_TRUE(has(p.rx.max_logical_address.reason, "no DMA mapping"));
    EXPECT_TRUE(has(p.rx.address_space.reason, "no DMA mapping"));
}

TEST(Plan, DriverManagedRxAllocatesNothing)
{
    auto n = seed_like();
    n.rx.dma_mapped = false;
    n.rx_driver_allocates = true;
    n.rx_driver_attaches = true;
    const auto p = make_plan(n);
    EXPECT_EQ(p.rx.allocation.value, "driver");
    EXPECT_EQ(p.rx.attachment.value, "driver");
    EXPECT_TRUE(has(p.rx.mapping.reason, "NET_ADAPTER_RX_CAPABILITIES_INIT_DRIVER_MANAGED"));
    EXPECT_EQ(p.rx.buffer_count.value, 0u);
    EXPECT_TRUE(has(p.rx.buffer_count.reason, "AllocationMode Driver"));
}

TEST(Plan, SystemAllocationDriverAttachmentNamesNoInit)
{
    auto n = seed_like();
    n.rx_driver_attaches = true;
    const auto p = make_plan(n);
    EXPECT_EQ(p.rx.allocation.value, "system");
    EXPECT_EQ(p.rx.attachment.value, "driver");
    EXPECT_FALSE(has(p.rx.mapping.reason, "INIT"));
    EXPECT_EQ(p.rx.buffer_count.value, 1024u); // netcx still allocates
}

TEST(Plan, AlignmentIsTheLargerOfTheNicsAndTheCacheLine)
{
    auto n = seed_like();
    EXPECT_EQ(make_plan(n).rx.alignment.value, 64u);
    EXPECT_TRUE(has(make_plan(n).rx.alignment.reason, "cache-line default agree"));

    n.rx.alignment = 1;
    auto p = make_plan(n);
    EXPECT_EQ(p.rx.alignment.value, 64u);
    EXPECT_TRUE(has(p.rx.alignment.reason, "FragmentBufferAlignment 1"));
    EXPECT_TRUE(has(p.rx.alignment.reason, "cache-line default, which wins"));

    n.rx.alignment = 512;
    p = make_plan(n);
    EXPECT_EQ(p.rx.alignment.value, 512u);
    EXPECT_TRUE(has(p.rx.alignment.reason, "NIC's requirement wins"));
}

TEST(Plan, OutOfRangeAlignmentIsResolvedAndSaysSo)
{
    auto n = seed_like();
    n.rx.alignment = 8192;
    auto p = make_plan(n);
    EXPECT_EQ(p.rx.alignment.value, 4096u);
    EXPECT_TRUE(has(p.rx.alignment.reason, "exceeds the 4096-byte page"));
    n.rx.alignment = 96;
    p = make_plan(n);
    EXPECT_EQ(p.rx.alignment.value, 128u);
    EXPECT_TRUE(has(p.rx.alignment.reason, "not a power of two"));
}

TEST(Plan, StrideIsAlignedNotPageRounded)
{
    auto n = seed_like();
    auto p = make_plan(n);
    EXPECT_EQ(p.rx.stride.value, 1536u);
    EXPECT_TRUE(has(p.rx.stride.reason, "rounded up to alignment 64"));
    EXPECT_TRUE(has(p.rx.stride.reason, "NetAdapterCx"));
    EXPECT_TRUE(has(p.rx.stride.reason, "2560 more")); // 4096 - 1536

    n.rx.max_frame_size = 9018; // jumbo
    n.rx.alignment = 128;
    p = make_plan(n);
    EXPECT_EQ(p.rx.stride.value, 9088u);
}

TEST(Plan, RingHintIsHonouredExactly)
{
    auto n = seed_like();
    n.rx.ring_hint = 4096; // NACE #13: NetAdapterCx's tuner gave 128
    const auto p = make_plan(n);
    EXPECT_EQ(p.rx.fragment_ring_size.value, 4096u);
    EXPECT_EQ(p.rx.packet_ring_size.value, 4096u);
    EXPECT_TRUE(has(p.rx.fragment_ring_size.reason, "FragmentRingNumberOfElementsHint 4096"));
    EXPECT_TRUE(has(p.rx.fragment_ring_size.reason, "honoured exactly"));
    EXPECT_TRUE(has(p.rx.fragment_ring_size.reason, "NACE #13"));
    EXPECT_EQ(p.tx.fragment_ring_size.value, 256u);
    EXPECT_TRUE(has(p.tx.fragment_ring_size.reason, "honoured exactly"));
}

TEST(Plan, NoRingHintTakesTheDefault)
{
    auto n = seed_like();
    n.rx.ring_hint = 0;
    n.tx.ring_hint = 0;
    const auto p = make_plan(n);
    EXPECT_EQ(p.rx.fragment_ring_size.value, 512u);
    EXPECT_TRUE(has(p.rx.fragment_ring_size.reason, "no FragmentRingNumberOfElementsHint"));
    EXPECT_TRUE(has(p.rx.fragment_ring_size.reason, "default 512"));
    EXPECT_EQ(p.tx.fragment_ring_size.value, 512u);
    EXPECT_TRUE(has(p.tx.fragment_ring_size.reason, "default"));
}

TEST(Plan, OutOfRangeRingHintsAreResolvedAndSaySo)
{
    auto n = seed_like();
    n.rx.ring_hint = 1;
    EXPECT_EQ(make_plan(n).rx.fragment_ring_size.value, 2u);
    EXPECT_TRUE(has(make_plan(n).rx.fragment_ring_size.reason, "raised to 2"));
    n.rx.ring_hint = 300;
    EXPECT_EQ(make_plan(n).rx.fragment_ring_size.value, 512u);
    EXPECT_TRUE(has(make_plan(n).rx.fragment_ring_size.reason, "not a power of two"));
    n.rx.ring_hint = 1u << 31;
    EXPECT_EQ(make_plan(n).rx.fragment_ring_size.value, 65536u);
    EXPECT_TRUE(has(make_plan(n).rx.fragment_ring_size.reason, "capped at 65536"));
}

TEST(Plan, BufferCountCoversRingsInFlightAndHeldBuffers)
{
    auto n = seed_like();
    n.rx.ring_hint = 256;
    n.rx.max_queues = 4;
    const auto p = make_plan(n);
    EXPECT_EQ(p.rx.queues.value, 4u);
    EXPECT_EQ(p.rx.buffer_count.value, 2u * 256 * 4);
    EXPECT_TRUE(has(p.rx.buffer_count.reason, "2 x 256 (fragment ring) x 4 queues"));
    // The largest ring on many queues still fits.
    n.rx.ring_hint = 65536;
    n.rx.max_queues = 64;
    EXPECT_EQ(make_plan(n).rx.buffer_count.value, 2u * 65536 * 64);
}

TEST(Plan, FrameSizeZeroFallsBackToTheMtu)
{
    auto n = seed_like();
    n.rx.max_frame_size = 0;
    n.mtu = 9000;
    const auto p = make_plan(n);
    EXPECT_EQ(p.rx.buffer_size.value, 9014u);
    EXPECT_TRUE(has(p.rx.buffer_size.reason, "MTU 9000"));
}

TEST(Plan, FrameSizeIsCappedAtAFragmentsCapacity)
{
    auto n = seed_like();
    n.rx.max_frame_size = std::uint64_t{1} << 40;
    const auto p = make_plan(n);
    EXPECT_EQ(p.rx.buffer_size.value, (1u << 26) - 1);
    EXPECT_TRUE(has(p.rx.buffer_size.reason, "26 bits"));
    EXPECT_EQ(p.rx.stride.value, 1u << 26);
}

TEST(Plan, ThirtyTwoBitEnablerLimitsBothDirections)
{
    auto n = seed_like();
    n.rx.address_width = 32;
    n.tx.address_width = 32;
    n.tx.max_logical_address = 0xffffffff;
    const auto p = make_plan(n); // Rx's constraint says no limit: the enabler still clamps it
    EXPECT_EQ(p.rx.max_logical_address.value, 0xffffffffu);
    EXPECT_TRUE(has(p.rx.max_logical_address.reason, "32-bit"));
    EXPECT_EQ(p.tx.max_logical_address.value, 0xffffffffu);
    EXPECT_TRUE(has(p.tx.max_logical_address.reason, "32-bit"));
    EXPECT_TRUE(has(p.to_text(), "0xffffffff"));
}

TEST(Plan, MaximumPhysicalAddressBelowTheEnablersReach)
{
    auto n = seed_like();
    n.rx.max_logical_address = 0x3fffffff;
    const auto p = make_plan(n);
    EXPECT_EQ(p.rx.max_logical_address.value, 0x3fffffffu);
    EXPECT_TRUE(has(p.rx.max_logical_address.reason, "0x3fffffff: MaximumPhysicalAddress"));
    EXPECT_EQ(p.tx.max_logical_address.value, all_ones);
    EXPECT_TRUE(has(p.tx.max_logical_address.reason, "64-bit DMA enabler"));
}

TEST(Plan, IommuLimitIsNamed)
{
    auto n = seed_like();
    n.rx.address_space = "iommu";
    n.rx.max_logical_address = 0xffffffff;
    const auto p = make_plan(n);
    EXPECT_EQ(p.rx.max_logical_address.value, 0xffffffffu);
    EXPECT_TRUE(has(p.rx.max_logical_address.reason, "IOMMU"));
}

TEST(Plan, AddressSpaceAndNumaNode)
{
    auto n = seed_like();
    n.rx.address_space = "iommu";
    n.rx.numa_node = 1;
    const auto p = make_plan(n);
    EXPECT_EQ(p.rx.address_space.value, "iommu");
    EXPECT_TRUE(has(p.rx.address_space.reason, "dma="));
    EXPECT_EQ(p.rx.numa_node.value, 1);
    EXPECT_TRUE(has(p.rx.numa_node.reason, "PreferredNode 1"));
    EXPECT_EQ(p.tx.numa_node.value, -1);
    EXPECT_TRUE(has(p.tx.numa_node.reason, "MM_ANY_NODE_OK"));
}

TEST(Plan, TxDmaBouncesWholeFrames)
{
    auto n = seed_like();
    n.tx_backfill = 16;
    n.tx.max_queues = 2;
    const auto p = make_plan(n);
    EXPECT_EQ(p.tx.mapping.value, "dma");
    EXPECT_TRUE(has(p.tx.mapping.reason, "NET_ADAPTER_TX_CAPABILITIES_INIT_FOR_DMA"));
    EXPECT_EQ(p.tx.backfill.value, 16u);
    EXPECT_TRUE(has(p.tx.backfill.reason, "PayloadBackfill 16"));
    EXPECT_EQ(p.tx.alignment.value, 1u) << "only the NIC's requirement decides a Tx bounce";
    EXPECT_TRUE(has(p.tx.alignment.reason, "any Tx payload address is usable as is"));
    EXPECT_EQ(p.tx.bounce_buffer_size.value, 1536u); // 1514 + 16 rounded up to the cache line
    EXPECT_TRUE(has(p.tx.bounce_buffer_size.reason, "MaximumFragmentBufferSize 1514"));
    EXPECT_EQ(p.tx.packet_ring_size.value, 256u);
    EXPECT_EQ(p.tx.bounce_buffer_count.value, 512u); // packet ring x 2 queues
}

TEST(Plan, TxWithoutDmaHasNothingToBounce)
{
    auto n = seed_like();
    n.tx.dma_mapped = false;
    const auto p = make_plan(n);
    EXPECT_EQ(p.tx.mapping.value, "none");
    EXPECT_TRUE(has(p.tx.mapping.reason, "MappingRequirement None"));
    EXPECT_EQ(p.tx.bounce_buffer_size.value, 0u);
    EXPECT_EQ(p.tx.bounce_buffer_count.value, 0u);
    EXPECT_EQ(p.tx.bounce_buffer_count.reason, "no DMA mapping: nothing to bounce");
    EXPECT_EQ(p.tx.max_logical_address.value, all_ones);
}

TEST(Plan, TxFragmentLimit)
{
    auto n = seed_like();
    auto p = make_plan(n);
    EXPECT_EQ(p.tx.max_fragments.value, all_ones);
    EXPECT_TRUE(has(p.tx.max_fragments.reason, "unlimited"));
    EXPECT_TRUE(has(p.tx.max_fragments.reason, "at most 255"));
    n.tx.max_fragments = 8;
    p = make_plan(n);
    EXPECT_EQ(p.tx.max_fragments.value, 8u);
    EXPECT_TRUE(has(p.tx.max_fragments.reason, "MaximumNumberOfFragments 8"));
}

TEST(Plan, TxAlignmentNamesWhatBounces)
{
    auto n = seed_like();
    n.tx.alignment = 256;
    const auto p = make_plan(n);
    EXPECT_EQ(p.tx.alignment.value, 256u);
    EXPECT_TRUE(has(p.tx.alignment.reason, "not 256-byte aligned bounce"));
}

TEST(Plan, EveryValueHasAReason)
{
    for (const auto& n : {seed_like(), nic_constraints{}}) {
        const auto j = nlohmann::json::parse(make_plan(n).to_json());
        for (const char* dir : {"rx", "tx"}) {
            std::size_t values = 0;
            for (const auto& [key, v] : j[dir].items()) {
                if (key == "reasons")
                    continue;
                ++values;
                ASSERT_TRUE(j[dir]["reasons"].contains(key)) << dir << "." << key;
                EXPECT_FALSE(j[dir]["reasons"][key].get<std::string>().empty())
                    << dir << "." << key;
            }
            EXPECT_EQ(values, j[dir]["reasons"].size());
        }
    }
}

TEST(PlanJson, HasEveryKeyWithItsType)
{
    const auto j = nlohmann::json::parse(make_plan(seed_like()).to_json());
    EXPECT_EQ(j["adapter"], "adapter0");
    for (const char* k : {"allocation", "attachment", "mapping", "address_space"})
        EXPECT_TRUE(j["rx"][k].is_string()) << k;
    for (const char* k :
         {"buffer_size", "alignment", "stride", "buffer_count", "fragment_ring_size",
          "packet_ring_size", "headroom", "queues", "numa_node", "max_logical_address"})
        EXPECT_TRUE(j["rx"][k].is_number_integer()) << k;
    for (const char* k : {"mapping", "address_space"})
        EXPECT_TRUE(j["tx"][k].is_string()) << k;
    for (const char* k : {"queues", "max_fragments", "backfill", "alignment", "fragment_ring_size",
                          "packet_ring_size", "bounce_buffer_size", "bounce_buffer_count",
                          "numa_node", "max_logical_address"})
        EXPECT_TRUE(j["tx"][k].is_number_integer()) << k;
    EXPECT_EQ(j["rx"]["allocation"], "system");
    EXPECT_EQ(j["rx"]["mapping"], "dma");
    EXPECT_EQ(j["rx"]["alignment"], 64);
    EXPECT_EQ(j["rx"]["buffer_size"], 1526);
    EXPECT_EQ(j["rx"]["numa_node"], -1);
    EXPECT_EQ(j["tx"]["fragment_ring_size"], 256);
    EXPECT_TRUE(j["rx"]["memory"].is_string());
    EXPECT_TRUE(j["tx"]["registered"].is_string());
    EXPECT_TRUE(j["tx"]["size_classes"].is_array());
    EXPECT_TRUE(j["tx"]["buffers_per_class"].is_number_integer());
    ASSERT_TRUE(j["errors"].is_array());
    EXPECT_TRUE(j["errors"].empty());
    ASSERT_TRUE(j["conflicts"].is_array());
    EXPECT_TRUE(j["conflicts"].empty());
}

TEST(PlanJson, ConflictsAreListed)
{
    protocol_preferences prefs;
    prefs.protocol = "echo";
    prefs.rx_queues = 4;
    const auto p = make_plan(seed_like(), prefs);
    const auto j = nlohmann::json::parse(p.to_json());
    ASSERT_EQ(j["conflicts"].size(), 1u) << j.dump(2);
    EXPECT_EQ(j["conflicts"][0], p.conflicts[0]);
    EXPECT_TRUE(has(p.conflicts[0], "rx.queues: echo asked for 4 Rx queues")) << p.conflicts[0];
}

TEST(PlanJson, FullWidthNumbersSurvive)
{
    const auto j = nlohmann::json::parse(make_plan(seed_like()).to_json());
    EXPECT_EQ(j["rx"]["max_logical_address"].get<std::uint64_t>(), all_ones);
    EXPECT_EQ(j["tx"]["max_fragments"].get<std::uint64_t>(), all_ones);
    // As text too: other JSON readers see the exact digits.
    EXPECT_TRUE(has(make_plan(seed_like()).to_json(), "18446744073709551615"));
}

TEST(PlanJson, ErrorsAreListed)
{
    buffer_plan p;
    p.adapter = "adapter0";
    p.errors = {"NetAdapterSetDatapathCapabilities: alignment 3 is not a power of two"};
    const auto j = nlohmann::json::parse(p.to_json());
    ASSERT_EQ(j["errors"].size(), 1u);
    EXPECT_EQ(j["errors"][0], p.errors[0]);
    EXPECT_TRUE(j["rx"].contains("mapping")); // the shape stays the same
}

TEST(PlanText, OneAlignedLinePerValueWithItsReason)
{
    const auto p = make_plan(seed_like());
    const std::string text = p.to_text();
    std::istringstream in{text};
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "buffer plan for adapter0");
    std::size_t lines = 0;
    std::size_t value_col = std::string::npos;
    std::size_t reason_col = std::string::npos;
    while (std::getline(in, line)) {
        ++lines;
        ASSERT_EQ(line.rfind("  ", 0), 0u) << line;
        const std::size_t v = line.find_first_not_of(' ', line.find(' ', 2));
        if (value_col == std::string::npos)
            value_col = v;
        EXPECT_EQ(v, value_col) << line;
        if (line.find("rx.buffer_size") != std::string::npos)
            reason_col = line.find("MaximumFrameSize");
        if (line.find("rx.alignment") != std::string::npos) {
            EXPECT_EQ(line.find("FragmentBufferAlignment"), reason_col) << line;
        }
    }
    EXPECT_EQ(lines, 30u); // 15 Rx values, 15 Tx values
    EXPECT_TRUE(has(text, "rx.numa_node"));
    EXPECT_TRUE(has(text, " any "));
    EXPECT_TRUE(has(text, " unlimited "));
}

TEST(PlanText, ConflictsComeLast)
{
    auto p = make_plan(seed_like());
    p.conflicts = {"rx.queues: first", "tx.registered: second"};
    const std::string text = p.to_text();
    const std::string tail = "conflicts:\n  - rx.queues: first\n  - tx.registered: second\n";
    ASSERT_GE(text.size(), tail.size());
    EXPECT_EQ(text.substr(text.size() - tail.size()), tail) << text;
}

TEST(PlanText, ErrorsComeFirst)
{
    auto p = make_plan(seed_like());
    p.errors = {"first", "second"};
    const std::string text = p.to_text();
    EXPECT_EQ(text.rfind("error: first\nerror: second\n", 0), 0u) << text;
    EXPECT_TRUE(has(text, "rx.buffer_size"));

    buffer_plan refused;
    refused.errors = {"refused"};
    EXPECT_EQ(refused.to_text(), "error: refused\n");
}

} // namespace
} // namespace netcx::bm
