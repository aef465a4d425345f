// SPDX-License-Identifier: MIT
/// @file
/// An adapter's running datapath, as the framework's upper edge sees it (protocol drivers build
/// on this in the protocol issue; tests and benchmarks use it directly).
///
/// Opening a datapath asks the driver for its queues (EvtAdapterCreateTxQueue/RxQueue ->
/// NetTxQueueCreate/NetRxQueueCreate), builds the buffer manager's pools from the adapter's plan,
/// and starts one execution context per queue (or as configured) that polls the driver:
///   Rx: return released buffers, post buffers [EndIndex, OSReserved0-1), EvtAdvance, drain
///       [OSReserved0, BeginIndex): validate, then hand packets zero-copy to the rx_sink.
///   Tx: translate queued sends into ring entries (bouncing what the device cannot use as is),
///       EvtAdvance, complete [OSReserved0, BeginIndex) to the tx_sink.
/// Closing cancels, drains every element back, stops the queues and reports leaks.
///
/// Context: `send` and `alloc_tx` from one thread per Tx queue; `release` from any thread; sinks
/// are called on the queue's execution context.
#pragma once

#include <netcx/base/status.hpp>
#include <netcx/bm/memory_region.hpp>
#include <netcx/bm/plan.hpp>
#include <netcx/bm/pool.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace netcx::datapath {

/// What to release once a received fragment is no longer needed (opaque to protocols).
struct buffer_token {
    std::uint64_t value = 0;
};

struct rx_fragment {
    std::byte* data = nullptr; ///< first valid byte (buffer + Offset)
    std::uint32_t length = 0;  ///< ValidLength
    buffer_token token;
};

struct rx_packet {
    std::uint32_t first_fragment = 0; ///< index into the batch's fragment span
    std::uint16_t fragment_count = 0;
    std::uint32_t length = 0;     ///< sum of the fragments' lengths
    std::uint8_t layer2_type = 0; ///< NET_PACKET_LAYER2_TYPE, as the driver set it
};

struct tx_fragment {
    const std::byte* data = nullptr;
    std::uint32_t length = 0;
    /// A buffer the framework releases once the packet completes: a received fragment's token
    /// (forwarding zero-copy) or an allocated Tx buffer's. Zero: the payload is the caller's.
    buffer_token buffer;
};

/// A Tx buffer from the adapter's size classes, in memory the device reaches as it is.
struct tx_buffer {
    std::byte* data = nullptr;  ///< PayloadBackfill bytes already reserved before it
    std::uint32_t capacity = 0; ///< bytes usable from `data`
    buffer_token token;         ///< put it in the tx_fragment, or release it if unsent
};

struct tx_packet {
    std::uint32_t first_fragment = 0; ///< index into the send call's fragment span
    std::uint16_t fragment_count = 0;
    std::uint64_t cookie = 0; ///< handed back on completion
};

/// Why a received packet was dropped (its buffers are recovered either way).
enum class rx_drop : std::uint8_t {
    no_fragments,           ///< FragmentCount 0
    capacity_above_frame,   ///< Capacity > MaximumFrameSize
    length_beyond_capacity, ///< Offset + ValidLength > Capacity
    offset_not_first,       ///< a fragment other than the first has Offset != 0
    short_middle_fragment,  ///< a fragment other than the last is not full
    verifier,               ///< the verifier refused the driver's ring update
    count_
};
/// Why a send was dropped.
enum class tx_drop : std::uint8_t { zero_length, oversize, no_bounce_buffer, cancelled, count_ };
/// Why a Tx payload was copied into a bounce buffer.
enum class bounce_reason : std::uint8_t {
    misaligned,         ///< not FragmentBufferAlignment-aligned
    above_max_address,  ///< ends above the device's maximum logical address
    unmapped,           ///< not in memory mapped for the device (IOMMU)
    too_many_fragments, ///< more than MaximumNumberOfFragments
    backfill,           ///< no room for PayloadBackfill before it
    count_
};

[[nodiscard]] std::string_view to_string(rx_drop r) noexcept;
[[nodiscard]] std::string_view to_string(tx_drop r) noexcept;
[[nodiscard]] std::string_view to_string(bounce_reason r) noexcept;

struct queue_stats {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::array<std::uint64_t, static_cast<std::size_t>(rx_drop::count_)> rx_drops{};
    std::array<std::uint64_t, static_cast<std::size_t>(tx_drop::count_)> tx_drops{};
    std::array<std::uint64_t, static_cast<std::size_t>(bounce_reason::count_)> bounces{};
    std::uint64_t advances = 0;      ///< EvtAdvance calls
    std::uint64_t notifications = 0; ///< driver notifications that woke the context
};

/// Receives packets on the Rx queue's execution context. Fragments stay valid until released.
class rx_sink {
public:
    virtual ~rx_sink() = default;
    virtual void on_receive(std::uint32_t queue, std::span<const rx_packet> packets,
                            std::span<const rx_fragment> fragments) = 0;
};

/// Learns which sends completed (on the Tx queue's execution context).
class tx_sink {
public:
    virtual ~tx_sink() = default;
    virtual void on_complete(std::uint32_t queue, std::span<const std::uint64_t> cookies) = 0;
};

class context;

/// A pool's figures, for reports.
struct pool_report {
    std::string name;
    bm::pool_stats stats;
    std::uint32_t buffers = 0;
    std::string held; ///< leak_report::describe() of what is out of the pool ("" if nothing)
};

struct options {
    std::uint32_t rx_queues = 1;
    std::uint32_t tx_queues = 1;
    rx_sink* rx = nullptr; ///< required if rx_queues > 0
    tx_sink* tx = nullptr; ///< optional
    /// Every queue on this context (shared with other datapaths, threaded or polled by the
    /// caller). Null: one threaded context per queue pair, pinned by `cpus`.
    std::shared_ptr<context> on;
    std::vector<int> cpus; ///< pin context i to cpus[i % size]; empty: no pinning
    bool verifier = false; ///< also on with the device parameter verifier=1
    /// Registration mode: the protocol's regions (borrowed, they outlive the datapath). The Rx
    /// pools are carved from the first large enough when the plan says rx.memory "registered";
    /// Tx payloads inside them are sent without a copy when the device reaches them.
    std::vector<const bm::memory_region*> registered;
    /// The plan to build (negotiated with a protocol); unset: the adapter's default plan.
    std::optional<bm::buffer_plan> plan;
};

class datapath {
public:
    virtual ~datapath() = default;
    /// Queues packets for Tx queue `queue`; returns how many were accepted (the rest: try again).
    /// Payloads must stay valid until their completion.
    virtual std::uint32_t send(std::uint32_t queue, std::span<const tx_packet> packets,
                               std::span<const tx_fragment> fragments) noexcept = 0;
    /// Sends received packets out of Tx queue `queue` as they are, zero-copy (io-forward, a
    /// bridge, an echo): each fragment's buffer goes with it and is released when the packet
    /// completes (cookie 0). Returns how many were accepted; the rest are still the caller's.
    virtual std::uint32_t forward(std::uint32_t queue, std::span<const rx_packet> packets,
                                  std::span<const rx_fragment> fragments) noexcept = 0;
    /// Gives received fragments back (any thread; cheapest on the Rx queue's own context).
    virtual void release(std::span<const rx_fragment> fragments) noexcept = 0;
    /// Gives buffers back by token: received fragments, or Tx buffers that were not sent.
    virtual void release(std::span<const buffer_token> tokens) noexcept = 0;
    /// Allocates Tx buffers of at least `bytes` each from the smallest size class that fits
    /// (from queue `queue`'s sending thread); returns how many (all or none; none if no class is
    /// large enough or the class ran dry).
    virtual std::uint32_t alloc_tx(std::uint32_t queue, std::uint32_t bytes,
                                   std::span<tx_buffer> out) noexcept = 0;
    /// Every pool's figures (Rx, Tx size classes, bounce), for reports.
    [[nodiscard]] virtual std::vector<pool_report> pools() const = 0;
    /// Whether registered region `i` (options::registered) still lends buffers: carved Rx
    /// buffers, or sends from it not yet completed.
    [[nodiscard]] virtual bool region_busy(std::size_t i) const noexcept = 0;
    /// Registered region `i` is the protocol's alone again: sends from it are bounced from now
    /// on (the caller checked region_busy first).
    virtual void unregister_region(std::size_t i) noexcept = 0;
    [[nodiscard]] virtual queue_stats rx_stats(std::uint32_t queue) const = 0;
    [[nodiscard]] virtual queue_stats tx_stats(std::uint32_t queue) const = 0;
    /// Buffers the caller holds now: received and not released, Tx buffers allocated and neither
    /// completed nor released.
    [[nodiscard]] virtual std::uint64_t held() const noexcept = 0;
    /// Stops every queue (EvtCancel, drain, EvtStop). The pools stay: held buffers can still be
    /// released. Sends are refused from now on.
    virtual void stop() noexcept = 0;
    /// Stops every queue if not yet and releases the pools; reports buffers still held (their
    /// memory stays mapped). Called by the destructor if not before.
    virtual result<void> close() = 0;
};

} // namespace netcx::datapath
