#!/usr/bin/env bash
# Experiments and bandits under load (docs/BENCHMARKS.md, "Experiments and bandits"): on the
# synthetic store of scripts/bench-serving-ab.sh (1M events, 100k users; made here if missing),
# a running experiment and a contextual bandit, then rounds of GET /health (the floor),
# experiment assignments and bandit choices at 1,000/s (open loop, 15 s each, users spread over
# 100k), then the results of the experiment over everyone assigned.
# Usage: scripts/bench-experiments.sh [AISLE_BINARY]   (default .build/release/aisle)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
bin=${1:-.build/release/aisle}
out=${BENCH_OUT:-bench-out}/serving-ab
port=${BENCH_PORT:-18495}
seconds=${BENCH_SECONDS:-15}
admin=bench-admin-key-00000000
ingest=bench-ingest-key-0000000
bench=.build/release/aisle-bench
[ -x "$bin" ] || swift build -c release --product aisle
[ -x "$bench" ] || swift build -c release --product aisle-bench
if [ ! -f "$out/data/models/snapshot.aisle" ]; then
    mkdir -p "$out"
    "$bin" synth --users 100000 --items 20000 --events 1000000 --seed 3 --output "$out/events.jsonl" \
        --items-output "$out/items.jsonl" 2>/dev/null
    "$bin" import items "$out/items.jsonl" --data "$out/data" 2>/dev/null | tail -1
    "$bin" import events "$out/events.jsonl" --data "$out/data" 2>/dev/null | tail -1
    "$bin" train --data "$out/data" 2>/dev/null | tail -1
fi
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
work="$out/work-experiments"
rm -rf "$work"
cp -a "$out/data" "$work"
AISLE_ADMIN_KEY=$admin AISLE_INGEST_KEY=$ingest AISLE_TRAIN_EVERY_MINUTES=0 AISLE_TRAIN_AFTER_EVENTS=0 \
    AISLE_MODEL_DIR=none AISLE_MULTILINGUAL_MODEL=none "$bin" serve --data "$work" --port "$port" > "$out/experiments.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
until grep -q "aisle: ready" "$out/experiments.log" 2>/dev/null; do sleep 0.3; done
url="http://127.0.0.1:$port"
curl -sf -X PUT "$url/v1/experiments/bench" -H "Authorization: Bearer $admin" -d '{"variants": [{"id": "control",
    "weight": 1}, {"id": "treatment", "weight": 1}], "metric": "view", "status": "running"}' > /dev/null
curl -sf -X PUT "$url/v1/bandits/bench" -H "Authorization: Bearer $admin" -d '{"arms": [{"id": "a"}, {"id": "b"},
    {"id": "c"}], "reward": "click", "context": ["platform", "returning"]}' > /dev/null
"$bench" load assignment --url "$url" --key "$ingest" --rate 200 --duration 2 --users 100000 > /dev/null
# Interleaved rounds; /health at the same rate is the floor: what any request costs on this
# machine with the load generator sharing its two cores.
for round in $(seq 1 "${BENCH_ROUNDS:-3}"); do
    for mode in health assignment choice; do
        echo "-- round $round, $mode at 1,000/s: $("$bench" load "$mode" --url "$url" --key "$ingest" --rate 1000 \
            --duration "$seconds" --users 100000 | grep latency)"
    done
done
curl -sf "$url/v1/experiments/bench/results" -H "Authorization: Bearer $admin" -o "$out/experiment-results.json" \
    -w '%{time_total}\n' > "$out/experiment-results.seconds"
exposed=$(python3 -c 'import json, sys; print(sum(v["users"] for v in json.load(open(sys.argv[1]))["variants"]))' \
    "$out/experiment-results.json")
echo "-- results over $exposed exposed users (metric: views after exposure): $(cat "$out/experiment-results.seconds") s"
