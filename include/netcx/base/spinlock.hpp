// SPDX-License-Identifier: MIT
/// @file
/// A test-and-test-and-set spinlock for short slow-path critical sections (a pool's depot).
/// Never taken on a fast path; holders copy a few hundred indices and leave.
#pragma once

#include <atomic>

namespace netcx {

class spinlock {
public:
    void lock() noexcept
    {
        while (locked_.exchange(true, std::memory_order_acquire)) {
            while (locked_.load(std::memory_order_relaxed))
                __builtin_ia32_pause();
        }
    }
    void unlock() noexcept { locked_.store(false, std::memory_order_release); }

private:
    std::atomic<bool> locked_{false};
};

} // namespace netcx
