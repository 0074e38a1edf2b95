#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's test command: set-up, build, whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
scons -j"$(nproc)" mode=debug
scons -j"$(nproc)" mode=debug test
