// SPDX-License-Identifier: MIT
/// @file
/// The buffer plan: what the buffer manager will build for each queue of an adapter, derived from
/// the NIC's constraints (its capabilities) and the framework's defaults, with the reason for
/// every value. Protocol preferences join in with the protocol issue. Printed by `netcx plan`.
#pragma once

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
};

struct buffer_plan {
    std::string adapter; ///< "adapter0"
    rx_plan rx;
    tx_plan tx;
    std::vector<std::string> errors; ///< why capabilities were refused (then the rest is empty)

    /// Aligned "rx.buffer_size  2048  (MaximumFrameSize 1518 rounded up to ...)" lines.
    [[nodiscard]] std::string to_text() const;
    /// {"adapter":..., "rx":{"allocation":..., ..., "reasons":{...}}, "tx":{...}, "errors":[...]}
    [[nodiscard]] std::string to_json() const;
};

/// The plan for `nic`. Never fails: conflicts are resolved and each resolution is in a reason.
[[nodiscard]] buffer_plan make_plan(const nic_constraints& nic);

} // namespace netcx::bm
