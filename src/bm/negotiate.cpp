// SPDX-License-Identifier: MIT
// Negotiation: the NIC's constraints (hard limits), a protocol's preferences and the framework's
// defaults -> the buffer plan.
//
// make_plan(nic) gives the defaults. Each preference then replaces its default when the NIC
// allows it; when it does not, the NIC's (or the framework's) value stays, the value's reason
// says what the protocol asked for, what won and why, and the same sentence, prefixed with the
// value's name ("rx.queues: ..."), is appended to `conflicts`. Values derived from a changed one
// (buffer counts, stride) are recomputed by the same rules as the defaults (plan_rules.hpp), so
// they read the same. The order matters: queues, then headroom and buffer size (the stride),
// then NUMA nodes, then registered memory (which needs one Rx queue's pool size).
//
// Registered memory. Rx buffers are carved from the first range that holds one queue's pool and
// that the device reaches (the binding carves each Rx queue's pool from the ranges); Tx from a
// range is zero-copy when the device reaches all of it. Reach depends on the address space:
// identity -> the range must end at or below the direction's maximum logical address; iommu and
// region-offset -> the space maps the range low, so only its size counts; physical -> decided per
// buffer when the binding maps it; no DMA mapping -> the NIC uses virtual addresses.
#include <netcx/bm/plan.hpp>

#include "bm/plan_rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace netcx::bm {
namespace {

using namespace plan_rules;

constexpr std::uint32_t min_rx_payload = 64; // the smallest Rx buffer past its headroom

std::string span_of(const registered_range& r)
{
    return fmt::format("{:#x}..{:#x}", r.base, r.base + (r.bytes - 1));
}

/// Whether a device reaches a registered range in one direction, and why.
struct verdict {
    bool reached = false;
    std::string why; ///< a clause: "it ends at 0x..., above the device's reach 0xffffffff"
};

verdict reaches(const nic_direction& d, std::uint64_t max_la, const registered_range& r)
{
    if (!d.dma_mapped)
        return {true, "no DMA mapping: the NIC uses virtual addresses"};
    const std::uint64_t last = r.base + (r.bytes - 1);
    if (d.address_space == "identity") {
        if (max_la == unlimited)
            return {true, "the device reaches every address (identity DMA space, no limit)"};
        if (last <= max_la)
            return {true,
                    fmt::format("it ends at {:#x}, within the device's reach {:#x}", last, max_la)};
        return {false,
                fmt::format("it ends at {:#x}, above the device's reach {:#x}", last, max_la)};
    }
    if (d.address_space == "iommu" || d.address_space == "region-offset") {
        const std::string how =
            d.address_space == "iommu"
                ? fmt::format("the IOMMU maps it below its width ({:#x})", max_la)
                : std::string{"the device sees offsets into the region"};
        if (r.bytes - 1 <= max_la)
            return {true, how};
        return {false, fmt::format("its {} bytes exceed the device's reach {:#x} on the {} DMA "
                                   "space",
                                   r.bytes, max_la, d.address_space)};
    }
    return {true, fmt::format("on the {} DMA space each buffer's address is decided when it is "
                              "mapped: checked at bind",
                              d.address_space)};
}

std::string join_indices(const std::vector<std::size_t>& v)
{
    std::string s;
    for (const std::size_t i : v)
        s += (s.empty() ? "" : ", ") + std::to_string(i);
    return s;
}

class negotiation {
public:
    negotiation(const nic_constraints& nic, const protocol_preferences& prefs, buffer_plan& b)
        : nic_(nic), prefs_(prefs), b_(b),
          who_(prefs.protocol.empty() ? std::string{"the protocol"} : prefs.protocol)
    {
    }

    void run()
    {
        queues();
        rx_buffers();
        numa_nodes();
        if (!prefs_.registered.empty()) {
            rx_memory();
            tx_registered();
        }
    }

private:
    /// The preference lost: `value` stays (or is set), `why` is its reason and a conflict.
    template <class T, class V>
    void lose(std::string_view field, planned<T>& p, V&& value, std::string why)
    {
        p.value = std::forward<V>(value);
        b_.conflicts.push_back(fmt::format("{}: {}", field, why));
        p.reason = std::move(why);
    }

    // ---- Queues ---------------------------------------------------------------------------

    void queues()
    {
        if (prefs_.rx_queues != 0) {
            queue_count("rx.queues", b_.rx.queues, prefs_.rx_queues, nic_.rx.max_queues, "Rx");
            b_.rx.buffer_count =
                rx_buffer_count(nic_, b_.rx.fragment_ring_size.value, b_.rx.queues.value);
        }
        if (prefs_.tx_queues != 0) {
            queue_count("tx.queues", b_.tx.queues, prefs_.tx_queues, nic_.tx.max_queues, "Tx");
            b_.tx.bounce_buffer_count =
                bounce_buffer_count(nic_, b_.tx.packet_ring_size.value, b_.tx.queues.value);
        }
    }

    void queue_count(std::string_view field, planned<std::uint32_t>& p, std::uint32_t want,
                     std::uint32_t nic_max, std::string_view dir)
    {
        const std::uint32_t most = std::max<std::uint32_t>(nic_max, 1);
        const std::string asked =
            fmt::format("{} asked for {}", who_, plural(want, fmt::format("{} queue", dir)));
        if (want > most)
            lose(field, p, most,
                 fmt::format("{}, but the NIC has at most {} (MaximumNumberOfQueues), which "
                             "wins: {}",
                             asked, most, most));
        else
            p = {want, fmt::format("{} (the NIC allows up to {}, MaximumNumberOfQueues): one ring "
                                   "and buffer cache per queue",
                                   asked, most)};
    }

    // ---- Rx headroom and buffer size ----------------------------------------------------

    void rx_buffers()
    {
        const auto frame = frame_size(nic_.rx, nic_.mtu, "MaximumFrameSize");
        const std::uint32_t headroom = prefs_.headroom != 0 ? rx_headroom(frame.value) : 0;
        // What the buffer is when no size is asked for (or the asked one is refused).
        const planned<std::uint32_t> fit =
            headroom == 0
                ? frame
                : planned<std::uint32_t>{headroom + frame.value,
                                         fmt::format("headroom {} + {}", headroom, frame.reason)};
        if (prefs_.buffer_size != 0)
            rx_buffer_size(frame.value, headroom, fit);
        else
            b_.rx.buffer_size = fit;
        b_.rx.stride = rx_stride(b_.rx.buffer_size.value, b_.rx.alignment.value);
    }

    /// The headroom granted (0 when refused).
    std::uint32_t rx_headroom(std::uint32_t frame)
    {
        planned<std::uint32_t>& p = b_.rx.headroom;
        const std::uint32_t want = prefs_.headroom;
        const std::string asked = fmt::format("{} asked for {} bytes of headroom", who_, want);
        if (nic_.rx_driver_allocates) {
            lose("rx.headroom", p, 0u,
                 fmt::format("{}, but AllocationMode Driver: the driver allocates the Rx buffers, "
                             "so netcx cannot reserve headroom in them: 0",
                             asked));
            return 0;
        }
        // The NIC writes the payload after the headroom: keep that address aligned for it.
        const std::uint32_t align = nic_alignment(nic_.rx).value;
        const std::uint64_t h = align_up(want, align);
        if (h + frame > max_fragment) {
            lose("rx.headroom", p, 0u,
                 fmt::format("{}, but headroom + the {}-byte frame ({} bytes) exceeds the largest "
                             "NET_FRAGMENT Capacity, {} (26 bits): 0",
                             asked, frame, h + frame, max_fragment));
            return 0;
        }
        std::string why = asked;
        if (h != want)
            why += fmt::format(", rounded up to {} (FragmentBufferAlignment {}) so the payload "
                               "the NIC writes stays aligned",
                               h, align);
        p = {static_cast<std::uint32_t>(h), why + ": kept free before each received payload"};
        return static_cast<std::uint32_t>(h);
    }

    void rx_buffer_size(std::uint32_t frame, std::uint32_t headroom,
                        const planned<std::uint32_t>& fit)
    {
        planned<std::uint32_t>& p = b_.rx.buffer_size;
        const std::uint32_t want = prefs_.buffer_size;
        const std::string asked = fmt::format("{} asked for {}-byte Rx buffers", who_, want);
        if (nic_.rx_driver_allocates) {
            lose("rx.buffer_size", p, fit.value,
                 fmt::format("{}, but AllocationMode Driver: the driver allocates and sizes its "
                             "own Rx buffers; {}",
                             asked, fit.reason));
            return;
        }
        const std::uint64_t least = std::uint64_t{headroom} + min_rx_payload;
        if (want < least) {
            lose("rx.buffer_size", p, fit.value,
                 fmt::format("{}, less than headroom {} + {} bytes of payload: refused, {}", asked,
                             headroom, min_rx_payload, fit.reason));
            return;
        }
        if (want > max_fragment) {
            lose("rx.buffer_size", p, static_cast<std::uint32_t>(max_fragment),
                 fmt::format("{}, more than the largest NET_FRAGMENT Capacity (26 bits): capped at "
                             "{}",
                             asked, max_fragment));
            return;
        }
        if (want < std::uint64_t{headroom} + frame) {
            const std::uint64_t payload = want - headroom;
            const std::uint64_t fragments = (frame + payload - 1) / payload;
            p = {want, fmt::format("{}, smaller than headroom {} + the {}-byte frame: a full frame "
                                   "spans up to {} fragments (netcx receives packets of several "
                                   "fragments)",
                                   asked, headroom, frame, fragments)};
            return;
        }
        p = {want,
             fmt::format("{}: they hold headroom {} + the {}-byte frame", asked, headroom, frame)};
    }

    // ---- NUMA -----------------------------------------------------------------------------

    void numa_nodes()
    {
        if (prefs_.numa_node < 0)
            return;
        numa_node("rx.numa_node", b_.rx.numa_node, nic_.rx.numa_node);
        numa_node("tx.numa_node", b_.tx.numa_node, nic_.tx.numa_node);
    }

    void numa_node(std::string_view field, planned<int>& p, int nic_node)
    {
        const int want = prefs_.numa_node;
        const std::string asked = fmt::format("{} asked for NUMA node {}", who_, want);
        if (nic_node >= 0 && nic_node != want)
            lose(field, p, nic_node,
                 fmt::format("{}, but the NIC prefers node {} (PreferredNode), which wins: pages "
                             "are bound to node {}",
                             asked, nic_node, nic_node));
        else if (nic_node == want)
            p = {want, fmt::format("{}, the NIC's PreferredNode too: pages are bound to node {}",
                                   asked, want)};
        else
            p = {want, fmt::format("{} (the NIC's PreferredNode is MM_ANY_NODE_OK): pages are "
                                   "bound to node {}",
                                   asked, want)};
    }

    // ---- Registered memory ----------------------------------------------------------------

    void rx_memory()
    {
        planned<std::string>& p = b_.rx.memory;
        if (nic_.rx_driver_allocates) {
            lose("rx.memory", p, "driver",
                 fmt::format("{} registered memory, but AllocationMode Driver: the driver "
                             "allocates its own Rx buffers, so none are carved from the "
                             "registered ranges",
                             who_));
            return;
        }
        const std::uint32_t queues = std::max<std::uint32_t>(b_.rx.queues.value, 1);
        const std::uint64_t count = b_.rx.buffer_count.value / queues;
        const std::uint32_t stride = b_.rx.stride.value;
        const std::uint32_t align = b_.rx.alignment.value;
        // The binding carves a queue's pool at an aligned offset of a range: it sets aside one
        // alignment's worth of bytes for that.
        const std::uint64_t need = count * stride + align;
        const std::string pool =
            fmt::format("one Rx queue's pool: {} buffers x {}-byte stride + {} to align its start",
                        count, stride, align);

        std::uint64_t largest = 0;
        std::string out_of_reach; // the first range large enough that the device cannot reach
        for (std::size_t i = 0; i < prefs_.registered.size(); ++i) {
            const registered_range& r = prefs_.registered[i];
            largest = std::max(largest, r.bytes);
            if (r.bytes < need)
                continue;
            const verdict v = reaches(nic_.rx, b_.rx.max_logical_address.value, r);
            if (v.reached) {
                p = {"registered",
                     fmt::format("range {} ({}) is the first of at least {} bytes ({}) and the "
                                 "device reaches it ({}): each Rx queue's pool is carved from "
                                 "{}'s registered ranges",
                                 i, span_of(r), need, pool, v.why, who_)};
                return;
            }
            if (out_of_reach.empty())
                out_of_reach = fmt::format("range {} ({}) holds {} bytes ({}), but {}", i,
                                           span_of(r), need, pool, v.why);
        }
        if (!out_of_reach.empty())
            lose("rx.memory", p, "system",
                 fmt::format("registered memory is out of the device's reach: {}; Rx comes from "
                             "system memory the device can reach",
                             out_of_reach));
        else
            lose("rx.memory", p, "system",
                 fmt::format("no registered range holds {} bytes ({}; the largest holds {}): Rx "
                             "buffers come from system memory",
                             need, pool, largest));
    }

    void tx_registered()
    {
        planned<std::string>& p = b_.tx.registered;
        const std::size_t n = prefs_.registered.size();
        const std::string ranges = plural(n, "registered range");
        if (!nic_.tx.dma_mapped) {
            p = {"zero-copy", fmt::format("{}'s {}: MappingRequirement None, the NIC reads "
                                          "payloads by virtual address, so sends from them go "
                                          "without a copy",
                                          who_, ranges)};
            return;
        }
        std::vector<std::size_t> far;
        std::string far_why;
        std::string near_why;
        for (std::size_t i = 0; i < n; ++i) {
            const registered_range& r = prefs_.registered[i];
            const verdict v = reaches(nic_.tx, b_.tx.max_logical_address.value, r);
            if (!v.reached) {
                far.push_back(i);
                if (far_why.empty())
                    far_why = fmt::format("range {} ({}): {}", i, span_of(r), v.why);
            } else if (near_why.empty()) {
                near_why = v.why;
            }
        }
        if (far.empty()) {
            if (n > 1 && nic_.tx.address_space == "identity" &&
                b_.tx.max_logical_address.value != unlimited)
                near_why = fmt::format("each ends at or below the device's reach {:#x}",
                                       b_.tx.max_logical_address.value);
            p = {"zero-copy",
                 fmt::format("the device reaches {}'s {} ({}): sends from them go without a copy{}",
                             who_, ranges, near_why, payload_caveat())};
        } else if (far.size() == n) {
            lose("tx.registered", p, "bounced",
                 fmt::format("registered memory is out of the device's reach ({}): Tx from it is "
                             "bounced",
                             far_why));
        } else {
            const std::string which =
                far.size() == 1 ? fmt::format("registered {}; Tx from it is bounced", far_why)
                                : fmt::format("registered ranges {} are out of the device's reach "
                                              "({}); Tx from them is bounced",
                                              join_indices(far), far_why);
            lose("tx.registered", p, "bounced",
                 fmt::format("{}; sends from the other ranges go without a copy{}", which,
                             payload_caveat()));
        }
    }

    /// What still bounces from reachable memory: misaligned payloads, payloads without backfill.
    std::string payload_caveat() const
    {
        std::vector<std::string> what;
        if (b_.tx.alignment.value > 1)
            what.push_back(fmt::format("not {}-byte aligned", b_.tx.alignment.value));
        if (b_.tx.backfill.value > 0)
            what.push_back(
                fmt::format("without {} bytes of backfill before them", b_.tx.backfill.value));
        if (what.empty())
            return {};
        return fmt::format(" (payloads {} still bounce)",
                           what.size() == 1 ? what[0] : what[0] + " or " + what[1]);
    }

    const nic_constraints& nic_;
    const protocol_preferences& prefs_;
    buffer_plan& b_;
    const std::string who_;
};

} // namespace

buffer_plan make_plan(const nic_constraints& nic, const protocol_preferences& prefs)
{
    buffer_plan b = make_plan(nic);
    negotiation{nic, prefs, b}.run();
    return b;
}

} // namespace netcx::bm
