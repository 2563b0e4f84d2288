#!/usr/bin/env bash
# Installs the system packages Aisle needs, when missing (Debian/Ubuntu; run as root or with sudo).
# Swift itself is expected at /opt/swift or on PATH.
set -euo pipefail

# OpenBLAS and LAPACKE back AisleMath (the CBLAS system-library target).
# zlib reads the gzip-compressed review datasets (AisleText) and gzip request bodies (AisleCore).
# libcurl backs Foundation's URLSession on Linux, which AisleClient (the app SDK) uses.
# libvips (with libjpeg-turbo, libwebp, libheif/AVIF, lcms2, libexif) backs AisleImage; its tools
# (the `vips` command) are the peer of the image benchmark.
# chromium-headless-shell and the CJK fonts run the browser tests of the storefront and dashboard
# (docs/WEB.md); python3-venv holds their Playwright.
# postgresql: the tests start a server of their own (initdb into a temporary folder) for the
# PostgreSQL store (issue 26); its cluster service is not used.
packages=(libsqlite3-dev sqlite3 curl libcurl4 libopenblas-dev liblapacke-dev zlib1g-dev libvips-dev libvips-tools
    chromium-headless-shell fonts-noto-cjk python3-venv postgresql)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
        echo "install-deps: swift is at /opt/swift/usr/bin; add it to PATH"
    else
        echo "install-deps: Swift 6 is required (https://swift.org/install); none found" >&2
        exit 1
    fi
fi
