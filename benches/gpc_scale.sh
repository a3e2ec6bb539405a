#!/usr/bin/env bash
# GP classification at scale: kern's Laplace approximation on M Nyström
# features (--task gpc --approx nystroem) beside scikit-learn's exact
# GaussianProcessClassifier, on a9a and on a generated dense set.
#   Usage: benches/gpc_scale.sh [M [SUBSAMPLE]]     (default 512 3000)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "numpy scipy scikit-learn" sklearn
cargo build --release -q
exec benches/.venv/bin/python benches/gpc_scale.py target/release/kern ../shared/data "$@"
