/* SPDX-License-Identifier: MIT */
/*
 * RISC-V F/D helpers: rounding modes (RMM in particular), accrued flags,
 * canonical NaNs, NaN-boxing, min/max, comparisons, conversions and fclass
 * as the unprivileged spec (20191213) requires.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "plugins/cpu/riscv/fpu.c"

static CPURISCVState env;

static void setup(void)
{
    memset(&env, 0, sizeof(env));
}

static uint64_t S(float f)
{
    uint32_t v;
    memcpy(&v, &f, sizeof(v));
    return riscv_fpu_box_s(v);
}

static uint64_t D(double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof(v));
    return v;
}

#define SNAN_S riscv_fpu_box_s(0x7f800001u)
#define QNAN_S riscv_fpu_box_s(0x7fc00001u)
#define SNAN_D 0x7ff0000000000001ull
#define QNAN_D 0x7ff8000000000001ull
#define CANON_S riscv_fpu_box_s(RISCV_CANON_NAN_S)

START_TEST(test_rmm_ties_away)
{
    /* 1 + 2^-24 is half-way between 1 and 1 + 2^-23. */
    ck_assert_uint_eq(riscv_fpu_arith_s(&env, FPU_ADD, S(1.0f), S(0x1p-24f), 0, RM_RNE), S(1.0f));
    ck_assert_uint_eq(riscv_fpu_arith_s(&env, FPU_ADD, S(1.0f), S(0x1p-24f), 0, RM_RMM),
                      riscv_fpu_box_s(0x3f800001u));
    ck_assert_uint_eq(riscv_fpu_arith_s(&env, FPU_SUB, S(-1.0f), S(0x1p-24f), 0, RM_RMM),
                      riscv_fpu_box_s(0xbf800001u));
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_ADD, D(1.0), D(0x1p-53), 0, RM_RMM),
                      0x3ff0000000000001ull);
    ck_assert_uint_eq(env.fflags, FFLAG_NX);
    /* Not a tie: below half an ulp rounds to the nearer value. */
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_ADD, D(1.0), D(0x1p-54), 0, RM_RMM), D(1.0));
    /* Ties in conversions: 2^24 + 1 as a single. */
    ck_assert_uint_eq(riscv_fpu_from_int_s(&env, FPU_CVT_W, 16777217, RM_RNE),
                      riscv_fpu_box_s(0x4b800000u));
    ck_assert_uint_eq(riscv_fpu_from_int_s(&env, FPU_CVT_W, 16777217, RM_RMM),
                      riscv_fpu_box_s(0x4b800001u));
    ck_assert_uint_eq(riscv_fpu_to_int_d(&env, FPU_CVT_W, D(2.5), RM_RMM), 3);
    ck_assert_uint_eq(riscv_fpu_to_int_d(&env, FPU_CVT_W, D(-2.5), RM_RMM), (uint64_t)-3);
    ck_assert_uint_eq(riscv_fpu_to_int_d(&env, FPU_CVT_W, D(2.5), RM_RNE), 2);
    /* Multiplication tie: (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24. */
    ck_assert_uint_eq(riscv_fpu_arith_s(&env, FPU_MUL, S(1.0f + 0x1p-12f), S(1.0f + 0x1p-12f), 0,
                                        RM_RMM), riscv_fpu_box_s(0x3f801001u));
}
END_TEST

START_TEST(test_static_and_dynamic_modes)
{
    float third = 1.0f / 3.0f;
    uint64_t down = riscv_fpu_arith_s(&env, FPU_DIV, S(1.0f), S(3.0f), 0, RM_RDN);
    uint64_t up = riscv_fpu_arith_s(&env, FPU_DIV, S(1.0f), S(3.0f), 0, RM_RUP);
    ck_assert_uint_eq(up - down, 1);
    ck_assert(down == S(third) || up == S(third));
    env.frm = RM_RUP;
    ck_assert_uint_eq(riscv_fpu_arith_s(&env, FPU_DIV, S(1.0f), S(3.0f), 0, RM_DYN), up);
    env.frm = 5;
    ck_assert(!riscv_fpu_rm_valid(&env, RM_DYN));
    ck_assert(riscv_fpu_rm_valid(&env, RM_RMM));
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_SUB, D(-1.0), D(0x1p-60), 0, RM_RTZ), D(-1.0));
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_SUB, D(-1.0), D(0x1p-60), 0, RM_RDN),
                      0xbff0000000000001ull);
}
END_TEST

START_TEST(test_flags)
{
    riscv_fpu_arith_d(&env, FPU_DIV, D(1.0), D(0.0), 0, RM_RNE);
    ck_assert_uint_eq(env.fflags, FFLAG_DZ);
    env.fflags = 0;
    ck_assert_uint_eq(riscv_fpu_arith_s(&env, FPU_MUL, S(0x1p127f), S(4.0f), 0, RM_RNE),
                      S(INFINITY));
    ck_assert_uint_eq(env.fflags, FFLAG_OF | FFLAG_NX);
    env.fflags = 0;
    ck_assert_uint_eq(riscv_fpu_arith_s(&env, FPU_MUL, S(0x1p127f), S(4.0f), 0, RM_RTZ),
                      riscv_fpu_box_s(0x7f7fffffu));
    env.fflags = 0;
    riscv_fpu_arith_d(&env, FPU_MUL, D(0x1p-1000), D(0x1.0000000000001p-70), 0, RM_RNE);
    ck_assert_uint_eq(env.fflags, FFLAG_UF | FFLAG_NX);
    env.fflags = 0;
    /* Exact subnormal results raise nothing. */
    riscv_fpu_arith_d(&env, FPU_MUL, D(0x1p-1000), D(0x1p-70), 0, RM_RNE);
    ck_assert_uint_eq(env.fflags, 0);
    /* Tininess is detected after rounding: 2^-1022 - 2^-1077 rounds to
     * the smallest normal, so only inexact is raised. */
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_MADD, D(0x1p-500), D(-0x1p-577), D(0x1p-1022),
                                        RM_RNE), D(0x1p-1022));
    ck_assert_uint_eq(env.fflags, FFLAG_NX);
}
END_TEST

START_TEST(test_nan_results_are_canonical)
{
    ck_assert_uint_eq(riscv_fpu_arith_s(&env, FPU_MUL, S(0.0f), S(INFINITY), 0, RM_RNE), CANON_S);
    ck_assert_uint_eq(env.fflags, FFLAG_NV);
    env.fflags = 0;
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_SQRT, D(-1.0), 0, 0, RM_RNE),
                      RISCV_CANON_NAN_D);
    ck_assert_uint_eq(env.fflags, FFLAG_NV);
    env.fflags = 0;
    /* A quiet NaN operand propagates as the canonical NaN, quietly. */
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_ADD, QNAN_D | (1ull << 63), D(1.0), 0,
                                        RM_RNE), RISCV_CANON_NAN_D);
    ck_assert_uint_eq(env.fflags, 0);
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_ADD, SNAN_D, D(1.0), 0, RM_RNE),
                      RISCV_CANON_NAN_D);
    ck_assert_uint_eq(env.fflags, FFLAG_NV);
    env.fflags = 0;
    /* fma: inf * 0 is invalid even with a quiet NaN addend. */
    ck_assert_uint_eq(riscv_fpu_arith_d(&env, FPU_MADD, D(INFINITY), D(0.0), QNAN_D, RM_RNE),
                      RISCV_CANON_NAN_D);
    ck_assert_uint_eq(env.fflags, FFLAG_NV);
    env.fflags = 0;
    ck_assert_uint_eq(riscv_fpu_cvt_s_d(&env, QNAN_D, RM_RNE), CANON_S);
    ck_assert_uint_eq(riscv_fpu_cvt_d_s(&env, SNAN_S, RM_RNE), RISCV_CANON_NAN_D);
    ck_assert_uint_eq(env.fflags, FFLAG_NV);
}
END_TEST

START_TEST(test_nan_boxing)
{
    /* An improperly boxed single reads as the canonical NaN. */
    ck_assert_uint_eq(riscv_fpu_unbox_s(0x000000003f800000ull), RISCV_CANON_NAN_S);
    ck_assert_uint_eq(riscv_fpu_unbox_s(S(1.0f)), 0x3f800000u);
    ck_assert_uint_eq(riscv_fpu_arith_s(&env, FPU_ADD, 0x3f800000ull, S(1.0f), 0, RM_RNE),
                      CANON_S);
    ck_assert_uint_eq(env.fflags, 0);
    ck_assert_uint_eq(riscv_fpu_class_s(0x3f800000ull), 1u << 9);
    /* fsgnj on unboxed input uses the canonical NaN too. */
    ck_assert_uint_eq(riscv_fpu_sgnj_s(0x3f800000ull, S(-1.0f), 0), riscv_fpu_box_s(0xffc00000u));
}
END_TEST

START_TEST(test_min_max)
{
    ck_assert_uint_eq(riscv_fpu_minmax_d(&env, FPU_MIN, D(0.0), D(-0.0)), D(-0.0));
    ck_assert_uint_eq(riscv_fpu_minmax_d(&env, FPU_MAX, D(-0.0), D(0.0)), D(0.0));
    ck_assert_uint_eq(riscv_fpu_minmax_s(&env, FPU_MIN, S(-0.0f), S(0.0f)), S(-0.0f));
    ck_assert_uint_eq(riscv_fpu_minmax_d(&env, FPU_MIN, QNAN_D, D(2.0)), D(2.0));
    ck_assert_uint_eq(env.fflags, 0);
    ck_assert_uint_eq(riscv_fpu_minmax_d(&env, FPU_MAX, D(2.0), SNAN_D), D(2.0));
    ck_assert_uint_eq(env.fflags, FFLAG_NV);
    env.fflags = 0;
    ck_assert_uint_eq(riscv_fpu_minmax_s(&env, FPU_MAX, QNAN_S, QNAN_S), CANON_S);
    ck_assert_uint_eq(riscv_fpu_minmax_d(&env, FPU_MIN, D(-3.0), D(2.0)), D(-3.0));
    ck_assert_uint_eq(riscv_fpu_minmax_d(&env, FPU_MAX, D(-3.0), D(2.0)), D(2.0));
}
END_TEST

START_TEST(test_compare)
{
    ck_assert_uint_eq(riscv_fpu_cmp_d(&env, FPU_EQ, QNAN_D, D(1.0)), 0);
    ck_assert_uint_eq(env.fflags, 0);
    ck_assert_uint_eq(riscv_fpu_cmp_d(&env, FPU_EQ, SNAN_D, D(1.0)), 0);
    ck_assert_uint_eq(env.fflags, FFLAG_NV);
    env.fflags = 0;
    ck_assert_uint_eq(riscv_fpu_cmp_s(&env, FPU_LT, QNAN_S, S(1.0f)), 0);
    ck_assert_uint_eq(env.fflags, FFLAG_NV);
    ck_assert_uint_eq(riscv_fpu_cmp_s(&env, FPU_LE, S(-0.0f), S(0.0f)), 1);
    ck_assert_uint_eq(riscv_fpu_cmp_d(&env, FPU_LT, D(-0.0), D(0.0)), 0);
    ck_assert_uint_eq(riscv_fpu_cmp_d(&env, FPU_EQ, D(-0.0), D(0.0)), 1);
}
END_TEST

START_TEST(test_convert_saturation)
{
    ck_assert_uint_eq(riscv_fpu_to_int_s(&env, FPU_CVT_W, S(3e9f), RM_RTZ), 0x7fffffffu);
    ck_assert_uint_eq(env.fflags, FFLAG_NV);
    env.fflags = 0;
    ck_assert_uint_eq(riscv_fpu_to_int_s(&env, FPU_CVT_W, S(-3e9f), RM_RTZ),
                      0xffffffff80000000ull);
    ck_assert_uint_eq(riscv_fpu_to_int_s(&env, FPU_CVT_W, QNAN_S, RM_RTZ), 0x7fffffffu);
    ck_assert_uint_eq(riscv_fpu_to_int_s(&env, FPU_CVT_W, S(-INFINITY), RM_RTZ),
                      0xffffffff80000000ull);
    ck_assert_uint_eq(riscv_fpu_to_int_d(&env, FPU_CVT_WU, D(-1.0), RM_RTZ), 0);
    ck_assert_uint_eq(env.fflags, FFLAG_NV);
    env.fflags = 0;
    /* -0.5 truncates to -0 = 0: inexact, not invalid. */
    ck_assert_uint_eq(riscv_fpu_to_int_d(&env, FPU_CVT_WU, D(-0.5), RM_RTZ), 0);
    ck_assert_uint_eq(env.fflags, FFLAG_NX);
    env.fflags = 0;
    ck_assert_uint_eq(riscv_fpu_to_int_d(&env, FPU_CVT_WU, D(4294967295.0), RM_RTZ), UINT64_MAX);
    ck_assert_uint_eq(riscv_fpu_to_int_d(&env, FPU_CVT_WU, D(NAN), RM_RTZ), UINT64_MAX);
    ck_assert_uint_eq(riscv_fpu_to_int_d(&env, FPU_CVT_LU, D(0x1p64), RM_RTZ), UINT64_MAX);
    ck_assert_uint_eq(riscv_fpu_to_int_d(&env, FPU_CVT_L, D(0x1p63), RM_RTZ), INT64_MAX);
    env.fflags = 0;
    ck_assert_uint_eq(riscv_fpu_to_int_d(&env, FPU_CVT_L, D(-0x1p63), RM_RTZ),
                      (uint64_t)INT64_MIN);
    ck_assert_uint_eq(env.fflags, 0);
    ck_assert_uint_eq(riscv_fpu_to_int_d(&env, FPU_CVT_L, D(-1.5), RM_RDN), (uint64_t)-2);
    ck_assert_uint_eq(riscv_fpu_to_int_d(&env, FPU_CVT_L, D(-1.5), RM_RUP), (uint64_t)-1);
    ck_assert_uint_eq(riscv_fpu_from_int_d(&env, FPU_CVT_LU, UINT64_MAX, RM_RTZ),
                      0x43efffffffffffffull);
    ck_assert_uint_eq(riscv_fpu_from_int_d(&env, FPU_CVT_W, 0xffffffffull, RM_RNE), D(-1.0));
    ck_assert_uint_eq(riscv_fpu_from_int_d(&env, FPU_CVT_WU, 0xffffffffull, RM_RNE),
                      D(4294967295.0));
}
END_TEST

START_TEST(test_fclass)
{
    ck_assert_uint_eq(riscv_fpu_class_d(D(-INFINITY)), 1u << 0);
    ck_assert_uint_eq(riscv_fpu_class_d(D(-1.0)), 1u << 1);
    ck_assert_uint_eq(riscv_fpu_class_d(D(-0x1p-1074)), 1u << 2);
    ck_assert_uint_eq(riscv_fpu_class_d(D(-0.0)), 1u << 3);
    ck_assert_uint_eq(riscv_fpu_class_d(D(0.0)), 1u << 4);
    ck_assert_uint_eq(riscv_fpu_class_s(S(0x1p-149f)), 1u << 5);
    ck_assert_uint_eq(riscv_fpu_class_s(S(1.0f)), 1u << 6);
    ck_assert_uint_eq(riscv_fpu_class_s(S(INFINITY)), 1u << 7);
    ck_assert_uint_eq(riscv_fpu_class_d(SNAN_D), 1u << 8);
    ck_assert_uint_eq(riscv_fpu_class_s(QNAN_S), 1u << 9);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("riscv-fpu");
    TCase *tc = tcase_create("/riscv/fpu");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_rmm_ties_away);
    tcase_add_test(tc, test_static_and_dynamic_modes);
    tcase_add_test(tc, test_flags);
    tcase_add_test(tc, test_nan_results_are_canonical);
    tcase_add_test(tc, test_nan_boxing);
    tcase_add_test(tc, test_min_max);
    tcase_add_test(tc, test_compare);
    tcase_add_test(tc, test_convert_saturation);
    tcase_add_test(tc, test_fclass);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0;
}
