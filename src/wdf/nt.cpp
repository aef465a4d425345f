// SPDX-License-Identifier: MIT
// The two ntddk/ntdef functions drivers call outside WDF: RtlInitUnicodeString and DbgPrint.
#include "base/diag.hpp"

#include <ntddk.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cwchar>
#include <string>

extern "C" {

void RtlInitUnicodeString(PUNICODE_STRING Destination, PCWSTR Source)
{
    if (Destination == nullptr) {
        netcx::log(netcx::log_level::error,
                   "RtlInitUnicodeString: Destination is NULL (STATUS_INVALID_PARAMETER)");
        return;
    }
    if (Source == nullptr) {
        *Destination = UNICODE_STRING{0, 0, nullptr};
        return;
    }
    // Windows clips at the longest length a USHORT counts with room for the terminator (65532
    // bytes of 2-byte WCHARs there, 65528 of 4-byte ones here).
    constexpr std::size_t max_bytes = (0xFFFF / sizeof(WCHAR) - 1) * sizeof(WCHAR);
    const std::size_t bytes = std::min(std::wcslen(Source) * sizeof(WCHAR), max_bytes);
    Destination->Length = static_cast<USHORT>(bytes);
    Destination->MaximumLength = static_cast<USHORT>(bytes + sizeof(WCHAR));
    Destination->Buffer = const_cast<PWCH>(Source);
}

ULONG DbgPrint(PCSTR Format, ...)
{
    if (Format == nullptr)
        return 0;
    std::va_list args;
    va_start(args, Format);
    std::va_list copy;
    va_copy(copy, args);
    const int n = std::vsnprintf(nullptr, 0, Format, copy);
    va_end(copy);
    std::string line;
    if (n > 0) {
        line.resize(static_cast<std::size_t>(n) + 1);
        std::vsnprintf(line.data(), line.size(), Format, args);
        line.resize(static_cast<std::size_t>(n));
    }
    va_end(args);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.pop_back();
    netcx::log_line(netcx::log_level::debug, line);
    return 0; // STATUS_SUCCESS
}

} // extern "C"
