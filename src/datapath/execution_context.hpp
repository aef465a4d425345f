// SPDX-License-Identifier: MIT
// Execution contexts: what polls queue engines (NetAdapterCx's ExecutionContext::Poll). A context
// is threaded (its own thread) or polled (the caller's thread calls poll_once), and serves any
// number of engines, from one or several datapaths, attached and detached while it runs.
//
// Threaded loop:
//   run pending attach/detach commands (EvtStart / cancel-drain-EvtStop happen on this thread)
//   poll each engine (pre-advance work, EvtAdvance, post-advance work)
//   a full pass did no work -> arm every engine (EvtSetNotificationEnabled(TRUE), Tx only with
//     packets in flight), poll once more; still nothing -> sleep until woken
//   woken -> disarm (framework state only: the driver disarms itself before notifying)
//
// Sleeping: `sleeping_` is set with a read-modify-write, then every engine is asked whether work
// arrived (a send, a release); producers publish their work, then read `sleeping_` with a
// read-modify-write too (fetch_add 0) and wake only if it is set. The two RMWs are ordered in
// `sleeping_`'s modification order, so either the producer sees the flag or the context sees the
// work: no wake-up is lost, and a busy context costs producers no syscall. (RMWs rather than
// fences: TSan does not model atomic_thread_fence.) The wait itself is a futex
// (std::atomic::wait on a generation counter).
//
// `current()` is the context running on this thread (set while it polls): a buffer released on
// its owner's context goes straight into that context's cache, without the depot's lock.
//
// Context: engines run only on the context's thread; attach/detach on the control path (for a
// polled context, the thread that polls it); wake() from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace netcx::datapath {

/// A queue's translation, as its context drives it. Virtual calls happen once per poll (a batch).
class queue_engine {
public:
    virtual ~queue_engine() = default;
    virtual void start() noexcept = 0;
    /// One pass; true if anything moved.
    virtual bool poll() noexcept = 0;
    virtual void arm() noexcept = 0;
    virtual void disarm() noexcept = 0;
    /// Work a producer queued since the last poll (checked before sleeping).
    virtual bool has_pending() const noexcept = 0;
    /// Cancel, drain, EvtStop.
    virtual void stop() noexcept = 0;
};

class execution_context {
public:
    execution_context(std::string name, int cpu, bool threaded);
    ~execution_context();
    execution_context(const execution_context&) = delete;
    execution_context& operator=(const execution_context&) = delete;

    /// EvtStart for each engine, then polls them (on the context; waits for it when threaded).
    void attach(const std::vector<queue_engine*>& engines);
    /// Stops each engine (EvtCancel, drain, EvtStop) on the context and forgets it; waits.
    void detach(const std::vector<queue_engine*>& engines);
    /// Polled contexts: one pass over every engine; true if anything moved.
    bool poll_once() noexcept;

    /// Wakes the thread if it sleeps (any thread). Callers publish their work first.
    void wake() noexcept
    {
        if (sleeping_.fetch_add(0, std::memory_order_acq_rel) != 0)
            wake_slow();
    }
    [[nodiscard]] static execution_context* current() noexcept { return current_; }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] bool threaded() const noexcept { return threaded_; }
    /// Times the thread went to sleep (tests check an idle context sleeps).
    [[nodiscard]] std::uint64_t sleeps() const noexcept
    {
        return sleeps_.load(std::memory_order_relaxed);
    }

private:
    struct command {
        bool attach;
        std::vector<queue_engine*> engines;
        std::atomic<bool> done{false};
    };

    void loop() noexcept;
    bool pass() noexcept;
    void run_commands() noexcept;
    void execute(command& c) noexcept;
    void submit(command& c);
    void wake_slow() noexcept;

    static thread_local execution_context* current_;

    std::string name_;
    int cpu_;
    bool threaded_;
    std::vector<queue_engine*> engines_; // the context's thread only
    std::thread thread_;
    std::mutex commands_lock_;
    std::vector<command*> commands_; // under commands_lock_
    std::atomic<bool> commands_pending_{false};
    std::atomic<bool> stop_{false};
    std::atomic<std::uint32_t> sleeping_{0};
    std::atomic<std::uint32_t> generation_{0};
    std::atomic<std::uint64_t> sleeps_{0};
};

} // namespace netcx::datapath
