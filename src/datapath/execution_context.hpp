// SPDX-License-Identifier: MIT
// Execution contexts: one thread polling one or more queue engines (NetAdapterCx's
// ExecutionContext::Poll).
//
//   EvtStart for every queue, then loop:
//     poll each engine (pre-advance work, EvtAdvance, post-advance work)
//     a full pass did no work -> arm every engine (EvtSetNotificationEnabled(TRUE), Tx only with
//       packets in flight), poll once more; still nothing -> sleep until woken
//     woken -> disarm (framework state only: the driver disarms itself before notifying)
//   stop requested: every engine stops (EvtCancel, Advance until every element is back, EvtStop)
//
// Sleeping: `sleeping_` is set with a read-modify-write, then every engine is asked whether work
// arrived (a send, a release); producers publish their work, then read `sleeping_` with a
// read-modify-write too (fetch_add 0) and wake only if it is set. The two RMWs are ordered in
// `sleeping_`'s modification order, so either the producer sees the flag or the context sees the
// work: no wake-up is lost, and a busy context costs producers no syscall. (RMWs rather than
// fences: TSan does not model atomic_thread_fence.) The wait itself is a futex
// (std::atomic::wait on a generation counter).
//
// Context: the engines run only on this thread; wake() from any thread.
#pragma once

#include <atomic>
#include <cstdint>
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
    execution_context(std::string name, int cpu) : name_(std::move(name)), cpu_(cpu) {}
    ~execution_context() { join(); }
    execution_context(const execution_context&) = delete;
    execution_context& operator=(const execution_context&) = delete;

    void add(queue_engine* e) { engines_.push_back(e); }
    void run();
    /// Asks the thread to stop its queues and waits for it.
    void join() noexcept;

    /// Wakes the thread if it sleeps (any thread). Callers publish their work first.
    void wake() noexcept
    {
        if (sleeping_.fetch_add(0, std::memory_order_acq_rel) != 0)
            wake_slow();
    }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    /// Times the thread went to sleep (tests check an idle context sleeps).
    [[nodiscard]] std::uint64_t sleeps() const noexcept
    {
        return sleeps_.load(std::memory_order_relaxed);
    }

private:
    void loop() noexcept;
    void wake_slow() noexcept;

    std::string name_;
    int cpu_;
    std::vector<queue_engine*> engines_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<std::uint32_t> sleeping_{0};
    std::atomic<std::uint32_t> generation_{0};
    std::atomic<std::uint64_t> sleeps_{0};
};

} // namespace netcx::datapath
