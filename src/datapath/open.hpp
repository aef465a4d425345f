// SPDX-License-Identifier: MIT
// Opening an adapter's datapath (what host::open_datapath forwards to).
#pragma once

#include <netcx/bm/plan.hpp>
#include <netcx/datapath/datapath.hpp>

#include <memory>

namespace netcx::adapter {
class adapter;
}

namespace netcx::datapath {

/// Shared by the host and an open datapath: `open` points at the datapath until it closes, so
/// the host can refuse to stop the device under it, or close it before removing the device.
struct open_link {
    datapath* open = nullptr;
};

/// Creates the queues (EvtAdapterCreateTx/RxQueue), builds the pools from `plan`, starts the
/// execution contexts. Fails with a named error and undoes everything on the way.
result<std::unique_ptr<datapath>> open(adapter::adapter& a, const bm::buffer_plan& plan,
                                       const options& o, std::shared_ptr<open_link> link);

} // namespace netcx::datapath
