#!/usr/bin/env bash
# ALS training speed side by side (docs/BENCHMARKS.md): Aisle's ALS and implicit's CPU ALS on the
# same synthetic interaction matrix, factors 64, 15 iterations, 2 threads each, one after the
# other in one run; also peak RSS of each. Sizes: BENCH_ALS_SIZES (default "10000000").
# Usage: scripts/bench-als.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

out=${BENCH_OUT:-bench-out}/als
venv=${BENCH_OUT:-bench-out}/venv-recs
sizes=${BENCH_ALS_SIZES:-10000000}
threads=${BENCH_THREADS:-2}
mkdir -p "$out"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q implicit==0.7.3 threadpoolctl
fi
swift build -c release --product aisle
swift build -c release --product aisle-bench
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"

for size in $sizes; do
    tsv="$out/interactions-$size.tsv"
    if [ ! -f "$tsv" ]; then
        # ~94% of synthetic events name an item; synthesise enough, keep the first $size.
        events=$(( size * 110 / 100 ))
        echo "== synth: $events events → $size interactions"
        .build/release/aisle synth --users $(( size / 50 )) --items 100000 --events "$events" --seed 7 \
            --output "$out/events-$size.jsonl" 2>/dev/null
        python3 - "$out/events-$size.jsonl" "$tsv" "$size" <<'PY'
import json, sys
# Aisle's default event weights (docs/RECOMMENDATIONS.md).
weights = {"purchase": 4, "add_to_cart": 3, "like": 2, "share": 2, "click": 1.5, "view": 1, "review": 1}
source, target, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
written = 0
with open(source) as events, open(target, "w") as out:
    out.write("user\titem\tweight\n")
    for line in events:
        event = json.loads(line)
        item = event.get("item_id")
        weight = weights.get(event["type"])
        if event["type"] == "rate":
            weight = 1.5 if event.get("value", 0) >= 4 else (1 if event.get("value", 0) >= 3 else None)
        if not item or not weight:
            continue
        out.write(f"{event.get('user_id') or 'd:' + event['device_id']}\t{item}\t{weight}\n")
        written += 1
        if written == limit:
            break
print(f"wrote {written} interactions", file=sys.stderr)
PY
        rm -f "$out/events-$size.jsonl"
    fi
    echo "== $size interactions: aisle"
    /usr/bin/time -f "aisle: peak RSS %M KB, wall %e s" .build/release/aisle-bench als --input "$tsv" \
        --factors 64 --iterations 15 --threads "$threads" 2>&1 | grep -v "iteration [0-9]"
    echo "== $size interactions: implicit"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/time -f "implicit: peak RSS %M KB, wall %e s" \
        "$venv/bin/python" scripts/als_peer.py --input "$tsv" --factors 64 --iterations 15 --threads "$threads" 2>&1 \
        | grep -v -i "warn\|threadpoolctl\|OpenBLAS"
done
