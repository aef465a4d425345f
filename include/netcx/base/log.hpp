// SPDX-License-Identifier: MIT
/// @file
/// One-line diagnostics. Every refused request logs exactly one line naming the rule and the value.
/// A host or test can redirect lines with `set_log_sink`; the default writes to stderr.
#pragma once

#include <functional>
#include <string_view>

namespace netcx {

enum class log_level { debug, info, warning, error };

[[nodiscard]] std::string_view to_string(log_level l) noexcept;

/// Receives each line (without trailing newline). Called from any thread, serialized by netcx.
using log_sink = std::function<void(log_level, std::string_view)>;

/// Installs `sink` (an empty function restores stderr); returns the previous sink.
log_sink set_log_sink(log_sink sink);

/// Lines below `min` are dropped. Default: info (`NETCX_LOG=debug|info|warning|error`).
void set_log_level(log_level min) noexcept;

void log_line(log_level level, std::string_view line);

} // namespace netcx
