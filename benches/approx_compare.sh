#!/usr/bin/env bash
# kern's kernel approximations against scikit-learn's on a9a -> a9a.t, in one
# run: Nystroem + LinearSVC and RBFSampler + LinearSVC (their fit alone)
# against the whole `kern fit --approx nystroem|rff` process, at M = 1000
# and 3000 (or the M given). Prints times, the ratio and test accuracies.
#   Usage: benches/approx_compare.sh [M ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "scikit-learn numpy scipy" sklearn
cargo build --release -q
exec benches/.venv/bin/python benches/approx_compare.py target/release/kern ../shared/data/libsvm "$@"
