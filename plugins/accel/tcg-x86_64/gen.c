/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 backend's code generator: IR block -> x86-64 machine code (see
 * x86.h for the register conventions).  Each op loads its operands into
 * rax/rcx/rdx, computes and stores the result; there is no register
 * allocation.  Every IR op is supported.
 */
#include <string.h>

#include "plugins/accel/tcg-x86_64/x86.h"

G_STATIC_ASSERT(G_BYTE_ORDER == G_LITTLE_ENDIAN);
G_STATIC_ASSERT(sizeof(TcgTlbEntry) == 32);
G_STATIC_ASSERT(sizeof(X86CodeHeader) % 16 == 0);

/* Host registers. */
enum {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
    R8, R9, R10, R11, R12, R13, R14, R15,
};
#define R_ENV RBX
#define R_FRAME R12
#define R_VCPU R13
#define R_EXITP R14
#define R_TB R15

/* Opcode encoding for xg_op_*: optional prefix, optional 0F escape. */
#define P_0F 0x100u
#define P_66 0x10000u
#define P_F3 0x20000u

/* x86 condition codes. */
enum {
    CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7,
    CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf,
};

/* Arithmetic group (0x81 /n, 0x83 /n) and shift group (0xc1 /n, 0xd3 /n). */
enum { AR_ADD = 0, AR_OR = 1, AR_AND = 4, AR_SUB = 5, AR_XOR = 6, AR_CMP = 7 };
enum { SH_ROL = 0, SH_ROR = 1, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };

/*
 * Register cache: IR temps (globals and block temps) live in a few host
 * registers between their home slots' loads and stores.  Ops still compute
 * in rax/rcx/rdx; reading a cached temp is a register move, writing one
 * leaves it dirty in its register.  Dirty values go home (globals to env,
 * block temps to the frame) where ir.h needs them in memory: globals
 * before guest memory accesses, calls that read globals and block exits;
 * everything at branches and labels (which then start with an empty
 * cache); caller-saved registers around calls and slow paths.  rbp
 * survives calls; rsi, rdi, r8, r9 and r10 do not.  Temps past their last
 * use are dropped without being written back (unless the block branches
 * backwards).
 */
#define X86_NCACHE 6
typedef struct XCacheReg {
    int reg;                 /* host register */
    bool callee_saved;
    int64_t temp;            /* -1: free */
    bool dirty;
    unsigned stamp;          /* last use, for eviction */
} XCacheReg;

static const int xg_cache_regs[X86_NCACHE] = { RBP, RSI, RDI, R8, R9, R10 };

typedef struct XGen {
    TcgVcpu *v;
    const IrBlock *ir;
    TcgTb *tb;
    GByteArray *buf;
    int *label_pos;          /* byte offset of each label, -1 while unset */
    GArray *fixups;          /* (rel32 position, label) pairs */
    /* rax holds i64 temp rax_temp while nothing was emitted after byte
     * offset rax_pos (no label in between either). */
    uint64_t rax_temp;
    unsigned rax_pos;
    uint32_t *jmp_off;       /* goto_tb rel32 offsets (X86CodeHeader) */
    GArray *aborts;          /* rel32 positions of jumps to the entry abort */
    /* Register cache (see "register cache" below). */
    XCacheReg cache[X86_NCACHE];
    int8_t *temp_reg;        /* per temp: cache index or -1 */
    uint32_t *last_use;      /* per temp: index of the last op reading or writing it */
    unsigned cur_op;
    unsigned stamp;
    bool spilled;            /* slow path: caller-saved cache regs unusable */
} XGen;

static const uint8_t xg_cc[] = {
    [IR_COND_EQ] = CC_E, [IR_COND_NE] = CC_NE, [IR_COND_LT] = CC_L, [IR_COND_GE] = CC_GE,
    [IR_COND_LE] = CC_LE, [IR_COND_GT] = CC_G, [IR_COND_LTU] = CC_B, [IR_COND_GEU] = CC_AE,
    [IR_COND_LEU] = CC_BE, [IR_COND_GTU] = CC_A,
};

/* ---- byte emission --------------------------------------------------------- */

static void xg_b(XGen *g, uint8_t x)
{
    g_byte_array_append(g->buf, &x, 1);
}

static void xg_b4(XGen *g, uint32_t x)
{
    g_byte_array_append(g->buf, (const uint8_t *)&x, 4);
}

static void xg_b8(XGen *g, uint64_t x)
{
    g_byte_array_append(g->buf, (const uint8_t *)&x, 8);
}

static unsigned xg_pos(XGen *g)
{
    return g->buf->len;
}

/* Prefix, REX and opcode bytes. */
static void xg_opcode(XGen *g, unsigned opc, bool w, int reg, int index, int rm)
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
static void xg_rr(XGen *g, unsigned opc, bool w, int reg, int rm)
{
    xg_opcode(g, opc, w, reg, 0, rm);
    xg_b(g, 0xc0 | ((reg & 7) << 3) | (rm & 7));
}

/* op reg, [base + disp]. */
static void xg_rm(XGen *g, unsigned opc, bool w, int reg, int base, int32_t disp)
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

/* reg = imm (full 64-bit value when @w, else 32 bits zero-extended). */
static void xg_movi(XGen *g, bool w, int reg, uint64_t imm)
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
static void xg_arith_ri(XGen *g, int ar, bool w, int reg, int32_t imm)
{
    if (imm >= -128 && imm <= 127) {
        xg_rr(g, 0x83, w, ar, reg);
        xg_b(g, (uint8_t)imm);
    } else {
        xg_rr(g, 0x81, w, ar, reg);
        xg_b4(g, (uint32_t)imm);
    }
}

static void xg_shift_ri(XGen *g, int sh, bool w, int reg, unsigned count)
{
    xg_rr(g, 0xc1, w, sh, reg);
    xg_b(g, (uint8_t)count);
}

static void xg_mov_rr(XGen *g, bool w, int dst, int src)
{
    xg_rr(g, 0x89, w, src, dst);
}

/* Jumps with a rel32 to patch: returns the position of the rel32. */
static unsigned xg_jcc(XGen *g, int cc)
{
    xg_b(g, 0x0f);
    xg_b(g, 0x80 + cc);
    unsigned at = xg_pos(g);
    xg_b4(g, 0);
    return at;
}

static unsigned xg_jmp(XGen *g)
{
    xg_b(g, 0xe9);
    unsigned at = xg_pos(g);
    xg_b4(g, 0);
    return at;
}

/* Point the rel32 at @at to the current position. */
static void xg_patch_here(XGen *g, unsigned at)
{
    int32_t rel = (int32_t)(xg_pos(g) - (at + 4));
    memcpy(g->buf->data + at, &rel, 4);
}

static void xg_call_abs(XGen *g, const void *fn)
{
    xg_movi(g, true, RAX, (uint64_t)(uintptr_t)fn);
    xg_rr(g, 0xff, false, 2, RAX);
}

/* call [base + disp] */
static void xg_call_mem(XGen *g, int base, int32_t disp)
{
    xg_rm(g, 0xff, false, 2, base, disp);
}

static void xg_epilogue(XGen *g)
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
static void xg_exit(XGen *g, int slot)
{
    xg_rm(g, 0xc7, false, 0, R_EXITP, 0);
    xg_b4(g, (uint32_t)slot);
    xg_mov_rr(g, true, RAX, R_TB);
    xg_epilogue(g);
}

/* ---- temps ------------------------------------------------------------------ */

static int32_t xg_slot_disp(XGen *g, uint64_t t)
{
    return (int32_t)((t - g->ir->first_local) * sizeof(uint64_t));
}

/* Home of temp @t: [base + disp]. */
static void xg_home(XGen *g, uint64_t t, int *base, int32_t *disp)
{
    const IrTempInfo *ti = &g->ir->temps[t];
    if (ti->kind == IR_TEMP_KIND_GLOBAL) {
        *base = R_ENV;
        *disp = (int32_t)ti->env_offset;
    } else {
        g_assert(ti->kind == IR_TEMP_KIND_LOCAL);
        *base = R_FRAME;
        *disp = xg_slot_disp(g, t);
    }
}

static bool xg_is_i64(XGen *g, uint64_t t)
{
    return g->ir->temps[t].type == IR_I64;
}

static bool xg_is_global(XGen *g, uint64_t t)
{
    return g->ir->temps[t].kind == IR_TEMP_KIND_GLOBAL;
}

/* Write cache entry @c's value home if dirty (it stays cached, clean). */
static void xg_cache_writeback(XGen *g, XCacheReg *c)
{
    if (c->temp >= 0 && c->dirty) {
        int base;
        int32_t disp;
        xg_home(g, (uint64_t)c->temp, &base, &disp);
        xg_rm(g, 0x89, xg_is_i64(g, (uint64_t)c->temp), c->reg, base, disp);
        c->dirty = false;
    }
}

static void xg_cache_drop(XGen *g, XCacheReg *c)
{
    if (c->temp >= 0) {
        g->temp_reg[c->temp] = -1;
        c->temp = -1;
        c->dirty = false;
    }
}

/* Globals home (before accesses that may fault, calls reading them, exits). */
static void xg_sync_globals(XGen *g)
{
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        XCacheReg *c = &g->cache[i];
        if (c->temp >= 0 && xg_is_global(g, (uint64_t)c->temp)) {
            xg_cache_writeback(g, c);
        }
    }
}

/* Everything home; @drop: forget it all (labels, branch targets). */
static void xg_sync_all(XGen *g, bool drop)
{
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        xg_cache_writeback(g, &g->cache[i]);
        if (drop) {
            xg_cache_drop(g, &g->cache[i]);
        }
    }
}

/* Before a call: caller-saved registers home and forgotten. */
static void xg_spill_caller_saved(XGen *g)
{
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        XCacheReg *c = &g->cache[i];
        if (!c->callee_saved) {
            xg_cache_writeback(g, c);
            xg_cache_drop(g, c);
        }
    }
}

/* After a call that may write globals: cached globals are stale. */
static void xg_forget_globals(XGen *g)
{
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        XCacheReg *c = &g->cache[i];
        if (c->temp >= 0 && xg_is_global(g, (uint64_t)c->temp)) {
            g_assert(!c->dirty);
            xg_cache_drop(g, c);
        }
    }
}

/* Slow path entry: dirty caller-saved values home; reads come from memory
 * until xg_slow_path_end() reloads the registers. */
static void xg_slow_path_begin(XGen *g)
{
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        XCacheReg *c = &g->cache[i];
        if (!c->callee_saved && c->temp >= 0 && c->dirty) {
            int base;
            int32_t disp;
            xg_home(g, (uint64_t)c->temp, &base, &disp);
            xg_rm(g, 0x89, xg_is_i64(g, (uint64_t)c->temp), c->reg, base, disp);
        }
    }
    g->spilled = true;
}

static void xg_slow_path_end(XGen *g)
{
    g->spilled = false;
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        XCacheReg *c = &g->cache[i];
        if (!c->callee_saved && c->temp >= 0) {
            int base;
            int32_t disp;
            xg_home(g, (uint64_t)c->temp, &base, &disp);
            xg_rm(g, 0x8b, xg_is_i64(g, (uint64_t)c->temp), c->reg, base, disp);
        }
    }
}

/* A cache register for temp @t (evicting the least recently used). */
static XCacheReg *xg_cache_alloc(XGen *g, uint64_t t)
{
    XCacheReg *best = NULL;
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        XCacheReg *c = &g->cache[i];
        if (c->temp < 0) {
            best = c;
            break;
        }
        if (!best || c->stamp < best->stamp) {
            best = c;
        }
    }
    xg_cache_writeback(g, best);
    xg_cache_drop(g, best);
    best->temp = (int64_t)t;
    g->temp_reg[t] = (int8_t)(best - g->cache);
    return best;
}

static XCacheReg *xg_cached(XGen *g, uint64_t t)
{
    int i = g->temp_reg[t];
    if (i < 0 || (g->spilled && !g->cache[i].callee_saved)) {
        return NULL;
    }
    g->cache[i].stamp = ++g->stamp;
    return &g->cache[i];
}

/* reg = temp @t (i32 temps zero-extended). */
static void xg_ld(XGen *g, int reg, uint64_t t)
{
    g_assert(t < g->ir->ntemps);
    const IrTempInfo *ti = &g->ir->temps[t];
    bool w = ti->type == IR_I64;
    if (reg == RAX && t == g->rax_temp && g->rax_pos == xg_pos(g)) {
        return;
    }
    switch (ti->kind) {
    case IR_TEMP_KIND_ENV:
        xg_mov_rr(g, true, reg, R_ENV);
        return;
    case IR_TEMP_KIND_CONST:
        xg_movi(g, w, reg, ti->value);
        return;
    default:
        break;
    }
    XCacheReg *c = xg_cached(g, t);
    if (c) {
        xg_mov_rr(g, true, reg, c->reg);
        return;
    }
    int base;
    int32_t disp;
    xg_home(g, t, &base, &disp);
    if (ti->kind == IR_TEMP_KIND_GLOBAL && !g->spilled) {
        /* Globals are read again soon: keep them (clean). */
        c = xg_cache_alloc(g, t);
        c->stamp = ++g->stamp;
        xg_rm(g, 0x8b, w, c->reg, base, disp);
        xg_mov_rr(g, true, reg, c->reg);
        return;
    }
    xg_rm(g, 0x8b, w, reg, base, disp);
}

/* temp @t = reg (32 bits for i32 temps). */
static void xg_st(XGen *g, int reg, uint64_t t)
{
    g_assert(t < g->ir->ntemps);
    const IrTempInfo *ti = &g->ir->temps[t];
    bool w = ti->type == IR_I64;
    g_assert(ti->kind == IR_TEMP_KIND_GLOBAL || ti->kind == IR_TEMP_KIND_LOCAL);
    g_assert(!g->spilled);
    XCacheReg *c = xg_cached(g, t);
    if (!c) {
        c = xg_cache_alloc(g, t);
        c->stamp = ++g->stamp;
    }
    xg_mov_rr(g, w, c->reg, reg);
    c->dirty = true;
    if (reg == RAX && w) {
        g->rax_temp = t;
        g->rax_pos = xg_pos(g);
    }
}

/* After op @i: block temps used for the last time leave the cache unsaved. */
static void xg_release_dead(XGen *g, unsigned i)
{
    for (unsigned k = 0; k < X86_NCACHE; k++) {
        XCacheReg *c = &g->cache[k];
        if (c->temp >= 0 && !xg_is_global(g, (uint64_t)c->temp) &&
            g->last_use[c->temp] <= i) {
            xg_cache_drop(g, c);
        }
    }
}

/* Store the instruction index for find_insn before a call-out. */
static void xg_set_insn(XGen *g, const IrOp *op)
{
    xg_rm(g, 0x89, true, R_TB, R_VCPU, offsetof(TcgVcpu, cur_tb));
    xg_rm(g, 0xc7, false, 0, R_VCPU, (int32_t)offsetof(TcgVcpu, cur_insn));
    xg_b4(g, op->insn);
}

/* ---- memory access helpers ---------------------------------------------------- */

/* reg = [base + disp] of size/sign @memop, extended to 64 bits. */
static void xg_load_mem(XGen *g, unsigned memop, int reg, int base, int32_t disp)
{
    switch (memop & (IR_MO_SIZE | IR_MO_SIGN)) {
    case IR_MO_UB:
        xg_rm(g, P_0F | 0xb6, false, reg, base, disp);
        break;
    case IR_MO_SB:
        xg_rm(g, P_0F | 0xbe, true, reg, base, disp);
        break;
    case IR_MO_UW:
        xg_rm(g, P_0F | 0xb7, false, reg, base, disp);
        break;
    case IR_MO_SW:
        xg_rm(g, P_0F | 0xbf, true, reg, base, disp);
        break;
    case IR_MO_UL:
        xg_rm(g, 0x8b, false, reg, base, disp);
        break;
    case IR_MO_SL:
        xg_rm(g, 0x63, true, reg, base, disp);
        break;
    default:
        xg_rm(g, 0x8b, true, reg, base, disp);
        break;
    }
}

/* [base + disp] = low bytes of reg (reg must be rax, rcx or rdx for bytes). */
static void xg_store_mem(XGen *g, unsigned memop, int reg, int base, int32_t disp)
{
    switch (memop & IR_MO_SIZE) {
    case IR_MO_8:
        xg_rm(g, 0x88, false, reg, base, disp);
        break;
    case IR_MO_16:
        xg_rm(g, P_66 | 0x89, false, reg, base, disp);
        break;
    case IR_MO_32:
        xg_rm(g, 0x89, false, reg, base, disp);
        break;
    default:
        xg_rm(g, 0x89, true, reg, base, disp);
        break;
    }
}

/*
 * TLB fast-path check for the address in rax: rdx = entry, compare the
 * page bits (plus the low alignment bits) with the comparator at @cmp_off.
 * Returns the rel32 of the jump to the slow path (taken on mismatch).
 */
static unsigned xg_tlb_check(XGen *g, unsigned memop, int mmu, size_t cmp_off)
{
    g_assert((unsigned)mmu < g->v->nb_mmu_modes);
    unsigned size = ir_memop_size(memop);
    xg_mov_rr(g, true, RDX, RAX);
    xg_shift_ri(g, SH_SHR, true, RDX, TCG_PAGE_BITS);
    xg_arith_ri(g, AR_AND, false, RDX, TCG_TLB_SIZE - 1);
    xg_shift_ri(g, SH_SHL, true, RDX, 5);
    xg_movi(g, true, RCX, (uint64_t)(uintptr_t)g->v->tlb[mmu]);
    xg_rr(g, 0x01, true, RCX, RDX);                     /* add rdx, rcx */
    xg_mov_rr(g, true, RCX, RAX);
    xg_arith_ri(g, AR_AND, true, RCX, (int32_t)(TCG_PAGE_MASK | (size - 1)));
    xg_rm(g, 0x3b, true, RCX, RDX, (int32_t)cmp_off);   /* cmp rcx, [rdx+off] */
    return xg_jcc(g, CC_NE);
}

static void xg_guest_ld(XGen *g, const IrOp *op)
{
    const uint64_t *a = op->args;
    unsigned memop = (unsigned)a[2];
    int mmu = (int)a[3];
    xg_sync_globals(g);
    xg_ld(g, RAX, a[1]);
    unsigned slow = xg_tlb_check(g, memop, mmu, offsetof(TcgTlbEntry, addr_read));
    xg_rm(g, 0x03, true, RAX, RDX, offsetof(TcgTlbEntry, addend));
    xg_load_mem(g, memop, RAX, RAX, 0);
    unsigned done = xg_jmp(g);
    xg_patch_here(g, slow);
    xg_slow_path_begin(g);
    xg_set_insn(g, op);
    xg_mov_rr(g, true, RSI, RAX);
    xg_mov_rr(g, true, RDI, R_VCPU);
    xg_movi(g, false, RDX, memop);
    xg_movi(g, false, RCX, (uint32_t)mmu);
    xg_movi(g, false, R8, 1);
    xg_call_mem(g, R_VCPU, offsetof(TcgVcpu, slow_ld));
    xg_slow_path_end(g);
    xg_patch_here(g, done);
    xg_st(g, RAX, a[0]);
}

static void xg_guest_st(XGen *g, const IrOp *op)
{
    const uint64_t *a = op->args;
    unsigned memop = (unsigned)a[2];
    int mmu = (int)a[3];
    xg_sync_globals(g);
    /* Both operands before the paths split (the cache must not change in
     * one of them): the value in r11. */
    xg_ld(g, R11, a[0]);
    xg_ld(g, RAX, a[1]);
    unsigned slow = xg_tlb_check(g, memop, mmu, offsetof(TcgTlbEntry, addr_write));
    xg_rm(g, 0x03, true, RAX, RDX, offsetof(TcgTlbEntry, addend));
    xg_store_mem(g, memop, R11, RAX, 0);
    unsigned done = xg_jmp(g);
    xg_patch_here(g, slow);
    xg_slow_path_begin(g);
    xg_set_insn(g, op);
    xg_mov_rr(g, true, RSI, RAX);
    xg_mov_rr(g, true, RDI, R_VCPU);
    xg_mov_rr(g, true, RDX, R11);
    xg_movi(g, false, RCX, memop);
    xg_movi(g, false, R8, (uint32_t)mmu);
    xg_movi(g, false, R9, 1);
    xg_call_mem(g, R_VCPU, offsetof(TcgVcpu, slow_st));
    xg_slow_path_end(g);
    xg_patch_here(g, done);
}

/* Atomics: 7 arguments, the last (ra = 1) on the stack. */
static void xg_atomic(XGen *g, const IrOp *op)
{
    const uint64_t *a = op->args;
    xg_sync_globals(g);
    xg_spill_caller_saved(g);
    g->spilled = true;
    xg_set_insn(g, op);
    xg_ld(g, RSI, a[1]);
    xg_ld(g, RDX, a[2]);
    if (op->opc == IR_OP_ATOMIC_CMPXCHG) {
        xg_ld(g, RCX, a[3]);
        xg_movi(g, false, R8, (uint32_t)a[4]);
        xg_movi(g, false, R9, (uint32_t)a[5]);
    } else {
        xg_movi(g, false, RCX, (uint32_t)a[5]);
        xg_movi(g, false, R8, (uint32_t)a[3]);
        xg_movi(g, false, R9, (uint32_t)a[4]);
    }
    xg_mov_rr(g, true, RDI, R_VCPU);
    xg_arith_ri(g, AR_SUB, true, RSP, 16);
    xg_rm(g, 0xc7, true, 0, RSP, 0);
    xg_b4(g, 1);
    xg_call_mem(g, R_VCPU, op->opc == IR_OP_ATOMIC_CMPXCHG ? offsetof(TcgVcpu, atomic_cmpxchg)
                                                            : offsetof(TcgVcpu, atomic_rmw));
    xg_arith_ri(g, AR_ADD, true, RSP, 16);
    g->spilled = false;
    xg_st(g, RAX, a[0]);
}

static void xg_call(XGen *g, const IrOp *op)
{
    static const int argregs[IR_MAX_CALL_ARGS] = { RDI, RSI, RDX, RCX, R8, R9 };
    const uint64_t *a = op->args;
    unsigned nargs = (unsigned)a[3];
    unsigned flags = (unsigned)a[2];
    bool writes = !(flags & IR_CALL_NO_WRITE_GLOBALS);
    g_assert(nargs <= IR_MAX_CALL_ARGS);
    if (writes || !(flags & IR_CALL_NO_READ_GLOBALS)) {
        xg_sync_globals(g);
    }
    xg_spill_caller_saved(g);
    g->spilled = true;
    for (unsigned i = 0; i < nargs; i++) {
        xg_ld(g, argregs[i], a[4 + i]);
    }
    xg_set_insn(g, op);
    xg_call_abs(g, (const void *)(uintptr_t)a[1]);
    g->spilled = false;
    if (writes) {
        xg_forget_globals(g);
    }
    if (a[0] != IR_NO_TEMP) {
        xg_st(g, RAX, a[0]);
    }
}

/* An env load/store at [off, off + size) may alias cached globals. */
static void xg_env_alias(XGen *g, int64_t off, unsigned size, bool is_store)
{
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        XCacheReg *c = &g->cache[i];
        if (c->temp < 0 || !xg_is_global(g, (uint64_t)c->temp)) {
            continue;
        }
        const IrTempInfo *ti = &g->ir->temps[c->temp];
        int64_t lo = ti->env_offset, hi = lo + (ti->type == IR_I64 ? 8 : 4);
        if (lo < off + (int64_t)size && off < hi) {
            xg_cache_writeback(g, c);
            if (is_store) {
                xg_cache_drop(g, c);
            }
        }
    }
}

/* ---- arithmetic ------------------------------------------------------------- */

static void xg_divrem(XGen *g, IrOpcode opc, bool w)
{
    bool sign = opc == IR_OP_DIV || opc == IR_OP_REM;
    bool rem = opc == IR_OP_REM || opc == IR_OP_REMU;
    xg_rr(g, 0x85, w, RCX, RCX);                         /* test rcx, rcx */
    unsigned nonzero = xg_jcc(g, CC_NE);
    if (!rem) {
        xg_movi(g, true, RAX, UINT64_MAX);
    }
    unsigned done1 = xg_jmp(g);
    xg_patch_here(g, nonzero);
    unsigned done2 = 0;
    if (sign) {
        xg_arith_ri(g, AR_CMP, w, RCX, -1);
        unsigned general = xg_jcc(g, CC_NE);
        if (rem) {
            xg_rr(g, 0x31, false, RAX, RAX);             /* xor eax, eax */
        } else {
            xg_rr(g, 0xf7, w, 3, RAX);                   /* neg */
        }
        done2 = xg_jmp(g);
        xg_patch_here(g, general);
        xg_opcode(g, 0x99, w, 0, 0, 0);                  /* cdq / cqo */
        xg_rr(g, 0xf7, w, 7, RCX);                       /* idiv */
    } else {
        xg_rr(g, 0x31, false, RDX, RDX);
        xg_rr(g, 0xf7, w, 6, RCX);                       /* div */
    }
    if (rem) {
        xg_mov_rr(g, true, RAX, RDX);
    }
    xg_patch_here(g, done1);
    if (sign) {
        xg_patch_here(g, done2);
    }
}

/* rax = op(rax, rcx) for the two-operand ops. */
static void xg_binop(XGen *g, IrOpcode opc, bool w)
{
    switch (opc) {
    case IR_OP_ADD:
        xg_rr(g, 0x01, w, RCX, RAX);
        break;
    case IR_OP_SUB:
        xg_rr(g, 0x29, w, RCX, RAX);
        break;
    case IR_OP_AND:
        xg_rr(g, 0x21, w, RCX, RAX);
        break;
    case IR_OP_OR:
        xg_rr(g, 0x09, w, RCX, RAX);
        break;
    case IR_OP_XOR:
        xg_rr(g, 0x31, w, RCX, RAX);
        break;
    case IR_OP_MUL:
        xg_rr(g, P_0F | 0xaf, w, RAX, RCX);
        break;
    case IR_OP_SHL:
        xg_rr(g, 0xd3, w, SH_SHL, RAX);
        break;
    case IR_OP_SHR:
        xg_rr(g, 0xd3, w, SH_SHR, RAX);
        break;
    case IR_OP_SAR:
        xg_rr(g, 0xd3, w, SH_SAR, RAX);
        break;
    case IR_OP_ROTL:
        xg_rr(g, 0xd3, w, SH_ROL, RAX);
        break;
    case IR_OP_ROTR:
        xg_rr(g, 0xd3, w, SH_ROR, RAX);
        break;
    case IR_OP_DIV:
    case IR_OP_DIVU:
    case IR_OP_REM:
    case IR_OP_REMU:
        xg_divrem(g, opc, w);
        break;
    case IR_OP_MULSH:
        xg_rr(g, 0xf7, w, 5, RCX);                       /* imul rcx -> rdx:rax */
        xg_mov_rr(g, true, RAX, RDX);
        break;
    case IR_OP_MULUH:
        xg_rr(g, 0xf7, w, 4, RCX);                       /* mul rcx */
        xg_mov_rr(g, true, RAX, RDX);
        break;
    case IR_OP_MULSUH:
        /* unsigned high half minus (a < 0 ? b : 0) */
        xg_mov_rr(g, true, R11, RAX);
        xg_rr(g, 0xf7, w, 4, RCX);
        xg_shift_ri(g, SH_SAR, w, R11, w ? 63 : 31);
        xg_rr(g, 0x21, w, RCX, R11);                     /* and r11, rcx */
        xg_rr(g, 0x29, w, R11, RDX);                     /* sub rdx, r11 */
        xg_mov_rr(g, true, RAX, RDX);
        break;
    case IR_OP_ANDC:
        xg_rr(g, 0xf7, w, 2, RCX);
        xg_rr(g, 0x21, w, RCX, RAX);
        break;
    case IR_OP_ORC:
        xg_rr(g, 0xf7, w, 2, RCX);
        xg_rr(g, 0x09, w, RCX, RAX);
        break;
    case IR_OP_EQV:
        xg_rr(g, 0x31, w, RCX, RAX);
        xg_rr(g, 0xf7, w, 2, RAX);
        break;
    default:
        g_assert_not_reached();
    }
}

/* Whether temp @t is a constant usable as a sign-extended imm32 at width @w. */
static bool xg_imm32(XGen *g, uint64_t t, bool w, int32_t *imm)
{
    const IrTempInfo *ti = &g->ir->temps[t];
    if (ti->kind != IR_TEMP_KIND_CONST) {
        return false;
    }
    if (!w) {
        *imm = (int32_t)(uint32_t)ti->value;
        return true;
    }
    if ((int64_t)ti->value != (int32_t)ti->value) {
        return false;
    }
    *imm = (int32_t)ti->value;
    return true;
}

/* rax = op(rax, constant b) in one instruction when possible. */
static bool xg_binop_imm(XGen *g, IrOpcode opc, bool w, uint64_t b)
{
    int32_t imm;
    if (!xg_imm32(g, b, w, &imm)) {
        return false;
    }
    unsigned mask = w ? 63 : 31;
    switch (opc) {
    case IR_OP_ADD:
        xg_arith_ri(g, AR_ADD, w, RAX, imm);
        return true;
    case IR_OP_SUB:
        xg_arith_ri(g, AR_SUB, w, RAX, imm);
        return true;
    case IR_OP_AND:
        xg_arith_ri(g, AR_AND, w, RAX, imm);
        return true;
    case IR_OP_OR:
        xg_arith_ri(g, AR_OR, w, RAX, imm);
        return true;
    case IR_OP_XOR:
        xg_arith_ri(g, AR_XOR, w, RAX, imm);
        return true;
    case IR_OP_SHL:
        xg_shift_ri(g, SH_SHL, w, RAX, (unsigned)imm & mask);
        return true;
    case IR_OP_SHR:
        xg_shift_ri(g, SH_SHR, w, RAX, (unsigned)imm & mask);
        return true;
    case IR_OP_SAR:
        xg_shift_ri(g, SH_SAR, w, RAX, (unsigned)imm & mask);
        return true;
    default:
        return false;
    }
}

/* rax = op(rax) for the one-operand ops of the op's own type. */
static void xg_unop(XGen *g, IrOpcode opc, bool w)
{
    unsigned bits = w ? 64 : 32;
    switch (opc) {
    case IR_OP_MOV:
        break;
    case IR_OP_NEG:
        xg_rr(g, 0xf7, w, 3, RAX);
        break;
    case IR_OP_NOT:
        xg_rr(g, 0xf7, w, 2, RAX);
        break;
    case IR_OP_CLZ:
        xg_movi(g, true, RCX, UINT64_MAX);
        xg_rr(g, P_0F | 0xbd, w, RDX, RAX);              /* bsr rdx, rax */
        xg_rr(g, P_0F | 0x44, w, RDX, RCX);              /* cmovz rdx, rcx */
        xg_movi(g, false, RAX, bits - 1);
        xg_rr(g, 0x29, w, RDX, RAX);                     /* sub rax, rdx */
        break;
    case IR_OP_CTZ:
        xg_movi(g, false, RCX, bits);
        xg_rr(g, P_0F | 0xbc, w, RAX, RAX);              /* bsf rax, rax */
        xg_rr(g, P_0F | 0x44, w, RAX, RCX);              /* cmovz rax, rcx */
        break;
    case IR_OP_CTPOP:
        xg_rr(g, P_F3 | P_0F | 0xb8, w, RAX, RAX);       /* popcnt */
        break;
    case IR_OP_BSWAP:
        xg_opcode(g, P_0F | 0xc8, w, 0, 0, RAX);
        break;
    case IR_OP_EXT8S:
        xg_rr(g, P_0F | 0xbe, w, RAX, RAX);
        break;
    case IR_OP_EXT8U:
        xg_rr(g, P_0F | 0xb6, false, RAX, RAX);
        break;
    case IR_OP_EXT16S:
        xg_rr(g, P_0F | 0xbf, w, RAX, RAX);
        break;
    case IR_OP_EXT16U:
        xg_rr(g, P_0F | 0xb7, false, RAX, RAX);
        break;
    case IR_OP_EXT32S:
    case IR_OP_EXTS_I32_I64:
        xg_rr(g, 0x63, true, RAX, RAX);                  /* movsxd */
        break;
    case IR_OP_EXT32U:
    case IR_OP_EXTU_I32_I64:
        xg_mov_rr(g, false, RAX, RAX);
        break;
    case IR_OP_EXTRL_I64_I32:
        break;
    case IR_OP_EXTRH_I64_I32:
        xg_shift_ri(g, SH_SHR, true, RAX, 32);
        break;
    default:
        g_assert_not_reached();
    }
}

static void xg_bitfield(XGen *g, const IrOp *op, bool w)
{
    const uint64_t *a = op->args;
    unsigned bits = w ? 64 : 32;
    if (op->opc == IR_OP_DEPOSIT) {
        unsigned pos = (unsigned)a[3], len = (unsigned)a[4];
        uint64_t mask = (len >= bits ? UINT64_MAX : ((1ull << len) - 1)) << pos;
        if (!w) {
            mask &= UINT32_MAX;
        }
        xg_ld(g, RAX, a[1]);
        xg_ld(g, RCX, a[2]);
        xg_shift_ri(g, SH_SHL, w, RCX, pos);
        xg_movi(g, w, RDX, mask);
        xg_rr(g, 0x21, w, RDX, RCX);                     /* and rcx, rdx */
        xg_rr(g, 0xf7, w, 2, RDX);                       /* not rdx */
        xg_rr(g, 0x21, w, RDX, RAX);                     /* and rax, rdx */
        xg_rr(g, 0x09, w, RCX, RAX);                     /* or rax, rcx */
        xg_st(g, RAX, a[0]);
        return;
    }
    unsigned pos = (unsigned)a[2], len = (unsigned)a[3];
    g_assert(len >= 1 && pos + len <= bits);
    xg_ld(g, RAX, a[1]);
    if (bits - pos - len) {
        xg_shift_ri(g, SH_SHL, w, RAX, bits - pos - len);
    }
    if (bits - len) {
        xg_shift_ri(g, op->opc == IR_OP_SEXTRACT ? SH_SAR : SH_SHR, w, RAX, bits - len);
    }
    xg_st(g, RAX, a[0]);
}

/* Compare a with b (type of the op): flags set. */
static int xg_operand_reg(XGen *g, uint64_t t);

static void xg_cmp(XGen *g, uint64_t x, uint64_t y, bool w)
{
    int32_t imm;
    int rx = g->spilled ? -1 : xg_operand_reg(g, x);
    if (rx >= 0) {
        if (xg_imm32(g, y, w, &imm)) {
            xg_arith_ri(g, AR_CMP, w, rx, imm);
            return;
        }
        int ry = xg_operand_reg(g, y);
        if (ry < 0) {
            ry = RCX;
            xg_ld(g, RCX, y);
        }
        xg_rr(g, 0x39, w, ry, rx);                       /* cmp rx, ry */
        return;
    }
    xg_ld(g, RAX, x);
    if (xg_imm32(g, y, w, &imm)) {
        xg_arith_ri(g, AR_CMP, w, RAX, imm);
        return;
    }
    xg_ld(g, RCX, y);
    xg_rr(g, 0x39, w, RCX, RAX);                         /* cmp rax, rcx */
}

static void xg_branch_to(XGen *g, unsigned at, uint64_t label)
{
    g_assert(label < g->ir->nlabels);
    uint64_t fx[2] = { at, label };
    g_array_append_vals(g->fixups, fx, 2);
}

static void xg_cond(XGen *g, const IrOp *op, bool w)
{
    const uint64_t *a = op->args;
    unsigned ci = op->opc == IR_OP_MOVCOND ? 5 : op->opc == IR_OP_SETCOND ? 3 : 2;
    IrCond cond = (IrCond)a[ci];
    bool fixed = cond == IR_COND_ALWAYS || cond == IR_COND_NEVER;
    g_assert(fixed || (unsigned)cond < G_N_ELEMENTS(xg_cc));
    switch (op->opc) {
    case IR_OP_SETCOND:
        if (fixed) {
            xg_movi(g, false, RAX, cond == IR_COND_ALWAYS);
        } else {
            xg_cmp(g, a[1], a[2], w);
            xg_rr(g, P_0F | (0x90 + xg_cc[cond]), false, 0, RAX);  /* setcc al */
            xg_rr(g, P_0F | 0xb6, false, RAX, RAX);
        }
        xg_st(g, RAX, a[0]);
        return;
    case IR_OP_MOVCOND:
        if (fixed) {
            xg_ld(g, RAX, cond == IR_COND_ALWAYS ? a[3] : a[4]);
        } else {
            xg_cmp(g, a[1], a[2], w);
            xg_ld(g, RDX, a[3]);
            xg_ld(g, RAX, a[4]);
            xg_rr(g, P_0F | (0x40 + xg_cc[cond]), w, RAX, RDX);   /* cmovcc rax, rdx */
        }
        xg_st(g, RAX, a[0]);
        return;
    default:
        if (cond == IR_COND_NEVER) {
            return;
        }
        if (cond == IR_COND_ALWAYS) {
            xg_branch_to(g, xg_jmp(g), a[3]);
            return;
        }
        xg_cmp(g, a[0], a[1], w);
        xg_branch_to(g, xg_jcc(g, xg_cc[cond]), a[3]);
        return;
    }
}

/* ---- block structure ---------------------------------------------------------- */

/* Jump to the block in rax (already checked). */
static void xg_enter_rax(XGen *g)
{
    xg_rm(g, 0xff, false, 4, RAX, offsetof(TcgTb, code));   /* jmp [rax+code] */
}

/* goto_tb: a jmp rel32 that the backend's link() patches to the target's
 * code (whose entry checks exit requests); 0 falls through to the exit. */
static void xg_goto_tb(XGen *g, uint64_t slot)
{
    g_assert(slot < IR_MAX_GOTO_TB);
    while ((xg_pos(g) + 1) & 3) {
        xg_b(g, 0x90);                                   /* nop: align the rel32 */
    }
    g->jmp_off[slot] = xg_jmp(g);
}

/* Jump to the block for the current pc if the jump cache holds it for this
 * block's flags (see TcgVcpu.jmp_cache); else ask the engine. */
static void xg_lookup_and_goto(XGen *g)
{
    unsigned miss[5], nmiss = 0;
    if (g->v->pc_offset >= 0) {
        xg_rm(g, 0x8b, true, RCX, R_VCPU, offsetof(TcgVcpu, jmp_cache));
        xg_rr(g, 0x85, true, RCX, RCX);
        miss[nmiss++] = xg_jcc(g, CC_E);
        xg_rm(g, 0x8b, true, RAX, R_ENV, (int32_t)g->v->pc_offset);
        xg_mov_rr(g, true, RDX, RAX);
        xg_shift_ri(g, SH_SHR, true, RDX, 12);
        xg_rr(g, 0x31, true, RAX, RDX);                  /* xor rdx, rax */
        xg_shift_ri(g, SH_SHR, true, RDX, 1);
        xg_arith_ri(g, AR_AND, false, RDX, TCG_JMP_CACHE_SIZE - 1);
        xg_shift_ri(g, SH_SHL, true, RDX, 3);
        xg_rr(g, 0x01, true, RCX, RDX);                  /* add rdx, rcx */
        xg_rm(g, 0x8b, true, RDX, RDX, 0);               /* rdx = entry */
        xg_rr(g, 0x85, true, RDX, RDX);
        miss[nmiss++] = xg_jcc(g, CC_E);
        xg_rm(g, 0x3b, true, RAX, RDX, offsetof(TcgTb, pc));
        miss[nmiss++] = xg_jcc(g, CC_NE);
        xg_rm(g, 0x83, false, AR_CMP, RDX, offsetof(TcgTb, invalid));
        xg_b(g, 0);
        miss[nmiss++] = xg_jcc(g, CC_NE);
        xg_movi(g, true, RCX, g->tb->flags);
        xg_rm(g, 0x3b, true, RCX, RDX, offsetof(TcgTb, flags));
        miss[nmiss++] = xg_jcc(g, CC_NE);
        xg_rm(g, 0xff, false, 4, RDX, offsetof(TcgTb, code));   /* jmp [rdx+code] */
    }
    for (unsigned i = 0; i < nmiss; i++) {
        xg_patch_here(g, miss[i]);
    }
    xg_mov_rr(g, true, RDI, R_VCPU);
    xg_call_mem(g, R_VCPU, offsetof(TcgVcpu, lookup_tb));
    xg_rr(g, 0x85, true, RAX, RAX);
    unsigned nothing = xg_jcc(g, CC_E);
    xg_enter_rax(g);
    xg_patch_here(g, nothing);
    xg_exit(g, -1);
}

/*
 * Block entry (from the loop, a chained goto_tb or a jump-cache hit):
 * r15 = this block; leave before running anything when an exit was
 * requested or fence.i has happened since its code was last checked.
 * Invalid blocks are not reached: the loop checks, invalidation unlinks
 * chains, and the jump-cache probe checks.  v->cur_tb is stored before
 * call-outs (xg_set_insn), not here.
 */
static void xg_entry(XGen *g)
{
    xg_movi(g, true, R_TB, (uint64_t)(uintptr_t)g->tb);
    xg_rm(g, 0x83, false, AR_CMP, R_VCPU, offsetof(TcgVcpu, exit_flag));
    xg_b(g, 0);
    unsigned a1 = xg_jcc(g, CC_NE);
    xg_rm(g, 0x8b, false, RAX, R_TB, offsetof(TcgTb, verified_gen));
    xg_rm(g, 0x3b, false, RAX, R_VCPU, offsetof(TcgVcpu, icache_gen));
    unsigned a2 = xg_jcc(g, CC_NE);
    g_array_append_val(g->aborts, a1);
    g_array_append_val(g->aborts, a2);
}

/* The entry's way out: the guest state goes back to this block's start. */
static void xg_entry_abort(XGen *g)
{
    for (guint i = 0; i < g->aborts->len; i++) {
        xg_patch_here(g, g_array_index(g->aborts, unsigned, i));
    }
    xg_mov_rr(g, true, RDI, R_VCPU);
    xg_mov_rr(g, true, RSI, R_TB);
    xg_call_mem(g, R_VCPU, offsetof(TcgVcpu, enter_abort));
    xg_exit(g, -1);
}

/* ---- ops straight on cache registers -------------------------------------------- */

/* The cache register holding temp @t (a global is loaded into one), or -1. */
static int xg_operand_reg(XGen *g, uint64_t t)
{
    const IrTempInfo *ti = &g->ir->temps[t];
    if (ti->kind != IR_TEMP_KIND_GLOBAL && ti->kind != IR_TEMP_KIND_LOCAL) {
        return -1;
    }
    XCacheReg *c = xg_cached(g, t);
    if (!c && ti->kind == IR_TEMP_KIND_GLOBAL) {
        int base;
        int32_t disp;
        xg_home(g, t, &base, &disp);
        c = xg_cache_alloc(g, t);
        c->stamp = ++g->stamp;
        xg_rm(g, 0x8b, ti->type == IR_I64, c->reg, base, disp);
    }
    return c ? c->reg : -1;
}

/* The cache register for result @t (now dirty); operands just used keep
 * theirs (their stamps are newer than any other). */
static int xg_result_reg(XGen *g, uint64_t t)
{
    XCacheReg *c = xg_cached(g, t);
    if (!c) {
        c = xg_cache_alloc(g, t);
        c->stamp = ++g->stamp;
    }
    c->dirty = true;
    return c->reg;
}

static bool xg_is_var(XGen *g, uint64_t t)
{
    uint8_t k = g->ir->temps[t].kind;
    return k == IR_TEMP_KIND_GLOBAL || k == IR_TEMP_KIND_LOCAL;
}

/* d = a op b for add/sub/and/or/xor/mul and shifts by constants, computed in
 * d's register.  False: use the generic path. */
static bool xg_binop_direct(XGen *g, IrOpcode opc, bool w, uint64_t d, uint64_t x, uint64_t y)
{
    static const uint8_t rr_op[] = {
        [IR_OP_ADD] = 0x01, [IR_OP_SUB] = 0x29, [IR_OP_AND] = 0x21, [IR_OP_OR] = 0x09,
        [IR_OP_XOR] = 0x31,
    };
    static const int8_t ar_op[] = {
        [IR_OP_ADD] = AR_ADD, [IR_OP_SUB] = AR_SUB, [IR_OP_AND] = AR_AND, [IR_OP_OR] = AR_OR,
        [IR_OP_XOR] = AR_XOR,
    };
    bool shift = opc == IR_OP_SHL || opc == IR_OP_SHR || opc == IR_OP_SAR;
    bool arith = opc == IR_OP_ADD || opc == IR_OP_SUB || opc == IR_OP_AND || opc == IR_OP_OR ||
                 opc == IR_OP_XOR;
    bool comm = opc != IR_OP_SUB && !shift;
    if ((!arith && !shift && opc != IR_OP_MUL) || !xg_is_var(g, d) || g->spilled) {
        return false;
    }
    int32_t imm = 0;
    bool is_imm = xg_imm32(g, y, w, &imm);
    if (!is_imm && comm && xg_imm32(g, x, w, &imm)) {
        uint64_t t = x;
        x = y;
        y = t;
        is_imm = true;
    }
    if (shift && !is_imm) {
        return false;
    }
    if (!is_imm && d == y && d != x) {
        if (!comm) {
            return false;
        }
        uint64_t t = x;
        x = y;
        y = t;
    }
    int rx = xg_operand_reg(g, x);
    if (rx < 0) {
        return false;
    }
    int ry = -1;
    if (!is_imm) {
        ry = xg_operand_reg(g, y);
        if (ry < 0) {
            return false;
        }
        xg_cached(g, x);            /* refresh x's stamp past y's allocation */
    }
    int rd = xg_result_reg(g, d);
    if (rd != rx) {
        xg_mov_rr(g, w, rd, rx);
    }
    if (shift) {
        unsigned cnt = (unsigned)imm & (w ? 63 : 31);
        xg_shift_ri(g, opc == IR_OP_SHL ? SH_SHL : opc == IR_OP_SHR ? SH_SHR : SH_SAR, w, rd,
                    cnt);
    } else if (opc == IR_OP_MUL) {
        if (is_imm) {
            xg_rr(g, 0x69, w, rd, rd);                   /* imul rd, rd, imm32 */
            xg_b4(g, (uint32_t)imm);
        } else {
            xg_rr(g, P_0F | 0xaf, w, rd, ry);
        }
    } else if (is_imm) {
        xg_arith_ri(g, ar_op[opc], w, rd, imm);
    } else {
        xg_rr(g, rr_op[opc], w, ry, rd);
    }
    return true;
}

/* d = s and the extensions between registers. */
static bool xg_unop_direct(XGen *g, IrOpcode opc, bool w, uint64_t d, uint64_t src)
{
    if (!xg_is_var(g, d) || g->spilled) {
        return false;
    }
    const IrTempInfo *si = &g->ir->temps[src];
    if (opc == IR_OP_MOV && si->kind == IR_TEMP_KIND_CONST) {
        int rd = xg_result_reg(g, d);
        xg_movi(g, w, rd, si->value);
        return true;
    }
    int rs = xg_operand_reg(g, src);
    if (rs < 0) {
        return false;
    }
    int rd;
    switch (opc) {
    case IR_OP_MOV:
        rd = xg_result_reg(g, d);
        xg_mov_rr(g, w, rd, rs);
        return true;
    case IR_OP_EXT32S:
    case IR_OP_EXTS_I32_I64:
        rd = xg_result_reg(g, d);
        xg_rr(g, 0x63, true, rd, rs);                    /* movsxd */
        return true;
    case IR_OP_EXT32U:
    case IR_OP_EXTU_I32_I64:
    case IR_OP_EXTRL_I64_I32:
        rd = xg_result_reg(g, d);
        xg_mov_rr(g, false, rd, rs);
        return true;
    case IR_OP_EXT16U:
    case IR_OP_EXT16S:
        rd = xg_result_reg(g, d);
        xg_rr(g, P_0F | (opc == IR_OP_EXT16U ? 0xb7 : 0xbf), w && opc == IR_OP_EXT16S, rd, rs);
        return true;
    case IR_OP_EXT8U:
    case IR_OP_EXT8S: {
        /* movzx/movsx from the low byte: always with a REX prefix so that
         * registers 4-7 mean spl/bpl/sil/dil, not ah/ch/dh/bh. */
        rd = xg_result_reg(g, d);
        bool wide = w && opc == IR_OP_EXT8S;
        xg_b(g, 0x40 | (wide ? 8 : 0) | ((rd & 8) ? 4 : 0) | ((rs & 8) ? 1 : 0));
        xg_b(g, 0x0f);
        xg_b(g, opc == IR_OP_EXT8U ? 0xb6 : 0xbe);
        xg_b(g, 0xc0 | ((rd & 7) << 3) | (rs & 7));
        return true;
    }
    case IR_OP_NEG:
    case IR_OP_NOT:
        rd = xg_result_reg(g, d);
        if (rd != rs) {
            xg_mov_rr(g, w, rd, rs);
        }
        xg_rr(g, 0xf7, w, opc == IR_OP_NEG ? 3 : 2, rd);
        return true;
    default:
        return false;
    }
}

static void xg_op(XGen *g, const IrOp *op)
{
    const uint64_t *a = op->args;
    IrOpcode opc = (IrOpcode)op->opc;
    bool w = op->type == IR_I64;
    switch (opc) {
    case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: case IR_OP_AND: case IR_OP_OR:
    case IR_OP_XOR: case IR_OP_SHL: case IR_OP_SHR: case IR_OP_SAR: case IR_OP_ROTL:
    case IR_OP_ROTR: case IR_OP_DIV: case IR_OP_DIVU: case IR_OP_REM: case IR_OP_REMU:
    case IR_OP_MULSH: case IR_OP_MULUH: case IR_OP_MULSUH: case IR_OP_ANDC: case IR_OP_ORC:
    case IR_OP_EQV:
        if (xg_binop_direct(g, opc, w, a[0], a[1], a[2])) {
            return;
        }
        xg_ld(g, RAX, a[1]);
        if (!xg_binop_imm(g, opc, w, a[2])) {
            xg_ld(g, RCX, a[2]);
            xg_binop(g, opc, w);
        }
        xg_st(g, RAX, a[0]);
        return;
    case IR_OP_MOV: case IR_OP_NEG: case IR_OP_NOT: case IR_OP_CLZ: case IR_OP_CTZ:
    case IR_OP_CTPOP: case IR_OP_BSWAP: case IR_OP_EXT8S: case IR_OP_EXT8U:
    case IR_OP_EXT16S: case IR_OP_EXT16U: case IR_OP_EXT32S: case IR_OP_EXT32U:
    case IR_OP_EXTU_I32_I64: case IR_OP_EXTS_I32_I64: case IR_OP_EXTRL_I64_I32:
    case IR_OP_EXTRH_I64_I32:
        if (xg_unop_direct(g, opc, w, a[0], a[1])) {
            return;
        }
        xg_ld(g, RAX, a[1]);
        xg_unop(g, opc, w);
        xg_st(g, RAX, a[0]);
        return;
    case IR_OP_EXTRACT:
    case IR_OP_SEXTRACT:
    case IR_OP_DEPOSIT:
        xg_bitfield(g, op, w);
        return;
    case IR_OP_BRCOND:
        xg_sync_all(g, false);
        xg_cond(g, op, w);
        return;
    case IR_OP_SETCOND:
    case IR_OP_MOVCOND:
        xg_cond(g, op, w);
        return;
    case IR_OP_BR:
        xg_sync_all(g, false);
        xg_branch_to(g, xg_jmp(g), a[0]);
        return;
    case IR_OP_SET_LABEL:
        g_assert(a[0] < g->ir->nlabels);
        xg_sync_all(g, true);
        g->label_pos[a[0]] = (int)xg_pos(g);
        g->rax_temp = IR_NO_TEMP;
        return;
    case IR_OP_LD:
        xg_env_alias(g, (int64_t)a[1], ir_memop_size((unsigned)a[2]), false);
        xg_load_mem(g, (unsigned)a[2], RAX, R_ENV, (int32_t)a[1]);
        xg_st(g, RAX, a[0]);
        return;
    case IR_OP_ST:
        xg_ld(g, RAX, a[0]);
        xg_env_alias(g, (int64_t)a[1], ir_memop_size((unsigned)a[2]), true);
        xg_store_mem(g, (unsigned)a[2], RAX, R_ENV, (int32_t)a[1]);
        return;
    case IR_OP_GUEST_LD:
        xg_guest_ld(g, op);
        return;
    case IR_OP_GUEST_ST:
        xg_guest_st(g, op);
        return;
    case IR_OP_ATOMIC_CMPXCHG:
    case IR_OP_ATOMIC_RMW:
        xg_atomic(g, op);
        return;
    case IR_OP_CALL:
        xg_call(g, op);
        return;
    case IR_OP_INSN_START:
        return;
    case IR_OP_GOTO_TB:
        xg_sync_globals(g);
        xg_goto_tb(g, a[0]);
        return;
    case IR_OP_EXIT_TB:
        xg_sync_globals(g);
        xg_exit(g, a[0] == IR_EXIT_NO_CHAIN ? -1 : (int)a[0]);
        return;
    case IR_OP_LOOKUP_AND_GOTO_PTR:
        xg_sync_globals(g);
        xg_lookup_and_goto(g);
        return;
    case IR_OP_MB:
        xg_b(g, 0x0f);
        xg_b(g, 0xae);
        xg_b(g, 0xf0);                                   /* mfence */
        return;
    default:
        g_assert_not_reached();
    }
}

/* Operand counts per opcode (CALL handled apart). */
static const uint8_t xg_nout[] = {
#define XG_NOUT_(name, o, i, c) [IR_OP_##name] = o,
    IR_OPCODES(XG_NOUT_)
#undef XG_NOUT_
};
static const uint8_t xg_nin[] = {
#define XG_NIN_(name, o, i, c) [IR_OP_##name] = i,
    IR_OPCODES(XG_NIN_)
#undef XG_NIN_
};

static void xg_use(XGen *g, uint64_t t, unsigned i)
{
    if (t < g->ir->ntemps) {
        g->last_use[t] = i;
    }
}

/* Last use of every temp; with a backward branch, block temps live to the end. */
static void xg_liveness(XGen *g)
{
    const IrBlock *ir = g->ir;
    g->temp_reg = g_new(int8_t, ir->ntemps);
    memset(g->temp_reg, -1, ir->ntemps);
    g->last_use = g_new0(uint32_t, ir->ntemps);
    g_autofree int *label_at = g_new(int, ir->nlabels + 1);
    for (unsigned i = 0; i <= ir->nlabels; i++) {
        label_at[i] = -1;
    }
    bool backward = false;
    for (unsigned i = 0; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        if (op->opc == IR_OP_CALL) {
            if (op->args[0] != IR_NO_TEMP) {
                xg_use(g, op->args[0], i);
            }
            for (unsigned k = 0; k < op->args[3] && k < IR_MAX_CALL_ARGS; k++) {
                xg_use(g, op->args[4 + k], i);
            }
            continue;
        }
        unsigned n = xg_nout[op->opc] + xg_nin[op->opc];
        for (unsigned k = 0; k < n; k++) {
            xg_use(g, op->args[k], i);
        }
        if (op->opc == IR_OP_SET_LABEL && op->args[0] < ir->nlabels) {
            label_at[op->args[0]] = (int)i;
        }
        uint64_t target = op->opc == IR_OP_BR ? op->args[0] :
                          op->opc == IR_OP_BRCOND ? op->args[3] : UINT64_MAX;
        if (target < ir->nlabels && label_at[target] >= 0) {
            backward = true;
        }
    }
    if (backward) {
        for (unsigned t = ir->first_local; t < ir->ntemps; t++) {
            g->last_use[t] = UINT32_MAX;
        }
    }
}

GByteArray *x86_gen_block(TcgVcpu *v, const IrBlock *ir, TcgTb *tb,
                          uint32_t jmp_off[IR_MAX_GOTO_TB])
{
    if (ir->ntemps > ir->first_local + X86_FRAME_SLOTS) {
        return NULL;
    }
    XGen g = {
        .v = v, .ir = ir, .tb = tb,
        .buf = g_byte_array_sized_new(64 + ir->nops * 24),
        .fixups = g_array_new(FALSE, FALSE, sizeof(uint64_t)),
        .label_pos = g_new(int, ir->nlabels + 1),
        .rax_temp = IR_NO_TEMP,
        .jmp_off = jmp_off,
        .aborts = g_array_new(FALSE, FALSE, sizeof(unsigned)),
    };
    for (unsigned i = 0; i <= ir->nlabels; i++) {
        g.label_pos[i] = -1;
    }
    xg_liveness(&g);
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        g.cache[i] = (XCacheReg){ .reg = xg_cache_regs[i], .temp = -1,
                                  .callee_saved = xg_cache_regs[i] == RBP };
    }
    xg_entry(&g);
    for (unsigned i = 0; i < ir->nops; i++) {
        g.cur_op = i;
        xg_op(&g, &ir->ops[i]);
        xg_release_dead(&g, i);
    }
    /* A block must not fall off its end; guard against translator bugs. */
    xg_sync_globals(&g);
    xg_exit(&g, -1);
    xg_entry_abort(&g);
    g_array_free(g.aborts, TRUE);
    for (guint i = 0; i < g.fixups->len; i += 2) {
        unsigned at = (unsigned)g_array_index(g.fixups, uint64_t, i);
        uint64_t label = g_array_index(g.fixups, uint64_t, i + 1);
        g_assert(g.label_pos[label] >= 0);
        int32_t rel = (int32_t)(g.label_pos[label] - (int)(at + 4));
        memcpy(g.buf->data + at, &rel, 4);
    }
    g_array_free(g.fixups, TRUE);
    g_free(g.label_pos);
    g_free(g.temp_reg);
    g_free(g.last_use);
    return g.buf;
}

GByteArray *x86_gen_entry_stub(TcgVcpu *v, uint64_t *frame)
{
    XGen g = { .v = v, .buf = g_byte_array_new() };
    static const int regs[] = { RBP, RBX, R12, R13, R14, R15 };
    for (unsigned i = 0; i < G_N_ELEMENTS(regs); i++) {
        if (regs[i] & 8) {
            xg_b(&g, 0x41);
        }
        xg_b(&g, 0x50 + (regs[i] & 7));
    }
    xg_arith_ri(&g, AR_SUB, true, RSP, 8);
    xg_mov_rr(&g, true, R_VCPU, RDI);
    xg_mov_rr(&g, true, R_EXITP, RDX);
    xg_rm(&g, 0x8b, true, R_ENV, RDI, offsetof(TcgVcpu, env));
    xg_movi(&g, true, R_FRAME, (uint64_t)(uintptr_t)frame);
    xg_rr(&g, 0xff, false, 4, RSI);                      /* jmp rsi */
    return g.buf;
}
