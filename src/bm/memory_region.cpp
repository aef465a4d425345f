// SPDX-License-Identifier: MIT
// System memory for pools: anonymous, pre-faulted mappings; 2 MiB hugepages when the machine has
// them free, 4 KiB pages otherwise (logged once per fallback); bound to a NUMA node with libnuma.
#include <netcx/bm/memory_region.hpp>

#include "base/diag.hpp"

#include <netcx/base/fault.hpp>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <numa.h>
#include <sys/mman.h>
#include <utility>

namespace netcx::bm {
namespace {

constexpr std::size_t small_page = 4096;
constexpr std::size_t huge_page = std::size_t{2} << 20;

bool round_up(std::size_t bytes, std::size_t page, std::size_t& out) noexcept
{
    if (bytes > SIZE_MAX - (page - 1))
        return false;
    out = (bytes + page - 1) & ~(page - 1);
    return true;
}

void* map_anonymous(std::size_t bytes, bool huge, bool low = false) noexcept
{
    // No MAP_NORESERVE: hugetlb pages must be reserved now, or a later touch dies of SIGBUS.
    int flags = MAP_PRIVATE | MAP_ANONYMOUS;
    if (huge)
        flags |= MAP_HUGETLB | (21 << MAP_HUGE_SHIFT);
    if (low)
        flags |= MAP_32BIT; // the first 2 GiB of the address space
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
}

} // namespace

std::string_view to_string(memory_source s) noexcept
{
    return s == memory_source::system ? "system" : "registered";
}

std::string_view to_string(page_policy p) noexcept
{
    switch (p) {
    case page_policy::small: return "4k";
    case page_policy::huge_preferred: return "huge-preferred";
    case page_policy::huge_required: return "huge-required";
    }
    return "?";
}

result<memory_region> memory_region::allocate(const system_memory_request& rq)
{
    if (rq.bytes == 0)
        return fail(status::invalid_parameter, "system memory: size is 0 bytes");
    const bool numa = numa_available() >= 0;
    if (rq.numa_node != any_numa_node &&
        (rq.numa_node < 0 || !numa || rq.numa_node > numa_max_node()))
        return fail(status::invalid_parameter,
                    "system memory: NUMA node {} does not exist (this machine has nodes 0..{})",
                    rq.numa_node, numa ? numa_max_node() : 0);
    if (fault::should_fail(fault::site::memory))
        return fail(status::fault_injected, "system memory: injected failure ({} bytes)", rq.bytes);

    std::size_t bytes = 0;
    void* p = nullptr;
    std::size_t page = small_page;
    const bool low = rq.end_below != ~std::uint64_t{0};
    if (low && rq.pages == page_policy::huge_required)
        return fail(status::not_supported, "system memory: hugepages cannot be placed below {:#x}",
                    rq.end_below);
    if (rq.pages != page_policy::small && !low) {
        if (!round_up(rq.bytes, huge_page, bytes))
            return fail(status::integer_overflow, "system memory: {} bytes overflows", rq.bytes);
        p = map_anonymous(bytes, true);
        if (p != nullptr) {
            page = huge_page;
        } else if (rq.pages == page_policy::huge_required) {
            return fail(status::not_supported,
                        "system memory: {} bytes of 2 MiB hugepages unavailable ({}); reserve "
                        "some with /proc/sys/vm/nr_hugepages",
                        bytes, std::strerror(errno));
        } else if (static std::atomic<bool> said{false}; !said.exchange(true)) {
            log(log_level::info,
                "system memory: no 2 MiB hugepages free for {} bytes ({}); using 4 KiB pages "
                "(said once per process)",
                bytes, std::strerror(errno));
        }
    }
    if (p == nullptr) {
        if (!round_up(rq.bytes, small_page, bytes))
            return fail(status::integer_overflow, "system memory: {} bytes overflows", rq.bytes);
        p = map_anonymous(bytes, false, low);
        if (p == nullptr)
            return fail(status::no_memory, "system memory: mmap of {} bytes{} failed: {}", bytes,
                        low ? " in the low 2 GiB" : "", std::strerror(errno));
        if (low && reinterpret_cast<std::uintptr_t>(p) + bytes - 1 > rq.end_below) {
            ::munmap(p, bytes);
            return fail(status::not_supported,
                        "system memory: {} bytes cannot be placed below {:#x} (the lowest the "
                        "kernel gives is the first 2 GiB)",
                        bytes, rq.end_below);
        }
    }
    int node = rq.numa_node;
    if (node != any_numa_node)
        numa_tonode_memory(p, bytes, node); // bind before the first touch places the pages
        // Pre-fault now, on the control path, so the datapath never takes a page fault.
#ifndef MADV_POPULATE_WRITE
    constexpr int MADV_POPULATE_WRITE = 23; // Linux 5.14
#endif
    if (::madvise(p, bytes, MADV_POPULATE_WRITE) != 0) {
        for (std::size_t off = 0; off < bytes; off += page)
            static_cast<volatile char*>(p)[off] = 0;
    }
    return memory_region{static_cast<std::byte*>(p), bytes, page, node,
                         memory_source::system,      true};
}

result<memory_region> memory_region::borrow(void* base, std::size_t bytes, std::size_t page_size)
{
    if (base == nullptr)
        return fail(status::invalid_parameter, "registered memory: base address is null");
    if (bytes == 0)
        return fail(status::invalid_parameter, "registered memory: length is 0 bytes");
    if (reinterpret_cast<std::uintptr_t>(base) > UINTPTR_MAX - bytes)
        return fail(status::invalid_parameter,
                    "registered memory: {} bytes at {} wrap the address space", bytes, base);
    if (page_size < small_page || (page_size & (page_size - 1)) != 0)
        return fail(status::invalid_parameter,
                    "registered memory: page size {} is not a power of two >= 4096", page_size);
    return memory_region{static_cast<std::byte*>(base), bytes, page_size, any_numa_node,
                         memory_source::registered,     false};
}

memory_region::memory_region(memory_region&& o) noexcept
    : base_(std::exchange(o.base_, nullptr)), size_(std::exchange(o.size_, 0)),
      page_size_(o.page_size_), numa_node_(o.numa_node_), source_(o.source_),
      owned_(std::exchange(o.owned_, false))
{
}

memory_region& memory_region::operator=(memory_region&& o) noexcept
{
    if (this != &o) {
        release();
        base_ = std::exchange(o.base_, nullptr);
        size_ = std::exchange(o.size_, 0);
        page_size_ = o.page_size_;
        numa_node_ = o.numa_node_;
        source_ = o.source_;
        owned_ = std::exchange(o.owned_, false);
    }
    return *this;
}

memory_region::~memory_region()
{
    release();
}

void memory_region::release() noexcept
{
    if (owned_ && base_ != nullptr)
        ::munmap(base_, size_);
    owned_ = false;
    base_ = nullptr;
}

} // namespace netcx::bm
