// SPDX-License-Identifier: MIT
// WDFDRIVER and the DRIVER_OBJECT the host hands to DriverEntry.
#pragma once

#include "wdf/object.hpp"

#include <wdfdriver.h>

#include <string>

namespace netcx::wdf {
class driver;
}

/// What DriverEntry receives. The host owns it; WdfDriverCreate fills `created`.
struct _DRIVER_OBJECT {
    std::string name;                      // for log lines: "driver 'seed'"
    netcx::wdf::driver* created = nullptr; // set once by WdfDriverCreate
};

namespace netcx::wdf {

class driver final : public object {
public:
    static constexpr object_kind object_kind_v = object_kind::driver;

    driver(DRIVER_OBJECT& os_object, const WDF_DRIVER_CONFIG& config);

    [[nodiscard]] const WDF_DRIVER_CONFIG& config() const noexcept { return config_; }
    [[nodiscard]] const std::string& name() const noexcept { return os_object_.name; }

private:
    ~driver() override;
    void on_delete() noexcept override;
    DRIVER_OBJECT& os_object_;
    WDF_DRIVER_CONFIG config_;
};

} // namespace netcx::wdf
