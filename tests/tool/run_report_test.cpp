// SPDX-License-Identifier: MIT
// `netcx run`'s pieces without a host: its command line (device parameters per adapter, protocol
// specs and the flags given to pktgen), the report's summary of the protocols' figures, the
// framework's figures summed over bindings, the text and JSON renderings, the progress line.
#include "run_command.hpp"
#include "run_report.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace netcx::tool {
namespace {

bool has(const std::string& text, std::string_view needle)
{
    return text.find(needle) != std::string::npos;
}

std::string value_of(const host::params& p, std::string_view key)
{
    for (const auto& [k, v] : p)
        if (k == key)
            return v;
    return "<unset>";
}

// ---- Device parameters ----------------------------------------------------------------------

TEST(RunParams, DefaultsJoinBothSimnicsOnOneWireWithDistinctAddresses)
{
    const auto p = adapter_params("simnic", {});
    ASSERT_TRUE(p.ok()) << p.err().message;
    EXPECT_EQ(value_of((*p)[0], "wire"), "netcx-run");
    EXPECT_EQ(value_of((*p)[1], "wire"), "netcx-run");
    EXPECT_NE(value_of((*p)[0], "NetworkAddress"), value_of((*p)[1], "NetworkAddress"));
    EXPECT_EQ(value_of((*p)[0], "rx_hint"), "4096");
}

TEST(RunParams, OtherDriversGetNoNetworkAddress)
{
    const auto p = adapter_params("null", {});
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(value_of((*p)[0], "NetworkAddress"), "<unset>");
}

TEST(RunParams, UnprefixedForBothPrefixedForOneAndPrefixedWins)
{
    const auto p = adapter_params(
        "simnic", {"1:rx_mode=driver", "rx_mode=system_nodma", "dma=iommu", "0:wire=other"});
    ASSERT_TRUE(p.ok()) << p.err().message;
    EXPECT_EQ(value_of((*p)[0], "rx_mode"), "system_nodma");
    EXPECT_EQ(value_of((*p)[1], "rx_mode"), "driver");
    EXPECT_EQ(value_of((*p)[0], "dma"), "iommu");
    EXPECT_EQ(value_of((*p)[1], "dma"), "iommu");
    EXPECT_EQ(value_of((*p)[0], "wire"), "other");
    EXPECT_EQ(value_of((*p)[1], "wire"), "netcx-run");
}

TEST(RunParams, ValueMayHoldColons)
{
    const auto p = adapter_params("simnic", {"NetworkAddress=02:00:00:00:00:09"});
    ASSERT_TRUE(p.ok()) << p.err().message;
    EXPECT_EQ(value_of((*p)[1], "NetworkAddress"), "02:00:00:00:00:09");
}

TEST(RunParams, MalformedAndUnknownAdapterAreNamed)
{
    const auto bad = adapter_params("simnic", {"rx_hint64"});
    ASSERT_FALSE(bad.ok());
    EXPECT_TRUE(has(bad.err().message, "--param 'rx_hint64'")) << bad.err().message;

    const auto adapter = adapter_params("simnic", {"2:rx_hint=64"});
    ASSERT_FALSE(adapter.ok());
    EXPECT_TRUE(has(adapter.err().message, "--param '2:rx_hint=64'")) << adapter.err().message;
    EXPECT_TRUE(has(adapter.err().message, "adapter 2 does not exist")) << adapter.err().message;
}

// ---- Protocols ------------------------------------------------------------------------------

TEST(RunProtocols, ParsesNameAndParameters)
{
    const auto s = parse_protocol("pktgen:rate=1000,size=128");
    ASSERT_TRUE(s.ok()) << s.err().message;
    EXPECT_EQ(s->name, "pktgen");
    EXPECT_EQ(value_of(s->params, "rate"), "1000");
    EXPECT_EQ(value_of(s->params, "size"), "128");

    const auto list = parse_protocol("pktgen:sizes=64,128,1500,rate=10");
    ASSERT_TRUE(list.ok()) << list.err().message;
    EXPECT_EQ(value_of(list->params, "sizes"), "64,128,1500");
    EXPECT_EQ(value_of(list->params, "rate"), "10");

    const auto bare = parse_protocol("echo");
    ASSERT_TRUE(bare.ok());
    EXPECT_EQ(bare->name, "echo");
    EXPECT_TRUE(bare->params.empty());
}

TEST(RunProtocols, MalformedSpecsAreNamed)
{
    for (const char* text : {"", ":size=1", "pktgen:size", "pktgen:size=1,", "pktgen:=3"}) {
        const auto s = parse_protocol(text);
        ASSERT_FALSE(s.ok()) << text;
        EXPECT_TRUE(has(s.err().message, std::string{"--protocol '"} + text + "'"))
            << s.err().message;
    }
}

TEST(RunProtocols, DefaultIsPktgenForThreeSecondsThenEcho)
{
    const auto s = protocol_specs(run_options{});
    ASSERT_TRUE(s.ok()) << s.err().message;
    EXPECT_EQ((*s)[0].name, "pktgen");
    EXPECT_EQ(value_of((*s)[0].params, "duration"), "3");
    EXPECT_EQ(value_of((*s)[0].params, "window"), "1024")
        << "closed loop: the default loses nothing";
    EXPECT_EQ(value_of((*s)[0].params, "rate"), "<unset>");
    EXPECT_EQ((*s)[1].name, "echo");
    EXPECT_TRUE((*s)[1].params.empty());
}

TEST(RunProtocols, FlagsGoToPktgenAndOverrideItsParameters)
{
    run_options o;
    o.protocols = {"sink", "pktgen:sizes=1500,64,duration=2"};
    o.count = 500;
    o.size = 128;
    const auto s = protocol_specs(o);
    ASSERT_TRUE(s.ok()) << s.err().message;
    EXPECT_TRUE((*s)[0].params.empty());
    EXPECT_EQ(value_of((*s)[1].params, "count"), "500");
    EXPECT_EQ(value_of((*s)[1].params, "size"), "128");
    EXPECT_EQ(value_of((*s)[1].params, "duration"), "<unset>") << "--count replaces it";
    EXPECT_EQ(value_of((*s)[1].params, "sizes"), "<unset>") << "--size replaces it";
}

TEST(RunProtocols, FractionalDuration)
{
    run_options o;
    o.duration = 0.5;
    const auto s = protocol_specs(o);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(value_of((*s)[0].params, "duration"), "0.5");
}

TEST(RunProtocols, OneProtocolKeepsEchoOnAdapter1)
{
    run_options o;
    o.protocols = {"pktgen:size=256"};
    const auto s = protocol_specs(o);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ((*s)[1].name, "echo");
}

TEST(RunProtocols, CaptureWrapsAdapter0)
{
    run_options o;
    o.capture = "/tmp/x.pcapng";
    const auto s = protocol_specs(o);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ((*s)[0].label(), "capture(pktgen)");
    EXPECT_EQ((*s)[1].label(), "echo");
}

TEST(RunProtocols, RefusalsNameTheOption)
{
    run_options three;
    three.protocols = {"pktgen", "echo", "sink"};
    run_options both;
    both.count = 1;
    both.duration = 1;
    auto b = protocol_specs(both);
    ASSERT_FALSE(b.ok());
    EXPECT_TRUE(has(b.err().message, "--count and --duration")) << b.err().message;

    auto s = protocol_specs(three);
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(has(s.err().message, "--protocol given 3 times")) << s.err().message;

    run_options capture;
    capture.protocols = {"capture:file=x"};
    s = protocol_specs(capture);
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(has(s.err().message, "--capture FILE")) << s.err().message;

    run_options no_pktgen;
    no_pktgen.protocols = {"echo", "echo"};
    no_pktgen.count = 5;
    s = protocol_specs(no_pktgen);
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(has(s.err().message, "--count is pktgen's")) << s.err().message;
}

// ---- The report -----------------------------------------------------------------------------

run_report pktgen_echo(std::uint64_t sent, std::uint64_t received, std::uint64_t lost)
{
    run_report r;
    run_adapter a{"adapter0", "simnic", "pktgen", "pktgen", {}};
    a.traffic.sent = sent;
    a.traffic.sent_bytes = sent * 64;
    a.traffic.received = received;
    a.traffic.received_bytes = received * 64;
    a.traffic.lost = lost;
    a.traffic.has_latency = true;
    a.traffic.latency_p50_ns = 2'500;
    a.traffic.latency_p99_ns = 12'000;
    a.traffic.latency_p999_ns = 40'000;
    a.traffic.latency_max_ns = 15'000'000;
    run_adapter b{"adapter1", "simnic", "echo", "echo", {}};
    b.traffic.received = received;
    b.traffic.forwarded = received;
    r.adapters = {a, b};
    r.duration_s = 2.0;
    zero_reasons(r);
    summarize(r);
    return r;
}

TEST(RunReport, RoundTripFiguresComeFromTheSender)
{
    const auto r = pktgen_echo(4'000'000, 4'000'000, 0);
    EXPECT_TRUE(r.round_trip);
    EXPECT_EQ(r.sender, 0u);
    EXPECT_EQ(r.receiver, 0u);
    EXPECT_EQ(r.sent, 4'000'000u);
    EXPECT_EQ(r.received, 4'000'000u);
    EXPECT_DOUBLE_EQ(r.mpps(), 2.0);
    EXPECT_DOUBLE_EQ(r.gbps(), 4'000'000.0 * 64 * 8 / 2.0 / 1e9);
    EXPECT_TRUE(r.has_latency);
    EXPECT_EQ(r.latency_p99_ns, 12'000u);
    EXPECT_TRUE(r.failures().empty());
}

TEST(RunReport, OneWayFiguresComeFromTheReceiver)
{
    run_report r;
    run_adapter sink{"adapter0", "simnic", "sink", "sink", {}};
    sink.traffic.received = 90;
    sink.traffic.lost = 10;
    run_adapter gen{"adapter1", "simnic", "pktgen", "pktgen", {}};
    gen.traffic.sent = 100;
    r.adapters = {sink, gen};
    r.duration_s = 1;
    summarize(r);
    EXPECT_FALSE(r.round_trip);
    EXPECT_EQ(r.sender, 1u);
    EXPECT_EQ(r.receiver, 0u);
    EXPECT_EQ(r.sent, 100u);
    EXPECT_EQ(r.received, 90u);
    EXPECT_EQ(r.lost, 10u);
    const auto f = r.failures();
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0], "10 frames lost");
}

TEST(RunReport, BindingStatsAreSummedByReason)
{
    run_report r = pktgen_echo(10, 10, 0);
    protocol::binding_stats a;
    a.rx.rx_drops[static_cast<std::size_t>(datapath::rx_drop::verifier)] = 3;
    a.tx.tx_drops[static_cast<std::size_t>(datapath::tx_drop::cancelled)] = 1;
    a.tx.bounces[static_cast<std::size_t>(datapath::bounce_reason::misaligned)] = 5;
    a.alloc_fast = 100;
    a.alloc_slow = 2;
    a.cross_thread = 7;
    protocol::binding_stats b = a;
    add_binding_stats(r, a);
    add_binding_stats(r, b);
    EXPECT_EQ(r.alloc_fast, 200u);
    EXPECT_EQ(r.alloc_slow, 4u);
    EXPECT_EQ(r.cross_thread_returns, 14u);
    EXPECT_EQ(r.total_drops(), 8u);
    std::uint64_t verifier = 0;
    for (const auto& [reason, n] : r.drops)
        if (reason == "rx.verifier")
            verifier = n;
    EXPECT_EQ(verifier, 6u);
    const auto text = to_text(r);
    EXPECT_TRUE(has(text, "rx.verifier 6, tx.cancelled 2")) << text;
    EXPECT_TRUE(has(text, "misaligned 10")) << text;
}

TEST(RunReport, FailuresNameLossLeaksAndErrors)
{
    auto r = pktgen_echo(10, 9, 1);
    r.leaked_buffers = 2;
    r.leaks = {"adapter0: 2 buffers held by protocol"};
    r.errors = {"pktgen did not finish within 13 s"};
    const auto f = r.failures();
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(f[0], "1 frame lost");
    EXPECT_EQ(f[1], "2 buffers leaked (still held at unbind)");
    EXPECT_EQ(f[2], "pktgen did not finish within 13 s");
    const auto text = to_text(r);
    EXPECT_TRUE(has(text, "result: FAIL: 1 frame lost; 2 buffers leaked")) << text;
    EXPECT_TRUE(has(text, "adapter0: 2 buffers held by protocol")) << text;

    EXPECT_EQ(pktgen_echo(0, 0, 0).failures(), std::vector<std::string>{"nothing was sent"});
}

TEST(RunReport, BuffersNamedInAnUnbindRefusal)
{
    EXPECT_EQ(buffers_named("unbind: adapter0: rx: 3 buffers outstanding: protocol 0 holds [4, 7, "
                            "9]; tx 128: 1 buffer outstanding: protocol 0 holds [2]"),
              4u);
    EXPECT_EQ(buffers_named("adapter1: 12 buffers still held by the protocol"), 12u);
    EXPECT_EQ(buffers_named("unbind timed out"), 0u);
}

TEST(RunReport, TextShowsEachFigure)
{
    auto r = pktgen_echo(4'000'000, 4'000'000, 0);
    r.alloc_fast = 123;
    r.alloc_slow = 4;
    r.cross_thread_returns = 56;
    r.peak_in_flight = 789;
    const auto text = to_text(r);
    for (const char* s :
         {"netcx run: 2.00 s of traffic (2.00 s in all), pktgen on adapter0 (simnic); echo on "
          "adapter1",
          "sent by adapter0", "received back by adapter0", "4000000", "256000000", "2.000",
          "latency (round trip)", "p50 2500 ns", "p99 12.0 us", "p99.9 40.0 us", "max 15.00 ms",
          "framework drops              none", "fast 123, slow 4", "cross-thread returns       56",
          "peak in flight (sampled)   789", "leaked buffers             0",
          "result: pass (lost 0, leaked 0)"})
        EXPECT_TRUE(has(text, s)) << "missing '" << s << "' in\n" << text;
}

TEST(RunReport, JsonHasTheAgreedKeys)
{
    auto r = pktgen_echo(1000, 1000, 0);
    r.peak_in_flight = 64;
    bm::buffer_plan plan;
    plan.adapter = "adapter0";
    r.plans = {plan, plan};
    const auto j = nlohmann::json::parse(to_json(r));
    EXPECT_EQ(j["sent"], 1000);
    EXPECT_EQ(j["received"], 1000);
    EXPECT_EQ(j["lost"], 0);
    EXPECT_EQ(j["leaked_buffers"], 0);
    EXPECT_DOUBLE_EQ(j["mpps"].get<double>(), 1000 / 2.0 / 1e6);
    EXPECT_EQ(j["bytes_sent"], 64000);
    EXPECT_EQ(j["bytes_received"], 64000);
    EXPECT_GT(j["gbps"].get<double>(), 0);
    EXPECT_EQ(j["duration_s"], 2.0);
    EXPECT_EQ(j["latency_ns"]["p50"], 2500);
    EXPECT_EQ(j["latency_ns"]["p99"], 12000);
    EXPECT_EQ(j["latency_ns"]["p999"], 40000);
    EXPECT_EQ(j["latency_ns"]["max"], 15000000);
    EXPECT_EQ(j["drops"]["rx.no_fragments"], 0);
    EXPECT_EQ(j["drops"]["tx.cancelled"], 0);
    EXPECT_EQ(j["bounces"]["misaligned"], 0);
    EXPECT_EQ(j["buffers"]["peak_in_flight"], 64);
    for (const char* k : {"alloc_fast", "alloc_slow", "cross_thread_returns"})
        EXPECT_TRUE(j["buffers"].contains(k)) << k;
    ASSERT_EQ(j["adapters"].size(), 2u);
    EXPECT_EQ(j["adapters"][1]["protocol"], "echo");
    EXPECT_EQ(j["adapters"][1]["traffic"]["forwarded"], 1000);
    ASSERT_EQ(j["plans"].size(), 2u);
    EXPECT_EQ(j["plans"][0]["adapter"], "adapter0");
    EXPECT_TRUE(j["passed"].get<bool>());
}

TEST(RunReport, JsonLatencyIsNullWhenNotMeasured)
{
    auto r = pktgen_echo(10, 10, 0);
    r.has_latency = false;
    const auto j = nlohmann::json::parse(to_json(r));
    EXPECT_TRUE(j["latency_ns"].is_null());
}

TEST(RunProgress, RatesOverTheLastIntervalAndPeakInFlight)
{
    progress_meter m;
    (void)m.update({0.0, 0, 0, 0, 10});
    m.record({0.25, 400'000, 300'000, 0, 700});
    const auto line = m.update({0.5, 1'000'000, 900'000, 3, 512});
    EXPECT_TRUE(has(line, "   0.5 s")) << line;
    EXPECT_TRUE(has(line, "tx   2.000 Mpps")) << line << ": over the last line's interval";
    EXPECT_TRUE(has(line, "rx   1.800 Mpps")) << line;
    EXPECT_TRUE(has(line, "drops 3")) << line;
    EXPECT_TRUE(has(line, "in flight 512")) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(m.peak_in_flight(), 700u);
}

TEST(RunProgress, ActiveTimeIsWhenTrafficLastMoved)
{
    progress_meter m;
    EXPECT_EQ(m.active_s(), 0.0);
    m.record({0.02, 0, 0, 0, 0});
    EXPECT_EQ(m.active_s(), 0.0) << "nothing moved yet";
    m.record({0.5, 100, 90, 0, 0});
    m.record({1.0, 200, 190, 0, 0});
    m.record({1.2, 200, 200, 0, 0});
    m.record({1.5, 200, 200, 0, 0}); // pktgen's grace period: nothing moves
    (void)m.update({1.52, 200, 200, 0, 0});
    EXPECT_DOUBLE_EQ(m.active_s(), 1.2);
}

} // namespace
} // namespace netcx::tool
