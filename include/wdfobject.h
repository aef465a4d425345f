/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The WDF object model: handles, object attributes, typed contexts, cleanup/destroy callbacks,
 * parent/child lifetime, WdfObjectDelete. Names, macros and semantics are KMDF's:
 * - every object may carry one typed context (zeroed), reachable from the handle;
 * - deleting an object deletes its children first (cleanup callbacks run children-first,
 *   then destroy callbacks), and an object with no explicit parent is a child of its natural
 *   parent (the driver for a device, the device for an adapter or DMA enabler).
 */
#ifndef NETCX_WDFOBJECT_H
#define NETCX_WDFOBJECT_H

#include <ntddk.h>

NETCX_EXTERN_C_BEGIN

typedef void* WDFOBJECT;
typedef WDFOBJECT* PWDFOBJECT;

#define DECLARE_HANDLE(name)                                                                       \
    struct name##__ {                                                                              \
        int unused;                                                                                \
    };                                                                                             \
    typedef struct name##__* name

DECLARE_HANDLE(WDFDRIVER);
DECLARE_HANDLE(WDFDEVICE);
DECLARE_HANDLE(WDFDMAENABLER);
DECLARE_HANDLE(WDFSTRING);
DECLARE_HANDLE(WDFCMRESLIST);

#define WDF_NO_OBJECT_ATTRIBUTES NULL
#define WDF_NO_HANDLE NULL
#define WDF_NO_CONTEXT NULL

typedef enum _WDF_TRI_STATE { WdfFalse = 0, WdfTrue = 1, WdfUseDefault = 2 } WDF_TRI_STATE;

typedef enum _WDF_EXECUTION_LEVEL {
    WdfExecutionLevelInvalid = 0,
    WdfExecutionLevelInheritFromParent,
    WdfExecutionLevelPassive,
    WdfExecutionLevelDispatch,
} WDF_EXECUTION_LEVEL;

typedef enum _WDF_SYNCHRONIZATION_SCOPE {
    WdfSynchronizationScopeInvalid = 0,
    WdfSynchronizationScopeInheritFromParent,
    WdfSynchronizationScopeDevice,
    WdfSynchronizationScopeQueue,
    WdfSynchronizationScopeNone,
} WDF_SYNCHRONIZATION_SCOPE;

typedef VOID EVT_WDF_OBJECT_CONTEXT_CLEANUP(WDFOBJECT Object);
typedef EVT_WDF_OBJECT_CONTEXT_CLEANUP* PFN_WDF_OBJECT_CONTEXT_CLEANUP;
typedef VOID EVT_WDF_OBJECT_CONTEXT_DESTROY(WDFOBJECT Object);
typedef EVT_WDF_OBJECT_CONTEXT_DESTROY* PFN_WDF_OBJECT_CONTEXT_DESTROY;

typedef struct _WDF_OBJECT_CONTEXT_TYPE_INFO {
    ULONG Size;
    PCSTR ContextName;
    size_t ContextSize;
    const struct _WDF_OBJECT_CONTEXT_TYPE_INFO* UniqueType;
    PVOID EvtDriverGetUniqueContextType;
} WDF_OBJECT_CONTEXT_TYPE_INFO, *PWDF_OBJECT_CONTEXT_TYPE_INFO;
typedef const WDF_OBJECT_CONTEXT_TYPE_INFO* PCWDF_OBJECT_CONTEXT_TYPE_INFO;

typedef struct _WDF_OBJECT_ATTRIBUTES {
    ULONG Size;
    PFN_WDF_OBJECT_CONTEXT_CLEANUP EvtCleanupCallback;
    PFN_WDF_OBJECT_CONTEXT_DESTROY EvtDestroyCallback;
    WDF_EXECUTION_LEVEL ExecutionLevel;
    WDF_SYNCHRONIZATION_SCOPE SynchronizationScope;
    WDFOBJECT ParentObject;
    size_t ContextSizeOverride;
    PCWDF_OBJECT_CONTEXT_TYPE_INFO ContextTypeInfo;
} WDF_OBJECT_ATTRIBUTES, *PWDF_OBJECT_ATTRIBUTES;

FORCEINLINE VOID WDF_OBJECT_ATTRIBUTES_INIT(PWDF_OBJECT_ATTRIBUTES Attributes)
{
    RtlZeroMemory(Attributes, sizeof(WDF_OBJECT_ATTRIBUTES));
    Attributes->Size = sizeof(WDF_OBJECT_ATTRIBUTES);
    Attributes->ExecutionLevel = WdfExecutionLevelInheritFromParent;
    Attributes->SynchronizationScope = WdfSynchronizationScopeInheritFromParent;
}

#define WDF_GET_CONTEXT_TYPE_INFO(_contexttype) (&_WDF_##_contexttype##_TYPE_INFO)

#define WDF_OBJECT_ATTRIBUTES_SET_CONTEXT_TYPE(_attributes, _contexttype)                          \
    (_attributes)->ContextTypeInfo = WDF_GET_CONTEXT_TYPE_INFO(_contexttype)->UniqueType

#define WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(_attributes, _contexttype)                         \
    WDF_OBJECT_ATTRIBUTES_INIT(_attributes);                                                       \
    WDF_OBJECT_ATTRIBUTES_SET_CONTEXT_TYPE(_attributes, _contexttype)

/* One type-info object per context type per module: `inline` in C++, weak in C (KMDF's
 * __declspec(selectany)). netcx matches types by this object, and by name and size across modules.
 */
#ifdef __cplusplus
#define NETCX_WDF_TYPE_INFO_STORAGE inline
#else
#define NETCX_WDF_TYPE_INFO_STORAGE __attribute__((weak))
#endif

#define WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(_contexttype, _castingfunction)                         \
    NETCX_WDF_TYPE_INFO_STORAGE const WDF_OBJECT_CONTEXT_TYPE_INFO                                 \
        _WDF_##_contexttype##_TYPE_INFO = {sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), #_contexttype,    \
                                           sizeof(_contexttype), &_WDF_##_contexttype##_TYPE_INFO, \
                                           NULL};                                                  \
    FORCEINLINE _contexttype* _castingfunction(WDFOBJECT Handle)                                   \
    {                                                                                              \
        return NETCX_CAST(_contexttype*, WdfObjectGetTypedContextWorker(                           \
                                             Handle, _WDF_##_contexttype##_TYPE_INFO.UniqueType)); \
    }                                                                                              \
    typedef _contexttype NETCX_WDF_CONTEXT_DECLARED_##_contexttype /* takes the caller's ';' */

#define WDF_DECLARE_CONTEXT_TYPE(_contexttype)                                                     \
    WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(_contexttype, WdfObjectGet_##_contexttype)

#define WdfObjectGetTypedContext(handle, type)                                                     \
    NETCX_CAST(type*, WdfObjectGetTypedContextWorker(NETCX_CAST(WDFOBJECT, handle),                \
                                                     WDF_GET_CONTEXT_TYPE_INFO(type)->UniqueType))

/** The context of `TypeInfo`'s type on `Handle`, or NULL (and a logged error) if it has none. */
PVOID WdfObjectGetTypedContextWorker(WDFOBJECT Handle, PCWDF_OBJECT_CONTEXT_TYPE_INFO TypeInfo);
/** Adds another typed context to an existing object. */
NTSTATUS WdfObjectAllocateContext(WDFOBJECT Handle, PWDF_OBJECT_ATTRIBUTES ContextAttributes,
                                  PVOID* Context);
/** The object that owns a context pointer. */
WDFOBJECT WdfObjectContextGetObject(PVOID ContextPointer);
/** A general object (a child of ParentObject, which is required). */
NTSTATUS WdfObjectCreate(PWDF_OBJECT_ATTRIBUTES Attributes, WDFOBJECT* Object);
/** Deletes the object and all its descendants: children first, cleanup then destroy callbacks. */
VOID WdfObjectDelete(WDFOBJECT Object);
/** Extra references keep an object's memory (not its children) alive past WdfObjectDelete. */
VOID WdfObjectReferenceActual(WDFOBJECT Handle, PVOID Tag, LONG Line, PCSTR File);
VOID WdfObjectDereferenceActual(WDFOBJECT Handle, PVOID Tag, LONG Line, PCSTR File);
#define WdfObjectReference(h)                                                                      \
    WdfObjectReferenceActual(NETCX_CAST(WDFOBJECT, h), NULL, __LINE__, __FILE__)
#define WdfObjectDereference(h)                                                                    \
    WdfObjectDereferenceActual(NETCX_CAST(WDFOBJECT, h), NULL, __LINE__, __FILE__)
#define WdfObjectReferenceWithTag(h, t)                                                            \
    WdfObjectReferenceActual(NETCX_CAST(WDFOBJECT, h), (t), __LINE__, __FILE__)
#define WdfObjectDereferenceWithTag(h, t)                                                          \
    WdfObjectDereferenceActual(NETCX_CAST(WDFOBJECT, h), (t), __LINE__, __FILE__)

NETCX_EXTERN_C_END

#endif /* NETCX_WDFOBJECT_H */
