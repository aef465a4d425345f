// SPDX-License-Identifier: MIT
// The seed driver's datapath, end to end through the host: the in-tree seed_driver.so on a device
// behind a software IOMMU (dma=iommu), one Rx and one Tx queue. What it sends it receives: 200
// packets of 60..1514 bytes (some in several fragments, which the driver gathers) come back with
// the same bytes in the same order, every Tx packet completes, nothing is dropped, every fragment
// the driver touched had a logical address (the driver counts those that did not), and close()
// accounts for every buffer. Without and with the ring verifier (verifier=1).
#include "support/log_capture.hpp"

#include <netcx/base/log.hpp>
#include <netcx/datapath/datapath.hpp>
#include <netcx/host/host.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace netcx::test {
namespace {

/// Keeps each received frame's bytes and releases its buffers at once (once attached).
class frame_sink final : public datapath::rx_sink {
public:
    void on_receive(std::uint32_t, std::span<const datapath::rx_packet> packets,
                    std::span<const datapath::rx_fragment> fragments) override
    {
        const std::lock_guard g{lock_};
        for (const auto& p : packets) {
            std::vector<std::byte> f;
            for (std::uint32_t k = 0; k < p.fragment_count; ++k) {
                const auto& fr = fragments[p.first_fragment + k];
                f.insert(f.end(), fr.data, fr.data + fr.length);
            }
            frames_.push_back(std::move(f));
        }
        if (dp_ != nullptr)
            dp_->release(fragments);
        else
            held_.insert(held_.end(), fragments.begin(), fragments.end());
        count_.fetch_add(packets.size(), std::memory_order_release);
    }
    void attach(datapath::datapath* dp)
    {
        const std::lock_guard g{lock_};
        dp_ = dp;
        if (dp_ != nullptr && !held_.empty())
            dp_->release(held_);
        held_.clear();
    }
    [[nodiscard]] std::uint64_t count() const { return count_.load(std::memory_order_acquire); }
    std::vector<std::vector<std::byte>> frames() const
    {
        const std::lock_guard g{lock_};
        return frames_;
    }

private:
    mutable std::mutex lock_;
    datapath::datapath* dp_ = nullptr;
    std::vector<datapath::rx_fragment> held_;
    std::vector<std::vector<std::byte>> frames_;
    std::atomic<std::uint64_t> count_{0};
};

class completion_sink final : public datapath::tx_sink {
public:
    void on_complete(std::uint32_t, std::span<const std::uint64_t> cookies) override
    {
        const std::lock_guard g{lock_};
        cookies_.insert(cookies_.end(), cookies.begin(), cookies.end());
        count_.fetch_add(cookies.size(), std::memory_order_release);
    }
    [[nodiscard]] std::uint64_t count() const { return count_.load(std::memory_order_acquire); }
    std::vector<std::uint64_t> cookies() const
    {
        const std::lock_guard g{lock_};
        return cookies_;
    }

private:
    mutable std::mutex lock_;
    std::vector<std::uint64_t> cookies_;
    std::atomic<std::uint64_t> count_{0};
};

template <class F>
bool eventually(F&& done)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
}

/// Packet i: 60..1514 bytes, a byte pattern unique to it; every fifth in three fragments.
struct traffic {
    std::vector<std::vector<std::byte>> payloads;
    std::vector<datapath::tx_packet> packets;
    std::vector<datapath::tx_fragment> fragments;

    explicit traffic(std::uint32_t count)
    {
        payloads.reserve(count);
        for (std::uint32_t i = 0; i < count; ++i) {
            const std::uint32_t size = 60 + (i * 367) % (1514 - 60 + 1);
            std::vector<std::byte> p(size);
            for (std::uint32_t b = 0; b < size; ++b)
                p[b] = static_cast<std::byte>((i * 31 + b * 7 + (b >> 8)) & 0xff);
            payloads.push_back(std::move(p));
        }
        payloads[0].resize(60);
        payloads[1].resize(1514);
        for (std::uint32_t i = 0; i < count; ++i) {
            const auto& p = payloads[i];
            const auto first = static_cast<std::uint32_t>(fragments.size());
            if (i % 5 == 4) {
                const std::uint32_t a = static_cast<std::uint32_t>(p.size()) / 3;
                const std::uint32_t b = static_cast<std::uint32_t>(p.size()) / 2;
                fragments.push_back({p.data(), a});
                fragments.push_back({p.data() + a, b - a});
                fragments.push_back({p.data() + b, static_cast<std::uint32_t>(p.size()) - b});
            } else {
                fragments.push_back({p.data(), static_cast<std::uint32_t>(p.size())});
            }
            packets.push_back({first, static_cast<std::uint16_t>(fragments.size() - first), i});
        }
    }
};

class SeedLoopback : public ::testing::TestWithParam<bool> {
protected:
    SeedLoopback() { set_log_level(log_level::debug); }
    ~SeedLoopback() override { set_log_level(log_level::info); }

    log_capture log_; // outlives the host
    host::host host_;
};

TEST_P(SeedLoopback, WhatItSendsItReceivesInOrderThroughMappedBuffers)
{
    const bool verify = GetParam();
    auto driver = host_.load_driver(SEED_DRIVER);
    ASSERT_TRUE(driver.ok()) << driver.err().message;
    host::params p{{"dma", "iommu"}};
    if (verify)
        p.emplace_back("verifier", "1");
    auto dev = host_.add_device(*driver, p);
    ASSERT_TRUE(dev.ok()) << dev.err().message;
    auto started = host_.start_device(*dev);
    ASSERT_TRUE(started.ok()) << started.err().message;

    frame_sink rx;
    completion_sink tx;
    datapath::options o;
    o.rx_queues = 1;
    o.tx_queues = 1;
    o.rx = &rx;
    o.tx = &tx;
    auto opened = host_.open_datapath(*dev, o);
    ASSERT_TRUE(opened.ok()) << opened.err().message;
    std::unique_ptr<datapath::datapath> dp = std::move(opened).value();
    rx.attach(dp.get());

    // Sent at once, without waiting for Rx to post: the driver keeps a Tx packet until an Rx
    // buffer is there, so nothing is lost.
    constexpr std::uint32_t count = 200;
    const traffic t{count};
    std::size_t sent = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (sent < count && std::chrono::steady_clock::now() < deadline) {
        sent += dp->send(0, std::span{t.packets}.subspan(sent), t.fragments);
        if (sent < count)
            std::this_thread::yield();
    }
    ASSERT_EQ(sent, count);
    EXPECT_TRUE(eventually([&] { return rx.count() >= count && tx.count() >= count; }))
        << "received " << rx.count() << ", completed " << tx.count() << "\n"
        << log_.all();

    const auto frames = rx.frames();
    ASSERT_EQ(frames.size(), count);
    for (std::uint32_t i = 0; i < count; ++i)
        EXPECT_TRUE(frames[i] == t.payloads[i])
            << "frame " << i << ": " << frames[i].size() << " bytes, sent " << t.payloads[i].size();
    const auto cookies = tx.cookies();
    ASSERT_EQ(cookies.size(), count);
    for (std::uint32_t i = 0; i < count; ++i)
        EXPECT_EQ(cookies[i], i);

    const auto rs = dp->rx_stats(0);
    const auto ts = dp->tx_stats(0);
    EXPECT_EQ(rs.packets, count);
    EXPECT_EQ(ts.packets, count);
    for (auto d : rs.rx_drops)
        EXPECT_EQ(d, 0u);
    for (auto d : ts.tx_drops)
        EXPECT_EQ(d, 0u);

    auto closed = dp->close();
    EXPECT_TRUE(closed.ok()) << closed.err().message << "\n" << log_.all();
    dp.reset();
    // The driver's own account at EvtStop: everything looped, nothing unmapped or lost.
    EXPECT_TRUE(log_.has("seed_driver: tx stopped: looped 200 packets")) << log_.all();
    EXPECT_TRUE(log_.has("0 lost, 0 unmapped fragments, 0 oversize, 0 cancelled")) << log_.all();
    EXPECT_FALSE(log_.has("verifier:")) << log_.all();
    EXPECT_FALSE(log_.has("error:")) << log_.all();
    EXPECT_TRUE(host_.remove_device(*dev).ok());
}

INSTANTIATE_TEST_SUITE_P(Verifier, SeedLoopback, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                             return p.param ? "on" : "off";
                         });

} // namespace
} // namespace netcx::test
