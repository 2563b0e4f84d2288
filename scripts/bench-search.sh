#!/usr/bin/env bash
# Search benchmarks, Aisle beside Tantivy (docs/BENCHMARKS.md):
#  1. known-item search on the MovieLens-100K titles: `aisle-bench search` writes the documents
#     and queries (clean, one typo, last word cut to a prefix; fixed seed) and scores Aisle;
#     scripts/search_peer.py scores Tantivy on the same;
#  2. the same on a 200,000-item synthetic catalog, with latency at 1 and 2 threads in process
#     (lexical, and hybrid timed with random vectors), indexing speed, RSS and index size;
#  3. Chinese category retrieval on the reviews-zh corpus with hand-written queries, lexical,
#     semantic and hybrid (every review embedded once, cached in bench-out);
#  4. the hand-judged set (bench/search-judged.jsonl) over a 20,000-item synthetic catalog:
#     NDCG@10 of lexical, semantic and hybrid runs beside Tantivy's, held-in and held-out halves;
#  5. the 200k catalog served over HTTP: p50/p99 at 1 and 2 client connections.
# Usage: scripts/bench-search.sh   (~25 min the first time, embedding; ~8 min after)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
out=${BENCH_OUT:-bench-out}
venv=$out/venv-search
port=${BENCH_PORT:-18491}
admin=bench-admin-key-00000000
ingest=bench-ingest-key-0000000
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import tantivy, jieba" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q tantivy==0.27.0 jieba==0.42.1
fi
scripts/fetch-models.sh
swift build -c release --product aisle-bench
swift build -c release --product aisle
bin=.build/release
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== MovieLens titles: aisle"
$bin/aisle-bench search --out "$out/search"
echo "== MovieLens titles: tantivy"
"$venv/bin/python" scripts/search_peer.py "$out/search"

# The 200,000-item synthetic catalog (aisle synth), queries for 2,000 sampled items.
mkdir -p "$out/search200k"
[ -s "$out/search200k/items.jsonl" ] || $bin/aisle synth --users 10 --items 200000 --events 0 \
    --output /dev/null --items-output "$out/search200k/items.jsonl"
echo "== 200k synthetic items: aisle"
$bin/aisle-bench search --catalog "$out/search200k/items.jsonl" --sample 2000 --out "$out/search200k" --time-hybrid
echo "== 200k synthetic items: tantivy"
"$venv/bin/python" scripts/search_peer.py "$out/search200k"

echo "== Chinese reviews: aisle"
$bin/aisle-bench search-zh --out "$out/search-zh" --model-dir models/all-MiniLM-L6-v2
echo "== Chinese reviews: tantivy"
"$venv/bin/python" scripts/search_zh_peer.py "$out/search-zh" bench/search-zh-queries.tsv

echo "== hand-judged set: catalog of 20,000 synthetic items"
judged=$out/judged
mkdir -p "$judged"
[ -s "$judged/items.jsonl" ] || $bin/aisle synth --users 10 --items 20000 --events 0 --output /dev/null \
    --items-output "$judged/items.jsonl"
python3 scripts/search_judged.py qrels "$judged/items.jsonl" bench/search-judged.jsonl | tail -1
"$venv/bin/python" scripts/search_judged.py tantivy "$judged/items.jsonl" bench/search-judged.jsonl "$judged/tantivy.tsv"
$bin/aisle-bench search-judged --catalog "$judged/items.jsonl" --out "$judged" --weights 0.1,0.15,0.2,0.3,0.5,0.7
python3 scripts/search_judged.py score "$judged/items.jsonl" bench/search-judged.jsonl --split \
    "$judged"/tantivy.tsv "$judged"/tantivy-jieba.tsv "$judged"/aisle-lexical.tsv "$judged"/aisle-semantic.tsv \
    "$judged"/aisle-hybrid-0.1.tsv "$judged"/aisle-hybrid-0.15.tsv "$judged"/aisle-hybrid-0.2.tsv \
    "$judged"/aisle-hybrid-0.3.tsv "$judged"/aisle-hybrid-0.5.tsv "$judged"/aisle-hybrid-0.7.tsv

# Serves a catalog (imported once into its own data folder, no text model) and loads it over
# HTTP: closed loop, 1 then 2 client connections, 20 s each. Usage: serve_and_load NAME ITEMS DIR
serve_and_load() {
    local name=$1 items=$2 dir=$3 data=$3/data
    echo "== $name over HTTP (lexical; the server has no text model here)"
    if [ ! -f "$data/aisle.sqlite" ]; then
        $bin/aisle import items "$items" --data "$data" --rejects "$dir/rejects.jsonl" 2>/dev/null | tail -1
    fi
    du -sm "$data" | awk '{print "aisle data folder (the SQLite store): " $1 " MiB"}'
    AISLE_ADMIN_KEY=$admin AISLE_INGEST_KEY=$ingest AISLE_TRAIN_ON_START=false AISLE_MODEL_DIR=none AISLE_MULTILINGUAL_MODEL=none \
        $bin/aisle serve --data "$data" --port "$port" --log-level info > "$dir/serve.log" 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null || true' EXIT
    until grep -q "search: indexed" "$dir/serve.log"; do sleep 0.5; done
    grep -o "search: indexed.*" "$dir/serve.log"
    ps -o rss= -p $server | awk '{printf "server RSS with the index: %.0f MiB\n", $1 / 1024}'
    for clients in 1 2; do
        echo "-- GET /v1/search, $clients client(s)"
        $bin/aisle-bench load search --url "http://127.0.0.1:$port" --key "$ingest" --clients $clients \
            --duration 20 --queries "$4"
    done
    if [ -n "${5:-}" ]; then
        for clients in 1 2; do
            echo "-- GET /v1/autocomplete, $clients client(s), every query typed letter by letter"
            $bin/aisle-bench load search --url "http://127.0.0.1:$port" --key "$ingest" --clients $clients \
                --duration 20 --queries "$5" --endpoint /v1/autocomplete
        done
    fi
    kill $server
    wait $server 2>/dev/null || true
}
serve_and_load "200k synthetic items" "$out/search200k/items.jsonl" "$out/search200k" \
    "$out/search200k/queries.tsv" "$out/search200k/typed.txt"
serve_and_load "Chinese reviews" "$out/search-zh/items.jsonl" "$out/search-zh" "$out/search-zh/queries.txt"
