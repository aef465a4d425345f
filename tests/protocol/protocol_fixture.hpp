// SPDX-License-Identifier: MIT
// The protocol API's tests: a recording protocol driver and helpers to bind it to simnics and move
// frames through the binding (alloc, write, send, receive, release).
#pragma once

#include "drivers/driver_fixture.hpp"

#include <netcx/protocol/protocol.hpp>

#include <sys/mman.h>

#include <condition_variable>
#include <deque>
#include <functional>

namespace netcx::test {

/// What the recorder does with the fragments it receives.
enum class keep_policy : std::uint8_t {
    release, ///< releases them in the callback
    hold,    ///< keeps them until `release_held`
    hand_off ///< hands them to a worker thread that releases them
};

/// A protocol that records what it receives (frames, fragment addresses) and completes.
class recorder final : public protocol::protocol_driver {
public:
    explicit recorder(keep_policy k = keep_policy::release) : policy_(k)
    {
        if (policy_ == keep_policy::hand_off)
            worker_ = std::thread([this] { work(); });
    }
    ~recorder() override
    {
        if (worker_.joinable()) {
            {
                const std::lock_guard g{lock_};
                quit_ = true;
            }
            cv_.notify_all();
            worker_.join();
        }
    }
    recorder(const recorder&) = delete;
    recorder& operator=(const recorder&) = delete;

    [[nodiscard]] std::string_view name() const noexcept override { return "recorder"; }

    void on_receive(protocol::binding& b, std::uint32_t,
                    std::span<const protocol::rx_packet> packets,
                    std::span<const protocol::rx_fragment> fragments) override
    {
        {
            const std::lock_guard g{lock_};
            for (const auto& p : packets) {
                std::vector<std::byte> f;
                for (std::uint32_t k = 0; k < p.fragment_count; ++k) {
                    const auto& fr = fragments[p.first_fragment + k];
                    f.insert(f.end(), fr.data, fr.data + fr.length);
                    if (addresses_.size() < 4096)
                        addresses_.push_back(fr.data);
                }
                frames_.push_back(std::move(f));
            }
            if (policy_ == keep_policy::hold)
                held_.insert(held_.end(), fragments.begin(), fragments.end());
            if (policy_ == keep_policy::hand_off) {
                handed_.push_back({&b, {fragments.begin(), fragments.end()}});
                pending_ += fragments.size();
            }
        }
        if (policy_ == keep_policy::release)
            b.release(fragments);
        if (policy_ == keep_policy::hand_off)
            cv_.notify_one();
        received_.fetch_add(packets.size(), std::memory_order_release);
    }
    void on_complete(protocol::binding&, std::uint32_t,
                     std::span<const std::uint64_t> cookies) override
    {
        completed_.fetch_add(cookies.size(), std::memory_order_release);
    }

    [[nodiscard]] std::uint64_t received() const
    {
        return received_.load(std::memory_order_acquire);
    }
    [[nodiscard]] std::uint64_t completed() const
    {
        return completed_.load(std::memory_order_acquire);
    }
    std::vector<std::vector<std::byte>> frames() const
    {
        const std::lock_guard g{lock_};
        return frames_;
    }
    std::vector<const std::byte*> addresses() const
    {
        const std::lock_guard g{lock_};
        return addresses_;
    }
    std::vector<protocol::rx_fragment> held() const
    {
        const std::lock_guard g{lock_};
        return held_;
    }
    /// Gives the held fragments back through `b` (any thread).
    void release_held(protocol::binding& b)
    {
        std::vector<protocol::rx_fragment> h;
        {
            const std::lock_guard g{lock_};
            h.swap(held_);
        }
        b.release(h);
    }
    /// Hand-off: fragments not yet released by the worker.
    [[nodiscard]] std::uint64_t pending() const
    {
        const std::lock_guard g{lock_};
        return pending_;
    }
    [[nodiscard]] std::uint64_t worker_releases() const
    {
        return worker_releases_.load(std::memory_order_acquire);
    }

private:
    struct batch {
        protocol::binding* b;
        std::vector<protocol::rx_fragment> fragments;
    };
    void work()
    {
        std::unique_lock g{lock_};
        for (;;) {
            cv_.wait(g, [this] { return quit_ || !handed_.empty(); });
            if (handed_.empty())
                return;
            batch t = std::move(handed_.front());
            handed_.pop_front();
            g.unlock();
            t.b->release(t.fragments);
            worker_releases_.fetch_add(t.fragments.size(), std::memory_order_release);
            g.lock();
            pending_ -= t.fragments.size();
        }
    }

    keep_policy policy_;
    mutable std::mutex lock_;
    std::condition_variable cv_;
    std::vector<std::vector<std::byte>> frames_;
    std::vector<const std::byte*> addresses_;
    std::vector<protocol::rx_fragment> held_;
    std::deque<batch> handed_;
    std::uint64_t pending_ = 0;
    bool quit_ = false;
    std::atomic<std::uint64_t> received_{0};
    std::atomic<std::uint64_t> completed_{0};
    std::atomic<std::uint64_t> worker_releases_{0};
    std::thread worker_;
};

/// Frame `i` of a test: `size` bytes, a recognisable pattern.
inline void fill_frame(std::byte* to, std::uint32_t size, std::uint32_t i)
{
    for (std::uint32_t k = 0; k < size; ++k)
        to[k] = static_cast<std::byte>((i * 31 + k * 7 + (k >> 8)) & 0xff);
}
inline std::vector<std::byte> expected_frame(std::uint32_t size, std::uint32_t i)
{
    std::vector<std::byte> f(size);
    fill_frame(f.data(), size, i);
    return f;
}

/// An anonymous mapping for registration mode (page-aligned; above 4 GiB on x86-64 Linux).
class mapped_range {
public:
    explicit mapped_range(std::size_t bytes) : bytes_(bytes)
    {
        void* p =
            ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        base_ = p == MAP_FAILED ? nullptr : static_cast<std::byte*>(p);
    }
    ~mapped_range()
    {
        if (base_ != nullptr)
            ::munmap(base_, bytes_);
    }
    mapped_range(const mapped_range&) = delete;
    mapped_range& operator=(const mapped_range&) = delete;
    [[nodiscard]] std::byte* base() const { return base_; }
    [[nodiscard]] std::size_t bytes() const { return bytes_; }
    [[nodiscard]] protocol::memory_range range() const { return {base_, bytes_}; }
    [[nodiscard]] bool contains(const std::byte* p, std::size_t n = 1) const
    {
        return p >= base_ && p + n <= base_ + bytes_;
    }

private:
    std::size_t bytes_;
    std::byte* base_ = nullptr;
};

class ProtocolTest : public DriverTest {
protected:
    /// A bound protocol, or a test failure.
    std::unique_ptr<protocol::binding> bound(host::device_id d, protocol::protocol_driver& p,
                                             const protocol::preferences& prefs = {})
    {
        auto b = protocol::bind(host_, d, p, prefs);
        EXPECT_TRUE(b.ok()) << b.err().message;
        if (!b)
            return nullptr;
        return std::move(b).value();
    }

    /// A fresh wire name for a pair of simnics.
    static std::string wire() { return "protocol-wire-" + std::to_string(next_wire_++); }

    /// Sends `count` frames of `size` bytes from `b` in Tx buffers it allocates (the buffer's
    /// token in the fragment), in bursts, each once `received()` caught up; frame i's pattern
    /// starts at `first`.
    template <class Received>
    static void send_allocated(protocol::binding& b, std::uint32_t count, std::uint32_t size,
                               Received&& received, std::uint32_t first = 0,
                               std::uint32_t burst = 32)
    {
        std::vector<protocol::tx_buffer> bufs(burst);
        std::vector<protocol::tx_packet> packets(burst);
        std::vector<protocol::tx_fragment> fragments(burst);
        const std::uint64_t base = received();
        for (std::uint32_t at = 0; at < count; at += burst) {
            const std::uint32_t n = std::min(burst, count - at);
            ASSERT_EQ(b.alloc(0, size, {bufs.data(), n}), n);
            for (std::uint32_t i = 0; i < n; ++i) {
                ASSERT_GE(bufs[i].capacity, size);
                fill_frame(bufs[i].data, size, first + at + i);
                fragments[i] = {bufs[i].data, size, bufs[i].token};
                packets[i] = {i, 1, first + at + i};
            }
            send_all(b, {packets.data(), n}, {fragments.data(), n});
            ASSERT_TRUE(eventually([&] { return received() >= base + at + n; }))
                << "received " << received() - base << " of " << at + n;
        }
    }

    /// Sends every packet (retrying what the queue did not take yet).
    static void send_all(protocol::binding& b, std::span<const protocol::tx_packet> packets,
                         std::span<const protocol::tx_fragment> fragments)
    {
        std::size_t sent = 0;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (sent < packets.size() && std::chrono::steady_clock::now() < deadline) {
            sent += b.send(0, packets.subspan(sent), fragments);
            if (sent < packets.size())
                std::this_thread::yield();
        }
        EXPECT_EQ(sent, packets.size());
    }

    /// Frames `first`..`first + count` of `size` bytes arrived intact (in order).
    static void expect_frames(const recorder& r, std::uint32_t count, std::uint32_t size,
                              std::uint32_t first = 0)
    {
        const auto got = r.frames();
        ASSERT_EQ(got.size(), count);
        for (std::uint32_t i = 0; i < count; ++i)
            ASSERT_EQ(got[i], expected_frame(size, first + i)) << "frame " << i;
    }

    inline static int next_wire_ = 0;
};

} // namespace netcx::test
