// SPDX-License-Identifier: MIT
// `netcx plan` command lines: what a person gets for a bad one (exit code 2 and CLI11's message
// or the offending --param), for a driver that does not load (exit code 1 and one line), and for
// --help.
#include "run_tool.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace netcx::test {
namespace {

run_result netcx(std::vector<std::string> args)
{
    args.insert(args.begin(), NETCX_TOOL);
    return run(args);
}

bool has(const std::string& text, std::string_view needle)
{
    return text.find(needle) != std::string::npos;
}

TEST(ToolCli, NoSubcommandIsACommandLineError)
{
    const auto r = netcx({});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "subcommand is required")) << r.err;
}

TEST(ToolCli, UnknownSubcommand)
{
    const auto r = netcx({"frobnicate"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "frobnicate")) << r.err;
}

TEST(ToolCli, PlanWithoutDriver)
{
    const auto r = netcx({"plan", "--json"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "--driver is required")) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ToolCli, PlanWithUnknownOption)
{
    const auto r = netcx({"plan", "--driver", SEED_DRIVER, "--bogus"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "--bogus")) << r.err;
}

TEST(ToolCli, MalformedParamIsNamed)
{
    const auto r = netcx({"plan", "--driver", SEED_DRIVER, "--param", "dma=iommu", "--param",
                          "iommu_bits32", "--json"});
    EXPECT_EQ(r.code, 2);
    ASSERT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_TRUE(has(r.err, "netcx plan: --param 'iommu_bits32': ")) << r.err;
    EXPECT_TRUE(has(r.err, "KEY=VALUE")) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ToolCli, ParamWithEmptyKeyIsNamed)
{
    const auto r = netcx({"plan", "--driver", SEED_DRIVER, "--param", "=512"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "netcx plan: --param '=512': ")) << r.err;
    EXPECT_TRUE(has(r.err, "empty key")) << r.err;
}

TEST(ToolCli, NonexistentDriverPathIsOneLine)
{
    const auto r = netcx({"plan", "--driver", "/nonexistent/driver.so", "--json"});
    EXPECT_EQ(r.code, 1);
    const auto l = lines(r.err);
    ASSERT_EQ(l.size(), 1u) << r.err;
    EXPECT_EQ(l[0].rfind("netcx plan: ", 0), 0u) << l[0];
    EXPECT_TRUE(has(l[0], "/nonexistent/driver.so")) << l[0];
    EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ToolCli, UnknownBuiltinDriver)
{
    const auto r = netcx({"plan", "--driver", "no-such-driver"});
    EXPECT_EQ(r.code, 1);
    ASSERT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_TRUE(has(r.err, "netcx plan: ")) << r.err;
    EXPECT_TRUE(has(r.err, "no-such-driver")) << r.err;
}

TEST(ToolCli, SharedObjectWithoutDriverEntry)
{
    const auto r = netcx({"plan", "--driver", NETCX_LIBRARY});
    EXPECT_EQ(r.code, 1);
    ASSERT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_TRUE(has(r.err, "netcx plan: ")) << r.err;
    EXPECT_TRUE(has(r.err, "DriverEntry")) << r.err;
}

TEST(ToolCli, FileThatIsNoSharedObject)
{
    const auto r = netcx({"plan", "--driver", NETCX_TEST_SOURCE});
    EXPECT_EQ(r.code, 1);
    ASSERT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_TRUE(has(r.err, "netcx plan: ")) << r.err;
}

TEST(ToolCli, BadDeviceParameterValueIsADriverError)
{
    const auto r = netcx({"plan", "--driver", SEED_DRIVER, "--param", "dma=bogus"});
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(has(r.err, "netcx plan: ")) << r.err;
    EXPECT_TRUE(has(r.err, "bogus")) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ToolCli, HelpGoesToStdout)
{
    const auto r = netcx({"plan", "--help"});
    EXPECT_EQ(r.code, 0);
    EXPECT_TRUE(has(r.out, "--driver")) << r.out;
    EXPECT_TRUE(has(r.out, "--param")) << r.out;
    EXPECT_TRUE(has(r.out, "--json")) << r.out;
}

} // namespace
} // namespace netcx::test
