/* SPDX-License-Identifier: MIT */
/*
 * RISC-V decoding for the disassembler and tests: the two generated
 * lookups (32-bit and compressed) of insn.decode.  The translator calls the
 * generated dispatch functions instead (translate.c).
 */
#include "plugins/cpu/riscv/decode.h"

#include <string.h>

void riscv_decode(uint32_t raw, uint32_t ext, RISCVInsn *insn)
{
    memset(insn, 0, sizeof(*insn));
    int len = riscv_insn_length(raw & 0xffff);
    insn->row = -1;
    insn->len = len == 2 ? 2 : 4;
    insn->raw = len == 2 ? (raw & 0xffff) : raw;
    if (len == 2) {
        insn->row = riscv_insn16_lookup(insn->raw, ext, &insn->args);
    } else if (len == 4) {
        insn->row = riscv_insn32_lookup(insn->raw, ext, &insn->args);
    }
}

bool riscv_insn_operand(const RISCVInsn *insn, const char *name, int64_t *value)
{
    if (insn->row < 0) {
        return false;
    }
    const char *const *m = riscv_rows[insn->row].members;
    for (int i = 0; m[i]; i++) {
        if (!strcmp(m[i], name)) {
            *value = insn->args.raw[i];
            return true;
        }
    }
    return false;
}
