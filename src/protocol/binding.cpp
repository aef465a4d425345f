// SPDX-License-Identifier: MIT
// A protocol's binding to an adapter: the protocol API (protocol.hpp) over the datapath.
//
// bind: the preferences become bm::protocol_preferences; the host validates the registered
// ranges against the NIC and negotiates the plan; each range is borrowed as a memory region; the
// datapath opens with that plan, the regions, and this binding as its Rx and Tx sink, which
// forward to the protocol with the binding in hand. The datapath's contexts may deliver packets
// before open_datapath returns: the sinks wait (briefly) until the binding has its datapath.
//
// unbind: stop the queues (no more callbacks), wait up to the bound for the protocol to release
// what it holds, then close; the datapath's close names every buffer still held and its holder,
// and leaves that memory mapped. Closing is done once: a later unbind (the destructor's too)
// reports the first one's outcome, since buffers held then stay held (and stats().in_flight
// keeps counting them).
#include "base/diag.hpp"

#include <netcx/bm/memory_region.hpp>
#include <netcx/protocol/protocol.hpp>

#include <array>
#include <atomic>
#include <thread>

namespace netcx::protocol {
namespace {

bm::protocol_preferences to_bm(std::string_view name, const preferences& p)
{
    bm::protocol_preferences b;
    b.protocol = std::string{name};
    b.rx_queues = p.rx_queues;
    b.tx_queues = p.tx_queues;
    b.headroom = p.headroom;
    b.buffer_size = p.buffer_size;
    b.numa_node = p.numa_node;
    for (const memory_range& r : p.registered)
        b.registered.push_back({reinterpret_cast<std::uintptr_t>(r.base), r.bytes});
    return b;
}

void add(datapath::queue_stats& to, const datapath::queue_stats& s)
{
    to.packets += s.packets;
    to.bytes += s.bytes;
    to.advances += s.advances;
    to.notifications += s.notifications;
    for (std::size_t i = 0; i < to.rx_drops.size(); ++i)
        to.rx_drops[i] += s.rx_drops[i];
    for (std::size_t i = 0; i < to.tx_drops.size(); ++i)
        to.tx_drops[i] += s.tx_drops[i];
    for (std::size_t i = 0; i < to.bounces.size(); ++i)
        to.bounces[i] += s.bounces[i];
}

class binding_impl final : public binding, public datapath::rx_sink, public datapath::tx_sink {
public:
    binding_impl(protocol_driver& p, bm::buffer_plan plan, std::vector<bm::memory_region> regions)
        : protocol_(p), plan_(std::move(plan)), adapter_(plan_.adapter),
          regions_(std::move(regions)), unregistered_(regions_.size(), false)
    {
    }
    ~binding_impl() override { (void)unbind(std::chrono::milliseconds{0}); }

    result<void> open(host::host& h, host::device_id device, const preferences& prefs)
    {
        datapath::options o;
        o.rx_queues = prefs.rx_queues == 0 ? 0 : plan_.rx.queues.value;
        o.tx_queues = prefs.tx_queues == 0 ? 0 : plan_.tx.queues.value;
        o.rx = this;
        o.tx = this;
        o.on = prefs.on;
        o.cpus = prefs.cpus;
        o.verifier = prefs.verifier;
        for (const bm::memory_region& r : regions_)
            o.registered.push_back(&r);
        o.plan = plan_;
        rx_queues_ = o.rx_queues;
        tx_queues_ = o.tx_queues;
        auto d = h.open_datapath(device, o);
        if (!d)
            return std::move(d).err();
        dp_ = std::move(d).value();
        ready_.store(dp_.get(), std::memory_order_release);
        return {};
    }

    // ---- rx_sink / tx_sink: the queues' contexts ----
    void on_receive(std::uint32_t queue, std::span<const rx_packet> packets,
                    std::span<const rx_fragment> fragments) override
    {
        wait_ready();
        protocol_.on_receive(*this, queue, packets, fragments);
    }
    void on_complete(std::uint32_t queue, std::span<const std::uint64_t> cookies) override
    {
        wait_ready();
        protocol_.on_complete(*this, queue, cookies);
    }

    // ---- binding ----
    const std::string& adapter() const noexcept override { return adapter_; }
    protocol_driver& protocol() const noexcept override { return protocol_; }
    const bm::buffer_plan& plan() const noexcept override { return plan_; }

    std::uint32_t alloc(std::uint32_t queue, std::uint32_t bytes,
                        std::span<tx_buffer> out) noexcept override
    {
        return live() ? dp_->alloc_tx(queue, bytes, out) : 0;
    }
    std::uint32_t send(std::uint32_t queue, std::span<const tx_packet> packets,
                       std::span<const tx_fragment> fragments) noexcept override
    {
        return live() ? dp_->send(queue, packets, fragments) : 0;
    }
    std::uint32_t forward(std::uint32_t queue, std::span<const rx_packet> packets,
                          std::span<const rx_fragment> fragments) noexcept override
    {
        return live() ? dp_->forward(queue, packets, fragments) : 0;
    }
    void release(std::span<const rx_fragment> fragments) noexcept override
    {
        if (datapath::datapath* d = ready_.load(std::memory_order_acquire))
            d->release(fragments);
    }
    void release(std::span<const buffer_token> tokens) noexcept override
    {
        if (datapath::datapath* d = ready_.load(std::memory_order_acquire))
            d->release(tokens);
    }

    binding_stats stats() const override
    {
        binding_stats s;
        if (!dp_)
            return s;
        for (std::uint32_t q = 0; q < rx_queues_; ++q)
            add(s.rx, dp_->rx_stats(q));
        for (std::uint32_t q = 0; q < tx_queues_; ++q)
            add(s.tx, dp_->tx_stats(q));
        s.pools = dp_->pools();
        for (const auto& p : s.pools) {
            s.alloc_fast += p.stats.alloc_fast;
            s.alloc_slow += p.stats.alloc_slow;
            s.cross_thread += p.stats.free_remote;
            s.in_flight += p.stats.in_flight;
        }
        if (!unbound_)
            s.in_flight += left_held_; // the closed pools are gone; their held buffers are not
        return s;
    }

    result<void> unregister_memory(std::size_t index) override
    {
        if (index >= regions_.size())
            return fail(status::invalid_parameter,
                        "{}: unregister_memory: no registered range {} ({} registered)", adapter_,
                        index, regions_.size());
        if (unregistered_[index])
            return fail(status::invalid_parameter,
                        "{}: unregister_memory: range {} is already unregistered", adapter_, index);
        if (dp_ && dp_->region_busy(index))
            return fail(status::busy,
                        "{}: unregister_memory: range {} ({} bytes at {}) still holds buffers "
                        "(an Rx pool is carved from it, or sends from it are in flight)",
                        adapter_, index, regions_[index].size(),
                        static_cast<const void*>(regions_[index].base()));
        if (dp_)
            dp_->unregister_region(index);
        unregistered_[index] = true;
        return {};
    }

    result<void> unbind(std::chrono::milliseconds wait) override
    {
        if (!dp_ || closed_.exchange(true))
            return unbound_; // what the first unbind found: held buffers stay held
        dp_->stop();
        const auto deadline = std::chrono::steady_clock::now() + wait;
        while (dp_->held() != 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        left_held_ = dp_->held(); // what close will name: it stays out of the pools for good
        if (auto r = dp_->close(); !r)
            unbound_ = fail(status::busy, "{}: unbind of protocol '{}': {}", adapter_,
                            protocol_.name(), r.err().message);
        return unbound_;
    }

private:
    [[nodiscard]] bool live() const noexcept
    {
        return dp_ != nullptr && !closed_.load(std::memory_order_relaxed);
    }
    void wait_ready() const noexcept
    {
        while (ready_.load(std::memory_order_acquire) == nullptr)
            std::this_thread::yield();
    }

    protocol_driver& protocol_;
    bm::buffer_plan plan_;
    std::string adapter_;
    std::vector<bm::memory_region> regions_; // borrowed: the protocol's memory
    std::vector<bool> unregistered_;
    std::uint32_t rx_queues_ = 0, tx_queues_ = 0;
    std::unique_ptr<datapath::datapath> dp_;
    std::atomic<datapath::datapath*> ready_{nullptr};
    std::atomic<bool> closed_{false};
    result<void> unbound_;        // the first unbind's outcome, reported again by later calls
    std::uint64_t left_held_ = 0; // buffers still held when it closed the datapath
};

} // namespace

void protocol_driver::on_receive(binding& b, std::uint32_t queue,
                                 std::span<const rx_packet> packets,
                                 std::span<const rx_fragment> fragments)
{
    (void)queue, (void)packets;
    b.release(fragments);
}

// The default: as sends whose fragments carry the received buffers (for bindings that are not
// the framework's, such as tests' fakes).
std::uint32_t binding::forward(std::uint32_t queue, std::span<const rx_packet> packets,
                               std::span<const rx_fragment> fragments) noexcept
{
    std::array<tx_packet, 32> tp;
    std::array<tx_fragment, 128> tf;
    std::uint32_t accepted = 0;
    while (accepted < packets.size()) {
        std::uint32_t np = 0, nf = 0;
        for (; accepted + np < packets.size() && np < tp.size(); ++np) {
            const rx_packet& p = packets[accepted + np];
            if (nf + p.fragment_count > tf.size() ||
                std::size_t{p.first_fragment} + p.fragment_count > fragments.size())
                break;
            tp[np] = {nf, p.fragment_count, 0};
            for (std::uint32_t k = 0; k < p.fragment_count; ++k) {
                const rx_fragment& f = fragments[p.first_fragment + k];
                tf[nf++] = {f.data, f.length, f.token};
            }
        }
        if (np == 0)
            break;
        const std::uint32_t n = send(queue, {tp.data(), np}, {tf.data(), nf});
        accepted += n;
        if (n < np)
            break;
    }
    return accepted;
}

result<bm::buffer_plan> negotiate(host::host& h, host::device_id device, std::string_view name,
                                  const preferences& prefs)
{
    return h.plan(device, to_bm(name, prefs));
}

result<std::unique_ptr<binding>> bind(host::host& h, host::device_id device, protocol_driver& p,
                                      const preferences& prefs)
{
    if (prefs.rx_queues == 0 && prefs.tx_queues == 0)
        return fail(status::invalid_parameter,
                    "bind of protocol '{}': no queues asked for (rx_queues and tx_queues are 0)",
                    p.name());
    auto plan = negotiate(h, device, p.name(), prefs);
    if (!plan)
        return std::move(plan).err();
    if (!plan->errors.empty())
        return fail(status::invalid_parameter, "bind of protocol '{}': {}: {}", p.name(),
                    plan->adapter, plan->errors.front());
    std::vector<bm::memory_region> regions;
    for (std::size_t i = 0; i < prefs.registered.size(); ++i) {
        const memory_range& r = prefs.registered[i];
        auto m = bm::memory_region::borrow(r.base, r.bytes);
        if (!m)
            return fail(m.err().code, "bind of protocol '{}': registered range {}: {}", p.name(), i,
                        m.err().message);
        regions.push_back(std::move(m).value());
    }
    auto b = std::make_unique<binding_impl>(p, std::move(plan).value(), std::move(regions));
    if (auto r = b->open(h, device, prefs); !r)
        return fail(r.err().code, "bind of protocol '{}': {}", p.name(), r.err().message);
    return std::unique_ptr<binding>{std::move(b)};
}

} // namespace netcx::protocol
