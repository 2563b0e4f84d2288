#!/usr/bin/env bash
# Experiment results at scale (docs/BENCHMARKS.md, "Experiments and bandits"): 10M synthetic
# events from 1M users over 30 days, every user exposed to a running experiment (written
# straight into the store's exposure table, as 1M assignments would write them, at the middle
# of the span the events cover, so about half are the CUPED pre-period), metric revenue with a purchase
# guardrail. Times the first results after start (the aggregates built from one scan of the
# event log), then results after 10,000 new events (only those counted), then with nothing new,
# then after 10 s of assignments that bring about 5,000 newcomers.
# Usage: scripts/bench-experiment-results.sh [AISLE_BINARY]   (default .build/release/aisle)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
bin=${1:-.build/release/aisle}
out=${BENCH_OUT:-bench-out}/experiment-results
port=${BENCH_PORT:-18496}
admin=bench-admin-key-00000000
ingest=bench-ingest-key-0000000
[ -x "$bin" ] || swift build -c release --product aisle
if [ ! -f "$out/data/ready" ]; then
    rm -rf "$out" && mkdir -p "$out"
    "$bin" synth --users 1000000 --items 20000 --events 10000000 --seed 11 --output "$out/events.jsonl" \
        --items-output "$out/items.jsonl" 2>/dev/null
    "$bin" import items "$out/items.jsonl" --data "$out/data" 2>/dev/null | tail -1
    "$bin" import events "$out/events.jsonl" --data "$out/data" 2>/dev/null | tail -1
    # The exposure time: the middle of the span the events cover.
    python3 -c 'import re, sys
times = [int(m) for m in re.findall(rb"\"timestamp\":(\d+)", open(sys.argv[1], "rb").read())]
print((min(times) + max(times)) // 2)' "$out/events.jsonl" > "$out/data/exposure-at"
    rm -f "$out/events.jsonl"
    # A saved model, so the server does not train its first one in the middle of the timings.
    "$bin" train --data "$out/data" 2>/dev/null | tail -1
    touch "$out/data/ready"
fi
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
work="$out/work"
rm -rf "$work"
cp -a "$out/data" "$work"
url="http://127.0.0.1:$port"
serve() {
    AISLE_ADMIN_KEY=$admin AISLE_INGEST_KEY=$ingest AISLE_TRAIN_ON_START=false AISLE_TRAIN_EVERY_MINUTES=0 \
        AISLE_TRAIN_AFTER_EVENTS=0 AISLE_MODEL_DIR=none AISLE_MULTILINGUAL_MODEL=none "$bin" serve --data "$work" --port "$port" \
        > "$out/serve.log" 2>&1 &
    server=$!
    until grep -q "aisle: ready" "$out/serve.log" 2>/dev/null; do sleep 0.3; done
}
serve
trap 'kill $server 2>/dev/null || true' EXIT
curl -sf -X PUT "$url/v1/experiments/bench" -H "Authorization: Bearer $admin" -d '{"variants": [{"id": "control",
    "weight": 1}, {"id": "treatment", "weight": 1}], "metric": "revenue", "guardrails": [{"metric": "purchase"}],
    "status": "running"}' > /dev/null
kill "$server" && wait "$server" || true
# 1M exposures at the middle of the span the synthetic events cover.
python3 - "$work/aisle.sqlite" "$(cat "$work/exposure-at")" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
at = int(sys.argv[2])
db.executemany(
    "INSERT INTO experiment_exposures (experiment_id, unit, variant, at) VALUES ('bench', ?, ?, ?)",
    ((f"u:u{n}", "control" if n % 2 == 0 else "treatment", at) for n in range(1_000_000)),
)
db.commit()
print("-- exposures:", db.execute("SELECT count(*) FROM experiment_exposures").fetchone()[0])
PY
serve
results() {
    curl -sf "$url/v1/experiments/bench/results" -H "Authorization: Bearer $admin" -o "$out/results.json" \
        -w '%{time_total}'
}
echo "-- first results after start (aggregates built by one scan of 10M events): $(results) s"
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print("   users:", [v["users"] for v in r["variants"]],
    "mean revenue:", [round(v["mean"], 3) for v in r["variants"]], "warnings:", r["warnings"])' "$out/results.json"
python3 - "$out/new-events.json" <<'PY'
import json, sys
events = [{"type": "purchase" if n % 10 == 0 else "view", "user_id": f"u{n * 97 % 1_000_000}",
           "item_id": f"i{n % 20000}"} for n in range(10_000)]
json.dump({"events": events}, open(sys.argv[1], "w"))
PY
for run in 1 2 3; do
    for batch in 1 2 3 4 5 6 7 8 9 10; do
        python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["events"]; b=int(sys.argv[2]);
print(json.dumps({"events": e[(b-1)*1000:b*1000]}))' "$out/new-events.json" "$batch" |
            curl -sf -X POST "$url/v1/events" -H "Authorization: Bearer $ingest" --data-binary @- > /dev/null
    done
    echo "-- results after 10,000 new events (run $run): $(results) s"
    echo "-- results with nothing new (run $run): $(results) s"
done
# Newcomers: 10 s of assignments at 1,000/s over 2M user ids, about half of them not exposed
# yet; each newcomer's earlier events (its CUPED pre-period) are read from its history.
bench=.build/release/aisle-bench
[ -x "$bench" ] || swift build -c release --product aisle-bench
for run in 1 2 3; do
    echo "-- assignments (run $run): $("$bench" load assignment --url "$url" --key "$ingest" --rate 1000 --duration 10 \
        --users 2000000 | grep latency)"
    sleep 1
    echo "-- results after those assignments: $(results) s"
done
echo "-- results with nothing new: $(results) s"
grep -o '"users":[0-9]*' "$out/results.json" | tr '\n' ' '; echo
