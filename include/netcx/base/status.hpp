// SPDX-License-Identifier: MIT
/// @file
/// Typed status codes and `result<T>`, the error model of netcx's C++ API.
///
/// `status` is the NTSTATUS of the C++ side: a closed set of codes a caller can branch on.
/// `error` adds the human sentence that names what was wrong; it is built on slow paths only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace netcx {

enum class status : std::uint8_t {
    ok,
    invalid_parameter,   ///< a caller passed a value outside the documented range
    integer_overflow,    ///< a size computation wrapped
    no_memory,           ///< memory (or a pool) is exhausted
    not_supported,       ///< the request is valid but this machine or device cannot do it
    access_denied,       ///< the operation needs a privilege the process lacks
    address_unreachable, ///< memory lies outside what a device can address
    double_free,         ///< a buffer was freed that the pool already holds
    foreign_buffer,      ///< a buffer or pointer that does not belong to the pool
    busy,                ///< the object still holds resources that must come back first
    fault_injected,      ///< a failure forced by the fault injector (tests)
};

[[nodiscard]] std::string_view to_string(status s) noexcept;

/// A failure: the code to branch on and the sentence to show a person.
struct error {
    status code = status::invalid_parameter;
    std::string message;
};

/// `T` or an `error` (a small stand-in for C++23 `std::expected`).
template <class T>
class [[nodiscard]] result {
public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    result(error e) : v_(std::in_place_index<1>, std::move(e)) {}

    [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const T& value() const& { return std::get<0>(v_); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    [[nodiscard]] const netcx::error& err() const& { return std::get<1>(v_); }
    [[nodiscard]] netcx::error&& err() && { return std::get<1>(std::move(v_)); }
    [[nodiscard]] status code() const noexcept { return ok() ? status::ok : err().code; }

private:
    std::variant<T, netcx::error> v_;
};

/// `result<void>`: success or an error.
template <>
class [[nodiscard]] result<void> {
public:
    result() = default;
    result(error e) : e_(std::move(e)), failed_(true) {}

    [[nodiscard]] bool ok() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return ok(); }
    [[nodiscard]] const netcx::error& err() const& { return e_; }
    [[nodiscard]] netcx::error&& err() && { return std::move(e_); }
    [[nodiscard]] status code() const noexcept { return failed_ ? e_.code : status::ok; }

private:
    netcx::error e_;
    bool failed_ = false;
};

} // namespace netcx

/// Propagates a failed `result` out of the enclosing function.
#define NETCX_TRY(expr)                                                                            \
    do {                                                                                           \
        if (auto netcx_try_r_ = (expr); !netcx_try_r_.ok())                                        \
            return std::move(netcx_try_r_).err();                                                  \
    } while (0)
