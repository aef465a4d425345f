// SPDX-License-Identifier: MIT
// Runs c_api_test.c: the WDF headers and macros as a C driver uses them.
#include "c_api_test.h"
#include "wdf_support.hpp"

namespace netcx::test {
namespace {

class WdfFromC : public wdf_test {};

TEST_F(WdfFromC, InitDefaults)
{
    EXPECT_EQ(c_init_defaults(), nullptr) << c_init_defaults();
}

TEST_F(WdfFromC, DriverEntryAndDeviceAdd)
{
    auto& os = driver_object("c");
    ASSERT_EQ(c_driver_entry(&os, nullptr), STATUS_SUCCESS);
    ASSERT_NE(os.created, nullptr);
    auto init = make_init(static_cast<WDFDRIVER>(os.created->handle()));
    ASSERT_EQ(os.created->config().EvtDriverDeviceAdd(static_cast<WDFDRIVER>(os.created->handle()),
                                                      init.get()),
              STATUS_SUCCESS);
    const char* why = c_device_add_result();
    EXPECT_EQ(why, nullptr) << why;
    ASSERT_NE(init->created, nullptr);
    EXPECT_EQ(init->created->children().size(), 1u) << "the DMA enabler";
}

TEST_F(WdfFromC, Contexts)
{
    WDFDRIVER driver = make_driver();
    const char* why = c_contexts(driver);
    EXPECT_EQ(why, nullptr) << why;
}

} // namespace
} // namespace netcx::test
