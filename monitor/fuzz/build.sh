#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the QMP fuzz target with clang and libFuzzer (see docs/fuzzing.md).
# Usage: monitor/fuzz/build.sh [OUTPUT]   (default build/fuzz/qmp_fuzz)
set -eu
cd "$(dirname "$0")/../.."
out=${1:-build/fuzz/qmp_fuzz}
mkdir -p "$(dirname "$out")"
core=$(ls objmodel/*.c kernel/*.c monitor/*.c | grep -v '^kernel/main\.c$')
# shellcheck disable=SC2086
clang -std=gnu11 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I. -Isdk/include $(pkg-config --cflags glib-2.0 json-glib-1.0) \
    -DTESSERA_VERSION='"0.1.0"' -DTESSERA_PREFIX='"/usr/local"' -DG_LOG_DOMAIN='"tessera"' \
    $core monitor/fuzz/qmp_fuzz.c -o "$out" \
    $(pkg-config --libs glib-2.0 gthread-2.0 json-glib-1.0) -lfdt -lltdl -lm -pthread
echo "built $out"
# Seed corpus: one file per line of seeds.txt.
corpus="$(dirname "$out")/corpus"
mkdir -p "$corpus"
n=0
grep -v '^#' monitor/fuzz/seeds.txt | while IFS= read -r line; do
    n=$((n + 1))
    printf '%s\n' "$line" > "$corpus/seed-$n"
done
echo "seeds in $corpus"
