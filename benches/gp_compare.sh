#!/usr/bin/env bash
# kern's GP regression and exact KRR against scikit-learn on abalone_scale, in
# one run (scikit-learn in a venv under benches/). Usage: benches/gp_compare.sh [N ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "scikit-learn numpy scipy" sklearn
cargo build --release -q
exec benches/.venv/bin/python benches/gp_compare.py target/release/kern ../shared/data/libsvm/abalone_scale "$@"
