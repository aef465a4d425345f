// SPDX-License-Identifier: MIT
/// @file
/// Formatting front end of the log for netcx's own sources (keeps fmt out of public headers).
#pragma once

#include <netcx/base/log.hpp>
#include <netcx/base/status.hpp>

#include <fmt/format.h>

namespace netcx {

template <class... Args>
void log(log_level level, fmt::format_string<Args...> f, Args&&... args)
{
    log_line(level, fmt::format(f, std::forward<Args>(args)...));
}

/// Logs one error line and returns it as an `error`: the shape of every refusal in netcx.
template <class... Args>
[[nodiscard]] error fail(status code, fmt::format_string<Args...> f, Args&&... args)
{
    error e{code, fmt::format(f, std::forward<Args>(args)...)};
    log_line(log_level::error, e.message);
    return e;
}

} // namespace netcx
