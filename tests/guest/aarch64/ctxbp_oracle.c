/* SPDX-License-Identifier: MIT */
/* ctxbp.c's cases that QEMU 7.2 implements too: run on both emulators. */
#define ORACLE_SUBSET 1
#include "ctxbp.c"
