/* SPDX-License-Identifier: MIT */
/*
 * RISC-V F/D helpers.  Arithmetic runs on the host's IEEE 754 unit: a fast
 * path in the host's resting mode when the flags are known without looking
 * (see "Fast paths" below), else the exact path with the rounding mode set
 * and the accrued exceptions read back (plugins/include/fpu/host-fpu.h; SSE and RISC-V
 * both detect tininess after rounding).  What the host cannot do is done
 * here:
 *  - results that are NaN become the canonical NaN;
 *  - RMM (round to nearest, ties to max magnitude): the operation is done
 *    in round-to-nearest-even, which differs from RMM only on an exact tie,
 *    and flags are identical in both modes.  A tie needs at most p+1
 *    significant bits, so it is exactly representable in long double (64
 *    bits of precision): redoing the operation there, an exact long double
 *    result lying half-way between the RNE result and its neighbour is a
 *    tie, and then the neighbour of larger magnitude is the RMM result;
 *  - fused multiply-add raises invalid for inf*0 even with a quiet NaN
 *    addend (the spec requires it; the host need not);
 *  - conversions to integer, min/max, comparisons and fclass are software.
 * Volatile temporaries keep the compiler from moving the arithmetic across
 * the MXCSR accesses.
 */
#include <fenv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fpu/host-fpu.h"
#include "plugins/cpu/riscv/fpu.h"

/* fclass result bits. */
enum {
    FCLASS_NEG_INF = 1 << 0,
    FCLASS_NEG_NORMAL = 1 << 1,
    FCLASS_NEG_SUBNORMAL = 1 << 2,
    FCLASS_NEG_ZERO = 1 << 3,
    FCLASS_POS_ZERO = 1 << 4,
    FCLASS_POS_SUBNORMAL = 1 << 5,
    FCLASS_POS_NORMAL = 1 << 6,
    FCLASS_POS_INF = 1 << 7,
    FCLASS_SNAN = 1 << 8,
    FCLASS_QNAN = 1 << 9,
};

/* ---- rounding modes ------------------------------------------------------ */

bool riscv_fpu_rm_valid(const CPURISCVState *env, uint32_t rm)
{
    if (rm == RM_DYN) {
        rm = env->frm;
    }
    return rm <= RM_RMM;
}

static uint32_t resolve_rm(const CPURISCVState *env, uint32_t rm)
{
    if (rm == RM_DYN) {
        rm = env->frm;
    }
    return rm <= RM_RMM ? rm : RM_RNE;
}

/*
 * The host unit (plugins/include/fpu/host-fpu.h): host_begin() installs
 * @rm's rounding mode with all flags clear, host_flags() gives the RISC-V
 * flags raised since, host_end() restores the caller's state.
 */
static inline HostFpState host_begin(uint32_t rm)
{
    static const uint8_t mode[] = {
        [RM_RNE] = HOST_ROUND_NEAREST_EVEN, [RM_RTZ] = HOST_ROUND_TOWARD_ZERO,
        [RM_RDN] = HOST_ROUND_DOWN, [RM_RUP] = HOST_ROUND_UP,
        [RM_RMM] = HOST_ROUND_NEAREST_EVEN,     /* then fixed up, see the top */
    };
    return host_fpu_begin((HostRound)mode[rm]);
}

static inline uint32_t host_flags(void)
{
    unsigned f = host_fpu_flags();
    return (f & HOST_FPU_INVALID ? FFLAG_NV : 0) | (f & HOST_FPU_DIVZERO ? FFLAG_DZ : 0) |
           (f & HOST_FPU_OVERFLOW ? FFLAG_OF : 0) | (f & HOST_FPU_UNDERFLOW ? FFLAG_UF : 0) |
           (f & HOST_FPU_INEXACT ? FFLAG_NX : 0);
}

static inline void host_end(HostFpState old)
{
    host_fpu_end(old);
}

/*
 * r = @op(a, b, c) in the type of the operands, with that type's @SQRT and
 * @FMA (sqrtf/fmaf, sqrt/fma, sqrtl/fmal).
 */
#define FPU_COMPUTE(r, op, a, b, c, SQRT, FMA)          \
    do {                                                 \
        switch (op) {                                    \
        case FPU_ADD: r = (a) + (b); break;              \
        case FPU_SUB: r = (a) - (b); break;              \
        case FPU_MUL: r = (a) * (b); break;              \
        case FPU_DIV: r = (a) / (b); break;              \
        case FPU_SQRT: r = SQRT(a); break;               \
        case FPU_MADD: r = FMA(a, b, c); break;          \
        case FPU_MSUB: r = FMA(a, b, -(c)); break;       \
        case FPU_NMSUB: r = FMA(-(a), b, c); break;      \
        default: r = FMA(-(a), b, -(c)); break;          \
        }                                                \
    } while (0)

/* ---- NaN boxing ------------------------------------------------------------ */

static inline uint32_t unbox_s(uint64_t reg)
{
    return (reg >> 32) == UINT32_MAX ? (uint32_t)reg : RISCV_CANON_NAN_S;
}

uint32_t riscv_fpu_unbox_s(uint64_t reg)
{
    return unbox_s(reg);
}

/* ---- RMM fix-up ------------------------------------------------------------- */

/* The operation in long double; *exact tells whether it was exact. */
static long double wide_op(RISCVFpuOp op, long double a, long double b, long double c,
                           bool *exact)
{
    volatile long double va = a, vb = b, vc = c;
    volatile long double r;
    feclearexcept(FE_ALL_EXCEPT);
    FPU_COMPUTE(r, op, va, vb, vc, sqrtl, fmal);
    *exact = !fetestexcept(FE_INEXACT);
    return r;
}

static bool is_fma(RISCVFpuOp op)
{
    return op >= FPU_MADD;
}

/* ---- arithmetic ------------------------------------------------------------ */

/*
 * Exact paths: the host unit in the instruction's rounding mode, flags read
 * back, RMM and the RISC-V specifics fixed up as described at the top.
 */
uint64_t riscv_fpu_arith_d_exact(CPURISCVState *env, RISCVFpuOp op, uint64_t ia, uint64_t ib,
                                 uint64_t ic, uint32_t rm)
{
    volatile double a = host_f64(ia), b = host_f64(ib), c = host_f64(ic);
    volatile double r;
    rm = resolve_rm(env, rm);
    HostFpState st = host_begin(rm);
    FPU_COMPUTE(r, op, a, b, c, sqrt, fma);
    uint32_t fl = host_flags();
    double res = r;
    host_end(st);
    if (rm == RM_RMM && (fl & FFLAG_NX)) {
        bool exact;
        long double w = wide_op(op, a, b, c, &exact);
        if (exact) {
            res = host_f64_ties_away(res, w);
        }
    }
    if (is_fma(op) && ((isinf(a) && b == 0) || (a == 0 && isinf(b)))) {
        fl |= FFLAG_NV;
    }
    env->fflags |= fl;
    return isnan(res) ? RISCV_CANON_NAN_D : host_f64_bits(res);
}

uint64_t riscv_fpu_arith_s_exact(CPURISCVState *env, RISCVFpuOp op, uint64_t ia, uint64_t ib,
                                 uint64_t ic, uint32_t rm)
{
    volatile float a = host_f32(unbox_s(ia));
    volatile float b = host_f32(unbox_s(ib));
    volatile float c = host_f32(unbox_s(ic));
    volatile float r;
    rm = resolve_rm(env, rm);
    HostFpState st = host_begin(rm);
    FPU_COMPUTE(r, op, a, b, c, sqrtf, fmaf);
    uint32_t fl = host_flags();
    float res = r;
    host_end(st);
    if (rm == RM_RMM && (fl & FFLAG_NX)) {
        bool exact;
        long double w = wide_op(op, a, b, c, &exact);
        if (exact) {
            res = host_f32_ties_away(res, w);
        }
    }
    if (is_fma(op) && ((isinf(a) && b == 0) || (a == 0 && isinf(b)))) {
        fl |= FFLAG_NV;
    }
    env->fflags |= fl;
    return riscv_fpu_box_s(isnan(res) ? RISCV_CANON_NAN_S : host_f32_bits(res));
}

/*
 * Fast paths: the host unit in its resting mode (round to nearest even)
 * with no flag read-back, taken only where the flags are known without
 * looking: the effective mode is RNE, the inexact flag is already accrued
 * (so whether this result is exact does not matter), every operand is zero
 * or normal (so no invalid operation, no division by zero, no NaN and no
 * subnormal input), and the result is normal and finite (so no overflow
 * and, with tininess detected after rounding, no underflow: a result whose
 * magnitude is above the smallest normal cannot be tiny).  Anything else
 * goes to the exact path, which computes the same value with the flags.
 */
static inline bool f64_zero_or_normal(uint64_t v)
{
    uint64_t e = v & HOST_F64_EXP;
    return e ? e != HOST_F64_EXP : !(v & HOST_F64_FRAC);
}

static inline bool f32_zero_or_normal(uint32_t v)
{
    uint32_t e = v & HOST_F32_EXP;
    return e ? e != HOST_F32_EXP : !(v & HOST_F32_FRAC);
}

/* Whether the operands of @op allow the fast path (given zero-or-normal). */
static inline bool fast_operands_ok(RISCVFpuOp op, bool b_zero, bool a_neg)
{
    switch (op) {
    case FPU_DIV:
        return !b_zero;          /* x/0: DZ or NV */
    case FPU_SQRT:
        return !a_neg;           /* sqrt(-x): NV (sqrt(-0) is fine but rare) */
    default:
        return true;
    }
}

static inline bool fast_mode_ok(const CPURISCVState *env, uint32_t rm)
{
    return (env->fflags & FFLAG_NX) && (rm == RM_RNE || (rm == RM_DYN && env->frm == RM_RNE));
}

uint64_t riscv_fpu_arith_d(CPURISCVState *env, RISCVFpuOp op, uint64_t ia, uint64_t ib,
                           uint64_t ic, uint32_t rm)
{
    if (fast_mode_ok(env, rm) && f64_zero_or_normal(ia) &&
        (op == FPU_SQRT || f64_zero_or_normal(ib)) &&
        (!is_fma(op) || f64_zero_or_normal(ic)) &&
        fast_operands_ok(op, !(ib & ~HOST_F64_SIGN), (ia & HOST_F64_SIGN) != 0)) {
        double a = host_f64(ia), b = host_f64(ib), c = host_f64(ic), r;
        FPU_COMPUTE(r, op, a, b, c, sqrt, fma);
        uint64_t bits = host_f64_bits(r);
        uint64_t e = bits & HOST_F64_EXP;
        /* Normal, finite and above the smallest normal. */
        if (e != HOST_F64_EXP && (e > ((uint64_t)1 << 52) || (e && (bits & HOST_F64_FRAC)))) {
            return bits;
        }
    }
    return riscv_fpu_arith_d_exact(env, op, ia, ib, ic, rm);
}

uint64_t riscv_fpu_arith_s(CPURISCVState *env, RISCVFpuOp op, uint64_t ia, uint64_t ib,
                           uint64_t ic, uint32_t rm)
{
    uint32_t sa = unbox_s(ia), sb = unbox_s(ib), sc = unbox_s(ic);
    if (fast_mode_ok(env, rm) && f32_zero_or_normal(sa) &&
        (op == FPU_SQRT || f32_zero_or_normal(sb)) &&
        (!is_fma(op) || f32_zero_or_normal(sc)) &&
        fast_operands_ok(op, !(sb & ~HOST_F32_SIGN), (sa & HOST_F32_SIGN) != 0)) {
        float a = host_f32(sa), b = host_f32(sb), c = host_f32(sc), r;
        FPU_COMPUTE(r, op, a, b, c, sqrtf, fmaf);
        uint32_t bits = host_f32_bits(r);
        uint32_t e = bits & HOST_F32_EXP;
        if (e != HOST_F32_EXP && (e > (1u << 23) || (e && (bits & HOST_F32_FRAC)))) {
            return riscv_fpu_box_s(bits);
        }
    }
    return riscv_fpu_arith_s_exact(env, op, ia, ib, ic, rm);
}

/* ---- min/max, compare, class, sign injection --------------------------------- */

uint64_t riscv_fpu_minmax_d(CPURISCVState *env, RISCVFpuMinMax op, uint64_t a, uint64_t b)
{
    bool an = host_f64_is_nan(a), bn = host_f64_is_nan(b);
    if (host_f64_is_snan(a) || host_f64_is_snan(b)) {
        env->fflags |= FFLAG_NV;
    }
    if (an && bn) {
        return RISCV_CANON_NAN_D;
    }
    if (an) {
        return b;
    }
    if (bn) {
        return a;
    }
    double x = host_f64(a), y = host_f64(b);
    if (x == y) {
        /* Equal (possibly zeros of both signs): -0 < +0. */
        bool a_neg = (a & HOST_F64_SIGN) != 0;
        return (op == FPU_MIN) == a_neg ? a : b;
    }
    return (op == FPU_MIN) == (x < y) ? a : b;
}

uint64_t riscv_fpu_minmax_s(CPURISCVState *env, RISCVFpuMinMax op, uint64_t ra, uint64_t rb)
{
    uint32_t a = unbox_s(ra), b = unbox_s(rb);
    bool an = host_f32_is_nan(a), bn = host_f32_is_nan(b);
    if (host_f32_is_snan(a) || host_f32_is_snan(b)) {
        env->fflags |= FFLAG_NV;
    }
    if (an && bn) {
        return riscv_fpu_box_s(RISCV_CANON_NAN_S);
    }
    if (an) {
        return riscv_fpu_box_s(b);
    }
    if (bn) {
        return riscv_fpu_box_s(a);
    }
    float x = host_f32(a), y = host_f32(b);
    if (x == y) {
        bool a_neg = (a & HOST_F32_SIGN) != 0;
        return riscv_fpu_box_s((op == FPU_MIN) == a_neg ? a : b);
    }
    return riscv_fpu_box_s((op == FPU_MIN) == (x < y) ? a : b);
}

/* feq is quiet (invalid only for signalling NaNs); flt/fle signal on any NaN. */
static uint64_t fcmp(CPURISCVState *env, RISCVFpuCmp op, double x, double y, bool any_nan,
                     bool any_snan)
{
    if (any_nan) {
        if (op != FPU_EQ || any_snan) {
            env->fflags |= FFLAG_NV;
        }
        return 0;
    }
    switch (op) {
    case FPU_EQ:
        return x == y;
    case FPU_LT:
        return x < y;
    default:
        return x <= y;
    }
}

uint64_t riscv_fpu_cmp_d(CPURISCVState *env, RISCVFpuCmp op, uint64_t a, uint64_t b)
{
    return fcmp(env, op, host_f64(a), host_f64(b), host_f64_is_nan(a) || host_f64_is_nan(b),
                host_f64_is_snan(a) || host_f64_is_snan(b));
}

uint64_t riscv_fpu_cmp_s(CPURISCVState *env, RISCVFpuCmp op, uint64_t ra, uint64_t rb)
{
    uint32_t a = unbox_s(ra), b = unbox_s(rb);
    /* Single to double is exact, so comparing as doubles is exact. */
    return fcmp(env, op, host_f32(a), host_f32(b), host_f32_is_nan(a) || host_f32_is_nan(b),
                host_f32_is_snan(a) || host_f32_is_snan(b));
}

static uint64_t fclass_generic(bool neg, bool is_inf, bool is_nan, bool is_snan, bool is_zero,
                               bool is_sub)
{
    if (is_nan) {
        return is_snan ? FCLASS_SNAN : FCLASS_QNAN;
    }
    if (is_inf) {
        return neg ? FCLASS_NEG_INF : FCLASS_POS_INF;
    }
    if (is_zero) {
        return neg ? FCLASS_NEG_ZERO : FCLASS_POS_ZERO;
    }
    if (is_sub) {
        return neg ? FCLASS_NEG_SUBNORMAL : FCLASS_POS_SUBNORMAL;
    }
    return neg ? FCLASS_NEG_NORMAL : FCLASS_POS_NORMAL;
}

uint64_t riscv_fpu_class_d(uint64_t a)
{
    uint64_t e = a & HOST_F64_EXP, f = a & HOST_F64_FRAC;
    return fclass_generic(a & HOST_F64_SIGN, e == HOST_F64_EXP && !f, e == HOST_F64_EXP && f,
                          host_f64_is_snan(a), !e && !f, !e && f);
}

uint64_t riscv_fpu_class_s(uint64_t ra)
{
    uint32_t a = unbox_s(ra);
    uint32_t e = a & HOST_F32_EXP, f = a & HOST_F32_FRAC;
    return fclass_generic(a & HOST_F32_SIGN, e == HOST_F32_EXP && !f, e == HOST_F32_EXP && f,
                          host_f32_is_snan(a), !e && !f, !e && f);
}

static uint64_t sgnj(uint64_t a, uint64_t b, uint32_t kind, uint64_t sign)
{
    uint64_t s;
    switch (kind) {
    case 0:
        s = b & sign;
        break;
    case 1:
        s = ~b & sign;
        break;
    default:
        s = (a ^ b) & sign;
        break;
    }
    return (a & ~sign) | s;
}

uint64_t riscv_fpu_sgnj_d(uint64_t a, uint64_t b, uint32_t kind)
{
    return sgnj(a, b, kind, HOST_F64_SIGN);
}

uint64_t riscv_fpu_sgnj_s(uint64_t a, uint64_t b, uint32_t kind)
{
    return riscv_fpu_box_s(sgnj(unbox_s(a), unbox_s(b), kind, HOST_F32_SIGN));
}

/* ---- conversions ------------------------------------------------------------ */

/* Round to an integral value, ties to even, without touching the host
 * environment (glibc's nearbyint saves and restores it). */
static double round_even(double x)
{
    static const double two52 = 4503599627370496.0;
    double ax = fabs(x);
    if (!(ax < two52)) {
        return x;               /* integral already (or NaN) */
    }
    /* The host rests in round-to-nearest-even: adding 2^52 rounds away the
     * fraction; volatile keeps the compiler from folding the pair. */
    volatile double t = ax + two52;
    double r = t - two52;
    return copysign(r, x);
}

/* Round @x to an integral value in mode @rm (no flags). */
static double round_integral(double x, uint32_t rm)
{
    switch (rm) {
    case RM_RTZ:
        return trunc(x);
    case RM_RDN:
        return floor(x);
    case RM_RUP:
        return ceil(x);
    case RM_RMM:
        return round(x);
    default:
        return round_even(x);
    }
}

/* Both formats convert through double (single to double is exact). */
static uint64_t to_int(CPURISCVState *env, RISCVFpuIntKind kind, double x, bool is_nan,
                       uint32_t rm)
{
    /* Bounds as doubles: exact powers of two. */
    static const double two31 = 2147483648.0, two32 = 4294967296.0;
    static const double two63 = 9223372036854775808.0, two64 = 18446744073709551616.0;
    double lo, hi_excl;
    uint64_t min_val, max_val;

    switch (kind) {
    case FPU_CVT_W:
        lo = -two31;
        hi_excl = two31;
        min_val = (uint64_t)(int64_t)INT32_MIN;
        max_val = INT32_MAX;
        break;
    case FPU_CVT_WU:
        lo = 0;
        hi_excl = two32;
        min_val = 0;
        max_val = UINT64_MAX;   /* 0xffffffff sign-extended */
        break;
    case FPU_CVT_L:
        lo = -two63;
        hi_excl = two63;
        min_val = (uint64_t)INT64_MIN;
        max_val = INT64_MAX;
        break;
    default:
        lo = 0;
        hi_excl = two64;
        min_val = 0;
        max_val = UINT64_MAX;
        break;
    }
    if (is_nan) {
        env->fflags |= FFLAG_NV;
        return max_val;
    }
    double r = round_integral(x, resolve_rm(env, rm));
    if (r < lo) {
        env->fflags |= FFLAG_NV;
        return min_val;
    }
    if (r >= hi_excl) {
        env->fflags |= FFLAG_NV;
        return max_val;
    }
    if (r != x) {
        env->fflags |= FFLAG_NX;
    }
    switch (kind) {
    case FPU_CVT_W:
        return (uint64_t)(int64_t)(int32_t)r;
    case FPU_CVT_WU:
        return (uint64_t)(int64_t)(int32_t)(uint32_t)r;
    case FPU_CVT_L:
        return (uint64_t)(int64_t)r;
    default:
        return (uint64_t)r;
    }
}

uint64_t riscv_fpu_to_int_d(CPURISCVState *env, RISCVFpuIntKind kind, uint64_t a, uint32_t rm)
{
    return to_int(env, kind, host_f64(a), host_f64_is_nan(a), rm);
}

uint64_t riscv_fpu_to_int_s(CPURISCVState *env, RISCVFpuIntKind kind, uint64_t ra, uint32_t rm)
{
    uint32_t a = unbox_s(ra);
    return to_int(env, kind, host_f32(a), host_f32_is_nan(a), rm);
}

/* The integer operand of fcvt.{s,d}.{w,wu,l,lu} as an exact long double. */
static long double int_operand(RISCVFpuIntKind kind, uint64_t x)
{
    switch (kind) {
    case FPU_CVT_W:
        return (int32_t)x;
    case FPU_CVT_WU:
        return (uint32_t)x;
    case FPU_CVT_L:
        return (int64_t)x;
    default:
        return x;
    }
}

/* Integers of at most 53 (double) or 24 (single) significant bits convert
 * exactly in every mode and raise nothing. */
static bool int_fits(RISCVFpuIntKind kind, uint64_t x, unsigned bits)
{
    uint64_t mag;
    switch (kind) {
    case FPU_CVT_W:
        mag = (uint64_t)llabs((long long)(int32_t)x);
        break;
    case FPU_CVT_WU:
        mag = (uint32_t)x;
        break;
    case FPU_CVT_L:
        mag = (int64_t)x < 0 ? -x : x;
        break;
    default:
        mag = x;
        break;
    }
    return mag < ((uint64_t)1 << bits);
}

static double int_to_double(RISCVFpuIntKind kind, uint64_t x)
{
    switch (kind) {
    case FPU_CVT_W:
        return (int32_t)x;
    case FPU_CVT_WU:
        return (uint32_t)x;
    case FPU_CVT_L:
        return (int64_t)x;
    default:
        return x;
    }
}

static float int_to_float(RISCVFpuIntKind kind, uint64_t x)
{
    switch (kind) {
    case FPU_CVT_W:
        return (int32_t)x;
    case FPU_CVT_WU:
        return (uint32_t)x;
    case FPU_CVT_L:
        return (int64_t)x;
    default:
        return x;
    }
}

uint64_t riscv_fpu_from_int_d(CPURISCVState *env, RISCVFpuIntKind kind, uint64_t x, uint32_t rm)
{
    if (int_fits(kind, x, 53)) {
        return host_f64_bits(int_to_double(kind, x));
    }
    volatile uint64_t vx = x;
    rm = resolve_rm(env, rm);
    HostFpState st = host_begin(rm);
    volatile double r = int_to_double(kind, vx);
    uint32_t fl = host_flags();
    double res = r;
    host_end(st);
    if (rm == RM_RMM && (fl & FFLAG_NX)) {
        res = host_f64_ties_away(res, int_operand(kind, x));
    }
    env->fflags |= fl;
    return host_f64_bits(res);
}

uint64_t riscv_fpu_from_int_s(CPURISCVState *env, RISCVFpuIntKind kind, uint64_t x, uint32_t rm)
{
    if (int_fits(kind, x, 24)) {
        return riscv_fpu_box_s(host_f32_bits(int_to_float(kind, x)));
    }
    volatile uint64_t vx = x;
    rm = resolve_rm(env, rm);
    HostFpState st = host_begin(rm);
    volatile float r = int_to_float(kind, vx);
    uint32_t fl = host_flags();
    float res = r;
    host_end(st);
    if (rm == RM_RMM && (fl & FFLAG_NX)) {
        res = host_f32_ties_away(res, int_operand(kind, x));
    }
    env->fflags |= fl;
    return riscv_fpu_box_s(host_f32_bits(res));
}

uint64_t riscv_fpu_cvt_s_d(CPURISCVState *env, uint64_t a, uint32_t rm)
{
    double in = host_f64(a);
    float quick = (float)in;
    if ((double)quick == in && f64_zero_or_normal(a)) {
        /* Exactly representable: the same in every mode, no flags. */
        return riscv_fpu_box_s(host_f32_bits(quick));
    }
    volatile double d = in;
    rm = resolve_rm(env, rm);
    HostFpState st = host_begin(rm);
    volatile float r = (float)d;
    uint32_t fl = host_flags();
    float res = r;
    host_end(st);
    if (rm == RM_RMM && (fl & FFLAG_NX)) {
        res = host_f32_ties_away(res, d);
    }
    env->fflags |= fl;
    return riscv_fpu_box_s(isnan(res) ? RISCV_CANON_NAN_S : host_f32_bits(res));
}

uint64_t riscv_fpu_cvt_d_s(CPURISCVState *env, uint64_t ra, uint32_t rm)
{
    uint32_t a = unbox_s(ra);
    if (host_f32_is_nan(a)) {
        if (host_f32_is_snan(a)) {
            env->fflags |= FFLAG_NV;
        }
        return RISCV_CANON_NAN_D;
    }
    return host_f64_bits((double)host_f32(a));   /* exact */
}
