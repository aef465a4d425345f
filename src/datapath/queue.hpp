// SPDX-License-Identifier: MIT
// NETPACKETQUEUE: a Tx or Rx queue a client driver creates from the NET*QUEUE_INIT the framework
// hands to EvtAdapterCreateTxQueue/RxQueue, with its packet and fragment rings.
//
// Rings are allocated when the queue is created (a driver reads its ring collection and
// extensions inside the create callback), cache-line aligned, NumberOfElements from the plan.
// Fragment extensions are packed after the core element, largest alignment first (NetAdapterCx's
// NxExtensionLayout), so NET_EXTENSION.Reserved = {ring->Buffer + offset, ElementStride}.
// Registered: virtual address always, logical address when the direction has DMA capabilities.
//
// Context: created and deleted on the control path; `notify` from any thread; the rings belong to
// the queue's execution context (translation.cpp) once the datapath starts.
#pragma once

#include "wdf/object.hpp"

#include <net/ringcollection.h>
#include <netpacketqueue.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace netcx::adapter {
class adapter;
}

namespace netcx::datapath {

class execution_context;

/// One fragment extension a queue registers.
struct extension_spec {
    const wchar_t* name = nullptr;
    std::uint32_t version = 1;
    std::uint32_t size = 0;
    std::uint32_t alignment = 0;
    std::uint32_t offset = 0; ///< within the element, filled by the layout
};

/// What the framework decides for a queue before the driver creates it.
struct queue_layout {
    std::uint32_t packet_ring_size = 0;   ///< power of two >= 2
    std::uint32_t fragment_ring_size = 0; ///< power of two >= 2
    bool logical_address = false;         ///< register ms_fragment_logicaladdress
    bool return_context = false;          ///< register ms_fragment_returncontext
};

class packet_queue final : public wdf::object {
public:
    packet_queue(wdf::object_kind kind, adapter::adapter& owner, std::uint32_t id,
                 const NET_PACKET_QUEUE_CONFIG& config, const queue_layout& layout);

    /// Allocates the rings; fails (no_memory) without side effects beyond the object itself.
    result<void> build_rings();

    [[nodiscard]] bool is_tx() const noexcept { return kind() == wdf::object_kind::txqueue; }
    [[nodiscard]] std::uint32_t id() const noexcept { return id_; }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] adapter::adapter& owner_adapter() const noexcept { return owner_; }
    [[nodiscard]] const NET_PACKET_QUEUE_CONFIG& config() const noexcept { return config_; }
    [[nodiscard]] NET_RING_COLLECTION& rings() noexcept { return rings_; }
    [[nodiscard]] NET_RING* packet_ring() const noexcept { return rings_.Rings[NetRingTypePacket]; }
    [[nodiscard]] NET_RING* fragment_ring() const noexcept
    {
        return rings_.Rings[NetRingTypeFragment];
    }
    /// The fragment extension `name` (version >= `version`), or null.
    [[nodiscard]] const extension_spec* find_extension(const wchar_t* name,
                                                       std::uint32_t version) const noexcept;
    /// Offset of a registered extension within a fragment element (it must be registered).
    [[nodiscard]] std::uint32_t extension_offset(const wchar_t* name) const noexcept;

    /// Zeroes every index (NxQueue::Start).
    void reset_indices() noexcept;

    /// The context that polls this queue (set before EvtStart, cleared after EvtStop).
    void set_context(execution_context* ec) noexcept { ec_.store(ec, std::memory_order_release); }
    /// NetTx/RxQueueNotifyMore...Available: wakes the context (any thread).
    void notify() noexcept;
    [[nodiscard]] std::uint64_t notifications() const noexcept
    {
        return notifications_.load(std::memory_order_relaxed);
    }

private:
    ~packet_queue() override;

    adapter::adapter& owner_;
    std::uint32_t id_;
    std::string name_;
    NET_PACKET_QUEUE_CONFIG config_;
    queue_layout layout_;
    std::vector<extension_spec> extensions_;
    NET_RING_COLLECTION rings_{};
    std::atomic<execution_context*> ec_{nullptr};
    std::atomic<std::uint64_t> notifications_{0};
};

} // namespace netcx::datapath

/// Handed to EvtAdapterCreateTxQueue/RxQueue; consumed by NetTx/RxQueueCreate. Valid only during
/// that callback, on the thread that runs it.
struct NETCX_QUEUE_INIT_BASE {
    netcx::adapter::adapter* adapter = nullptr;
    std::uint32_t queue_id = 0;
    netcx::datapath::queue_layout layout;
    netcx::datapath::packet_queue* created = nullptr;
};
struct NETTXQUEUE_INIT : NETCX_QUEUE_INIT_BASE {};
struct NETRXQUEUE_INIT : NETCX_QUEUE_INIT_BASE {};

namespace netcx::datapath {
/// Runs `EvtAdapterCreate{Tx,Rx}Queue` for one queue with a fresh init, and returns the queue the
/// driver created (or why none was).
result<packet_queue*> create_queue(adapter::adapter& a, bool tx, std::uint32_t id,
                                   const queue_layout& layout);
} // namespace netcx::datapath
