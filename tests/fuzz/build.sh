#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build every libFuzzer target of tests/fuzz/ (see docs/fuzzing.md):
#   bash tests/fuzz/build.sh            -> build/fuzz/<target>_fuzz
# clang with -fsanitize=fuzzer,address,undefined; the core (objmodel/,
# kernel/, monitor/) is compiled once, instrumented, and linked into each.
# The device fuzzers (device_fuzz.c, one per board in fuzz_boards.py) need
# the board modules instrumented too: the whole tree is built by scons with
# clang (tests/fuzz/fuzzcc) into build/debug-fuzzcc-san/, and they load their modules from there.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/fuzz
targets=(qmp hmp options loader dtb gdb)
command -v clang >/dev/null || { echo "fuzz build: clang is missing; run scripts/setup.sh" >&2; exit 1; }
mkdir -p "$out/obj"
san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
cflags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -pthread -I. -Isdk/include -Iplugins/include
        $(pkg-config --cflags glib-2.0 json-glib-1.0)
        -DTESSERA_VERSION='"0.1.0"' -DG_LOG_DOMAIN='"tessera"')
libs=($(pkg-config --libs glib-2.0 gthread-2.0 json-glib-1.0) -lfdt -lltdl -lm -pthread)
printf '/* SPDX-License-Identifier: MIT */\n/* generated */\nconst char tessera_build_id_str[] = "fuzz";\n' \
    > "$out/obj/build-id.c"
srcs=$(ls objmodel/*.c kernel/*.c monitor/*.c tests/fuzz/fuzz_common.c "$out/obj/build-id.c")
# Compile the core once, two at a time, only what changed.
objs=()
todo=()
for s in $srcs; do
    o="$out/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"
    objs+=("$o")
    if [ ! -e "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find objmodel kernel monitor sdk tests/fuzz -name '*.h' -newer "$o" | head -1)" ]; then
        todo+=("$s:$o")
    fi
done
if [ ${#todo[@]} -gt 0 ]; then
    printf '%s\n' "${todo[@]}" | xargs -P2 -I{} sh -c \
        'src=${1%%:*}; obj=${1#*:}; shift; exec clang "$@" -fsanitize=fuzzer-no-link -c "$src" -o "$obj"' \
        _ {} "${cflags[@]}" "${san[@]}"
fi
for t in "${targets[@]}"; do
    clang "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer tests/fuzz/${t}_fuzz.c "${objs[@]}" \
        -o "$out/${t}_fuzz" "${libs[@]}"
    echo "built $out/${t}_fuzz"
done

# qcow2: the block library and the qcow2 driver compiled in, their module
# descriptors renamed (the target registers their types itself).
qobjs=()
for s in plugins/backends/block/*.c plugins/backends/block-qcow2/*.c; do
    case "$s" in
    plugins/backends/block/*) desc=fuzz_block_module ;;
    *) desc=fuzz_qcow2_module ;;
    esac
    o="$out/obj/qcow2_$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"
    clang "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer-no-link -Dtessera_module=$desc -c "$s" -o "$o"
    qobjs+=("$o")
done
clang "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer tests/fuzz/qcow2_fuzz.c "${objs[@]}" "${qobjs[@]}" \
    -o "$out/qcow2_fuzz" "${libs[@]}" -lz -lzstd
echo "built $out/qcow2_fuzz"

# nbd: the block library and the NBD server compiled in the same way.
nobjs=()
for s in plugins/backends/block/*.c plugins/backends/nbd-server/*.c; do
    case "$s" in
    plugins/backends/block/*) desc=fuzz_block_module ;;
    *) desc=fuzz_nbd_module ;;
    esac
    o="$out/obj/nbd_$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"
    clang "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer-no-link -Dtessera_module=$desc -c "$s" -o "$o"
    nobjs+=("$o")
done
clang "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer tests/fuzz/nbd_fuzz.c "${objs[@]}" "${nobjs[@]}" \
    -o "$out/nbd_fuzz" "${libs[@]}"
echo "built $out/nbd_fuzz"

# Device fuzzers: the tree with clang, then one executable per board.
[ -e plugins/accel/qtest/protocol.c ] || { echo "no qtest protocol: device fuzzers not built"; exit 0; }
# Every module exports its own `tessera_module` descriptor; clang's ASan calls
# that an ODR violation when several are loaded (they are never linked together).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:detect_odr_violation=0}
scons -Q -j2 CC="$PWD/tests/fuzz/fuzzcc" werror=0 sanitize=fuzzer-no-link,address,undefined \
    > "$out/scons-fuzzcc.log" 2>&1 || { tail -20 "$out/scons-fuzzcc.log"; exit 1; }
var=$PWD/build/debug-fuzzcc-san
python3 tests/fuzz/fuzz_boards.py | while read -r name board devices; do
    [ "$devices" != - ] || devices=
    clang "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer \
        -DFUZZ_BOARD="\"$board\"" -DFUZZ_DEVICES="\"$devices\"" \
        -DFUZZ_MODULE_DIR="\"$var/lib/tessera/modules\"" \
        tests/fuzz/device_fuzz.c tests/fuzz/fuzz_common.c plugins/accel/qtest/protocol.c \
        "$var/gen/build-id.os" -L"$var/lib" -ltessera -Wl,-rpath,"$var/lib" \
        -o "$out/${name}_fuzz" "${libs[@]}"
    echo "built $out/${name}_fuzz"
done
