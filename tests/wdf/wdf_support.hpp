// SPDX-License-Identifier: MIT
// Helpers for the WDF tests: a refusal matcher (status, exactly one line naming API, rule and
// NTSTATUS), a fixture that makes drivers and devices the way the host does and checks that every
// object is freed, and a tagged object whose cleanup/destroy callbacks record their order.
#pragma once

#include "support/log_capture.hpp"

#include "wdf/device.hpp"
#include "wdf/driver.hpp"
#include "wdf/object.hpp"

#include <netadapter.h>
#include <wdf.h>

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

/// A context that names its object, so callbacks can say whose they are.
struct tag_context {
    char name[32];
};
WDF_DECLARE_CONTEXT_TYPE(tag_context);

namespace netcx::test {

/// What the callbacks saw, in order: "cleanup A", "destroy A", ...
inline std::vector<std::string>& events()
{
    static std::vector<std::string> e;
    return e;
}

inline void record_cleanup(WDFOBJECT o)
{
    events().push_back(std::string{"cleanup "} + WdfObjectGet_tag_context(o)->name);
}

inline void record_destroy(WDFOBJECT o)
{
    events().push_back(std::string{"destroy "} + WdfObjectGet_tag_context(o)->name);
}

/// Attributes for a tagged object (context + both callbacks) under `parent`.
inline WDF_OBJECT_ATTRIBUTES tagged_attributes(WDFOBJECT parent)
{
    WDF_OBJECT_ATTRIBUTES a;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&a, tag_context);
    a.EvtCleanupCallback = record_cleanup;
    a.EvtDestroyCallback = record_destroy;
    a.ParentObject = parent;
    return a;
}

inline void name_object(WDFOBJECT o, std::string_view name)
{
    auto* t = WdfObjectGet_tag_context(o);
    const std::size_t n = std::min(name.size(), sizeof t->name - 1);
    std::memcpy(t->name, name.data(), n);
    t->name[n] = '\0';
}

/// A generic tagged object named `name` under `parent`.
inline WDFOBJECT make_tagged(WDFOBJECT parent, std::string_view name)
{
    auto a = tagged_attributes(parent);
    WDFOBJECT o = nullptr;
    EXPECT_EQ(WdfObjectCreate(&a, &o), STATUS_SUCCESS);
    if (o != nullptr)
        name_object(o, name);
    return o;
}

/// Runs `call`; checks it returns `expected` and logs exactly one line containing `api`,
/// `needle` and the NTSTATUS name.
template <class F>
::testing::AssertionResult refused(F&& call, NTSTATUS expected, std::string_view api,
                                   std::string_view needle)
{
    log_capture log;
    const NTSTATUS got = call();
    if (got != expected)
        return ::testing::AssertionFailure()
               << "returned " << wdf::ntstatus_name(got) << ", expected "
               << wdf::ntstatus_name(expected) << "\nlog:\n"
               << log.all();
    if (log.count() != 1)
        return ::testing::AssertionFailure() << log.count() << " lines logged, expected 1:\n"
                                             << log.all();
    const std::string line = log.all();
    if (line.find(api) == std::string::npos || line.find(needle) == std::string::npos ||
        line.find(wdf::ntstatus_name(expected)) == std::string::npos)
        return ::testing::AssertionFailure() << "the line lacks '" << api << "', '" << needle
                                             << "' or " << wdf::ntstatus_name(expected) << ":\n"
                                             << line;
    return ::testing::AssertionSuccess();
}

/// The same for calls that return nothing (VOID entry points, NULL-returning getters): exactly one
/// line naming `api`, `needle` and `expected`.
template <class F>
::testing::AssertionResult logged(F&& call, NTSTATUS expected, std::string_view api,
                                  std::string_view needle)
{
    return refused(
        [&] {
            call();
            return expected;
        },
        expected, api, needle);
}

inline NTSTATUS device_add_ok(WDFDRIVER, PWDFDEVICE_INIT)
{
    return STATUS_SUCCESS;
}

/// What a DriverEntry does: WDF_DRIVER_CONFIG_INIT, then WdfDriverCreate.
inline NTSTATUS test_driver_entry(PDRIVER_OBJECT driver_object, PUNICODE_STRING registry_path)
{
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, device_add_ok);
    return WdfDriverCreate(driver_object, registry_path, WDF_NO_OBJECT_ATTRIBUTES, &config,
                           WDF_NO_HANDLE);
}

inline wdf::object* object_of(WDFOBJECT h)
{
    return wdf::object::from_handle(h, "test");
}

/// Makes drivers and devices as the host does; at the end deletes them and checks nothing
/// outlived them.
class wdf_test : public ::testing::Test {
protected:
    void SetUp() override
    {
        events().clear();
        baseline_ = wdf::object::live_count();
    }

    void TearDown() override
    {
        for (auto& d : drivers_)
            if (d->created != nullptr)
                d->created->delete_tree();
        EXPECT_EQ(wdf::object::live_count(), baseline_) << "objects leaked";
    }

    /// A host-made DRIVER_OBJECT (not yet given to WdfDriverCreate).
    DRIVER_OBJECT& driver_object(std::string name = "test")
    {
        drivers_.push_back(std::make_unique<DRIVER_OBJECT>());
        drivers_.back()->name = std::move(name);
        return *drivers_.back();
    }

    /// A driver created by test_driver_entry.
    WDFDRIVER make_driver(std::string name = "test")
    {
        auto& os = driver_object(std::move(name));
        EXPECT_EQ(test_driver_entry(&os, nullptr), STATUS_SUCCESS);
        return os.created == nullptr ? nullptr : static_cast<WDFDRIVER>(os.created->handle());
    }

    /// The WDFDEVICE_INIT the host hands to EvtDriverDeviceAdd.
    static std::unique_ptr<WDFDEVICE_INIT> make_init(WDFDRIVER driver,
                                                     wdf::device_params params = {})
    {
        auto init = std::make_unique<WDFDEVICE_INIT>();
        init->driver = static_cast<wdf::driver*>(object_of(driver));
        init->params = std::move(params);
        init->space = std::make_unique<bm::identity_space>();
        init->space_name = "identity";
        return init;
    }

    /// NetAdapterDeviceInitConfig + WdfDeviceCreate, as EvtDriverDeviceAdd does.
    WDFDEVICE make_device(WDFDRIVER driver, const WDF_OBJECT_ATTRIBUTES* attributes = nullptr)
    {
        inits_.push_back(make_init(driver));
        PWDFDEVICE_INIT init = inits_.back().get();
        EXPECT_EQ(NetAdapterDeviceInitConfig(init), STATUS_SUCCESS);
        WDFDEVICE device = nullptr;
        auto a = attributes != nullptr ? *attributes : WDF_OBJECT_ATTRIBUTES{};
        EXPECT_EQ(WdfDeviceCreate(&init, attributes != nullptr ? &a : nullptr, &device),
                  STATUS_SUCCESS);
        return device;
    }

    std::size_t baseline_ = 0;
    std::vector<std::unique_ptr<DRIVER_OBJECT>> drivers_;
    std::vector<std::unique_ptr<WDFDEVICE_INIT>> inits_;
};

} // namespace netcx::test
