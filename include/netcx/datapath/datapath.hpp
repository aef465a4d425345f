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
/// Context: `send` from one thread per Tx queue; `release` from any thread; sinks are called on
/// the queue's execution context.
#pragma once

#include <netcx/base/status.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
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

struct options {
    std::uint32_t rx_queues = 1;
    std::uint32_t tx_queues = 1;
    rx_sink* rx = nullptr; ///< required if rx_queues > 0
    tx_sink* tx = nullptr; ///< optional
    std::vector<int> cpus; ///< pin context i to cpus[i % size]; empty: no pinning
    bool verifier = false; ///< also on with the device parameter verifier=1
};

class datapath {
public:
    virtual ~datapath() = default;
    /// Queues packets for Tx queue `queue`; returns how many were accepted (the rest: try again).
    /// Payloads must stay valid until their completion.
    virtual std::uint32_t send(std::uint32_t queue, std::span<const tx_packet> packets,
                               std::span<const tx_fragment> fragments) noexcept = 0;
    /// Gives received fragments back (any thread).
    virtual void release(std::span<const rx_fragment> fragments) noexcept = 0;
    [[nodiscard]] virtual queue_stats rx_stats(std::uint32_t queue) const = 0;
    [[nodiscard]] virtual queue_stats tx_stats(std::uint32_t queue) const = 0;
    /// Stops every queue (cancel, drain, EvtStop) and releases the pools; reports buffers still
    /// held. Called by the destructor if not before.
    virtual result<void> close() = 0;
};

} // namespace netcx::datapath
