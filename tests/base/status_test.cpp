// SPDX-License-Identifier: MIT
#include <netcx/base/status.hpp>

#include <gtest/gtest.h>

namespace netcx {
namespace {

result<int> half(int v)
{
    if (v % 2 != 0)
        return error{status::invalid_parameter, "odd"};
    return v / 2;
}

result<int> quarter(int v)
{
    auto h = half(v);
    NETCX_TRY(h);
    return half(*h);
}

TEST(Result, CarriesValueOrError)
{
    auto ok = half(8);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(*ok, 4);
    EXPECT_EQ(ok.code(), status::ok);

    auto bad = half(3);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.code(), status::invalid_parameter);
    EXPECT_EQ(bad.err().message, "odd");
}

TEST(Result, TryPropagatesTheFirstError)
{
    EXPECT_EQ(*quarter(8), 2);
    EXPECT_EQ(quarter(6).code(), status::invalid_parameter); // 6/2 = 3 is odd
    EXPECT_EQ(quarter(5).code(), status::invalid_parameter);
}

TEST(Status, EveryCodeHasAName)
{
    for (int s = 0; s <= static_cast<int>(status::fault_injected); ++s)
        EXPECT_NE(to_string(static_cast<status>(s)), "unknown status") << s;
}

} // namespace
} // namespace netcx
