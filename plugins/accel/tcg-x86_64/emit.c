/* SPDX-License-Identifier: MIT */
/* x86-64 instruction encoding for the code generator (see xgen.h). */
#include "plugins/accel/tcg-x86_64/xgen.h"

/* ---- byte emission --------------------------------------------------------- */

/* Room for @n more bytes (GByteArray appends one byte at a time are slow:
 * grow by doubling, write in place, fix the length up). */
G_GNUC_INTERNAL uint8_t *xg_room(XGen *g, unsigned n)
{
    GByteArray *b = g->buf;
    if (G_UNLIKELY(g->cap < b->len + n)) {
        unsigned len = b->len;
        g->cap = MAX(g->cap * 2, len + n + 256);
        g_byte_array_set_size(b, g->cap);
        g_byte_array_set_size(b, len);
    }
    uint8_t *p = b->data + b->len;
    b->len += n;
    return p;
}

G_GNUC_INTERNAL void xg_b(XGen *g, uint8_t x)
{
    *xg_room(g, 1) = x;
}

G_GNUC_INTERNAL void xg_b4(XGen *g, uint32_t x)
{
    memcpy(xg_room(g, 4), &x, 4);
}

G_GNUC_INTERNAL void xg_b8(XGen *g, uint64_t x)
{
    memcpy(xg_room(g, 8), &x, 8);
}

G_GNUC_INTERNAL unsigned xg_pos(XGen *g)
{
    return g->buf->len;
}

/* Prefix, REX and opcode bytes. */
G_GNUC_INTERNAL void xg_opcode(XGen *g, unsigned opc, bool w, int reg, int index, int rm)
{
    if (opc & P_66) {
        xg_b(g, 0x66);
    }
    if (opc & P_F3) {
        xg_b(g, 0xf3);
    }
    uint8_t rex = (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) | ((rm & 8) ? 1 : 0);
    if (rex) {
        xg_b(g, 0x40 | rex);
    }
    if (opc & P_0F) {
        xg_b(g, 0x0f);
    }
    xg_b(g, opc & 0xff);
}

/* op reg, rm (register direct). */
G_GNUC_INTERNAL void xg_rr(XGen *g, unsigned opc, bool w, int reg, int rm)
{
    xg_opcode(g, opc, w, reg, 0, rm);
    xg_b(g, 0xc0 | ((reg & 7) << 3) | (rm & 7));
}

/* op reg, [base + disp]. */
G_GNUC_INTERNAL void xg_rm(XGen *g, unsigned opc, bool w, int reg, int base, int32_t disp)
{
    xg_opcode(g, opc, w, reg, 0, base);
    uint8_t r = (reg & 7) << 3;
    if (disp == 0 && (base & 7) != RBP) {
        xg_b(g, 0x00 | r | (base & 7));
        if ((base & 7) == RSP) {
            xg_b(g, 0x24);
        }
    } else if (disp >= -128 && disp <= 127) {
        xg_b(g, 0x40 | r | (base & 7));
        if ((base & 7) == RSP) {
            xg_b(g, 0x24);
        }
        xg_b(g, (uint8_t)disp);
    } else {
        xg_b(g, 0x80 | r | (base & 7));
        if ((base & 7) == RSP) {
            xg_b(g, 0x24);
        }
        xg_b4(g, (uint32_t)disp);
    }
}

/* op reg, [base + index] (index not rsp). */
G_GNUC_INTERNAL void xg_rm_idx(XGen *g, unsigned opc, bool w, int reg, int base, int index)
{
    g_assert((index & 7) != RSP || index == R12);
    xg_opcode(g, opc, w, reg, index, base);
    uint8_t r = (reg & 7) << 3;
    uint8_t sib = (uint8_t)(((index & 7) << 3) | (base & 7));
    if ((base & 7) == RBP) {
        xg_b(g, 0x44 | r);                  /* [base + index + disp8 0] */
        xg_b(g, sib);
        xg_b(g, 0);
    } else {
        xg_b(g, 0x04 | r);
        xg_b(g, sib);
    }
}

/* reg = imm (full 64-bit value when @w, else 32 bits zero-extended). */
G_GNUC_INTERNAL void xg_movi(XGen *g, bool w, int reg, uint64_t imm)
{
    if (!w || imm <= UINT32_MAX) {
        xg_opcode(g, 0xb8 + (reg & 7), false, 0, 0, reg);
        xg_b4(g, (uint32_t)imm);
    } else if ((int64_t)imm == (int32_t)imm) {
        xg_rr(g, 0xc7, true, 0, reg);
        xg_b4(g, (uint32_t)imm);
    } else {
        xg_opcode(g, 0xb8 + (reg & 7), true, 0, 0, reg);
        xg_b8(g, imm);
    }
}

/* Arithmetic with a sign-extended 32-bit immediate on a register. */
G_GNUC_INTERNAL void xg_arith_ri(XGen *g, int ar, bool w, int reg, int32_t imm)
{
    if (imm >= -128 && imm <= 127) {
        xg_rr(g, 0x83, w, ar, reg);
        xg_b(g, (uint8_t)imm);
    } else {
        xg_rr(g, 0x81, w, ar, reg);
        xg_b4(g, (uint32_t)imm);
    }
}

G_GNUC_INTERNAL void xg_shift_ri(XGen *g, int sh, bool w, int reg, unsigned count)
{
    xg_rr(g, 0xc1, w, sh, reg);
    xg_b(g, (uint8_t)count);
}

G_GNUC_INTERNAL void xg_mov_rr(XGen *g, bool w, int dst, int src)
{
    xg_rr(g, 0x89, w, src, dst);
}

/* Jumps with a rel32 to patch: returns the position of the rel32. */
G_GNUC_INTERNAL unsigned xg_jcc(XGen *g, int cc)
{
    xg_b(g, 0x0f);
    xg_b(g, 0x80 + cc);
    unsigned at = xg_pos(g);
    xg_b4(g, 0);
    return at;
}

G_GNUC_INTERNAL unsigned xg_jmp(XGen *g)
{
    xg_b(g, 0xe9);
    unsigned at = xg_pos(g);
    xg_b4(g, 0);
    return at;
}

/* Point the rel32 at @at to the current position. */
G_GNUC_INTERNAL void xg_patch_here(XGen *g, unsigned at)
{
    int32_t rel = (int32_t)(xg_pos(g) - (at + 4));
    memcpy(g->buf->data + at, &rel, 4);
}

G_GNUC_INTERNAL void xg_call_abs(XGen *g, const void *fn)
{
    xg_movi(g, true, RAX, (uint64_t)(uintptr_t)fn);
    xg_rr(g, 0xff, false, 2, RAX);
}

/* call [base + disp] */
G_GNUC_INTERNAL void xg_call_mem(XGen *g, int base, int32_t disp)
{
    xg_rm(g, 0xff, false, 2, base, disp);
}

G_GNUC_INTERNAL void xg_epilogue(XGen *g)
{
    xg_arith_ri(g, AR_ADD, true, RSP, 8);
    static const int regs[] = { R15, R14, R13, R12, RBX, RBP };
    for (unsigned i = 0; i < G_N_ELEMENTS(regs); i++) {
        if (regs[i] & 8) {
            xg_b(g, 0x41);
        }
        xg_b(g, 0x58 + (regs[i] & 7));
    }
    xg_b(g, 0xc3);
}

/* Leave through exit slot @slot (-1: none): *exit_slot = slot, return tb. */
G_GNUC_INTERNAL void xg_exit(XGen *g, int slot)
{
    xg_rm(g, 0xc7, false, 0, R_EXITP, 0);
    xg_b4(g, (uint32_t)slot);
    xg_mov_rr(g, true, RAX, R_TB);
    xg_epilogue(g);
}
