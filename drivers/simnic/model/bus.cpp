// SPDX-License-Identifier: MIT
// The bus: reaches a device's address space through the WDF object behind its handle.
#include "simnic/model/bus.hpp"

#include "wdf/device.hpp"

namespace netcx::simnic::bus {

bm::address_space* device_address_space(WDFDEVICE device) noexcept
{
    auto* d = wdf::object::as<wdf::device>(device, "simnic bus");
    return d == nullptr ? nullptr : &d->address_space();
}

result<common_buffer> common_buffer::allocate(bm::address_space& space, std::size_t bytes)
{
    auto region = bm::memory_region::allocate({bytes, bm::any_numa_node, bm::page_policy::small});
    if (!region)
        return std::move(region).err();
    auto mapping = space.map(*region);
    if (!mapping)
        return std::move(mapping).err();
    return common_buffer{std::move(region).value(), std::move(mapping).value()};
}

} // namespace netcx::simnic::bus
