// SPDX-License-Identifier: MIT
// WDFDMAENABLER: the INIT, the address width each profile implies (a 32-bit profile is a 32-bit
// device), overrides, NetAdapterCx's DMA v3 rule, the scatter-gather limit, and every refusal.
#include "wdf_support.hpp"

#include "wdf/dma_enabler.hpp"

#include <cstdint>

namespace netcx::test {
namespace {

TEST(WdfInit, DmaEnablerConfigInitSetsSizeProfileLengthAndZeroesTheRest)
{
    WDF_DMA_ENABLER_CONFIG c;
    std::memset(&c, 0xAB, sizeof c);
    WDF_DMA_ENABLER_CONFIG_INIT(&c, WdfDmaProfileScatterGather64Duplex, 65536);
    EXPECT_EQ(c.Size, sizeof(WDF_DMA_ENABLER_CONFIG));
    EXPECT_EQ(c.Profile, WdfDmaProfileScatterGather64Duplex);
    EXPECT_EQ(c.MaximumLength, 65536u);
    EXPECT_EQ(c.EvtDmaEnablerFill, nullptr);
    EXPECT_EQ(c.EvtDmaEnablerFlush, nullptr);
    EXPECT_EQ(c.EvtDmaEnablerDisable, nullptr);
    EXPECT_EQ(c.EvtDmaEnablerEnable, nullptr);
    EXPECT_EQ(c.EvtDmaEnablerSelfManagedIoStart, nullptr);
    EXPECT_EQ(c.EvtDmaEnablerSelfManagedIoStop, nullptr);
    EXPECT_EQ(c.AddressWidthOverride, 0u);
    EXPECT_EQ(c.WdmDmaVersionOverride, 0u);
    EXPECT_EQ(c.Flags, 0u);
}

class WdfDmaEnabler : public wdf_test {
protected:
    void SetUp() override
    {
        wdf_test::SetUp();
        driver_ = make_driver();
        device_ = make_device(driver_);
    }
    wdf::dma_enabler* create(const WDF_DMA_ENABLER_CONFIG& config,
                             const WDF_OBJECT_ATTRIBUTES* attributes = nullptr)
    {
        auto c = config;
        auto a = attributes != nullptr ? *attributes : WDF_OBJECT_ATTRIBUTES{};
        WDFDMAENABLER e = nullptr;
        EXPECT_EQ(WdfDmaEnablerCreate(device_, &c, attributes != nullptr ? &a : nullptr, &e),
                  STATUS_SUCCESS);
        return e == nullptr ? nullptr : wdf::object::as<wdf::dma_enabler>(e, "test");
    }
    static WDF_DMA_ENABLER_CONFIG config(WDF_DMA_PROFILE p, size_t max_length = 65536)
    {
        WDF_DMA_ENABLER_CONFIG c;
        WDF_DMA_ENABLER_CONFIG_INIT(&c, p, max_length);
        return c;
    }
    NTSTATUS create_status(WDF_DMA_ENABLER_CONFIG c, WDF_OBJECT_ATTRIBUTES* a = nullptr)
    {
        WDFDMAENABLER e = reinterpret_cast<WDFDMAENABLER>(std::uintptr_t{1});
        const NTSTATUS s = WdfDmaEnablerCreate(device_, &c, a, &e);
        if (!NT_SUCCESS(s)) {
            EXPECT_EQ(e, nullptr) << "a refused create clears the output";
        }
        return s;
    }
    WDFDRIVER driver_ = nullptr;
    WDFDEVICE device_ = nullptr;
};

TEST_F(WdfDmaEnabler, EachProfileImpliesItsAddressWidth)
{
    const std::pair<WDF_DMA_PROFILE, unsigned> widths[] = {
        {WdfDmaProfilePacket, 32},
        {WdfDmaProfileScatterGather, 32},
        {WdfDmaProfilePacket64, 64},
        {WdfDmaProfileScatterGather64, 64},
        {WdfDmaProfileScatterGatherDuplex, 32},
        {WdfDmaProfileScatterGather64Duplex, 64},
        {WdfDmaProfileSystem, 32},
        {WdfDmaProfileSystemDuplex, 32},
    };
    for (auto [profile, width] : widths) {
        auto* e = create(config(profile));
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(e->profile(), profile);
        EXPECT_EQ(e->address_width(), width) << "profile " << profile;
        EXPECT_EQ(e->max_logical_address(),
                  width == 64 ? UINT64_MAX : (std::uint64_t{1} << width) - 1);
        EXPECT_EQ(e->dma_version(), 3u);
        EXPECT_EQ(&e->owner_device(), object_of(device_));
        EXPECT_EQ(e->parent(), object_of(device_));
        EXPECT_EQ(&e->address_space(),
                  &static_cast<wdf::device*>(object_of(device_))->address_space());
    }
}

TEST_F(WdfDmaEnabler, AddressWidthOverrideWins)
{
    auto c = config(WdfDmaProfileScatterGather64);
    c.AddressWidthOverride = 40;
    auto* e = create(c);
    EXPECT_EQ(e->address_width(), 40u);
    EXPECT_EQ(e->max_logical_address(), 0xFF'FFFF'FFFFull);
    c = config(WdfDmaProfileScatterGather);
    c.AddressWidthOverride = 24;
    EXPECT_EQ(create(c)->max_logical_address(), 0xFF'FFFFull);
    c.AddressWidthOverride = 64;
    EXPECT_EQ(create(c)->max_logical_address(), UINT64_MAX);
    c.WdmDmaVersionOverride = 3;
    EXPECT_EQ(create(c)->dma_version(), 3u);
}

TEST_F(WdfDmaEnabler, MaximumLengthAndScatterGatherElements)
{
    auto* e = create(config(WdfDmaProfileScatterGather64, 9000));
    auto h = static_cast<WDFDMAENABLER>(e->handle());
    EXPECT_EQ(WdfDmaEnablerGetMaximumLength(h), 9000u);
    EXPECT_EQ(WdfDmaEnablerGetMaximumScatterGatherElements(h),
              wdf::dma_enabler::unlimited_fragments);
    EXPECT_EQ(e->max_fragments(), std::size_t{0xFFFFFFFF});
    WdfDmaEnablerSetMaximumScatterGatherElements(h, 16);
    EXPECT_EQ(WdfDmaEnablerGetMaximumScatterGatherElements(h), 16u);
    EXPECT_TRUE(logged([&] { WdfDmaEnablerSetMaximumScatterGatherElements(h, 0); },
                       STATUS_INVALID_PARAMETER, "WdfDmaEnablerSetMaximumScatterGatherElements",
                       "MaximumFragments is 0"));
    EXPECT_EQ(WdfDmaEnablerGetMaximumScatterGatherElements(h), 16u);
}

TEST_F(WdfDmaEnabler, ContextsCallbacksAndTheDeviceAsExplicitParent)
{
    auto a = tagged_attributes(device_);
    auto* e = create(config(WdfDmaProfileScatterGather64), &a);
    ASSERT_NE(e, nullptr);
    name_object(e->handle(), "enabler");
    EXPECT_EQ(e->parent(), object_of(device_));
    WdfObjectDelete(e->handle()); // a driver may delete its own enabler
    EXPECT_EQ(events(), (std::vector<std::string>{"cleanup enabler", "destroy enabler"}));
}

TEST_F(WdfDmaEnabler, Refusals)
{
    constexpr std::string_view api = "WdfDmaEnablerCreate";
    auto good = config(WdfDmaProfileScatterGather64);
    WDFDMAENABLER e = nullptr;
    EXPECT_TRUE(refused([&] { return WdfDmaEnablerCreate(device_, &good, nullptr, nullptr); },
                        STATUS_INVALID_PARAMETER, api, "DmaEnablerHandle (the output) is NULL"));
    EXPECT_TRUE(refused([&] { return WdfDmaEnablerCreate(device_, nullptr, nullptr, &e); },
                        STATUS_INVALID_PARAMETER, api, "Config is NULL"));
    auto c = good;
    c.Size = 16;
    EXPECT_TRUE(refused([&] { return create_status(c); }, STATUS_INFO_LENGTH_MISMATCH, api,
                        "WDF_DMA_ENABLER_CONFIG.Size is 16"));
    c = config(WdfDmaProfileInvalid);
    EXPECT_TRUE(refused([&] { return create_status(c); }, STATUS_INVALID_PARAMETER, api,
                        "Profile 0 is not a WDF_DMA_PROFILE"));
    c = config(static_cast<WDF_DMA_PROFILE>(9));
    EXPECT_TRUE(refused([&] { return create_status(c); }, STATUS_INVALID_PARAMETER, api,
                        "Profile 9 is not a WDF_DMA_PROFILE"));
    c = config(WdfDmaProfileScatterGather64, 0);
    EXPECT_TRUE(refused([&] { return create_status(c); }, STATUS_INVALID_PARAMETER, api,
                        "MaximumLength is 0"));
    for (ULONG v : {1u, 2u, 4u}) {
        c = good;
        c.WdmDmaVersionOverride = v;
        EXPECT_TRUE(
            refused([&] { return create_status(c); }, STATUS_NOT_SUPPORTED, api,
                    fmt::format("WdmDmaVersionOverride is {}: NetAdapterCx requires DMA v3", v)));
    }
    for (ULONG w : {1u, 23u, 65u, 128u}) {
        c = good;
        c.AddressWidthOverride = w;
        EXPECT_TRUE(refused([&] { return create_status(c); }, STATUS_INVALID_PARAMETER, api,
                            fmt::format("AddressWidthOverride is {}, not 0 or 24..64", w)));
    }
    c = good;
    c.Flags = 0x80;
    EXPECT_TRUE(refused([&] { return create_status(c); }, STATUS_INVALID_PARAMETER, api,
                        "Flags 0x80 has unknown bits"));
    WDF_OBJECT_ATTRIBUTES a;
    WDF_OBJECT_ATTRIBUTES_INIT(&a);
    a.ParentObject = driver_;
    EXPECT_TRUE(refused([&] { return create_status(good, &a); }, STATUS_INVALID_PARAMETER, api,
                        "a DMA enabler is a child of its device"));
    WDF_OBJECT_ATTRIBUTES_INIT(&a);
    a.Size = 2;
    EXPECT_TRUE(refused([&] { return create_status(good, &a); }, STATUS_INFO_LENGTH_MISMATCH, api,
                        "WDF_OBJECT_ATTRIBUTES.Size is 2"));
    EXPECT_TRUE(object_of(device_)->children().empty()) << "no refused call made an enabler";
    c = good;
    c.Flags = WDF_DMA_ENABLER_CONFIG_NO_SGL_PARTIAL_TRANSFER;
    EXPECT_EQ(create_status(c), STATUS_SUCCESS);
}

} // namespace
} // namespace netcx::test
