#!/usr/bin/env bash
# Recommendation quality side by side (docs/BENCHMARKS.md): Aisle's models and the peers
# (implicit's ALS, BPR and ItemKNN, EASE in numpy, most-popular) on the same split.py splits,
# tuned on valid, fitted on train+valid, every list scored by the same evaluate.py.
# Usage: scripts/bench-recs.sh [loo|global ...]     (default: both protocols)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

bench=${BENCH_RECS_DIR:-../shared/bench/recs}
input=${BENCH_RECS_INPUT:-../shared/data/ml-100k/ml-100k.inter}
out=${BENCH_OUT:-bench-out}/recs
threads=${BENCH_THREADS:-2}
protocols=("$@")
[ ${#protocols[@]} -eq 0 ] && protocols=(loo global)
venv=${BENCH_OUT:-bench-out}/venv-recs

if [ ! -x "$venv/bin/python" ]; then
    echo "== venv: implicit 0.7.3 into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q implicit==0.7.3 threadpoolctl
fi
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
swift build -c release --product aisle
mkdir -p "$out"
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), $threads threads per engine"
"$venv/bin/python" -c "import implicit, numpy, scipy; print('== peers: implicit', implicit.__version__, 'numpy', numpy.__version__, 'scipy', scipy.__version__)"

for protocol in "${protocols[@]}"; do
    split="$out/split-$protocol"
    python3 "$bench/split.py" --input "$input" --protocol "$protocol" --out "$split" >/dev/null
    echo "== $protocol: peers"
    # The env note: OPENBLAS_CORETYPE, when set on this machine, slows a current numpy; the peers
    # run without it (and without OPENBLAS_L2_SIZE), Aisle as configured.
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$venv/bin/python" scripts/recs_peers.py \
        --split "$split" --out "$out/$protocol" --threads "$threads" --bench-dir "$bench" 2>"$out/$protocol-peers.log"
    echo "== $protocol: aisle"
    for model in pop itemknn seq ease als hybrid; do
        /usr/bin/env time -f "%e" -o "$out/$protocol/aisle-$model.seconds" \
            .build/release/aisle recommend-batch --split "$split" --model "$model" --threads "$threads" \
            --out "$out/$protocol/aisle-$model.recs.tsv" 2>"$out/$protocol/aisle-$model.log"
    done
    for recs in "$out/$protocol"/*.recs.tsv; do
        name=$(basename "$recs" .recs.tsv)
        python3 "$bench/evaluate.py" --split "$split" --recs "$recs" --target test --name "$name" \
            --json "$out/$protocol/$name.eval.json" >/dev/null
    done
    python3 - "$out/$protocol" "$protocol" <<'PY'
import json, os, sys
folder, protocol = sys.argv[1], sys.argv[2]
rows = []
for name in sorted(os.listdir(folder)):
    if not name.endswith(".eval.json"):
        continue
    model = name[: -len(".eval.json")]
    metrics = json.load(open(os.path.join(folder, name)))["metrics"]
    seconds = ""
    timing = os.path.join(folder, model + ".seconds")
    if os.path.exists(timing):
        seconds = open(timing).read().strip()
    rows.append((metrics["NDCG@10"], model, metrics, seconds))
print(f"\n{protocol}: test, fit train+valid (tuned on valid); sorted by NDCG@10")
print("| model | NDCG@10 | Recall@10 | NDCG@20 | Recall@20 | tune+fit+rank s (aisle) |")
print("|---|---|---|---|---|---|")
for _, model, m, seconds in sorted(rows, key=lambda row: -row[0]):
    print(f"| {model} | {m['NDCG@10']:.4f} | {m['Recall@10']:.4f} | {m['NDCG@20']:.4f} | {m['Recall@20']:.4f} | {seconds} |")
PY
done
