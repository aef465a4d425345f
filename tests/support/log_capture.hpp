// SPDX-License-Identifier: MIT
// Collects netcx log lines for the lifetime of the object, so a test can assert the named error.
#pragma once

#include <netcx/base/log.hpp>

#include <mutex>
#include <string>
#include <vector>

namespace netcx::test {

class log_capture {
public:
    log_capture()
    {
        previous_ = set_log_sink([this](log_level l, std::string_view s) {
            const std::lock_guard g{lock_};
            lines_.emplace_back(std::string{to_string(l)} + ": " + std::string{s});
        });
    }
    ~log_capture() { set_log_sink(std::move(previous_)); }
    log_capture(const log_capture&) = delete;
    log_capture& operator=(const log_capture&) = delete;

    /// True if some line contains `needle`.
    bool has(std::string_view needle) const
    {
        const std::lock_guard g{lock_};
        for (const auto& l : lines_)
            if (l.find(needle) != std::string::npos)
                return true;
        return false;
    }
    std::string all() const
    {
        const std::lock_guard g{lock_};
        std::string s;
        for (const auto& l : lines_)
            s += l + "\n";
        return s;
    }
    std::size_t count() const
    {
        const std::lock_guard g{lock_};
        return lines_.size();
    }

private:
    mutable std::mutex lock_;
    std::vector<std::string> lines_;
    log_sink previous_;
};

} // namespace netcx::test
