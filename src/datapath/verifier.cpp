// SPDX-License-Identifier: MIT
// The ring verifier (reference section 4, "Verifier ring rules"; the design is atop verifier.hpp).
//
// before_advance: for Rx, poison the newly posted packets and fragments (a cursor per ring follows
// EndIndex, so each posted element is poisoned once and a driver may fill it in one Advance and
// return it in a later one); then copy both rings (header and elements) into vectors that are
// reused, so nothing is allocated after the first call.
// after_advance: compare the live rings with the copies, in this order, and stop at the first
// broken rule (later checks index the rings with values the earlier ones validated):
//   1. header immutable: every field before BeginIndex (the ring Scratch pointer is the driver's);
//   2. BeginIndex within the ring and within [old BeginIndex, EndIndex];
//   3. elements outside the driver's pre-call range [BeginIndex, EndIndex) byte-identical;
//   4. Tx: packets and fragments in the driver's range unchanged but for Scratch;
//   5. Rx: packets in the driver's range marked Ignore unchanged but for Ignore/Scratch; packets
//      returned ([old Begin, new Begin)) have their poisoned fields written, types in range,
//      1 <= FragmentCount <= fragments returned, fragments inside the returned fragments
//      [old Begin, new Begin) of the fragment ring (i.e. inside the pre-call range and outside
//      the post-call range), ascending without overlap, valid header lengths; their fragments
//      have ValidLength/Offset (and Capacity in driver attach mode) written, Capacity unchanged in
//      system attach mode and Offset + ValidLength <= Capacity.
// Only the core NET_PACKET/NET_FRAGMENT fields are compared inside the driver's range: extensions
// there (return context, addresses) are the driver's to write. Outside the range the whole element
// stride, extensions included, must be unchanged.
#include "datapath/verifier.hpp"

#include "base/diag.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>

namespace netcx::datapath {
namespace {

constexpr std::size_t header_size = offsetof(NET_RING, Buffer);

/// A ring before (header and element copies) and after (the live ring) the driver's Advance.
struct ring_pair {
    std::string_view name; ///< "packet" or "fragment"
    const NET_RING& before;
    const unsigned char* before_elements;
    const NET_RING& after;

    [[nodiscard]] std::uint32_t mask() const noexcept { return before.ElementIndexMask; }
    [[nodiscard]] std::uint32_t count(std::uint32_t b, std::uint32_t e) const noexcept
    {
        return (e - b) & mask();
    }
    [[nodiscard]] std::uint32_t next(std::uint32_t i) const noexcept { return (i + 1) & mask(); }
    [[nodiscard]] const unsigned char* old_element(std::uint32_t i) const noexcept
    {
        return before_elements + std::size_t{i} * before.ElementStride;
    }
    [[nodiscard]] const unsigned char* new_element(std::uint32_t i) const noexcept
    {
        return &after.Buffer[0] + std::size_t{i} * before.ElementStride;
    }
    template <class T>
    [[nodiscard]] T old_as(std::uint32_t i) const noexcept
    {
        T t;
        std::memcpy(&t, old_element(i), sizeof t);
        return t;
    }
    template <class T>
    [[nodiscard]] T new_as(std::uint32_t i) const noexcept
    {
        T t;
        std::memcpy(&t, new_element(i), sizeof t);
        return t;
    }
};

struct field_value {
    std::string_view name;
    std::uint64_t value;
};

/// The core fields of a packet, by name, in declaration order.
std::array<field_value, 12> fields(const NET_PACKET& p) noexcept
{
    return {{{"FragmentIndex", p.FragmentIndex},
             {"FragmentCount", p.FragmentCount},
             {"Layer2HeaderLength", p.Layout.Layer2HeaderLength},
             {"Layer3HeaderLength", p.Layout.Layer3HeaderLength},
             {"Layer4HeaderLength", p.Layout.Layer4HeaderLength},
             {"Layer2Type", p.Layout.Layer2Type},
             {"Layer3Type", p.Layout.Layer3Type},
             {"Layer4Type", p.Layout.Layer4Type},
             {"Layout.Reserved0", p.Layout.Reserved0},
             {"Ignore", p.Ignore},
             {"Scratch", p.Scratch},
             {"Reserved1", p.Reserved1}}};
}

std::array<field_value, 5> fields(const NET_FRAGMENT& f) noexcept
{
    return {{{"ValidLength", f.ValidLength},
             {"Capacity", f.Capacity},
             {"Offset", f.Offset},
             {"Scratch", f.Scratch},
             {"OsReserved_Bounced", f.OsReserved_Bounced}}};
}

/// "Field old -> new" for the first core field that differs, skipping the fields named in
/// `allowed`.
template <class T>
std::optional<std::string> first_change(const T& before, const T& after,
                                        std::initializer_list<std::string_view> allowed)
{
    const auto b = fields(before);
    const auto a = fields(after);
    for (std::size_t k = 0; k < b.size(); ++k) {
        if (b[k].value == a[k].value)
            continue;
        bool skip = false;
        for (auto name : allowed)
            skip = skip || name == b[k].name;
        if (!skip)
            return fmt::format("{} {} -> {}", b[k].name, b[k].value, a[k].value);
    }
    return std::nullopt;
}

violation make(ring_rule rule, std::string detail)
{
    return violation{rule, std::move(detail)};
}

// --- rules common to Rx and Tx ---------------------------------------------------------------

std::optional<violation> check_header(const ring_pair& r)
{
    const NET_RING& b = r.before;
    const NET_RING& a = r.after;
    auto changed = [&](std::string_view field, std::uint64_t was, std::uint64_t is) {
        return make(ring_rule::header_immutable,
                    fmt::format("{} ring header: {} {} -> {}", r.name, field, was, is));
    };
    if (b.OSReserved1 != a.OSReserved1)
        return changed("OSReserved1", b.OSReserved1, a.OSReserved1);
    if (b.ElementStride != a.ElementStride)
        return changed("ElementStride", b.ElementStride, a.ElementStride);
    if (b.NumberOfElements != a.NumberOfElements)
        return changed("NumberOfElements", b.NumberOfElements, a.NumberOfElements);
    if (b.ElementIndexMask != a.ElementIndexMask)
        return changed("ElementIndexMask", b.ElementIndexMask, a.ElementIndexMask);
    if (b.EndIndex != a.EndIndex)
        return changed("EndIndex", b.EndIndex, a.EndIndex);
    for (std::size_t k = 0; k < std::size(b.OSReserved2); ++k) {
        if (b.OSReserved2[k] != a.OSReserved2[k])
            return make(ring_rule::header_immutable,
                        fmt::format("{} ring header: OSReserved2[{}] {} -> {}", r.name, k,
                                    b.OSReserved2[k], a.OSReserved2[k]));
    }
    return std::nullopt;
}

std::optional<violation> check_begin_index(const ring_pair& r)
{
    const std::uint32_t old_begin = r.before.BeginIndex;
    const std::uint32_t end = r.before.EndIndex;
    const std::uint32_t begin = r.after.BeginIndex;
    if (begin > r.mask())
        return make(ring_rule::begin_index_moved_backward,
                    fmt::format("{} ring: BeginIndex {} beyond ElementIndexMask {}", r.name, begin,
                                r.mask()));
    if (r.count(old_begin, begin) > r.count(old_begin, end))
        return make(ring_rule::begin_index_moved_backward,
                    fmt::format("{} ring: BeginIndex {} -> {} leaves the driver's range [{}, {}]",
                                r.name, old_begin, begin, old_begin, end));
    return std::nullopt;
}

/// Elements in [EndIndex, BeginIndex) (pre-call values) are the framework's: byte-identical.
std::optional<violation> check_outside_range(const ring_pair& r)
{
    const std::size_t stride = r.before.ElementStride;
    const std::uint32_t begin = r.before.BeginIndex;
    const std::uint32_t end = r.before.EndIndex;
    const std::uint32_t n = r.before.NumberOfElements;
    std::uint32_t remaining = n - r.count(begin, end); // Begin == End: the whole ring
    std::uint32_t i = end;
    while (remaining != 0) {
        // One contiguous span at a time: up to the ring's end or to BeginIndex.
        const std::uint32_t span = std::min(remaining, n - i);
        if (std::memcmp(r.old_element(i), r.new_element(i), std::size_t{span} * stride) != 0) {
            for (std::uint32_t k = i; k != i + span; ++k) {
                if (std::memcmp(r.old_element(k), r.new_element(k), stride) == 0)
                    continue;
                std::optional<std::string> what;
                if (r.name == "packet")
                    what = first_change(r.old_as<NET_PACKET>(k), r.new_as<NET_PACKET>(k), {});
                else
                    what = first_change(r.old_as<NET_FRAGMENT>(k), r.new_as<NET_FRAGMENT>(k), {});
                return make(
                    ring_rule::element_outside_range_changed,
                    fmt::format("{} ring index {}: {} (outside the driver's range [{}, {}))",
                                r.name, k, what.value_or("extension bytes changed"), begin, end));
            }
        }
        remaining -= span;
        i = (i + span) & r.mask();
    }
    return std::nullopt;
}

// --- Tx ----------------------------------------------------------------------------------------

std::optional<violation> check_tx(const ring_pair& pr, const ring_pair& fr)
{
    for (std::uint32_t i = pr.before.BeginIndex; i != pr.before.EndIndex; i = pr.next(i)) {
        // Ignore: a driver cancelling a packet it will not send marks it (NetAdapterCx samples).
        if (auto c = first_change(pr.old_as<NET_PACKET>(i), pr.new_as<NET_PACKET>(i),
                                  {"Scratch", "Ignore"}))
            return make(ring_rule::tx_element_changed,
                        fmt::format("packet ring index {}: {} (only Scratch and Ignore may change)",
                                    i, *c));
    }
    for (std::uint32_t i = fr.before.BeginIndex; i != fr.before.EndIndex; i = fr.next(i)) {
        if (auto c =
                first_change(fr.old_as<NET_FRAGMENT>(i), fr.new_as<NET_FRAGMENT>(i), {"Scratch"}))
            return make(ring_rule::tx_element_changed,
                        fmt::format("fragment ring index {}: {} (only Scratch may change)", i, *c));
    }
    return std::nullopt;
}

// --- Rx ----------------------------------------------------------------------------------------

std::optional<violation> check_rx_header_lengths(std::uint32_t i, const NET_PACKET& p)
{
    const auto& l = p.Layout;
    auto bad = [&](std::string_view field, unsigned value, std::string_view why) {
        return make(ring_rule::rx_header_length_invalid,
                    fmt::format("packet ring index {}: {} {} ({})", i, field, value, why));
    };
    if (l.Layer2Type == NetPacketLayer2TypeNull && l.Layer2HeaderLength != 0)
        return bad("Layer2HeaderLength", l.Layer2HeaderLength, "must be 0 for Layer2Type Null");
    if (l.Layer2Type == NetPacketLayer2TypeEthernet && l.Layer2HeaderLength != 0 &&
        l.Layer2HeaderLength < 14)
        return bad("Layer2HeaderLength", l.Layer2HeaderLength, "Ethernet needs at least 14");
    const bool ipv4 = l.Layer3Type >= NetPacketLayer3TypeIPv4UnspecifiedOptions &&
                      l.Layer3Type <= NetPacketLayer3TypeIPv4NoOptions;
    const bool ipv6 = l.Layer3Type >= NetPacketLayer3TypeIPv6UnspecifiedExtensions &&
                      l.Layer3Type <= NetPacketLayer3TypeIPv6NoExtensions;
    if (ipv4 && l.Layer3HeaderLength != 0 && l.Layer3HeaderLength < 20)
        return bad("Layer3HeaderLength", l.Layer3HeaderLength, "IPv4 needs at least 20");
    if (ipv6 && l.Layer3HeaderLength != 0 && l.Layer3HeaderLength < 40)
        return bad("Layer3HeaderLength", l.Layer3HeaderLength, "IPv6 needs at least 40");
    if (l.Layer4Type == NetPacketLayer4TypeTcp && l.Layer4HeaderLength != 0 &&
        (l.Layer4HeaderLength < 20 || l.Layer4HeaderLength > 60 || l.Layer4HeaderLength % 4 != 0))
        return bad("Layer4HeaderLength", l.Layer4HeaderLength,
                   "TCP needs 20..60 and a multiple of 4");
    if (l.Layer4Type == NetPacketLayer4TypeUdp && l.Layer4HeaderLength != 0 &&
        l.Layer4HeaderLength < 8)
        return bad("Layer4HeaderLength", l.Layer4HeaderLength, "UDP needs at least 8");
    return std::nullopt;
}

std::optional<violation> check_rx_fragments(const ring_pair& fr, std::uint32_t packet_index,
                                            const NET_PACKET& p, bool driver_attaches)
{
    for (std::uint32_t k = 0; k < p.FragmentCount; ++k) {
        const std::uint32_t i = (p.FragmentIndex + k) & fr.mask();
        const auto before = fr.old_as<NET_FRAGMENT>(i);
        const auto f = fr.new_as<NET_FRAGMENT>(i);
        auto where = [&](std::string_view what) {
            return fmt::format("fragment ring index {} (packet {}): {}", i, packet_index, what);
        };
        if (f.ValidLength == poison::valid_length)
            return make(ring_rule::rx_field_not_written, where("ValidLength not written"));
        if (f.Offset == poison::offset)
            return make(ring_rule::rx_field_not_written, where("Offset not written"));
        if (driver_attaches && f.Capacity == poison::capacity)
            return make(ring_rule::rx_field_not_written,
                        where("Capacity not written (driver attach mode)"));
        if (!driver_attaches && f.Capacity != before.Capacity)
            return make(
                ring_rule::rx_capacity_changed,
                where(fmt::format("Capacity {} -> {} (system attach mode)",
                                  std::uint64_t{before.Capacity}, std::uint64_t{f.Capacity})));
        if (std::uint64_t{f.Offset} + f.ValidLength > f.Capacity)
            return make(ring_rule::rx_length_beyond_capacity,
                        where(fmt::format("Offset {} + ValidLength {} > Capacity {}",
                                          std::uint64_t{f.Offset}, std::uint64_t{f.ValidLength},
                                          std::uint64_t{f.Capacity})));
    }
    return std::nullopt;
}

std::optional<violation> check_rx(const ring_pair& pr, const ring_pair& fr, bool driver_attaches)
{
    const std::uint32_t old_begin = pr.before.BeginIndex;
    const std::uint32_t returned = pr.count(old_begin, pr.after.BeginIndex);
    const std::uint32_t frag_begin = fr.before.BeginIndex;
    const std::uint32_t frags_returned = fr.count(frag_begin, fr.after.BeginIndex);
    bool have_previous = false;
    std::uint32_t previous = 0;      // packet index of the previous returned packet
    std::uint32_t previous_last = 0; // offset of its last fragment from frag_begin

    for (std::uint32_t n = 0, i = old_begin; i != pr.before.EndIndex; ++n, i = pr.next(i)) {
        const auto p = pr.new_as<NET_PACKET>(i);
        if (p.Ignore) {
            if (auto c = first_change(pr.old_as<NET_PACKET>(i), p, {"Ignore", "Scratch"}))
                return make(ring_rule::rx_ignored_packet_modified,
                            fmt::format("packet ring index {}: {} (packet marked Ignore)", i, *c));
            continue;
        }
        if (n >= returned)
            continue; // still the driver's: only the Ignore rule applies

        auto at = [&](std::string_view what) {
            return fmt::format("packet ring index {}: {}", i, what);
        };
        const auto& l = p.Layout;
        if (p.FragmentIndex == poison::fragment_index)
            return make(ring_rule::rx_field_not_written, at("FragmentIndex not written"));
        if (p.FragmentCount == poison::fragment_count)
            return make(ring_rule::rx_field_not_written, at("FragmentCount not written"));
        if (l.Layer2Type == poison::layer_type || l.Layer3Type == poison::layer_type ||
            l.Layer4Type == poison::layer_type)
            return make(ring_rule::rx_field_not_written,
                        at(fmt::format("layout types not written (Layer2Type {}, Layer3Type {}, "
                                       "Layer4Type {})",
                                       unsigned{l.Layer2Type}, unsigned{l.Layer3Type},
                                       unsigned{l.Layer4Type})));
        if (l.Layer2Type > NetPacketLayer2TypeEthernet)
            return make(ring_rule::rx_type_out_of_range,
                        at(fmt::format("Layer2Type {}", unsigned{l.Layer2Type})));
        if (l.Layer3Type > NetPacketLayer3TypeIPv6NoExtensions)
            return make(ring_rule::rx_type_out_of_range,
                        at(fmt::format("Layer3Type {}", unsigned{l.Layer3Type})));
        if (l.Layer4Type > NetPacketLayer4TypeIPNotFragment)
            return make(ring_rule::rx_type_out_of_range,
                        at(fmt::format("Layer4Type {}", unsigned{l.Layer4Type})));
        if (p.FragmentCount == 0 || p.FragmentCount > frags_returned)
            return make(ring_rule::rx_fragment_count_invalid,
                        at(fmt::format("FragmentCount {} with {} fragments returned",
                                       unsigned{p.FragmentCount}, frags_returned)));
        // Returned fragments are [old Begin, new Begin) of the fragment ring: inside the
        // pre-call range and outside the post-call range. Offsets from old Begin are linear.
        const std::uint32_t first = (p.FragmentIndex - frag_begin) & fr.mask();
        if (p.FragmentIndex > fr.mask() || first + p.FragmentCount > frags_returned)
            return make(ring_rule::rx_fragment_index_invalid,
                        at(fmt::format("FragmentIndex {} FragmentCount {} not within the returned "
                                       "fragments [{}, {}) (pre-call range [{}, {}))",
                                       p.FragmentIndex, unsigned{p.FragmentCount}, frag_begin,
                                       fr.after.BeginIndex, frag_begin, fr.before.EndIndex)));
        if (have_previous && first <= previous_last)
            return make(ring_rule::rx_fragment_index_invalid,
                        at(fmt::format("FragmentIndex {} overlaps or precedes the fragments of "
                                       "packet {} (must ascend without overlap)",
                                       p.FragmentIndex, previous)));
        have_previous = true;
        previous = i;
        previous_last = first + p.FragmentCount - 1;
        if (auto v = check_rx_header_lengths(i, p))
            return v;
        if (auto v = check_rx_fragments(fr, i, p, driver_attaches))
            return v;
    }
    return std::nullopt;
}

} // namespace

std::string_view to_string(ring_rule r) noexcept
{
    switch (r) {
    case ring_rule::header_immutable: return "header_immutable";
    case ring_rule::begin_index_moved_backward: return "begin_index_moved_backward";
    case ring_rule::element_outside_range_changed: return "element_outside_range_changed";
    case ring_rule::tx_element_changed: return "tx_element_changed";
    case ring_rule::rx_fragment_count_invalid: return "rx_fragment_count_invalid";
    case ring_rule::rx_fragment_index_invalid: return "rx_fragment_index_invalid";
    case ring_rule::rx_field_not_written: return "rx_field_not_written";
    case ring_rule::rx_capacity_changed: return "rx_capacity_changed";
    case ring_rule::rx_length_beyond_capacity: return "rx_length_beyond_capacity";
    case ring_rule::rx_type_out_of_range: return "rx_type_out_of_range";
    case ring_rule::rx_header_length_invalid: return "rx_header_length_invalid";
    case ring_rule::rx_ignored_packet_modified: return "rx_ignored_packet_modified";
    case ring_rule::count_: break;
    }
    return "?";
}

verifier::verifier(queue_kind kind, bool driver_attaches)
    : kind_{kind}, driver_attaches_{driver_attaches}
{
}

namespace {

/// Poisons the Rx fields the driver must write, in elements posted since the last call.
/// A cursor outside the driver's range (the queue restarted) restarts at BeginIndex.
template <class Poison>
void poison_posted(NET_RING& r, std::uint32_t& cursor, Poison poison_one)
{
    const std::uint32_t mask = r.ElementIndexMask;
    if (cursor > mask || ((cursor - r.BeginIndex) & mask) > ((r.EndIndex - r.BeginIndex) & mask))
        cursor = r.BeginIndex;
    for (; cursor != r.EndIndex; cursor = (cursor + 1) & mask)
        poison_one(NetRingGetElementAtIndex(&r, cursor));
}

} // namespace

void verifier::before_advance(const NET_RING_COLLECTION& rings)
{
    NET_RING& pr = *rings.Rings[NetRingTypePacket];
    NET_RING& fr = *rings.Rings[NetRingTypeFragment];
    if (kind_ == queue_kind::rx) {
        poison_posted(pr, poison_packet_, [](void* e) {
            NET_PACKET p;
            std::memcpy(&p, e, sizeof p);
            p.FragmentIndex = poison::fragment_index;
            p.FragmentCount = poison::fragment_count;
            p.Layout.Layer2HeaderLength = poison::layer2_length;
            p.Layout.Layer3HeaderLength = poison::layer3_length;
            p.Layout.Layer4HeaderLength = poison::layer4_length;
            p.Layout.Layer2Type = poison::layer_type;
            p.Layout.Layer3Type = poison::layer_type;
            p.Layout.Layer4Type = poison::layer_type;
            std::memcpy(e, &p, sizeof p);
        });
        const bool attaches = driver_attaches_;
        poison_posted(fr, poison_fragment_, [attaches](void* e) {
            NET_FRAGMENT f;
            std::memcpy(&f, e, sizeof f);
            f.ValidLength = poison::valid_length;
            f.Offset = poison::offset;
            if (attaches)
                f.Capacity = poison::capacity;
            std::memcpy(e, &f, sizeof f);
        });
    }
    for (auto [snap, ring] : {std::pair{&packets_, &pr}, std::pair{&fragments_, &fr}}) {
        std::memcpy(&snap->header, ring, header_size);
        const std::size_t bytes = std::size_t{ring->ElementStride} * ring->NumberOfElements;
        snap->elements.resize(bytes); // allocates only when the ring grows (the first call)
        std::memcpy(snap->elements.data(), &ring->Buffer[0], bytes);
    }
}

std::optional<violation> verifier::after_advance(const NET_RING_COLLECTION& rings)
{
    if (packets_.elements.empty())
        return std::nullopt; // no before_advance: nothing to compare with
    const ring_pair pr{"packet", packets_.header, packets_.elements.data(),
                       *rings.Rings[NetRingTypePacket]};
    const ring_pair fr{"fragment", fragments_.header, fragments_.elements.data(),
                       *rings.Rings[NetRingTypeFragment]};
    auto v = [&]() -> std::optional<violation> {
        for (const ring_pair* r : {&pr, &fr}) {
            if (auto x = check_header(*r))
                return x;
        }
        for (const ring_pair* r : {&pr, &fr}) {
            if (auto x = check_begin_index(*r))
                return x;
        }
        for (const ring_pair* r : {&pr, &fr}) {
            if (auto x = check_outside_range(*r))
                return x;
        }
        return kind_ == queue_kind::tx ? check_tx(pr, fr) : check_rx(pr, fr, driver_attaches_);
    }();
    if (v)
        log(log_level::error, "verifier: {}: {}", to_string(v->rule), v->detail);
    return v;
}

} // namespace netcx::datapath
