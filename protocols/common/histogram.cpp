// SPDX-License-Identifier: MIT
// Percentiles of summed histograms (report time: one pass over the buckets).
#include "common/histogram.hpp"

#include <algorithm>
#include <vector>

namespace netcx::protocols {

latency_summary latency_histogram::summarize(std::span<const latency_histogram* const> hs)
{
    std::vector<std::uint64_t> sum(buckets, 0);
    latency_summary r;
    for (const latency_histogram* h : hs) {
        for (std::size_t i = 0; i < buckets; ++i) {
            const std::uint64_t c = h->counts_[i].load(std::memory_order_relaxed);
            sum[i] += c;
            r.count += c;
        }
        r.max_ns = std::max(r.max_ns, h->max_.load(std::memory_order_relaxed));
    }
    if (r.count == 0)
        return r;
    // The value at rank ceil(q * count) (1-based), as its bucket's upper bound.
    auto at = [&](std::uint64_t per_mille_tenths) {
        const std::uint64_t rank =
            std::max<std::uint64_t>(1, (r.count * per_mille_tenths + 9999) / 10000);
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < buckets; ++i) {
            seen += sum[i];
            if (seen >= rank)
                return std::min(upper(i), r.max_ns);
        }
        return r.max_ns;
    };
    r.p50_ns = at(5000);
    r.p99_ns = at(9900);
    r.p999_ns = at(9990);
    return r;
}

} // namespace netcx::protocols
