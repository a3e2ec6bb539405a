#!/usr/bin/env bash
# GP regression with scikit-learn's Mauna Loa CO2 kernel (a sum of five terms:
# trend, seasonal, irregularities, noise) on statsmodels' co2 series, monthly
# means, targets centred, normalize_y off: kern's --kernel expression beside
# scikit-learn's GaussianProcessRegressor from the same start. Prints the log
# marginal likelihoods, fit times and fitted kernels.
# Usage: benches/gp_co2_compare.sh [RESTARTS]
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "scikit-learn numpy scipy statsmodels" statsmodels
cargo build --release -q
exec benches/.venv/bin/python benches/gp_co2_compare.py target/release/kern "$@"
