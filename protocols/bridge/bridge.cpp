// SPDX-License-Identifier: MIT
// bridge: picks the other end of the binding a batch arrived on and forwards to it.
#include "bridge/bridge.hpp"

#include "base/diag.hpp"
#include "common/params.hpp"

namespace netcx::protocols {

result<std::unique_ptr<builtin>> bridge::make(const params& p)
{
    const param_reader r{"bridge", p};
    NETCX_TRY(r.check_keys({"queues"}));
    auto queues = r.number("queues", 1, 1, 64);
    if (!queues)
        return std::move(queues).err();
    return std::unique_ptr<builtin>{new bridge(static_cast<std::uint32_t>(*queues))};
}

protocol::preferences bridge::preferences() const
{
    protocol::preferences p;
    p.rx_queues = queues_;
    p.tx_queues = queues_;
    return p;
}

result<void> bridge::start(std::span<protocol::binding* const> bindings)
{
    if (bindings.size() != 2 || bindings[0] == nullptr || bindings[1] == nullptr ||
        bindings[0] == bindings[1])
        return fail(status::invalid_parameter, "bridge: start needs 2 distinct bindings, got {}",
                    bindings.size());
    ends_[0].store(bindings[0], std::memory_order_release);
    ends_[1].store(bindings[1], std::memory_order_release);
    return {};
}

void bridge::stop()
{
    ends_[0].store(nullptr, std::memory_order_release);
    ends_[1].store(nullptr, std::memory_order_release);
}

void bridge::on_receive(protocol::binding& b, std::uint32_t queue,
                        std::span<const protocol::rx_packet> packets,
                        std::span<const protocol::rx_fragment> fragments)
{
    protocol::binding* const a = ends_[0].load(std::memory_order_acquire);
    protocol::binding* const z = ends_[1].load(std::memory_order_acquire);
    protocol::binding* const to = &b == a ? z : &b == z ? a : nullptr;
    if (to == nullptr) {
        b.release(fragments);
        unbridged_.fetch_add(packets.size(), std::memory_order_relaxed);
        return;
    }
    forward(b, *to, queue < queues_ ? queue : 0, packets, fragments, false, counters_);
}

traffic_report bridge::report() const
{
    traffic_report r;
    r.received = counters_.received.load(std::memory_order_relaxed) +
                 unbridged_.load(std::memory_order_relaxed);
    r.received_bytes = counters_.received_bytes.load(std::memory_order_relaxed);
    r.forwarded = counters_.forwarded.load(std::memory_order_relaxed);
    r.sent = r.forwarded;
    r.sent_bytes = counters_.sent_bytes.load(std::memory_order_relaxed);
    r.send_refused = counters_.refused.load(std::memory_order_relaxed) +
                     unbridged_.load(std::memory_order_relaxed);
    r.foreign = counters_.runts.load(std::memory_order_relaxed);
    return r;
}

} // namespace netcx::protocols
