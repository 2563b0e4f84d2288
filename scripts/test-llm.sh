#!/usr/bin/env bash
# The assistant against a real local language model (docs/ASSISTANT.md#the-language-model):
# builds llama-cpp-python from source and fetches SmolLM2-135M-Instruct on first use
# (scripts/llm-server.sh), serves it on a free port, and runs the end-to-end tests that need it.
# Opt-in (`make test-llm`): the default tests cover the template path and a model that hangs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

scripts/llm-server.sh --install >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=.build/llm-server.log
scripts/llm-server.sh "$port" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    if curl -fs "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1; then break; fi
    kill -0 "$server" 2>/dev/null || { echo "test-llm: the model server stopped; see $log" >&2; exit 1; }
    sleep 0.5
done
curl -fs "http://127.0.0.1:$port/v1/models" >/dev/null || { echo "test-llm: the model server did not start; see $log" >&2; exit 1; }
echo "test-llm: SmolLM2-135M-Instruct on http://127.0.0.1:$port/v1"
swift build --build-tests
AISLE_TEST_LLM_PORT=$port swift test --skip-build --filter AssistantLanguageModelEndToEndTests
