#!/usr/bin/env bash
# `kern grid` against LIBSVM's grid.py procedure, in one run: a loop over
# libsvm-official (benches/.venv) calling svm_train(-v 5) at every point of
# grid.py's default grid (log2 C = -5..15 step 2, log2 gamma = 3..-15 step -2),
# beside the whole `kern grid` process over the same grid.
# Usage: benches/grid_compare.sh [heart] [a9a10k] [--log2c B,E,S] [--log2g B,E,S]
# (a9a10k: the first 10,000 rows of a9a; about 40 minutes for LIBSVM over the whole default grid)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "libsvm-official" libsvm.svmutil
cargo build --release -q
exec benches/.venv/bin/python benches/grid_compare.py target/release/kern "${@:-heart}"
