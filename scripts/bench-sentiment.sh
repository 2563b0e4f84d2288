#!/usr/bin/env bash
# Review sentiment side by side (docs/BENCHMARKS.md): Aisle's classifier (aisle train-sentiment)
# and the peers (VADER on English, SnowNLP on Chinese) on the same held-out test rows.
# Usage: scripts/bench-sentiment.sh
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
mkdir -p "$out"
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== aisle"
.build/release/aisle train-sentiment --out "$out/sentiment.aisle" --predictions "$out/sentiment-test.tsv"
echo "== peers"
"$venv/bin/python" scripts/sentiment_peers.py
