// SPDX-License-Identifier: MIT
// echo's parameters and report; the work is forward() (common/forward.cpp).
#include "echo/echo.hpp"

#include "base/diag.hpp"
#include "common/params.hpp"

namespace netcx::protocols {

result<std::unique_ptr<builtin>> echo::make(const params& p)
{
    const param_reader r{"echo", p};
    NETCX_TRY(r.check_keys({"queues"}));
    auto queues = r.number("queues", 1, 1, 64);
    if (!queues)
        return std::move(queues).err();
    return std::unique_ptr<builtin>{new echo(static_cast<std::uint32_t>(*queues))};
}

protocol::preferences echo::preferences() const
{
    protocol::preferences p;
    p.rx_queues = queues_;
    p.tx_queues = queues_;
    return p;
}

result<void> echo::start(std::span<protocol::binding* const> bindings)
{
    if (bindings.size() != 1 || bindings[0] == nullptr)
        return fail(status::invalid_parameter, "echo: start needs 1 binding, got {}",
                    bindings.size());
    return {};
}

traffic_report echo::report() const
{
    traffic_report r;
    r.received = counters_.received.load(std::memory_order_relaxed);
    r.received_bytes = counters_.received_bytes.load(std::memory_order_relaxed);
    r.forwarded = counters_.forwarded.load(std::memory_order_relaxed);
    r.sent = r.forwarded;
    r.sent_bytes = counters_.sent_bytes.load(std::memory_order_relaxed);
    r.send_refused = counters_.refused.load(std::memory_order_relaxed);
    r.foreign = counters_.runts.load(std::memory_order_relaxed);
    return r;
}

} // namespace netcx::protocols
