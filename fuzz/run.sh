#!/usr/bin/env bash
# Fuzzes kern's readers and model loader: builds seed corpora (from
# ../shared/data when it is there, and from models kern writes), then runs
# each target for SECONDS (default 600). Crashes land in fuzz/artifacts/.
#   Usage: fuzz/run.sh [SECONDS] [TARGET ...]      (targets: libsvm csv model sequences tu)
# Needs a nightly toolchain and cargo-fuzz (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(libsvm csv model sequences tu)

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
cargo build --release -q --bin kern

# Seeds: small real files (the first lines of the big ones), and models.
data=../shared/data
for t in libsvm csv model sequences tu; do mkdir -p "fuzz/corpus/$t"; done
if [ -d "$data/libsvm" ]; then
    for f in "$data"/libsvm/*_scale "$data"/libsvm/a9a; do
        head -c 16384 "$f" > "fuzz/corpus/libsvm/$(basename "$f")"
    done
else
    echo "fuzz: $data is absent; seeding from generated files only"
fi
if [ -d "$data/strings" ]; then
    head -c 16384 "$data/strings/uci_splice.csv" > fuzz/corpus/csv/uci_splice.csv
    head -c 16384 "$data/strings/uci_splice.csv" > fuzz/corpus/sequences/uci_splice.csv
    head -c 4096 "$data/strings/uci_promoters.data" > fuzz/corpus/sequences/uci_promoters.data
fi
printf '>s1 label=EI\nACGT\nacgt\n>s2 N\nGGTTAA\n' > fuzz/corpus/sequences/small.fa
# A TU seed is its files joined by 0xFF bytes: indicator, A, node, edge and graph labels.
tu_seed() {
    local dir=$1 ds
    ds=$(basename "$dir")
    { head -c 4096 "$dir/${ds}_graph_indicator.txt"; printf '\377'; head -c 8192 "$dir/${ds}_A.txt"; printf '\377'
      head -c 4096 "$dir/${ds}_node_labels.txt"; printf '\377'
      if [ -f "$dir/${ds}_edge_labels.txt" ]; then head -c 8192 "$dir/${ds}_edge_labels.txt"; fi; printf '\377'
      head -c 1024 "$dir/${ds}_graph_labels.txt"; } > "fuzz/corpus/tu/$ds"
}
tu_seed tests/fixtures/models/GRAPHS
if [ -d "$data/tu" ]; then
    for d in "$data"/tu/*/; do tu_seed "${d%/}"; done
fi
printf '1\n1\n2\n\3771, 2\n2, 1\n\3770\n1\n0\n\3775\n5\n\377a\nb\n' > fuzz/corpus/tu/small
printf 'a,b,label\n1,2,x\n3.5,-1e3,y\n' > fuzz/corpus/csv/small.csv
printf '1 1:0.5 3:1 # comment\n-1 qid:3 2:2.5\n' > fuzz/corpus/libsvm/small.libsvm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '1 1:0.1 2:0.4\n-1 1:0.9 2:0.2\n1 1:0.3 2:0.5\n-1 1:0.7 2:0.1\n2 1:0.2 2:0.3\n' > "$tmp/train.libsvm"
for task in svc svr krr gp oneclass; do
    target/release/kern fit "$tmp/train.libsvm" --task "$task" -o "fuzz/corpus/model/$task.model" -q
    target/release/kern fit "$tmp/train.libsvm" --task "$task" -o "fuzz/corpus/model/$task.json" -q
done
target/release/kern fit "$tmp/train.libsvm" --approx rff --components 8 -o fuzz/corpus/model/rff.model -q
target/release/kern export fuzz/corpus/model/svc.model --to libsvm -o fuzz/corpus/model/svc.libsvm-model

cd fuzz
for t in "${targets[@]}"; do
    echo "==> fuzzing $t for ${seconds} s"
    cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096
done
