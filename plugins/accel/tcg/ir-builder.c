/* SPDX-License-Identifier: MIT */
/*
 * The IR builder the engine hands to CPU translators, and the IR dump used
 * by -d op.  Ops are appended to a growable array; temps are numbered
 * env (0), globals (1..num_globals), then block temps and constants.
 */
#include <inttypes.h>
#include <string.h>

#include "plugins/accel/tcg/tcg-internal.h"

static const IrOpDef ir_op_defs[IR_OP_COUNT] = {
#define IR_OPDEF_(n, o, i, c) [IR_OP_##n] = { .name = #n, .nout = (o), .nin = (i), .nconst = (c) },
    IR_OPCODES(IR_OPDEF_)
#undef IR_OPDEF_
};

const char *ir_opcode_name(unsigned opc)
{
    return opc < IR_OP_COUNT ? ir_op_defs[opc].name : "?";
}

bool ir_op_is_terminator(unsigned opc)
{
    return opc == IR_OP_BR || opc == IR_OP_EXIT_TB || opc == IR_OP_LOOKUP_AND_GOTO_PTR;
}

static IrBuilderImpl *impl_of(IrBuilder *b)
{
    return (IrBuilderImpl *)b;
}

static IrTemp temp_alloc(IrBuilderImpl *ib, IrTempKind kind, IrType type)
{
    IrBlock *blk = &ib->blk;
    if (blk->ntemps == ib->temps_cap) {
        ib->temps_cap *= 2;
        blk->temps = g_renew(IrTempInfo, blk->temps, ib->temps_cap);
    }
    IrTemp t = blk->ntemps++;
    blk->temps[t] = (IrTempInfo){ .kind = kind, .type = type };
    return t;
}

static IrTemp builder_temp_new(IrBuilder *b, IrType type)
{
    IrBuilderImpl *ib = impl_of(b);
    g_assert(type == IR_I32 || type == IR_I64);
    GArray *fl = ib->free_temps[type];
    if (fl->len) {
        IrTemp t = g_array_index(fl, IrTemp, fl->len - 1);
        g_array_set_size(fl, fl->len - 1);
        ib->blk.temps[t].freed = 0;
        return t;
    }
    return temp_alloc(ib, IR_TEMP_KIND_LOCAL, type);
}

static void builder_temp_free(IrBuilder *b, IrTemp t)
{
    IrBuilderImpl *ib = impl_of(b);
    g_assert(t < ib->blk.ntemps);
    IrTempInfo *ti = &ib->blk.temps[t];
    if (ti->kind != IR_TEMP_KIND_LOCAL || ti->freed) {
        return;     /* freeing a constant or global is a harmless no-op */
    }
    ti->freed = 1;
    g_array_append_val(ib->free_temps[ti->type], t);
}

static IrTemp builder_constant(IrBuilder *b, IrType type, uint64_t value)
{
    IrBuilderImpl *ib = impl_of(b);
    if (type == IR_I32) {
        value = (uint32_t)value;
    }
    unsigned n = G_N_ELEMENTS(ib->const_slots);
    unsigned h = (unsigned)((value * 0x9e3779b97f4a7c15ull) >> 56) ^ type;
    for (unsigned i = 0; i < 8; i++) {
        unsigned slot = (h + i) & (n - 1);
        IrTemp t = ib->const_slots[slot];
        if (t == IR_NO_TEMP) {
            t = temp_alloc(ib, IR_TEMP_KIND_CONST, type);
            ib->blk.temps[t].value = value;
            ib->const_slots[slot] = t;
            return t;
        }
        const IrTempInfo *ti = &ib->blk.temps[t];
        if (ti->type == type && ti->value == value) {
            return t;
        }
    }
    IrTemp t = temp_alloc(ib, IR_TEMP_KIND_CONST, type);
    ib->blk.temps[t].value = value;
    return t;
}

static IrLabel builder_label_new(IrBuilder *b)
{
    return impl_of(b)->blk.nlabels++;
}

static void builder_emit(IrBuilder *b, IrOpcode opc, IrType type, unsigned nargs,
                         const uint64_t *args)
{
    IrBuilderImpl *ib = impl_of(b);
    IrBlock *blk = &ib->blk;
    g_assert((unsigned)opc < IR_OP_COUNT && nargs <= IR_MAX_OP_ARGS);
    if (opc == IR_OP_CALL) {
        g_assert(nargs >= 4 && args[3] <= IR_MAX_CALL_ARGS && nargs == 4 + args[3]);
    } else {
        const IrOpDef *d = &ir_op_defs[opc];
        g_assert(nargs == (unsigned)(d->nout + d->nin + d->nconst));
        for (unsigned i = 0; i < (unsigned)(d->nout + d->nin); i++) {
            g_assert(args[i] < blk->ntemps);
        }
        if (d->nout) {
            IrTempKind k = blk->temps[args[0]].kind;
            g_assert(k == IR_TEMP_KIND_LOCAL || k == IR_TEMP_KIND_GLOBAL);
        }
    }
    if (opc == IR_OP_INSN_START) {
        ib->cur_insn++;
        blk->ninsns++;
    }
    if (blk->nops == ib->ops_cap) {
        ib->ops_cap *= 2;
        blk->ops = g_renew(IrOp, blk->ops, ib->ops_cap);
    }
    IrOp *op = &blk->ops[blk->nops++];
    op->opc = opc;
    op->type = type;
    op->nargs = nargs;
    op->insn = ib->cur_insn < 0 ? 0 : (uint32_t)ib->cur_insn;
    for (unsigned i = 0; i < nargs; i++) {    /* a few: cheaper than a memcpy call */
        op->args[i] = args[i];
    }
}

void ir_builder_init(IrBuilderImpl *ib, const TcgCpuOps *ops)
{
    memset(ib, 0, sizeof(*ib));
    ib->pub = (IrBuilder){
        .emit = builder_emit,
        .temp_new = builder_temp_new,
        .temp_free = builder_temp_free,
        .constant = builder_constant,
        .label_new = builder_label_new,
    };
    ib->ops_cap = 256;
    ib->blk.ops = g_new(IrOp, ib->ops_cap);
    ib->temps_cap = 256;
    while (ib->temps_cap < 1 + ops->num_globals + 64) {
        ib->temps_cap *= 2;
    }
    ib->blk.temps = g_new(IrTempInfo, ib->temps_cap);
    ib->blk.first_local = 1 + ops->num_globals;
    ib->blk.temps[IR_TEMP_ENV] = (IrTempInfo){ .kind = IR_TEMP_KIND_ENV, .type = IR_I64,
                                                .name = "env" };
    for (unsigned i = 0; i < ops->num_globals; i++) {
        const TcgGlobalDesc *g = &ops->globals[i];
        ib->blk.temps[IR_GLOBAL(i)] = (IrTempInfo){
            .kind = IR_TEMP_KIND_GLOBAL, .type = g->type, .env_offset = g->offset,
            .name = g->name,
        };
    }
    for (int t = 0; t < 2; t++) {
        ib->free_temps[t] = g_array_new(FALSE, FALSE, sizeof(IrTemp));
    }
}

void ir_builder_destroy(IrBuilderImpl *ib)
{
    g_free(ib->blk.ops);
    g_free(ib->blk.temps);
    for (int t = 0; t < 2; t++) {
        if (ib->free_temps[t]) {
            g_array_free(ib->free_temps[t], TRUE);
        }
    }
    memset(ib, 0, sizeof(*ib));
}

void ir_builder_reset(IrBuilderImpl *ib, uint64_t pc, uint64_t flags, int max_insns)
{
    ib->blk.nops = 0;
    ib->blk.ntemps = ib->blk.first_local;
    ib->blk.nlabels = 0;
    ib->blk.ninsns = 0;
    ib->cur_insn = -1;
    for (int t = 0; t < 2; t++) {
        g_array_set_size(ib->free_temps[t], 0);
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(ib->const_slots); i++) {
        ib->const_slots[i] = IR_NO_TEMP;
    }
    ib->pub.pc_first = pc;
    ib->pub.flags = flags;
    ib->pub.max_insns = max_insns;
}

/* ---- dump ------------------------------------------------------------------- */

static const char *const ir_cond_names[] = {
    [IR_COND_EQ] = "eq", [IR_COND_NE] = "ne", [IR_COND_LT] = "lt", [IR_COND_GE] = "ge",
    [IR_COND_LE] = "le", [IR_COND_GT] = "gt", [IR_COND_LTU] = "ltu", [IR_COND_GEU] = "geu",
    [IR_COND_LEU] = "leu", [IR_COND_GTU] = "gtu", [IR_COND_ALWAYS] = "always",
    [IR_COND_NEVER] = "never",
};

static void dump_temp(const IrBlock *blk, uint64_t t, GString *out)
{
    if (t >= blk->ntemps) {
        g_string_append_printf(out, "?%" PRIu64, t);
        return;
    }
    const IrTempInfo *ti = &blk->temps[t];
    switch (ti->kind) {
    case IR_TEMP_KIND_ENV:
        g_string_append(out, "env");
        break;
    case IR_TEMP_KIND_GLOBAL:
        g_string_append(out, ti->name ? ti->name : "global");
        break;
    case IR_TEMP_KIND_CONST:
        g_string_append_printf(out, "$0x%" PRIx64, ti->value);
        break;
    default:
        g_string_append_printf(out, "tmp%" PRIu64, t - blk->first_local);
        break;
    }
}

void ir_block_dump(const IrBlock *blk, GString *out)
{
    for (unsigned i = 0; i < blk->nops; i++) {
        const IrOp *op = &blk->ops[i];
        if (op->opc == IR_OP_INSN_START) {
            g_string_append_printf(out, " ---- %016" PRIx64 " %" PRIx64 " %" PRIx64 "\n",
                                   op->args[0], op->args[1], op->args[2]);
            continue;
        }
        g_string_append_printf(out, " %s%s ", ir_opcode_name(op->opc),
                               op->type == IR_I32 ? "_i32" : "_i64");
        if (op->opc == IR_OP_CALL) {
            g_string_append_printf(out, "%p,$0x%" PRIx64 ",", (void *)(uintptr_t)op->args[1],
                                   op->args[2]);
            if (op->args[0] != IR_NO_TEMP) {
                dump_temp(blk, op->args[0], out);
            } else {
                g_string_append(out, "-");
            }
            for (unsigned k = 0; k < op->args[3]; k++) {
                g_string_append_c(out, ',');
                dump_temp(blk, op->args[4 + k], out);
            }
            g_string_append_c(out, '\n');
            continue;
        }
        const IrOpDef *d = &ir_op_defs[op->opc];
        unsigned ntemps = d->nout + d->nin;
        for (unsigned k = 0; k < op->nargs; k++) {
            if (k) {
                g_string_append_c(out, ',');
            }
            if (k < ntemps) {
                dump_temp(blk, op->args[k], out);
            } else if ((op->opc == IR_OP_SETCOND || op->opc == IR_OP_MOVCOND ||
                        op->opc == IR_OP_BRCOND) && k == ntemps &&
                       op->args[k] < G_N_ELEMENTS(ir_cond_names)) {
                g_string_append(out, ir_cond_names[op->args[k]]);
            } else if ((op->opc == IR_OP_BRCOND && k == ntemps + 1) || op->opc == IR_OP_BR ||
                       op->opc == IR_OP_SET_LABEL) {
                g_string_append_printf(out, "$L%" PRIu64, op->args[k]);
            } else {
                g_string_append_printf(out, "$0x%" PRIx64, op->args[k]);
            }
        }
        g_string_append_c(out, '\n');
    }
}
