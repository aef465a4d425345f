/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The NetAdapterCx client-driver API, as drivers include it on Windows. netcx's implementation:
 * NIC drivers written against this header build and run on Linux unchanged.
 */
#ifndef NETCX_NETADAPTERCX_H
#define NETCX_NETADAPTERCX_H

#include <net/extension.h>
#include <net/fragment.h>
#include <net/logicaladdress.h>
#include <net/packet.h>
#include <net/returncontext.h>
#include <net/ring.h>
#include <net/ringcollection.h>
#include <net/virtualaddress.h>
#include <netadapter.h>
#include <netconfiguration.h>
#include <netpacketqueue.h>
#include <netrxqueue.h>
#include <nettxqueue.h>
#include <wdf.h>

#define NETADAPTER_VERSION_MAJOR 1
#define NETADAPTER_VERSION_MINOR 2

#endif /* NETCX_NETADAPTERCX_H */
