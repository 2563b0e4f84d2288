#!/usr/bin/env bash
# The assistant's language-model path against its template path, side by side in one run
# (docs/BENCHMARKS.md): the demo FAQs (48, en and zh) and the 144 FAQ paraphrases
# (bench/assistant/faq-paraphrases.tsv: every reply is an FAQ answer, so every one is offered to
# the model), open loop at BENCH_RATE (default 0.5/s) for BENCH_SECONDS (default 120), first on a
# server without a model, then on the same data with --llm-url at SmolLM2-135M-Instruct served by
# llama-cpp-python (scripts/llm-server.sh, on the same 2 cores). Prints both latencies and how
# many replies the model wrote (/metrics).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

out=${BENCH_OUT:-bench-out}/assistant-llm
rate=${BENCH_RATE:-0.5}
seconds=${BENCH_SECONDS:-120}
port=${BENCH_PORT:-18493}
llm_port=${BENCH_LLM_PORT:-18494}
admin=bench-admin-key-00000000
ingest=bench-ingest-key-0000000

swift build -c release --product aisle
swift build -c release --product aisle-bench
scripts/llm-server.sh --install >/dev/null
bin=.build/release
rm -rf "$out" && mkdir -p "$out"
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
scripts/llm-server.sh "$llm_port" >"$out/llm-server.log" 2>&1 &
llm=$!
server=
trap 'kill $llm ${server:-} 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$llm_port/v1/models" >/dev/null; do sleep 0.5; done
url="http://127.0.0.1:$port"
auth="Authorization: Bearer $admin"
messages=bench/assistant/faq-paraphrases.tsv

run() {  # $1: label; the rest: extra serve flags
    local label=$1
    shift
    AISLE_ADMIN_KEY=$admin AISLE_INGEST_KEY=$ingest AISLE_TRAIN_ON_START=false \
        $bin/aisle serve --data "$out/data" --port "$port" --log-level warning "$@" >"$out/serve-$label.log" 2>&1 &
    server=$!
    until curl -sf "$url/ready" >/dev/null; do sleep 0.2; done
    curl -sf -X PUT "$url/v1/assistant/faqs" -H "$auth" --data-binary @bench/assistant/demo-faqs.json >/dev/null
    until [ "$(curl -sf "$url/v1/assistant/faqs" -H "$auth" | python3 -c 'import json,sys; print(json.load(sys.stdin)["embedded"])')" = 48 ]; do
        sleep 0.5
    done
    $bin/aisle-bench assistant --url "$url" --key "$admin" --rate 1 --duration 5 --users 100 --queries "$messages" >/dev/null
    echo "-- $label: POST /v1/assistant/messages at $rate/s for $seconds s (FAQ paraphrases, en and zh)"
    $bin/aisle-bench assistant --url "$url" --key "$admin" --rate "$rate" --duration "$seconds" --users 100 \
        --queries "$messages"
    curl -sf "$url/metrics" | grep '^aisle_assistant_replies_total' || true
    kill $server
    wait $server 2>/dev/null || true
    server=
}

run template
run model --llm-url "http://127.0.0.1:$llm_port/v1" --llm-model smollm2
