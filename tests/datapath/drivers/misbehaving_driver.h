/* SPDX-License-Identifier: MIT */
/* The misbehaving test driver (built in for the verifier tests): see misbehaving_driver.cpp. */
#ifndef NETCX_TESTS_MISBEHAVING_DRIVER_H
#define NETCX_TESTS_MISBEHAVING_DRIVER_H

#include <ntddk.h>

NETCX_EXTERN_C_BEGIN

DRIVER_INITIALIZE misbehaving_driver_entry;

NETCX_EXTERN_C_END

#endif
