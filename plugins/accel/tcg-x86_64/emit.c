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

G_GNUC_INTERNAL void xg_opcode(XGen *g, unsigned opc, bool w, int reg, int index, int rm)
{
    xg_end(g, xg_put_opcode(xg_room(g, XG_MAX_INSN), opc, w, reg, index, rm));
}

/* op reg, [base + index + disp] (index not rsp). */
G_GNUC_INTERNAL void xg_rm_idx(XGen *g, unsigned opc, bool w, int reg, int base, int index,
                               int32_t disp)
{
    g_assert((index & 7) != RSP || index == R12);
    uint8_t *p = xg_put_opcode(xg_room(g, XG_MAX_INSN), opc, w, reg, index, base);
    uint8_t r = (reg & 7) << 3;
    uint8_t sib = (uint8_t)(((index & 7) << 3) | (base & 7));
    if (disp == 0 && (base & 7) != RBP) {
        *p++ = 0x04 | r;
        *p++ = sib;
    } else if (disp >= -128 && disp <= 127) {
        *p++ = 0x44 | r;                     /* [base + index + disp8] */
        *p++ = sib;
        *p++ = (uint8_t)disp;
    } else {
        *p++ = 0x84 | r;                     /* [base + index + disp32] */
        *p++ = sib;
        p = xg_put_imm32(p, (uint32_t)disp);
    }
    xg_end(g, p);
}

/* reg = imm (full 64-bit value when @w, else 32 bits zero-extended). */
G_GNUC_INTERNAL void xg_movi(XGen *g, bool w, int reg, uint64_t imm)
{
    uint8_t *p = xg_room(g, XG_MAX_INSN);
    if (!w || imm <= UINT32_MAX) {
        p = xg_put_opcode(p, 0xb8 + (reg & 7), false, 0, 0, reg);
        p = xg_put_imm32(p, (uint32_t)imm);
    } else if ((int64_t)imm == (int32_t)imm) {
        p = xg_put_rr(p, 0xc7, true, 0, reg);
        p = xg_put_imm32(p, (uint32_t)imm);
    } else {
        p = xg_put_opcode(p, 0xb8 + (reg & 7), true, 0, 0, reg);
        memcpy(p, &imm, 8);
        p += 8;
    }
    xg_end(g, p);
}

G_GNUC_INTERNAL void xg_call_abs(XGen *g, const void *fn)
{
    xg_movi(g, true, RAX, (uint64_t)(uintptr_t)fn);
    xg_rr(g, 0xff, false, 2, RAX);
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
