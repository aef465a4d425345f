// SPDX-License-Identifier: MIT
// `netcx plan`: load a driver, add and start one device, print its buffer plan.
#pragma once

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <string>
#include <vector>

namespace netcx::tool {

struct plan_options {
    std::string driver;              ///< a built-in driver's name or a shared object's path
    std::vector<std::string> params; ///< KEY=VALUE device parameters
    bool json = false;
};

/// Registers the `plan` subcommand on `app`, filling `options` when parsed.
CLI::App* add_plan_command(CLI::App& app, plan_options& options);

/// Runs it. Exit codes: 0 planned, 1 the driver failed (load, device add, refused capabilities),
/// 2 a malformed --param.
int run_plan(const plan_options& options, std::ostream& out, std::ostream& err);

} // namespace netcx::tool
