#!/usr/bin/env bash
# Two builds side by side on the same data (docs/BENCHMARKS.md, "Engine layer, before and
# after"): a synthetic store (1M events, 100k users, 20k items by default), imported and trained
# once, then served by OLD and NEW at the same time (each on its own copy), loaded in turn in
# short interleaved runs: OLD NEW, NEW OLD, ... BENCH_ROUNDS times per phase. A shared machine
# gets busier and quieter by the minute; interleaving gives both builds the same minutes.
# Phases: personal feeds and similar items at a fixed rate (open loop), GET /v1/search closed
# loop with one client, single event POSTs at a fixed rate, and batch ingest (closed loop, two
# clients, last: it grows the store). Each run also reads the server's CPU time per request.
# The summary gives each figure's median over the rounds and NEW / OLD.
#
# A build that has made keys (POST /v1/keys) is loaded through one with its own rate limit, so
# key lookup, rate limiting and the audit check all run; an older build uses its ingest key.
# Usage: scripts/bench-serving-ab.sh OLD_AISLE_BINARY NEW_AISLE_BINARY
# (build the old one from a checkout of the older commit: swift build -c release --product aisle)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
old=$1
new=$2
out=${BENCH_OUT:-bench-out}/serving-ab
events=${BENCH_EVENTS:-1000000}
users=${BENCH_USERS:-100000}
items=${BENCH_ITEMS:-20000}
rate=${BENCH_RATE:-400}
seconds=${BENCH_SECONDS:-8}
rounds=${BENCH_ROUNDS:-6}
port=${BENCH_PORT:-18492}
admin=bench-admin-key-00000000
ingest=bench-ingest-key-0000000
bench=.build/release/aisle-bench
[ -x "$bench" ] || swift build -c release --product aisle-bench
mkdir -p "$out"
data="$out/data"
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); $rounds rounds of $seconds s per phase and build"
if [ ! -f "$data/models/snapshot.aisle" ]; then
    rm -rf "$data"
    echo "== synth, import, train ($events events, $users users, $items items; with NEW)"
    "$new" synth --users "$users" --items "$items" --events "$events" --seed 3 --output "$out/events.jsonl" \
        --items-output "$out/items.jsonl" 2>/dev/null
    "$new" import items "$out/items.jsonl" --data "$data" 2>/dev/null | tail -1
    "$new" import events "$out/events.jsonl" --data "$data" 2>/dev/null | tail -1
    "$new" train --data "$data" 2>/dev/null | tail -2
    "$bench" search --catalog "$out/items.jsonl" --sample 2000 --out "$out/search" | grep -E "clean|typo:" || true
fi

# Starts build $2 as "$1" on port $3 over a fresh copy of the data; sets pid_$1, url_$1, key_$1.
start() {
    local name=$1 bin=$2 port=$3 work="$out/work-$1"
    rm -rf "$work"
    cp -a "$data" "$work"
    AISLE_ADMIN_KEY=$admin AISLE_INGEST_KEY=$ingest AISLE_TRAIN_EVERY_MINUTES=0 AISLE_TRAIN_AFTER_EVENTS=0 \
        AISLE_MODEL_DIR=none AISLE_MULTILINGUAL_MODEL=none "$bin" serve --data "$work" --port "$port" --log-level info > "$out/$name.log" 2>&1 &
    local server=$! url="http://127.0.0.1:$port"
    until grep -q "search: indexed" "$out/$name.log" 2>/dev/null; do sleep 0.2; done
    until curl -sf -H "Authorization: Bearer $admin" "$url/v1/models" | grep -q trained_at; do sleep 0.2; done
    local key=$ingest made
    made=$(curl -s -X POST -H "Authorization: Bearer $admin" "$url/v1/keys" -d '{"name": "bench",
        "scopes": ["events:write", "recommendations:read", "search:read"], "rate_limit": 1000000}' |
        sed -n 's/.*"key" *: *"\(aisle_key_[0-9a-f]*\)".*/\1/p')
    if [ -n "$made" ]; then
        key=$made
        echo "-- $name: loaded through a made key with its own rate limit"
    fi
    printf -v "pid_$name" '%s' "$server"
    printf -v "url_$name" '%s' "$url"
    printf -v "key_$name" '%s' "$key"
}

# One run of phase $2 against build $1: the load's figures plus the server's CPU time (user +
# system) per request, as "name=value" words on one line in $out/runs.
run() {
    local name=$1 phase=$2 pid url key before after result
    pid=$(eval echo "\$pid_$name")
    url=$(eval echo "\$url_$name")
    key=$(eval echo "\$key_$name")
    local load=(--url "$url" --key "$key" --duration "$seconds")
    case $phase in
        feed) load+=(feed --rate "$rate" --users "$users") ;;
        similar) load+=(similar --rate "$rate" --items "$items") ;;
        search) load+=(search --clients 1 --queries "$out/search/queries.tsv") ;;
        single) load+=(single --rate 1000 --users "$users") ;;
        batch) load+=(batch --clients 2 --batch-size 1000 --max-batches 600 --users "$users") ;;
    esac
    before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    result=$("$bench" load "${load[@]}")
    after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    echo "$result" | awk -v build="$name" -v phase="$phase" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
        { for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) { v = kv[2]; sub(/[a-z\/]+$/, "", v); f[kv[1]] = v } }
        END {
            printf "%s %s p50=%s p99=%s throughput=%s cpu_us_per_request=%.0f\n", build, phase, f["p50"], f["p99"],
                f["throughput"], ticks / hz * 1e6 / f["requests"]
        }' | tee -a "$out/runs"
}

rm -f "$out/runs"
start old "$old" "$port"
start new "$new" $((port + 1))
trap 'kill $pid_old $pid_new 2>/dev/null || true' EXIT
for name in old new; do
    "$bench" load feed --url "$(eval echo "\$url_$name")" --key "$(eval echo "\$key_$name")" --rate "$rate" \
        --duration 3 --users "$users" > /dev/null
done
for phase in feed similar search single batch; do
    echo "== $phase"
    for r in $(seq "$rounds"); do
        if [ $((r % 2)) = 1 ]; then run old "$phase"; run new "$phase"; else run new "$phase"; run old "$phase"; fi
    done
done

echo "== medians over $rounds rounds (NEW / OLD)"
awk '
    { for (i = 3; i <= NF; i++) { split($i, kv, "="); key = $2 " " kv[1]; n[$1, key]++; v[$1, key, n[$1, key]] = kv[2]; keys[key] = 1 } }
    function median(build, key,    m, a, i, j, t) {
        m = n[build, key]
        for (i = 1; i <= m; i++) a[i] = v[build, key, i] + 0
        for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    END {
        for (key in keys) {
            o = median("old", key); w = median("new", key)
            if (o > 0) printf "%-34s old %10.2f  new %10.2f  new/old %.3f\n", key, o, w, w / o
        }
    }' "$out/runs" | sort
