#!/usr/bin/env bash
# Shopping assistant latency (docs/BENCHMARKS.md): a store of 100k items (synthetic catalog and
# 300k events, trained), 10k FAQs in English and Chinese (the demo set and generated ones, their
# questions embedded by both text models), and orders; then messages of every intent in both
# languages (the held-out intent set) from signed-in users (admin key: orders are read) at a fixed
# rate, open loop, latency from each request's scheduled start. Template replies (no LLM).
# Usage: scripts/bench-assistant.sh   (BENCH_ITEMS, BENCH_FAQS, BENCH_RATE, BENCH_SECONDS to change)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

out=${BENCH_OUT:-bench-out}/assistant
items=${BENCH_ITEMS:-100000}
faqs=${BENCH_FAQS:-10000}
users=${BENCH_USERS:-10000}
events=${BENCH_EVENTS:-300000}
rate=${BENCH_RATE:-10}
seconds=${BENCH_SECONDS:-30}
port=${BENCH_PORT:-18491}
admin=bench-admin-key-00000000
ingest=bench-ingest-key-0000000
data="$out/data-$items"

swift build -c release --product aisle
swift build -c release --product aisle-bench
bin=.build/release
mkdir -p "$out"
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
if [ ! -f "$data/aisle.sqlite" ]; then
    echo "== synth and import: $items items, $users users, $events events"
    $bin/aisle synth --users "$users" --items "$items" --events "$events" --seed 5 --output "$out/events.jsonl" \
        --items-output "$out/items.jsonl" 2>/dev/null
    $bin/aisle import items "$out/items.jsonl" --data "$data" 2>/dev/null | tail -1
    $bin/aisle import events "$out/events.jsonl" --data "$data" 2>/dev/null | tail -1
    $bin/aisle train --data "$data" 2>&1 | tail -1
fi
python3 scripts/assistant_faqs.py "$faqs" "$out/faqs.json"

echo "== serve"
AISLE_ADMIN_KEY=$admin AISLE_INGEST_KEY=$ingest AISLE_TRAIN_EVERY_MINUTES=0 AISLE_TRAIN_AFTER_EVENTS=0 \
    AISLE_TRAIN_ON_START=false $bin/aisle serve --data "$data" --port "$port" --log-level warning \
    > "$out/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
url="http://127.0.0.1:$port"
until curl -sf "$url/ready" >/dev/null; do sleep 0.2; done
auth="Authorization: Bearer $admin"
start=$(date +%s)
curl -sf -X PUT "$url/v1/assistant/faqs" -H "$auth" --data-binary @"$out/faqs.json" >/dev/null
for i in $(seq 0 99); do
    curl -sf -X PUT "$url/v1/orders/$((5000 + i))" -H "$auth" \
        -d "{\"user_id\":\"u$i\",\"status\":\"shipped\",\"items\":[{\"item_id\":\"i$i\",\"quantity\":1}],\"carrier\":\"UPS\",\"tracking_number\":\"1Z$i\"}" >/dev/null
done
until [ "$(curl -sf "$url/v1/assistant/faqs" -H "$auth" | python3 -c 'import json,sys; print(json.load(sys.stdin)["embedded"])')" = "$faqs" ]; do
    sleep 1
done
echo "faqs: $faqs put and embedded in $(( $(date +%s) - start )) s"
# Items are embedded in the background after an import: measure once the server is idle.
until [ "$(top -b -n 2 -d 3 -p $server | awk -v pid=$server '$1 == pid {cpu = $9} END {print int(cpu)}')" -lt 20 ]; do
    sleep 5
done
ps -o rss= -p $server | awk '{printf "server RSS: %.0f MiB\n", $1 / 1024}'
messages=bench/assistant/intents-heldout.tsv
$bin/aisle-bench assistant --url "$url" --key "$admin" --rate 10 --duration 5 --users 100 --queries "$messages" >/dev/null
echo "-- POST /v1/assistant/messages at $rate/s (520 messages of every intent, en and zh)"
$bin/aisle-bench assistant --url "$url" --key "$admin" --rate "$rate" --duration "$seconds" --users 100 \
    --queries "$messages"
echo "-- the same at $((rate * 2))/s"
$bin/aisle-bench assistant --url "$url" --key "$admin" --rate "$((rate * 2))" --duration "$seconds" --users 100 \
    --queries "$messages"
ps -o rss= -p $server | awk '{printf "server RSS after the run: %.0f MiB\n", $1 / 1024}'
