#!/usr/bin/env bash
# Known-item search on the MovieLens-100K titles, Aisle beside Tantivy (docs/BENCHMARKS.md):
# `aisle-bench search` writes the documents and queries (clean, one typo, last word cut to a
# prefix; fixed seed) and scores Aisle; scripts/search_peer.py scores Tantivy on the same.
# Usage: scripts/bench-search.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
out=${BENCH_OUT:-bench-out}
venv=$out/venv-search
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import tantivy" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q tantivy==0.27.0
fi
swift build -c release --product aisle-bench
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== aisle"
.build/release/aisle-bench search --out "$out/search"
echo "== tantivy"
"$venv/bin/python" scripts/search_peer.py "$out/search"
