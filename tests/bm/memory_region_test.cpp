// SPDX-License-Identifier: MIT
#include "support/log_capture.hpp"

#include <netcx/base/fault.hpp>
#include <netcx/bm/memory_region.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <numaif.h>
#include <string>
#include <vector>

namespace netcx::bm {
namespace {

std::size_t free_hugepages()
{
    std::ifstream in{"/proc/meminfo"};
    std::string key;
    std::size_t value = 0;
    while (in >> key >> value) {
        if (key == "HugePages_Free:")
            return value;
        in.ignore(256, '\n');
    }
    return 0;
}

TEST(SystemMemory, SmallPagesAreRoundedZeroedAndWritable)
{
    auto r = memory_region::allocate({10000, any_numa_node, page_policy::small});
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_EQ(r->size(), 12288u);
    EXPECT_EQ(r->page_size(), 4096u);
    EXPECT_EQ(r->source(), memory_source::system);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(r->base()) % 4096, 0u);
    const std::vector<std::byte> zeros(r->size());
    EXPECT_EQ(std::memcmp(r->base(), zeros.data(), r->size()), 0);
    std::memset(r->base(), 0xab, r->size());
}

TEST(SystemMemory, HugepagesPreferredFallBackAndSaySo)
{
    test::log_capture cap;
    auto r = memory_region::allocate({4 << 20, any_numa_node, page_policy::huge_preferred});
    ASSERT_TRUE(r.ok()) << r.err().message;
    if (r->page_size() == (2u << 20)) {
        EXPECT_EQ(r->size() % (2u << 20), 0u);
    } else {
        EXPECT_EQ(r->page_size(), 4096u);
        EXPECT_TRUE(cap.has("using 4 KiB pages")) << cap.all();
    }
}

TEST(SystemMemory, HugepagesRequiredFailWhenNoneAreFree)
{
    if (free_hugepages() >= 2)
        GTEST_SKIP() << "this machine has free hugepages";
    test::log_capture cap;
    auto r = memory_region::allocate({4 << 20, any_numa_node, page_policy::huge_required});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), status::not_supported);
    EXPECT_TRUE(cap.has("nr_hugepages")) << cap.all();
}

TEST(SystemMemory, BoundToTheRequestedNumaNode)
{
    auto r = memory_region::allocate({1 << 20, 0, page_policy::small});
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_EQ(r->numa_node(), 0);
    int node = -1;
    ASSERT_EQ(get_mempolicy(&node, nullptr, 0, r->base(), MPOL_F_NODE | MPOL_F_ADDR), 0);
    EXPECT_EQ(node, 0);
}

TEST(SystemMemory, RefusesBadRequestsByName)
{
    test::log_capture cap;
    EXPECT_EQ(memory_region::allocate({0, any_numa_node, page_policy::small}).code(),
              status::invalid_parameter);
    EXPECT_TRUE(cap.has("size is 0 bytes"));
    EXPECT_EQ(memory_region::allocate({4096, 4096, page_policy::small}).code(),
              status::invalid_parameter);
    EXPECT_TRUE(cap.has("NUMA node 4096 does not exist"));
    EXPECT_EQ(memory_region::allocate({SIZE_MAX - 10, any_numa_node, page_policy::small}).code(),
              status::integer_overflow);
}

TEST(SystemMemory, InjectedFailure)
{
    fault::fail_nth(fault::site::memory, 1);
    auto r = memory_region::allocate({4096, any_numa_node, page_policy::small});
    fault::reset();
    EXPECT_EQ(r.code(), status::fault_injected);
}

TEST(RegisteredMemory, BorrowsWithoutOwning)
{
    std::vector<std::byte> mine(8192);
    {
        auto r = memory_region::borrow(mine.data(), mine.size());
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r->source(), memory_source::registered);
        EXPECT_TRUE(r->contains(mine.data() + 100, 50));
        EXPECT_FALSE(r->contains(mine.data() + 8190, 4));
        EXPECT_FALSE(r->contains(mine.data() - 1, 1));
    }
    mine[0] = std::byte{1}; // still ours after the region is gone
}

TEST(RegisteredMemory, RefusesBadRangesByName)
{
    test::log_capture cap;
    std::byte b[64];
    EXPECT_EQ(memory_region::borrow(nullptr, 64).code(), status::invalid_parameter);
    EXPECT_TRUE(cap.has("base address is null"));
    EXPECT_EQ(memory_region::borrow(b, 0).code(), status::invalid_parameter);
    EXPECT_TRUE(cap.has("length is 0 bytes"));
    EXPECT_EQ(memory_region::borrow(b, SIZE_MAX).code(), status::invalid_parameter);
    EXPECT_TRUE(cap.has("wrap the address space"));
    EXPECT_EQ(memory_region::borrow(b, 64, 3000).code(), status::invalid_parameter);
    EXPECT_TRUE(cap.has("page size 3000"));
}

TEST(MemoryRegion, MovesOwnership)
{
    auto r = memory_region::allocate({4096, any_numa_node, page_policy::small});
    ASSERT_TRUE(r.ok());
    memory_region a = std::move(r).value();
    std::byte* base = a.base();
    memory_region b = std::move(a);
    EXPECT_EQ(a.base(), nullptr);
    EXPECT_EQ(b.base(), base);
    b.base()[0] = std::byte{7};
}

} // namespace
} // namespace netcx::bm
