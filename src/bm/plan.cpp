// SPDX-License-Identifier: MIT
// The buffer plan: NIC constraints + framework defaults -> what the buffer manager builds, with
// the reason for every value.
//
// The rules follow NetAdapterCx where it is sound and depart from it where its users complained
// (reference section 5): the ring hint is honoured exactly instead of being overridden by a
// private tuner (NACE #13), buffers are carved at the aligned stride instead of one page each,
// and the Rx logical-address limit is clamped to the DMA enabler's reach as Tx's is. Out-of-range
// inputs (which the API boundary refuses before they get here) are resolved, never rejected, and
// the resolution is written into the reason.
//
// This file holds the defaults (make_plan(nic)) and the text/JSON output; the rules shared with
// negotiation are declared in plan_rules.hpp, the protocol's preferences are applied in
// negotiate.cpp and registered ranges are checked in registration.cpp.
#include <netcx/bm/plan.hpp>

#include "bm/plan_rules.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace netcx::bm {

namespace plan_rules {

planned<std::uint32_t> frame_size(const nic_direction& d, std::uint32_t mtu, std::string_view field)
{
    std::uint64_t v = d.max_frame_size;
    std::string why = fmt::format("{} {}", field, v);
    if (v == 0) {
        v = std::uint64_t{mtu} + ethernet_header;
        why = fmt::format("{} is 0: MTU {} + {}-byte Ethernet header", field, mtu, ethernet_header);
    }
    if (v > max_fragment) {
        why += fmt::format(", capped at {}, the largest NET_FRAGMENT Capacity (26 bits)",
                           max_fragment);
        v = max_fragment;
    }
    return {static_cast<std::uint32_t>(v), std::move(why)};
}

planned<std::uint32_t> nic_alignment(const nic_direction& d)
{
    std::uint32_t nic = std::max<std::uint32_t>(d.alignment, 1);
    std::string why = fmt::format("FragmentBufferAlignment {}", nic);
    if (nic > page_size) {
        nic = page_size;
        why +=
            fmt::format(" exceeds the {}-byte page a pool aligns to at most: {}", page_size, nic);
    } else if (!std::has_single_bit(nic)) {
        nic = std::bit_ceil(nic);
        why += fmt::format(" is not a power of two: rounded up to {}", nic);
    }
    return {nic, std::move(why)};
}

planned<std::uint32_t> rx_stride(std::uint32_t buffer_size, std::uint32_t alignment)
{
    const std::uint64_t stride = align_up(buffer_size, alignment);
    const std::uint64_t paged = align_up(buffer_size, page_size);
    return {static_cast<std::uint32_t>(stride),
            fmt::format("buffer_size {} rounded up to alignment {}; NetAdapterCx gives each "
                        "buffer its own {}-byte page(s): {} bytes, {} more",
                        buffer_size, alignment, page_size, paged, paged - stride)};
}

planned<std::uint32_t> rx_buffer_count(const nic_constraints& nic, std::uint32_t ring,
                                       std::uint32_t queues)
{
    constexpr std::uint32_t rx_buffers_per_ring_element = 2;
    if (nic.rx_driver_allocates)
        return {0, "AllocationMode Driver: netcx allocates no Rx buffers"};
    const std::uint64_t n = std::uint64_t{rx_buffers_per_ring_element} * ring * queues;
    return {static_cast<std::uint32_t>(n),
            fmt::format("{} x {} (fragment ring) x {}: a full ring posted to the NIC on every "
                        "queue, and as many again held by protocols and per-queue caches before "
                        "they return",
                        rx_buffers_per_ring_element, ring, plural(queues, "queue"))};
}

planned<std::uint32_t> bounce_buffer_count(const nic_constraints& nic, std::uint32_t ring,
                                           std::uint32_t queues)
{
    if (!nic.tx.dma_mapped)
        return {0, "no DMA mapping: nothing to bounce"};
    const std::uint64_t count = std::uint64_t{ring} * queues;
    return {static_cast<std::uint32_t>(count),
            fmt::format("{} (packet ring) x {}: every packet in flight may bounce", ring,
                        plural(queues, "queue"))};
}

planned<std::vector<std::uint32_t>> size_classes(const nic_constraints& nic)
{
    const auto frame = frame_size(nic.tx, nic.mtu, "MaximumFragmentBufferSize");
    const std::uint64_t backfill = std::min<std::uint64_t>(nic.tx_backfill, max_fragment);
    const std::uint64_t need = frame.value + backfill;
    std::vector<std::uint32_t> classes;
    std::uint64_t c = smallest_size_class;
    for (; c < need; c *= 2)
        classes.push_back(static_cast<std::uint32_t>(c));
    classes.push_back(static_cast<std::uint32_t>(c));
    return {std::move(classes),
            fmt::format("powers of two from {} up to the first that holds {} + backfill {} "
                        "({} bytes): alloc serves a request from the smallest class that fits",
                        smallest_size_class, frame.reason, backfill, need)};
}

std::string join(const std::vector<std::uint32_t>& v)
{
    std::string s;
    for (const std::uint32_t x : v) { // (no "" + string: GCC 12's -Wrestrict misfires at -O3)
        if (!s.empty())
            s += ',';
        s += std::to_string(x);
    }
    return s;
}

} // namespace plan_rules

namespace {

using namespace plan_rules;

constexpr std::uint32_t default_ring_size = 512; // when the NIC gives no ring hint
constexpr std::uint32_t min_ring_size = 2;       // NET_RING: a power of two greater than 1
constexpr std::uint32_t max_ring_size = 65536;   // keeps buffer counts well inside 32 bits

/// Where the framework carves buffers: max(the NIC's alignment, the cache line).
planned<std::uint32_t> alignment(const nic_direction& d)
{
    auto [nic, why] = nic_alignment(d);
    if (nic > cache_line)
        return {nic, why + fmt::format(" (the NIC's requirement wins over the framework's "
                                       "{}-byte cache-line default)",
                                       cache_line)};
    if (nic == cache_line)
        return {nic, why + " (the NIC's requirement and the framework's cache-line default agree)"};
    return {cache_line,
            why + fmt::format(" < {}, the framework's cache-line default, which wins", cache_line)};
}

planned<std::uint32_t> ring_size(const nic_direction& d)
{
    const std::uint32_t hint = d.ring_hint;
    if (hint == 0)
        return {default_ring_size,
                fmt::format("no FragmentRingNumberOfElementsHint: the framework default {}",
                            default_ring_size)};
    std::uint32_t v = hint;
    std::string why = fmt::format("FragmentRingNumberOfElementsHint {}", hint);
    if (hint < min_ring_size) {
        v = min_ring_size;
        why += fmt::format(": raised to {}, the smallest ring (a power of two greater than 1)", v);
    } else if (hint > max_ring_size) {
        v = max_ring_size;
        why += fmt::format(": capped at {}, the largest ring netcx builds", v);
    } else if (!std::has_single_bit(hint)) {
        v = std::bit_ceil(hint);
        why += fmt::format(" is not a power of two: rounded up to {}", v);
    } else {
        why += ", honoured exactly (NetAdapterCx's tuner may override the hint: NACE #13)";
    }
    return {v, std::move(why)};
}

planned<int> numa(const nic_direction& d)
{
    if (d.numa_node < 0)
        return {-1, "PreferredNode MM_ANY_NODE_OK: any node (pages land where first touched)"};
    return {d.numa_node,
            fmt::format("PreferredNode {}: pages are bound to node {}", d.numa_node, d.numa_node)};
}

planned<std::string> space(const nic_direction& d)
{
    if (!d.dma_mapped)
        return {d.address_space, fmt::format("no DMA mapping: the NIC uses virtual addresses ({})",
                                             d.address_space)};
    return {d.address_space, fmt::format("the device sits on the {} DMA address space (host "
                                         "parameter dma=)",
                                         d.address_space)};
}

/// The highest logical address a buffer may end at: the DMA enabler's width and the DMA
/// capabilities' MaximumPhysicalAddress combined (netcx clamps Rx as NetAdapterCx clamps Tx).
planned<std::uint64_t> reach(const nic_direction& d)
{
    if (!d.dma_mapped)
        return {unlimited, "no DMA mapping: no device address limit"};
    const std::uint32_t width = std::clamp<std::uint32_t>(d.address_width, 1, 64);
    const std::uint64_t enabler = width >= 64 ? unlimited : (std::uint64_t{1} << width) - 1;
    if (d.max_logical_address < enabler) {
        // Behind a software IOMMU the limit may be the IOMMU's own; the constraints carry the
        // lowest of the two, so the reason names both candidates there.
        const std::string source =
            d.address_space == "iommu"
                ? std::string{"the lower of MaximumPhysicalAddress and the IOMMU's address width"}
                : std::string{"MaximumPhysicalAddress"};
        return {d.max_logical_address,
                fmt::format("{:#x}: {}, below the {}-bit DMA enabler's reach",
                            d.max_logical_address, source, width)};
    }
    if (width < 64)
        return {enabler,
                fmt::format("the DMA enabler's {}-bit profile reaches {:#x}", width, enabler)};
    return {unlimited, "64-bit DMA enabler and no MaximumPhysicalAddress: no limit"};
}

std::string rx_init_name(const nic_constraints& nic)
{
    if (nic.rx_driver_allocates && nic.rx_driver_attaches)
        return "NET_ADAPTER_RX_CAPABILITIES_INIT_DRIVER_MANAGED";
    if (!nic.rx_driver_allocates && !nic.rx_driver_attaches)
        return nic.rx.dma_mapped ? "NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED_DMA"
                                 : "NET_ADAPTER_RX_CAPABILITIES_INIT_SYSTEM_MANAGED";
    return {};
}

rx_plan plan_rx(const nic_constraints& nic)
{
    const nic_direction& d = nic.rx;
    rx_plan p;
    p.allocation = nic.rx_driver_allocates
                       ? planned<std::string>{"driver", "AllocationMode Driver: the driver "
                                                        "allocates its Rx buffers, netcx none"}
                       : planned<std::string>{"system", "AllocationMode System: netcx allocates "
                                                        "the Rx buffers"};
    p.attachment =
        nic.rx_driver_attaches
            ? planned<std::string>{"driver", "AttachmentMode Driver: the driver attaches buffers "
                                             "to fragments"}
            : planned<std::string>{"system", "AttachmentMode System: netcx attaches a buffer to "
                                             "each fragment it posts"};

    const std::string init = rx_init_name(nic);
    const std::string by = init.empty() ? std::string{} : " (as " + init + " sets it)";
    p.mapping = d.dma_mapped
                    ? planned<std::string>{"dma", "MappingRequirement DmaMapped" + by +
                                                      ": buffers carry device logical addresses"}
                    : planned<std::string>{"none", "MappingRequirement None" + by +
                                                       ": buffers carry virtual addresses only"};

    const std::uint32_t queues = std::max<std::uint32_t>(d.max_queues, 1);
    p.queues = {queues, fmt::format("MaximumNumberOfQueues {}: one fragment ring and buffer cache "
                                    "per queue",
                                    d.max_queues)};
    p.buffer_size = frame_size(d, nic.mtu, "MaximumFrameSize");
    p.alignment = alignment(d);

    p.stride = rx_stride(p.buffer_size.value, p.alignment.value);
    p.fragment_ring_size = ring_size(d);
    p.packet_ring_size = {p.fragment_ring_size.value,
                          "the fragment ring size: one fragment per received packet"};
    p.buffer_count = rx_buffer_count(nic, p.fragment_ring_size.value, queues);
    p.headroom = {0, "0: no protocol has asked for headroom (protocol preferences arrive later, "
                     "when one binds)"};
    p.numa_node = numa(d);
    p.address_space = space(d);
    p.max_logical_address = reach(d);
    p.memory = nic.rx_driver_allocates
                   ? planned<std::string>{"driver", "AllocationMode Driver: the driver's own "
                                                    "memory"}
                   : planned<std::string>{"system", "no registered memory: netcx allocates the "
                                                    "Rx buffers from system memory"};
    return p;
}

tx_plan plan_tx(const nic_constraints& nic)
{
    const nic_direction& d = nic.tx;
    tx_plan p;
    p.mapping = d.dma_mapped
                    ? planned<std::string>{"dma", "MappingRequirement DmaMapped (as "
                                                  "NET_ADAPTER_TX_CAPABILITIES_INIT_FOR_DMA sets "
                                                  "it): netcx maps Tx payloads for the device"}
                    : planned<std::string>{"none", "MappingRequirement None (as "
                                                   "NET_ADAPTER_TX_CAPABILITIES_INIT sets it): the "
                                                   "NIC reads payloads by virtual address"};
    const std::uint32_t queues = std::max<std::uint32_t>(d.max_queues, 1);
    p.queues = {queues, fmt::format("MaximumNumberOfQueues {}", d.max_queues)};
    p.fragment_ring_size = ring_size(d);
    p.packet_ring_size = {p.fragment_ring_size.value,
                          "the fragment ring size: room for a ring of single-fragment packets"};

    // A packet never spans more than the ring minus one element (NetAdapterCx also caps at
    // 65535, FragmentCount's width).
    const std::uint64_t per_packet = std::min<std::uint64_t>(p.fragment_ring_size.value - 1, 65535);
    if (d.max_fragments == unlimited)
        p.max_fragments = {unlimited,
                           fmt::format("MaximumNumberOfFragments unlimited (the INIT default, no "
                                       "scatter-gather limit): a packet may still use at most {} "
                                       "(fragment ring - 1)",
                                       per_packet)};
    else
        p.max_fragments = {
            d.max_fragments,
            fmt::format("MaximumNumberOfFragments {} (the Tx capabilities and the DMA "
                        "enabler's scatter-gather limit); packets with more bounce",
                        d.max_fragments)};

    p.backfill = {nic.tx_backfill,
                  nic.tx_backfill == 0
                      ? std::string{"PayloadBackfill 0: no room reserved before Tx payloads"}
                      : fmt::format("PayloadBackfill {}: bytes reserved before each Tx payload "
                                    "(payloads without them bounce)",
                                    nic.tx_backfill)};
    // Tx payloads come from protocols: only what the NIC requires decides whether one bounces.
    p.alignment = nic_alignment(d);
    p.alignment.reason +=
        p.alignment.value > 1
            ? fmt::format(": Tx fragments not {}-byte aligned bounce", p.alignment.value)
            : std::string{": any Tx payload address is usable as is"};

    if (d.dma_mapped) {
        const auto frame = frame_size(d, nic.mtu, "MaximumFragmentBufferSize");
        const std::uint64_t backfill = std::min<std::uint64_t>(nic.tx_backfill, max_fragment);
        const std::uint32_t bounce_align = alignment(d).value;
        const std::uint64_t size =
            std::min(align_up(frame.value + backfill, bounce_align), max_fragment);
        p.bounce_buffer_size = {static_cast<std::uint32_t>(size),
                                fmt::format("{} + backfill {} rounded up to alignment {}: one "
                                            "bounce buffer holds a whole frame",
                                            frame.reason, backfill, bounce_align)};
    } else {
        p.bounce_buffer_size = {0, "no DMA mapping: nothing to bounce"};
    }
    p.bounce_buffer_count = bounce_buffer_count(nic, p.packet_ring_size.value, queues);
    p.numa_node = numa(d);
    p.address_space = space(d);
    p.max_logical_address = reach(d);
    p.registered = {"none", "no registered memory: Tx payloads come from the size classes or "
                            "the protocol's own memory"};
    p.size_classes = size_classes(nic);
    p.buffers_per_class = {default_buffers_per_class,
                           fmt::format("the framework's default: {} buffers per class per queue",
                                       default_buffers_per_class)};
    return p;
}

// ---- Output ---------------------------------------------------------------------------------

/// One row per planned value: its dotted name, its JSON value, its text and its reason. Both
/// outputs walk the same list, so they cannot disagree.
struct row {
    std::string name;
    nlohmann::ordered_json value;
    std::string text;
    std::string reason;
};

template <class T>
void add(std::vector<row>& rows, std::string_view dir, std::string_view name, const planned<T>& p)
{
    row r{fmt::format("{}.{}", dir, name), p.value, {}, p.reason};
    if constexpr (std::is_same_v<T, std::string>)
        r.text = p.value;
    else if constexpr (std::is_same_v<T, std::vector<std::uint32_t>>)
        r.text = join(p.value);
    else
        r.text = fmt::format("{}", p.value);
    rows.push_back(std::move(r));
}

/// Text forms that read better than the raw number.
void add_address(std::vector<row>& rows, std::string_view dir, const planned<std::uint64_t>& p)
{
    add(rows, dir, "max_logical_address", p);
    rows.back().text = p.value == unlimited ? "none" : fmt::format("{:#x}", p.value);
}

void add_node(std::vector<row>& rows, std::string_view dir, const planned<int>& p)
{
    add(rows, dir, "numa_node", p);
    if (p.value < 0)
        rows.back().text = "any";
}

std::vector<row> rows_of(const buffer_plan& b)
{
    std::vector<row> rows;
    const rx_plan& rx = b.rx;
    add(rows, "rx", "allocation", rx.allocation);
    add(rows, "rx", "attachment", rx.attachment);
    add(rows, "rx", "mapping", rx.mapping);
    add(rows, "rx", "queues", rx.queues);
    add(rows, "rx", "buffer_size", rx.buffer_size);
    add(rows, "rx", "alignment", rx.alignment);
    add(rows, "rx", "stride", rx.stride);
    add(rows, "rx", "buffer_count", rx.buffer_count);
    add(rows, "rx", "fragment_ring_size", rx.fragment_ring_size);
    add(rows, "rx", "packet_ring_size", rx.packet_ring_size);
    add(rows, "rx", "headroom", rx.headroom);
    add_node(rows, "rx", rx.numa_node);
    add(rows, "rx", "address_space", rx.address_space);
    add_address(rows, "rx", rx.max_logical_address);
    add(rows, "rx", "memory", rx.memory);

    const tx_plan& tx = b.tx;
    add(rows, "tx", "mapping", tx.mapping);
    add(rows, "tx", "queues", tx.queues);
    add(rows, "tx", "max_fragments", tx.max_fragments);
    if (tx.max_fragments.value == unlimited)
        rows.back().text = "unlimited";
    add(rows, "tx", "backfill", tx.backfill);
    add(rows, "tx", "alignment", tx.alignment);
    add(rows, "tx", "fragment_ring_size", tx.fragment_ring_size);
    add(rows, "tx", "packet_ring_size", tx.packet_ring_size);
    add(rows, "tx", "bounce_buffer_size", tx.bounce_buffer_size);
    add(rows, "tx", "bounce_buffer_count", tx.bounce_buffer_count);
    add_node(rows, "tx", tx.numa_node);
    add(rows, "tx", "address_space", tx.address_space);
    add_address(rows, "tx", tx.max_logical_address);
    add(rows, "tx", "registered", tx.registered);
    add(rows, "tx", "size_classes", tx.size_classes);
    add(rows, "tx", "buffers_per_class", tx.buffers_per_class);
    return rows;
}

} // namespace

buffer_plan make_plan(const nic_constraints& nic)
{
    buffer_plan b;
    b.adapter = "adapter0";
    b.rx = plan_rx(nic);
    b.tx = plan_tx(nic);
    return b;
}

std::string buffer_plan::to_text() const
{
    std::string s;
    for (const auto& e : errors)
        s += fmt::format("error: {}\n", e);
    if (rx.allocation.value.empty()) // refused: nothing was planned
        return s;
    const auto rows = rows_of(*this);
    std::size_t name_w = 0;
    std::size_t value_w = 0;
    for (const auto& r : rows) {
        name_w = std::max(name_w, r.name.size());
        value_w = std::max(value_w, r.text.size());
    }
    s += fmt::format("buffer plan for {}\n", adapter.empty() ? "?" : adapter);
    for (const auto& r : rows)
        s += fmt::format("  {:<{}}  {:<{}}  {}\n", r.name, name_w, r.text, value_w, r.reason);
    if (!conflicts.empty()) {
        s += "conflicts:\n";
        for (const auto& c : conflicts)
            s += fmt::format("  - {}\n", c);
    }
    return s;
}

std::string buffer_plan::to_json() const
{
    nlohmann::ordered_json j;
    j["adapter"] = adapter;
    for (const char* dir : {"rx", "tx"})
        j[dir] = nlohmann::ordered_json::object();
    nlohmann::ordered_json reasons = {{"rx", nlohmann::ordered_json::object()},
                                      {"tx", nlohmann::ordered_json::object()}};
    for (const auto& r : rows_of(*this)) {
        const std::string dir = r.name.substr(0, 2);
        const std::string key = r.name.substr(3);
        j[dir][key] = r.value;
        reasons[dir][key] = r.reason;
    }
    j["rx"]["reasons"] = std::move(reasons["rx"]);
    j["tx"]["reasons"] = std::move(reasons["tx"]);
    j["errors"] = errors;
    j["conflicts"] = conflicts;
    return j.dump(2);
}

} // namespace netcx::bm
