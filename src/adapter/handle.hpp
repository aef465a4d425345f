// SPDX-License-Identifier: MIT
// Handle lookup for the adapter-layer entry points: the object a driver's handle names, or null
// with the NTSTATUS that matches the one line logged (a dead handle, or one of another kind).
#pragma once

#include "wdf/object.hpp"

namespace netcx::adapter {

template <class T>
T* lookup(WDFOBJECT h, std::string_view api, NTSTATUS& why) noexcept
{
    wdf::object* o = wdf::object::from_handle(h, api);
    if (o == nullptr) {
        why = STATUS_INVALID_HANDLE;
        return nullptr;
    }
    if (o->kind() != T::object_kind_v) {
        why = wdf::refuse(STATUS_OBJECT_TYPE_MISMATCH, api, "handle {} is a {}, not a {}", h,
                          to_string(o->kind()), to_string(T::object_kind_v));
        return nullptr;
    }
    return static_cast<T*>(o);
}

} // namespace netcx::adapter
