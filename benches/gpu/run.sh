#!/usr/bin/env bash
# GPU figures in one command, on a machine with an NVIDIA GPU and its driver:
# builds with --features cuda, runs the GPU tests (they fail here, rather than
# skip, when no GPU can be opened), then times
#   1. the RBF Gram tile n = 32,768, d = 128 (f32) beside cuBLAS sgemm,
#   2. Falkon 1,000,000 × 28 with M = 20,000 on the GPU (its time split into
#      the device's products and the CPU's preconditioner), and 200,000 × 28
#      with M = 10,000 on the GPU beside the CPU,
#   3. a9a SVMs with --device gpu beside the CPU (../shared/data/libsvm/a9a),
# and prints one markdown table. Usage: benches/gpu/run.sh [--skip-cpu]
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TERM_COLOR=never KERN_REQUIRE_GPU=1
[ "${1:-}" = "--skip-cpu" ] && export KERN_BENCH_SKIP_CPU=1

echo "==> build"
cargo build --release --features cuda --bin kern
kern=target/release/kern

echo "==> checks: GPU tiles, streaming and products against the CPU; GPU-trained models"
cargo test --release --features cuda -p kern-gpu -- --nocapture
cargo test --release --features cuda --test gpu -- --nocapture

echo "==> Gram tile and Falkon"
table=$(mktemp)
# 1M × 28 with M = 20,000 on the GPU alone (the CPU path takes minutes
# there), then 200,000 × 28 with M = 10,000 beside the CPU.
KERN_BENCH_SKIP_CPU=1 cargo bench --features cuda --bench gpu | tee "$table"
[ -n "${KERN_BENCH_SKIP_CPU:-}" ] || KERN_BENCH_N=200000 KERN_BENCH_M=10000 cargo bench --features cuda --bench gpu | grep 'Falkon n = 200000' | tee -a "$table"

a9a=../shared/data/libsvm/a9a
if [ -f "$a9a" ]; then
    echo "==> a9a: C-SVC, rbf gamma = 0.05, C = 1, as LIBSVM's guide"
    dir=$(mktemp -d)
    seconds() { python3 -c 'import json,sys; print(json.load(sys.stdin)["fit_seconds"])'; }
    cpu=$("$kern" fit "$a9a" --task svc -c 1 -g 0.05 --device cpu -o "$dir/cpu.model" --json --quiet | seconds)
    gpu=$("$kern" fit "$a9a" --task svc -c 1 -g 0.05 --device gpu -o "$dir/gpu.model" --json --quiet | seconds)
    "$kern" predict "$dir/cpu.model" "$a9a.t" -o "$dir/cpu.out" 2>"$dir/cpu.err"
    "$kern" predict "$dir/gpu.model" "$a9a.t" -o "$dir/gpu.out" 2>"$dir/gpu.err"
    same=$(paste -d' ' "$dir/cpu.out" "$dir/gpu.out" | awk '$1 == $2' | wc -l)
    total=$(wc -l < "$dir/cpu.out")
    ratio=$(python3 -c "print(f'{$cpu / $gpu:.2f}')")
    echo "| a9a C-SVC fit (32,561 × 123) | ${gpu} s | CPU ${cpu} s | ${ratio}× faster; ${same}/${total} test labels equal |" | tee -a "$table"
    rm -rf "$dir"
else
    echo "==> a9a skipped: $a9a is absent"
fi
echo
grep '^|' "$table"
