// SPDX-License-Identifier: MIT
#include "host/device_params.hpp"

#include "base/diag.hpp"

#include <unistd.h>

#include <charconv>
#include <optional>

namespace netcx::host {
namespace {

constexpr unsigned min_iommu_bits = 12; // one page of IOVA space
constexpr unsigned max_iommu_bits = 64;

/// The last value given for `key` (later parameters override earlier ones, as for the driver).
std::optional<std::string_view> last_value(const params& p, std::string_view key)
{
    std::optional<std::string_view> v;
    for (const auto& [k, value] : p)
        if (k == key)
            v = value;
    return v;
}

} // namespace

result<std::pair<std::string, std::string>> parse_param(std::string_view text)
{
    const auto eq = text.find('=');
    if (eq == std::string_view::npos)
        return fail(status::invalid_parameter, "device parameter '{}' is not KEY=VALUE (no '=')",
                    text);
    if (eq == 0)
        return fail(status::invalid_parameter, "device parameter '{}' has an empty key", text);
    return std::pair{std::string{text.substr(0, eq)}, std::string{text.substr(eq + 1)}};
}

result<address_space_choice> choose_address_space(const params& p, std::string_view driver)
{
    const std::string_view dma = last_value(p, "dma").value_or("identity");
    const auto bits_text = last_value(p, "iommu_bits");

    if (bits_text && dma != "iommu")
        return fail(status::invalid_parameter,
                    "driver '{}': device parameter iommu_bits={} needs dma=iommu (dma is {})",
                    driver, *bits_text, dma);

    if (dma == "identity")
        return address_space_choice{std::make_unique<bm::identity_space>(), "identity"};

    if (dma == "iommu") {
        unsigned bits = max_iommu_bits;
        if (bits_text) {
            const char* first = bits_text->data();
            const char* last = first + bits_text->size();
            const auto [end, ec] = std::from_chars(first, last, bits);
            if (ec == std::errc::result_out_of_range)
                bits = 0; // reported as out of range below
            else if (ec != std::errc{} || end != last || first == last)
                return fail(status::invalid_parameter,
                            "driver '{}': device parameter iommu_bits={}: not a number", driver,
                            *bits_text);
            if (bits < min_iommu_bits || bits > max_iommu_bits)
                return fail(status::invalid_parameter,
                            "driver '{}': device parameter iommu_bits={}: out of range {}..{}",
                            driver, *bits_text, min_iommu_bits, max_iommu_bits);
        }
        return address_space_choice{std::make_unique<bm::software_iommu>(bits), "iommu"};
    }

    if (dma == "physical") {
        // Physical addresses come from /proc/self/pagemap, which shows frame numbers to root
        // only; refusing here beats a device that fails on its first DMA mapping.
        if (geteuid() != 0)
            return fail(status::access_denied,
                        "driver '{}': device parameter dma=physical needs root (physical "
                        "addresses come from /proc/self/pagemap); use dma=identity or dma=iommu",
                        driver);
        return address_space_choice{std::make_unique<bm::physical_space>(), "physical"};
    }

    return fail(status::invalid_parameter,
                "driver '{}': device parameter dma={}: unknown address space (identity, iommu or "
                "physical)",
                driver, dma);
}

} // namespace netcx::host
