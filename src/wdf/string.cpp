// SPDX-License-Identifier: MIT
// WDFSTRING and the UTF-8 <-> wchar_t conversions the framework uses for names and parameters.
// wchar_t is UTF-32 on Linux; invalid UTF-8 becomes U+FFFD.
#include "wdf/string.hpp"

#include <algorithm>
#include <new>

namespace netcx::wdf {

wdf_string::wdf_string(object* parent, std::wstring value)
    : object(object_kind_v, parent), value_(std::move(value))
{
}

wdf_string::~wdf_string() = default;

UNICODE_STRING wdf_string::view() const noexcept
{
    // A USHORT counts bytes: clip to whole WCHARs, and count the terminator (always there) only
    // if it fits.
    constexpr std::size_t max_bytes = 0xFFFF / sizeof(WCHAR) * sizeof(WCHAR);
    UNICODE_STRING s;
    const std::size_t bytes = std::min(value_.size() * sizeof(WCHAR), max_bytes);
    s.Length = static_cast<USHORT>(bytes);
    s.MaximumLength = static_cast<USHORT>(std::min(bytes + sizeof(WCHAR), max_bytes));
    s.Buffer = const_cast<PWCH>(value_.c_str()); // drivers read it; KMDF's view is writable too
    return s;
}

std::string narrow(const UNICODE_STRING& s)
{
    std::string out;
    if (s.Buffer == nullptr)
        return out;
    const std::size_t n = s.Length / sizeof(WCHAR);
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        auto c = static_cast<std::uint32_t>(s.Buffer[i]);
        if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            c = 0xFFFD;
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (c < 0x800) {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out += static_cast<char>(0xE0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (c >> 18));
            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

std::wstring widen(std::string_view s)
{
    std::wstring out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t extra = 0;
        std::uint32_t c = 0;
        std::uint32_t min = 0;
        if (b < 0x80) {
            c = b;
        } else if ((b & 0xE0) == 0xC0) {
            extra = 1, c = b & 0x1F, min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            extra = 2, c = b & 0x0F, min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            extra = 3, c = b & 0x07, min = 0x10000;
        } else {
            out += L'\uFFFD';
            ++i;
            continue;
        }
        std::size_t j = 1;
        for (; j <= extra && i + j < s.size(); ++j) {
            const auto t = static_cast<unsigned char>(s[i + j]);
            if ((t & 0xC0) != 0x80)
                break;
            c = (c << 6) | (t & 0x3F);
        }
        if (j != extra + 1 || c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            out += L'\uFFFD';
            i += j; // skip the lead byte and the continuation bytes that were read
            continue;
        }
        out += static_cast<wchar_t>(c);
        i += extra + 1;
    }
    return out;
}

} // namespace netcx::wdf

using netcx::wdf::object;
using netcx::wdf::refuse;
using netcx::wdf::wdf_string;

extern "C" {

NTSTATUS WdfStringCreate(PCUNICODE_STRING UnicodeString, PWDF_OBJECT_ATTRIBUTES StringAttributes,
                         WDFSTRING* String)
{
    constexpr std::string_view api = "WdfStringCreate";
    if (String == nullptr)
        return refuse(STATUS_INVALID_PARAMETER, api, "String (the output handle) is NULL");
    *String = nullptr;
    std::wstring value;
    if (UnicodeString != nullptr) { // NULL: an empty string
        if (UnicodeString->Length % sizeof(WCHAR) != 0)
            return refuse(STATUS_INVALID_PARAMETER, api,
                          "UnicodeString.Length {} is not a whole number of WCHARs",
                          UnicodeString->Length);
        if (UnicodeString->Length > UnicodeString->MaximumLength)
            return refuse(STATUS_INVALID_PARAMETER, api,
                          "UnicodeString.Length {} exceeds its MaximumLength {}",
                          UnicodeString->Length, UnicodeString->MaximumLength);
        if (UnicodeString->Length != 0 && UnicodeString->Buffer == nullptr)
            return refuse(STATUS_INVALID_PARAMETER, api,
                          "UnicodeString.Buffer is NULL with Length {}", UnicodeString->Length);
    }
    if (NTSTATUS s = netcx::wdf::check_attributes(StringAttributes, api); !NT_SUCCESS(s))
        return s;
    wdf_string* o = nullptr;
    try {
        if (UnicodeString != nullptr && UnicodeString->Length != 0)
            value.assign(UnicodeString->Buffer, UnicodeString->Length / sizeof(WCHAR));
        // Without a ParentObject the string is a root: the driver deletes it.
        o = new wdf_string(netcx::wdf::parent_for(StringAttributes, nullptr), std::move(value));
    } catch (const std::bad_alloc&) {
        return refuse(STATUS_INSUFFICIENT_RESOURCES, api, "no memory for the string");
    }
    if (NTSTATUS s = netcx::wdf::apply_attributes(*o, StringAttributes, api); !NT_SUCCESS(s))
        return s;
    *String = static_cast<WDFSTRING>(o->handle());
    return STATUS_SUCCESS;
}

VOID WdfStringGetUnicodeString(WDFSTRING String, PUNICODE_STRING UnicodeString)
{
    constexpr std::string_view api = "WdfStringGetUnicodeString";
    auto* s = object::as<wdf_string>(String, api);
    if (s == nullptr)
        return;
    if (UnicodeString == nullptr) {
        refuse(STATUS_INVALID_PARAMETER, api, "UnicodeString (the output) is NULL");
        return;
    }
    *UnicodeString = s->view();
}

} // extern "C"
