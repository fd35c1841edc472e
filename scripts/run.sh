#!/usr/bin/env bash
# Command one: install, build, create var/yizhan.db with demo data, and
# serve on http://127.0.0.1:8080/ until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
mkdir -p var
build/yizhan migrate --db var/yizhan.db
build/yizhan demo-data --db var/yizhan.db
echo
echo "yizhan is starting at http://127.0.0.1:8080/  (staff entrance: http://127.0.0.1:8080/admin)"
echo
exec build/yizhan serve --db var/yizhan.db --listen 127.0.0.1:8080 "$@"
