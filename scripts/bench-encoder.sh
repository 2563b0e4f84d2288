#!/usr/bin/env bash
# The native text encoder beside sentence-transformers on PyTorch (docs/BENCHMARKS.md), in one
# run, both on 2 threads: model load, batches of 32 product titles, one query in-process, RSS.
# Usage: scripts/bench-encoder.sh   (~5 min the first time: installs torch into bench-out/)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
out=${BENCH_OUT:-bench-out}
venv=$out/venv-text
threads=${BENCH_THREADS:-2}
mkdir -p "$out"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import sentence_transformers" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q sentence-transformers==6.2.0 transformers==5.23.0 torch==2.15.0
fi
scripts/fetch-models.sh
swift build -c release --product aisle-bench
# 640 product titles of about 16 tokens, the same for both sides.
python3 - "$out/encoder-titles.txt" <<'PY'
import random, sys
random.seed(7)
brands = ["Nordkap", "Bosideng", "Aurora", "Stigen", "Fjellby", "Lumen", "Kestrel", "Vantage"]
adjectives = ["waterproof", "lightweight", "insulated", "breathable", "organic cotton", "stainless steel",
              "wireless", "ergonomic", "quick-dry", "recycled", "heavy-duty", "slim-fit"]
products = ["down jacket with detachable hood", "running shoes", "noise cancelling headphones",
            "hiking backpack 30L", "water bottle 1 litre", "yoga mat with carry strap", "winter gloves",
            "laptop sleeve 14 inch", "coffee grinder", "rain boots", "merino wool socks", "desk lamp with USB port"]
tails = ["for men", "for women", "for kids", "unisex", "size M", "size 42", "black", "navy blue", "2-pack"]
with open(sys.argv[1], "w") as f:
    for _ in range(640):
        f.write(f"{random.choice(brands)} {random.choice(adjectives)} {random.choice(products)} {random.choice(tails)}, {random.choice(tails)}\n")
PY
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== aisle"
.build/release/aisle-bench encoder --texts "$out/encoder-titles.txt" --threads "$threads"
echo "== pytorch"
"$venv/bin/python" scripts/encoder_peer.py --texts "$out/encoder-titles.txt" --threads "$threads"
