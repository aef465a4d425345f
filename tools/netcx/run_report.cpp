// SPDX-License-Identifier: MIT
// `netcx run`'s report: summarizing the protocols' figures, and the text, JSON and progress
// renderings. Rates are over the run's measured duration; Gbit/s counts frame bytes as the
// protocols see them (no preamble, no inter-frame gap, no FCS).
#include "run_report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <regex>

namespace netcx::tool {
namespace {

using json = nlohmann::ordered_json;

double per_second(std::uint64_t n, double seconds) noexcept
{
    return seconds > 0 ? static_cast<double>(n) / seconds : 0.0;
}

/// "850 ns", "12.3 us", "1.18 ms".
std::string latency(std::uint64_t ns)
{
    if (ns < 10'000)
        return fmt::format("{} ns", ns);
    if (ns < 1'000'000)
        return fmt::format("{:.1f} us", static_cast<double>(ns) / 1e3);
    return fmt::format("{:.2f} ms", static_cast<double>(ns) / 1e6);
}

/// "rx.verifier 3, tx.cancelled 1", or "none".
std::string nonzero(const reason_counts& counts)
{
    std::string s;
    for (const auto& [reason, n] : counts)
        if (n != 0)
            s += fmt::format("{}{} {}", s.empty() ? "" : ", ", reason, n);
    return s.empty() ? "none" : s;
}

std::uint64_t sum(const reason_counts& counts) noexcept
{
    std::uint64_t n = 0;
    for (const auto& c : counts)
        n += c.second;
    return n;
}

void add(reason_counts& counts, const std::string& reason, std::uint64_t n)
{
    for (auto& c : counts)
        if (c.first == reason) {
            c.second += n;
            return;
        }
    counts.emplace_back(reason, n);
}

/// Echo and bridge send what they receive back out: the sender's own report is the round trip.
bool returns_traffic(const std::string& role)
{
    return role == "echo" || role == "bridge";
}

} // namespace

double run_report::mpps() const noexcept
{
    return per_second(received, duration_s) / 1e6;
}

double run_report::mpps_sent() const noexcept
{
    return per_second(sent, duration_s) / 1e6;
}

double run_report::gbps() const noexcept
{
    return per_second(bytes_received * 8, duration_s) / 1e9;
}

double run_report::gbps_sent() const noexcept
{
    return per_second(bytes_sent * 8, duration_s) / 1e9;
}

std::uint64_t run_report::total_drops() const noexcept
{
    return sum(drops);
}

std::vector<std::string> run_report::failures() const
{
    std::vector<std::string> f;
    if (sent == 0)
        f.emplace_back("nothing was sent");
    if (lost != 0)
        f.push_back(fmt::format("{} frame{} lost", lost, lost == 1 ? "" : "s"));
    if (leaked_buffers != 0)
        f.push_back(fmt::format("{} buffer{} leaked (still held at unbind)", leaked_buffers,
                                leaked_buffers == 1 ? "" : "s"));
    else if (!leaks.empty())
        f.emplace_back("buffers leaked (still held at unbind)");
    if (integrity_errors != 0)
        f.push_back(fmt::format("{} frame{} corrupted", integrity_errors,
                                integrity_errors == 1 ? "" : "s"));
    for (const auto& e : errors)
        f.push_back(e);
    return f;
}

void summarize(run_report& r)
{
    if (r.adapters.empty())
        return;
    std::size_t sender = r.adapters.size();
    for (std::size_t i = 0; i < r.adapters.size() && sender == r.adapters.size(); ++i)
        if (r.adapters[i].role == "pktgen")
            sender = i;
    for (std::size_t i = 0; i < r.adapters.size() && sender == r.adapters.size(); ++i)
        if (r.adapters[i].traffic.sent != 0)
            sender = i;
    if (sender == r.adapters.size())
        sender = 0;

    // The other side: the next adapter (a run has one or two).
    const std::size_t other = r.adapters.size() > 1 ? (sender + 1) % r.adapters.size() : sender;
    r.round_trip = other == sender || returns_traffic(r.adapters[other].role);
    r.sender = sender;
    r.receiver = r.round_trip ? sender : other;

    const auto& s = r.adapters[sender].traffic;
    const auto& v = r.adapters[r.receiver].traffic;
    r.sent = s.sent;
    r.bytes_sent = s.sent_bytes;
    r.received = v.received;
    r.bytes_received = v.received_bytes;
    r.lost = v.lost;
    r.out_of_order = v.out_of_order;
    r.duplicates = v.duplicates;
    r.integrity_errors = v.integrity_errors;
    r.has_latency = v.has_latency;
    r.latency_p50_ns = v.latency_p50_ns;
    r.latency_p99_ns = v.latency_p99_ns;
    r.latency_p999_ns = v.latency_p999_ns;
    r.latency_max_ns = v.latency_max_ns;
}

void zero_reasons(run_report& r)
{
    using namespace datapath;
    for (std::size_t i = 0; i < static_cast<std::size_t>(rx_drop::count_); ++i)
        add(r.drops, fmt::format("rx.{}", to_string(static_cast<rx_drop>(i))), 0);
    for (std::size_t i = 0; i < static_cast<std::size_t>(tx_drop::count_); ++i)
        add(r.drops, fmt::format("tx.{}", to_string(static_cast<tx_drop>(i))), 0);
    for (std::size_t i = 0; i < static_cast<std::size_t>(bounce_reason::count_); ++i)
        add(r.bounces, std::string{to_string(static_cast<bounce_reason>(i))}, 0);
}

void add_binding_stats(run_report& r, const protocol::binding_stats& s)
{
    using namespace datapath;
    if (r.drops.empty())
        zero_reasons(r);
    for (std::size_t i = 0; i < s.rx.rx_drops.size(); ++i)
        add(r.drops, fmt::format("rx.{}", to_string(static_cast<rx_drop>(i))), s.rx.rx_drops[i]);
    for (std::size_t i = 0; i < s.tx.tx_drops.size(); ++i)
        add(r.drops, fmt::format("tx.{}", to_string(static_cast<tx_drop>(i))), s.tx.tx_drops[i]);
    // Bounces happen on Tx; an Rx queue's array stays zero but is summed for completeness.
    for (std::size_t i = 0; i < s.tx.bounces.size(); ++i)
        add(r.bounces, std::string{to_string(static_cast<bounce_reason>(i))},
            s.tx.bounces[i] + s.rx.bounces[i]);
    r.alloc_fast += s.alloc_fast;
    r.alloc_slow += s.alloc_slow;
    r.cross_thread_returns += s.cross_thread;
}

std::uint64_t buffers_named(std::string_view message)
{
    static const std::regex figure{R"((\d+) buffers? (outstanding|held|still held))"};
    std::uint64_t n = 0;
    const std::string text{message};
    for (auto it = std::sregex_iterator(text.begin(), text.end(), figure);
         it != std::sregex_iterator(); ++it)
        n += std::stoull((*it)[1].str());
    return n;
}

std::string to_text(const run_report& r)
{
    std::string s;
    if (r.adapters.empty())
        return s;
    const auto& snd = r.adapters[r.sender];
    const auto& rcv = r.adapters[r.receiver];
    s += fmt::format("netcx run: {:.2f} s of traffic ({:.2f} s in all)", r.duration_s,
                     std::max(r.elapsed_s, r.duration_s));
    for (std::size_t i = 0; i < r.adapters.size(); ++i)
        s += fmt::format("{} {} on {} ({})", i == 0 ? "," : ";", r.adapters[i].protocol,
                         r.adapters[i].name, r.adapters[i].driver);
    s += "\n\n";

    s += fmt::format("  {:<28} {:>12} {:>14} {:>9} {:>9}\n", "traffic", "frames", "bytes", "Mpps",
                     "Gbit/s");
    s += fmt::format("  {:<28} {:>12} {:>14} {:>9.3f} {:>9.3f}\n",
                     fmt::format("sent by {}", snd.name), r.sent, r.bytes_sent, r.mpps_sent(),
                     r.gbps_sent());
    s += fmt::format("  {:<28} {:>12} {:>14} {:>9.3f} {:>9.3f}\n",
                     r.round_trip ? fmt::format("received back by {}", rcv.name)
                                  : fmt::format("received by {}", rcv.name),
                     r.received, r.bytes_received, r.mpps(), r.gbps());
    s += fmt::format("  {:<28} {}   (out of order {}, duplicates {}, integrity errors {})\n",
                     "lost", r.lost, r.out_of_order, r.duplicates, r.integrity_errors);
    if (r.has_latency)
        s += fmt::format("  {:<28} p50 {}   p99 {}   p99.9 {}   max {}\n",
                         r.round_trip ? "latency (round trip)" : "latency (one way)",
                         latency(r.latency_p50_ns), latency(r.latency_p99_ns),
                         latency(r.latency_p999_ns), latency(r.latency_max_ns));
    else
        s += fmt::format("  {:<28} not measured\n", "latency");
    s += fmt::format("  {:<28} {}\n", "framework drops", nonzero(r.drops));
    s += fmt::format("  {:<28} {}\n", "tx bounces", nonzero(r.bounces));

    s += "\n  buffer manager\n";
    s += fmt::format("  {:<28} fast {}, slow {}\n", "  allocations", r.alloc_fast, r.alloc_slow);
    s += fmt::format("  {:<28} {}\n", "  cross-thread returns", r.cross_thread_returns);
    s += fmt::format("  {:<28} {}\n", "  peak in flight (sampled)", r.peak_in_flight);
    s += fmt::format("  {:<28} {}\n", "  leaked buffers", r.leaked_buffers);
    for (const auto& l : r.leaks)
        s += fmt::format("    {}\n", l);

    const auto failed = r.failures();
    if (failed.empty()) {
        s += fmt::format("\nresult: pass (lost 0, leaked 0)\n");
    } else {
        s += "\nresult: FAIL";
        for (std::size_t i = 0; i < failed.size(); ++i)
            s += fmt::format("{} {}", i == 0 ? ":" : ";", failed[i]);
        s += '\n';
    }
    return s;
}

std::string to_json(const run_report& r)
{
    json j;
    j["sent"] = r.sent;
    j["received"] = r.received;
    j["lost"] = r.lost;
    j["leaked_buffers"] = r.leaked_buffers;
    j["mpps"] = r.mpps();
    j["mpps_sent"] = r.mpps_sent();
    j["bytes_sent"] = r.bytes_sent;
    j["bytes_received"] = r.bytes_received;
    j["gbps"] = r.gbps();
    j["gbps_sent"] = r.gbps_sent();
    j["duration_s"] = r.duration_s;
    j["elapsed_s"] = std::max(r.elapsed_s, r.duration_s);
    j["round_trip"] = r.round_trip;
    j["out_of_order"] = r.out_of_order;
    j["duplicates"] = r.duplicates;
    j["integrity_errors"] = r.integrity_errors;
    if (r.has_latency)
        j["latency_ns"] = {{"p50", r.latency_p50_ns},
                           {"p99", r.latency_p99_ns},
                           {"p999", r.latency_p999_ns},
                           {"max", r.latency_max_ns}};
    else
        j["latency_ns"] = nullptr;
    j["drops"] = json::object();
    for (const auto& [reason, n] : r.drops)
        j["drops"][reason] = n;
    j["bounces"] = json::object();
    for (const auto& [reason, n] : r.bounces)
        j["bounces"][reason] = n;
    j["buffers"] = {{"alloc_fast", r.alloc_fast},
                    {"alloc_slow", r.alloc_slow},
                    {"cross_thread_returns", r.cross_thread_returns},
                    {"peak_in_flight", r.peak_in_flight}};
    j["leaks"] = r.leaks;

    j["adapters"] = json::array();
    for (const auto& a : r.adapters) {
        const auto& t = a.traffic;
        json traffic = {{"sent", t.sent},
                        {"sent_bytes", t.sent_bytes},
                        {"received", t.received},
                        {"received_bytes", t.received_bytes},
                        {"lost", t.lost},
                        {"out_of_order", t.out_of_order},
                        {"duplicates", t.duplicates},
                        {"integrity_errors", t.integrity_errors},
                        {"foreign", t.foreign},
                        {"send_refused", t.send_refused},
                        {"forwarded", t.forwarded}};
        j["adapters"].push_back({{"name", a.name},
                                 {"driver", a.driver},
                                 {"protocol", a.protocol},
                                 {"traffic", std::move(traffic)}});
    }
    j["plans"] = json::array();
    for (const auto& p : r.plans)
        j["plans"].push_back(json::parse(p.to_json()));
    j["errors"] = r.errors;
    j["passed"] = r.failures().empty();
    return j.dump(2);
}

void progress_meter::record(const progress_sample& s) noexcept
{
    peak_in_flight_ = std::max(peak_in_flight_, s.in_flight);
    if (s.sent + s.received != moved_) {
        moved_ = s.sent + s.received;
        active_s_ = s.elapsed_s;
    }
}

std::string progress_meter::update(const progress_sample& s)
{
    record(s);
    const double dt = s.elapsed_s - last_.elapsed_s;
    const auto rate = [&](std::uint64_t now, std::uint64_t before) {
        return dt > 0 && now >= before ? static_cast<double>(now - before) / dt / 1e6 : 0.0;
    };
    std::string line = fmt::format("{:6.1f} s  tx {:7.3f} Mpps  rx {:7.3f} Mpps  drops {}  "
                                   "in flight {}",
                                   s.elapsed_s, rate(s.sent, last_.sent),
                                   rate(s.received, last_.received), s.drops, s.in_flight);
    last_ = s;
    return line;
}

} // namespace netcx::tool
