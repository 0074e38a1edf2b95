/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 code generator's guest memory accesses: env loads/stores, the
 * soft-TLB fast paths of guest loads and stores (their slow paths emitted
 * out of line after the block) and atomics (inline lock-prefixed
 * instructions on a TLB hit, the engine's hooks otherwise).
 */
#include "plugins/accel/tcg-x86_64/xgen.h"

/* ---- memory access helpers ---------------------------------------------------- */

/* op reg, [base + disp], or [base + index + disp] when @index >= 0. */
static void xg_mem(XGen *g, unsigned opc, bool w, int reg, int base, int index, int32_t disp)
{
    if (index >= 0) {
        xg_rm_idx(g, opc, w, reg, base, index, disp);
    } else {
        xg_rm(g, opc, w, reg, base, disp);
    }
}

/* reg = [base (+ index) + disp] of size/sign @memop, extended to 64 bits. */
static void xg_load_mem_idx(XGen *g, unsigned memop, int reg, int base, int index, int32_t disp)
{
    switch (memop & (IR_MO_SIZE | IR_MO_SIGN)) {
    case IR_MO_UB:
        xg_mem(g, P_0F | 0xb6, false, reg, base, index, disp);
        break;
    case IR_MO_SB:
        xg_mem(g, P_0F | 0xbe, true, reg, base, index, disp);
        break;
    case IR_MO_UW:
        xg_mem(g, P_0F | 0xb7, false, reg, base, index, disp);
        break;
    case IR_MO_SW:
        xg_mem(g, P_0F | 0xbf, true, reg, base, index, disp);
        break;
    case IR_MO_UL:
        xg_mem(g, 0x8b, false, reg, base, index, disp);
        break;
    case IR_MO_SL:
        xg_mem(g, 0x63, true, reg, base, index, disp);
        break;
    default:
        xg_mem(g, 0x8b, true, reg, base, index, disp);
        break;
    }
}

G_GNUC_INTERNAL void xg_load_mem(XGen *g, unsigned memop, int reg, int base, int32_t disp)
{
    xg_load_mem_idx(g, memop, reg, base, -1, disp);
}

/* [base (+ index) + disp] = low bytes of reg (for bytes: rax, rcx, rdx or a
 * register that takes a REX prefix). */
static void xg_store_mem_idx(XGen *g, unsigned memop, int reg, int base, int index, int32_t disp)
{
    switch (memop & IR_MO_SIZE) {
    case IR_MO_8:
        xg_mem(g, 0x88, false, reg, base, index, disp);
        break;
    case IR_MO_16:
        xg_mem(g, P_66 | 0x89, false, reg, base, index, disp);
        break;
    case IR_MO_32:
        xg_mem(g, 0x89, false, reg, base, index, disp);
        break;
    default:
        xg_mem(g, 0x89, true, reg, base, index, disp);
        break;
    }
}

G_GNUC_INTERNAL void xg_store_mem(XGen *g, unsigned memop, int reg, int base, int32_t disp)
{
    xg_store_mem_idx(g, memop, reg, base, -1, disp);
}

/* reg = ar + disp */
static void xg_addr_to(XGen *g, int reg, int ar, int32_t disp)
{
    if (disp) {
        xg_rm(g, 0x8d, true, reg, ar, disp);             /* lea */
    } else if (reg != ar) {
        xg_mov_rr(g, true, reg, ar);
    }
}

/*
 * TLB fast-path check for the address @ar + @disp: rdx = entry, compare
 * the page bits (plus the low alignment bits) with the comparator at
 * @cmp_off.  Returns the rel32 of the jump to the slow path (taken on
 * mismatch).
 */
static unsigned xg_tlb_check_reg(XGen *g, unsigned memop, int mmu, size_t cmp_off, int ar,
                                 int32_t disp)
{
    g_assert((unsigned)mmu < g->v->nb_mmu_modes);
    unsigned size = ir_memop_size(memop);
    /* rdx = tlb[mmu] + ((addr >> PAGE_BITS) & (TLB_SIZE - 1)) * 32 */
    G_STATIC_ASSERT(TCG_PAGE_BITS >= 5 && ((TCG_TLB_SIZE - 1) << 5) <= INT32_MAX);
    xg_addr_to(g, RDX, ar, disp);
    xg_shift_ri(g, SH_SHR, true, RDX, TCG_PAGE_BITS - 5);
    xg_arith_ri(g, AR_AND, false, RDX, (TCG_TLB_SIZE - 1) << 5);
    xg_rm(g, 0x03, true, RDX, R_VCPU, (int32_t)offsetof(TcgVcpu, tlb[mmu]));
    xg_addr_to(g, RCX, ar, disp);
    xg_arith_ri(g, AR_AND, true, RCX, (int32_t)(TCG_PAGE_MASK | (size - 1)));
    xg_rm(g, 0x3b, true, RCX, RDX, (int32_t)cmp_off);   /* cmp rcx, [rdx+off] */
    return xg_jcc(g, CC_NE);
}

static unsigned xg_tlb_check(XGen *g, unsigned memop, int mmu, size_t cmp_off)
{
    return xg_tlb_check_reg(g, memop, mmu, cmp_off, RAX, 0);
}

/* The register holding guest address temp @t: its cache register, or rax
 * loaded with it. */
static int xg_addr_reg(XGen *g, uint64_t t)
{
    int r = xg_is_i64(g, t) ? xg_operand_reg(g, t) : -1;
    if (r < 0) {
        xg_ld(g, RAX, t);
        r = RAX;
    }
    return r;
}

/* Guest address temp @t as a register plus displacement: a folded
 * address (see xg_op) is its base's register and the constant. */
static int xg_addr(XGen *g, uint64_t t, int32_t *disp)
{
    if (t == g->fold_temp) {
        g->fold_temp = IR_NO_TEMP;
        *disp = g->fold_disp;
        return xg_addr_reg(g, g->fold_base);
    }
    *disp = 0;
    return xg_addr_reg(g, t);
}

/* Defer the slow path of the guest access @op (its TLB check jumps from
 * @jump_at with the address in @ar; it returns to @resume, a load's value
 * in @dest_reg, or rax if -1) with the register cache @cache. */
static void xg_defer_slow(XGen *g, const IrOp *op, unsigned jump_at, int ar, int32_t disp,
                          unsigned resume, int dest_reg, const XCacheReg *cache)
{
    XSlowPath sp = { .jump_at = jump_at, .addr_reg = ar, .addr_disp = disp, .resume = resume,
                     .op = op, .dest_reg = dest_reg };
    memcpy(sp.cache, cache, sizeof(sp.cache));
    g_array_append_val(g->slow, sp);
}

/*
 * Guest loads and stores leave dirty globals in their registers: the fast
 * path cannot fault, and the slow path writes every dirty global home
 * before calling the engine (which may raise the guest's fault), so env is
 * exact wherever the guest can trap.  Host address = guest address (in
 * @ar) + the entry's addend (in rdx).  An i64 load goes straight into its
 * destination's cache register (allocated clean before the paths split,
 * made dirty after).
 */
G_GNUC_INTERNAL void xg_guest_ld(XGen *g, const IrOp *op)
{
    const uint64_t *a = op->args;
    unsigned memop = (unsigned)a[2];
    int mmu = (int)a[3];
    int32_t disp;
    int ar = xg_addr(g, a[1], &disp);
    XCacheReg *dc = NULL;
    if (xg_is_var(g, a[0]) && xg_is_i64(g, a[0]) && !g->spilled) {
        dc = xg_cached(g, a[0]);
        if (!dc) {
            dc = xg_cache_alloc(g, a[0]);
            dc->stamp = ++g->stamp;
        }
    }
    XCacheReg cache[X86_NCACHE];
    memcpy(cache, g->cache, sizeof(cache));
    unsigned slow = xg_tlb_check_reg(g, memop, mmu, offsetof(TcgTlbEntry, addr_read), ar, disp);
    xg_rm(g, 0x8b, true, RDX, RDX, offsetof(TcgTlbEntry, addend));
    xg_load_mem_idx(g, memop, dc ? dc->reg : RAX, ar, RDX, disp);
    xg_defer_slow(g, op, slow, ar, disp, xg_pos(g), dc ? dc->reg : -1, cache);
    if (dc) {
        dc->dirty = true;
    } else {
        xg_st(g, RAX, a[0]);
    }
}

G_GNUC_INTERNAL void xg_guest_st(XGen *g, const IrOp *op)
{
    const uint64_t *a = op->args;
    unsigned memop = (unsigned)a[2];
    int mmu = (int)a[3];
    /* Both operands before the paths split (the cache must not change in
     * one of them): the value in r11. */
    xg_ld(g, R11, a[0]);
    int32_t disp;
    int ar = xg_addr(g, a[1], &disp);
    unsigned slow = xg_tlb_check_reg(g, memop, mmu, offsetof(TcgTlbEntry, addr_write), ar,
                                     disp);
    xg_rm(g, 0x8b, true, RDX, RDX, offsetof(TcgTlbEntry, addend));
    xg_store_mem_idx(g, memop, R11, ar, RDX, disp);
    xg_defer_slow(g, op, slow, ar, disp, xg_pos(g), -1, g->cache);
}

/*
 * The deferred slow paths (the last code of the block): address in its
 * register (and a store's value in r11) as the TLB check left them; call
 * the engine's slow_ld/slow_st with the dirty globals and caller-saved
 * values of the register cache as it was at the access home, reload the
 * caller-saved ones, and jump back (a load's value where the fast path
 * leaves it).
 */
G_GNUC_INTERNAL void xg_emit_slow_paths(XGen *g)
{
    for (guint i = 0; i < g->slow->len; i++) {
        const XSlowPath *sp = &g_array_index(g->slow, XSlowPath, i);
        const uint64_t *a = sp->op->args;
        bool load = sp->op->opc == IR_OP_GUEST_LD;
        xg_patch_here(g, sp->jump_at);
        for (unsigned k = 0; k < X86_NCACHE; k++) {
            const XCacheReg *c = &sp->cache[k];
            if (c->temp >= 0 && c->dirty && (c->global || !c->callee_saved)) {
                xg_rm(g, 0x89, c->i64, c->reg, c->home_base, c->home_disp);
            }
        }
        xg_set_insn(g, sp->op);
        xg_addr_to(g, RSI, sp->addr_reg, sp->addr_disp);
        xg_mov_rr(g, true, RDI, R_VCPU);
        if (load) {
            xg_movi(g, false, RDX, (uint32_t)a[2]);
            xg_movi(g, false, RCX, (uint32_t)a[3]);
            xg_movi(g, false, R8, 1);
            xg_call_mem(g, R_VCPU, offsetof(TcgVcpu, slow_ld));
        } else {
            xg_mov_rr(g, true, RDX, R11);
            xg_movi(g, false, RCX, (uint32_t)a[2]);
            xg_movi(g, false, R8, (uint32_t)a[3]);
            xg_movi(g, false, R9, 1);
            xg_call_mem(g, R_VCPU, offsetof(TcgVcpu, slow_st));
        }
        xg_reload_caller_saved(g, sp->cache);
        if (sp->dest_reg >= 0) {
            xg_mov_rr(g, true, sp->dest_reg, RAX);
        }
        xg_patch_rel32(g, xg_jmp(g), sp->resume);
    }
}

/* Atomics through the engine: 7 arguments, the last (ra = 1) on the stack. */
static void xg_atomic_call(XGen *g, const IrOp *op)
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

/* reg = temp @t without changing the register cache (usable on one side of
 * a fast/slow path split; globals must be in env). */
static void xg_ld_keep(XGen *g, int reg, uint64_t t)
{
    const IrTempInfo *ti = &g->ir->temps[t];
    if (ti->kind == IR_TEMP_KIND_GLOBAL || ti->kind == IR_TEMP_KIND_LOCAL) {
        XCacheReg *c = xg_cached(g, t);
        int base;
        int32_t disp;
        if (c) {
            xg_mov_rr(g, true, reg, c->reg);
        } else {
            xg_home(g, t, &base, &disp);
            xg_rm(g, 0x8b, ti->type == IR_I64, reg, base, disp);
        }
        return;
    }
    xg_ld(g, reg, t);
}

/* A jcc back to byte offset @to. */
static void xg_jcc_back(XGen *g, int cc, unsigned to)
{
    xg_patch_rel32(g, xg_jcc(g, cc), to);
}

/*
 * Atomic read-modify-write and compare-and-swap of 4 or 8 bytes inline:
 * the TLB's write comparator (which also rejects misaligned addresses, MMIO
 * and pages holding code) guards a host lock-prefixed instruction on the
 * guest page; anything else calls the engine's atomic_rmw / atomic_cmpxchg,
 * which raises the architected faults.  xchg, lock xadd, and a lock
 * cmpxchg loop for the rest (and/or/xor/min/max).  The old value ends in
 * rax, extended per memop.
 */
G_GNUC_INTERNAL void xg_atomic(XGen *g, const IrOp *op)
{
    const uint64_t *a = op->args;
    bool cas = op->opc == IR_OP_ATOMIC_CMPXCHG;
    unsigned memop = (unsigned)(cas ? a[4] : a[3]);
    int mmu = (int)(cas ? a[5] : a[4]);
    unsigned size = ir_memop_size(memop);
    if (size < 4) {
        xg_atomic_call(g, op);
        return;
    }
    bool w = size == 8;
    IrAtomicOp aop = cas ? IR_ATOMIC_XCHG : (IrAtomicOp)a[5];
    xg_sync_globals(g);
    /* The operand the memory gets (rmw: val; cmpxchg: new) in r11. */
    xg_ld(g, R11, cas ? a[3] : a[2]);
    xg_ld(g, RAX, a[1]);
    unsigned slow = xg_tlb_check(g, memop, mmu, offsetof(TcgTlbEntry, addr_write));
    xg_rm(g, 0x8b, true, RDX, RDX, offsetof(TcgTlbEntry, addend));
    xg_rr(g, 0x01, true, RAX, RDX);                      /* rdx = host address */
    if (cas) {
        xg_ld_keep(g, RAX, a[2]);
        xg_b(g, 0xf0);
        xg_rm(g, P_0F | 0xb1, w, R11, RDX, 0);           /* lock cmpxchg [rdx], r11 */
    } else if (aop == IR_ATOMIC_XCHG) {
        xg_rm(g, 0x87, w, R11, RDX, 0);                  /* xchg [rdx], r11 (locked) */
        xg_mov_rr(g, true, RAX, R11);
    } else if (aop == IR_ATOMIC_ADD) {
        xg_b(g, 0xf0);
        xg_rm(g, P_0F | 0xc1, w, R11, RDX, 0);           /* lock xadd [rdx], r11 */
        xg_mov_rr(g, true, RAX, R11);
    } else {
        static const uint8_t logic[] = {
            [IR_ATOMIC_AND] = 0x21, [IR_ATOMIC_OR] = 0x09, [IR_ATOMIC_XOR] = 0x31,
        };
        static const uint8_t keep_old[] = {
            [IR_ATOMIC_SMIN] = CC_L, [IR_ATOMIC_SMAX] = CC_G,
            [IR_ATOMIC_UMIN] = CC_B, [IR_ATOMIC_UMAX] = CC_A,
        };
        g_assert((unsigned)aop <= IR_ATOMIC_UMAX);
        xg_rm(g, 0x8b, w, RAX, RDX, 0);                  /* rax = old */
        unsigned loop = xg_pos(g);
        if (aop <= IR_ATOMIC_XOR) {
            xg_mov_rr(g, true, RCX, RAX);
            xg_rr(g, logic[aop], w, R11, RCX);           /* rcx = old op val */
        } else {
            xg_mov_rr(g, true, RCX, R11);
            xg_rr(g, 0x39, w, R11, RAX);                 /* cmp old, val */
            xg_rr(g, P_0F | (0x40 + keep_old[aop]), w, RCX, RAX);  /* cmovcc rcx, rax */
        }
        xg_b(g, 0xf0);
        xg_rm(g, P_0F | 0xb1, w, RCX, RDX, 0);           /* lock cmpxchg [rdx], rcx */
        xg_jcc_back(g, CC_NE, loop);                     /* rax = what memory held */
    }
    if (!w) {
        if (memop & IR_MO_SIGN) {
            xg_rr(g, 0x63, true, RAX, RAX);              /* movsxd rax, eax */
        } else {
            xg_mov_rr(g, false, RAX, RAX);
        }
    }
    unsigned done = xg_jmp(g);
    xg_patch_here(g, slow);
    xg_slow_path_begin(g);
    xg_set_insn(g, op);
    xg_mov_rr(g, true, RSI, RAX);
    xg_mov_rr(g, true, RDI, R_VCPU);
    if (cas) {
        xg_ld_keep(g, RDX, a[2]);
        xg_mov_rr(g, true, RCX, R11);
        xg_movi(g, false, R8, memop);
        xg_movi(g, false, R9, (uint32_t)mmu);
    } else {
        xg_mov_rr(g, true, RDX, R11);
        xg_movi(g, false, RCX, (uint32_t)aop);
        xg_movi(g, false, R8, memop);
        xg_movi(g, false, R9, (uint32_t)mmu);
    }
    xg_arith_ri(g, AR_SUB, true, RSP, 16);
    xg_rm(g, 0xc7, true, 0, RSP, 0);
    xg_b4(g, 1);
    xg_call_mem(g, R_VCPU, cas ? offsetof(TcgVcpu, atomic_cmpxchg)
                               : offsetof(TcgVcpu, atomic_rmw));
    xg_arith_ri(g, AR_ADD, true, RSP, 16);
    xg_slow_path_end(g);
    xg_patch_here(g, done);
    xg_st(g, RAX, a[0]);
}
