// SPDX-License-Identifier: MIT
// Packet queues and their C entry points (nettxqueue.h, netrxqueue.h).
//
// An init is valid only while the framework runs the create callback it was handed to, on that
// thread: the entry points compare the pointer with the one in flight (never dereferencing a
// pointer they did not hand out), so a stale, forged or reused init is a named error.
#include "datapath/queue.hpp"

#include "adapter/adapter.hpp"
#include "datapath/execution_context.hpp"

#include <net/logicaladdress.h>
#include <net/returncontext.h>
#include <net/virtualaddress.h>
#include <netrxqueue.h>
#include <nettxqueue.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <new>

using netcx::datapath::packet_queue;
using netcx::wdf::object;
using netcx::wdf::object_kind;

namespace netcx::datapath {
namespace {

constexpr std::size_t ring_alignment = 64; // a cache line (NetAdapterCx: cache-aligned)

// The init the current thread's create callback was handed (null outside one).
thread_local NETCX_QUEUE_INIT_BASE* current_init = nullptr;

std::uint32_t align_up(std::uint32_t v, std::uint32_t a) noexcept
{
    return (v + a - 1) & ~(a - 1);
}

NET_RING* allocate_ring(std::uint32_t count, std::uint32_t stride)
{
    const std::size_t bytes = offsetof(NET_RING, Buffer) + static_cast<std::size_t>(count) * stride;
    const std::size_t rounded = (bytes + ring_alignment - 1) & ~(ring_alignment - 1);
    void* p = std::aligned_alloc(ring_alignment, rounded);
    if (p == nullptr)
        return nullptr;
    std::memset(p, 0, rounded);
    auto* r = static_cast<NET_RING*>(p);
    r->ElementStride = static_cast<UINT16>(stride);
    r->NumberOfElements = count;
    r->ElementIndexMask = count - 1;
    return r;
}

} // namespace

packet_queue::packet_queue(object_kind kind, adapter::adapter& owner, std::uint32_t id,
                           const NET_PACKET_QUEUE_CONFIG& config, const queue_layout& layout)
    : object(kind, &owner), owner_(owner), id_(id),
      name_(fmt::format("{} {}queue{}", owner.name(), kind == object_kind::txqueue ? "tx" : "rx",
                        id)),
      config_(config), layout_(layout)
{
}

packet_queue::~packet_queue()
{
    std::free(rings_.Rings[NetRingTypePacket]);
    std::free(rings_.Rings[NetRingTypeFragment]);
}

result<void> packet_queue::build_rings()
{
    extensions_.push_back({NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_NAME,
                           NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_VERSION_1,
                           sizeof(NET_FRAGMENT_VIRTUAL_ADDRESS),
                           alignof(NET_FRAGMENT_VIRTUAL_ADDRESS), 0});
    if (layout_.logical_address)
        extensions_.push_back({NET_FRAGMENT_EXTENSION_LOGICAL_ADDRESS_NAME,
                               NET_FRAGMENT_EXTENSION_LOGICAL_ADDRESS_VERSION_1,
                               sizeof(NET_FRAGMENT_LOGICAL_ADDRESS),
                               alignof(NET_FRAGMENT_LOGICAL_ADDRESS), 0});
    if (layout_.return_context)
        extensions_.push_back({NET_FRAGMENT_EXTENSION_RETURN_CONTEXT_NAME,
                               NET_FRAGMENT_EXTENSION_RETURN_CONTEXT_VERSION_1,
                               sizeof(NET_FRAGMENT_RETURN_CONTEXT),
                               alignof(NET_FRAGMENT_RETURN_CONTEXT), 0});
    // Largest alignment first, after the core element; the stride keeps every element aligned.
    std::stable_sort(extensions_.begin(), extensions_.end(),
                     [](const auto& a, const auto& b) { return a.alignment > b.alignment; });
    std::uint32_t offset = sizeof(NET_FRAGMENT);
    std::uint32_t max_align = alignof(NET_FRAGMENT);
    for (auto& e : extensions_) {
        offset = align_up(offset, e.alignment);
        e.offset = offset;
        offset += e.size;
        max_align = std::max(max_align, e.alignment);
    }
    const std::uint32_t fragment_stride = align_up(offset, max_align);

    rings_.Rings[NetRingTypePacket] = allocate_ring(layout_.packet_ring_size, sizeof(NET_PACKET));
    rings_.Rings[NetRingTypeFragment] = allocate_ring(layout_.fragment_ring_size, fragment_stride);
    if (rings_.Rings[NetRingTypePacket] == nullptr || rings_.Rings[NetRingTypeFragment] == nullptr)
        return fail(status::no_memory, "{}: out of memory for its rings", name_);
    return {};
}

const extension_spec* packet_queue::find_extension(const wchar_t* name,
                                                   std::uint32_t version) const noexcept
{
    for (const auto& e : extensions_)
        if (std::wcscmp(e.name, name) == 0 && e.version >= version)
            return &e;
    return nullptr;
}

std::uint32_t packet_queue::extension_offset(const wchar_t* name) const noexcept
{
    const extension_spec* e = find_extension(name, 1);
    return e != nullptr ? e->offset : 0;
}

void packet_queue::reset_indices() noexcept
{
    for (NET_RING* r : {packet_ring(), fragment_ring()}) {
        r->EndIndex = 0;
        r->OSReserved0 = 0;
        r->BeginIndex = 0;
        r->NextIndex = 0;
    }
}

void packet_queue::notify() noexcept
{
    notifications_.fetch_add(1, std::memory_order_relaxed);
    if (execution_context* ec = ec_.load(std::memory_order_acquire); ec != nullptr)
        ec->wake();
}

result<packet_queue*> create_queue(adapter::adapter& a, bool tx, std::uint32_t id,
                                   const queue_layout& layout)
{
    const NET_ADAPTER_CONFIG& config = a.config();
    NTSTATUS s = STATUS_SUCCESS;
    NETCX_QUEUE_INIT_BASE* init = nullptr;
    NETTXQUEUE_INIT txi;
    NETRXQUEUE_INIT rxi;
    init = tx ? static_cast<NETCX_QUEUE_INIT_BASE*>(&txi) : &rxi;
    init->adapter = &a;
    init->queue_id = id;
    init->layout = layout;
    const char* callback = tx ? "EvtAdapterCreateTxQueue" : "EvtAdapterCreateRxQueue";
    if ((tx ? reinterpret_cast<void*>(config.EvtAdapterCreateTxQueue)
            : reinterpret_cast<void*>(config.EvtAdapterCreateRxQueue)) == nullptr)
        return fail(status::not_supported, "{}: has no {}", a.name(), callback);

    current_init = init;
    const auto handle = static_cast<NETADAPTER>(a.handle());
    s = tx ? config.EvtAdapterCreateTxQueue(handle, &txi)
           : config.EvtAdapterCreateRxQueue(handle, &rxi);
    current_init = nullptr;
    packet_queue* q = init->created;
    if (!NT_SUCCESS(s)) {
        if (q != nullptr)
            q->delete_tree(); // as NetAdapterCx does with the queue of a failed callback
        return fail(status::invalid_parameter, "{}: {} for queue {} failed: {}", a.name(), callback,
                    id, wdf::ntstatus_name(s));
    }
    if (q == nullptr)
        return fail(status::invalid_parameter, "{}: {} for queue {} returned {} without calling {}",
                    a.name(), callback, id, wdf::ntstatus_name(s),
                    tx ? "NetTxQueueCreate" : "NetRxQueueCreate");
    return q;
}

namespace {

NTSTATUS create(bool tx, NETCX_QUEUE_INIT_BASE* init, WDF_OBJECT_ATTRIBUTES* attributes,
                NET_PACKET_QUEUE_CONFIG* config, NETPACKETQUEUE* queue) noexcept
{
    const std::string_view api = tx ? "NetTxQueueCreate" : "NetRxQueueCreate";
    if (init == nullptr)
        return wdf::refuse(STATUS_INVALID_PARAMETER, api, "the queue init is NULL");
    if (init != current_init)
        return wdf::refuse(STATUS_INVALID_PARAMETER, api,
                           "queue init {} is not the one handed to the running {} (inits are "
                           "valid only inside that callback)",
                           static_cast<void*>(init),
                           tx ? "EvtAdapterCreateTxQueue" : "EvtAdapterCreateRxQueue");
    if (init->created != nullptr)
        return wdf::refuse(STATUS_INVALID_DEVICE_STATE, api,
                           "queue init already used: {} was created from it",
                           init->created->name());
    if (config == nullptr)
        return wdf::refuse(STATUS_INVALID_PARAMETER, api, "Configuration is NULL");
    if (config->Size != sizeof(NET_PACKET_QUEUE_CONFIG))
        return wdf::refuse(STATUS_INFO_LENGTH_MISMATCH, api,
                           "Configuration->Size is {}; expected sizeof(NET_PACKET_QUEUE_CONFIG) "
                           "= {}",
                           config->Size, sizeof(NET_PACKET_QUEUE_CONFIG));
    // NetAdapterCx's rule for a queue without an execution context.
    if (config->EvtAdvance == nullptr)
        return wdf::refuse(STATUS_INVALID_PARAMETER, api, "Configuration->EvtAdvance is NULL");
    if (config->EvtSetNotificationEnabled == nullptr)
        return wdf::refuse(STATUS_INVALID_PARAMETER, api,
                           "Configuration->EvtSetNotificationEnabled is NULL");
    if (config->EvtCancel == nullptr)
        return wdf::refuse(STATUS_INVALID_PARAMETER, api, "Configuration->EvtCancel is NULL");
    if (queue == nullptr)
        return wdf::refuse(STATUS_INVALID_PARAMETER, api, "the queue out-pointer is NULL");
    if (NTSTATUS s = wdf::check_attributes(attributes, api); !NT_SUCCESS(s))
        return s;
    if (attributes != nullptr && attributes->ParentObject != nullptr &&
        attributes->ParentObject != init->adapter->handle())
        return wdf::refuse(STATUS_INVALID_PARAMETER, api,
                           "Attributes->ParentObject {} is not the adapter: a queue is a child of "
                           "its adapter",
                           static_cast<void*>(attributes->ParentObject));

    packet_queue* q = nullptr;
    try {
        q = new packet_queue(tx ? object_kind::txqueue : object_kind::rxqueue, *init->adapter,
                             init->queue_id, *config, init->layout);
    } catch (const std::bad_alloc&) {
        return wdf::refuse(STATUS_INSUFFICIENT_RESOURCES, api, "out of memory");
    }
    if (auto r = q->build_rings(); !r) {
        q->delete_tree();
        return STATUS_INSUFFICIENT_RESOURCES; // logged by build_rings
    }
    if (NTSTATUS s = wdf::apply_attributes(*q, attributes, api); !NT_SUCCESS(s))
        return s; // apply_attributes deleted the queue
    init->created = q;
    *queue = static_cast<NETPACKETQUEUE>(q->handle());
    return STATUS_SUCCESS;
}

ULONG queue_id(bool tx, NETCX_QUEUE_INIT_BASE* init) noexcept
{
    if (init == nullptr || init != current_init) {
        wdf::refuse(STATUS_INVALID_PARAMETER,
                    tx ? "NetTxQueueInitGetQueueId" : "NetRxQueueInitGetQueueId",
                    "queue init {} is not the one handed to the running create callback",
                    static_cast<void*>(init));
        return 0;
    }
    return init->queue_id;
}

packet_queue* lookup(NETPACKETQUEUE q, bool tx, std::string_view api) noexcept
{
    return static_cast<packet_queue*>(
        object::from_handle(q, tx ? object_kind::txqueue : object_kind::rxqueue, api));
}

void get_extension(bool tx, NETPACKETQUEUE handle, const NET_EXTENSION_QUERY* query,
                   NET_EXTENSION* extension) noexcept
{
    const std::string_view api = tx ? "NetTxQueueGetExtension" : "NetRxQueueGetExtension";
    if (extension == nullptr) {
        wdf::refuse(STATUS_INVALID_PARAMETER, api, "Extension is NULL");
        return;
    }
    std::memset(extension, 0, sizeof *extension);
    packet_queue* q = lookup(handle, tx, api);
    if (q == nullptr)
        return;
    if (query == nullptr || query->Size != sizeof(NET_EXTENSION_QUERY) || query->Name == nullptr) {
        wdf::refuse(STATUS_INVALID_PARAMETER, api,
                    "Query is NULL, has Size != sizeof(NET_EXTENSION_QUERY) or a NULL Name");
        return;
    }
    if (wdf::raw_enum(query->Type) != NetExtensionTypeFragment)
        return; // no packet extensions are registered
    const extension_spec* e = q->find_extension(query->Name, query->Version);
    if (e == nullptr)
        return;
    NET_RING* r = q->fragment_ring();
    extension->Reserved[0] = &r->Buffer[e->offset];
    extension->Reserved[1] = reinterpret_cast<void*>(static_cast<std::uintptr_t>(r->ElementStride));
}

} // namespace
} // namespace netcx::datapath

using namespace netcx::datapath;

NTSTATUS NetTxQueueCreate(NETTXQUEUE_INIT* NetTxQueueInit, WDF_OBJECT_ATTRIBUTES* TxQueueAttributes,
                          NET_PACKET_QUEUE_CONFIG* Configuration, NETPACKETQUEUE* TxQueue)
{
    return create(true, NetTxQueueInit, TxQueueAttributes, Configuration, TxQueue);
}

NTSTATUS NetRxQueueCreate(NETRXQUEUE_INIT* NetRxQueueInit, WDF_OBJECT_ATTRIBUTES* RxQueueAttributes,
                          NET_PACKET_QUEUE_CONFIG* Configuration, NETPACKETQUEUE* RxQueue)
{
    return create(false, NetRxQueueInit, RxQueueAttributes, Configuration, RxQueue);
}

ULONG NetTxQueueInitGetQueueId(NETTXQUEUE_INIT* NetTxQueueInit)
{
    return queue_id(true, NetTxQueueInit);
}

ULONG NetRxQueueInitGetQueueId(NETRXQUEUE_INIT* NetRxQueueInit)
{
    return queue_id(false, NetRxQueueInit);
}

NET_RING_COLLECTION const* NetTxQueueGetRingCollection(NETPACKETQUEUE NetTxQueue)
{
    packet_queue* q = lookup(NetTxQueue, true, "NetTxQueueGetRingCollection");
    return q != nullptr ? &q->rings() : nullptr;
}

NET_RING_COLLECTION const* NetRxQueueGetRingCollection(NETPACKETQUEUE NetRxQueue)
{
    packet_queue* q = lookup(NetRxQueue, false, "NetRxQueueGetRingCollection");
    return q != nullptr ? &q->rings() : nullptr;
}

VOID NetTxQueueGetExtension(NETPACKETQUEUE NetTxQueue, NET_EXTENSION_QUERY const* Query,
                            NET_EXTENSION* Extension)
{
    get_extension(true, NetTxQueue, Query, Extension);
}

VOID NetRxQueueGetExtension(NETPACKETQUEUE NetRxQueue, NET_EXTENSION_QUERY const* Query,
                            NET_EXTENSION* Extension)
{
    get_extension(false, NetRxQueue, Query, Extension);
}

VOID NetTxQueueNotifyMoreCompletedPacketsAvailable(NETPACKETQUEUE TxQueue)
{
    if (packet_queue* q = lookup(TxQueue, true, "NetTxQueueNotifyMoreCompletedPacketsAvailable"))
        q->notify();
}

VOID NetRxQueueNotifyMoreReceivedPacketsAvailable(NETPACKETQUEUE RxQueue)
{
    if (packet_queue* q = lookup(RxQueue, false, "NetRxQueueNotifyMoreReceivedPacketsAvailable"))
        q->notify();
}
