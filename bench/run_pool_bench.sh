#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the netcx-vs-DPDK pool benchmark from a build tree: bench/run_pool_bench.sh BUILD_DIR [ARGS...]
# Extra arguments go to netcx-bench-pool (--quick, --reps N). Fails if the benchmark fails or if
# its output does not end with the summary line `pool: min speedup netcx/dpdk = X.XX`.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [--quick] [--reps N]" >&2
  exit 2
fi
build_dir=$1
shift
bench="$build_dir/bench/netcx-bench-pool"
if [ ! -x "$bench" ]; then
  echo "run_pool_bench: $bench not found; build with: cmake --preset release && cmake --build --preset release" >&2
  exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bench" "$@" | tee "$out"
last=$(tail -n 1 "$out")
if ! [[ $last =~ ^pool:\ min\ speedup\ netcx/dpdk\ =\ [0-9]+\.[0-9][0-9]$ ]]; then
  echo "run_pool_bench: unexpected last line: '$last'" >&2
  exit 1
fi
