// SPDX-License-Identifier: MIT
// The seed driver's capabilities as the plan sees them: system-managed Rx and Tx, both
// DMA-mapped on a 64-bit identity space (the plan's and negotiation's tests start from it).
#pragma once

#include <netcx/bm/plan.hpp>

namespace netcx::test {

inline bm::nic_constraints seed_like()
{
    bm::nic_constraints n;
    n.rx.dma_mapped = true;
    n.rx.alignment = 64;
    n.rx.ring_hint = 512;
    n.rx.max_frame_size = 1514 + 4 + 8;
    n.tx.dma_mapped = true;
    n.tx.ring_hint = 256;
    n.tx.max_frame_size = 1514;
    return n;
}

} // namespace netcx::test
