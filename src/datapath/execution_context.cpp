// SPDX-License-Identifier: MIT
#include "datapath/execution_context.hpp"

#include "base/diag.hpp"

#include <netcx/datapath/context.hpp>

#include <pthread.h>
#include <sched.h>

#include <algorithm>

namespace netcx::datapath {

thread_local execution_context* execution_context::current_ = nullptr;

namespace {

/// Marks the calling thread as running `ec` for the scope.
class running_as {
public:
    running_as(execution_context* ec, execution_context*& slot) noexcept : slot_(slot), prev_(slot)
    {
        slot_ = ec;
    }
    ~running_as() { slot_ = prev_; }
    running_as(const running_as&) = delete;
    running_as& operator=(const running_as&) = delete;

private:
    execution_context*& slot_;
    execution_context* prev_;
};

} // namespace

execution_context::execution_context(std::string name, int cpu, bool threaded)
    : name_(std::move(name)), cpu_(cpu), threaded_(threaded)
{
    if (!threaded_)
        return;
    thread_ = std::thread([this] { loop(); });
    if (cpu_ >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu_, &set);
        if (int e = pthread_setaffinity_np(thread_.native_handle(), sizeof set, &set); e != 0)
            log(log_level::warning, "{}: cannot pin to cpu {} (error {}); running unpinned", name_,
                cpu_, e);
    }
}

execution_context::~execution_context()
{
    if (thread_.joinable()) {
        stop_.store(true, std::memory_order_relaxed);
        wake_slow();
        thread_.join();
    }
    // Engines still attached (a datapath that was not closed) stop here.
    const running_as scope{this, current_};
    for (queue_engine* e : engines_)
        e->stop();
}

void execution_context::attach(const std::vector<queue_engine*>& engines)
{
    command c{true, engines};
    submit(c);
}

void execution_context::detach(const std::vector<queue_engine*>& engines)
{
    command c{false, engines};
    submit(c);
}

void execution_context::submit(command& c)
{
    if (!threaded_ || std::this_thread::get_id() == thread_.get_id()) {
        const running_as scope{this, current_};
        execute(c);
        return;
    }
    {
        const std::lock_guard g{commands_lock_};
        commands_.push_back(&c);
        commands_pending_.store(true, std::memory_order_release);
    }
    wake_slow();
    c.done.wait(false, std::memory_order_acquire);
}

void execution_context::execute(command& c) noexcept
{
    for (queue_engine* e : c.engines) {
        if (c.attach) {
            e->start();
            engines_.push_back(e);
        } else if (auto it = std::find(engines_.begin(), engines_.end(), e); it != engines_.end()) {
            e->stop();
            engines_.erase(it);
        }
    }
    c.done.store(true, std::memory_order_release);
    c.done.notify_all();
}

void execution_context::run_commands() noexcept
{
    std::vector<command*> todo;
    {
        const std::lock_guard g{commands_lock_};
        todo.swap(commands_);
        commands_pending_.store(false, std::memory_order_relaxed);
    }
    for (command* c : todo)
        execute(*c);
}

void execution_context::wake_slow() noexcept
{
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_one();
}

bool execution_context::pass() noexcept
{
    bool work = false;
    for (queue_engine* e : engines_)
        work |= e->poll();
    return work;
}

bool execution_context::poll_once() noexcept
{
    if (threaded_)
        return false; // its own thread polls it
    const running_as scope{this, current_};
    return pass();
}

void execution_context::loop() noexcept
{
    const running_as scope{this, current_};
    while (!stop_.load(std::memory_order_relaxed)) {
        if (commands_pending_.load(std::memory_order_acquire))
            run_commands();
        if (pass())
            continue;
        for (queue_engine* e : engines_)
            e->arm();
        if (pass()) {
            for (queue_engine* e : engines_)
                e->disarm();
            continue;
        }
        const std::uint32_t gen = generation_.load(std::memory_order_acquire);
        (void)sleeping_.exchange(1, std::memory_order_acq_rel);
        bool pending = stop_.load(std::memory_order_relaxed) ||
                       commands_pending_.load(std::memory_order_acquire);
        for (queue_engine* e : engines_)
            pending = pending || e->has_pending();
        if (!pending) {
            sleeps_.fetch_add(1, std::memory_order_relaxed);
            generation_.wait(gen, std::memory_order_acquire);
        }
        sleeping_.store(0, std::memory_order_relaxed);
        for (queue_engine* e : engines_)
            e->disarm();
    }
    if (commands_pending_.load(std::memory_order_acquire))
        run_commands();
}

// ---- The public face ----------------------------------------------------------------------

std::shared_ptr<context> context::create(const config& c)
{
    return std::shared_ptr<context>(
        new context(std::make_unique<execution_context>(c.name, c.cpu, c.run == mode::threaded)));
}

context::context(std::unique_ptr<execution_context> impl) : impl_(std::move(impl)) {}
context::~context() = default;

bool context::poll() noexcept
{
    return impl_->poll_once();
}

context::mode context::run_mode() const noexcept
{
    return impl_->threaded() ? mode::threaded : mode::polled;
}

std::uint64_t context::sleeps() const noexcept
{
    return impl_->sleeps();
}

} // namespace netcx::datapath
