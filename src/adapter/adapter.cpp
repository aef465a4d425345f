// SPDX-License-Identifier: MIT
// NETADAPTER core: creation, the start sequence around EvtAdapterSetCapabilities, and the
// capability store. The entry points in adapter_api.cpp validate; this file trusts its inputs.
#include "adapter/adapter.hpp"

#include "wdf/device.hpp"

#include <atomic>

namespace netcx::adapter {
namespace {

std::string next_name()
{
    static std::atomic<unsigned> created{0};
    return fmt::format("adapter{}", created.fetch_add(1, std::memory_order_relaxed));
}

} // namespace

std::string_view to_string(adapter_state s) noexcept
{
    switch (s) {
    case adapter_state::created: return "created";
    case adapter_state::setting_capabilities: return "setting capabilities";
    case adapter_state::started: return "started";
    case adapter_state::stopped: return "stopped";
    }
    return "?";
}

adapter::adapter(wdf::device& owner, object* parent, const NET_ADAPTER_CONFIG& config)
    : object(object_kind_v, parent), owner_(owner), name_(next_name()), config_(config)
{
    NET_ADAPTER_LINK_STATE_INIT_DISCONNECTED(&link_.state);
}

adapter::~adapter() = default;

void adapter::on_delete() noexcept
{
    if (owner_.net_adapter == this)
        owner_.net_adapter = nullptr;
}

result<void> adapter::start()
{
    if (state_ == adapter_state::started || state_ == adapter_state::setting_capabilities)
        return fail(status::busy, "{}: start: the adapter is already {}", name_, to_string(state_));
    if (state_ == adapter_state::stopped || start_attempted_) {
        // A restart (after a stop or a failed start) asks the driver again; what it said last
        // time no longer counts. Refusals from before the first start still do.
        tx_.reset();
        rx_.reset();
        refused_ = STATUS_SUCCESS;
        refusal_.clear();
    }

    start_attempted_ = true;
    NTSTATUS callback_status = STATUS_SUCCESS;
    if (config_.EvtAdapterSetCapabilities != nullptr) {
        state_ = adapter_state::setting_capabilities;
        reference(); // the driver may delete its adapter in the callback: keep the memory
        callback_status = config_.EvtAdapterSetCapabilities(static_cast<NETADAPTER>(handle()));
        state_ = adapter_state::created;
        if (deleting()) {
            error e =
                fail(status::busy,
                     "{}: the driver deleted the adapter in EvtAdapterSetCapabilities", name_);
            dereference(); // frees it
            return e;
        }
        dereference();
    }

    if (!NT_SUCCESS(callback_status)) {
        // The driver usually returns the status of the call that was refused: name that too.
        if (refused_ != STATUS_SUCCESS)
            return fail(wdf::from_ntstatus(callback_status),
                        "{}: EvtAdapterSetCapabilities failed with {} ({})", name_,
                        wdf::ntstatus_name(callback_status), refusal_);
        return fail(wdf::from_ntstatus(callback_status),
                    "{}: EvtAdapterSetCapabilities failed with {}", name_,
                    wdf::ntstatus_name(callback_status));
    }
    if (refused_ != STATUS_SUCCESS)
        return fail(wdf::from_ntstatus(refused_), "{}: capabilities refused: {}", name_, refusal_);
    if (!tx_ || !rx_)
        return fail(status::invalid_parameter,
                    "{}: datapath capabilities were never set (call "
                    "NetAdapterSetDatapathCapabilities in EvtAdapterSetCapabilities) ({})",
                    name_, wdf::ntstatus_name(STATUS_INVALID_PARAMETER));

    state_ = adapter_state::started;
    return {};
}

void adapter::stop() noexcept
{
    if (state_ == adapter_state::started)
        state_ = adapter_state::stopped;
}

void adapter::set_datapath(const tx_capabilities& tx, const rx_capabilities& rx)
{
    tx_ = tx;
    rx_ = rx;
}

void adapter::record_refusal(NTSTATUS code, std::string message)
{
    // The first refusal is the cause; later ones are usually its consequences.
    if (refused_ != STATUS_SUCCESS)
        return;
    refused_ = code;
    refusal_ = std::move(message);
}

} // namespace netcx::adapter
