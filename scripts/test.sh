#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's test command: set-up, build, objmodel coverage gate, the
# whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer
# (unit, device, fuzz-regression replays, functional and guest tests; a
# memory error or undefined behaviour fails it), then the whole suite on
# the plain build (its last line is Check's summary).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
scons -j"$(nproc)" mode=debug
scons -j"$(nproc)" coverage
scons -j"$(nproc)" mode=debug sanitize=address,undefined test
scons -j"$(nproc)" mode=debug test
