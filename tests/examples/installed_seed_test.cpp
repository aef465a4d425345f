// SPDX-License-Identifier: MIT
// The seed driver and the documentation's example build as C against an *installed* netcx (from a
// temporary prefix, with pkg-config) and the installed `netcx plan` shows their capabilities.
#include "run_tool.hpp"
#include "seed_expectations.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace netcx::test {
namespace {

TEST(InstalledSeed, BuildsWithPkgConfigAndPlans)
{
    const temp_dir dir;
    const auto r = run({"/bin/bash", INSTALLED_SEED_SCRIPT, NETCX_BUILD_DIR, NETCX_SOURCE_DIR,
                        dir.path().string()});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("installed seed drivers planned"), std::string::npos) << r.out;
    for (const char* driver : {"seed_driver", "seed_example"}) {
        SCOPED_TRACE(driver);
        const std::string json = read_file(dir.path() / (std::string{driver} + ".json"));
        expect_seed_plan(nlohmann::json::parse(json));
    }
}

} // namespace
} // namespace netcx::test
