#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and benchmarks, listening on
# loopback only, under a directory of its own.
#
#   scripts/pg-cluster.sh start DIR [PORT]   initialise (once) and start; prints the URL
#   scripts/pg-cluster.sh stop DIR           stop it (the files stay)
#   scripts/pg-cluster.sh url DIR            print the URL of a started cluster
#
# The URL names the database "yizhan"; tests create their own databases
# beside it. The cluster trusts local connections: it is for tests only.
set -euo pipefail

command=${1:-}
directory=${2:-}
if [[ -z "$command" || -z "$directory" ]]; then
  echo "usage: $0 start|stop|url DIR [PORT]" >&2
  exit 2
fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$bin" ]]; then
  echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi

# PostgreSQL refuses to run as root; run it as the packaged postgres user.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

data="$directory/data"
port_file="$directory/port"

case "$command" in
  start)
    mkdir -p "$directory"
    if [[ $(id -u) -eq 0 ]]; then chown postgres: "$directory"; fi
    port=${3:-$( [[ -f "$port_file" ]] && cat "$port_file" || echo 55432 )}
    if [[ ! -f "$data/PG_VERSION" ]]; then
      as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    echo "$port" > "$port_file"
    as_owner "$bin/pg_ctl" -D "$data" -l "$directory/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $directory -c max_connections=300 -c fsync=on" start >/dev/null
    as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'yizhan'" | grep -q 1 ||
      as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres yizhan
    echo "postgresql://postgres@127.0.0.1:$port/yizhan"
    ;;
  stop)
    if [[ -f "$data/postmaster.pid" ]]; then
      as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
    ;;
  url)
    echo "postgresql://postgres@127.0.0.1:$(cat "$port_file")/yizhan"
    ;;
  *)
    echo "unknown command: $command" >&2
    exit 2
    ;;
esac
