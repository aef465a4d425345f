// SPDX-License-Identifier: MIT
// Loading a driver shared object: dlopen it, find DriverEntry, and keep it mapped until every
// object and callback of the driver is gone (the host closes it last).
#pragma once

#include <netcx/base/status.hpp>
#include <netcx/host/host.hpp>

#include <string>
#include <string_view>

namespace netcx::host {

/// True if `name_or_path` names a shared object rather than a built-in driver.
[[nodiscard]] bool is_shared_object_path(std::string_view name_or_path) noexcept;

/// The driver name of a shared object: its file stem ("drivers/libfoo.so" -> "libfoo").
[[nodiscard]] std::string driver_name_of(std::string_view path);

/// An open driver shared object. Closes it on destruction.
class shared_object {
public:
    shared_object() = default;
    ~shared_object();
    shared_object(shared_object&& other) noexcept;
    shared_object& operator=(shared_object&& other) noexcept;
    shared_object(const shared_object&) = delete;
    shared_object& operator=(const shared_object&) = delete;

    /// dlopen (RTLD_NOW | RTLD_LOCAL) then dlsym("DriverEntry"). `name` is for the error lines.
    static result<shared_object> open(const std::string& path, std::string_view name);

    [[nodiscard]] driver_entry* entry() const noexcept { return entry_; }
    void close() noexcept;

private:
    void* handle_ = nullptr;
    driver_entry* entry_ = nullptr;
};

} // namespace netcx::host
