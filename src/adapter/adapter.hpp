// SPDX-License-Identifier: MIT
// NETADAPTER: the adapter a client driver creates on its device, its datapath capabilities
// (deep-copied, validated C++ values: the buffer manager's input) and its link-layer state.
//
// Lifecycle (host-driven): created (NetAdapterCreate in EvtDriverDeviceAdd) -> start (the host
// calls EvtAdapterSetCapabilities; the driver must set datapath capabilities there) -> started
// -> stop. A refused NetAdapterSetDatapathCapabilities is remembered: start fails with it.
#pragma once

#include "wdf/object.hpp"

#include <netadapter.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace netcx::wdf {
class device;
class dma_enabler;
} // namespace netcx::wdf

namespace netcx::adapter {

/// NET_ADAPTER_DMA_CAPABILITIES, checked and copied.
struct dma_constraints {
    wdf::dma_enabler* enabler = nullptr;
    std::uint64_t maximum_physical_address = 0; // 0: no limit beyond the enabler's width
    WDF_TRI_STATE cache_enabled = WdfUseDefault;
    std::uint32_t preferred_node = MM_ANY_NODE_OK;
};

struct tx_capabilities {
    NET_MEMORY_MAPPING_REQUIREMENT mapping = NetMemoryMappingRequirementNone;
    std::size_t payload_backfill = 0;
    std::size_t max_fragments = SIZE_MAX; // SIZE_MAX: unlimited
    std::size_t alignment = 1;
    std::uint32_t ring_hint = 0; // 0: no preference
    std::size_t max_queues = 0;
    std::size_t max_fragment_buffer_size = 0;
    std::optional<dma_constraints> dma;
};

struct rx_capabilities {
    NET_RX_FRAGMENT_BUFFER_ALLOCATION_MODE allocation = NetRxFragmentBufferAllocationModeSystem;
    NET_RX_FRAGMENT_BUFFER_ATTACHMENT_MODE attachment = NetRxFragmentBufferAttachmentModeSystem;
    std::uint32_t ring_hint = 0;
    std::size_t max_frame_size = 0;
    std::size_t max_queues = 0;
    PFN_NET_ADAPTER_RETURN_RX_BUFFER return_buffer = nullptr; // driver allocation only
    NET_MEMORY_MAPPING_REQUIREMENT mapping = NetMemoryMappingRequirementNone;
    std::size_t alignment = 1;
    std::optional<dma_constraints> dma;
};

struct link_layer {
    NET_ADAPTER_LINK_LAYER_CAPABILITIES capabilities{};
    ULONG mtu = 1500;
    NET_ADAPTER_LINK_LAYER_ADDRESS permanent_address{};
    NET_ADAPTER_LINK_LAYER_ADDRESS current_address{};
    NET_ADAPTER_LINK_STATE state{}; // disconnected until the driver says otherwise
};

enum class adapter_state : std::uint8_t { created, setting_capabilities, started, stopped };

[[nodiscard]] std::string_view to_string(adapter_state s) noexcept;

class adapter final : public wdf::object {
public:
    static constexpr wdf::object_kind object_kind_v = wdf::object_kind::adapter;

    adapter(wdf::device& owner, object* parent, const NET_ADAPTER_CONFIG& config);

    [[nodiscard]] wdf::device& owner_device() const noexcept { return owner_; }
    /// "adapter0", "adapter1", ... in creation order (per process): for log lines and the host.
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] const NET_ADAPTER_CONFIG& config() const noexcept { return config_; }
    [[nodiscard]] adapter_state state() const noexcept { return state_; }

    /// Runs EvtAdapterSetCapabilities. Fails with the callback's status, else with the first
    /// refused capability call, else STATUS_INVALID_PARAMETER if datapath capabilities were never
    /// set (NetAdapterCx's rule). The error names the adapter and the cause.
    result<void> start();
    void stop() noexcept;

    /// Entry points call these after validating.
    void set_datapath(const tx_capabilities& tx, const rx_capabilities& rx);
    void record_refusal(NTSTATUS code, std::string message);

    [[nodiscard]] const std::optional<tx_capabilities>& tx() const noexcept { return tx_; }
    [[nodiscard]] const std::optional<rx_capabilities>& rx() const noexcept { return rx_; }
    [[nodiscard]] link_layer& link() noexcept { return link_; }
    [[nodiscard]] const link_layer& link() const noexcept { return link_; }

private:
    ~adapter() override;
    void on_delete() noexcept override;

    wdf::device& owner_;
    std::string name_;
    NET_ADAPTER_CONFIG config_;
    adapter_state state_ = adapter_state::created;
    std::optional<tx_capabilities> tx_;
    std::optional<rx_capabilities> rx_;
    link_layer link_;
    bool start_attempted_ = false;
    NTSTATUS refused_ = STATUS_SUCCESS;
    std::string refusal_;
};

/// NETCONFIGURATION: a view of the device's parameters for the driver.
class configuration final : public wdf::object {
public:
    static constexpr wdf::object_kind object_kind_v = wdf::object_kind::configuration;
    configuration(adapter& owner, object* parent) : object(object_kind_v, parent), owner_(owner) {}
    [[nodiscard]] adapter& owner_adapter() const noexcept { return owner_; }

private:
    ~configuration() override = default;
    adapter& owner_;
};

} // namespace netcx::adapter
