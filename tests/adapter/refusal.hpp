// SPDX-License-Identifier: MIT
// Asserting a refusal: the call's NTSTATUS, exactly one logged line, and that line naming the API,
// the rule's words and the NTSTATUS.
#pragma once

#include "support/log_capture.hpp"

#include "wdf/object.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <string_view>

namespace netcx::test {

/// The first captured line containing `needle`, or "".
inline std::string line_with(const log_capture& log, std::string_view needle)
{
    std::istringstream in{log.all()};
    for (std::string line; std::getline(in, line);)
        if (line.find(needle) != std::string::npos)
            return line;
    return {};
}

/// Runs `call` and checks it returns `expected`, logs exactly one line, and that line contains
/// `api`, `needle` and the NTSTATUS name.
template <class F>
::testing::AssertionResult refused(F&& call, NTSTATUS expected, std::string_view api,
                                   std::string_view needle)
{
    log_capture log;
    const NTSTATUS got = call();
    if (got != expected)
        return ::testing::AssertionFailure()
               << "returned " << wdf::ntstatus_name(got) << ", expected "
               << wdf::ntstatus_name(expected) << "\nlog:\n"
               << log.all();
    if (log.count() != 1)
        return ::testing::AssertionFailure() << log.count() << " lines logged, expected 1:\n"
                                             << log.all();
    const std::string line = line_with(log, needle);
    if (line.empty() || line.find(api) == std::string::npos ||
        line.find(wdf::ntstatus_name(expected)) == std::string::npos)
        return ::testing::AssertionFailure() << "no line with '" << api << "', '" << needle
                                             << "' and " << wdf::ntstatus_name(expected) << " in:\n"
                                             << log.all();
    return ::testing::AssertionSuccess();
}

} // namespace netcx::test
