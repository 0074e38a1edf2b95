/* SPDX-License-Identifier: MIT */
/*
 * RISC-V decoding outside the translator (disassembly, tests): the
 * generated lookup over the table in insn.decode (docs/decoder.md).
 */
#ifndef TESSERA_RISCV_DECODE_H
#define TESSERA_RISCV_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/cpu/riscv/insn.decode.h"

/* One decoded instruction. */
typedef struct RISCVInsn {
    int row;           /* RISCV_ROW_*, or -1 when illegal */
    uint32_t raw;      /* the 16 or 32 instruction bits */
    uint8_t len;       /* 2 or 4 (longer encodings: 4, illegal) */
    riscv_args args;   /* operands, in the row's args member */
} RISCVInsn;

/* Instruction length from the low 16 bits (2 or 4; other lengths: 0). */
static inline int riscv_insn_length(uint16_t low)
{
    if ((low & 3) != 3) {
        return 2;
    }
    return (low & 0x1c) != 0x1c ? 4 : 0;
}

/*
 * Decode @raw (a 16-bit parcel in the low half when compressed) for a CPU
 * with extensions @ext (RISCV_EXT_*).  Unknown, reserved or disabled
 * encodings give row -1.
 */
void riscv_decode(uint32_t raw, uint32_t ext, RISCVInsn *insn);

/* Operand @name ("rd", "imm"...) of a decoded instruction; false if its row has none. */
bool riscv_insn_operand(const RISCVInsn *insn, const char *name, int64_t *value);

/* Disassemble into @buf ("addi a0, a0, 1"). */
void riscv_disas(const RISCVInsn *insn, uint64_t pc, char *buf, size_t size);

#endif
