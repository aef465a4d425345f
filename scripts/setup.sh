#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages netcx needs, only those missing: `apt-get update` once, then install.
# Idempotent and quiet when everything is present. Run as root (CI is root) or with sudo available.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config make  # toolchain
  libgtest-dev libgmock-dev              # tests
  libbenchmark-dev libdpdk-dev           # benchmarks (DPDK is the peer we measure against)
  libnuma-dev libfmt-dev libcli11-dev    # library dependencies
  nlohmann-json3-dev                     # JSON output (plans, reports)
  libpcap-dev tshark                     # capture: pcapng read back by libpcap and tshark in tests
  valgrind clang-format                  # callgrind for the benchmarks; the format check
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
