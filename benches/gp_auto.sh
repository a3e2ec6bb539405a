#!/usr/bin/env bash
# `kern fit --task gp --auto` on the UCI regression sets and four generated
# ones: seconds, test RMSE, NLL, 95 % coverage and the covariance chosen.
# Usage: benches/gp_auto.sh [SET ...]  (FLAGS adds options to `kern fit`)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "numpy" numpy
cargo build --release -q
exec benches/.venv/bin/python benches/gp_auto.py target/release/kern ../shared/data/uci "$@"
