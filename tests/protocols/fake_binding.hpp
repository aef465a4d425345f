// SPDX-License-Identifier: MIT
// A protocol::binding without a framework: hands out Tx buffers from a vector, records what is
// sent and released, completes sends at once (releasing their buffers, as the framework does) and
// can loop sent frames back into the protocol's on_receive (an echo without a NIC).
#pragma once

#include "common/stamp.hpp"

#include <netcx/protocol/protocol.hpp>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace netcx::test {

class fake_binding final : public protocol::binding {
public:
    static constexpr std::uint64_t tx_tag = std::uint64_t{1} << 63;

    struct sent_frame {
        std::uint32_t queue = 0;
        std::vector<std::byte> bytes; ///< fragments concatenated
        std::vector<std::uint32_t> fragment_lengths;
        std::vector<std::uint64_t> tokens; ///< each fragment's buffer token
        std::uint64_t cookie = 0;
    };

    fake_binding(protocol::protocol_driver& p, std::string name = "fake0",
                 std::uint32_t tx_buffers = 256, std::uint32_t buffer_size = 9216)
        : p_(p), name_(std::move(name)), buffer_size_(buffer_size),
          storage_(std::size_t{tx_buffers} * buffer_size)
    {
        for (std::uint32_t i = tx_buffers; i > 0; --i)
            free_.push_back(i - 1);
        total_ = tx_buffers;
    }

    const std::string& adapter() const noexcept override { return name_; }
    protocol::protocol_driver& protocol() const noexcept override { return p_; }
    const bm::buffer_plan& plan() const noexcept override { return plan_; }

    std::uint32_t alloc(std::uint32_t, std::uint32_t bytes,
                        std::span<protocol::tx_buffer> out) noexcept override
    {
        const std::lock_guard g{lock_};
        if (bytes > buffer_size_ || free_.size() < out.size() || fail_alloc_) {
            ++alloc_failures_;
            return 0;
        }
        for (auto& b : out) {
            const std::uint32_t i = free_.back();
            free_.pop_back();
            b.data = storage_.data() + std::size_t{i} * buffer_size_;
            b.capacity = buffer_size_;
            b.token.value = tx_tag | i;
            alloc_sizes_.push_back(bytes);
        }
        return static_cast<std::uint32_t>(out.size());
    }

    std::uint32_t send(std::uint32_t queue, std::span<const protocol::tx_packet> packets,
                       std::span<const protocol::tx_fragment> fragments) noexcept override
    {
        std::vector<std::vector<std::byte>> loop;
        std::uint32_t accepted = 0;
        {
            const std::lock_guard g{lock_};
            accepted = static_cast<std::uint32_t>(std::min<std::uint64_t>(packets.size(), accept_));
            accept_ -= accepted;
            refused_ += packets.size() - accepted;
            for (std::uint32_t i = 0; i < accepted; ++i) {
                const auto& p = packets[i];
                sent_frame f;
                f.queue = queue;
                f.cookie = p.cookie;
                for (std::uint16_t k = 0; k < p.fragment_count; ++k) {
                    const auto& fr = fragments[p.first_fragment + k];
                    f.bytes.insert(f.bytes.end(), fr.data, fr.data + fr.length);
                    f.fragment_lengths.push_back(fr.length);
                    f.tokens.push_back(fr.buffer.value);
                    complete(fr.buffer); // the framework releases it on completion
                }
                if (loopback_)
                    loop.push_back(f.bytes);
                sent_.push_back(std::move(f));
            }
        }
        if (!loop.empty()) { // outside the lock, as a receive on another context would be
            std::vector<protocol::rx_packet> rp;
            std::vector<protocol::rx_fragment> rf;
            for (auto& bytes : loop) {
                rp.push_back({static_cast<std::uint32_t>(rf.size()), 1,
                              static_cast<std::uint32_t>(bytes.size()), 0});
                rf.push_back(
                    {bytes.data(), static_cast<std::uint32_t>(bytes.size()), {next_rx_token_++}});
            }
            p_.on_receive(*this, 0, rp, rf);
        }
        return accepted;
    }

    void release(std::span<const protocol::rx_fragment> fragments) noexcept override
    {
        const std::lock_guard g{lock_};
        for (const auto& f : fragments)
            released_.push_back(f.token.value);
    }
    void release(std::span<const protocol::buffer_token> tokens) noexcept override
    {
        const std::lock_guard g{lock_};
        for (const auto& t : tokens) {
            released_.push_back(t.value);
            if ((t.value & tx_tag) != 0)
                free_.push_back(static_cast<std::uint32_t>(t.value & ~tx_tag));
        }
    }

    protocol::binding_stats stats() const override { return {}; }
    result<void> unregister_memory(std::size_t) override { return {}; }
    result<void> unbind(std::chrono::milliseconds) override { return {}; }

    // Test controls and records.
    void accept(std::uint64_t n)
    {
        const std::lock_guard g{lock_};
        accept_ = n;
    }
    void loopback(bool on) { loopback_ = on; }
    void fail_alloc(bool on)
    {
        const std::lock_guard g{lock_};
        fail_alloc_ = on;
    }
    std::vector<sent_frame> sent() const
    {
        const std::lock_guard g{lock_};
        return sent_;
    }
    std::size_t sent_count() const
    {
        const std::lock_guard g{lock_};
        return sent_.size();
    }
    std::vector<std::uint64_t> released() const
    {
        const std::lock_guard g{lock_};
        return released_;
    }
    std::vector<std::uint64_t> completed() const
    {
        const std::lock_guard g{lock_};
        return completed_;
    }
    std::vector<std::uint32_t> alloc_sizes() const
    {
        const std::lock_guard g{lock_};
        return alloc_sizes_;
    }
    std::uint64_t refused() const
    {
        const std::lock_guard g{lock_};
        return refused_;
    }
    /// Tx buffers allocated and neither completed nor released.
    std::size_t tx_held() const
    {
        const std::lock_guard g{lock_};
        return total_ - free_.size();
    }

private:
    void complete(protocol::buffer_token t)
    {
        completed_.push_back(t.value);
        if ((t.value & tx_tag) != 0)
            free_.push_back(static_cast<std::uint32_t>(t.value & ~tx_tag));
    }

    protocol::protocol_driver& p_;
    std::string name_;
    bm::buffer_plan plan_;
    std::uint32_t buffer_size_;
    std::vector<std::byte> storage_;
    std::size_t total_ = 0;

    mutable std::mutex lock_;
    std::vector<std::uint32_t> free_;
    std::uint64_t accept_ = UINT64_MAX;
    bool fail_alloc_ = false;
    bool loopback_ = false;
    std::uint64_t next_rx_token_ = 1;
    std::uint64_t refused_ = 0;
    std::uint64_t alloc_failures_ = 0;
    std::vector<sent_frame> sent_;
    std::vector<std::uint64_t> released_;
    std::vector<std::uint64_t> completed_;
    std::vector<std::uint32_t> alloc_sizes_;
};

/// Builds rx batches from frames, each split into fragments at the given sizes (0: one fragment).
struct rx_batch {
    std::vector<std::vector<std::byte>> storage;
    std::vector<protocol::rx_packet> packets;
    std::vector<protocol::rx_fragment> fragments;
    std::uint64_t next_token = 1000;

    void add(std::vector<std::byte> frame, std::uint32_t fragment_size = 0)
    {
        storage.push_back(std::move(frame));
        auto& f = storage.back();
        const auto len = static_cast<std::uint32_t>(f.size());
        const std::uint32_t step =
            fragment_size == 0 ? std::max<std::uint32_t>(len, 1) : fragment_size;
        protocol::rx_packet p{static_cast<std::uint32_t>(fragments.size()), 0, len, 0};
        for (std::uint32_t at = 0; at < len || (at == 0 && len == 0); at += step) {
            fragments.push_back({f.data() + at, std::min(step, len - at), {next_token++}});
            ++p.fragment_count;
            if (len == 0)
                break;
        }
        packets.push_back(p);
    }
};

/// A stamped frame of `size` bytes for (flow, seq), sent `age_ns` ago.
inline std::vector<std::byte> stamped(std::uint32_t flow, std::uint64_t seq,
                                      std::uint32_t size = 64, std::uint64_t age_ns = 1000)
{
    std::vector<std::byte> f(size);
    protocols::write_frame(f, protocols::default_dst_mac, protocols::default_src_mac,
                           {flow, seq, protocols::now_ns() - age_ns, size});
    return f;
}

} // namespace netcx::test
