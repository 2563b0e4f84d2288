#!/usr/bin/env bash
# Import, then batch ingest, for two builds back to back (docs/BENCHMARKS.md, "Before and after"):
# each gets a fresh import of the same log, `sync`, `aisle serve`, 10 s of single POSTs at
# 1,000/s (a warm-up), then 20 s of batch ingest (2 clients, 1,000-event batches).
# Usage: scripts/bench-ingest-ab.sh OLD_AISLE_BINARY NEW_AISLE_BINARY
# (build the old one from a clean checkout: git worktree add /tmp/old REV && cd /tmp/old &&
#  swift build -c release --product aisle). Needs bench-out/ from scripts/bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_OUT:-bench-out}
log=${BENCH_LOG:-$out/events-10000000.jsonl}
bench=.build/release/aisle-bench
admin=bench-admin-key-00000000
ingest=bench-ingest-key-0000000
[ -x "$bench" ] || swift build -c release --product aisle-bench
run() {
    local bin=$1 data=$2 port=$3
    rm -rf "$data"
    "$bin" import items "$out/items.jsonl" --data "$data" > /dev/null 2>&1
    "$bin" import events "$log" --data "$data" --rejects "$data.rejects.jsonl" 2>&1 | grep imported
    sync
    AISLE_ADMIN_KEY=$admin AISLE_INGEST_KEY=$ingest "$bin" serve --data "$data" --port "$port" --log-level warning \
        --model-dir none --multilingual-model none --train-on-start false --train-after-events 0 --train-every-minutes 0 > "$data.serve.log" 2>&1 &
    local server=$!
    for _ in $(seq 100); do grep -q "listening" "$data.serve.log" 2>/dev/null && break; sleep 0.1; done
    "$bench" single --url "http://127.0.0.1:$port" --key "$ingest" --rate 1000 --duration 10 --users 200000 | grep latency
    "$bench" batch --url "http://127.0.0.1:$port" --key "$ingest" --clients 2 --batch-size 1000 --duration 20 --users 200000 |
        grep -E "throughput|latency"
    kill "$server"
    wait "$server" 2>/dev/null || true
    rm -rf "$data" "$data.rejects.jsonl" "$data.serve.log"
}
echo "== old: $1"
run "$1" "$out/ab-old" 18490
echo "== new: $2"
run "$2" "$out/ab-new" 18491
