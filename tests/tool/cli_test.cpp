// SPDX-License-Identifier: MIT
// `netcx plan` command lines: what a person gets for a bad one (exit code 2 and CLI11's message
// or the offending --param or preference flag), for a driver that does not load (exit code 1 and
// one line), for --help, and a plan negotiated with protocol preferences (conflicts listed).
#include "run_tool.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
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

/// simnic.so beside the tool in the same build tree (tools/netcx/netcx -> drivers/simnic.so).
std::string simnic_so()
{
    return (std::filesystem::path{NETCX_TOOL}.parent_path().parent_path().parent_path() /
            "drivers" / "simnic.so")
        .string();
}

/// A bad preference flag: exit code 2, one line naming the flag and the value, nothing on stdout.
void expect_flag_error(std::vector<std::string> flags, std::string_view needle)
{
    std::vector<std::string> args{"plan", "--driver", SEED_DRIVER, "--json"};
    args.insert(args.end(), flags.begin(), flags.end());
    const auto r = netcx(args);
    EXPECT_EQ(r.code, 2) << r.err;
    ASSERT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_TRUE(has(r.err, needle)) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
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
    for (const char* flag : {"--rx-queues", "--tx-queues", "--headroom", "--buffer-size", "--numa",
                             "--register", "--protocol"})
        EXPECT_TRUE(has(r.out, flag)) << flag << "\n" << r.out;
}

TEST(ToolCli, BadPreferenceValuesNameTheFlag)
{
    expect_flag_error({"--rx-queues", "four"}, "netcx plan: --rx-queues 'four': not a number");
    expect_flag_error({"--tx-queues", "0"}, "netcx plan: --tx-queues '0': out of range 1..");
    expect_flag_error({"--headroom", "12k"}, "netcx plan: --headroom '12k': not a number");
    expect_flag_error({"--buffer-size", "0x1ffffffff"},
                      "--buffer-size '0x1ffffffff': out of range");
    expect_flag_error({"--numa", "node1"}, "netcx plan: --numa 'node1': not a NUMA node number");
    expect_flag_error({"--register", "0x7f0000000000"},
                      "netcx plan: --register '0x7f0000000000': expected ADDR:BYTES");
    expect_flag_error({"--register", "0x7f0000000000:lots"},
                      "--register '0x7f0000000000:lots': BYTES is not a number");
    expect_flag_error({"--register", "here:4096"}, "--register 'here:4096': ADDR is not a number");
}

TEST(ToolCli, PreferencesAreNegotiated)
{
    const auto r =
        netcx({"plan", "--driver", SEED_DRIVER, "--json", "--protocol", "echo", "--rx-queues", "4",
               "--headroom", "128", "--register", "0x7f0000000000:0x400000"});
    EXPECT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["rx"]["queues"], 1);
    EXPECT_EQ(j["rx"]["headroom"], 128);
    EXPECT_EQ(j["rx"]["memory"], "registered"); // 64-bit identity: the device reaches it
    EXPECT_EQ(j["tx"]["registered"], "zero-copy");
    ASSERT_EQ(j["conflicts"].size(), 1u) << j.dump(2);
    EXPECT_TRUE(has(j["conflicts"][0], "rx.queues: echo asked for 4 Rx queues")) << j.dump(2);
    EXPECT_EQ(j["rx"]["reasons"]["queues"].get<std::string>(),
              j["conflicts"][0].get<std::string>().substr(std::string{"rx.queues: "}.size()));
}

TEST(ToolCli, ConflictsAreListedInText)
{
    const auto r =
        netcx({"plan", "--driver", SEED_DRIVER, "--tx-queues", "2", "--protocol", "pktgen"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "\nconflicts:\n  - tx.queues: pktgen asked for 2 Tx queues")) << r.out;
}

TEST(ToolCli, WithoutPreferencesThereAreNoConflicts)
{
    const auto r = netcx({"plan", "--driver", SEED_DRIVER, "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_TRUE(j["conflicts"].empty());
    EXPECT_EQ(j["rx"]["memory"], "system");
    EXPECT_EQ(j["tx"]["registered"], "none");
}

TEST(ToolCli, RefusedRegistrationIsOneLine)
{
    const auto r =
        netcx({"plan", "--driver", SEED_DRIVER, "--json", "--register", "0x7f0000000010:4096"});
    EXPECT_EQ(r.code, 1);
    const auto l = lines(r.err);
    ASSERT_EQ(l.size(), 1u) << r.err;
    EXPECT_TRUE(has(l[0], "netcx plan: registered range 0: base 0x7f0000000010 is not a "
                          "multiple of the NIC's buffer alignment 64"))
        << l[0];
    EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ToolCli, RegisteredMemoryBehindA32BitIommuIsReached)
{
    const auto r = netcx({"plan", "--driver", SEED_DRIVER, "--json", "--param", "dma=iommu",
                          "--param", "iommu_bits=32", "--register", "0x7f0000000000:4194304"});
    EXPECT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["rx"]["memory"], "registered");
    EXPECT_TRUE(has(j["rx"]["reasons"]["memory"], "the IOMMU maps it")) << j.dump(2);
    EXPECT_EQ(j["tx"]["registered"], "zero-copy");
    EXPECT_TRUE(j["conflicts"].empty()) << j.dump(2);
}

TEST(ToolCli, RegisteredMemoryAboveA32BitDeviceIsBouncedAndNotUsedForRx)
{
    const std::string simnic = simnic_so();
    if (!std::filesystem::exists(simnic))
        GTEST_SKIP() << simnic << " is not built";
    const auto r = netcx({"plan", "--driver", simnic, "--json", "--param", "address_width=32",
                          "--param", "dma=identity", "--register", "0x7f0000000000:0x400000"});
    EXPECT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["rx"]["max_logical_address"], 0xffffffffu);
    EXPECT_EQ(j["rx"]["memory"], "system");
    EXPECT_TRUE(has(j["rx"]["reasons"]["memory"], "Rx comes from system memory the device can "
                                                  "reach"))
        << j.dump(2);
    EXPECT_EQ(j["tx"]["registered"], "bounced");
    EXPECT_TRUE(has(j["tx"]["reasons"]["registered"], "above the device's reach 0xffffffff"))
        << j.dump(2);
    ASSERT_EQ(j["conflicts"].size(), 2u) << j.dump(2);
    EXPECT_TRUE(
        has(j["conflicts"][0], "rx.memory: registered memory is out of the device's reach"));
    EXPECT_TRUE(has(j["conflicts"][1], "tx.registered: registered memory is out of the device's "
                                       "reach"));
}

} // namespace
} // namespace netcx::test
