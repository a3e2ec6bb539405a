#!/usr/bin/env bash
# Installs what `cargo build --features mpi` and `mpirun` need on Debian or
# Ubuntu: Open MPI (launcher and headers) and libclang (rsmpi generates its
# bindings with bindgen). Does nothing where they are present.
set -euo pipefail
missing=()
command -v mpirun >/dev/null 2>&1 || missing+=(openmpi-bin)
[ -e /usr/include/x86_64-linux-gnu/openmpi/mpi.h ] || [ -n "$(find /usr/include /usr/lib -name mpi.h -path '*openmpi*' -print -quit 2>/dev/null)" ] || missing+=(libopenmpi-dev)
# libclang itself (libclang.so, libclang-14.so.1, ...), which bindgen loads;
# libclang-cpp (present with other LLVM packages) is a different library.
libclang() { ls /usr/lib/llvm-*/lib/libclang.so* /usr/lib/llvm-*/lib/libclang-[0-9]*.so* /usr/lib/*/libclang.so* /usr/lib/*/libclang-[0-9]*.so* 2>/dev/null | grep -q .; }
libclang || missing+=(libclang-dev)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
sudo_cmd=$([ "$(id -u)" = 0 ] || echo sudo)
$sudo_cmd apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "${missing[@]}"
