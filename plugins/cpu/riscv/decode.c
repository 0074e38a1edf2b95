/* SPDX-License-Identifier: MIT */
/*
 * RISC-V decoder: the table from insn.def plus operand extraction per
 * format.  Decoding happens once per translated instruction, so a linear
 * scan of the table is fast enough and keeps the table the only source.
 */
#include "plugins/cpu/riscv/decode.h"

#include <string.h>

#include "plugins/cpu/riscv/cpu.h"

const RISCVInsnDesc riscv_insn_table[RISCV_OP_COUNT] = {
#define RISCV_INSN(id, nm, msk, mtc, emsk, emtc, ex, fm, bs)                         \
    [RISCV_OP_##id] = { .name = (nm), .mask = (msk), .match = (mtc),                 \
                        .excl_mask = (emsk), .excl_match = (emtc), .ext = (ex),      \
                        .fmt = (fm), .base = RISCV_OP_##bs },
#include "plugins/cpu/riscv/insn.def"
#undef RISCV_INSN
};

static inline uint32_t bits(uint32_t w, int hi, int lo)
{
    return (w >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline int64_t sext(uint64_t v, int width)
{
    return (int64_t)(v << (64 - width)) >> (64 - width);
}

/* Compressed register fields rd'/rs1'/rs2' name x8..x15. */
static inline uint8_t creg(uint32_t w, int lo)
{
    return 8 + bits(w, lo + 2, lo);
}

static void extract_32(RISCVInsn *insn, RISCVFormat fmt)
{
    uint32_t w = insn->raw;
    insn->rd = bits(w, 11, 7);
    insn->rs1 = bits(w, 19, 15);
    insn->rs2 = bits(w, 24, 20);
    insn->rs3 = bits(w, 31, 27);
    insn->rm = bits(w, 14, 12);
    switch (fmt) {
    case FMT_I:
        insn->imm = sext(bits(w, 31, 20), 12);
        break;
    case FMT_S:
        insn->imm = sext((bits(w, 31, 25) << 5) | bits(w, 11, 7), 12);
        break;
    case FMT_B:
        insn->imm = sext((bits(w, 31, 31) << 12) | (bits(w, 7, 7) << 11) |
                         (bits(w, 30, 25) << 5) | (bits(w, 11, 8) << 1), 13);
        break;
    case FMT_U:
        insn->imm = sext(w & 0xfffff000u, 32);
        break;
    case FMT_J:
        insn->imm = sext((bits(w, 31, 31) << 20) | (bits(w, 19, 12) << 12) |
                         (bits(w, 20, 20) << 11) | (bits(w, 30, 21) << 1), 21);
        break;
    case FMT_SH6:
        insn->imm = bits(w, 25, 20);
        break;
    case FMT_SH5:
        insn->imm = bits(w, 24, 20);
        break;
    case FMT_CSR:
        insn->csr = bits(w, 31, 20);
        insn->imm = insn->rs1;   /* the uimm of csrr*i */
        break;
    default:
        insn->imm = 0;
        break;
    }
}

static void extract_16(RISCVInsn *insn, RISCVFormat fmt)
{
    uint32_t w = insn->raw;
    uint8_t r = bits(w, 11, 7);
    uint8_t r2 = bits(w, 6, 2);
    int64_t imm6 = sext((bits(w, 12, 12) << 5) | bits(w, 6, 2), 6);
    uint32_t shamt = (bits(w, 12, 12) << 5) | bits(w, 6, 2);

    insn->rd = insn->rs1 = insn->rs2 = insn->rs3 = 0;
    insn->rm = 0;
    insn->imm = 0;
    switch (fmt) {
    case FMT_C_ADDI4SPN:
        insn->rd = creg(w, 2);
        insn->rs1 = 2;
        insn->imm = (bits(w, 12, 11) << 4) | (bits(w, 10, 7) << 6) | (bits(w, 6, 6) << 2) |
                    (bits(w, 5, 5) << 3);
        break;
    case FMT_C_LW:
    case FMT_C_SW:
        insn->rd = insn->rs2 = creg(w, 2);
        insn->rs1 = creg(w, 7);
        insn->imm = (bits(w, 12, 10) << 3) | (bits(w, 6, 6) << 2) | (bits(w, 5, 5) << 6);
        break;
    case FMT_C_LD:
    case FMT_C_SD:
        insn->rd = insn->rs2 = creg(w, 2);
        insn->rs1 = creg(w, 7);
        insn->imm = (bits(w, 12, 10) << 3) | (bits(w, 6, 5) << 6);
        break;
    case FMT_C_ADDI:
        insn->rd = insn->rs1 = r;
        insn->imm = imm6;
        break;
    case FMT_C_LI:
        insn->rd = r;
        insn->imm = imm6;
        break;
    case FMT_C_ADDI16SP:
        insn->rd = insn->rs1 = 2;
        insn->imm = sext((bits(w, 12, 12) << 9) | (bits(w, 6, 6) << 4) | (bits(w, 5, 5) << 6) |
                         (bits(w, 4, 3) << 7) | (bits(w, 2, 2) << 5), 10);
        break;
    case FMT_C_LUI:
        insn->rd = r;
        insn->imm = sext((bits(w, 12, 12) << 17) | (bits(w, 6, 2) << 12), 18);
        break;
    case FMT_C_SHIFT:
        insn->rd = insn->rs1 = creg(w, 7);
        insn->imm = shamt;
        break;
    case FMT_C_ANDI:
        insn->rd = insn->rs1 = creg(w, 7);
        insn->imm = imm6;
        break;
    case FMT_C_ARITH:
        insn->rd = insn->rs1 = creg(w, 7);
        insn->rs2 = creg(w, 2);
        break;
    case FMT_C_J:
        insn->rd = 0;
        insn->imm = sext((bits(w, 12, 12) << 11) | (bits(w, 11, 11) << 4) |
                         (bits(w, 10, 9) << 8) | (bits(w, 8, 8) << 10) | (bits(w, 7, 7) << 6) |
                         (bits(w, 6, 6) << 7) | (bits(w, 5, 3) << 1) | (bits(w, 2, 2) << 5), 12);
        break;
    case FMT_C_BRANCH:
        insn->rs1 = creg(w, 7);
        insn->rs2 = 0;
        insn->imm = sext((bits(w, 12, 12) << 8) | (bits(w, 11, 10) << 3) |
                         (bits(w, 6, 5) << 6) | (bits(w, 4, 3) << 1) | (bits(w, 2, 2) << 5), 9);
        break;
    case FMT_C_SLLI:
        insn->rd = insn->rs1 = r;
        insn->imm = shamt;
        break;
    case FMT_C_LWSP:
        insn->rd = r;
        insn->rs1 = 2;
        insn->imm = (bits(w, 12, 12) << 5) | (bits(w, 6, 4) << 2) | (bits(w, 3, 2) << 6);
        break;
    case FMT_C_LDSP:
        insn->rd = r;
        insn->rs1 = 2;
        insn->imm = (bits(w, 12, 12) << 5) | (bits(w, 6, 5) << 3) | (bits(w, 4, 2) << 6);
        break;
    case FMT_C_JR:
        insn->rd = 0;
        insn->rs1 = r;
        break;
    case FMT_C_MV:
        insn->rd = r;
        insn->rs1 = 0;
        insn->rs2 = r2;
        break;
    case FMT_C_JALR:
        insn->rd = 1;
        insn->rs1 = r;
        break;
    case FMT_C_ADD:
        insn->rd = insn->rs1 = r;
        insn->rs2 = r2;
        break;
    case FMT_C_SWSP:
        insn->rs1 = 2;
        insn->rs2 = r2;
        insn->imm = (bits(w, 12, 9) << 2) | (bits(w, 8, 7) << 6);
        break;
    case FMT_C_SDSP:
        insn->rs1 = 2;
        insn->rs2 = r2;
        insn->imm = (bits(w, 12, 10) << 3) | (bits(w, 9, 7) << 6);
        break;
    default:
        break;
    }
    /* Compressed FP/integer ops behave like their base form with rm=0
     * except loads/stores, whose width is in the base row. */
}

void riscv_decode(uint32_t raw, uint32_t ext, RISCVInsn *insn)
{
    memset(insn, 0, sizeof(*insn));
    int len = riscv_insn_length(raw & 0xffff);
    insn->row = insn->op = RISCV_OP_ILLEGAL;
    insn->len = len ? len : 4;
    insn->raw = len == 2 ? (raw & 0xffff) : raw;
    if (!len) {
        return;
    }
    for (int i = 0; i < RISCV_OP_COUNT; i++) {
        const RISCVInsnDesc *d = &riscv_insn_table[i];
        if (!riscv_insn_matches(d, insn->raw)) {
            continue;
        }
        if ((d->ext & ext) != d->ext) {
            return;   /* the row exists but its extension is off */
        }
        insn->row = i;
        insn->op = d->base;
        if (len == 2) {
            extract_16(insn, d->fmt);
        } else {
            extract_32(insn, d->fmt);
        }
        return;
    }
}
