// SPDX-License-Identifier: MIT
// `netcx run`: the main job. Brings up two adapters of one driver (by default two simnics on an
// in-process wire), binds a built-in protocol to each (by default pktgen and echo), runs, and
// reports traffic, latency, drops, bounces and the buffer manager's figures.
#pragma once

#include <netcx/base/status.hpp>
#include <netcx/host/host.hpp>
#include <netcx/protocols/builtin.hpp>

#include <CLI/CLI.hpp>

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace netcx::tool {

/// The adapters a run brings up.
inline constexpr std::size_t run_adapters = 2;

struct run_options {
    std::string driver = "simnic";      ///< a built-in driver's name or a shared object's path
    std::vector<std::string> params;    ///< [0:|1:]KEY=VALUE device parameters
    std::vector<std::string> protocols; ///< NAME[:KEY=VALUE,...], adapter 0 then adapter 1
    double duration = 0;                ///< seconds (pktgen's duration); 0: not given
    std::uint64_t count = 0;            ///< frames (pktgen's count); 0: not given
    std::uint32_t size = 0;             ///< frame bytes (pktgen's size); 0: not given
    std::string capture;                ///< pcapng file for adapter 0's received frames
    bool json = false;
    bool quiet = false;
};

/// Registers the `run` subcommand on `app`, filling `options` when parsed.
CLI::App* add_run_command(CLI::App& app, run_options& options);

/// Runs it. Exit codes: 0 passed (nothing lost, nothing leaked), 1 the run failed (a driver or
/// binding error, frames lost, buffers leaked), 2 a bad command line (parameter, protocol,
/// driver name).
int run_run(const run_options& options, std::ostream& out, std::ostream& err);

// ---- The command line's pieces (tested on their own) ----------------------------------------

/// Each adapter's device parameters: the defaults (wire=netcx-run; for simnic a distinct
/// NetworkAddress and rx_hint=4096), then every --param without a prefix, then those prefixed `0:`
/// or `1:`. A later value replaces an earlier one of the same key. Errors name the --param.
result<std::array<host::params, run_adapters>>
adapter_params(std::string_view driver, const std::vector<std::string>& texts);

/// A protocol as the command line names it.
struct protocol_spec {
    std::string name;
    protocols::params params;
    std::string capture; ///< non-empty: wrapped in `capture` writing this file

    /// "pktgen", or "capture(pktgen)" when captured.
    [[nodiscard]] std::string label() const;
};

/// Parses "NAME[:KEY=VALUE,...]"; errors name the text and what is wrong with it.
result<protocol_spec> parse_protocol(std::string_view text);

/// The adapters' protocols: --protocol (default pktgen, then echo), with --duration, --count and
/// --size given to pktgen (defaults: 3 s when neither a count nor a duration is set, rate=100000)
/// and
/// --capture wrapping adapter 0's. Errors (exit code 2) name the option at fault.
result<std::array<protocol_spec, run_adapters>> protocol_specs(const run_options& options);

} // namespace netcx::tool
