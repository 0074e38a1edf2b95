/* SPDX-License-Identifier: MIT */
/*
 * Scalar FP arithmetic entry points (single and double precision; half
 * precision goes to fpu-half.c, every case the fast path refuses to
 * fpu.c's exact path).
 */
#include <math.h>

#include "fpu/host-fpu.h"

#include "plugins/cpu/arm/fpu.h"

#define S_SIGN 0x80000000u
#define S_EXP 0x7f800000u
#define S_FRAC 0x007fffffu
#define D_SIGN 0x8000000000000000ull
#define D_EXP 0x7ff0000000000000ull
#define D_FRAC 0x000fffffffffffffull

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
            double x = host_f64(a), y = host_f64(b), r;
            switch (op) {
            case ARM_FOP_DIV: r = x / y; break;
            case ARM_FOP_ADD: r = x + y; break;
            case ARM_FOP_SUB: r = x - y; break;
            default: r = x * y; break;
            }
            uint64_t bits = host_f64_bits(r);
            if (d_fast_result(bits)) {
                return op == ARM_FOP_NMUL ? bits ^ D_SIGN : bits;
            }
        }
    } else if (ft == ARM_FT_S) {
        if (fast_env_ok(env) && s_zero_or_normal(a) && s_zero_or_normal(b) &&
            fast_op2_ok(op, b, S_SIGN)) {
            float x = host_f32((uint32_t)a), y = host_f32((uint32_t)b), r;
            switch (op) {
            case ARM_FOP_DIV: r = x / y; break;
            case ARM_FOP_ADD: r = x + y; break;
            case ARM_FOP_SUB: r = x - y; break;
            default: r = x * y; break;
            }
            uint32_t bits = host_f32_bits(r);
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
            uint64_t bits = host_f64_bits(sqrt(host_f64(a)));
            if (d_fast_result(bits)) {
                return bits;
            }
        }
    } else if (ft == ARM_FT_S) {
        if (fast_env_ok(env) && s_zero_or_normal(a) && !(a & S_SIGN)) {
            uint32_t bits = host_f32_bits(sqrtf(host_f32((uint32_t)a)));
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
            double z = host_f64(neg_acc ? a ^ D_SIGN : a), x = host_f64(neg_prod ? n ^ D_SIGN : n);
            uint64_t bits = host_f64_bits(fma(x, host_f64(m), z));
            if (d_fast_result(bits)) {
                return bits;
            }
        }
    } else if (ft == ARM_FT_S) {
        if (fast_env_ok(env) && s_zero_or_normal(a) && s_zero_or_normal(n) &&
            s_zero_or_normal(m)) {
            float z = host_f32((uint32_t)neg_acc ? a ^ S_SIGN : a), x = host_f32((uint32_t)neg_prod ? n ^ S_SIGN : n);
            uint32_t bits = host_f32_bits(fmaf(x, host_f32((uint32_t)m), z));
            if (s_fast_result(bits)) {
                return bits;
            }
        }
    } else {
        return arm_fp16_fma(env, a, n, m, neg_acc, neg_prod);
    }
    return arm_fp_fma_exact(env, ft, a, n, m, neg_acc, neg_prod);
}
