// SPDX-License-Identifier: MIT
// null: a NIC that costs nothing, so what a benchmark measures is the framework's own cost per
// packet (DPDK's net_null plays the same part).
//
//   Tx  every packet posted is complete at the next Advance: BeginIndex = EndIndex on both rings,
//       O(1) per batch, payload never read.
//   Rx  every posted fragment is filled at each Advance: one packet per fragment, ValidLength =
//       the template's size (64 bytes by default), the template copied in unless copy=0.
// Rx is system-managed without DMA (the identity space), Tx without DMA. Nothing ever waits, so
// notifications are never needed: the framework polls again when it has posted buffers or sends.
//
// Parameters: frame_size (64; 14..1514), copy (1), rx (1; 0: receive nothing), burst (0: fill
// every posted fragment; N: at most N packets per Advance, as rx_burst's nb_pkts), rx_hint,
// tx_hint, NetworkAddress.
#include <netadaptercx.h>
#include <ntddk.h>
#include <wdf.h>

#include <algorithm>
#include <cstring>

#ifdef NETCX_BUILTIN_DRIVER
#define NULL_DRIVER_ENTRY null_driver_entry
#else
#define NULL_DRIVER_ENTRY DriverEntry
#endif

namespace {

constexpr ULONG max_frame = 1514;
constexpr ULONG ethernet_header = 14;
constexpr ULONG64 link_speed = 100'000'000'000ull; // 100 Gb/s

struct NULLNIC_ADAPTER_CONTEXT {
    ULONG frame_size;
    BOOLEAN copy;
    BOOLEAN receive;
    ULONG burst;
    ULONG rx_hint, tx_hint;
    UCHAR mac[6];
    UCHAR frame[max_frame]; // the Rx template: broadcast, from mac, EtherType 0x88b5, zeros
};
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(NULLNIC_ADAPTER_CONTEXT, NullGetAdapterContext);

struct NULLNIC_QUEUE_CONTEXT {
    NULLNIC_ADAPTER_CONTEXT* adapter;
    NET_RING* pr;
    NET_RING* fr;
    NET_EXTENSION va;
    BOOLEAN cancelled;
};
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(NULLNIC_QUEUE_CONTEXT, NullGetQueueContext);

ULONG query_ulong(NETCONFIGURATION c, const wchar_t* name, ULONG fallback)
{
    UNICODE_STRING n;
    RtlInitUnicodeString(&n, name);
    ULONG v = 0;
    return NT_SUCCESS(NetConfigurationQueryUlong(c, NET_CONFIGURATION_QUERY_ULONG_NO_FLAGS, &n, &v))
               ? v
               : fallback;
}

// ---- Rx --------------------------------------------------------------------------------------

/// Hands back every posted packet as ignored and every fragment unreferenced.
void rx_return_all(NULLNIC_QUEUE_CONTEXT& q)
{
    for (UINT32 i = q.pr->BeginIndex; i != q.pr->EndIndex; i = NetRingIncrementIndex(q.pr, i))
        NetRingGetPacketAtIndex(q.pr, i)->Ignore = 1;
    q.pr->BeginIndex = q.pr->EndIndex;
    q.fr->BeginIndex = q.fr->EndIndex;
}

VOID EvtRxAdvance(NETPACKETQUEUE queue)
{
    NULLNIC_QUEUE_CONTEXT& q = *NullGetQueueContext(queue);
    if (q.cancelled) {
        rx_return_all(q);
        return;
    }
    const NULLNIC_ADAPTER_CONTEXT& a = *q.adapter;
    if (!a.receive)
        return;
    NET_RING* pr = q.pr;
    NET_RING* fr = q.fr;
    UINT32 n = std::min(NetRingGetRangeCount(pr, pr->BeginIndex, pr->EndIndex),
                        NetRingGetRangeCount(fr, fr->BeginIndex, fr->EndIndex));
    if (a.burst != 0)
        n = std::min<UINT32>(n, a.burst);
    UINT32 p = pr->BeginIndex;
    UINT32 f = fr->BeginIndex;
    NET_PACKET_LAYOUT layout{};
    layout.Layer2Type = NetPacketLayer2TypeEthernet;
    layout.Layer2HeaderLength = ethernet_header;
    for (UINT32 k = 0; k < n; ++k) {
        NET_FRAGMENT* frag = NetRingGetFragmentAtIndex(fr, f);
        const UINT32 len = std::min<UINT32>(a.frame_size, static_cast<UINT32>(frag->Capacity));
        if (a.copy)
            std::memcpy(NetExtensionGetFragmentVirtualAddress(&q.va, f)->VirtualAddress, a.frame,
                        len);
        frag->ValidLength = len;
        frag->Offset = 0;
        NET_PACKET* packet = NetRingGetPacketAtIndex(pr, p);
        packet->FragmentIndex = f;
        packet->FragmentCount = 1;
        packet->Layout = layout;
        p = NetRingIncrementIndex(pr, p);
        f = NetRingIncrementIndex(fr, f);
    }
    pr->BeginIndex = p;
    fr->BeginIndex = f;
}

VOID EvtRxCancel(NETPACKETQUEUE queue)
{
    NULLNIC_QUEUE_CONTEXT& q = *NullGetQueueContext(queue);
    q.cancelled = TRUE;
    rx_return_all(q);
}

VOID EvtRxStart(NETPACKETQUEUE queue)
{
    NullGetQueueContext(queue)->cancelled = FALSE;
}

// ---- Tx --------------------------------------------------------------------------------------

VOID EvtTxAdvance(NETPACKETQUEUE queue)
{
    NULLNIC_QUEUE_CONTEXT& q = *NullGetQueueContext(queue);
    q.pr->BeginIndex = q.pr->EndIndex;
    q.fr->BeginIndex = q.fr->EndIndex;
}

VOID EvtSetNotificationEnabled(NETPACKETQUEUE queue, BOOLEAN enabled)
{
    UNREFERENCED_PARAMETER(queue);
    UNREFERENCED_PARAMETER(enabled);
}

// ---- queues, adapter, device -----------------------------------------------------------------

NTSTATUS init_queue(NETPACKETQUEUE queue, NETADAPTER adapter, bool tx)
{
    NULLNIC_QUEUE_CONTEXT& q = *NullGetQueueContext(queue);
    q.adapter = NullGetAdapterContext(adapter);
    const NET_RING_COLLECTION* rings =
        tx ? NetTxQueueGetRingCollection(queue) : NetRxQueueGetRingCollection(queue);
    q.pr = NetRingCollectionGetPacketRing(rings);
    q.fr = NetRingCollectionGetFragmentRing(rings);
    NET_EXTENSION_QUERY query;
    NET_EXTENSION_QUERY_INIT(&query, NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_NAME,
                             NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_VERSION_1,
                             NetExtensionTypeFragment);
    if (tx)
        NetTxQueueGetExtension(queue, &query, &q.va);
    else
        NetRxQueueGetExtension(queue, &query, &q.va);
    return q.va.Reserved[0] != nullptr ? STATUS_SUCCESS : STATUS_INVALID_DEVICE_STATE;
}

NTSTATUS EvtAdapterCreateTxQueue(NETADAPTER adapter, NETTXQUEUE_INIT* init)
{
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, NULLNIC_QUEUE_CONTEXT);
    NET_PACKET_QUEUE_CONFIG config;
    // Cancel is Advance: every packet is complete at once either way.
    NET_PACKET_QUEUE_CONFIG_INIT(&config, EvtTxAdvance, EvtSetNotificationEnabled, EvtTxAdvance);
    NETPACKETQUEUE queue = nullptr;
    const NTSTATUS status = NetTxQueueCreate(init, &attributes, &config, &queue);
    return NT_SUCCESS(status) ? init_queue(queue, adapter, true) : status;
}

NTSTATUS EvtAdapterCreateRxQueue(NETADAPTER adapter, NETRXQUEUE_INIT* init)
{
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, NULLNIC_QUEUE_CONTEXT);
    NET_PACKET_QUEUE_CONFIG config;
    NET_PACKET_QUEUE_CONFIG_INIT(&config, EvtRxAdvance, EvtSetNotificationEnabled, EvtRxCancel);
    config.EvtStart = EvtRxStart;
    NETPACKETQUEUE queue = nullptr;
    const NTSTATUS status = NetRxQueueCreate(init, &attributes, &config, &queue);
    return NT_SUCCESS(status) ? init_queue(queue, adapter, false) : status;
}

NTSTATUS EvtAdapterSetCapabilities(NETADAPTER adapter)
{
    NULLNIC_ADAPTER_CONTEXT& a = *NullGetAdapterContext(adapter);
    NET_ADAPTER_LINK_LAYER_CAPABILITIES caps;
    NET_ADAPTER_LINK_LAYER_CAPABILITIES_INIT(&caps, link_speed, link_speed);
    NTSTATUS status = NetAdapterSetLinkLayerCapabilities(adapter, &caps);
    if (NT_SUCCESS(status))
        status = NetAdapterSetLinkLayerMtuSize(adapter, max_frame - ethernet_header);
    NET_ADAPTER_LINK_LAYER_ADDRESS address;
    NET_ADAPTER_LINK_LAYER_ADDRESS_INIT(&address, sizeof a.mac, a.mac);
    if (NT_SUCCESS(status))
        status = NetAdapterSetPermanentLinkLayerAddress(adapter, &address);
    if (NT_SUCCESS(status))
        status = NetAdapterSetCurrentLinkLayerAddress(adapter, &address);
    NET_ADAPTER_LINK_STATE state;
    NET_ADAPTER_LINK_STATE_INIT(&state, link_speed, MediaConnectStateConnected,
                                MediaDuplexStateFull, NetAdapterPauseFunctionTypeUnsupported,
                                NetAdapterAutoNegotiationFlagNone);
    if (NT_SUCCESS(status))
        status = NetAdapterSetCurrentLinkState(adapter, &state);
    if (!NT_SUCCESS(status))
        return status;

    NET_ADAPTER_TX_CAPABILITIES tx;
    NET_ADAPTER_TX_CAPABILITIES_INIT(&tx, max_frame, 1);
    tx.FragmentRingNumberOfElementsHint = a.tx_hint;
    NET_ADAPTER_RX_CAPABILITIES rx;
    NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED(&rx, max_frame, 1);
    rx.FragmentRingNumberOfElementsHint = a.rx_hint;
    return NetAdapterSetDatapathCapabilities(adapter, &tx, &rx);
}

NTSTATUS read_configuration(NETADAPTER adapter, NULLNIC_ADAPTER_CONTEXT& a)
{
    NETCONFIGURATION c = nullptr;
    const NTSTATUS status = NetAdapterOpenConfiguration(adapter, WDF_NO_OBJECT_ATTRIBUTES, &c);
    if (!NT_SUCCESS(status))
        return status;
    a.frame_size = query_ulong(c, L"frame_size", 64);
    a.copy = query_ulong(c, L"copy", 1) != 0;
    a.receive = query_ulong(c, L"rx", 1) != 0;
    a.burst = query_ulong(c, L"burst", 0);
    a.rx_hint = query_ulong(c, L"rx_hint", 0);
    a.tx_hint = query_ulong(c, L"tx_hint", 0);
    ULONG length = 0;
    if (!NT_SUCCESS(NetConfigurationQueryNetworkAddress(c, sizeof a.mac, a.mac, &length)) ||
        length != sizeof a.mac) {
        static const UCHAR fallback[6] = {0x02, 0x00, 0x00, 0x4e, 0x55, 0x4c}; // "NUL"
        std::memcpy(a.mac, fallback, sizeof a.mac);
    }
    NetConfigurationClose(c);
    if (a.frame_size < ethernet_header || a.frame_size > max_frame) {
        DbgPrint(
            "null: frame_size=%lu: must be %lu..%lu\n", static_cast<unsigned long>(a.frame_size),
            static_cast<unsigned long>(ethernet_header), static_cast<unsigned long>(max_frame));
        return STATUS_INVALID_PARAMETER;
    }
    std::memset(a.frame, 0xff, 6);
    std::memcpy(a.frame + 6, a.mac, 6);
    a.frame[12] = 0x88;
    a.frame[13] = 0xb5;
    return STATUS_SUCCESS;
}

NTSTATUS EvtDriverDeviceAdd(WDFDRIVER driver, PWDFDEVICE_INIT init)
{
    UNREFERENCED_PARAMETER(driver);
    NTSTATUS status = NetAdapterDeviceInitConfig(init);
    if (!NT_SUCCESS(status))
        return status;
    WDFDEVICE device = nullptr;
    status = WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &device);
    if (!NT_SUCCESS(status))
        return status;
    NET_ADAPTER_CONFIG config;
    NET_ADAPTER_CONFIG_INIT(&config, EvtAdapterSetCapabilities, EvtAdapterCreateTxQueue,
                            EvtAdapterCreateRxQueue);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, NULLNIC_ADAPTER_CONTEXT);
    NETADAPTER adapter = nullptr;
    status = NetAdapterCreate(device, &attributes, &config, &adapter);
    if (!NT_SUCCESS(status))
        return status;
    return read_configuration(adapter, *NullGetAdapterContext(adapter));
}

} // namespace

extern "C" DRIVER_INITIALIZE NULL_DRIVER_ENTRY;

extern "C" NTSTATUS NULL_DRIVER_ENTRY(PDRIVER_OBJECT driver_object, PUNICODE_STRING registry_path)
{
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, EvtDriverDeviceAdd);
    return WdfDriverCreate(driver_object, registry_path, WDF_NO_OBJECT_ATTRIBUTES, &config,
                           WDF_NO_HANDLE);
}
