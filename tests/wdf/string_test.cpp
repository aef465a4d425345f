// SPDX-License-Identifier: MIT
// WDFSTRING, UNICODE_STRING helpers, UTF-8 conversion and DbgPrint.
#include "wdf_support.hpp"

#include "wdf/string.hpp"

#include <cstdint>

namespace netcx::test {
namespace {

class WdfString : public wdf_test {
protected:
    void SetUp() override
    {
        wdf_test::SetUp();
        driver_ = make_driver();
    }
    /// A string under the driver (so the fixture's teardown frees it).
    WDFSTRING create(PCUNICODE_STRING s)
    {
        WDF_OBJECT_ATTRIBUTES a;
        WDF_OBJECT_ATTRIBUTES_INIT(&a);
        a.ParentObject = driver_;
        WDFSTRING out = nullptr;
        EXPECT_EQ(WdfStringCreate(s, &a, &out), STATUS_SUCCESS);
        return out;
    }
    WDFDRIVER driver_ = nullptr;
};

TEST_F(WdfString, RoundTripsThroughAUnicodeString)
{
    UNICODE_STRING in;
    RtlInitUnicodeString(&in, L"Realtek \u00e9th\u00e9rnet \U0001F600");
    WDFSTRING s = create(&in);
    ASSERT_NE(s, nullptr);
    UNICODE_STRING out{};
    WdfStringGetUnicodeString(s, &out);
    EXPECT_EQ(out.Length, in.Length);
    EXPECT_EQ(out.MaximumLength, out.Length + sizeof(WCHAR));
    EXPECT_NE(out.Buffer, in.Buffer) << "the string owns a copy";
    EXPECT_EQ(std::wstring(out.Buffer, out.Length / sizeof(WCHAR)),
              L"Realtek \u00e9th\u00e9rnet \U0001F600");
    EXPECT_EQ(out.Buffer[out.Length / sizeof(WCHAR)], L'\0');
    EXPECT_EQ(wdf::narrow(out), "Realtek \xc3\xa9th\xc3\xa9rnet \xf0\x9f\x98\x80");
}

TEST_F(WdfString, CountedStringsNeedNoTerminatorAndNullIsEmpty)
{
    WCHAR chars[] = {L'a', L'b', L'c', L'd'};
    UNICODE_STRING counted{2 * sizeof(WCHAR), sizeof chars, chars};
    UNICODE_STRING out{};
    WdfStringGetUnicodeString(create(&counted), &out);
    EXPECT_EQ(wdf::narrow(out), "ab");
    WdfStringGetUnicodeString(create(nullptr), &out);
    EXPECT_EQ(out.Length, 0);
    EXPECT_EQ(wdf::narrow(out), "");
}

TEST_F(WdfString, TheLongestStringKeepsAConsistentView)
{
    std::wstring chars(0xFFFF / sizeof(WCHAR), L'x');
    const auto bytes = static_cast<USHORT>(chars.size() * sizeof(WCHAR));
    UNICODE_STRING in{bytes, bytes, chars.data()};
    UNICODE_STRING out{};
    WdfStringGetUnicodeString(create(&in), &out);
    EXPECT_EQ(out.Length, bytes);
    EXPECT_GE(out.MaximumLength, out.Length);
    EXPECT_EQ(wdf::narrow(out).size(), chars.size());
}

TEST_F(WdfString, WithoutAParentTheDriverDeletesIt)
{
    UNICODE_STRING in;
    RtlInitUnicodeString(&in, L"root");
    WDFSTRING s = nullptr;
    ASSERT_EQ(WdfStringCreate(&in, WDF_NO_OBJECT_ATTRIBUTES, &s), STATUS_SUCCESS);
    EXPECT_EQ(object_of(s)->parent(), nullptr);
    EXPECT_EQ(object_of(s)->kind(), wdf::object_kind::string);
    WdfObjectDelete(s);
}

TEST_F(WdfString, Refusals)
{
    constexpr std::string_view api = "WdfStringCreate";
    UNICODE_STRING in;
    RtlInitUnicodeString(&in, L"x");
    WDFSTRING s = nullptr;
    EXPECT_TRUE(refused([&] { return WdfStringCreate(&in, nullptr, nullptr); },
                        STATUS_INVALID_PARAMETER, api, "String (the output handle) is NULL"));
    WCHAR buf[4] = {};
    UNICODE_STRING odd{3, 8, buf};
    EXPECT_TRUE(refused([&] { return WdfStringCreate(&odd, nullptr, &s); },
                        STATUS_INVALID_PARAMETER, api, "Length 3 is not a whole number"));
    UNICODE_STRING too_long{8, 4, buf};
    EXPECT_TRUE(refused([&] { return WdfStringCreate(&too_long, nullptr, &s); },
                        STATUS_INVALID_PARAMETER, api, "Length 8 exceeds its MaximumLength 4"));
    UNICODE_STRING no_buffer{4, 4, nullptr};
    EXPECT_TRUE(refused([&] { return WdfStringCreate(&no_buffer, nullptr, &s); },
                        STATUS_INVALID_PARAMETER, api, "Buffer is NULL with Length 4"));
    WDF_OBJECT_ATTRIBUTES a;
    WDF_OBJECT_ATTRIBUTES_INIT(&a);
    int not_an_object = 0;
    a.ParentObject = &not_an_object;
    EXPECT_TRUE(refused([&] { return WdfStringCreate(&in, &a, &s); }, STATUS_INVALID_HANDLE, api,
                        "ParentObject"));
    EXPECT_EQ(s, nullptr);
    WDFSTRING good = create(&in);
    EXPECT_TRUE(logged([&] { WdfStringGetUnicodeString(good, nullptr); }, STATUS_INVALID_PARAMETER,
                       "WdfStringGetUnicodeString", "UnicodeString (the output) is NULL"));
}

TEST(WdfUnicode, RtlInitUnicodeStringCountsBytesWithoutTheTerminator)
{
    UNICODE_STRING s{1, 1, nullptr};
    RtlInitUnicodeString(&s, L"eth0");
    EXPECT_EQ(s.Length, 4 * sizeof(WCHAR));
    EXPECT_EQ(s.MaximumLength, 5 * sizeof(WCHAR));
    EXPECT_STREQ(s.Buffer, L"eth0");
    RtlInitUnicodeString(&s, nullptr);
    EXPECT_EQ(s.Length, 0);
    EXPECT_EQ(s.MaximumLength, 0);
    EXPECT_EQ(s.Buffer, nullptr);
    log_capture log;
    RtlInitUnicodeString(nullptr, L"x");
    EXPECT_TRUE(log.has("RtlInitUnicodeString: Destination is NULL"));
}

TEST(WdfUnicode, RtlInitUnicodeStringClipsWhatAUshortCannotCount)
{
    const std::wstring huge(40000, L'a');
    UNICODE_STRING s;
    RtlInitUnicodeString(&s, huge.c_str());
    EXPECT_EQ(s.Length, 0x10000 - 2 * sizeof(WCHAR)); // 0xFFFC on Windows, 0xFFF8 here
    EXPECT_EQ(s.MaximumLength, 0x10000 - sizeof(WCHAR));
    EXPECT_EQ(s.Length % sizeof(WCHAR), 0u);
}

TEST(WdfUnicode, DeclareConstUnicodeString)
{
    DECLARE_CONST_UNICODE_STRING(name, L"MaximumFrameSize");
    EXPECT_EQ(name.Length, 16 * sizeof(WCHAR));
    EXPECT_EQ(name.MaximumLength, 17 * sizeof(WCHAR));
    EXPECT_EQ(wdf::narrow(name), "MaximumFrameSize");
}

TEST(WdfUnicode, NarrowAndWidenRoundTripAndReplaceInvalidInput)
{
    const std::string utf8 = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";
    const std::wstring wide = wdf::widen(utf8);
    EXPECT_EQ(wide, L"a\u00e9\u20ac\U0001F600z");
    const UNICODE_STRING u{static_cast<USHORT>(wide.size() * sizeof(WCHAR)),
                           static_cast<USHORT>(wide.size() * sizeof(WCHAR)),
                           const_cast<PWCH>(wide.c_str())};
    EXPECT_EQ(wdf::narrow(u), utf8);
    EXPECT_EQ(wdf::widen("a\xff"
                         "b"),
              L"a\uFFFDb");
    EXPECT_EQ(wdf::widen("\xc3"), L"\uFFFD") << "truncated sequence";
    EXPECT_EQ(wdf::widen("\xc0\xaf"), L"\uFFFD") << "overlong encoding";
    EXPECT_EQ(wdf::widen("\xed\xa0\x80"), L"\uFFFD") << "surrogate";
    const WCHAR bad[] = {static_cast<WCHAR>(0xD800), static_cast<WCHAR>(0x110000)};
    const UNICODE_STRING b{sizeof bad, sizeof bad, const_cast<PWCH>(bad)};
    EXPECT_EQ(wdf::narrow(b), "\xef\xbf\xbd\xef\xbf\xbd");
    const UNICODE_STRING empty{4, 4, nullptr};
    EXPECT_EQ(wdf::narrow(empty), "");
}

TEST(WdfUnicode, DbgPrintWritesOneDebugLine)
{
    set_log_level(log_level::debug);
    {
        log_capture log;
        EXPECT_EQ(DbgPrint("rx ring %d entries, %s\n", 256, "ok"), 0u);
        KdPrint(("kd %u\n", 7u));
        EXPECT_EQ(log.all(), "debug: rx ring 256 entries, ok\ndebug: kd 7\n");
    }
    set_log_level(log_level::info);
}

} // namespace
} // namespace netcx::test
