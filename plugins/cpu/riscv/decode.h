/* SPDX-License-Identifier: MIT */
/*
 * Instruction decoding driven by the table in insn.def.
 */
#ifndef TESSERA_RISCV_DECODE_H
#define TESSERA_RISCV_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Operand extraction layouts. */
typedef enum {
    FMT_NONE,
    FMT_R,      /* rd, rs1, rs2 (and funct3 as rm) */
    FMT_R4,     /* rd, rs1, rs2, rs3, rm */
    FMT_I,
    FMT_S,
    FMT_B,
    FMT_U,
    FMT_J,
    FMT_SH6,    /* rd, rs1, shamt[5:0] */
    FMT_SH5,    /* rd, rs1, shamt[4:0] */
    FMT_CSR,    /* rd, rs1 (or uimm), csr */
    FMT_C_ADDI4SPN,
    FMT_C_LW,
    FMT_C_LD,
    FMT_C_SW,
    FMT_C_SD,
    FMT_C_ADDI,
    FMT_C_LI,
    FMT_C_ADDI16SP,
    FMT_C_LUI,
    FMT_C_SHIFT,
    FMT_C_ANDI,
    FMT_C_ARITH,
    FMT_C_J,
    FMT_C_BRANCH,
    FMT_C_SLLI,
    FMT_C_LWSP,
    FMT_C_LDSP,
    FMT_C_JR,
    FMT_C_MV,
    FMT_C_JALR,
    FMT_C_ADD,
    FMT_C_SWSP,
    FMT_C_SDSP,
} RISCVFormat;

/* One enumerator per table row: RISCV_OP_<id>. */
typedef enum {
#define RISCV_INSN(id, name, mask, match, emask, ematch, ext, fmt, base) RISCV_OP_##id,
#include "plugins/cpu/riscv/insn.def"
#undef RISCV_INSN
    RISCV_OP_COUNT,
    RISCV_OP_ILLEGAL = RISCV_OP_COUNT,
} RISCVOp;

typedef struct RISCVInsnDesc {
    const char *name;
    uint32_t mask;
    uint32_t match;
    uint32_t excl_mask;
    uint32_t excl_match;
    uint32_t ext;
    RISCVFormat fmt;
    RISCVOp base;
} RISCVInsnDesc;

extern const RISCVInsnDesc riscv_insn_table[RISCV_OP_COUNT];

typedef struct RISCVInsn {
    RISCVOp row;       /* matched table row (names the encoding) */
    RISCVOp op;        /* row whose semantics apply (base of row) */
    uint32_t raw;
    uint8_t len;       /* 2 or 4 */
    uint8_t rd, rs1, rs2, rs3;
    uint8_t rm;        /* funct3: rounding mode, branch/width kind */
    uint16_t csr;
    int64_t imm;
} RISCVInsn;

/* Instruction length from the low 16 bits (2 or 4; other lengths: 0). */
static inline int riscv_insn_length(uint16_t low)
{
    if ((low & 3) != 3) {
        return 2;
    }
    return (low & 0x1c) != 0x1c ? 4 : 0;
}

/* Whether @w matches row @d (mask/match and exclusion). */
static inline bool riscv_insn_matches(const RISCVInsnDesc *d, uint32_t w)
{
    if ((w & d->mask) != d->match) {
        return false;
    }
    return !(d->excl_mask && (w & d->excl_mask) == d->excl_match);
}

/*
 * Decode @raw (a 16-bit parcel in the low half when compressed) for a CPU
 * with extensions @ext.  Unknown or disabled encodings give
 * op == RISCV_OP_ILLEGAL.
 */
void riscv_decode(uint32_t raw, uint32_t ext, RISCVInsn *insn);

/* Disassemble into @buf ("addi a0, a0, 1"). */
void riscv_disas(const RISCVInsn *insn, uint64_t pc, char *buf, size_t size);

#endif
