#!/usr/bin/env bash
# Fails when a layer imports what it must not (STYLE.md, Dependencies; docs/ARCHITECTURE.md):
# Hummingbird only in AisleServer, GRDB only in AisleStore, CBLAS only in AisleMath, nothing but
# Foundation and zlib in AisleCore, no HTTP in AisleEngine.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
check() {  # folder, forbidden-import regex, reason
    if grep -rnE "^(public |internal |@preconcurrency )*import ($2)\b" "$1" >/dev/null 2>&1; then
        grep -rnE "^(public |internal |@preconcurrency )*import ($2)\b" "$1"
        echo "check-layers: $1 must not import $2 ($3)" >&2
        status=1
    fi
}
check Sources/AisleCore "Hummingbird|GRDB|PostgresNIO|AisleStore|AisleServer|NIO.*" "the core depends on Foundation only"
check Sources/AisleStore "Hummingbird|AisleServer|NIOHTTP.*|AsyncHTTPClient" "the store knows no HTTP (NIO only under PostgresNIO)"
for target in Sources/*/; do
    case "$target" in Sources/AisleServer/|Sources/aisle/) continue ;; esac
    check "$target" "Hummingbird.*" "only AisleServer speaks HTTP"
done
for target in Sources/*/; do
    case "$target" in Sources/AisleStore/) continue ;; esac
    check "$target" "GRDB|PostgresNIO" "SQL stays in AisleStore"
done
for target in Sources/*/; do
    case "$target" in Sources/AisleMath/) continue ;; esac
    check "$target" "CBLAS" "BLAS calls stay behind AisleMath's checked wrappers"
done
for target in Sources/*/; do
    case "$target" in Sources/AisleText/|Sources/AisleCore/) continue ;; esac
    check "$target" "CZlib" "zlib stays behind AisleCore's Gzip and AisleText's GzipFile"
done
check Sources/AisleMath "AisleStore|AisleServer|AisleRecommend" "the math layer depends on nothing of ours above it"
check Sources/AisleEngine "Hummingbird.*|AisleServer|NIO.*" "the application layer knows no HTTP"
check Sources/AisleExperiment "Aisle.*|GRDB|NIO.*" "experiment statistics are pure Swift: tested alone against scipy"
check Sources/AisleStore/Migrations "Aisle.*" "a migration uses no app types: it runs on databases of any age"
# Types of the store's own module need no import: name the ones a migration must not use.
if grep -rnE "\b(Event|StoredEvent|EventBlock[A-Za-z]*|EventIDIndex|BulkEventIDs|stableHash)\b" \
    Sources/AisleStore/Migrations/*.swift | grep -v "^[^:]*:[0-9]*: *//"; then
    echo "check-layers: Sources/AisleStore/Migrations must not use app types (freeze a copy, as MigrationV7 does)" >&2
    status=1
fi
# The server is HTTP only: of ours it imports AisleEngine (the workflows) and AisleCore (the
# values they take and answer), never an engine or the store directly.
check Sources/AisleServer "AisleStore|AisleRecommend|AisleSearch|AisleText|AisleMath|AisleImage" \
    "the server reaches the engines and the store through AisleEngine"
check Sources/AisleRecommend "AisleServer" "the engine knows no HTTP"
check Sources/AisleClient "AisleStore|AisleServer|AisleEngine|AisleRecommend|AisleSearch|AisleText|AisleMath|Hummingbird.*|NIO.*|AsyncHTTPClient" \
    "the app SDK ships in apps: AisleCore and Foundation only"
check Sources/AisleText "AisleStore|AisleServer|AisleRecommend" "text analysis is a pure engine: no store, no HTTP"
check Sources/AisleSearch "AisleStore|AisleServer|AisleRecommend" "the search engine is pure: the server feeds it"
check Sources/AisleImage "AisleStore|AisleServer|AisleRecommend|AisleEngine" "image processing is a pure engine: no store, no HTTP"
for target in Sources/*/; do
    case "$target" in Sources/AisleImage/|Sources/CVipsShim/) continue ;; esac
    check "$target" "CVips|CVipsShim" "libvips stays behind AisleImage"
done
# Small files: one concern each, readable in one sitting.
while read -r lines file; do
    echo "check-layers: $file has $lines lines; split it by concern (at most 600)" >&2
    status=1
done < <(find Sources Tests -name "*.swift" -exec wc -l {} + | awk '$2 != "total" && $1 > 600')
exit $status
