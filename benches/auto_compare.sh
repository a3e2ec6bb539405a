#!/usr/bin/env bash
# `kern fit DATA` (--auto) beside `kern grid` over grid.py's whole default
# grid on nine data sets, held-out scores and whole-process times, in one run.
# Usage: benches/auto_compare.sh [OLD_KERN] [--only NAME,...]
# (about 30 minutes on 2 cores, most of it the grid on the imbalanced set and a9a)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "scikit-learn" sklearn
cargo build --release -q
exec benches/.venv/bin/python benches/auto_compare.py target/release/kern "$@"
