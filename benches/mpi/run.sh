#!/usr/bin/env bash
# Falkon on P processes of this machine (mpirun), one run each: wall time,
# peak resident memory per process, and the model's agreement with P = 1
# (its file byte for byte, and its predictions).
# Usage: benches/mpi/run.sh [N] [P...]   (default N = 2000000, P = 1 2 4)
# Data: a generated N x 28 regression (written once to target/mpi-bench/).
# Needs a kern built with `--features mpi` (built here) and Open MPI
# (scripts/install-mpi.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-2000000}
shift || true
ps=("${@:-1 2 4}")
ps=(${ps[@]})
cargo build -q --release --features mpi
kern=$PWD/target/release/kern
dir=target/mpi-bench
mkdir -p "$dir"
data=$dir/reg-$n.csv
if [ ! -s "$data" ]; then
    python3 - "$n" "$data" <<'PY'
import math, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(5)
with open(path, "w") as f:
    for _ in range(n):
        x = [rng.gauss(0, 1) for _ in range(28)]
        y = math.sin(x[0]) + x[1] * x[2] / 2 + 0.1 * sum(x[3:8]) + rng.gauss(0, 0.1)
        f.write(",".join(f"{v:.6f}" for v in x) + f",{y:.6f}\n")
PY
fi
fit=(fit "$data" --task krr --approx falkon --components 1000 --alpha 1e-6 -g 0.02 --max-iter 10 --max-memory 256M -q --json)
printf '%-3s %10s %14s %14s %12s\n' P wall_s max_rss_MiB max_rel_diff model_vs_P1
for p in "${ps[@]}"; do
    rss=$dir/rss-$p
    rm -f "$rss".*
    start=$(date +%s.%N)
    if [ "$p" = 1 ]; then
        /usr/bin/time -f %M -o "$rss.0" "$kern" "${fit[@]}" -o "$dir/p$p.model" > "$dir/p$p.json"
    else
        mpirun --allow-run-as-root --oversubscribe -np "$p" \
            bash -c '/usr/bin/time -f %M -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' "$rss" "$kern" "${fit[@]}" \
            --threads 1 -o "$dir/p$p.model" > "$dir/p$p.json"
    fi
    wall=$(echo "$(date +%s.%N) - $start" | bc)
    peak=$(cat "$rss".* | sort -n | tail -1)
    "$kern" predict "$dir/p$p.model" "$data" -o "$dir/p$p.txt" -q
    diff=$(paste "$dir/p1.txt" "$dir/p$p.txt" 2>/dev/null | awk '{d=$1-$2; if (d<0) d=-d; s=($1<0?-$1:$1); if (s>m) m=s; if (d>x) x=d} END {if (m>0) printf "%.2e", x/m; else print "-"}')
    same=$(cmp -s "$dir/p1.model" "$dir/p$p.model" && echo same-bytes || echo differs)
    printf '%-3s %10.2f %14.1f %14s %12s\n' "$p" "$wall" "$(echo "$peak / 1024" | bc -l)" "$diff" "$same"
done
python3 - "$n" <<'PY'
import math, sys
n = int(sys.argv[1]); blocks = -(-n // 256)
print(f"Each conjugate-gradient step: every process sends its whole subtrees of 256-row blocks, at most "
      f"2 log2({blocks} blocks) = {2 * math.ceil(math.log2(blocks))} sums of 8 M bytes "
      f"({2 * math.ceil(math.log2(blocks)) * 8} KB at M = 1000).")
PY
