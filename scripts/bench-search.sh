#!/usr/bin/env bash
# Known-item search on the MovieLens-100K titles, Aisle beside Tantivy (docs/BENCHMARKS.md):
# `aisle-bench search` writes the documents and queries (clean, one typo, last word cut to a
# prefix; fixed seed) and scores Aisle; scripts/search_peer.py scores Tantivy on the same.
# Then the same on a 200,000-item synthetic catalog (latency and indexing speed at scale), and
# Chinese category retrieval on the reviews-zh corpus with hand-written queries.
# Usage: scripts/bench-search.sh   (~3 min)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
out=${BENCH_OUT:-bench-out}
venv=$out/venv-search
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import tantivy, jieba" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q tantivy==0.27.0 jieba==0.42.1
fi
swift build -c release --product aisle-bench
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
swift build -c release --product aisle
echo "== MovieLens titles: aisle"
.build/release/aisle-bench search --out "$out/search"
echo "== MovieLens titles: tantivy"
"$venv/bin/python" scripts/search_peer.py "$out/search"
# The 200,000-item synthetic catalog (aisle synth), queries for 2,000 sampled items.
mkdir -p "$out/search200k"
[ -s "$out/search200k/items.jsonl" ] || .build/release/aisle synth --users 10 --items 200000 --events 0 \
    --output /dev/null --items-output "$out/search200k/items.jsonl"
echo "== 200k synthetic items: aisle"
.build/release/aisle-bench search --catalog "$out/search200k/items.jsonl" --sample 2000 --out "$out/search200k"
echo "== 200k synthetic items: tantivy"
"$venv/bin/python" scripts/search_peer.py "$out/search200k"
# Chinese category retrieval over the reviews-zh corpus, hand-written queries.
echo "== Chinese reviews: aisle"
.build/release/aisle-bench search-zh --out "$out/search-zh"
echo "== Chinese reviews: tantivy"
"$venv/bin/python" scripts/search_zh_peer.py "$out/search-zh" bench/search-zh-queries.tsv
