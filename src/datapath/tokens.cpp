// SPDX-License-Identifier: MIT
#include "datapath/tokens.hpp"

#include "base/diag.hpp"
#include "datapath/execution_context.hpp"
#include "datapath/rx_engine.hpp"

#include <array>
#include <mutex>
#include <thread>

namespace netcx::datapath {
namespace {

std::mutex table_lock;
std::uint32_t next_id = 1; // 0 stays empty: a zeroed token names nothing

} // namespace

namespace owners {

std::array<std::atomic<buffer_owner*>, max_owners> table{};

bool add(buffer_owner& o)
{
    const std::lock_guard g{table_lock};
    for (std::uint32_t tries = 0; tries < max_owners; ++tries) {
        const std::uint32_t id = next_id;
        next_id = next_id + 1 == max_owners ? 1 : next_id + 1;
        if (table[id].load(std::memory_order_relaxed) == nullptr) {
            o.id = static_cast<std::uint16_t>(id);
            table[id].store(&o, std::memory_order_release);
            return true;
        }
    }
    return false;
}

namespace {
std::atomic<std::uint32_t> epoch{0};
std::array<std::atomic<std::uint32_t>, 2> releasing{}; // releases in progress, per epoch parity
std::mutex quiesce_lock;
} // namespace

void quiesce() noexcept
{
    const std::lock_guard g{quiesce_lock};
    const std::uint32_t old = epoch.fetch_add(1, std::memory_order_seq_cst);
    while (releasing[old & 1].load(std::memory_order_seq_cst) != 0)
        std::this_thread::yield();
}

void remove(const buffer_owner& o) noexcept
{
    const std::lock_guard g{table_lock};
    if (o.id != 0 && table[o.id].load(std::memory_order_relaxed) == &o)
        table[o.id].store(nullptr, std::memory_order_release);
}

} // namespace owners

namespace {

/// A run of buffers of one owner, given back together from a thread that is not the owner's
/// context: pool buffers through the depot, driver slots to the driver.
class run {
public:
    explicit run(std::string_view who) : who_(who) {}
    ~run() { flush(); }
    run(const run&) = delete;
    run& operator=(const run&) = delete;

    void add(const buffer_owner& o, buffer_token t) noexcept
    {
        if (&o != owner_ || n_ == batch)
            flush();
        owner_ = &o;
        if (is_slot_token(t)) {
            if (!o.rx->return_slot(token_index(t), token_generation(t))) {
                log(log_level::error,
                    "{}: release: token {:#x} names a fragment that is not outstanding "
                    "(released twice, or stale); ignored",
                    who_, t.value);
                return;
            }
            slots_[n_++] = token_index(t);
        } else {
            buffers_[n_++] = bm::buffer_index{token_index(t)};
        }
    }

    void flush() noexcept
    {
        if (n_ == 0)
            return;
        const buffer_owner& o = *owner_;
        if (o.pool == nullptr) {
            o.rx->slots_freed({slots_.data(), n_});
        } else { // not the owner's context (release_tokens serves that one itself)
            (void)o.pool->free_unattached({buffers_.data(), n_});
            if (o.rx != nullptr)
                o.rx->on_returned(n_);
        }
        n_ = 0;
    }

private:
    static constexpr std::uint32_t batch = 64;
    std::string_view who_;
    const buffer_owner* owner_ = nullptr;
    std::uint32_t n_ = 0;
    std::array<bm::buffer_index, batch> buffers_;
    std::array<std::uint32_t, batch> slots_;
};

} // namespace

namespace {

/// Counts a release in the current epoch for its duration (see owners::quiesce).
class releasing_scope {
public:
    releasing_scope() noexcept : parity_(owners::epoch.load(std::memory_order_seq_cst) & 1)
    {
        owners::releasing[parity_].fetch_add(1, std::memory_order_seq_cst);
    }
    ~releasing_scope() { owners::releasing[parity_].fetch_sub(1, std::memory_order_seq_cst); }
    releasing_scope(const releasing_scope&) = delete;
    releasing_scope& operator=(const releasing_scope&) = delete;

private:
    std::uint32_t parity_;
};

} // namespace

void release_tokens(std::span<const buffer_token> tokens, std::string_view who) noexcept
{
    const releasing_scope scope;
    execution_context* const here = execution_context::current();
    run r{who};
    for (std::size_t i = 0; i < tokens.size();) {
        const buffer_owner* o = owners::find(tokens[i]);
        if (o == nullptr) {
            log(log_level::error, "{}: release: token {:#x} names no buffer; ignored", who,
                tokens[i].value);
            ++i;
            continue;
        }
        if (o->pool != nullptr && here != nullptr &&
            o->context.load(std::memory_order_acquire) == here) {
            // The common case (a Tx completion of forwarded buffers on their Rx context): a run
            // of this owner's tokens straight into its cache, checked by their high bits only.
            r.flush();
            const std::uint64_t high = tokens[i].value & ~std::uint64_t{0xffffffff};
            const std::uint32_t count = o->pool->count();
            std::array<bm::buffer_index, 64> b;
            std::uint32_t m = 0;
            for (; i < tokens.size() && m < b.size(); ++i, ++m) {
                const buffer_token t = tokens[i];
                if ((t.value & ~std::uint64_t{0xffffffff}) != high || token_index(t) >= count)
                    break;
                b[m] = bm::buffer_index{token_index(t)};
            }
            (void)o->cache->free_bulk({b.data(), m});
            continue;
        }
        r.add(*o, tokens[i]);
        ++i;
    }
}

} // namespace netcx::datapath
