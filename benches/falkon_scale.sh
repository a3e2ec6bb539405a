#!/usr/bin/env bash
# Falkon at scale: a generated 1,000,000 × 28 binary problem (seeded), kern
# fit --approx falkon with M = 10,000 centres, beside exact kernel ridge on a
# 20,000-row subset; wall time, peak memory (RSS) and test accuracy of each.
#   Usage: benches/falkon_scale.sh [N [M]]     (default 1000000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "numpy" numpy
cargo build --release -q
exec benches/.venv/bin/python benches/falkon_scale.py target/release/kern "$@"
