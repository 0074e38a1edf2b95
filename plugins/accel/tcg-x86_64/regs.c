/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 code generator's register cache (see the comment on XCacheReg
 * in xgen.h), the ops computed straight on cached registers, and the
 * liveness pass that lets dead block temps leave the cache unsaved.
 */
#include "plugins/accel/tcg-x86_64/xgen.h"

/* ---- temps ------------------------------------------------------------------ */

G_GNUC_INTERNAL int32_t xg_slot_disp(XGen *g, uint64_t t)
{
    return (int32_t)((t - g->ir->first_local) * sizeof(uint64_t));
}

/* Home of temp @t: [base + disp]. */
G_GNUC_INTERNAL void xg_home(XGen *g, uint64_t t, int *base, int32_t *disp)
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

/* Write cache entry @c's value home if dirty (it stays cached, clean). */
G_GNUC_INTERNAL void xg_cache_writeback(XGen *g, XCacheReg *c)
{
    if (c->temp >= 0 && c->dirty) {
        xg_rm(g, 0x89, c->i64, c->reg, c->home_base, c->home_disp);
        c->dirty = false;
    }
}

G_GNUC_INTERNAL void xg_cache_drop(XGen *g, XCacheReg *c)
{
    if (c->temp >= 0) {
        g->temp_reg[c->temp] = -1;
        c->temp = -1;
        c->dirty = false;
    }
}

/* Cache entry @c now holds temp @t. */
static void xg_cache_hold(XGen *g, XCacheReg *c, uint64_t t)
{
    c->temp = (int64_t)t;
    c->global = xg_is_global(g, t);
    c->i64 = xg_is_i64(g, t);
    xg_home(g, t, &c->home_base, &c->home_disp);
    c->dies = c->global ? UINT32_MAX : g->last_use[t];
    g->next_death = MIN(g->next_death, c->dies);
    g->temp_reg[t] = (int8_t)(c - g->cache);
}

/* Globals home (before accesses that may fault, calls reading them, exits). */
G_GNUC_INTERNAL void xg_sync_globals(XGen *g)
{
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        XCacheReg *c = &g->cache[i];
        if (c->temp >= 0 && c->global) {
            xg_cache_writeback(g, c);
        }
    }
}

/* Everything home; @drop: forget it all (labels, branch targets). */
G_GNUC_INTERNAL void xg_sync_all(XGen *g, bool drop)
{
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        xg_cache_writeback(g, &g->cache[i]);
        if (drop) {
            xg_cache_drop(g, &g->cache[i]);
        }
    }
}

/* Before a call: caller-saved registers home and forgotten. */
G_GNUC_INTERNAL void xg_spill_caller_saved(XGen *g)
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
G_GNUC_INTERNAL void xg_forget_globals(XGen *g)
{
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        XCacheReg *c = &g->cache[i];
        if (c->temp >= 0 && c->global) {
            g_assert(!c->dirty);
            xg_cache_drop(g, c);
        }
    }
}

/* Dirty caller-saved values of register cache @cache home (they stay
 * cached). */
G_GNUC_INTERNAL void xg_save_caller_saved(XGen *g, const XCacheReg *cache)
{
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        const XCacheReg *c = &cache[i];
        if (!c->callee_saved && c->temp >= 0 && c->dirty) {
            xg_rm(g, 0x89, c->i64, c->reg, c->home_base, c->home_disp);
        }
    }
}

/* The caller-saved registers of register cache @cache loaded again. */
G_GNUC_INTERNAL void xg_reload_caller_saved(XGen *g, const XCacheReg *cache)
{
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        const XCacheReg *c = &cache[i];
        if (!c->callee_saved && c->temp >= 0) {
            xg_rm(g, 0x8b, c->i64, c->reg, c->home_base, c->home_disp);
        }
    }
}

/* Slow path entry: dirty caller-saved values home; reads come from memory
 * until xg_slow_path_end() reloads the registers. */
G_GNUC_INTERNAL void xg_slow_path_begin(XGen *g)
{
    xg_save_caller_saved(g, g->cache);
    g->spilled = true;
}

G_GNUC_INTERNAL void xg_slow_path_end(XGen *g)
{
    g->spilled = false;
    xg_reload_caller_saved(g, g->cache);
}

/* A cache register for temp @t (evicting the least recently used). */
G_GNUC_INTERNAL XCacheReg *xg_cache_alloc(XGen *g, uint64_t t)
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
    xg_cache_hold(g, best, t);
    return best;
}

/* Cache entry @k holds global @t, loaded (clean). */
G_GNUC_INTERNAL void xg_cache_preload(XGen *g, unsigned k, uint64_t t)
{
    XCacheReg *c = &g->cache[k];
    g_assert(c->temp < 0 && g->temp_reg[t] < 0 && xg_is_global(g, t));
    xg_cache_hold(g, c, t);
    c->stamp = ++g->stamp;
    xg_rm(g, 0x8b, c->i64, c->reg, c->home_base, c->home_disp);
}

G_GNUC_INTERNAL XCacheReg *xg_cached(XGen *g, uint64_t t)
{
    int i = g->temp_reg[t];
    if (i < 0 || (g->spilled && !g->cache[i].callee_saved)) {
        return NULL;
    }
    g->cache[i].stamp = ++g->stamp;
    return &g->cache[i];
}

/* reg = temp @t (i32 temps zero-extended). */
G_GNUC_INTERNAL void xg_ld(XGen *g, int reg, uint64_t t)
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
G_GNUC_INTERNAL void xg_st(XGen *g, int reg, uint64_t t)
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
G_GNUC_INTERNAL void xg_release_dead(XGen *g, unsigned i)
{
    if (i < g->next_death) {
        return;
    }
    g->next_death = UINT32_MAX;
    for (unsigned k = 0; k < X86_NCACHE; k++) {
        XCacheReg *c = &g->cache[k];
        if (c->temp >= 0 && c->dies <= i) {
            xg_cache_drop(g, c);
        } else if (c->temp >= 0) {
            g->next_death = MIN(g->next_death, c->dies);
        }
    }
}

/* Store the instruction index for find_insn before a call-out. */
G_GNUC_INTERNAL void xg_set_insn(XGen *g, const IrOp *op)
{
    xg_rm(g, 0x89, true, R_TB, R_VCPU, offsetof(TcgVcpu, cur_tb));
    xg_rm(g, 0xc7, false, 0, R_VCPU, (int32_t)offsetof(TcgVcpu, cur_insn));
    xg_b4(g, op->insn);
}

/* ---- ops straight on cache registers -------------------------------------------- */

/* The cache register holding temp @t (a global is loaded into one), or -1. */
G_GNUC_INTERNAL int xg_operand_reg(XGen *g, uint64_t t)
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
G_GNUC_INTERNAL int xg_result_reg(XGen *g, uint64_t t)
{
    XCacheReg *c = xg_cached(g, t);
    if (!c) {
        c = xg_cache_alloc(g, t);
        c->stamp = ++g->stamp;
    }
    c->dirty = true;
    return c->reg;
}

/*
 * The result register for d = op(x, ...) when x is a block temp read for the
 * last time here: x's register is handed over to d (which becomes dirty
 * there), so no copy is needed.  Otherwise as xg_result_reg().  d must be
 * neither x nor another operand of the op.
 */
static int xg_result_reg_from(XGen *g, uint64_t d, uint64_t x)
{
    int xi = g->temp_reg[x];
    if (xi < 0 || xg_is_global(g, x) || g->last_use[x] != g->cur_op || d == x) {
        return xg_result_reg(g, d);
    }
    int di = g->temp_reg[d];
    if (di >= 0) {
        xg_cache_drop(g, &g->cache[di]);         /* its old value is overwritten */
    }
    XCacheReg *c = &g->cache[xi];
    g->temp_reg[x] = -1;
    xg_cache_hold(g, c, d);
    c->dirty = true;
    c->stamp = ++g->stamp;
    return c->reg;
}

/* d = a op b for add/sub/and/or/xor/mul and shifts by constants, computed in
 * d's register.  False: use the generic path. */
G_GNUC_INTERNAL bool xg_binop_direct(XGen *g, IrOpcode opc, bool w, uint64_t d, uint64_t x,
                                     uint64_t y)
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
    if (opc == IR_OP_SUB && xg_imm32(g, x, w, &imm) && imm == 0 && xg_is_var(g, y)) {
        return xg_unop_direct(g, IR_OP_NEG, w, d, y);     /* 0 - y */
    }
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
    int rd = d == y ? xg_result_reg(g, d) : xg_result_reg_from(g, d, x);
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
G_GNUC_INTERNAL bool xg_unop_direct(XGen *g, IrOpcode opc, bool w, uint64_t d, uint64_t src)
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
        rd = xg_result_reg_from(g, d, src);
        if (rd != rs) {
            xg_mov_rr(g, w, rd, rs);
        }
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
        rd = xg_result_reg_from(g, d, src);
        if (rd != rs) {
            xg_mov_rr(g, w, rd, rs);
        }
        xg_rr(g, 0xf7, w, opc == IR_OP_NEG ? 3 : 2, rd);
        return true;
    default:
        return false;
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

G_GNUC_INTERNAL unsigned xg_nout_of(unsigned opc)
{
    return xg_nout[opc];
}

G_GNUC_INTERNAL unsigned xg_nin_of(unsigned opc)
{
    return xg_nin[opc];
}

static void xg_use(XGen *g, uint64_t t, unsigned i)
{
    if (t < g->ir->ntemps) {
        g->last_use[t] = i;
    }
}

/* Last use of every temp (and no temp cached); with a backward branch,
 * block temps live to the end; the branches to each label (label_refs).
 * @label_at: room for nlabels + 1 ints. */
G_GNUC_INTERNAL void xg_liveness(XGen *g, int *label_at)
{
    const IrBlock *ir = g->ir;
    memset(g->temp_reg, -1, ir->ntemps);
    memset(g->last_use, 0, ir->ntemps * sizeof(uint32_t));
    memset(label_at, -1, (ir->nlabels + 1) * sizeof(int));
    memset(g->label_refs, 0, ir->nlabels + 1);
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
        if (target < ir->nlabels && g->label_refs[target] < UINT8_MAX) {
            g->label_refs[target]++;
        }
    }
    if (backward) {
        for (unsigned t = ir->first_local; t < ir->ntemps; t++) {
            g->last_use[t] = UINT32_MAX;
        }
    }
}
