// SPDX-License-Identifier: MIT
/// @file
/// An execution context: what polls queues (NetAdapterCx's ExecutionContext). By default each
/// datapath makes its own, one thread per queue pair. A context made here can serve the queues of
/// several datapaths (options::on): threaded (its own thread, pinned or not, sleeping when idle
/// until a driver notifies or work arrives), or polled by the caller's thread (`poll`), which is
/// how a run-to-completion loop drives two adapters on one core as a DPDK lcore does.
///
/// Context: polled contexts are polled, and their datapaths opened and closed, from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace netcx::datapath {

class execution_context;

class context {
public:
    enum class mode : std::uint8_t { threaded, polled };
    struct config {
        std::string name = "context";
        mode run = mode::threaded;
        int cpu = -1; ///< threaded: pin the thread; -1 leaves it to the scheduler
    };

    [[nodiscard]] static std::shared_ptr<context> create(const config& c);
    ~context();
    context(const context&) = delete;
    context& operator=(const context&) = delete;

    /// Polled contexts: one pass over every queue (post, EvtAdvance, drain, complete); true if
    /// anything moved. Never blocks.
    bool poll() noexcept;
    [[nodiscard]] mode run_mode() const noexcept;
    /// Times the thread went to sleep (threaded).
    [[nodiscard]] std::uint64_t sleeps() const noexcept;

    /// The framework's side (datapath internals).
    [[nodiscard]] execution_context& impl() noexcept { return *impl_; }

private:
    explicit context(std::unique_ptr<execution_context> impl);
    std::unique_ptr<execution_context> impl_;
};

} // namespace netcx::datapath
