/* SPDX-License-Identifier: MIT */
/*
 * The cpu-riscv module's sources compiled into a unit test program, so the
 * tests can reach its internal (static-free) interfaces without loading the
 * module.  The module links no engine symbol, so neither does the test.
 */
#ifndef TESSERA_TEST_RISCV_ALL_H
#define TESSERA_TEST_RISCV_ALL_H

#include "plugins/cpu/riscv/cpu.c"
#include "plugins/cpu/riscv/csr.c"
#include "plugins/cpu/riscv/decode.c"
#include "plugins/cpu/riscv/disas.c"
#include "plugins/cpu/riscv/fpu.c"
#include "plugins/cpu/riscv/gdbstub.c"
#include "plugins/cpu/riscv/helper.c"
#include "plugins/cpu/riscv/mmu.c"
#include "plugins/cpu/riscv/tcg.c"
#include "plugins/cpu/riscv/translate.c"
#include "plugins/cpu/riscv/trigger.c"

#endif
