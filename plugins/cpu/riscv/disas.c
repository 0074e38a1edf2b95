/* SPDX-License-Identifier: MIT */
/*
 * RISC-V disassembler for -d in_asm: the mnemonic and operand template of
 * the matched insn.decode row; this file only names registers and CSRs.
 */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "plugins/cpu/riscv/cpu.h"
#include "plugins/cpu/riscv/decode.h"

static const char *const gpr_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
    "t5", "t6",
};

static const char *const fpr_names[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2",
    "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9",
    "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

/* Operand kinds of insn.decode's templates beyond the generic d/x/pc. */
static bool riscv_operand(const char *kind, int64_t v, char *buf, size_t size)
{
    if (!strcmp(kind, "gpr") && v >= 0 && v < 32) {
        snprintf(buf, size, "%s", gpr_names[v]);
    } else if (!strcmp(kind, "fpr") && v >= 0 && v < 32) {
        snprintf(buf, size, "%s", fpr_names[v]);
    } else if (!strcmp(kind, "csr")) {
        const char *name = riscv_csr_name((int)v);
        if (name) {
            snprintf(buf, size, "%s", name);
        } else {
            snprintf(buf, size, "0x%03" PRIx64, (uint64_t)v);
        }
    } else if (!strcmp(kind, "hi20")) {
        /* lui/auipc show the 20-bit immediate as written in assembly. */
        snprintf(buf, size, "0x%" PRIx64, ((uint64_t)v >> 12) & 0xfffff);
    } else {
        return false;
    }
    return true;
}

void riscv_disas(const RISCVInsn *insn, uint64_t pc, char *buf, size_t size)
{
    if (insn->row < 0) {
        snprintf(buf, size, "illegal 0x%0*" PRIx32, insn->len * 2, insn->raw);
        return;
    }
    riscv_disas_row(insn->row, &insn->args, pc, buf, size, riscv_operand);
}
