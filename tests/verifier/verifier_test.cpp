// SPDX-License-Identifier: MIT
// The ring verifier against hand-built rings: the test plays the framework (posts by moving
// EndIndex and filling elements), calls before_advance, applies a "driver" mutation, calls
// after_advance and asserts the named rule (and its log line). One misbehaving mutation per rule
// (several for the rules with several ways to break them), and well-behaved mutations that must
// pass: multi-fragment Rx returns, Tx completion, Ignore packets, NextIndex, wrap-around, a packet
// filled in one Advance and returned in a later one. Also: no allocation per Advance after the
// first.
#include "datapath/verifier.hpp"
#include "support/log_capture.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <string>
#include <vector>

// Counts allocations so a test can assert that a verified Advance allocates nothing.
// Replacing the global allocation functions (to count allocations) pairs malloc with free by
// design; GCC 12 at -O3 mistakes the inlined pair for a mismatch.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<long> allocations{0};
} // namespace

void* operator new(std::size_t n)
{
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n))
        return p;
    throw std::bad_alloc{};
}
void operator delete(void* p) noexcept
{
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept
{
    std::free(p);
}

namespace netcx::test {
namespace {

using datapath::queue_kind;
using datapath::ring_rule;
using datapath::verifier;
using datapath::violation;
namespace poison = datapath::poison;

/// One NET_RING of `n` elements of `stride` bytes, zeroed, in 8-byte aligned storage.
class ring {
public:
    ring(std::uint32_t n, std::uint16_t stride)
        : storage_((offsetof(NET_RING, Buffer) + std::size_t{n} * stride + 7) / 8)
    {
        get()->ElementStride = stride;
        get()->NumberOfElements = n;
        get()->ElementIndexMask = n - 1;
    }
    NET_RING* get() noexcept { return reinterpret_cast<NET_RING*>(storage_.data()); }

private:
    std::vector<std::uint64_t> storage_;
};

constexpr std::uint32_t capacity = 2048;

/// A queue's two rings, the framework's side of them, and one verifier.
class rings {
public:
    explicit rings(queue_kind kind, bool driver_attaches = false, std::uint32_t packets = 8,
                   std::uint32_t fragments = 16, std::uint16_t packet_stride = sizeof(NET_PACKET))
        : packets_{packets, packet_stride}, fragments_{fragments, sizeof(NET_FRAGMENT)},
          v_{kind, driver_attaches}, kind_{kind}, driver_attaches_{driver_attaches}
    {
        collection_.Rings[NetRingTypePacket] = packets_.get();
        collection_.Rings[NetRingTypeFragment] = fragments_.get();
        collection_.Rings[NetRingTypeDataBuffer] = nullptr;
        pr()->OSReserved2[1] = this; // framework pointers the driver must leave alone
        fr()->OSReserved2[1] = this;
    }

    NET_RING* pr() noexcept { return packets_.get(); }
    NET_RING* fr() noexcept { return fragments_.get(); }
    NET_PACKET& packet(std::uint32_t i) noexcept
    {
        return *NetRingGetPacketAtIndex(pr(), i & pr()->ElementIndexMask);
    }
    NET_FRAGMENT& fragment(std::uint32_t i) noexcept
    {
        return *NetRingGetFragmentAtIndex(fr(), i & fr()->ElementIndexMask);
    }

    /// The framework posts `np` packets and `nf` fragments. Rx: empty packets and fragments with
    /// Capacity (system attach). Tx: one-fragment packets of 100 bytes (np == nf).
    void post(std::uint32_t np, std::uint32_t nf)
    {
        for (std::uint32_t k = 0; k < nf; ++k) {
            NET_FRAGMENT& f = fragment(fr()->EndIndex + k);
            f = NET_FRAGMENT{};
            if (kind_ == queue_kind::tx) {
                f.ValidLength = 100;
                f.Capacity = 100;
            } else if (!driver_attaches_) {
                f.Capacity = capacity;
            }
        }
        for (std::uint32_t k = 0; k < np; ++k) {
            NET_PACKET& p = packet(pr()->EndIndex + k);
            p = NET_PACKET{};
            if (kind_ == queue_kind::tx) {
                p.FragmentIndex = (fr()->EndIndex + k) & fr()->ElementIndexMask;
                p.FragmentCount = 1;
                p.Layout.Layer2Type = NetPacketLayer2TypeEthernet;
            }
        }
        pr()->EndIndex = (pr()->EndIndex + np) & pr()->ElementIndexMask;
        fr()->EndIndex = (fr()->EndIndex + nf) & fr()->ElementIndexMask;
    }

    /// The framework reclaims everything the driver returned (its drain cursor catches up).
    void reclaim()
    {
        pr()->OSReserved0 = pr()->BeginIndex;
        fr()->OSReserved0 = fr()->BeginIndex;
    }

    /// One verified EvtAdvance running `driver`.
    std::optional<violation> advance(const std::function<void(rings&)>& driver)
    {
        v_.before_advance(collection_);
        driver(*this);
        return v_.after_advance(collection_);
    }

    /// Rx driver: returns `n` packets of `per` fragments each from the current BeginIndex,
    /// with valid Ethernet/IPv4/TCP layouts and full fragments.
    void rx_return(std::uint32_t n, std::uint32_t per)
    {
        for (std::uint32_t k = 0; k < n; ++k) {
            NET_PACKET& p = packet(pr()->BeginIndex);
            p.FragmentIndex = fr()->BeginIndex;
            p.FragmentCount = static_cast<std::uint16_t>(per);
            p.Layout = NET_PACKET_LAYOUT{};
            p.Layout.Layer2Type = NetPacketLayer2TypeEthernet;
            p.Layout.Layer2HeaderLength = 14;
            p.Layout.Layer3Type = NetPacketLayer3TypeIPv4NoOptions;
            p.Layout.Layer3HeaderLength = 20;
            p.Layout.Layer4Type = NetPacketLayer4TypeTcp;
            p.Layout.Layer4HeaderLength = 20;
            for (std::uint32_t j = 0; j < per; ++j) {
                NET_FRAGMENT& f = fragment(fr()->BeginIndex + j);
                if (driver_attaches_)
                    f.Capacity = capacity;
                f.Offset = 0;
                f.ValidLength = j + 1 == per ? 60 : capacity;
            }
            fr()->BeginIndex = NetRingAdvanceIndex(fr(), fr()->BeginIndex, static_cast<INT32>(per));
            pr()->BeginIndex = NetRingIncrementIndex(pr(), pr()->BeginIndex);
        }
    }

    NET_RING_COLLECTION& collection() noexcept { return collection_; }
    verifier& get_verifier() noexcept { return v_; }

private:
    ring packets_;
    ring fragments_;
    NET_RING_COLLECTION collection_{};
    verifier v_;
    queue_kind kind_;
    bool driver_attaches_;
};

/// The rule the mutation broke, with its log line.
void expect_rule(const std::optional<violation>& v, const log_capture& log, ring_rule rule,
                 std::string_view detail_part)
{
    ASSERT_TRUE(v.has_value()) << "expected " << datapath::to_string(rule);
    EXPECT_EQ(datapath::to_string(v->rule), datapath::to_string(rule)) << v->detail;
    EXPECT_NE(v->detail.find(detail_part), std::string::npos) << v->detail;
    const std::string line = "verifier: " + std::string{datapath::to_string(rule)} + ": ";
    EXPECT_TRUE(log.has(line + v->detail)) << log.all();
    EXPECT_EQ(log.count(), 1U) << log.all();
}

void expect_clean(const std::optional<violation>& v, const log_capture& log)
{
    EXPECT_FALSE(v.has_value()) << datapath::to_string(v->rule) << ": " << v->detail;
    EXPECT_EQ(log.count(), 0U) << log.all();
}

// --- names --------------------------------------------------------------------------------------

TEST(VerifierRules, EveryRuleHasADistinctName)
{
    std::vector<std::string_view> names;
    for (unsigned r = 0; r < static_cast<unsigned>(ring_rule::count_); ++r) {
        const auto n = datapath::to_string(static_cast<ring_rule>(r));
        EXPECT_NE(n, "?");
        for (auto m : names)
            EXPECT_NE(n, m);
        names.push_back(n);
    }
    EXPECT_EQ(names.size(), 12U);
}

// --- well-behaved drivers -----------------------------------------------------------------------

TEST(VerifierWellBehaved, RxReturnsMultiFragmentPackets)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(4, 12);
    auto v = r.advance([](rings& q) {
        q.rx_return(1, 3);
        q.rx_return(1, 2);
        q.rx_return(1, 1);
    });
    expect_clean(v, log);
    EXPECT_EQ(r.pr()->BeginIndex, 3U);
    EXPECT_EQ(r.fr()->BeginIndex, 6U);
}

TEST(VerifierWellBehaved, RxDriverAttachWritesCapacity)
{
    log_capture log;
    rings r{queue_kind::rx, true};
    r.post(4, 8);
    expect_clean(r.advance([](rings& q) { q.rx_return(2, 2); }), log);
}

TEST(VerifierWellBehaved, RxPostedElementsArePoisonedOnce)
{
    log_capture log;
    rings r{queue_kind::rx, true};
    r.post(2, 2);
    // The driver fills packet 0 and its fragment in one Advance and returns it in the next.
    expect_clean(r.advance([](rings& q) {
        EXPECT_EQ(q.packet(0).FragmentCount, poison::fragment_count);
        EXPECT_EQ(q.packet(0).FragmentIndex, poison::fragment_index);
        EXPECT_EQ(q.packet(0).Layout.Layer3Type, poison::layer_type);
        EXPECT_EQ(q.fragment(0).ValidLength, poison::valid_length);
        EXPECT_EQ(q.fragment(0).Offset, poison::offset);
        EXPECT_EQ(q.fragment(0).Capacity, poison::capacity);
        NET_PACKET& p = q.packet(0);
        p.FragmentIndex = 0;
        p.FragmentCount = 1;
        p.Layout = NET_PACKET_LAYOUT{};
        NET_FRAGMENT& f = q.fragment(0);
        f.Capacity = capacity;
        f.Offset = 0;
        f.ValidLength = 64;
    }),
                 log);
    expect_clean(r.advance([](rings& q) {
        EXPECT_EQ(q.packet(0).FragmentCount, 1U) << "poisoned again";
        q.pr()->BeginIndex = 1;
        q.fr()->BeginIndex = 1;
    }),
                 log);
}

TEST(VerifierWellBehaved, RxSystemAttachLeavesCapacityAlone)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(1, 1);
    expect_clean(r.advance([](rings& q) {
        EXPECT_EQ(q.fragment(0).Capacity, capacity) << "Capacity is not poisoned in system attach";
        q.rx_return(1, 1);
    }),
                 log);
}

TEST(VerifierWellBehaved, RxIgnorePacketsLeftAlone)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(4, 4);
    // Cancel: every packet marked Ignore and returned, fragments handed back unused.
    expect_clean(r.advance([](rings& q) {
        for (std::uint32_t i = 0; i < 4; ++i)
            q.packet(i).Ignore = 1;
        q.pr()->BeginIndex = q.pr()->EndIndex;
        q.fr()->BeginIndex = q.fr()->EndIndex;
    }),
                 log);
}

TEST(VerifierWellBehaved, RxWrapsAroundTheRing)
{
    log_capture log;
    rings r{queue_kind::rx, false, 4, 8};
    for (int round = 0; round < 6; ++round) {
        r.post(3, 6);
        expect_clean(r.advance([](rings& q) { q.rx_return(3, 2); }), log);
        r.reclaim();
    }
    EXPECT_EQ(r.pr()->BeginIndex, (6U * 3U) % 4U);
}

TEST(VerifierWellBehaved, RxNextIndexAndScratchAreTheDrivers)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(4, 4);
    int cookie = 0;
    expect_clean(r.advance([&](rings& q) {
        q.pr()->NextIndex = 3;
        q.fr()->NextIndex = 2;
        q.pr()->Scratch = &cookie;
        q.packet(1).Scratch = 1;
    }),
                 log);
}

TEST(VerifierWellBehaved, TxCompletionMovesBeginIndexAndScratch)
{
    log_capture log;
    rings r{queue_kind::tx};
    r.post(4, 4);
    expect_clean(r.advance([](rings& q) {
        q.pr()->NextIndex = 4; // programmed all
        q.packet(0).Scratch = 1;
        q.fragment(0).Scratch = 1;
        q.pr()->BeginIndex = 2; // two completed
        q.fr()->BeginIndex = 2;
    }),
                 log);
    r.reclaim();
    r.post(2, 2);
    expect_clean(r.advance([](rings& q) {
        q.pr()->BeginIndex = q.pr()->EndIndex;
        q.fr()->BeginIndex = q.fr()->EndIndex;
    }),
                 log);
}

TEST(VerifierWellBehaved, NoAllocationPerAdvanceAfterTheFirst)
{
    rings r{queue_kind::rx};
    r.post(2, 2);
    const long first = allocations.load();
    ASSERT_FALSE(r.advance([](rings& q) { q.rx_return(1, 1); }));
    EXPECT_GT(allocations.load(), first) << "the first Advance sizes the copies (counter works)";
    r.reclaim();
    const auto driver = std::function<void(rings&)>{[](rings& q) { q.rx_return(1, 1); }};
    r.post(1, 1);
    auto& v = r.get_verifier();
    const long before = allocations.load();
    v.before_advance(r.collection());
    driver(r);
    const bool clean = !v.after_advance(r.collection()).has_value();
    const long after = allocations.load();
    EXPECT_TRUE(clean);
    EXPECT_EQ(after, before);
}

// --- rules common to Rx and Tx ------------------------------------------------------------------

TEST(VerifierRules, HeaderImmutableEndIndex)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) { q.pr()->EndIndex = 5; });
    expect_rule(v, log, ring_rule::header_immutable, "packet ring header: EndIndex 2 -> 5");
}

TEST(VerifierRules, HeaderImmutableFrameworkPointer)
{
    log_capture log;
    rings r{queue_kind::tx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) { q.fr()->OSReserved2[1] = nullptr; });
    expect_rule(v, log, ring_rule::header_immutable, "fragment ring header: OSReserved2[1]");
}

TEST(VerifierRules, HeaderImmutableDrainCursor)
{
    log_capture log;
    rings r{queue_kind::tx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) { q.pr()->OSReserved0 = 1; });
    expect_rule(v, log, ring_rule::header_immutable, "packet ring header: OSReserved2[0]");
}

TEST(VerifierRules, BeginIndexMovedBackward)
{
    log_capture log;
    rings r{queue_kind::tx};
    r.post(4, 4);
    ASSERT_FALSE(r.advance([](rings& q) {
        q.pr()->BeginIndex = 2;
        q.fr()->BeginIndex = 2;
    }));
    auto v = r.advance([](rings& q) { q.pr()->BeginIndex = 1; });
    expect_rule(v, log, ring_rule::begin_index_moved_backward,
                "packet ring: BeginIndex 2 -> 1 leaves the driver's range [2, 4]");
}

TEST(VerifierRules, BeginIndexBeyondEndIndex)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) { q.fr()->BeginIndex = 3; });
    expect_rule(v, log, ring_rule::begin_index_moved_backward,
                "fragment ring: BeginIndex 0 -> 3 leaves the driver's range [0, 2]");
}

TEST(VerifierRules, BeginIndexBeyondTheRing)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) { q.pr()->BeginIndex = 9; });
    expect_rule(v, log, ring_rule::begin_index_moved_backward,
                "packet ring: BeginIndex 9 beyond ElementIndexMask 7");
}

TEST(VerifierRules, ElementOutsideRangeChangedTx)
{
    log_capture log;
    rings r{queue_kind::tx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) { q.fragment(5).ValidLength = 1; });
    expect_rule(v, log, ring_rule::element_outside_range_changed,
                "fragment ring index 5: ValidLength 0 -> 1 (outside the driver's range [0, 2))");
}

TEST(VerifierRules, ElementOutsideRangeChangedReturnedElement)
{
    // An element the driver returned in an earlier Advance is the framework's again.
    log_capture log;
    rings r{queue_kind::rx};
    r.post(3, 3);
    ASSERT_FALSE(r.advance([](rings& q) { q.rx_return(1, 1); }));
    auto v = r.advance([](rings& q) { q.packet(0).FragmentCount = 2; });
    expect_rule(v, log, ring_rule::element_outside_range_changed,
                "packet ring index 0: FragmentCount 1 -> 2 (outside the driver's range [1, 3))");
}

TEST(VerifierRules, ElementOutsideRangeChangedEmptyRange)
{
    // Begin == End: the driver owns nothing, every element is the framework's.
    log_capture log;
    rings r{queue_kind::tx};
    auto v = r.advance([](rings& q) { q.packet(3).Scratch = 1; });
    expect_rule(v, log, ring_rule::element_outside_range_changed,
                "packet ring index 3: Scratch 0 -> 1");
}

TEST(VerifierRules, ElementOutsideRangeChangedExtensionBytes)
{
    log_capture log;
    rings r{queue_kind::tx, false, 8, 16, 16}; // packets carry 4 bytes of extension
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        auto* e = static_cast<unsigned char*>(NetRingGetElementAtIndex(q.pr(), 6));
        e[sizeof(NET_PACKET)] = 0xAB;
    });
    expect_rule(v, log, ring_rule::element_outside_range_changed,
                "packet ring index 6: extension bytes changed");
}

// --- Tx -----------------------------------------------------------------------------------------

TEST(VerifierRules, TxFragmentChanged)
{
    log_capture log;
    rings r{queue_kind::tx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) { q.fragment(1).Offset = 4; });
    expect_rule(v, log, ring_rule::tx_element_changed,
                "fragment ring index 1: Offset 0 -> 4 (only Scratch may change)");
}

TEST(VerifierRules, TxPacketMarkedIgnoreByACancellingDriverIsAllowed)
{
    log_capture log;
    rings r{queue_kind::tx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) { q.packet(1).Ignore = 1; });
    EXPECT_FALSE(v.has_value()) << v->detail;
    EXPECT_FALSE(log.has("verifier:"));
}

TEST(VerifierRules, TxPacketLayoutChanged)
{
    log_capture log;
    rings r{queue_kind::tx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        q.packet(0).Layout.Layer2HeaderLength = 14;
        q.pr()->BeginIndex = 1;
        q.fr()->BeginIndex = 1;
    });
    expect_rule(v, log, ring_rule::tx_element_changed,
                "packet ring index 0: Layer2HeaderLength 0 -> 14");
}

// --- Rx -----------------------------------------------------------------------------------------

TEST(VerifierRules, RxFragmentCountZero)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        q.rx_return(1, 1);
        q.packet(0).FragmentCount = 0;
    });
    expect_rule(v, log, ring_rule::rx_fragment_count_invalid,
                "packet ring index 0: FragmentCount 0 with 1 fragments returned");
}

TEST(VerifierRules, RxFragmentCountBeyondReturned)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 4);
    auto v = r.advance([](rings& q) {
        q.rx_return(1, 2);
        q.packet(0).FragmentCount = 3; // the third fragment is still the driver's
    });
    expect_rule(v, log, ring_rule::rx_fragment_count_invalid, "FragmentCount 3 with 2 fragments");
}

TEST(VerifierRules, RxFragmentIndexInPostCallRange)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 4);
    auto v = r.advance([](rings& q) {
        q.rx_return(1, 2);
        q.packet(0).FragmentIndex = 1; // fragment 2 is still owned by the driver
    });
    expect_rule(v, log, ring_rule::rx_fragment_index_invalid,
                "FragmentIndex 1 FragmentCount 2 not within the returned fragments [0, 2)");
}

TEST(VerifierRules, RxFragmentIndexOutsidePreCallRange)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 4);
    auto v = r.advance([](rings& q) {
        q.rx_return(1, 1);
        q.packet(0).FragmentIndex = 9; // never posted
    });
    expect_rule(v, log, ring_rule::rx_fragment_index_invalid,
                "FragmentIndex 9 FragmentCount 1 not within the returned fragments [0, 1)");
}

TEST(VerifierRules, RxFragmentIndexBeyondTheRing)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 4);
    auto v = r.advance([](rings& q) {
        q.rx_return(1, 1);
        q.packet(0).FragmentIndex = 16; // masks to 0, but is not an index
    });
    expect_rule(v, log, ring_rule::rx_fragment_index_invalid, "FragmentIndex 16");
}

TEST(VerifierRules, RxFragmentsOverlap)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 4);
    auto v = r.advance([](rings& q) {
        q.rx_return(2, 2);
        q.packet(1).FragmentIndex = 1; // shares fragment 1 with packet 0
    });
    expect_rule(v, log, ring_rule::rx_fragment_index_invalid,
                "packet ring index 1: FragmentIndex 1 overlaps or precedes the fragments of "
                "packet 0");
}

TEST(VerifierRules, RxFragmentsNotAscending)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        q.rx_return(2, 1);
        q.packet(0).FragmentIndex = 1;
        q.packet(1).FragmentIndex = 0;
    });
    expect_rule(v, log, ring_rule::rx_fragment_index_invalid,
                "packet ring index 1: FragmentIndex 0 overlaps or precedes");
}

TEST(VerifierRules, RxPacketFieldsNotWritten)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        q.fragment(0).Offset = 0;
        q.fragment(0).ValidLength = 60;
        q.pr()->BeginIndex = 1; // returned without writing the packet
        q.fr()->BeginIndex = 1;
    });
    expect_rule(v, log, ring_rule::rx_field_not_written,
                "packet ring index 0: FragmentIndex not written");
}

TEST(VerifierRules, RxLayoutTypesNotWritten)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        q.rx_return(1, 1);
        q.packet(0).Layout.Layer4Type = poison::layer_type;
    });
    expect_rule(v, log, ring_rule::rx_field_not_written, "layout types not written");
}

TEST(VerifierRules, RxValidLengthNotWritten)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        q.rx_return(1, 1);
        q.fragment(0).ValidLength = poison::valid_length;
    });
    expect_rule(v, log, ring_rule::rx_field_not_written,
                "fragment ring index 0 (packet 0): ValidLength not written");
}

TEST(VerifierRules, RxOffsetNotWritten)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        q.rx_return(1, 1);
        q.fragment(0).Offset = poison::offset;
    });
    expect_rule(v, log, ring_rule::rx_field_not_written, "Offset not written");
}

TEST(VerifierRules, RxCapacityNotWrittenInDriverAttachMode)
{
    log_capture log;
    rings r{queue_kind::rx, true};
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        q.rx_return(1, 1);
        q.fragment(0).Capacity = poison::capacity;
    });
    expect_rule(v, log, ring_rule::rx_field_not_written,
                "Capacity not written (driver attach mode)");
}

TEST(VerifierRules, RxCapacityChangedInSystemAttachMode)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        q.rx_return(1, 1);
        q.fragment(0).Capacity = 4096;
    });
    expect_rule(v, log, ring_rule::rx_capacity_changed,
                "fragment ring index 0 (packet 0): Capacity 2048 -> 4096 (system attach mode)");
}

TEST(VerifierRules, RxLengthBeyondCapacity)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        q.rx_return(1, 1);
        q.fragment(0).Offset = 100;
        q.fragment(0).ValidLength = capacity - 99;
    });
    expect_rule(v, log, ring_rule::rx_length_beyond_capacity,
                "Offset 100 + ValidLength 1949 > Capacity 2048");
}

TEST(VerifierRules, RxTypeOutOfRange)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        q.rx_return(1, 1);
        q.packet(0).Layout.Layer3Type = 9;
    });
    expect_rule(v, log, ring_rule::rx_type_out_of_range, "packet ring index 0: Layer3Type 9");
}

struct length_case {
    const char* name;
    std::function<void(NET_PACKET_LAYOUT&)> edit;
    const char* detail; ///< nullptr: valid
};

class VerifierHeaderLengths : public ::testing::TestWithParam<length_case> {};

TEST_P(VerifierHeaderLengths, Checked)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        q.rx_return(1, 1);
        GetParam().edit(q.packet(0).Layout);
    });
    if (GetParam().detail == nullptr)
        expect_clean(v, log);
    else
        expect_rule(v, log, ring_rule::rx_header_length_invalid, GetParam().detail);
}

INSTANTIATE_TEST_SUITE_P(
    Rx, VerifierHeaderLengths,
    ::testing::Values(
        length_case{"EthernetShort", [](auto& l) { l.Layer2HeaderLength = 13; },
                    "Layer2HeaderLength 13 (Ethernet needs at least 14)"},
        length_case{"NullWithLength",
                    [](auto& l) {
                        l.Layer2Type = NetPacketLayer2TypeNull;
                        l.Layer2HeaderLength = 14;
                    },
                    "Layer2HeaderLength 14 (must be 0 for Layer2Type Null)"},
        length_case{"IPv4Short", [](auto& l) { l.Layer3HeaderLength = 19; },
                    "Layer3HeaderLength 19 (IPv4 needs at least 20)"},
        length_case{"IPv6Short",
                    [](auto& l) {
                        l.Layer3Type = NetPacketLayer3TypeIPv6NoExtensions;
                        l.Layer3HeaderLength = 20;
                    },
                    "Layer3HeaderLength 20 (IPv6 needs at least 40)"},
        length_case{"TcpShort", [](auto& l) { l.Layer4HeaderLength = 16; },
                    "Layer4HeaderLength 16 (TCP needs 20..60 and a multiple of 4)"},
        length_case{"TcpLong", [](auto& l) { l.Layer4HeaderLength = 64; },
                    "Layer4HeaderLength 64 (TCP"},
        length_case{"TcpNotMultipleOf4", [](auto& l) { l.Layer4HeaderLength = 22; },
                    "Layer4HeaderLength 22 (TCP"},
        length_case{"UdpShort",
                    [](auto& l) {
                        l.Layer4Type = NetPacketLayer4TypeUdp;
                        l.Layer4HeaderLength = 4;
                    },
                    "Layer4HeaderLength 4 (UDP needs at least 8)"},
        // Valid: zero lengths (unknown), lengths for types the driver did not set, the maxima.
        length_case{"ZeroLengths",
                    [](auto& l) {
                        l.Layer2HeaderLength = 0;
                        l.Layer3HeaderLength = 0;
                        l.Layer4HeaderLength = 0;
                    },
                    nullptr},
        length_case{"UnspecifiedTypes",
                    [](auto& l) {
                        l = NET_PACKET_LAYOUT{};
                        l.Layer2HeaderLength = 3;
                        l.Layer3HeaderLength = 5;
                        l.Layer4HeaderLength = 7;
                    },
                    nullptr},
        length_case{"TcpWithOptionsIPv6",
                    [](auto& l) {
                        l.Layer3Type = NetPacketLayer3TypeIPv6WithExtensions;
                        l.Layer3HeaderLength = 48;
                        l.Layer4HeaderLength = 60;
                    },
                    nullptr},
        length_case{"Udp",
                    [](auto& l) {
                        l.Layer4Type = NetPacketLayer4TypeUdp;
                        l.Layer4HeaderLength = 8;
                    },
                    nullptr}),
    [](const auto& p) { return std::string{p.param.name}; });

TEST(VerifierRules, RxIgnoredPacketModified)
{
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        q.packet(0).Ignore = 1;
        q.packet(0).FragmentCount = 1;
        q.pr()->BeginIndex = 1;
    });
    expect_rule(v, log, ring_rule::rx_ignored_packet_modified,
                "packet ring index 0: FragmentCount 65535 -> 1 (packet marked Ignore)");
}

TEST(VerifierRules, RxIgnoredPacketModifiedBeforeReturn)
{
    // Ignore applies across the driver's range, returned or not.
    log_capture log;
    rings r{queue_kind::rx};
    r.post(3, 3);
    auto v = r.advance([](rings& q) {
        q.packet(2).Ignore = 1;
        q.packet(2).Layout.Layer2Type = NetPacketLayer2TypeEthernet;
    });
    expect_rule(v, log, ring_rule::rx_ignored_packet_modified,
                "packet ring index 2: Layer2Type 15 -> 2");
}

TEST(VerifierRules, FirstBrokenRuleOnly)
{
    // Several rules broken at once: one violation, one log line, the earliest check wins.
    log_capture log;
    rings r{queue_kind::rx};
    r.post(2, 2);
    auto v = r.advance([](rings& q) {
        q.pr()->BeginIndex = 1; // returned without writing anything
        q.fr()->EndIndex = 1;   // and the header changed
    });
    expect_rule(v, log, ring_rule::header_immutable, "fragment ring header: EndIndex 2 -> 1");
}

} // namespace
} // namespace netcx::test
