// SPDX-License-Identifier: MIT
// A host with the test drivers built in, and the drivers' callback trace read back from the log
// (they DbgPrint "<driver>: <callback>" at debug level). Every test ends by destroying the host and
// checking that no WDF object outlived it (LeakSanitizer cannot see those: the object registry
// still points at them).
#pragma once

#include "support/log_capture.hpp"
#include "test_drivers.h"
#include "wdf/object.hpp"

#include <netcx/base/log.hpp>
#include <netcx/host/host.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace netcx::test {

class HostTest : public ::testing::Test {
protected:
    HostTest()
    {
        set_log_level(log_level::debug);
        live_at_start_ = wdf::object::live_count();
        failing_driver_set_mode(FailNothing);
        host_.register_builtin("test_driver", test_driver_entry);
        host_.register_builtin("failing_driver", failing_driver_entry);
    }
    void TearDown() override
    {
        host_storage_.reset();
        EXPECT_EQ(wdf::object::live_count(), live_at_start_) << "WDF objects outlived the host";
    }
    ~HostTest() override
    {
        failing_driver_set_mode(FailNothing);
        set_log_level(log_level::info);
    }

    /// What `driver` traced since the test began, in order ("EvtDriverDeviceAdd", ...).
    std::vector<std::string> trace(std::string_view driver = "test_driver") const
    {
        const std::string marker = std::string{driver} + ": ";
        std::vector<std::string> out;
        std::istringstream lines{log_.all()};
        for (std::string line; std::getline(lines, line);) {
            const auto at = line.find(marker);
            if (at == std::string::npos)
                continue;
            std::string what = line.substr(at + marker.size());
            while (!what.empty() && (what.back() == '\n' || what.back() == ' '))
                what.pop_back();
            out.push_back(std::move(what));
        }
        return out;
    }

    /// Loads `driver`, adds a device with `p` and starts it; fails the test on any error.
    host::device_id started_device(std::string_view driver, const host::params& p = {})
    {
        auto d = host_.load_driver(driver);
        EXPECT_TRUE(d.ok()) << d.err().message;
        if (!d)
            return host::device_id{0};
        auto dev = host_.add_device(*d, p);
        EXPECT_TRUE(dev.ok()) << dev.err().message;
        if (!dev)
            return host::device_id{0};
        auto s = host_.start_device(*dev);
        EXPECT_TRUE(s.ok()) << s.err().message;
        return *dev;
    }

    log_capture log_; // declared first: it outlives the host, so the teardown is traced too
    std::size_t live_at_start_ = 0;
    std::unique_ptr<host::host> host_storage_ = std::make_unique<host::host>();
    host::host& host_ = *host_storage_;
};

} // namespace netcx::test
