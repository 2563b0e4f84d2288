#!/usr/bin/env bash
# Thread context switches and CPU ticks per feed request for two builds, both serving at once
# (docs/BENCHMARKS.md, issue 22): three rounds of 5-second runs at 400/s, interleaved. Context
# switches count hand-offs between threads, which a shared machine's speed does not change.
# Usage: scripts/bench-switches.sh A_AISLE_BINARY B_AISLE_BINARY
# (needs the store of scripts/bench-serving-ab.sh in ${BENCH_OUT:-bench-out}/serving-ab/data)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_OUT:-bench-out}/serving-ab
bench=$PWD/.build/release/aisle-bench
admin=bench-admin-key-00000000
ingest=bench-ingest-key-0000000
start() {
    rm -rf "$out/switches-$1"
    cp -a "$out/data" "$out/switches-$1"
    AISLE_ADMIN_KEY=$admin AISLE_INGEST_KEY=$ingest AISLE_TRAIN_EVERY_MINUTES=0 AISLE_TRAIN_AFTER_EVENTS=0 \
        AISLE_MODEL_DIR=none AISLE_MULTILINGUAL_MODEL=none "$2" serve --data "$out/switches-$1" --port "$3" > "$out/switches-$1.log" 2>&1 &
    echo $!
}
switches() { cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ { s += $2 } END { print s }'; }
a=$(start a "$1" 18600)
b=$(start b "$2" 18601)
trap 'kill $a $b 2>/dev/null || true' EXIT
until grep -q "aisle: ready" "$out/switches-a.log" && grep -q "aisle: ready" "$out/switches-b.log"; do sleep 0.3; done
sleep 2
for round in 1 2 3; do
    for run in "A $a 18600" "B $b 18601"; do
        read -r name pid port <<< "$run"
        s0=$(switches "$pid")
        c0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
        requests=$("$bench" load feed --url "http://127.0.0.1:$port" --key "$ingest" --rate 400 --duration 5 \
            --users 100000 | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
        s1=$(switches "$pid")
        c1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
        echo "round $round $name: $(( (s1 - s0) / requests )) context switches per request," \
            "$((c1 - c0)) CPU ticks for $requests requests"
    done
done
