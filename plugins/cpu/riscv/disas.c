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

/* CPUClass.disas_insn: the monitor's x/i. */
unsigned riscv_cpu_disas_insn(CPUState *cs, uint64_t pc, const uint8_t *buf, size_t len,
                              GString *out)
{
    if (len < 2) {
        return 0;
    }
    uint32_t raw = buf[0] | (uint32_t)buf[1] << 8;
    int ilen = riscv_insn_length((uint16_t)raw);
    unsigned n = ilen == 2 ? 2 : 4;   /* longer encodings: shown as illegal, 4 bytes */
    if (len < n) {
        return 0;
    }
    if (n == 4) {
        raw |= (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24;
    }
    RISCVInsn insn;
    char text[96];
    riscv_decode(raw, RISCV_CPU(cs)->ext, &insn);
    riscv_disas(&insn, pc, text, sizeof(text));
    g_string_append(out, text);
    return n;
}
