#!/usr/bin/env bash
# `kern fit DATA` (--auto: Falkon beyond 10,000 rows) beside
# `kern fit DATA --task svr` on seven regression sets: seconds and test R².
# Usage: benches/auto_regression.sh [SET ...]  (SIDES=falkon runs one side)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "numpy" numpy
cargo build --release -q
exec benches/.venv/bin/python benches/auto_regression.py target/release/kern ../shared/data/uci "$@"
