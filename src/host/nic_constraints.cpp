// SPDX-License-Identifier: MIT
#include "host/nic_constraints.hpp"

#include "adapter/adapter.hpp"
#include "wdf/device.hpp"
#include "wdf/dma_enabler.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace netcx::host {
namespace {

std::uint32_t clamp_u32(std::size_t v) noexcept
{
    return static_cast<std::uint32_t>(
        std::min<std::size_t>(v, std::numeric_limits<std::uint32_t>::max()));
}

/// What the DMA capabilities of one direction add: the NUMA node, and, when buffers need logical
/// addresses, the enabler's width and the lowest address every party can reach.
void apply_dma(bm::nic_direction& d, const std::optional<adapter::dma_constraints>& dma,
               const bm::address_space& space)
{
    d.address_space = std::string{space.name()};
    if (!dma)
        return;
    d.numa_node =
        dma->preferred_node == MM_ANY_NODE_OK ? -1 : static_cast<int>(dma->preferred_node);
    if (!d.dma_mapped || dma->enabler == nullptr)
        return; // no logical addresses: nothing limits where the buffers live

    const wdf::dma_enabler& enabler = *dma->enabler;
    d.address_width = enabler.address_width();
    std::uint64_t reach = enabler.max_logical_address();
    if (dma->maximum_physical_address != 0)
        reach = std::min(reach, dma->maximum_physical_address);
    // Behind an IOMMU the device sees IOVAs, which the IOMMU hands out below its own limit.
    if (const auto* iommu = dynamic_cast<const bm::software_iommu*>(&space))
        reach = std::min(reach, bm::to_u64(iommu->max_address()));
    d.max_logical_address = reach;
}

/// Alignments are powers of two: clamp to the largest one that fits, not to 2^32 - 1.
std::uint32_t clamp_alignment(std::size_t v) noexcept
{
    return static_cast<std::uint32_t>(std::min<std::size_t>(v, std::size_t{1} << 31));
}

} // namespace

bm::nic_constraints to_nic_constraints(const adapter::adapter& a)
{
    bm::nic_constraints c;
    const bm::address_space& space = a.owner_device().address_space();
    c.mtu = a.link().mtu;

    if (const auto& rx = a.rx()) {
        c.rx.dma_mapped = rx->mapping == NetMemoryMappingRequirementDmaMapped;
        c.rx.alignment = clamp_alignment(rx->alignment);
        c.rx.ring_hint = rx->ring_hint;
        c.rx.max_frame_size = rx->max_frame_size;
        c.rx.max_queues = clamp_u32(rx->max_queues);
        c.rx_driver_allocates = rx->allocation == NetRxFragmentBufferAllocationModeDriver;
        c.rx_driver_attaches = rx->attachment == NetRxFragmentBufferAttachmentModeDriver;
        apply_dma(c.rx, rx->dma, space);
    } else {
        c.rx.address_space = std::string{space.name()};
    }

    if (const auto& tx = a.tx()) {
        c.tx.dma_mapped = tx->mapping == NetMemoryMappingRequirementDmaMapped;
        c.tx.alignment = clamp_alignment(tx->alignment);
        c.tx.ring_hint = tx->ring_hint;
        c.tx.max_frame_size = tx->max_fragment_buffer_size;
        c.tx.max_queues = clamp_u32(tx->max_queues);
        c.tx.max_fragments = tx->max_fragments == SIZE_MAX ? ~std::uint64_t{0} : tx->max_fragments;
        c.tx_backfill = tx->payload_backfill;
        apply_dma(c.tx, tx->dma, space);
        // Each fragment of a mapped packet is one scatter/gather element.
        if (c.tx.dma_mapped && tx->dma && tx->dma->enabler != nullptr &&
            tx->dma->enabler->max_fragments() != wdf::dma_enabler::unlimited_fragments)
            c.tx.max_fragments =
                std::min<std::uint64_t>(c.tx.max_fragments, tx->dma->enabler->max_fragments());
    } else {
        c.tx.address_space = std::string{space.name()};
    }
    return c;
}

} // namespace netcx::host
