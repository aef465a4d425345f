// SPDX-License-Identifier: MIT
#include <netcx/base/fault.hpp>

#include <gtest/gtest.h>

namespace netcx::fault {
namespace {

class Fault : public ::testing::Test {
protected:
    void TearDown() override { reset(); }
};

TEST_F(Fault, TheNthEventFailsOnce)
{
    const auto before = injected(site::map);
    fail_nth(site::map, 3);
    EXPECT_FALSE(should_fail(site::map));
    EXPECT_FALSE(should_fail(site::map));
    EXPECT_TRUE(should_fail(site::map));
    EXPECT_FALSE(should_fail(site::map));
    EXPECT_EQ(injected(site::map), before + 1);
}

TEST_F(Fault, SitesAreIndependent)
{
    fail_nth(site::memory, 1);
    EXPECT_FALSE(should_fail(site::map));
    EXPECT_TRUE(should_fail(site::memory));
}

TEST_F(Fault, ResetDisarms)
{
    fail_nth(site::buffer_alloc, 1);
    reset();
    EXPECT_FALSE(should_fail(site::buffer_alloc));
}

TEST_F(Fault, SpecArmsSites)
{
    ASSERT_TRUE(arm_from_spec("map:2,memory:1"));
    EXPECT_TRUE(should_fail(site::memory));
    EXPECT_FALSE(should_fail(site::map));
    EXPECT_TRUE(should_fail(site::map));
}

TEST_F(Fault, MalformedSpecArmsNothing)
{
    EXPECT_FALSE(arm_from_spec("map:2,disk:1"));
    EXPECT_FALSE(arm_from_spec("map"));
    EXPECT_FALSE(arm_from_spec("map:0"));
    EXPECT_FALSE(arm_from_spec("map:x"));
    EXPECT_FALSE(should_fail(site::map));
    EXPECT_FALSE(should_fail(site::map));
}

} // namespace
} // namespace netcx::fault
