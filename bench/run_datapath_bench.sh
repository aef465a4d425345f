#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the netcx-vs-DPDK datapath benchmark from a build tree:
#   bench/run_datapath_bench.sh BUILD_DIR [ARGS...]
# Extra arguments go to netcx-bench-datapath (--quick, --reps N). Fails if the benchmark fails or
# if its output does not end with the summary line `datapath: speedup netcx/dpdk = X.XX`.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [--quick] [--reps N]" >&2
  exit 2
fi
build_dir=$1
shift
bench="$build_dir/bench/netcx-bench-datapath"
if [ ! -x "$bench" ]; then
  echo "run_datapath_bench: $bench not found; build with: cmake --preset release && cmake --build --preset release" >&2
  exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bench" "$@" | tee "$out"
last=$(tail -n 1 "$out")
if ! [[ $last =~ ^datapath:\ speedup\ netcx/dpdk\ =\ [0-9]+\.[0-9][0-9]$ ]]; then
  echo "run_datapath_bench: unexpected last line: '$last'" >&2
  exit 1
fi
