// SPDX-License-Identifier: MIT
// The device parameters the host itself reads (the rest go to the driver through
// NETCONFIGURATION): `dma=identity|iommu|physical` and `iommu_bits=N` choose the address space the
// device's DMA goes through, as the platform decides it on Windows.
#pragma once

#include <netcx/base/status.hpp>
#include <netcx/bm/address_space.hpp>
#include <netcx/host/host.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace netcx::host {

struct address_space_choice {
    std::unique_ptr<bm::address_space> space;
    std::string name; // "identity", "iommu", "physical"
};

/// The address space `params` ask for (identity by default). Refuses, naming the parameter and
/// its value: an unknown `dma=`, a malformed or out-of-range `iommu_bits=` (12..64),
/// `iommu_bits=` without `dma=iommu`, and `dma=physical` when not root. `driver` prefixes errors.
result<address_space_choice> choose_address_space(const params& p, std::string_view driver);

} // namespace netcx::host
