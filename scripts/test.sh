#!/usr/bin/env bash
# Command two: install, build, and run every test (unit, integration
# against the real server, end-to-end in Chromium). Exits non-zero on any
# failure. Screenshots from the browser tests land in build/artifacts/.
#
# The integration suite runs twice, on SQLite and on PostgreSQL. The
# PostgreSQL run uses a throw-away cluster under build/pg-cluster on
# loopback port YIZHAN_TEST_POSTGRES_PORT (default 55432), stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh

# Absolute paths, because the EXIT trap runs after the `cd build` below.
pg_cluster="$PWD/scripts/pg-cluster.sh"
cluster="$PWD/build/pg-cluster"
stop_cluster() {
  "$pg_cluster" stop "$cluster" || echo "warning: could not stop the PostgreSQL cluster in $cluster" >&2
}
# A cluster left running by an interrupted run is stopped and wiped, so
# every run starts from an empty cluster.
stop_cluster 2>/dev/null || true
rm -rf "$cluster"
trap stop_cluster EXIT
# Turn INT and TERM into an ordinary exit, so the EXIT trap runs for them too.
trap 'exit 130' INT
trap 'exit 143' TERM
YIZHAN_TEST_POSTGRES_URL=$("$pg_cluster" start "$cluster" "${YIZHAN_TEST_POSTGRES_PORT:-55432}")
export YIZHAN_TEST_POSTGRES_URL
echo "PostgreSQL for the tests: $YIZHAN_TEST_POSTGRES_URL"

cd build
ctest --output-on-failure --timeout 900
