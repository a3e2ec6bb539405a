#!/usr/bin/env bash
# kern's GP regression and exact KRR against scikit-learn on abalone_scale, in
# one run (scikit-learn in a venv under benches/). Usage: benches/gp_compare.sh [N ...]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=benches/.venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sklearn' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q scikit-learn numpy scipy
fi
cargo build --release -q
exec "$venv/bin/python" benches/gp_compare.py target/release/kern ../shared/data/libsvm/abalone_scale "$@"
