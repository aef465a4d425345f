// SPDX-License-Identifier: MIT
// `netcx plan` on the in-tree seed driver and on the documentation's example: the plan shows what
// their capabilities ask for (system-managed DMA Rx aligned to 64, DMA Tx, both ring hints), the
// ring hints follow the adapter's configuration, and a refused hint comes back in "errors".
#include "run_tool.hpp"
#include "seed_expectations.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace netcx::test {
namespace {

run_result plan(const std::string& driver, std::vector<std::string> extra = {})
{
    std::vector<std::string> args{NETCX_TOOL, "plan", "--driver", driver};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
}

nlohmann::json plan_json(const std::string& driver, std::vector<std::string> extra = {})
{
    extra.push_back("--json");
    const auto r = plan(driver, extra);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;
    // stdout is the JSON document and nothing else.
    return nlohmann::json::parse(r.out);
}

TEST(SeedPlan, InTreeSeedDriver)
{
    expect_seed_plan(plan_json(SEED_DRIVER));
}

TEST(SeedPlan, InTreeSeedExample)
{
    expect_seed_plan(plan_json(SEED_EXAMPLE));
}

TEST(SeedPlan, TextShowsEachValueWithItsReason)
{
    const auto r = plan(SEED_DRIVER);
    EXPECT_EQ(r.code, 0) << r.err;
    const auto l = lines(r.out);
    ASSERT_FALSE(l.empty());
    EXPECT_EQ(l[0], "buffer plan for adapter0");
    bool alignment = false;
    for (const auto& line : l)
        if (line.find("rx.alignment") != std::string::npos) {
            alignment = true;
            EXPECT_NE(line.find(" 64 "), std::string::npos) << line;
            EXPECT_NE(line.find("FragmentBufferAlignment 64"), std::string::npos) << line;
        }
    EXPECT_TRUE(alignment) << r.out;
}

TEST(SeedPlan, RingHintsFollowTheConfiguration)
{
    const auto j = plan_json(SEED_DRIVER,
                             {"--param", "*ReceiveBuffers=2048", "--param", "*TransmitBuffers=64"});
    EXPECT_EQ(j["rx"]["fragment_ring_size"], 2048);
    EXPECT_EQ(j["rx"]["buffer_count"], 2 * 2048);
    EXPECT_EQ(j["tx"]["fragment_ring_size"], 64 * seed::max_phys_buf_count);
}

TEST(SeedPlan, RefusedHintIsInErrors)
{
    const auto r = plan(SEED_DRIVER, {"--param", "*ReceiveBuffers=300", "--json"});
    EXPECT_EQ(r.code, 1);
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["errors"].size(), 1u) << j.dump(2);
    const std::string e = j["errors"][0];
    EXPECT_NE(e.find("FragmentRingNumberOfElementsHint is 300"), std::string::npos) << e;
    EXPECT_NE(e.find("STATUS_INVALID_PARAMETER"), std::string::npos) << e;
}

TEST(SeedPlan, RefusedHintInTextComesFirst)
{
    const auto r = plan(SEED_DRIVER, {"--param", "*ReceiveBuffers=300"});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out.rfind("error: ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("FragmentRingNumberOfElementsHint is 300"), std::string::npos) << r.out;
}

TEST(SeedPlan, ThirtyTwoBitIommuLimitsBothDirections)
{
    const auto j = plan_json(SEED_DRIVER, {"--param", "dma=iommu", "--param", "iommu_bits=32"});
    for (const char* dir : {"rx", "tx"}) {
        EXPECT_EQ(j[dir]["address_space"], "iommu") << dir;
        EXPECT_EQ(j[dir]["max_logical_address"].get<std::uint64_t>(), 0xffffffffu) << dir;
        EXPECT_NE(j[dir]["reasons"]["max_logical_address"].get<std::string>().find("IOMMU"),
                  std::string::npos);
    }
}

} // namespace
} // namespace netcx::test
