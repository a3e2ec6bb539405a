#!/usr/bin/env bash
# Falkon beside scikit-learn's Nystroem + RidgeClassifier on a generated
# 300,000 x 28 binary problem (make_classification: 20 informative features,
# flip_y 0.05, class_sep 0.7, seeded), M = 3000 centres, RBF gamma 0.02: the
# pipeline's fit call against the whole `kern fit --approx falkon` process,
# with test accuracy on 100,000 more samples.
#   Usage: benches/falkon_compare.sh [N [M]]     (default 300000 3000)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "scikit-learn numpy scipy" sklearn
cargo build --release -q
exec benches/.venv/bin/python benches/falkon_compare.py target/release/kern "$@"
