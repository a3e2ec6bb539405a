#!/usr/bin/env bash
# The demo page in a real browser: builds web/dist, installs Debian's chromium
# and playwright-core when missing (never a browser download), and runs
# web/test/e2e.mjs against the native kern binary. Screenshots land in web/dist.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    echo "==> installing Debian's chromium"
    sudo_cmd=$([ "$(id -u)" = 0 ] || echo sudo)
    $sudo_cmd apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q chromium
fi
# playwright-core never downloads a browser; it drives /usr/bin/chromium.
(cd web && npm ci --no-audit --no-fund --loglevel=error)

web/build.sh
cargo build --bin kern
cd web && node test/e2e.mjs ../target/debug/kern
