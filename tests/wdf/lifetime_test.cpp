// SPDX-License-Identifier: MIT
// Lifetime: parent/child deletion order (children first, last created first), cleanup before
// destroy, references that keep memory but not children, and every entry point refusing null,
// deleted, wrong-kind and forged handles without touching them.
#include "wdf_support.hpp"

#include "wdf/dma_enabler.hpp"

#include <wdf.h>

#include <cstdint>
#include <functional>
#include <thread>

namespace netcx::test {
namespace {

using strings = std::vector<std::string>;

class WdfLifetime : public wdf_test {
protected:
    void SetUp() override
    {
        wdf_test::SetUp();
        driver_ = make_driver();
    }
    WDFDRIVER driver_ = nullptr;
};

TEST_F(WdfLifetime, DeleteRunsChildrenFirstLastCreatedFirstCleanupBeforeDestroy)
{
    WDFOBJECT p = make_tagged(driver_, "P");
    WDFOBJECT a = make_tagged(p, "A");
    make_tagged(a, "A1");
    make_tagged(a, "A2");
    make_tagged(p, "B");
    const std::size_t before = wdf::object::live_count();
    WdfObjectDelete(p);
    EXPECT_EQ(events(),
              (strings{"cleanup B", "destroy B", "cleanup A2", "destroy A2", "cleanup A1",
                       "destroy A1", "cleanup A", "destroy A", "cleanup P", "destroy P"}));
    EXPECT_EQ(wdf::object::live_count(), before - 5);
    log_capture log;
    EXPECT_EQ(WdfObjectGet_tag_context(a), nullptr) << "the handle is dead";
    EXPECT_TRUE(log.has("is not a live WDF object"));
}

TEST_F(WdfLifetime, DeletingAChildUnlinksItFromItsParent)
{
    WDFOBJECT p = make_tagged(driver_, "P");
    WDFOBJECT a = make_tagged(p, "A");
    make_tagged(p, "B");
    WdfObjectDelete(a);
    EXPECT_EQ(events(), (strings{"cleanup A", "destroy A"}));
    EXPECT_EQ(object_of(p)->children().size(), 1u);
    events().clear();
    WdfObjectDelete(p);
    EXPECT_EQ(events(), (strings{"cleanup B", "destroy B", "cleanup P", "destroy P"}));
}

TEST_F(WdfLifetime, DeletingTheDriverDeletesItsDevicesAndTheirChildren)
{
    WDF_OBJECT_ATTRIBUTES da = tagged_attributes(nullptr);
    WDFDEVICE device = make_device(driver_, &da);
    ASSERT_NE(device, nullptr);
    name_object(device, "device");
    make_tagged(device, "first");
    WDF_DMA_ENABLER_CONFIG config;
    WDF_DMA_ENABLER_CONFIG_INIT(&config, WdfDmaProfileScatterGather64, 65536);
    WDF_OBJECT_ATTRIBUTES ea = tagged_attributes(nullptr);
    WDFDMAENABLER enabler = nullptr;
    ASSERT_EQ(WdfDmaEnablerCreate(device, &config, &ea, &enabler), STATUS_SUCCESS);
    name_object(enabler, "enabler");
    make_tagged(device, "last");
    EXPECT_EQ(object_of(enabler)->parent(), object_of(device));

    object_of(driver_)->delete_tree(); // what the host does at unload
    EXPECT_EQ(events(),
              (strings{"cleanup last", "destroy last", "cleanup enabler", "destroy enabler",
                       "cleanup first", "destroy first", "cleanup device", "destroy device"}));
    EXPECT_EQ(drivers_.back()->created, nullptr) << "the DRIVER_OBJECT can be used again";
}

TEST_F(WdfLifetime, AReferenceKeepsMemoryAndContextButNotChildren)
{
    WDFOBJECT p = make_tagged(driver_, "P");
    WDFOBJECT a = make_tagged(p, "A");
    make_tagged(a, "A1");
    WdfObjectReference(a);
    WdfObjectDelete(p);
    // A was deleted (its child and its cleanup ran) but not destroyed; P waits for its child.
    EXPECT_EQ(events(), (strings{"cleanup A1", "destroy A1", "cleanup A", "cleanup P"}));
    EXPECT_TRUE(object_of(a)->deleting());
    EXPECT_TRUE(object_of(a)->children().empty());
    EXPECT_STREQ(WdfObjectGet_tag_context(a)->name, "A") << "context reachable until destroy";
    events().clear();
    WdfObjectDereference(a);
    EXPECT_EQ(events(), (strings{"destroy A", "destroy P"})) << "destroy: children before parents";
}

TEST_F(WdfLifetime, ReferencesCountAndExtraDereferencesAreRefused)
{
    WDFOBJECT a = make_tagged(driver_, "A");
    WdfObjectReference(a);
    WdfObjectReferenceWithTag(a, &a);
    WdfObjectDereference(a);
    EXPECT_TRUE(logged([&] { WdfObjectDereference(nullptr); }, STATUS_INVALID_HANDLE,
                       "WdfObjectDereference", "NULL"));
    WdfObjectDelete(a);
    EXPECT_EQ(events(), (strings{"cleanup A"}));
    WdfObjectDereferenceWithTag(a, &a);
    EXPECT_EQ(events(), (strings{"cleanup A", "destroy A"}));

    WDFOBJECT b = make_tagged(driver_, "B");
    EXPECT_TRUE(logged([&] { WdfObjectDereference(b); }, STATUS_INVALID_PARAMETER,
                       "WdfObjectDereference", "no reference from WdfObjectReference to drop"));
    EXPECT_STREQ(WdfObjectGet_tag_context(b)->name, "B") << "still alive";
}

TEST_F(WdfLifetime, DeletingTwiceOrDeletingWhatTheFrameworkOwnsIsRefused)
{
    WDFOBJECT a = make_tagged(driver_, "A");
    WdfObjectReference(a);
    WdfObjectDelete(a);
    EXPECT_TRUE(logged([&] { WdfObjectDelete(a); }, STATUS_INVALID_DEVICE_STATE, "WdfObjectDelete",
                       "already being deleted"));
    WdfObjectDereference(a);
    EXPECT_EQ(events(), (strings{"cleanup A", "destroy A"}));

    WDFDEVICE device = make_device(driver_);
    EXPECT_TRUE(logged([&] { WdfObjectDelete(device); }, STATUS_INVALID_DEVICE_REQUEST,
                       "WdfObjectDelete", "a device"));
    EXPECT_TRUE(logged([&] { WdfObjectDelete(driver_); }, STATUS_INVALID_DEVICE_REQUEST,
                       "WdfObjectDelete", "a driver"));
    EXPECT_EQ(WdfDeviceGetDriver(device), driver_) << "both still alive";
}

TEST_F(WdfLifetime, CleanupCallbacksMayUseTheParentAndDeleteSiblings)
{
    static WDFOBJECT sibling = nullptr;
    WDFOBJECT p = make_tagged(driver_, "P");
    sibling = make_tagged(p, "S");
    auto a = tagged_attributes(p);
    a.EvtCleanupCallback = [](WDFOBJECT o) {
        record_cleanup(o);
        // A driver's cleanup reaching its parent's context and deleting another object.
        auto* parent = netcx::wdf::object::from_handle(o, "test")->parent();
        events().push_back(std::string{"parent is "} +
                           WdfObjectGet_tag_context(parent->handle())->name);
        WdfObjectDelete(sibling);
    };
    WDFOBJECT c = nullptr;
    ASSERT_EQ(WdfObjectCreate(&a, &c), STATUS_SUCCESS);
    name_object(c, "C");
    WdfObjectDelete(p);
    EXPECT_EQ(events(), (strings{"cleanup C", "parent is P", "cleanup S", "destroy S", "destroy C",
                                 "cleanup P", "destroy P"}));
}

TEST_F(WdfLifetime, ACleanupCallbackDeletingItsParentDoesNotLoop)
{
    static WDFOBJECT parent = nullptr;
    parent = make_tagged(driver_, "P");
    auto a = tagged_attributes(parent);
    a.EvtCleanupCallback = [](WDFOBJECT o) {
        record_cleanup(o);
        WdfObjectDelete(parent);
    };
    WDFOBJECT c = nullptr;
    ASSERT_EQ(WdfObjectCreate(&a, &c), STATUS_SUCCESS);
    name_object(c, "C");
    WdfObjectDelete(c);
    EXPECT_EQ(events(), (strings{"cleanup C", "cleanup P", "destroy C", "destroy P"}));
}

TEST_F(WdfLifetime, ReferencesFromManyThreadsDestroyOnce)
{
    WDFOBJECT a = make_tagged(driver_, "A");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([a] {
            for (int i = 0; i < 1000; ++i) {
                WdfObjectReference(a);
                WdfObjectDereference(a);
            }
            WdfObjectReference(a);
        });
    for (auto& t : threads)
        t.join();
    WdfObjectDelete(a);
    EXPECT_EQ(events(), (strings{"cleanup A"}));
    threads.clear();
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([a] { WdfObjectDereference(a); });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(events(), (strings{"cleanup A", "destroy A"}));
}

// Every entry point that takes a handle, and the handle kinds a buggy driver passes.
struct entry_point {
    const char* api;
    std::function<void(WDFOBJECT)> call;
    bool typed; // takes one kind of handle (a generic object is the wrong kind)
};

std::vector<entry_point> entry_points()
{
    return {
        {"WdfObjectGetTypedContextWorker",
         [](WDFOBJECT h) { EXPECT_EQ(WdfObjectGet_tag_context(h), nullptr); }, false},
        {"WdfObjectAllocateContext",
         [](WDFOBJECT h) {
             WDF_OBJECT_ATTRIBUTES a;
             WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&a, tag_context);
             PVOID c = &a;
             EXPECT_EQ(WdfObjectAllocateContext(h, &a, &c), STATUS_INVALID_HANDLE);
         },
         false},
        {"WdfObjectDelete", [](WDFOBJECT h) { WdfObjectDelete(h); }, false},
        {"WdfObjectReference", [](WDFOBJECT h) { WdfObjectReference(h); }, false},
        {"WdfObjectDereference", [](WDFOBJECT h) { WdfObjectDereference(h); }, false},
        {"WdfDeviceGetDriver",
         [](WDFOBJECT h) { EXPECT_EQ(WdfDeviceGetDriver(static_cast<WDFDEVICE>(h)), nullptr); },
         true},
        {"WdfDmaEnablerCreate",
         [](WDFOBJECT h) {
             WDF_DMA_ENABLER_CONFIG c;
             WDF_DMA_ENABLER_CONFIG_INIT(&c, WdfDmaProfileScatterGather64, 4096);
             WDFDMAENABLER e = nullptr;
             EXPECT_FALSE(
                 NT_SUCCESS(WdfDmaEnablerCreate(static_cast<WDFDEVICE>(h), &c, nullptr, &e)));
             EXPECT_EQ(e, nullptr);
         },
         true},
        {"WdfDmaEnablerGetMaximumLength",
         [](WDFOBJECT h) {
             EXPECT_EQ(WdfDmaEnablerGetMaximumLength(static_cast<WDFDMAENABLER>(h)), 0u);
         },
         true},
        {"WdfDmaEnablerGetMaximumScatterGatherElements",
         [](WDFOBJECT h) {
             EXPECT_EQ(WdfDmaEnablerGetMaximumScatterGatherElements(static_cast<WDFDMAENABLER>(h)),
                       0u);
         },
         true},
        {"WdfDmaEnablerSetMaximumScatterGatherElements",
         [](WDFOBJECT h) {
             WdfDmaEnablerSetMaximumScatterGatherElements(static_cast<WDFDMAENABLER>(h), 4);
         },
         true},
        {"WdfStringGetUnicodeString",
         [](WDFOBJECT h) {
             UNICODE_STRING s{2, 4, nullptr};
             WdfStringGetUnicodeString(static_cast<WDFSTRING>(h), &s);
             EXPECT_EQ(s.Length, 2) << "the output is untouched";
         },
         true},
    };
}

TEST_F(WdfLifetime, EveryEntryPointRefusesBadHandlesWithoutTouchingThem)
{
    int not_an_object = 0;
    // A deleted object's handle: freed memory, so any read of it is an ASan error.
    WDFOBJECT dead = make_tagged(driver_, "dead");
    WdfObjectDelete(dead);
    const std::pair<const char*, WDFOBJECT> bad[] = {
        {"is NULL", nullptr},
        {"is not a live WDF object", dead},
        {"is not a live WDF object", &not_an_object},
        {"is not a live WDF object", reinterpret_cast<WDFOBJECT>(std::uintptr_t{0x8})},
        {"is not a live WDF object", reinterpret_cast<WDFOBJECT>(~std::uintptr_t{0} - 7)},
    };
    for (const auto& ep : entry_points())
        for (const auto& [needle, h] : bad)
            EXPECT_TRUE(logged([&] { ep.call(h); }, STATUS_INVALID_HANDLE, ep.api, needle))
                << ep.api << " with " << h;
}

TEST_F(WdfLifetime, TypedEntryPointsRefuseTheWrongKind)
{
    WDFOBJECT generic = make_tagged(driver_, "generic");
    for (const auto& ep : entry_points())
        if (ep.typed) {
            EXPECT_TRUE(logged([&] { ep.call(generic); }, STATUS_OBJECT_TYPE_MISMATCH, ep.api,
                               "is a generic object, not a"))
                << ep.api;
        }
    EXPECT_STREQ(WdfObjectGet_tag_context(generic)->name, "generic");
}

} // namespace
} // namespace netcx::test
