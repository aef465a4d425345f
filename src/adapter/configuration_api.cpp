// SPDX-License-Identifier: MIT
// NETCONFIGURATION entry points: the driver reads its device's parameters (the host's
// `KEY=VALUE` list, Windows' registry keywords) by name. Names compare case-insensitively, as
// registry value names do; when a name is given twice the last value wins, as in
// wdf::device::param(). A missing parameter is an answer, not a driver error: it is logged at
// debug level only, since drivers probe optional keywords and fall back to defaults.
#include "adapter/adapter.hpp"
#include "adapter/handle.hpp"

#include "wdf/device.hpp"
#include "wdf/string.hpp"

#include <netconfiguration.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <string_view>

using netcx::wdf::object;

namespace netcx::adapter {
namespace {

constexpr std::string_view network_address_key = "NetworkAddress";
constexpr std::size_t network_address_length = 6;

bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) {
            return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        };
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

std::optional<std::string_view> find_param(const configuration& c, std::string_view name) noexcept
{
    std::optional<std::string_view> found;
    for (const auto& [key, value] : c.owner_adapter().owner_device().params())
        if (iequals(key, name))
            found = value;
    return found;
}

int hex_digit(char c) noexcept
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// Decimal, or hexadecimal after 0x; `bare_hex`: digits without a prefix are hexadecimal too
/// (NET_CONFIGURATION_QUERY_ULONG_MAY_BE_STORED_AS_HEX_STRING). Null if not a ULONG.
std::optional<ULONG> parse_ulong(std::string_view text, bool bare_hex) noexcept
{
    unsigned base = bare_hex ? 16 : 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text.remove_prefix(2);
    }
    if (text.empty())
        return std::nullopt;
    std::uint64_t v = 0;
    for (char c : text) {
        const int d = hex_digit(c);
        if (d < 0 || static_cast<unsigned>(d) >= base)
            return std::nullopt;
        v = v * base + static_cast<unsigned>(d);
        if (v > 0xFFFFFFFFu)
            return std::nullopt;
    }
    return static_cast<ULONG>(v);
}

/// "02-00-00-00-00-01", "02:00:00:00:00:01" or "020000000001": 12 hex digits, with an optional
/// separator ('-' or ':', the same one throughout) between byte pairs.
std::optional<std::array<UCHAR, network_address_length>> parse_mac(std::string_view text) noexcept
{
    std::array<UCHAR, network_address_length> mac{};
    char separator = 0;
    std::size_t digits = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '-' || c == ':') {
            // Only between pairs: after an even, nonzero count and before more digits.
            if (digits == 0 || digits % 2 != 0 || digits == 2 * network_address_length ||
                i + 1 == text.size() || (separator != 0 && separator != c) ||
                hex_digit(text[i + 1]) < 0)
                return std::nullopt;
            separator = c;
            continue;
        }
        const int d = hex_digit(c);
        if (d < 0 || digits == 2 * network_address_length)
            return std::nullopt;
        mac[digits / 2] = static_cast<UCHAR>(mac[digits / 2] << 4 | d);
        ++digits;
    }
    if (digits != 2 * network_address_length)
        return std::nullopt;
    return mac;
}

/// Checks a value name a driver passed; refuses by name.
NTSTATUS check_name(PCUNICODE_STRING name, std::string_view api)
{
    if (name == nullptr)
        return wdf::refuse(STATUS_INVALID_PARAMETER, api, "ValueName is NULL");
    if (name->Length == 0 || name->Length % sizeof(WCHAR) != 0 || name->Buffer == nullptr ||
        name->Length > name->MaximumLength)
        return wdf::refuse(STATUS_INVALID_PARAMETER, api,
                           "ValueName has Length {} bytes, MaximumLength {}, Buffer {}; must be a "
                           "non-empty counted string of WCHARs",
                           name->Length, name->MaximumLength, fmt::ptr(name->Buffer));
    return STATUS_SUCCESS;
}

NTSTATUS not_found(std::string_view api, std::string_view name)
{
    log(log_level::debug, "{}: no parameter '{}' ({})", api, name,
        wdf::ntstatus_name(STATUS_OBJECT_NAME_NOT_FOUND));
    return STATUS_OBJECT_NAME_NOT_FOUND;
}

} // namespace
} // namespace netcx::adapter

using namespace netcx::adapter;

extern "C" {

NTSTATUS NetAdapterOpenConfiguration(NETADAPTER Adapter,
                                     PWDF_OBJECT_ATTRIBUTES ConfigurationAttributes,
                                     NETCONFIGURATION* Configuration)
{
    constexpr std::string_view api = "NetAdapterOpenConfiguration";
    if (Configuration != nullptr)
        *Configuration = nullptr;
    NTSTATUS why = STATUS_SUCCESS;
    auto* a = lookup<adapter>(Adapter, api, why);
    if (a == nullptr)
        return why;
    if (NTSTATUS s = netcx::wdf::check_attributes(ConfigurationAttributes, api); !NT_SUCCESS(s))
        return s;
    // The configuration refers to its adapter, so it is always the adapter's child (as on
    // Windows, where the framework sets the parent).
    if (ConfigurationAttributes != nullptr && ConfigurationAttributes->ParentObject != nullptr &&
        ConfigurationAttributes->ParentObject != a->handle())
        return netcx::wdf::refuse(STATUS_INVALID_PARAMETER, api,
                                  "ConfigurationAttributes->ParentObject is {}; must be NULL (the "
                                  "configuration is the adapter's child)",
                                  fmt::ptr(ConfigurationAttributes->ParentObject));
    if (Configuration == nullptr)
        return netcx::wdf::refuse(STATUS_INVALID_PARAMETER, api,
                                  "Configuration (the out pointer) is NULL");
    if (a->deleting())
        return netcx::wdf::refuse(STATUS_INVALID_DEVICE_STATE, api, "{} is being deleted",
                                  a->name());
    configuration* c = nullptr;
    try {
        c = new configuration(*a, a);
    } catch (const std::bad_alloc&) {
        return netcx::wdf::refuse(STATUS_INSUFFICIENT_RESOURCES, api, "out of memory");
    }
    if (NTSTATUS s = netcx::wdf::apply_attributes(*c, ConfigurationAttributes, api); !NT_SUCCESS(s))
        return s;
    *Configuration = static_cast<NETCONFIGURATION>(c->handle());
    return STATUS_SUCCESS;
}

VOID NetConfigurationClose(NETCONFIGURATION Configuration)
{
    NTSTATUS why = STATUS_SUCCESS;
    if (auto* c = lookup<configuration>(Configuration, "NetConfigurationClose", why))
        c->delete_tree();
}

NTSTATUS NetConfigurationQueryUlong(NETCONFIGURATION Configuration,
                                    NET_CONFIGURATION_QUERY_ULONG_FLAGS Flags,
                                    PCUNICODE_STRING ValueName, PULONG Value)
{
    constexpr std::string_view api = "NetConfigurationQueryUlong";
    NTSTATUS why = STATUS_SUCCESS;
    auto* c = lookup<configuration>(Configuration, api, why);
    if (c == nullptr)
        return why;
    unsigned flags = 0;
    std::memcpy(&flags, &Flags, sizeof flags); // may hold bits no enumerator names
    if ((flags & ~unsigned{NET_CONFIGURATION_QUERY_ULONG_MAY_BE_STORED_AS_HEX_STRING}) != 0)
        return netcx::wdf::refuse(STATUS_INVALID_PARAMETER, api,
                                  "Flags is {:#x}; only "
                                  "NET_CONFIGURATION_QUERY_ULONG_MAY_BE_STORED_AS_HEX_STRING "
                                  "(0x1) exists",
                                  flags);
    if (NTSTATUS s = check_name(ValueName, api); !NT_SUCCESS(s))
        return s;
    if (Value == nullptr)
        return netcx::wdf::refuse(STATUS_INVALID_PARAMETER, api, "Value (the out pointer) is NULL");
    const std::string name = netcx::wdf::narrow(*ValueName);
    const auto text = find_param(*c, name);
    if (!text)
        return not_found(api, name);
    const auto v = parse_ulong(
        *text, (flags & NET_CONFIGURATION_QUERY_ULONG_MAY_BE_STORED_AS_HEX_STRING) != 0);
    if (!v)
        return netcx::wdf::refuse(
            STATUS_INVALID_PARAMETER, api,
            "parameter '{}' is '{}'; not a ULONG (decimal, or hex after 0x{})", name, *text,
            (flags & NET_CONFIGURATION_QUERY_ULONG_MAY_BE_STORED_AS_HEX_STRING) != 0
                ? "; hex without it too"
                : "");
    *Value = *v;
    return STATUS_SUCCESS;
}

NTSTATUS NetConfigurationQueryString(NETCONFIGURATION Configuration, PCUNICODE_STRING ValueName,
                                     PWDF_OBJECT_ATTRIBUTES StringAttributes, WDFSTRING* WdfString)
{
    constexpr std::string_view api = "NetConfigurationQueryString";
    if (WdfString != nullptr)
        *WdfString = nullptr;
    NTSTATUS why = STATUS_SUCCESS;
    auto* c = lookup<configuration>(Configuration, api, why);
    if (c == nullptr)
        return why;
    if (NTSTATUS s = check_name(ValueName, api); !NT_SUCCESS(s))
        return s;
    if (NTSTATUS s = netcx::wdf::check_attributes(StringAttributes, api); !NT_SUCCESS(s))
        return s;
    if (WdfString == nullptr)
        return netcx::wdf::refuse(STATUS_INVALID_PARAMETER, api,
                                  "WdfString (the out pointer) is NULL");
    const std::string name = netcx::wdf::narrow(*ValueName);
    const auto text = find_param(*c, name);
    if (!text)
        return not_found(api, name);
    netcx::wdf::wdf_string* s = nullptr;
    try {
        s = new netcx::wdf::wdf_string(netcx::wdf::parent_for(StringAttributes, c),
                                       netcx::wdf::widen(*text));
    } catch (const std::bad_alloc&) {
        return netcx::wdf::refuse(STATUS_INSUFFICIENT_RESOURCES, api, "out of memory");
    }
    if (NTSTATUS st = netcx::wdf::apply_attributes(*s, StringAttributes, api); !NT_SUCCESS(st))
        return st;
    *WdfString = static_cast<WDFSTRING>(s->handle());
    return STATUS_SUCCESS;
}

NTSTATUS NetConfigurationQueryNetworkAddress(NETCONFIGURATION Configuration, ULONG BufferLength,
                                             PVOID NetworkAddressBuffer, PULONG ResultLength)
{
    constexpr std::string_view api = "NetConfigurationQueryNetworkAddress";
    NTSTATUS why = STATUS_SUCCESS;
    auto* c = lookup<configuration>(Configuration, api, why);
    if (c == nullptr)
        return why;
    if (ResultLength == nullptr)
        return netcx::wdf::refuse(STATUS_INVALID_PARAMETER, api,
                                  "ResultLength (the out pointer) is NULL");
    *ResultLength = 0;
    const auto text = find_param(*c, network_address_key);
    if (!text)
        return not_found(api, network_address_key);
    const auto mac = parse_mac(*text);
    if (!mac)
        return netcx::wdf::refuse(STATUS_INVALID_PARAMETER, api,
                                  "parameter '{}' is '{}'; expected 12 hex digits, optionally in "
                                  "pairs separated by '-' or ':' (02-00-00-00-00-01)",
                                  network_address_key, *text);
    *ResultLength = network_address_length;
    if (BufferLength < network_address_length)
        return netcx::wdf::refuse(STATUS_BUFFER_TOO_SMALL, api,
                                  "BufferLength is {}; the network address needs {} bytes",
                                  BufferLength, network_address_length);
    if (NetworkAddressBuffer == nullptr)
        return netcx::wdf::refuse(STATUS_INVALID_PARAMETER, api, "NetworkAddressBuffer is NULL");
    std::memcpy(NetworkAddressBuffer, mac->data(), network_address_length);
    return STATUS_SUCCESS;
}

} // extern "C"
