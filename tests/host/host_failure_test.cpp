// SPDX-License-Identifier: MIT
// Every way loading, adding, starting and stopping can fail comes back as a host error naming the
// driver, the step and the NTSTATUS, logs it, and leaves nothing behind (LeakSanitizer checks the
// last part under the asan preset).
#include "host_fixture.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

namespace netcx::test {
namespace {

using strings = std::vector<std::string>;

// ---- parse_param ---------------------------------------------------------------------------

TEST(ParseParam, SplitsAtTheFirstEquals)
{
    auto p = host::parse_param("mtu=9000");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->first, "mtu");
    EXPECT_EQ(p->second, "9000");
    auto nested = host::parse_param("a=b=c");
    ASSERT_TRUE(nested.ok());
    EXPECT_EQ(nested->first, "a");
    EXPECT_EQ(nested->second, "b=c");
    auto empty_value = host::parse_param("flag=");
    ASSERT_TRUE(empty_value.ok());
    EXPECT_EQ(empty_value->second, "");
}

TEST(ParseParam, RefusesAMissingEqualsOrAnEmptyKey)
{
    log_capture cap;
    EXPECT_EQ(host::parse_param("mtu9000").code(), status::invalid_parameter);
    EXPECT_TRUE(cap.has("device parameter 'mtu9000' is not KEY=VALUE (no '=')"));
    EXPECT_EQ(host::parse_param("=5").code(), status::invalid_parameter);
    EXPECT_TRUE(cap.has("device parameter '=5' has an empty key"));
}

// ---- load_driver ---------------------------------------------------------------------------

TEST_F(HostTest, UnknownBuiltinNamesTheBuiltins)
{
    auto r = host_.load_driver("nosuch");
    EXPECT_EQ(r.code(), status::invalid_parameter);
    EXPECT_TRUE(log_.has("driver 'nosuch': no built-in driver has that name (built-ins: "
                         "failing_driver, test_driver)"));
}

TEST_F(HostTest, MissingSharedObjectIsNamed)
{
    auto r = host_.load_driver("/nonexistent/netcx/driver.so");
    EXPECT_EQ(r.code(), status::invalid_parameter);
    EXPECT_TRUE(
        log_.has("driver 'driver': cannot load /nonexistent/netcx/driver.so: no such file"));
}

TEST_F(HostTest, FileThatIsNoSharedObjectIsNamed)
{
    const auto path = std::filesystem::temp_directory_path() /
                      ("netcx_not_a_driver_" + std::to_string(getpid()) + ".so");
    std::ofstream{path} << "this is text, not ELF\n";
    auto r = host_.load_driver(path.string());
    std::filesystem::remove(path);
    EXPECT_EQ(r.code(), status::not_supported);
    EXPECT_TRUE(log_.has("not a loadable shared object")) << log_.all();
    EXPECT_TRUE(log_.has("STATUS_DRIVER_UNABLE_TO_LOAD"));
}

TEST_F(HostTest, SharedObjectWithoutDriverEntryIsNamed)
{
    auto r = host_.load_driver(NETCX_NO_ENTRY_DRIVER_SO);
    EXPECT_EQ(r.code(), status::not_supported);
    EXPECT_TRUE(log_.has("exports no DriverEntry (STATUS_DRIVER_ENTRYPOINT_NOT_FOUND)"));
    EXPECT_TRUE(r.err().message.starts_with("driver 'netcx_no_entry_driver': "));
}

TEST_F(HostTest, SharedObjectWhoseDriverEntryFails)
{
    auto r = host_.load_driver(NETCX_FAILING_DRIVER_SO);
    EXPECT_EQ(r.code(), status::no_memory);
    EXPECT_EQ(r.err().message,
              "driver 'netcx_failing_driver': DriverEntry failed: STATUS_INSUFFICIENT_RESOURCES");
    EXPECT_EQ(trace("failing_driver"), strings{"DriverEntry"});
}

TEST_F(HostTest, BuiltinDriverEntryFailures)
{
    failing_driver_set_mode(FailDriverEntry);
    auto r = host_.load_driver("failing_driver");
    EXPECT_EQ(r.code(), status::no_memory);
    EXPECT_TRUE(log_.has("driver 'failing_driver': DriverEntry failed: "
                         "STATUS_INSUFFICIENT_RESOURCES"));

    // A driver object created before the failure is deleted with it.
    failing_driver_set_mode(FailDriverEntryAfterCreate);
    r = host_.load_driver("failing_driver");
    EXPECT_EQ(r.code(), status::invalid_parameter);
    EXPECT_TRUE(log_.has("driver 'failing_driver': DriverEntry failed: STATUS_UNSUCCESSFUL"));
    EXPECT_EQ(trace("failing_driver"), (strings{"DriverEntry", "DriverEntry", "EvtCleanup"}));

    failing_driver_set_mode(FailSkipDriverCreate);
    r = host_.load_driver("failing_driver");
    EXPECT_EQ(r.code(), status::invalid_parameter);
    EXPECT_TRUE(log_.has("driver 'failing_driver': DriverEntry returned STATUS_SUCCESS without "
                         "calling WdfDriverCreate"));

    // None of them stayed loaded: the name is free.
    failing_driver_set_mode(FailNothing);
    EXPECT_TRUE(host_.load_driver("failing_driver").ok());
}

TEST_F(HostTest, ADriverLoadsOnce)
{
    ASSERT_TRUE(host_.load_driver("test_driver").ok());
    auto again = host_.load_driver("test_driver");
    EXPECT_EQ(again.code(), status::busy);
    EXPECT_TRUE(log_.has("driver 'test_driver': already loaded"));
}

// ---- add_device ----------------------------------------------------------------------------

class AddDeviceFailure : public HostTest {
protected:
    result<host::device_id> add(FAILING_DRIVER_MODE mode)
    {
        auto drv = host_.load_driver("failing_driver");
        EXPECT_TRUE(drv.ok());
        if (!drv)
            return std::move(drv).err();
        failing_driver_set_mode(mode);
        auto dev = host_.add_device(*drv);
        EXPECT_TRUE(host_.adapters().empty()) << "a failed add leaves no device";
        return dev;
    }
};

TEST_F(AddDeviceFailure, CallbackFailure)
{
    auto r = add(FailDeviceAdd);
    EXPECT_EQ(r.code(), status::no_memory);
    EXPECT_TRUE(log_.has(
        "driver 'failing_driver': EvtDriverDeviceAdd failed: STATUS_INSUFFICIENT_RESOURCES"));
}

TEST_F(AddDeviceFailure, FailureAfterCreatingTheDeviceDeletesIt)
{
    auto r = add(FailDeviceAddAfterCreate);
    EXPECT_EQ(r.code(), status::invalid_parameter);
    EXPECT_TRUE(log_.has(
        "driver 'failing_driver': EvtDriverDeviceAdd failed: STATUS_DEVICE_CONFIGURATION_ERROR"));
    EXPECT_EQ(trace("failing_driver"),
              (strings{"DriverEntry", "EvtDriverDeviceAdd", "EvtCleanup"})); // the device's
}

TEST_F(AddDeviceFailure, SuccessWithoutWdfDeviceCreate)
{
    auto r = add(FailSkipDeviceCreate);
    EXPECT_EQ(r.code(), status::invalid_parameter);
    EXPECT_TRUE(log_.has("driver 'failing_driver': EvtDriverDeviceAdd returned STATUS_SUCCESS "
                         "without calling WdfDeviceCreate"));
}

TEST_F(AddDeviceFailure, SuccessWithoutNetAdapterCreate)
{
    auto r = add(FailSkipAdapterCreate);
    EXPECT_EQ(r.code(), status::invalid_parameter);
    EXPECT_TRUE(log_.has("call NetAdapterCreate: every netcx device is a network adapter"));
    EXPECT_EQ(trace("failing_driver"),
              (strings{"DriverEntry", "EvtDriverDeviceAdd", "EvtCleanup"}));
}

TEST_F(HostTest, BadDeviceParametersAreNamed)
{
    auto drv = host_.load_driver("test_driver");
    ASSERT_TRUE(drv.ok());

    EXPECT_EQ(host_.add_device(*drv, {{"dma", "bogus"}}).code(), status::invalid_parameter);
    EXPECT_TRUE(log_.has("driver 'test_driver': device parameter dma=bogus: unknown address "
                         "space (identity, iommu or physical)"));

    EXPECT_EQ(host_.add_device(*drv, {{"dma", "iommu"}, {"iommu_bits", "7"}}).code(),
              status::invalid_parameter);
    EXPECT_TRUE(log_.has("device parameter iommu_bits=7: out of range 12..64"));
    EXPECT_EQ(host_.add_device(*drv, {{"dma", "iommu"}, {"iommu_bits", "65"}}).code(),
              status::invalid_parameter);
    EXPECT_TRUE(log_.has("device parameter iommu_bits=65: out of range 12..64"));
    EXPECT_EQ(
        host_.add_device(*drv, {{"dma", "iommu"}, {"iommu_bits", "99999999999999999999"}}).code(),
        status::invalid_parameter);
    EXPECT_TRUE(log_.has("iommu_bits=99999999999999999999: out of range"));

    for (const char* bad : {"abc", "36x", "", "-1", " 36"}) {
        EXPECT_EQ(host_.add_device(*drv, {{"dma", "iommu"}, {"iommu_bits", bad}}).code(),
                  status::invalid_parameter)
            << bad;
        EXPECT_TRUE(log_.has(fmt::format("device parameter iommu_bits={}: not a number", bad)))
            << bad;
    }

    EXPECT_EQ(host_.add_device(*drv, {{"iommu_bits", "36"}}).code(), status::invalid_parameter);
    EXPECT_TRUE(log_.has("device parameter iommu_bits=36 needs dma=iommu (dma is identity)"));

    EXPECT_TRUE(host_.adapters().empty());
    EXPECT_EQ(trace(), strings{trace().front()}) << "EvtDriverDeviceAdd never ran";

    // The last value of a repeated key counts, as the driver sees it.
    auto ok = host_.add_device(*drv, {{"dma", "bogus"}, {"dma", "iommu"}, {"iommu_bits", "40"}});
    EXPECT_TRUE(ok.ok());
}

TEST_F(HostTest, PhysicalAddressSpaceNeedsRoot)
{
    auto drv = host_.load_driver("test_driver");
    ASSERT_TRUE(drv.ok());
    const bool root = geteuid() == 0;
    if (root) {
        // Root may: the device sits on physical addresses. Then see the refusal as a user would
        // (the real uid stays root, so root comes back).
        auto dev = host_.add_device(*drv, {{"dma", "physical"}});
        ASSERT_TRUE(dev.ok()) << dev.err().message;
        ASSERT_EQ(seteuid(65534), 0);
    }
    const auto r = host_.add_device(*drv, {{"dma", "physical"}});
    const int restored = root ? seteuid(0) : 0;
    ASSERT_EQ(restored, 0);
    EXPECT_EQ(r.code(), status::access_denied);
    EXPECT_TRUE(log_.has("driver 'test_driver': device parameter dma=physical needs root"));
}

TEST_F(HostTest, UnknownIdsAreRefused)
{
    EXPECT_EQ(host_.add_device(host::driver_id{777}).code(), status::invalid_parameter);
    EXPECT_TRUE(log_.has("host: no loaded driver has id 777"));
    EXPECT_EQ(host_.start_device(host::device_id{778}).code(), status::invalid_parameter);
    EXPECT_EQ(host_.stop_device(host::device_id{778}).code(), status::invalid_parameter);
    EXPECT_EQ(host_.remove_device(host::device_id{778}).code(), status::invalid_parameter);
    EXPECT_TRUE(log_.has("host: no device has id 778"));
    EXPECT_EQ(host_.unload_driver(host::driver_id{777}).code(), status::invalid_parameter);
}

// ---- start_device / stop_device -------------------------------------------------------------

class StartFailure : public HostTest {
protected:
    /// Adds a failing_driver device in `mode` and tries to start it.
    result<void> start(FAILING_DRIVER_MODE mode)
    {
        auto drv = host_.load_driver("failing_driver");
        EXPECT_TRUE(drv.ok());
        if (!drv)
            return std::move(drv).err();
        auto dev = host_.add_device(*drv);
        EXPECT_TRUE(dev.ok());
        if (!dev)
            return std::move(dev).err();
        device_ = *dev;
        failing_driver_set_mode(mode);
        auto r = host_.start_device(device_);
        EXPECT_FALSE(host_.adapters().at(0).started);
        return r;
    }
    /// The callbacks the start ran (after DriverEntry and EvtDriverDeviceAdd).
    strings start_trace() const
    {
        strings t = trace("failing_driver");
        t.erase(t.begin(), t.begin() + std::min<std::ptrdiff_t>(2, std::ssize(t)));
        return t;
    }
    host::device_id device_{};
};

TEST_F(StartFailure, PrepareHardwareFailureReleasesHardware)
{
    auto r = start(FailPrepareHardware);
    EXPECT_EQ(r.code(), status::busy);
    const std::string name = host_.adapters().at(0).name;
    EXPECT_EQ(r.err().message, "driver 'failing_driver': " + name +
                                   ": EvtDevicePrepareHardware failed: STATUS_DEVICE_NOT_READY");
    EXPECT_TRUE(log_.has(r.err().message));
    // KMDF calls ReleaseHardware even when PrepareHardware failed.
    EXPECT_EQ(start_trace(), (strings{"EvtDevicePrepareHardware", "EvtDeviceReleaseHardware"}));
}

TEST_F(StartFailure, SetCapabilitiesFailure)
{
    auto r = start(FailSetCapabilities);
    EXPECT_EQ(r.code(), status::not_supported);
    EXPECT_TRUE(r.err().message.starts_with("driver 'failing_driver': ")) << r.err().message;
    EXPECT_NE(r.err().message.find("EvtAdapterSetCapabilities"), std::string::npos);
    EXPECT_NE(r.err().message.find("STATUS_NOT_SUPPORTED"), std::string::npos);
    EXPECT_EQ(start_trace(), (strings{"EvtDevicePrepareHardware", "EvtAdapterSetCapabilities",
                                      "EvtDeviceReleaseHardware"}));
}

TEST_F(StartFailure, MissingDatapathCapabilities)
{
    auto r = start(FailSkipDatapathCapabilities);
    EXPECT_EQ(r.code(), status::invalid_parameter);
    EXPECT_NE(r.err().message.find("datapath capabilities were never set"), std::string::npos)
        << r.err().message;
    EXPECT_EQ(start_trace(), (strings{"EvtDevicePrepareHardware", "EvtAdapterSetCapabilities",
                                      "EvtDeviceReleaseHardware"}));
}

TEST_F(StartFailure, D0EntryFailureUndoesTheStart)
{
    auto r = start(FailD0Entry);
    EXPECT_EQ(r.code(), status::busy);
    EXPECT_NE(r.err().message.find(": EvtDeviceD0Entry failed: STATUS_DEVICE_NOT_READY"),
              std::string::npos)
        << r.err().message;
    EXPECT_EQ(start_trace(), (strings{"EvtDevicePrepareHardware", "EvtAdapterSetCapabilities",
                                      "EvtDeviceD0Entry", "EvtDeviceReleaseHardware"}));

    // Once the driver recovers, the device starts.
    failing_driver_set_mode(FailNothing);
    EXPECT_TRUE(host_.start_device(device_).ok());
    EXPECT_TRUE(host_.adapters().at(0).started);
}

TEST_F(StartFailure, FailedStartIsKeptForThePlan)
{
    auto r = start(FailSetCapabilities);
    ASSERT_FALSE(r.ok());
    auto p = host_.plan(device_);
    ASSERT_TRUE(p.ok()) << "a refused start is a plan with errors";
    EXPECT_EQ(p->adapter, host_.adapters().at(0).name);
    EXPECT_EQ(p->errors, strings{r.err().message});

    // A later successful start clears it.
    failing_driver_set_mode(FailNothing);
    ASSERT_TRUE(host_.start_device(device_).ok());
    p = host_.plan(device_);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(p->errors.empty());
}

TEST_F(HostTest, D0ExitFailureStillStopsTheDevice)
{
    const host::device_id dev = started_device("failing_driver");
    failing_driver_set_mode(FailD0Exit);
    auto r = host_.stop_device(dev);
    EXPECT_EQ(r.code(), status::invalid_parameter);
    EXPECT_NE(r.err().message.find(": EvtDeviceD0Exit failed: STATUS_UNSUCCESSFUL"),
              std::string::npos);
    EXPECT_FALSE(host_.adapters().at(0).started);
    const strings t = trace("failing_driver");
    ASSERT_GE(t.size(), 2u);
    EXPECT_EQ(t[t.size() - 2], "EvtDeviceD0Exit");
    EXPECT_EQ(t.back(), "EvtDeviceReleaseHardware");

    failing_driver_set_mode(FailNothing);
    EXPECT_TRUE(host_.start_device(dev).ok());
}

TEST_F(HostTest, StartAndStopOutOfOrderAreRefused)
{
    const host::device_id dev = started_device("test_driver");
    EXPECT_EQ(host_.start_device(dev).code(), status::busy);
    EXPECT_TRUE(log_.has("start: the device is already started"));
    ASSERT_TRUE(host_.stop_device(dev).ok());
    EXPECT_EQ(host_.stop_device(dev).code(), status::invalid_parameter);
    EXPECT_TRUE(log_.has("stop: the device is not started"));
    EXPECT_TRUE(host_.remove_device(dev).ok());
}

// ---- capabilities the framework refuses ------------------------------------------------------

TEST_F(HostTest, RefusedCapabilitiesSurfaceAsAHostError)
{
    auto drv = host_.load_driver("test_driver");
    ASSERT_TRUE(drv.ok());
    for (const auto& [key, value] :
         {std::pair{"rx_alignment", "3"}, std::pair{"rx_hint", "1000"}}) {
        SCOPED_TRACE(key);
        auto dev = host_.add_device(*drv, {{key, value}});
        ASSERT_TRUE(dev.ok());
        auto r = host_.start_device(*dev);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.code(), status::invalid_parameter);
        EXPECT_TRUE(r.err().message.starts_with("driver 'test_driver': adapter"))
            << r.err().message;
        EXPECT_NE(r.err().message.find("STATUS_INVALID_PARAMETER"), std::string::npos);
        EXPECT_NE(r.err().message.find(value), std::string::npos) << "names the offending value";

        auto p = host_.plan(*dev);
        ASSERT_TRUE(p.ok());
        EXPECT_EQ(p->errors, strings{r.err().message});
        EXPECT_TRUE(host_.remove_device(*dev).ok());
    }
    const strings t = trace();
    EXPECT_EQ(std::count(t.begin(), t.end(), "EvtDeviceD0Entry from D3Final"), 0);
    EXPECT_EQ(std::count(t.begin(), t.end(), "EvtDeviceReleaseHardware"), 2);
}

} // namespace
} // namespace netcx::test
