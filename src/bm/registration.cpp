// SPDX-License-Identifier: MIT
// Registration mode's refusals: the ranges a protocol registers are checked before anything is
// planned or mapped. Each refusal is one named invalid_parameter error (and one log line) that
// names the range by index and address: a null base, zero bytes, a range that wraps the address
// space, a base or length not a multiple of the NIC's buffer alignment (the larger of Rx and Tx,
// so every buffer carved from a range and every Tx payload at its start is aligned for the
// NIC), and two ranges that overlap (found by sorting the ranges by base: if any two overlap,
// two neighbours do).
#include <netcx/bm/plan.hpp>

#include "base/diag.hpp"
#include "bm/plan_rules.hpp"

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <vector>

namespace netcx::bm {

result<void> validate_registration(const std::vector<registered_range>& ranges,
                                   const nic_constraints& nic)
{
    using plan_rules::nic_alignment;
    if (ranges.empty())
        return {};
    const std::uint32_t rx_align = nic_alignment(nic.rx).value;
    const std::uint32_t tx_align = nic_alignment(nic.tx).value;
    const std::uint32_t align = std::max(rx_align, tx_align);

    for (std::size_t i = 0; i < ranges.size(); ++i) {
        const registered_range& r = ranges[i];
        if (r.base == 0)
            return fail(status::invalid_parameter,
                        "registered range {}: null base ({} bytes): register memory the protocol "
                        "owns",
                        i, r.bytes);
        if (r.bytes == 0)
            return fail(status::invalid_parameter, "registered range {} at {:#x}: zero bytes", i,
                        r.base);
        if (r.bytes - 1 > plan_rules::unlimited - r.base)
            return fail(status::invalid_parameter,
                        "registered range {} at {:#x}: {} bytes wrap around the end of the "
                        "address space",
                        i, r.base, r.bytes);
        if (r.base % align != 0)
            return fail(status::invalid_parameter,
                        "registered range {}: base {:#x} is not a multiple of the NIC's buffer "
                        "alignment {} (the larger of Rx FragmentBufferAlignment {} and Tx {})",
                        i, r.base, align, rx_align, tx_align);
        if (r.bytes % align != 0)
            return fail(status::invalid_parameter,
                        "registered range {} at {:#x}: length {} is not a multiple of the NIC's "
                        "buffer alignment {} (the larger of Rx FragmentBufferAlignment {} and Tx "
                        "{})",
                        i, r.base, r.bytes, align, rx_align, tx_align);
    }

    std::vector<std::size_t> order(ranges.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return ranges[a].base < ranges[b].base || (ranges[a].base == ranges[b].base && a < b);
    });
    for (std::size_t k = 1; k < order.size(); ++k) {
        const std::size_t lo = order[k - 1];
        const std::size_t hi = order[k];
        const std::uint64_t lo_last = ranges[lo].base + (ranges[lo].bytes - 1);
        if (ranges[hi].base > lo_last)
            continue;
        const std::size_t a = std::min(lo, hi);
        const std::size_t b = std::max(lo, hi);
        return fail(status::invalid_parameter,
                    "registered ranges {} ({:#x}..{:#x}) and {} ({:#x}..{:#x}) overlap", a,
                    ranges[a].base, ranges[a].base + (ranges[a].bytes - 1), b, ranges[b].base,
                    ranges[b].base + (ranges[b].bytes - 1));
    }
    return {};
}

} // namespace netcx::bm
