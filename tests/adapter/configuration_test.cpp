// SPDX-License-Identifier: MIT
// NETCONFIGURATION: opening and closing, ULONG / string / network-address queries over the
// device's parameters, and each refusal by name.
#include "c11_driver.h"
#include "refusal.hpp"
#include "support/wdf_fixture.hpp"

#include "wdf/string.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace netcx::test {
namespace {

/// A counted UNICODE_STRING over a wide literal.
UNICODE_STRING name(const wchar_t* s)
{
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, s);
    return u;
}

class Configuration : public ::testing::Test {
protected:
    explicit Configuration(wdf::device_params params =
                               {
                                   {"*JumboPacket", "9014"},
                                   {"NumRxBuffers", "0x200"},
                                   {"HexOnly", "ff"},
                                   {"Sixteen", "10"},
                                   {"Max", "4294967295"},
                                   {"TooBig", "4294967296"},
                                   {"Negative", "-1"},
                                   {"Empty", ""},
                                   {"JustPrefix", "0x"},
                                   {"Spaced", " 12"},
                                   {"Repeated", "1"},
                                   {"REPEATED", "2"},
                                   {"DriverDesc", "netcx test NIC"},
                                   {"NetworkAddress", "02-00-5E-10-20-30"},
                               })
        : f(std::move(params))
    {
    }

    NETCONFIGURATION open()
    {
        NETCONFIGURATION c = nullptr;
        EXPECT_EQ(NetAdapterOpenConfiguration(a, WDF_NO_OBJECT_ATTRIBUTES, &c), STATUS_SUCCESS);
        return c;
    }

    NTSTATUS
    query(const wchar_t* n, ULONG& v,
          NET_CONFIGURATION_QUERY_ULONG_FLAGS flags = NET_CONFIGURATION_QUERY_ULONG_NO_FLAGS)
    {
        const UNICODE_STRING u = name(n);
        return NetConfigurationQueryUlong(cfg, flags, &u, &v);
    }

    wdf_fixture f;
    NETADAPTER a = f.create_adapter();
    NETCONFIGURATION cfg = open();
};

TEST_F(Configuration, OpensAsTheAdaptersChildAndCloses)
{
    auto* c = static_cast<wdf::object*>(static_cast<WDFOBJECT>(cfg));
    EXPECT_EQ(c->kind(), wdf::object_kind::configuration);
    EXPECT_EQ(c->parent(), &wdf_fixture::adapter_object(a));
    const auto live = wdf::object::live_count();
    NetConfigurationClose(cfg);
    EXPECT_EQ(wdf::object::live_count(), live - 1);
    log_capture log;
    NetConfigurationClose(cfg); // a dead handle: refused by name, no crash
    EXPECT_TRUE(log.has("NetConfigurationClose")) << log.all();
}

TEST_F(Configuration, DeletingTheAdapterClosesItsConfigurations)
{
    const auto live = wdf::object::live_count();
    WdfObjectDelete(a);
    EXPECT_EQ(wdf::object::live_count(), live - 2);
}

TEST_F(Configuration, OpenRefusals)
{
    constexpr std::string_view api = "NetAdapterOpenConfiguration";
    NETCONFIGURATION c = nullptr;
    EXPECT_TRUE(refused([&] { return NetAdapterOpenConfiguration(nullptr, nullptr, &c); },
                        STATUS_INVALID_HANDLE, api, "the handle is NULL"));
    EXPECT_TRUE(refused([&] { return NetAdapterOpenConfiguration(a, nullptr, nullptr); },
                        STATUS_INVALID_PARAMETER, api, "Configuration (the out pointer) is NULL"));
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = f.device();
    EXPECT_TRUE(refused([&] { return NetAdapterOpenConfiguration(a, &attributes, &c); },
                        STATUS_INVALID_PARAMETER, api, "ParentObject is"));
    attributes.ParentObject = nullptr;
    attributes.Size = 0;
    EXPECT_TRUE(refused([&] { return NetAdapterOpenConfiguration(a, &attributes, &c); },
                        STATUS_INFO_LENGTH_MISMATCH, api, "Size is 0"));
    EXPECT_EQ(c, nullptr);
}

TEST_F(Configuration, UlongDecimalAndPrefixedHex)
{
    ULONG v = 0;
    ASSERT_EQ(query(L"*JumboPacket", v), STATUS_SUCCESS);
    EXPECT_EQ(v, 9014u);
    ASSERT_EQ(query(L"NumRxBuffers", v), STATUS_SUCCESS);
    EXPECT_EQ(v, 0x200u);
    ASSERT_EQ(query(L"Max", v), STATUS_SUCCESS);
    EXPECT_EQ(v, 0xFFFFFFFFu);
    ASSERT_EQ(query(L"Sixteen", v), STATUS_SUCCESS);
    EXPECT_EQ(v, 10u);
}

TEST_F(Configuration, UlongNamesCompareCaseInsensitivelyAndTheLastValueWins)
{
    ULONG v = 0;
    ASSERT_EQ(query(L"*jumbopacket", v), STATUS_SUCCESS);
    EXPECT_EQ(v, 9014u);
    ASSERT_EQ(query(L"repeated", v), STATUS_SUCCESS);
    EXPECT_EQ(v, 2u);
}

TEST_F(Configuration, UlongHexFlagReadsBareDigitsAsHex)
{
    ULONG v = 0;
    ASSERT_EQ(query(L"HexOnly", v, NET_CONFIGURATION_QUERY_ULONG_MAY_BE_STORED_AS_HEX_STRING),
              STATUS_SUCCESS);
    EXPECT_EQ(v, 0xFFu);
    ASSERT_EQ(query(L"Sixteen", v, NET_CONFIGURATION_QUERY_ULONG_MAY_BE_STORED_AS_HEX_STRING),
              STATUS_SUCCESS);
    EXPECT_EQ(v, 16u);
    ASSERT_EQ(query(L"NumRxBuffers", v, NET_CONFIGURATION_QUERY_ULONG_MAY_BE_STORED_AS_HEX_STRING),
              STATUS_SUCCESS);
    EXPECT_EQ(v, 0x200u);
}

TEST_F(Configuration, UlongAbsentIsNotFoundWithoutAnErrorLine)
{
    log_capture log;
    ULONG v = 7;
    EXPECT_EQ(query(L"NoSuchKeyword", v), STATUS_OBJECT_NAME_NOT_FOUND);
    EXPECT_EQ(v, 7u);
    EXPECT_FALSE(log.has("error")) << log.all();
}

TEST_F(Configuration, UlongNotANumberIsRefusedByName)
{
    constexpr std::string_view api = "NetConfigurationQueryUlong";
    struct bad {
        const wchar_t* key;
        const char* needle;
    };
    for (auto [key, needle] :
         {bad{L"HexOnly", "parameter 'HexOnly' is 'ff'"},
          bad{L"TooBig", "parameter 'TooBig' is '4294967296'"},
          bad{L"Negative", "parameter 'Negative' is '-1'"},
          bad{L"Empty", "parameter 'Empty' is ''"},
          bad{L"JustPrefix", "parameter 'JustPrefix' is '0x'"},
          bad{L"Spaced", "parameter 'Spaced' is ' 12'"}, bad{L"DriverDesc", "not a ULONG"}}) {
        ULONG v = 7;
        EXPECT_TRUE(refused([&] { return query(key, v); }, STATUS_INVALID_PARAMETER, api, needle));
        EXPECT_EQ(v, 7u);
    }
}

TEST_F(Configuration, UlongArgumentRefusals)
{
    constexpr std::string_view api = "NetConfigurationQueryUlong";
    const UNICODE_STRING n = name(L"Max");
    ULONG v = 0;
    EXPECT_TRUE(refused([&] { return c11_query_ulong_raw_flags(cfg, 6, &n, &v); },
                        STATUS_INVALID_PARAMETER, api, "Flags is 0x6"));
    EXPECT_TRUE(refused(
        [&] {
            return NetConfigurationQueryUlong(cfg, NET_CONFIGURATION_QUERY_ULONG_NO_FLAGS, nullptr,
                                              &v);
        },
        STATUS_INVALID_PARAMETER, api, "ValueName is NULL"));
    UNICODE_STRING odd = n;
    odd.Length = 3;
    EXPECT_TRUE(refused(
        [&] {
            return NetConfigurationQueryUlong(cfg, NET_CONFIGURATION_QUERY_ULONG_NO_FLAGS, &odd,
                                              &v);
        },
        STATUS_INVALID_PARAMETER, api, "ValueName has Length 3 bytes"));
    UNICODE_STRING no_buffer{4, 4, nullptr};
    EXPECT_TRUE(refused(
        [&] {
            return NetConfigurationQueryUlong(cfg, NET_CONFIGURATION_QUERY_ULONG_NO_FLAGS,
                                              &no_buffer, &v);
        },
        STATUS_INVALID_PARAMETER, api, "ValueName has Length 4 bytes"));
    EXPECT_TRUE(refused(
        [&] {
            return NetConfigurationQueryUlong(cfg, NET_CONFIGURATION_QUERY_ULONG_NO_FLAGS, &n,
                                              nullptr);
        },
        STATUS_INVALID_PARAMETER, api, "Value (the out pointer) is NULL"));
    EXPECT_TRUE(refused(
        [&] {
            return NetConfigurationQueryUlong(reinterpret_cast<NETCONFIGURATION>(a),
                                              NET_CONFIGURATION_QUERY_ULONG_NO_FLAGS, &n, &v);
        },
        STATUS_OBJECT_TYPE_MISMATCH, api, "is a adapter"));
}

TEST_F(Configuration, StringIsAWdfStringUnderTheConfiguration)
{
    const UNICODE_STRING n = name(L"driverdesc");
    WDFSTRING s = nullptr;
    ASSERT_EQ(NetConfigurationQueryString(cfg, &n, WDF_NO_OBJECT_ATTRIBUTES, &s), STATUS_SUCCESS);
    UNICODE_STRING value{};
    WdfStringGetUnicodeString(s, &value);
    EXPECT_EQ(wdf::narrow(value), "netcx test NIC");
    auto* obj = static_cast<wdf::object*>(static_cast<WDFOBJECT>(s));
    EXPECT_EQ(obj->kind(), wdf::object_kind::string);
    EXPECT_EQ(obj->parent(), static_cast<wdf::object*>(static_cast<WDFOBJECT>(cfg)));
    const auto live = wdf::object::live_count();
    NetConfigurationClose(cfg); // takes the string with it
    EXPECT_EQ(wdf::object::live_count(), live - 2);
}

TEST_F(Configuration, StringWithAParentOutlivesTheConfiguration)
{
    const UNICODE_STRING n = name(L"DriverDesc");
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = a;
    WDFSTRING s = nullptr;
    ASSERT_EQ(NetConfigurationQueryString(cfg, &n, &attributes, &s), STATUS_SUCCESS);
    NetConfigurationClose(cfg);
    UNICODE_STRING value{};
    WdfStringGetUnicodeString(s, &value);
    EXPECT_EQ(wdf::narrow(value), "netcx test NIC");
    EXPECT_EQ(static_cast<wdf::object*>(static_cast<WDFOBJECT>(s))->parent(),
              &wdf_fixture::adapter_object(a));
}

TEST_F(Configuration, StringRefusals)
{
    constexpr std::string_view api = "NetConfigurationQueryString";
    const UNICODE_STRING n = name(L"DriverDesc");
    WDFSTRING s = nullptr;
    log_capture log;
    const UNICODE_STRING missing = name(L"Missing");
    EXPECT_EQ(NetConfigurationQueryString(cfg, &missing, nullptr, &s),
              STATUS_OBJECT_NAME_NOT_FOUND);
    EXPECT_FALSE(log.has("error")) << log.all();
    EXPECT_TRUE(refused([&] { return NetConfigurationQueryString(cfg, &n, nullptr, nullptr); },
                        STATUS_INVALID_PARAMETER, api, "WdfString (the out pointer) is NULL"));
    EXPECT_TRUE(refused([&] { return NetConfigurationQueryString(cfg, nullptr, nullptr, &s); },
                        STATUS_INVALID_PARAMETER, api, "ValueName is NULL"));
    EXPECT_TRUE(refused([&] { return NetConfigurationQueryString(nullptr, &n, nullptr, &s); },
                        STATUS_INVALID_HANDLE, api, "the handle is NULL"));
    EXPECT_EQ(s, nullptr);
}

class NetworkAddress : public Configuration {
protected:
    explicit NetworkAddress(std::string mac) : Configuration({{"NetworkAddress", std::move(mac)}})
    {
    }
    NTSTATUS query(std::array<UCHAR, 6>& out, ULONG& length)
    {
        return NetConfigurationQueryNetworkAddress(cfg, static_cast<ULONG>(out.size()), out.data(),
                                                   &length);
    }
};

class NetworkAddressForms : public NetworkAddress,
                            public ::testing::WithParamInterface<const char*> {
protected:
    NetworkAddressForms() : NetworkAddress(GetParam()) {}
};

TEST_P(NetworkAddressForms, ParseToSixBytes)
{
    std::array<UCHAR, 6> mac{};
    ULONG length = 0;
    ASSERT_EQ(query(mac, length), STATUS_SUCCESS);
    EXPECT_EQ(length, 6u);
    EXPECT_EQ(mac, (std::array<UCHAR, 6>{0x02, 0x00, 0x5E, 0x10, 0x20, 0xAB}));
}

INSTANTIATE_TEST_SUITE_P(Forms, NetworkAddressForms,
                         ::testing::Values("02-00-5E-10-20-AB", "02:00:5e:10:20:ab", "02005E1020AB",
                                           "02005e1020Ab"));

class BadNetworkAddress : public NetworkAddress, public ::testing::WithParamInterface<const char*> {
protected:
    BadNetworkAddress() : NetworkAddress(GetParam()) {}
};

TEST_P(BadNetworkAddress, IsRefusedNamingTheValue)
{
    std::array<UCHAR, 6> mac{};
    ULONG length = 9;
    EXPECT_TRUE(refused([&] { return query(mac, length); }, STATUS_INVALID_PARAMETER,
                        "NetConfigurationQueryNetworkAddress",
                        std::string{"parameter 'NetworkAddress' is '"} + GetParam() + "'"));
    EXPECT_EQ(length, 0u);
    EXPECT_EQ(mac, (std::array<UCHAR, 6>{}));
}

INSTANTIATE_TEST_SUITE_P(Forms, BadNetworkAddress,
                         ::testing::Values("", "02-00-5E-10-20", "02-00-5E-10-20-AB-CD",
                                           "02-00:5E-10-20-AB", "02--00-5E-10-20-AB",
                                           "-02005E1020AB", "02005E1020AB-", "0-2005E1020AB",
                                           "02-00-5E-10-20-AG", "02 00 5E 10 20 AB"));

TEST_F(Configuration, NetworkAddressBufferTooSmallReportsTheLength)
{
    std::array<UCHAR, 6> mac{};
    ULONG length = 0;
    EXPECT_TRUE(
        refused([&] { return NetConfigurationQueryNetworkAddress(cfg, 5, mac.data(), &length); },
                STATUS_BUFFER_TOO_SMALL, "NetConfigurationQueryNetworkAddress",
                "BufferLength is 5; the network address needs 6 bytes"));
    EXPECT_EQ(length, 6u);
    EXPECT_EQ(mac, (std::array<UCHAR, 6>{}));
    ASSERT_EQ(NetConfigurationQueryNetworkAddress(cfg, 6, mac.data(), &length), STATUS_SUCCESS);
    EXPECT_EQ(mac, (std::array<UCHAR, 6>{0x02, 0x00, 0x5E, 0x10, 0x20, 0x30}));
}

TEST_F(Configuration, NetworkAddressArgumentRefusals)
{
    constexpr std::string_view api = "NetConfigurationQueryNetworkAddress";
    std::array<UCHAR, 6> mac{};
    ULONG length = 0;
    EXPECT_TRUE(
        refused([&] { return NetConfigurationQueryNetworkAddress(cfg, 6, mac.data(), nullptr); },
                STATUS_INVALID_PARAMETER, api, "ResultLength (the out pointer) is NULL"));
    EXPECT_TRUE(
        refused([&] { return NetConfigurationQueryNetworkAddress(cfg, 6, nullptr, &length); },
                STATUS_INVALID_PARAMETER, api, "NetworkAddressBuffer is NULL"));
}

class NoNetworkAddress : public Configuration {
protected:
    NoNetworkAddress() : Configuration({{"Other", "1"}}) {}
};

TEST_F(NoNetworkAddress, IsNotFound)
{
    std::array<UCHAR, 6> mac{};
    ULONG length = 9;
    EXPECT_EQ(NetConfigurationQueryNetworkAddress(cfg, 6, mac.data(), &length),
              STATUS_OBJECT_NAME_NOT_FOUND);
    EXPECT_EQ(length, 0u);
}

} // namespace
} // namespace netcx::test
