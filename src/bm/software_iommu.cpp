// SPDX-License-Identifier: MIT
// The software IOMMU: the only door through which the simulated NIC reaches host memory.
//
// IOVAs are handed out page-aligned from a bump pointer that starts at one page (IOVA 0 is never
// valid, so a zeroed descriptor faults), below 2^width. Freed ranges are reused only once fresh
// space runs out, which keeps stale DMA after an unmap a fault for as long as possible.
#include <netcx/bm/address_space.hpp>

#include "base/diag.hpp"

#include <netcx/base/fault.hpp>

#include <mutex>

namespace netcx::bm {
namespace {
constexpr std::uint64_t iova_page = 4096;
}

class software_iommu::mapping final : public dma_mapping {
public:
    mapping(software_iommu& mmu, std::uint64_t iova) noexcept : mmu_(mmu), iova_(iova) {}
    ~mapping() override { mmu_.unmap(iova_); }
    [[nodiscard]] logical_address translate(std::size_t offset) const noexcept override
    {
        return logical_address{iova_ + offset};
    }
    [[nodiscard]] std::size_t contiguity() const noexcept override { return SIZE_MAX; }

private:
    software_iommu& mmu_;
    std::uint64_t iova_;
};

software_iommu::software_iommu(unsigned address_width)
    : width_(address_width < 12 ? 12 : (address_width > 64 ? 64 : address_width)),
      limit_(width_ == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width_) - 1), next_(iova_page)
{
}

software_iommu::~software_iommu()
{
    if (!live_.empty())
        log(log_level::error, "software IOMMU destroyed with {} live mappings", live_.size());
}

result<std::unique_ptr<dma_mapping>> software_iommu::map(const memory_region& region)
{
    if (fault::should_fail(fault::site::map))
        return fail(status::fault_injected, "iommu: injected mapping failure ({} bytes)",
                    region.size());
    const std::uint64_t len = (region.size() + iova_page - 1) & ~(iova_page - 1);
    const std::unique_lock g{lock_};
    std::uint64_t iova = 0;
    if (next_ <= limit_ && len - 1 <= limit_ - next_) { // [next_, next_+len) fits
        iova = next_;
        next_ += len;
    } else {
        for (auto it = holes_.begin(); it != holes_.end(); ++it) {
            if (it->second >= len) {
                iova = it->first;
                if (it->second > len)
                    holes_.emplace(iova + len, it->second - len);
                holes_.erase(it);
                break;
            }
        }
        if (iova == 0)
            return fail(status::address_unreachable,
                        "iommu: no {}-byte I/O virtual range left below 0x{:x} ({}-bit device)",
                        len, limit_, width_);
    }
    live_.emplace(iova, entry{region.base(), region.size()});
    return std::unique_ptr<dma_mapping>(new mapping(*this, iova));
}

void software_iommu::unmap(std::uint64_t iova) noexcept
{
    const std::unique_lock g{lock_};
    const auto it = live_.find(iova);
    if (it == live_.end())
        return;
    holes_.emplace(iova, (it->second.len + iova_page - 1) & ~(iova_page - 1));
    live_.erase(it);
}

result<std::byte*> software_iommu::access(logical_address la, std::size_t len,
                                          dma_direction dir) noexcept
{
    const std::uint64_t iova = to_u64(la);
    {
        const std::shared_lock g{lock_};
        auto it = live_.upper_bound(iova);
        if (it != live_.begin()) {
            --it;
            const std::uint64_t off = iova - it->first;
            if (off < it->second.len && len <= it->second.len - off)
                return it->second.va + off;
        }
    }
    faults_.fetch_add(1, std::memory_order_relaxed);
    return fail(status::address_unreachable,
                "DMA fault: device {} {} bytes at IOVA 0x{:x}: not mapped",
                dir == dma_direction::to_device ? "read" : "wrote", len, iova);
}

std::size_t software_iommu::live_mappings() const
{
    const std::shared_lock g{lock_};
    return live_.size();
}

} // namespace netcx::bm
