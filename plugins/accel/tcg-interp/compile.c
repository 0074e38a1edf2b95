/* SPDX-License-Identifier: MIT */
/*
 * The interpreter's compiler: IR block -> records (see interp.h).
 *
 * Block temps get frame slots by live interval (first to last mention in
 * op order), which is exact when every branch goes forward; a block with a
 * backward branch keeps one slot per temp.  Adds, ands and shifts by a
 * constant and moves of constants get immediate forms.
 */
#include <string.h>

#include "plugins/accel/tcg-interp/interp.h"

typedef struct Compiler {
    InterpBackend *be;
    TcgVcpu *v;
    const IrBlock *ir;
    TcgTb *tb;
    GArray *recs;            /* InterpInsn */
    GArray *fixups;          /* (record index, label) pairs of branch targets */
    int *label_pos;          /* record index of each label, -1 while unset */
    uint64_t *consts;
    unsigned nconsts;
    int *const_idx;          /* temp -> constant pool index or -1 */
    int *slot;               /* temp -> frame slot or -1 */
    unsigned *last_use;      /* temp -> last op index mentioning it */
    unsigned *first_use;     /* temp -> first op index mentioning it */
    unsigned *nwrites;       /* temp -> number of ops writing it */
    IrTemp *alias;           /* temp -> temp whose storage it shares, or itself */
    GArray *free_slots;      /* unsigned */
    unsigned next_slot;
    bool reuse_slots;
    bool overflow;
} Compiler;

static const void *handler(Compiler *c, InterpHandler h)
{
    return c->be->handlers[h];
}

static InterpInsn *emit(Compiler *c, InterpHandler h, unsigned nrecs)
{
    unsigned at = c->recs->len;
    g_array_set_size(c->recs, at + nrecs);
    InterpInsn *r = &g_array_index(c->recs, InterpInsn, at);
    memset(r, 0, nrecs * sizeof(*r));
    r->op.h = handler(c, h);
    return r;
}

static unsigned const_index(Compiler *c, IrTemp t)
{
    if (c->const_idx[t] < 0) {
        c->const_idx[t] = (int)c->nconsts;
        c->consts[c->nconsts++] = t == IR_TEMP_ENV ? (uint64_t)(uintptr_t)c->v->env
                                                   : c->ir->temps[t].value;
    }
    return (unsigned)c->const_idx[t];
}

/* Frame slot of a block temp, allocated on first mention. */
static unsigned temp_slot(Compiler *c, IrTemp t)
{
    if (c->slot[t] < 0) {
        unsigned s;
        if (c->free_slots->len) {
            s = g_array_index(c->free_slots, unsigned, c->free_slots->len - 1);
            g_array_set_size(c->free_slots, c->free_slots->len - 1);
        } else {
            s = c->next_slot++;
            if (s >= INTERP_FRAME_SLOTS) {
                c->overflow = true;
                s = 0;
            }
        }
        c->slot[t] = (int)s;
    }
    return (unsigned)c->slot[t];
}

/* Host address of temp @t's value. */
static void *opnd(Compiler *c, uint64_t t)
{
    g_assert(t < c->ir->ntemps);
    t = c->alias[t];
    const IrTempInfo *ti = &c->ir->temps[t];
    InterpVcpu *iv = c->v->backend_data;
    switch (ti->kind) {
    case IR_TEMP_KIND_GLOBAL:
        return (char *)c->v->env + ti->env_offset;
    case IR_TEMP_KIND_ENV:
    case IR_TEMP_KIND_CONST:
        return &c->consts[const_index(c, (IrTemp)t)];
    default:
        return &iv->frame[temp_slot(c, (IrTemp)t)];
    }
}

static bool is_const(Compiler *c, uint64_t t)
{
    return c->ir->temps[t].kind == IR_TEMP_KIND_CONST;
}

static const struct { uint8_t nout, nin; } op_counts[IR_OP_COUNT] = {
#define IR_COUNTS_(name, o, in, k) [IR_OP_##name] = { (o), (in) },
    IR_OPCODES(IR_COUNTS_)
#undef IR_COUNTS_
};

static void release_if_dead(Compiler *c, IrTemp t, unsigned i)
{
    if (t == IR_NO_TEMP) {
        return;
    }
    IrTemp ts[2] = { t, c->alias[t] };
    for (unsigned k = 0; k < 2; k++) {
        IrTemp u = ts[k];
        if (c->slot[u] >= 0 && c->last_use[u] == i) {
            g_array_append_val(c->free_slots, c->slot[u]);
            c->slot[u] = -1;
            c->last_use[u] = UINT_MAX;   /* several mentions in one op */
        }
    }
}

/* After op @i: release the slots of temps mentioned for the last time
 * (including the storage an aliased temp borrowed). */
static void release_dead(Compiler *c, const IrOp *op, unsigned i)
{
    if (!c->reuse_slots) {
        return;
    }
    if (op->opc == IR_OP_CALL) {
        for (unsigned k = 0; k < op->args[3]; k++) {
            release_if_dead(c, (IrTemp)op->args[4 + k], i);
        }
        release_if_dead(c, (IrTemp)op->args[0], i);
        return;
    }
    unsigned n = op_counts[op->opc].nout + op_counts[op->opc].nin;
    for (unsigned k = 0; k < n; k++) {
        release_if_dead(c, (IrTemp)op->args[k], i);
    }
}

static void branch_to(Compiler *c, InterpInsn *r, uint64_t label)
{
    unsigned at = (unsigned)(r - &g_array_index(c->recs, InterpInsn, 0));
    uint64_t fx[2] = { at, label };
    g_array_append_vals(c->fixups, fx, 2);
}

static InterpHandler typed(InterpHandler h32, IrType t)
{
    return t == IR_I64 ? h32 + 1 : h32;
}

static const InterpHandler binop_handlers[IR_OP_COUNT] = {
    [IR_OP_ADD] = IH_ADD_I32, [IR_OP_SUB] = IH_SUB_I32, [IR_OP_MUL] = IH_MUL_I32,
    [IR_OP_AND] = IH_AND_I32, [IR_OP_OR] = IH_OR_I32, [IR_OP_XOR] = IH_XOR_I32,
    [IR_OP_SHL] = IH_SHL_I32, [IR_OP_SHR] = IH_SHR_I32, [IR_OP_SAR] = IH_SAR_I32,
    [IR_OP_ROTL] = IH_ROTL_I32, [IR_OP_ROTR] = IH_ROTR_I32, [IR_OP_DIV] = IH_DIV_I32,
    [IR_OP_DIVU] = IH_DIVU_I32, [IR_OP_REM] = IH_REM_I32, [IR_OP_REMU] = IH_REMU_I32,
    [IR_OP_MULSH] = IH_MULSH_I32, [IR_OP_MULUH] = IH_MULUH_I32,
    [IR_OP_MULSUH] = IH_MULSUH_I32, [IR_OP_ANDC] = IH_ANDC_I32, [IR_OP_ORC] = IH_ORC_I32,
    [IR_OP_EQV] = IH_EQV_I32,
};

/* i32 ops fused with a following exts_i32_i64 of their result. */
static const InterpHandler binop_sx_handlers[IR_OP_COUNT] = {
    [IR_OP_ADD] = IH_ADD_I32SX, [IR_OP_SUB] = IH_SUB_I32SX, [IR_OP_MUL] = IH_MUL_I32SX,
    [IR_OP_AND] = IH_AND_I32SX, [IR_OP_OR] = IH_OR_I32SX, [IR_OP_XOR] = IH_XOR_I32SX,
    [IR_OP_SHL] = IH_SHL_I32SX, [IR_OP_SHR] = IH_SHR_I32SX, [IR_OP_SAR] = IH_SAR_I32SX,
    [IR_OP_ROTL] = IH_ROTL_I32SX, [IR_OP_ROTR] = IH_ROTR_I32SX, [IR_OP_DIV] = IH_DIV_I32SX,
    [IR_OP_DIVU] = IH_DIVU_I32SX, [IR_OP_REM] = IH_REM_I32SX, [IR_OP_REMU] = IH_REMU_I32SX,
    [IR_OP_ANDC] = IH_ANDC_I32SX, [IR_OP_ORC] = IH_ORC_I32SX, [IR_OP_EQV] = IH_EQV_I32SX,
};

static const InterpHandler unop_handlers[IR_OP_COUNT] = {
    [IR_OP_MOV] = IH_MOV_I32, [IR_OP_NEG] = IH_NEG_I32, [IR_OP_NOT] = IH_NOT_I32,
    [IR_OP_CLZ] = IH_CLZ_I32, [IR_OP_CTZ] = IH_CTZ_I32, [IR_OP_CTPOP] = IH_CTPOP_I32,
    [IR_OP_BSWAP] = IH_BSWAP_I32, [IR_OP_EXT8S] = IH_EXT8S_I32, [IR_OP_EXT8U] = IH_EXT8U_I32,
    [IR_OP_EXT16S] = IH_EXT16S_I32, [IR_OP_EXT16U] = IH_EXT16U_I32,
};

/* Handlers of the conditions, I32 variants (I64 = +1); index IrCond. */
static const InterpHandler set_handlers[] = {
    IH_SET_EQ_I32, IH_SET_NE_I32, IH_SET_LT_I32, IH_SET_GE_I32, IH_SET_LE_I32,
    IH_SET_GT_I32, IH_SET_LTU_I32, IH_SET_GEU_I32, IH_SET_LEU_I32, IH_SET_GTU_I32,
};
static const InterpHandler movc_handlers[] = {
    IH_MOVC_EQ_I32, IH_MOVC_NE_I32, IH_MOVC_LT_I32, IH_MOVC_GE_I32, IH_MOVC_LE_I32,
    IH_MOVC_GT_I32, IH_MOVC_LTU_I32, IH_MOVC_GEU_I32, IH_MOVC_LEU_I32, IH_MOVC_GTU_I32,
};
static const InterpHandler br_handlers[] = {
    IH_BR_EQ_I32, IH_BR_NE_I32, IH_BR_LT_I32, IH_BR_GE_I32, IH_BR_LE_I32,
    IH_BR_GT_I32, IH_BR_LTU_I32, IH_BR_GEU_I32, IH_BR_LEU_I32, IH_BR_GTU_I32,
};

/* Loads by (memop & (SIZE|SIGN)), I32 variants. */
static const InterpHandler ldenv_handlers[8] = {
    [IR_MO_8] = IH_LDENV_U8_I32, [IR_MO_8 | IR_MO_SIGN] = IH_LDENV_S8_I32,
    [IR_MO_16] = IH_LDENV_U16_I32, [IR_MO_16 | IR_MO_SIGN] = IH_LDENV_S16_I32,
    [IR_MO_32] = IH_LDENV_U32_I32, [IR_MO_32 | IR_MO_SIGN] = IH_LDENV_S32_I32,
    [IR_MO_64] = IH_LDENV_64_I32, [IR_MO_64 | IR_MO_SIGN] = IH_LDENV_64_I32,
};
static const InterpHandler qld_handlers[8] = {
    [IR_MO_8] = IH_QLD_U8_I32, [IR_MO_8 | IR_MO_SIGN] = IH_QLD_S8_I32,
    [IR_MO_16] = IH_QLD_U16_I32, [IR_MO_16 | IR_MO_SIGN] = IH_QLD_S16_I32,
    [IR_MO_32] = IH_QLD_U32_I32, [IR_MO_32 | IR_MO_SIGN] = IH_QLD_S32_I32,
    [IR_MO_64] = IH_QLD_64_I32, [IR_MO_64 | IR_MO_SIGN] = IH_QLD_64_I32,
};
static const InterpHandler stenv_handlers[4] = {
    IH_STENV_8, IH_STENV_16, IH_STENV_32, IH_STENV_64,
};
static const InterpHandler qst_handlers[4] = {
    IH_QST_8, IH_QST_16, IH_QST_32, IH_QST_64,
};

static void compile_cond(Compiler *c, const IrOp *op, IrCond cond, bool value)
{
    /* ALWAYS/NEVER setcond: a constant; movcond: a move. */
    if (op->opc == IR_OP_SETCOND) {
        InterpInsn *r = emit(c, typed(IH_MOVI_I32, op->type), 1);
        r->op.p0 = opnd(c, op->args[0]);
        r->w[2] = value;
    } else if (op->opc == IR_OP_MOVCOND) {
        InterpInsn *r = emit(c, typed(IH_MOV_I32, op->type), 1);
        r->op.p0 = opnd(c, op->args[0]);
        r->op.p1 = opnd(c, op->args[value ? 3 : 4]);
    } else if (value) {
        InterpInsn *r = emit(c, IH_BR, 1);
        branch_to(c, r, op->args[3]);
    }
    (void)cond;
}

/* A guest load/store with address @base (plus an offset in r[1].w[3], 0 by
 * default).  The fast path only takes aligned accesses, so IR_MO_ALIGN
 * needs no check there. */
static InterpInsn *compile_guest_access(Compiler *c, const IrOp *op, uint64_t base)
{
    const uint64_t *a = op->args;
    unsigned memop = (unsigned)a[2];
    unsigned mmu = (unsigned)a[3];
    g_assert(mmu < c->v->nb_mmu_modes);
    InterpInsn *r;
    if (op->opc == IR_OP_GUEST_LD) {
        r = emit(c, typed(qld_handlers[memop & (IR_MO_SIZE | IR_MO_SIGN)], op->type), 2);
        r->op.p1 = opnd(c, base);
        r->op.p0 = opnd(c, a[0]);
    } else {
        r = emit(c, qst_handlers[memop & IR_MO_SIZE], 2);
        r->op.p0 = opnd(c, a[0]);
        r->op.p1 = opnd(c, base);
    }
    /* The slot, not the table: the engine switches tables with the
     * address-space tag. */
    r->op.p2 = &c->v->tlb[mmu];
    r[1].w[0] = memop;
    r[1].w[1] = mmu;
    r[1].w[2] = op->insn;
    r[1].w[3] = 0;
    return r;
}

static void compile_op(Compiler *c, const IrOp *op)
{
    const uint64_t *a = op->args;
    IrType t = op->type;
    InterpInsn *r;

    if (op->opc >= IR_OP_COUNT) {
        g_assert_not_reached();
    }
    if (binop_handlers[op->opc]) {
        InterpHandler h = binop_handlers[op->opc];
        if (t == IR_I64 && is_const(c, a[2]) &&
            (op->opc == IR_OP_ADD || op->opc == IR_OP_AND || op->opc == IR_OP_SHL ||
             op->opc == IR_OP_SHR || op->opc == IR_OP_SAR || op->opc == IR_OP_SUB)) {
            uint64_t k = c->ir->temps[a[2]].value;
            InterpHandler hi = op->opc == IR_OP_ADD ? IH_ADDI_I64
                             : op->opc == IR_OP_SUB ? IH_ADDI_I64
                             : op->opc == IR_OP_AND ? IH_ANDI_I64
                             : op->opc == IR_OP_SHL ? IH_SHLI_I64
                             : op->opc == IR_OP_SHR ? IH_SHRI_I64 : IH_SARI_I64;
            if (op->opc == IR_OP_SUB) {
                k = -k;
            } else if (op->opc != IR_OP_ADD && op->opc != IR_OP_AND) {
                k &= 63;
            }
            r = emit(c, hi, 1);
            r->op.p1 = opnd(c, a[1]);
            r->op.p0 = opnd(c, a[0]);
            r->w[3] = k;
            return;
        }
        r = emit(c, typed(h, t), 1);
        r->op.p1 = opnd(c, a[1]);
        r->op.p2 = opnd(c, a[2]);
        r->op.p0 = opnd(c, a[0]);
        return;
    }
    if (unop_handlers[op->opc] || op->opc == IR_OP_MOV) {
        if (op->opc == IR_OP_MOV && is_const(c, a[1])) {
            r = emit(c, typed(IH_MOVI_I32, t), 1);
            r->op.p0 = opnd(c, a[0]);
            r->w[2] = c->ir->temps[a[1]].value;
            return;
        }
        r = emit(c, typed(unop_handlers[op->opc], t), 1);
        r->op.p1 = opnd(c, a[1]);
        r->op.p0 = opnd(c, a[0]);
        return;
    }

    switch ((IrOpcode)op->opc) {
    case IR_OP_EXT32S:
    case IR_OP_EXT32U:
    case IR_OP_EXTU_I32_I64:
    case IR_OP_EXTS_I32_I64:
    case IR_OP_EXTRL_I64_I32:
    case IR_OP_EXTRH_I64_I32: {
        InterpHandler h = op->opc == IR_OP_EXT32S ? IH_EXT32S_I64
                        : op->opc == IR_OP_EXT32U ? IH_EXT32U_I64
                        : op->opc == IR_OP_EXTU_I32_I64 ? IH_EXTU_I32_I64
                        : op->opc == IR_OP_EXTS_I32_I64 ? IH_EXTS_I32_I64
                        : op->opc == IR_OP_EXTRL_I64_I32 ? IH_EXTRL_I64_I32 : IH_EXTRH_I64_I32;
        r = emit(c, h, 1);
        r->op.p1 = opnd(c, a[1]);
        r->op.p0 = opnd(c, a[0]);
        return;
    }
    case IR_OP_EXTRACT:
    case IR_OP_SEXTRACT:
        r = emit(c, typed(op->opc == IR_OP_EXTRACT ? IH_EXTRACT_I32 : IH_SEXTRACT_I32, t), 1);
        r->op.p1 = opnd(c, a[1]);
        r->op.p0 = opnd(c, a[0]);
        r->w[3] = (a[2] & 0xff) | ((a[3] & 0xff) << 8);
        return;
    case IR_OP_DEPOSIT:
        r = emit(c, typed(IH_DEPOSIT_I32, t), 2);
        r->op.p1 = opnd(c, a[1]);
        r->op.p2 = opnd(c, a[2]);
        r->op.p0 = opnd(c, a[0]);
        r[1].w[0] = (a[3] & 0xff) | ((a[4] & 0xff) << 8);
        return;
    case IR_OP_SETCOND:
    case IR_OP_MOVCOND:
    case IR_OP_BRCOND: {
        unsigned ci = op->opc == IR_OP_MOVCOND ? 5 : op->opc == IR_OP_SETCOND ? 3 : 2;
        IrCond cond = (IrCond)a[ci];
        if (cond == IR_COND_ALWAYS || cond == IR_COND_NEVER) {
            compile_cond(c, op, cond, cond == IR_COND_ALWAYS);
            return;
        }
        g_assert((unsigned)cond < G_N_ELEMENTS(set_handlers));
        if (op->opc == IR_OP_SETCOND) {
            r = emit(c, typed(set_handlers[cond], t), 1);
            r->op.p1 = opnd(c, a[1]);
            r->op.p2 = opnd(c, a[2]);
            r->op.p0 = opnd(c, a[0]);
        } else if (op->opc == IR_OP_MOVCOND) {
            r = emit(c, typed(movc_handlers[cond], t), 2);
            r->op.p1 = opnd(c, a[1]);
            r->op.p2 = opnd(c, a[2]);
            r[1].p[0] = opnd(c, a[3]);
            r[1].p[1] = opnd(c, a[4]);
            r->op.p0 = opnd(c, a[0]);
        } else {
            r = emit(c, typed(br_handlers[cond], t), 1);
            r->op.p0 = opnd(c, a[0]);
            r->op.p1 = opnd(c, a[1]);
            branch_to(c, r, a[3]);
        }
        return;
    }
    case IR_OP_BR:
        r = emit(c, IH_BR, 1);
        branch_to(c, r, a[0]);
        return;
    case IR_OP_SET_LABEL:
        c->label_pos[a[0]] = (int)c->recs->len;
        return;
    case IR_OP_LD:
        r = emit(c, typed(ldenv_handlers[a[2] & (IR_MO_SIZE | IR_MO_SIGN)], t), 1);
        r->op.p1 = (char *)c->v->env + (ptrdiff_t)a[1];
        r->op.p0 = opnd(c, a[0]);
        return;
    case IR_OP_ST:
        r = emit(c, stenv_handlers[a[2] & IR_MO_SIZE], 1);
        r->op.p0 = opnd(c, a[0]);
        r->op.p1 = (char *)c->v->env + (ptrdiff_t)a[1];
        return;
    case IR_OP_GUEST_LD:
    case IR_OP_GUEST_ST:
        compile_guest_access(c, op, a[1]);
        return;
    case IR_OP_ATOMIC_CMPXCHG:
        r = emit(c, typed(IH_CMPXCHG_I32, t), 2);
        r->op.p1 = opnd(c, a[1]);
        r->op.p2 = opnd(c, a[2]);
        r[1].p[0] = opnd(c, a[3]);
        r[1].w[1] = a[4];
        r[1].w[2] = a[5];
        r[1].w[3] = op->insn;
        r->op.p0 = opnd(c, a[0]);
        return;
    case IR_OP_ATOMIC_RMW:
        r = emit(c, typed(IH_RMW_I32, t), 2);
        r->op.p1 = opnd(c, a[1]);
        r->op.p2 = opnd(c, a[2]);
        r[1].w[0] = a[5];
        r[1].w[1] = a[3];
        r[1].w[2] = a[4];
        r[1].w[3] = op->insn;
        r->op.p0 = opnd(c, a[0]);
        return;
    case IR_OP_CALL: {
        unsigned nargs = (unsigned)a[3];
        r = emit(c, IH_CALL, 1 + (nargs + 3) / 4);
        r->op.p0 = (void *)(uintptr_t)a[1];
        for (unsigned i = 0; i < nargs; i++) {
            r[1 + i / 4].p[i % 4] = opnd(c, a[4 + i]);
        }
        bool ret32 = false;
        if (a[0] != IR_NO_TEMP) {
            r->op.p1 = opnd(c, a[0]);
            ret32 = c->ir->temps[a[0]].type == IR_I32;
        }
        r->w[3] = nargs | (ret32 ? 0x100u : 0) | ((uint64_t)op->insn << 32);
        return;
    }
    case IR_OP_INSN_START:
        return;
    case IR_OP_GOTO_TB:
        g_assert(a[0] < IR_MAX_GOTO_TB);
        r = emit(c, IH_GOTO_TB, 1);
        r->op.p0 = &c->tb->jmp_target[a[0]];
        return;
    case IR_OP_EXIT_TB:
        r = emit(c, IH_EXIT_TB, 1);
        r->w[1] = a[0] == IR_EXIT_NO_CHAIN ? (uint64_t)-1 : a[0];
        return;
    case IR_OP_LOOKUP_AND_GOTO_PTR:
        emit(c, IH_LOOKUP_AND_GOTO_PTR, 1);
        return;
    case IR_OP_MB:
        emit(c, IH_MB, 1);
        return;
    default:
        g_assert_not_reached();
    }
}

/* Whether some branch jumps to a label set before it. */
static bool has_backward_branch(const IrBlock *ir)
{
    g_autofree bool *seen = g_new0(bool, ir->nlabels + 1);
    for (unsigned i = 0; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        if (op->opc == IR_OP_SET_LABEL) {
            seen[op->args[0]] = true;
        } else if ((op->opc == IR_OP_BR && seen[op->args[0]]) ||
                   (op->opc == IR_OP_BRCOND && seen[op->args[3]])) {
            return true;
        }
    }
    return false;
}

static void note_use(Compiler *c, uint64_t t, unsigned i, bool write)
{
    if (c->first_use[t] == UINT_MAX) {
        c->first_use[t] = i;
    }
    c->last_use[t] = i;
    c->nwrites[t] += write;
}

static void note_uses(Compiler *c, const IrOp *op, unsigned i)
{
    if (op->opc == IR_OP_CALL) {
        for (unsigned k = 0; k < op->args[3]; k++) {
            note_use(c, op->args[4 + k], i, false);
        }
        if (op->args[0] != IR_NO_TEMP) {
            note_use(c, op->args[0], i, true);
        }
        return;
    }
    unsigned nout = op_counts[op->opc].nout, n = nout + op_counts[op->opc].nin;
    for (unsigned k = 0; k < n; k++) {
        note_use(c, op->args[k], i, k < nout);
    }
}

/* Whether @op may change temp @x (a global also through calls and env stores). */
static bool op_writes(const Compiler *c, const IrOp *op, IrTemp x)
{
    const IrTempInfo *ti = &c->ir->temps[x];
    bool global = ti->kind == IR_TEMP_KIND_GLOBAL;
    switch (op->opc) {
    case IR_OP_CALL:
        return op->args[0] == x || (global && !(op->args[2] & IR_CALL_NO_WRITE_GLOBALS));
    case IR_OP_ST: {
        int64_t off = (int64_t)op->args[1];
        int64_t size = (int64_t)ir_memop_size((unsigned)op->args[2]);
        int64_t g = ti->env_offset, gsize = ti->type == IR_I64 ? 8 : 4;
        return global && g < off + size && off < g + gsize;
    }
    default:
        return op_counts[op->opc].nout && op->args[0] == x;
    }
}

/*
 * extrl_i64_i32 t, x reads the low half of x, which on a little-endian
 * host is x's own storage: let t share it (and emit nothing) when neither
 * changes before t's last use.  Needs forward-only branches.
 */
static void find_aliases(Compiler *c, bool *skip)
{
    const IrBlock *ir = c->ir;
    for (unsigned i = 0; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        if (op->opc != IR_OP_EXTRL_I64_I32) {
            continue;
        }
        IrTemp t = (IrTemp)op->args[0], x = (IrTemp)op->args[1];
        /* Only a temp defined here and nowhere else, so that every mention
         * of it lies in [i, last_use] and sees this value. */
        if (ir->temps[t].kind != IR_TEMP_KIND_LOCAL || c->alias[t] != t ||
            c->nwrites[t] != 1 || c->first_use[t] != i || c->last_use[t] <= i ||
            c->alias[x] != x) {
            continue;
        }
        unsigned end = c->last_use[t];
        bool ok = true;
        for (unsigned j = i + 1; j < end && ok; j++) {
            ok = !op_writes(c, &ir->ops[j], x) && !op_writes(c, &ir->ops[j], t);
        }
        if (!ok || op_writes(c, &ir->ops[end], t)) {
            continue;
        }
        c->alias[t] = x;
        if (c->last_use[x] < end) {
            c->last_use[x] = end;
        }
        skip[i] = true;
    }
}

/* Whether no path reads @t's value after op @i: a later write kills it,
 * unless a branch or label comes first (a path may skip the write). */
static bool dead_after(const Compiler *c, IrTemp t, unsigned i)
{
    const IrBlock *ir = c->ir;
    for (unsigned j = i + 1; j < ir->nops; j++) {
        const IrOp *op = &ir->ops[j];
        if (op->opc == IR_OP_SET_LABEL) {
            return c->last_use[t] < j;
        }
        if (op->opc == IR_OP_CALL) {
            for (unsigned k = 0; k < op->args[3]; k++) {
                if (op->args[4 + k] == t) {
                    return false;
                }
            }
            if (op->args[0] == t) {
                return true;
            }
            continue;
        }
        unsigned nout = op_counts[op->opc].nout, n = nout + op_counts[op->opc].nin;
        for (unsigned k = nout; k < n; k++) {
            if (op->args[k] == t) {
                return false;
            }
        }
        if (op->opc == IR_OP_BR || op->opc == IR_OP_BRCOND) {
            return c->last_use[t] <= j;
        }
        if (nout && op->args[0] == t) {
            return true;
        }
    }
    return true;
}

/* "add_i64 t, base, const; guest_ld/st ..., t" with t dead afterwards: the
 * constant becomes the access's offset. */
static bool try_fuse_addr(Compiler *c, const IrOp *op, const IrOp *next, unsigned i)
{
    if (op->opc != IR_OP_ADD || op->type != IR_I64 ||
        (next->opc != IR_OP_GUEST_LD && next->opc != IR_OP_GUEST_ST) || !c->reuse_slots) {
        return false;
    }
    IrTemp t = (IrTemp)op->args[0];
    unsigned addr_arg = 1;
    if (next->args[addr_arg] != t || c->ir->temps[t].kind != IR_TEMP_KIND_LOCAL ||
        c->alias[t] != t || c->ir->temps[op->args[2]].kind != IR_TEMP_KIND_CONST ||
        (next->opc == IR_OP_GUEST_ST && next->args[0] == t) ||
        (next->opc == IR_OP_GUEST_LD && next->args[0] == t) || !dead_after(c, t, i + 1)) {
        return false;
    }
    InterpInsn *r = compile_guest_access(c, next, op->args[1]);
    r[1].w[3] = c->ir->temps[op->args[2]].value;
    return true;
}

/* "op_i32 t, a, b; exts_i32_i64 d, t" with t dead afterwards: one record. */
static bool try_fuse_sx(Compiler *c, const IrOp *op, const IrOp *next, unsigned i)
{
    if (op->type != IR_I32 || op->opc >= IR_OP_COUNT || !binop_sx_handlers[op->opc] ||
        next->opc != IR_OP_EXTS_I32_I64 || next->args[1] != op->args[0]) {
        return false;
    }
    IrTemp t = (IrTemp)op->args[0];
    if (c->ir->temps[t].kind != IR_TEMP_KIND_LOCAL || c->alias[t] != t ||
        next->args[0] == t || !c->reuse_slots || !dead_after(c, t, i + 1)) {
        return false;
    }
    InterpInsn *r = emit(c, binop_sx_handlers[op->opc], 1);
    r->op.p1 = opnd(c, op->args[1]);
    r->op.p2 = opnd(c, op->args[2]);
    r->op.p0 = opnd(c, next->args[0]);
    return true;
}

bool interp_compile(InterpBackend *be, TcgVcpu *v, const IrBlock *ir, TcgTb *tb)
{
    Compiler c = {
        .be = be, .v = v, .ir = ir, .tb = tb,
        .recs = g_array_sized_new(FALSE, FALSE, sizeof(InterpInsn), ir->nops + 4),
        .fixups = g_array_new(FALSE, FALSE, sizeof(uint64_t)),
        .free_slots = g_array_new(FALSE, FALSE, sizeof(unsigned)),
    };
    c.label_pos = g_new(int, ir->nlabels + 1);
    for (unsigned i = 0; i <= ir->nlabels; i++) {
        c.label_pos[i] = -1;
    }
    c.slot = g_new(int, ir->ntemps);
    c.alias = g_new(IrTemp, ir->ntemps);
    c.const_idx = g_new(int, ir->ntemps);
    c.last_use = g_new0(unsigned, ir->ntemps);
    c.first_use = g_new(unsigned, ir->ntemps);
    c.nwrites = g_new0(unsigned, ir->ntemps);
    unsigned nconst_max = 1;
    for (unsigned t = 0; t < ir->ntemps; t++) {
        c.slot[t] = -1;
        c.const_idx[t] = -1;
        c.alias[t] = t;
        c.first_use[t] = UINT_MAX;
        nconst_max += ir->temps[t].kind == IR_TEMP_KIND_CONST;
    }
    /* The pool must not move once records point into it. */
    c.consts = g_new0(uint64_t, nconst_max);
    c.reuse_slots = !has_backward_branch(ir);
    for (unsigned i = 0; i < ir->nops; i++) {
        note_uses(&c, &ir->ops[i], i);
    }
    g_autofree bool *skip = g_new0(bool, ir->nops + 1);
    if (c.reuse_slots) {
        find_aliases(&c, skip);
    }
    for (unsigned i = 0; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        if (skip[i]) {
            release_dead(&c, op, i);
            continue;
        }
        if (i + 1 < ir->nops && !skip[i + 1] &&
            (try_fuse_sx(&c, op, &ir->ops[i + 1], i) ||
             try_fuse_addr(&c, op, &ir->ops[i + 1], i))) {
            release_dead(&c, op, i);
            release_dead(&c, &ir->ops[i + 1], i + 1);
            i++;
            continue;
        }
        compile_op(&c, op);
        release_dead(&c, op, i);
    }
    /* A block must not fall off its end; guard against translator bugs. */
    InterpInsn *guard = emit(&c, IH_EXIT_TB, 1);
    guard->w[1] = (uint64_t)-1;

    bool ok = !c.overflow;
    InterpCode *code = NULL;
    if (ok) {
        code = g_malloc(sizeof(*code) + c.recs->len * sizeof(InterpInsn));
        code->ninsns = c.recs->len;
        memcpy(code->insns, c.recs->data, c.recs->len * sizeof(InterpInsn));
        /* Records pointing at records (branch targets) are fixed up below. */
        code->consts = c.consts;
        code->nconsts = c.nconsts;
        c.consts = NULL;
        for (guint i = 0; i < c.fixups->len; i += 2) {
            uint64_t at = g_array_index(c.fixups, uint64_t, i);
            uint64_t label = g_array_index(c.fixups, uint64_t, i + 1);
            g_assert(label < ir->nlabels && c.label_pos[label] >= 0);
            code->insns[at].op.p2 = &code->insns[c.label_pos[label]];
        }
        tb->code = code;
        tb->code_size = sizeof(*code) + code->ninsns * sizeof(InterpInsn) +
                        nconst_max * sizeof(uint64_t);
    }
    if (c.recs) {
        g_array_free(c.recs, TRUE);
    }
    g_array_free(c.fixups, TRUE);
    g_array_free(c.free_slots, TRUE);
    g_free(c.label_pos);
    g_free(c.slot);
    g_free(c.alias);
    g_free(c.const_idx);
    g_free(c.last_use);
    g_free(c.first_use);
    g_free(c.nwrites);
    g_free(c.consts);
    return ok;
}
