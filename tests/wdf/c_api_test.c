/* SPDX-License-Identifier: MIT */
/* A client driver's use of the WDF headers, in C11: contexts, attributes, driver config, device
 * creation and a DMA enabler. Compiling it is half the test; c_api_test.cpp runs it. */
#include "c_api_test.h"

#include <netadaptercx.h>

typedef struct _C_DRIVER_CONTEXT {
    ULONG DevicesAdded;
} C_DRIVER_CONTEXT, *PC_DRIVER_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(C_DRIVER_CONTEXT, CDriverGetContext);
typedef struct _C_DEVICE_CONTEXT {
    WDFDMAENABLER DmaEnabler;
    ULONG Magic;
} C_DEVICE_CONTEXT, *PC_DEVICE_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(C_DEVICE_CONTEXT, CDeviceGetContext);
typedef struct _C_EXTRA {
    UCHAR Bytes[24];
} C_EXTRA;
WDF_DECLARE_CONTEXT_TYPE(C_EXTRA);
static const char* g_device_add_result = "EvtDriverDeviceAdd did not run";
static int g_cleanups;

static VOID CObjectCleanup(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    ++g_cleanups;
}

static NTSTATUS CEvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    NTSTATUS status;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_PNPPOWER_EVENT_CALLBACKS pnp;
    WDF_DMA_ENABLER_CONFIG dma;
    WDFDEVICE device;
    PC_DEVICE_CONTEXT context;

    status = NetAdapterDeviceInitConfig(DeviceInit);
    if (!NT_SUCCESS(status))
        return status;
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnp);
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnp);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, C_DEVICE_CONTEXT);
    status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    if (!NT_SUCCESS(status))
        return status;
    if (DeviceInit != NULL) {
        g_device_add_result = "WdfDeviceCreate did not consume DeviceInit";
        return STATUS_UNSUCCESSFUL;
    }
    context = CDeviceGetContext(device);
    if (context == NULL || context->Magic != 0 || context->DmaEnabler != NULL) {
        g_device_add_result = "the device context is missing or not zeroed";
        return STATUS_UNSUCCESSFUL;
    }
    context->Magic = 0x4e455458;
    WDF_DMA_ENABLER_CONFIG_INIT(&dma, WdfDmaProfileScatterGather64, 65536);
    status = WdfDmaEnablerCreate(device, &dma, WDF_NO_OBJECT_ATTRIBUTES, &context->DmaEnabler);
    if (!NT_SUCCESS(status))
        return status;
    WdfDmaEnablerSetMaximumScatterGatherElements(context->DmaEnabler, 8);
    if (WdfDmaEnablerGetMaximumScatterGatherElements(context->DmaEnabler) != 8 ||
        WdfDmaEnablerGetMaximumLength(context->DmaEnabler) != 65536) {
        g_device_add_result = "the DMA enabler lost its limits";
        return STATUS_UNSUCCESSFUL;
    }
    if (WdfDeviceGetDriver(device) != Driver) {
        g_device_add_result = "WdfDeviceGetDriver is not the driver";
        return STATUS_UNSUCCESSFUL;
    }
    CDriverGetContext(Driver)->DevicesAdded++;
    g_device_add_result = NULL;
    return STATUS_SUCCESS;
}

NTSTATUS c_driver_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFDRIVER driver = WDF_NO_HANDLE;
    NTSTATUS status;

    WDF_DRIVER_CONFIG_INIT(&config, CEvtDeviceAdd);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, C_DRIVER_CONTEXT);
    status = WdfDriverCreate(DriverObject, RegistryPath, &attributes, &config, &driver);
    if (NT_SUCCESS(status) && (driver == NULL || CDriverGetContext(driver)->DevicesAdded != 0))
        return STATUS_UNSUCCESSFUL;
    KdPrint(("c_driver_entry: %s\n", NT_SUCCESS(status) ? "ok" : "failed"));
    return status;
}

const char* c_device_add_result(void)
{
    return g_device_add_result;
}

const char* c_init_defaults(void)
{
    WDF_OBJECT_ATTRIBUTES a;
    WDF_DRIVER_CONFIG d;
    WDF_PNPPOWER_EVENT_CALLBACKS p;
    WDF_DMA_ENABLER_CONFIG e;

    memset(&a, 0xAB, sizeof a);
    WDF_OBJECT_ATTRIBUTES_INIT(&a);
    if (a.Size != sizeof a || a.ExecutionLevel != WdfExecutionLevelInheritFromParent ||
        a.SynchronizationScope != WdfSynchronizationScopeInheritFromParent ||
        a.ParentObject != NULL || a.ContextTypeInfo != NULL || a.ContextSizeOverride != 0 ||
        a.EvtCleanupCallback != NULL || a.EvtDestroyCallback != NULL)
        return "WDF_OBJECT_ATTRIBUTES_INIT";
    memset(&a, 0xAB, sizeof a);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&a, C_EXTRA);
    if (a.Size != sizeof a || a.ContextTypeInfo != WDF_GET_CONTEXT_TYPE_INFO(C_EXTRA) ||
        a.ParentObject != NULL)
        return "WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE";
    if (_WDF_C_EXTRA_TYPE_INFO.ContextSize != sizeof(C_EXTRA) ||
        strcmp(_WDF_C_EXTRA_TYPE_INFO.ContextName, "C_EXTRA") != 0 ||
        _WDF_C_EXTRA_TYPE_INFO.UniqueType != &_WDF_C_EXTRA_TYPE_INFO)
        return "WDF_DECLARE_CONTEXT_TYPE";
    memset(&d, 0xAB, sizeof d);
    WDF_DRIVER_CONFIG_INIT(&d, CEvtDeviceAdd);
    if (d.Size != sizeof d || d.EvtDriverDeviceAdd != CEvtDeviceAdd || d.EvtDriverUnload != NULL ||
        d.DriverInitFlags != 0 || d.DriverPoolTag != 0)
        return "WDF_DRIVER_CONFIG_INIT";
    memset(&p, 0xAB, sizeof p);
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&p);
    if (p.Size != sizeof p || p.EvtDeviceD0Entry != NULL || p.EvtDeviceReleaseHardware != NULL ||
        p.EvtDeviceUsageNotificationEx != NULL)
        return "WDF_PNPPOWER_EVENT_CALLBACKS_INIT";
    memset(&e, 0xAB, sizeof e);
    WDF_DMA_ENABLER_CONFIG_INIT(&e, WdfDmaProfilePacket, 1514);
    if (e.Size != sizeof e || e.Profile != WdfDmaProfilePacket || e.MaximumLength != 1514 ||
        e.AddressWidthOverride != 0 || e.WdmDmaVersionOverride != 0 || e.Flags != 0 ||
        e.EvtDmaEnablerFill != NULL)
        return "WDF_DMA_ENABLER_CONFIG_INIT";
    if (!NT_SUCCESS(STATUS_SUCCESS) || NT_SUCCESS(STATUS_INVALID_PARAMETER))
        return "NT_SUCCESS";
    return NULL;
}

const char* c_contexts(WDFOBJECT parent)
{
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFOBJECT object = NULL;
    PVOID extra = NULL;
    C_EXTRA* typed;
    ULONG i;

    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, C_DEVICE_CONTEXT);
    attributes.ParentObject = parent;
    attributes.EvtCleanupCallback = CObjectCleanup;
    if (!NT_SUCCESS(WdfObjectCreate(&attributes, &object)) || object == NULL)
        return "WdfObjectCreate";
    if (CDeviceGetContext(object) != WdfObjectGetTypedContext(object, C_DEVICE_CONTEXT) ||
        CDeviceGetContext(object) == NULL)
        return "WdfObjectGetTypedContext";
    if (WdfObjectContextGetObject(CDeviceGetContext(object)) != object)
        return "WdfObjectContextGetObject";

    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, C_EXTRA);
    if (WdfObjectAllocateContext(object, &attributes, &extra) != STATUS_SUCCESS || extra == NULL)
        return "WdfObjectAllocateContext";
    typed = WdfObjectGet_C_EXTRA(object);
    if ((PVOID)typed != extra)
        return "WdfObjectGet_C_EXTRA";
    for (i = 0; i < sizeof typed->Bytes; ++i)
        if (typed->Bytes[i] != 0)
            return "the second context is not zeroed";

    WdfObjectReference(object);
    g_cleanups = 0;
    WdfObjectDelete(object);
    if (g_cleanups != 1)
        return "EvtCleanupCallback";
    if (CDeviceGetContext(object) == NULL)
        return "a referenced object's context is gone";
    WdfObjectDereference(object);
    return NULL;
}
