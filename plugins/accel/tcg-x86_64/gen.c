/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 backend's code generator: IR block -> x86-64 machine code (see
 * x86.h for the register conventions).  Common ALU ops compute straight on
 * the registers of the register cache (regs.c); the others load their
 * operands into rax/rcx/rdx, compute and store the result through the
 * cache; guest memory accesses and atomics are in mem.c.  Every IR op is
 * supported.
 */
#include "plugins/accel/tcg-x86_64/xgen.h"

G_STATIC_ASSERT(G_BYTE_ORDER == G_LITTLE_ENDIAN);
G_STATIC_ASSERT(sizeof(TcgTlbEntry) == 32);
G_STATIC_ASSERT(sizeof(X86CodeHeader) % 16 == 0);

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
        if (c->temp < 0 || !c->global) {
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
static void xg_cmp(XGen *g, uint64_t x, uint64_t y, bool w)
{
    int32_t imm;
    /* A global read for the last time in this block and not cached is
     * compared in env, not loaded into a register first. */
    if (!g->spilled && xg_is_global(g, x) && g->temp_reg[x] < 0 &&
        g->last_use[x] == g->cur_op && xg_is_i64(g, x) == w) {
        int base;
        int32_t disp;
        xg_home(g, x, &base, &disp);
        if (xg_imm32(g, y, w, &imm)) {
            bool small = imm >= -128 && imm <= 127;
            xg_rm(g, small ? 0x83 : 0x81, w, AR_CMP, base, disp);
            if (small) {
                xg_b(g, (uint8_t)imm);
            } else {
                xg_b4(g, (uint32_t)imm);
            }
            return;
        }
        int ry = xg_operand_reg(g, y);
        if (ry < 0) {
            ry = RCX;
            xg_ld(g, RCX, y);
        }
        xg_rm(g, 0x39, w, ry, base, disp);                /* cmp [env + x], ry */
        return;
    }
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
    XFixup fx = { .at = at, .label = (unsigned)label };
    g_array_append_val(g->fixups, fx);
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

/*
 * Side exits: a label reached by one forward branch and not by falling in
 * (the code before it ends in an exit) starts with the register cache the
 * branch had, not an empty one, so a block that goes on past a conditional
 * branch keeps its guest registers in host registers.  Branches write
 * dirty values home first (xg_sync_all), so the kept cache is clean.
 * (Leaving them dirty across side exits, for the exit paths to write, was
 * measured slower: bench kernel `state` 0.36 -> 0.49 s.)
 */
static void xg_label_keep_cache(XGen *g, uint64_t label)
{
    g_assert(label < g->ir->nlabels);
    if (g->label_refs[label] != 1 || g->label_pos[label] >= 0) {
        return;
    }
    XLabelCache lc = { .label = (unsigned)label };
    memcpy(lc.cache, g->cache, sizeof(lc.cache));
    g_array_append_val(g->label_snap, lc);
}

static bool xg_label_take_cache(XGen *g, uint64_t label)
{
    for (guint i = 0; i < g->label_snap->len; i++) {
        const XLabelCache *lc = &g_array_index(g->label_snap, XLabelCache, i);
        if (lc->label != label) {
            continue;
        }
        for (unsigned k = 0; k < X86_NCACHE; k++) {
            if (g->cache[k].temp >= 0) {
                g->temp_reg[g->cache[k].temp] = -1;
            }
        }
        memcpy(g->cache, lc->cache, sizeof(g->cache));
        g->next_death = UINT32_MAX;
        for (unsigned k = 0; k < X86_NCACHE; k++) {
            const XCacheReg *c = &g->cache[k];
            if (c->temp >= 0) {
                g_assert(!c->dirty);
                g->temp_reg[c->temp] = (int8_t)k;
                g->next_death = MIN(g->next_death, c->dies);
            }
        }
        g_array_remove_index_fast(g->label_snap, i);
        return true;
    }
    return false;
}

/* ---- block structure ---------------------------------------------------------- */

/* Jump to the block in rax (already checked). */
static void xg_enter_rax(XGen *g)
{
    xg_rm(g, 0xff, false, 4, RAX, offsetof(TcgTb, code));   /* jmp [rax+code] */
}

/* A jmp rel32 (0: to the next instruction) whose rel32 is 4-byte aligned,
 * so that x86_link can patch it atomically while the block runs. */
static unsigned xg_aligned_jmp(XGen *g)
{
    /* Align the rel32 with 0-3 CS segment-override prefixes on the jmp
     * itself (ignored in 64-bit mode), not a nop executed on every pass. */
    unsigned pad = (3 - (xg_pos(g) & 3)) & 3;
    for (unsigned i = 0; i < pad; i++) {
        xg_b(g, 0x2e);
    }
    unsigned at = xg_jmp(g);
    g_assert((at & 3) == 0);
    return at;
}

/* goto_tb: a jmp rel32 that the backend's link() patches to the target's
 * code (whose entry checks exit requests); 0 falls through to the exit. */
static void xg_goto_tb(XGen *g, uint64_t slot)
{
    g_assert(slot < IR_MAX_GOTO_TB);
    g->links->jmp_off[slot] = xg_aligned_jmp(g);
}

/*
 * Self loops.  A goto_tb whose target is the block's own first instruction
 * (the op after it sets the pc to tb->pc) runs the block again without
 * leaving it once the engine links the slot to the block itself: a jump
 * before the goto_tb (patched by x86_link, X86Links.self_at) goes to an
 * out-of-line stub that checks what the block entry checks (exit
 * requests, fence.i), writes home the dirty globals the loop head does not
 * hold, moves the guest registers the loop head expects into their
 * registers (the rest from env) and jumps to the loop head, past the entry
 * check.  The loop head's registers count as dirty.  Guest registers
 * carried around the loop in host registers do not go through memory
 * (a store and a reload on the loop's critical path).  The loop head's
 * registers are chosen by generating the block twice: the globals cached
 * at the first such goto_tb that the block reads before writing them
 * start the second generation in the same registers.  Unlinked (chaining
 * off, the block invalidated, or the slot linked to another block), the
 * jump falls through to the goto_tb.
 */
static bool xg_is_self_goto(XGen *g)
{
    const IrBlock *ir = g->ir;
    if (g->v->pc_offset < 0 || g->cur_op + 1 >= ir->nops) {
        return false;
    }
    const IrOp *mov = &ir->ops[g->cur_op + 1];
    if (mov->opc != IR_OP_MOV || mov->type != IR_I64 || mov->args[0] >= ir->ntemps ||
        mov->args[1] >= ir->ntemps) {
        return false;
    }
    const IrTempInfo *d = &ir->temps[mov->args[0]], *v = &ir->temps[mov->args[1]];
    return d->kind == IR_TEMP_KIND_GLOBAL && d->env_offset == g->v->pc_offset &&
           v->kind == IR_TEMP_KIND_CONST && v->value == g->tb->pc;
}

static void xg_self_site(XGen *g, uint64_t slot)
{
    g_assert(slot < IR_MAX_GOTO_TB);
    XSelfStub st = { .slot = (unsigned)slot };
    memcpy(st.cache, g->cache, sizeof(st.cache));
    g->links->self_at[slot] = xg_aligned_jmp(g);
    st.resume = xg_pos(g);
    g->rax_temp = IR_NO_TEMP;            /* the stub's check uses rax */
    g_array_append_val(g->self_stubs, st);
}

/* Head entry (cache index) holding global @t at the loop head, or -1. */
static int xg_head_index(const XCacheReg *head, int64_t t)
{
    for (unsigned k = 0; t >= 0 && k < X86_NCACHE; k++) {
        if (head[k].temp == t) {
            return (int)k;
        }
    }
    return -1;
}

/*
 * What a self loop's stub does to go from register cache @from (at the
 * goto_tb) to @head (the loop head's, whose entries count as dirty), as
 * XLoopMoves in order, into @out (room for 3 * X86_NCACHE); returns their
 * number.  Cache index k is the same host register in both.  First the
 * dirty globals the head does not hold go home.  Then, per head entry k,
 * src[k]: the index holding its global in @from, -1: load it from env
 * (which holds every global not in a register), -2: nothing to do.
 * Register moves go first, each once no other pending move reads its
 * destination; a cycle is broken by writing one of its values home and
 * loading it from there instead.
 */
G_GNUC_INTERNAL unsigned xg_loop_moves(const XCacheReg *from, const XCacheReg *head,
                                       XLoopMove *out)
{
    unsigned n = 0;
    for (unsigned k = 0; k < X86_NCACHE; k++) {
        const XCacheReg *c = &from[k];
        if (c->temp >= 0 && c->global && c->dirty && xg_head_index(head, c->temp) < 0) {
            out[n++] = (XLoopMove){ XLM_STORE, (uint8_t)k, (uint8_t)k };
        }
    }
    int src[X86_NCACHE];
    for (unsigned k = 0; k < X86_NCACHE; k++) {
        src[k] = head[k].temp < 0 || from[k].temp == head[k].temp ? -2 : -1;
        for (unsigned j = 0; src[k] == -1 && j < X86_NCACHE; j++) {
            if (from[j].temp == head[k].temp) {
                src[k] = (int)j;
            }
        }
    }
    for (;;) {
        bool pending = false, moved = false;
        for (unsigned k = 0; k < X86_NCACHE; k++) {
            if (src[k] < 0) {
                continue;
            }
            pending = true;
            bool needed = false;
            for (unsigned m = 0; m < X86_NCACHE; m++) {
                needed |= m != k && src[m] == (int)k;
            }
            if (!needed) {
                out[n++] = (XLoopMove){ XLM_MOV, (uint8_t)k, (uint8_t)src[k] };
                src[k] = -2;
                moved = true;
            }
        }
        if (!pending) {
            break;
        }
        if (!moved) {
            unsigned k = 0;
            while (src[k] < 0) {
                k++;
            }
            out[n++] = (XLoopMove){ XLM_STORE, (uint8_t)k, (uint8_t)k };
            for (unsigned m = 0; m < X86_NCACHE; m++) {
                if (src[m] == (int)k) {
                    src[m] = -1;
                }
            }
        }
    }
    for (unsigned k = 0; k < X86_NCACHE; k++) {
        if (src[k] == -1) {
            out[n++] = (XLoopMove){ XLM_LOAD, (uint8_t)k, (uint8_t)k };
        }
    }
    g_assert(n <= 3 * X86_NCACHE);
    return n;
}

/* The stub: check; the moves to the loop head's registers; jump. */
static void xg_self_stub(XGen *g, const XSelfStub *st)
{
    g->links->self_to[st->slot] = xg_pos(g);
    xg_rm(g, 0x8b, true, RAX, R_VCPU, offsetof(TcgVcpu, exit_flag));
    xg_rm(g, 0x3b, true, RAX, R_TB, offsetof(TcgTb, entry_zero));
    xg_patch_rel32(g, xg_jcc(g, CC_NE), st->resume);
    XLoopMove mv[3 * X86_NCACHE];
    unsigned n = xg_loop_moves(st->cache, g->head_cache, mv);
    for (unsigned i = 0; i < n; i++) {
        const XCacheReg *c = &st->cache[mv[i].src], *h = &g->head_cache[mv[i].dst];
        switch (mv[i].kind) {
        case XLM_STORE:
            xg_rm(g, 0x89, c->i64, c->reg, c->home_base, c->home_disp);
            break;
        case XLM_MOV:
            xg_mov_rr(g, true, h->reg, c->reg);
            break;
        default:
            xg_rm(g, 0x8b, h->i64, h->reg, h->home_base, h->home_disp);
            break;
        }
    }
    xg_patch_rel32(g, xg_jmp(g), g->loop_head);
}

/* Jump to the block for the current pc if the jump cache holds it for this
 * block's flags (see TcgVcpu.jmp_cache); else ask the engine. */
static void xg_lookup_and_goto(XGen *g, uint64_t flags)
{
    unsigned miss[5], nmiss = 0;
    if (g->v->pc_offset >= 0) {
        xg_rm(g, 0x8b, true, RCX, R_VCPU, offsetof(TcgVcpu, jmp_cache));
        xg_rr(g, 0x85, true, RCX, RCX);
        miss[nmiss++] = xg_jcc(g, CC_E);
        /* rdx = tcg_jc_hash(pc), r11 scratch */
        xg_rm(g, 0x8b, true, RAX, R_ENV, (int32_t)g->v->pc_offset);
        xg_mov_rr(g, true, RDX, RAX);
        xg_shift_ri(g, SH_SHR, true, RDX, TCG_JMP_GROUP_SHIFT);
        xg_mov_rr(g, true, R11, RDX);
        xg_arith_ri(g, AR_AND, false, RDX,
                    (int32_t)((TCG_JMP_CACHE_SIZE - 1) & ~(TCG_JMP_GROUP_SIZE - 1)));
        xg_rr(g, 0x31, true, RAX, R11);                  /* xor r11, rax */
        xg_shift_ri(g, SH_SHR, true, R11, 1);
        xg_arith_ri(g, AR_AND, false, R11, TCG_JMP_GROUP_SIZE - 1);
        xg_rr(g, 0x09, true, R11, RDX);                  /* or rdx, r11 */
        static const uint8_t load_entry[] = { 0x48, 0x8b, 0x14, 0xd1 };
        xg_bytes(g, load_entry, sizeof(load_entry));     /* mov rdx, [rcx + rdx * 8] */
        xg_rr(g, 0x85, true, RDX, RDX);
        miss[nmiss++] = xg_jcc(g, CC_E);
        xg_rm(g, 0x3b, true, RAX, RDX, offsetof(TcgTb, pc));
        miss[nmiss++] = xg_jcc(g, CC_NE);
        xg_rm(g, 0x83, false, AR_CMP, RDX, offsetof(TcgTb, invalid));
        xg_b(g, 0);
        miss[nmiss++] = xg_jcc(g, CC_NE);
        xg_movi(g, true, RCX, flags);
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
    /* (exit_flag, icache_gen) == (entry_zero, verified_gen) in one compare. */
    G_STATIC_ASSERT(offsetof(TcgVcpu, icache_gen) == offsetof(TcgVcpu, exit_flag) + 4);
    G_STATIC_ASSERT(offsetof(TcgTb, verified_gen) == offsetof(TcgTb, entry_zero) + 4);
    G_STATIC_ASSERT(sizeof(((TcgVcpu *)0)->exit_flag) == 4);
    /* Always the 10-byte movabs at the very start: x86_clone() rewrites
     * its immediate (X86_TB_IMM_OFF) when it copies the code for another
     * vCPU. */
    g_assert(xg_pos(g) == 0);
    xg_b(g, 0x49);
    xg_b(g, 0xb8 + (R_TB & 7));                           /* movabs r15, imm64 */
    xg_b8(g, (uint64_t)(uintptr_t)g->tb);
    xg_rm(g, 0x8b, true, RAX, R_VCPU, offsetof(TcgVcpu, exit_flag));
    xg_rm(g, 0x3b, true, RAX, R_TB, offsetof(TcgTb, entry_zero));
    g->abort_at = xg_jcc(g, CC_NE);
}

/* The entry's way out: the guest state goes back to this block's start. */
static void xg_entry_abort(XGen *g)
{
    xg_patch_here(g, g->abort_at);
    xg_mov_rr(g, true, RDI, R_VCPU);
    xg_mov_rr(g, true, RSI, R_TB);
    xg_call_mem(g, R_VCPU, offsetof(TcgVcpu, enter_abort));
    xg_exit(g, -1);
}

/*
 * Address folding: t = x + constant, where t is a block temp whose only use
 * is as the address of the guest access right after, is not computed; the
 * access uses x's register with the constant as displacement (lea for the
 * TLB check, [x + addend + constant] for the access itself).
 */
static bool xg_fold_address(XGen *g, const IrOp *op)
{
    const IrBlock *ir = g->ir;
    const uint64_t *a = op->args;
    int32_t imm;
    if (op->opc != IR_OP_ADD || op->type != IR_I64 || g->cur_op + 1 >= ir->nops ||
        ir->temps[a[0]].kind != IR_TEMP_KIND_LOCAL || g->last_use[a[0]] != g->cur_op + 1 ||
        !xg_is_var(g, a[1]) || !xg_is_i64(g, a[1]) || !xg_imm32(g, a[2], true, &imm) ||
        g->temp_reg[a[0]] >= 0) {
        return false;
    }
    const IrOp *next = &ir->ops[g->cur_op + 1];
    bool access = next->opc == IR_OP_GUEST_LD ||
                  (next->opc == IR_OP_GUEST_ST && next->args[0] != a[0]);
    if (!access || next->args[1] != a[0] || (next->opc == IR_OP_GUEST_LD && next->args[0] == a[1])) {
        return false;
    }
    /* A block-temp base lives on to the access (dying here, it would
     * leave the cache unsaved; globals never die). */
    if (!xg_is_global(g, a[1]) && g->last_use[a[1]] < g->cur_op + 1) {
        g->last_use[a[1]] = g->cur_op + 1;
        int k = g->temp_reg[a[1]];
        if (k >= 0) {
            g->cache[k].dies = g->cur_op + 1;
        }
    }
    g->fold_temp = a[0];
    g->fold_base = a[1];
    g->fold_disp = imm;
    return true;
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
        if (xg_fold_address(g, op)) {
            return;
        }
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
        xg_label_keep_cache(g, a[3]);
        g->dead = (IrCond)a[2] == IR_COND_ALWAYS;
        return;
    case IR_OP_SETCOND:
    case IR_OP_MOVCOND:
        xg_cond(g, op, w);
        return;
    case IR_OP_BR:
        xg_sync_all(g, false);
        xg_label_keep_cache(g, a[0]);
        xg_branch_to(g, xg_jmp(g), a[0]);
        g->dead = true;
        return;
    case IR_OP_SET_LABEL:
        g_assert(a[0] < g->ir->nlabels);
        if (!g->dead || !xg_label_take_cache(g, a[0])) {
            xg_sync_all(g, true);
        }
        g->dead = false;
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
        if (xg_is_self_goto(g)) {
            xg_self_site(g, a[0]);
        }
        xg_sync_globals(g);
        xg_goto_tb(g, a[0]);
        return;
    case IR_OP_EXIT_TB:
        xg_sync_globals(g);
        xg_exit(g, a[0] == IR_EXIT_NO_CHAIN ? -1 : (int)a[0]);
        g->dead = true;
        return;
    case IR_OP_LOOKUP_AND_GOTO_PTR:
        xg_sync_globals(g);
        xg_lookup_and_goto(g, a[0]);
        g->dead = true;
        return;
    case IR_OP_MB:
        /* x86-64 is TSO: only store->load ordering needs a fence. */
        if (!(a[0] & IR_MB_ST_LD)) {
            return;
        }
        xg_b(g, 0x0f);
        xg_b(g, 0xae);
        xg_b(g, 0xf0);                                   /* mfence */
        return;
    default:
        g_assert_not_reached();
    }
}

/* Scratch array @a (created on first use) with room for @n elements. */
static void *xg_scratch_array(GArray **a, unsigned elt_size, unsigned n)
{
    if (!*a) {
        *a = g_array_sized_new(FALSE, FALSE, elt_size, n);
    }
    if ((*a)->len < n) {
        g_array_set_size(*a, n);
    }
    return (*a)->data;
}

/* Whether block op order reads global @t before writing it (a value the
 * block takes from before it). */
static bool xg_read_first(XGen *g, uint64_t t)
{
    for (unsigned i = 0; i < g->ir->nops; i++) {
        const IrOp *op = &g->ir->ops[i];
        if (op->opc == IR_OP_CALL) {
            for (unsigned k = 0; k < op->args[3] && k < IR_MAX_CALL_ARGS; k++) {
                if (op->args[4 + k] == t) {
                    return true;
                }
            }
            if (op->args[0] == t) {
                return false;
            }
            continue;
        }
        unsigned nout = xg_nout_of(op->opc), nin = xg_nin_of(op->opc);
        for (unsigned k = nout; k < nout + nin; k++) {
            if (op->args[k] == t) {
                return true;
            }
        }
        for (unsigned k = 0; k < nout; k++) {
            if (op->args[k] == t) {
                return false;
            }
        }
    }
    return false;
}

/* One generation of the block; @preload[k]: the global cache entry k
 * holds at the loop head (IR_NO_TEMP: none). */
static void xg_generate(XGen *g, const uint64_t preload[X86_NCACHE])
{
    for (unsigned i = 0; i < X86_NCACHE; i++) {
        g->cache[i] = (XCacheReg){ .reg = xg_cache_regs[i], .temp = -1,
                                   .callee_saved = xg_cache_regs[i] == RBP };
    }
    xg_entry(g);
    for (unsigned k = 0; k < X86_NCACHE; k++) {
        if (preload[k] != IR_NO_TEMP) {
            xg_cache_preload(g, k, preload[k]);
            g->cache[k].dirty = true;            /* as the loop stub leaves it */
        }
    }
    g->loop_head = xg_pos(g);
    memcpy(g->head_cache, g->cache, sizeof(g->cache));
    for (unsigned i = 0; i < g->ir->nops; i++) {
        g->cur_op = i;
        xg_op(g, &g->ir->ops[i]);
        xg_release_dead(g, i);
    }
    /* A block must not fall off its end; guard against translator bugs. */
    xg_sync_globals(g);
    xg_exit(g, -1);
    xg_entry_abort(g);
    xg_emit_slow_paths(g);
    for (guint i = 0; i < g->self_stubs->len; i++) {
        xg_self_stub(g, &g_array_index(g->self_stubs, XSelfStub, i));
    }
    for (guint i = 0; i < g->fixups->len; i++) {
        const XFixup *fx = &g_array_index(g->fixups, XFixup, i);
        g_assert(g->label_pos[fx->label] >= 0);
        xg_patch_rel32(g, fx->at, (unsigned)g->label_pos[fx->label]);
    }
}

const uint8_t *x86_gen_block(TcgVcpu *v, X86Vcpu *xv, const IrBlock *ir, TcgTb *tb,
                             X86Links *links, unsigned *len)
{
    if (ir->ntemps > ir->first_local + X86_FRAME_SLOTS) {
        return NULL;
    }
    if (!xv->gen) {
        xv->gen = g_new0(XGenScratch, 1);
    }
    XGenScratch *s = xv->gen;
    xg_scratch_array(&s->fixups, sizeof(XFixup), 0);
    xg_scratch_array(&s->slow, sizeof(XSlowPath), 0);
    xg_scratch_array(&s->label_snap, sizeof(XLabelCache), 0);
    xg_scratch_array(&s->self_stubs, sizeof(XSelfStub), 0);
    uint64_t preload[X86_NCACHE];
    for (unsigned k = 0; k < X86_NCACHE; k++) {
        preload[k] = IR_NO_TEMP;
    }
    for (unsigned pass = 0;; pass++) {
        g_array_set_size(s->fixups, 0);
        g_array_set_size(s->slow, 0);
        g_array_set_size(s->label_snap, 0);
        g_array_set_size(s->self_stubs, 0);
        *links = (X86Links){ { 0 } };
        XGen g = {
            .v = v, .ir = ir, .tb = tb,
            .code = s->code, .cap = s->code_cap,
            .label_pos = xg_scratch_array(&s->label_pos, sizeof(int), ir->nlabels + 1),
            .fixups = s->fixups,
            .rax_temp = IR_NO_TEMP,
            .next_death = UINT32_MAX,
            .links = links,
            .slow = s->slow,
            .temp_reg = xg_scratch_array(&s->temp_reg, sizeof(int8_t), ir->ntemps),
            .last_use = xg_scratch_array(&s->last_use, sizeof(uint32_t), ir->ntemps),
            .label_refs = xg_scratch_array(&s->label_refs, sizeof(uint8_t), ir->nlabels + 1),
            .label_snap = s->label_snap,
            .self_stubs = s->self_stubs,
            .fold_temp = IR_NO_TEMP,
        };
        xg_liveness(&g, xg_scratch_array(&s->label_op, sizeof(int), ir->nlabels + 1));
        memset(g.label_pos, -1, (ir->nlabels + 1) * sizeof(int));
        xg_generate(&g, preload);
        s->code = g.code;
        s->code_cap = g.cap;
        *len = g.len;
        /* Self loop: generate again with the loop's registers preloaded. */
        bool again = false;
        if (pass == 0 && g.self_stubs->len) {
            const XSelfStub *st = &g_array_index(g.self_stubs, XSelfStub, 0);
            for (unsigned k = 0; k < X86_NCACHE; k++) {
                const XCacheReg *c = &st->cache[k];
                if (c->temp >= 0 && c->global && xg_read_first(&g, (uint64_t)c->temp)) {
                    preload[k] = (uint64_t)c->temp;
                    again = true;
                }
            }
        }
        if (!again) {
            return g.code;
        }
    }
}

void x86_gen_scratch_free(XGenScratch *s)
{
    if (!s) {
        return;
    }
    g_free(s->code);
    GArray *arrays[] = {
        s->label_pos, s->label_op, s->fixups, s->slow, s->temp_reg, s->last_use,
        s->label_refs, s->label_snap, s->self_stubs,
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(arrays); i++) {
        if (arrays[i]) {
            g_array_free(arrays[i], TRUE);
        }
    }
    g_free(s);
}

GByteArray *x86_gen_entry_stub(TcgVcpu *v, uint64_t *frame)
{
    XGen g = { .v = v };
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
    return g_byte_array_new_take(g.code, g.len);
}
