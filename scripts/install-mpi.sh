#!/usr/bin/env bash
# Installs what `cargo build --features mpi` and `mpirun` need on Debian or
# Ubuntu: Open MPI (launcher and headers) and libclang (rsmpi generates its
# bindings with bindgen). Does nothing where they are present.
set -euo pipefail
missing=()
command -v mpirun >/dev/null 2>&1 || missing+=(openmpi-bin)
[ -e /usr/include/x86_64-linux-gnu/openmpi/mpi.h ] || [ -n "$(find /usr/include /usr/lib -name mpi.h -path '*openmpi*' -print -quit 2>/dev/null)" ] || missing+=(libopenmpi-dev)
ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1 || ls /usr/lib/x86_64-linux-gnu/libclang*.so* >/dev/null 2>&1 || missing+=(libclang-dev)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
sudo_cmd=$([ "$(id -u)" = 0 ] || echo sudo)
$sudo_cmd apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "${missing[@]}"
