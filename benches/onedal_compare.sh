#!/usr/bin/env bash
# kern against Intel's oneDAL SVC (scikit-learn-intelex's patch_sklearn(),
# the fastest CPU SVM scikit-learn users get) on the same data, in one run:
# oneDAL's fit call alone against the whole `kern fit` process. Prints fit
# times, nSV, test accuracy and the ratio, for kern with LIBSVM's pairs (the
# default) and with working sets of 1024 (`--working-set 1024`, rows "ws").
# Usage: [THREADS=T] benches/onedal_compare.sh [a9a|dense ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "scikit-learn scikit-learn-intelex libsvm-official numpy scipy" sklearnex
cargo build --release -q
exec benches/.venv/bin/python benches/onedal_compare.py target/release/kern "$@"
