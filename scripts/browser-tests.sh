#!/usr/bin/env bash
# The browser tests (docs/WEB.md): Playwright from PyPI in .build/web-venv drives Debian's
# chromium-headless-shell (installed by scripts/install-deps.sh; `playwright install`, which
# downloads browsers, is never run) against the debug `aisle` binary. Screenshots go to
# .build/web-screenshots. Run after `swift build` (make test does).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/web-venv
if ! "$venv/bin/python" -c "import playwright" 2>/dev/null; then
    echo "browser-tests: installing playwright into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q playwright==1.65.2
fi
binary=${AISLE_BINARY:-.build/debug/aisle}
[ -x "$binary" ] || { echo "browser-tests: $binary is missing; run swift build first" >&2; exit 1; }
exec "$venv/bin/python" Tests/Browser/web_test.py --binary "$binary" --screenshots .build/web-screenshots
