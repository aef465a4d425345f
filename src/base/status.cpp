// SPDX-License-Identifier: MIT
#include <netcx/base/status.hpp>

namespace netcx {

std::string_view to_string(status s) noexcept
{
    switch (s) {
    case status::ok: return "ok";
    case status::invalid_parameter: return "invalid parameter";
    case status::integer_overflow: return "integer overflow";
    case status::no_memory: return "out of memory";
    case status::not_supported: return "not supported";
    case status::access_denied: return "access denied";
    case status::address_unreachable: return "address unreachable by the device";
    case status::double_free: return "double free";
    case status::foreign_buffer: return "foreign buffer";
    case status::busy: return "busy";
    case status::fault_injected: return "fault injected";
    }
    return "unknown status";
}

} // namespace netcx
