#!/usr/bin/env bash
# Training scaling (docs/BENCHMARKS.md): `aisle train` on synthetic stores of 1M, 10M and 30M
# events (100k items, one user per 10 events), wall time and peak RSS, and the saved snapshot's size.
# Usage: scripts/bench-train-scaling.sh     (BENCH_SIZES="1000000 10000000 30000000" to change)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

out=${BENCH_OUT:-bench-out}/serving
sizes=${BENCH_SIZES:-"1000000 10000000 30000000"}
items=100000
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
swift build -c release --product aisle
bin=.build/release
mkdir -p "$out"
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%Y-%m-%dT%H:%MZ)"
[ -f "$out/items-$items.jsonl" ] || $bin/aisle synth --users 10 --items $items --events 0 --items-output "$out/items-$items.jsonl" 2>/dev/null
for events in $sizes; do
    users=$(( events / 10 ))
    data="$out/data-$events"
    if [ ! -f "$data/aisle.sqlite" ]; then
        log="$out/events-$events-$users.jsonl"
        [ -f "$log" ] || $bin/aisle synth --users "$users" --items $items --events "$events" --seed 3 --output "$log" 2>/dev/null
        $bin/aisle import items "$out/items-$items.jsonl" --data "$data" 2>/dev/null | tail -1
        $bin/aisle import events "$log" --data "$data" 2>/dev/null | tail -1
    fi
    echo "== $events events, $users users"
    /usr/bin/time -f "train: peak RSS %M KB, wall %e s" $bin/aisle train --data "$data" 2>&1 \
        | grep -E "^train: (log: [0-9]+ inter|[a-z_]+: [0-9.]+ s|peak|saved)"
    ls -l "$data/models/snapshot.aisle" | awk '{printf "snapshot file: %.1f MiB\n", $5 / 1048576}'
done
