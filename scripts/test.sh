#!/usr/bin/env bash
# Command two: install, build, and run every test (unit, integration
# against the real server, end-to-end in Chromium). Exits non-zero on any
# failure. Screenshots from the browser tests land in build/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh
cd build
ctest --output-on-failure --timeout 900
