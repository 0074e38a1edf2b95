/* SPDX-License-Identifier: MIT */
/* The riscv-board library module: exports riscv-board.h to the boards. */
#include "kernel/module.h"

static const TesseraTypeDesc riscv_board_types[] = {
    { .name = NULL },
};

TESSERA_MODULE(.name = "riscv-board", .kind = "library", .types = riscv_board_types);
