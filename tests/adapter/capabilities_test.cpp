// SPDX-License-Identifier: MIT
// NetAdapterSetDatapathCapabilities: every rule of the reference's section 4 (and netcx's own
// limits) refuses by name, fails the adapter's start with the same cause, and stores nothing;
// accepted capabilities are deep-copied into checked C++ values. Also: the start sequence
// around EvtAdapterSetCapabilities and each way it fails.
#include "refusal.hpp"
#include "support/wdf_fixture.hpp"

#include "wdf/dma_enabler.hpp"

#include <gtest/gtest.h>

#include <numa.h>

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace netcx::test {
namespace {

constexpr std::string_view set_api = "NetAdapterSetDatapathCapabilities";

VOID return_rx(NETADAPTER, NET_FRAGMENT_RETURN_CONTEXT_HANDLE) {}

/// Valid capabilities in the seed's shape: DMA-mapped Tx and system-managed DMA Rx with
/// alignment 64 and both ring hints. Edits make one rule fail.
struct capabilities {
    NET_ADAPTER_DMA_CAPABILITIES tx_dma;
    NET_ADAPTER_DMA_CAPABILITIES rx_dma;
    NET_ADAPTER_TX_CAPABILITIES tx;
    NET_ADAPTER_RX_CAPABILITIES rx;
    PNET_ADAPTER_TX_CAPABILITIES tx_arg = &tx;
    PNET_ADAPTER_RX_CAPABILITIES rx_arg = &rx;

    explicit capabilities(WDFDMAENABLER enabler)
    {
        NET_ADAPTER_DMA_CAPABILITIES_INIT(&tx_dma, enabler);
        NET_ADAPTER_TX_CAPABILITIES_INIT_FOR_DMA(&tx, &tx_dma, 1514, 1);
        tx.FragmentRingNumberOfElementsHint = 256;
        NET_ADAPTER_DMA_CAPABILITIES_INIT(&rx_dma, enabler);
        NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED_DMA(&rx, &rx_dma, 1522, 1);
        rx.FragmentBufferAlignment = 64;
        rx.FragmentRingNumberOfElementsHint = 512;
    }
    capabilities(const capabilities&) = delete;
    capabilities& operator=(const capabilities&) = delete;

    NTSTATUS set(NETADAPTER a) { return NetAdapterSetDatapathCapabilities(a, tx_arg, rx_arg); }
};

using edit_fn = std::function<void(capabilities&, wdf_fixture&)>;

/// The netcx status start() maps a refusal's NTSTATUS to.
status start_code(NTSTATUS s)
{
    switch (s) {
    case STATUS_NOT_SUPPORTED: return status::not_supported;
    case STATUS_INVALID_DEVICE_STATE: return status::busy;
    default: return status::invalid_parameter;
    }
}

/// Edits valid capabilities, sets them from EvtAdapterSetCapabilities (ignoring the status, as
/// careless drivers do) and checks: the refusal, its one log line, a start that fails with the
/// same cause naming the adapter, and nothing stored.
void expect_rule(const edit_fn& edit, NTSTATUS expected, std::string_view needle)
{
    wdf_fixture f;
    WDFDMAENABLER enabler = f.create_dma_enabler();
    ::testing::AssertionResult call = ::testing::AssertionFailure() << "the callback never ran";
    NETADAPTER a = f.create_adapter([&](NETADAPTER ad) {
        capabilities c{enabler};
        edit(c, f);
        call = refused([&] { return c.set(ad); }, expected, set_api, needle);
        return STATUS_SUCCESS;
    });
    ASSERT_NE(a, nullptr);
    auto& obj = wdf_fixture::adapter_object(a);
    log_capture log;
    auto started = obj.start();
    EXPECT_TRUE(call);
    ASSERT_FALSE(started.ok());
    const std::string& m = started.err().message;
    EXPECT_EQ(started.code(), start_code(expected)) << m;
    EXPECT_NE(m.find(obj.name() + ": "), std::string::npos) << m;
    EXPECT_NE(m.find(needle), std::string::npos) << m;
    EXPECT_NE(m.find(wdf::ntstatus_name(expected)), std::string::npos) << m;
    EXPECT_TRUE(log.has(m)) << "start logs its failure:\n" << log.all();
    EXPECT_FALSE(obj.tx().has_value());
    EXPECT_FALSE(obj.rx().has_value());
    EXPECT_EQ(obj.state(), adapter::adapter_state::created);
}

struct rule {
    const char* name; // the rule, as the test's name
    void (*edit)(capabilities&);
    NTSTATUS expected;
    const char* needle; // words of the log line: the field and its value
};

const rule rules[] = {
    // Sizes and pointers.
    {"TxNull", [](capabilities& c) { c.tx_arg = nullptr; }, STATUS_INVALID_PARAMETER,
     "TxCapabilities is NULL"},
    {"RxNull", [](capabilities& c) { c.rx_arg = nullptr; }, STATUS_INVALID_PARAMETER,
     "RxCapabilities is NULL"},
    {"TxSizeIsSizeof", [](capabilities& c) { c.tx.Size = 16; }, STATUS_INFO_LENGTH_MISMATCH,
     "TxCapabilities->Size is 16"},
    {"RxSizeIsSizeof", [](capabilities& c) { c.rx.Size = 0; }, STATUS_INFO_LENGTH_MISMATCH,
     "RxCapabilities->Size is 0"},
    {"TxDmaSizeIsSizeof", [](capabilities& c) { c.tx_dma.Size = 8; }, STATUS_INFO_LENGTH_MISMATCH,
     "TxCapabilities->DmaCapabilities->Size is 8"},
    {"RxDmaSizeIsSizeof", [](capabilities& c) { c.rx_dma.Size += 4; }, STATUS_INFO_LENGTH_MISMATCH,
     "RxCapabilities->DmaCapabilities->Size is"},
    // Queue counts.
    {"TxQueuesNonzero", [](capabilities& c) { c.tx.MaximumNumberOfQueues = 0; },
     STATUS_INVALID_PARAMETER, "TxCapabilities->MaximumNumberOfQueues is 0"},
    {"RxQueuesNonzero", [](capabilities& c) { c.rx.MaximumNumberOfQueues = 0; },
     STATUS_INVALID_PARAMETER, "RxCapabilities->MaximumNumberOfQueues is 0"},
    // Alignment: 1 or a power of two, at most a page.
    {"TxAlignmentNotZero", [](capabilities& c) { c.tx.FragmentBufferAlignment = 0; },
     STATUS_INVALID_PARAMETER, "TxCapabilities->FragmentBufferAlignment is 0"},
    {"TxAlignmentPowerOfTwo", [](capabilities& c) { c.tx.FragmentBufferAlignment = 48; },
     STATUS_INVALID_PARAMETER, "TxCapabilities->FragmentBufferAlignment is 48"},
    {"TxAlignmentAtMostAPage", [](capabilities& c) { c.tx.FragmentBufferAlignment = 8192; },
     STATUS_INVALID_PARAMETER, "TxCapabilities->FragmentBufferAlignment is 8192"},
    {"RxAlignmentNotZero", [](capabilities& c) { c.rx.FragmentBufferAlignment = 0; },
     STATUS_INVALID_PARAMETER, "RxCapabilities->FragmentBufferAlignment is 0"},
    {"RxAlignmentPowerOfTwo", [](capabilities& c) { c.rx.FragmentBufferAlignment = 100; },
     STATUS_INVALID_PARAMETER, "RxCapabilities->FragmentBufferAlignment is 100"},
    {"RxAlignmentAtMostAPage", [](capabilities& c) { c.rx.FragmentBufferAlignment = 1 << 13; },
     STATUS_INVALID_PARAMETER, "RxCapabilities->FragmentBufferAlignment is 8192"},
    // Ring hints: 0 or a power of two.
    {"TxHintPowerOfTwo", [](capabilities& c) { c.tx.FragmentRingNumberOfElementsHint = 1000; },
     STATUS_INVALID_PARAMETER, "TxCapabilities->FragmentRingNumberOfElementsHint is 1000"},
    {"RxHintPowerOfTwo", [](capabilities& c) { c.rx.FragmentRingNumberOfElementsHint = 3; },
     STATUS_INVALID_PARAMETER, "RxCapabilities->FragmentRingNumberOfElementsHint is 3"},
    // Mapping.
    {"TxMappingInRange", [](capabilities& c) { set_raw(c.tx.MappingRequirement, 2); },
     STATUS_INVALID_PARAMETER, "TxCapabilities->MappingRequirement is 2"},
    {"RxSystemAllocationMappingInRange",
     [](capabilities& c) { set_raw(c.rx.MappingRequirement, 7); }, STATUS_INVALID_PARAMETER,
     "RxCapabilities->MappingRequirement is 7"},
    {"TxDmaMappedNeedsDmaCapabilities", [](capabilities& c) { c.tx.DmaCapabilities = nullptr; },
     STATUS_INVALID_PARAMETER,
     "TxCapabilities->MappingRequirement is NetMemoryMappingRequirementDmaMapped but "
     "DmaCapabilities is NULL"},
    {"RxDmaMappedNeedsDmaCapabilities", [](capabilities& c) { c.rx.DmaCapabilities = nullptr; },
     STATUS_INVALID_PARAMETER,
     "RxCapabilities->MappingRequirement is NetMemoryMappingRequirementDmaMapped but "
     "DmaCapabilities is NULL"},
    {"TxDmaNeedsAnEnabler", [](capabilities& c) { c.tx_dma.DmaEnabler = nullptr; },
     STATUS_INVALID_PARAMETER, "TxCapabilities->DmaCapabilities->DmaEnabler is NULL"},
    {"RxDmaNeedsAnEnabler", [](capabilities& c) { c.rx_dma.DmaEnabler = nullptr; },
     STATUS_INVALID_PARAMETER, "RxCapabilities->DmaCapabilities->DmaEnabler is NULL"},
    // DMA capabilities' own fields.
    {"TxDmaCacheEnabledInRange", [](capabilities& c) { set_raw(c.tx_dma.CacheEnabled, 3); },
     STATUS_INVALID_PARAMETER, "TxCapabilities->DmaCapabilities->CacheEnabled is 3"},
    {"RxDmaCacheEnabledInRange", [](capabilities& c) { set_raw(c.rx_dma.CacheEnabled, -1); },
     STATUS_INVALID_PARAMETER, "RxCapabilities->DmaCapabilities->CacheEnabled is"},
    {"TxDmaPreferredNodeExists",
     [](capabilities& c) {
         c.tx_dma.PreferredNode =
             static_cast<NODE_REQUIREMENT>((numa_available() < 0 ? 0 : numa_max_node()) + 1);
     },
     STATUS_INVALID_PARAMETER, "TxCapabilities->DmaCapabilities->PreferredNode is"},
    {"RxDmaPreferredNodeExists", [](capabilities& c) { c.rx_dma.PreferredNode = 0x7fffffff; },
     STATUS_INVALID_PARAMETER, "RxCapabilities->DmaCapabilities->PreferredNode is 2147483647"},
    // Rx modes.
    {"RxAllocationModeInRange", [](capabilities& c) { set_raw(c.rx.AllocationMode, 2); },
     STATUS_INVALID_PARAMETER, "RxCapabilities->AllocationMode is 2"},
    {"RxAttachmentModeInRange", [](capabilities& c) { set_raw(c.rx.AttachmentMode, 5); },
     STATUS_INVALID_PARAMETER, "RxCapabilities->AttachmentMode is 5"},
    {"RxDriverAllocationNeedsDriverAttachment",
     [](capabilities& c) {
         c.rx.AllocationMode = NetRxFragmentBufferAllocationModeDriver;
         c.rx.EvtAdapterReturnRxBuffer = return_rx;
     },
     STATUS_INVALID_PARAMETER, "AllocationMode Driver requires AttachmentMode Driver"},
    {"RxDriverAllocationNeedsAReturnCallback",
     [](capabilities& c) {
         NET_ADAPTER_RX_CAPABILITIES_INIT_DRIVER_MANAGED(&c.rx, nullptr, 1522, 1);
     },
     STATUS_INVALID_PARAMETER, "RxCapabilities->EvtAdapterReturnRxBuffer is NULL"},
    {"RxSystemAllocationDriverAttachmentNotSupportedYet",
     [](capabilities& c) { c.rx.AttachmentMode = NetRxFragmentBufferAttachmentModeDriver; },
     STATUS_NOT_SUPPORTED, "not supported yet"},
    // Sizes that must fit NET_FRAGMENT's 26-bit Capacity.
    {"RxFrameSizeNonzero", [](capabilities& c) { c.rx.MaximumFrameSize = 0; },
     STATUS_INVALID_PARAMETER, "RxCapabilities->MaximumFrameSize is 0"},
    {"RxFrameSizeFitsCapacity", [](capabilities& c) { c.rx.MaximumFrameSize = 1 << 26; },
     STATUS_INVALID_PARAMETER, "RxCapabilities->MaximumFrameSize is 67108864"},
    {"TxFragmentBufferSizeNonzero", [](capabilities& c) { c.tx.MaximumFragmentBufferSize = 0; },
     STATUS_INVALID_PARAMETER, "TxCapabilities->MaximumFragmentBufferSize is 0"},
    {"TxFragmentBufferSizeFitsCapacity",
     [](capabilities& c) { c.tx.MaximumFragmentBufferSize = SIZE_MAX; }, STATUS_INVALID_PARAMETER,
     "TxCapabilities->MaximumFragmentBufferSize is 18446744073709551615"},
    {"TxBackfillAndFragmentFitCapacity",
     [](capabilities& c) { c.tx.PayloadBackfill = SIZE_MAX - 10; }, STATUS_INVALID_PARAMETER,
     "TxCapabilities->PayloadBackfill is 18446744073709551605"},
    {"TxMaximumNumberOfFragmentsNonzero",
     [](capabilities& c) { c.tx.MaximumNumberOfFragments = 0; }, STATUS_INVALID_PARAMETER,
     "TxCapabilities->MaximumNumberOfFragments is 0"},
};

// Names the case in ctest's listing instead of dumping its bytes.
[[maybe_unused]] void PrintTo(const rule& r, std::ostream* os)
{
    *os << r.name;
}

class DatapathRule : public ::testing::TestWithParam<rule> {};

TEST_P(DatapathRule, IsRefusedByNameAndFailsTheStart)
{
    const rule& r = GetParam();
    expect_rule([&](capabilities& c, wdf_fixture&) { r.edit(c); }, r.expected, r.needle);
}

INSTANTIATE_TEST_SUITE_P(Section4, DatapathRule, ::testing::ValuesIn(rules),
                         [](const ::testing::TestParamInfo<rule>& p) { return p.param.name; });

// Rules about the enabler handle itself.

TEST(DatapathEnabler, AForgedHandleIsRefusedNamingTheField)
{
    static int not_an_object = 0;
    expect_rule(
        [](capabilities& c, wdf_fixture&) {
            c.rx_dma.DmaEnabler = reinterpret_cast<WDFDMAENABLER>(&not_an_object);
        },
        STATUS_INVALID_HANDLE, "RxCapabilities->DmaCapabilities->DmaEnabler");
}

TEST(DatapathEnabler, AHandleOfAnotherKindIsRefusedNamingTheField)
{
    expect_rule(
        [](capabilities& c, wdf_fixture& f) {
            c.tx_dma.DmaEnabler = reinterpret_cast<WDFDMAENABLER>(f.device());
        },
        STATUS_OBJECT_TYPE_MISMATCH, "TxCapabilities->DmaCapabilities->DmaEnabler");
}

TEST(DatapathEnabler, AnotherDevicesEnablerIsRefused)
{
    wdf_fixture other;
    WDFDMAENABLER foreign = other.create_dma_enabler();
    expect_rule([&](capabilities& c, wdf_fixture&) { c.tx_dma.DmaEnabler = foreign; },
                STATUS_INVALID_PARAMETER, "belongs to another device");
}

TEST(DatapathEnabler, DmaVersionThreeIsRequired)
{
    // WdfDmaEnablerCreate already refuses other versions; a framework-internal enabler (or a
    // later KMDF) could still carry one, so the capability check stands on its own.
    expect_rule(
        [](capabilities& c, wdf_fixture& f) {
            WDF_DMA_ENABLER_CONFIG config;
            WDF_DMA_ENABLER_CONFIG_INIT(&config, WdfDmaProfileScatterGather64, 65536);
            config.WdmDmaVersionOverride = 2;
            auto* v2 = new wdf::dma_enabler(f.device_object(), &f.device_object(), config);
            c.rx_dma.DmaEnabler = static_cast<WDFDMAENABLER>(v2->handle());
        },
        STATUS_INVALID_PARAMETER, "uses DMA version 2; NetAdapterCx requires DMA version 3");
}

// Order: only from EvtAdapterSetCapabilities.

TEST(DatapathOrder, BeforeStartIsOutOfOrderAndFailsTheStart)
{
    wdf_fixture f;
    WDFDMAENABLER enabler = f.create_dma_enabler();
    NETADAPTER a = f.create_adapter([&](NETADAPTER ad) {
        capabilities c{enabler};
        return c.set(ad); // would succeed here, but the earlier call was refused
    });
    capabilities c{enabler};
    EXPECT_TRUE(refused([&] { return c.set(a); }, STATUS_INVALID_DEVICE_STATE, set_api,
                        "called out of order: the adapter is created"));
    auto started = wdf_fixture::adapter_object(a).start();
    ASSERT_FALSE(started.ok());
    EXPECT_NE(started.err().message.find("called out of order"), std::string::npos)
        << started.err().message;
}

TEST(DatapathOrder, AfterStartIsOutOfOrderAndChangesNothing)
{
    wdf_fixture f;
    WDFDMAENABLER enabler = f.create_dma_enabler();
    NETADAPTER a = f.create_adapter([&](NETADAPTER ad) {
        capabilities c{enabler};
        return c.set(ad);
    });
    auto& obj = wdf_fixture::adapter_object(a);
    ASSERT_TRUE(obj.start().ok());
    capabilities c{enabler};
    c.rx.MaximumFrameSize = 9000;
    EXPECT_TRUE(refused([&] { return c.set(a); }, STATUS_INVALID_DEVICE_STATE, set_api,
                        "called out of order: the adapter is started"));
    EXPECT_EQ(obj.rx()->max_frame_size, 1522u);
    EXPECT_EQ(obj.state(), adapter::adapter_state::started);
}

TEST(DatapathHandle, ANullOrWrongAdapterHandleIsRefused)
{
    wdf_fixture f;
    WDFDMAENABLER enabler = f.create_dma_enabler();
    capabilities c{enabler};
    EXPECT_TRUE(refused([&] { return c.set(nullptr); }, STATUS_INVALID_HANDLE, set_api,
                        "the handle is NULL"));
    EXPECT_TRUE(refused([&] { return c.set(reinterpret_cast<NETADAPTER>(enabler)); },
                        STATUS_OBJECT_TYPE_MISMATCH, set_api, "is a DMA enabler"));
}

// Accepted capabilities.

/// Starts an adapter whose EvtAdapterSetCapabilities runs `set` and returns its status.
adapter::adapter& start_with(wdf_fixture& f, std::function<NTSTATUS(NETADAPTER)> set)
{
    NETADAPTER a = f.create_adapter(std::move(set));
    auto& obj = wdf_fixture::adapter_object(a);
    auto r = obj.start();
    EXPECT_TRUE(r.ok()) << r.err().message;
    return obj;
}

TEST(DatapathAccepted, SeedShapedCapabilitiesAreDeepCopied)
{
    wdf_fixture f;
    WDFDMAENABLER enabler = f.create_dma_enabler();
    auto& obj = start_with(f, [&](NETADAPTER a) {
        capabilities c{enabler};
        c.tx.PayloadBackfill = 64;
        c.tx.MaximumNumberOfFragments = 16;
        c.tx_dma.MaximumPhysicalAddress.QuadPart = 0xFFFFFFFF;
        c.tx_dma.CacheEnabled = WdfFalse;
        c.rx_dma.PreferredNode = 0;
        EXPECT_EQ(c.set(a), STATUS_SUCCESS);
        // The driver's structs are gone after the callback: change them to prove the copy.
        c.tx.MaximumNumberOfQueues = 99;
        c.tx_dma.MaximumPhysicalAddress.QuadPart = 1;
        c.rx.FragmentBufferAlignment = 8;
        c.rx_dma.PreferredNode = 5;
        return STATUS_SUCCESS;
    });
    ASSERT_EQ(obj.state(), adapter::adapter_state::started);
    ASSERT_TRUE(obj.tx().has_value());
    ASSERT_TRUE(obj.rx().has_value());
    const auto& tx = *obj.tx();
    EXPECT_EQ(tx.mapping, NetMemoryMappingRequirementDmaMapped);
    EXPECT_EQ(tx.payload_backfill, 64u);
    EXPECT_EQ(tx.max_fragments, 16u);
    EXPECT_EQ(tx.alignment, 1u);
    EXPECT_EQ(tx.ring_hint, 256u);
    EXPECT_EQ(tx.max_queues, 1u);
    EXPECT_EQ(tx.max_fragment_buffer_size, 1514u);
    ASSERT_TRUE(tx.dma.has_value());
    EXPECT_EQ(tx.dma->enabler, static_cast<wdf::dma_enabler*>(
                                   static_cast<wdf::object*>(static_cast<WDFOBJECT>(enabler))));
    EXPECT_EQ(tx.dma->maximum_physical_address, 0xFFFFFFFFu);
    EXPECT_EQ(tx.dma->cache_enabled, WdfFalse);
    EXPECT_EQ(tx.dma->preferred_node, MM_ANY_NODE_OK);
    const auto& rx = *obj.rx();
    EXPECT_EQ(rx.allocation, NetRxFragmentBufferAllocationModeSystem);
    EXPECT_EQ(rx.attachment, NetRxFragmentBufferAttachmentModeSystem);
    EXPECT_EQ(rx.mapping, NetMemoryMappingRequirementDmaMapped);
    EXPECT_EQ(rx.alignment, 64u);
    EXPECT_EQ(rx.ring_hint, 512u);
    EXPECT_EQ(rx.max_frame_size, 1522u);
    EXPECT_EQ(rx.max_queues, 1u);
    EXPECT_EQ(rx.return_buffer, nullptr);
    ASSERT_TRUE(rx.dma.has_value());
    EXPECT_EQ(rx.dma->enabler, tx.dma->enabler);
    EXPECT_EQ(rx.dma->maximum_physical_address, 0u); // no limit
    EXPECT_EQ(rx.dma->cache_enabled, WdfUseDefault);
    EXPECT_EQ(rx.dma->preferred_node, 0u);
}

TEST(DatapathAccepted, UnmappedSystemManagedHasNoDmaConstraints)
{
    wdf_fixture f;
    auto& obj = start_with(f, [](NETADAPTER a) {
        NET_ADAPTER_TX_CAPABILITIES tx;
        NET_ADAPTER_TX_CAPABILITIES_INIT(&tx, 1514, 2);
        NET_ADAPTER_RX_CAPABILITIES rx;
        NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED(&rx, 1514, 2);
        return NetAdapterSetDatapathCapabilities(a, &tx, &rx);
    });
    ASSERT_TRUE(obj.tx() && obj.rx());
    EXPECT_EQ(obj.tx()->mapping, NetMemoryMappingRequirementNone);
    EXPECT_FALSE(obj.tx()->dma.has_value());
    EXPECT_EQ(obj.tx()->max_fragments, SIZE_MAX);
    EXPECT_EQ(obj.rx()->mapping, NetMemoryMappingRequirementNone);
    EXPECT_FALSE(obj.rx()->dma.has_value());
    EXPECT_EQ(obj.rx()->max_queues, 2u);
}

TEST(DatapathAccepted, DriverManagedRxIgnoresTheSystemAllocationFields)
{
    wdf_fixture f;
    auto& obj = start_with(f, [](NETADAPTER a) {
        NET_ADAPTER_TX_CAPABILITIES tx;
        NET_ADAPTER_TX_CAPABILITIES_INIT(&tx, 1514, 1);
        NET_ADAPTER_RX_CAPABILITIES rx;
        NET_ADAPTER_RX_CAPABILITIES_INIT_DRIVER_MANAGED(&rx, return_rx, 1514, 1);
        // Meaningless in driver allocation (a union arm on Windows): not checked, not kept.
        set_raw(rx.MappingRequirement, 9);
        rx.FragmentBufferAlignment = 0;
        return NetAdapterSetDatapathCapabilities(a, &tx, &rx);
    });
    ASSERT_TRUE(obj.rx().has_value());
    EXPECT_EQ(obj.rx()->allocation, NetRxFragmentBufferAllocationModeDriver);
    EXPECT_EQ(obj.rx()->attachment, NetRxFragmentBufferAttachmentModeDriver);
    EXPECT_EQ(obj.rx()->return_buffer, &return_rx);
    EXPECT_EQ(obj.rx()->mapping, NetMemoryMappingRequirementNone);
    EXPECT_EQ(obj.rx()->alignment, 1u);
    EXPECT_FALSE(obj.rx()->dma.has_value());
}

TEST(DatapathAccepted, BoundaryValuesAreAccepted)
{
    wdf_fixture f;
    WDFDMAENABLER enabler = f.create_dma_enabler();
    auto& obj = start_with(f, [&](NETADAPTER a) {
        capabilities c{enabler};
        c.tx.FragmentBufferAlignment = 4096;
        c.rx.FragmentBufferAlignment = 1;
        c.tx.FragmentRingNumberOfElementsHint = 0;
        c.rx.FragmentRingNumberOfElementsHint = 1u << 31;
        c.rx.MaximumFrameSize = (1u << 26) - 1;
        c.tx.MaximumFragmentBufferSize = (1u << 26) - 2;
        c.tx.PayloadBackfill = 1; // backfill + fragment = 2^26 - 1: still fits
        c.tx.MaximumNumberOfFragments = 1;
        c.tx_dma.CacheEnabled = WdfTrue;
        c.tx_dma.PreferredNode =
            static_cast<NODE_REQUIREMENT>(numa_available() < 0 ? 0 : numa_max_node());
        return c.set(a);
    });
    ASSERT_TRUE(obj.tx() && obj.rx());
    EXPECT_EQ(obj.tx()->alignment, 4096u);
    EXPECT_EQ(obj.rx()->ring_hint, 1u << 31);
    EXPECT_EQ(obj.rx()->max_frame_size, (1u << 26) - 1);
    EXPECT_EQ(obj.tx()->dma->cache_enabled, WdfTrue);
}

TEST(DatapathAccepted, UnmappedWithDmaCapabilitiesKeepsThemChecked)
{
    wdf_fixture f;
    WDFDMAENABLER enabler = f.create_dma_enabler();
    auto& obj = start_with(f, [&](NETADAPTER a) {
        capabilities c{enabler};
        c.tx.MappingRequirement = NetMemoryMappingRequirementNone;
        c.tx_dma.PreferredNode = 0;
        return c.set(a);
    });
    ASSERT_TRUE(obj.tx().has_value());
    EXPECT_EQ(obj.tx()->mapping, NetMemoryMappingRequirementNone);
    ASSERT_TRUE(obj.tx()->dma.has_value());
    EXPECT_EQ(obj.tx()->dma->preferred_node, 0u);
}

TEST(DatapathAccepted, TheLastAcceptedCallWins)
{
    wdf_fixture f;
    WDFDMAENABLER enabler = f.create_dma_enabler();
    auto& obj = start_with(f, [&](NETADAPTER a) {
        capabilities c{enabler};
        EXPECT_EQ(c.set(a), STATUS_SUCCESS);
        c.rx.MaximumFrameSize = 9018;
        return c.set(a);
    });
    EXPECT_EQ(obj.rx()->max_frame_size, 9018u);
}

// The start sequence.

TEST(AdapterStart, RunsSetCapabilitiesInTheSettingCapabilitiesState)
{
    wdf_fixture f;
    WDFDMAENABLER enabler = f.create_dma_enabler();
    int calls = 0;
    adapter::adapter_state during = adapter::adapter_state::created;
    NETADAPTER a = f.create_adapter([&](NETADAPTER ad) {
        ++calls;
        during = wdf_fixture::adapter_object(ad).state();
        capabilities c{enabler};
        return c.set(ad);
    });
    auto& obj = wdf_fixture::adapter_object(a);
    EXPECT_EQ(calls, 0); // not at creation
    ASSERT_TRUE(obj.start().ok());
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(during, adapter::adapter_state::setting_capabilities);
    EXPECT_EQ(obj.state(), adapter::adapter_state::started);
}

TEST(AdapterStart, StartingTwiceIsRefused)
{
    wdf_fixture f;
    WDFDMAENABLER enabler = f.create_dma_enabler();
    NETADAPTER a = f.create_adapter([&](NETADAPTER ad) {
        capabilities c{enabler};
        return c.set(ad);
    });
    auto& obj = wdf_fixture::adapter_object(a);
    ASSERT_TRUE(obj.start().ok());
    auto again = obj.start();
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.code(), status::busy);
    EXPECT_NE(again.err().message.find("already started"), std::string::npos);
}

TEST(AdapterStart, StopThenStartAsksTheDriverAgain)
{
    wdf_fixture f;
    WDFDMAENABLER enabler = f.create_dma_enabler();
    int calls = 0;
    NETADAPTER a = f.create_adapter([&](NETADAPTER ad) {
        capabilities c{enabler};
        c.rx.MaximumFrameSize = ++calls == 1 ? 1522 : 9018;
        if (calls == 3)
            c.rx.MaximumNumberOfQueues = 0; // refused: the third start fails
        (void)c.set(ad);
        return STATUS_SUCCESS;
    });
    auto& obj = wdf_fixture::adapter_object(a);
    ASSERT_TRUE(obj.start().ok());
    obj.stop();
    EXPECT_EQ(obj.state(), adapter::adapter_state::stopped);
    ASSERT_TRUE(obj.start().ok());
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(obj.rx()->max_frame_size, 9018u);
    obj.stop();
    log_capture log;
    auto third = obj.start();
    ASSERT_FALSE(third.ok());
    EXPECT_NE(third.err().message.find("MaximumNumberOfQueues is 0"), std::string::npos);
    EXPECT_FALSE(obj.rx().has_value()); // the old capabilities do not survive a failed restart
}

TEST(AdapterStart, ARefusedStartCanBeRetriedOnceTheDriverBehaves)
{
    wdf_fixture f;
    WDFDMAENABLER enabler = f.create_dma_enabler();
    int calls = 0;
    NETADAPTER a = f.create_adapter([&](NETADAPTER ad) {
        capabilities c{enabler};
        if (++calls == 1)
            c.rx.FragmentBufferAlignment = 3; // refused: the first start fails
        (void)c.set(ad);
        return STATUS_SUCCESS;
    });
    auto& obj = wdf_fixture::adapter_object(a);
    {
        log_capture log;
        ASSERT_FALSE(obj.start().ok());
    }
    auto again = obj.start();
    ASSERT_TRUE(again.ok()) << again.err().message << ": the old refusal must not stick";
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(obj.state(), adapter::adapter_state::started);
}

TEST(AdapterStart, FailsWhenCapabilitiesWereNeverSet)
{
    wdf_fixture f;
    NETADAPTER a = f.create_adapter([](NETADAPTER) { return STATUS_SUCCESS; });
    auto& obj = wdf_fixture::adapter_object(a);
    log_capture log;
    auto r = obj.start();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), status::invalid_parameter);
    const std::string& m = r.err().message;
    EXPECT_NE(m.find(obj.name() + ": datapath capabilities were never set (call "
                                  "NetAdapterSetDatapathCapabilities in "
                                  "EvtAdapterSetCapabilities)"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("STATUS_INVALID_PARAMETER"), std::string::npos) << m;
    EXPECT_EQ(log.count(), 1u) << log.all();
    EXPECT_EQ(obj.state(), adapter::adapter_state::created);
}

TEST(AdapterStart, FailsWithTheCallbacksStatus)
{
    wdf_fixture f;
    WDFDMAENABLER enabler = f.create_dma_enabler();
    NETADAPTER a = f.create_adapter([&](NETADAPTER ad) {
        capabilities c{enabler};
        EXPECT_EQ(c.set(ad), STATUS_SUCCESS);
        return STATUS_INSUFFICIENT_RESOURCES; // e.g. its own allocation failed
    });
    auto& obj = wdf_fixture::adapter_object(a);
    auto r = obj.start();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), status::no_memory);
    EXPECT_NE(r.err().message.find(obj.name() + ": EvtAdapterSetCapabilities failed with "
                                                "STATUS_INSUFFICIENT_RESOURCES"),
              std::string::npos)
        << r.err().message;
    EXPECT_EQ(obj.state(), adapter::adapter_state::created);
}

TEST(AdapterStart, ACallbackReturningTheRefusalNamesTheRefusedRule)
{
    wdf_fixture f;
    WDFDMAENABLER enabler = f.create_dma_enabler();
    NETADAPTER a = f.create_adapter([&](NETADAPTER ad) {
        capabilities c{enabler};
        c.rx.FragmentRingNumberOfElementsHint = 600;
        return c.set(ad); // what a careful driver does
    });
    auto r = wdf_fixture::adapter_object(a).start();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), status::invalid_parameter);
    EXPECT_NE(
        r.err().message.find("EvtAdapterSetCapabilities failed with STATUS_INVALID_PARAMETER"),
        std::string::npos)
        << r.err().message;
    EXPECT_NE(r.err().message.find("RxCapabilities->FragmentRingNumberOfElementsHint is 600"),
              std::string::npos)
        << r.err().message;
}

TEST(AdapterStart, ADriverDeletingItsAdapterInTheCallbackFailsTheStartSafely)
{
    wdf_fixture f;
    NETADAPTER a = f.create_adapter([](NETADAPTER ad) {
        WdfObjectDelete(ad);
        return STATUS_SUCCESS;
    });
    const auto live = wdf::object::live_count();
    auto r = wdf_fixture::adapter_object(a).start();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.err().message.find("the driver deleted the adapter in EvtAdapterSetCapabilities"),
              std::string::npos)
        << r.err().message;
    EXPECT_EQ(wdf::object::live_count(), live - 1);
    EXPECT_EQ(f.device_object().net_adapter, nullptr);
}

TEST(AdapterStart, AnUnnamedCallbackStatusIsShownInHex)
{
    wdf_fixture f;
    NETADAPTER a = f.create_adapter([](NETADAPTER) { return static_cast<NTSTATUS>(0xC0001234); });
    auto r = wdf_fixture::adapter_object(a).start();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.err().message.find("failed with 0xC0001234"), std::string::npos) << r.err().message;
}

} // namespace
} // namespace netcx::test
