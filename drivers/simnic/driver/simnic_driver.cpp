// SPDX-License-Identifier: MIT
// simnic: the NetAdapterCx client driver of the simulated DMA NIC (drivers/simnic/model).
//
// Written as a NetAdapterCx driver is, against the public C API only (plus the model and the bus,
// which stand for the hardware and the platform):
//   DriverEntry            WdfDriverCreate
//   EvtDriverDeviceAdd     NetAdapterDeviceInitConfig, WdfDeviceCreate, NetAdapterCreate, the
//                          device parameters (NETCONFIGURATION), WdfDmaEnablerCreate (profile from
//                          address_width: 32 -> ScatterGather, 64 -> ScatterGather64Duplex), and
//                          the hardware model on the device's address space and wire
//   EvtAdapterSetCapabilities  link layer (MAC from NetworkAddress or derived from the device,
//                          MTU = max_frame - 14, link up unless link=0); Tx DMA with max_sg
//                          fragments and `alignment`; Rx system-managed with DMA (default),
//                          rx_mode=system_nodma without DMA, or rx_mode=driver: the driver's own
//                          buffers in a common buffer mapped through the device's address space
//   queues                 NET_PACKET_QUEUE_CONFIG with Start/Stop/Advance/SetNotification/Cancel
//
// Rx Advance: reap whole frames the model wrote back into [BeginIndex, NextIndex) (one packet
// each; a frame with a DMA fault is returned as fragments no packet references, which the
// framework recycles), then post [NextIndex, EndIndex) as descriptors (LA with DMA, VA without; the
// driver's own buffers in driver mode). Interrupt: when armed, the model calls back and the driver
// calls NetRxQueueNotifyMoreReceivedPacketsAvailable. Rx data always starts at Offset 0 of a
// fragment, which the driver writes. Tx Advance: hand [NextIndex, EndIndex) to the model (one
// descriptor per fragment, a nop for a packet with none or marked Ignore), ring the doorbell, and
// complete what it wrote back (it completes synchronously, so Tx needs no interrupt). Cancel
// returns everything at once (Rx packets and Tx packets not sent are marked Ignore).
//
// Parameters: address_width (64), alignment (1), max_sg (8), max_frame (1514), rx_mode
// (system|system_nodma|driver), rx_hint / tx_hint (ring sizes, 0: the framework's), wire, loopback
// (0), link (1), NetworkAddress, bad_rx_address (0; N: behind an IOMMU, every Nth Rx descriptor
// carries an address nothing maps, as a driver bug or a stale mapping would: the DMA-fault path
// end to end).
//
// Context: Advance, Cancel and SetNotificationEnabled of one queue are serialized by the framework;
// the return callback (driver mode) may run on any thread (the free list has a lock).
#include "simnic/model/bus.hpp"
#include "simnic/model/nic.hpp"

#include <netcx/base/spinlock.hpp>

#include <netadaptercx.h>
#include <ntddk.h>
#include <wdf.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#ifdef NETCX_BUILTIN_DRIVER
#define SIMNIC_DRIVER_ENTRY simnic_driver_entry
#else
#define SIMNIC_DRIVER_ENTRY DriverEntry
#endif

namespace {

namespace sim = netcx::simnic;

constexpr ULONG ethernet_header = 14;
constexpr ULONG64 link_speed = 10'000'000'000ull; // 10 Gb/s

enum class rx_mode { system_dma, system_nodma, driver };

/// The driver's own Rx buffers (rx_mode=driver): a common buffer carved at `size`, and a free list.
struct driver_buffers {
    driver_buffers(sim::bus::common_buffer mem, std::uint32_t size, std::uint32_t count)
        : memory(std::move(mem)), buffer_size(size), total(count)
    {
        free.reserve(count);
        for (std::uint32_t i = count; i != 0; --i)
            free.push_back(i - 1);
    }
    sim::bus::common_buffer memory;
    std::uint32_t buffer_size;
    std::uint32_t total;
    netcx::spinlock lock;
    std::vector<std::uint32_t> free;

    void put(std::uint32_t i) noexcept
    {
        const std::lock_guard g{lock};
        free.push_back(i);
    }
};

struct device_state {
    NETADAPTER adapter = nullptr;
    WDFDMAENABLER dma = nullptr;
    std::unique_ptr<sim::nic> nic;
    rx_mode mode = rx_mode::system_dma;
    ULONG rx_hint = 0, tx_hint = 0;
    ULONG bad_rx_address = 0; // every Nth Rx descriptor's address is wrong (0: never)
    UCHAR mac[6] = {};
    bool mac_configured = false;             // NetworkAddress was given
    std::unique_ptr<driver_buffers> buffers; // driver mode; outlives the datapath
};

struct SIMNIC_DEVICE_CONTEXT {
    device_state* state;
};
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(SIMNIC_DEVICE_CONTEXT, SimnicGetDeviceContext);
struct SIMNIC_ADAPTER_CONTEXT {
    device_state* state;
};
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(SIMNIC_ADAPTER_CONTEXT, SimnicGetAdapterContext);

/// One queue's state: rings, extensions, the model and scratch arrays sized at creation.
struct queue_state {
    NETPACKETQUEUE handle = nullptr;
    device_state* dev = nullptr;
    NET_RING* pr = nullptr;
    NET_RING* fr = nullptr;
    NET_EXTENSION va{};
    NET_EXTENSION la{};
    NET_EXTENSION rc{};
    bool use_la = false;
    bool cancelled = false; // Rx: after EvtCancel, Advance returns everything at once
    std::vector<sim::rx_descriptor> rx_post;
    std::vector<sim::rx_completion> rx_done;
    std::vector<sim::tx_descriptor> tx_post;
    std::vector<sim::tx_completion> tx_done;
    std::vector<std::uint32_t> rx_buffer; // driver mode: fragment slot -> buffer index
    std::uint64_t rx_posted = 0;          // descriptors handed to the model
};
struct SIMNIC_QUEUE_CONTEXT {
    queue_state* state;
};
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(SIMNIC_QUEUE_CONTEXT, SimnicGetQueueContext);

unsigned long long ull(std::uint64_t v)
{
    return v;
}

queue_state& queue_of(NETPACKETQUEUE q)
{
    return *SimnicGetQueueContext(q)->state;
}

// ---- configuration ---------------------------------------------------------------------------

ULONG query_ulong(NETCONFIGURATION c, const wchar_t* name, ULONG fallback)
{
    UNICODE_STRING n;
    RtlInitUnicodeString(&n, name);
    ULONG v = 0;
    return NT_SUCCESS(NetConfigurationQueryUlong(c, NET_CONFIGURATION_QUERY_ULONG_NO_FLAGS, &n, &v))
               ? v
               : fallback;
}

std::string query_string(NETCONFIGURATION c, const wchar_t* name)
{
    UNICODE_STRING n;
    RtlInitUnicodeString(&n, name);
    WDFSTRING s = nullptr;
    if (!NT_SUCCESS(NetConfigurationQueryString(c, &n, WDF_NO_OBJECT_ATTRIBUTES, &s)))
        return {};
    UNICODE_STRING u{};
    WdfStringGetUnicodeString(s, &u);
    std::string out;
    for (USHORT i = 0; i < u.Length / sizeof(WCHAR); ++i)
        out.push_back(static_cast<char>(u.Buffer[i]));
    WdfObjectDelete(s);
    return out;
}

/// Reads the device parameters into `cfg` and `dev`. STATUS_INVALID_PARAMETER on a bad rx_mode.
NTSTATUS read_configuration(NETADAPTER adapter, sim::config& cfg, device_state& dev)
{
    NETCONFIGURATION c = nullptr;
    NTSTATUS status = NetAdapterOpenConfiguration(adapter, WDF_NO_OBJECT_ATTRIBUTES, &c);
    if (!NT_SUCCESS(status))
        return status;
    cfg.address_width = query_ulong(c, L"address_width", 64);
    cfg.alignment = query_ulong(c, L"alignment", 1);
    cfg.max_tx_sg = query_ulong(c, L"max_sg", 8);
    cfg.max_frame = query_ulong(c, L"max_frame", 1514);
    cfg.loopback = query_ulong(c, L"loopback", 0) != 0;
    cfg.link_up = query_ulong(c, L"link", 1) != 0;
    cfg.wire = query_string(c, L"wire");
    dev.rx_hint = query_ulong(c, L"rx_hint", 0);
    dev.bad_rx_address = query_ulong(c, L"bad_rx_address", 0);
    dev.tx_hint = query_ulong(c, L"tx_hint", 0);
    const std::string mode = query_string(c, L"rx_mode");
    if (mode.empty() || mode == "system")
        dev.mode = rx_mode::system_dma;
    else if (mode == "system_nodma")
        dev.mode = rx_mode::system_nodma;
    else if (mode == "driver")
        dev.mode = rx_mode::driver;
    else {
        DbgPrint("simnic: rx_mode=%s: unknown (system, system_nodma or driver)\n", mode.c_str());
        status = STATUS_INVALID_PARAMETER;
    }
    ULONG length = 0;
    dev.mac_configured =
        NT_SUCCESS(NetConfigurationQueryNetworkAddress(c, sizeof dev.mac, dev.mac, &length)) &&
        length == sizeof dev.mac;
    NetConfigurationClose(c);
    return status;
}

// ---- Rx --------------------------------------------------------------------------------------

VOID RxNotify(void* context)
{
    NetRxQueueNotifyMoreReceivedPacketsAvailable(static_cast<NETPACKETQUEUE>(context));
}

/// Whole frames the model wrote back become packets [BeginIndex, ...).
void rx_drain(queue_state& q)
{
    NET_RING* pr = q.pr;
    NET_RING* fr = q.fr;
    const std::uint32_t packets = NetRingGetRangeCount(pr, pr->BeginIndex, pr->EndIndex);
    if (packets == 0)
        return;
    const std::uint32_t n = q.dev->nic->rx_reap(q.rx_done, packets);
    std::uint32_t first = fr->BeginIndex, count = 0, length = 0;
    bool fault = false;
    for (std::uint32_t k = 0; k < n; ++k) {
        const sim::rx_completion& c = q.rx_done[k];
        NET_FRAGMENT* f = NetRingGetFragmentAtIndex(fr, c.cookie);
        f->ValidLength = c.length;
        f->Offset = 0;
        if (q.dev->mode == rx_mode::driver) // the frame, not the 64-byte-rounded buffer stride
            f->Capacity = q.dev->nic->cfg().max_frame;
        fault |= c.status != sim::rx_status::ok;
        length += c.length;
        ++count;
        if (!c.end_of_frame)
            continue;
        if (fault) {
            // Fragments no packet references: the framework recycles them (system mode); the
            // driver keeps its own (driver mode).
            if (q.dev->mode == rx_mode::driver)
                for (std::uint32_t j = 0, i = first; j < count;
                     ++j, i = NetRingIncrementIndex(fr, i))
                    q.dev->buffers->put(q.rx_buffer[i]);
        } else {
            NET_PACKET* p = NetRingGetPacketAtIndex(pr, pr->BeginIndex);
            p->FragmentIndex = first;
            p->FragmentCount = static_cast<UINT16>(count);
            p->Layout = NET_PACKET_LAYOUT{};
            if (length >= ethernet_header) {
                p->Layout.Layer2Type = NetPacketLayer2TypeEthernet;
                p->Layout.Layer2HeaderLength = ethernet_header;
            }
            pr->BeginIndex = NetRingIncrementIndex(pr, pr->BeginIndex);
        }
        first = NetRingIncrementIndex(fr, c.cookie);
        fr->BeginIndex = first;
        count = length = 0;
        fault = false;
    }
}

/// [NextIndex, EndIndex) goes to the model as descriptors.
void rx_post(queue_state& q)
{
    NET_RING* fr = q.fr;
    driver_buffers* own = q.dev->mode == rx_mode::driver ? q.dev->buffers.get() : nullptr;
    std::uint32_t k = 0;
    std::uint32_t i = fr->NextIndex;
    std::unique_lock<netcx::spinlock> g;
    if (own != nullptr)
        g = std::unique_lock{own->lock};
    for (; i != fr->EndIndex && k < q.rx_post.size(); i = NetRingIncrementIndex(fr, i)) {
        NET_FRAGMENT* f = NetRingGetFragmentAtIndex(fr, i);
        std::uint64_t iova = 0;
        std::uint32_t len = 0;
        if (own != nullptr) {
            if (own->free.empty())
                break;
            const std::uint32_t b = own->free.back();
            own->free.pop_back();
            q.rx_buffer[i] = b;
            const std::size_t off = std::size_t{b} * own->buffer_size;
            // Capacity is at most MaximumFrameSize (a larger one is dropped at indicate).
            f->Capacity = q.dev->nic->cfg().max_frame;
            f->Offset = 0;
            f->ValidLength = 0;
            NetExtensionGetFragmentVirtualAddress(&q.va, i)->VirtualAddress =
                own->memory.va() + off;
            NetExtensionGetFragmentReturnContext(&q.rc, i)->Handle =
                reinterpret_cast<NET_FRAGMENT_RETURN_CONTEXT_HANDLE>(std::uintptr_t{b} + 1);
            iova = own->memory.la(off);
            len = q.dev->nic->cfg().max_frame;
        } else {
            iova = q.use_la ? NetExtensionGetFragmentLogicalAddress(&q.la, i)->LogicalAddress
                            : reinterpret_cast<std::uintptr_t>(
                                  NetExtensionGetFragmentVirtualAddress(&q.va, i)->VirtualAddress);
            // The driver writes Offset (the verifier poisons it): data lands at the start.
            f->Offset = 0;
            len = static_cast<std::uint32_t>(f->Capacity);
        }
        // Behind an IOMMU only: without one a wrong address is memory corruption, not a fault.
        if (q.dev->bad_rx_address != 0 && q.dev->nic->through_iommu() &&
            ++q.rx_posted % q.dev->bad_rx_address == 0)
            iova ^= std::uint64_t{1} << (q.dev->nic->cfg().address_width - 1); // nothing maps it
        q.rx_post[k++] = sim::rx_descriptor{iova, len, i};
    }
    if (g.owns_lock())
        g.unlock();
    // The model's ring is as large as the fragment ring, so everything posted fits.
    (void)q.dev->nic->rx_post({q.rx_post.data(), k});
    fr->NextIndex = i;
}

void rx_return_all(queue_state& q);

VOID EvtRxAdvance(NETPACKETQUEUE queue)
{
    queue_state& q = queue_of(queue);
    rx_drain(q);
    if (q.cancelled)
        rx_return_all(q);
    else
        rx_post(q);
}

VOID EvtRxSetNotificationEnabled(NETPACKETQUEUE queue, BOOLEAN enabled)
{
    queue_of(queue).dev->nic->rx_arm(enabled != FALSE);
}

/// Everything comes back: frames already received as packets, the rest as ignored packets and
/// unreferenced fragments (the driver's own buffers back on its free list).
void rx_return_all(queue_state& q)
{
    NET_RING* pr = q.pr;
    NET_RING* fr = q.fr;
    if (q.dev->mode == rx_mode::driver)
        for (std::uint32_t i = fr->BeginIndex; i != fr->NextIndex; i = NetRingIncrementIndex(fr, i))
            q.dev->buffers->put(q.rx_buffer[i]);
    fr->BeginIndex = fr->NextIndex = fr->EndIndex;
    for (std::uint32_t i = pr->BeginIndex; i != pr->EndIndex; i = NetRingIncrementIndex(pr, i))
        NetRingGetPacketAtIndex(pr, i)->Ignore = 1;
    pr->BeginIndex = pr->NextIndex = pr->EndIndex;
}

VOID EvtRxCancel(NETPACKETQUEUE queue)
{
    queue_state& q = queue_of(queue);
    rx_drain(q);
    q.dev->nic->rx_disable();
    q.cancelled = true;
    rx_return_all(q);
}

VOID EvtRxStart(NETPACKETQUEUE queue)
{
    queue_state& q = queue_of(queue);
    q.cancelled = false;
    q.dev->nic->rx_enable(RxNotify, queue);
}

VOID EvtRxStop(NETPACKETQUEUE queue)
{
    sim::nic& nic = *queue_of(queue).dev->nic;
    nic.rx_disable();
    const sim::stats s = nic.counters();
    DbgPrint("simnic %u: rx %llu packets %llu bytes, %llu no buffer, %llu DMA faults, %llu "
             "oversize, %llu interrupts; tx %llu packets %llu bytes, %llu DMA faults, %llu over "
             "the SG limit, %llu oversize, %llu link down\n",
             nic.serial(), ull(s.rx_packets), ull(s.rx_bytes), ull(s.rx_no_buffer),
             ull(s.rx_dma_faults), ull(s.rx_oversize), ull(s.rx_interrupts), ull(s.tx_packets),
             ull(s.tx_bytes), ull(s.tx_dma_faults), ull(s.tx_sg_limit), ull(s.tx_oversize),
             ull(s.tx_link_down));
}

// ---- Tx --------------------------------------------------------------------------------------

/// Completes what the model wrote back: packets in order, their fragments with them.
void tx_complete(queue_state& q)
{
    const std::uint32_t n = q.dev->nic->tx_reap(q.tx_done);
    for (std::uint32_t k = 0; k < n; ++k) {
        const std::uint32_t i = q.tx_done[k].cookie;
        const NET_PACKET* p = NetRingGetPacketAtIndex(q.pr, i);
        if (p->FragmentCount != 0)
            q.fr->BeginIndex = NetRingAdvanceIndex(q.fr, p->FragmentIndex, p->FragmentCount);
        q.pr->BeginIndex = NetRingIncrementIndex(q.pr, i);
    }
}

VOID EvtTxAdvance(NETPACKETQUEUE queue)
{
    queue_state& q = queue_of(queue);
    NET_RING* pr = q.pr;
    NET_RING* fr = q.fr;
    sim::nic& nic = *q.dev->nic;
    while (pr->NextIndex != pr->EndIndex) {
        const std::uint32_t room = std::min<std::uint32_t>(nic.tx_space(), q.tx_post.size());
        std::uint32_t k = 0;
        std::uint32_t i = pr->NextIndex;
        for (; i != pr->EndIndex; i = NetRingIncrementIndex(pr, i)) {
            const NET_PACKET* p = NetRingGetPacketAtIndex(pr, i);
            const std::uint32_t count = p->Ignore ? 0 : p->FragmentCount;
            if (k + std::max<std::uint32_t>(count, 1) > room)
                break;
            if (count == 0) {
                q.tx_post[k++] = sim::tx_descriptor{
                    0, 0, i, sim::tx_descriptor::end_of_packet | sim::tx_descriptor::nop};
                continue;
            }
            for (std::uint32_t j = 0, fi = p->FragmentIndex; j < count;
                 ++j, fi = NetRingIncrementIndex(fr, fi)) {
                const NET_FRAGMENT* f = NetRingGetFragmentAtIndex(fr, fi);
                std::uint64_t iova =
                    q.use_la
                        ? NetExtensionGetFragmentLogicalAddress(&q.la, fi)->LogicalAddress
                        : reinterpret_cast<std::uintptr_t>(
                              NetExtensionGetFragmentVirtualAddress(&q.va, fi)->VirtualAddress);
                iova += f->Offset;
                q.tx_post[k++] =
                    sim::tx_descriptor{iova, static_cast<std::uint32_t>(f->ValidLength), i,
                                       static_cast<std::uint8_t>(
                                           j + 1 == count ? sim::tx_descriptor::end_of_packet : 0)};
            }
        }
        if (k == 0)
            break; // a packet larger than the hardware ring: cannot happen (ring >= fragments)
        (void)nic.tx_post({q.tx_post.data(), k});
        pr->NextIndex = i;
        nic.tx_doorbell();
        tx_complete(q);
    }
    tx_complete(q);
}

VOID EvtTxSetNotificationEnabled(NETPACKETQUEUE queue, BOOLEAN enabled)
{
    // Completions are written back inside the doorbell, during Advance: nothing to wait for.
    UNREFERENCED_PARAMETER(queue);
    UNREFERENCED_PARAMETER(enabled);
}

/// Packets not handed to the model come back unsent (Ignore); the model has none in flight.
VOID EvtTxCancel(NETPACKETQUEUE queue)
{
    queue_state& q = queue_of(queue);
    NET_RING* pr = q.pr;
    for (std::uint32_t i = pr->NextIndex; i != pr->EndIndex; i = NetRingIncrementIndex(pr, i))
        NetRingGetPacketAtIndex(pr, i)->Ignore = 1;
    q.fr->BeginIndex = q.fr->NextIndex = q.fr->EndIndex;
    pr->BeginIndex = pr->NextIndex = pr->EndIndex;
}

VOID EvtTxStop(NETPACKETQUEUE queue)
{
    queue_of(queue).dev->nic->tx_reset();
}

// ---- queue creation --------------------------------------------------------------------------

VOID EvtQueueDestroy(WDFOBJECT queue)
{
    delete SimnicGetQueueContext(queue)->state;
}

NTSTATUS create_queue_state(NETPACKETQUEUE queue, device_state& dev, bool tx)
{
    auto* q = new (std::nothrow) queue_state{};
    if (q == nullptr)
        return STATUS_INSUFFICIENT_RESOURCES;
    SimnicGetQueueContext(queue)->state = q;
    q->handle = queue;
    q->dev = &dev;
    const NET_RING_COLLECTION* rings =
        tx ? NetTxQueueGetRingCollection(queue) : NetRxQueueGetRingCollection(queue);
    q->pr = NetRingCollectionGetPacketRing(rings);
    q->fr = NetRingCollectionGetFragmentRing(rings);
    NET_EXTENSION_QUERY query;
    const auto get = [&](const wchar_t* name, NET_EXTENSION* out) {
        NET_EXTENSION_QUERY_INIT(&query, name, 1, NetExtensionTypeFragment);
        if (tx)
            NetTxQueueGetExtension(queue, &query, out);
        else
            NetRxQueueGetExtension(queue, &query, out);
        return out->Reserved[0] != nullptr;
    };
    (void)get(NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_NAME, &q->va);
    q->use_la = get(NET_FRAGMENT_EXTENSION_LOGICAL_ADDRESS_NAME, &q->la);
    if (!tx && dev.mode == rx_mode::driver &&
        !get(NET_FRAGMENT_EXTENSION_RETURN_CONTEXT_NAME, &q->rc))
        return STATUS_INVALID_DEVICE_STATE;
    try {
        if (tx) {
            q->tx_post.resize(dev.nic->cfg().tx_ring_size);
            q->tx_done.resize(dev.nic->cfg().tx_ring_size);
        } else {
            q->rx_post.resize(q->fr->NumberOfElements);
            q->rx_done.resize(q->fr->NumberOfElements);
            if (dev.mode == rx_mode::driver)
                q->rx_buffer.resize(q->fr->NumberOfElements);
        }
    } catch (const std::bad_alloc&) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    return STATUS_SUCCESS;
}

NTSTATUS EvtAdapterCreateTxQueue(NETADAPTER adapter, NETTXQUEUE_INIT* init)
{
    device_state& dev = *SimnicGetAdapterContext(adapter)->state;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, SIMNIC_QUEUE_CONTEXT);
    attributes.EvtDestroyCallback = EvtQueueDestroy;
    NET_PACKET_QUEUE_CONFIG config;
    NET_PACKET_QUEUE_CONFIG_INIT(&config, EvtTxAdvance, EvtTxSetNotificationEnabled, EvtTxCancel);
    config.EvtStop = EvtTxStop;
    NETPACKETQUEUE queue = nullptr;
    const NTSTATUS status = NetTxQueueCreate(init, &attributes, &config, &queue);
    if (!NT_SUCCESS(status))
        return status;
    return create_queue_state(queue, dev, true);
}

NTSTATUS EvtAdapterCreateRxQueue(NETADAPTER adapter, NETRXQUEUE_INIT* init)
{
    device_state& dev = *SimnicGetAdapterContext(adapter)->state;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, SIMNIC_QUEUE_CONTEXT);
    attributes.EvtDestroyCallback = EvtQueueDestroy;
    NET_PACKET_QUEUE_CONFIG config;
    NET_PACKET_QUEUE_CONFIG_INIT(&config, EvtRxAdvance, EvtRxSetNotificationEnabled, EvtRxCancel);
    config.EvtStart = EvtRxStart;
    config.EvtStop = EvtRxStop;
    NETPACKETQUEUE queue = nullptr;
    NTSTATUS status = NetRxQueueCreate(init, &attributes, &config, &queue);
    if (!NT_SUCCESS(status))
        return status;
    status = create_queue_state(queue, dev, false);
    if (!NT_SUCCESS(status))
        return status;
    if (dev.mode == rx_mode::driver && !dev.buffers) {
        // Twice the ring: the protocol may hold a ring's worth while the ring is refilled.
        const std::uint32_t count = 2 * queue_of(queue).fr->NumberOfElements;
        const std::uint32_t size = (dev.nic->cfg().max_frame + 63u) & ~63u;
        auto* space = sim::bus::device_address_space(NetAdapterGetDevice(adapter));
        if (space == nullptr)
            return STATUS_INVALID_DEVICE_STATE;
        auto mem = sim::bus::common_buffer::allocate(*space, std::size_t{count} * size);
        if (!mem)
            return STATUS_INSUFFICIENT_RESOURCES;
        dev.buffers = std::make_unique<driver_buffers>(std::move(mem).value(), size, count);
    }
    return STATUS_SUCCESS;
}

VOID EvtReturnRxBuffer(NETADAPTER adapter, NET_FRAGMENT_RETURN_CONTEXT_HANDLE context)
{
    device_state& dev = *SimnicGetAdapterContext(adapter)->state;
    dev.buffers->put(static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(context) - 1));
}

// ---- adapter and device ----------------------------------------------------------------------

NTSTATUS set_link_layer(NETADAPTER adapter, device_state& dev)
{
    NET_ADAPTER_LINK_LAYER_CAPABILITIES caps;
    NET_ADAPTER_LINK_LAYER_CAPABILITIES_INIT(&caps, link_speed, link_speed);
    NTSTATUS status = NetAdapterSetLinkLayerCapabilities(adapter, &caps);
    if (NT_SUCCESS(status))
        status = NetAdapterSetLinkLayerMtuSize(adapter, dev.nic->cfg().max_frame - ethernet_header);
    NET_ADAPTER_LINK_LAYER_ADDRESS address;
    NET_ADAPTER_LINK_LAYER_ADDRESS_INIT(&address, sizeof dev.mac, dev.mac);
    if (NT_SUCCESS(status))
        status = NetAdapterSetPermanentLinkLayerAddress(adapter, &address);
    if (NT_SUCCESS(status))
        status = NetAdapterSetCurrentLinkLayerAddress(adapter, &address);
    NET_ADAPTER_LINK_STATE state;
    if (dev.nic->link_up())
        NET_ADAPTER_LINK_STATE_INIT(&state, link_speed, MediaConnectStateConnected,
                                    MediaDuplexStateFull, NetAdapterPauseFunctionTypeUnsupported,
                                    NetAdapterAutoNegotiationFlagNone);
    else
        NET_ADAPTER_LINK_STATE_INIT_DISCONNECTED(&state);
    if (NT_SUCCESS(status))
        status = NetAdapterSetCurrentLinkState(adapter, &state);
    return status;
}

NTSTATUS EvtAdapterSetCapabilities(NETADAPTER adapter)
{
    device_state& dev = *SimnicGetAdapterContext(adapter)->state;
    NTSTATUS status = set_link_layer(adapter, dev);
    if (!NT_SUCCESS(status))
        return status;
    const sim::config& cfg = dev.nic->cfg();

    NET_ADAPTER_DMA_CAPABILITIES tx_dma;
    NET_ADAPTER_DMA_CAPABILITIES_INIT(&tx_dma, dev.dma);
    NET_ADAPTER_TX_CAPABILITIES tx;
    NET_ADAPTER_TX_CAPABILITIES_INIT_FOR_DMA(&tx, &tx_dma, cfg.max_frame, 1);
    tx.MaximumNumberOfFragments = cfg.max_tx_sg;
    tx.FragmentBufferAlignment = cfg.alignment;
    tx.FragmentRingNumberOfElementsHint = dev.tx_hint;

    NET_ADAPTER_DMA_CAPABILITIES rx_dma;
    NET_ADAPTER_DMA_CAPABILITIES_INIT(&rx_dma, dev.dma);
    NET_ADAPTER_RX_CAPABILITIES rx;
    switch (dev.mode) {
    case rx_mode::system_dma:
        NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED_DMA(&rx, &rx_dma, cfg.max_frame, 1);
        rx.FragmentBufferAlignment = std::max<SIZE_T>(cfg.alignment, 1);
        break;
    case rx_mode::system_nodma:
        NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED(&rx, cfg.max_frame, 1);
        rx.FragmentBufferAlignment = std::max<SIZE_T>(cfg.alignment, 1);
        break;
    case rx_mode::driver:
        NET_ADAPTER_RX_CAPABILITIES_INIT_DRIVER_MANAGED(&rx, EvtReturnRxBuffer, cfg.max_frame, 1);
        break;
    }
    rx.FragmentRingNumberOfElementsHint = dev.rx_hint;
    return NetAdapterSetDatapathCapabilities(adapter, &tx, &rx);
}

VOID EvtDeviceCleanup(WDFOBJECT device)
{
    device_state* dev = SimnicGetDeviceContext(device)->state;
    if (dev == nullptr)
        return;
    if (dev->buffers) {
        const std::size_t out = dev->buffers->total - dev->buffers->free.size();
        if (out != 0)
            DbgPrint("simnic: %zu driver Rx buffer(s) never returned\n", out);
    }
    delete dev;
    SimnicGetDeviceContext(device)->state = nullptr;
}

NTSTATUS EvtDriverDeviceAdd(WDFDRIVER driver, PWDFDEVICE_INIT init)
{
    UNREFERENCED_PARAMETER(driver);
    NTSTATUS status = NetAdapterDeviceInitConfig(init);
    if (!NT_SUCCESS(status))
        return status;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, SIMNIC_DEVICE_CONTEXT);
    attributes.EvtCleanupCallback = EvtDeviceCleanup;
    WDFDEVICE device = nullptr;
    status = WdfDeviceCreate(&init, &attributes, &device);
    if (!NT_SUCCESS(status))
        return status;
    auto* dev = new (std::nothrow) device_state{};
    if (dev == nullptr)
        return STATUS_INSUFFICIENT_RESOURCES;
    SimnicGetDeviceContext(device)->state = dev; // freed by the device's cleanup from here on

    NET_ADAPTER_CONFIG config;
    NET_ADAPTER_CONFIG_INIT(&config, EvtAdapterSetCapabilities, EvtAdapterCreateTxQueue,
                            EvtAdapterCreateRxQueue);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, SIMNIC_ADAPTER_CONTEXT);
    status = NetAdapterCreate(device, &attributes, &config, &dev->adapter);
    if (!NT_SUCCESS(status))
        return status;
    SimnicGetAdapterContext(dev->adapter)->state = dev;

    sim::config cfg;
    status = read_configuration(dev->adapter, cfg, *dev);
    if (!NT_SUCCESS(status))
        return status;

    WDF_DMA_ENABLER_CONFIG dma;
    WDF_DMA_ENABLER_CONFIG_INIT(&dma,
                                cfg.address_width == 32 ? WdfDmaProfileScatterGather
                                                        : WdfDmaProfileScatterGather64Duplex,
                                cfg.max_frame);
    status = WdfDmaEnablerCreate(device, &dma, WDF_NO_OBJECT_ATTRIBUTES, &dev->dma);
    if (!NT_SUCCESS(status))
        return status;
    WdfDmaEnablerSetMaximumScatterGatherElements(dev->dma, cfg.max_tx_sg);

    netcx::bm::address_space* space = sim::bus::device_address_space(device);
    if (space == nullptr)
        return STATUS_INVALID_DEVICE_STATE;
    // The hardware rings are as large as the largest ring the framework may build.
    cfg.rx_ring_size = cfg.tx_ring_size = 65536;
    auto nic = sim::nic::create(cfg, *space, "simnic");
    if (!nic)
        return nic.code() == netcx::status::not_supported ? STATUS_NOT_SUPPORTED
                                                          : STATUS_INVALID_PARAMETER;
    dev->nic = std::move(nic).value();
    if (!dev->mac_configured) {
        // Locally administered, derived from the device: 02:53:4e ("SN") and its serial.
        const std::uint32_t serial = dev->nic->serial();
        dev->mac[0] = 0x02;
        dev->mac[1] = 0x53;
        dev->mac[2] = 0x4e;
        dev->mac[3] = static_cast<UCHAR>(serial >> 16);
        dev->mac[4] = static_cast<UCHAR>(serial >> 8);
        dev->mac[5] = static_cast<UCHAR>(serial);
    }
    return STATUS_SUCCESS;
}

} // namespace

extern "C" DRIVER_INITIALIZE SIMNIC_DRIVER_ENTRY;

extern "C" NTSTATUS SIMNIC_DRIVER_ENTRY(PDRIVER_OBJECT driver_object, PUNICODE_STRING registry_path)
{
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, EvtDriverDeviceAdd);
    return WdfDriverCreate(driver_object, registry_path, WDF_NO_OBJECT_ATTRIBUTES, &config,
                           WDF_NO_HANDLE);
}
