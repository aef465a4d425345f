// SPDX-License-Identifier: MIT
// What the Rx and Tx engines share: the queue, its rings and extensions, the driver's callbacks
// (EvtStart, EvtAdvance with the verifier around it, arming), the counters, and the stop
// sequence (EvtCancel, Advance until every element is back, EvtStop).
#pragma once

#include "base/diag.hpp"
#include "datapath/execution_context.hpp"
#include "datapath/queue.hpp"
#include "datapath/verifier.hpp"

#include <netcx/base/compiler.hpp>
#include <netcx/datapath/datapath.hpp>

#include <net/logicaladdress.h>
#include <net/virtualaddress.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <thread>

namespace netcx::datapath {

inline constexpr auto drain_timeout = std::chrono::seconds(2);

/// A counter only one thread writes: a plain load and store, no read-modify-write.
NETCX_ALWAYS_INLINE void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept
{
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

/// Counters written by the queue's context, read by anyone.
struct atomic_stats {
    std::atomic<std::uint64_t> packets{0}, bytes{0}, advances{0};
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(rx_drop::count_)> rx_drops{};
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(tx_drop::count_)> tx_drops{};
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(bounce_reason::count_)>
        bounces{};

    queue_stats read(std::uint64_t notifications) const
    {
        queue_stats s;
        s.packets = packets.load(std::memory_order_relaxed);
        s.bytes = bytes.load(std::memory_order_relaxed);
        s.advances = advances.load(std::memory_order_relaxed);
        s.notifications = notifications;
        for (std::size_t i = 0; i < rx_drops.size(); ++i)
            s.rx_drops[i] = rx_drops[i].load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < tx_drops.size(); ++i)
            s.tx_drops[i] = tx_drops[i].load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < bounces.size(); ++i)
            s.bounces[i] = bounces[i].load(std::memory_order_relaxed);
        return s;
    }
};

/// What both directions share: the queue, its rings, the driver's callbacks.
class engine_base : public queue_engine {
public:
    engine_base(packet_queue& q, bool verify, bool driver_attaches = false)
        : q_(q), pr_(q.packet_ring()), fr_(q.fragment_ring())
    {
        va_off_ = q.extension_offset(NET_FRAGMENT_EXTENSION_VIRTUAL_ADDRESS_NAME);
        const auto* la = q.find_extension(NET_FRAGMENT_EXTENSION_LOGICAL_ADDRESS_NAME, 1);
        has_la_ = la != nullptr;
        la_off_ = has_la_ ? la->offset : 0;
        if (verify)
            verifier_.emplace(q.is_tx() ? queue_kind::tx : queue_kind::rx, driver_attaches);
    }

    [[nodiscard]] packet_queue& queue() const noexcept { return q_; }
    [[nodiscard]] const atomic_stats& counters() const noexcept { return stats_; }
    [[nodiscard]] std::uint64_t notifications() const noexcept
    {
        return retired_ ? final_notifications_ : q_.notifications();
    }
    /// After the context stopped: gives cached buffers back to the pools and lets go of the
    /// queue (the counters stay readable).
    virtual void retire() noexcept
    {
        final_notifications_ = q_.notifications();
        retired_ = true;
    }

    void start() noexcept override
    {
        q_.reset_indices();
        if (verifier_)
            verifier_->reset(); // its snapshot and poison cursors describe the old indices
        if (q_.config().EvtStart != nullptr)
            q_.config().EvtStart(handle());
    }
    void disarm() noexcept override { armed_ = false; }

protected:
    NETPACKETQUEUE handle() const noexcept { return static_cast<NETPACKETQUEUE>(q_.handle()); }

    /// EvtAdvance, with the verifier around it when on. False if the verifier refused it.
    bool advance() noexcept
    {
        bump(stats_.advances);
        if (verifier_) {
            verifier_->before_advance(q_.rings());
            q_.config().EvtAdvance(handle());
            if (verifier_->after_advance(q_.rings()))
                return false;
            return true;
        }
        q_.config().EvtAdvance(handle());
        return true;
    }

    void arm_driver() noexcept
    {
        if (!armed_) {
            armed_ = true;
            q_.config().EvtSetNotificationEnabled(handle(), TRUE);
        }
    }

    NET_FRAGMENT* fragment(std::uint32_t i) const noexcept
    {
        return NetRingGetFragmentAtIndex(fr_, i);
    }
    void set_va(std::uint32_t i, void* va) const noexcept
    {
        auto* e = reinterpret_cast<NET_FRAGMENT_VIRTUAL_ADDRESS*>(
            static_cast<unsigned char*>(NetRingGetElementAtIndex(fr_, i)) + va_off_);
        e->VirtualAddress = va;
    }
    std::byte* va(std::uint32_t i) const noexcept
    {
        return static_cast<std::byte*>(
            reinterpret_cast<const NET_FRAGMENT_VIRTUAL_ADDRESS*>(
                static_cast<const unsigned char*>(NetRingGetElementAtIndex(fr_, i)) + va_off_)
                ->VirtualAddress);
    }
    void set_la(std::uint32_t i, std::uint64_t la) const noexcept
    {
        auto* e = reinterpret_cast<NET_FRAGMENT_LOGICAL_ADDRESS*>(
            static_cast<unsigned char*>(NetRingGetElementAtIndex(fr_, i)) + la_off_);
        e->LogicalAddress = la;
    }
    static std::uint32_t free_slots(const NET_RING* r) noexcept
    {
        return (r->OSReserved0 - 1 - r->EndIndex) & r->ElementIndexMask;
    }

    /// Cancel, then Advance and `drain` until every posted element is back or time runs out.
    template <class Drain>
    void cancel_and_drain(Drain&& drain) noexcept
    {
        q_.config().EvtCancel(handle());
        const auto deadline = std::chrono::steady_clock::now() + drain_timeout;
        for (;;) {
            drain();
            if (pr_->OSReserved0 == pr_->EndIndex && fr_->OSReserved0 == fr_->EndIndex)
                break;
            if (std::chrono::steady_clock::now() > deadline) {
                log(log_level::error,
                    "{}: the driver kept {} packet(s) and {} fragment(s) for {} s after "
                    "EvtCancel; stopping the queue without them",
                    q_.name(), NetRingGetRangeCount(pr_, pr_->OSReserved0, pr_->EndIndex),
                    NetRingGetRangeCount(fr_, fr_->OSReserved0, fr_->EndIndex),
                    std::chrono::duration_cast<std::chrono::seconds>(drain_timeout).count());
                break;
            }
            (void)advance();
            std::this_thread::yield();
        }
        if (q_.config().EvtStop != nullptr)
            q_.config().EvtStop(handle());
        q_.set_context(nullptr);
    }

    packet_queue& q_;
    NET_RING* pr_;
    NET_RING* fr_;
    std::uint32_t va_off_ = 0;
    std::uint32_t la_off_ = 0;
    bool has_la_ = false;
    bool armed_ = false;
    std::uint64_t seen_notifications_ = 0;
    bool retired_ = false;
    std::uint64_t final_notifications_ = 0;
    atomic_stats stats_;
    std::optional<verifier> verifier_;
};

} // namespace netcx::datapath
