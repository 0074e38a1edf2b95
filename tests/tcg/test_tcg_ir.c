/* SPDX-License-Identifier: MIT */
/*
 * IR semantics as executed by the engine and the interpreter: every
 * arithmetic op at 32 and 64 bits on edge-case inputs (with operands in
 * globals, constants and block temps, which also exercises the optimizer),
 * comparisons and branches, bit fields, env loads/stores, guest loads and
 * stores (RAM fast path, MMIO and page-crossing slow paths), helper calls
 * and atomics.  Results are compared with reference definitions below.
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kernel/log.h"
#include "tests/tcg/toy_cpu.h"

static ToyHarness *h;

static void setup(void)
{
    h = toy_setup(1, "backend=interp");
}

static void teardown(void)
{
    toy_teardown(h);
    h = NULL;
}

static ToyEnv *env0(void)
{
    return &h->cpus[0]->env;
}

static const uint64_t inputs[] = {
    0, 1, 2, 5, 31, 32, 63, 64, 0x7fffffffull, 0x80000000ull, 0xffffffffull,
    0x123456789abcdef0ull, 0xfedcba9876543210ull, 0x7fffffffffffffffull,
    0x8000000000000000ull, UINT64_MAX, UINT64_MAX - 1, 0xffffffff80000000ull,
};

#define OUT_OFF(k) ((ptrdiff_t)offsetof(ToyEnv, out[k]))

/* ---- reference semantics ---------------------------------------------------- */

static uint64_t mask_of(int bits)
{
    return bits == 64 ? UINT64_MAX : 0xffffffffull;
}

static int64_t sext(uint64_t x, int bits)
{
    return bits == 64 ? (int64_t)x : (int64_t)(int32_t)x;
}

static uint64_t ref_binop(IrOpcode opc, int bits, uint64_t a, uint64_t b)
{
    uint64_t m = mask_of(bits);
    a &= m;
    b &= m;
    int64_t sa = sext(a, bits), sb = sext(b, bits);
    unsigned sh = (unsigned)(b & (unsigned)(bits - 1));
    int64_t smin = bits == 64 ? INT64_MIN : INT32_MIN;
    unsigned __int128 ua = a, ub = b;
    __int128 pa = sa, pb = sb;
    uint64_t r;
    switch (opc) {
    case IR_OP_ADD: r = a + b; break;
    case IR_OP_SUB: r = a - b; break;
    case IR_OP_MUL: r = a * b; break;
    case IR_OP_AND: r = a & b; break;
    case IR_OP_OR: r = a | b; break;
    case IR_OP_XOR: r = a ^ b; break;
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
    case IR_OP_MULSH: r = (uint64_t)((pa * pb) >> bits); break;
    case IR_OP_MULUH: r = (uint64_t)((ua * ub) >> bits); break;
    case IR_OP_MULSUH: r = (uint64_t)((pa * (__int128)ub) >> bits); break;
    case IR_OP_ANDC: r = a & ~b; break;
    case IR_OP_ORC: r = a | ~b; break;
    case IR_OP_EQV: r = ~(a ^ b); break;
    default: g_assert_not_reached();
    }
    return r & m;
}

static uint64_t ref_unop(IrOpcode opc, int bits, uint64_t a)
{
    uint64_t m = mask_of(bits);
    a &= m;
    uint64_t r = 0;
    switch (opc) {
    case IR_OP_MOV: r = a; break;
    case IR_OP_NEG: r = -a; break;
    case IR_OP_NOT: r = ~a; break;
    case IR_OP_CLZ:
        r = bits;
        for (int i = bits - 1; i >= 0; i--) {
            if (a & (1ull << i)) {
                r = (uint64_t)(bits - 1 - i);
                break;
            }
        }
        break;
    case IR_OP_CTZ:
        r = bits;
        for (int i = 0; i < bits; i++) {
            if (a & (1ull << i)) {
                r = (uint64_t)i;
                break;
            }
        }
        break;
    case IR_OP_CTPOP:
        for (int i = 0; i < bits; i++) {
            r += (a >> i) & 1;
        }
        break;
    case IR_OP_BSWAP:
        for (int i = 0; i < bits / 8; i++) {
            r |= ((a >> (8 * i)) & 0xff) << (bits - 8 - 8 * i);
        }
        break;
    case IR_OP_EXT8S: r = (uint64_t)(int64_t)(int8_t)a; break;
    case IR_OP_EXT8U: r = (uint8_t)a; break;
    case IR_OP_EXT16S: r = (uint64_t)(int64_t)(int16_t)a; break;
    case IR_OP_EXT16U: r = (uint16_t)a; break;
    case IR_OP_EXT32S: r = (uint64_t)(int64_t)(int32_t)a; break;
    case IR_OP_EXT32U: r = (uint32_t)a; break;
    default: g_assert_not_reached();
    }
    return r & m;
}

static bool ref_cond(IrCond c, int bits, uint64_t a, uint64_t b)
{
    a &= mask_of(bits);
    b &= mask_of(bits);
    int64_t sa = sext(a, bits), sb = sext(b, bits);
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
    case IR_COND_NEVER: return false;
    }
    g_assert_not_reached();
}

/* ---- operand placement ---------------------------------------------------------- */

typedef enum {
    PLACE_GLOBALS,      /* both inputs in globals */
    PLACE_CONST_B,      /* second input a constant */
    PLACE_CONSTS,       /* both constants (folded by the optimizer) */
    PLACE_TEMPS,        /* copied into block temps first */
    PLACE_COUNT,
} Placement;

typedef struct GenArgs {
    IrType type;
    Placement place;
    uint64_t a, b;
} GenArgs;

static int type_bits(IrType t)
{
    return t == IR_I64 ? 64 : 32;
}

/* Input temps for a test block; globals r0/r1 or w0/w1 hold a and b. */
static void inputs_for(IrBuilder *b, const GenArgs *g, IrTemp *x, IrTemp *y)
{
    bool i64 = g->type == IR_I64;
    IrTemp ga = i64 ? TOY_G_R(0) : TOY_G_W(0);
    IrTemp gb = i64 ? TOY_G_R(1) : TOY_G_W(1);
    switch (g->place) {
    case PLACE_GLOBALS:
        *x = ga;
        *y = gb;
        break;
    case PLACE_CONST_B:
        *x = ga;
        *y = b->constant(b, g->type, g->b);
        break;
    case PLACE_CONSTS:
        *x = b->constant(b, g->type, g->a);
        *y = b->constant(b, g->type, g->b);
        break;
    default:
        *x = b->temp_new(b, g->type);
        *y = b->temp_new(b, g->type);
        ir_op1(b, IR_OP_MOV, g->type, *x, ga);
        ir_op1(b, IR_OP_MOV, g->type, *y, gb);
        break;
    }
}

static void store_out(IrBuilder *b, IrType t, IrTemp v, unsigned k)
{
    ir_st(b, t, v, OUT_OFF(k), t == IR_I64 ? IR_MO_64 : IR_MO_32);
}

static void prepare(const GenArgs *g)
{
    ToyEnv *e = env0();
    memset(e->out, 0, sizeof(e->out));
    e->r[0] = g->a;
    e->r[1] = g->b;
    e->w[0] = (uint32_t)g->a;
    e->w[1] = (uint32_t)g->b;
}

/* ---- arithmetic ------------------------------------------------------------------- */

static const IrOpcode binops[] = {
    IR_OP_ADD, IR_OP_SUB, IR_OP_MUL, IR_OP_AND, IR_OP_OR, IR_OP_XOR, IR_OP_SHL, IR_OP_SHR,
    IR_OP_SAR, IR_OP_ROTL, IR_OP_ROTR, IR_OP_DIV, IR_OP_DIVU, IR_OP_REM, IR_OP_REMU,
    IR_OP_MULSH, IR_OP_MULUH, IR_OP_MULSUH, IR_OP_ANDC, IR_OP_ORC, IR_OP_EQV,
};

static void gen_binops(IrBuilder *b, void *opaque)
{
    const GenArgs *g = opaque;
    IrTemp x, y;
    inputs_for(b, g, &x, &y);
    for (unsigned k = 0; k < G_N_ELEMENTS(binops); k++) {
        IrTemp t = b->temp_new(b, g->type);
        ir_op2(b, binops[k], g->type, t, x, y);
        store_out(b, g->type, t, k);
        b->temp_free(b, t);
    }
}

static void check_binops(IrType type)
{
    for (unsigned p = 0; p < PLACE_COUNT; p++) {
        for (unsigned i = 0; i < G_N_ELEMENTS(inputs); i++) {
            for (unsigned j = 0; j < G_N_ELEMENTS(inputs); j++) {
                GenArgs g = { .type = type, .place = p, .a = inputs[i], .b = inputs[j] };
                prepare(&g);
                toy_run_gen(h, gen_binops, &g);
                for (unsigned k = 0; k < G_N_ELEMENTS(binops); k++) {
                    uint64_t want = ref_binop(binops[k], type_bits(type), g.a, g.b);
                    ck_assert_msg(env0()->out[k] == want,
                                  "%s_i%d(%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER
                                  "x) placement %u = %#" G_GINT64_MODIFIER "x, want %#"
                                  G_GINT64_MODIFIER "x", ir_opcode_name(binops[k]),
                                  type_bits(type), g.a, g.b, p, env0()->out[k], want);
                }
            }
        }
    }
}

START_TEST(test_binops_i64)
{
    check_binops(IR_I64);
}
END_TEST

START_TEST(test_binops_i32)
{
    check_binops(IR_I32);
}
END_TEST

static const IrOpcode unops[] = {
    IR_OP_MOV, IR_OP_NEG, IR_OP_NOT, IR_OP_CLZ, IR_OP_CTZ, IR_OP_CTPOP, IR_OP_BSWAP,
    IR_OP_EXT8S, IR_OP_EXT8U, IR_OP_EXT16S, IR_OP_EXT16U, IR_OP_EXT32S, IR_OP_EXT32U,
};

static void gen_unops(IrBuilder *b, void *opaque)
{
    const GenArgs *g = opaque;
    IrTemp x, y;
    inputs_for(b, g, &x, &y);
    for (unsigned k = 0; k < G_N_ELEMENTS(unops); k++) {
        if (g->type == IR_I32 && (unops[k] == IR_OP_EXT32S || unops[k] == IR_OP_EXT32U)) {
            continue;
        }
        IrTemp t = b->temp_new(b, g->type);
        ir_op1(b, unops[k], g->type, t, x);
        store_out(b, g->type, t, k);
    }
    /* Width conversions. */
    if (g->type == IR_I64) {
        IrTemp lo = ir_temp_new_i32(b), hi = ir_temp_new_i32(b);
        IrTemp zx = ir_temp_new_i64(b), sx = ir_temp_new_i64(b);
        ir_extrl_i64_i32(b, lo, x);
        ir_extrh_i64_i32(b, hi, x);
        ir_extu_i32_i64(b, zx, hi);
        ir_exts_i32_i64(b, sx, lo);
        store_out(b, IR_I32, lo, 40);
        store_out(b, IR_I32, hi, 41);
        store_out(b, IR_I64, zx, 42);
        store_out(b, IR_I64, sx, 43);
    }
}

static void check_unops(IrType type)
{
    int bits = type_bits(type);
    for (unsigned p = 0; p < PLACE_COUNT; p++) {
        for (unsigned i = 0; i < G_N_ELEMENTS(inputs); i++) {
            GenArgs g = { .type = type, .place = p, .a = inputs[i], .b = 0 };
            prepare(&g);
            toy_run_gen(h, gen_unops, &g);
            for (unsigned k = 0; k < G_N_ELEMENTS(unops); k++) {
                if (bits == 32 && (unops[k] == IR_OP_EXT32S || unops[k] == IR_OP_EXT32U)) {
                    continue;
                }
                uint64_t want = ref_unop(unops[k], bits, g.a);
                ck_assert_msg(env0()->out[k] == want,
                              "%s_i%d(%#" G_GINT64_MODIFIER "x) = %#" G_GINT64_MODIFIER
                              "x, want %#" G_GINT64_MODIFIER "x", ir_opcode_name(unops[k]),
                              bits, g.a, env0()->out[k], want);
            }
            if (type == IR_I64) {
                ck_assert_uint_eq(env0()->out[40], (uint32_t)g.a);
                ck_assert_uint_eq(env0()->out[41], g.a >> 32);
                ck_assert_uint_eq(env0()->out[42], g.a >> 32);
                ck_assert_uint_eq(env0()->out[43], (uint64_t)(int64_t)(int32_t)g.a);
            }
        }
    }
}

START_TEST(test_unops_i64)
{
    check_unops(IR_I64);
}
END_TEST

START_TEST(test_unops_i32)
{
    check_unops(IR_I32);
}
END_TEST

/* ---- 32-bit ops on the low halves of 64-bit values ------------------------------- */

/* The pattern of RV64 "W" instructions: extrl, op_i32, exts_i32_i64. */
static void gen_word_ops(IrBuilder *b, void *opaque)
{
    const GenArgs *g = opaque;
    for (unsigned k = 0; k < G_N_ELEMENTS(binops); k++) {
        IrTemp x = ir_temp_new_i32(b), y = ir_temp_new_i32(b), r = ir_temp_new_i32(b);
        IrTemp d = ir_temp_new_i64(b);
        ir_extrl_i64_i32(b, x, TOY_G_R(0));
        if (g->place == PLACE_CONST_B) {
            ir_extrl_i64_i32(b, y, ir_const_i64(b, g->b));
        } else {
            ir_extrl_i64_i32(b, y, TOY_G_R(1));
        }
        ir_op2(b, binops[k], IR_I32, r, x, y);
        ir_exts_i32_i64(b, d, r);
        ir_st_i64(b, d, OUT_OFF(k));
    }
    /* The source changes while the low half is still needed. */
    IrTemp lo = ir_temp_new_i32(b), r = ir_temp_new_i32(b);
    ir_extrl_i64_i32(b, lo, TOY_G_R(0));
    ir_addi_i64(b, TOY_G_R(0), TOY_G_R(0), 0x100000001ll);
    ir_add_i32(b, r, lo, lo);
    ir_exts_i32_i64(b, TOY_G_R(2), r);
    /* A temp reused for a second value. */
    IrTemp u = ir_temp_new_i32(b);
    ir_extrl_i64_i32(b, u, TOY_G_R(1));
    ir_st_i32(b, u, OUT_OFF(40));
    ir_movi_i32(b, u, 7);
    ir_add_i32(b, r, u, u);
    ir_exts_i32_i64(b, TOY_G_R(3), r);
}

START_TEST(test_word_ops)
{
    for (unsigned p = PLACE_GLOBALS; p <= PLACE_CONST_B; p++) {
        for (unsigned i = 0; i < G_N_ELEMENTS(inputs); i++) {
            for (unsigned j = 0; j < G_N_ELEMENTS(inputs); j += 2) {
                GenArgs g = { .type = IR_I32, .place = p, .a = inputs[i], .b = inputs[j] };
                prepare(&g);
                toy_run_gen(h, gen_word_ops, &g);
                for (unsigned k = 0; k < G_N_ELEMENTS(binops); k++) {
                    uint64_t want = (uint64_t)(int64_t)(int32_t)ref_binop(binops[k], 32, g.a,
                                                                          g.b);
                    ck_assert_msg(env0()->out[k] == want, "%s_w(%#" G_GINT64_MODIFIER "x, %#"
                                  G_GINT64_MODIFIER "x) = %#" G_GINT64_MODIFIER "x want %#"
                                  G_GINT64_MODIFIER "x", ir_opcode_name(binops[k]), g.a, g.b,
                                  env0()->out[k], want);
                }
                ck_assert_uint_eq(env0()->r[0], g.a + 0x100000001ull);
                ck_assert_uint_eq(env0()->r[2], (uint64_t)(int64_t)(int32_t)(2 * (uint32_t)g.a));
                ck_assert_uint_eq(env0()->out[40], (uint32_t)g.b);
                ck_assert_uint_eq(env0()->r[3], 14);
            }
        }
    }
}
END_TEST

/* ---- comparisons ------------------------------------------------------------------- */

#define NCOND 12

static void gen_conds(IrBuilder *b, void *opaque)
{
    const GenArgs *g = opaque;
    IrTemp x, y;
    inputs_for(b, g, &x, &y);
    IrTemp one = b->constant(b, g->type, 111), two = b->constant(b, g->type, 222);
    for (unsigned c = 0; c < NCOND; c++) {
        IrTemp t = b->temp_new(b, g->type);
        ir_setcond(b, g->type, (IrCond)c, t, x, y);
        store_out(b, g->type, t, c);
        ir_movcond(b, g->type, (IrCond)c, t, x, y, one, two);
        store_out(b, g->type, t, 16 + c);
        /* out[32 + c] = 1 if the branch is taken, 2 if not. */
        IrLabel taken = ir_label_new(b), done = ir_label_new(b);
        ir_brcond(b, g->type, (IrCond)c, x, y, taken);
        ir_movi_i64(b, TOY_G_R(9), 2);
        ir_br(b, done);
        ir_set_label(b, taken);
        ir_movi_i64(b, TOY_G_R(9), 1);
        ir_set_label(b, done);
        ir_st_i64(b, TOY_G_R(9), OUT_OFF(32 + c));
    }
}

static void check_conds(IrType type)
{
    int bits = type_bits(type);
    for (unsigned p = 0; p < PLACE_COUNT; p++) {
        for (unsigned i = 0; i < G_N_ELEMENTS(inputs); i++) {
            for (unsigned j = 0; j < G_N_ELEMENTS(inputs); j += 3) {
                GenArgs g = { .type = type, .place = p, .a = inputs[i], .b = inputs[j] };
                prepare(&g);
                toy_run_gen(h, gen_conds, &g);
                for (unsigned c = 0; c < NCOND; c++) {
                    bool want = ref_cond((IrCond)c, bits, g.a, g.b);
                    ck_assert_msg(env0()->out[c] == want && env0()->out[16 + c] ==
                                  (want ? 111u : 222u) && env0()->out[32 + c] ==
                                  (want ? 1u : 2u), "cond %u i%d %#" G_GINT64_MODIFIER
                                  "x %#" G_GINT64_MODIFIER "x placement %u", c, bits, g.a,
                                  g.b, p);
                }
            }
        }
    }
}

START_TEST(test_conds_i64)
{
    check_conds(IR_I64);
}
END_TEST

START_TEST(test_conds_i32)
{
    check_conds(IR_I32);
}
END_TEST

/* ---- bit fields --------------------------------------------------------------------- */

static const struct { unsigned pos, len; } fields[] = {
    { 0, 1 }, { 0, 8 }, { 3, 5 }, { 7, 9 }, { 0, 31 }, { 1, 31 }, { 0, 32 }, { 20, 12 },
    { 31, 1 }, { 33, 7 }, { 0, 63 }, { 1, 63 }, { 0, 64 }, { 63, 1 }, { 40, 24 },
};

static void gen_fields(IrBuilder *b, void *opaque)
{
    const GenArgs *g = opaque;
    IrTemp x, y;
    inputs_for(b, g, &x, &y);
    int bits = type_bits(g->type);
    for (unsigned k = 0; k < G_N_ELEMENTS(fields); k++) {
        if (fields[k].pos + fields[k].len > (unsigned)bits) {
            continue;
        }
        IrTemp t = b->temp_new(b, g->type);
        ir_extract(b, g->type, t, x, fields[k].pos, fields[k].len);
        store_out(b, g->type, t, k);
        ir_sextract(b, g->type, t, x, fields[k].pos, fields[k].len);
        store_out(b, g->type, t, 20 + k);
        ir_deposit(b, g->type, t, x, y, fields[k].pos, fields[k].len);
        store_out(b, g->type, t, 40 + k);
    }
}

static void check_fields(IrType type)
{
    int bits = type_bits(type);
    uint64_t m = mask_of(bits);
    for (unsigned p = 0; p < PLACE_COUNT; p++) {
        for (unsigned i = 0; i < G_N_ELEMENTS(inputs); i++) {
            GenArgs g = { .type = type, .place = p, .a = inputs[i],
                          .b = inputs[(i + 5) % G_N_ELEMENTS(inputs)] };
            prepare(&g);
            toy_run_gen(h, gen_fields, &g);
            for (unsigned k = 0; k < G_N_ELEMENTS(fields); k++) {
                unsigned pos = fields[k].pos, len = fields[k].len;
                if (pos + len > (unsigned)bits) {
                    continue;
                }
                uint64_t fm = len == 64 ? UINT64_MAX : (1ull << len) - 1;
                uint64_t a = g.a & m, bb = g.b & m;
                uint64_t ex = (a >> pos) & fm;
                uint64_t sx = (ex & (1ull << (len - 1))) ? (ex | ~fm) & m : ex;
                uint64_t dep = ((a & ~(fm << pos)) | ((bb & fm) << pos)) & m;
                ck_assert_uint_eq(env0()->out[k], ex);
                ck_assert_uint_eq(env0()->out[20 + k], sx);
                ck_assert_uint_eq(env0()->out[40 + k], dep);
            }
        }
    }
}

START_TEST(test_fields_i64)
{
    check_fields(IR_I64);
}
END_TEST

START_TEST(test_fields_i32)
{
    check_fields(IR_I32);
}
END_TEST

/* ---- env fields ------------------------------------------------------------------ */

static void gen_env(IrBuilder *b, void *opaque)
{
    static const unsigned memops[] = {
        IR_MO_UB, IR_MO_SB, IR_MO_UW, IR_MO_SW, IR_MO_UL, IR_MO_SL, IR_MO_UQ,
    };
    IrTemp t = ir_temp_new_i64(b), t32 = ir_temp_new_i32(b);
    for (unsigned k = 0; k < G_N_ELEMENTS(memops); k++) {
        ir_ld(b, IR_I64, t, offsetof(ToyEnv, r[2]), memops[k]);
        ir_st_i64(b, t, OUT_OFF(k));
        ir_ld(b, IR_I32, t32, offsetof(ToyEnv, r[2]), memops[k]);
        ir_st_i32(b, t32, OUT_OFF(10 + k));
    }
    /* Narrow stores write only their bytes. */
    ir_st(b, IR_I64, TOY_G_R(3), OUT_OFF(20), IR_MO_8);
    ir_st(b, IR_I64, TOY_G_R(3), OUT_OFF(21), IR_MO_16);
    ir_st(b, IR_I64, TOY_G_R(3), OUT_OFF(22), IR_MO_32);
    /* An i32 global (4-byte field) written without touching its neighbour. */
    ir_movi_i32(b, TOY_G_W(2), 0xabcdef01);
}

START_TEST(test_env_loads_stores)
{
    ToyEnv *e = env0();
    memset(e->out, 0xee, sizeof(e->out));
    e->r[2] = 0x89abcdeff0e1d2c3ull;
    e->r[3] = 0x1122334455667788ull;
    e->w[3] = 0x5555aaaa;
    e->gen = gen_env;
    e->gen_id++;
    e->pc = 0x1000;
    ck_assert(toy_run_until_done(h, 1, 5000));
    uint64_t v = e->r[2];
    const uint64_t want64[] = {
        (uint8_t)v, (uint64_t)(int8_t)v, (uint16_t)v, (uint64_t)(int16_t)v, (uint32_t)v,
        (uint64_t)(int32_t)v, v,
    };
    for (unsigned k = 0; k < G_N_ELEMENTS(want64); k++) {
        ck_assert_uint_eq(e->out[k], want64[k]);
        ck_assert_uint_eq(e->out[10 + k] & 0xffffffffull, want64[k] & 0xffffffffull);
    }
    ck_assert_uint_eq(e->out[20], 0xeeeeeeeeeeeeee88ull);
    ck_assert_uint_eq(e->out[21], 0xeeeeeeeeeeee7788ull);
    ck_assert_uint_eq(e->out[22], 0xeeeeeeee55667788ull);
    ck_assert_uint_eq(e->w[2], 0xabcdef01);
    ck_assert_uint_eq(e->w[3], 0x5555aaaa);
}
END_TEST

/* ---- guest memory ------------------------------------------------------------------ */

static const unsigned guest_memops[] = {
    IR_MO_UB, IR_MO_SB, IR_MO_UW, IR_MO_SW, IR_MO_UL, IR_MO_SL, IR_MO_UQ,
};

/* r4 = address: load every memop at i64 and i32, then store r3 at r5 with
 * each size at r5, r5 + 8, r5 + 16, r5 + 24. */
static void gen_guest(IrBuilder *b, void *opaque)
{
    IrTemp t = ir_temp_new_i64(b), t32 = ir_temp_new_i32(b), a = ir_temp_new_i64(b);
    for (unsigned k = 0; k < G_N_ELEMENTS(guest_memops); k++) {
        ir_guest_ld(b, IR_I64, t, TOY_G_R(4), guest_memops[k], 0);
        ir_st_i64(b, t, OUT_OFF(k));
        ir_guest_ld(b, IR_I32, t32, TOY_G_R(4), guest_memops[k], 0);
        ir_st_i32(b, t32, OUT_OFF(10 + k));
    }
    for (unsigned s = 0; s < 4; s++) {
        ir_addi_i64(b, a, TOY_G_R(5), 8 * s);
        ir_guest_st(b, IR_I64, TOY_G_R(3), a, s, 0);
    }
    /* An i32 value stored with a 32-bit store. */
    ir_extrl_i64_i32(b, t32, TOY_G_R(3));
    ir_addi_i64(b, a, TOY_G_R(5), 32);
    ir_guest_st(b, IR_I32, t32, a, IR_MO_32, 0);
}

static void check_guest(uint64_t load_addr, uint64_t store_addr, const uint8_t *pattern)
{
    ToyEnv *e = env0();
    memset(e->out, 0, sizeof(e->out));
    e->r[3] = 0x0102030405060708ull;
    e->r[4] = load_addr;
    e->r[5] = store_addr;
    e->gen = gen_guest;
    e->gen_id++;
    e->pc = 0x1000;
    ck_assert(toy_run_until_done(h, 1, 5000));
    uint64_t v;
    memcpy(&v, pattern, 8);
    v = GUINT64_FROM_LE(v);
    const uint64_t want[] = {
        (uint8_t)v, (uint64_t)(int8_t)v, (uint16_t)v, (uint64_t)(int16_t)v, (uint32_t)v,
        (uint64_t)(int32_t)v, v,
    };
    for (unsigned k = 0; k < G_N_ELEMENTS(want); k++) {
        ck_assert_msg(e->out[k] == want[k], "memop %u at %#" G_GINT64_MODIFIER "x: %#"
                      G_GINT64_MODIFIER "x want %#" G_GINT64_MODIFIER "x", guest_memops[k],
                      load_addr, e->out[k], want[k]);
        ck_assert_uint_eq(e->out[10 + k], want[k] & 0xffffffffull);
    }
}

START_TEST(test_guest_ram)
{
    for (unsigned i = 0; i < 64; i++) {
        h->ram_ptr[0x9000 + i] = (uint8_t)(0xf0 - 3 * i);
    }
    check_guest(0x9000, 0xa000, h->ram_ptr + 0x9000);
    const uint8_t *st = h->ram_ptr + 0xa000;
    ck_assert_uint_eq(st[0], 0x08);
    ck_assert_uint_eq(st[1], 0x00);
    ck_assert_uint_eq(st[8] | st[9] << 8, 0x0708);
    ck_assert_uint_eq(st[10], 0);
    uint64_t v;
    memcpy(&v, st + 16, 8);
    ck_assert_uint_eq(v, 0x05060708);
    memcpy(&v, st + 24, 8);
    ck_assert_uint_eq(v, 0x0102030405060708ull);
    memcpy(&v, st + 32, 8);
    ck_assert_uint_eq(v, 0x05060708);
}
END_TEST

START_TEST(test_guest_page_crossing)
{
    for (unsigned i = 0; i < 16; i++) {
        h->ram_ptr[0x9ffb + i] = (uint8_t)(0x81 + 7 * i);
    }
    check_guest(0x9fff, 0xafe9, h->ram_ptr + 0x9fff);
    uint64_t v;
    memcpy(&v, h->ram_ptr + 0xafe9 + 24, 8);
    ck_assert_uint_eq(v, 0x0102030405060708ull);
}
END_TEST

START_TEST(test_guest_mmio)
{
    uint64_t dev = 0x1122334455667788ull ^ 0x40;
    uint8_t pattern[8];
    uint64_t le = GUINT64_TO_LE(dev);
    memcpy(pattern, &le, 8);
    check_guest(TOY_MMIO_BASE + 0x40, TOY_MMIO_BASE + 0x80, pattern);
    ck_assert_uint_eq(h->mmio_last_addr, 0x80 + 32);
    ck_assert_uint_eq(h->mmio_last_val, 0x05060708);
    ck_assert_uint_eq(h->mmio_last_size, 4);
    ck_assert_int_eq(h->mmio_writes, 5);
    ck_assert_int_eq(h->mmio_reads, 14);
}
END_TEST

/* Address computations folded into accesses, and the cases where the address
 * temp lives on (read later, or read after a label on another path). */
static void gen_addr_reuse(IrBuilder *b, void *opaque)
{
    IrTemp t = ir_temp_new_i64(b);
    ir_addi_i64(b, t, TOY_G_R(4), 8);
    ir_guest_ld(b, IR_I64, TOY_G_R(6), t, IR_MO_64, 0);
    ir_addi_i64(b, t, TOY_G_R(4), 16);
    ir_guest_st(b, IR_I64, TOY_G_R(6), t, IR_MO_64, 0);
    ir_st_i64(b, t, OUT_OFF(0));                 /* t read again */
    IrLabel l = ir_label_new(b);
    ir_addi_i64(b, t, TOY_G_R(4), 24);
    ir_guest_ld(b, IR_I64, TOY_G_R(7), t, IR_MO_64, 0);
    ir_brcond_i64(b, IR_COND_EQ, TOY_G_R(5), ir_const_i64(b, 0), l);
    ir_movi_i64(b, t, 99);
    ir_set_label(b, l);
    ir_st_i64(b, t, OUT_OFF(1));                 /* 99, or the address */
}

START_TEST(test_address_folding)
{
    ToyEnv *e = env0();
    for (int taken = 0; taken < 2; taken++) {
        uint64_t v = 0x1234567890abcdefull, w = 0x0fedcba987654321ull;
        memcpy(h->ram_ptr + 0x9008, &v, 8);
        memcpy(h->ram_ptr + 0x9018, &w, 8);
        memset(e->out, 0, sizeof(e->out));
        e->r[4] = 0x9000;
        e->r[5] = taken ? 0 : 1;
        toy_run_gen(h, gen_addr_reuse, NULL);
        ck_assert_uint_eq(e->r[6], v);
        uint64_t st;
        memcpy(&st, h->ram_ptr + 0x9010, 8);
        ck_assert_uint_eq(st, v);
        ck_assert_uint_eq(e->out[0], 0x9010);
        ck_assert_uint_eq(e->r[7], w);
        ck_assert_uint_eq(e->out[1], (taken ? 0x9018u : 99u));
    }
}
END_TEST

/* Accesses at base + constant (the x86-64 backend folds the constant into
 * the access): a block-temp base whose last use is the folded add, a
 * guest-register base with a negative and a 32-bit displacement, a store
 * whose base is also the stored value's source, and a load into its own
 * base register. */
static void gen_folded_bases(IrBuilder *b, void *opaque)
{
    IrTemp a = ir_temp_new_i64(b), c = ir_temp_new_i64(b), t = ir_temp_new_i64(b);
    ir_addi_i64(b, a, TOY_G_R(4), 8);
    ir_addi_i64(b, c, a, 16);                            /* a dies here */
    ir_guest_ld(b, IR_I64, TOY_G_R(6), c, IR_MO_UQ, 0);  /* [r4 + 24] */
    ir_addi_i64(b, t, TOY_G_R(5), -8);
    ir_guest_ld(b, IR_I64, TOY_G_R(7), t, IR_MO_UQ, 0);  /* [r5 - 8] */
    ir_addi_i64(b, t, TOY_G_R(4), 0x10000);
    ir_guest_ld(b, IR_I64, TOY_G_R(8), t, IR_MO_SL, 0);  /* [r4 + 0x10000] */
    ir_addi_i64(b, a, TOY_G_R(4), 40);
    ir_addi_i64(b, c, a, -8);                            /* a dies here */
    ir_guest_st(b, IR_I64, TOY_G_R(4), c, IR_MO_UQ, 0);  /* [r4 + 32] = r4 */
    ir_addi_i64(b, t, TOY_G_R(9), 8);
    ir_guest_ld(b, IR_I64, TOY_G_R(9), t, IR_MO_UQ, 0);  /* r9 = [r9 + 8] */
    /* A guest register changed in the block and last read as the base of
     * a store whose value is a block temp dying there. */
    IrTemp v = ir_temp_new_i64(b), t2 = ir_temp_new_i64(b);
    ir_shli_i64(b, TOY_G_R(10), TOY_G_R(10), 4);
    ir_addi_i64(b, v, TOY_G_R(5), 1);
    ir_addi_i64(b, t2, TOY_G_R(10), 16);
    ir_guest_st(b, IR_I64, v, t2, IR_MO_UQ, 0);        /* [(r10 << 4) + 16] = r5 + 1 */
}

START_TEST(test_folded_address_bases)
{
    ToyEnv *e = env0();
    uint64_t v = 0x1122334455667788ull, w = 0x8877665544332211ull, x = 0x0a0b0c0d0e0f1011ull;
    uint32_t y = 0x80000001u;
    memcpy(h->ram_ptr + 0x9018, &v, 8);
    memcpy(h->ram_ptr + 0x9ff8, &w, 8);
    memcpy(h->ram_ptr + 0x19000, &y, 4);
    memcpy(h->ram_ptr + 0xa008, &x, 8);
    e->r[4] = 0x9000;
    e->r[5] = 0xa000;
    e->r[9] = 0xa000;
    e->r[10] = 0xa00;
    toy_run_gen(h, gen_folded_bases, NULL);
    ck_assert_uint_eq(e->r[6], v);
    ck_assert_uint_eq(e->r[7], w);
    ck_assert_uint_eq(e->r[8], 0xffffffff80000001ull);
    uint64_t st;
    memcpy(&st, h->ram_ptr + 0x9020, 8);
    ck_assert_uint_eq(st, 0x9000);
    ck_assert_uint_eq(e->r[9], x);
    ck_assert_uint_eq(e->r[10], 0xa000);
    memcpy(&st, h->ram_ptr + 0xa010, 8);
    ck_assert_uint_eq(st, 0xa001);
}
END_TEST

/* ---- calls --------------------------------------------------------------------------- */

static uint64_t helper_mix6(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                            uint64_t f)
{
    return a * 1 + b * 10 + c * 100 + d * 1000 + e * 10000 + f * 100000;
}

static uint64_t helper_env_sum(uint64_t envp)
{
    ToyEnv *env = (ToyEnv *)(uintptr_t)envp;
    return env->r[0] + env->r[1];
}

static void helper_set_r2(uint64_t envp, uint64_t v)
{
    ((ToyEnv *)(uintptr_t)envp)->r[2] = v;
}

static uint64_t helper_const(void)
{
    return 0xfedcba9876543210ull;
}

static void gen_calls(IrBuilder *b, void *opaque)
{
    IrTemp r = ir_temp_new_i64(b), r32 = ir_temp_new_i32(b);
    IrTemp args[6];
    for (unsigned i = 0; i < 6; i++) {
        args[i] = ir_const_i64(b, i + 1);
    }
    ir_call(b, (void *)helper_mix6, IR_CALL_PURE, r, 6, args);
    ir_st_i64(b, r, OUT_OFF(0));
    ir_call1(b, (void *)helper_env_sum, 0, r, IR_TEMP_ENV);
    ir_st_i64(b, r, OUT_OFF(1));
    /* A helper writing a global: later reads see the new value. */
    ir_call2(b, (void *)helper_set_r2, 0, IR_NO_TEMP, IR_TEMP_ENV, ir_const_i64(b, 77));
    ir_addi_i64(b, r, TOY_G_R(2), 1);
    ir_st_i64(b, r, OUT_OFF(2));
    ir_call0(b, (void *)helper_const, IR_CALL_PURE, r32);
    ir_st_i32(b, r32, OUT_OFF(3));
    /* The pure call whose result is unused may be dropped; harmless. */
    ir_call0(b, (void *)helper_const, IR_CALL_PURE, r);
}

static uint64_t helper_read_r2(uint64_t envp)
{
    return ((ToyEnv *)(uintptr_t)envp)->r[2];
}

/* A guest register written twice: the first write may go when nothing
 * between can see it, and must stay when a helper, an env load, a read or
 * a faulting access comes between. */
static void gen_dead_writes(IrBuilder *b, void *opaque)
{
    if (b->pc_first != 0x1000) {
        return;                                  /* the trap handler: halt */
    }
    IrTemp t = ir_temp_new_i64(b);
    ir_movi_i64(b, TOY_G_R(1), 5);
    ir_movi_i64(b, TOY_G_R(1), 7);
    ir_movi_i64(b, TOY_G_R(2), 11);
    ir_call1(b, (void *)helper_read_r2, 0, t, IR_TEMP_ENV);
    ir_st_i64(b, t, OUT_OFF(0));
    ir_movi_i64(b, TOY_G_R(2), 13);
    ir_movi_i64(b, TOY_G_R(3), 21);
    ir_ld(b, IR_I64, t, offsetof(ToyEnv, r[3]), IR_MO_UQ);
    ir_st_i64(b, t, OUT_OFF(1));
    ir_movi_i64(b, TOY_G_R(3), 23);
    ir_movi_i64(b, TOY_G_R(4), 31);
    ir_addi_i64(b, TOY_G_R(4), TOY_G_R(4), 1);
    /* x + 0 becomes a self-move, which must not count as a write. */
    ir_addi_i64(b, TOY_G_R(8), TOY_G_R(9), 1);
    ir_addi_i64(b, TOY_G_R(8), TOY_G_R(8), 0);
    ir_addi_i64(b, TOY_G_R(10), TOY_G_R(8), 5);
    ir_movi_i64(b, TOY_G_R(6), 41);
    ir_guest_ld(b, IR_I64, TOY_G_R(7), TOY_G_R(5), IR_MO_UQ, 0);  /* faults when r5 is high */
    ir_movi_i64(b, TOY_G_R(6), 43);
}

START_TEST(test_dead_global_writes)
{
    ToyEnv *e = env0();
    e->fault_limit = 0x80000;
    for (int fault = 0; fault < 2; fault++) {
        e->r[5] = fault ? 0x90000 : 0x9000;
        e->r[9] = 100;
        e->exceptions = 0;
        toy_run_gen(h, gen_dead_writes, NULL);
        ck_assert_uint_eq(e->r[1], 7);
        ck_assert_uint_eq(e->out[0], 11);
        ck_assert_uint_eq(e->r[2], 13);
        ck_assert_uint_eq(e->out[1], 21);
        ck_assert_uint_eq(e->r[3], 23);
        ck_assert_uint_eq(e->r[4], 32);
        ck_assert_uint_eq(e->r[8], 101);
        ck_assert_uint_eq(e->r[10], 106);
        ck_assert_uint_eq(e->r[6], fault ? 41 : 43);
        ck_assert_int_eq(e->exceptions, fault);
    }
}
END_TEST

/* ---- extensions the optimizer narrows ---------------------------------------- */

#define R(i) TOY_G_R(i)

/* Every extension here is read only in bits it does not change (or its
 * input is sign-extended already) except two: the mulw's, which r2's last
 * value (a 64-bit xor) reads whole, and the last write of r3.  After
 * optimization those two EXT32S are left and no other extension (the
 * srliw's EXTS_I32_I64 becomes a zero extension, not counted). */
static void gen_narrowable(IrBuilder *b, void *opaque)
{
    IrTemp t = ir_temp_new_i64(b), u = ir_temp_new_i64(b), l = ir_temp_new_i64(b);
    IrTemp x = ir_temp_new_i32(b), y = ir_temp_new_i32(b);
    /* The 32-bit mixing of a hash, as RV64 W instructions translate. */
    ir_shli_i64(b, t, R(0), 15);
    ir_ext32s_i64(b, R(2), t);                                /* slliw r2, r0, 15 */
    ir_extrl_i64_i32(b, x, R(0));
    ir_shr_i32(b, y, x, ir_const_i32(b, 17));
    ir_exts_i32_i64(b, l, y);                                 /* srliw l, r0, 17 */
    ir_or_i64(b, R(2), R(2), l);
    ir_mul_i64(b, u, R(1), R(2));
    ir_ext32s_i64(b, R(2), u);                                /* mulw r2, r1, r2: stays */
    ir_xor_i64(b, R(2), R(2), R(1));
    ir_shli_i64(b, t, R(2), 2);
    ir_ext32s_i64(b, R(3), t);                                /* slliw r3, r2, 2 */
    ir_add_i64(b, u, R(3), R(2));
    ir_ext32s_i64(b, R(3), u);                                /* addw r3, r3, r2: stays */
    ir_ext32s_i64(b, R(4), R(3));                             /* sext.w of a sext value */
    /* Low bytes and halves that only low bits of are read. */
    ir_ext8u_i64(b, l, R(0));
    ir_shli_i64(b, t, l, 56);
    ir_xor_i64(b, R(5), t, R(1));
    ir_ext16s_i64(b, l, R(1));
    ir_andi_i64(b, R(6), l, 0xff0);
    ir_andi_i64(b, l, R(0), 0xffffffff);
    ir_shli_i64(b, R(7), l, 32);
    /* Values whose top bits are known already (crc's negw of a bit, srliw
     * by 1, shifts, a byte load). */
    ir_andi_i64(b, t, R(0), 1);
    ir_sub_i64(b, u, ir_const_i64(b, 0), t);
    ir_ext32s_i64(b, R(8), u);
    ir_extrl_i64_i32(b, x, R(0));
    ir_shr_i32(b, y, x, ir_const_i32(b, 1));
    ir_exts_i32_i64(b, R(9), y);                              /* becomes a zero extension */
    ir_shri_i64(b, t, R(0), 56);
    ir_ext16u_i64(b, R(10), t);
    ir_sari_i64(b, t, R(1), 40);
    ir_ext32s_i64(b, R(11), t);
    ir_shri_i64(b, t, R(1), 33);
    ir_ext32u_i64(b, R(12), t);
    ir_ld(b, IR_I64, l, OUT_OFF(5), IR_MO_UB);
    ir_ext8u_i64(b, R(13), l);
}

static uint64_t helper_high(uint64_t v)
{
    return v >> 33;
}

/* Every extension here has an extended bit read: by a 64-bit shift, a
 * branch, an env store, a helper, an arithmetic shift, a right shift, or
 * as a guest register at the end, and five more whose input's top bits
 * are not known.  All thirteen stay. */
static void gen_not_narrowable(IrBuilder *b, void *opaque)
{
    IrTemp t = ir_temp_new_i64(b), l = ir_temp_new_i64(b);
    IrTemp x = ir_temp_new_i32(b), y = ir_temp_new_i32(b);
    IrLabel skip = ir_label_new(b);
    ir_add_i64(b, t, R(0), R(1));
    ir_ext32s_i64(b, l, t);
    ir_shri_i64(b, R(8), l, 40);
    ir_sub_i64(b, t, R(0), R(1));
    ir_ext32s_i64(b, l, t);
    ir_movi_i64(b, R(9), 0);
    ir_brcondi_i64(b, IR_COND_GE, l, 0, skip);
    ir_movi_i64(b, R(9), 1);
    ir_set_label(b, skip);
    ir_ext32u_i64(b, l, R(0));
    ir_st_i64(b, l, OUT_OFF(0));
    ir_ext32s_i64(b, l, R(1));
    ir_call1(b, (void *)helper_high, IR_CALL_PURE, t, l);
    ir_mov_i64(b, R(10), t);
    ir_ext8s_i64(b, l, R(0));
    ir_sari_i64(b, R(11), l, 4);
    ir_ext16u_i64(b, l, R(1));
    ir_shri_i64(b, R(12), l, 8);
    ir_extrl_i64_i32(b, x, R(1));
    ir_add_i32(b, y, x, x);
    ir_exts_i32_i64(b, R(13), y);
    ir_addi_i64(b, t, R(0), 7);
    ir_ext32s_i64(b, R(14), t);
    ir_andi_i64(b, l, R(1), 0xff0);
    ir_shri_i64(b, R(15), l, 4);
    /* Top bits that the ops before an extension leave unknown: a shift left
     * of a sign-extended value, a sum of two, a zero extension of one; and
     * a value known sign-extended on one way into a label only. */
    IrTemp n[11];
    for (unsigned k = 0; k < G_N_ELEMENTS(n); k++) {
        n[k] = ir_temp_new_i64(b);
    }
    IrLabel join = ir_label_new(b);
    ir_ext32s_i64(b, n[0], R(0));
    ir_shli_i64(b, n[1], n[0], 1);
    ir_ext32s_i64(b, n[2], n[1]);
    ir_st_i64(b, n[2], OUT_OFF(1));
    ir_ext32s_i64(b, n[3], R(0));
    ir_ext32s_i64(b, n[4], R(1));
    ir_add_i64(b, n[5], n[3], n[4]);
    ir_ext32s_i64(b, n[6], n[5]);
    ir_st_i64(b, n[6], OUT_OFF(2));
    ir_ext32s_i64(b, n[7], R(0));
    ir_ext32u_i64(b, n[8], n[7]);
    ir_st_i64(b, n[8], OUT_OFF(3));
    ir_ext32s_i64(b, n[9], R(0));
    ir_brcondi_i64(b, IR_COND_EQ, R(1), 0, join);
    ir_mov_i64(b, n[9], R(1));
    ir_set_label(b, join);
    ir_ext32s_i64(b, n[10], n[9]);
    ir_st_i64(b, n[10], OUT_OFF(4));
}

/* A loop inside the block: the extension at the bottom is read in full at
 * the top, on the way round. */
static void gen_narrow_backward(IrBuilder *b, void *opaque)
{
    IrTemp l = ir_temp_new_i64(b), t = ir_temp_new_i64(b);
    IrLabel top = ir_label_new(b);
    ir_movi_i64(b, R(2), 2);
    ir_mov_i64(b, l, R(1));
    ir_set_label(b, top);
    ir_shri_i64(b, R(3), l, 40);
    ir_add_i64(b, t, R(1), R(0));
    ir_ext32s_i64(b, l, t);
    ir_addi_i64(b, R(2), R(2), -1);
    ir_brcondi_i64(b, IR_COND_NE, R(2), 0, top);
}

/* Extension ops left in the optimized IR of the block generated by @gen
 * (from the "OP after optimization" log of its first translation). */
static unsigned extensions_after_opt(void (*gen)(IrBuilder *b, void *opaque))
{
    g_autofree char *path = g_build_filename(g_get_tmp_dir(), "tessera-narrow-XXXXXX", NULL);
    int fd = g_mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert(log_set_file(path, NULL));
    ck_assert(log_set_mask_str("op", NULL));
    toy_run_gen(h, gen, NULL);
    ck_assert(log_set_mask_str("", NULL));
    ck_assert(log_flush(5000));
    ck_assert(log_set_file(NULL, NULL));
    g_autofree char *text = NULL;
    ck_assert(g_file_get_contents(path, &text, NULL, NULL));
    g_unlink(path);
    const char *opt = strstr(text, "OP after optimization");
    ck_assert_msg(opt, "no optimized IR in the op log:\n%s", text);
    unsigned n = 0;
    static const char *const names[] = {
        " EXT32S_", " EXT32U_", " EXTS_I32_I64_", " EXT16S_", " EXT16U_", " EXT8S_", " EXT8U_",
    };
    for (unsigned k = 0; k < G_N_ELEMENTS(names); k++) {
        for (const char *p = strstr(opt, names[k]); p; p = strstr(p + 1, names[k])) {
            n++;
        }
    }
    return n;
}

START_TEST(test_narrowed_extensions)
{
    ToyEnv *e = env0();
    for (unsigned i = 0; i < G_N_ELEMENTS(inputs); i++) {
        for (unsigned j = 0; j < G_N_ELEMENTS(inputs); j++) {
            uint64_t a = inputs[i], c = inputs[(j * 7 + 3) % G_N_ELEMENTS(inputs)];
            memset(e->r, 0, sizeof(e->r));
            e->r[0] = a;
            e->r[1] = c;
            e->out[5] = c;
            toy_run_gen(h, gen_narrowable, NULL);
            uint32_t m = (uint32_t)(a << 15) | (uint32_t)a >> 17;
            m = (uint32_t)c * m;
            uint64_t r2 = (uint64_t)(int64_t)(int32_t)m ^ c;
            uint64_t r3 = (uint64_t)(int64_t)(int32_t)((uint32_t)r2 * 5);
            ck_assert_uint_eq(e->r[2], r2);
            ck_assert_uint_eq(e->r[3], r3);
            ck_assert_uint_eq(e->r[4], r3);
            ck_assert_uint_eq(e->r[5], (a << 56) ^ c);
            ck_assert_uint_eq(e->r[6], c & 0xff0);
            ck_assert_uint_eq(e->r[7], a << 32);
            ck_assert_uint_eq(e->r[8], -(a & 1));
            ck_assert_uint_eq(e->r[9], (uint32_t)a >> 1);
            ck_assert_uint_eq(e->r[10], a >> 56);
            ck_assert_uint_eq(e->r[11], (uint64_t)((int64_t)c >> 40));
            ck_assert_uint_eq(e->r[12], c >> 33);
            ck_assert_uint_eq(e->r[13], (uint8_t)c);
            toy_run_gen(h, gen_narrow_backward, NULL);
            ck_assert_uint_eq(e->r[3], (uint64_t)(int64_t)(int32_t)(a + c) >> 40);

            memset(e->r, 0, sizeof(e->r));
            e->r[0] = a;
            e->r[1] = c;
            toy_run_gen(h, gen_not_narrowable, NULL);
            ck_assert_uint_eq(e->r[8], (uint64_t)(int64_t)(int32_t)(a + c) >> 40);
            ck_assert_uint_eq(e->r[9], (int32_t)(a - c) < 0);
            ck_assert_uint_eq(e->out[0], (uint32_t)a);
            ck_assert_uint_eq(e->r[10], (uint64_t)(int64_t)(int32_t)c >> 33);
            ck_assert_uint_eq(e->r[11], (uint64_t)((int64_t)(int8_t)a >> 4));
            ck_assert_uint_eq(e->r[12], (uint16_t)c >> 8);
            ck_assert_uint_eq(e->r[13], (uint64_t)(int64_t)(int32_t)((uint32_t)c * 2));
            ck_assert_uint_eq(e->r[14], (uint64_t)(int64_t)(int32_t)(a + 7));
            ck_assert_uint_eq(e->r[15], (c & 0xff0) >> 4);
            int64_t sa = (int32_t)a, sc = (int32_t)c;
            ck_assert_uint_eq(e->out[1], (uint64_t)(int64_t)(int32_t)((uint64_t)sa << 1));
            ck_assert_uint_eq(e->out[2], (uint64_t)(int64_t)(int32_t)(uint64_t)(sa + sc));
            ck_assert_uint_eq(e->out[3], (uint32_t)a);
            ck_assert_uint_eq(e->out[4], (uint64_t)(c ? (int64_t)(int32_t)c : sa));
        }
    }
    ck_assert_uint_eq(extensions_after_opt(gen_narrowable), 2);
    ck_assert_uint_eq(extensions_after_opt(gen_not_narrowable), 13);
}
END_TEST

#undef R

START_TEST(test_calls)
{
    ToyEnv *e = env0();
    memset(e->out, 0, sizeof(e->out));
    e->r[0] = 40;
    e->r[1] = 2;
    toy_run_gen(h, gen_calls, NULL);
    ck_assert_uint_eq(e->out[0], 654321);
    ck_assert_uint_eq(e->out[1], 42);
    ck_assert_uint_eq(e->r[2], 77);
    ck_assert_uint_eq(e->out[2], 78);
    ck_assert_uint_eq(e->out[3], 0x76543210);
}
END_TEST

/*
 * More live values than a backend has registers, across every kind of
 * call-out: a pure helper that trashes the caller-saved registers, helpers
 * that read and write globals, MMIO slow paths, env accesses aliasing
 * globals, and a branch.  Catches values kept in registers that a call
 * clobbers, globals not written back before a helper or access reads them,
 * and stale cached globals after a helper or env store changed them.
 */
static uint64_t helper_trash_regs(void)
{
#if defined(__x86_64__)
    __asm__ volatile("mov $-1, %%rsi\n\tmov $-1, %%rdi\n\tmov $-1, %%r8\n\t"
                     "mov $-1, %%r9\n\tmov $-1, %%r10\n\tmov $-1, %%r11\n\t"
                     "mov $-1, %%rcx\n\tmov $-1, %%rdx"
                     ::: "rsi", "rdi", "r8", "r9", "r10", "r11", "rcx", "rdx");
#endif
    return 5;
}

#define REG_TEMPS 10

static void gen_regs(IrBuilder *b, void *opaque)
{
    IrTemp t[REG_TEMPS + 1], w32 = ir_temp_new_i32(b), tmp = ir_temp_new_i64(b);
    for (unsigned i = 0; i <= REG_TEMPS; i++) {
        t[i] = ir_temp_new_i64(b);
    }
    for (unsigned i = 0; i < REG_TEMPS; i++) {
        ir_mul_i64(b, t[i], TOY_G_R(0), ir_const_i64(b, i + 3));
        ir_add_i64(b, t[i], t[i], TOY_G_R(1));
    }
    ir_extrl_i64_i32(b, w32, TOY_G_R(1));
    ir_addi_i32(b, w32, w32, 5);
    /* Dirty globals, then calls. */
    ir_addi_i64(b, TOY_G_R(0), TOY_G_R(0), 1);
    ir_addi_i64(b, TOY_G_R(1), TOY_G_R(1), 2);
    ir_call0(b, (void *)helper_trash_regs, IR_CALL_PURE, tmp);
    ir_st_i64(b, tmp, OUT_OFF(20));
    ir_call1(b, (void *)helper_env_sum, 0, tmp, IR_TEMP_ENV);
    ir_st_i64(b, tmp, OUT_OFF(12));
    ir_add_i64(b, tmp, TOY_G_R(2), TOY_G_R(2));     /* r2 read (and cached) first */
    ir_st_i64(b, tmp, OUT_OFF(14));
    ir_call2(b, (void *)helper_set_r2, 0, IR_NO_TEMP, IR_TEMP_ENV, ir_const_i64(b, 77));
    ir_add_i64(b, TOY_G_R(3), TOY_G_R(2), t[0]);
    /* MMIO: both slow paths with everything live. */
    ir_guest_ld(b, IR_I64, t[REG_TEMPS], TOY_G_R(4), IR_MO_64, 0);
    ir_addi_i64(b, tmp, TOY_G_R(4), 8);
    ir_guest_st(b, IR_I64, t[1], tmp, IR_MO_64, 0);
    /* Env accesses aliasing cached dirty globals. */
    ir_mov_i64(b, TOY_G_R(6), t[3]);
    ir_st_i64(b, t[2], (ptrdiff_t)offsetof(ToyEnv, r[6]));
    ir_mov_i64(b, TOY_G_R(7), t[4]);
    ir_ld_i64(b, tmp, (ptrdiff_t)offsetof(ToyEnv, r[7]));
    ir_st_i64(b, tmp, OUT_OFF(13));
    /* A branch over an update, values live across the label. */
    IrLabel l = ir_label_new(b);
    ir_brcond_i64(b, IR_COND_EQ, TOY_G_R(8), ir_const_i64(b, 0), l);
    ir_addi_i64(b, t[5], t[5], 1);
    ir_addi_i64(b, TOY_G_R(9), TOY_G_R(9), 1);
    ir_set_label(b, l);
    for (unsigned i = 0; i <= REG_TEMPS; i++) {
        ir_st_i64(b, t[i], OUT_OFF(i));
    }
    ir_st_i32(b, w32, OUT_OFF(11));
}

/* A global read (and kept in a call-preserved register) before a helper
 * that writes it must be read again after. */
static void gen_global_after_helper(IrBuilder *b, void *opaque)
{
    ir_st_i64(b, TOY_G_R(2), OUT_OFF(15));
    ir_call2(b, (void *)helper_set_r2, 0, IR_NO_TEMP, IR_TEMP_ENV, ir_const_i64(b, 77));
    ir_st_i64(b, TOY_G_R(2), OUT_OFF(16));
}

START_TEST(test_registers_across_calls)
{
    env0()->r[2] = 3;
    toy_run_gen(h, gen_global_after_helper, NULL);
    ck_assert_uint_eq(env0()->out[15], 3);
    ck_assert_uint_eq(env0()->out[16], 77);

    for (uint64_t taken = 0; taken < 2; taken++) {
        ToyEnv *e = env0();
        memset(e->out, 0, sizeof(e->out));
        memset(e->r, 0, sizeof(e->r));
        e->r[0] = 40;
        e->r[1] = 2;
        e->r[2] = 3;
        e->r[4] = TOY_MMIO_BASE + 0x40;
        e->r[8] = taken ? 0 : 1;
        toy_run_gen(h, gen_regs, NULL);
        for (unsigned i = 0; i < REG_TEMPS; i++) {
            uint64_t want = 40 * (i + 3) + 2 + (i == 5 && !taken ? 1 : 0);
            ck_assert_msg(e->out[i] == want, "temp %u: %llu, want %llu", i,
                          (unsigned long long)e->out[i], (unsigned long long)want);
        }
        ck_assert_uint_eq(e->out[REG_TEMPS], 0x1122334455667788ull ^ 0x40);
        ck_assert_uint_eq(e->out[11], 7);
        ck_assert_uint_eq(e->out[12], 45);
        ck_assert_uint_eq(e->out[13], 40 * 7 + 2);
        ck_assert_uint_eq(e->out[14], 6);
        ck_assert_uint_eq(e->out[20], 5);
        ck_assert_uint_eq(e->r[0], 41);
        ck_assert_uint_eq(e->r[1], 4);
        ck_assert_uint_eq(e->r[2], 77);
        ck_assert_uint_eq(e->r[3], 77 + 122);
        ck_assert_uint_eq(e->r[6], 40 * 5 + 2);
        ck_assert_uint_eq(e->r[7], 40 * 7 + 2);
        ck_assert_uint_eq(e->r[9], taken ? 0 : 1);
        ck_assert_uint_eq(h->mmio_last_addr, 0x48);
        ck_assert_uint_eq(h->mmio_last_val, 40 * 4 + 2);
    }
}
END_TEST

/* ---- atomics ---------------------------------------------------------------------------- */

static void gen_atomics(IrBuilder *b, void *opaque)
{
    IrTemp old = ir_temp_new_i64(b), a = ir_temp_new_i64(b);
    IrTemp old32 = ir_temp_new_i32(b);
    /* cmpxchg 64: success then failure. */
    ir_movi_i64(b, a, 0x9000);
    ir_atomic_cmpxchg(b, IR_I64, old, a, ir_const_i64(b, 5), ir_const_i64(b, 6), IR_MO_64, 0);
    ir_st_i64(b, old, OUT_OFF(0));
    ir_atomic_cmpxchg(b, IR_I64, old, a, ir_const_i64(b, 5), ir_const_i64(b, 7), IR_MO_64, 0);
    ir_st_i64(b, old, OUT_OFF(1));
    /* 32-bit, sign-extended result, comparing the low 32 bits. */
    ir_movi_i64(b, a, 0x9008);
    ir_atomic_cmpxchg(b, IR_I64, old, a, ir_const_i64(b, 0xffffffff80000000ull),
                      ir_const_i64(b, 0x12345678), IR_MO_SL, 0);
    ir_st_i64(b, old, OUT_OFF(2));
    /* rmw ops on 0x9010.. (64-bit) and 0x9100.. (32-bit, i32 temps). */
    for (unsigned op = IR_ATOMIC_XCHG; op <= IR_ATOMIC_UMAX; op++) {
        ir_movi_i64(b, a, 0x9010 + 8 * op);
        ir_atomic_rmw(b, IR_I64, (IrAtomicOp)op, old, a, TOY_G_R(6), IR_MO_64, 0);
        ir_st_i64(b, old, OUT_OFF(10 + op));
        ir_movi_i64(b, a, 0x9100 + 4 * op);
        ir_atomic_rmw(b, IR_I32, (IrAtomicOp)op, old32, a, TOY_G_W(1), IR_MO_32, 0);
        ir_st_i32(b, old32, OUT_OFF(30 + op));
    }
}

static uint64_t rmw_ref(IrAtomicOp op, uint64_t old, uint64_t val, int bits)
{
    uint64_t m = mask_of(bits);
    int64_t so = sext(old, bits), sv = sext(val, bits);
    old &= m;
    val &= m;
    switch (op) {
    case IR_ATOMIC_XCHG: return val;
    case IR_ATOMIC_ADD: return (old + val) & m;
    case IR_ATOMIC_AND: return old & val;
    case IR_ATOMIC_OR: return old | val;
    case IR_ATOMIC_XOR: return old ^ val;
    case IR_ATOMIC_SMIN: return so < sv ? old : val;
    case IR_ATOMIC_SMAX: return so > sv ? old : val;
    case IR_ATOMIC_UMIN: return old < val ? old : val;
    case IR_ATOMIC_UMAX: return old > val ? old : val;
    }
    g_assert_not_reached();
}

START_TEST(test_atomics)
{
    ToyEnv *e = env0();
    uint8_t *ram = h->ram_ptr;
    uint64_t five = 5, neg = 0xffffffff80000000ull;
    memcpy(ram + 0x9000, &five, 8);
    memcpy(ram + 0x9008, &neg, 8);
    const uint64_t init64 = 0x8000000000000003ull;
    const uint32_t init32 = 0x80000003u;
    for (unsigned op = 0; op <= IR_ATOMIC_UMAX; op++) {
        memcpy(ram + 0x9010 + 8 * op, &init64, 8);
        memcpy(ram + 0x9100 + 4 * op, &init32, 4);
    }
    memset(e->out, 0, sizeof(e->out));
    e->r[6] = 0x10;
    e->w[1] = 0x10;
    toy_run_gen(h, gen_atomics, NULL);
    ck_assert_uint_eq(e->out[0], 5);
    ck_assert_uint_eq(e->out[1], 6);
    uint64_t v;
    memcpy(&v, ram + 0x9000, 8);
    ck_assert_uint_eq(v, 6);
    ck_assert_uint_eq(e->out[2], 0xffffffff80000000ull);
    memcpy(&v, ram + 0x9008, 8);
    ck_assert_uint_eq(v, 0xffffffff12345678ull);
    for (unsigned op = 0; op <= IR_ATOMIC_UMAX; op++) {
        ck_assert_uint_eq(e->out[10 + op], init64);
        memcpy(&v, ram + 0x9010 + 8 * op, 8);
        ck_assert_msg(v == rmw_ref((IrAtomicOp)op, init64, 0x10, 64), "rmw64 op %u", op);
        ck_assert_uint_eq(e->out[30 + op], init32);
        uint32_t w;
        memcpy(&w, ram + 0x9100 + 4 * op, 4);
        ck_assert_msg(w == rmw_ref((IrAtomicOp)op, init32, 0x10, 32), "rmw32 op %u", op);
    }
}
END_TEST

static Suite *tcg_ir_suite(void)
{
    Suite *s = suite_create("tcg-ir");
    TCase *tc = tcase_create("/tcg/ir/arith");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_binops_i64);
    tcase_add_test(tc, test_binops_i32);
    tcase_add_test(tc, test_unops_i64);
    tcase_add_test(tc, test_unops_i32);
    tcase_add_test(tc, test_word_ops);
    tcase_add_test(tc, test_conds_i64);
    tcase_add_test(tc, test_conds_i32);
    tcase_add_test(tc, test_fields_i64);
    tcase_add_test(tc, test_fields_i32);
    suite_add_tcase(s, tc);

    tc = tcase_create("/tcg/ir/memory");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_env_loads_stores);
    tcase_add_test(tc, test_guest_ram);
    tcase_add_test(tc, test_guest_page_crossing);
    tcase_add_test(tc, test_guest_mmio);
    tcase_add_test(tc, test_atomics);
    tcase_add_test(tc, test_address_folding);
    tcase_add_test(tc, test_folded_address_bases);
    suite_add_tcase(s, tc);

    tc = tcase_create("/tcg/ir/calls");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_calls);
    tcase_add_test(tc, test_dead_global_writes);
    tcase_add_test(tc, test_narrowed_extensions);
    tcase_add_test(tc, test_registers_across_calls);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tcg_ir_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
