// SPDX-License-Identifier: MIT
/// @file
/// The built-in protocol drivers (protocols/): what `netcx run` binds to adapters.
///
///   pktgen   generates frames (rate, size or size mix, count or duration, flows), stamping a
///            sequence number and send time in each; it also checks what comes back (an echo)
///            as `sink` does, so one pktgen measures loss, integrity and round-trip latency
///   sink     counts, checks sequence and payload integrity, measures latency from the stamps
///   echo     swaps the Ethernet addresses and sends each frame back out zero-copy
///   bridge   forwards between two adapters (zero-copy: received buffers go out as they are
///            when the other adapter's plan lets its device reach them, else the framework
///            bounces them)
///   capture  wraps another protocol and writes every received frame to a pcapng file
///
/// Lifecycle: make -> bind (one binding per adapter; bridge takes two) -> start(bindings) ->
/// ... done() or the caller's deadline -> stop() -> unbind -> report().
///
/// Context: make/start/stop/report on the control thread; the protocol_driver callbacks on the
/// queues' contexts; report() may be called while running (progress lines).
#pragma once

#include <netcx/base/status.hpp>
#include <netcx/protocol/protocol.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace netcx::protocols {

using params = std::vector<std::pair<std::string, std::string>>;

/// What a protocol saw. Counts are frames unless named bytes; unset parts stay zero.
struct traffic_report {
    std::uint64_t sent = 0;
    std::uint64_t sent_bytes = 0;
    std::uint64_t received = 0;
    std::uint64_t received_bytes = 0;
    std::uint64_t lost = 0;         ///< sequence numbers never received (at stop)
    std::uint64_t out_of_order = 0; ///< received below the highest sequence seen
    std::uint64_t duplicates = 0;
    std::uint64_t integrity_errors = 0; ///< payload or length not what the stamp says
    std::uint64_t foreign = 0;          ///< frames without a netcx stamp (not checked)
    std::uint64_t send_refused = 0;     ///< frames the Tx queue did not accept (retried/dropped)
    std::uint64_t forwarded = 0;        ///< echo, bridge
    bool has_latency = false;
    std::uint64_t latency_p50_ns = 0;
    std::uint64_t latency_p99_ns = 0;
    std::uint64_t latency_p999_ns = 0;
    std::uint64_t latency_max_ns = 0;
};

class builtin : public protocol::protocol_driver {
public:
    /// How many adapters it binds to (bridge: 2, the others: 1).
    [[nodiscard]] virtual std::uint32_t adapters() const noexcept { return 1; }
    /// The preferences it binds with (its parameters decide them).
    [[nodiscard]] virtual protocol::preferences preferences() const { return {}; }
    /// After binding: starts generating (pktgen's thread), or just remembers the bindings.
    virtual result<void> start(std::span<protocol::binding* const> bindings) = 0;
    /// pktgen: every frame is sent and the stragglers' wait is over (count or duration reached).
    [[nodiscard]] virtual bool done() const noexcept { return false; }
    /// Stops generating and lets go of every buffer it holds (before unbind).
    virtual void stop() = 0;
    [[nodiscard]] virtual traffic_report report() const = 0;
};

/// "pktgen", "sink", "echo", "bridge", "capture".
[[nodiscard]] std::vector<std::string> names();
/// Makes a built-in protocol from its parameters; unknown names, unknown keys and bad values are
/// named errors (invalid_parameter). `capture` needs `file=PATH` and wraps `inner` (non-null).
result<std::unique_ptr<builtin>> make(std::string_view name, const params& p,
                                      std::unique_ptr<builtin> inner = nullptr);

} // namespace netcx::protocols
