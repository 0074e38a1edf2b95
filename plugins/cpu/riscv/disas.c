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

/* Operand kinds of insn.decode's templates beyond the generic d/x/pc. */
static bool riscv_operand(const char *kind, int64_t v, char *buf, size_t size)
{
    if (!strcmp(kind, "gpr") && v >= 0 && v < 32) {
        snprintf(buf, size, "%s", riscv_gpr_names[v]);
    } else if (!strcmp(kind, "fpr") && v >= 0 && v < 32) {
        snprintf(buf, size, "%s", riscv_fpr_names[v]);
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
