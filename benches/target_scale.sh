#!/usr/bin/env bash
# --auto's regression on targets far from zero and of any scale: kernel
# ridge (exact, Falkon) and the SVR search, test R² and seconds, beside
# another kern binary when given. Usage: benches/target_scale.sh [OTHER_KERN]
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "numpy scikit-learn" "numpy, sklearn"
cargo build --release -q
exec benches/.venv/bin/python benches/target_scale.py target/release/kern "$@"
