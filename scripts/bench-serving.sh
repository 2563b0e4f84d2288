#!/usr/bin/env bash
# Recommendation serving benchmark (docs/BENCHMARKS.md): a synthetic store of 100k items, 1M users
# and 10M events, imported, trained with `aisle train` (time and peak RSS), then served: personal
# feeds and similar items at a fixed rate (open loop, latency from each request's scheduled start).
# Usage: scripts/bench-serving.sh    (BENCH_EVENTS, BENCH_USERS, BENCH_ITEMS, BENCH_RATE to change;
#        BENCH_SKIP_TRAIN=1 reuses the last trained snapshot)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

out=${BENCH_OUT:-bench-out}/serving
events=${BENCH_EVENTS:-10000000}
users=${BENCH_USERS:-1000000}
items=${BENCH_ITEMS:-100000}
rate=${BENCH_RATE:-500}
seconds=${BENCH_SECONDS:-20}
port=${BENCH_PORT:-18490}
admin=bench-admin-key-00000000
ingest=bench-ingest-key-0000000
data="$out/data-$events"

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
swift build -c release --product aisle
swift build -c release --product aisle-bench
bin=.build/release
mkdir -p "$out"
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
log="$out/events-$events-$users.jsonl"
if [ ! -f "$log" ]; then
    echo "== synth: $events events, $users users, $items items"
    $bin/aisle synth --users "$users" --items "$items" --events "$events" --seed 3 --output "$log" \
        --items-output "$out/items-$items.jsonl" 2>/dev/null
fi
if [ ! -f "$data/aisle.sqlite" ]; then
    echo "== import"
    $bin/aisle import items "$out/items-$items.jsonl" --data "$data" 2>/dev/null | tail -1
    $bin/aisle import events "$log" --data "$data" 2>/dev/null | tail -1
fi
if [ -z "${BENCH_SKIP_TRAIN:-}" ] || [ ! -f "$data/models/snapshot.aisle" ]; then
    echo "== train"
    /usr/bin/time -f "train: peak RSS %M KB, wall %e s" $bin/aisle train --data "$data" 2>&1 | grep -v "^train: read"
fi
ls -l "$data/models/snapshot.aisle" | awk '{printf "snapshot file: %.1f MiB\n", $5 / 1048576}'

echo "== serve"
AISLE_ADMIN_KEY=$admin AISLE_INGEST_KEY=$ingest AISLE_TRAIN_EVERY_MINUTES=0 AISLE_TRAIN_AFTER_EVENTS=0 \
    $bin/aisle serve --data "$data" --port "$port" --log-level warning > "$out/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$port/ready" >/dev/null; do sleep 0.2; done
until curl -sf -H "Authorization: Bearer $admin" "http://127.0.0.1:$port/v1/models" | grep -q trained_at; do sleep 0.5; done
url="http://127.0.0.1:$port"
# After start the search index embeds the items' titles in the background (100k items: a few
# minutes on 2 cores); latency is measured once the server is idle (under 10 % of a core over 2 s).
echo "waiting for the server's background work (item embeddings) to finish"
busy_ticks() {
    [ -r "/proc/$server/stat" ] || { echo "the server exited; see $out/serve.log" >&2; exit 1; }
    awk '{print $14 + $15}' "/proc/$server/stat"
}
quiet_limit=$(($(getconf CLK_TCK) / 5))   # 10 % of a core over 2 s, in clock ticks
waited=0
quiet=0
while [ $quiet -lt 2 ]; do                # two quiet windows in a row
    before=$(busy_ticks); sleep 2; after=$(busy_ticks)
    waited=$((waited + 2))
    if [ $((after - before)) -lt $quiet_limit ]; then quiet=$((quiet + 1)); else quiet=0; fi
    if [ $waited -ge 900 ]; then echo "still busy after 900 s; measuring anyway"; break; fi
done
echo "server idle after $waited s"
ps -o rss= -p $server | awk '{printf "server RSS after load: %.0f MiB\n", $1 / 1024}'
$bin/aisle-bench feed --url "$url" --key "$ingest" --rate "$rate" --duration 5 --users "$users" > /dev/null
echo "-- feed: GET /v1/users/{id}/recommendations?limit=20 at $rate/s"
$bin/aisle-bench feed --url "$url" --key "$ingest" --rate "$rate" --duration "$seconds" --users "$users"
echo "-- similar: GET /v1/items/{id}/similar?limit=20 at $rate/s"
$bin/aisle-bench similar --url "$url" --key "$ingest" --rate "$rate" --duration "$seconds" --items "$items"
ps -o rss= -p $server | awk '{printf "server RSS after the run: %.0f MiB\n", $1 / 1024}'
