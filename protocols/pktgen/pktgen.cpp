// SPDX-License-Identifier: MIT
// pktgen's generator thread (pacing, allocation, retries) and its parameters.
#include "pktgen/pktgen.hpp"

#include "base/diag.hpp"
#include "common/params.hpp"

#include <algorithm>
#include <cmath>
#include <pthread.h>

namespace netcx::protocols {
namespace {
void add(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept
{
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
constexpr std::uint64_t stall_limit_ns = 2'000'000'000; // no Tx buffer for this long: give up
constexpr std::uint64_t window_stall_ns = 250'000'000;  // window full, nothing back: reopen it
} // namespace

result<std::unique_ptr<builtin>> pktgen::make(const params& p)
{
    const param_reader r{"pktgen", p};
    NETCX_TRY(r.check_keys({"rate", "size", "sizes", "count", "duration", "flows", "dst", "src",
                            "txq", "rxq", "check", "grace_ms", "window"}));
    pktgen_config c;
    auto get = [&](std::string_view key, std::uint64_t fallback, std::uint64_t min,
                   std::uint64_t max, auto& out) -> result<void> {
        auto v = r.number(key, fallback, min, max);
        if (!v)
            return std::move(v).err();
        out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
        return {};
    };
    NETCX_TRY(get("rate", 0, 0, 1'000'000'000, c.rate));
    if (r.has("size") && r.has("sizes"))
        return r.bad("sizes", "give size or sizes, not both");
    std::uint32_t size = min_frame;
    NETCX_TRY(get("size", min_frame, min_frame, max_frame, size));
    c.sizes = {size};
    if (r.has("sizes")) {
        auto s = r.numbers("sizes", min_frame, max_frame, max_sizes);
        if (!s)
            return std::move(s).err();
        c.sizes = std::move(*s);
    }
    if (r.has("count") && r.has("duration"))
        return r.bad("duration", "give count or duration, not both");
    NETCX_TRY(get("count", 1000, 1, UINT64_MAX, c.count));
    if (r.has("duration")) {
        auto d = r.seconds("duration", 86400);
        if (!d)
            return std::move(d).err();
        c.duration_ns = *d;
        c.count = 0;
    }
    NETCX_TRY(get("flows", 1, 1, 4096, c.flows));
    auto dst = r.mac("dst", default_dst_mac);
    if (!dst)
        return std::move(dst).err();
    c.dst = *dst;
    auto src = r.mac("src", default_src_mac);
    if (!src)
        return std::move(src).err();
    c.src = *src;
    NETCX_TRY(get("txq", 1, 1, 64, c.txq));
    NETCX_TRY(get("rxq", 1, 1, 64, c.rxq));
    NETCX_TRY(get("check", 1, 0, 1, c.check));
    NETCX_TRY(get("window", 0, 0, 1'000'000, c.window));
    if (c.window != 0 && !c.check)
        return r.bad("window", "a window needs check=1 (it counts the frames that came back)");
    std::uint64_t grace_ms = 500;
    NETCX_TRY(get("grace_ms", 500, 0, 60'000, grace_ms));
    c.grace_ns = grace_ms * 1'000'000;
    return std::unique_ptr<builtin>{std::make_unique<pktgen>(std::move(c))};
}

pktgen::pktgen(pktgen_config c) : cfg_(std::move(c)), rx_(cfg_.rxq, cfg_.flows), pending_(cfg_.txq)
{
    for (const std::uint32_t s : cfg_.sizes) {
        auto it = std::find(distinct_.begin(), distinct_.end(), s);
        if (it == distinct_.end())
            it = distinct_.insert(distinct_.end(), s);
        mix_.push_back(static_cast<std::uint8_t>(it - distinct_.begin()));
    }
}

pktgen::~pktgen()
{
    stop();
}

protocol::preferences pktgen::preferences() const
{
    protocol::preferences p;
    p.rx_queues = cfg_.rxq;
    p.tx_queues = cfg_.txq;
    return p;
}

result<void> pktgen::start(std::span<protocol::binding* const> bindings)
{
    if (bindings.size() != 1 || bindings[0] == nullptr)
        return fail(status::invalid_parameter, "pktgen: start needs 1 binding, got {}",
                    bindings.size());
    if (thread_.joinable() || finished_.load(std::memory_order_relaxed))
        return fail(status::invalid_parameter, "pktgen: already started");
    b_ = bindings[0];
    thread_ = std::thread([this] { run(); });
    return {};
}

std::uint32_t pktgen::generate(std::uint32_t q, std::uint32_t n, std::uint64_t now) noexcept
{
    std::array<std::uint32_t, max_sizes> want{}, first{}, used{};
    const std::size_t m = mix_.size();
    for (std::uint32_t j = 0; j < n; ++j)
        ++want[mix_[(next_frame_ + j) % m]];
    std::array<datapath::tx_buffer, batch> bufs;
    std::uint32_t at = 0;
    for (std::size_t d = 0; d < distinct_.size(); ++d) {
        if (want[d] == 0)
            continue;
        if (b_->alloc(q, distinct_[d], {bufs.data() + at, want[d]}) != want[d]) {
            std::array<datapath::buffer_token, batch> tokens;
            for (std::uint32_t i = 0; i < at; ++i)
                tokens[i] = bufs[i].token;
            if (at != 0)
                b_->release(std::span<const datapath::buffer_token>{tokens.data(), at});
            return 0;
        }
        first[d] = at;
        at += want[d];
    }
    pending_batch& pb = pending_[q];
    for (std::uint32_t j = 0; j < n; ++j) {
        const std::uint64_t k = next_frame_ + j;
        const std::uint8_t d = mix_[k % m];
        const datapath::tx_buffer& tb = bufs[first[d] + used[d]++];
        const std::uint32_t size = distinct_[d];
        const stamp s{static_cast<std::uint32_t>(k % cfg_.flows), k / cfg_.flows, now, size};
        write_frame({tb.data, size}, cfg_.dst, cfg_.src, s);
        pb.packets[pb.n] = {pb.n, 1, k};
        pb.fragments[pb.n] = {tb.data, size, tb.token};
        ++pb.n;
    }
    next_frame_ += n;
    return n;
}

void pktgen::flush(std::uint32_t q) noexcept
{
    pending_batch& pb = pending_[q];
    if (pb.n == 0)
        return;
    const std::uint32_t accepted =
        b_->send(q, {pb.packets.data(), pb.n}, {pb.fragments.data(), pb.n});
    std::uint64_t bytes = 0;
    for (std::uint32_t i = 0; i < accepted; ++i)
        bytes += pb.fragments[i].length;
    if (accepted != 0) {
        add(sent_, accepted);
        add(sent_bytes_, bytes);
        last_send_ns_.store(now_ns(), std::memory_order_relaxed);
    }
    if (accepted == pb.n) {
        pb.n = 0;
        return;
    }
    add(refused_, pb.n - accepted);
    for (std::uint32_t i = accepted; i < pb.n; ++i) {
        pb.packets[i - accepted] = pb.packets[i];
        pb.packets[i - accepted].first_fragment = i - accepted;
        pb.fragments[i - accepted] = pb.fragments[i];
    }
    pb.n -= accepted;
}

void pktgen::run() noexcept
{
    pthread_setname_np(pthread_self(), "pktgen");
    const std::uint64_t start = now_ns();
    std::uint64_t last = start, stall_since = 0;
    window_since_ = start;
    double tokens = 1;
    std::uint32_t q = 0;
    while (!stop_.load(std::memory_order_acquire)) {
        bool held = false; // some queue still holds refused frames
        for (std::uint32_t i = 0; i < cfg_.txq; ++i) {
            flush(i);
            held = held || pending_[i].n != 0;
        }
        const std::uint64_t t = now_ns();
        const bool more =
            cfg_.duration_ns != 0 ? t - start < cfg_.duration_ns : next_frame_ < cfg_.count;
        if (!more) {
            if (!held)
                break;
            std::this_thread::yield(); // waiting for completions to make room
            continue;
        }
        if (pending_[q].n != 0) {
            q = (q + 1) % cfg_.txq;
            std::this_thread::yield();
            continue;
        }
        std::uint32_t n = batch;
        if (cfg_.rate != 0) {
            tokens = std::min<double>(batch, tokens + static_cast<double>(t - last) *
                                                          static_cast<double>(cfg_.rate) / 1e9);
            last = t;
            if (tokens < 1) {
                const auto wait =
                    static_cast<std::uint64_t>((1 - tokens) * 1e9 / static_cast<double>(cfg_.rate));
                if (wait > 200'000)
                    std::this_thread::sleep_for(std::chrono::nanoseconds(wait - 100'000));
                else
                    std::this_thread::yield();
                continue;
            }
            n = std::min<std::uint32_t>(n, static_cast<std::uint32_t>(tokens));
        }
        if (cfg_.duration_ns == 0)
            n = static_cast<std::uint32_t>(std::min<std::uint64_t>(n, cfg_.count - next_frame_));
        if (cfg_.window != 0) { // closed loop: at most `window` frames out and not back
            const std::uint64_t back = rx_.unique() + window_forgiven_;
            const std::uint64_t out = next_frame_ > back ? next_frame_ - back : 0;
            if (back != window_back_) {
                window_back_ = back;
                window_since_ = t;
            }
            if (out >= cfg_.window) {
                // Frames that never come back must not close the window for good: after a
                // while without progress they stop counting (the loss is still measured).
                if (t - window_since_ > window_stall_ns)
                    window_forgiven_ += out;
                std::this_thread::yield();
                continue;
            }
            n = static_cast<std::uint32_t>(std::min<std::uint64_t>(n, cfg_.window - out));
        }
        std::uint32_t made = 0;
        while (n != 0 && (made = generate(q, n, t)) == 0)
            n /= 2;
        if (made == 0) { // every buffer is in flight (or no size class fits)
            if (stall_since == 0) {
                stall_since = t;
            } else if (t - stall_since > stall_limit_ns) {
                log(log_level::error,
                    "pktgen: no Tx buffer of {} bytes from adapter '{}' for 2 s: stopping after {} "
                    "frames",
                    *std::max_element(distinct_.begin(), distinct_.end()), b_->adapter(),
                    next_frame_);
                break;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(20));
            continue;
        }
        stall_since = 0;
        if (cfg_.rate != 0)
            tokens -= made;
        flush(q);
        q = (q + 1) % cfg_.txq;
    }
    last_send_ns_.store(now_ns(), std::memory_order_relaxed);
    finished_.store(true, std::memory_order_release);
}

bool pktgen::done() const noexcept
{
    if (!finished_.load(std::memory_order_acquire))
        return false;
    if (!cfg_.check)
        return true;
    const std::uint64_t sent = sent_.load(std::memory_order_relaxed);
    return rx_.unique() >= sent ||
           now_ns() - last_send_ns_.load(std::memory_order_relaxed) >= cfg_.grace_ns;
}

void pktgen::stop()
{
    stop_.store(true, std::memory_order_release);
    if (thread_.joinable())
        thread_.join();
    if (b_ != nullptr) { // frames never accepted: their Tx buffers go back
        for (pending_batch& pb : pending_) {
            std::array<datapath::buffer_token, batch> tokens;
            for (std::uint32_t i = 0; i < pb.n; ++i)
                tokens[i] = pb.fragments[i].buffer;
            if (pb.n != 0)
                b_->release(std::span<const datapath::buffer_token>{tokens.data(), pb.n});
            pb.n = 0;
        }
    }
    stopped_.store(true, std::memory_order_relaxed);
}

traffic_report pktgen::report() const
{
    traffic_report r;
    r.sent = sent_.load(std::memory_order_relaxed);
    r.sent_bytes = sent_bytes_.load(std::memory_order_relaxed);
    r.send_refused = refused_.load(std::memory_order_relaxed);
    if (!cfg_.check)
        return r;
    rx_.fill(r);
    if (stopped_.load(std::memory_order_relaxed) || done()) {
        const std::uint64_t u = rx_.unique();
        r.lost = r.sent > u ? r.sent - u : 0;
    }
    return r;
}

} // namespace netcx::protocols
