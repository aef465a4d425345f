// SPDX-License-Identifier: MIT
// What the plan of the seed driver (and of the documentation's example) must show: the values
// their EvtAdapterSetCapabilities passes, as examples/seed_driver/*.c define them.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>

namespace netcx::test {

namespace seed {
constexpr int max_packet_size = 1514;
constexpr int frame_crc_size = 4;
constexpr int rsvd_buf_size = 8;
constexpr int max_phys_buf_count = 8;
constexpr int transmit_control_blocks = 32;
constexpr int receive_buffers = 512;
} // namespace seed

inline void expect_seed_plan(const nlohmann::json& j)
{
    ASSERT_TRUE(j.contains("rx") && j.contains("tx") && j.contains("errors")) << j.dump(2);
    const auto& rx = j["rx"];
    const auto& tx = j["tx"];
    EXPECT_EQ(rx["allocation"], "system");
    EXPECT_EQ(rx["attachment"], "system");
    EXPECT_EQ(rx["mapping"], "dma");
    EXPECT_EQ(rx["alignment"], 64); // the driver's 64, the framework's default agrees
    EXPECT_EQ(rx["fragment_ring_size"], seed::receive_buffers);
    EXPECT_EQ(rx["buffer_size"],
              seed::max_packet_size + seed::frame_crc_size + seed::rsvd_buf_size);
    EXPECT_EQ(rx["stride"], 1536); // 1526 rounded up to 64, not to a page
    EXPECT_EQ(rx["queues"], 1);
    EXPECT_EQ(rx["max_logical_address"].get<std::uint64_t>(), ~std::uint64_t{0}); // 64-bit SG
    EXPECT_EQ(tx["mapping"], "dma");
    EXPECT_EQ(tx["fragment_ring_size"], seed::transmit_control_blocks * seed::max_phys_buf_count);
    EXPECT_EQ(tx["max_fragments"].get<std::uint64_t>(), ~std::uint64_t{0});
    EXPECT_EQ(tx["backfill"], 0);
    EXPECT_EQ(tx["queues"], 1);
    EXPECT_GT(tx["bounce_buffer_count"], 0);
    EXPECT_TRUE(j["errors"].is_array());
    EXPECT_TRUE(j["errors"].empty()) << j["errors"].dump();
}

} // namespace netcx::test
