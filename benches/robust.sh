#!/usr/bin/env bash
# --auto's kernel ridge with the squared loss and with Huber's on targets
# with gross errors, beside LIBSVM-default ε-SVR. Usage: benches/robust.sh [ROWS ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "numpy" numpy
cargo build --release -q
exec benches/.venv/bin/python benches/robust.py target/release/kern "$@"
