/* SPDX-License-Identifier: MIT */
/*
 * RISC-V disassembler for -d in_asm: the mnemonic from the instruction
 * table and the operands laid out by the base row's format.
 */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "plugins/cpu/riscv/cpu.h"
#include "plugins/cpu/riscv/decode.h"

#define gpr_names riscv_gpr_names
#define fpr_names riscv_fpr_names

static bool is_fp_op(const char *name)
{
    return name[0] == 'f' && strncmp(name, "fence", 5) != 0;
}

/* Which operands of an F/D row name integer registers. */
static bool fp_rd_is_int(const char *n)
{
    return g_str_has_prefix(n, "fcvt.w") || g_str_has_prefix(n, "fcvt.l") ||
           g_str_has_prefix(n, "fmv.x") || g_str_has_prefix(n, "fclass") ||
           g_str_has_prefix(n, "feq") || g_str_has_prefix(n, "flt") ||
           g_str_has_prefix(n, "fle");
}

static bool fp_rs1_is_int(const char *n)
{
    return (g_str_has_prefix(n, "fcvt.s.") || g_str_has_prefix(n, "fcvt.d.")) ?
               (strchr("wl", n[7]) != NULL) :
               (g_str_has_suffix(n, ".x") || !strcmp(n, "flw") || !strcmp(n, "fld") ||
                !strcmp(n, "fsw") || !strcmp(n, "fsd"));
}

void riscv_disas(const RISCVInsn *insn, uint64_t pc, char *buf, size_t size)
{
    if (insn->op == RISCV_OP_ILLEGAL) {
        snprintf(buf, size, "illegal 0x%0*" PRIx32, insn->len * 2, insn->raw);
        return;
    }
    const RISCVInsnDesc *row = &riscv_insn_table[insn->row];
    const RISCVInsnDesc *base = &riscv_insn_table[insn->op];
    const char *bn = base->name;
    bool fp = is_fp_op(bn);
    const char *rd = fp && !fp_rd_is_int(bn) ? fpr_names[insn->rd] : gpr_names[insn->rd];
    const char *rs1 = fp && !fp_rs1_is_int(bn) ? fpr_names[insn->rs1] : gpr_names[insn->rs1];
    const char *rs2 = fp ? fpr_names[insn->rs2] : gpr_names[insn->rs2];
    const char *rs3 = fpr_names[insn->rs3];
    const char *m = row->name;
    bool unary = (base->mask & 0x01f00000u) == 0x01f00000u;  /* rs2 field fixed */

    switch (base->fmt) {
    case FMT_NONE:
        snprintf(buf, size, "%s", m);
        break;
    case FMT_R:
        if (insn->op == RISCV_OP_SFENCE_VMA) {
            snprintf(buf, size, "%s %s, %s", m, gpr_names[insn->rs1], gpr_names[insn->rs2]);
        } else if (insn->op == RISCV_OP_LR_W || insn->op == RISCV_OP_LR_D) {
            snprintf(buf, size, "%s %s, (%s)", m, rd, rs1);
        } else if (insn->op >= RISCV_OP_SC_W && insn->op <= RISCV_OP_AMOMAXU_D) {
            snprintf(buf, size, "%s %s, %s, (%s)", m, rd, rs2, rs1);
        } else if (unary) {
            snprintf(buf, size, "%s %s, %s", m, rd, rs1);
        } else {
            snprintf(buf, size, "%s %s, %s, %s", m, rd, rs1, rs2);
        }
        break;
    case FMT_R4:
        snprintf(buf, size, "%s %s, %s, %s, %s", m, rd, rs1, rs2, rs3);
        break;
    case FMT_I:
        if (insn->op == RISCV_OP_FENCE || insn->op == RISCV_OP_FENCE_I) {
            snprintf(buf, size, "%s", m);
        } else if (insn->op == RISCV_OP_JALR || (base->match & 0x7f) == 0x03 ||
                   (base->match & 0x7f) == 0x07) {
            snprintf(buf, size, "%s %s, %" PRId64 "(%s)", m, rd, insn->imm,
                     gpr_names[insn->rs1]);
        } else {
            snprintf(buf, size, "%s %s, %s, %" PRId64, m, rd, rs1, insn->imm);
        }
        break;
    case FMT_S:
        snprintf(buf, size, "%s %s, %" PRId64 "(%s)", m, rs2, insn->imm, gpr_names[insn->rs1]);
        break;
    case FMT_B:
        snprintf(buf, size, "%s %s, %s, 0x%" PRIx64, m, gpr_names[insn->rs1],
                 gpr_names[insn->rs2], pc + insn->imm);
        break;
    case FMT_U:
        snprintf(buf, size, "%s %s, 0x%" PRIx64, m, rd, ((uint64_t)insn->imm >> 12) & 0xfffff);
        break;
    case FMT_J:
        snprintf(buf, size, "%s %s, 0x%" PRIx64, m, rd, pc + insn->imm);
        break;
    case FMT_SH6:
    case FMT_SH5:
        snprintf(buf, size, "%s %s, %s, %" PRId64, m, rd, rs1, insn->imm);
        break;
    case FMT_CSR: {
        const char *cn = riscv_csr_name(insn->csr);
        char num[8];
        if (!cn) {
            snprintf(num, sizeof(num), "0x%03x", insn->csr);
            cn = num;
        }
        if (insn->op >= RISCV_OP_CSRRWI) {
            snprintf(buf, size, "%s %s, %s, %u", m, rd, cn, insn->rs1);
        } else {
            snprintf(buf, size, "%s %s, %s, %s", m, rd, cn, rs1);
        }
        break;
    }
    default:
        snprintf(buf, size, "%s", m);
        break;
    }
}
