#!/usr/bin/env bash
# Foundation benchmarks (docs/BENCHMARKS.md): import of a synthetic log into SQLite, HTTP batch
# ingest, single-event POST latency at a fixed rate, history GET latency, peak RSS.
# Usage: scripts/bench.sh            (10M events; BENCH_EVENTS=1000000 for a quicker run;
#        BENCH_SKIP_IMPORT=1 reuses the last imported folder for the HTTP part)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

out=${BENCH_OUT:-bench-out}
events=${BENCH_EVENTS:-10000000}
users=${BENCH_USERS:-200000}
items=${BENCH_ITEMS:-100000}
seconds=${BENCH_SECONDS:-20}
port=${BENCH_PORT:-18480}
admin=bench-admin-key-00000000
ingest=bench-ingest-key-0000000

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
swift build -c release --product aisle
swift build -c release --product aisle-bench
bin=.build/release
mkdir -p "$out"

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%Y-%m-%d)"
log="$out/events-$events.jsonl"
if [ ! -f "$log" ]; then
    echo "== synth: $events events, $users users, $items items"
    $bin/aisle synth --users "$users" --items "$items" --events "$events" --seed 1 --output "$log" --items-output "$out/items.jsonl"
fi
ls -l "$log" | awk '{printf "   log size: %.0f MiB\n", $5 / 1048576}'

if [ -z "${BENCH_SKIP_IMPORT:-}" ]; then
rm -rf "$out/data"
echo "== import items"
$bin/aisle import items "$out/items.jsonl" --data "$out/data" 2>/dev/null
echo "== import events (peak RSS from /usr/bin/time)"
/usr/bin/time -f "   import peak RSS: %M KiB, wall %e s" $bin/aisle import events "$log" --data "$out/data" --rejects "$out/rejects.jsonl" 2>&1 | grep -v "^import events:"
ls -l "$out/data/aisle.sqlite" | awk '{printf "   database size: %.0f MiB\n", $5 / 1048576}'
fi

# Flush the import's dirty pages first: otherwise the kernel writes them back during the
# measured phases and every fsync waits behind gigabytes of writeback.
sync
echo "== serve"
# No background training or item embedding: on a fresh 10M-event folder the server would train
# at start (and again after every 100,000 new events) and embed 100,000 items, on the same two
# cores as the phases measured here (docs/BENCHMARKS.md has the ingest figure with training on).
AISLE_ADMIN_KEY=$admin AISLE_INGEST_KEY=$ingest $bin/aisle serve --data "$out/data" --port "$port" --log-level warning \
    --model-dir none --multilingual-model none --train-on-start false --train-after-events 0 --train-every-minutes 0 > "$out/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening" "$out/serve.log" 2>/dev/null && break; sleep 0.1; done
url=http://127.0.0.1:$port

# A read warm-up at the measured rate, not reported (caches and the mmap'd file fill); then reads,
# on the imported data at rest; then single writes; then batches, the heaviest.
echo "== warm-up: history GETs at 1,000 requests/s, 10s (not reported)"
$bin/aisle-bench history --url "$url" --key "$admin" --rate 1000 --duration 10 --users "$users" > /dev/null
echo "== history GET (limit 20) at 1,000 requests/s, ${seconds}s"
$bin/aisle-bench history --url "$url" --key "$admin" --rate 1000 --duration "$seconds" --users "$users"
echo "== single-event POST at 1,000 requests/s, ${seconds}s"
$bin/aisle-bench single --url "$url" --key "$ingest" --rate 1000 --duration "$seconds" --users "$users"
echo "== HTTP batch ingest: 2 clients, 1,000-event batches, ${seconds}s"
$bin/aisle-bench batch --url "$url" --key "$ingest" --clients 2 --batch-size 1000 --duration "$seconds" --users "$users"
echo "== history GET again, right after the writes, while their checkpoints drain"
$bin/aisle-bench history --url "$url" --key "$admin" --rate 1000 --duration "$seconds" --users "$users"
echo "   server peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$server/status)"
kill $server
wait $server 2>/dev/null || true
