/* SPDX-License-Identifier: MIT */
/*
 * RISC-V F/D host paths (plugins/cpu/riscv/fpu.c, compiled into this test;
 * test_riscv_fpu.c covers the rest of the spec):
 *  - the host fast path against the exact path, results and all five
 *    flags, over millions of operands drawn from edge classes (zeros,
 *    subnormals, values near the smallest normal and the largest finite,
 *    infinities, quiet and signalling NaNs, improperly boxed singles);
 *  - every rounding mode (static and dynamic, RMM included) on ties,
 *    overflow and underflow, conversions, NaN boxing and the default NaN;
 *  - the host's rounding mode is left at round-to-nearest-even.
 */
#include <check.h>
#include <fenv.h>
#include <math.h>
#include <string.h>

#include "plugins/cpu/riscv/fpu.c"

static CPURISCVState env;

static void reset(uint32_t fflags, uint32_t frm)
{
    memset(&env, 0, sizeof(env));
    env.fflags = fflags;
    env.frm = frm;
}

/* ---- random operands from edge classes ------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t rand_d(void)
{
    uint64_t r = rnd(), sign = rnd() & HOST_F64_SIGN, frac = rnd() & HOST_F64_FRAC;
    switch (r % 12) {
    case 0:
        return sign;                                         /* zero */
    case 1:
        return sign | (frac ? frac : 1);                     /* subnormal */
    case 2:
        return sign | ((uint64_t)(1 + rnd() % 4) << 52) | frac;  /* near min normal */
    case 3:
        return sign | ((uint64_t)(0x7fe - rnd() % 4) << 52) | frac;  /* near max */
    case 4:
        return sign | HOST_F64_EXP;                               /* infinity */
    case 5:
        return HOST_F64_EXP | HOST_F64_QUIET | (frac & 0xff);          /* quiet NaN */
    case 6:
        return HOST_F64_EXP | ((frac & 0xffff) | 1);              /* signalling NaN */
    case 7:
        return sign | ((uint64_t)(0x3ff + rnd() % 3) << 52) | (frac & ~0xfffull);  /* short */
    case 8:                                                  /* exponent around 1 */
        return sign | ((uint64_t)(0x3f0 + rnd() % 32) << 52) | frac;
    case 9:                                                  /* around 2^-511: tiny products */
        return sign | ((uint64_t)(0x200 + rnd() % 8) << 52) | frac;
    default:
        return sign | ((uint64_t)(1 + rnd() % 0x7fe) << 52) | frac;
    }
}

static uint64_t rand_s(void)
{
    uint32_t r = (uint32_t)rnd(), sign = (uint32_t)rnd() & HOST_F32_SIGN;
    uint32_t frac = (uint32_t)rnd() & HOST_F32_FRAC;
    uint32_t v;
    switch (r % 13) {
    case 0:
        v = sign;
        break;
    case 1:
        v = sign | (frac ? frac : 1);
        break;
    case 2:
        v = sign | ((1 + (uint32_t)rnd() % 4) << 23) | frac;
        break;
    case 3:
        v = sign | ((0xfe - (uint32_t)rnd() % 4) << 23) | frac;
        break;
    case 4:
        v = sign | HOST_F32_EXP;
        break;
    case 5:
        v = HOST_F32_EXP | HOST_F32_QUIET | (frac & 0xff);
        break;
    case 6:
        v = HOST_F32_EXP | ((frac & 0xffff) | 1);
        break;
    case 7:
        v = sign | ((0x7f + (uint32_t)rnd() % 3) << 23) | (frac & ~0xffu);
        break;
    case 8:
        v = sign | ((0x70 + (uint32_t)rnd() % 32) << 23) | frac;
        break;
    case 9:
        v = sign | ((0x20 + (uint32_t)rnd() % 8) << 23) | frac;
        break;
    case 10:
        return (uint64_t)(sign | 0x3f800000u | frac);           /* not NaN-boxed */
    default:
        v = sign | ((1 + (uint32_t)rnd() % 0xfe) << 23) | frac;
        break;
    }
    return riscv_fpu_box_s(v);
}

#define RANDOM_OPS 600000

static void compare_paths(bool dbl, RISCVFpuOp op, uint32_t rm, uint32_t frm)
{
    unsigned fast_results = 0;
    for (unsigned i = 0; i < RANDOM_OPS; i++) {
        uint64_t a = dbl ? rand_d() : rand_s();
        uint64_t b = dbl ? rand_d() : rand_s();
        uint64_t c = dbl ? rand_d() : rand_s();
        uint32_t pre = (i & 7) ? FFLAG_NX : (uint32_t)(rnd() & 0x1f);
        reset(pre, frm);
        uint64_t r1 = dbl ? riscv_fpu_arith_d(&env, op, a, b, c, rm)
                          : riscv_fpu_arith_s(&env, op, a, b, c, rm);
        uint32_t f1 = env.fflags;
        reset(pre, frm);
        uint64_t r2 = dbl ? riscv_fpu_arith_d_exact(&env, op, a, b, c, rm)
                          : riscv_fpu_arith_s_exact(&env, op, a, b, c, rm);
        uint32_t f2 = env.fflags;
        ck_assert_msg(r1 == r2 && f1 == f2,
                      "%s op %d rm %u: a=%#llx b=%#llx c=%#llx: fast %#llx/%#x exact %#llx/%#x",
                      dbl ? "d" : "s", op, rm, (unsigned long long)a, (unsigned long long)b,
                      (unsigned long long)c, (unsigned long long)r1, f1,
                      (unsigned long long)r2, f2);
        fast_results += f1 == FFLAG_NX;
    }
    /* The comparison means something only if many results took the fast
     * path's conditions (NX accrued, no other flag). */
    ck_assert_uint_gt(fast_results, RANDOM_OPS / 20);
}

START_TEST(test_fast_matches_exact_d)
{
    compare_paths(true, (RISCVFpuOp)_i, RM_RNE, RM_RNE);
    compare_paths(true, (RISCVFpuOp)_i, RM_DYN, RM_RNE);
}
END_TEST

START_TEST(test_fast_matches_exact_s)
{
    compare_paths(false, (RISCVFpuOp)_i, RM_RNE, RM_RNE);
    compare_paths(false, (RISCVFpuOp)_i, RM_DYN, RM_RNE);
}
END_TEST

/* Other modes (dynamic frm != RNE) never take the fast path but must still
 * agree with the exact one (the fast path must notice the mode). */
START_TEST(test_fast_respects_dynamic_mode)
{
    for (uint32_t frm = RM_RTZ; frm <= RM_RMM; frm++) {
        compare_paths(true, FPU_ADD, RM_DYN, frm);
        compare_paths(false, FPU_MUL, RM_DYN, frm);
    }
}
END_TEST

/* ---- rounding modes --------------------------------------------------------- */

#define ONE_S 0x3f800000u
#define ONE_D 0x3ff0000000000000ull

typedef struct {
    uint32_t rm;
    uint64_t want;
    uint32_t flags;
} ModeCase;

static void check_modes_s(RISCVFpuOp op, uint32_t a, uint32_t b, const ModeCase *cases)
{
    for (unsigned i = 0; i < 5; i++) {
        for (int dyn = 0; dyn < 2; dyn++) {
            reset(0, dyn ? cases[i].rm : RM_RNE);
            uint64_t r = riscv_fpu_arith_s(&env, op, riscv_fpu_box_s(a), riscv_fpu_box_s(b), 0,
                                           dyn ? RM_DYN : cases[i].rm);
            ck_assert_msg(r == riscv_fpu_box_s((uint32_t)cases[i].want) &&
                          env.fflags == cases[i].flags,
                          "op %d rm %u dyn %d: %#llx flags %#x, want %#llx flags %#x", op,
                          cases[i].rm, dyn, (unsigned long long)r, env.fflags,
                          (unsigned long long)cases[i].want, cases[i].flags);
        }
    }
}

static void check_modes_d(RISCVFpuOp op, uint64_t a, uint64_t b, const ModeCase *cases)
{
    for (unsigned i = 0; i < 5; i++) {
        for (int dyn = 0; dyn < 2; dyn++) {
            /* With NX already accrued, so the fast path is eligible in RNE. */
            reset(FFLAG_NX, dyn ? cases[i].rm : RM_RNE);
            uint64_t r = riscv_fpu_arith_d(&env, op, a, b, 0, dyn ? RM_DYN : cases[i].rm);
            ck_assert_msg(r == cases[i].want && env.fflags == (cases[i].flags | FFLAG_NX),
                          "op %d rm %u dyn %d: %#llx flags %#x, want %#llx flags %#x", op,
                          cases[i].rm, dyn, (unsigned long long)r, env.fflags,
                          (unsigned long long)cases[i].want, cases[i].flags | FFLAG_NX);
        }
    }
}

START_TEST(test_modes_ties)
{
    /* 1 + 2^-24 (single) and -1 - 2^-24: exact ties. */
    static const ModeCase pos_s[] = {
        { RM_RNE, ONE_S, FFLAG_NX }, { RM_RTZ, ONE_S, FFLAG_NX }, { RM_RDN, ONE_S, FFLAG_NX },
        { RM_RUP, ONE_S + 1, FFLAG_NX }, { RM_RMM, ONE_S + 1, FFLAG_NX },
    };
    check_modes_s(FPU_ADD, ONE_S, 0x33800000u, pos_s);
    static const ModeCase neg_s[] = {
        { RM_RNE, 0xbf800000u, FFLAG_NX }, { RM_RTZ, 0xbf800000u, FFLAG_NX },
        { RM_RDN, 0xbf800001u, FFLAG_NX }, { RM_RUP, 0xbf800000u, FFLAG_NX },
        { RM_RMM, 0xbf800001u, FFLAG_NX },
    };
    check_modes_s(FPU_SUB, 0xbf800000u, 0x33800000u, neg_s);
    /* 1 + 3*2^-24: a tie whose even neighbour is the larger one. */
    static const ModeCase odd_s[] = {
        { RM_RNE, ONE_S + 2, FFLAG_NX }, { RM_RTZ, ONE_S + 1, FFLAG_NX },
        { RM_RDN, ONE_S + 1, FFLAG_NX }, { RM_RUP, ONE_S + 2, FFLAG_NX },
        { RM_RMM, ONE_S + 2, FFLAG_NX },
    };
    check_modes_s(FPU_ADD, ONE_S + 1, 0x33800000u, odd_s);
    /* Double: 1 + 2^-53. */
    static const ModeCase pos_d[] = {
        { RM_RNE, ONE_D, FFLAG_NX }, { RM_RTZ, ONE_D, FFLAG_NX }, { RM_RDN, ONE_D, FFLAG_NX },
        { RM_RUP, ONE_D + 1, FFLAG_NX }, { RM_RMM, ONE_D + 1, FFLAG_NX },
    };
    check_modes_d(FPU_ADD, ONE_D, 0x3ca0000000000000ull, pos_d);
    /* Not a tie (1 + 2^-53 + 2^-60): RMM rounds like RNE. */
    static const ModeCase near_d[] = {
        { RM_RNE, ONE_D + 1, FFLAG_NX }, { RM_RTZ, ONE_D, FFLAG_NX },
        { RM_RDN, ONE_D, FFLAG_NX }, { RM_RUP, ONE_D + 1, FFLAG_NX },
        { RM_RMM, ONE_D + 1, FFLAG_NX },
    };
    check_modes_d(FPU_ADD, ONE_D, 0x3ca0200000000000ull, near_d);
    /* Exact results raise nothing in any mode. */
    static const ModeCase exact_d[] = {
        { RM_RNE, 0x4008000000000000ull, 0 }, { RM_RTZ, 0x4008000000000000ull, 0 },
        { RM_RDN, 0x4008000000000000ull, 0 }, { RM_RUP, 0x4008000000000000ull, 0 },
        { RM_RMM, 0x4008000000000000ull, 0 },
    };
    check_modes_d(FPU_ADD, ONE_D, 0x4000000000000000ull, exact_d);
}
END_TEST

START_TEST(test_modes_overflow_underflow)
{
    const uint32_t max_s = 0x7f7fffffu, inf_s = 0x7f800000u;
    static const ModeCase ovf[] = {
        { RM_RNE, 0x7f800000u, FFLAG_OF | FFLAG_NX }, { RM_RTZ, 0x7f7fffffu, FFLAG_OF | FFLAG_NX },
        { RM_RDN, 0x7f7fffffu, FFLAG_OF | FFLAG_NX }, { RM_RUP, 0x7f800000u, FFLAG_OF | FFLAG_NX },
        { RM_RMM, 0x7f800000u, FFLAG_OF | FFLAG_NX },
    };
    check_modes_s(FPU_MUL, max_s, 0x40000000u, ovf);
    (void)inf_s;
    /* Smallest subnormal * 0.5: a tie at the bottom. */
    static const ModeCase unf[] = {
        { RM_RNE, 0, FFLAG_UF | FFLAG_NX }, { RM_RTZ, 0, FFLAG_UF | FFLAG_NX },
        { RM_RDN, 0, FFLAG_UF | FFLAG_NX }, { RM_RUP, 1, FFLAG_UF | FFLAG_NX },
        { RM_RMM, 1, FFLAG_UF | FFLAG_NX },
    };
    check_modes_s(FPU_MUL, 1, 0x3f000000u, unf);
    /* Double: min * (1 + 2^-52) * (1 - 2^-52) = min * (1 - 2^-104) is tiny
     * before rounding; rounded to 53 bits with unbounded exponent it is min
     * (not tiny) in RNE/RUP/RMM and min * (1 - 2^-53) (tiny) in RTZ/RDN:
     * tininess is detected after rounding. */
    static const ModeCase edge[] = {
        { RM_RNE, 0x0010000000000000ull, FFLAG_NX },
        { RM_RTZ, 0x000fffffffffffffull, FFLAG_UF | FFLAG_NX },
        { RM_RDN, 0x000fffffffffffffull, FFLAG_UF | FFLAG_NX },
        { RM_RUP, 0x0010000000000000ull, FFLAG_NX },
        { RM_RMM, 0x0010000000000000ull, FFLAG_NX },
    };
    check_modes_d(FPU_MUL, 0x0010000000000001ull, 0x3feffffffffffffeull, edge);
}
END_TEST

/* ---- NaNs, boxing, special operations ------------------------------------------ */

START_TEST(test_nans_and_boxing)
{
    /* A single that is not NaN-boxed reads as the canonical NaN (quiet: no NV). */
    reset(0, RM_RNE);
    ck_assert_uint_eq(riscv_fpu_arith_s(&env, FPU_ADD, ONE_S, riscv_fpu_box_s(ONE_S), 0, RM_RNE),
                      riscv_fpu_box_s(RISCV_CANON_NAN_S));
    ck_assert_uint_eq(env.fflags, 0);
    ck_assert_uint_eq(riscv_fpu_unbox_s(0xfffffffe3f800000ull), RISCV_CANON_NAN_S);
    ck_assert_uint_eq(riscv_fpu_unbox_s(riscv_fpu_box_s(0x12345678u)), 0x12345678u);
    /* Signalling NaN operands: NV and the canonical NaN (sign and payload lost). */
    reset(FFLAG_NX, RM_RNE);
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_ADD, 0xfff0000000000001ull, ONE_D, 0, RM_RNE),
                      RISCV_CANON_NAN_D);
    ck_assert_uint_eq(env.fflags, FFLAG_NV | FFLAG_NX);
    /* Quiet NaN with payload: canonical NaN, no flag. */
    reset(0, RM_RNE);
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_MUL, 0xfff8000000001234ull, ONE_D, 0, RM_RNE),
                      RISCV_CANON_NAN_D);
    ck_assert_uint_eq(env.fflags, 0);
    /* 0/0 and sqrt(-1): NV; 1/0: DZ and infinity. */
    reset(FFLAG_NX, RM_RNE);
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_DIV, 0, 0, 0, RM_RNE), RISCV_CANON_NAN_D);
    ck_assert_uint_eq(env.fflags, FFLAG_NV | FFLAG_NX);
    reset(FFLAG_NX, RM_RNE);
    ck_assert_uint_eq(riscv_fpu_arith_s(&env, FPU_SQRT, riscv_fpu_box_s(0xbf800000u), 0, 0, RM_RNE),
                      riscv_fpu_box_s(RISCV_CANON_NAN_S));
    ck_assert_uint_eq(env.fflags, FFLAG_NV | FFLAG_NX);
    reset(FFLAG_NX, RM_RNE);
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_DIV, ONE_D, 0x8000000000000000ull, 0, RM_RNE),
                      0xfff0000000000000ull);
    ck_assert_uint_eq(env.fflags, FFLAG_DZ | FFLAG_NX);
    /* sqrt(-0) = -0 without flags. */
    reset(0, RM_RNE);
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_SQRT, 0x8000000000000000ull, 0, 0, RM_RNE),
                      0x8000000000000000ull);
    ck_assert_uint_eq(env.fflags, 0);
    /* fma(inf, 0, qNaN): NV even though the addend is a quiet NaN. */
    reset(0, RM_RNE);
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_MADD, 0x7ff0000000000000ull, 0,
                                        RISCV_CANON_NAN_D, RM_RNE), RISCV_CANON_NAN_D);
    ck_assert_uint_eq(env.fflags, FFLAG_NV);
    /* x - x = +0 in RNE, -0 in RDN. */
    reset(FFLAG_NX, RM_RDN);
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_SUB, ONE_D, ONE_D, 0, RM_DYN),
                      0x8000000000000000ull);
    reset(FFLAG_NX, RM_RNE);
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_SUB, ONE_D, ONE_D, 0, RM_DYN), 0);
    ck_assert_uint_eq(env.fflags, FFLAG_NX);
}
END_TEST

/* ---- conversions ---------------------------------------------------------------- */

START_TEST(test_conversions)
{
    /* 2^53 + 1 to double: a tie. */
    const uint64_t big = (1ull << 53) + 1;
    static const struct { uint32_t rm; uint64_t want; } tie[] = {
        { RM_RNE, 0x4340000000000000ull }, { RM_RTZ, 0x4340000000000000ull },
        { RM_RDN, 0x4340000000000000ull }, { RM_RUP, 0x4340000000000001ull },
        { RM_RMM, 0x4340000000000001ull },
    };
    for (unsigned i = 0; i < 5; i++) {
        reset(0, RM_RNE);
        ck_assert_uint_eq(riscv_fpu_from_int_d(&env, FPU_CVT_L, big, tie[i].rm), tie[i].want);
        ck_assert_uint_eq(env.fflags, FFLAG_NX);
    }
    /* Negative, unsigned, small exact values. */
    reset(0, RM_RNE);
    ck_assert_uint_eq(riscv_fpu_from_int_d(&env, FPU_CVT_W, (uint64_t)-3, RM_RNE),
                      0xc008000000000000ull);
    ck_assert_uint_eq(riscv_fpu_from_int_s(&env, FPU_CVT_WU, 0xffffffffull, RM_RTZ),
                      riscv_fpu_box_s(0x4f7fffffu));
    ck_assert_uint_eq(env.fflags, FFLAG_NX);
    reset(0, RM_RNE);
    ck_assert_uint_eq(riscv_fpu_from_int_s(&env, FPU_CVT_LU, UINT64_MAX, RM_RNE),
                      riscv_fpu_box_s(0x5f800000u));
    ck_assert_uint_eq(env.fflags, FFLAG_NX);
    /* To integer: 2.5 and -2.5 in every mode. */
    static const struct { uint32_t rm; int64_t pos, neg; } toi[] = {
        { RM_RNE, 2, -2 }, { RM_RTZ, 2, -2 }, { RM_RDN, 2, -3 }, { RM_RUP, 3, -2 },
        { RM_RMM, 3, -3 },
    };
    for (unsigned i = 0; i < 5; i++) {
        reset(0, RM_RNE);
        ck_assert_int_eq((int64_t)riscv_fpu_to_int_d(&env, FPU_CVT_L, 0x4004000000000000ull,
                                                     toi[i].rm), toi[i].pos);
        ck_assert_int_eq((int64_t)riscv_fpu_to_int_d(&env, FPU_CVT_W, 0xc004000000000000ull,
                                                     toi[i].rm), toi[i].neg);
        ck_assert_uint_eq(env.fflags, FFLAG_NX);
    }
    reset(0, RM_RNE);
    ck_assert_int_eq((int64_t)riscv_fpu_to_int_d(&env, FPU_CVT_L, 0x400c000000000000ull, RM_RNE),
                     4);   /* 3.5 -> 4 */
    ck_assert_int_eq((int64_t)riscv_fpu_to_int_d(&env, FPU_CVT_L, 0x4330000000000001ull, RM_RNE),
                     (int64_t)(1ull << 52) + 1);   /* integral, large */
    /* Out of range and NaN saturate with NV. */
    reset(0, RM_RNE);
    ck_assert_uint_eq(riscv_fpu_to_int_d(&env, FPU_CVT_W, 0x41e0000000000000ull, RM_RNE),
                      INT32_MAX);
    ck_assert_uint_eq(env.fflags, FFLAG_NV);
    /* Double to single: a tie, an exact value, a NaN. */
    static const struct { uint32_t rm; uint32_t want; } sd[] = {
        { RM_RNE, ONE_S }, { RM_RTZ, ONE_S }, { RM_RDN, ONE_S }, { RM_RUP, ONE_S + 1 },
        { RM_RMM, ONE_S + 1 },
    };
    for (unsigned i = 0; i < 5; i++) {
        reset(0, RM_RNE);
        ck_assert_uint_eq(riscv_fpu_cvt_s_d(&env, 0x3ff0000010000000ull, sd[i].rm),
                          riscv_fpu_box_s(sd[i].want));
        ck_assert_uint_eq(env.fflags, FFLAG_NX);
    }
    reset(0, RM_RNE);
    ck_assert_uint_eq(riscv_fpu_cvt_s_d(&env, 0x3ff8000000000000ull, RM_RUP),
                      riscv_fpu_box_s(0x3fc00000u));
    ck_assert_uint_eq(env.fflags, 0);
    ck_assert_uint_eq(riscv_fpu_cvt_s_d(&env, 0x7ff0000000000001ull, RM_RNE),
                      riscv_fpu_box_s(RISCV_CANON_NAN_S));
    ck_assert_uint_eq(env.fflags, FFLAG_NV);
    /* Overflow to single. */
    reset(0, RM_RNE);
    ck_assert_uint_eq(riscv_fpu_cvt_s_d(&env, 0x47f0000000000000ull, RM_RTZ),
                      riscv_fpu_box_s(0x7f7fffffu));
    ck_assert_uint_eq(env.fflags, FFLAG_OF | FFLAG_NX);
}
END_TEST

START_TEST(test_host_mode_restored)
{
    reset(0, RM_RUP);
    riscv_fpu_arith_d(&env, FPU_ADD, ONE_D, 0x3ca0000000000000ull, 0, RM_DYN);
    riscv_fpu_from_int_s(&env, FPU_CVT_L, (1ull << 40) + 1, RM_RDN);
    riscv_fpu_cvt_s_d(&env, 0x3ff0000010000000ull, RM_RTZ);
    ck_assert_int_eq(fegetround(), FE_TONEAREST);
    volatile double x = 1.0, y = 0x1p-53;
    ck_assert(x + y == 1.0);   /* would be 1 + 2^-52 if RUP had leaked */
}
END_TEST

static Suite *fpu_suite(void)
{
    Suite *s = suite_create("/riscv/fpu-paths");
    TCase *tc = tcase_create("fpu");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_fast_matches_exact_d, FPU_ADD, FPU_NMADD + 1);
    tcase_add_loop_test(tc, test_fast_matches_exact_s, FPU_ADD, FPU_NMADD + 1);
    tcase_add_test(tc, test_fast_respects_dynamic_mode);
    tcase_add_test(tc, test_modes_ties);
    tcase_add_test(tc, test_modes_overflow_underflow);
    tcase_add_test(tc, test_nans_and_boxing);
    tcase_add_test(tc, test_conversions);
    tcase_add_test(tc, test_host_mode_restored);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fpu_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
