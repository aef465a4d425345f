// SPDX-License-Identifier: MIT
// A host with the loopback driver built in, sinks that keep what they receive, and a wait helper.
#pragma once

#include "loopback_driver.h"
#include "support/log_capture.hpp"
#include "wdf/object.hpp"

#include <netcx/host/host.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace netcx::test {

struct received {
    std::vector<std::byte> payload;
    std::uint16_t fragments = 0;
};

class collect_rx final : public datapath::rx_sink {
public:
    datapath::datapath* dp = nullptr; // set: release at once; null: keep the fragments
    void on_receive(std::uint32_t, std::span<const datapath::rx_packet> packets,
                    std::span<const datapath::rx_fragment> fragments) override
    {
        const std::lock_guard g{lock};
        for (const auto& p : packets) {
            received r;
            r.fragments = p.fragment_count;
            for (std::uint32_t i = 0; i < p.fragment_count; ++i) {
                const auto& f = fragments[p.first_fragment + i];
                r.payload.insert(r.payload.end(), f.data, f.data + f.length);
                held.push_back(f);
            }
            got.push_back(std::move(r));
        }
        if (dp != nullptr) {
            dp->release(held);
            held.clear();
        }
    }
    std::size_t count()
    {
        const std::lock_guard g{lock};
        return got.size();
    }
    std::mutex lock;
    std::vector<received> got;
    std::vector<datapath::rx_fragment> held;
};

class collect_tx final : public datapath::tx_sink {
public:
    void on_complete(std::uint32_t, std::span<const std::uint64_t> cookies) override
    {
        const std::lock_guard g{lock};
        done.insert(done.end(), cookies.begin(), cookies.end());
    }
    std::size_t count()
    {
        const std::lock_guard g{lock};
        return done.size();
    }
    std::mutex lock;
    std::vector<std::uint64_t> done;
};

inline bool wait_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds limit = std::chrono::milliseconds(10000))
{
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

class DatapathTest : public ::testing::Test {
protected:
    DatapathTest()
    {
        set_log_level(log_level::debug);
        live_at_start_ = wdf::object::live_count();
        host_->register_builtin("loopback", loopback_driver_entry);
    }
    void TearDown() override
    {
        dp_.reset();
        host_.reset();
        EXPECT_EQ(wdf::object::live_count(), live_at_start_) << "WDF objects outlived the host";
    }
    ~DatapathTest() override { set_log_level(log_level::info); }

    /// Starts a loopback device with `p` and opens its datapath (releasing Rx at once).
    void open(const host::params& p = {}, bool release = true)
    {
        auto d = host_->load_driver("loopback");
        ASSERT_TRUE(d.ok()) << d.err().message;
        auto dev = host_->add_device(*d, p);
        ASSERT_TRUE(dev.ok()) << dev.err().message;
        device_ = *dev;
        auto s = host_->start_device(*dev);
        ASSERT_TRUE(s.ok()) << s.err().message;
        datapath::options o;
        o.rx = &rx_;
        o.tx = &tx_;
        auto dp = host_->open_datapath(*dev, o);
        ASSERT_TRUE(dp.ok()) << dp.err().message;
        dp_ = std::move(*dp);
        if (release)
            rx_.dp = dp_.get();
    }

    /// Sends one packet per payload (one fragment each); returns when all are accepted.
    void send_all(const std::vector<std::vector<std::byte>>& sent, std::uint64_t cookie0 = 0)
    {
        // Payloads stay valid until completion: the fixture keeps a copy until the test ends.
        const auto& payloads = kept_.emplace_back(sent);
        for (std::size_t i = 0; i < payloads.size();) {
            datapath::tx_fragment f{payloads[i].data(),
                                    static_cast<std::uint32_t>(payloads[i].size())};
            datapath::tx_packet p{0, 1, cookie0 + i};
            if (dp_->send(0, {&p, 1}, {&f, 1}) == 1)
                ++i;
            else
                std::this_thread::yield();
        }
    }

    static std::vector<std::byte> pattern(std::size_t n, unsigned seed)
    {
        std::vector<std::byte> v(n);
        for (std::size_t i = 0; i < n; ++i)
            v[i] = static_cast<std::byte>((i * 7 + seed * 13) & 0xff);
        return v;
    }

    std::deque<std::vector<std::vector<std::byte>>> kept_;
    log_capture log_;
    std::size_t live_at_start_ = 0;
    std::unique_ptr<host::host> host_ = std::make_unique<host::host>();
    host::device_id device_{0};
    collect_rx rx_;
    collect_tx tx_;
    std::unique_ptr<datapath::datapath> dp_;
};

} // namespace netcx::test
