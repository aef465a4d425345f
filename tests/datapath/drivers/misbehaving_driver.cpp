// SPDX-License-Identifier: MIT
// misbehaving: a NIC driver that breaks one ring rule, chosen by the device parameter
// `break=<rule name>` (the names of datapath::to_string(ring_rule)); without it, it keeps every
// rule. Rx is system-managed without DMA: each Advance returns every posted fragment as a
// one-fragment packet (Ethernet, 64 bytes). Tx completes everything at each Advance. The broken
// rule applies to the first Advance that has something to return, once per queue start.
#include "misbehaving_driver.h"

#include <netadaptercx.h>
#include <ntddk.h>
#include <wdf.h>

#include <cstring>
#include <string>

namespace {

constexpr ULONG max_frame = 1514;
constexpr ULONG64 link_speed = 10'000'000'000ull;

struct MB_ADAPTER_CONTEXT {
    char rule[64]; ///< the rule to break, "" for none
};
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(MB_ADAPTER_CONTEXT, MbGetAdapterContext);

struct MB_QUEUE_CONTEXT {
    MB_ADAPTER_CONTEXT* adapter;
    NET_RING* pr;
    NET_RING* fr;
    BOOLEAN broke;
};
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(MB_QUEUE_CONTEXT, MbGetQueueContext);

bool breaking(MB_QUEUE_CONTEXT& q, const char* rule)
{
    if (q.broke || std::strcmp(q.adapter->rule, rule) != 0)
        return false;
    q.broke = TRUE;
    return true;
}

void rx_return_all(MB_QUEUE_CONTEXT& q)
{
    for (UINT32 i = q.pr->BeginIndex; i != q.pr->EndIndex; i = NetRingIncrementIndex(q.pr, i))
        NetRingGetPacketAtIndex(q.pr, i)->Ignore = 1;
    q.pr->BeginIndex = q.pr->EndIndex;
    q.fr->BeginIndex = q.fr->EndIndex;
}

VOID EvtRxAdvance(NETPACKETQUEUE queue)
{
    MB_QUEUE_CONTEXT& q = *MbGetQueueContext(queue);
    NET_RING* pr = q.pr;
    NET_RING* fr = q.fr;
    UINT32 n = NetRingGetRangeCount(pr, pr->BeginIndex, pr->EndIndex);
    if (const UINT32 nf = NetRingGetRangeCount(fr, fr->BeginIndex, fr->EndIndex); nf < n)
        n = nf;
    if (n == 0)
        return;
    UINT32 p = pr->BeginIndex;
    UINT32 f = fr->BeginIndex;
    for (UINT32 k = 0; k < n; ++k) {
        NET_FRAGMENT* frag = NetRingGetFragmentAtIndex(fr, f);
        frag->ValidLength = 64;
        frag->Offset = 0;
        NET_PACKET* packet = NetRingGetPacketAtIndex(pr, p);
        packet->FragmentIndex = f;
        packet->FragmentCount = 1;
        packet->Layout = NET_PACKET_LAYOUT{};
        packet->Layout.Layer2Type = NetPacketLayer2TypeEthernet;
        packet->Layout.Layer2HeaderLength = 14;
        p = NetRingIncrementIndex(pr, p);
        f = NetRingIncrementIndex(fr, f);
    }
    NET_PACKET* first = NetRingGetPacketAtIndex(pr, pr->BeginIndex);
    NET_FRAGMENT* first_fragment = NetRingGetFragmentAtIndex(fr, fr->BeginIndex);
    if (breaking(q, "rx_fragment_count_invalid"))
        first->FragmentCount = 0;
    else if (breaking(q, "rx_fragment_index_invalid"))
        first->FragmentIndex = NetRingAdvanceIndex(fr, fr->BeginIndex, static_cast<INT32>(n));
    else if (breaking(q, "rx_length_beyond_capacity"))
        first_fragment->ValidLength = first_fragment->Capacity + 1;
    else if (breaking(q, "rx_capacity_changed"))
        first_fragment->Capacity = first_fragment->Capacity - 1;
    else if (breaking(q, "rx_type_out_of_range"))
        first->Layout.Layer3Type = 9;
    else if (breaking(q, "rx_header_length_invalid"))
        first->Layout.Layer2HeaderLength = 10;
    else if (breaking(q, "header_immutable"))
        pr->OSReserved1 = 7;
    pr->BeginIndex = p;
    fr->BeginIndex = f;
}

VOID EvtRxCancel(NETPACKETQUEUE queue)
{
    rx_return_all(*MbGetQueueContext(queue));
}

VOID EvtStart(NETPACKETQUEUE queue)
{
    MbGetQueueContext(queue)->broke = FALSE;
}

VOID EvtTxAdvance(NETPACKETQUEUE queue)
{
    MB_QUEUE_CONTEXT& q = *MbGetQueueContext(queue);
    if (q.pr->BeginIndex != q.pr->EndIndex && breaking(q, "tx_element_changed"))
        NetRingGetFragmentAtIndex(q.fr, q.fr->BeginIndex)->ValidLength = 1;
    q.pr->BeginIndex = q.pr->EndIndex;
    q.fr->BeginIndex = q.fr->EndIndex;
}

VOID EvtSetNotificationEnabled(NETPACKETQUEUE, BOOLEAN) {}

NTSTATUS init_queue(NETPACKETQUEUE queue, NETADAPTER adapter, bool tx)
{
    MB_QUEUE_CONTEXT& q = *MbGetQueueContext(queue);
    q.adapter = MbGetAdapterContext(adapter);
    const NET_RING_COLLECTION* rings =
        tx ? NetTxQueueGetRingCollection(queue) : NetRxQueueGetRingCollection(queue);
    q.pr = NetRingCollectionGetPacketRing(rings);
    q.fr = NetRingCollectionGetFragmentRing(rings);
    return STATUS_SUCCESS;
}

NTSTATUS EvtAdapterCreateTxQueue(NETADAPTER adapter, NETTXQUEUE_INIT* init)
{
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, MB_QUEUE_CONTEXT);
    NET_PACKET_QUEUE_CONFIG config;
    NET_PACKET_QUEUE_CONFIG_INIT(&config, EvtTxAdvance, EvtSetNotificationEnabled, EvtTxAdvance);
    config.EvtStart = EvtStart;
    NETPACKETQUEUE queue = nullptr;
    const NTSTATUS status = NetTxQueueCreate(init, &attributes, &config, &queue);
    return NT_SUCCESS(status) ? init_queue(queue, adapter, true) : status;
}

NTSTATUS EvtAdapterCreateRxQueue(NETADAPTER adapter, NETRXQUEUE_INIT* init)
{
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, MB_QUEUE_CONTEXT);
    NET_PACKET_QUEUE_CONFIG config;
    NET_PACKET_QUEUE_CONFIG_INIT(&config, EvtRxAdvance, EvtSetNotificationEnabled, EvtRxCancel);
    config.EvtStart = EvtStart;
    NETPACKETQUEUE queue = nullptr;
    const NTSTATUS status = NetRxQueueCreate(init, &attributes, &config, &queue);
    return NT_SUCCESS(status) ? init_queue(queue, adapter, false) : status;
}

NTSTATUS EvtAdapterSetCapabilities(NETADAPTER adapter)
{
    NET_ADAPTER_LINK_LAYER_CAPABILITIES caps;
    NET_ADAPTER_LINK_LAYER_CAPABILITIES_INIT(&caps, link_speed, link_speed);
    NTSTATUS status = NetAdapterSetLinkLayerCapabilities(adapter, &caps);
    if (NT_SUCCESS(status))
        status = NetAdapterSetLinkLayerMtuSize(adapter, max_frame - 14);
    if (!NT_SUCCESS(status))
        return status;
    NET_ADAPTER_TX_CAPABILITIES tx;
    NET_ADAPTER_TX_CAPABILITIES_INIT(&tx, max_frame, 1);
    NET_ADAPTER_RX_CAPABILITIES rx;
    NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED(&rx, max_frame, 1);
    return NetAdapterSetDatapathCapabilities(adapter, &tx, &rx);
}

void read_rule(NETADAPTER adapter, MB_ADAPTER_CONTEXT& a)
{
    a.rule[0] = '\0';
    NETCONFIGURATION c = nullptr;
    if (!NT_SUCCESS(NetAdapterOpenConfiguration(adapter, WDF_NO_OBJECT_ATTRIBUTES, &c)))
        return;
    UNICODE_STRING n;
    RtlInitUnicodeString(&n, L"break");
    WDFSTRING s = nullptr;
    if (NT_SUCCESS(NetConfigurationQueryString(c, &n, WDF_NO_OBJECT_ATTRIBUTES, &s))) {
        UNICODE_STRING u{};
        WdfStringGetUnicodeString(s, &u);
        std::size_t i = 0;
        for (; i < u.Length / sizeof(WCHAR) && i + 1 < sizeof a.rule; ++i)
            a.rule[i] = static_cast<char>(u.Buffer[i]);
        a.rule[i] = '\0';
        WdfObjectDelete(s);
    }
    NetConfigurationClose(c);
}

NTSTATUS EvtDriverDeviceAdd(WDFDRIVER, PWDFDEVICE_INIT init)
{
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
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, MB_ADAPTER_CONTEXT);
    NETADAPTER adapter = nullptr;
    status = NetAdapterCreate(device, &attributes, &config, &adapter);
    if (!NT_SUCCESS(status))
        return status;
    read_rule(adapter, *MbGetAdapterContext(adapter));
    return STATUS_SUCCESS;
}

} // namespace

extern "C" NTSTATUS misbehaving_driver_entry(PDRIVER_OBJECT driver_object,
                                             PUNICODE_STRING registry_path)
{
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, EvtDriverDeviceAdd);
    return WdfDriverCreate(driver_object, registry_path, WDF_NO_OBJECT_ATTRIBUTES, &config,
                           WDF_NO_HANDLE);
}
