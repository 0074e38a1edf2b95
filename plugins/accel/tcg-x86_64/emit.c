/* SPDX-License-Identifier: MIT */
/* x86-64 instruction encoding for the code generator (see xgen.h). */
#include "plugins/accel/tcg-x86_64/xgen.h"

/* ---- byte emission --------------------------------------------------------- */

/* At least @n more bytes of room (see xg_room). */
G_GNUC_INTERNAL void xg_grow(XGen *g, unsigned n)
{
    g->cap = MAX(g->cap * 2, g->len + n + 1024);
    g->code = g_realloc(g->code, g->cap);
}

/* The instruction writers below put bytes at @p and return the new end. */

/* Prefix, REX and opcode bytes. */
static uint8_t *put_opcode(uint8_t *p, unsigned opc, bool w, int reg, int index, int rm)
{
    if (opc & P_66) {
        *p++ = 0x66;
    }
    if (opc & P_F3) {
        *p++ = 0xf3;
    }
    uint8_t rex = (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) | ((rm & 8) ? 1 : 0);
    if (rex) {
        *p++ = 0x40 | rex;
    }
    if (opc & P_0F) {
        *p++ = 0x0f;
    }
    *p++ = opc & 0xff;
    return p;
}

/* ModRM (and SIB, displacement) of [base + disp]. */
static uint8_t *put_mem(uint8_t *p, int reg, int base, int32_t disp)
{
    uint8_t r = (reg & 7) << 3;
    uint8_t mod = disp == 0 && (base & 7) != RBP ? 0x00 :
                  disp >= -128 && disp <= 127 ? 0x40 : 0x80;
    *p++ = mod | r | (base & 7);
    if ((base & 7) == RSP) {
        *p++ = 0x24;
    }
    if (mod == 0x40) {
        *p++ = (uint8_t)disp;
    } else if (mod == 0x80) {
        memcpy(p, &disp, 4);
        p += 4;
    }
    return p;
}

static uint8_t *put_imm32(uint8_t *p, uint32_t imm)
{
    memcpy(p, &imm, 4);
    return p + 4;
}

/* op reg, rm (register direct). */
static uint8_t *put_rr(uint8_t *p, unsigned opc, bool w, int reg, int rm)
{
    p = put_opcode(p, opc, w, reg, 0, rm);
    *p++ = 0xc0 | ((reg & 7) << 3) | (rm & 7);
    return p;
}

G_GNUC_INTERNAL void xg_opcode(XGen *g, unsigned opc, bool w, int reg, int index, int rm)
{
    xg_end(g, put_opcode(xg_room(g, XG_MAX_INSN), opc, w, reg, index, rm));
}

G_GNUC_INTERNAL void xg_rr(XGen *g, unsigned opc, bool w, int reg, int rm)
{
    xg_end(g, put_rr(xg_room(g, XG_MAX_INSN), opc, w, reg, rm));
}

/* op reg, [base + disp]. */
G_GNUC_INTERNAL void xg_rm(XGen *g, unsigned opc, bool w, int reg, int base, int32_t disp)
{
    uint8_t *p = put_opcode(xg_room(g, XG_MAX_INSN), opc, w, reg, 0, base);
    xg_end(g, put_mem(p, reg, base, disp));
}

/* op reg, [base + index] (index not rsp). */
G_GNUC_INTERNAL void xg_rm_idx(XGen *g, unsigned opc, bool w, int reg, int base, int index)
{
    g_assert((index & 7) != RSP || index == R12);
    uint8_t *p = put_opcode(xg_room(g, XG_MAX_INSN), opc, w, reg, index, base);
    uint8_t r = (reg & 7) << 3;
    uint8_t sib = (uint8_t)(((index & 7) << 3) | (base & 7));
    if ((base & 7) == RBP) {
        *p++ = 0x44 | r;                     /* [base + index + disp8 0] */
        *p++ = sib;
        *p++ = 0;
    } else {
        *p++ = 0x04 | r;
        *p++ = sib;
    }
    xg_end(g, p);
}

/* reg = imm (full 64-bit value when @w, else 32 bits zero-extended). */
G_GNUC_INTERNAL void xg_movi(XGen *g, bool w, int reg, uint64_t imm)
{
    uint8_t *p = xg_room(g, XG_MAX_INSN);
    if (!w || imm <= UINT32_MAX) {
        p = put_opcode(p, 0xb8 + (reg & 7), false, 0, 0, reg);
        p = put_imm32(p, (uint32_t)imm);
    } else if ((int64_t)imm == (int32_t)imm) {
        p = put_rr(p, 0xc7, true, 0, reg);
        p = put_imm32(p, (uint32_t)imm);
    } else {
        p = put_opcode(p, 0xb8 + (reg & 7), true, 0, 0, reg);
        memcpy(p, &imm, 8);
        p += 8;
    }
    xg_end(g, p);
}

/* Arithmetic with a sign-extended 32-bit immediate on a register. */
G_GNUC_INTERNAL void xg_arith_ri(XGen *g, int ar, bool w, int reg, int32_t imm)
{
    uint8_t *p = xg_room(g, XG_MAX_INSN);
    if (imm >= -128 && imm <= 127) {
        p = put_rr(p, 0x83, w, ar, reg);
        *p++ = (uint8_t)imm;
    } else {
        p = put_rr(p, 0x81, w, ar, reg);
        p = put_imm32(p, (uint32_t)imm);
    }
    xg_end(g, p);
}

G_GNUC_INTERNAL void xg_shift_ri(XGen *g, int sh, bool w, int reg, unsigned count)
{
    uint8_t *p = put_rr(xg_room(g, XG_MAX_INSN), 0xc1, w, sh, reg);
    *p++ = (uint8_t)count;
    xg_end(g, p);
}

G_GNUC_INTERNAL void xg_mov_rr(XGen *g, bool w, int dst, int src)
{
    xg_rr(g, 0x89, w, src, dst);
}

/* Jumps with a rel32 to patch: returns the position of the rel32. */
G_GNUC_INTERNAL unsigned xg_jcc(XGen *g, int cc)
{
    uint8_t *p = xg_room(g, 6);
    p[0] = 0x0f;
    p[1] = 0x80 + cc;
    memset(p + 2, 0, 4);
    g->len += 6;
    return g->len - 4;
}

G_GNUC_INTERNAL unsigned xg_jmp(XGen *g)
{
    uint8_t *p = xg_room(g, 5);
    p[0] = 0xe9;
    memset(p + 1, 0, 4);
    g->len += 5;
    return g->len - 4;
}

/* Point the rel32 at @at to the current position. */
G_GNUC_INTERNAL void xg_patch_here(XGen *g, unsigned at)
{
    xg_patch_rel32(g, at, xg_pos(g));
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

/*
 * Leave through exit slot @slot (-1: none): *exit_slot = slot, return tb
 * (the epilogue undoes the entry stub's pushes, see x86_gen_entry_stub).
 */
G_GNUC_INTERNAL void xg_exit(XGen *g, int slot)
{
    static const uint8_t code[] = {
        0x41, 0xc7, 0x06, 0, 0, 0, 0,       /* mov dword [r14], slot */
        0x4c, 0x89, 0xf8,                   /* mov rax, r15 */
        0x48, 0x83, 0xc4, 0x08,             /* add rsp, 8 */
        0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c,   /* pop r15, r14, r13, r12 */
        0x5b, 0x5d,                         /* pop rbx, rbp */
        0xc3,                               /* ret */
    };
    uint8_t *p = xg_room(g, sizeof(code));
    memcpy(p, code, sizeof(code));
    memcpy(p + 3, &slot, 4);
    g->len += sizeof(code);
}
