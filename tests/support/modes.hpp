// SPDX-License-Identifier: MIT
// Names for tests run once on an unchecked pool and once on a checked one.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace netcx::test {

inline std::string pool_mode_name(const ::testing::TestParamInfo<bool>& p)
{
    return p.param ? "checked" : "unchecked";
}

} // namespace netcx::test
