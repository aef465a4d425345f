// SPDX-License-Identifier: MIT
// `netcx run`'s report: what one run measured, built from the protocols' traffic reports and the
// bindings' figures, and rendered as text, as JSON, and as the live progress line. Pure values
// and functions (no host, no binding), so each piece is tested on its own.
#pragma once

#include <netcx/bm/plan.hpp>
#include <netcx/protocol/protocol.hpp>
#include <netcx/protocols/builtin.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace netcx::tool {

/// One adapter of the run, and what its protocol saw.
struct run_adapter {
    std::string name;     ///< "adapter0"
    std::string driver;   ///< "simnic" or a path
    std::string protocol; ///< as given: "pktgen", "capture(echo)", ...
    /// The protocol's innermost name ("echo" for "capture(echo)"): what it does to traffic.
    std::string role;
    protocols::traffic_report traffic;
};

/// Counts keyed by reason, in the order the framework's enums list them.
using reason_counts = std::vector<std::pair<std::string, std::uint64_t>>;

struct run_report {
    std::vector<run_adapter> adapters;
    std::vector<bm::buffer_plan> plans; ///< one per adapter, as negotiated
    double duration_s = 0; ///< while frames flowed (sampled every 20 ms): the rates' divisor
    double elapsed_s = 0;  ///< the whole run, pktgen's wait for stragglers included

    // The traffic, as summarize() picks it from the adapters' reports.
    std::uint64_t sent = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t received = 0;
    std::uint64_t bytes_received = 0;
    std::uint64_t lost = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t integrity_errors = 0;
    bool round_trip = false;  ///< received back by the sender (echo), else by the other side
    std::size_t sender = 0;   ///< index into adapters
    std::size_t receiver = 0; ///< index into adapters
    bool has_latency = false;
    std::uint64_t latency_p50_ns = 0;
    std::uint64_t latency_p99_ns = 0;
    std::uint64_t latency_p999_ns = 0;
    std::uint64_t latency_max_ns = 0;

    // The framework's figures, summed over every binding.
    reason_counts drops;   ///< "rx.<rx_drop>" and "tx.<tx_drop>", every reason (zeros too)
    reason_counts bounces; ///< "<bounce_reason>", every reason
    std::uint64_t alloc_fast = 0;
    std::uint64_t alloc_slow = 0;
    std::uint64_t cross_thread_returns = 0;
    std::uint64_t peak_in_flight = 0; ///< sampled while running
    /// Buffers still held when unbind gave up (0 when every unbind succeeded).
    std::uint64_t leaked_buffers = 0;
    std::vector<std::string> leaks;  ///< unbind's messages naming what is held
    std::vector<std::string> errors; ///< failures while stopping and tearing down

    [[nodiscard]] double mpps() const noexcept;      ///< received frames per second, millions
    [[nodiscard]] double mpps_sent() const noexcept; ///< sent frames per second, millions
    [[nodiscard]] double gbps() const noexcept;      ///< received frame bytes, Gbit/s
    [[nodiscard]] double gbps_sent() const noexcept;
    /// Frames dropped by the framework, every reason.
    [[nodiscard]] std::uint64_t total_drops() const noexcept;
    /// Why the run failed ("3 frames lost", "2 buffers leaked", a teardown error); empty: it
    /// passed. Exit code 1 when not empty.
    [[nodiscard]] std::vector<std::string> failures() const;
};

/// Picks the traffic figures from the adapters' reports: the sender is the first adapter whose
/// protocol is pktgen (else the first that sent anything, else adapter 0); when the other side
/// echoes or bridges, the sender's own report measures the round trip, else the other side's
/// receive figures (a sink) are used.
void summarize(run_report& r);

/// Adds one binding's figures (drops, bounces, allocations, cross-thread returns).
void add_binding_stats(run_report& r, const protocol::binding_stats& s);

/// Every drop and bounce reason with a zero count, in enum order.
void zero_reasons(run_report& r);

/// Buffers an unbind refusal names: the sum of every "N buffer(s) outstanding" or "N buffer(s)
/// held" in it (leak_report::describe()'s wording); 0 if it names none.
[[nodiscard]] std::uint64_t buffers_named(std::string_view message);

/// The final report for a person (without the plans, which are printed before the run).
[[nodiscard]] std::string to_text(const run_report& r);
/// The report as one JSON object (plans included, parsed from plan.to_json()).
[[nodiscard]] std::string to_json(const run_report& r);

/// What the progress line shows at one instant (cumulative figures).
struct progress_sample {
    double elapsed_s = 0;
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t drops = 0;
    std::uint64_t in_flight = 0;
};

/// Turns successive samples into the progress line (rates over the last interval), and keeps
/// what the samples say about the whole run: the peak of buffers in flight, and when traffic last
/// moved (a run ends after pktgen's grace period; rates are over the time frames flowed).
class progress_meter {
public:
    /// Records `s`; returns the line (no '\r', no newline):
    /// "   1.5 s  tx   2.410 Mpps  rx   2.410 Mpps  drops 0  in flight 1024".
    std::string update(const progress_sample& s);
    /// Records a sample taken between lines.
    void record(const progress_sample& s) noexcept;
    [[nodiscard]] std::uint64_t peak_in_flight() const noexcept { return peak_in_flight_; }
    /// The elapsed time of the first sample at which sent and received reached their latest
    /// values (0 before anything moved).
    [[nodiscard]] double active_s() const noexcept { return active_s_; }

private:
    progress_sample last_;
    std::uint64_t peak_in_flight_ = 0;
    std::uint64_t moved_ = 0;
    double active_s_ = 0;
};

} // namespace netcx::tool
