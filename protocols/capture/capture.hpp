// SPDX-License-Identifier: MIT
/// @file
/// capture: wraps another built-in protocol and writes every frame it receives to a pcapng file
/// before handing the batch on (echo rewrites addresses in place: the file has them as they
/// arrived). Everything else (start, stop, done, report, preferences, adapters, completions) is
/// the inner protocol's.
/// Parameters: file=PATH (required), snaplen=BYTES (64..262144, default 65535),
/// tsresol=us|ns (timestamp resolution, default us).
///
/// Batches from several queues or adapters are serialized by a mutex taken once per batch; the
/// timestamp (system clock) is taken once per batch too. Frames are buffered; the buffer is
/// written when full and at stop.
#pragma once

#include "capture/pcapng.hpp"

#include <netcx/protocols/builtin.hpp>

#include <mutex>

namespace netcx::protocols {

class capture final : public builtin {
public:
    static result<std::unique_ptr<builtin>> make(const params& p, std::unique_ptr<builtin> inner);

    [[nodiscard]] std::string_view name() const noexcept override { return "capture"; }
    [[nodiscard]] std::uint32_t adapters() const noexcept override { return inner_->adapters(); }
    [[nodiscard]] protocol::preferences preferences() const override
    {
        return inner_->preferences();
    }
    result<void> start(std::span<protocol::binding* const> bindings) override
    {
        return inner_->start(bindings);
    }
    [[nodiscard]] bool done() const noexcept override { return inner_->done(); }
    void stop() override;
    [[nodiscard]] traffic_report report() const override { return inner_->report(); }

    void on_receive(protocol::binding& b, std::uint32_t queue,
                    std::span<const protocol::rx_packet> packets,
                    std::span<const protocol::rx_fragment> fragments) override;
    void on_complete(protocol::binding& b, std::uint32_t queue,
                     std::span<const std::uint64_t> cookies) override
    {
        inner_->on_complete(b, queue, cookies);
    }

    [[nodiscard]] builtin& inner() noexcept { return *inner_; }
    /// Frames written so far (buffered ones included).
    [[nodiscard]] std::uint64_t captured() const;
    [[nodiscard]] std::uint64_t write_errors() const;

private:
    capture(std::unique_ptr<pcapng_writer> w, std::unique_ptr<builtin> inner)
        : writer_(std::move(w)), inner_(std::move(inner))
    {
    }

    mutable std::mutex lock_;
    std::unique_ptr<pcapng_writer> writer_;
    std::unique_ptr<builtin> inner_;
};

} // namespace netcx::protocols
