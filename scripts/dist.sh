#!/usr/bin/env bash
# Builds a tarball for machines without a Swift toolchain: the release binary (Swift runtime
# and Foundation linked statically), its resource bundles (the OpenAPI document, the shipped
# sentiment model), the text encoder's weights when `make models` fetched them, and a README
# naming the Debian packages the binary still loads (OpenBLAS, LAPACKE, SQLite, zlib).
#   scripts/dist.sh            -> dist/aisle-<git describe>-linux-<arch>.tar.gz
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
arch=$(uname -m)
name="aisle-$version-linux-$arch"
# A build folder of its own: static linking changes every object's flags.
build=.build-dist
echo "dist: building the release binary with the Swift runtime linked statically (about 10 minutes on 2 cores)" >&2
swift build -c release --product aisle --static-swift-stdlib --scratch-path "$build"
bin=$(swift build -c release --static-swift-stdlib --scratch-path "$build" --show-bin-path)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root/bin"
cp "$bin/aisle" "$root/bin/"
for bundle in "$bin"/aisle_*.resources; do
    [ -d "$bundle" ] && cp -R "$bundle" "$root/bin/"
done
if [ -s models/all-MiniLM-L6-v2/model.safetensors ]; then
    mkdir -p "$root/models"
    cp -R models/all-MiniLM-L6-v2 "$root/models/"
else
    echo "dist: models/all-MiniLM-L6-v2 is missing (make models); the tarball serves without semantic search" >&2
fi
cp -R docs "$root/docs"
cat > "$root/README.md" <<'TEXT'
# Aisle (binary distribution)

Needs a 64-bit Linux with these libraries (Debian/Ubuntu package names):

    sudo apt-get install -y libopenblas0 liblapacke libsqlite3-0 zlib1g libvips42

Run from this folder (the encoder's weights are in models/ when the build had them):

    export AISLE_ADMIN_KEY=$(openssl rand -hex 24) AISLE_INGEST_KEY=$(openssl rand -hex 24)
    ./bin/aisle serve --data ./aisle-data --model-dir models/all-MiniLM-L6-v2

Keep the `aisle_*.resources` folders beside the binary: they hold the OpenAPI document and
the review sentiment model. `./bin/aisle --help` lists every command; docs/ has the guides.
TEXT
mkdir -p dist
tar -C "$stage" -czf "dist/$name.tar.gz" "$name"
echo "dist: wrote dist/$name.tar.gz ($(du -h "dist/$name.tar.gz" | cut -f1))"
