/* SPDX-License-Identifier: MIT */
/*
 * IR optimization within one block:
 *  - forward pass: constant and copy propagation (knowledge is dropped at
 *    labels and, for globals, at calls that may write them or env stores
 *    that overlap them), the known sign bits of each value (extensions
 *    that would not change theirs become moves), constant folding with the
 *    IR's defined semantics,
 *    algebraic identities (x + 0, x & -1, ...), branches on constants;
 *  - backward pass: removal of pure ops whose block-temp result is never
 *    read later in the block (without "kill" on writes, so it stays sound
 *    with forward branches; skipped when a branch goes backward);
 *  - backward pass: demanded bits, extensions whose extended bits nobody
 *    reads become moves (the sign extension after each RV64 W op that
 *    feeds another 32-bit op).
 * Writes to globals are never removed: env is always up to date.
 * INSN_START ops are never removed (their order gives insn indexes).
 */
#include <string.h>

#include "plugins/accel/tcg/tcg-internal.h"

#define OP_REMOVED IR_OP_COUNT   /* marker, compacted away at the end */
#define NO_COPY UINT32_MAX

/*
 * What the forward pass knows of each temp t < ntemps: its constant value
 * (known, kval) or that it holds a copy of temp copy_of (written when
 * copy_of had version copy_ver; a temp's version changes with each write).
 * That knowledge counts only while epoch_of[t] == epoch: forgetting
 * everything at a label is one increment of epoch.
 */
typedef struct OptTemp {
    uint64_t kval;
    IrTemp copy_of;
    uint32_t copy_ver;
    uint32_t ver;
    uint32_t epoch_of;
    bool known;
    uint8_t sb;                  /* top bits known equal to the sign bit (0: unknown) */
    bool nonneg;                 /* ... and that bit is 0 */
    bool read_later;             /* dead-code pass */
    uint32_t overwritten;        /* dead-code pass, globals: written later, unread,
                                  * while == OptState.overwrite_epoch */
    uint32_t demand_epoch;       /* demand counts only while == OptState.demand_epoch */
    uint64_t demand;             /* demanded-bits pass: bits read later */
    bool demand_read;            /* demanded-bits pass: read by an op after this one */
} OptTemp;

/* Blocks up to this big need no allocation. */
#define OPT_STACK_TEMPS 256
#define OPT_STACK_LABELS 64

typedef struct OptState {
    IrBuilderImpl *ib;
    IrBlock *blk;
    unsigned ntemps;             /* temps known when the pass started */
    uint32_t epoch;
    OptTemp *t;
    bool backward;               /* a branch goes to a label set before it */
    uint32_t demand_epoch;       /* demanded-bits pass */
    uint32_t overwrite_epoch;    /* dead-code pass */
    bool *label_seen;
} OptState;

static const IrOpDef opt_defs[IR_OP_COUNT] = {
#define IR_OPT_DEF_(n, o, i, c) [IR_OP_##n] = { .name = #n, .nout = (o), .nin = (i), .nconst = (c) },
    IR_OPCODES(IR_OPT_DEF_)
#undef IR_OPT_DEF_
};

/* ---- reference semantics for folding ------------------------------------------- */

static uint64_t type_mask(IrType t)
{
    return t == IR_I64 ? UINT64_MAX : 0xffffffffull;
}

static int64_t as_signed(uint64_t x, IrType t)
{
    return t == IR_I64 ? (int64_t)x : (int64_t)(int32_t)x;
}

static bool fold_binop(IrOpcode opc, IrType t, uint64_t a, uint64_t b, uint64_t *out)
{
    unsigned bits = t == IR_I64 ? 64 : 32;
    uint64_t m = type_mask(t);
    a &= m;
    b &= m;
    int64_t sa = as_signed(a, t), sb = as_signed(b, t);
    int64_t smin = t == IR_I64 ? INT64_MIN : INT32_MIN;
    unsigned sh = (unsigned)(b & (bits - 1));
    uint64_t r;
    switch (opc) {
    case IR_OP_ADD: r = a + b; break;
    case IR_OP_SUB: r = a - b; break;
    case IR_OP_MUL: r = a * b; break;
    case IR_OP_AND: r = a & b; break;
    case IR_OP_OR: r = a | b; break;
    case IR_OP_XOR: r = a ^ b; break;
    case IR_OP_ANDC: r = a & ~b; break;
    case IR_OP_ORC: r = a | ~b; break;
    case IR_OP_EQV: r = ~(a ^ b); break;
    case IR_OP_SHL: r = a << sh; break;
    case IR_OP_SHR: r = a >> sh; break;
    case IR_OP_SAR: r = (uint64_t)(sa >> sh); break;
    case IR_OP_ROTL: r = sh ? (a << sh) | (a >> (bits - sh)) : a; break;
    case IR_OP_ROTR: r = sh ? (a >> sh) | (a << (bits - sh)) : a; break;
    case IR_OP_DIV:
        r = b == 0 ? UINT64_MAX : (sa == smin && sb == -1) ? a : (uint64_t)(sa / sb);
        break;
    case IR_OP_DIVU: r = b == 0 ? UINT64_MAX : a / b; break;
    case IR_OP_REM: r = b == 0 ? a : (sa == smin && sb == -1) ? 0 : (uint64_t)(sa % sb); break;
    case IR_OP_REMU: r = b == 0 ? a : a % b; break;
    default:
        return false;       /* high multiplies are left to run time */
    }
    *out = r & m;
    return true;
}

static bool fold_unop(IrOpcode opc, IrType t, uint64_t a, uint64_t *out)
{
    uint64_t m = type_mask(t);
    uint64_t r;
    switch (opc) {
    case IR_OP_MOV: r = a; break;
    case IR_OP_NEG: r = -a; break;
    case IR_OP_NOT: r = ~a; break;
    case IR_OP_EXT8S: r = (uint64_t)(int64_t)(int8_t)a; break;
    case IR_OP_EXT8U: r = (uint8_t)a; break;
    case IR_OP_EXT16S: r = (uint64_t)(int64_t)(int16_t)a; break;
    case IR_OP_EXT16U: r = (uint16_t)a; break;
    case IR_OP_EXT32S: r = (uint64_t)(int64_t)(int32_t)a; break;
    case IR_OP_EXT32U: r = (uint32_t)a; break;
    case IR_OP_EXTU_I32_I64: r = (uint32_t)a; break;
    case IR_OP_EXTS_I32_I64: r = (uint64_t)(int64_t)(int32_t)a; break;
    case IR_OP_EXTRL_I64_I32: r = (uint32_t)a; break;
    case IR_OP_EXTRH_I64_I32: r = a >> 32; break;
    default:
        return false;
    }
    *out = r & m;
    return true;
}

static bool eval_cond(IrCond c, IrType t, uint64_t a, uint64_t b)
{
    a &= type_mask(t);
    b &= type_mask(t);
    int64_t sa = as_signed(a, t), sb = as_signed(b, t);
    switch (c) {
    case IR_COND_EQ: return a == b;
    case IR_COND_NE: return a != b;
    case IR_COND_LT: return sa < sb;
    case IR_COND_GE: return sa >= sb;
    case IR_COND_LE: return sa <= sb;
    case IR_COND_GT: return sa > sb;
    case IR_COND_LTU: return a < b;
    case IR_COND_GEU: return a >= b;
    case IR_COND_LEU: return a <= b;
    case IR_COND_GTU: return a > b;
    case IR_COND_ALWAYS: return true;
    default: return false;
    }
}

/* ---- knowledge ------------------------------------------------------------------------ */

static bool is_const(OptState *s, IrTemp t)
{
    return s->blk->temps[t].kind == IR_TEMP_KIND_CONST;
}

static uint64_t const_val(OptState *s, IrTemp t)
{
    return s->blk->temps[t].value;
}

static void forget(OptState *s, IrTemp t)
{
    if (t < s->ntemps) {
        s->t[t].ver++;
        s->t[t].epoch_of = 0;
    }
}

static void forget_all(OptState *s)
{
    s->epoch++;
}

static void forget_globals(OptState *s)
{
    for (unsigned t = 1; t < s->blk->first_local; t++) {
        forget(s, t);
    }
}

/* Globals whose field overlaps env bytes [off, off + size). */
static void forget_env_range(OptState *s, int64_t off, unsigned size)
{
    for (unsigned t = 1; t < s->blk->first_local; t++) {
        const IrTempInfo *ti = &s->blk->temps[t];
        int64_t g = ti->env_offset;
        int64_t gsize = ti->type == IR_I64 ? 8 : 4;
        if (g < off + (int64_t)size && off < g + gsize) {
            forget(s, t);
        }
    }
}

/* The best replacement for reading temp @t. */
static IrTemp resolve(OptState *s, IrTemp t)
{
    if (t >= s->ntemps || s->t[t].epoch_of != s->epoch || is_const(s, t)) {
        return t;
    }
    const OptTemp *ot = &s->t[t];
    if (ot->known) {
        return s->ib->pub.constant(&s->ib->pub, (IrType)s->blk->temps[t].type, ot->kval);
    }
    IrTemp c = ot->copy_of;
    if (c != NO_COPY && s->t[c].ver == ot->copy_ver) {
        return c;
    }
    return t;
}

/*
 * What is known of the top bits of a value: its leading @sb bits (at
 * least 1) are copies of its sign bit, which is 0 when @nonneg.  For an i32
 * temp, within its 32 bits.
 */
typedef struct SignBits {
    unsigned sb;
    bool nonneg;
} SignBits;

static unsigned type_bits(IrType t)
{
    return t == IR_I64 ? 64 : 32;
}

static SignBits sign_bits_of_value(uint64_t v, unsigned w)
{
    uint64_t x = w == 64 ? v : (uint64_t)(int64_t)(int32_t)v;
    bool neg = (int64_t)x < 0;
    uint64_t y = neg ? ~x : x;
    unsigned lead = y ? (unsigned)__builtin_clzll(y) : 64;
    return (SignBits){ MIN(lead - (64 - w), w), !neg };
}

static SignBits sign_bits(OptState *s, IrTemp t)
{
    unsigned w = type_bits((IrType)s->blk->temps[t].type);
    if (is_const(s, t)) {
        return sign_bits_of_value(const_val(s, t), w);
    }
    if (t < s->ntemps && s->t[t].epoch_of == s->epoch && s->t[t].sb) {
        return (SignBits){ s->t[t].sb, s->t[t].nonneg };
    }
    return (SignBits){ 1, false };
}

/* A load of @memop into a @w-bit temp. */
static SignBits load_sign_bits(uint64_t memop, unsigned w)
{
    unsigned n = 8u << (memop & IR_MO_SIZE);
    if (n >= w) {
        return (SignBits){ 1, false };
    }
    return (memop & IR_MO_SIGN) ? (SignBits){ w - n + 1, false } : (SignBits){ w - n, true };
}

/* An extension of the low @n bits of a value @a into @w bits. */
static SignBits ext_sign_bits(SignBits a, unsigned from_w, unsigned n, bool sign, unsigned w)
{
    /* The input already fits in @n bits as the extension reads them. */
    if (a.sb > from_w - n && (sign || a.nonneg)) {
        return (SignBits){ MIN(a.sb + (w - from_w), w), a.nonneg };
    }
    return sign ? (SignBits){ w - n + 1, false } : (SignBits){ w - n, true };
}

/* What @op's result is known to look like, from its inputs (read before
 * the write). */
static SignBits result_sign_bits(OptState *s, const IrOp *op)
{
    const IrOpDef *def = &opt_defs[op->opc];
    IrTemp d = (IrTemp)op->args[0];
    unsigned w = type_bits((IrType)s->blk->temps[d].type);
    SignBits unknown = { 1, false };
    SignBits a = unknown, b = unknown;
    unsigned wa = w;
    if (op->opc != IR_OP_CALL && def->nin >= 1) {
        a = sign_bits(s, (IrTemp)op->args[1]);
        wa = type_bits((IrType)s->blk->temps[op->args[1]].type);
    }
    if (op->opc != IR_OP_CALL && def->nin >= 2) {
        b = sign_bits(s, (IrTemp)op->args[2]);
    }
    bool cb = op->opc != IR_OP_CALL && def->nin == 2 && def->nconst == 0 &&
              is_const(s, (IrTemp)op->args[2]);
    uint64_t c = cb ? const_val(s, (IrTemp)op->args[2]) & type_mask((IrType)op->type) : 0;
    unsigned lo = MIN(a.sb, b.sb);
    switch ((IrOpcode)op->opc) {
    case IR_OP_MOV:
        return a;
    case IR_OP_AND: {
        SignBits r = { lo, a.nonneg || b.nonneg };
        r.sb = MAX(r.sb, MAX(a.nonneg ? a.sb : 0, b.nonneg ? b.sb : 0));
        return r;
    }
    case IR_OP_OR: case IR_OP_XOR:
        return (SignBits){ lo, a.nonneg && b.nonneg };
    case IR_OP_ANDC: case IR_OP_ORC: case IR_OP_EQV:
        return (SignBits){ lo, false };
    case IR_OP_NOT:
        return (SignBits){ a.sb, false };
    case IR_OP_ADD:
        return lo > 1 ? (SignBits){ lo - 1, a.nonneg && b.nonneg } : unknown;
    case IR_OP_SUB:
        return lo > 1 ? (SignBits){ lo - 1, false } : unknown;
    case IR_OP_NEG:
        return a.sb > 1 ? (SignBits){ a.sb - 1, false } : unknown;
    case IR_OP_SHL:
        return cb && c < w && a.sb > c ? (SignBits){ a.sb - (unsigned)c, a.nonneg } : unknown;
    case IR_OP_SHR:
        if (!cb || c == 0 || c >= w) {
            return c == 0 && cb ? a : unknown;
        }
        return (SignBits){ a.nonneg ? MIN(a.sb + (unsigned)c, w) : (unsigned)c, true };
    case IR_OP_SAR:
        return cb && c < w ? (SignBits){ MIN(a.sb + (unsigned)c, w), a.nonneg } : unknown;
    case IR_OP_EXT8S: case IR_OP_EXT8U:
        return ext_sign_bits(a, wa, 8, op->opc == IR_OP_EXT8S, w);
    case IR_OP_EXT16S: case IR_OP_EXT16U:
        return ext_sign_bits(a, wa, 16, op->opc == IR_OP_EXT16S, w);
    case IR_OP_EXT32S: case IR_OP_EXT32U: case IR_OP_EXTS_I32_I64: case IR_OP_EXTU_I32_I64:
        return ext_sign_bits(a, wa, 32,
                             op->opc == IR_OP_EXT32S || op->opc == IR_OP_EXTS_I32_I64, w);
    case IR_OP_EXTRL_I64_I32:
        return a.sb > 32 ? (SignBits){ a.sb - 32, a.nonneg } : unknown;
    case IR_OP_EXTRACT:
        return op->args[3] < w ? (SignBits){ w - (unsigned)op->args[3], true } : unknown;
    case IR_OP_SEXTRACT:
        return (SignBits){ w - (unsigned)op->args[3] + 1, false };
    case IR_OP_SETCOND:
        return (SignBits){ w - 1, true };
    case IR_OP_CLZ: case IR_OP_CTZ: case IR_OP_CTPOP:
        return (SignBits){ w - 7, true };
    case IR_OP_LD:
        return load_sign_bits(op->args[2], w);
    case IR_OP_GUEST_LD:
        return load_sign_bits(op->args[2], w);
    default:
        return unknown;
    }
}

/* Record that @d was just written by @op: what it copies or holds, and
 * what its top bits are known to be. */
static void note_write(OptState *s, const IrOp *op, IrTemp d)
{
    SignBits sb = result_sign_bits(s, op);
    forget(s, d);
    if (d >= s->ntemps) {
        return;
    }
    OptTemp *ot = &s->t[d];
    if (op->opc == IR_OP_MOV) {
        IrTemp src = (IrTemp)op->args[1];
        if (is_const(s, src)) {
            *ot = (OptTemp){ .known = true, .kval = const_val(s, src), .copy_of = NO_COPY,
                             .ver = ot->ver };
        } else if (src < s->ntemps && src != d) {
            *ot = (OptTemp){ .copy_of = src, .copy_ver = s->t[src].ver, .ver = ot->ver };
        } else {
            *ot = (OptTemp){ .copy_of = NO_COPY, .ver = ot->ver };
        }
    } else {
        *ot = (OptTemp){ .copy_of = NO_COPY, .ver = ot->ver };
    }
    ot->epoch_of = s->epoch;
    ot->sb = (uint8_t)sb.sb;
    ot->nonneg = sb.nonneg;
}

/* An extension that would not change its input's value. */
static bool extension_is_identity(OptState *s, const IrOp *op)
{
    unsigned n;
    bool sign;
    switch ((IrOpcode)op->opc) {
    case IR_OP_EXT8S: n = 8; sign = true; break;
    case IR_OP_EXT8U: n = 8; sign = false; break;
    case IR_OP_EXT16S: n = 16; sign = true; break;
    case IR_OP_EXT16U: n = 16; sign = false; break;
    case IR_OP_EXT32S: n = 32; sign = true; break;
    case IR_OP_EXT32U: n = 32; sign = false; break;
    default: return false;
    }
    SignBits a = sign_bits(s, (IrTemp)op->args[1]);
    unsigned w = type_bits((IrType)s->blk->temps[op->args[1]].type);
    return sign ? a.sb > w - n : a.nonneg && a.sb >= w - n;
}

/* Rewrite @op as "mov d, src". */
static void make_mov(IrOp *op, IrTemp d, IrTemp src)
{
    uint8_t type = op->type;
    if (op->opc == IR_OP_EXTRL_I64_I32 || op->opc == IR_OP_EXTRH_I64_I32) {
        type = IR_I32;
    } else if (op->opc == IR_OP_EXTU_I32_I64 || op->opc == IR_OP_EXTS_I32_I64) {
        type = IR_I64;
    }
    op->opc = IR_OP_MOV;
    op->type = type;
    op->nargs = 2;
    op->args[0] = d;
    op->args[1] = src;
}

static void make_movi(OptState *s, IrOp *op, IrTemp d, uint64_t v)
{
    IrType type = (IrType)s->blk->temps[d].type;
    make_mov(op, d, s->ib->pub.constant(&s->ib->pub, type, v));
    op->type = type;
}

/* Identities with one constant operand; true if @op was rewritten. */
static bool simplify(OptState *s, IrOp *op)
{
    IrTemp d = (IrTemp)op->args[0], a = (IrTemp)op->args[1], b = (IrTemp)op->args[2];
    IrType t = (IrType)op->type;
    uint64_t m = type_mask(t);
    bool ca = is_const(s, a), cb = is_const(s, b);
    uint64_t va = ca ? const_val(s, a) & m : 0, vb = cb ? const_val(s, b) & m : 0;
    switch (op->opc) {
    case IR_OP_ADD:
    case IR_OP_OR:
    case IR_OP_XOR:
        if (cb && vb == 0) {
            make_mov(op, d, a);
            return true;
        }
        if (ca && va == 0) {
            make_mov(op, d, b);
            return true;
        }
        return false;
    case IR_OP_SUB:
    case IR_OP_SHL:
    case IR_OP_SHR:
    case IR_OP_SAR:
    case IR_OP_ROTL:
    case IR_OP_ROTR:
        if (cb && (op->opc == IR_OP_SUB ? vb : (vb & (t == IR_I64 ? 63 : 31))) == 0) {
            make_mov(op, d, a);
            return true;
        }
        return false;
    case IR_OP_AND:
        if ((cb && vb == m) || (ca && va == m)) {
            make_mov(op, d, cb && vb == m ? a : b);
            return true;
        }
        if ((cb && vb == 0) || (ca && va == 0)) {
            make_movi(s, op, d, 0);
            return true;
        }
        return false;
    case IR_OP_MUL:
        if ((cb && vb == 1) || (ca && va == 1)) {
            make_mov(op, d, cb && vb == 1 ? a : b);
            return true;
        }
        if ((cb && vb == 0) || (ca && va == 0)) {
            make_movi(s, op, d, 0);
            return true;
        }
        return false;
    default:
        return false;
    }
}

/* Operand @arg replaced by what resolve() gives (only temps known in this
 * epoch can change). */
static void substitute(OptState *s, uint64_t *arg)
{
    IrTemp t = (IrTemp)*arg;
    if (t < s->ntemps && s->t[t].epoch_of == s->epoch) {
        /* Keep operand types: a copy is always of the same type. */
        *arg = resolve(s, t);
    }
}

static void substitute_inputs(OptState *s, IrOp *op)
{
    if (op->opc == IR_OP_CALL) {
        for (unsigned k = 0; k < op->args[3]; k++) {
            substitute(s, &op->args[4 + k]);
        }
        return;
    }
    const IrOpDef *d = &opt_defs[op->opc];
    for (unsigned k = d->nout; k < (unsigned)(d->nout + d->nin); k++) {
        substitute(s, &op->args[k]);
    }
}

static void forward_pass(OptState *s)
{
    IrBlock *blk = s->blk;
    bool unreachable = false;
    for (unsigned i = 0; i < blk->nops; i++) {
        IrOp *op = &blk->ops[i];
        if (op->opc == IR_OP_SET_LABEL) {
            unreachable = false;
            forget_all(s);
            s->label_seen[op->args[0]] = true;
            continue;
        }
        if (unreachable && op->opc != IR_OP_INSN_START) {
            op->opc = OP_REMOVED;
            continue;
        }
        if (op->opc == IR_OP_INSN_START) {
            continue;
        }
        substitute_inputs(s, op);
        const IrOpDef *def = &opt_defs[op->opc];
        uint64_t v;
        switch ((IrOpcode)op->opc) {
        case IR_OP_BRCOND: {
            IrTemp a = (IrTemp)op->args[0], b = (IrTemp)op->args[1];
            IrCond c = (IrCond)op->args[2];
            if (c == IR_COND_ALWAYS || c == IR_COND_NEVER ||
                (is_const(s, a) && is_const(s, b))) {
                if (eval_cond(c, (IrType)op->type, const_val(s, a), const_val(s, b))) {
                    uint64_t label = op->args[3];
                    op->opc = IR_OP_BR;
                    op->nargs = 1;
                    op->args[0] = label;
                    unreachable = true;
                } else {
                    op->opc = OP_REMOVED;
                    continue;
                }
            }
            s->backward |= s->label_seen[op->opc == IR_OP_BR ? op->args[0] : op->args[3]];
            continue;
        }
        case IR_OP_BR:
            s->backward |= s->label_seen[op->args[0]];
            unreachable = true;
            continue;
        case IR_OP_EXIT_TB:
        case IR_OP_LOOKUP_AND_GOTO_PTR:
            unreachable = true;
            continue;
        case IR_OP_CALL:
            if (!(op->args[2] & IR_CALL_NO_WRITE_GLOBALS)) {
                forget_globals(s);
            }
            if (op->args[0] != IR_NO_TEMP) {
                forget(s, (IrTemp)op->args[0]);
            }
            continue;
        case IR_OP_ST:
            forget_env_range(s, (int64_t)op->args[1], ir_memop_size((unsigned)op->args[2]));
            continue;
        case IR_OP_SETCOND:
            if (is_const(s, op->args[1]) && is_const(s, op->args[2])) {
                bool r = eval_cond((IrCond)op->args[3], (IrType)op->type,
                                   const_val(s, op->args[1]), const_val(s, op->args[2]));
                make_movi(s, op, (IrTemp)op->args[0], r);
            }
            break;
        case IR_OP_MOVCOND:
            if (is_const(s, op->args[1]) && is_const(s, op->args[2])) {
                bool r = eval_cond((IrCond)op->args[5], (IrType)op->type,
                                   const_val(s, op->args[1]), const_val(s, op->args[2]));
                make_mov(op, (IrTemp)op->args[0], (IrTemp)op->args[r ? 3 : 4]);
            } else if (op->args[3] == op->args[4]) {
                make_mov(op, (IrTemp)op->args[0], (IrTemp)op->args[3]);
            }
            break;
        default:
            if (def->nout == 1 && def->nin == 2 && def->nconst == 0 &&
                op->opc != IR_OP_LD) {
                if (is_const(s, op->args[1]) && is_const(s, op->args[2]) &&
                    fold_binop((IrOpcode)op->opc, (IrType)op->type, const_val(s, op->args[1]),
                               const_val(s, op->args[2]), &v)) {
                    make_movi(s, op, (IrTemp)op->args[0], v);
                } else {
                    simplify(s, op);
                }
            } else if (extension_is_identity(s, op)) {
                make_mov(op, (IrTemp)op->args[0], (IrTemp)op->args[1]);
            } else if (op->opc == IR_OP_EXTS_I32_I64 &&
                       sign_bits(s, (IrTemp)op->args[1]).nonneg) {
                op->opc = IR_OP_EXTU_I32_I64;
            } else if (def->nout == 1 && def->nin == 1 && def->nconst == 0 &&
                       op->opc != IR_OP_MOV && is_const(s, op->args[1])) {
                IrType src_type = (IrType)s->blk->temps[op->args[1]].type;
                if (fold_unop((IrOpcode)op->opc, (IrType)s->blk->temps[op->args[0]].type,
                              const_val(s, op->args[1]) & type_mask(src_type), &v)) {
                    make_movi(s, op, (IrTemp)op->args[0], v);
                }
            }
            break;
        }
        def = &opt_defs[op->opc];
        if (def->nout == 1) {
            note_write(s, op, (IrTemp)op->args[0]);
        }
    }
}

/* ---- dead code ---------------------------------------------------------------------- */

static bool op_is_pure(const IrOp *op)
{
    switch ((IrOpcode)op->opc) {
    case IR_OP_GUEST_LD:
    case IR_OP_GUEST_ST:
    case IR_OP_ATOMIC_CMPXCHG:
    case IR_OP_ATOMIC_RMW:
    case IR_OP_ST:
    case IR_OP_BRCOND:
    case IR_OP_BR:
    case IR_OP_SET_LABEL:
    case IR_OP_INSN_START:
    case IR_OP_GOTO_TB:
    case IR_OP_EXIT_TB:
    case IR_OP_LOOKUP_AND_GOTO_PTR:
    case IR_OP_MB:
        return false;
    case IR_OP_CALL:
        return (op->args[2] & IR_CALL_NO_SIDE_EFFECTS) != 0;
    default:
        return true;
    }
}

/* Constants the forward pass added (t >= ntemps) are not tracked: only
 * block temps' read_later counts. */
static void mark_read(OptState *s, IrTemp t)
{
    if (t < s->ntemps) {
        s->t[t].read_later = true;
        s->t[t].overwritten = 0;
    }
}

/*
 * Dead writes, found walking backwards: a pure op writing a block temp
 * nothing reads later, or a global that a later op overwrites with no read
 * of it between and nothing between that may observe env (ops that are
 * not pure and calls: guest accesses and helpers may fault or read guest
 * state, exits and branches leave; env loads and stores, which may alias
 * a global; INSN_START is not one: pure ops do not fault).  The second
 * kind is the first half of auipc/lui + addi pairs once constants are
 * folded.
 */
static void forget_overwrites(OptState *s)
{
    s->overwrite_epoch++;
}

static void dead_code_pass(OptState *s)
{
    IrBlock *blk = s->blk;
    forget_overwrites(s);
    for (unsigned i = blk->nops; i-- > 0;) {
        IrOp *op = &blk->ops[i];
        if (op->opc == OP_REMOVED) {
            continue;
        }
        /* A self-move does nothing (and neither reads nor writes). */
        if (op->opc == IR_OP_MOV && op->args[0] == op->args[1]) {
            op->opc = OP_REMOVED;
            continue;
        }
        IrTemp out = IR_NO_TEMP;
        if (op->opc == IR_OP_CALL) {
            out = (IrTemp)op->args[0];
        } else if (opt_defs[op->opc].nout == 1) {
            out = (IrTemp)op->args[0];
        }
        bool pure = op_is_pure(op);
        if (out != IR_NO_TEMP && pure &&
            ((blk->temps[out].kind == IR_TEMP_KIND_LOCAL && !s->t[out].read_later) ||
             (blk->temps[out].kind == IR_TEMP_KIND_GLOBAL &&
              s->t[out].overwritten == s->overwrite_epoch))) {
            op->opc = OP_REMOVED;
            continue;
        }
        if ((!pure && op->opc != IR_OP_INSN_START) || op->opc == IR_OP_CALL ||
            op->opc == IR_OP_LD) {
            forget_overwrites(s);
        } else if (out != IR_NO_TEMP && blk->temps[out].kind == IR_TEMP_KIND_GLOBAL) {
            s->t[out].overwritten = s->overwrite_epoch;
        }
        if (op->opc == IR_OP_CALL) {
            for (unsigned k = 0; k < op->args[3]; k++) {
                mark_read(s, (IrTemp)op->args[4 + k]);
            }
        } else {
            const IrOpDef *d = &opt_defs[op->opc];
            for (unsigned k = d->nout; k < (unsigned)(d->nout + d->nin); k++) {
                mark_read(s, (IrTemp)op->args[k]);
            }
        }
    }
}

/* ---- demanded bits ------------------------------------------------------------------- */

/* Every bit at and below the highest bit of @d (what add, sub, mul and neg
 * need of their inputs to produce the bits of @d). */
static uint64_t fill_down(uint64_t d)
{
    return d ? UINT64_MAX >> __builtin_clzll(d) : 0;
}

/* The bits of t's current value that later ops read.  Before the pass has
 * seen t in the current stretch of straight code (the epoch), that is
 * what the code after the stretch may read: every bit of a global, every
 * bit of a block temp read anywhere after, nothing of the others (unless
 * a branch goes backward: then a read before may come after). */
static uint64_t demand_of(OptState *s, IrTemp t)
{
    if (t >= s->ntemps) {
        return UINT64_MAX;
    }
    if (s->t[t].demand_epoch != s->demand_epoch) {
        bool local = s->blk->temps[t].kind == IR_TEMP_KIND_LOCAL;
        return local && !s->backward && !s->t[t].demand_read ? 0 : UINT64_MAX;
    }
    return s->t[t].demand;
}

static void demand_add(OptState *s, IrTemp t, uint64_t bits)
{
    if (t < s->ntemps && s->blk->temps[t].kind != IR_TEMP_KIND_CONST) {
        s->t[t].demand = demand_of(s, t) | bits;
        s->t[t].demand_epoch = s->demand_epoch;
        s->t[t].demand_read = true;
    }
}

/* Bits of an extension's input that its output bits @d need: the low
 * @bits, and the top one of those when any extended bit is needed. */
static uint64_t ext_demand(uint64_t d, unsigned bits, bool sign)
{
    uint64_t low = (1ull << bits) - 1;
    return (d & low) | (sign && (d & ~low) ? 1ull << (bits - 1) : 0);
}

/*
 * The bits of the inputs of @op that the bits @d of its output need;
 * UINT64_MAX when the op is not understood.  @c is the constant second
 * operand, if any (@has_c).
 */
static uint64_t input_demand(const IrOp *op, uint64_t d, bool has_c, uint64_t c)
{
    unsigned width = op->type == IR_I64 ? 64 : 32;
    switch ((IrOpcode)op->opc) {
    case IR_OP_AND:
        return has_c ? d & c : d;
    case IR_OP_MOV: case IR_OP_OR: case IR_OP_XOR: case IR_OP_ANDC: case IR_OP_ORC:
    case IR_OP_EQV: case IR_OP_NOT:
        return d;
    case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: case IR_OP_NEG:
        return fill_down(d);
    case IR_OP_SHL:
        return has_c ? d >> (c & (width - 1)) : UINT64_MAX;
    case IR_OP_SHR:
        return has_c ? d << (c & (width - 1)) : UINT64_MAX;
    case IR_OP_EXT8S: case IR_OP_EXT8U:
        return ext_demand(d, 8, op->opc == IR_OP_EXT8S);
    case IR_OP_EXT16S: case IR_OP_EXT16U:
        return ext_demand(d, 16, op->opc == IR_OP_EXT16S);
    case IR_OP_EXT32S: case IR_OP_EXT32U: case IR_OP_EXTS_I32_I64: case IR_OP_EXTU_I32_I64:
        return ext_demand(d, 32, op->opc == IR_OP_EXT32S || op->opc == IR_OP_EXTS_I32_I64);
    case IR_OP_EXTRL_I64_I32:
        return d & 0xffffffffull;
    default:
        return UINT64_MAX;
    }
}

/* Rewrites an extension (or an AND with a constant) whose output bits @d
 * do not include any bit it changes. */
static void narrow(OptState *s, IrOp *op, uint64_t d, bool has_c, uint64_t c)
{
    uint64_t low;
    switch ((IrOpcode)op->opc) {
    case IR_OP_EXT8S: case IR_OP_EXT8U: low = 0xff; break;
    case IR_OP_EXT16S: case IR_OP_EXT16U: low = 0xffff; break;
    case IR_OP_EXT32S: case IR_OP_EXT32U: low = 0xffffffffull; break;
    case IR_OP_EXTS_I32_I64:
        if (!(d & ~0xffffffffull)) {
            op->opc = IR_OP_EXTU_I32_I64;   /* a plain 32-bit move on most hosts */
        }
        return;
    case IR_OP_AND:
        if (has_c && !(d & ~c) && !is_const(s, (IrTemp)op->args[1])) {
            make_mov(op, (IrTemp)op->args[0], (IrTemp)op->args[1]);
        }
        return;
    default:
        return;
    }
    if (!(d & ~low)) {
        make_mov(op, (IrTemp)op->args[0], (IrTemp)op->args[1]);
    }
}

/*
 * Walking backwards, the bits of each temp's value that later ops read.
 * At control flow (labels, branches, exits) and wherever env may be
 * observed (helpers, guest and env accesses) every bit of every global
 * counts, and of every block temp read anywhere after: one epoch
 * increment.  Between those points the code is straight and a write ends
 * its value's demand, so this is sound with branches either way.
 */
static void demanded_bits_pass(OptState *s)
{
    IrBlock *blk = s->blk;
    s->demand_epoch++;
    for (unsigned i = blk->nops; i-- > 0;) {
        IrOp *op = &blk->ops[i];
        if (op->opc == OP_REMOVED || op->opc == IR_OP_INSN_START) {
            continue;
        }
        const IrOpDef *def = &opt_defs[op->opc];
        if (op->opc == IR_OP_CALL || op->opc == IR_OP_LD || !op_is_pure(op) ||
            def->nout != 1) {
            s->demand_epoch++;
            if (op->opc == IR_OP_CALL) {
                for (unsigned k = 0; k < op->args[3]; k++) {
                    demand_add(s, (IrTemp)op->args[4 + k], UINT64_MAX);
                }
            } else {
                for (unsigned k = def->nout; k < (unsigned)(def->nout + def->nin); k++) {
                    demand_add(s, (IrTemp)op->args[k], UINT64_MAX);
                }
            }
            continue;
        }
        IrTemp out = (IrTemp)op->args[0];
        uint64_t d = demand_of(s, out) & type_mask((IrType)blk->temps[out].type);
        bool has_c = def->nin == 2 && def->nconst == 0 && is_const(s, (IrTemp)op->args[2]);
        uint64_t c = has_c ? const_val(s, (IrTemp)op->args[2]) : 0;
        narrow(s, op, d, has_c, c);
        def = &opt_defs[op->opc];
        if (out < s->ntemps) {
            s->t[out].demand = 0;
            s->t[out].demand_epoch = s->demand_epoch;
        }
        uint64_t in = input_demand(op, d, has_c, c);
        for (unsigned k = 1; k <= def->nin; k++) {
            demand_add(s, (IrTemp)op->args[k], in);
        }
    }
}

static void compact(IrBlock *blk)
{
    unsigned n = 0;
    for (unsigned i = 0; i < blk->nops; i++) {
        if (blk->ops[i].opc != OP_REMOVED) {
            if (n != i) {
                blk->ops[n] = blk->ops[i];
            }
            n++;
        }
    }
    blk->nops = n;
}

void ir_optimize(IrBuilderImpl *ib)
{
    IrBlock *blk = &ib->blk;
    /* The temps' state (epoch_of 0: nothing known in epoch 1) and the
     * labels seen, zeroed: on the stack unless the block is unusually big. */
    OptTemp stack_temps[OPT_STACK_TEMPS];
    bool stack_labels[OPT_STACK_LABELS];
    g_autofree OptTemp *heap_temps = NULL;
    g_autofree bool *heap_labels = NULL;
    OptState s = {
        .ib = ib, .blk = blk, .ntemps = blk->ntemps, .epoch = 1,
        .t = stack_temps, .label_seen = stack_labels,
    };
    if (blk->ntemps <= OPT_STACK_TEMPS) {
        memset(stack_temps, 0, blk->ntemps * sizeof(OptTemp));
    } else {
        s.t = heap_temps = g_new0(OptTemp, blk->ntemps);
    }
    if (blk->nlabels < OPT_STACK_LABELS) {
        memset(stack_labels, 0, blk->nlabels + 1);
    } else {
        s.label_seen = heap_labels = g_new0(bool, blk->nlabels + 1);
    }
    forward_pass(&s);
    if (!s.backward) {
        dead_code_pass(&s);
    }
    demanded_bits_pass(&s);
    compact(blk);
}
