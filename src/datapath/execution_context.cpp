// SPDX-License-Identifier: MIT
#include "datapath/execution_context.hpp"

#include "base/diag.hpp"

#include <pthread.h>
#include <sched.h>

namespace netcx::datapath {

void execution_context::run()
{
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

void execution_context::join() noexcept
{
    if (!thread_.joinable())
        return;
    stop_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    thread_.join();
}

void execution_context::wake_slow() noexcept
{
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_one();
}

void execution_context::loop() noexcept
{
    for (queue_engine* e : engines_)
        e->start();
    auto pass = [this] {
        bool work = false;
        for (queue_engine* e : engines_)
            work |= e->poll();
        return work;
    };
    while (!stop_.load(std::memory_order_relaxed)) {
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
        bool pending = stop_.load(std::memory_order_relaxed);
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
    for (queue_engine* e : engines_)
        e->stop();
}

} // namespace netcx::datapath
