// SPDX-License-Identifier: MIT
// `netcx plan --driver NAME|PATH [--param KEY=VALUE ...] [--json] [preferences]`
//
// Plays the host's part once: load the driver, add one device with the parameters, start it
// (EvtAdapterSetCapabilities runs there), print the buffer plan, then stop and unload. With any
// protocol preference (--rx-queues, --tx-queues, --headroom, --buffer-size, --numa, --register,
// --protocol) the plan is negotiated with them (host::plan(device, prefs)): conflicts are listed
// in it. --register takes addresses only: nothing is mapped, the plan only needs to know where
// the ranges are. With
// --json, stdout carries only the JSON document; diagnostics go to stderr. netcx's own log lines
// are collected while the command runs and printed to stderr before its result, minus the one
// line that merely repeats the error the command reports.
#include "plan_command.hpp"

#include <netcx/base/log.hpp>
#include <netcx/host/host.hpp>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
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

/// A number in decimal or, with 0x, hex; nothing else in the text.
std::optional<std::uint64_t> parse_number(std::string_view text)
{
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    std::uint64_t v = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v, base);
    if (text.empty() || ec != std::errc{} || ptr != end)
        return std::nullopt;
    return v;
}

/// The protocol preferences the flags give, or the sentence naming the flag at fault.
struct parsed_preferences {
    bm::protocol_preferences prefs;
    bool any = false;
    std::string error;
};

parsed_preferences parse_preferences(const plan_options& o)
{
    parsed_preferences r;
    const auto bad = [&](std::string_view flag, const std::string& text, std::string_view why) {
        if (r.error.empty())
            r.error = std::string{flag} + " '" + text + "': " + std::string{why};
    };
    // A 32-bit count or size: `least` is the smallest accepted.
    const auto u32 = [&](std::string_view flag, const std::optional<std::string>& text,
                         std::uint32_t least, std::uint32_t& out) {
        if (!text)
            return;
        r.any = true;
        const auto v = parse_number(*text);
        if (!v)
            return bad(flag, *text, "not a number");
        if (*v < least || *v > std::numeric_limits<std::uint32_t>::max())
            return bad(flag, *text,
                       "out of range " + std::to_string(least) + ".." +
                           std::to_string(std::numeric_limits<std::uint32_t>::max()));
        out = static_cast<std::uint32_t>(*v);
    };
    u32("--rx-queues", o.rx_queues, 1, r.prefs.rx_queues);
    u32("--tx-queues", o.tx_queues, 1, r.prefs.tx_queues);
    u32("--headroom", o.headroom, 0, r.prefs.headroom);
    u32("--buffer-size", o.buffer_size, 1, r.prefs.buffer_size);
    if (o.numa) {
        r.any = true;
        const auto v = parse_number(*o.numa);
        if (!v)
            bad("--numa", *o.numa, "not a NUMA node number");
        else if (*v > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
            bad("--numa", *o.numa, "out of range");
        else
            r.prefs.numa_node = static_cast<int>(*v);
    }
    for (const auto& text : o.registered) {
        r.any = true;
        const auto colon = text.find(':');
        if (colon == std::string::npos) {
            bad("--register", text, "expected ADDR:BYTES (hex with 0x, or decimal)");
            continue;
        }
        const auto base = parse_number(std::string_view{text}.substr(0, colon));
        const auto bytes = parse_number(std::string_view{text}.substr(colon + 1));
        if (!base)
            bad("--register", text, "ADDR is not a number (hex with 0x, or decimal)");
        else if (!bytes)
            bad("--register", text, "BYTES is not a number (hex with 0x, or decimal)");
        else
            r.prefs.registered.push_back({*base, *bytes});
    }
    if (o.protocol) {
        r.any = true;
        r.prefs.protocol = *o.protocol;
    }
    return r;
}

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
    // Protocol preferences: the plan is negotiated with them, and says what lost and why.
    const auto preference = [&](const char* name, std::optional<std::string>& to,
                                const char* help) {
        plan->add_option_function<std::string>(
            name, [&to](const std::string& v) { to = v; }, help);
    };
    preference("--rx-queues", options.rx_queues, "a protocol's preference: N Rx queues");
    preference("--tx-queues", options.tx_queues, "a protocol's preference: N Tx queues");
    preference("--headroom", options.headroom,
               "a protocol's preference: N bytes free before each received payload");
    preference("--buffer-size", options.buffer_size,
               "a protocol's preference: N-byte Rx buffers (headroom included)");
    preference("--numa", options.numa, "a protocol's preference: NUMA node N");
    plan->add_option("--register", options.registered,
                     "a protocol's registered memory ADDR:BYTES (repeatable; hex with 0x or "
                     "decimal; nothing is mapped)");
    preference("--protocol", options.protocol, "the protocol's name, for the plan's reasons");
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
    const parsed_preferences prefs = parse_preferences(options);
    if (!prefs.error.empty())
        return failed(2, prefs.error);

    host::host h;
    auto driver = h.load_driver(options.driver);
    if (!driver)
        return failed(1, driver.err().message);
    auto device = h.add_device(*driver, params);
    if (!device)
        return failed(1, device.err().message);

    // A refused start still has a plan: one whose errors say why there is nothing to build.
    auto started = h.start_device(*device);
    auto planned = started && prefs.any ? h.plan(*device, prefs.prefs) : h.plan(*device);
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
