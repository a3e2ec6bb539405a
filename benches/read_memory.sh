#!/usr/bin/env bash
# Peak memory of reading a big LibSVM file: generates SIZE_MB of seeded
# sparse rows (a9a-like: 123 features, 14 non-zeros per row), then runs
# `kern fit --task krr --max-memory 1`, which reads the whole file and then
# refuses the exact fit before allocating anything for it, so the process's
# peak resident memory is what reading took. Prints the file size, the
# parsed data's size (12 bytes per stored value: a u32 index and an f64) and
# the peak.
#   Usage: benches/read_memory.sh [SIZE_MB]      (default 2048)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-2048}
cargo build --release -q --bin kern
file=$(mktemp --suffix=.libsvm)
trap 'rm -f "$file"' EXIT
python3 - "$file" "$size_mb" <<'PY'
import random, sys
path, size = sys.argv[1], int(sys.argv[2]) << 20
rng = random.Random(1)
lines, written = [], 0
with open(path, "w") as out:
    while written < size:
        cols = sorted(rng.sample(range(1, 124), 14))
        line = ("1" if rng.random() < 0.5 else "-1") + "".join(f" {c}:{rng.random():.6f}" for c in cols) + "\n"
        lines.append(line)
        written += len(line)
        if len(lines) == 10000:
            out.write("".join(lines))
            lines = []
    out.write("".join(lines))
PY
rows=$(wc -l < "$file")
bytes=$(stat -c %s "$file")
status=$( { /usr/bin/time -f "%M" target/release/kern fit "$file" --task krr --max-memory 1 -o /dev/null 2>&1 >/dev/null || true; } | tail -1)
parsed=$((rows * 14 * 12))
echo "file $((bytes >> 20)) MiB, $rows rows; parsed data $((parsed >> 20)) MiB; peak resident $((status >> 10)) MiB"
