// SPDX-License-Identifier: MIT
// The ring verifier: checks, around each EvtAdvance, every ring rule NetAdapterCx's verifier
// checks (reference section 4) and names the rule a driver broke.
//
// The queue calls before_advance() right before EvtAdvance and after_advance() right after. The
// verifier keeps a copy of what the driver must not change (ring headers outside its indices,
// elements outside [BeginIndex, EndIndex)) and, for Rx, poisons the fields of newly posted packets
// and fragments the driver must write (FragmentIndex, FragmentCount, layout; ValidLength, Offset
// and, in driver attach mode, Capacity) so an unwritten field is caught. Poisoning happens once per
// posted element (a cursor follows EndIndex), so a driver may fill an element in one Advance and
// return it in a later one. The ring Scratch pointer is the driver's (NET_RING docs): not checked.
// Context: the queue's execution context; one verifier per queue. Costs a copy of the rings per
// Advance: a debugging mode, off by default.
#pragma once

#include <net/ringcollection.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace netcx::datapath {

enum class queue_kind : std::uint8_t { rx, tx };

enum class ring_rule : std::uint8_t {
    header_immutable,              ///< ring fields other than BeginIndex/NextIndex changed
    begin_index_moved_backward,    ///< BeginIndex left the driver's range or went back
    element_outside_range_changed, ///< an element the driver does not own changed
    tx_element_changed,            ///< a Tx element changed beyond Scratch
    rx_fragment_count_invalid,     ///< FragmentCount 0 or more than the fragments returned
    rx_fragment_index_invalid,     ///< fragments outside the returned range, overlapping, unordered
    rx_field_not_written,          ///< a poisoned field (index, count, types, length) left as is
    rx_capacity_changed,           ///< Capacity changed in system attach mode
    rx_length_beyond_capacity,     ///< Offset + ValidLength > Capacity
    rx_type_out_of_range,          ///< a layer 2/3/4 type outside its enum
    rx_header_length_invalid, ///< Ethernet < 14, IPv4 < 20, IPv6 < 40, TCP not 20..60 by 4, UDP < 8
    rx_ignored_packet_modified, ///< a packet marked Ignore was changed
    count_
};

[[nodiscard]] std::string_view to_string(ring_rule r) noexcept;

/// What before_advance writes into newly posted Rx elements: each is invalid (count, index, types)
/// or implausible (lengths at their bit-field maximum), as NetAdapterCx's verifier does.
namespace poison {
inline constexpr std::uint32_t fragment_index = 0xFFFF'FFFF;
inline constexpr std::uint16_t fragment_count = 0xFFFF;
inline constexpr std::uint8_t layer_type = 0xF;
inline constexpr std::uint8_t layer2_length = 0x7F;
inline constexpr std::uint16_t layer3_length = 0x1FF;
inline constexpr std::uint8_t layer4_length = 0xFF;
inline constexpr std::uint32_t valid_length = 0x3FF'FFFF; ///< 26 bits
inline constexpr std::uint32_t capacity = 0x3FF'FFFF;     ///< 26 bits, driver attach mode only
inline constexpr std::uint32_t offset = 0x3FF;            ///< 10 bits
} // namespace poison

struct violation {
    ring_rule rule;
    std::string detail; ///< "packet ring index 5: FragmentCount 0"
};

class verifier {
public:
    /// `driver_attaches`: Rx AttachmentMode Driver (the driver writes Capacity).
    verifier(queue_kind kind, bool driver_attaches);

    /// Call after the framework posted (EndIndex is final) and right before EvtAdvance.
    void before_advance(const NET_RING_COLLECTION& rings);
    /// The first broken rule, if any. Logs one line naming it.
    [[nodiscard]] std::optional<violation> after_advance(const NET_RING_COLLECTION& rings);
    /// The queue restarted with zeroed indices: poison from index 0 again.
    void reset() noexcept { poison_packet_ = poison_fragment_ = 0; }

private:
    queue_kind kind_;
    bool driver_attaches_;
    struct snapshot {
        NET_RING header{};
        std::vector<unsigned char> elements;
    };
    snapshot packets_;
    snapshot fragments_;
    std::uint32_t poison_packet_ = 0;   ///< next packet index to poison (Rx)
    std::uint32_t poison_fragment_ = 0; ///< next fragment index to poison (Rx)
};

} // namespace netcx::datapath
