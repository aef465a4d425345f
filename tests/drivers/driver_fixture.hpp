// SPDX-License-Identifier: MIT
// A host with the built-in drivers, and sinks that record what a datapath received and completed.
// Every test ends by destroying the host and checking that no WDF object outlived it.
#pragma once

#include "support/log_capture.hpp"
#include "wdf/object.hpp"

#include <netcx/datapath/datapath.hpp>
#include <netcx/drivers/builtin.hpp>
#include <netcx/host/host.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace netcx::test {

/// Records received frames (their bytes, up to `keep`) and releases the buffers at once.
class recording_sink final : public datapath::rx_sink {
public:
    explicit recording_sink(std::size_t keep = 4096) : keep_(keep) {}

    void on_receive(std::uint32_t, std::span<const datapath::rx_packet> packets,
                    std::span<const datapath::rx_fragment> fragments) override
    {
        const std::lock_guard g{lock_};
        for (const auto& p : packets) {
            if (frames_.size() < keep_) {
                std::vector<std::byte> f;
                for (std::uint32_t k = 0; k < p.fragment_count; ++k) {
                    const auto& fr = fragments[p.first_fragment + k];
                    f.insert(f.end(), fr.data, fr.data + fr.length);
                }
                frames_.push_back(std::move(f));
            }
            if (p.fragment_count > 1)
                multi_fragment_.fetch_add(1, std::memory_order_relaxed);
            lengths_.push_back(p.length);
            if (lengths_.size() > keep_)
                lengths_.erase(lengths_.begin());
        }
        if (dp_ != nullptr)
            dp_->release(fragments);
        else
            pending_.insert(pending_.end(), fragments.begin(), fragments.end());
        count_.fetch_add(packets.size(), std::memory_order_release);
    }

    /// From here on, buffers go back to `dp` at once (and those held so far now).
    void attach(datapath::datapath* dp)
    {
        const std::lock_guard g{lock_};
        dp_ = dp;
        if (dp_ != nullptr && !pending_.empty())
            dp_->release(pending_);
        pending_.clear();
    }
    [[nodiscard]] std::uint64_t count() const { return count_.load(std::memory_order_acquire); }
    [[nodiscard]] std::uint64_t multi_fragment() const
    {
        return multi_fragment_.load(std::memory_order_relaxed);
    }
    std::vector<std::vector<std::byte>> frames() const
    {
        const std::lock_guard g{lock_};
        return frames_;
    }
    std::vector<std::uint32_t> lengths() const
    {
        const std::lock_guard g{lock_};
        return lengths_;
    }

private:
    std::size_t keep_;
    mutable std::mutex lock_;
    datapath::datapath* dp_ = nullptr;
    std::vector<datapath::rx_fragment> pending_;
    std::vector<std::vector<std::byte>> frames_;
    std::vector<std::uint32_t> lengths_;
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> multi_fragment_{0};
};

class counting_tx_sink final : public datapath::tx_sink {
public:
    void on_complete(std::uint32_t, std::span<const std::uint64_t> cookies) override
    {
        count_.fetch_add(cookies.size(), std::memory_order_release);
    }
    [[nodiscard]] std::uint64_t count() const { return count_.load(std::memory_order_acquire); }

private:
    std::atomic<std::uint64_t> count_{0};
};

/// Waits up to 2 s for `done()`.
template <class F>
bool eventually(F&& done)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
}

class DriverTest : public ::testing::Test {
protected:
    DriverTest()
    {
        set_log_level(log_level::debug); // drivers DbgPrint their refusals at debug level
        live_at_start_ = wdf::object::live_count();
        netcx_register_builtin_drivers(host_);
    }
    void TearDown() override
    {
        host_storage_.reset();
        EXPECT_EQ(wdf::object::live_count(), live_at_start_) << "WDF objects outlived the host";
    }
    ~DriverTest() override { set_log_level(log_level::info); }

    /// Loads `driver` (the first time; a test uses one driver), adds a device with `p` and starts
    /// it; fails the test on any error.
    host::device_id started_device(std::string_view driver, const host::params& p = {})
    {
        if (!loaded_) {
            auto d = host_.load_driver(driver);
            if (!d) {
                ADD_FAILURE() << d.err().message;
                return host::device_id{0};
            }
            driver_ = *d;
            loaded_ = true;
        }
        auto dev = host_.add_device(driver_, p);
        EXPECT_TRUE(dev.ok()) << dev.err().message;
        if (!dev)
            return host::device_id{0};
        auto s = host_.start_device(*dev);
        EXPECT_TRUE(s.ok()) << s.err().message;
        return *dev;
    }

    /// Opens one Rx and one Tx queue on `dev`, recording into `rx` and counting into `tx`.
    std::unique_ptr<datapath::datapath> open(host::device_id dev, recording_sink& rx,
                                             counting_tx_sink& tx)
    {
        datapath::options o;
        o.rx = &rx;
        o.tx = &tx;
        auto dp = host_.open_datapath(dev, o);
        EXPECT_TRUE(dp.ok()) << dp.err().message;
        if (!dp)
            return nullptr;
        rx.attach(dp->get());
        return std::move(dp).value();
    }

    /// Sends `packets` in bursts of `burst`, each once `received()` has caught up with what was
    /// sent, so a receiver's ring never overflows (a device drops what finds no buffer).
    template <class Received>
    static void send_paced(datapath::datapath& dp, std::span<const datapath::tx_packet> packets,
                           std::span<const datapath::tx_fragment> fragments, Received&& received,
                           std::size_t burst = 32)
    {
        for (std::size_t at = 0; at < packets.size(); at += burst) {
            const auto n = std::min(burst, packets.size() - at);
            send_all(dp, packets.subspan(at, n), fragments);
            EXPECT_TRUE(eventually([&] { return received() >= at + n; }))
                << "received " << received() << " of " << at + n;
        }
    }

    /// Sends every packet (retrying what the queue did not take yet).
    static void send_all(datapath::datapath& dp, std::span<const datapath::tx_packet> packets,
                         std::span<const datapath::tx_fragment> fragments)
    {
        std::size_t sent = 0;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (sent < packets.size() && std::chrono::steady_clock::now() < deadline) {
            sent += dp.send(0, packets.subspan(sent), fragments);
            if (sent < packets.size())
                std::this_thread::yield();
        }
        EXPECT_EQ(sent, packets.size());
    }

    log_capture log_; // declared first: it outlives the host
    std::size_t live_at_start_ = 0;
    std::unique_ptr<host::host> host_storage_ = std::make_unique<host::host>();
    host::host& host_ = *host_storage_;
    host::driver_id driver_{};
    bool loaded_ = false;
};

} // namespace netcx::test
