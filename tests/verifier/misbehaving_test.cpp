// SPDX-License-Identifier: MIT
// The verifier end to end: a real driver breaking one ring rule (device parameter break=<rule>)
// through host::open_datapath with verifier=1. The named violation is logged, Rx counts what it
// refused under rx_drop::verifier, and the framework keeps running: later packets still arrive,
// the datapath closes cleanly. A driver breaking nothing logs no violation.
#include "misbehaving_driver.h"
#include "support/log_capture.hpp"

#include <netcx/datapath/datapath.hpp>
#include <netcx/host/host.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace netcx::test {
namespace {

bool wait_until(const std::function<bool()>& pred)
{
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

/// Releases what it receives at once; before the datapath is known, keeps it until `attach`.
class releasing_rx final : public datapath::rx_sink {
public:
    std::atomic<std::size_t> packets{0};
    void on_receive(std::uint32_t, std::span<const datapath::rx_packet> p,
                    std::span<const datapath::rx_fragment> fragments) override
    {
        const std::lock_guard g{lock_};
        if (dp_ != nullptr)
            dp_->release(fragments);
        else
            held_.insert(held_.end(), fragments.begin(), fragments.end());
        packets.fetch_add(p.size());
    }
    void attach(datapath::datapath* dp)
    {
        const std::lock_guard g{lock_};
        dp_ = dp;
        dp_->release(held_);
        held_.clear();
    }

private:
    std::mutex lock_;
    datapath::datapath* dp_ = nullptr;
    std::vector<datapath::rx_fragment> held_;
};

class counting_tx final : public datapath::tx_sink {
public:
    std::atomic<std::size_t> done{0};
    void on_complete(std::uint32_t, std::span<const std::uint64_t> cookies) override
    {
        done.fetch_add(cookies.size());
    }
};

class MisbehavingDriver : public ::testing::TestWithParam<const char*> {
protected:
    MisbehavingDriver() { host_->register_builtin("misbehaving", misbehaving_driver_entry); }
    void TearDown() override
    {
        if (dp_) {
            EXPECT_TRUE(dp_->close().ok());
        }
        dp_.reset();
        host_.reset();
    }

    void open(const host::params& p)
    {
        auto d = host_->load_driver("misbehaving");
        ASSERT_TRUE(d.ok()) << d.err().message;
        auto dev = host_->add_device(*d, p);
        ASSERT_TRUE(dev.ok()) << dev.err().message;
        auto s = host_->start_device(*dev);
        ASSERT_TRUE(s.ok()) << s.err().message;
        datapath::options o;
        o.rx = &rx_;
        o.tx = &tx_;
        auto dp = host_->open_datapath(*dev, o);
        ASSERT_TRUE(dp.ok()) << dp.err().message;
        dp_ = std::move(*dp);
        rx_.attach(dp_.get());
    }

    /// Sends `n` one-fragment packets of 64 bytes.
    void send(std::size_t n)
    {
        for (std::size_t i = 0; i < n;) {
            datapath::tx_fragment f{payload_.data(), static_cast<std::uint32_t>(payload_.size())};
            datapath::tx_packet p{0, 1, i};
            if (dp_->send(0, {&p, 1}, {&f, 1}) == 1)
                ++i;
            else
                std::this_thread::yield();
        }
    }

    log_capture log_;
    std::unique_ptr<host::host> host_ = std::make_unique<host::host>();
    releasing_rx rx_;
    counting_tx tx_;
    std::vector<std::byte> payload_ = std::vector<std::byte>(64, std::byte{0x5a});
    std::unique_ptr<datapath::datapath> dp_;
};

TEST_F(MisbehavingDriver, KeepingEveryRuleLogsNoViolation)
{
    open({{"verifier", "1"}});
    send(16);
    EXPECT_TRUE(wait_until([&] { return rx_.packets.load() >= 1000 && tx_.done.load() >= 16; }))
        << "received " << rx_.packets.load() << ", completed " << tx_.done.load();
    const auto drops = dp_->rx_stats(0).rx_drops;
    EXPECT_EQ(drops[static_cast<std::size_t>(datapath::rx_drop::verifier)], 0U);
    EXPECT_FALSE(log_.has("verifier: ")) << log_.all();
}

TEST_P(MisbehavingDriver, TheBrokenRuleIsNamedAndTheFrameworkSurvives)
{
    const std::string rule = GetParam();
    open({{"verifier", "1"}, {"break", rule}});
    if (rule.starts_with("tx_"))
        send(16);
    ASSERT_TRUE(wait_until([&] { return log_.has("verifier: " + rule + ": "); })) << log_.all();
    // Later Advances keep every rule: packets flow again.
    const std::size_t seen = rx_.packets.load();
    send(16);
    EXPECT_TRUE(wait_until([&] { return rx_.packets.load() >= seen + 1000; }))
        << "received " << rx_.packets.load() << " (" << seen << " at the violation)";
    EXPECT_TRUE(wait_until([&] {
        return tx_.done.load() >= (rule.starts_with("tx_") ? 32U : 16U);
    })) << "completed "
        << tx_.done.load();
    if (rule.starts_with("rx_")) {
        const auto drops = dp_->rx_stats(0).rx_drops;
        EXPECT_GE(drops[static_cast<std::size_t>(datapath::rx_drop::verifier)], 1U);
    }
}

INSTANTIATE_TEST_SUITE_P(Rules, MisbehavingDriver,
                         ::testing::Values("header_immutable", "tx_element_changed",
                                           "rx_fragment_count_invalid", "rx_fragment_index_invalid",
                                           "rx_capacity_changed", "rx_length_beyond_capacity",
                                           "rx_type_out_of_range", "rx_header_length_invalid"),
                         [](const auto& p) { return std::string{p.param}; });

} // namespace
} // namespace netcx::test
