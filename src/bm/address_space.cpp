// SPDX-License-Identifier: MIT
// Identity, physical and region-offset address spaces (the software IOMMU has its own file).
#include <netcx/bm/address_space.hpp>

#include "base/diag.hpp"

#include <netcx/base/fault.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace netcx::bm {
namespace {

/// LA = VA + delta over the whole region (identity: delta 0; region offset: -umem base).
class linear_mapping final : public dma_mapping {
public:
    explicit linear_mapping(std::uint64_t base) noexcept : base_(base) {}
    [[nodiscard]] logical_address translate(std::size_t offset) const noexcept override
    {
        return logical_address{base_ + offset};
    }
    [[nodiscard]] std::size_t contiguity() const noexcept override { return SIZE_MAX; }

private:
    std::uint64_t base_;
};

/// Physical frames, one per page; contiguous within a page only.
class physical_mapping final : public dma_mapping {
public:
    physical_mapping(const memory_region& r, std::vector<std::uint64_t> frames) noexcept
        : base_(r.base()), size_(r.size()), page_(r.page_size()), frames_(std::move(frames))
    {
    }
    ~physical_mapping() override { ::munlock(base_, size_); }
    [[nodiscard]] logical_address translate(std::size_t offset) const noexcept override
    {
        return logical_address{frames_[offset / page_] * page_ + offset % page_};
    }
    [[nodiscard]] std::size_t contiguity() const noexcept override { return page_; }

private:
    std::byte* base_;
    std::size_t size_;
    std::size_t page_;
    std::vector<std::uint64_t> frames_; // physical frame number of each page, in page units
};

result<void> injected_map_failure(std::string_view space, const memory_region& r)
{
    if (fault::should_fail(fault::site::map))
        return fail(status::fault_injected, "{} address space: injected mapping failure ({} bytes)",
                    space, r.size());
    return {};
}

} // namespace

result<std::unique_ptr<dma_mapping>> identity_space::map(const memory_region& region)
{
    NETCX_TRY(injected_map_failure(name(), region));
    return std::unique_ptr<dma_mapping>(
        new linear_mapping(reinterpret_cast<std::uintptr_t>(region.base())));
}

result<std::unique_ptr<dma_mapping>> region_offset_space::map(const memory_region& region)
{
    NETCX_TRY(injected_map_failure(name(), region));
    const auto a = reinterpret_cast<std::uintptr_t>(region.base());
    const auto b = reinterpret_cast<std::uintptr_t>(base_);
    if (a < b || region.size() > size_ || a - b > size_ - region.size())
        return fail(status::address_unreachable,
                    "region-offset address space: {} bytes at {} lie outside the region {} + {}",
                    region.size(), static_cast<const void*>(region.base()),
                    static_cast<const void*>(base_), size_);
    return std::unique_ptr<dma_mapping>(new linear_mapping(a - b));
}

result<std::unique_ptr<dma_mapping>> physical_space::map(const memory_region& region)
{
    NETCX_TRY(injected_map_failure(name(), region));
    // Locked pages do not move, so their frame numbers stay valid while the mapping lives.
    if (::mlock(region.base(), region.size()) != 0)
        return fail(errno == EPERM ? status::access_denied : status::no_memory,
                    "physical address space: cannot lock {} bytes ({}); needs root or "
                    "CAP_IPC_LOCK",
                    region.size(), std::strerror(errno));
    const auto unlock = [&] { ::munlock(region.base(), region.size()); };
    const int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        unlock();
        return fail(errno == EACCES || errno == EPERM ? status::access_denied
                                                      : status::not_supported,
                    "physical address space: cannot open /proc/self/pagemap ({}); needs "
                    "CAP_SYS_ADMIN (run as root)",
                    std::strerror(errno));
    }
    const std::size_t sys_page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t pages = region.size() / region.page_size();
    std::vector<std::uint64_t> frames(pages);
    for (std::size_t i = 0; i < pages; ++i) {
        const auto va = reinterpret_cast<std::uintptr_t>(region.base()) + i * region.page_size();
        std::uint64_t entry = 0;
        const auto off = static_cast<off_t>(va / sys_page * sizeof entry);
        if (::pread(fd, &entry, sizeof entry, off) != static_cast<ssize_t>(sizeof entry)) {
            ::close(fd);
            unlock();
            return fail(status::not_supported, "physical address space: reading pagemap: {}",
                        std::strerror(errno));
        }
        const std::uint64_t pfn = entry & ((std::uint64_t{1} << 55) - 1);
        if ((entry >> 63) == 0 || pfn == 0) {
            ::close(fd);
            unlock();
            return fail(status::access_denied,
                        "physical address space: pagemap hides frame numbers (page {} {}); "
                        "needs CAP_SYS_ADMIN (run as root)",
                        i, (entry >> 63) == 0 ? "not present" : "frame 0");
        }
        frames[i] = pfn * sys_page / region.page_size(); // in units of the region's page
    }
    ::close(fd);
    return std::unique_ptr<dma_mapping>(new physical_mapping(region, std::move(frames)));
}

} // namespace netcx::bm
