// SPDX-License-Identifier: MIT
/// @file
/// Memory that buffers are carved from: anonymous system memory (2 MiB hugepages when the machine
/// has them, bound to a NUMA node) or a range a caller registers (the basis of registration mode).
#pragma once

#include <netcx/base/status.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace netcx::bm {

enum class memory_source : std::uint8_t {
    system,     ///< allocated by netcx
    registered, ///< a protocol's (or driver's) range; netcx never frees it
};

enum class page_policy : std::uint8_t {
    small,          ///< 4 KiB pages only
    huge_preferred, ///< 2 MiB hugepages, falling back to 4 KiB pages (and saying so)
    huge_required,  ///< 2 MiB hugepages or fail
};

[[nodiscard]] std::string_view to_string(memory_source s) noexcept;
[[nodiscard]] std::string_view to_string(page_policy p) noexcept;

inline constexpr int any_numa_node = -1;

struct system_memory_request {
    std::size_t bytes = 0;
    int numa_node = any_numa_node;
    page_policy pages = page_policy::huge_preferred;
    /// The region must end at or below this virtual address (a device on the identity space
    /// with a 32-bit reach): small pages in the low 2 GiB (MAP_32BIT), or not_supported.
    std::uint64_t end_below = ~std::uint64_t{0};
};

/// A contiguous virtual range. Move-only; unmaps system memory on destruction.
class memory_region {
public:
    /// Maps `bytes` (rounded up to the page size) of zeroed, pre-faulted memory.
    /// Fails: invalid_parameter (0 bytes, NUMA node out of range), no_memory, not_supported
    /// (hugepages required but none free), fault_injected (fault site `memory`).
    static result<memory_region> allocate(const system_memory_request& request);

    /// Wraps a caller's range without taking ownership. `page_size` is the range's page size when
    /// known (it bounds physical contiguity); the caller keeps the range alive while it is used.
    /// Fails: invalid_parameter (null, zero length, wraps the address space, bad page size).
    static result<memory_region> borrow(void* base, std::size_t bytes,
                                        std::size_t page_size = 4096);

    memory_region(memory_region&& other) noexcept;
    memory_region& operator=(memory_region&& other) noexcept;
    memory_region(const memory_region&) = delete;
    memory_region& operator=(const memory_region&) = delete;
    ~memory_region();

    [[nodiscard]] std::byte* base() const noexcept { return base_; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t page_size() const noexcept { return page_size_; }
    [[nodiscard]] int numa_node() const noexcept { return numa_node_; }
    [[nodiscard]] memory_source source() const noexcept { return source_; }
    [[nodiscard]] bool contains(const void* p, std::size_t len) const noexcept
    {
        const auto a = reinterpret_cast<std::uintptr_t>(p);
        const auto b = reinterpret_cast<std::uintptr_t>(base_);
        return a >= b && len <= size_ && a - b <= size_ - len;
    }

    /// Keeps the mapping alive past this object (used when buffers leak at pool destruction:
    /// holders may still touch them, so the memory must stay mapped).
    void quarantine() noexcept { owned_ = false; }

private:
    memory_region(std::byte* base, std::size_t size, std::size_t page, int node, memory_source src,
                  bool owned) noexcept
        : base_(base), size_(size), page_size_(page), numa_node_(node), source_(src), owned_(owned)
    {
    }
    void release() noexcept;

    std::byte* base_ = nullptr;
    std::size_t size_ = 0;
    std::size_t page_size_ = 0;
    int numa_node_ = any_numa_node;
    memory_source source_ = memory_source::system;
    bool owned_ = false;
};

} // namespace netcx::bm
