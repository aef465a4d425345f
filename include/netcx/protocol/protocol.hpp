// SPDX-License-Identifier: MIT
/// @file
/// The protocol driver API: how a protocol (a packet generator, a bridge, a stack) binds to an
/// adapter and moves packets through the framework.
///
///   auto b = netcx::protocol::bind(host, device, my_protocol, prefs);   // negotiates the plan
///   ... on_receive(b, queue, packets, fragments)   zero-copy, on the Rx queue's context
///   ... b->release(fragments)                      now or later, from any thread
///   ... b->alloc(queue, bytes, out); b->send(queue, packets, fragments)
///   ... on_complete(b, queue, cookies)             sent buffers are already released
///   b->unbind(wait)                                waits for held buffers, then names them
///
/// Binding negotiates: the NIC's constraints, the protocol's preferences and the framework's
/// defaults make the buffer plan (bm::make_plan); conflicts are listed in plan().conflicts.
/// Registration mode: `preferences::registered` ranges are validated, mapped for the device, Rx
/// buffers are carved from them when the device reaches them, and Tx payloads inside them go out
/// without a copy (else bounced, and the plan says why).
///
/// Context: bind/unbind/unregister_memory on the control path; `alloc` and `send` from one thread
/// per Tx queue; `release` from any thread; callbacks on the queue's execution context.
#pragma once

#include <netcx/base/status.hpp>
#include <netcx/bm/plan.hpp>
#include <netcx/datapath/datapath.hpp>
#include <netcx/host/host.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace netcx::protocol {

using datapath::buffer_token;
using datapath::rx_fragment;
using datapath::rx_packet;
using datapath::tx_buffer;
using datapath::tx_fragment;
using datapath::tx_packet;

/// A range of the protocol's memory to register (it outlives the binding).
struct memory_range {
    void* base = nullptr;
    std::size_t bytes = 0;
};

struct preferences {
    std::uint32_t rx_queues = 1;
    std::uint32_t tx_queues = 1;
    std::uint32_t headroom = 0;    ///< bytes free before each received payload
    std::uint32_t buffer_size = 0; ///< Rx buffer size; 0: fit the NIC's frame
    int numa_node = -1;            ///< -1: the NIC's
    std::vector<memory_range> registered;
    /// Where the queues are polled (shared, threaded or polled); null: one thread per queue pair.
    std::shared_ptr<datapath::context> on;
    std::vector<int> cpus; ///< pins the binding's own contexts
    bool verifier = false;
};

class binding;

/// What a protocol driver implements. Callbacks run on the queue's execution context and must
/// not block; one protocol may be bound to several adapters (the binding says which).
class protocol_driver {
public:
    virtual ~protocol_driver() = default;
    [[nodiscard]] virtual std::string_view name() const noexcept = 0;
    /// Received packets. Each fragment is the protocol's until released through `b`. The
    /// default (a protocol that only sends) releases them all.
    virtual void on_receive(binding& b, std::uint32_t queue, std::span<const rx_packet> packets,
                            std::span<const rx_fragment> fragments);
    /// These sends completed (or were dropped: the binding's Tx stats say why).
    virtual void on_complete(binding& b, std::uint32_t queue,
                             std::span<const std::uint64_t> cookies)
    {
        (void)b, (void)queue, (void)cookies;
    }
};

/// A binding's figures, summed over its queues and pools.
struct binding_stats {
    datapath::queue_stats rx; ///< summed over the Rx queues
    datapath::queue_stats tx; ///< summed over the Tx queues
    std::vector<datapath::pool_report> pools;
    std::uint64_t alloc_fast = 0; ///< over every pool
    std::uint64_t alloc_slow = 0;
    std::uint64_t cross_thread = 0; ///< buffers returned by threads without a cache of the pool
    std::uint64_t in_flight = 0;    ///< buffers out of every pool now
};

class binding {
public:
    virtual ~binding() = default;
    [[nodiscard]] virtual const std::string& adapter() const noexcept = 0;
    [[nodiscard]] virtual protocol_driver& protocol() const noexcept = 0;
    /// The negotiated plan (with its conflicts).
    [[nodiscard]] virtual const bm::buffer_plan& plan() const noexcept = 0;

    /// Tx buffers of at least `bytes` from the adapter's size classes (all or none).
    virtual std::uint32_t alloc(std::uint32_t queue, std::uint32_t bytes,
                                std::span<tx_buffer> out) noexcept = 0;
    /// One Tx buffer; nullopt when none is free or no class is large enough.
    std::optional<tx_buffer> alloc_one(std::uint32_t queue, std::uint32_t bytes) noexcept
    {
        tx_buffer b;
        return alloc(queue, bytes, {&b, 1}) == 1 ? std::optional{b} : std::nullopt;
    }
    /// Queues packets; returns how many were accepted (the rest: try again after completions).
    virtual std::uint32_t send(std::uint32_t queue, std::span<const tx_packet> packets,
                               std::span<const tx_fragment> fragments) noexcept = 0;
    /// Sends received packets (of any binding) out as they are, zero-copy; their buffers are
    /// released when they complete (cookie 0). Returns how many were accepted.
    virtual std::uint32_t forward(std::uint32_t queue, std::span<const rx_packet> packets,
                                  std::span<const rx_fragment> fragments) noexcept;
    virtual void release(std::span<const rx_fragment> fragments) noexcept = 0;
    virtual void release(std::span<const buffer_token> tokens) noexcept = 0;
    /// One buffer (a Tx buffer that was not sent, a kept fragment's token).
    void release(buffer_token token) noexcept { release(std::span{&token, 1}); }

    [[nodiscard]] virtual binding_stats stats() const = 0;

    /// Unregisters range `index` of preferences::registered; refused (busy, named) while buffers
    /// carved from it or sends from it are outstanding.
    virtual result<void> unregister_memory(std::size_t index) = 0;
    /// Stops the queues, waits up to `wait` for the protocol to release what it holds, then
    /// closes. Fails (busy) naming every buffer still held and its holder; that memory stays
    /// mapped (never freed under a holder). Called with a zero wait by the destructor.
    virtual result<void> unbind(std::chrono::milliseconds wait) = 0;
};

/// Binds `p` to a started device's adapter: negotiates the plan, validates and maps registered
/// memory, opens the datapath. Errors name the preference or range at fault.
result<std::unique_ptr<binding>> bind(host::host& h, host::device_id device, protocol_driver& p,
                                      const preferences& prefs = {});

/// The plan `bind` would use, without binding (netcx plan --protocol ...).
result<bm::buffer_plan> negotiate(host::host& h, host::device_id device, std::string_view name,
                                  const preferences& prefs);

} // namespace netcx::protocol
