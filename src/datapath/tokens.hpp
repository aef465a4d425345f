// SPDX-License-Identifier: MIT
// Buffer tokens: a 64-bit name for a buffer anywhere in the process, so a buffer received on one
// adapter can go out of another and be released by whoever completes it (a bridge, io-forward).
//
//   bit 63 set | bit 62: a driver-managed Rx slot | bits 48..61: the slot's generation |
//   bits 32..47: the owner | bits 0..31: the buffer index (or slot)
//
// The owner is an entry in a process-wide table: one per Rx pool, Tx size-class pool, or
// driver-managed Rx queue, added when a datapath opens and removed when it closes. An owner knows
// its pool, the context whose cache may take the buffer back without a lock, and the Rx engine to
// tell. Owner slots are handed out round-robin, so a token outliving its datapath finds an empty
// slot (a named error) rather than a new owner, unless 65535 owners opened since.
#pragma once

#include <netcx/bm/pool.hpp>
#include <netcx/bm/pool_cache.hpp>
#include <netcx/datapath/datapath.hpp>

#include <netcx/base/compiler.hpp>

#include <array>
#include <atomic>
#include <cstdint>

namespace netcx::bm {
class address_space;
}

namespace netcx::datapath {

class execution_context;
class rx_engine;

inline constexpr std::uint64_t token_tag = std::uint64_t{1} << 63;
inline constexpr std::uint64_t token_driver = std::uint64_t{1} << 62;
inline constexpr std::uint32_t generation_mask = (1U << 14) - 1;
inline constexpr std::uint32_t max_owners = 1U << 16;

struct buffer_owner {
    bm::pool* pool = nullptr;        ///< null: driver-managed Rx slots (`rx`)
    bm::pool_cache* cache = nullptr; ///< the context's cache of `pool`
    /// Frees on this context's thread go to `cache`; cleared (on that thread) when the engine
    /// stops, so the control path may then retire the cache.
    std::atomic<execution_context*> context{nullptr};
    rx_engine* rx = nullptr;                  ///< Rx pools and slots: the engine to tell
    std::uint32_t slots = 0;                  ///< driver-managed Rx: the return table's size
    const bm::address_space* space = nullptr; ///< the device space of the pool's logical addresses
    std::uint16_t id = 0;
};

[[nodiscard]] constexpr buffer_token make_token(std::uint16_t owner, std::uint32_t index) noexcept
{
    return {token_tag | (std::uint64_t{owner} << 32) | index};
}
[[nodiscard]] constexpr buffer_token make_slot_token(std::uint16_t owner, std::uint32_t slot,
                                                     std::uint32_t generation) noexcept
{
    return {token_tag | token_driver | (std::uint64_t{generation & generation_mask} << 48) |
            (std::uint64_t{owner} << 32) | slot};
}
[[nodiscard]] constexpr std::uint16_t token_owner(buffer_token t) noexcept
{
    return static_cast<std::uint16_t>(t.value >> 32);
}
[[nodiscard]] constexpr std::uint32_t token_index(buffer_token t) noexcept
{
    return static_cast<std::uint32_t>(t.value);
}
[[nodiscard]] constexpr std::uint32_t token_generation(buffer_token t) noexcept
{
    return static_cast<std::uint32_t>(t.value >> 48) & generation_mask;
}
[[nodiscard]] constexpr bool is_slot_token(buffer_token t) noexcept
{
    return (t.value & token_driver) != 0;
}

namespace owners {

/// Control path: enters `o` in the table and sets o.id; false if the table is full.
bool add(buffer_owner& o);
/// Control path: removes `o`; its tokens now name nothing.
void remove(const buffer_owner& o) noexcept;
/// Control path, after `remove`: waits until no release that may have found a removed owner is
/// still running, so the owner's pools can go. (A release is a reader in the style of RCU: it
/// counts itself in the current epoch's counter; this flips the epoch and waits for the old
/// counter to drain, so new releases never delay it.)
void quiesce() noexcept;

/// The table itself: a lookup is one acquire load (entries change on the control path only).
extern std::array<std::atomic<buffer_owner*>, max_owners> table;

/// The owner a token names if it is a token of a live owner and its index is in range.
[[nodiscard]] NETCX_ALWAYS_INLINE const buffer_owner* find(buffer_token t) noexcept
{
    if ((t.value & token_tag) == 0) [[unlikely]]
        return nullptr;
    const buffer_owner* o = table[token_owner(t)].load(std::memory_order_acquire);
    if (o == nullptr) [[unlikely]]
        return nullptr;
    const std::uint32_t i = token_index(t);
    if (o->pool != nullptr) [[likely]]
        return !is_slot_token(t) && i < o->pool->count() ? o : nullptr;
    return is_slot_token(t) && i < o->slots ? o : nullptr;
}

} // namespace owners

/// Gives buffers back by token (any thread): on the owner's own context into its cache, else to
/// the pool's depot (and the Rx engine is told, to wake it); driver slots go back to the driver.
/// Tokens that name nothing, or a slot not outstanding, are logged by `who` and skipped.
void release_tokens(std::span<const buffer_token> tokens, std::string_view who) noexcept;

} // namespace netcx::datapath
