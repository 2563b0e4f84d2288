#!/usr/bin/env bash
# HTTP batch ingest, side by side in one run (docs/BENCHMARKS.md, "PostgreSQL"): one embedded
# node, then two nodes on one PostgreSQL database on the same machine (the database shares the
# cores). Each starts empty; 20 s of 1,000-event batches: 2 clients on the embedded node, one
# client per node on the two nodes (their throughputs added). Then single POSTs and history
# reads at --rate per second on a node of each. Release builds of aisle and aisle-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
aisle=.build/release/aisle
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
echo "== embedded (SQLite), one node, 2 clients"
serve "$work/embedded" 18590
batch 18590 2 | grep -E "throughput|latency"
"$bench" single --url http://127.0.0.1:18590 --key "$ingest" --rate "$rate" --duration 10 --users 200000 | grep latency
"$bench" history --url http://127.0.0.1:18590 --key "$admin" --rate "$rate" --duration 10 --users 200000 | grep latency
kill "${pids[0]}"
url=$(scripts/local-postgres.sh start "$work/pg" "${BENCH_PG_PORT:-55499}")
echo "== two nodes on PostgreSQL ($url), one client each"
serve "$work/node1" 18591 "$url"
serve "$work/node2" 18592 "$url"
batch 18591 1 > "$work/b1.txt" &
first=$!
batch 18592 1 > "$work/b2.txt"
wait "$first"
grep -E "throughput|latency" "$work/b1.txt" "$work/b2.txt"
"$bench" single --url http://127.0.0.1:18591 --key "$ingest" --rate "$rate" --duration 10 --users 200000 | grep latency
"$bench" history --url http://127.0.0.1:18592 --key "$admin" --rate "$rate" --duration 10 --users 200000 | grep latency
