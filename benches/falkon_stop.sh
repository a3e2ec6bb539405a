#!/usr/bin/env bash
# Falkon's stopping rule on ten problems (generated 300,000 x 28, a9a,
# abalone, elevators, pol, bike at two penalties): the test score after
# k = 3..100 conjugate-gradient iterations beside the default rule's stop.
#   Usage: benches/falkon_stop.sh [--only NAME,...]   (work dir /tmp/kern_falkon_stop)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "scikit-learn numpy scipy" sklearn
cargo build --release -q
exec benches/.venv/bin/python benches/falkon_stop.py target/release/kern /tmp/kern_falkon_stop "$@"
