#!/usr/bin/env bash
# Two builds side by side on the same data (docs/BENCHMARKS.md, "Engine layer, before and
# after"): a synthetic store (1M events, 100k users, 20k items by default), imported and trained
# once, then served by OLD and NEW in turn, twice (OLD NEW NEW OLD), each answering in one run:
# personal feeds and similar items at a fixed rate (open loop), GET /v1/search closed loop with
# one client, and single event POSTs at a fixed rate. Absolute times drift on a shared machine;
# compare the two builds within a round.
# Usage: scripts/bench-serving-ab.sh OLD_AISLE_BINARY NEW_AISLE_BINARY
# (build the old one from a checkout of the older commit: swift build -c release --product aisle)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
old=$1
new=$2
out=${BENCH_OUT:-bench-out}/serving-ab
events=${BENCH_EVENTS:-1000000}
users=${BENCH_USERS:-100000}
items=${BENCH_ITEMS:-20000}
rate=${BENCH_RATE:-400}
seconds=${BENCH_SECONDS:-15}
port=${BENCH_PORT:-18492}
admin=bench-admin-key-00000000
ingest=bench-ingest-key-0000000
bench=.build/release/aisle-bench
[ -x "$bench" ] || swift build -c release --product aisle-bench
mkdir -p "$out"
data="$out/data"
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
if [ ! -f "$data/models/snapshot.aisle" ]; then
    rm -rf "$data"
    echo "== synth, import, train ($events events, $users users, $items items; with NEW)"
    "$new" synth --users "$users" --items "$items" --events "$events" --seed 3 --output "$out/events.jsonl" \
        --items-output "$out/items.jsonl" 2>/dev/null
    "$new" import items "$out/items.jsonl" --data "$data" 2>/dev/null | tail -1
    "$new" import events "$out/events.jsonl" --data "$data" 2>/dev/null | tail -1
    "$new" train --data "$data" 2>/dev/null | tail -2
    "$bench" search --catalog "$out/items.jsonl" --sample 2000 --out "$out/search" | grep -E "clean|typo:" || true
fi
cp -a "$data" "$out/pristine"

# Serves the data with $1 (a fresh copy each time: ingest writes to it) and loads it.
round() {
    local name=$1 bin=$2 work="$out/work"
    rm -rf "$work"
    cp -a "$out/pristine" "$work"
    AISLE_ADMIN_KEY=$admin AISLE_INGEST_KEY=$ingest AISLE_TRAIN_EVERY_MINUTES=0 AISLE_TRAIN_AFTER_EVENTS=0 \
        AISLE_MODEL_DIR=none "$bin" serve --data "$work" --port "$port" --log-level info > "$out/$name.log" 2>&1 &
    local server=$!
    until grep -q "search: indexed" "$out/$name.log" 2>/dev/null; do sleep 0.2; done
    until curl -sf -H "Authorization: Bearer $admin" "http://127.0.0.1:$port/v1/models" | grep -q trained_at; do
        sleep 0.2
    done
    local url="http://127.0.0.1:$port"
    "$bench" load feed --url "$url" --key "$ingest" --rate "$rate" --duration 3 --users "$users" > /dev/null
    echo "-- $name feed at $rate/s: $("$bench" load feed --url "$url" --key "$ingest" --rate "$rate" \
        --duration "$seconds" --users "$users" | grep latency)"
    echo "-- $name similar at $rate/s: $("$bench" load similar --url "$url" --key "$ingest" --rate "$rate" \
        --duration "$seconds" --items "$items" | grep latency)"
    echo "-- $name search, 1 client: $("$bench" load search --url "$url" --key "$ingest" --clients 1 \
        --duration "$seconds" --queries "$out/search/queries.tsv" | grep -E "latency|throughput" | tr '\n' ' ')"
    echo "-- $name single events at 1000/s: $("$bench" load single --url "$url" --key "$ingest" --rate 1000 \
        --duration "$seconds" --users "$users" | grep latency)"
    kill "$server"
    wait "$server" 2>/dev/null || true
}
# The order alternates (OLD NEW, then NEW OLD), so a machine that gets busier later in a run
# does not favour one build.
echo "== round 1"
round old "$old"
round new "$new"
echo "== round 2"
round new "$new"
round old "$old"
