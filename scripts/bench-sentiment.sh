#!/usr/bin/env bash
# Review sentiment side by side (docs/BENCHMARKS.md): Aisle's classifier (aisle train-sentiment)
# and the peers (VADER on English, SnowNLP on Chinese) on the same held-out test rows.
# Usage: scripts/bench-sentiment.sh   (~3 min, most of it SnowNLP)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
out=${BENCH_OUT:-bench-out}
venv=$out/venv-sentiment
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q vadersentiment==3.3.2 snownlp==0.12.3
fi
swift build -c release --product aisle
swift build -c release --product aisle-bench
mkdir -p "$out"
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== aisle"
# Also proves the shipped model is what this command trains (byte for byte).
.build/release/aisle train-sentiment --out "$out/sentiment.aisle" --predictions "$out/sentiment-test.tsv" \
    --check Sources/AisleText/Resources/sentiment.aisle
echo "== aisle: full analysis throughput (every review of both datasets)"
.build/release/aisle-bench reviews --threads 2
.build/release/aisle-bench reviews --threads 1
echo "== aisle: polarity of the full analysis (mixed/neutral count as wrong), shopping test part and hotel"
.build/release/aisle-bench review-polarity
echo "== peers"
"$venv/bin/python" scripts/sentiment_peers.py
