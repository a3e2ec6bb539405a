#!/usr/bin/env bash
# kern's Python estimators (pip install ./python into benches/.venv) beside
# scikit-learn's SVC in one process: a9a as a SciPy sparse matrix, digits;
# GP regression on abalone's first 2,000 rows beside scikit-learn's.
# Prints fit times, nSV, test accuracy, the import time and the wheel's size.
# Usage: benches/python_compare.sh [a9a|digits|gp ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/venv.sh "scikit-learn numpy scipy" sklearn
benches/.venv/bin/pip install -q ./python
wheel_dir=$(mktemp -d)
benches/.venv/bin/pip wheel -q --no-deps -w "$wheel_dir" ./python
echo "wheel: $(du -h "$wheel_dir"/*.whl | cut -f1) ($(basename "$wheel_dir"/*.whl))"
rm -rf "$wheel_dir"
exec benches/.venv/bin/python benches/python_compare.py "$@"
