// SPDX-License-Identifier: MIT
// names() and make(): the built-in protocols by name.
#include "base/diag.hpp"
#include "bridge/bridge.hpp"
#include "capture/capture.hpp"
#include "echo/echo.hpp"
#include "pktgen/pktgen.hpp"
#include "sink/sink.hpp"

#include <netcx/protocols/builtin.hpp>

namespace netcx::protocols {

std::vector<std::string> names()
{
    return {"pktgen", "sink", "echo", "bridge", "capture"};
}

result<std::unique_ptr<builtin>> make(std::string_view name, const params& p,
                                      std::unique_ptr<builtin> inner)
{
    if (name == "capture")
        return capture::make(p, std::move(inner));
    if (inner != nullptr)
        return fail(status::invalid_parameter,
                    "{}: does not wrap another protocol (only capture does)", name);
    if (name == "pktgen")
        return pktgen::make(p);
    if (name == "sink")
        return sink::make(p);
    if (name == "echo")
        return echo::make(p);
    if (name == "bridge")
        return bridge::make(p);
    return fail(status::invalid_parameter,
                "unknown protocol '{}' (built-in: pktgen, sink, echo, bridge, capture)", name);
}

} // namespace netcx::protocols
