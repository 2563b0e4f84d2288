#!/usr/bin/env bash
# The embedded store and PostgreSQL side by side in one run (docs/BENCHMARKS.md, "PostgreSQL"),
# everything on this machine (the database shares the cores). Release builds.
#  1. `aisle import events` of a synthetic log (BENCH_IMPORT_EVENTS, default 10M; 0 skips this
#     part) into a data folder, then into an empty PostgreSQL database (COPY), then `aisle
#     migrate` of that folder into another database.
#  2. HTTP batch ingest: each side starts empty; 20 s of 1,000-event batches: 2 clients on the
#     embedded node, one client per node on two nodes on one database (throughputs added).
#  3. After `sync` (and the database's VACUUM ANALYZE and CHECKPOINT), single POSTs and
#     history reads at BENCH_RATE per second on a node of each.
set -euo pipefail
cd "$(dirname "$0")/.."
aisle=${BENCH_AISLE:-.build/release/aisle} # BENCH_AISLE: another build, for a before/after run
bench=.build/release/aisle-bench
[ -x "$aisle" ] || swift build -c release --product aisle
[ -x "$bench" ] || swift build -c release --product aisle-bench
work=$(mktemp -d /tmp/aisle-bench-pg.XXXXXX)
chmod 755 "$work" # the database server runs as the postgres user
admin=bench-admin-key-00000000
ingest=bench-ingest-key-0000000
key=$(printf '5a%.0s' $(seq 32))
duration=${BENCH_DURATION:-20}
rate=${BENCH_RATE:-1000}
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    scripts/local-postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
serve() { # data port [store]
    local extra=()
    [ -n "${3:-}" ] && extra=(--store "$3")
    AISLE_ADMIN_KEY=$admin AISLE_INGEST_KEY=$ingest AISLE_DATA_KEY=$key "$aisle" serve --data "$1" --port "$2" \
        --log-level warning --model-dir none --multilingual-model none --train-on-start false \
        --train-after-events 0 --train-every-minutes 0 "${extra[@]}" > "$1.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 300); do grep -q "aisle: ready" "$1.log" 2>/dev/null && return; sleep 0.1; done
    echo "node on port $2 did not start: $(cat "$1.log")" >&2
    exit 1
}
batch() { # port clients
    "$bench" batch --url "http://127.0.0.1:$1" --key "$ingest" --clients "$2" --batch-size 1000 \
        --duration "$duration" --users 200000 --seed "$1"
}
url=$(scripts/local-postgres.sh start "$work/pg" "${BENCH_PG_PORT:-55499}")
import_events=${BENCH_IMPORT_EVENTS:-10000000}
if [ "$import_events" -gt 0 ]; then
    log=bench-out/events-$import_events.jsonl
    mkdir -p bench-out
    if [ ! -f "$log" ]; then
        echo "== synth: $import_events events, 200,000 users, 100,000 items"
        "$aisle" synth --users 200000 --items 100000 --events "$import_events" --seed 1 --output "$log" \
            --items-output bench-out/items.jsonl
    fi
    [ -f bench-out/items.jsonl ] || "$aisle" synth --users 200000 --items 100000 --events 1 --seed 1 \
        --output "$work/one.jsonl" --items-output bench-out/items.jsonl
    base=${url%/*}
    for database in imported migrated; do psql "$url" -qc "CREATE DATABASE $database"; done
    echo "== import $import_events events: embedded (SQLite)"
    AISLE_DATA_KEY=$key "$aisle" import items bench-out/items.jsonl --data "$work/import" > /dev/null 2>&1
    AISLE_DATA_KEY=$key "$aisle" import events "$log" --data "$work/import" 2>&1 | grep "^imported"
    echo "== import $import_events events: PostgreSQL (COPY)"
    AISLE_DATA_KEY=$key "$aisle" import items bench-out/items.jsonl --data "$work/import-pg" \
        --store "$base/imported" > /dev/null 2>&1
    AISLE_DATA_KEY=$key "$aisle" import events "$log" --data "$work/import-pg" --store "$base/imported" 2>&1 \
        | grep "^imported"
    echo "== aisle migrate of the embedded folder into PostgreSQL"
    AISLE_DATA_KEY=$key "$aisle" migrate --from "$work/import" --to "$base/migrated" 2>&1 | grep -E "^migrated|verified"
    for database in imported migrated; do psql "$url" -qc "DROP DATABASE $database"; done
    rm -rf "$work/import" "$work/import-pg"
fi
# A first model before the phases: a node with none trains after its first 100 events, even
# with the event trigger off, and that training would run during the measured phases.
prime() { # port
    "$bench" single --url "http://127.0.0.1:$1" --key "$ingest" --rate 200 --duration 1 --users 200 > /dev/null
    for _ in $(seq 300); do
        code=$(curl -s -o /dev/null -w "%{http_code}" -X POST -H "Authorization: Bearer $admin" \
            "http://127.0.0.1:$1/v1/models:train")
        [ "$code" = 200 ] && return
        sleep 0.2
    done
    echo "the node on port $1 did not train" >&2
    exit 1
}
# Reads and single writes are measured on the store at rest: the batch phase's writes on disk
# (the embedded store checkpoints by itself), and the database's autovacuum of them done, which
# would otherwise start inside the measured phase.
settle() {
    sync
    psql "$url" -qc "VACUUM ANALYZE" -c "CHECKPOINT"
    sleep 2
}

echo "== embedded (SQLite), one node, 2 clients"
serve "$work/embedded" 18590
prime 18590
batch 18590 2 | grep -E "throughput|latency"
settle
"$bench" single --url http://127.0.0.1:18590 --key "$ingest" --rate "$rate" --duration 10 --users 200000 | grep latency
"$bench" history --url http://127.0.0.1:18590 --key "$admin" --rate "$rate" --duration 10 --users 200000 | grep latency
kill "${pids[0]}"
echo "== two nodes on PostgreSQL ($url), one client each"
serve "$work/node1" 18591 "$url"
serve "$work/node2" 18592 "$url"
prime 18591
sleep 2 # the model reaches node 2 by the change feed
batch 18591 1 > "$work/b1.txt" &
first=$!
batch 18592 1 > "$work/b2.txt"
wait "$first"
grep -E "throughput|latency" "$work/b1.txt" "$work/b2.txt"
settle
"$bench" single --url http://127.0.0.1:18591 --key "$ingest" --rate "$rate" --duration 10 --users 200000 | grep latency
"$bench" history --url http://127.0.0.1:18592 --key "$admin" --rate "$rate" --duration 10 --users 200000 | grep latency
