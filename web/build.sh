#!/usr/bin/env bash
# Builds the demo page into web/dist: kern-web for wasm32 (profile wasm), its JS
# bindings by wasm-bindgen (the CLI installed at the crate's exact version
# when missing), wasm-opt when web/node_modules has binaryen, and the page.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# The CLI must match the wasm-bindgen crate exactly: read the locked version.
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }')" != "$version" ]; then
    echo "==> installing wasm-bindgen-cli $version (a few minutes)"
    cargo install wasm-bindgen-cli --version "=$version"
fi

cargo build -p kern-web --profile wasm --target wasm32-unknown-unknown
rm -rf web/dist
mkdir -p web/dist/pkg
wasm-bindgen --target web --no-typescript --out-dir web/dist/pkg target/wasm32-unknown-unknown/wasm/kern_web.wasm
wasm=web/dist/pkg/kern_web_bg.wasm
before=$(stat -c %s "$wasm")
if [ -x web/node_modules/.bin/wasm-opt ]; then
    web/node_modules/.bin/wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int \
        --enable-sign-ext --enable-mutable-globals "$wasm" -o "$wasm.opt"
    mv "$wasm.opt" "$wasm"
fi
cp web/index.html web/style.css web/demo.js web/worker.js web/draw.js web/presets.js web/dist/
size=$(stat -c %s "$wasm")
echo "==> web/dist: kern_web_bg.wasm is $size bytes ($(( (size + 1023) / 1024 )) KiB; $before before wasm-opt; target < 1.5 MB)"
if [ "$size" -ge 1572864 ]; then
    echo "FAILED: the .wasm is over 1.5 MB" >&2
    exit 1
fi
