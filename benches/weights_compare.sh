#!/usr/bin/env bash
# kern's per-sample weights (--weights) against scikit-learn's sample_weight
# on breast_cancer, with weights drawn from {0, 0.5, 1, 3}: nSV, predictions
# and decision values side by side for each SVM and kernel ridge.
# Usage: benches/weights_compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "scikit-learn numpy scipy" sklearn
cargo build --release -q
exec benches/.venv/bin/python benches/weights_compare.py target/release/kern "$@"
