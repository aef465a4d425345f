// SPDX-License-Identifier: MIT
// The WDF object model behind every handle a client driver holds.
//
// A handle is the address of an `object`. Handles a driver passes in are checked against the
// registry of live objects before use (`object::from_handle`), so a stale or forged handle is a
// named error, never a crash. Each object has a parent (explicit in WDF_OBJECT_ATTRIBUTES or the
// natural one: driver <- device <- adapter, DMA enabler, ...), children, typed contexts (zeroed
// memory found by type), and cleanup/destroy callbacks. Deleting an object deletes its children
// first (last created, first deleted); cleanup callbacks run as each object is deleted and destroy
// callbacks once no reference remains (each child holds one on its parent until it is freed), so
// children before parents. A deleted object stays in the registry, contexts reachable, until then.
//
// Context: the control path (passive level). One thread at a time mutates a given tree; the
// registry is locked, so lookups from other threads are safe, and reference counts are atomic.
#pragma once

#include "base/diag.hpp"

#include <netcx/base/status.hpp>

#include <wdfobject.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace netcx::wdf {

enum class object_kind : std::uint8_t {
    generic,
    driver,
    device,
    dma_enabler,
    string,
    adapter,
    configuration,
    txqueue,
    rxqueue,
};

[[nodiscard]] std::string_view to_string(object_kind k) noexcept;

class object {
public:
    object(const object&) = delete;
    object& operator=(const object&) = delete;

    [[nodiscard]] object_kind kind() const noexcept { return kind_; }
    [[nodiscard]] object* parent() const noexcept { return parent_; }
    [[nodiscard]] WDFOBJECT handle() noexcept { return this; }
    [[nodiscard]] bool deleting() const noexcept { return deleting_; }
    [[nodiscard]] const std::vector<object*>& children() const noexcept { return children_; }

    /// The live object `h` names, or null (and one logged line naming `api`) if it names none or
    /// one of another kind. `kind` unset: any kind.
    static object* from_handle(WDFOBJECT h, std::string_view api) noexcept;
    static object* from_handle(WDFOBJECT h, object_kind kind, std::string_view api) noexcept;
    template <class T>
    static T* as(WDFOBJECT h, std::string_view api) noexcept
    {
        return static_cast<T*>(from_handle(h, T::object_kind_v, api));
    }

    /// The context of `type` (matched by identity, else by name and size), or null.
    [[nodiscard]] void* context(const WDF_OBJECT_CONTEXT_TYPE_INFO* type) const noexcept;
    /// Adds a zeroed context of `type` (`size_override` bytes if larger), with its own optional
    /// cleanup/destroy callbacks (WdfObjectAllocateContext's). Fails (without logging) if a
    /// context of that type is present or memory runs out.
    result<void*> add_context(const WDF_OBJECT_CONTEXT_TYPE_INFO* type, std::size_t size_override,
                              PFN_WDF_OBJECT_CONTEXT_CLEANUP cleanup = nullptr,
                              PFN_WDF_OBJECT_CONTEXT_DESTROY destroy = nullptr);
    /// The object that owns context memory `p`, or null.
    static object* owner_of_context(const void* p) noexcept;

    void set_callbacks(PFN_WDF_OBJECT_CONTEXT_CLEANUP cleanup,
                       PFN_WDF_OBJECT_CONTEXT_DESTROY destroy) noexcept
    {
        cleanup_ = cleanup;
        destroy_ = destroy;
    }

    /// References may be taken and dropped from any thread (KMDF allows it at DISPATCH_LEVEL).
    void reference() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    /// Drops a reference; the last one (after deletion) runs the destroy callback and frees.
    void dereference() noexcept;
    /// WdfObjectReference/Dereference: counted apart so a driver can only drop what it added.
    void driver_reference() noexcept;
    [[nodiscard]] bool driver_dereference() noexcept;

    /// Objects alive (created and not yet freed) in the process: the leak check of hosts/tests.
    [[nodiscard]] static std::size_t live_count() noexcept;

    /// Deletes this object and its descendants. The handle is dead when this returns.
    void delete_tree() noexcept;

protected:
    object(object_kind kind, object* parent);
    virtual ~object();
    /// Runs before the object's own cleanup callback, after its children are gone: where
    /// subclasses release framework resources (pools, mappings).
    virtual void on_delete() noexcept {}

private:
    struct context_block;

    object_kind kind_;
    object* parent_;
    std::vector<object*> children_;
    std::vector<context_block*> contexts_;
    PFN_WDF_OBJECT_CONTEXT_CLEANUP cleanup_ = nullptr;
    PFN_WDF_OBJECT_CONTEXT_DESTROY destroy_ = nullptr;
    // Creation (dropped by delete_tree) + one per child not yet freed + driver references.
    std::atomic<std::uint32_t> refs_{1};
    std::atomic<std::uint32_t> driver_refs_{0};
    bool deleting_ = false;
};

/// Validates `attributes` for `api` (Size, context type info, execution level, parent handle).
/// Logs one line and returns the NTSTATUS on refusal. Null attributes are valid.
NTSTATUS check_attributes(const WDF_OBJECT_ATTRIBUTES* attributes, std::string_view api) noexcept;

/// Applies checked attributes to a new object: callbacks and the context (if any). On failure the
/// object is deleted and the status returned.
NTSTATUS apply_attributes(object& o, const WDF_OBJECT_ATTRIBUTES* attributes,
                          std::string_view api) noexcept;

/// The parent for a new object: the attributes' ParentObject if set, else `natural`.
object* parent_for(const WDF_OBJECT_ATTRIBUTES* attributes, object* natural) noexcept;

/// The integer a driver stored in an enum field, read without C++'s assumption that it is in the
/// enum's range: a C driver may store any int, and loading it as the enum type would be undefined
/// behaviour (UBSan's -fsanitize=enum flags it). Validate enum fields through this.
template <class E>
[[nodiscard]] std::underlying_type_t<E> raw_enum(const E& e) noexcept
{
    std::underlying_type_t<E> v;
    std::memcpy(&v, &e, sizeof v);
    return v;
}

/// Maps a netcx status to the NTSTATUS a driver sees.
NTSTATUS to_ntstatus(status s) noexcept;
/// The closest netcx status for an NTSTATUS a driver returned or the framework refused with.
status from_ntstatus(NTSTATUS s) noexcept;

/// "STATUS_INVALID_PARAMETER" for the values netcx returns; hex otherwise.
[[nodiscard]] std::string ntstatus_name(NTSTATUS s);

/// Logs one error line "API: message (STATUS_NAME)" and returns `code`: every refusal of a driver
/// call goes through here, so each names the rule and the offending value.
template <class... Args>
NTSTATUS refuse(NTSTATUS code, std::string_view api, fmt::format_string<Args...> f,
                Args&&... args) noexcept
{
    log(log_level::error, "{}: {} ({})", api, fmt::format(f, std::forward<Args>(args)...),
        ntstatus_name(code));
    return code;
}

} // namespace netcx::wdf
