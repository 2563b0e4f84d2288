#!/usr/bin/env bash
# Product photos (issue 25, docs/BENCHMARKS.md "Images"), on public-domain and CC0 photos from
# the scikit-image wheel (astronaut, chelsea, coffee, hubble_deep_field, immunohistochemistry,
# retina, rocket; licences in skimage/data/_fetchers.py):
#   1. bytes: WebP and AVIF against JPEG q80 at matched SSIM;
#   2. enhance: PSNR and SSIM of degraded photos before and after enhance=auto;
#   3. twins: visually similar hit@1 for transformed twins;
#   4. renditions: cold 1200x1600 JPEG -> 480-wide WebP over HTTP (aisle serve, 2 clients)
#      beside `vips thumbnail` (the CLI, 2 at a time) on the same files, then cached renditions.
# Usage: scripts/bench-images.sh [bytes,enhance,twins,renditions]   (default: all; ~5 min)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
out=${BENCH_OUT:-bench-out}/images
parts=${1:-bytes,enhance,twins,renditions}
mkdir -p "$out/photos" "$out/originals"
scripts/install-deps.sh
if [ ! -s "$out/photos/coffee.png" ]; then
    echo "== photos: scikit-image 0.26.0's sample data (PyPI)"
    pip download -q --no-deps scikit-image==0.26.0 -d "$out/wheel"
    unzip -o -q "$out"/wheel/scikit_image-0.26.0-*.whl 'skimage/data/*' -d "$out/wheel"
    for name in astronaut.png chelsea.png coffee.png hubble_deep_field.jpg ihc.png retina.jpg rocket.jpg; do
        cp "$out/wheel/skimage/data/$name" "$out/photos/"
    done
fi
swift build -c release --product aisle-bench
swift build -c release --product aisle
bin=.build/release
for part in bytes enhance twins; do
    if [[ $parts == *$part* ]]; then
        echo "== $part ($(date -u +%H:%M) UTC)"
        $bin/aisle-bench images "$part" --photos "$out/photos"
    fi
done
[[ $parts == *renditions* ]] || exit 0

echo "== renditions ($(date -u +%H:%M) UTC): 70 originals, 1200x1600 JPEG q90, 10 crops of each photo"
if [ "$(ls "$out/originals" | wc -l)" -lt 70 ]; then
    for photo in "$out"/photos/*; do
        name=$(basename "${photo%.*}")
        width=$(vipsheader -f width "$photo")
        height=$(vipsheader -f height "$photo")
        for i in 0 1 2 3 4 5 6 7 8 9; do
            # Crops of 60 to 96 % at different corners, enlarged to 1200x1600 where need be.
            w=$((width * (60 + 4 * i) / 100))
            h=$((height * (60 + 4 * i) / 100))
            x=$(((width - w) * (i % 3) / 2))
            y=$(((height - h) * (i % 2)))
            vips crop "$photo" "$out/crop.v" "$x" "$y" "$w" "$h"
            vips thumbnail "$out/crop.v" "$out/originals/$name-$i.jpg[Q=90]" 1200 --height 1600 --size both --crop centre
        done
    done
    rm -f "$out/crop.v"
fi
ls "$out"/originals/*.jpg | head -1 | xargs vipsheader

echo "-- vips thumbnail (the CLI), 2 at a time, 480-wide WebP q80"
rm -rf "$out/peer" && mkdir -p "$out/peer"
start=$(date +%s%N)
ls "$out"/originals/*.jpg | xargs -P 2 -I{} sh -c 'vips thumbnail "$1" "$2/$(basename "$1" .jpg).webp[Q=80,effort=4,strip]" 480' _ {} "$out/peer"
end=$(date +%s%N)
count=$(ls "$out/peer" | wc -l)
python3 -c "import sys; n, ns = int(sys.argv[1]), int(sys.argv[2]); print(f'vips thumbnail: {n} in {ns/1e9:.2f} s, {n/(ns/1e9):.1f} renditions/s (2 processes)')" "$count" $((end - start))
latencies=()
for file in $(ls "$out"/originals/*.jpg | head -30); do
    s=$(date +%s%N)
    vips thumbnail "$file" "$out/peer/one.webp[Q=80,effort=4,strip]" 480
    latencies+=($(( ($(date +%s%N) - s) / 1000 )))
done
python3 -c "import sys; v = sorted(int(x) / 1000 for x in sys.argv[1:]); print(f'vips thumbnail, one at a time: p50 {v[len(v)//2]:.1f} ms, max {v[-1]:.1f} ms over {len(v)} files (process start included)')" "${latencies[@]}"

echo "-- aisle serve: upload, then each original's 480-wide WebP once (cold), then cached"
rm -rf "$out/data"
key=bench-admin-key-000000
port=${BENCH_PORT:-8097}
AISLE_ADMIN_KEY=$key AISLE_INGEST_KEY=bench-ingest-key-00000 AISLE_MODEL_DIR=none AISLE_MULTILINGUAL_MODEL=none \
    AISLE_TRAIN_ON_START=false $bin/aisle serve --data "$out/data" --port "$port" --log-level warning > "$out/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "aisle: ready" "$out/serve.log" && break; sleep 0.1; done
$bin/aisle-bench images renditions --url "http://127.0.0.1:$port" --key "$key" --originals "$out/originals"
echo "aisle serve RSS: $(grep VmRSS /proc/$server/status | awk '{print int($2/1024)}') MiB"
