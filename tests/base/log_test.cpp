// SPDX-License-Identifier: MIT
#include "support/log_capture.hpp"

#include <gtest/gtest.h>

namespace netcx {
namespace {

TEST(Log, SinkReceivesLinesAtOrAboveTheLevel)
{
    test::log_capture cap;
    set_log_level(log_level::warning);
    log_line(log_level::info, "quiet");
    log_line(log_level::error, "loud");
    set_log_level(log_level::info);
    EXPECT_FALSE(cap.has("quiet"));
    EXPECT_TRUE(cap.has("error: loud"));
}

} // namespace
} // namespace netcx
