// SPDX-License-Identifier: MIT
/// @file
/// The buffer plan: what the buffer manager will build for each queue of an adapter, derived from
/// the NIC's constraints (its capabilities) and the framework's defaults, with the reason for
/// every value. Three parties decide it: the NIC's constraints (hard limits), the binding
/// protocol's preferences (queue counts, headroom, buffer size, NUMA node, registered memory) and
/// the framework's defaults. When they conflict the NIC's limits win, and the plan says what lost
/// and why (`conflicts`). Printed by `netcx plan`.
#pragma once

#include <netcx/base/status.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace netcx::bm {

/// What a NIC's capabilities say about one direction (the adapter layer fills it).
struct nic_direction {
    bool dma_mapped = false;          ///< buffers need logical addresses
    std::uint32_t alignment = 1;      ///< FragmentBufferAlignment
    std::uint32_t ring_hint = 0;      ///< FragmentRingNumberOfElementsHint, 0 = none
    std::uint64_t max_frame_size = 0; ///< MaximumFrameSize (Rx) / MaximumFragmentBufferSize (Tx)
    std::uint32_t max_queues = 1;
    std::uint64_t max_logical_address = ~std::uint64_t{0}; ///< enabler width and DMA caps combined
    std::uint32_t address_width = 64;                      ///< the DMA enabler's (64 without DMA)
    std::string address_space = "identity";
    int numa_node = -1;                              ///< PreferredNode, -1 = any
    std::uint64_t max_fragments = ~std::uint64_t{0}; ///< Tx caps and the enabler's SG limit
};

struct nic_constraints {
    nic_direction rx;
    nic_direction tx;
    bool rx_driver_allocates = false; ///< AllocationMode Driver
    bool rx_driver_attaches = false;  ///< AttachmentMode Driver
    std::uint64_t tx_backfill = 0;    ///< PayloadBackfill
    std::uint32_t mtu = 1500;
};

/// A range of memory a protocol registers (registration mode), as virtual addresses.
struct registered_range {
    std::uint64_t base = 0;
    std::uint64_t bytes = 0;
};

/// What the binding protocol would like (0 / -1 / empty: no preference, the defaults decide).
struct protocol_preferences {
    std::string protocol;          ///< its name, for the reasons ("pktgen")
    std::uint32_t rx_queues = 0;   ///< 0: no preference (the NIC's MaximumNumberOfQueues)
    std::uint32_t tx_queues = 0;   ///< 0: no preference (the NIC's MaximumNumberOfQueues)
    std::uint32_t headroom = 0;    ///< bytes kept free before each Rx payload
    std::uint32_t buffer_size = 0; ///< Rx buffer size (payload + headroom); 0: fit the frame
    int numa_node = -1;            ///< -1: the NIC's node, else any
    std::vector<registered_range> registered; ///< registration mode when not empty
};

/// A planned value and why it is what it is.
template <class T>
struct planned {
    T value{};
    std::string reason;
};

struct rx_plan {
    planned<std::string> allocation; ///< "system" or "driver"
    planned<std::string> attachment; ///< "system" or "driver"
    planned<std::string> mapping;    ///< "none" or "dma"
    planned<std::uint32_t> queues;
    planned<std::uint32_t> buffer_size;
    planned<std::uint32_t> alignment;
    planned<std::uint32_t> stride;
    planned<std::uint32_t> buffer_count;
    planned<std::uint32_t> fragment_ring_size;
    planned<std::uint32_t> packet_ring_size;
    planned<std::uint32_t> headroom;
    planned<int> numa_node;
    planned<std::string> address_space;
    planned<std::uint64_t> max_logical_address;
    /// "system", or "registered" (carved from the protocol's first range large enough that the
    /// device reaches), or "driver" (AllocationMode Driver: the driver's own memory)
    planned<std::string> memory;
};

struct tx_plan {
    planned<std::string> mapping; ///< "none" or "dma"
    planned<std::uint32_t> queues;
    planned<std::uint64_t> max_fragments;
    planned<std::uint64_t> backfill;
    planned<std::uint32_t> alignment;
    planned<std::uint32_t> fragment_ring_size;
    planned<std::uint32_t> packet_ring_size;
    planned<std::uint32_t> bounce_buffer_size;
    planned<std::uint32_t> bounce_buffer_count;
    planned<int> numa_node;
    planned<std::string> address_space;
    planned<std::uint64_t> max_logical_address;
    /// Sends from registered memory: "none" (nothing registered), "zero-copy", or "bounced"
    planned<std::string> registered;
    /// Tx buffer size classes a protocol allocates from (ascending; the last holds a full frame
    /// plus backfill), and buffers per class per queue
    planned<std::vector<std::uint32_t>> size_classes;
    planned<std::uint32_t> buffers_per_class;
};

struct buffer_plan {
    std::string adapter; ///< "adapter0"
    rx_plan rx;
    tx_plan tx;
    std::vector<std::string> errors; ///< why capabilities were refused (then the rest is empty)
    /// Each preference that lost to a NIC limit or another preference: what won and why
    /// ("registered memory ends above the device's reach (0xffffffff): Tx from it is bounced, Rx
    /// comes from system memory").
    std::vector<std::string> conflicts;

    /// Aligned "rx.buffer_size  2048  (MaximumFrameSize 1518 rounded up to ...)" lines.
    [[nodiscard]] std::string to_text() const;
    /// {"adapter":..., "rx":{"allocation":..., ..., "reasons":{...}}, "tx":{...}, "errors":[...],
    ///  "conflicts":[...]}
    [[nodiscard]] std::string to_json() const;
};

/// The plan for `nic` with the framework's defaults. Never fails.
[[nodiscard]] buffer_plan make_plan(const nic_constraints& nic);
/// The plan for `nic` and a protocol's preferences. Never fails: conflicts are resolved (the NIC's
/// limits win), each resolution is in a reason and listed in `conflicts`. Registered ranges must
/// have passed validate_registration.
[[nodiscard]] buffer_plan make_plan(const nic_constraints& nic, const protocol_preferences& prefs);

/// Registration mode's refusals, each a named invalid_parameter error: a null base, a zero
/// length, a range that wraps, ranges that overlap, a base or length not a multiple of the NIC's
/// buffer alignment (the larger of Rx and Tx).
[[nodiscard]] result<void> validate_registration(const std::vector<registered_range>& ranges,
                                                 const nic_constraints& nic);

} // namespace netcx::bm
