// SPDX-License-Identifier: MIT
// sink's parameters, completion and report; the checks are common/receiver.cpp's.
#include "sink/sink.hpp"

#include "base/diag.hpp"
#include "common/params.hpp"

namespace netcx::protocols {

result<std::unique_ptr<builtin>> sink::make(const params& p)
{
    const param_reader r{"sink", p};
    NETCX_TRY(r.check_keys({"expect", "flows", "rxq"}));
    auto expect = r.number("expect", 0, 0, UINT64_MAX);
    if (!expect)
        return std::move(expect).err();
    auto flows = r.number("flows", 64, 1, 4096);
    if (!flows)
        return std::move(flows).err();
    auto rxq = r.number("rxq", 1, 1, 64);
    if (!rxq)
        return std::move(rxq).err();
    return std::unique_ptr<builtin>{
        new sink(*expect, static_cast<std::uint32_t>(*flows), static_cast<std::uint32_t>(*rxq))};
}

protocol::preferences sink::preferences() const
{
    protocol::preferences p;
    p.rx_queues = rxq_;
    return p;
}

result<void> sink::start(std::span<protocol::binding* const> bindings)
{
    if (bindings.size() != 1 || bindings[0] == nullptr)
        return fail(status::invalid_parameter, "sink: start needs 1 binding, got {}",
                    bindings.size());
    return {};
}

bool sink::done() const noexcept
{
    return expect_ != 0 && rx_.unique() >= expect_;
}

traffic_report sink::report() const
{
    traffic_report r;
    rx_.fill(r);
    if (expect_ != 0 && stopped_.load(std::memory_order_relaxed)) {
        const std::uint64_t u = rx_.unique();
        r.lost = u < expect_ ? expect_ - u : 0;
    }
    return r;
}

} // namespace netcx::protocols
