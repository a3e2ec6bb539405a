#!/usr/bin/env bash
# kern against LIBSVM on the same data, in one run: LIBSVM's training call
# alone (libsvm-official from PyPI, in benches/.venv) against the whole
# `kern fit` process (read, fit, write). Prints fit times, nSV, test accuracy
# and the ratio.   Usage: [THREADS=T] benches/libsvm_compare.sh [heart|a9a|digits|dense|wide ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "libsvm-official numpy scipy" libsvm.svmutil
cargo build --release -q
exec benches/.venv/bin/python benches/libsvm_compare.py target/release/kern "$@"
