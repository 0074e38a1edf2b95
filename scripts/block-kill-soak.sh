#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 11 acceptance line 3 as a soak run: kill -9 of Tessera while a
# riscv64 Linux guest writes fsynced records in a loop, ROUNDS times (default
# 20), each image checked with qemu-img check and against the records the
# guest saw fsynced.  The suite runs the same test with 3 rounds
# (tests/functional/test_block_guest.py, KillDuringFsync).
#
#   scripts/block-kill-soak.sh [ROUNDS]      (build/debug; TESSERA_BUILD_DIR for another)
set -e
cd "$(dirname "$0")/../tests/functional"
TESSERA_KILL_ROUNDS="${1:-20}" exec python3 -m unittest -v \
    test_block_guest.KillDuringFsync.test_kill_9_while_writing_with_fsync
