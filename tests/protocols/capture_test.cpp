// SPDX-License-Identifier: MIT
// capture: the pcapng file read back by libpcap and by tshark, with the right count, lengths and
// bytes; snaplen, nanosecond timestamps, forwarding to the inner protocol, and file errors.
#include "fake_binding.hpp"
#include "support/log_capture.hpp"

#include "capture/capture.hpp"

#include <netcx/protocols/builtin.hpp>

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace netcx::protocols {
namespace {

struct read_back {
    std::vector<std::vector<std::byte>> frames;
    std::vector<std::uint32_t> lengths; ///< original lengths
    std::vector<timeval> times;
    int linktype = -1;
    std::string error;
};

read_back read_pcap(const std::string& path, bool nanos = false)
{
    read_back r;
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline_with_tstamp_precision(
        path.c_str(), nanos ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO, err);
    if (p == nullptr) {
        r.error = err;
        return r;
    }
    r.linktype = pcap_datalink(p);
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    while (pcap_next_ex(p, &h, &data) == 1) {
        const auto* b = reinterpret_cast<const std::byte*>(data);
        r.frames.emplace_back(b, b + h->caplen);
        r.lengths.push_back(h->len);
        r.times.push_back(h->ts);
    }
    pcap_close(p);
    return r;
}

class CaptureTest : public ::testing::Test {
protected:
    CaptureTest()
        : path_((std::filesystem::temp_directory_path() /
                 ("netcx_capture_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".pcapng"))
                    .string())
    {
    }
    ~CaptureTest() override { std::filesystem::remove(path_); }

    std::unique_ptr<builtin> made(params p = {})
    {
        p.emplace_back("file", path_);
        auto inner = make("sink", {});
        EXPECT_TRUE(inner.ok());
        auto c = make("capture", p, std::move(*inner));
        EXPECT_TRUE(c.ok()) << c.err().message;
        return c ? std::move(*c) : nullptr;
    }

    std::string path_;
};

TEST_F(CaptureTest, LibpcapReadsEveryFrameBack)
{
    auto c = made();
    test::fake_binding b{*c};
    protocol::binding* bs[] = {&b};
    ASSERT_TRUE(c->start(bs).ok());
    test::rx_batch batch;
    const std::uint32_t sizes[] = {64, 65, 66, 67, 1500, 9000, 333};
    for (std::uint64_t s = 0; s < 7; ++s)
        batch.add(test::stamped(0, s, sizes[s]), s == 5 ? 2048 : 0); // 9000 in 5 fragments
    const auto before = std::chrono::system_clock::now();
    c->on_receive(b, 0, batch.packets, batch.fragments);
    test::rx_batch more;
    for (std::uint64_t s = 7; s < 100; ++s)
        more.add(test::stamped(0, s, 100));
    c->on_receive(b, 0, more.packets, more.fragments);
    c->stop();

    // The inner sink saw (and released) everything.
    const auto r = c->report();
    EXPECT_EQ(r.received, 100u);
    EXPECT_EQ(r.integrity_errors, 0u);
    EXPECT_EQ(b.released().size(), batch.fragments.size() + more.fragments.size());
    EXPECT_EQ(dynamic_cast<capture&>(*c).captured(), 100u);

    const auto rb = read_pcap(path_);
    ASSERT_TRUE(rb.error.empty()) << rb.error;
    EXPECT_EQ(rb.linktype, DLT_EN10MB);
    ASSERT_EQ(rb.frames.size(), 100u);
    for (std::size_t i = 0; i < 7; ++i) {
        EXPECT_EQ(rb.lengths[i], sizes[i]);
        EXPECT_EQ(rb.frames[i], batch.storage[i]) << i;
    }
    for (std::size_t i = 7; i < 100; ++i)
        EXPECT_EQ(rb.frames[i], more.storage[i - 7]);
    const auto t = std::chrono::system_clock::to_time_t(before);
    EXPECT_NEAR(static_cast<double>(rb.times[0].tv_sec), static_cast<double>(t), 5);
}

TEST_F(CaptureTest, SnaplenCutsAndNanosecondsAreKept)
{
    auto c = made({{"snaplen", "100"}, {"tsresol", "ns"}});
    test::fake_binding b{*c};
    test::rx_batch batch;
    batch.add(test::stamped(0, 0, 1500), 1000);
    batch.add(test::stamped(0, 1, 64));
    c->on_receive(b, 0, batch.packets, batch.fragments);
    c->stop();
    const auto rb = read_pcap(path_, true);
    ASSERT_TRUE(rb.error.empty()) << rb.error;
    ASSERT_EQ(rb.frames.size(), 2u);
    EXPECT_EQ(rb.frames[0].size(), 100u);
    EXPECT_EQ(rb.lengths[0], 1500u);
    EXPECT_TRUE(std::equal(rb.frames[0].begin(), rb.frames[0].end(), batch.storage[0].begin()));
    EXPECT_EQ(rb.frames[1].size(), 64u);
    EXPECT_GE(rb.times[0].tv_usec, 0); // tv_usec holds nanoseconds at nano precision
    EXPECT_LT(rb.times[0].tv_usec, 1'000'000'000);
}

TEST_F(CaptureTest, TsharkReadsTheFileBack)
{
    if (std::system("command -v tshark >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "tshark is not installed (scripts/setup.sh installs it)";
    auto c = made();
    test::fake_binding b{*c};
    test::rx_batch batch;
    for (std::uint64_t s = 0; s < 50; ++s)
        batch.add(test::stamped(0, s, 64 + static_cast<std::uint32_t>(s) * 10),
                  s % 2 == 0 ? 0 : 128);
    c->on_receive(b, 0, batch.packets, batch.fragments);
    c->stop();

    const std::string cmd = "tshark -r '" + path_ + "' -T fields -e frame.len 2>&1";
    FILE* out = ::popen(cmd.c_str(), "r");
    ASSERT_NE(out, nullptr);
    std::string text;
    char line[256];
    while (std::fgets(line, sizeof line, out) != nullptr)
        text += line;
    ASSERT_EQ(::pclose(out), 0) << text;
    std::vector<std::uint32_t> lens;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto nl = text.find('\n', at);
        const auto l = text.substr(at, nl - at);
        if (!l.empty() && std::isdigit(static_cast<unsigned char>(l[0])))
            lens.push_back(static_cast<std::uint32_t>(std::stoul(l)));
        at = nl == std::string::npos ? text.size() : nl + 1;
    }
    ASSERT_EQ(lens.size(), 50u) << text;
    for (std::size_t i = 0; i < 50; ++i)
        EXPECT_EQ(lens[i], 64 + i * 10);
}

TEST_F(CaptureTest, ForwardsEverythingToTheInnerProtocol)
{
    auto inner = make("pktgen", {{"count", "10"}, {"txq", "2"}, {"check", "0"}});
    ASSERT_TRUE(inner.ok());
    auto c = make("capture", {{"file", path_}}, std::move(*inner));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ((*c)->name(), "capture");
    EXPECT_EQ((*c)->preferences().tx_queues, 2u);
    EXPECT_EQ((*c)->adapters(), 1u);
    test::fake_binding b{**c};
    protocol::binding* bs[] = {&b};
    ASSERT_TRUE((*c)->start(bs).ok());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!(*c)->done() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_TRUE((*c)->done());
    (*c)->stop();
    EXPECT_EQ((*c)->report().sent, 10u);
    EXPECT_EQ(b.sent_count(), 10u);
}

TEST(Capture, CannotOpenIsANamedError)
{
    test::log_capture log;
    auto inner = make("sink", {});
    ASSERT_TRUE(inner.ok());
    auto c = make("capture", {{"file", "/nonexistent-dir/x.pcapng"}}, std::move(*inner));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.code(), status::invalid_parameter);
    EXPECT_NE(c.err().message.find("cannot open '/nonexistent-dir/x.pcapng' for writing"),
              std::string::npos)
        << c.err().message;
    EXPECT_TRUE(log.has("cannot open"));
}

TEST(Capture, WriteErrorsAreCountedNotFatal)
{
    if (!std::filesystem::exists("/dev/full"))
        GTEST_SKIP() << "no /dev/full";
    test::log_capture log;
    auto inner = make("sink", {});
    ASSERT_TRUE(inner.ok());
    // /dev/full accepts the open and fails every write: the headers already fail.
    auto c = make("capture", {{"file", "/dev/full"}}, std::move(*inner));
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.err().message.find("cannot write '/dev/full'"), std::string::npos);
    EXPECT_TRUE(log.has("No space left on device")) << log.all();
}

} // namespace
} // namespace netcx::protocols
