/* SPDX-License-Identifier: MIT */
/*
 * A driver that fails on purpose, at one step chosen by its mode (see test_drivers.h), and
 * otherwise behaves: system-managed Rx and Tx without DMA. Built in, the test sets the mode; as a
 * shared object the mode is FAILING_DRIVER_DEFAULT_MODE, fixed at compile time.
 *
 * Every callback is traced with DbgPrint ("failing_driver: <callback>").
 */
#include "test_drivers.h"

#ifdef NETCX_TEST_BUILTIN
#define FAILING_DRIVER_ENTRY failing_driver_entry
#else
#define FAILING_DRIVER_ENTRY DriverEntry
#endif

#ifndef FAILING_DRIVER_DEFAULT_MODE
#define FAILING_DRIVER_DEFAULT_MODE FailNothing
#endif

#define TRACE(...) DbgPrint("failing_driver: " __VA_ARGS__)

#define FAILING_FRAME_SIZE 1514

static FAILING_DRIVER_MODE g_mode = FAILING_DRIVER_DEFAULT_MODE;

#ifdef NETCX_TEST_BUILTIN
void failing_driver_set_mode(FAILING_DRIVER_MODE Mode)
{
    g_mode = Mode;
}
#endif

DRIVER_INITIALIZE FAILING_DRIVER_ENTRY;
static EVT_WDF_DRIVER_DEVICE_ADD FailingEvtDriverDeviceAdd;
static EVT_WDF_DEVICE_PREPARE_HARDWARE FailingEvtDevicePrepareHardware;
static EVT_WDF_DEVICE_RELEASE_HARDWARE FailingEvtDeviceReleaseHardware;
static EVT_WDF_DEVICE_D0_ENTRY FailingEvtDeviceD0Entry;
static EVT_WDF_DEVICE_D0_EXIT FailingEvtDeviceD0Exit;
static EVT_NET_ADAPTER_SET_CAPABILITIES FailingEvtAdapterSetCapabilities;
static EVT_NET_ADAPTER_CREATE_TXQUEUE FailingEvtAdapterCreateTxQueue;
static EVT_NET_ADAPTER_CREATE_RXQUEUE FailingEvtAdapterCreateRxQueue;
static EVT_WDF_OBJECT_CONTEXT_CLEANUP FailingEvtCleanup;

NTSTATUS FAILING_DRIVER_ENTRY(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    NTSTATUS status;

    TRACE("DriverEntry");
    if (g_mode == FailDriverEntry)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (g_mode == FailSkipDriverCreate)
        return STATUS_SUCCESS;

    WDF_DRIVER_CONFIG_INIT(&config, FailingEvtDriverDeviceAdd);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtCleanupCallback = FailingEvtCleanup;
    status = WdfDriverCreate(DriverObject, RegistryPath, &attributes, &config, WDF_NO_HANDLE);
    if (!NT_SUCCESS(status))
        return status;
    if (g_mode == FailDriverEntryAfterCreate)
        return STATUS_UNSUCCESSFUL;
    return STATUS_SUCCESS;
}

static VOID FailingEvtCleanup(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    TRACE("EvtCleanup");
}

static NTSTATUS FailingEvtDriverDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    NTSTATUS status;
    WDF_PNPPOWER_EVENT_CALLBACKS pnpPower;
    WDF_OBJECT_ATTRIBUTES attributes;
    NET_ADAPTER_CONFIG adapterConfig;
    WDFDEVICE device;
    NETADAPTER adapter;

    UNREFERENCED_PARAMETER(Driver);
    TRACE("EvtDriverDeviceAdd");
    if (g_mode == FailDeviceAdd)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (g_mode == FailSkipDeviceCreate)
        return STATUS_SUCCESS;

    status = NetAdapterDeviceInitConfig(DeviceInit);
    if (!NT_SUCCESS(status))
        return status;
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnpPower);
    pnpPower.EvtDevicePrepareHardware = FailingEvtDevicePrepareHardware;
    pnpPower.EvtDeviceReleaseHardware = FailingEvtDeviceReleaseHardware;
    pnpPower.EvtDeviceD0Entry = FailingEvtDeviceD0Entry;
    pnpPower.EvtDeviceD0Exit = FailingEvtDeviceD0Exit;
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnpPower);

    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtCleanupCallback = FailingEvtCleanup;
    status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    if (!NT_SUCCESS(status))
        return status;
    if (g_mode == FailSkipAdapterCreate)
        return STATUS_SUCCESS;

    NET_ADAPTER_CONFIG_INIT(&adapterConfig, FailingEvtAdapterSetCapabilities,
                            FailingEvtAdapterCreateTxQueue, FailingEvtAdapterCreateRxQueue);
    status = NetAdapterCreate(device, WDF_NO_OBJECT_ATTRIBUTES, &adapterConfig, &adapter);
    if (!NT_SUCCESS(status))
        return status;
    if (g_mode == FailDeviceAddAfterCreate)
        return STATUS_DEVICE_CONFIGURATION_ERROR;
    return STATUS_SUCCESS;
}

static NTSTATUS FailingEvtDevicePrepareHardware(WDFDEVICE Device, WDFCMRESLIST ResourcesRaw,
                                                WDFCMRESLIST ResourcesTranslated)
{
    UNREFERENCED_PARAMETER(Device);
    UNREFERENCED_PARAMETER(ResourcesRaw);
    UNREFERENCED_PARAMETER(ResourcesTranslated);
    TRACE("EvtDevicePrepareHardware");
    return g_mode == FailPrepareHardware ? STATUS_DEVICE_NOT_READY : STATUS_SUCCESS;
}

static NTSTATUS FailingEvtDeviceReleaseHardware(WDFDEVICE Device, WDFCMRESLIST ResourcesTranslated)
{
    UNREFERENCED_PARAMETER(Device);
    UNREFERENCED_PARAMETER(ResourcesTranslated);
    TRACE("EvtDeviceReleaseHardware");
    return STATUS_SUCCESS;
}

static NTSTATUS FailingEvtDeviceD0Entry(WDFDEVICE Device, WDF_POWER_DEVICE_STATE PreviousState)
{
    UNREFERENCED_PARAMETER(Device);
    UNREFERENCED_PARAMETER(PreviousState);
    TRACE("EvtDeviceD0Entry");
    return g_mode == FailD0Entry ? STATUS_DEVICE_NOT_READY : STATUS_SUCCESS;
}

static NTSTATUS FailingEvtDeviceD0Exit(WDFDEVICE Device, WDF_POWER_DEVICE_STATE TargetState)
{
    UNREFERENCED_PARAMETER(Device);
    UNREFERENCED_PARAMETER(TargetState);
    TRACE("EvtDeviceD0Exit");
    return g_mode == FailD0Exit ? STATUS_UNSUCCESSFUL : STATUS_SUCCESS;
}

static NTSTATUS FailingEvtAdapterSetCapabilities(NETADAPTER Adapter)
{
    NET_ADAPTER_TX_CAPABILITIES txCapabilities;
    NET_ADAPTER_RX_CAPABILITIES rxCapabilities;

    TRACE("EvtAdapterSetCapabilities");
    if (g_mode == FailSetCapabilities)
        return STATUS_NOT_SUPPORTED;
    if (g_mode == FailSkipDatapathCapabilities)
        return STATUS_SUCCESS;

    NET_ADAPTER_TX_CAPABILITIES_INIT(&txCapabilities, FAILING_FRAME_SIZE, 1);
    NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED(&rxCapabilities, FAILING_FRAME_SIZE, 1);
    return NetAdapterSetDatapathCapabilities(Adapter, &txCapabilities, &rxCapabilities);
}

static NTSTATUS FailingEvtAdapterCreateTxQueue(NETADAPTER Adapter, NETTXQUEUE_INIT* TxQueueInit)
{
    UNREFERENCED_PARAMETER(Adapter);
    UNREFERENCED_PARAMETER(TxQueueInit);
    return STATUS_NOT_SUPPORTED;
}

static NTSTATUS FailingEvtAdapterCreateRxQueue(NETADAPTER Adapter, NETRXQUEUE_INIT* RxQueueInit)
{
    UNREFERENCED_PARAMETER(Adapter);
    UNREFERENCED_PARAMETER(RxQueueInit);
    return STATUS_NOT_SUPPORTED;
}
