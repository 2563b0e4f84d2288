#!/usr/bin/env bash
# The sequential Transformer's training speed side by side with a PyTorch SASRec of the same size
# and loss (scripts/sasrec_peer.py) on one split, both on the same threads, in one run. Each trains
# EPOCHS epochs on the train part and scores validation after each; the training seconds per
# epoch (validation excluded) are compared. Peak RSS from /usr/bin/time.
#
#   scripts/bench-transformer.sh                     # Beauty, 3 epochs, 2 threads
#   SET=sports EPOCHS=2 scripts/bench-transformer.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
SET=${SET:-beauty}
EPOCHS=${EPOCHS:-3}
THREADS=${THREADS:-2}
SETTINGS=${SETTINGS:-dropout=0.5}
SPLIT=bench-out/splits/$SET-loo
OUT=bench-out/transformer-speed
mkdir -p "$OUT"
if [ ! -f "$SPLIT/train.tsv" ]; then
    python3 ../shared/bench/recs/split.py --input "../shared/data/amazon-seq/$SET.tsv" --protocol loo --out "$SPLIT"
fi
if [ ! -x bench-out/venv-torch/bin/python ]; then
    echo "bench-transformer: installing PyTorch into bench-out/venv-torch (PyPI, a few minutes)" >&2
    python3 -m venv bench-out/venv-torch
    bench-out/venv-torch/bin/pip install -q torch numpy
fi
command -v /usr/bin/time >/dev/null || sudo apt-get install -y -q time >/dev/null
swift build -c release --product aisle >&2

echo "== aisle transformer ($SET, $EPOCHS epochs, $THREADS threads, $SETTINGS)" >&2
/usr/bin/time -v .build/release/aisle recommend-batch --split "$SPLIT" --model transformer \
    --transformer-settings "$SETTINGS,epochs=$EPOCHS" --fit train --out "$OUT/aisle.recs.tsv" \
    --threads "$THREADS" 2> "$OUT/aisle.log"
echo "== PyTorch SASRec ($SET, $EPOCHS epochs, $THREADS threads)" >&2
torch_dropout=$(echo "$SETTINGS" | tr ',' '\n' | sed -n 's/^dropout=//p')
/usr/bin/time -v bench-out/venv-torch/bin/python scripts/sasrec_peer.py --split "$SPLIT" --epochs "$EPOCHS" \
    --threads "$THREADS" --dropout "${torch_dropout:-0.5}" > "$OUT/torch.log" 2> "$OUT/torch.time"

aisle_epoch=$(grep -o "^transformer: epoch [0-9]*/[0-9]*.*training [0-9.]* s" "$OUT/aisle.log" | head -n "$EPOCHS" \
    | sed 's/.*training \([0-9.]*\) s/\1/' | awk '{ s += $1 } END { printf "%.3f", s / NR }')
torch_epoch=$(sed -n 's/.*seconds_per_epoch=\([0-9.]*\).*/\1/p' "$OUT/torch.log")
aisle_rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/aisle.log")
torch_rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/torch.time")
grep "^transformer: epoch" "$OUT/aisle.log" | head -n "$EPOCHS" >&2
grep "^epoch" "$OUT/torch.log" >&2
echo "| $SET | $EPOCHS | $aisle_epoch | $torch_epoch | $(awk -v a="$aisle_epoch" -v t="$torch_epoch" 'BEGIN { printf "%.2f", a / t }') | $((aisle_rss / 1024)) | $((torch_rss / 1024)) |"
