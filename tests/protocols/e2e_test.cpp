// SPDX-License-Identifier: MIT
// The built-in protocols bound through the framework to simnic pairs: pktgen -> echo -> pktgen
// with no loss and nothing held at unbind; the same with capture around pktgen (read back by
// libpcap); and pktgen -> bridge -> echo across two wires, each bound with protocol::bind.
#include "drivers/driver_fixture.hpp"

#include <netcx/protocol/protocol.hpp>
#include <netcx/protocols/builtin.hpp>

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <filesystem>
#include <unistd.h>

namespace netcx::protocols {
namespace {

using namespace std::chrono_literals;

class ProtocolsE2E : public test::DriverTest {
protected:
    std::string wire() { return "protocols-e2e-" + std::to_string(next_wire_++); }

    /// A started simnic on `w`.
    host::device_id on_wire(const std::string& w)
    {
        return started_device("simnic", {{"wire", w}});
    }

    std::unique_ptr<builtin> made(std::string_view name, const params& p = {})
    {
        auto m = make(name, p);
        EXPECT_TRUE(m.ok()) << m.err().message;
        return m ? std::move(*m) : nullptr;
    }

    std::unique_ptr<protocol::binding> bound(host::device_id d, builtin& p)
    {
        auto b = protocol::bind(host_, d, p, p.preferences());
        EXPECT_TRUE(b.ok()) << b.err().message;
        if (!b)
            return nullptr;
        return std::move(b).value();
    }

    static void started(builtin& p, std::initializer_list<protocol::binding*> bs)
    {
        std::vector<protocol::binding*> v(bs);
        const auto st = p.start(v);
        ASSERT_TRUE(st.ok()) << st.err().message;
    }

    void round_trip(std::uint64_t count);

    static bool finished(const builtin& p, std::chrono::milliseconds limit = 20s)
    {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!p.done()) {
            if (std::chrono::steady_clock::now() > deadline)
                return false;
            std::this_thread::sleep_for(1ms);
        }
        return true;
    }

    static void unbound(std::unique_ptr<protocol::binding>& b)
    {
        ASSERT_NE(b, nullptr);
        const auto st = b->unbind(1s);
        EXPECT_TRUE(st.ok()) << st.err().message;
        EXPECT_EQ(b->stats().in_flight, 0u);
        b.reset();
    }

    inline static int next_wire_ = 0;
};

/// pktgen on one simnic, echo on the other: every frame comes back intact.
void ProtocolsE2E::round_trip(std::uint64_t count)
{
    const auto w = wire();
    const auto a = on_wire(w), z = on_wire(w);
    // Closed loop (window): more frames than an Rx ring holds must not depend on the echo's
    // thread keeping pace (under TSan on a busy machine an open loop overran its ring).
    auto gen = made("pktgen", {{"count", std::to_string(count)},
                               {"rate", "20000"},
                               {"window", "256"},
                               {"sizes", "64,1500"}});
    auto echo = made("echo");
    auto bg = bound(a, *gen);
    auto be = bound(z, *echo);
    ASSERT_TRUE(bg && be);
    started(*echo, {be.get()});
    started(*gen, {bg.get()});
    EXPECT_TRUE(finished(*gen));
    gen->stop();
    echo->stop();

    const auto r = gen->report();
    EXPECT_EQ(r.sent, count) << log_.all();
    EXPECT_EQ(r.received, count);
    EXPECT_EQ(r.lost, 0u);
    EXPECT_EQ(r.integrity_errors, 0u);
    EXPECT_EQ(r.duplicates, 0u);
    EXPECT_EQ(r.foreign, 0u);
    EXPECT_TRUE(r.has_latency);
    unbound(bg);
    unbound(be);
    // Read once its queues stopped: a callback may still be counting what pktgen already has.
    EXPECT_EQ(echo->report().forwarded, count);
}

TEST_F(ProtocolsE2E, PktgenThroughEchoWithinOneTxPool)
{
    round_trip(400); // fewer than a Tx size class's 512 buffers
}

// More frames than a size class holds: completed Tx buffers must find their way back to pktgen's
// thread (each cache holds at most a quarter of its class).
TEST_F(ProtocolsE2E, PktgenThroughEchoLosesNothing)
{
    round_trip(2000);
}

TEST_F(ProtocolsE2E, PktgenToSinkOneWayIsCheckedBySink)
{
    const auto w = wire();
    const auto a = on_wire(w), z = on_wire(w);
    auto gen = made("pktgen", {{"count", "1500"},
                               {"rate", "20000"},
                               {"sizes", "64,512,1500"},
                               {"flows", "3"},
                               {"check", "0"}});
    auto sink = made("sink");
    auto bg = bound(a, *gen);
    auto bs = bound(z, *sink);
    ASSERT_TRUE(bg && bs);
    started(*sink, {bs.get()});
    started(*gen, {bg.get()});
    EXPECT_TRUE(finished(*gen));
    EXPECT_TRUE(test::eventually([&] { return sink->report().received >= 1500; }));
    gen->stop();
    sink->stop();
    const auto r = sink->report();
    EXPECT_EQ(gen->report().sent, 1500u);
    EXPECT_EQ(r.received, 1500u);
    EXPECT_EQ(r.received_bytes, 500u * (64 + 512 + 1500));
    EXPECT_EQ(r.lost, 0u);
    EXPECT_EQ(r.integrity_errors, 0u);
    EXPECT_EQ(r.out_of_order, 0u);
    EXPECT_EQ(r.duplicates, 0u);
    EXPECT_TRUE(r.has_latency);
    unbound(bg);
    unbound(bs);
}

TEST_F(ProtocolsE2E, CaptureAroundPktgenRecordsWhatCameBack)
{
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("netcx_e2e_" + std::to_string(::getpid()) + ".pcapng"))
                                 .string();
    const auto w = wire();
    const auto a = on_wire(w), z = on_wire(w);
    auto cap = make("capture", {{"file", path}},
                    made("pktgen", {{"count", "300"}, {"rate", "20000"}, {"size", "256"}}));
    ASSERT_TRUE(cap.ok()) << cap.err().message;
    auto echo = made("echo");
    auto bg = bound(a, **cap);
    auto be = bound(z, *echo);
    ASSERT_TRUE(bg && be);
    started(*echo, {be.get()});
    started(**cap, {bg.get()});
    EXPECT_TRUE(finished(**cap));
    (*cap)->stop();
    echo->stop();
    EXPECT_EQ((*cap)->report().received, 300u);
    unbound(bg);
    unbound(be);

    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    ASSERT_NE(p, nullptr) << err;
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    std::size_t n = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
        EXPECT_EQ(h->len, 256u);
        EXPECT_EQ(data[0], 0x02); // echo swapped the addresses: back to pktgen's source
        EXPECT_EQ(data[5], 0x01);
        ++n;
    }
    pcap_close(p);
    EXPECT_EQ(n, 300u);
    std::filesystem::remove(path);
}

TEST_F(ProtocolsE2E, BridgeForwardsBetweenTwoWires)
{
    // pktgen [a] =w1= [b] bridge [c] =w2= [d] echo
    const auto w1 = wire(), w2 = wire();
    const auto a = on_wire(w1), b = on_wire(w1), c = on_wire(w2), d = on_wire(w2);
    auto gen = made("pktgen", {{"count", "400"}, {"rate", "20000"}, {"size", "512"}});
    auto br = made("bridge");
    auto echo = made("echo");
    auto ba = bound(a, *gen);
    auto bb = bound(b, *br);
    auto bc = bound(c, *br);
    auto bd = bound(d, *echo);
    ASSERT_TRUE(ba && bb && bc && bd);
    started(*echo, {bd.get()});
    started(*br, {bb.get(), bc.get()});
    started(*gen, {ba.get()});
    EXPECT_TRUE(finished(*gen));
    gen->stop();
    br->stop();
    echo->stop();

    const auto r = gen->report();
    EXPECT_EQ(r.received, 400u);
    EXPECT_EQ(r.lost, 0u);
    EXPECT_EQ(r.integrity_errors, 0u);
    unbound(ba);
    unbound(bb);
    unbound(bc);
    unbound(bd);
    // Read once its queues stopped: a callback may still be counting what pktgen already has.
    EXPECT_EQ(br->report().forwarded, 800u); // each frame crosses it twice
}

} // namespace
} // namespace netcx::protocols
