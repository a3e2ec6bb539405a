#!/usr/bin/env bash
# kern's WL and shortest-path Grams against GraKeL's on MUTAG, PTC_MR and
# ENZYMES, and the spectrum Gram against a straightforward Python one on
# promoters and splice, in one run; with kern's CV accuracies.
#   Usage: benches/structured_compare.sh [REPEATS of the 10-fold CV, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "grakel scikit-learn numpy scipy" grakel
out=$(mktemp)
cargo bench -q --bench structured -- "${1:-3}" > "$out"
exec benches/.venv/bin/python benches/structured_compare.py "$out" ../shared/data
