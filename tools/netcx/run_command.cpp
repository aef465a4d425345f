// SPDX-License-Identifier: MIT
// `netcx run [--driver NAME|PATH] [--param [0:|1:]K=V]... [--protocol NAME[:K=V,...]]...
//            [--duration S] [--count N] [--size B] [--capture FILE] [--json] [--quiet]`
//
// The main job, in the order a host and two protocols live:
//   command line -> protocols made (their parameters checked) -> driver loaded, two devices
//   added and started -> each protocol bound with its preferences (the plans printed) -> Rx
//   queues posted -> protocols started, receivers first -> progress until the generator is done,
//   the deadline passes or SIGINT -> protocols stopped, generator first -> figures taken ->
//   unbind (what is still held is named and counted as leaked) -> devices removed -> report.
// Everything that can be refused before a device exists is (exit code 2); what fails after is a
// runtime failure (exit code 1), as are lost frames and leaked buffers. With --json, stdout
// carries only the JSON report; the progress line (on a terminal only) and netcx's log lines go
// to stderr.
#include "run_command.hpp"

#include "run_report.hpp"

#include <netcx/base/log.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <ostream>
#include <string>
#include <utility>

#include <netcx/drivers/builtin.hpp>
#include <netcx/protocol/protocol.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <unistd.h>

namespace netcx::tool {
namespace {

constexpr std::string_view default_wire = "netcx-run";
constexpr double default_duration_s = 3.0;
// The default is as fast as it goes and lossless: pktgen runs closed loop, at most a window of
// frames out and not yet back, well below the Rx and Tx rings (deep enough to ride out a context
// thread descheduled for ~20 ms on a busy machine), so no NIC finds its Rx ring empty and echo
// never finds its Tx ring full. Open loop
// (`--protocol pktgen:window=0`, or a rate) shows what a NIC does when overrun: it drops.
constexpr std::string_view default_window = "1024";
constexpr std::string_view default_simnic_ring = "4096";

/// Sets `key` (host and protocol parameters are the same type), replacing an earlier value.
void set_param(host::params& p, std::string key, std::string value)
{
    for (auto& [k, v] : p)
        if (k == key) {
            v = std::move(value);
            return;
        }
    p.emplace_back(std::move(key), std::move(value));
}

void erase_param(host::params& p, std::string_view key)
{
    std::erase_if(p, [&](const auto& kv) { return kv.first == key; });
}

/// "3", "0.5": the shortest text that reads back as `v`.
std::string number(double v)
{
    return fmt::format("{}", v);
}

/// Refuses zero and negative numbers by name (what is not a number fails its conversion next).
CLI::Validator positive()
{
    return CLI::Validator{[](std::string& text) -> std::string {
                              char* end = nullptr;
                              const double v = std::strtod(text.c_str(), &end);
                              if (end == text.c_str() || *end != '\0' || v > 0)
                                  return {};
                              return fmt::format("must be greater than 0 (got {})", text);
                          },
                          "> 0"};
}

} // namespace

// ---- The command line -------------------------------------------------------------------------

CLI::App* add_run_command(CLI::App& app, run_options& options)
{
    CLI::App* run = app.add_subcommand(
        "run", "Run traffic between two adapters and report it: by default two simnic adapters "
               "on a wire, pktgen on adapter0 and echo on adapter1, for 3 seconds");
    run->add_option("--driver", options.driver,
                    "the adapters' driver: a built-in name (simnic, null) or the path of a driver "
                    "shared object (default simnic)");
    run->add_option("--param", options.params,
                    "a device parameter KEY=VALUE for both adapters, or 0:KEY=VALUE / 1:KEY=VALUE "
                    "for one (repeatable)");
    run->add_option(
        "--protocol", options.protocols,
        "NAME[:KEY=VALUE,...] for adapter0, then adapter1 (default pktgen, then "
        "echo; built-in: pktgen, sink, echo); pktgen runs closed loop by default (window=1024 "
        "frames out at most; window=0 or a rate: open loop, which a NIC overrun "
        "answers with drops)");
    run->add_option("--duration", options.duration, "seconds pktgen sends for (default 3)")
        ->check(positive());
    run->add_option("--count", options.count, "frames pktgen sends (then it stops)")
        ->check(positive());
    run->add_option("--size", options.size, "frame size in bytes pktgen sends (default 64)")
        ->check(positive());
    run->add_option("--capture", options.capture,
                    "write the frames adapter0 receives to this pcapng file");
    run->add_flag("--json", options.json, "print the report as JSON (and only that) on stdout");
    run->add_flag("--quiet", options.quiet, "no progress line");
    return run;
}

result<std::array<host::params, run_adapters>> adapter_params(std::string_view driver,
                                                              const std::vector<std::string>& texts)
{
    std::array<host::params, run_adapters> out;
    for (std::size_t i = 0; i < run_adapters; ++i) {
        out[i].emplace_back("wire", std::string{default_wire});
        // simnic derives a MAC from the device; naming them makes captures readable.
        if (driver == "simnic") {
            out[i].emplace_back("NetworkAddress", fmt::format("02-00-00-00-00-{:02x}", i + 1));
            out[i].emplace_back("rx_hint", std::string{default_simnic_ring});
            out[i].emplace_back("tx_hint", std::string{default_simnic_ring}); // echo's Tx too
        }
    }
    // Unprefixed first, so `0:K=V` wins over `K=V` whatever the order on the command line.
    for (const bool prefixed : {false, true}) {
        for (const auto& text : texts) {
            const bool has_prefix =
                text.size() >= 2 && text[1] == ':' && text[0] >= '0' && text[0] <= '9';
            if (has_prefix != prefixed)
                continue;
            const std::size_t adapter = has_prefix ? static_cast<std::size_t>(text[0] - '0') : 0;
            if (has_prefix && adapter >= run_adapters)
                return error{status::invalid_parameter,
                             fmt::format("--param '{}': adapter {} does not exist (the run has "
                                         "adapters 0 and 1)",
                                         text, adapter)};
            auto p = host::parse_param(std::string_view{text}.substr(has_prefix ? 2 : 0));
            if (!p)
                return error{status::invalid_parameter,
                             fmt::format("--param '{}': {}", text, p.err().message)};
            for (std::size_t i = 0; i < run_adapters; ++i)
                if (!has_prefix || i == adapter)
                    set_param(out[i], p->first, p->second);
        }
    }
    return out;
}

std::string protocol_spec::label() const
{
    return capture.empty() ? name : fmt::format("capture({})", name);
}

result<protocol_spec> parse_protocol(std::string_view text)
{
    protocol_spec spec;
    const auto colon = text.find(':');
    spec.name = std::string{text.substr(0, colon)};
    if (spec.name.empty())
        return error{status::invalid_parameter,
                     fmt::format("--protocol '{}': no protocol name (NAME[:KEY=VALUE,...])", text)};
    if (colon == std::string_view::npos)
        return spec;
    std::string_view rest = text.substr(colon + 1);
    while (true) {
        const auto comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        if (!item.empty() && item.find('=') == std::string_view::npos && !spec.params.empty()) {
            // A list value continues: "sizes=64,128,1500".
            spec.params.back().second += fmt::format(",{}", item);
        } else {
            auto p = host::parse_param(item);
            if (!p)
                return error{status::invalid_parameter,
                             fmt::format("--protocol '{}': '{}': {}", text, item, p.err().message)};
            set_param(spec.params, p->first, p->second);
        }
        if (comma == std::string_view::npos)
            break;
        rest = rest.substr(comma + 1);
    }
    return spec;
}

result<std::array<protocol_spec, run_adapters>> protocol_specs(const run_options& o)
{
    if (o.count > 0 && o.duration > 0)
        return error{status::invalid_parameter,
                     "--count and --duration: give one (pktgen stops at a count or after a "
                     "duration)"};
    if (o.protocols.size() > run_adapters)
        return error{status::invalid_parameter,
                     fmt::format("--protocol given {} times: the run has {} adapters (the first "
                                 "--protocol is adapter0's, the second adapter1's)",
                                 o.protocols.size(), run_adapters)};
    std::array<protocol_spec, run_adapters> specs{protocol_spec{"pktgen"}, protocol_spec{"echo"}};
    for (std::size_t i = 0; i < o.protocols.size(); ++i) {
        auto s = parse_protocol(o.protocols[i]);
        if (!s)
            return s.err();
        if (s->name == "capture")
            return error{status::invalid_parameter,
                         fmt::format("--protocol '{}': capture wraps another protocol; use "
                                     "--capture FILE (it wraps adapter0's)",
                                     o.protocols[i])};
        specs[i] = std::move(s).value();
    }

    bool has_pktgen = false;
    for (auto& s : specs) {
        if (s.name != "pktgen")
            continue;
        has_pktgen = true;
        // A flag replaces what the spec said, including the key it excludes (pktgen takes a
        // count or a duration, a size or sizes).
        if (o.duration > 0) {
            erase_param(s.params, "count");
            set_param(s.params, "duration", number(o.duration));
        }
        if (o.count > 0) {
            erase_param(s.params, "duration");
            set_param(s.params, "count", std::to_string(o.count));
        }
        if (o.size > 0) {
            erase_param(s.params, "sizes");
            set_param(s.params, "size", std::to_string(o.size));
        }
        const auto has = [&](std::string_view key) {
            return std::any_of(s.params.begin(), s.params.end(),
                               [&](const auto& kv) { return kv.first == key; });
        };
        if (!has("rate") && !has("window"))
            set_param(s.params, "window", std::string{default_window});
        if (!has("duration") && !has("count"))
            set_param(s.params, "duration", number(default_duration_s));
    }
    if (!has_pktgen) {
        for (const auto& [flag, given] :
             {std::pair{"--count", o.count > 0}, std::pair{"--size", o.size > 0}})
            if (given)
                return error{status::invalid_parameter,
                             fmt::format("{} is pktgen's, and neither adapter runs pktgen", flag)};
    }
    if (!o.capture.empty())
        specs[0].capture = o.capture;
    return specs;
}

// ---- The run ----------------------------------------------------------------------------------

namespace {

using clock = std::chrono::steady_clock;

volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_sigint(int)
{
    interrupted = 1;
}

/// SIGINT ends the run early (and still reports) for the command's lifetime.
class sigint_guard {
public:
    sigint_guard()
    {
        interrupted = 0;
        struct sigaction sa = {};
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, &previous_);
    }
    ~sigint_guard() { ::sigaction(SIGINT, &previous_, nullptr); }
    sigint_guard(const sigint_guard&) = delete;
    sigint_guard& operator=(const sigint_guard&) = delete;

private:
    struct sigaction previous_ = {};
};

/// stderr's writer: netcx's log lines (from any thread) and the progress line share it. Before
/// and after the run, log lines are held and written by `flush`, minus those a reported message
/// already contains (a refusal logs its line, then the command reports the same sentence); while
/// running they are written at once, erasing the progress line, which the next tick redraws.
class console {
public:
    console(std::ostream& err, bool progress) : err_(err), progress_(progress)
    {
        if (std::getenv("NETCX_LOG") == nullptr)
            set_log_level(log_level::warning); // a tool shows problems, not progress
        previous_ = set_log_sink([this](log_level l, std::string_view s) {
            const std::lock_guard g{lock_};
            if (holding_) {
                held_.push_back(fmt::format("netcx: {}: {}", to_string(l), s));
                return;
            }
            erase_progress();
            err_ << "netcx: " << to_string(l) << ": " << s << '\n';
        });
    }
    ~console()
    {
        set_log_sink(std::move(previous_));
        end_progress();
        flush();
    }
    console(const console&) = delete;
    console& operator=(const console&) = delete;

    /// Holds log lines from now on.
    void hold()
    {
        const std::lock_guard g{lock_};
        holding_ = true;
    }
    /// Writes the held lines but those `reported` contains, and writes lines at once from now on.
    void flush(const std::vector<std::string>& reported = {})
    {
        const std::lock_guard g{lock_};
        for (const auto& line : held_) {
            const auto text = line.substr(line.find(": ", 7) + 2); // after "netcx: LEVEL: "
            const bool repeated = std::any_of(reported.begin(), reported.end(), [&](const auto& r) {
                return r.find(text) != std::string::npos;
            });
            if (!repeated)
                err_ << line << '\n';
        }
        held_.clear();
        holding_ = false;
    }
    void progress(const std::string& line)
    {
        if (!progress_)
            return;
        const std::lock_guard g{lock_};
        err_ << '\r' << line << "\033[K" << std::flush;
        shown_ = true;
    }
    /// Leaves the last progress line on screen and moves below it.
    void end_progress()
    {
        const std::lock_guard g{lock_};
        if (shown_)
            err_ << '\n' << std::flush;
        shown_ = false;
    }
    /// The command's own message, after the held log lines it does not repeat.
    void report(const std::string& message)
    {
        flush({message});
        const std::lock_guard g{lock_};
        erase_progress();
        err_ << message << '\n';
    }

private:
    void erase_progress()
    {
        if (shown_)
            err_ << "\r\033[K";
        shown_ = false;
    }

    std::ostream& err_;
    bool progress_;
    bool shown_ = false;
    bool holding_ = true;
    std::vector<std::string> held_;
    std::mutex lock_;
    log_sink previous_;
};

bool is_path(std::string_view driver)
{
    return driver.find('/') != std::string_view::npos ||
           (driver.size() > 3 && driver.substr(driver.size() - 3) == ".so");
}

std::string joined(const std::vector<std::string>& v)
{
    std::string s;
    for (const auto& x : v)
        s += (s.empty() ? "" : ", ") + x;
    return s;
}

/// Everything one run holds, destroyed in reverse: bindings before the protocols they call,
/// both before the host that owns the devices.
struct session {
    host::host host;
    std::array<std::unique_ptr<protocols::builtin>, run_adapters> protocols;
    std::array<host::device_id, run_adapters> devices{};
    std::array<std::unique_ptr<protocol::binding>, run_adapters> bindings;
    std::array<bool, run_adapters> started{};
    host::driver_id driver{};
    bool driver_loaded = false;
};

/// The live figures: traffic from the protocols, drops and buffers from the bindings.
progress_sample sample(const session& s, const run_report& shape, double elapsed)
{
    run_report r;
    r.adapters = shape.adapters;
    for (std::size_t i = 0; i < run_adapters; ++i)
        r.adapters[i].traffic = s.protocols[i]->report();
    summarize(r);
    progress_sample p;
    p.elapsed_s = elapsed;
    p.sent = r.sent;
    p.received = r.received;
    for (const auto& b : s.bindings) {
        const auto st = b->stats();
        for (const auto n : st.rx.rx_drops)
            p.drops += n;
        for (const auto n : st.tx.tx_drops)
            p.drops += n;
        p.in_flight += st.in_flight;
    }
    return p;
}

} // namespace

int run_run(const run_options& o, std::ostream& out, std::ostream& err)
{
    const bool show_progress = !o.quiet && ::isatty(STDERR_FILENO) == 1;
    console con{err, show_progress};
    const auto failed = [&](int code, const std::string& message) {
        con.report("netcx run: " + message);
        return code;
    };

    // 1. Everything the command line decides, before any device exists.
    auto params = adapter_params(o.driver, o.params);
    if (!params)
        return failed(2, params.err().message);
    auto specs = protocol_specs(o);
    if (!specs)
        return failed(2, specs.err().message);

    session s;
    run_report report;
    for (std::size_t i = 0; i < run_adapters; ++i) {
        const auto& spec = (*specs)[i];
        auto p = protocols::make(spec.name, spec.params);
        if (!p)
            return failed(2, fmt::format("--protocol '{}': {}", spec.name, p.err().message));
        if ((*p)->adapters() != 1)
            return failed(2, fmt::format("--protocol '{}': it binds {} adapters; netcx run binds "
                                         "one protocol to each adapter (pktgen, sink, echo)",
                                         spec.name, (*p)->adapters()));
        if (!spec.capture.empty()) {
            auto c = protocols::make("capture", {{"file", spec.capture}}, std::move(p).value());
            if (!c)
                return failed(2, fmt::format("--capture '{}': {}", spec.capture, c.err().message));
            p = std::move(c);
        }
        s.protocols[i] = std::move(p).value();
        report.adapters.push_back({fmt::format("adapter{}", i), o.driver, spec.label(), spec.name});
    }

    // 2. The driver and its two devices.
    netcx_register_builtin_drivers(s.host);
    if (!is_path(o.driver)) {
        const auto names = s.host.builtin_names();
        if (std::find(names.begin(), names.end(), o.driver) == names.end())
            return failed(2, fmt::format("--driver '{}': no such built-in driver ({}); a driver "
                                         "shared object is given by its path",
                                         o.driver, joined(names)));
    }
    auto driver = s.host.load_driver(o.driver);
    if (!driver)
        return failed(1, driver.err().message);
    s.driver = *driver;
    s.driver_loaded = true;
    for (std::size_t i = 0; i < run_adapters; ++i) {
        auto dev = s.host.add_device(s.driver, (*params)[i]);
        if (!dev)
            return failed(1, fmt::format("adapter{}: {}", i, dev.err().message));
        s.devices[i] = *dev;
        if (auto st = s.host.start_device(*dev); !st)
            return failed(1, fmt::format("adapter{}: {}", i, st.err().message));
    }
    const auto infos = s.host.adapters();
    for (std::size_t i = 0; i < run_adapters; ++i)
        for (const auto& a : infos)
            if (a.device == s.devices[i])
                report.adapters[i].name = a.name;

    // 3. Bind: each protocol's preferences negotiated with its adapter's constraints.
    for (std::size_t i = 0; i < run_adapters; ++i) {
        auto b =
            protocol::bind(s.host, s.devices[i], *s.protocols[i], s.protocols[i]->preferences());
        if (!b)
            return failed(1, fmt::format("binding {} to {}: {}", report.adapters[i].protocol,
                                         report.adapters[i].name, b.err().message));
        s.bindings[i] = std::move(b).value();
        report.plans.push_back(s.bindings[i]->plan());
        if (!o.json)
            out << report.plans.back().to_text() << '\n' << std::flush;
    }

    // 4. Start: receivers first, so the first frames find someone listening.
    summarize(report);
    const std::size_t sender = report.sender;
    std::array<std::size_t, run_adapters> order{};
    for (std::size_t k = 0; k < run_adapters; ++k)
        order[k] = (sender + k) % run_adapters; // sender first: the order to stop in
    const auto stop_started = [&] {
        for (const std::size_t i : order)
            if (s.started[i]) {
                s.protocols[i]->stop();
                s.started[i] = false;
            }
    };
    for (auto k = run_adapters; k-- > 0;) {
        const std::size_t i = order[k];
        protocol::binding* const b = s.bindings[i].get();
        if (auto st = s.protocols[i]->start(std::span<protocol::binding* const>{&b, 1}); !st) {
            stop_started();
            return failed(1, fmt::format("starting {} on {}: {}", report.adapters[i].protocol,
                                         report.adapters[i].name, st.err().message));
        }
        s.started[i] = true;
    }

    // 5. Run: pktgen ends the run (count or duration reached, stragglers collected); the
    // deadline only guards against a generator that never finishes, or ends a run without one.
    const bool generated = report.adapters[sender].role == "pktgen";
    const double planned_s = o.duration > 0 ? o.duration : default_duration_s;
    const double limit_s =
        !generated ? planned_s : (o.count > 0 && o.duration <= 0 ? 60.0 : planned_s + 10);
    con.flush(); // from here, log lines as they come
    const sigint_guard sigint;
    progress_meter meter;
    const auto t0 = clock::now();
    auto next_line = t0;
    auto next_sample = t0;
    double elapsed = 0;
    while (true) {
        const auto now = clock::now();
        elapsed = std::chrono::duration<double>(now - t0).count();
        bool done = interrupted != 0 || elapsed >= limit_s;
        for (const auto& p : s.protocols)
            done = done || p->done();
        if (done)
            break;
        // done() is checked often (a short run's duration is measured to ~1 ms); the figures,
        // which sum every pool, every 20 ms; the line 4 times a second.
        if (now >= next_line) {
            con.progress(meter.update(sample(s, report, elapsed)));
            next_line += std::chrono::milliseconds(250);
        } else if (now >= next_sample) {
            meter.record(sample(s, report, elapsed));
            next_sample = now + std::chrono::milliseconds(20);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    con.progress(meter.update(sample(s, report, elapsed)));
    con.end_progress();
    report.elapsed_s = elapsed;
    report.duration_s = meter.active_s() > 0 ? meter.active_s() : elapsed;
    con.hold(); // teardown errors are reported once, in the report
    if (interrupted != 0)
        report.errors.emplace_back("interrupted (SIGINT) before the run's end");
    else if (generated && elapsed >= limit_s)
        report.errors.push_back(fmt::format("pktgen did not finish within {:.0f} s", limit_s));

    // 6. Stop (the generator first), take the figures, unbind.
    stop_started();
    for (std::size_t i = 0; i < run_adapters; ++i) {
        report.adapters[i].traffic = s.protocols[i]->report();
        add_binding_stats(report, s.bindings[i]->stats());
    }
    report.peak_in_flight = meter.peak_in_flight();
    summarize(report);
    for (std::size_t i = 0; i < run_adapters; ++i) {
        auto& b = s.bindings[i];
        if (auto st = b->unbind(std::chrono::seconds(1)); !st) {
            // The refusal names what is held (leak_report's "N buffers outstanding"); failing
            // that, after a refused unbind the queues are stopped and the rings empty, so what
            // is still out of the pools is what the protocol holds; at least one either way.
            std::uint64_t held = buffers_named(st.err().message);
            if (held == 0)
                held = b->stats().in_flight;
            report.leaked_buffers += std::max<std::uint64_t>(1, held);
            report.leaks.push_back(
                fmt::format("{}: {}", report.adapters[i].name, st.err().message));
        }
        b.reset();
    }

    // 7. Tear down, so a failing driver callback is reported too.
    for (std::size_t i = 0; i < run_adapters; ++i)
        if (auto st = s.host.remove_device(s.devices[i]); !st)
            report.errors.push_back(st.err().message);
    if (auto st = s.host.unload_driver(s.driver); !st)
        report.errors.push_back(st.err().message);

    const auto failures = report.failures();
    con.flush(failures);
    out << (o.json ? to_json(report) + "\n" : to_text(report)) << std::flush;
    if (failures.empty())
        return 0;
    con.report("netcx run: failed: " + joined(failures));
    return 1;
}

} // namespace netcx::tool
