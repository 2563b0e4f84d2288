#!/usr/bin/env bash
# Fuzzes the served API against its own OpenAPI document with schemathesis (docs/SECURITY.md):
# generated requests with the admin key and with the ingest key; fails on any 5xx, any status
# the document does not list, and any answer that does not match its schema. A fixed seed keeps
# runs repeatable. Needs a debug build (swift build) and the encoder (make models), so that
# semantic search is served instead of answering 503.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/fuzz-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q schemathesis==4.32.5
fi
data=$(mktemp -d)
log=$(mktemp)
admin=aisle_fuzz_admin_key_000000000
ingest=aisle_fuzz_ingest_key_00000000
AISLE_ADMIN_KEY=$admin AISLE_INGEST_KEY=$ingest .build/debug/aisle serve --data "$data" --port 0 \
    --model-dir models/all-MiniLM-L6-v2 --train-on-start false --log-level error > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data" "$log"' EXIT
for _ in $(seq 600); do grep -q "aisle: ready" "$log" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$log" | head -1)
[ -n "$port" ] || { echo "fuzz-api: the server did not start"; cat "$log"; exit 1; }
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
status=0
for key in "$admin" "$ingest"; do
    echo "fuzz-api: ${key%%_key*} key"
    "$venv/bin/schemathesis" run "http://127.0.0.1:$port/v1/openapi.yaml" -H "Authorization: Bearer $key" \
        --phases=examples,fuzzing -n 50 -w 2 --seed 1 --checks "$checks" --no-color || status=1
done
exit $status
