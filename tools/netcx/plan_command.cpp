// SPDX-License-Identifier: MIT
// `netcx plan --driver NAME|PATH [--param KEY=VALUE ...] [--json]`
//
// Plays the host's part once: load the driver, add one device with the parameters, start it
// (EvtAdapterSetCapabilities runs there), print the buffer plan, then stop and unload. With
// --json, stdout carries only the JSON document; diagnostics go to stderr. netcx's own log lines
// are collected while the command runs and printed to stderr before its result, minus the one
// line that merely repeats the error the command reports.
#include "plan_command.hpp"

#include <netcx/base/log.hpp>
#include <netcx/host/host.hpp>

#include <cstdlib>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace netcx::tool {
namespace {

/// Collects netcx log lines for the command's lifetime; whatever is left at the end (the host's
/// teardown on an early return) is written out then.
class log_collector {
public:
    explicit log_collector(std::ostream& err) : err_(err)
    {
        if (std::getenv("NETCX_LOG") == nullptr)
            set_log_level(log_level::warning); // a tool shows problems, not progress
        previous_ = set_log_sink(
            [this](log_level l, std::string_view s) { lines_.emplace_back(l, std::string{s}); });
    }
    ~log_collector()
    {
        set_log_sink(std::move(previous_));
        flush();
    }
    log_collector(const log_collector&) = delete;
    log_collector& operator=(const log_collector&) = delete;

    /// Writes every line but those a `reported` message already contains (the caller prints
    /// those itself).
    void flush(const std::vector<std::string>& reported = {})
    {
        for (const auto& [level, line] : lines_) {
            bool repeated = false;
            for (const auto& r : reported)
                repeated = repeated || r.find(line) != std::string::npos;
            if (!repeated)
                err_ << "netcx: " << to_string(level) << ": " << line << '\n';
        }
        lines_.clear();
    }

private:
    std::ostream& err_;
    std::vector<std::pair<log_level, std::string>> lines_;
    log_sink previous_;
};

} // namespace

CLI::App* add_plan_command(CLI::App& app, plan_options& options)
{
    CLI::App* plan =
        app.add_subcommand("plan", "Print the buffer plan for a driver's adapter: what the "
                                   "buffer manager builds for each queue, and why");
    plan->add_option("--driver", options.driver,
                     "a built-in driver's name, or the path of a driver shared object")
        ->required();
    plan->add_option("--param", options.params,
                     "a device parameter KEY=VALUE (repeatable), e.g. dma=iommu, iommu_bits=32, "
                     "or a keyword the driver reads with NetConfigurationQueryUlong");
    plan->add_flag("--json", options.json, "print JSON (and only JSON) on stdout");
    return plan;
}

int run_plan(const plan_options& options, std::ostream& out, std::ostream& err)
{
    log_collector logs{err};
    const auto failed = [&](int code, const std::string& message) {
        logs.flush({message});
        err << "netcx plan: " << message << '\n';
        return code;
    };

    host::params params;
    for (const auto& text : options.params) {
        auto p = host::parse_param(text);
        if (!p)
            return failed(2, "--param '" + text + "': " + p.err().message);
        params.push_back(std::move(p).value());
    }

    host::host h;
    auto driver = h.load_driver(options.driver);
    if (!driver)
        return failed(1, driver.err().message);
    auto device = h.add_device(*driver, params);
    if (!device)
        return failed(1, device.err().message);

    // A refused start still has a plan: one whose errors say why there is nothing to build.
    auto started = h.start_device(*device);
    auto planned = h.plan(*device);
    if (!planned)
        return failed(1, planned.err().message);
    bm::buffer_plan plan = std::move(planned).value();
    if (!started && plan.errors.empty())
        plan.errors.push_back(started.err().message);

    // Tear down before printing, so a leak or a failing stop callback is reported too.
    for (const auto& done : {h.remove_device(*device), h.unload_driver(*driver)})
        if (!done)
            plan.errors.push_back(done.err().message);

    logs.flush(plan.errors);
    out << (options.json ? plan.to_json() + "\n" : plan.to_text());
    return plan.errors.empty() ? 0 : 1;
}

} // namespace netcx::tool
