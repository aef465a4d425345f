// SPDX-License-Identifier: MIT
// simnic's hardware model: descriptor rings, the DMA engine, wires. See nic.hpp.
#include "simnic/model/nic.hpp"

#include "base/diag.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <shared_mutex>

namespace netcx::simnic {

// ---- wires -----------------------------------------------------------------------------------

/// Two ends; a delivery holds the lock shared, a device leaving holds it exclusive.
struct wire {
    std::string name;
    std::shared_mutex lock;
    nic* ends[2] = {nullptr, nullptr};
};

namespace {

struct wire_registry {
    std::mutex lock;
    std::map<std::string, std::weak_ptr<wire>, std::less<>> wires;
};

wire_registry& wires()
{
    static wire_registry r;
    return r;
}

std::atomic<std::uint32_t> next_serial{1};

bool power_of_two(std::uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

} // namespace

// ---- DMA engine ------------------------------------------------------------------------------

dma_engine::dma_engine(bm::address_space& space, unsigned address_width,
                       std::uint32_t alignment) noexcept
    : iommu_(dynamic_cast<bm::software_iommu*>(&space)),
      max_address_(address_width >= 64 ? ~std::uint64_t{0}
                                       : (std::uint64_t{1} << address_width) - 1),
      alignment_(alignment)
{
}

result<std::byte*> dma_engine::access(std::uint64_t iova, std::size_t len,
                                      bm::dma_direction dir) noexcept
{
    const char* what = dir == bm::dma_direction::to_device ? "read" : "write";
    if (len == 0 || iova > max_address_ || len - 1 > max_address_ - iova)
        return fail(status::address_unreachable,
                    "simnic: DMA fault: device {} of {} bytes at 0x{:x} beyond its {}-bit reach",
                    what, len, iova, std::bit_width(max_address_));
    if (iova % alignment_ != 0)
        return fail(status::address_unreachable,
                    "simnic: DMA fault: device {} at 0x{:x} not aligned to {} bytes", what, iova,
                    alignment_);
    if (iommu_ != nullptr)
        return iommu_->access(bm::logical_address{iova}, len, dir); // logs and counts faults
    return reinterpret_cast<std::byte*>(static_cast<std::uintptr_t>(iova));
}

// ---- creation --------------------------------------------------------------------------------

nic::nic(const config& cfg, bm::address_space& space, std::string name)
    : cfg_(cfg), name_(std::move(name)),
      serial_(next_serial.fetch_add(1, std::memory_order_relaxed)),
      dma_(space, cfg.address_width, cfg.alignment), rx_ring_(cfg.rx_ring_size),
      tx_ring_(cfg.tx_ring_size), tx_result_(cfg.tx_ring_size), tx_frame_(cfg.max_frame)
{
}

result<std::unique_ptr<nic>> nic::create(const config& cfg, bm::address_space& space,
                                         std::string name)
{
    if (cfg.address_width != 32 && cfg.address_width != 64)
        return fail(status::invalid_parameter, "simnic {}: address_width={}: must be 32 or 64",
                    name, cfg.address_width);
    if (!power_of_two(cfg.alignment) || cfg.alignment > 4096)
        return fail(status::invalid_parameter,
                    "simnic {}: alignment={}: must be a power of two up to 4096", name,
                    cfg.alignment);
    if (cfg.max_tx_sg == 0 || cfg.max_tx_sg > 64)
        return fail(status::invalid_parameter, "simnic {}: max_sg={}: must be 1..64", name,
                    cfg.max_tx_sg);
    if (cfg.max_frame < 60 || cfg.max_frame > 65535)
        return fail(status::invalid_parameter, "simnic {}: max_frame={}: must be 60..65535", name,
                    cfg.max_frame);
    for (const auto size : {cfg.rx_ring_size, cfg.tx_ring_size})
        if (!power_of_two(size) || size < 2 || size > 65536)
            return fail(status::invalid_parameter,
                        "simnic {}: ring size {}: must be a power of two 2..65536", name, size);
    if (cfg.loopback && !cfg.wire.empty())
        return fail(status::invalid_parameter,
                    "simnic {}: loopback=1 and wire={} are exclusive (a loopback NIC is its own "
                    "peer)",
                    name, cfg.wire);
    const bool identity = space.name() == "identity";
    if (!identity && dynamic_cast<bm::software_iommu*>(&space) == nullptr)
        return fail(status::not_supported,
                    "simnic {}: cannot model DMA on the '{}' address space (use dma=identity or "
                    "dma=iommu)",
                    name, space.name());

    std::unique_ptr<nic> n{new nic(cfg, space, std::move(name))};
    if (!cfg.wire.empty()) {
        auto& reg = wires();
        const std::lock_guard g{reg.lock};
        std::erase_if(reg.wires, [](const auto& kv) { return kv.second.expired(); });
        auto& slot = reg.wires[cfg.wire];
        auto w = slot.lock();
        if (!w) {
            w = std::make_shared<wire>();
            w->name = cfg.wire;
            slot = w;
        }
        const std::unique_lock wl{w->lock};
        nic** free_end = w->ends[0] == nullptr   ? &w->ends[0]
                         : w->ends[1] == nullptr ? &w->ends[1]
                                                 : nullptr;
        if (free_end == nullptr)
            return fail(status::busy, "simnic {}: wire '{}' already joins two devices ({} and {})",
                        n->name_, cfg.wire, w->ends[0]->name_, w->ends[1]->name_);
        *free_end = n.get();
        n->wire_ = std::move(w);
    }
    return n;
}

nic::~nic()
{
    if (wire_) {
        const std::unique_lock wl{wire_->lock};
        for (auto*& end : wire_->ends)
            if (end == this)
                end = nullptr;
    }
}

stats nic::counters() const noexcept
{
    const auto r = [](const std::atomic<std::uint64_t>& c) {
        return c.load(std::memory_order_relaxed);
    };
    stats s;
    s.tx_packets = r(tx_packets_);
    s.tx_bytes = r(tx_bytes_);
    s.tx_dma_faults = r(tx_dma_faults_);
    s.tx_sg_limit = r(tx_sg_limit_);
    s.tx_oversize = r(tx_oversize_);
    s.tx_link_down = r(tx_link_down_);
    s.rx_packets = r(rx_packets_);
    s.rx_bytes = r(rx_bytes_);
    s.rx_no_buffer = r(rx_no_buffer_);
    s.rx_dma_faults = r(rx_dma_faults_);
    s.rx_oversize = r(rx_oversize_);
    s.rx_interrupts = r(rx_interrupts_);
    return s;
}

// ---- Rx --------------------------------------------------------------------------------------

void nic::rx_enable(notify_fn fn, void* context)
{
    {
        const std::lock_guard g{rx_lock_};
        rx_post_ = rx_fill_ = rx_reap_ = 0;
        rx_enabled_ = true;
    }
    const std::lock_guard g{irq_lock_};
    rx_notify_ = fn;
    rx_notify_context_ = context;
    rx_armed_ = false;
}

void nic::rx_disable()
{
    {
        const std::lock_guard g{rx_lock_};
        rx_post_ = rx_fill_ = rx_reap_ = 0;
        rx_enabled_ = false;
    }
    const std::lock_guard g{irq_lock_};
    rx_notify_ = nullptr;
    rx_notify_context_ = nullptr;
    rx_armed_ = false;
}

std::uint32_t nic::rx_post(std::span<const rx_descriptor> descriptors)
{
    const std::lock_guard g{rx_lock_};
    const std::uint32_t mask = cfg_.rx_ring_size - 1;
    const auto room = cfg_.rx_ring_size - (rx_post_ - rx_reap_);
    const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(room, descriptors.size()));
    for (std::uint32_t i = 0; i < n; ++i) {
        auto& slot = rx_ring_[(rx_post_ + i) & mask];
        slot.desc = descriptors[i];
        slot.done = rx_completion{descriptors[i].cookie, 0, false, rx_status::ok};
    }
    rx_post_ += n;
    return n;
}

std::uint32_t nic::rx_reap(std::span<rx_completion> out, std::uint32_t max_frames)
{
    const std::lock_guard g{rx_lock_};
    const std::uint32_t mask = cfg_.rx_ring_size - 1;
    std::uint32_t written = 0;
    std::uint32_t frames = 0;
    std::uint32_t at = rx_reap_;
    while (frames < max_frames && at != rx_fill_) {
        // A frame: descriptors up to and including the next end_of_frame (fill_ stops on one).
        std::uint32_t end = at;
        while (!rx_ring_[end & mask].done.end_of_frame)
            ++end;
        const std::uint32_t len = end - at + 1;
        if (written + len > out.size())
            break;
        for (std::uint32_t i = 0; i < len; ++i)
            out[written + i] = rx_ring_[(at + i) & mask].done;
        written += len;
        at += len;
        ++frames;
    }
    rx_reap_ = at;
    return written;
}

std::uint32_t nic::rx_outstanding() const
{
    const std::lock_guard g{rx_lock_};
    return rx_post_ - rx_reap_;
}

void nic::rx_arm(bool armed)
{
    const std::lock_guard g{irq_lock_};
    rx_armed_ = armed;
}

void nic::raise_rx_interrupt() noexcept
{
    const std::lock_guard g{irq_lock_};
    if (!rx_armed_ || rx_notify_ == nullptr)
        return;
    rx_armed_ = false; // one interrupt per arming
    count(rx_interrupts_);
    rx_notify_(rx_notify_context_);
}

bool nic::receive_locked(std::span<const std::byte> frame) noexcept
{
    if (frame.size() > cfg_.max_frame || frame.empty()) {
        count(rx_oversize_);
        return false;
    }
    const std::uint32_t mask = cfg_.rx_ring_size - 1;
    // Enough posted, unfilled descriptors for the whole frame?
    std::size_t room = 0;
    std::uint32_t need = 0;
    for (std::uint32_t at = rx_fill_; at != rx_post_ && room < frame.size(); ++at, ++need)
        room += rx_ring_[at & mask].desc.length;
    if (!rx_enabled_ || room < frame.size()) {
        count(rx_no_buffer_);
        return false;
    }
    // Resolve every descriptor first: a fault anywhere drops the frame with no byte written.
    constexpr std::uint32_t max_rx_chain = 64;
    if (need > max_rx_chain) {
        count(rx_oversize_);
        return false;
    }
    std::byte* dst[max_rx_chain];
    const std::uint32_t slots = need;
    std::size_t left = frame.size();
    bool fault = false;
    for (std::uint32_t i = 0; i < slots; ++i) {
        const auto& d = rx_ring_[(rx_fill_ + i) & mask].desc;
        const std::size_t n = std::min<std::size_t>(left, d.length);
        auto p = dma_.access(d.iova, n, bm::dma_direction::from_device);
        if (!p) {
            fault = true;
            break;
        }
        dst[i] = *p;
        left -= n;
    }
    left = frame.size();
    std::size_t off = 0;
    for (std::uint32_t i = 0; i < slots; ++i) {
        auto& slot = rx_ring_[(rx_fill_ + i) & mask];
        const std::size_t n = std::min<std::size_t>(left, slot.desc.length);
        if (!fault)
            std::memcpy(dst[i], frame.data() + off, n);
        slot.done = rx_completion{slot.desc.cookie, fault ? 0u : static_cast<std::uint32_t>(n),
                                  i + 1 == slots, fault ? rx_status::dma_fault : rx_status::ok};
        off += n;
        left -= n;
    }
    rx_fill_ += slots;
    if (fault) {
        count(rx_dma_faults_);
        return true; // the descriptors come back to the driver with an error status
    }
    count(rx_packets_);
    count(rx_bytes_, frame.size());
    return true;
}

void nic::receive(std::span<const std::byte> frame)
{
    bool delivered = false;
    {
        const std::lock_guard g{rx_lock_};
        delivered = receive_locked(frame);
    }
    if (delivered)
        raise_rx_interrupt();
}

// ---- Tx --------------------------------------------------------------------------------------

std::uint32_t nic::tx_post(std::span<const tx_descriptor> descriptors) noexcept
{
    const std::uint32_t mask = cfg_.tx_ring_size - 1;
    const auto n =
        static_cast<std::uint32_t>(std::min<std::size_t>(tx_space(), descriptors.size()));
    for (std::uint32_t i = 0; i < n; ++i)
        tx_ring_[(tx_post_ + i) & mask] = descriptors[i];
    tx_post_ += n;
    return n;
}

nic* nic::peer() const noexcept
{
    if (cfg_.loopback)
        return const_cast<nic*>(this);
    if (!wire_)
        return nullptr;
    return wire_->ends[0] == this ? wire_->ends[1] : wire_->ends[0];
}

tx_status nic::send_one(std::uint32_t first, std::uint32_t count_sg, nic* to,
                        std::size_t& length) noexcept
{
    const std::uint32_t mask = cfg_.tx_ring_size - 1;
    if (tx_ring_[(first + count_sg - 1) & mask].flags & tx_descriptor::nop)
        return tx_status::nop;
    if (count_sg > cfg_.max_tx_sg) {
        log(log_level::warning, "simnic {}: Tx packet with {} scatter-gather elements (max {})",
            name_, count_sg, cfg_.max_tx_sg);
        count(tx_sg_limit_);
        return tx_status::too_many_fragments;
    }
    std::size_t total = 0;
    for (std::uint32_t i = 0; i < count_sg; ++i)
        total += tx_ring_[(first + i) & mask].length;
    if (total == 0 || total > cfg_.max_frame) {
        count(tx_oversize_);
        return tx_status::oversize;
    }
    if (to == nullptr || !cfg_.link_up || !to->cfg_.link_up) {
        count(tx_link_down_);
        return tx_status::link_down;
    }
    std::size_t off = 0;
    for (std::uint32_t i = 0; i < count_sg; ++i) {
        const auto& d = tx_ring_[(first + i) & mask];
        if (d.length == 0)
            continue;
        auto p = dma_.access(d.iova, d.length, bm::dma_direction::to_device);
        if (!p) {
            count(tx_dma_faults_);
            return tx_status::dma_fault;
        }
        std::memcpy(tx_frame_.data() + off, *p, d.length);
        off += d.length;
    }
    count(tx_packets_);
    count(tx_bytes_, total);
    length = total;
    return tx_status::ok;
}

void nic::tx_doorbell() noexcept
{
    const std::uint32_t mask = cfg_.tx_ring_size - 1;
    std::shared_lock<std::shared_mutex> wl;
    if (wire_)
        wl = std::shared_lock{wire_->lock}; // the peer stays while we deliver to it
    nic* to = peer();
    bool delivered = false;
    {
        std::unique_lock<std::mutex> rl;
        if (to != nullptr)
            rl = std::unique_lock{to->rx_lock_};
        // Whole packets only: stop at the last end_of_packet posted.
        std::uint32_t at = tx_done_;
        while (at != tx_post_) {
            std::uint32_t end = at;
            while (end != tx_post_ && !(tx_ring_[end & mask].flags & tx_descriptor::end_of_packet))
                ++end;
            if (end == tx_post_)
                break; // an unfinished packet waits for its last descriptor
            const std::uint32_t n = end - at + 1;
            std::size_t length = 0;
            const tx_status s = send_one(at, n, to, length);
            if (s == tx_status::ok)
                delivered |= to->receive_locked(std::span{tx_frame_.data(), length});
            tx_result_[end & mask] = s;
            at = end + 1;
        }
        tx_done_ = at;
    }
    if (delivered)
        to->raise_rx_interrupt();
}

std::uint32_t nic::tx_reap(std::span<tx_completion> out) noexcept
{
    const std::uint32_t mask = cfg_.tx_ring_size - 1;
    std::uint32_t written = 0;
    std::uint32_t at = tx_reap_;
    while (at != tx_done_ && written < out.size()) {
        const auto& d = tx_ring_[at & mask];
        if (d.flags & tx_descriptor::end_of_packet)
            out[written++] = tx_completion{d.cookie, tx_result_[at & mask]};
        ++at;
    }
    // `at` stops right after an end_of_packet (or at tx_done_, a packet boundary too).
    tx_reap_ = at;
    return written;
}

void nic::tx_reset() noexcept
{
    tx_post_ = tx_done_ = tx_reap_ = 0;
}

} // namespace netcx::simnic
