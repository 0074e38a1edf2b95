/* SPDX-License-Identifier: MIT */
/*
 * Scalar FP arithmetic entry points (single and double precision; half
 * precision goes to fpu-half.c, every case the fast path refuses to
 * fpu.c's exact path).
 */
#include <math.h>
#include <string.h>

#include "plugins/cpu/arm/fpu.h"

#define S_SIGN 0x80000000u
#define S_EXP 0x7f800000u
#define S_FRAC 0x007fffffu
#define D_SIGN 0x8000000000000000ull
#define D_EXP 0x7ff0000000000000ull
#define D_FRAC 0x000fffffffffffffull

static inline float f32_of(uint64_t v)
{
    uint32_t b = (uint32_t)v;
    float f;
    memcpy(&f, &b, 4);
    return f;
}

static inline uint32_t f32_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}

static inline double f64_of(uint64_t v)
{
    double d;
    memcpy(&d, &v, 8);
    return d;
}

static inline uint64_t f64_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
}

/*
 * Fast paths: the host unit in its resting mode (round to nearest even,
 * no flag read-back) where FPSR is known without looking: FPCR.RMode is RN,
 * IXC is already accrued (whether this result is exact does not matter),
 * every operand is zero or normal (no NaN, no infinity, no subnormal: no
 * Invalid Operation, nothing for FZ to flush, no IDC), a divisor is not
 * zero and a square root's operand not negative, and the result is normal,
 * finite and above the smallest normal magnitude (no overflow; not tiny
 * before rounding either, since the unrounded value lies within half an
 * ulp of it, so no underflow).  FPCR.DN, FZ and FZ16 cannot matter then.
 * Anything else takes the exact path, which gives the same value with
 * the flags (tests/unit/test_arm_cpu.c compares the two).
 */
static inline bool fast_env_ok(const CPUARMState *env)
{
    return (env->fpsr & FPSR_IXC) && !(env->fpcr & (3u << FPCR_RMODE_SHIFT));
}

static inline bool d_zero_or_normal(uint64_t v)
{
    uint64_t e = v & D_EXP;
    return e ? e != D_EXP : !(v & D_FRAC);
}

static inline bool s_zero_or_normal(uint64_t v)
{
    uint32_t e = (uint32_t)v & S_EXP;
    return (v >> 32) == 0 && (e ? e != S_EXP : !(v & S_FRAC));
}

/* Normal, finite and above the smallest normal magnitude. */
static inline bool d_fast_result(uint64_t r)
{
    uint64_t e = r & D_EXP;
    return e != D_EXP && (e > (1ull << 52) || (e && (r & D_FRAC)));
}

static inline bool s_fast_result(uint32_t r)
{
    uint32_t e = r & S_EXP;
    return e != S_EXP && (e > (1u << 23) || (e && (r & S_FRAC)));
}

static inline bool fast_op2_ok(ARMFpOp2 op, uint64_t b, uint64_t sign)
{
    return op <= ARM_FOP_SUB ? (op != ARM_FOP_DIV || (b & ~sign)) : op == ARM_FOP_NMUL;
}

uint64_t arm_fp_op2(CPUARMState *env, ARMFpOp2 op, unsigned ft, uint64_t a, uint64_t b)
{
    if (ft == ARM_FT_D) {
        if (fast_env_ok(env) && d_zero_or_normal(a) && d_zero_or_normal(b) &&
            fast_op2_ok(op, b, D_SIGN)) {
            double x = f64_of(a), y = f64_of(b), r;
            switch (op) {
            case ARM_FOP_DIV: r = x / y; break;
            case ARM_FOP_ADD: r = x + y; break;
            case ARM_FOP_SUB: r = x - y; break;
            default: r = x * y; break;
            }
            uint64_t bits = f64_bits(r);
            if (d_fast_result(bits)) {
                return op == ARM_FOP_NMUL ? bits ^ D_SIGN : bits;
            }
        }
    } else if (ft == ARM_FT_S) {
        if (fast_env_ok(env) && s_zero_or_normal(a) && s_zero_or_normal(b) &&
            fast_op2_ok(op, b, S_SIGN)) {
            float x = f32_of(a), y = f32_of(b), r;
            switch (op) {
            case ARM_FOP_DIV: r = x / y; break;
            case ARM_FOP_ADD: r = x + y; break;
            case ARM_FOP_SUB: r = x - y; break;
            default: r = x * y; break;
            }
            uint32_t bits = f32_bits(r);
            if (s_fast_result(bits)) {
                return op == ARM_FOP_NMUL ? bits ^ S_SIGN : bits;
            }
        }
    } else {
        return arm_fp16_op2(env, op, a, b);
    }
    return arm_fp_op2_exact(env, op, ft, a, b);
}

uint64_t arm_fp_sqrt(CPUARMState *env, unsigned ft, uint64_t a)
{
    if (ft == ARM_FT_D) {
        if (fast_env_ok(env) && d_zero_or_normal(a) && !(a & D_SIGN)) {
            uint64_t bits = f64_bits(sqrt(f64_of(a)));
            if (d_fast_result(bits)) {
                return bits;
            }
        }
    } else if (ft == ARM_FT_S) {
        if (fast_env_ok(env) && s_zero_or_normal(a) && !(a & S_SIGN)) {
            uint32_t bits = f32_bits(sqrtf(f32_of(a)));
            if (s_fast_result(bits)) {
                return bits;
            }
        }
    } else {
        return arm_fp16_sqrt(env, a);
    }
    return arm_fp_sqrt_exact(env, ft, a);
}

uint64_t arm_fp_fma(CPUARMState *env, unsigned ft, uint64_t a, uint64_t n, uint64_t m,
                    bool neg_acc, bool neg_prod)
{
    if (ft == ARM_FT_D) {
        if (fast_env_ok(env) && d_zero_or_normal(a) && d_zero_or_normal(n) &&
            d_zero_or_normal(m)) {
            double z = f64_of(neg_acc ? a ^ D_SIGN : a), x = f64_of(neg_prod ? n ^ D_SIGN : n);
            uint64_t bits = f64_bits(fma(x, f64_of(m), z));
            if (d_fast_result(bits)) {
                return bits;
            }
        }
    } else if (ft == ARM_FT_S) {
        if (fast_env_ok(env) && s_zero_or_normal(a) && s_zero_or_normal(n) &&
            s_zero_or_normal(m)) {
            float z = f32_of(neg_acc ? a ^ S_SIGN : a), x = f32_of(neg_prod ? n ^ S_SIGN : n);
            uint32_t bits = f32_bits(fmaf(x, f32_of(m), z));
            if (s_fast_result(bits)) {
                return bits;
            }
        }
    } else {
        return arm_fp16_fma(env, a, n, m, neg_acc, neg_prod);
    }
    return arm_fp_fma_exact(env, ft, a, n, m, neg_acc, neg_prod);
}
