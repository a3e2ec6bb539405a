#!/usr/bin/env bash
# kern against LIBSVM on the same data, in one run: LIBSVM's training call
# alone (libsvm-official from PyPI, in benches/.venv) against the whole
# `kern fit` process (read, fit, write). Prints fit times, nSV, test accuracy
# and the ratio.   Usage: benches/libsvm_compare.sh [heart|a9a|digits ...]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=benches/.venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import libsvm.svmutil' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q libsvm-official numpy scipy
fi
cargo build --release -q
exec "$venv/bin/python" benches/libsvm_compare.py target/release/kern "$@"
