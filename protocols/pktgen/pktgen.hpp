// SPDX-License-Identifier: MIT
/// @file
/// pktgen: generates stamped frames (common/stamp.hpp) on its own thread and checks what comes
/// back exactly as sink does, so pktgen -> echo -> pktgen measures loss, integrity and round-trip
/// latency.
///
/// Parameters: rate=PPS (0: as fast as possible; default 0), size=BYTES (64..9000, default 64) or
/// sizes=A,B,... (a mix, round-robin), count=N or duration=SECONDS (not both; default count=1000),
/// flows=N (1..4096, default 1; frame k is flow k % flows, sequence k / flows), dst=MAC, src=MAC,
/// txq=N, rxq=N (queues, 1..64, default 1), check=0|1 (check returning frames; default 1),
/// grace_ms=N (how long done() waits for stragglers after the last send; default 500),
/// window=N (closed loop: at most N frames out and not yet back; 0, the default, is open loop,
/// where the receiver drops what finds no Rx buffer, as a NIC does; needs check=1).
///
/// The thread (started by start()) rotates over the Tx queues: it retries what a queue refused
/// before making new frames for it, allocates a batch (up to 32) of Tx buffers from the binding
/// (one alloc per distinct size in the batch), writes the frames, and sends them with each Tx
/// buffer's token in its fragment (the framework releases it on completion). The rate is a token
/// bucket on steady_clock (bursts of at most 32). stop() joins the thread and releases the buffers
/// of frames never accepted.
#pragma once

#include "common/receiver.hpp"
#include "common/stamp.hpp"

#include <netcx/protocols/builtin.hpp>

#include <array>
#include <atomic>
#include <thread>
#include <vector>

namespace netcx::protocols {

struct pktgen_config {
    std::uint64_t rate = 0;
    std::vector<std::uint32_t> sizes{64};
    std::uint64_t count = 1000;    ///< 0 when duration_ns is set
    std::uint64_t duration_ns = 0; ///< 0 when count is set
    std::uint32_t flows = 1;
    mac_address dst = default_dst_mac;
    mac_address src = default_src_mac;
    std::uint32_t txq = 1;
    std::uint32_t rxq = 1;
    bool check = true;
    std::uint64_t grace_ns = 500'000'000;
    std::uint64_t window = 0; ///< frames sent and not yet back, at most (0: open loop)
};

class pktgen final : public builtin {
public:
    static constexpr std::uint32_t batch = 32;
    static constexpr std::size_t max_sizes = 64;

    static result<std::unique_ptr<builtin>> make(const params& p);
    explicit pktgen(pktgen_config c);
    ~pktgen() override;

    [[nodiscard]] std::string_view name() const noexcept override { return "pktgen"; }
    [[nodiscard]] protocol::preferences preferences() const override;
    result<void> start(std::span<protocol::binding* const> bindings) override;
    [[nodiscard]] bool done() const noexcept override;
    void stop() override;
    [[nodiscard]] traffic_report report() const override;

    void on_receive(protocol::binding& b, std::uint32_t queue,
                    std::span<const protocol::rx_packet> packets,
                    std::span<const protocol::rx_fragment> fragments) override
    {
        if (cfg_.check)
            rx_.check(queue, packets, fragments);
        b.release(fragments);
    }

    [[nodiscard]] const pktgen_config& config() const noexcept { return cfg_; }

private:
    /// Frames made for a queue and not yet accepted by send (one fragment each).
    struct pending_batch {
        std::array<datapath::tx_packet, batch> packets{};
        std::array<datapath::tx_fragment, batch> fragments{};
        std::uint32_t n = 0;
    };

    void run() noexcept;
    /// Allocates and writes frames [next_frame_, +n) for queue q; all or none.
    std::uint32_t generate(std::uint32_t q, std::uint32_t n, std::uint64_t now) noexcept;
    /// Sends what queue q holds; keeps the refused rest (in order).
    void flush(std::uint32_t q) noexcept;

    pktgen_config cfg_;
    std::vector<std::uint32_t> distinct_; ///< the distinct sizes
    std::vector<std::uint8_t> mix_;       ///< cfg_.sizes[i] == distinct_[mix_[i]]
    receiver rx_;

    protocol::binding* b_ = nullptr;
    std::thread thread_;
    std::vector<pending_batch> pending_; ///< per Tx queue (the thread's; stop()'s after join)
    std::uint64_t next_frame_ = 0;       ///< the thread's
    std::uint64_t window_back_ = 0;      ///< the thread's: frames back when last seen moving
    std::uint64_t window_since_ = 0;     ///< ... and when
    std::uint64_t window_forgiven_ = 0;  ///< the thread's: frames given up on (never back)

    std::atomic<bool> stop_{false};
    std::atomic<bool> finished_{false}; ///< the thread ended (all sent, or gave up)
    std::atomic<bool> stopped_{false};
    std::atomic<std::uint64_t> last_send_ns_{0};
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> sent_bytes_{0};
    std::atomic<std::uint64_t> refused_{0};
};

} // namespace netcx::protocols
