/* SPDX-License-Identifier: MIT */
/* The riscv-board library module: exports riscv-board.h to the boards. */
#include "kernel/module.h"

TESSERA_MODULE(.name = "riscv-board", .kind = "library", .types = TESSERA_NO_TYPES);
