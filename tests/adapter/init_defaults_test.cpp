// SPDX-License-Identifier: MIT
// Every INIT function of netadapter.h, field by field: each starts from a struct full of garbage,
// so a field the INIT forgets to zero shows up.
#include <netadaptercx.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

namespace {

template <class T>
void fill_garbage(T& s)
{
    std::memset(&s, 0xAB, sizeof s);
}

NTSTATUS set_caps(NETADAPTER)
{
    return STATUS_SUCCESS;
}
NTSTATUS create_tx(NETADAPTER, NETTXQUEUE_INIT*)
{
    return STATUS_SUCCESS;
}
NTSTATUS create_rx(NETADAPTER, NETRXQUEUE_INIT*)
{
    return STATUS_SUCCESS;
}
VOID return_rx(NETADAPTER, NET_FRAGMENT_RETURN_CONTEXT_HANDLE) {}

// Handles the INITs only store, never dereference.
const auto enabler = reinterpret_cast<WDFDMAENABLER>(std::uintptr_t{0x1000});

TEST(InitDefaults, AdapterConfigSetsSizeAndTheThreeCallbacks)
{
    NET_ADAPTER_CONFIG c;
    fill_garbage(c);
    NET_ADAPTER_CONFIG_INIT(&c, set_caps, create_tx, create_rx);
    EXPECT_EQ(c.Size, sizeof(NET_ADAPTER_CONFIG));
    EXPECT_EQ(c.EvtAdapterSetCapabilities, &set_caps);
    EXPECT_EQ(c.EvtAdapterCreateTxQueue, &create_tx);
    EXPECT_EQ(c.EvtAdapterCreateRxQueue, &create_rx);
}

TEST(InitDefaults, DmaCapabilitiesUseDefaultCachingAnyNodeAndNoAddressLimit)
{
    NET_ADAPTER_DMA_CAPABILITIES d;
    fill_garbage(d);
    NET_ADAPTER_DMA_CAPABILITIES_INIT(&d, enabler);
    EXPECT_EQ(d.Size, sizeof(NET_ADAPTER_DMA_CAPABILITIES));
    EXPECT_EQ(d.DmaEnabler, enabler);
    EXPECT_EQ(d.MaximumPhysicalAddress.QuadPart, 0); // no limit
    EXPECT_EQ(d.CacheEnabled, WdfUseDefault);
    EXPECT_EQ(d.PreferredNode, MM_ANY_NODE_OK);
    EXPECT_EQ(MM_ANY_NODE_OK, 0x80000000u);
}

TEST(InitDefaults, TxInitIsUnmappedAlignmentOneUnlimitedFragmentsNoBackfillNoHint)
{
    NET_ADAPTER_TX_CAPABILITIES t;
    fill_garbage(t);
    NET_ADAPTER_TX_CAPABILITIES_INIT(&t, 1514, 4);
    EXPECT_EQ(t.Size, sizeof(NET_ADAPTER_TX_CAPABILITIES));
    EXPECT_EQ(t.MappingRequirement, NetMemoryMappingRequirementNone);
    EXPECT_EQ(t.PayloadBackfill, 0u);
    EXPECT_EQ(t.MaximumNumberOfFragments, static_cast<SIZE_T>(-1));
    EXPECT_EQ(t.FragmentBufferAlignment, 1u);
    EXPECT_EQ(t.FragmentBufferAlignment, SIZE_T{NET_ADAPTER_FRAGMENT_DEFAULT_ALIGNMENT});
    EXPECT_EQ(t.FragmentRingNumberOfElementsHint, 0u);
    EXPECT_EQ(t.MaximumNumberOfQueues, 4u);
    EXPECT_EQ(t.DmaCapabilities, nullptr);
    EXPECT_EQ(t.MaximumFragmentBufferSize, 1514u);
    EXPECT_EQ(t.MaximumFrameSize, 1514u); // the later name of the same field
}

TEST(InitDefaults, TxInitForDmaIsTxInitPlusDmaMapping)
{
    NET_ADAPTER_DMA_CAPABILITIES d;
    NET_ADAPTER_DMA_CAPABILITIES_INIT(&d, enabler);
    NET_ADAPTER_TX_CAPABILITIES t;
    fill_garbage(t);
    NET_ADAPTER_TX_CAPABILITIES_INIT_FOR_DMA(&t, &d, 9018, 2);
    EXPECT_EQ(t.Size, sizeof(NET_ADAPTER_TX_CAPABILITIES));
    EXPECT_EQ(t.MappingRequirement, NetMemoryMappingRequirementDmaMapped);
    EXPECT_EQ(t.DmaCapabilities, &d);
    EXPECT_EQ(t.PayloadBackfill, 0u);
    EXPECT_EQ(t.MaximumNumberOfFragments, static_cast<SIZE_T>(-1));
    EXPECT_EQ(t.FragmentBufferAlignment, 1u);
    EXPECT_EQ(t.FragmentRingNumberOfElementsHint, 0u);
    EXPECT_EQ(t.MaximumNumberOfQueues, 2u);
    EXPECT_EQ(t.MaximumFragmentBufferSize, 9018u);
}

TEST(InitDefaults, RxSystemManagedIsSystemSystemUnmapped)
{
    NET_ADAPTER_RX_CAPABILITIES r;
    fill_garbage(r);
    NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED(&r, 1518, 8);
    EXPECT_EQ(r.Size, sizeof(NET_ADAPTER_RX_CAPABILITIES));
    EXPECT_EQ(r.AllocationMode, NetRxFragmentBufferAllocationModeSystem);
    EXPECT_EQ(r.AttachmentMode, NetRxFragmentBufferAttachmentModeSystem);
    EXPECT_EQ(r.FragmentRingNumberOfElementsHint, 0u);
    EXPECT_EQ(r.MaximumFrameSize, 1518u);
    EXPECT_EQ(r.MaximumFragmentBufferSize, 1518u); // the 1.2 name of the same field
    EXPECT_EQ(r.MaximumNumberOfQueues, 8u);
    EXPECT_EQ(r.EvtAdapterReturnRxBuffer, nullptr);
    EXPECT_EQ(r.MappingRequirement, NetMemoryMappingRequirementNone);
    EXPECT_EQ(r.FragmentBufferAlignment, 1u);
    EXPECT_EQ(r.DmaCapabilities, nullptr);
}

TEST(InitDefaults, RxSystemManagedDmaIsSystemSystemDmaMapped)
{
    NET_ADAPTER_DMA_CAPABILITIES d;
    NET_ADAPTER_DMA_CAPABILITIES_INIT(&d, enabler);
    NET_ADAPTER_RX_CAPABILITIES r;
    fill_garbage(r);
    NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED_DMA(&r, &d, 2048, 1);
    EXPECT_EQ(r.Size, sizeof(NET_ADAPTER_RX_CAPABILITIES));
    EXPECT_EQ(r.AllocationMode, NetRxFragmentBufferAllocationModeSystem);
    EXPECT_EQ(r.AttachmentMode, NetRxFragmentBufferAttachmentModeSystem);
    EXPECT_EQ(r.FragmentRingNumberOfElementsHint, 0u);
    EXPECT_EQ(r.MaximumFrameSize, 2048u);
    EXPECT_EQ(r.MaximumNumberOfQueues, 1u);
    EXPECT_EQ(r.EvtAdapterReturnRxBuffer, nullptr);
    EXPECT_EQ(r.MappingRequirement, NetMemoryMappingRequirementDmaMapped);
    EXPECT_EQ(r.FragmentBufferAlignment, 1u);
    EXPECT_EQ(r.DmaCapabilities, &d);
}

TEST(InitDefaults, RxDriverManagedIsDriverDriverWithTheReturnCallback)
{
    NET_ADAPTER_RX_CAPABILITIES r;
    fill_garbage(r);
    NET_ADAPTER_RX_CAPABILITIES_INIT_DRIVER_MANAGED(&r, return_rx, 1600, 2);
    EXPECT_EQ(r.Size, sizeof(NET_ADAPTER_RX_CAPABILITIES));
    EXPECT_EQ(r.AllocationMode, NetRxFragmentBufferAllocationModeDriver);
    EXPECT_EQ(r.AttachmentMode, NetRxFragmentBufferAttachmentModeDriver);
    EXPECT_EQ(r.FragmentRingNumberOfElementsHint, 0u);
    EXPECT_EQ(r.MaximumFrameSize, 1600u);
    EXPECT_EQ(r.MaximumNumberOfQueues, 2u);
    EXPECT_EQ(r.EvtAdapterReturnRxBuffer, &return_rx);
    EXPECT_EQ(r.MappingRequirement, NetMemoryMappingRequirementNone);
    EXPECT_EQ(r.FragmentBufferAlignment, 1u);
    EXPECT_EQ(r.DmaCapabilities, nullptr);
}

TEST(InitDefaults, EnumValuesAreNetAdapterCxs)
{
    EXPECT_EQ(NetMemoryMappingRequirementNone, 0);
    EXPECT_EQ(NetMemoryMappingRequirementDmaMapped, 1);
    EXPECT_EQ(NetRxFragmentBufferAllocationModeSystem, 0);
    EXPECT_EQ(NetRxFragmentBufferAllocationModeDriver, 1);
    EXPECT_EQ(NetRxFragmentBufferAttachmentModeSystem, 0);
    EXPECT_EQ(NetRxFragmentBufferAttachmentModeDriver, 1);
    EXPECT_EQ(WdfFalse, 0);
    EXPECT_EQ(WdfTrue, 1);
    EXPECT_EQ(WdfUseDefault, 2);
}

TEST(InitDefaults, LinkLayerCapabilitiesSetSizeAndBothSpeeds)
{
    NET_ADAPTER_LINK_LAYER_CAPABILITIES c;
    fill_garbage(c);
    NET_ADAPTER_LINK_LAYER_CAPABILITIES_INIT(&c, 10'000'000'000ull, 1'000'000'000ull);
    EXPECT_EQ(c.Size, sizeof(NET_ADAPTER_LINK_LAYER_CAPABILITIES));
    EXPECT_EQ(c.MaxTxLinkSpeed, 10'000'000'000ull);
    EXPECT_EQ(c.MaxRxLinkSpeed, 1'000'000'000ull);
}

TEST(InitDefaults, LinkLayerAddressCopiesLengthBytesAndZeroesTheRest)
{
    const UCHAR mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
    NET_ADAPTER_LINK_LAYER_ADDRESS a;
    fill_garbage(a);
    NET_ADAPTER_LINK_LAYER_ADDRESS_INIT(&a, 6, mac);
    EXPECT_EQ(a.Length, 6u);
    EXPECT_EQ(std::memcmp(a.Address, mac, 6), 0);
    for (std::size_t i = 6; i < NET_ADAPTER_LINK_LAYER_ADDRESS_MAX_LENGTH; ++i)
        EXPECT_EQ(a.Address[i], 0u) << i;
}

TEST(InitDefaults, LinkLayerAddressTooLongCopiesNothing)
{
    const UCHAR big[64] = {1};
    NET_ADAPTER_LINK_LAYER_ADDRESS a;
    fill_garbage(a);
    NET_ADAPTER_LINK_LAYER_ADDRESS_INIT(&a, 64, big);
    EXPECT_EQ(a.Length, 64u); // kept so NetAdapterSet*LinkLayerAddress refuses it by name
    for (auto b : a.Address)
        EXPECT_EQ(b, 0u);
}

TEST(InitDefaults, LinkStateSetsEveryFieldAndBothSpeeds)
{
    NET_ADAPTER_LINK_STATE s;
    fill_garbage(s);
    NET_ADAPTER_LINK_STATE_INIT(&s, 1'000'000'000ull, MediaConnectStateConnected,
                                MediaDuplexStateFull, NetAdapterPauseFunctionTypeSendAndReceive,
                                NetAdapterAutoNegotiationFlagDuplexAutoNegotiated);
    EXPECT_EQ(s.Size, sizeof(NET_ADAPTER_LINK_STATE));
    EXPECT_EQ(s.MediaConnectState, MediaConnectStateConnected);
    EXPECT_EQ(s.MediaDuplexState, MediaDuplexStateFull);
    EXPECT_EQ(s.TxLinkSpeed, 1'000'000'000ull);
    EXPECT_EQ(s.RxLinkSpeed, 1'000'000'000ull);
    EXPECT_EQ(s.AutoNegotiationFlags, NetAdapterAutoNegotiationFlagDuplexAutoNegotiated);
    EXPECT_EQ(s.SupportedPauseFunctions, NetAdapterPauseFunctionTypeSendAndReceive);
}

TEST(InitDefaults, LinkStateDisconnectedIsDownUnknownAndZeroSpeed)
{
    NET_ADAPTER_LINK_STATE s;
    fill_garbage(s);
    NET_ADAPTER_LINK_STATE_INIT_DISCONNECTED(&s);
    EXPECT_EQ(s.Size, sizeof(NET_ADAPTER_LINK_STATE));
    EXPECT_EQ(s.MediaConnectState, MediaConnectStateDisconnected);
    EXPECT_EQ(s.MediaDuplexState, MediaDuplexStateUnknown);
    EXPECT_EQ(s.TxLinkSpeed, 0u);
    EXPECT_EQ(s.RxLinkSpeed, 0u);
    EXPECT_EQ(s.AutoNegotiationFlags, NetAdapterAutoNegotiationFlagNone);
    EXPECT_EQ(s.SupportedPauseFunctions, NetAdapterPauseFunctionTypeUnknown);
}

} // namespace
