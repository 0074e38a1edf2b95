#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's test command: set-up, build, objmodel coverage gate, whole
# test suite (its last line is Check's summary).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
scons -j"$(nproc)" mode=debug
scons -j"$(nproc)" coverage
scons -j"$(nproc)" mode=debug test
