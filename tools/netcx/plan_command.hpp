// SPDX-License-Identifier: MIT
// `netcx plan`: load a driver, add and start one device, print its buffer plan (negotiated with
// a protocol's preferences when any is given).
#pragma once

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace netcx::tool {

struct plan_options {
    std::string driver;              ///< a built-in driver's name or a shared object's path
    std::vector<std::string> params; ///< KEY=VALUE device parameters
    bool json = false;
    // A protocol's preferences, as typed (checked by run_plan, which names the flag at fault).
    std::optional<std::string> rx_queues;
    std::optional<std::string> tx_queues;
    std::optional<std::string> headroom;
    std::optional<std::string> buffer_size;
    std::optional<std::string> numa;
    std::vector<std::string> registered; ///< ADDR:BYTES, hex or decimal
    std::optional<std::string> protocol; ///< its name, for the reasons
};

/// Registers the `plan` subcommand on `app`, filling `options` when parsed.
CLI::App* add_plan_command(CLI::App& app, plan_options& options);

/// Runs it. Exit codes: 0 planned, 1 the driver failed (load, device add, refused capabilities)
/// or the registered ranges were refused for the NIC, 2 a malformed --param or preference flag.
int run_plan(const plan_options& options, std::ostream& out, std::ostream& err);

} // namespace netcx::tool
