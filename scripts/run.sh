#!/usr/bin/env bash
# Command one: install, build, create var/yizhan.db with demo data, and
# serve on http://127.0.0.1:8080/ (or $YIZHAN_LISTEN) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh yizhan
mkdir -p var
build/yizhan migrate --db var/yizhan.db
build/yizhan demo-data --db var/yizhan.db
listen="${YIZHAN_LISTEN:-127.0.0.1:8080}"
echo
echo "yizhan is starting at http://${listen}/  (staff entrance: http://${listen}/admin)"
echo
exec build/yizhan serve --db var/yizhan.db --listen "$listen" "$@"
