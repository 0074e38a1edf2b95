#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run every libFuzzer target of tests/fuzz/ for a given time each, one after
# the other, at the lowest CPU priority (FUZZ_NICE, default 19; not part of CI;
# see docs/fuzzing.md).
#
#   bash scripts/fuzz.sh [--cpu] [SECONDS_PER_TARGET] [TARGET...]   (default 1800, all)
#
# SECONDS_PER_TARGET is wall-clock time, or with --cpu the CPU time (user +
# system) each target must use: on a loaded machine a nice-19 run gets only
# what others leave, so --cpu keeps restarting a target until it has had its
# share (this is how docs/fuzzing.md's "30 CPU minutes" are measured).
#
# Builds the targets (tests/fuzz/build.sh), then runs each on its growing
# corpus build/fuzz/work/<target> (seeded from tests/fuzz/corpus/<target>),
# with its dictionary when there is one.  When a target fails (crash,
# sanitizer report, leak, timeout, out-of-memory) its input is kept in
# build/fuzz/artifacts/<target>/ and the target is restarted for the rest of
# its time.  Prints one line per target: CPU seconds used, executions,
# findings; the log of every run is build/fuzz/logs/<target>-<start time>-N.log.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=wall
nice=${FUZZ_NICE:-19}
case "$nice" in ''|*[!0-9-]*) echo "fuzz.sh: FUZZ_NICE must be a number, not '$nice'" >&2; exit 2;; esac
if [ "${1:-}" = --cpu ]; then budget=cpu; shift; fi
secs=${1:-1800}
shift || true
case "$secs" in ''|*[!0-9]*) echo "fuzz.sh: SECONDS_PER_TARGET must be a number, not '$secs'" >&2; exit 2;; esac
bash tests/fuzz/build.sh
all=(options dtb loader hmp qmp qcow2 nbd gdb)
# The device fuzzers exist once the qtest protocol does (tests/fuzz/build.sh).
for d in $(python3 tests/fuzz/fuzz_boards.py | cut -d' ' -f1); do
    [ -x "build/fuzz/${d}_fuzz" ] && all+=("$d")
done
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
# Modules each export a `tessera_module` descriptor: not an ODR violation.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0}
command -v /usr/bin/time >/dev/null || { echo "fuzz.sh: /usr/bin/time is missing (package time)" >&2; exit 1; }
mkdir -p build/fuzz/logs
stamp=$(date +%Y%m%d-%H%M%S)
summary=()
for t in "${targets[@]}"; do
    [ -x "build/fuzz/${t}_fuzz" ] || { echo "fuzz.sh: no target '$t' (have: ${all[*]})" >&2; exit 2; }
    work=build/fuzz/work/$t art=build/fuzz/artifacts/$t
    mkdir -p "$work" "$art"
    dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
    cpu=0 execs=0 runs=0 fails=0
    start=$(date +%s)
    while :; do
        if [ "$budget" = cpu ]; then
            left=$((secs - cpu))
        else
            left=$((secs - ($(date +%s) - start)))
        fi
        [ "$left" -gt 5 ] || break
        runs=$((runs + 1))
        log=build/fuzz/logs/$t-$stamp-$runs.log
        set +e
        nice -n "$nice" /usr/bin/time -f 'cpu %U %S' -o "$log.time" \
            "build/fuzz/${t}_fuzz" "${dict[@]}" -max_total_time="$left" -max_len=4096 \
            -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" \
            "$work" "tests/fuzz/corpus/$t" > "$log" 2>&1
        rc=$?
        set -e
        c=$(awk '/^cpu/ {printf "%d", $2 + $3}' "$log.time")
        cpu=$((cpu + ${c:-0}))
        e=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
        execs=$((execs + ${e:-0}))
        if [ "$rc" -ne 0 ]; then
            echo "fuzz.sh: $t failed (exit $rc), see $log; restarting for the remaining time" >&2
            fails=$((fails + 1))
            [ "$fails" -lt 50 ] || break
        elif [ "$budget" = wall ]; then
            break
        fi
    done
    found=$(find "$art" -maxdepth 1 -type f | wc -l)
    line="$t: ${cpu} CPU s in $(($(date +%s) - start)) s, ${execs} executions, ${runs} run(s), ${found} finding(s) in $art"
    echo "fuzz.sh: $line" >&2
    summary+=("$line")
done
printf '%s\n' "${summary[@]}"
