#!/usr/bin/env bash
# A small problem end to end: the whole `kern fit` process beside Debian's
# `svm-train` process (package libsvm-tools) on heart_scale (270 x 13),
# C-SVC -c 1 -g 1/13, median of RUNS (default 20) alternated runs each.
#   Usage: benches/small_compare.sh [DATA]   (default ../shared/data/libsvm/heart_scale)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v svm-train >/dev/null || { echo "svm-train missing: apt-get install libsvm-tools" >&2; exit 1; }
cargo build --release -q
exec python3 benches/small_compare.py target/release/kern "${1:-../shared/data/libsvm/heart_scale}"
