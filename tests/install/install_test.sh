#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs netcx from BUILD_DIR into a temporary prefix, then builds and runs a consumer the way a
# third party would: once with pkg-config, once with CMake's find_package.
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
libdir=$(dirname "$(find "$tmp/prefix" -name 'libnetcx.so' | head -1)")
export LD_LIBRARY_PATH="$libdir"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
g++ -std=c++20 -o "$tmp/by-pkg-config" "$src/tests/install/consumer/main.cpp" \
    $(pkg-config --cflags --libs netcx)
"$tmp/by-pkg-config"

cmake -S "$src/tests/install/consumer" -B "$tmp/consumer" -G Ninja \
      -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
"$tmp/consumer/consumer"
