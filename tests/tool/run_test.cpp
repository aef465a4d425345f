// SPDX-License-Identifier: MIT
// `netcx run` end to end, as a person runs it: two simnic adapters on a wire, pktgen and echo,
// the JSON report parsed back (nothing lost, nothing leaked), a count honoured exactly, a capture
// file written, and bad command lines refused by name. Each run is short (1 s or a count).
#include "run_tool.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace netcx::test {
namespace {

run_result netcx_run(std::vector<std::string> args)
{
    args.insert(args.begin(), {NETCX_TOOL, "run"});
    return run(args);
}

/// The default run (--protocol left to its default) where the build keeps up with it. pktgen is
/// open loop: a sanitizer build's echo (5-15x slower) cannot keep up with the default 100000
/// frames per second and its NIC drops what finds no buffer, so there the same run is paced lower.
run_result default_run(std::vector<std::string> args)
{
#if NETCX_TEST_SANITIZED
    args.insert(args.end(), {"--protocol", "pktgen:rate=10000"});
#endif
    return netcx_run(std::move(args));
}

bool has(const std::string& text, std::string_view needle)
{
    return text.find(needle) != std::string::npos;
}

/// The JSON report on stdout (stdout carries nothing else).
nlohmann::json report_of(const run_result& r)
{
    try {
        return nlohmann::json::parse(r.out);
    } catch (const nlohmann::json::exception& e) {
        ADD_FAILURE() << "stdout is not JSON: " << e.what() << "\n"
                      << r.out << "\nstderr:\n"
                      << r.err;
        return {};
    }
}

TEST(ToolRun, DefaultForOneSecondLosesAndLeaksNothing)
{
    const auto r = default_run({"--json", "--duration", "1"});
    EXPECT_EQ(r.code, 0) << r.err;
    const auto j = report_of(r);
    ASSERT_TRUE(j.is_object());
    EXPECT_GT(j["sent"].get<std::uint64_t>(), 0u);
    EXPECT_EQ(j["received"], j["sent"]);
    EXPECT_EQ(j["lost"], 0);
    EXPECT_EQ(j["leaked_buffers"], 0);
    EXPECT_GT(j["mpps"].get<double>(), 0.0);
    EXPECT_GT(j["gbps"].get<double>(), 0.0);
    EXPECT_GT(j["duration_s"].get<double>(), 0.5);
    EXPECT_EQ(j["bytes_received"], j["bytes_sent"]);
    ASSERT_TRUE(j["latency_ns"].is_object()) << j.dump(2);
    EXPECT_LE(j["latency_ns"]["p50"].get<std::uint64_t>(),
              j["latency_ns"]["p99"].get<std::uint64_t>());
    EXPECT_GT(j["buffers"]["alloc_fast"].get<std::uint64_t>(), 0u);
    EXPECT_GT(j["buffers"]["peak_in_flight"].get<std::uint64_t>(), 0u);
    ASSERT_EQ(j["adapters"].size(), 2u);
    EXPECT_EQ(j["adapters"][0]["protocol"], "pktgen");
    EXPECT_EQ(j["adapters"][1]["protocol"], "echo");
    EXPECT_EQ(j["adapters"][0]["driver"], "simnic");
    ASSERT_EQ(j["plans"].size(), 2u);
    EXPECT_TRUE(j["plans"][0].contains("rx")) << j["plans"][0].dump(2);
}

TEST(ToolRun, CountIsSentExactly)
{
    const auto r = netcx_run({"--count", "500", "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    const auto j = report_of(r);
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j["sent"], 500);
    EXPECT_EQ(j["received"], 500);
    EXPECT_EQ(j["bytes_sent"], 500 * 64);
    EXPECT_EQ(j["lost"], 0);
    EXPECT_EQ(j["leaked_buffers"], 0);
}

TEST(ToolRun, SizeIsPktgens)
{
    const auto r = netcx_run({"--count", "100", "--size", "512", "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    const auto j = report_of(r);
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j["bytes_sent"], 100 * 512);
}

TEST(ToolRun, TextReportShowsPlansAndResult)
{
    const auto r = netcx_run({"--count", "200"});
    EXPECT_EQ(r.code, 0) << r.err;
    for (const char* s :
         {"buffer plan for adapter0", "buffer plan for adapter1", "sent by adapter0",
          "received back by adapter0", "peak in flight (sampled)", "leaked buffers",
          "result: pass (lost 0, leaked 0)"})
        EXPECT_TRUE(has(r.out, s)) << "missing '" << s << "' in\n" << r.out;
    EXPECT_FALSE(has(r.err, "\r")) << "no progress line when stderr is not a terminal";
}

TEST(ToolRun, CaptureWritesAFile)
{
    const temp_dir dir;
    const auto file = dir.path() / "run.pcapng";
    const auto r = netcx_run({"--count", "100", "--capture", file.string(), "--quiet"});
    EXPECT_EQ(r.code, 0) << r.err;
    ASSERT_TRUE(std::filesystem::exists(file)) << r.err;
    EXPECT_GT(std::filesystem::file_size(file), 0u);
    EXPECT_TRUE(has(r.out, "capture(pktgen) on adapter0")) << r.out;
}

TEST(ToolRun, BadFlagsAreCommandLineErrors)
{
    for (const std::vector<std::string>& args : {std::vector<std::string>{"--bogus"},
                                                 {"--duration", "abc"},
                                                 {"--duration", "-1"},
                                                 {"--count", "0"},
                                                 {"--size", "x"}}) {
        const auto r = netcx_run(args);
        EXPECT_EQ(r.code, 2) << args[0] << ": " << r.err;
        EXPECT_TRUE(has(r.err, args[0])) << r.err;
        EXPECT_TRUE(r.out.empty()) << r.out;
    }
}

TEST(ToolRun, UnknownProtocolIsNamed)
{
    const auto r = netcx_run({"--protocol", "nosuch", "--json"});
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(has(r.err, "nosuch")) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ToolRun, UnknownProtocolParameterIsNamed)
{
    const auto r = netcx_run({"--protocol", "pktgen:bogus_key=1", "--json"});
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(has(r.err, "bogus_key")) << r.err;
}

TEST(ToolRun, UnknownDriverIsNamed)
{
    const auto r = netcx_run({"--driver", "nosuchnic"});
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(has(r.err, "--driver 'nosuchnic'")) << r.err;
    EXPECT_TRUE(has(r.err, "simnic")) << r.err;
}

TEST(ToolRun, MalformedParamIsNamed)
{
    const auto r = netcx_run({"--param", "0:rx_hint64"});
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(has(r.err, "--param '0:rx_hint64'")) << r.err;
}

TEST(ToolRun, RefusedDeviceParameterIsARuntimeFailure)
{
    const auto r = netcx_run({"--param", "1:rx_mode=bogus", "--count", "10"});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_TRUE(has(r.err, "adapter1")) << r.err;
}

} // namespace
} // namespace netcx::test
