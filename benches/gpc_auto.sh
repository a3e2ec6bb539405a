#!/usr/bin/env bash
# `kern fit --task gpc --auto` at several training sizes on five sets:
# seconds, test accuracy and log loss, exact or on Nyström features.
# Usage: benches/gpc_auto.sh [SIZES] [SET ...]  (FLAGS adds options to `kern fit`)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "numpy scipy scikit-learn" sklearn
cargo build --release -q
exec benches/.venv/bin/python benches/gpc_auto.py target/release/kern ../shared/data "$@"
