// SPDX-License-Identifier: MIT
// A protocol driver in one file: `flow_counter` counts received frames per EtherType.
//
// Two simulated NICs (simnic) share an in-process wire. flow_counter binds to both: on the first
// it receives (zero-copy: it reads the frames in the buffers the NIC wrote and releases them), on
// the second it sends frames it builds in Tx buffers the framework allocates. Then it prints the
// counts and what negotiation decided, and unbinds. Build: target netcx_example_flow_counter.
// The API: include/netcx/protocol/protocol.hpp.
#include <netcx/base/log.hpp>
#include <netcx/drivers/builtin.hpp>
#include <netcx/protocol/protocol.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
namespace protocol = netcx::protocol;

constexpr std::array<std::uint16_t, 3> ether_types{0x0800, 0x0806, 0x86dd};
constexpr std::array<const char*, 4> type_names{"ipv4", "arp", "ipv6", "other"};
constexpr std::uint32_t frames_to_send = 96, frame_size = 60;

class flow_counter final : public protocol::protocol_driver {
public:
    [[nodiscard]] std::string_view name() const noexcept override { return "flow_counter"; }

    // On the Rx queue's own thread; must not block. Each fragment is ours until released.
    void on_receive(protocol::binding& b, std::uint32_t,
                    std::span<const protocol::rx_packet> packets,
                    std::span<const protocol::rx_fragment> fragments) override
    {
        for (const protocol::rx_packet& p : packets) {
            const protocol::rx_fragment& f = fragments[p.first_fragment]; // the header's
            std::size_t slot = ether_types.size(); // "other" (or too short for a header)
            if (f.length >= 14) {
                const unsigned type = std::to_integer<unsigned>(f.data[12]) << 8 |
                                      std::to_integer<unsigned>(f.data[13]);
                slot = static_cast<std::size_t>(
                    std::find(ether_types.begin(), ether_types.end(), type) - ether_types.begin());
            }
            counts_[slot].fetch_add(1, std::memory_order_relaxed);
        }
        // The first packet ever is kept past the callback (main releases it, from its thread);
        // every other fragment goes back now, exactly once.
        const protocol::rx_packet& first = packets.front();
        if (!kept_once_.exchange(true)) {
            sample_.assign(fragments.begin() + first.first_fragment,
                           fragments.begin() + first.first_fragment + first.fragment_count);
            b.release(fragments.first(first.first_fragment));
            b.release(fragments.subspan(first.first_fragment + first.fragment_count));
        } else {
            b.release(fragments);
        }
        received_.fetch_add(packets.size(), std::memory_order_release);
    }

    // On the Tx queue's thread: these sends are done, their buffers already freed.
    void on_complete(protocol::binding&, std::uint32_t, std::span<const std::uint64_t> c) override
    {
        completed_.fetch_add(c.size(), std::memory_order_release);
    }

    std::array<std::atomic<std::uint64_t>, ether_types.size() + 1> counts_{};
    std::atomic<std::uint64_t> received_{0}, completed_{0};
    std::atomic<bool> kept_once_{false};
    std::vector<protocol::rx_fragment> sample_; // written once, read after received_ (acquire)
};

template <class T>
bool failed(const netcx::result<T>& r, const char* what)
{
    if (!r)
        std::fprintf(stderr, "flow_counter: %s: %s\n", what, r.err().message.c_str());
    return !r;
}

template <class F>
bool wait_for(F&& done) // polls up to 2 s
{
    for (auto end = std::chrono::steady_clock::now() + 2s; !done(); std::this_thread::yield())
        if (std::chrono::steady_clock::now() > end)
            return false;
    return true;
}

/// Sends the frames on `b`'s Tx queue 0, each built in a buffer from alloc().
bool send_frames(protocol::binding& b)
{
    for (std::uint32_t sent = 0; sent < frames_to_send; ++sent) {
        std::optional<protocol::tx_buffer> got; // none while the class is dry: completions free
        if (!wait_for([&] { return (got = b.alloc_one(0, frame_size)).has_value(); }))
            return false;
        const protocol::tx_buffer& buf = *got;
        std::fill_n(buf.data, frame_size, std::byte{0});
        std::fill_n(buf.data, 6, std::byte{0xff}); // destination: broadcast
        const std::uint16_t type = ether_types[sent % ether_types.size()];
        buf.data[12] = static_cast<std::byte>(type >> 8);
        buf.data[13] = static_cast<std::byte>(type & 0xff);
        // buffer = the token: the framework frees it once the frame completes (sent or dropped).
        const protocol::tx_fragment frag{buf.data, frame_size, buf.token};
        const protocol::tx_packet pkt{0, 1, sent}; // cookie: the frame's number
        if (!wait_for([&] { return b.send(0, {&pkt, 1}, {&frag, 1}) == 1; })) { // ring full
            b.release(buf.token); // not sent: still ours to give back
            return false;
        }
    }
    return true;
}

int run()
{
    netcx::host::host host;
    netcx_register_builtin_drivers(host);
    auto simnic = host.load_driver("simnic");
    if (failed(simnic, "load simnic"))
        return 1;
    std::array<netcx::host::device_id, 2> nic{};
    for (auto& d : nic) {
        auto id = host.add_device(*simnic, {{"wire", "flow-counter"}});
        if (failed(id, "add device") || failed(host.start_device(*id), "start device"))
            return 1;
        d = *id;
    }

    // Preferences are negotiated with the NIC: headroom is granted; simnic has one Rx queue,
    // so the second is refused and plan().conflicts says why.
    flow_counter counter, sender;
    protocol::preferences prefs;
    prefs.headroom = 64;
    prefs.rx_queues = 2;
    auto bound_rx = protocol::bind(host, nic[0], counter, prefs);
    auto bound_tx = protocol::bind(host, nic[1], sender);
    if (failed(bound_rx, "bind rx") || failed(bound_tx, "bind tx"))
        return 1;
    protocol::binding& rx = **bound_rx;
    protocol::binding& tx = **bound_tx;
    std::printf("%s: rx.headroom %u, rx.queues %u\n", rx.adapter().c_str(),
                rx.plan().rx.headroom.value, rx.plan().rx.queues.value);
    for (const std::string& c : rx.plan().conflicts)
        std::printf("conflict: %s\n", c.c_str());

    // bind returned with the receiver's Rx buffers already posted to its NIC: send at once.
    const bool all = send_frames(tx) &&
                     wait_for([&] { return counter.received_.load() >= frames_to_send; }) &&
                     wait_for([&] { return sender.completed_.load() >= frames_to_send; });
    std::printf("received %u frames:", static_cast<unsigned>(counter.received_.load()));
    for (std::size_t i = 0; i < counter.counts_.size(); ++i)
        std::printf(" %s %u", type_names[i], static_cast<unsigned>(counter.counts_[i].load()));
    std::printf("\n");

    // The kept frame goes back from this thread; unbind would otherwise wait, then name it.
    if (all)
        rx.release(counter.sample_);
    const bool rx_unbound = !failed(rx.unbind(1s), "unbind rx");
    const bool tx_unbound = !failed(tx.unbind(1s), "unbind tx");
    return all && rx_unbound && tx_unbound ? 0 : 1;
}

} // namespace

int main()
{
    if (std::getenv("NETCX_LOG") == nullptr) // netcx logs progress at info; show problems only
        netcx::set_log_level(netcx::log_level::warning);
    return run();
}
