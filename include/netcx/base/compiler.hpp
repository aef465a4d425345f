// SPDX-License-Identifier: MIT
/// @file
/// Compiler hints shared by every netcx fast path.
#pragma once

#define NETCX_ALWAYS_INLINE inline __attribute__((always_inline))
#define NETCX_NOINLINE __attribute__((noinline))
#define NETCX_COLD __attribute__((cold, noinline))
#define NETCX_LIKELY(x) __builtin_expect(!!(x), 1)
#define NETCX_UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace netcx {

/// Destructive-interference size we design for (x86-64 and most Arm cores).
inline constexpr unsigned cache_line_size = 64;

} // namespace netcx
