#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fails, naming the files, if any C/C++ source differs from .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard '*.cpp' '*.hpp' '*.h' '*.c')
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "not clang-formatted (run clang-format -i): ${bad[*]}"
  exit 1
fi
echo "format: ${#files[@]} files clean"
