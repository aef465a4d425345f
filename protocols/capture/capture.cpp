// SPDX-License-Identifier: MIT
// capture: parameters, the per-batch write, and stop's flush.
#include "capture/capture.hpp"

#include "base/diag.hpp"
#include "common/params.hpp"

#include <chrono>

namespace netcx::protocols {

result<std::unique_ptr<builtin>> capture::make(const params& p, std::unique_ptr<builtin> inner)
{
    const param_reader r{"capture", p};
    NETCX_TRY(r.check_keys({"file", "snaplen", "tsresol"}));
    if (inner == nullptr)
        return fail(status::invalid_parameter,
                    "capture: needs a protocol to wrap (capture records what it receives)");
    const std::string* file = r.find("file");
    if (file == nullptr || file->empty())
        return fail(status::invalid_parameter, "capture: parameter file=PATH is required");
    auto snaplen = r.number("snaplen", 65535, 64, 262144);
    if (!snaplen)
        return std::move(snaplen).err();
    bool ns = false;
    if (const std::string* t = r.find("tsresol")) {
        if (*t == "ns")
            ns = true;
        else if (*t != "us")
            return r.bad("tsresol", "expected us or ns");
    }
    auto w = pcapng_writer::open(*file, static_cast<std::uint32_t>(*snaplen), ns);
    if (!w)
        return std::move(w).err();
    return std::unique_ptr<builtin>{new capture(std::move(*w), std::move(inner))};
}

void capture::on_receive(protocol::binding& b, std::uint32_t queue,
                         std::span<const protocol::rx_packet> packets,
                         std::span<const protocol::rx_fragment> fragments)
{
    {
        const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
        const std::lock_guard g{lock_};
        const auto ts = static_cast<std::uint64_t>(
            writer_->nanoseconds()
                ? std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count()
                : std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count());
        for (const auto& p : packets) {
            if (p.first_fragment > fragments.size() ||
                p.fragment_count > fragments.size() - p.first_fragment)
                continue;
            writer_->write(ts, fragments.subspan(p.first_fragment, p.fragment_count), p.length);
        }
    }
    inner_->on_receive(b, queue, packets, fragments);
}

void capture::stop()
{
    inner_->stop();
    const std::lock_guard g{lock_};
    writer_->flush();
    log(log_level::info, "capture: {} frames written to '{}'{}", writer_->packets(),
        writer_->path(),
        writer_->write_errors() != 0 ? fmt::format(" ({} write errors)", writer_->write_errors())
                                     : std::string{});
}

std::uint64_t capture::captured() const
{
    const std::lock_guard g{lock_};
    return writer_->packets();
}

std::uint64_t capture::write_errors() const
{
    const std::lock_guard g{lock_};
    return writer_->write_errors();
}

} // namespace netcx::protocols
