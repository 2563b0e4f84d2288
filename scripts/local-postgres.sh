#!/usr/bin/env bash
# A throwaway PostgreSQL server for trying `aisle serve --store` and for the benchmarks:
#   scripts/local-postgres.sh start FOLDER [PORT]   initdb into FOLDER (once), start, print the URL
#   scripts/local-postgres.sh stop FOLDER
# Runs the server as the `postgres` user when called as root (PostgreSQL refuses root). Trust
# authentication on 127.0.0.1 only: never a production setup (docs/DEPLOY.md has one).
set -euo pipefail
command=${1:-}
folder=${2:-}
port=${3:-55432}
if [[ -z "$command" || -z "$folder" ]]; then
    echo "usage: $0 start|stop FOLDER [PORT]" >&2
    exit 2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z "$bin" ]]; then
    echo "no PostgreSQL under /usr/lib/postgresql (scripts/install-deps.sh installs it)" >&2
    exit 1
fi
as_server=()
if [[ $(id -u) -eq 0 ]]; then as_server=(runuser -u postgres --); fi
case "$command" in
start)
    mkdir -p "$folder"
    folder=$(cd "$folder" && pwd)
    if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$folder"; fi
    if [[ ! -f "$folder/data/PG_VERSION" ]]; then
        "${as_server[@]}" "$bin/initdb" -D "$folder/data" -U aisle --auth=trust -E UTF8 >/dev/null
    fi
    "${as_server[@]}" "$bin/pg_ctl" -D "$folder/data" -l "$folder/log" -w \
        -o "-p $port -k $folder -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U aisle aisle 2>/dev/null || true
    echo "postgres://aisle@127.0.0.1:$port/aisle"
    ;;
stop)
    "${as_server[@]}" "$bin/pg_ctl" -D "$folder/data" -m fast stop >/dev/null
    ;;
*)
    echo "usage: $0 start|stop FOLDER [PORT]" >&2
    exit 2
    ;;
esac
