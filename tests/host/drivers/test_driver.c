/* SPDX-License-Identifier: MIT */
/*
 * A well-behaved NetAdapterCx client driver, written as one is for Windows: DriverEntry creates
 * the WDFDRIVER; EvtDriverDeviceAdd configures the device for an adapter, registers PnP/power
 * callbacks, creates the device and its adapter; EvtDevicePrepareHardware creates the DMA
 * enabler; EvtAdapterSetCapabilities reads the adapter's parameters and sets the link layer and
 * the datapath capabilities (DMA-mapped Tx and system-managed DMA Rx, as the buffer manager
 * documentation's example does).
 *
 * Parameters (all optional): mtu, rx_alignment, rx_hint, tx_hint, tx_fragments, use_dma (0 or 1),
 * dma32 (1: WdfDmaProfileScatterGather, a 32-bit device), sg_elements, max_physical_address,
 * numa_node, link (0: disconnected), NetworkAddress (the current MAC).
 *
 * Every callback is traced with DbgPrint ("test_driver: <callback>") for the host tests.
 */
#include "test_drivers.h"

#ifdef NETCX_TEST_BUILTIN
#define TEST_DRIVER_ENTRY test_driver_entry
#else
#define TEST_DRIVER_ENTRY DriverEntry
#endif

#define TRACE(...) DbgPrint("test_driver: " __VA_ARGS__)

#define TEST_MAX_DMA_LENGTH 65536
#define TEST_ETHERNET_HEADER 14
#define TEST_LINK_SPEED 1000000000ull

typedef struct _TEST_DEVICE_CONTEXT {
    NETADAPTER Adapter;
    WDFDMAENABLER DmaEnabler;
} TEST_DEVICE_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(TEST_DEVICE_CONTEXT, TestGetDeviceContext);
typedef struct _TEST_ADAPTER_CONTEXT {
    WDFDEVICE Device;
} TEST_ADAPTER_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(TEST_ADAPTER_CONTEXT, TestGetAdapterContext);
DRIVER_INITIALIZE TEST_DRIVER_ENTRY;
static EVT_WDF_DRIVER_DEVICE_ADD TestEvtDriverDeviceAdd;
static EVT_WDF_DRIVER_UNLOAD TestEvtDriverUnload;
static EVT_WDF_OBJECT_CONTEXT_CLEANUP TestEvtDriverCleanup;
static EVT_WDF_OBJECT_CONTEXT_CLEANUP TestEvtDeviceCleanup;
static EVT_WDF_OBJECT_CONTEXT_CLEANUP TestEvtAdapterCleanup;
static EVT_WDF_DEVICE_PREPARE_HARDWARE TestEvtDevicePrepareHardware;
static EVT_WDF_DEVICE_RELEASE_HARDWARE TestEvtDeviceReleaseHardware;
static EVT_WDF_DEVICE_D0_ENTRY TestEvtDeviceD0Entry;
static EVT_WDF_DEVICE_D0_EXIT TestEvtDeviceD0Exit;
static EVT_NET_ADAPTER_SET_CAPABILITIES TestEvtAdapterSetCapabilities;
static EVT_NET_ADAPTER_CREATE_TXQUEUE TestEvtAdapterCreateTxQueue;
static EVT_NET_ADAPTER_CREATE_RXQUEUE TestEvtAdapterCreateRxQueue;

#ifdef NETCX_TEST_BUILTIN
static NETADAPTER g_last_adapter;

NETADAPTER test_driver_last_adapter(void)
{
    return g_last_adapter;
}
#endif

/* A parameter of the adapter, or `Default` when it is absent. */
static ULONG TestQueryUlong(NETCONFIGURATION Configuration, PCWSTR Name, ULONG Default)
{
    UNICODE_STRING name;
    ULONG value = 0;
    RtlInitUnicodeString(&name, Name);
    if (NT_SUCCESS(NetConfigurationQueryUlong(Configuration, NET_CONFIGURATION_QUERY_ULONG_NO_FLAGS,
                                              &name, &value)))
        return value;
    return Default;
}

NTSTATUS TEST_DRIVER_ENTRY(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;

    TRACE("DriverEntry %.*ls", (int)(RegistryPath->Length / sizeof(WCHAR)), RegistryPath->Buffer);

    WDF_DRIVER_CONFIG_INIT(&config, TestEvtDriverDeviceAdd);
    config.EvtDriverUnload = TestEvtDriverUnload;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtCleanupCallback = TestEvtDriverCleanup;

    return WdfDriverCreate(DriverObject, RegistryPath, &attributes, &config, WDF_NO_HANDLE);
}

static VOID TestEvtDriverUnload(WDFDRIVER Driver)
{
    UNREFERENCED_PARAMETER(Driver);
    TRACE("EvtDriverUnload");
}

static VOID TestEvtDriverCleanup(WDFOBJECT Driver)
{
    UNREFERENCED_PARAMETER(Driver);
    TRACE("EvtDriverCleanup");
}

static NTSTATUS TestEvtDriverDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    NTSTATUS status;
    WDF_PNPPOWER_EVENT_CALLBACKS pnpPower;
    WDF_OBJECT_ATTRIBUTES deviceAttributes;
    WDF_OBJECT_ATTRIBUTES adapterAttributes;
    NET_ADAPTER_CONFIG adapterConfig;
    WDFDEVICE device;
    NETADAPTER adapter;

    UNREFERENCED_PARAMETER(Driver);
    TRACE("EvtDriverDeviceAdd");

    status = NetAdapterDeviceInitConfig(DeviceInit);
    if (!NT_SUCCESS(status))
        return status;

    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnpPower);
    pnpPower.EvtDevicePrepareHardware = TestEvtDevicePrepareHardware;
    pnpPower.EvtDeviceReleaseHardware = TestEvtDeviceReleaseHardware;
    pnpPower.EvtDeviceD0Entry = TestEvtDeviceD0Entry;
    pnpPower.EvtDeviceD0Exit = TestEvtDeviceD0Exit;
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnpPower);

    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&deviceAttributes, TEST_DEVICE_CONTEXT);
    deviceAttributes.EvtCleanupCallback = TestEvtDeviceCleanup;
    status = WdfDeviceCreate(&DeviceInit, &deviceAttributes, &device);
    if (!NT_SUCCESS(status))
        return status;

    NET_ADAPTER_CONFIG_INIT(&adapterConfig, TestEvtAdapterSetCapabilities,
                            TestEvtAdapterCreateTxQueue, TestEvtAdapterCreateRxQueue);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&adapterAttributes, TEST_ADAPTER_CONTEXT);
    adapterAttributes.EvtCleanupCallback = TestEvtAdapterCleanup;
    status = NetAdapterCreate(device, &adapterAttributes, &adapterConfig, &adapter);
    if (!NT_SUCCESS(status))
        return status;

    TestGetDeviceContext(device)->Adapter = adapter;
    TestGetAdapterContext(adapter)->Device = device;
#ifdef NETCX_TEST_BUILTIN
    g_last_adapter = adapter;
#endif
    return STATUS_SUCCESS;
}

static VOID TestEvtDeviceCleanup(WDFOBJECT Device)
{
    UNREFERENCED_PARAMETER(Device);
    TRACE("EvtDeviceCleanup");
}

static VOID TestEvtAdapterCleanup(WDFOBJECT Adapter)
{
    UNREFERENCED_PARAMETER(Adapter);
    TRACE("EvtAdapterCleanup");
}

static NTSTATUS TestEvtDevicePrepareHardware(WDFDEVICE Device, WDFCMRESLIST ResourcesRaw,
                                             WDFCMRESLIST ResourcesTranslated)
{
    TEST_DEVICE_CONTEXT* context = TestGetDeviceContext(Device);
    NETCONFIGURATION configuration;
    WDF_DMA_ENABLER_CONFIG dmaConfig;
    ULONG dma32 = 0;
    ULONG sgElements = 0;
    NTSTATUS status;

    TRACE("EvtDevicePrepareHardware resources=%u/%u",
          (unsigned)WdfCmResourceListGetCount(ResourcesRaw),
          (unsigned)WdfCmResourceListGetCount(ResourcesTranslated));

    status =
        NetAdapterOpenConfiguration(context->Adapter, WDF_NO_OBJECT_ATTRIBUTES, &configuration);
    if (!NT_SUCCESS(status))
        return status;
    dma32 = TestQueryUlong(configuration, L"dma32", 0);
    sgElements = TestQueryUlong(configuration, L"sg_elements", 0);
    NetConfigurationClose(configuration);

    WDF_DMA_ENABLER_CONFIG_INIT(
        &dmaConfig, dma32 ? WdfDmaProfileScatterGather : WdfDmaProfileScatterGather64Duplex,
        TEST_MAX_DMA_LENGTH);
    status =
        WdfDmaEnablerCreate(Device, &dmaConfig, WDF_NO_OBJECT_ATTRIBUTES, &context->DmaEnabler);
    if (!NT_SUCCESS(status))
        return status;
    if (sgElements != 0)
        WdfDmaEnablerSetMaximumScatterGatherElements(context->DmaEnabler, sgElements);
    return STATUS_SUCCESS;
}

static NTSTATUS TestEvtDeviceReleaseHardware(WDFDEVICE Device, WDFCMRESLIST ResourcesTranslated)
{
    TEST_DEVICE_CONTEXT* context = TestGetDeviceContext(Device);
    UNREFERENCED_PARAMETER(ResourcesTranslated);
    TRACE("EvtDeviceReleaseHardware");
    /* The next PrepareHardware creates a new one. */
    if (context->DmaEnabler != NULL) {
        WdfObjectDelete(context->DmaEnabler);
        context->DmaEnabler = NULL;
    }
    return STATUS_SUCCESS;
}

static NTSTATUS TestEvtDeviceD0Entry(WDFDEVICE Device, WDF_POWER_DEVICE_STATE PreviousState)
{
    UNREFERENCED_PARAMETER(Device);
    TRACE("EvtDeviceD0Entry from %s", PreviousState == WdfPowerDeviceD3Final ? "D3Final" : "?");
    return STATUS_SUCCESS;
}

static NTSTATUS TestEvtDeviceD0Exit(WDFDEVICE Device, WDF_POWER_DEVICE_STATE TargetState)
{
    UNREFERENCED_PARAMETER(Device);
    TRACE("EvtDeviceD0Exit to %s", TargetState == WdfPowerDeviceD3Final ? "D3Final" : "?");
    return STATUS_SUCCESS;
}

static void TestSetLinkLayer(NETADAPTER Adapter, NETCONFIGURATION Configuration, ULONG Mtu)
{
    static const UCHAR permanent[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    NET_ADAPTER_LINK_LAYER_CAPABILITIES linkCapabilities;
    NET_ADAPTER_LINK_LAYER_ADDRESS address;
    NET_ADAPTER_LINK_STATE linkState;
    UCHAR current[NET_ADAPTER_LINK_LAYER_ADDRESS_MAX_LENGTH];
    ULONG currentLength = 0;

    NET_ADAPTER_LINK_LAYER_CAPABILITIES_INIT(&linkCapabilities, TEST_LINK_SPEED, TEST_LINK_SPEED);
    NetAdapterSetLinkLayerCapabilities(Adapter, &linkCapabilities);
    NetAdapterSetLinkLayerMtuSize(Adapter, Mtu);

    NET_ADAPTER_LINK_LAYER_ADDRESS_INIT(&address, sizeof(permanent), permanent);
    NetAdapterSetPermanentLinkLayerAddress(Adapter, &address);
    if (NT_SUCCESS(NetConfigurationQueryNetworkAddress(Configuration, sizeof(current), current,
                                                       &currentLength))) {
        NET_ADAPTER_LINK_LAYER_ADDRESS_INIT(&address, (USHORT)currentLength, current);
        NetAdapterSetCurrentLinkLayerAddress(Adapter, &address);
    }

    if (TestQueryUlong(Configuration, L"link", 1))
        NET_ADAPTER_LINK_STATE_INIT(&linkState, TEST_LINK_SPEED, MediaConnectStateConnected,
                                    MediaDuplexStateFull, NetAdapterPauseFunctionTypeUnsupported,
                                    NetAdapterAutoNegotiationFlagNone);
    else
        NET_ADAPTER_LINK_STATE_INIT_DISCONNECTED(&linkState);
    NetAdapterSetCurrentLinkState(Adapter, &linkState);
}

static NTSTATUS TestEvtAdapterSetCapabilities(NETADAPTER Adapter)
{
    TEST_DEVICE_CONTEXT* deviceContext =
        TestGetDeviceContext(TestGetAdapterContext(Adapter)->Device);
    NETCONFIGURATION configuration;
    NET_ADAPTER_DMA_CAPABILITIES dmaCapabilities;
    NET_ADAPTER_TX_CAPABILITIES txCapabilities;
    NET_ADAPTER_RX_CAPABILITIES rxCapabilities;
    ULONG mtu, useDma, numaNode, maxPhysical, txFragments;
    NTSTATUS status;

    TRACE("EvtAdapterSetCapabilities");

    status = NetAdapterOpenConfiguration(Adapter, WDF_NO_OBJECT_ATTRIBUTES, &configuration);
    if (!NT_SUCCESS(status))
        return status;

    mtu = TestQueryUlong(configuration, L"mtu", 1500);
    TestSetLinkLayer(Adapter, configuration, mtu);

    useDma = TestQueryUlong(configuration, L"use_dma", 1);
    if (useDma) {
        NET_ADAPTER_DMA_CAPABILITIES_INIT(&dmaCapabilities, deviceContext->DmaEnabler);
        maxPhysical = TestQueryUlong(configuration, L"max_physical_address", 0);
        dmaCapabilities.MaximumPhysicalAddress.QuadPart = maxPhysical;
        numaNode = TestQueryUlong(configuration, L"numa_node", MM_ANY_NODE_OK);
        dmaCapabilities.PreferredNode = numaNode;
        NET_ADAPTER_TX_CAPABILITIES_INIT_FOR_DMA(&txCapabilities, &dmaCapabilities,
                                                 mtu + TEST_ETHERNET_HEADER, 1);
        NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED_DMA(&rxCapabilities, &dmaCapabilities,
                                                            mtu + TEST_ETHERNET_HEADER, 1);
    } else {
        NET_ADAPTER_TX_CAPABILITIES_INIT(&txCapabilities, mtu + TEST_ETHERNET_HEADER, 1);
        NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED(&rxCapabilities, mtu + TEST_ETHERNET_HEADER,
                                                        1);
    }
    txCapabilities.FragmentRingNumberOfElementsHint =
        TestQueryUlong(configuration, L"tx_hint", 512);
    txFragments = TestQueryUlong(configuration, L"tx_fragments", 0);
    if (txFragments != 0)
        txCapabilities.MaximumNumberOfFragments = txFragments;
    rxCapabilities.FragmentBufferAlignment = TestQueryUlong(configuration, L"rx_alignment", 64);
    rxCapabilities.FragmentRingNumberOfElementsHint =
        TestQueryUlong(configuration, L"rx_hint", 1024);

    status = NetAdapterSetDatapathCapabilities(Adapter, &txCapabilities, &rxCapabilities);
    NetConfigurationClose(configuration);
    return status;
}

static NTSTATUS TestEvtAdapterCreateTxQueue(NETADAPTER Adapter, NETTXQUEUE_INIT* TxQueueInit)
{
    UNREFERENCED_PARAMETER(Adapter);
    UNREFERENCED_PARAMETER(TxQueueInit);
    TRACE("EvtAdapterCreateTxQueue");
    return STATUS_NOT_SUPPORTED; /* the datapath is another issue's */
}

static NTSTATUS TestEvtAdapterCreateRxQueue(NETADAPTER Adapter, NETRXQUEUE_INIT* RxQueueInit)
{
    UNREFERENCED_PARAMETER(Adapter);
    UNREFERENCED_PARAMETER(RxQueueInit);
    TRACE("EvtAdapterCreateRxQueue");
    return STATUS_NOT_SUPPORTED;
}
