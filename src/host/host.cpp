// SPDX-License-Identifier: MIT
// The host: the PnP manager's and the loader's part for client drivers.
//
// Each loaded driver has a record: its DRIVER_OBJECT (what DriverEntry receives), its registry
// path, the WDFDRIVER that WdfDriverCreate made, and, for a shared object, the open library,
// closed only after every object and callback of the driver is gone. Each device has a record
// holding its WDFDEVICE and where it is in its lifecycle (added -> started -> stopped -> removed).
//
// Drivers cannot delete their WDFDRIVER or WDFDEVICE (WdfObjectDelete refuses: the framework owns
// them), so the host's pointers to them stay valid until the host deletes them. A driver may
// delete its adapter, so the adapter is always read through the device (`device::net_adapter`,
// cleared when the adapter goes).
//
// Start follows KMDF: PrepareHardware, then the adapter's start (EvtAdapterSetCapabilities and
// validation), then D0Entry; a failure undoes what ran, ReleaseHardware included (KMDF calls it
// even when PrepareHardware itself failed). The error of the last failed start is kept per
// device: `plan()` returns it in `buffer_plan::errors` so `netcx plan` can show why a driver's
// capabilities were refused.
//
// Context: control path, one thread.
#include <netcx/host/host.hpp>

#include "adapter/adapter.hpp"
#include "base/diag.hpp"
#include "datapath/open.hpp"
#include "host/device_params.hpp"
#include "host/loader.hpp"
#include "host/nic_constraints.hpp"
#include "wdf/device.hpp"
#include "wdf/driver.hpp"
#include "wdf/string.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>

namespace netcx::host {
namespace {

std::string format_address(const NET_ADAPTER_LINK_LAYER_ADDRESS& a)
{
    std::string s;
    const std::size_t n =
        std::min<std::size_t>(a.Length, NET_ADAPTER_LINK_LAYER_ADDRESS_MAX_LENGTH);
    for (std::size_t i = 0; i < n; ++i)
        s += fmt::format("{}{:02x}", i ? ":" : "", a.Address[i]);
    return s;
}

WDFDEVICE handle_of(wdf::device& d) noexcept
{
    return static_cast<WDFDEVICE>(d.handle());
}

} // namespace

struct host::impl {
    struct driver_record {
        std::string name;
        std::wstring registry_path;
        UNICODE_STRING registry_path_view{};
        std::unique_ptr<DRIVER_OBJECT> os_object; // the WDFDRIVER refers to it: freed after it
        wdf::driver* driver = nullptr;
        shared_object library; // empty for a built-in
        std::vector<device_id> devices;
    };

    struct device_record {
        driver_id driver;
        wdf::device* device = nullptr;
        std::string name; // the adapter's name, kept for messages after it goes
        bool started = false;
        std::optional<error> start_error; // the last failed start, until a start succeeds
        // Points at the open datapath, if any. stop_device refuses while one is open; remove
        // (and so unload and the host's destructor) closes it first.
        std::shared_ptr<datapath::open_link> datapath = std::make_shared<datapath::open_link>();
    };

    std::map<std::string, driver_entry*, std::less<>> builtins;
    std::map<driver_id, std::unique_ptr<driver_record>> drivers; // stable addresses
    std::map<device_id, device_record> devices;
    std::uint32_t next_driver = 1;
    std::uint32_t next_device = 1;

    result<driver_record*> find_driver(driver_id id)
    {
        auto it = drivers.find(id);
        if (it == drivers.end())
            return fail(status::invalid_parameter, "host: no loaded driver has id {}",
                        static_cast<std::uint32_t>(id));
        return it->second.get();
    }

    result<device_record*> find_device(device_id id)
    {
        auto it = devices.find(id);
        if (it == devices.end())
            return fail(status::invalid_parameter, "host: no device has id {}",
                        static_cast<std::uint32_t>(id));
        return &it->second;
    }

    /// The adapter of a started device, or a named error for `api`.
    result<adapter::adapter*> started_adapter(device_id id, std::string_view api)
    {
        auto d_r = find_device(id);
        if (!d_r)
            return std::move(d_r).err();
        const device_record& d = **d_r;
        if (!d.started)
            return fail(status::invalid_parameter,
                        "driver '{}': {}: {}: the device is not started (its capabilities are set "
                        "when it starts)",
                        driver_name(d), d.name, api);
        if (d.device->net_adapter == nullptr)
            return fail(status::invalid_parameter,
                        "driver '{}': {}: {}: the adapter was deleted by its driver",
                        driver_name(d), d.name, api);
        return d.device->net_adapter;
    }

    const std::string& driver_name(const device_record& d) const
    {
        return drivers.at(d.driver)->name;
    }

    /// A failed driver callback as a host error naming driver, device, callback and status.
    error callback_failed(const device_record& d, std::string_view callback, NTSTATUS s) const
    {
        return fail(wdf::from_ntstatus(s), "driver '{}': {}: {} failed: {}", driver_name(d), d.name,
                    callback, wdf::ntstatus_name(s));
    }

    /// ReleaseHardware, if the driver has it (the resource list is empty: a null handle).
    std::optional<error> release_hardware(const device_record& d, wdf::device& dev) const
    {
        const auto cb = dev.pnp().EvtDeviceReleaseHardware;
        if (cb == nullptr)
            return std::nullopt;
        const NTSTATUS s = cb(handle_of(dev), nullptr);
        if (!NT_SUCCESS(s))
            return callback_failed(d, "EvtDeviceReleaseHardware", s);
        return std::nullopt;
    }

    result<void> start(device_record& d);
    result<void> stop(device_record& d);
    result<void> remove(device_id id);
    result<void> unload(driver_id id);
};

result<void> host::impl::start(device_record& d)
{
    wdf::device& dev = *d.device;
    if (d.started)
        return fail(status::busy, "driver '{}': {}: start: the device is already started",
                    driver_name(d), d.name);

    auto failed = [&d](error e) {
        d.start_error = e;
        return e;
    };

    const WDF_PNPPOWER_EVENT_CALLBACKS& pnp = dev.pnp();
    if (pnp.EvtDevicePrepareHardware != nullptr) {
        // No bus here: the resource lists are empty (null handles, count 0).
        const NTSTATUS s = pnp.EvtDevicePrepareHardware(handle_of(dev), nullptr, nullptr);
        if (!NT_SUCCESS(s)) {
            error e = callback_failed(d, "EvtDevicePrepareHardware", s);
            (void)release_hardware(d, dev); // KMDF releases even after a failed prepare
            return failed(std::move(e));
        }
    }

    adapter::adapter* a = dev.net_adapter;
    if (a == nullptr) {
        error e = fail(status::invalid_parameter,
                       "driver '{}': {}: start: the device's adapter was deleted by its driver",
                       driver_name(d), d.name);
        (void)release_hardware(d, dev);
        return failed(std::move(e));
    }
    if (auto r = a->start(); !r) {
        // The adapter logged its error (which names the adapter and the cause) already.
        error e{r.code(), fmt::format("driver '{}': {}", driver_name(d), r.err().message)};
        (void)release_hardware(d, dev);
        return failed(std::move(e));
    }

    if (pnp.EvtDeviceD0Entry != nullptr) {
        const NTSTATUS s = pnp.EvtDeviceD0Entry(handle_of(dev), WdfPowerDeviceD3Final);
        if (!NT_SUCCESS(s)) {
            error e = callback_failed(d, "EvtDeviceD0Entry", s);
            if (dev.net_adapter != nullptr)
                dev.net_adapter->stop();
            (void)release_hardware(d, dev);
            return failed(std::move(e));
        }
    }

    d.started = true;
    d.start_error.reset();
    return {};
}

result<void> host::impl::stop(device_record& d)
{
    if (!d.started)
        return fail(status::invalid_parameter, "driver '{}': {}: stop: the device is not started",
                    driver_name(d), d.name);
    if (d.datapath->open != nullptr)
        return fail(status::busy, "driver '{}': {}: stop: its datapath is open (close it first)",
                    driver_name(d), d.name);
    d.started = false;
    wdf::device& dev = *d.device;

    // A failing callback does not stop the teardown: the device ends stopped either way, and the
    // first failure is what the caller hears about.
    std::optional<error> first;
    if (const auto cb = dev.pnp().EvtDeviceD0Exit; cb != nullptr) {
        const NTSTATUS s = cb(handle_of(dev), WdfPowerDeviceD3Final);
        if (!NT_SUCCESS(s))
            first = callback_failed(d, "EvtDeviceD0Exit", s);
    }
    if (dev.net_adapter != nullptr)
        dev.net_adapter->stop();
    if (auto e = release_hardware(d, dev); e && !first)
        first = std::move(e);
    if (first)
        return std::move(*first);
    return {};
}

result<void> host::impl::remove(device_id id)
{
    auto it = devices.find(id);
    if (it == devices.end())
        return fail(status::invalid_parameter, "host: no device has id {}",
                    static_cast<std::uint32_t>(id));
    device_record& d = it->second;

    result<void> stopped;
    if (d.datapath->open != nullptr) // the queues are the adapter's children: close them first
        if (auto r = d.datapath->open->close(); !r)
            stopped = std::move(r);
    if (d.started)
        if (auto r = stop(d); !r && stopped.ok())
            stopped = std::move(r);
    // Deleting the device deletes its adapter, DMA enablers and everything else under it.
    d.device->delete_tree();

    std::erase(drivers.at(d.driver)->devices, id);
    devices.erase(it);
    return stopped;
}

result<void> host::impl::unload(driver_id id)
{
    auto it = drivers.find(id);
    if (it == drivers.end())
        return fail(status::invalid_parameter, "host: no loaded driver has id {}",
                    static_cast<std::uint32_t>(id));
    driver_record& r = *it->second;

    result<void> outcome;
    for (const device_id dev : std::vector<device_id>{r.devices})
        if (auto e = remove(dev); !e && outcome.ok())
            outcome = std::move(e);

    if (const auto unload_cb = r.driver->config().EvtDriverUnload; unload_cb != nullptr)
        unload_cb(static_cast<WDFDRIVER>(r.driver->handle()));
    r.driver->delete_tree();
    r.driver = nullptr;
    // Last: the library holds the code of every callback that could still run until here.
    r.library.close();
    drivers.erase(it);
    return outcome;
}

host::host() : impl_(std::make_unique<impl>()) {}

host::~host()
{
    // Newest first: a driver loaded later may depend on one loaded earlier.
    while (!impl_->drivers.empty())
        (void)impl_->unload(std::prev(impl_->drivers.end())->first);
}

void host::register_builtin(std::string name, driver_entry* entry)
{
    impl_->builtins.insert_or_assign(std::move(name), entry);
}

std::vector<std::string> host::builtin_names() const
{
    std::vector<std::string> names;
    for (const auto& [name, entry] : impl_->builtins)
        names.push_back(name);
    return names;
}

result<driver_id> host::load_driver(std::string_view name_or_path)
{
    auto owned = std::make_unique<impl::driver_record>();
    impl::driver_record& r = *owned; // its address is stable: DriverEntry sees its members
    driver_entry* entry = nullptr;
    if (auto b = impl_->builtins.find(name_or_path); b != impl_->builtins.end()) {
        r.name = b->first;
        entry = b->second;
        if (entry == nullptr)
            return fail(status::invalid_parameter, "driver '{}': built in without a DriverEntry",
                        r.name);
    } else if (is_shared_object_path(name_or_path)) {
        r.name = driver_name_of(name_or_path);
    } else {
        std::string known;
        for (const auto& [name, e] : impl_->builtins)
            known += fmt::format("{}{}", known.empty() ? "" : ", ", name);
        return fail(status::invalid_parameter,
                    "driver '{}': no built-in driver has that name (built-ins: {}); a shared "
                    "object is named by a path containing '/' or ending in .so",
                    name_or_path, known.empty() ? "none" : known);
    }

    // The name is how log lines, adapters and the registry path tell drivers apart.
    for (const auto& [id, loaded] : impl_->drivers)
        if (loaded->name == r.name)
            return fail(status::busy, "driver '{}': already loaded (id {})", r.name,
                        static_cast<std::uint32_t>(id));

    if (entry == nullptr) {
        auto so = shared_object::open(std::string{name_or_path}, r.name);
        if (!so)
            return std::move(so).err();
        r.library = std::move(*so);
        entry = r.library.entry();
    }

    r.os_object = std::make_unique<DRIVER_OBJECT>();
    r.os_object->name = r.name;
    r.registry_path = LR"(\Registry\Machine\System\netcx\)" + wdf::widen(r.name);
    // UNICODE_STRING lengths are 16-bit byte counts.
    const std::size_t bytes =
        std::min<std::size_t>(r.registry_path.size() * sizeof(WCHAR), 0xfffe - sizeof(WCHAR));
    r.registry_path_view.Length = static_cast<USHORT>(bytes);
    r.registry_path_view.MaximumLength = static_cast<USHORT>(bytes + sizeof(WCHAR));
    r.registry_path_view.Buffer = r.registry_path.data();

    const NTSTATUS s = entry(r.os_object.get(), &r.registry_path_view);
    wdf::driver* created = r.os_object->created;
    if (!NT_SUCCESS(s)) {
        // As on Windows, a failed DriverEntry takes its driver object with it (no unload call).
        if (created != nullptr)
            created->delete_tree();
        return fail(wdf::from_ntstatus(s), "driver '{}': DriverEntry failed: {}", r.name,
                    wdf::ntstatus_name(s));
    }
    if (created == nullptr)
        return fail(status::invalid_parameter,
                    "driver '{}': DriverEntry returned {} without calling WdfDriverCreate", r.name,
                    wdf::ntstatus_name(s));

    r.driver = created;
    const driver_id id{impl_->next_driver++};
    impl_->drivers.emplace(id, std::move(owned));
    return id;
}

result<device_id> host::add_device(driver_id driver, const params& device_params)
{
    auto rec_r = impl_->find_driver(driver);
    if (!rec_r)
        return std::move(rec_r).err();
    impl::driver_record& rec = **rec_r;
    const auto device_add = rec.driver->config().EvtDriverDeviceAdd;
    if (device_add == nullptr)
        return fail(status::not_supported, "driver '{}': has no EvtDriverDeviceAdd", rec.name);

    auto space = choose_address_space(device_params, rec.name);
    if (!space)
        return std::move(space).err();

    WDFDEVICE_INIT init;
    init.driver = rec.driver;
    init.params = device_params;
    init.space = std::move(space->space);
    init.space_name = std::move(space->name);
    PWDFDEVICE_INIT init_ptr = &init; // WdfDeviceCreate nulls the driver's copy, not ours

    const NTSTATUS s = device_add(static_cast<WDFDRIVER>(rec.driver->handle()), init_ptr);
    wdf::device* dev = init.created;
    auto discard = [dev] {
        if (dev != nullptr)
            dev->delete_tree();
    };
    if (!NT_SUCCESS(s)) {
        discard(); // as KMDF does with a device whose EvtDriverDeviceAdd failed
        return fail(wdf::from_ntstatus(s), "driver '{}': EvtDriverDeviceAdd failed: {}", rec.name,
                    wdf::ntstatus_name(s));
    }
    if (dev == nullptr)
        return fail(status::invalid_parameter,
                    "driver '{}': EvtDriverDeviceAdd returned {} without calling WdfDeviceCreate",
                    rec.name, wdf::ntstatus_name(s));
    if (dev->net_adapter == nullptr) {
        discard();
        return fail(status::invalid_parameter,
                    "driver '{}': EvtDriverDeviceAdd created a device but no adapter (call "
                    "NetAdapterCreate: every netcx device is a network adapter)",
                    rec.name);
    }

    const device_id id{impl_->next_device++};
    impl_->devices.emplace(id, impl::device_record{driver, dev, dev->net_adapter->name(), false,
                                                   std::nullopt,
                                                   std::make_shared<datapath::open_link>()});
    rec.devices.push_back(id);
    return id;
}

result<void> host::start_device(device_id device)
{
    auto d = impl_->find_device(device);
    if (!d)
        return std::move(d).err();
    return impl_->start(**d);
}

result<void> host::stop_device(device_id device)
{
    auto d = impl_->find_device(device);
    if (!d)
        return std::move(d).err();
    return impl_->stop(**d);
}

result<void> host::remove_device(device_id device)
{
    return impl_->remove(device);
}

result<void> host::unload_driver(driver_id driver)
{
    return impl_->unload(driver);
}

std::vector<adapter_info> host::adapters() const
{
    std::vector<adapter_info> out;
    for (const auto& [id, d] : impl_->devices) {
        adapter_info info;
        info.device = id;
        info.driver = impl_->driver_name(d);
        info.name = d.name;
        info.started = d.started;
        if (const adapter::adapter* a = d.device->net_adapter; a != nullptr) {
            const auto& link = a->link();
            info.mtu = link.mtu;
            info.mac = format_address(link.current_address.Length != 0 ? link.current_address
                                                                       : link.permanent_address);
            info.link_up = link.state.MediaConnectState == MediaConnectStateConnected;
            // NDIS reports both directions; an adapter's speed is the faster one.
            info.link_speed = std::max(link.state.TxLinkSpeed, link.state.RxLinkSpeed);
        }
        out.push_back(std::move(info));
    }
    return out;
}

result<bm::buffer_plan> host::plan(device_id device) const
{
    auto d_r = impl_->find_device(device);
    if (!d_r)
        return std::move(d_r).err();
    const impl::device_record& d = **d_r;

    // A refused start is still a plan: one that says why there is nothing to build.
    if (d.start_error) {
        bm::buffer_plan p;
        p.adapter = d.name;
        p.errors.push_back(d.start_error->message);
        return p;
    }
    return plan(device, bm::protocol_preferences{}); // no preferences: the defaults' plan
}

result<bm::nic_constraints> host::constraints(device_id device) const
{
    auto a = impl_->started_adapter(device, "constraints");
    if (!a)
        return std::move(a).err();
    return to_nic_constraints(**a);
}

result<bm::buffer_plan> host::plan(device_id device, const bm::protocol_preferences& prefs) const
{
    auto a = impl_->started_adapter(device, "plan");
    if (!a)
        return std::move(a).err();
    const bm::nic_constraints nic = to_nic_constraints(**a);
    if (auto v = bm::validate_registration(prefs.registered, nic); !v)
        return std::move(v).err();
    bm::buffer_plan p = bm::make_plan(nic, prefs);
    p.adapter = (*a)->name();
    return p;
}

result<std::unique_ptr<datapath::datapath>> host::open_datapath(device_id device,
                                                                const datapath::options& options)
{
    auto a = impl_->started_adapter(device, "open_datapath");
    if (!a)
        return std::move(a).err();
    bm::buffer_plan p = options.plan ? *options.plan : bm::make_plan(to_nic_constraints(**a));
    p.adapter = (*a)->name();
    return datapath::open(**a, p, options, impl_->find_device(device).value()->datapath);
}

} // namespace netcx::host
