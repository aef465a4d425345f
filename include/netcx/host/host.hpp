// SPDX-License-Identifier: MIT
/// @file
/// The host: plays the PnP manager's and the loader's part for NetAdapterCx client drivers.
///
/// It loads a driver (built in, or a shared object exporting `DriverEntry`), adds devices to it
/// with parameters (`key=value`; `dma=identity|iommu|physical` and `iommu_bits=N` choose the DMA
/// address space the device sits on), starts them (PrepareHardware, EvtAdapterSetCapabilities,
/// D0Entry), lists their adapters, and stops, removes and unloads with nothing leaked. A driver
/// callback's failure comes back as a host error naming the driver, the callback and the NTSTATUS.
///
/// Context: control path; one thread at a time.
#pragma once

#include <netcx/base/status.hpp>
#include <netcx/bm/plan.hpp>
#include <netcx/datapath/datapath.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct _DRIVER_OBJECT;
struct _UNICODE_STRING;

namespace netcx::host {

/// DriverEntry's signature (DRIVER_INITIALIZE), without pulling the C headers in.
using driver_entry = std::int32_t(_DRIVER_OBJECT*, _UNICODE_STRING*);

enum class driver_id : std::uint32_t {};
enum class device_id : std::uint32_t {};

using params = std::vector<std::pair<std::string, std::string>>;

/// Parses "KEY=VALUE"; fails with a named error on a missing '=' or an empty key.
result<std::pair<std::string, std::string>> parse_param(std::string_view text);

struct adapter_info {
    device_id device;
    std::string driver; ///< the driver's name
    std::string name;   ///< "adapter0", ...
    bool started = false;
    std::uint32_t mtu = 0;
    std::string mac; ///< "02:00:00:00:00:01", empty if unset
    bool link_up = false;
    std::uint64_t link_speed = 0; ///< bits per second
};

class host {
public:
    host();
    ~host(); ///< stops and removes every device, unloads every driver
    host(const host&) = delete;
    host& operator=(const host&) = delete;

    /// Makes `entry` loadable as `name`.
    void register_builtin(std::string name, driver_entry* entry);
    [[nodiscard]] std::vector<std::string> builtin_names() const;

    /// Loads a built-in by name, or a shared object by path (anything containing '/' or ending
    /// in ".so"), and runs its DriverEntry, which must call WdfDriverCreate.
    result<driver_id> load_driver(std::string_view name_or_path);
    /// Adds a device: builds its WDFDEVICE_INIT and runs EvtDriverDeviceAdd.
    result<device_id> add_device(driver_id driver, const params& device_params = {});
    /// PrepareHardware, EvtAdapterSetCapabilities (datapath capabilities validated), D0Entry.
    result<void> start_device(device_id device);
    /// D0Exit, ReleaseHardware; the device can be started again.
    result<void> stop_device(device_id device);
    /// Stops it if started, then deletes the device and everything under it.
    result<void> remove_device(device_id device);
    /// Removes the driver's devices, calls EvtDriverUnload, deletes the driver, unloads the .so.
    result<void> unload_driver(driver_id driver);

    [[nodiscard]] std::vector<adapter_info> adapters() const;
    /// The buffer plan for a started device's adapter.
    result<bm::buffer_plan> plan(device_id device) const;
    /// The plan negotiated with a protocol's preferences (registered ranges validated first).
    result<bm::buffer_plan> plan(device_id device, const bm::protocol_preferences& prefs) const;
    /// A started device's adapter's constraints, as the plan sees them.
    result<bm::nic_constraints> constraints(device_id device) const;
    /// Opens a started device's datapath (queues, pools, execution contexts). Close it (or destroy
    /// it) before stopping the device; stop_device refuses while one is open.
    result<std::unique_ptr<datapath::datapath>> open_datapath(device_id device,
                                                              const datapath::options& options);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace netcx::host
