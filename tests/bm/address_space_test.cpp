// SPDX-License-Identifier: MIT
#include "support/log_capture.hpp"

#include <netcx/base/fault.hpp>
#include <netcx/bm/address_space.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

namespace netcx::bm {
namespace {

memory_region small_region(std::size_t bytes)
{
    auto r = memory_region::allocate({bytes, any_numa_node, page_policy::small});
    EXPECT_TRUE(r.ok());
    return std::move(r).value();
}

TEST(IdentitySpace, LogicalIsVirtual)
{
    auto r = small_region(8192);
    identity_space s;
    auto m = s.map(r);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(to_u64((*m)->translate(100)), reinterpret_cast<std::uintptr_t>(r.base()) + 100);
    EXPECT_EQ((*m)->contiguity(), SIZE_MAX);
}

TEST(RegionOffsetSpace, LogicalIsTheOffsetIntoTheRegion)
{
    auto umem = small_region(16384);
    region_offset_space s{umem};
    auto part = memory_region::borrow(umem.base() + 4096, 8192);
    ASSERT_TRUE(part.ok());
    auto m = s.map(*part);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(to_u64((*m)->translate(10)), 4096u + 10);
}

TEST(RegionOffsetSpace, RefusesMemoryOutsideTheRegion)
{
    test::log_capture cap;
    auto umem = small_region(8192);
    auto other = small_region(4096);
    region_offset_space s{umem};
    auto m = s.map(other);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.code(), status::address_unreachable);
    EXPECT_TRUE(cap.has("lie outside the region"));
    auto straddle = memory_region::borrow(umem.base() + 4096, 8192);
    EXPECT_EQ(s.map(*straddle).code(), status::address_unreachable);
}

TEST(AddressSpace, InjectedMappingFailure)
{
    auto r = small_region(4096);
    identity_space s;
    fault::fail_nth(fault::site::map, 1);
    auto m = s.map(r);
    fault::reset();
    EXPECT_EQ(m.code(), status::fault_injected);
}

TEST(PhysicalSpace, TranslatesThroughPagemapAsRoot)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root";
    auto r = small_region(3 * 4096);
    physical_space s;
    auto m = s.map(r);
    ASSERT_TRUE(m.ok()) << m.err().message;
    EXPECT_EQ((*m)->contiguity(), 4096u);
    for (std::size_t off : {0u, 4096u + 17, 8191u}) {
        const auto la = to_u64((*m)->translate(off));
        EXPECT_NE(la, 0u);
        EXPECT_EQ(la % 4096, off % 4096);
    }
    EXPECT_NE(to_u64((*m)->translate(0)) / 4096, to_u64((*m)->translate(4096)) / 4096);
}

TEST(PhysicalSpace, WithoutPrivilegeItSaysWhy)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root to drop to an unprivileged user";
    // Drop privileges in a child: pagemap then hides frame numbers.
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0)
            ::_exit(3);
        auto r = memory_region::allocate({4096, any_numa_node, page_policy::small});
        physical_space s;
        auto m = s.map(*r);
        const bool named = !m.ok() && m.code() == status::access_denied &&
                           m.err().message.find("CAP_SYS_ADMIN") != std::string::npos;
        ::_exit(named ? 0 : 1);
    }
    int st = 0;
    ASSERT_EQ(::waitpid(pid, &st, 0), pid);
    ASSERT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0);
}

} // namespace
} // namespace netcx::bm
