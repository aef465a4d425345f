// SPDX-License-Identifier: MIT
// NETADAPTER entry points: creation, datapath capabilities and link layer.
//
// NetAdapterCx's split: each entry point converts handles and checks every rule of the client
// driver contract (reference section 4; NetAdapterCx's verifier bugchecks where netcx refuses),
// then hands checked C++ values to `adapter`. A refusal returns its NTSTATUS and logs one line
// naming the API, the adapter, the field and the value. A refused capability call made before the
// adapter has started is also remembered on the adapter, so the start fails with it even when
// the driver ignores the returned status.
#include "adapter/adapter.hpp"
#include "adapter/handle.hpp"

#include "wdf/device.hpp"
#include "wdf/dma_enabler.hpp"

#include <netadapter.h>

#include <numa.h>

#include <cstring>
#include <new>
#include <string>
#include <type_traits>

using netcx::wdf::object;

namespace netcx::adapter {
namespace {

constexpr std::string_view set_datapath_api = "NetAdapterSetDatapathCapabilities";
/// The pool carves buffers with an alignment of at most a page.
constexpr std::size_t max_alignment = 4096;
/// NET_FRAGMENT's Capacity and ValidLength fields are 26 bits wide.
constexpr std::size_t fragment_size_limit = std::size_t{1} << 26;
/// MTU bounds: IPv4's minimum datagram (RFC 791) and the largest IPv4/IPv6 datagram.
constexpr ULONG min_mtu = 68;
constexpr ULONG max_mtu = 65535;

constexpr bool is_power_of_two(std::uint64_t v) noexcept
{
    return v != 0 && (v & (v - 1)) == 0;
}

/// An enum field's stored value, read as its underlying integer: a driver may have stored a value
/// no enumerator names, and loading that as the enum type is undefined behaviour.
template <class E>
long long raw(const E& field) noexcept
{
    std::underlying_type_t<E> v;
    std::memcpy(&v, &field, sizeof v);
    return static_cast<long long>(v);
}

/// Refuses on behalf of one call to one adapter: logs the line and, when the refusal should
/// fail the adapter's start, records it there.
class refuser {
public:
    refuser(adapter& a, std::string_view api, bool record) noexcept
        : adapter_(a), api_(api), record_(record)
    {
    }

    template <class... Args>
    NTSTATUS operator()(NTSTATUS code, fmt::format_string<Args...> f, Args&&... args) noexcept
    {
        try {
            std::string what = fmt::format(f, std::forward<Args>(args)...);
            wdf::refuse(code, api_, "{}: {}", adapter_.name(), what);
            remember(code, what);
        } catch (...) { // formatting ran out of memory: the status still tells the driver
        }
        return code;
    }

    /// For a refusal already logged elsewhere (a handle lookup logs its own line).
    NTSTATUS logged(NTSTATUS code, std::string_view what) noexcept
    {
        try {
            remember(code, what);
        } catch (...) {
        }
        return code;
    }

    [[nodiscard]] std::string handle_api(std::string_view field) const
    {
        return fmt::format("{}: {}: {}", api_, adapter_.name(), field);
    }

private:
    void remember(NTSTATUS code, std::string_view what)
    {
        if (record_)
            adapter_.record_refusal(
                code, fmt::format("{}: {} ({})", api_, what, wdf::ntstatus_name(code)));
    }

    adapter& adapter_;
    std::string_view api_;
    bool record_;
};

/// The highest NUMA node this machine has (0 without NUMA support).
int max_numa_node() noexcept
{
    return numa_available() < 0 ? 0 : numa_max_node();
}

/// `field`->Size must be sizeof(T): the check every versioned NetAdapterCx structure gets.
template <class T>
NTSTATUS check_size(refuser& refuse, std::string_view field, const T& value, std::string_view type)
{
    if (value.Size == sizeof(T))
        return STATUS_SUCCESS;
    return refuse(STATUS_INFO_LENGTH_MISMATCH, "{}->Size is {}; expected sizeof({}) = {}", field,
                  value.Size, type, sizeof(T));
}

/// NET_ADAPTER_DMA_CAPABILITIES at `field` ("TxCapabilities->DmaCapabilities").
NTSTATUS check_dma(refuser& refuse, adapter& a, std::string_view field,
                   const NET_ADAPTER_DMA_CAPABILITIES& dma, dma_constraints& out)
{
    if (NTSTATUS s = check_size(refuse, field, dma, "NET_ADAPTER_DMA_CAPABILITIES"); s != 0)
        return s;
    if (dma.DmaEnabler == nullptr)
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}->DmaEnabler is NULL; DMA capabilities need a WDFDMAENABLER", field);
    const std::string enabler_field = fmt::format("{}->DmaEnabler", field);
    NTSTATUS why = STATUS_SUCCESS;
    auto* enabler = lookup<wdf::dma_enabler>(dma.DmaEnabler, refuse.handle_api(enabler_field), why);
    if (enabler == nullptr)
        return refuse.logged(why, fmt::format("{} {} is not a live WDFDMAENABLER", enabler_field,
                                              fmt::ptr(dma.DmaEnabler)));
    if (&enabler->owner_device() != &a.owner_device())
        return refuse(STATUS_INVALID_PARAMETER,
                      "{} {} belongs to another device than the adapter's", enabler_field,
                      fmt::ptr(dma.DmaEnabler));
    if (const ULONG v = enabler->dma_version(); v != 3)
        return refuse(STATUS_INVALID_PARAMETER,
                      "{} uses DMA version {}; NetAdapterCx requires DMA version 3", enabler_field,
                      v);
    if (const long long cache = raw(dma.CacheEnabled);
        cache != WdfFalse && cache != WdfTrue && cache != WdfUseDefault)
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}->CacheEnabled is {}; must be WdfFalse (0), WdfTrue (1) or WdfUseDefault "
                      "(2)",
                      field, cache);
    if (dma.PreferredNode != MM_ANY_NODE_OK &&
        dma.PreferredNode > static_cast<ULONG>(max_numa_node()))
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}->PreferredNode is {}; must be MM_ANY_NODE_OK or a NUMA node 0..{}", field,
                      dma.PreferredNode, max_numa_node());
    out.enabler = enabler;
    out.maximum_physical_address = static_cast<std::uint64_t>(dma.MaximumPhysicalAddress.QuadPart);
    out.cache_enabled = dma.CacheEnabled;
    out.preferred_node = dma.PreferredNode;
    return STATUS_SUCCESS;
}

/// Rules shared by Tx and the Rx system-allocation arm.
NTSTATUS check_alignment(refuser& refuse, std::string_view field, std::size_t alignment)
{
    if (!is_power_of_two(alignment) || alignment > max_alignment)
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}->FragmentBufferAlignment is {}; must be 1 or a power of two up to {}",
                      field, alignment, max_alignment);
    return STATUS_SUCCESS;
}

NTSTATUS check_common(refuser& refuse, std::string_view field, std::size_t queues,
                      std::uint32_t hint)
{
    if (queues == 0)
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}->MaximumNumberOfQueues is 0; must be at least 1", field);
    if (hint != 0 && !is_power_of_two(hint))
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}->FragmentRingNumberOfElementsHint is {}; must be 0 (no preference) or a "
                      "power of two",
                      field, hint);
    return STATUS_SUCCESS;
}

NTSTATUS check_mapping(refuser& refuse, std::string_view field,
                       const NET_MEMORY_MAPPING_REQUIREMENT& mapping,
                       const NET_ADAPTER_DMA_CAPABILITIES* dma)
{
    const long long m = raw(mapping);
    if (m != NetMemoryMappingRequirementNone && m != NetMemoryMappingRequirementDmaMapped)
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}->MappingRequirement is {}; must be NetMemoryMappingRequirementNone (0) "
                      "or NetMemoryMappingRequirementDmaMapped (1)",
                      field, m);
    if (m == NetMemoryMappingRequirementDmaMapped && dma == nullptr)
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}->MappingRequirement is NetMemoryMappingRequirementDmaMapped but "
                      "DmaCapabilities is NULL",
                      field);
    return STATUS_SUCCESS;
}

/// DMA capabilities are optional; when present they are checked and copied into `out`.
NTSTATUS check_optional_dma(refuser& refuse, adapter& a, std::string_view field,
                            const NET_ADAPTER_DMA_CAPABILITIES* caps,
                            std::optional<dma_constraints>& out)
{
    if (caps == nullptr)
        return STATUS_SUCCESS;
    dma_constraints dma;
    if (NTSTATUS s = check_dma(refuse, a, field, *caps, dma); s != 0)
        return s;
    out = dma;
    return STATUS_SUCCESS;
}

NTSTATUS check_tx(refuser& refuse, adapter& a, const NET_ADAPTER_TX_CAPABILITIES& tx,
                  tx_capabilities& out)
{
    constexpr std::string_view f = "TxCapabilities";
    if (NTSTATUS s = check_mapping(refuse, f, tx.MappingRequirement, tx.DmaCapabilities); s != 0)
        return s;
    if (NTSTATUS s =
            check_common(refuse, f, tx.MaximumNumberOfQueues, tx.FragmentRingNumberOfElementsHint);
        s != 0)
        return s;
    if (NTSTATUS s = check_alignment(refuse, f, tx.FragmentBufferAlignment); s != 0)
        return s;
    if (tx.MaximumFragmentBufferSize == 0 || tx.MaximumFragmentBufferSize >= fragment_size_limit)
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}->MaximumFragmentBufferSize is {}; must be 1..{} (NET_FRAGMENT Capacity "
                      "is 26 bits)",
                      f, tx.MaximumFragmentBufferSize, fragment_size_limit - 1);
    if (tx.MaximumNumberOfFragments == 0)
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}->MaximumNumberOfFragments is 0; must be at least 1 ((SIZE_T)-1: "
                      "unlimited)",
                      f);
    // A bounce buffer holds the backfill and the payload in one fragment.
    if (tx.PayloadBackfill >= fragment_size_limit - tx.MaximumFragmentBufferSize)
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}->PayloadBackfill is {}; with MaximumFragmentBufferSize {} a fragment "
                      "must stay below {} bytes (NET_FRAGMENT Capacity is 26 bits)",
                      f, tx.PayloadBackfill, tx.MaximumFragmentBufferSize, fragment_size_limit);
    if (NTSTATUS s = check_optional_dma(refuse, a, "TxCapabilities->DmaCapabilities",
                                        tx.DmaCapabilities, out.dma);
        s != 0)
        return s;
    out.mapping = tx.MappingRequirement;
    out.payload_backfill = tx.PayloadBackfill;
    out.max_fragments = tx.MaximumNumberOfFragments;
    out.alignment = tx.FragmentBufferAlignment;
    out.ring_hint = tx.FragmentRingNumberOfElementsHint;
    out.max_queues = tx.MaximumNumberOfQueues;
    out.max_fragment_buffer_size = tx.MaximumFragmentBufferSize;
    return STATUS_SUCCESS;
}

NTSTATUS check_rx(refuser& refuse, adapter& a, const NET_ADAPTER_RX_CAPABILITIES& rx,
                  rx_capabilities& out)
{
    constexpr std::string_view f = "RxCapabilities";
    const long long allocation = raw(rx.AllocationMode);
    const bool driver_allocates = allocation == NetRxFragmentBufferAllocationModeDriver;
    if (allocation != NetRxFragmentBufferAllocationModeSystem && !driver_allocates)
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}->AllocationMode is {}; must be NetRxFragmentBufferAllocationModeSystem "
                      "(0) or NetRxFragmentBufferAllocationModeDriver (1)",
                      f, allocation);
    const long long attachment = raw(rx.AttachmentMode);
    const bool driver_attaches = attachment == NetRxFragmentBufferAttachmentModeDriver;
    if (attachment != NetRxFragmentBufferAttachmentModeSystem && !driver_attaches)
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}->AttachmentMode is {}; must be NetRxFragmentBufferAttachmentModeSystem "
                      "(0) or NetRxFragmentBufferAttachmentModeDriver (1)",
                      f, attachment);
    if (driver_allocates && !driver_attaches)
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}: AllocationMode Driver requires AttachmentMode Driver (the system cannot "
                      "attach buffers it did not allocate); AttachmentMode is System",
                      f);
    if (!driver_allocates && driver_attaches)
        return refuse(STATUS_NOT_SUPPORTED,
                      "{}: AllocationMode System with AttachmentMode Driver (the system allocates, "
                      "the driver attaches) is not supported yet",
                      f);
    if (NTSTATUS s =
            check_common(refuse, f, rx.MaximumNumberOfQueues, rx.FragmentRingNumberOfElementsHint);
        s != 0)
        return s;
    if (rx.MaximumFrameSize == 0 || rx.MaximumFrameSize >= fragment_size_limit)
        return refuse(STATUS_INVALID_PARAMETER,
                      "{}->MaximumFrameSize is {}; must be 1..{} (NET_FRAGMENT Capacity is 26 "
                      "bits)",
                      f, rx.MaximumFrameSize, fragment_size_limit - 1);

    out.allocation = rx.AllocationMode;
    out.attachment = rx.AttachmentMode;
    out.ring_hint = rx.FragmentRingNumberOfElementsHint;
    out.max_frame_size = rx.MaximumFrameSize;
    out.max_queues = rx.MaximumNumberOfQueues;
    if (driver_allocates) {
        // The system-allocation fields (a union arm on Windows) mean nothing here.
        if (rx.EvtAdapterReturnRxBuffer == nullptr)
            return refuse(STATUS_INVALID_PARAMETER,
                          "{}->EvtAdapterReturnRxBuffer is NULL; AllocationMode Driver needs it "
                          "to return buffers",
                          f);
        out.return_buffer = rx.EvtAdapterReturnRxBuffer;
        return STATUS_SUCCESS;
    }
    if (NTSTATUS s = check_mapping(refuse, f, rx.MappingRequirement, rx.DmaCapabilities); s != 0)
        return s;
    if (NTSTATUS s = check_alignment(refuse, f, rx.FragmentBufferAlignment); s != 0)
        return s;
    if (NTSTATUS s = check_optional_dma(refuse, a, "RxCapabilities->DmaCapabilities",
                                        rx.DmaCapabilities, out.dma);
        s != 0)
        return s;
    out.mapping = rx.MappingRequirement;
    out.alignment = rx.FragmentBufferAlignment;
    return STATUS_SUCCESS;
}

/// Link-layer refusals before the start (EvtDriverDeviceAdd, EvtAdapterSetCapabilities) fail the
/// start; later ones (a link state change while running) only return their status.
refuser link_refuser(adapter& a, std::string_view api) noexcept
{
    const bool starting =
        a.state() == adapter_state::created || a.state() == adapter_state::setting_capabilities;
    return refuser{a, api, starting};
}

/// True if `candidate` is `root` or lies under it.
bool within(const object* candidate, const object* root) noexcept
{
    for (const object* o = candidate; o != nullptr; o = o->parent())
        if (o == root)
            return true;
    return false;
}

NTSTATUS set_address(NETADAPTER Adapter, PNET_ADAPTER_LINK_LAYER_ADDRESS address,
                     std::string_view api, bool current) noexcept
{
    NTSTATUS why = STATUS_SUCCESS;
    adapter* a = lookup<adapter>(Adapter, api, why);
    if (a == nullptr)
        return why;
    refuser refuse = link_refuser(*a, api);
    if (address == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, "LinkLayerAddress is NULL");
    if (address->Length == 0 || address->Length > NET_ADAPTER_LINK_LAYER_ADDRESS_MAX_LENGTH)
        return refuse(STATUS_INVALID_PARAMETER, "LinkLayerAddress->Length is {}; must be 1..{}",
                      address->Length, NET_ADAPTER_LINK_LAYER_ADDRESS_MAX_LENGTH);
    // The group bit: a station's own address must be unicast.
    if (current && (address->Address[0] & 1u) != 0)
        return refuse(STATUS_INVALID_PARAMETER,
                      "LinkLayerAddress starting {:02x} is a multicast or broadcast address (low "
                      "bit of the first byte set); the current address must be unicast",
                      address->Address[0]);
    NET_ADAPTER_LINK_LAYER_ADDRESS copy{};
    copy.Length = address->Length;
    std::memcpy(copy.Address, address->Address, address->Length);
    (current ? a->link().current_address : a->link().permanent_address) = copy;
    return STATUS_SUCCESS;
}

} // namespace
} // namespace netcx::adapter

using namespace netcx::adapter;

extern "C" {

NTSTATUS NetAdapterCreate(WDFDEVICE Device, PWDF_OBJECT_ATTRIBUTES AdapterAttributes,
                          PNET_ADAPTER_CONFIG Configuration, NETADAPTER* Adapter)
{
    constexpr std::string_view api = "NetAdapterCreate";
    if (Adapter != nullptr)
        *Adapter = nullptr;
    NTSTATUS why = STATUS_SUCCESS;
    auto* device = lookup<netcx::wdf::device>(Device, api, why);
    if (device == nullptr)
        return why;
    if (NTSTATUS s = netcx::wdf::check_attributes(AdapterAttributes, api); !NT_SUCCESS(s))
        return s;
    if (Configuration == nullptr)
        return netcx::wdf::refuse(STATUS_INVALID_PARAMETER, api, "Configuration is NULL");
    if (Configuration->Size != sizeof(NET_ADAPTER_CONFIG))
        return netcx::wdf::refuse(STATUS_INFO_LENGTH_MISMATCH, api,
                                  "Configuration->Size is {}; expected sizeof(NET_ADAPTER_CONFIG) "
                                  "= {} (use NET_ADAPTER_CONFIG_INIT)",
                                  Configuration->Size, sizeof(NET_ADAPTER_CONFIG));
    if (Configuration->EvtAdapterSetCapabilities == nullptr)
        return netcx::wdf::refuse(STATUS_INVALID_PARAMETER, api,
                                  "Configuration->EvtAdapterSetCapabilities is NULL; the adapter "
                                  "sets its datapath capabilities there");
    if (Configuration->EvtAdapterCreateTxQueue == nullptr)
        return netcx::wdf::refuse(STATUS_INVALID_PARAMETER, api,
                                  "Configuration->EvtAdapterCreateTxQueue is NULL; NetAdapterCx "
                                  "requires it");
    if (Configuration->EvtAdapterCreateRxQueue == nullptr)
        return netcx::wdf::refuse(STATUS_INVALID_PARAMETER, api,
                                  "Configuration->EvtAdapterCreateRxQueue is NULL; NetAdapterCx "
                                  "requires it");
    if (Adapter == nullptr)
        return netcx::wdf::refuse(STATUS_INVALID_PARAMETER, api,
                                  "Adapter (the out pointer) is NULL");
    if (device->deleting())
        return netcx::wdf::refuse(STATUS_INVALID_DEVICE_STATE, api, "device {} is being deleted",
                                  static_cast<void*>(Device));
    if (device->net_adapter != nullptr)
        return netcx::wdf::refuse(STATUS_INVALID_DEVICE_STATE, api,
                                  "the device already has {}; one adapter per device",
                                  device->net_adapter->name());
    object* parent = netcx::wdf::parent_for(AdapterAttributes, device);
    // The adapter refers to its device, so it must not outlive it.
    if (!within(parent, device))
        return netcx::wdf::refuse(STATUS_INVALID_PARAMETER, api,
                                  "AdapterAttributes->ParentObject {} is not the device or an "
                                  "object under it",
                                  fmt::ptr(AdapterAttributes->ParentObject));

    adapter* a = nullptr;
    try {
        a = new adapter(*device, parent, *Configuration);
    } catch (const std::bad_alloc&) {
        return netcx::wdf::refuse(STATUS_INSUFFICIENT_RESOURCES, api, "out of memory");
    }
    if (NTSTATUS s = netcx::wdf::apply_attributes(*a, AdapterAttributes, api); !NT_SUCCESS(s))
        return s; // apply_attributes deleted the adapter
    device->net_adapter = a;
    *Adapter = static_cast<NETADAPTER>(a->handle());
    return STATUS_SUCCESS;
}

WDFDEVICE NetAdapterGetDevice(NETADAPTER Adapter)
{
    NTSTATUS why = STATUS_SUCCESS;
    adapter* a = lookup<adapter>(Adapter, "NetAdapterGetDevice", why);
    return a == nullptr ? nullptr : static_cast<WDFDEVICE>(a->owner_device().handle());
}

NTSTATUS NetAdapterSetDatapathCapabilities(NETADAPTER Adapter,
                                           PNET_ADAPTER_TX_CAPABILITIES TxCapabilities,
                                           PNET_ADAPTER_RX_CAPABILITIES RxCapabilities)
{
    NTSTATUS why = STATUS_SUCCESS;
    adapter* a = lookup<adapter>(Adapter, set_datapath_api, why);
    if (a == nullptr)
        return why;
    refuser refuse{*a, set_datapath_api, true};
    if (a->state() != adapter_state::setting_capabilities)
        return refuse(STATUS_INVALID_DEVICE_STATE,
                      "called out of order: the adapter is {}; set datapath capabilities from "
                      "EvtAdapterSetCapabilities",
                      to_string(a->state()));
    if (TxCapabilities == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, "TxCapabilities is NULL");
    if (RxCapabilities == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, "RxCapabilities is NULL");
    if (NTSTATUS s =
            check_size(refuse, "TxCapabilities", *TxCapabilities, "NET_ADAPTER_TX_CAPABILITIES");
        s != 0)
        return s;
    if (NTSTATUS s =
            check_size(refuse, "RxCapabilities", *RxCapabilities, "NET_ADAPTER_RX_CAPABILITIES");
        s != 0)
        return s;
    tx_capabilities tx;
    if (NTSTATUS s = check_tx(refuse, *a, *TxCapabilities, tx); s != 0)
        return s;
    rx_capabilities rx;
    if (NTSTATUS s = check_rx(refuse, *a, *RxCapabilities, rx); s != 0)
        return s;
    a->set_datapath(tx, rx);
    return STATUS_SUCCESS;
}

NTSTATUS
NetAdapterSetLinkLayerCapabilities(NETADAPTER Adapter,
                                   PNET_ADAPTER_LINK_LAYER_CAPABILITIES LinkLayerCapabilities)
{
    constexpr std::string_view api = "NetAdapterSetLinkLayerCapabilities";
    NTSTATUS why = STATUS_SUCCESS;
    adapter* a = lookup<adapter>(Adapter, api, why);
    if (a == nullptr)
        return why;
    refuser refuse = link_refuser(*a, api);
    if (LinkLayerCapabilities == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, "LinkLayerCapabilities is NULL");
    if (NTSTATUS s = check_size(refuse, "LinkLayerCapabilities", *LinkLayerCapabilities,
                                "NET_ADAPTER_LINK_LAYER_CAPABILITIES");
        s != 0)
        return s;
    a->link().capabilities = *LinkLayerCapabilities;
    return STATUS_SUCCESS;
}

NTSTATUS NetAdapterSetLinkLayerMtuSize(NETADAPTER Adapter, ULONG MtuSize)
{
    constexpr std::string_view api = "NetAdapterSetLinkLayerMtuSize";
    NTSTATUS why = STATUS_SUCCESS;
    adapter* a = lookup<adapter>(Adapter, api, why);
    if (a == nullptr)
        return why;
    if (MtuSize < min_mtu || MtuSize > max_mtu)
        return link_refuser(*a, api)(STATUS_INVALID_PARAMETER,
                                     "MtuSize is {}; must be {} (the IPv4 minimum) to {} (the "
                                     "largest IP datagram)",
                                     MtuSize, min_mtu, max_mtu);
    a->link().mtu = MtuSize;
    return STATUS_SUCCESS;
}

NTSTATUS NetAdapterSetPermanentLinkLayerAddress(NETADAPTER Adapter,
                                                PNET_ADAPTER_LINK_LAYER_ADDRESS LinkLayerAddress)
{
    return set_address(Adapter, LinkLayerAddress, "NetAdapterSetPermanentLinkLayerAddress", false);
}

NTSTATUS NetAdapterSetCurrentLinkLayerAddress(NETADAPTER Adapter,
                                              PNET_ADAPTER_LINK_LAYER_ADDRESS LinkLayerAddress)
{
    return set_address(Adapter, LinkLayerAddress, "NetAdapterSetCurrentLinkLayerAddress", true);
}

NTSTATUS NetAdapterSetLinkState(NETADAPTER Adapter, PNET_ADAPTER_LINK_STATE LinkState)
{
    constexpr std::string_view api = "NetAdapterSetLinkState";
    NTSTATUS why = STATUS_SUCCESS;
    adapter* a = lookup<adapter>(Adapter, api, why);
    if (a == nullptr)
        return why;
    refuser refuse = link_refuser(*a, api);
    if (LinkState == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, "LinkState is NULL");
    if (NTSTATUS s = check_size(refuse, "LinkState", *LinkState, "NET_ADAPTER_LINK_STATE"); s != 0)
        return s;
    const long long connect = raw(LinkState->MediaConnectState);
    if (connect < MediaConnectStateUnknown || connect > MediaConnectStateDisconnected)
        return refuse(STATUS_INVALID_PARAMETER, "LinkState->MediaConnectState is {}; must be 0..{}",
                      connect, static_cast<int>(MediaConnectStateDisconnected));
    const long long duplex = raw(LinkState->MediaDuplexState);
    if (duplex < MediaDuplexStateUnknown || duplex > MediaDuplexStateFull)
        return refuse(STATUS_INVALID_PARAMETER, "LinkState->MediaDuplexState is {}; must be 0..{}",
                      duplex, static_cast<int>(MediaDuplexStateFull));
    const long long pause = raw(LinkState->SupportedPauseFunctions);
    if (pause < NetAdapterPauseFunctionTypeUnknown ||
        pause > NetAdapterPauseFunctionTypeSendAndReceive)
        return refuse(STATUS_INVALID_PARAMETER,
                      "LinkState->SupportedPauseFunctions is {}; must be 0..{}", pause,
                      static_cast<int>(NetAdapterPauseFunctionTypeSendAndReceive));
    constexpr unsigned all_flags = NetAdapterAutoNegotiationFlagXmitLinkSpeedAutoNegotiated |
                                   NetAdapterAutoNegotiationFlagRcvLinkSpeedautoNegotiated |
                                   NetAdapterAutoNegotiationFlagDuplexAutoNegotiated |
                                   NetAdapterAutoNegotiationFlagPauseFunctionsAutoNegotiated;
    const auto flags = static_cast<unsigned long long>(raw(LinkState->AutoNegotiationFlags));
    if ((flags & ~static_cast<unsigned long long>(all_flags)) != 0)
        return refuse(STATUS_INVALID_PARAMETER,
                      "LinkState->AutoNegotiationFlags is {:#x}; only flags {:#x} exist", flags,
                      all_flags);
    a->link().state = *LinkState;
    return STATUS_SUCCESS;
}

} // extern "C"
