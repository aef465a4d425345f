// SPDX-License-Identifier: MIT
/// @file
/// simnic's hardware model: a DMA NIC with its own descriptor rings, as a client driver sees it.
///
///   Rx ring  driver posts rx_descriptor{iova, length, cookie} (rx_post); frames arriving from the
///            wire are DMA-written into the oldest posted descriptors (a frame may span several)
///            and written back in place (length, end-of-frame, status); the driver reaps whole
///            frames in order (rx_reap). No posted descriptor for a frame: rx_no_buffer, dropped.
///   Tx ring  driver posts tx_descriptor{iova, length, cookie, flags} (one per scatter-gather
///            element, end_of_packet on the last; `nop` for a packet it does not send) and rings
///            the doorbell (tx_doorbell): the DMA engine reads each packet through the device's
///            address space, delivers the frame to the peer's Rx (or its own, in loopback) and
///            writes back one completion per packet, synchronously. The driver reaps completions
///            (tx_reap).
///
/// The DMA engine reaches host memory only through the device's address space: on a software
/// IOMMU through `software_iommu::access` (an unmapped or stale IOVA is a DMA fault: logged,
/// counted, the packet dropped, no memory touched), on the identity space directly (IOVA = VA).
/// A descriptor above the device's address width or not aligned to its alignment is refused the
/// same way.
///
/// Notifications: a frame delivered while Rx interrupts are armed disarms them and calls the
/// driver's hook once (the driver calls NetRxQueueNotifyMoreReceivedPacketsAvailable from it).
/// Tx completes inside the doorbell, so Tx needs no interrupt.
///
/// Wires: devices created with the same wire name are connected (two per wire); `loopback`
/// connects a device to itself.
///
/// Context: the Tx side (tx_*) belongs to one thread at a time (the Tx queue's execution context),
/// the Rx side's posting and reaping to another; delivery comes from the peer's Tx thread. The Rx
/// ring is guarded by a mutex taken once per batch (this is hardware, not the framework's fast
/// path). Counters are relaxed atomics.
#pragma once

#include <netcx/base/status.hpp>
#include <netcx/bm/address_space.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace netcx::simnic {

/// What the device can do, from its device parameters.
struct config {
    unsigned address_width = 64;      ///< 32 or 64: highest address it can drive is 2^w - 1
    std::uint32_t alignment = 1;      ///< every DMA address must be a multiple of this
    std::uint32_t max_tx_sg = 8;      ///< scatter-gather elements per Tx packet
    std::uint32_t max_frame = 1514;   ///< largest frame sent or received (no CRC)
    std::uint32_t rx_ring_size = 256; ///< descriptors (a power of two)
    std::uint32_t tx_ring_size = 256; ///< descriptors (a power of two)
    std::string wire;                 ///< devices with the same wire name are connected
    bool loopback = false;            ///< Tx comes back on this device's Rx
    bool link_up = true;
};

struct rx_descriptor {
    std::uint64_t iova = 0;
    std::uint32_t length = 0;
    std::uint32_t cookie = 0; ///< the driver's (e.g. its fragment ring index)
};

enum class rx_status : std::uint8_t { ok, dma_fault };

struct rx_completion {
    std::uint32_t cookie = 0;
    std::uint32_t length = 0; ///< bytes written into this descriptor
    bool end_of_frame = false;
    rx_status status = rx_status::ok;
};

struct tx_descriptor {
    static constexpr std::uint8_t end_of_packet = 1;
    static constexpr std::uint8_t nop = 2; ///< complete without sending (no DMA)
    std::uint64_t iova = 0;
    std::uint32_t length = 0;
    std::uint32_t cookie = 0; ///< the driver's (e.g. its packet ring index)
    std::uint8_t flags = 0;
};

enum class tx_status : std::uint8_t {
    ok,
    nop,                ///< completed unsent, as asked
    dma_fault,          ///< an element was unmapped, stale, misaligned or beyond the width
    too_many_fragments, ///< more elements than max_tx_sg
    oversize,           ///< longer than max_frame, or empty
    link_down,          ///< no peer on the wire, or the link is down
};

struct tx_completion {
    std::uint32_t cookie = 0; ///< the cookie of the packet's last descriptor
    tx_status status = tx_status::ok;
};

struct stats {
    std::uint64_t tx_packets = 0, tx_bytes = 0, tx_dma_faults = 0, tx_sg_limit = 0, tx_oversize = 0,
                  tx_link_down = 0;
    std::uint64_t rx_packets = 0, rx_bytes = 0, rx_no_buffer = 0, rx_dma_faults = 0,
                  rx_oversize = 0, rx_interrupts = 0;
};

/// The device's door to host memory.
class dma_engine {
public:
    dma_engine(bm::address_space& space, unsigned address_width, std::uint32_t alignment) noexcept;
    /// Host memory at [iova, iova+len), or address_unreachable (logged once per fault).
    result<std::byte*> access(std::uint64_t iova, std::size_t len, bm::dma_direction dir) noexcept;
    [[nodiscard]] bool through_iommu() const noexcept { return iommu_ != nullptr; }

private:
    bm::software_iommu* iommu_; // null: identity (IOVA = VA)
    std::uint64_t max_address_;
    std::uint32_t alignment_;
};

struct wire;

class nic {
public:
    using notify_fn = void (*)(void* context);

    /// Builds a device on `space` (identity or software IOMMU; other spaces: not_supported) and
    /// connects it to its wire. Fails with a named error on a bad config or a full wire.
    static result<std::unique_ptr<nic>> create(const config& cfg, bm::address_space& space,
                                               std::string name);
    ~nic(); ///< leaves the wire (waits for a peer's delivery in progress)
    nic(const nic&) = delete;
    nic& operator=(const nic&) = delete;

    [[nodiscard]] const config& cfg() const noexcept { return cfg_; }
    /// Whether its DMA goes through an IOMMU (else an address is a host virtual address).
    [[nodiscard]] bool through_iommu() const noexcept { return dma_.through_iommu(); }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    /// A serial number unique in the process (the default MAC is derived from it).
    [[nodiscard]] std::uint32_t serial() const noexcept { return serial_; }
    [[nodiscard]] stats counters() const noexcept;
    [[nodiscard]] bool link_up() const noexcept { return cfg_.link_up; }

    // ---- Rx (the Rx queue's thread) ----
    /// Enables the Rx engine with a notification hook (null: none).
    void rx_enable(notify_fn fn, void* context);
    /// Disables it: forgets posted descriptors and unreaped completions, clears the hook.
    void rx_disable();
    /// Appends descriptors; returns how many fit (the ring holds rx_ring_size).
    std::uint32_t rx_post(std::span<const rx_descriptor> descriptors);
    /// Moves completions of at most `max_frames` whole frames into `out` (in order); returns how
    /// many completions were written. Stops early if `out` cannot hold the next frame.
    std::uint32_t rx_reap(std::span<rx_completion> out, std::uint32_t max_frames);
    /// Descriptors posted and not yet reaped (filled or not).
    [[nodiscard]] std::uint32_t rx_outstanding() const;
    /// Arms (true) or disarms the Rx interrupt.
    void rx_arm(bool armed);

    // ---- Tx (the Tx queue's thread) ----
    /// Free descriptor slots.
    [[nodiscard]] std::uint32_t tx_space() const noexcept
    {
        return cfg_.tx_ring_size - (tx_post_ - tx_reap_);
    }
    /// Appends descriptors; returns how many fit.
    std::uint32_t tx_post(std::span<const tx_descriptor> descriptors) noexcept;
    /// Sends every whole packet posted and writes back their completions.
    void tx_doorbell() noexcept;
    /// Moves written-back completions into `out`; returns how many.
    std::uint32_t tx_reap(std::span<tx_completion> out) noexcept;
    /// Forgets posted descriptors (sent or not) and completions.
    void tx_reset() noexcept;

    /// Delivers one frame to this device's Rx (what the wire does). Public for tests.
    void receive(std::span<const std::byte> frame);

private:
    nic(const config& cfg, bm::address_space& space, std::string name);
    struct rx_slot {
        rx_descriptor desc;
        rx_completion done;
    };
    // Delivery with the Rx lock held; returns true if a frame was written.
    bool receive_locked(std::span<const std::byte> frame) noexcept;
    void raise_rx_interrupt() noexcept;
    nic* peer() const noexcept;
    tx_status send_one(std::uint32_t first, std::uint32_t count, nic* to,
                       std::size_t& length) noexcept;
    void count(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept
    {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }

    config cfg_;
    std::string name_;
    std::uint32_t serial_;
    dma_engine dma_;
    std::shared_ptr<wire> wire_;

    // Rx ring: reap_ <= fill_ <= post_ (free-running, masked). Guarded by rx_lock_.
    mutable std::mutex rx_lock_;
    std::vector<rx_slot> rx_ring_;
    std::uint32_t rx_post_ = 0, rx_fill_ = 0, rx_reap_ = 0;
    bool rx_enabled_ = false;
    // Rx interrupt: guarded by irq_lock_ (never held with rx_lock_).
    std::mutex irq_lock_;
    bool rx_armed_ = false;
    notify_fn rx_notify_ = nullptr;
    void* rx_notify_context_ = nullptr;

    // Tx ring: tx_reap_ <= tx_done_ <= tx_post_ (free-running, masked). One thread.
    std::vector<tx_descriptor> tx_ring_;
    std::vector<tx_status> tx_result_; // per descriptor; meaningful at end_of_packet
    std::uint32_t tx_post_ = 0, tx_done_ = 0, tx_reap_ = 0;
    std::vector<std::byte> tx_frame_; // staging for the frame being sent (max_frame bytes)

    std::atomic<std::uint64_t> tx_packets_{0}, tx_bytes_{0}, tx_dma_faults_{0}, tx_sg_limit_{0},
        tx_oversize_{0}, tx_link_down_{0};
    std::atomic<std::uint64_t> rx_packets_{0}, rx_bytes_{0}, rx_no_buffer_{0}, rx_dma_faults_{0},
        rx_oversize_{0}, rx_interrupts_{0};
};

} // namespace netcx::simnic
