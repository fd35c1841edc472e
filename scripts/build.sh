#!/usr/bin/env bash
# Configure and build into build/: the targets named as arguments, or
# everything (the server and its tests) when none are named.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
if (($#)); then
  cmake --build build --target "$@"
else
  cmake --build build
fi
