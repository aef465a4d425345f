// SPDX-License-Identifier: MIT
// netcx: the command-line front end of the framework. Each subcommand lives in its own file;
// this one only registers them and maps command-line errors to exit code 2.
#include "plan_command.hpp"
#include "run_command.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv)
{
    CLI::App app{"netcx: NetAdapterCx client drivers on Linux", "netcx"};
    app.require_subcommand(0, 1); // none is reported below, so an unknown one is named

    netcx::tool::plan_options plan;
    const CLI::App* plan_command = netcx::tool::add_plan_command(app, plan);
    netcx::tool::run_options run;
    const CLI::App* run_command = netcx::tool::add_run_command(app, run);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        (void)app.exit(e); // prints CLI11's message
        return 2;
    }

    if (plan_command->parsed())
        return netcx::tool::run_plan(plan, std::cout, std::cerr);
    if (run_command->parsed())
        return netcx::tool::run_run(run, std::cout, std::cerr);
    std::cerr << "A subcommand is required (plan, run)\nRun with --help for more information.\n";
    return 2;
}
