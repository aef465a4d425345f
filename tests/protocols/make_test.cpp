// SPDX-License-Identifier: MIT
// make(): each protocol by name, and every refusal a named invalid_parameter error naming the
// protocol, the key and the value.
#include "fake_binding.hpp"
#include "support/log_capture.hpp"

#include <netcx/protocols/builtin.hpp>

#include <gtest/gtest.h>

namespace netcx::protocols {
namespace {

TEST(Make, NamesTheFive)
{
    EXPECT_EQ(names(), (std::vector<std::string>{"pktgen", "sink", "echo", "bridge", "capture"}));
    for (const auto& n : names()) {
        if (n == "capture")
            continue;
        auto p = make(n, {});
        ASSERT_TRUE(p.ok()) << n << ": " << p.err().message;
        EXPECT_EQ((*p)->name(), n);
    }
}

struct refusal {
    std::string protocol;
    params p;
    std::string says; ///< in the message and the log line
};

class MakeRefuses : public ::testing::TestWithParam<refusal> {};

TEST_P(MakeRefuses, WithANamedError)
{
    test::log_capture log;
    const auto& r = GetParam();
    auto m = make(r.protocol, r.p);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.code(), status::invalid_parameter);
    EXPECT_NE(m.err().message.find(r.says), std::string::npos) << m.err().message;
    EXPECT_TRUE(log.has(r.says)) << log.all();
}

INSTANTIATE_TEST_SUITE_P(
    Builtins, MakeRefuses,
    ::testing::Values(
        refusal{"flood", {}, "unknown protocol 'flood'"},
        refusal{"pktgen", {{"speed", "9"}}, "pktgen: unknown parameter speed=9"},
        refusal{"pktgen", {{"rate", "fast"}}, "pktgen: parameter rate=fast: not a number"},
        refusal{"pktgen", {{"rate", "-1"}}, "pktgen: parameter rate=-1: not a number"},
        refusal{"pktgen", {{"size", "63"}}, "pktgen: parameter size=63: below the minimum 64"},
        refusal{
            "pktgen", {{"size", "9001"}}, "pktgen: parameter size=9001: above the maximum 9000"},
        refusal{"pktgen", {{"size", "12x"}}, "pktgen: parameter size=12x: not a number"},
        refusal{"pktgen", {{"sizes", "64,abc"}}, "pktgen: parameter sizes=64,abc: 'abc'"},
        refusal{"pktgen", {{"sizes", "64,10000"}}, "pktgen: parameter sizes=64,10000: 10000 is"},
        refusal{"pktgen", {{"size", "64"}, {"sizes", "64"}}, "give size or sizes, not both"},
        refusal{"pktgen",
                {{"count", "5"}, {"duration", "1"}},
                "pktgen: parameter duration=1: give count or duration, not both"},
        refusal{"pktgen", {{"count", "0"}}, "pktgen: parameter count=0: below the minimum 1"},
        refusal{"pktgen", {{"duration", "soon"}}, "pktgen: parameter duration=soon: not a number"},
        refusal{"pktgen", {{"duration", "0"}}, "pktgen: parameter duration=0: must be above 0"},
        refusal{"pktgen", {{"flows", "0"}}, "pktgen: parameter flows=0"},
        refusal{"pktgen",
                {{"dst", "02:00:00:00:00"}},
                "pktgen: parameter dst=02:00:00:00:00: not a MAC"},
        refusal{
            "pktgen", {{"src", "02:00:00:00:00:zz"}}, "pktgen: parameter src=02:00:00:00:00:zz"},
        refusal{"pktgen", {{"txq", "0"}}, "pktgen: parameter txq=0"},
        refusal{"pktgen", {{"rate", "1"}, {"rate", "2"}}, "pktgen: parameter rate=2: given twice"},
        refusal{"pktgen",
                {{"window", "64"}, {"check", "0"}},
                "pktgen: parameter window=64: a window needs check=1"},
        refusal{"pktgen", {{"window", "lots"}}, "pktgen: parameter window=lots: not a number"},
        refusal{"sink", {{"flows", "99999"}}, "sink: parameter flows=99999: above the maximum"},
        refusal{"sink", {{"rate", "1"}}, "sink: unknown parameter rate=1"},
        refusal{"echo", {{"size", "64"}}, "echo: unknown parameter size=64"},
        refusal{"echo", {{"queues", "x"}}, "echo: parameter queues=x: not a number"},
        refusal{"bridge", {{"queues", "0"}}, "bridge: parameter queues=0"},
        refusal{"capture", {{"file", "/tmp/x.pcapng"}}, "capture: needs a protocol to wrap"}));

TEST(Make, CaptureNeedsAFileAndOnlyCaptureWraps)
{
    test::log_capture log;
    auto inner = make("sink", {});
    ASSERT_TRUE(inner.ok());
    auto c = make("capture", {}, std::move(*inner));
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.err().message.find("file=PATH is required"), std::string::npos);

    auto inner2 = make("sink", {});
    ASSERT_TRUE(inner2.ok());
    auto e = make("echo", {}, std::move(*inner2));
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.err().message.find("echo: does not wrap"), std::string::npos);

    auto inner3 = make("sink", {});
    ASSERT_TRUE(inner3.ok());
    auto t = make("capture", {{"file", "/tmp/netcx_make_test.pcapng"}, {"tsresol", "ms"}},
                  std::move(*inner3));
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.err().message.find("capture: parameter tsresol=ms: expected us or ns"),
              std::string::npos);
}

TEST(Make, DefaultsAndPreferences)
{
    auto g = make("pktgen", {{"txq", "3"}, {"rxq", "2"}});
    ASSERT_TRUE(g.ok());
    EXPECT_EQ((*g)->preferences().tx_queues, 3u);
    EXPECT_EQ((*g)->preferences().rx_queues, 2u);
    EXPECT_EQ((*g)->adapters(), 1u);
    EXPECT_FALSE((*g)->done());
    const auto r = (*g)->report();
    EXPECT_EQ(r.sent, 0u);
    EXPECT_FALSE(r.has_latency);
    auto b = make("bridge", {});
    ASSERT_TRUE(b.ok());
    EXPECT_EQ((*b)->adapters(), 2u);
}

} // namespace
} // namespace netcx::protocols
