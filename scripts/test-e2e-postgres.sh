#!/usr/bin/env bash
# The end-to-end suite again, every server on PostgreSQL (issue 26): a throwaway server on a free
# port, a database per data folder (Tests/AisleEndToEndTests/Support/ServerProcess.swift), the
# server stopped and removed afterwards. Run after `swift build --build-tests` (make test does).
set -euo pipefail
cd "$(dirname "$0")/.."
folder=$(mktemp -d /tmp/aisle-e2e-pg.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
    scripts/local-postgres.sh stop "$folder" >/dev/null 2>&1 || true
    rm -rf "$folder"
}
trap cleanup EXIT
url=$(scripts/local-postgres.sh start "$folder" "$port")
echo "end-to-end tests on PostgreSQL at ${url%/*}"
AISLE_E2E_POSTGRES="${url%/*}" \
    SWIFT_BACKTRACE=interactive=no,threads=all,registers=crashed,images=none,limit=40 \
    swift test --skip-build --filter AisleEndToEndTests
