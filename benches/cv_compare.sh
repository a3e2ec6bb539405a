#!/usr/bin/env bash
# `kern cv` of WL (h = 5) + C-SVC (C = 1), 10 folds, on a generated TU data
# set of 4,110 graphs (NCI1's size), beside GraKeL's WL Gram + scikit-learn's
# SVC(kernel="precomputed") on exactly kern's folds, in one run.
#   Usage: benches/cv_compare.sh [OTHER_KERN_BINARY, e.g. an older build, timed too]
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "grakel scikit-learn numpy scipy" grakel
cargo build -q --release --bin kern --example folds
exec benches/.venv/bin/python benches/cv_compare.py target/release/kern target/release/examples/folds "$@"
