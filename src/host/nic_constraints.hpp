// SPDX-License-Identifier: MIT
// An adapter's capabilities as the buffer plan reads them: per direction, the mapping, alignment,
// ring hint, frame size, queues, and how far the device reaches (the DMA enabler's width, the DMA
// capabilities' MaximumPhysicalAddress and the IOMMU the device sits behind, whichever is lowest).
#pragma once

#include <netcx/bm/plan.hpp>

namespace netcx::adapter {
class adapter;
}

namespace netcx::host {

/// The constraints of a started adapter (whose capabilities were accepted). A direction whose
/// capabilities are unset keeps the defaults.
[[nodiscard]] bm::nic_constraints to_nic_constraints(const adapter::adapter& a);

} // namespace netcx::host
