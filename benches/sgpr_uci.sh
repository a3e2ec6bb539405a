#!/usr/bin/env bash
# kern's sparse GP on elevators, pol and bike (../shared/data/uci) by the
# protocol of the published exact-vs-approximate GP comparison; prints test
# RMSE, NLL and 95 % coverage beside the published figures.
# Usage: benches/sgpr_uci.sh [M] [RESTARTS] [SET ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "numpy" numpy
if [ "${PEER:-}" = gpytorch ]; then source benches/venv.sh "gpytorch" gpytorch; fi
cargo build --release -q
exec benches/.venv/bin/python benches/sgpr_uci.py target/release/kern ../shared/data/uci "$@"
