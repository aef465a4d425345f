// SPDX-License-Identifier: MIT
// The host's lifecycle with well-behaved drivers: built in and as a shared object, callbacks in
// KMDF's order, adapters, restart, unload and reload, teardown by the destructor. Leaks are
// LeakSanitizer's to find (asan preset).
#include "host_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

namespace netcx::test {
namespace {

using strings = std::vector<std::string>;

strings full_lifecycle(std::string_view registry_name)
{
    return {
        std::string{R"(DriverEntry \Registry\Machine\System\netcx\)"} + std::string{registry_name},
        "EvtDriverDeviceAdd",
        "EvtDevicePrepareHardware resources=0/0",
        "EvtAdapterSetCapabilities",
        "EvtDeviceD0Entry from D3Final",
        "EvtDeviceD0Exit to D3Final",
        "EvtDeviceReleaseHardware",
        "EvtAdapterCleanup", // children first
        "EvtDeviceCleanup",
        "EvtDriverUnload",
        "EvtDriverCleanup",
    };
}

TEST_F(HostTest, BuiltinNamesAreListedSorted)
{
    host::host h;
    EXPECT_TRUE(h.builtin_names().empty());
    h.register_builtin("zeta", test_driver_entry);
    h.register_builtin("alpha", failing_driver_entry);
    EXPECT_EQ(h.builtin_names(), (strings{"alpha", "zeta"}));
}

TEST_F(HostTest, BuiltinDriverRunsEveryCallbackInOrder)
{
    auto drv = host_.load_driver("test_driver");
    ASSERT_TRUE(drv.ok()) << drv.err().message;
    auto dev = host_.add_device(*drv);
    ASSERT_TRUE(dev.ok()) << dev.err().message;
    ASSERT_TRUE(host_.start_device(*dev).ok());
    ASSERT_TRUE(host_.stop_device(*dev).ok());
    ASSERT_TRUE(host_.remove_device(*dev).ok());
    ASSERT_TRUE(host_.unload_driver(*drv).ok());
    EXPECT_EQ(trace(), full_lifecycle("test_driver"));
}

TEST_F(HostTest, SharedObjectDriverRunsEveryCallbackInOrder)
{
    auto drv = host_.load_driver(NETCX_TEST_DRIVER_SO);
    ASSERT_TRUE(drv.ok()) << drv.err().message;
    auto dev = host_.add_device(*drv);
    ASSERT_TRUE(dev.ok()) << dev.err().message;
    ASSERT_TRUE(host_.start_device(*dev).ok());

    const auto adapters = host_.adapters();
    ASSERT_EQ(adapters.size(), 1u);
    EXPECT_EQ(adapters[0].driver, "netcx_test_driver"); // the file stem
    EXPECT_TRUE(adapters[0].started);

    ASSERT_TRUE(host_.stop_device(*dev).ok());
    ASSERT_TRUE(host_.remove_device(*dev).ok());
    ASSERT_TRUE(host_.unload_driver(*drv).ok());
    EXPECT_EQ(trace(), full_lifecycle("netcx_test_driver"));
    EXPECT_TRUE(host_.adapters().empty());
}

TEST_F(HostTest, SharedObjectByBareFileNameIsTheFileHere)
{
    const std::filesystem::path so{NETCX_TEST_DRIVER_SO};
    const auto cwd = std::filesystem::current_path();
    std::filesystem::current_path(so.parent_path());
    auto drv = host_.load_driver(so.filename().string()); // "netcx_test_driver.so", no '/'
    std::filesystem::current_path(cwd);
    ASSERT_TRUE(drv.ok()) << drv.err().message;
    auto dev = host_.add_device(*drv);
    ASSERT_TRUE(dev.ok());
    EXPECT_EQ(host_.adapters().at(0).driver, "netcx_test_driver");
}

TEST_F(HostTest, UnloadStopsAndRemovesEveryDevice)
{
    auto drv = host_.load_driver("test_driver");
    ASSERT_TRUE(drv.ok());
    auto started = host_.add_device(*drv);
    auto added = host_.add_device(*drv);
    ASSERT_TRUE(started.ok() && added.ok());
    ASSERT_TRUE(host_.start_device(*started).ok());
    ASSERT_EQ(host_.adapters().size(), 2u);

    ASSERT_TRUE(host_.unload_driver(*drv).ok());
    EXPECT_TRUE(host_.adapters().empty());
    const strings t = trace();
    // Only the started device is stopped; both are deleted before the driver unloads.
    EXPECT_EQ(std::count(t.begin(), t.end(), "EvtDeviceD0Exit to D3Final"), 1);
    EXPECT_EQ(std::count(t.begin(), t.end(), "EvtDeviceReleaseHardware"), 1);
    EXPECT_EQ(std::count(t.begin(), t.end(), "EvtDeviceCleanup"), 2);
    ASSERT_GE(t.size(), 2u);
    EXPECT_EQ(t[t.size() - 2], "EvtDriverUnload");
    EXPECT_EQ(t.back(), "EvtDriverCleanup");
    // The ids are gone.
    EXPECT_EQ(host_.start_device(*started).code(), status::invalid_parameter);
    EXPECT_EQ(host_.unload_driver(*drv).code(), status::invalid_parameter);
}

TEST_F(HostTest, DestructorTearsEverythingDown)
{
    {
        host::host h;
        h.register_builtin("test_driver", test_driver_entry);
        auto a = h.load_driver("test_driver");
        auto b = h.load_driver(NETCX_TEST_DRIVER_SO);
        ASSERT_TRUE(a.ok() && b.ok());
        auto da = h.add_device(*a);
        auto db = h.add_device(*b);
        ASSERT_TRUE(da.ok() && db.ok());
        ASSERT_TRUE(h.start_device(*da).ok());
        ASSERT_TRUE(h.start_device(*db).ok());
    }
    // Both drivers trace under the same prefix: each ran its whole teardown.
    const strings t = trace();
    EXPECT_EQ(std::count(t.begin(), t.end(), "EvtDeviceD0Exit to D3Final"), 2);
    EXPECT_EQ(std::count(t.begin(), t.end(), "EvtDeviceCleanup"), 2);
    EXPECT_EQ(std::count(t.begin(), t.end(), "EvtDriverUnload"), 2);
    EXPECT_EQ(std::count(t.begin(), t.end(), "EvtDriverCleanup"), 2);
}

TEST_F(HostTest, UnloadThenReloadWorks)
{
    for (const std::string_view driver :
         {std::string_view{"test_driver"}, std::string_view{NETCX_TEST_DRIVER_SO}}) {
        for (int round = 0; round < 2; ++round) {
            SCOPED_TRACE(std::string{driver} + " round " + std::to_string(round));
            auto drv = host_.load_driver(driver);
            ASSERT_TRUE(drv.ok()) << drv.err().message;
            auto dev = host_.add_device(*drv, {{"mtu", "9000"}});
            ASSERT_TRUE(dev.ok()) << dev.err().message;
            ASSERT_TRUE(host_.start_device(*dev).ok());
            const auto adapters = host_.adapters();
            ASSERT_EQ(adapters.size(), 1u);
            EXPECT_EQ(adapters[0].mtu, 9000u);
            ASSERT_TRUE(host_.unload_driver(*drv).ok());
        }
    }
    const strings t = trace();
    EXPECT_EQ(std::count(t.begin(), t.end(), "EvtDriverCleanup"), 4);
}

TEST_F(HostTest, StoppedDeviceStartsAgain)
{
    const host::device_id dev = started_device("test_driver");
    ASSERT_TRUE(host_.stop_device(dev).ok());
    EXPECT_FALSE(host_.adapters().at(0).started);
    ASSERT_TRUE(host_.start_device(dev).ok());
    EXPECT_TRUE(host_.adapters().at(0).started);
    const strings t = trace();
    EXPECT_EQ(std::count(t.begin(), t.end(), "EvtDevicePrepareHardware resources=0/0"), 2);
    EXPECT_EQ(std::count(t.begin(), t.end(), "EvtAdapterSetCapabilities"), 2);
    EXPECT_EQ(std::count(t.begin(), t.end(), "EvtDeviceD0Entry from D3Final"), 2);
}

TEST_F(HostTest, AdaptersReportLinkLayerState)
{
    auto drv = host_.load_driver("test_driver");
    ASSERT_TRUE(drv.ok());
    auto plain = host_.add_device(*drv);
    auto custom = host_.add_device(
        *drv, {{"mtu", "9000"}, {"NetworkAddress", "02-00-00-00-00-2A"}, {"link", "0"}});
    ASSERT_TRUE(plain.ok() && custom.ok());

    auto before = host_.adapters();
    ASSERT_EQ(before.size(), 2u);
    EXPECT_FALSE(before[0].started);
    EXPECT_FALSE(before[0].link_up);
    EXPECT_TRUE(before[0].mac.empty()) << "no address before EvtAdapterSetCapabilities";

    ASSERT_TRUE(host_.start_device(*plain).ok());
    ASSERT_TRUE(host_.start_device(*custom).ok());
    const auto a = host_.adapters();
    ASSERT_EQ(a.size(), 2u);

    EXPECT_EQ(a[0].device, *plain);
    EXPECT_EQ(a[0].driver, "test_driver");
    EXPECT_TRUE(a[0].name.starts_with("adapter")) << a[0].name;
    EXPECT_TRUE(a[0].started);
    EXPECT_EQ(a[0].mtu, 1500u);
    EXPECT_EQ(a[0].mac, "02:00:00:00:00:01"); // the permanent address
    EXPECT_TRUE(a[0].link_up);
    EXPECT_EQ(a[0].link_speed, 1'000'000'000u);

    EXPECT_EQ(a[1].device, *custom);
    EXPECT_NE(a[1].name, a[0].name);
    EXPECT_EQ(a[1].mtu, 9000u);
    EXPECT_EQ(a[1].mac, "02:00:00:00:00:2a"); // the current address wins
    EXPECT_FALSE(a[1].link_up);
    EXPECT_EQ(a[1].link_speed, 0u);
}

TEST_F(HostTest, PlanOfAStartedDeviceNamesItsAdapter)
{
    const host::device_id dev = started_device("test_driver");
    auto p = host_.plan(dev);
    ASSERT_TRUE(p.ok()) << p.err().message;
    EXPECT_EQ(p->adapter, host_.adapters().at(0).name);
    EXPECT_TRUE(p->errors.empty());
    EXPECT_EQ(p->rx.mapping.value, "dma");
    EXPECT_EQ(p->tx.mapping.value, "dma");
    EXPECT_EQ(p->rx.allocation.value, "system");
}

TEST_F(HostTest, PlanNeedsAStartedDevice)
{
    auto drv = host_.load_driver("test_driver");
    ASSERT_TRUE(drv.ok());
    auto dev = host_.add_device(*drv);
    ASSERT_TRUE(dev.ok());
    auto p = host_.plan(*dev);
    EXPECT_EQ(p.code(), status::invalid_parameter);
    EXPECT_TRUE(log_.has("plan: the device is not started"));
    EXPECT_EQ(host_.plan(host::device_id{12345}).code(), status::invalid_parameter);
}

TEST_F(HostTest, RegistryPathAndDeviceParametersReachTheDriver)
{
    const host::device_id dev = started_device("test_driver", {{"mtu", "4000"}});
    EXPECT_EQ(host_.adapters().at(0).mtu, 4000u);
    EXPECT_EQ(trace().at(0), R"(DriverEntry \Registry\Machine\System\netcx\test_driver)");
    (void)dev;
}

} // namespace
} // namespace netcx::test
