// SPDX-License-Identifier: MIT
// WDFSTRING: owns its characters; hands out a UNICODE_STRING view of them.
#pragma once

#include "wdf/object.hpp"

#include <wdfstring.h>

#include <string>

namespace netcx::wdf {

class wdf_string final : public object {
public:
    static constexpr object_kind object_kind_v = object_kind::string;

    wdf_string(object* parent, std::wstring value);
    [[nodiscard]] UNICODE_STRING view() const noexcept;
    [[nodiscard]] const std::wstring& value() const noexcept { return value_; }

private:
    ~wdf_string() override;
    std::wstring value_;
};

/// Converts a counted UNICODE_STRING (Length in bytes) to UTF-8 (ASCII is what drivers use).
[[nodiscard]] std::string narrow(const UNICODE_STRING& s);
[[nodiscard]] std::wstring widen(std::string_view s);

} // namespace netcx::wdf
