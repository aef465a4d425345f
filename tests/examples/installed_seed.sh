#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# As a third party would: installs netcx from BUILD_DIR into OUT/prefix, builds the seed driver
# and the documentation's example as C against it with pkg-config (examples/seed_driver/Makefile),
# and runs the *installed* netcx tool's `plan --json` on each, writing OUT/<driver>.json.
# No LD_LIBRARY_PATH: the installed tool finds libnetcx through its RPATH.
set -euo pipefail
build=$1 src=$2 out=$3
cmake --install "$build" --prefix "$out/prefix" >/dev/null
pc=$(find "$out/prefix" -name netcx.pc | head -1)
tool=$(find "$out/prefix" -type f -name netcx -perm -u+x | head -1)
[ -n "$pc" ] || { echo "no netcx.pc installed" >&2; exit 1; }
[ -n "$tool" ] || { echo "no netcx tool installed" >&2; exit 1; }
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
make -s -f "$src/examples/seed_driver/Makefile" O="$out" CFLAGS="-O1"
for driver in seed_driver seed_example; do
  "$tool" plan --driver "$out/$driver.so" --json >"$out/$driver.json"
done
echo "installed seed drivers planned"
