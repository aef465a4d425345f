// SPDX-License-Identifier: MIT
// WDFDEVICE and WDFDEVICE_INIT: a device the host added to a driver, with its parameters and the
// DMA address space it sits on (chosen by the host from `dma=`; the platform's job on Windows).
#pragma once

#include "wdf/object.hpp"

#include <netcx/bm/address_space.hpp>

#include <wdfdevice.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace netcx::adapter {
class adapter;
}

namespace netcx::wdf {
class driver;
class device;
using device_params = std::vector<std::pair<std::string, std::string>>;
} // namespace netcx::wdf

/// Built by the host for one EvtDriverDeviceAdd call; consumed by WdfDeviceCreate.
struct WDFDEVICE_INIT {
    netcx::wdf::driver* driver = nullptr;
    netcx::wdf::device_params params;
    std::unique_ptr<netcx::bm::address_space> space; // never null
    std::string space_name;                          // "identity", "iommu", "physical"
    bool net_adapter_configured = false;             // NetAdapterDeviceInitConfig was called
    WDF_PNPPOWER_EVENT_CALLBACKS pnp{};
    netcx::wdf::device* created = nullptr; // set by WdfDeviceCreate
};

namespace netcx::wdf {

class device final : public object {
public:
    static constexpr object_kind object_kind_v = object_kind::device;

    /// Takes the init's parameters, callbacks and address space.
    device(driver& owner, object* parent, WDFDEVICE_INIT& init);

    [[nodiscard]] driver& owner_driver() const noexcept { return owner_; }
    [[nodiscard]] const device_params& params() const noexcept { return params_; }
    /// The last value given for `key`, if any.
    [[nodiscard]] std::optional<std::string_view> param(std::string_view key) const noexcept;
    [[nodiscard]] const WDF_PNPPOWER_EVENT_CALLBACKS& pnp() const noexcept { return pnp_; }
    [[nodiscard]] bm::address_space& address_space() const noexcept { return *space_; }

    /// The device's adapter (NetAdapterCreate sets it; one per device).
    adapter::adapter* net_adapter = nullptr;

private:
    ~device() override;
    driver& owner_;
    device_params params_;
    WDF_PNPPOWER_EVENT_CALLBACKS pnp_;
    std::unique_ptr<bm::address_space> space_;
};

} // namespace netcx::wdf
