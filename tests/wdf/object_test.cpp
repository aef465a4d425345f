// SPDX-License-Identifier: MIT
// Objects and typed contexts: the attribute INITs and macros, zeroed aligned contexts found by
// type (by identity, or by name and size across modules), WdfObjectAllocateContext,
// WdfObjectContextGetObject, attribute validation, and status names.
#include "wdf_support.hpp"

#include <cstdint>
#include <thread>

namespace {

struct big_context {
    std::uint64_t words[40];
};
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(big_context, get_big);

struct other_context {
    int value;
};
WDF_DECLARE_CONTEXT_TYPE(other_context);

} // namespace

namespace netcx::test {
namespace {

template <class T>
void fill_garbage(T& s)
{
    std::memset(&s, 0xAB, sizeof s);
}

template <class T>
bool all_zero(const T* p, std::size_t bytes)
{
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < bytes; ++i)
        if (b[i] != 0)
            return false;
    return true;
}

TEST(WdfAttributes, InitSetsSizeAndInheritAndZeroesTheRest)
{
    WDF_OBJECT_ATTRIBUTES a;
    fill_garbage(a);
    WDF_OBJECT_ATTRIBUTES_INIT(&a);
    EXPECT_EQ(a.Size, sizeof(WDF_OBJECT_ATTRIBUTES));
    EXPECT_EQ(a.EvtCleanupCallback, nullptr);
    EXPECT_EQ(a.EvtDestroyCallback, nullptr);
    EXPECT_EQ(a.ExecutionLevel, WdfExecutionLevelInheritFromParent);
    EXPECT_EQ(a.SynchronizationScope, WdfSynchronizationScopeInheritFromParent);
    EXPECT_EQ(a.ParentObject, nullptr);
    EXPECT_EQ(a.ContextSizeOverride, 0u);
    EXPECT_EQ(a.ContextTypeInfo, nullptr);
}

TEST(WdfAttributes, InitContextTypeAlsoSetsTheTypeInfo)
{
    WDF_OBJECT_ATTRIBUTES a;
    fill_garbage(a);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&a, big_context);
    EXPECT_EQ(a.Size, sizeof(WDF_OBJECT_ATTRIBUTES));
    EXPECT_EQ(a.ExecutionLevel, WdfExecutionLevelInheritFromParent);
    EXPECT_EQ(a.SynchronizationScope, WdfSynchronizationScopeInheritFromParent);
    EXPECT_EQ(a.ParentObject, nullptr);
    EXPECT_EQ(a.ContextSizeOverride, 0u);
    EXPECT_EQ(a.ContextTypeInfo, &_WDF_big_context_TYPE_INFO);
    EXPECT_EQ(a.ContextTypeInfo, WDF_GET_CONTEXT_TYPE_INFO(big_context));
}

TEST(WdfAttributes, DeclareContextTypeFillsTheTypeInfo)
{
    const auto& t = _WDF_big_context_TYPE_INFO;
    EXPECT_EQ(t.Size, sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO));
    EXPECT_STREQ(t.ContextName, "big_context");
    EXPECT_EQ(t.ContextSize, sizeof(big_context));
    EXPECT_EQ(t.UniqueType, &t);
    EXPECT_EQ(t.EvtDriverGetUniqueContextType, nullptr);
    EXPECT_STREQ(_WDF_other_context_TYPE_INFO.ContextName, "other_context");
}

class WdfContext : public wdf_test {
protected:
    void SetUp() override
    {
        wdf_test::SetUp();
        driver_ = make_driver();
    }
    WDFOBJECT create(WDF_OBJECT_ATTRIBUTES& a)
    {
        a.ParentObject = driver_;
        WDFOBJECT o = nullptr;
        EXPECT_EQ(WdfObjectCreate(&a, &o), STATUS_SUCCESS);
        return o;
    }
    WDFDRIVER driver_ = nullptr;
};

TEST_F(WdfContext, IsZeroedAlignedAndFoundByEveryAccessor)
{
    WDF_OBJECT_ATTRIBUTES a;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&a, big_context);
    WDFOBJECT o = create(a);
    ASSERT_NE(o, nullptr);
    big_context* c = get_big(o);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(c) % 16, 0u);
    EXPECT_TRUE(all_zero(c, sizeof *c));
    EXPECT_EQ(WdfObjectGetTypedContext(o, big_context), c);
    EXPECT_EQ(WdfObjectGetTypedContextWorker(o, &_WDF_big_context_TYPE_INFO), c);
    EXPECT_EQ(WdfObjectContextGetObject(c), o);
    c->words[39] = 7; // the memory is the driver's to write
    EXPECT_EQ(get_big(o)->words[39], 7u);
}

TEST_F(WdfContext, SizeOverrideEnlargesTheZeroedContext)
{
    WDF_OBJECT_ATTRIBUTES a;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&a, other_context);
    a.ContextSizeOverride = 4096; // a variable-length context, as KMDF allows
    WDFOBJECT o = create(a);
    auto* c = WdfObjectGet_other_context(o);
    ASSERT_NE(c, nullptr);
    EXPECT_TRUE(all_zero(c, 4096));
    std::memset(c, 0x5A, 4096); // ASan flags this if fewer bytes were allocated
}

TEST_F(WdfContext, AllocateContextAddsASecondTypeAndRefusesNothingTwice)
{
    WDF_OBJECT_ATTRIBUTES a;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&a, big_context);
    WDFOBJECT o = create(a);
    WDF_OBJECT_ATTRIBUTES second;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&second, other_context);
    PVOID p = nullptr;
    ASSERT_EQ(WdfObjectAllocateContext(o, &second, &p), STATUS_SUCCESS);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p, WdfObjectGet_other_context(o));
    EXPECT_NE(p, static_cast<void*>(get_big(o)));
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u);
    EXPECT_EQ(WdfObjectGet_other_context(o)->value, 0);
    EXPECT_EQ(WdfObjectContextGetObject(p), o);
    EXPECT_EQ(WdfObjectContextGetObject(get_big(o)), o);

    // The same type again: KMDF's informational STATUS_OBJECT_NAME_EXISTS and the existing context.
    PVOID again = nullptr;
    const NTSTATUS s = WdfObjectAllocateContext(o, &second, &again);
    EXPECT_EQ(wdf::ntstatus_name(s), "STATUS_OBJECT_NAME_EXISTS");
    EXPECT_TRUE(NT_SUCCESS(s));
    EXPECT_EQ(again, p);
}

TEST_F(WdfContext, AllocateContextCallbacksRunAfterTheObjects)
{
    WDFOBJECT o = make_tagged(driver_, "o");
    WDF_OBJECT_ATTRIBUTES second;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&second, other_context);
    second.EvtCleanupCallback = [](WDFOBJECT h) {
        events().push_back("cleanup second of " + std::string{WdfObjectGet_tag_context(h)->name});
    };
    second.EvtDestroyCallback = [](WDFOBJECT h) {
        events().push_back("destroy second of " + std::string{WdfObjectGet_tag_context(h)->name});
    };
    ASSERT_EQ(WdfObjectAllocateContext(o, &second, nullptr), STATUS_SUCCESS);
    WdfObjectDelete(o);
    EXPECT_EQ(events(), (std::vector<std::string>{"cleanup o", "cleanup second of o", "destroy o",
                                                  "destroy second of o"}));
}

TEST_F(WdfContext, AllocateContextRefusals)
{
    WDFOBJECT o = make_tagged(driver_, "o");
    WDF_OBJECT_ATTRIBUTES a;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&a, other_context);
    PVOID p = nullptr;
    EXPECT_TRUE(refused([&] { return WdfObjectAllocateContext(o, nullptr, &p); },
                        STATUS_INVALID_PARAMETER, "WdfObjectAllocateContext",
                        "ContextAttributes is NULL"));
    WDF_OBJECT_ATTRIBUTES no_type;
    WDF_OBJECT_ATTRIBUTES_INIT(&no_type);
    EXPECT_TRUE(refused([&] { return WdfObjectAllocateContext(o, &no_type, &p); },
                        STATUS_INVALID_PARAMETER, "WdfObjectAllocateContext",
                        "ContextTypeInfo is NULL"));
    auto with_parent = a;
    with_parent.ParentObject = driver_;
    EXPECT_TRUE(refused([&] { return WdfObjectAllocateContext(o, &with_parent, &p); },
                        STATUS_INVALID_PARAMETER, "WdfObjectAllocateContext",
                        "ParentObject must be NULL"));
    auto bad_size = a;
    bad_size.Size = 12;
    EXPECT_TRUE(refused([&] { return WdfObjectAllocateContext(o, &bad_size, &p); },
                        STATUS_INFO_LENGTH_MISMATCH, "WdfObjectAllocateContext",
                        "WDF_OBJECT_ATTRIBUTES.Size is 12"));
    EXPECT_TRUE(refused([&] { return WdfObjectAllocateContext(nullptr, &a, &p); },
                        STATUS_INVALID_HANDLE, "WdfObjectAllocateContext", "NULL"));
    log_capture log;
    EXPECT_EQ(WdfObjectGet_other_context(o), nullptr) << "no refused call added a context";
    EXPECT_EQ(log.count(), 1u);
}

TEST_F(WdfContext, WrongTypeIsNullAndLogged)
{
    WDFOBJECT o = make_tagged(driver_, "o");
    other_context* c = nullptr;
    EXPECT_TRUE(logged([&] { c = WdfObjectGet_other_context(o); }, STATUS_NOT_FOUND,
                       "WdfObjectGetTypedContextWorker", "no context of type 'other_context'"));
    EXPECT_EQ(c, nullptr);
    WDFOBJECT bare = nullptr;
    WDF_OBJECT_ATTRIBUTES a;
    WDF_OBJECT_ATTRIBUTES_INIT(&a);
    bare = create(a);
    EXPECT_TRUE(logged([&] { c = WdfObjectGetTypedContext(bare, other_context); }, STATUS_NOT_FOUND,
                       "WdfObjectGetTypedContextWorker", "generic object"));
    EXPECT_EQ(c, nullptr);
    EXPECT_TRUE(
        logged([&] { c = static_cast<other_context*>(WdfObjectGetTypedContextWorker(o, nullptr)); },
               STATUS_INVALID_PARAMETER, "WdfObjectGetTypedContextWorker", "TypeInfo is NULL"));
}

TEST_F(WdfContext, AnotherModulesCopyOfTheTypeMatchesByNameAndSize)
{
    WDF_OBJECT_ATTRIBUTES a;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&a, big_context);
    WDFOBJECT o = create(a);
    // A driver .so and the framework each hold their own type info for the same context type.
    const WDF_OBJECT_CONTEXT_TYPE_INFO copy{sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "big_context",
                                            sizeof(big_context), nullptr, nullptr};
    EXPECT_EQ(WdfObjectGetTypedContextWorker(o, &copy), get_big(o));
    const WDF_OBJECT_CONTEXT_TYPE_INFO other_size{sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO),
                                                  "big_context", 8, nullptr, nullptr};
    log_capture log;
    EXPECT_EQ(WdfObjectGetTypedContextWorker(o, &other_size), nullptr);
    EXPECT_EQ(log.count(), 1u);
}

TEST_F(WdfContext, ContextGetObjectRefusesWhatIsNotAContext)
{
    WDF_OBJECT_ATTRIBUTES a;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&a, big_context);
    WDFOBJECT o = create(a);
    WDFOBJECT got = o;
    EXPECT_TRUE(logged([&] { got = WdfObjectContextGetObject(nullptr); }, STATUS_INVALID_PARAMETER,
                       "WdfObjectContextGetObject", "ContextPointer is NULL"));
    EXPECT_EQ(got, nullptr);
    got = o;
    EXPECT_TRUE(logged([&] { got = WdfObjectContextGetObject(&get_big(o)->words[1]); },
                       STATUS_INVALID_PARAMETER, "WdfObjectContextGetObject",
                       "is not the start of an object's context"));
    EXPECT_EQ(got, nullptr);
    log_capture log;
    int on_stack = 0;
    EXPECT_EQ(WdfObjectContextGetObject(&on_stack), nullptr);
    EXPECT_EQ(WdfObjectContextGetObject(o), nullptr) << "a handle is not a context";
    EXPECT_EQ(log.count(), 2u);
}

TEST_F(WdfContext, ContextOfADeletedObjectMapsToNothing)
{
    WDF_OBJECT_ATTRIBUTES a;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&a, big_context);
    WDFOBJECT o = create(a);
    void* c = get_big(o);
    WdfObjectDelete(o);
    log_capture log;
    EXPECT_EQ(WdfObjectContextGetObject(c), nullptr);
    EXPECT_EQ(log.count(), 1u);
}

// Attribute validation, through WdfObjectCreate (every create entry point shares it).
class WdfAttributeRules : public WdfContext {
protected:
    NTSTATUS create_with(WDF_OBJECT_ATTRIBUTES a)
    {
        out_ = reinterpret_cast<WDFOBJECT>(std::uintptr_t{1});
        const NTSTATUS s = WdfObjectCreate(&a, &out_);
        if (!NT_SUCCESS(s)) {
            EXPECT_EQ(out_, nullptr) << "a refused create leaves the handle NULL";
        }
        return s;
    }
    WDF_OBJECT_ATTRIBUTES valid()
    {
        WDF_OBJECT_ATTRIBUTES a;
        WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&a, other_context);
        a.ParentObject = driver_;
        return a;
    }
    WDFOBJECT out_ = nullptr;
};

TEST_F(WdfAttributeRules, ValidAttributesCreate)
{
    EXPECT_EQ(create_with(valid()), STATUS_SUCCESS);
    EXPECT_NE(WdfObjectGet_other_context(out_), nullptr);
    EXPECT_EQ(object_of(out_)->parent(), object_of(driver_));
    EXPECT_EQ(object_of(out_)->kind(), wdf::object_kind::generic);
}

TEST_F(WdfAttributeRules, SizeMustMatch)
{
    for (ULONG size : {0u, 8u, static_cast<ULONG>(sizeof(WDF_OBJECT_ATTRIBUTES) + 8)}) {
        auto a = valid();
        a.Size = size;
        EXPECT_TRUE(refused([&] { return create_with(a); }, STATUS_INFO_LENGTH_MISMATCH,
                            "WdfObjectCreate",
                            fmt::format("WDF_OBJECT_ATTRIBUTES.Size is {}", size)));
    }
}

TEST_F(WdfAttributeRules, ParentMustBeALiveObject)
{
    int not_an_object = 0;
    for (void* parent : {static_cast<void*>(&not_an_object),
                         reinterpret_cast<void*>(std::uintptr_t{0xdeadbeef})}) {
        auto a = valid();
        a.ParentObject = parent;
        EXPECT_TRUE(refused([&] { return create_with(a); }, STATUS_INVALID_HANDLE,
                            "WdfObjectCreate", "ParentObject"));
    }
    auto a = valid();
    a.ParentObject = nullptr;
    EXPECT_TRUE(refused([&] { return create_with(a); }, STATUS_INVALID_PARAMETER, "WdfObjectCreate",
                        "a generic object needs a parent"));
}

TEST_F(WdfAttributeRules, ParentMustNotBeBeingDeleted)
{
    WDFOBJECT parent = make_tagged(driver_, "p");
    WdfObjectReference(parent);
    WdfObjectDelete(parent); // kept by the reference, but deleted
    auto a = valid();
    a.ParentObject = parent;
    EXPECT_TRUE(refused([&] { return create_with(a); }, STATUS_INVALID_DEVICE_STATE,
                        "WdfObjectCreate", "is being deleted"));
    WdfObjectDereference(parent);
}

TEST_F(WdfAttributeRules, LevelsScopesAndContextInfoAreChecked)
{
    auto level = valid();
    level.ExecutionLevel = WdfExecutionLevelInvalid;
    EXPECT_TRUE(refused([&] { return create_with(level); }, STATUS_INVALID_PARAMETER,
                        "WdfObjectCreate", "ExecutionLevel 0"));
    level.ExecutionLevel = static_cast<WDF_EXECUTION_LEVEL>(9);
    EXPECT_TRUE(refused([&] { return create_with(level); }, STATUS_INVALID_PARAMETER,
                        "WdfObjectCreate", "ExecutionLevel 9"));
    auto scope = valid();
    scope.SynchronizationScope = static_cast<WDF_SYNCHRONIZATION_SCOPE>(42);
    EXPECT_TRUE(refused([&] { return create_with(scope); }, STATUS_INVALID_PARAMETER,
                        "WdfObjectCreate", "SynchronizationScope 42"));
    auto override_alone = valid();
    override_alone.ContextTypeInfo = nullptr;
    override_alone.ContextSizeOverride = 64;
    EXPECT_TRUE(refused([&] { return create_with(override_alone); }, STATUS_INVALID_PARAMETER,
                        "WdfObjectCreate", "ContextSizeOverride is 64 but ContextTypeInfo"));
    const WDF_OBJECT_CONTEXT_TYPE_INFO bad_info{4, "x", 8, nullptr, nullptr};
    auto info = valid();
    info.ContextTypeInfo = &bad_info;
    EXPECT_TRUE(refused([&] { return create_with(info); }, STATUS_INFO_LENGTH_MISMATCH,
                        "WdfObjectCreate", "context type info's Size is 4"));
    const WDF_OBJECT_CONTEXT_TYPE_INFO empty{sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "empty", 0,
                                             nullptr, nullptr};
    info.ContextTypeInfo = &empty;
    EXPECT_TRUE(refused([&] { return create_with(info); }, STATUS_INVALID_PARAMETER,
                        "WdfObjectCreate", "'empty' has a size of 0"));
    for (auto l : {WdfExecutionLevelPassive, WdfExecutionLevelDispatch}) {
        auto ok = valid();
        ok.ExecutionLevel = l;
        ok.SynchronizationScope = WdfSynchronizationScopeNone;
        EXPECT_EQ(create_with(ok), STATUS_SUCCESS);
    }
}

TEST_F(WdfAttributeRules, CreateNeedsAttributesAndAnOutput)
{
    auto a = valid();
    EXPECT_TRUE(refused([&] { return WdfObjectCreate(&a, nullptr); }, STATUS_INVALID_PARAMETER,
                        "WdfObjectCreate", "Object (the output handle) is NULL"));
    WDFOBJECT o = nullptr;
    EXPECT_TRUE(refused([&] { return WdfObjectCreate(nullptr, &o); }, STATUS_INVALID_PARAMETER,
                        "WdfObjectCreate", "needs a ParentObject"));
}

TEST(WdfStatus, NamesAndMapping)
{
    EXPECT_EQ(wdf::ntstatus_name(STATUS_INVALID_PARAMETER), "STATUS_INVALID_PARAMETER");
    EXPECT_EQ(wdf::ntstatus_name(STATUS_SUCCESS), "STATUS_SUCCESS");
    EXPECT_EQ(wdf::ntstatus_name(STATUS_INFO_LENGTH_MISMATCH), "STATUS_INFO_LENGTH_MISMATCH");
    EXPECT_EQ(wdf::ntstatus_name(static_cast<NTSTATUS>(0xC0001234)), "0xC0001234");
    EXPECT_EQ(wdf::to_ntstatus(status::ok), STATUS_SUCCESS);
    EXPECT_EQ(wdf::to_ntstatus(status::invalid_parameter), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(wdf::to_ntstatus(status::integer_overflow), STATUS_INTEGER_OVERFLOW);
    EXPECT_EQ(wdf::to_ntstatus(status::no_memory), STATUS_INSUFFICIENT_RESOURCES);
    EXPECT_EQ(wdf::to_ntstatus(status::not_supported), STATUS_NOT_SUPPORTED);
    EXPECT_EQ(wdf::to_ntstatus(status::access_denied), STATUS_ACCESS_DENIED);
    EXPECT_EQ(wdf::to_ntstatus(status::busy), STATUS_INVALID_DEVICE_STATE);
    EXPECT_FALSE(NT_SUCCESS(wdf::to_ntstatus(status::fault_injected)));
    EXPECT_FALSE(NT_SUCCESS(wdf::to_ntstatus(status::address_unreachable)));
    EXPECT_EQ(wdf::to_string(wdf::object_kind::dma_enabler), "DMA enabler");
}

// The registry is locked: lookups on one tree are safe while another thread builds and deletes
// another (TSan checks this).
TEST_F(WdfContext, LookupsRaceSafelyWithCreationElsewhere)
{
    WDFDRIVER other = make_driver("other");
    WDFOBJECT stable = make_tagged(driver_, "stable");
    std::thread churn{[&] {
        for (int i = 0; i < 500; ++i) {
            WDFOBJECT o = make_tagged(other, "churn");
            WdfObjectDelete(o);
        }
    }};
    int misses = 0;
    {
        log_capture quiet; // the garbage lookups log; keep stderr clean
        for (int i = 0; i < 500; ++i) {
            if (WdfObjectGet_tag_context(stable) == nullptr)
                ++misses;
            if (WdfObjectGetTypedContextWorker(reinterpret_cast<WDFOBJECT>(std::uintptr_t{0x10}),
                                               &_WDF_tag_context_TYPE_INFO) != nullptr)
                ++misses;
        }
    }
    churn.join();
    EXPECT_EQ(misses, 0);
}

} // namespace
} // namespace netcx::test
