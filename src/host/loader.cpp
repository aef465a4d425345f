// SPDX-License-Identifier: MIT
#include "host/loader.hpp"

#include "base/diag.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <system_error>
#include <utility>

namespace netcx::host {

bool is_shared_object_path(std::string_view name_or_path) noexcept
{
    return name_or_path.find('/') != std::string_view::npos || name_or_path.ends_with(".so");
}

std::string driver_name_of(std::string_view path)
{
    return std::filesystem::path{path}.stem().string();
}

shared_object::~shared_object()
{
    close();
}

shared_object::shared_object(shared_object&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), entry_(std::exchange(other.entry_, nullptr))
{
}

shared_object& shared_object::operator=(shared_object&& other) noexcept
{
    if (this != &other) {
        close();
        handle_ = std::exchange(other.handle_, nullptr);
        entry_ = std::exchange(other.entry_, nullptr);
    }
    return *this;
}

void shared_object::close() noexcept
{
    if (handle_ != nullptr)
        dlclose(handle_);
    handle_ = nullptr;
    entry_ = nullptr;
}

result<shared_object> shared_object::open(const std::string& path, std::string_view name)
{
    // dlopen's own message for a missing file is vague ("cannot open shared object file"):
    // say it plainly first.
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return fail(status::invalid_parameter,
                    "driver '{}': cannot load {}: no such file (STATUS_OBJECT_NAME_NOT_FOUND)",
                    name, path);

    // Without a '/', dlopen searches the library path instead of the file just checked.
    const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
    shared_object so;
    dlerror();
    so.handle_ = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (so.handle_ == nullptr) {
        const char* why = dlerror();
        return fail(status::not_supported,
                    "driver '{}': cannot load {}: not a loadable shared object: {} "
                    "(STATUS_DRIVER_UNABLE_TO_LOAD)",
                    name, path, why != nullptr ? why : "unknown dlopen error");
    }
    void* sym = dlsym(so.handle_, "DriverEntry");
    if (sym == nullptr)
        return fail(status::not_supported,
                    "driver '{}': {} exports no DriverEntry (STATUS_DRIVER_ENTRYPOINT_NOT_FOUND)",
                    name, path);
    so.entry_ = reinterpret_cast<driver_entry*>(sym);
    return so;
}

} // namespace netcx::host
