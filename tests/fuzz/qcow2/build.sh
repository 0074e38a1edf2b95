#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the qcow2 fuzz target with clang and libFuzzer (see docs/fuzzing.md).
# Usage: tests/fuzz/qcow2/build.sh [OUTPUT]   (default build/fuzz/qcow2_fuzz)
set -eu
cd "$(dirname "$0")/../../.."
out=${1:-build/fuzz/qcow2_fuzz}
objdir="$(dirname "$out")/qcow2-obj"
mkdir -p "$objdir"
cflags="-std=gnu11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
  -fno-sanitize-recover=undefined -I. -Isdk/include -Iplugins/include
  $(pkg-config --cflags glib-2.0 json-glib-1.0)
  -DTESSERA_VERSION=\"0.1.0\" -DTESSERA_PREFIX=\"/usr/local\" -DG_LOG_DOMAIN=\"tessera\""
objs=""
compile() { # source [extra flags]
    o="$objdir/$(echo "$1" | tr / _).o"
    # shellcheck disable=SC2086
    clang $cflags $2 -c "$1" -o "$o"
    objs="$objs $o"
}
for f in $(ls objmodel/*.c kernel/*.c monitor/*.c); do compile "$f" ""; done
printf '__attribute__((visibility("hidden"))) const char tessera_build_id_str[] = "fuzz";\n' \
    > "$objdir/build-id.c"
compile "$objdir/build-id.c" ""
for f in plugins/backends/block/*.c; do compile "$f" "-Dtessera_module=fuzz_block_module"; done
for f in plugins/backends/block-qcow2/*.c; do compile "$f" "-Dtessera_module=fuzz_qcow2_module"; done
compile tests/fuzz/qcow2/qcow2_fuzz.c ""
# shellcheck disable=SC2086
clang -fsanitize=fuzzer,address,undefined $objs -o "$out" \
    $(pkg-config --libs glib-2.0 gthread-2.0 json-glib-1.0) -lfdt -lltdl -lz -lzstd -lm -pthread
echo "built $out"
# Seed corpus: small images made by qemu-img (if installed).
corpus="$(dirname "$out")/qcow2-corpus"
mkdir -p "$corpus"
if command -v qemu-img >/dev/null; then
    t=$(mktemp -d)
    head -c 200000 /dev/urandom > "$t/data"
    qemu-img create -q -f qcow2 "$corpus/empty-v3.qcow2" 1M
    qemu-img create -q -f qcow2 -o compat=0.10 "$corpus/empty-v2.qcow2" 1M
    qemu-img create -q -f qcow2 -o cluster_size=512,lazy_refcounts=on "$corpus/small.qcow2" 64k
    qemu-img convert -c -O qcow2 -o cluster_size=4096 "$t/data" "$corpus/zlib.qcow2"
    qemu-img convert -c -O qcow2 -o cluster_size=4096,compression_type=zstd "$t/data" \
        "$corpus/zstd.qcow2"
    qemu-img create -q -f qcow2 -u -b base.raw -F raw "$corpus/backing.qcow2" 64k
    qemu-img snapshot -c s1 "$corpus/zlib.qcow2"
    rm -rf "$t"
fi
echo "seeds in $corpus"
