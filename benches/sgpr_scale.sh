#!/usr/bin/env bash
# A sparse GP on a generated 1,000,000 x 8 regression with M = 1,000
# inducing points: fit time, peak memory, test RMSE and 95 % coverage.
#   Usage: benches/sgpr_scale.sh [N [M]]     (default 1000000 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "numpy" numpy
cargo build --release -q
exec benches/.venv/bin/python benches/sgpr_scale.py target/release/kern "$@"
