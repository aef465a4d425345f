// SPDX-License-Identifier: MIT
// The WDF object model: registry of live objects, typed contexts, lifetime, and the C entry points
// of wdfobject.h.
//
// Lifetime. An object starts with one reference (its creation). Each child holds one more on its
// parent until the child is freed, so destroy callbacks and frees always run children before
// parents, and a child's `parent_` never dangles. delete_tree: mark deleting, delete the children
// (last created first), on_delete(), cleanup callbacks, unlink from the parent, drop the creation
// reference. The last reference runs the destroy callbacks and frees the object; until then the
// handle stays in the registry (contexts remain reachable from cleanup and destroy callbacks).
//
// Handles. The registry (a locked set of object addresses) is consulted before any handle is
// dereferenced, so a stale or forged handle is refused by name. Context memory is mapped back to
// its object through a second locked table (WdfObjectContextGetObject).
#include "wdf/object.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>
#include <unordered_set>

namespace netcx::wdf {

/// A context: zeroed memory aligned to 16, with the type it was made for (name and size copied,
/// so matching by name works even after the module that defined the type info is gone).
struct object::context_block {
    const WDF_OBJECT_CONTEXT_TYPE_INFO* type;
    std::string name;
    std::size_t type_size;
    void* data;
    PFN_WDF_OBJECT_CONTEXT_CLEANUP cleanup;
    PFN_WDF_OBJECT_CONTEXT_DESTROY destroy;
};

namespace {

constexpr std::align_val_t context_alignment{16};

// KMDF's informational status for WdfObjectAllocateContext on a type already present (success).
constexpr NTSTATUS status_object_name_exists = 0x40000000;

struct registry {
    std::mutex lock;
    std::unordered_set<const void*> objects;
    std::unordered_map<const void*, object*> contexts; // context memory -> owner
};

registry& reg()
{
    // Never destroyed: objects deleted by other statics' destructors at exit still find it.
    static auto* r = new registry;
    return *r;
}

bool is_live(const void* h) noexcept
{
    auto& r = reg();
    const std::lock_guard g{r.lock};
    return r.objects.contains(h);
}

std::string type_name(const WDF_OBJECT_CONTEXT_TYPE_INFO* t)
{
    return t != nullptr && t->ContextName != nullptr ? std::string{t->ContextName} : "(unnamed)";
}

/// A WdfObjectCreate object: nothing but attributes, parent and contexts.
class generic_object final : public object {
public:
    static constexpr object_kind object_kind_v = object_kind::generic;
    explicit generic_object(object* parent) : object(object_kind_v, parent) {}

private:
    ~generic_object() override = default;
};

} // namespace

std::string_view to_string(object_kind k) noexcept
{
    switch (k) {
    case object_kind::generic: return "generic object";
    case object_kind::driver: return "driver";
    case object_kind::device: return "device";
    case object_kind::dma_enabler: return "DMA enabler";
    case object_kind::string: return "string";
    case object_kind::adapter: return "adapter";
    case object_kind::configuration: return "configuration";
    case object_kind::txqueue: return "Tx queue";
    case object_kind::rxqueue: return "Rx queue";
    }
    return "object";
}

object::object(object_kind kind, object* parent) : kind_(kind), parent_(parent)
{
    auto& r = reg();
    {
        const std::lock_guard g{r.lock};
        r.objects.insert(this);
    }
    if (parent_ != nullptr) {
        try {
            parent_->children_.push_back(this);
        } catch (...) {
            const std::lock_guard g{r.lock};
            r.objects.erase(this);
            throw;
        }
        parent_->reference();
    }
}

object::~object()
{
    auto& r = reg();
    {
        const std::lock_guard g{r.lock};
        r.objects.erase(this);
        for (auto* c : contexts_)
            r.contexts.erase(c->data);
    }
    for (auto* c : contexts_) {
        ::operator delete(c->data, context_alignment);
        delete c;
    }
    // Only a subclass constructor that threw gets here still linked; delete_tree unlinks otherwise.
    if (parent_ != nullptr) {
        std::erase(parent_->children_, this);
        parent_->dereference();
    }
}

object* object::from_handle(WDFOBJECT h, std::string_view api) noexcept
{
    if (h == nullptr) {
        refuse(STATUS_INVALID_HANDLE, api, "the handle is NULL");
        return nullptr;
    }
    if (!is_live(h)) {
        refuse(STATUS_INVALID_HANDLE, api, "handle {} is not a live WDF object", h);
        return nullptr;
    }
    return static_cast<object*>(h);
}

object* object::from_handle(WDFOBJECT h, object_kind kind, std::string_view api) noexcept
{
    object* o = from_handle(h, api);
    if (o != nullptr && o->kind_ != kind) {
        refuse(STATUS_OBJECT_TYPE_MISMATCH, api, "handle {} is a {}, not a {}", h,
               to_string(o->kind_), to_string(kind));
        return nullptr;
    }
    return o;
}

void* object::context(const WDF_OBJECT_CONTEXT_TYPE_INFO* type) const noexcept
{
    for (auto* c : contexts_)
        if (c->type == type)
            return c->data;
    // Another module's copy of the same type: same name, same size.
    if (type == nullptr || type->ContextName == nullptr)
        return nullptr;
    for (auto* c : contexts_)
        if (c->type_size == type->ContextSize && c->name == type->ContextName)
            return c->data;
    return nullptr;
}

result<void*> object::add_context(const WDF_OBJECT_CONTEXT_TYPE_INFO* type,
                                  std::size_t size_override, PFN_WDF_OBJECT_CONTEXT_CLEANUP cleanup,
                                  PFN_WDF_OBJECT_CONTEXT_DESTROY destroy)
{
    if (context(type) != nullptr)
        return error{status::invalid_parameter,
                     fmt::format("the {} already has a context of type '{}'", to_string(kind_),
                                 type_name(type))};
    const std::size_t size = std::max<std::size_t>({type->ContextSize, size_override, 1});
    void* data = nullptr;
    context_block* block = nullptr;
    try {
        data = ::operator new(size, context_alignment);
        std::memset(data, 0, size);
        block = new context_block{type, type_name(type), type->ContextSize, data, cleanup, destroy};
        contexts_.push_back(block);
        auto& r = reg();
        const std::lock_guard g{r.lock};
        r.contexts.emplace(data, this);
    } catch (const std::bad_alloc&) {
        if (block != nullptr && !contexts_.empty() && contexts_.back() == block)
            contexts_.pop_back();
        delete block;
        ::operator delete(data, context_alignment);
        return error{
            status::no_memory,
            fmt::format("no memory for a context of type '{}' ({} bytes)", type_name(type), size)};
    }
    return data;
}

object* object::owner_of_context(const void* p) noexcept
{
    auto& r = reg();
    const std::lock_guard g{r.lock};
    auto it = r.contexts.find(p);
    return it == r.contexts.end() ? nullptr : it->second;
}

void object::dereference() noexcept
{
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1)
        return;
    if (destroy_ != nullptr)
        destroy_(handle());
    for (auto* c : contexts_)
        if (c->destroy != nullptr)
            c->destroy(handle());
    delete this; // ~object unregisters and drops the reference held on the parent
}

void object::driver_reference() noexcept
{
    driver_refs_.fetch_add(1, std::memory_order_relaxed);
    reference();
}

bool object::driver_dereference() noexcept
{
    // Never below zero: a driver can only drop what it added.
    auto n = driver_refs_.load(std::memory_order_relaxed);
    do {
        if (n == 0)
            return false;
    } while (!driver_refs_.compare_exchange_weak(n, n - 1, std::memory_order_relaxed));
    dereference();
    return true;
}

std::size_t object::live_count() noexcept
{
    auto& r = reg();
    const std::lock_guard g{r.lock};
    return r.objects.size();
}

void object::delete_tree() noexcept
{
    if (deleting_)
        return;
    deleting_ = true;
    while (!children_.empty()) {
        object* c = children_.back();
        if (c->deleting_) // its own cleanup callback deleted us: it unlinks itself when done
            children_.pop_back();
        else
            c->delete_tree();
    }
    on_delete();
    if (cleanup_ != nullptr)
        cleanup_(handle());
    for (auto* c : contexts_)
        if (c->cleanup != nullptr)
            c->cleanup(handle());
    if (parent_ != nullptr)
        std::erase(parent_->children_, this);
    dereference();
}

NTSTATUS check_attributes(const WDF_OBJECT_ATTRIBUTES* a, std::string_view api) noexcept
{
    if (a == nullptr)
        return STATUS_SUCCESS;
    if (a->Size != sizeof(WDF_OBJECT_ATTRIBUTES))
        return refuse(
            STATUS_INFO_LENGTH_MISMATCH, api,
            "WDF_OBJECT_ATTRIBUTES.Size is {}, expected {} (use WDF_OBJECT_ATTRIBUTES_INIT)",
            a->Size, sizeof(WDF_OBJECT_ATTRIBUTES));
    if (const auto level = raw_enum(a->ExecutionLevel);
        level < WdfExecutionLevelInheritFromParent || level > WdfExecutionLevelDispatch)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "WDF_OBJECT_ATTRIBUTES.ExecutionLevel {} is not a WDF_EXECUTION_LEVEL",
                      raw_enum(a->ExecutionLevel));
    if (const auto scope = raw_enum(a->SynchronizationScope);
        scope < WdfSynchronizationScopeInheritFromParent || scope > WdfSynchronizationScopeNone)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "WDF_OBJECT_ATTRIBUTES.SynchronizationScope {} is not a "
                      "WDF_SYNCHRONIZATION_SCOPE",
                      raw_enum(a->SynchronizationScope));
    if (const auto* t = a->ContextTypeInfo; t != nullptr) {
        if (t->Size != sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO))
            return refuse(STATUS_INFO_LENGTH_MISMATCH, api,
                          "the context type info's Size is {}, expected {} (declare it with "
                          "WDF_DECLARE_CONTEXT_TYPE)",
                          t->Size, sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO));
        if (t->ContextSize == 0 && a->ContextSizeOverride == 0)
            return refuse(STATUS_INVALID_PARAMETER, api, "context type '{}' has a size of 0",
                          type_name(t));
    } else if (a->ContextSizeOverride != 0) {
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "WDF_OBJECT_ATTRIBUTES.ContextSizeOverride is {} but ContextTypeInfo is NULL",
                      a->ContextSizeOverride);
    }
    if (a->ParentObject != nullptr) {
        if (!is_live(a->ParentObject))
            return refuse(STATUS_INVALID_HANDLE, api,
                          "WDF_OBJECT_ATTRIBUTES.ParentObject {} is not a live WDF object",
                          a->ParentObject);
        const auto* p = static_cast<const object*>(a->ParentObject);
        if (p->deleting())
            return refuse(STATUS_INVALID_DEVICE_STATE, api,
                          "WDF_OBJECT_ATTRIBUTES.ParentObject {} (a {}) is being deleted",
                          a->ParentObject, to_string(p->kind()));
    }
    return STATUS_SUCCESS;
}

NTSTATUS apply_attributes(object& o, const WDF_OBJECT_ATTRIBUTES* a, std::string_view api) noexcept
{
    if (a == nullptr)
        return STATUS_SUCCESS;
    if (a->ContextTypeInfo != nullptr) {
        auto r = o.add_context(a->ContextTypeInfo, a->ContextSizeOverride);
        if (!r) {
            o.delete_tree(); // no callbacks set yet: the driver never saw this object
            return refuse(to_ntstatus(r.code()), api, "{}", r.err().message);
        }
    }
    o.set_callbacks(a->EvtCleanupCallback, a->EvtDestroyCallback);
    return STATUS_SUCCESS;
}

object* parent_for(const WDF_OBJECT_ATTRIBUTES* a, object* natural) noexcept
{
    if (a != nullptr && a->ParentObject != nullptr)
        return static_cast<object*>(a->ParentObject);
    return natural;
}

status from_ntstatus(NTSTATUS s) noexcept
{
    switch (s) {
    case STATUS_NO_MEMORY:
    case STATUS_INSUFFICIENT_RESOURCES: return status::no_memory;
    case STATUS_NOT_SUPPORTED:
    case STATUS_NOT_IMPLEMENTED: return status::not_supported;
    case STATUS_ACCESS_DENIED: return status::access_denied;
    case STATUS_INTEGER_OVERFLOW: return status::integer_overflow;
    case STATUS_INVALID_DEVICE_STATE:
    case STATUS_DEVICE_NOT_READY: return status::busy;
    default: return status::invalid_parameter;
    }
}

NTSTATUS to_ntstatus(status s) noexcept
{
    switch (s) {
    case status::ok: return STATUS_SUCCESS;
    case status::invalid_parameter: return STATUS_INVALID_PARAMETER;
    case status::integer_overflow: return STATUS_INTEGER_OVERFLOW;
    case status::no_memory: return STATUS_INSUFFICIENT_RESOURCES;
    case status::not_supported: return STATUS_NOT_SUPPORTED;
    case status::access_denied: return STATUS_ACCESS_DENIED;
    // No memory the device can reach: what AllocateCommonBuffer reports on Windows.
    case status::address_unreachable: return STATUS_INSUFFICIENT_RESOURCES;
    case status::double_free: return STATUS_INVALID_PARAMETER;
    case status::foreign_buffer: return STATUS_INVALID_PARAMETER;
    case status::busy: return STATUS_INVALID_DEVICE_STATE;
    // Injected failures stand for resource exhaustion.
    case status::fault_injected: return STATUS_INSUFFICIENT_RESOURCES;
    }
    return STATUS_UNSUCCESSFUL;
}

std::string ntstatus_name(NTSTATUS s)
{
    switch (s) {
#define NETCX_NAME(x)                                                                              \
    case x: return #x
        NETCX_NAME(STATUS_SUCCESS);
        NETCX_NAME(STATUS_PENDING);
        NETCX_NAME(STATUS_UNSUCCESSFUL);
        NETCX_NAME(STATUS_NOT_IMPLEMENTED);
        NETCX_NAME(STATUS_INVALID_HANDLE);
        NETCX_NAME(STATUS_INVALID_PARAMETER);
        NETCX_NAME(STATUS_NO_MEMORY);
        NETCX_NAME(STATUS_ACCESS_DENIED);
        NETCX_NAME(STATUS_BUFFER_TOO_SMALL);
        NETCX_NAME(STATUS_OBJECT_TYPE_MISMATCH);
        NETCX_NAME(STATUS_OBJECT_NAME_NOT_FOUND);
        NETCX_NAME(STATUS_INSUFFICIENT_RESOURCES);
        NETCX_NAME(STATUS_DEVICE_NOT_READY);
        NETCX_NAME(STATUS_NOT_SUPPORTED);
        NETCX_NAME(STATUS_INVALID_PARAMETER_1);
        NETCX_NAME(STATUS_INVALID_PARAMETER_2);
        NETCX_NAME(STATUS_INVALID_PARAMETER_3);
        NETCX_NAME(STATUS_INVALID_PARAMETER_4);
        NETCX_NAME(STATUS_INVALID_DEVICE_REQUEST);
        NETCX_NAME(STATUS_INVALID_DEVICE_STATE);
        NETCX_NAME(STATUS_INTEGER_OVERFLOW);
        NETCX_NAME(STATUS_NOT_FOUND);
        NETCX_NAME(STATUS_INFO_LENGTH_MISMATCH);
        NETCX_NAME(STATUS_DRIVER_ENTRYPOINT_NOT_FOUND);
        NETCX_NAME(STATUS_DRIVER_UNABLE_TO_LOAD);
        NETCX_NAME(STATUS_DEVICE_CONFIGURATION_ERROR);
#undef NETCX_NAME
    case status_object_name_exists: return "STATUS_OBJECT_NAME_EXISTS";
    }
    return fmt::format("0x{:08X}", static_cast<std::uint32_t>(s));
}

} // namespace netcx::wdf

using netcx::wdf::object;
using netcx::wdf::refuse;

extern "C" {

PVOID WdfObjectGetTypedContextWorker(WDFOBJECT Handle, PCWDF_OBJECT_CONTEXT_TYPE_INFO TypeInfo)
{
    constexpr std::string_view api = "WdfObjectGetTypedContextWorker";
    object* o = object::from_handle(Handle, api);
    if (o == nullptr)
        return nullptr;
    if (TypeInfo == nullptr) {
        refuse(STATUS_INVALID_PARAMETER, api, "TypeInfo is NULL");
        return nullptr;
    }
    void* c = o->context(TypeInfo);
    if (c == nullptr)
        refuse(STATUS_NOT_FOUND, api, "the {} {} has no context of type '{}'", to_string(o->kind()),
               Handle, netcx::wdf::type_name(TypeInfo));
    return c;
}

NTSTATUS WdfObjectAllocateContext(WDFOBJECT Handle, PWDF_OBJECT_ATTRIBUTES ContextAttributes,
                                  PVOID* Context)
{
    constexpr std::string_view api = "WdfObjectAllocateContext";
    object* o = object::from_handle(Handle, api);
    if (o == nullptr)
        return STATUS_INVALID_HANDLE;
    if (ContextAttributes == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api, "ContextAttributes is NULL");
    if (NTSTATUS s = netcx::wdf::check_attributes(ContextAttributes, api); !NT_SUCCESS(s))
        return s;
    if (ContextAttributes->ContextTypeInfo == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "ContextAttributes.ContextTypeInfo is NULL (use "
                      "WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE)");
    if (ContextAttributes->ParentObject != nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "ContextAttributes.ParentObject must be NULL (is {})",
                      ContextAttributes->ParentObject);
    if (o->deleting())
        return refuse(STATUS_INVALID_DEVICE_STATE, api, "the {} {} is being deleted",
                      to_string(o->kind()), Handle);
    if (void* existing = o->context(ContextAttributes->ContextTypeInfo); existing != nullptr) {
        // KMDF's answer: success, with the context already there.
        if (Context != nullptr)
            *Context = existing;
        return netcx::wdf::status_object_name_exists;
    }
    auto r = o->add_context(
        ContextAttributes->ContextTypeInfo, ContextAttributes->ContextSizeOverride,
        ContextAttributes->EvtCleanupCallback, ContextAttributes->EvtDestroyCallback);
    if (!r)
        return refuse(netcx::wdf::to_ntstatus(r.code()), api, "{}", r.err().message);
    if (Context != nullptr)
        *Context = *r;
    return STATUS_SUCCESS;
}

WDFOBJECT WdfObjectContextGetObject(PVOID ContextPointer)
{
    constexpr std::string_view api = "WdfObjectContextGetObject";
    if (ContextPointer == nullptr) {
        refuse(STATUS_INVALID_PARAMETER, api, "ContextPointer is NULL");
        return nullptr;
    }
    object* o = object::owner_of_context(ContextPointer);
    if (o == nullptr) {
        refuse(STATUS_INVALID_PARAMETER, api, "{} is not the start of an object's context",
               ContextPointer);
        return nullptr;
    }
    return o->handle();
}

NTSTATUS WdfObjectCreate(PWDF_OBJECT_ATTRIBUTES Attributes, WDFOBJECT* Object)
{
    constexpr std::string_view api = "WdfObjectCreate";
    if (Object == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api, "Object (the output handle) is NULL");
    *Object = nullptr;
    if (Attributes == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "Attributes is NULL; a generic object needs a ParentObject");
    if (NTSTATUS s = netcx::wdf::check_attributes(Attributes, api); !NT_SUCCESS(s))
        return s;
    if (Attributes->ParentObject == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api,
                      "Attributes.ParentObject is NULL; a generic object needs a parent");
    object* o = nullptr;
    try {
        o = new netcx::wdf::generic_object(netcx::wdf::parent_for(Attributes, nullptr));
    } catch (const std::bad_alloc&) {
        return refuse(STATUS_INSUFFICIENT_RESOURCES, api, "no memory for the object");
    }
    if (NTSTATUS s = netcx::wdf::apply_attributes(*o, Attributes, api); !NT_SUCCESS(s))
        return s;
    *Object = o->handle();
    return STATUS_SUCCESS;
}

VOID WdfObjectDelete(WDFOBJECT Object)
{
    constexpr std::string_view api = "WdfObjectDelete";
    object* o = object::from_handle(Object, api);
    if (o == nullptr)
        return;
    // KMDF: the framework owns these; they go when the driver unloads or the device is removed.
    if (o->kind() == netcx::wdf::object_kind::driver ||
        o->kind() == netcx::wdf::object_kind::device) {
        refuse(STATUS_INVALID_DEVICE_REQUEST, api,
               "a {} ({}) is deleted by the framework, not by the driver", to_string(o->kind()),
               Object);
        return;
    }
    if (o->deleting()) {
        refuse(STATUS_INVALID_DEVICE_STATE, api, "the {} {} is already being deleted",
               to_string(o->kind()), Object);
        return;
    }
    o->delete_tree();
}

VOID WdfObjectReferenceActual(WDFOBJECT Handle, PVOID Tag, LONG Line, PCSTR File)
{
    (void)Tag, (void)Line, (void)File;
    if (object* o = object::from_handle(Handle, "WdfObjectReference"); o != nullptr)
        o->driver_reference();
}

VOID WdfObjectDereferenceActual(WDFOBJECT Handle, PVOID Tag, LONG Line, PCSTR File)
{
    constexpr std::string_view api = "WdfObjectDereference";
    (void)Tag;
    object* o = object::from_handle(Handle, api);
    if (o != nullptr && !o->driver_dereference())
        refuse(STATUS_INVALID_PARAMETER, api,
               "the {} {} has no reference from WdfObjectReference to drop ({}:{})",
               to_string(o->kind()), Handle, File != nullptr ? File : "?", Line);
}

} // extern "C"
