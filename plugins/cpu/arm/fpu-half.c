/* SPDX-License-Identifier: MIT */
/*
 * Half-precision arithmetic (FEAT_FP16) for the scalar FP helpers of
 * fpu.c.  Operands are widened to double (exact), the operation runs on the
 * host in double rounding towards zero with a sticky bit (round to odd: the
 * low bit is set when anything was lost), and the result is rounded once
 * to half precision in the FPCR mode by fpu.c's to-half conversion, which
 * raises Overflow, Underflow (tininess before rounding) and Inexact.  Round
 * to odd in 53 bits then to 11 bits is one correct rounding, fused
 * multiply-add included.  FPCR.FZ16 (not FZ) flushes subnormal inputs
 * without IDC and subnormal outputs to zero with UFC only; NaNs follow the
 * same rules as the other precisions (first signalling, else first quiet,
 * FPCR.DN the default NaN 0x7e00).
 */
#include <math.h>

#include "fpu/host-fpu.h"

#include "plugins/cpu/arm/fpu.h"

#define H_SIGN 0x8000u
#define H_EXP 0x7c00u
#define H_FRAC 0x03ffu
#define H_QUIET 0x0200u
#define H_DEFAULT_NAN 0x7e00u
#define FPCR_FZ16 (1u << 19)

static bool h_nan(uint64_t v) { return (v & H_EXP) == H_EXP && (v & H_FRAC); }
static bool h_snan(uint64_t v) { return h_nan(v) && !(v & H_QUIET); }
static bool h_zero(uint64_t v) { return !(v & 0x7fff); }
static bool h_inf(uint64_t v) { return (v & 0x7fff) == H_EXP; }

/* A non-NaN half as a double (exact). */
static double h_value(uint64_t v)
{
    unsigned e = (v >> 10) & 0x1f;
    double x = e == 31 ? INFINITY
               : e == 0 ? ldexp((double)(v & H_FRAC), -24)
                        : ldexp((double)((v & H_FRAC) | 0x400), (int)e - 25);
    return (v & H_SIGN) ? -x : x;
}

typedef struct HalfCtx {
    CPUARMState *env;
    uint32_t flags;
} HalfCtx;

static uint64_t h_flush_in(const HalfCtx *h, uint64_t v)
{
    v &= 0xffff;
    if ((h->env->fpcr & FPCR_FZ16) && !(v & H_EXP) && (v & H_FRAC)) {
        return v & H_SIGN;
    }
    return v;
}

static bool h_process_nans(HalfCtx *h, const uint64_t *ops, int n, uint64_t *out)
{
    int pick = -1;
    for (int i = 0; i < n && pick < 0; i++) {
        if (h_snan(ops[i])) {
            pick = i;
            h->flags |= FPSR_IOC;
        }
    }
    for (int i = 0; i < n && pick < 0; i++) {
        if (h_nan(ops[i])) {
            pick = i;
        }
    }
    if (pick < 0) {
        return false;
    }
    *out = (h->env->fpcr & FPCR_DN) ? H_DEFAULT_NAN : ops[pick] | H_QUIET;
    return true;
}

static uint64_t h_finish(HalfCtx *h, uint64_t r)
{
    h->env->fpsr |= h->flags;
    return r;
}

/* Round the double @d (already rounded to odd) to half in the FPCR mode. */
static uint64_t h_round(HalfCtx *h, double d)
{
    if (isnan(d)) {
        h->flags |= FPSR_IOC;          /* an invalid operation made it */
        return H_DEFAULT_NAN;
    }
    if ((h->env->fpcr & FPCR_FZ16) && d != 0 && fabs(d) < 0x1p-14) {
        h->flags |= FPSR_UFC;
        return signbit(d) ? H_SIGN : 0;
    }
    uint32_t saved = (uint32_t)h->env->fpsr;
    h->env->fpsr = 0;
    uint64_t r = arm_fp_convert_half(h->env, ARM_FT_D, ARM_FT_H, host_f64_bits(d));
    h->flags |= (uint32_t)h->env->fpsr;
    h->env->fpsr = saved;
    return r;
}

/* Host operation in double, rounded to odd; Invalid and Divide-by-zero
 * are kept, the rest comes from the final rounding. */
typedef enum { HH_ADD, HH_SUB, HH_MUL, HH_DIV, HH_SQRT, HH_FMA } HalfHostOp;

static double host_odd(HalfCtx *h, HalfHostOp op, double a, double b, double c)
{
    HostFpState s = host_fpu_begin(HOST_ROUND_TOWARD_ZERO);
    volatile double x = a, y = b, z = c, r;
    switch (op) {
    case HH_ADD: r = x + y; break;
    case HH_SUB: r = x - y; break;
    case HH_MUL: r = x * y; break;
    case HH_DIV: r = x / y; break;
    case HH_SQRT: r = sqrt(x); break;
    default: r = fma(x, y, z); break;
    }
    unsigned hf = host_fpu_flags();
    host_fpu_end(s);
    h->flags |= hf & (HOST_FPU_INVALID | HOST_FPU_DIVZERO);   /* FPSR IOC, DZC */
    double d = r;
    if ((hf & HOST_FPU_INEXACT) && !isinf(d) && !isnan(d)) {
        d = host_f64(host_f64_bits(d) | 1);
    }
    return d;
}

/* An exact zero sum of addends with signs @s1, @s2 (IEEE 754 6.3): their
 * sign when they agree, else -0 rounding towards minus infinity, +0
 * otherwise (the host, rounding towards zero, gives +0). */
static double zero_sign(const HalfCtx *h, double d, bool s1, bool s2)
{
    if (d != 0) {
        return d;
    }
    bool neg = s1 == s2 ? s1 : ((h->env->fpcr >> FPCR_RMODE_SHIFT) & 3) == ARM_RM_RM;
    return neg ? -0.0 : 0.0;
}

static bool h_less(uint64_t a, uint64_t b)
{
    if (h_zero(a) && h_zero(b)) {
        return (a & H_SIGN) && !(b & H_SIGN);
    }
    return h_value(a) < h_value(b);
}

uint64_t arm_fp16_op2(CPUARMState *env, ARMFpOp2 op, uint64_t a, uint64_t b)
{
    HalfCtx h = { .env = env };
    uint64_t r;
    a = h_flush_in(&h, a);
    b = h_flush_in(&h, b);
    if (op >= ARM_FOP_MAX && op <= ARM_FOP_MINNM) {
        if (op == ARM_FOP_MAXNM || op == ARM_FOP_MINNM) {
            bool qa = h_nan(a) && !h_snan(a), qb = h_nan(b) && !h_snan(b);
            if (qa && !h_nan(b)) {
                a = b;
            } else if (qb && !h_nan(a)) {
                b = a;
            }
        }
        uint64_t ops[2] = { a, b };
        if (h_process_nans(&h, ops, 2, &r)) {
            return h_finish(&h, r);
        }
        bool max = op == ARM_FOP_MAX || op == ARM_FOP_MAXNM;
        return h_finish(&h, h_less(a, b) == max ? b : a);
    }
    uint64_t ops[2] = { a, b };
    if (h_process_nans(&h, ops, 2, &r)) {
        /* FNMUL negates whatever FMUL gives, a NaN too. */
        return h_finish(&h, op == ARM_FOP_NMUL ? r ^ H_SIGN : r);
    }
    static const HalfHostOp host[] = {
        [ARM_FOP_MUL] = HH_MUL, [ARM_FOP_DIV] = HH_DIV, [ARM_FOP_ADD] = HH_ADD,
        [ARM_FOP_SUB] = HH_SUB, [ARM_FOP_NMUL] = HH_MUL,
    };
    double d = host_odd(&h, host[op], h_value(a), h_value(b), 0);
    if (op == ARM_FOP_ADD || op == ARM_FOP_SUB) {
        d = zero_sign(&h, d, (a & H_SIGN) != 0, ((b ^ (op == ARM_FOP_SUB ? H_SIGN : 0)) & H_SIGN) != 0);
    }
    r = h_round(&h, d);
    if (op == ARM_FOP_NMUL) {
        r ^= H_SIGN;
    }
    return h_finish(&h, r);
}

uint64_t arm_fp16_sqrt(CPUARMState *env, uint64_t a)
{
    HalfCtx h = { .env = env };
    uint64_t r;
    a = h_flush_in(&h, a);
    if (h_process_nans(&h, &a, 1, &r)) {
        return h_finish(&h, r);
    }
    if (h_zero(a)) {
        return h_finish(&h, a);          /* sqrt(-0) = -0 */
    }
    return h_finish(&h, h_round(&h, host_odd(&h, HH_SQRT, h_value(a), 0, 0)));
}

uint64_t arm_fp16_fma(CPUARMState *env, uint64_t a, uint64_t n, uint64_t m, bool neg_acc,
                      bool neg_prod)
{
    HalfCtx h = { .env = env };
    uint64_t r;
    if (neg_acc) {
        a ^= H_SIGN;
    }
    if (neg_prod) {
        n ^= H_SIGN;
    }
    a = h_flush_in(&h, a);
    n = h_flush_in(&h, n);
    m = h_flush_in(&h, m);
    bool inf_zero = (h_inf(n) && h_zero(m)) || (h_zero(n) && h_inf(m));
    if (h_nan(a) && !h_snan(a) && inf_zero) {
        h.flags |= FPSR_IOC;
        return h_finish(&h, H_DEFAULT_NAN);
    }
    uint64_t ops[3] = { a, n, m };
    if (h_process_nans(&h, ops, 3, &r)) {
        return h_finish(&h, r);
    }
    double d = host_odd(&h, HH_FMA, h_value(n), h_value(m), h_value(a));
    if (!isnan(d)) {
        d = zero_sign(&h, d, ((n ^ m) & H_SIGN) != 0, (a & H_SIGN) != 0);
    }
    return h_finish(&h, h_round(&h, d));
}

uint64_t arm_fp16_rint(CPUARMState *env, uint64_t a, unsigned rm, bool exact)
{
    HalfCtx h = { .env = env };
    uint64_t r;
    a = h_flush_in(&h, a);
    if (h_process_nans(&h, &a, 1, &r)) {
        return h_finish(&h, r);
    }
    if (h_inf(a) || h_zero(a)) {
        return h_finish(&h, a);
    }
    if (rm == ARM_RM_FPCR) {
        rm = (env->fpcr >> FPCR_RMODE_SHIFT) & 3;
    }
    double x = h_value(a), i;
    switch (rm) {
    case ARM_RM_RP: i = ceil(x); break;
    case ARM_RM_RM: i = floor(x); break;
    case ARM_RM_RZ: i = trunc(x); break;
    case ARM_RM_RA: i = round(x); break;
    default: i = x - remainder(x, 1.0); break;   /* to nearest, ties to even */
    }
    if (exact && i != x) {
        h.flags |= FPSR_IXC;
    }
    /* Integral values of half-precision magnitude are representable. */
    r = h_round(&h, i);
    if (i == 0) {
        r = a & H_SIGN;                /* keeps the sign of the operand */
    }
    return h_finish(&h, r);
}

uint32_t arm_fp16_compare(CPUARMState *env, uint64_t a, uint64_t b, bool signal)
{
    HalfCtx h = { .env = env };
    uint32_t nzcv;
    a = h_flush_in(&h, a);
    b = h_flush_in(&h, b);
    if (h_nan(a) || h_nan(b)) {
        if (signal || h_snan(a) || h_snan(b)) {
            h.flags |= FPSR_IOC;
        }
        nzcv = PSTATE_C | PSTATE_V;
    } else {
        double x = h_value(a), y = h_value(b);
        nzcv = x == y ? PSTATE_Z | PSTATE_C : x < y ? PSTATE_N : PSTATE_C;
    }
    env->fpsr |= h.flags;
    return nzcv;
}

uint64_t arm_fp16_to_int(CPUARMState *env, uint64_t a, unsigned rm, bool is_signed, bool is64,
                         unsigned fbits)
{
    HalfCtx h = { .env = env };
    a = h_flush_in(&h, a);
    if (h_nan(a)) {
        env->fpsr |= FPSR_IOC;
        return 0;
    }
    /* Every half is exact in double, never a double subnormal. */
    return arm_fp_to_int(env, ARM_FT_D, host_f64_bits(h_value(a)), rm, is_signed, is64, fbits);
}

uint64_t arm_fp16_from_int(CPUARMState *env, uint64_t v, bool is_signed, unsigned fbits)
{
    HalfCtx h = { .env = env };
    HostFpState s = host_fpu_begin(HOST_ROUND_TOWARD_ZERO);
    volatile double d = is_signed ? (double)(int64_t)v : (double)v;
    unsigned hf = host_fpu_flags();
    host_fpu_end(s);
    double x = d;
    if (hf & HOST_FPU_INEXACT) {
        x = host_f64(host_f64_bits(x) | 1);      /* round to odd */
    }
    return h_finish(&h, h_round(&h, ldexp(x, -(int)fbits)));
}

/* ---- the Advanced SIMD estimates and steps ----------------------------------------- */

uint64_t arm_fp16_mulx(CPUARMState *env, uint64_t a, uint64_t b)
{
    HalfCtx h = { .env = env };
    uint64_t r;
    a = h_flush_in(&h, a);
    b = h_flush_in(&h, b);
    uint64_t ops[2] = { a, b };
    if (h_process_nans(&h, ops, 2, &r)) {
        return h_finish(&h, r);
    }
    if ((h_inf(a) && h_zero(b)) || (h_zero(a) && h_inf(b))) {
        return h_finish(&h, 0x4000 | ((a ^ b) & H_SIGN));        /* +-2.0 */
    }
    return h_finish(&h, h_round(&h, host_odd(&h, HH_MUL, h_value(a), h_value(b), 0)));
}

/* FRECPS: 2 - a*b; FRSQRTS: (3 - a*b) / 2; fused, one rounding. */
uint64_t arm_fp16_step(CPUARMState *env, uint64_t a, uint64_t b, bool rsqrt)
{
    HalfCtx h = { .env = env };
    uint64_t r;
    a = h_flush_in(&h, a ^ H_SIGN);
    b = h_flush_in(&h, b);
    uint64_t ops[2] = { a, b };
    if (h_process_nans(&h, ops, 2, &r)) {
        return h_finish(&h, r);
    }
    if ((h_inf(a) && h_zero(b)) || (h_zero(a) && h_inf(b))) {
        return h_finish(&h, rsqrt ? 0x3e00 : 0x4000);             /* 1.5, 2.0 */
    }
    if (h_inf(a) || h_inf(b)) {
        return h_finish(&h, H_EXP | ((a ^ b) & H_SIGN));
    }
    double d = host_odd(&h, HH_FMA, h_value(a), h_value(b), rsqrt ? 3.0 : 2.0);
    d = zero_sign(&h, d, ((a ^ b) & H_SIGN) != 0, false);
    if (rsqrt) {
        d *= 0.5;                      /* exact: keeps the sticky bit */
    }
    return h_finish(&h, h_round(&h, d));
}

uint64_t arm_fp16_recpe(CPUARMState *env, uint64_t a)
{
    HalfCtx h = { .env = env };
    uint64_t r, sign = a & H_SIGN;
    a = h_flush_in(&h, a);
    int exp = (int)((a >> 10) & 0x1f);
    uint64_t frac = (a & H_FRAC) << 42;               /* as 52 fraction bits */
    if (h_process_nans(&h, &a, 1, &r)) {
        return h_finish(&h, r);
    }
    if (h_inf(a)) {
        return h_finish(&h, sign);
    }
    if (h_zero(a)) {
        h.flags |= FPSR_DZC;
        return h_finish(&h, sign | H_EXP);
    }
    if (exp == 0 && frac < (1ull << 50)) {
        unsigned rm = (env->fpcr >> FPCR_RMODE_SHIFT) & 3;
        bool to_inf = rm == ARM_RM_RN || (rm == ARM_RM_RP && !sign) || (rm == ARM_RM_RM && sign);
        h.flags |= FPSR_OFC | FPSR_IXC;
        return h_finish(&h, sign | (to_inf ? H_EXP : H_EXP - 1));
    }
    if ((env->fpcr & FPCR_FZ16) && exp >= 29) {
        h.flags |= FPSR_UFC;
        return h_finish(&h, sign);
    }
    if (exp == 0) {
        if (!((frac >> 51) & 1)) {
            exp = -1;
            frac = (frac << 2) & ((1ull << 52) - 1);
        } else {
            frac = (frac << 1) & ((1ull << 52) - 1);
        }
    }
    unsigned est = arm_recip_estimate(256 | (unsigned)(frac >> 44));
    int rexp = 29 - exp;
    uint64_t rf = (uint64_t)(est & 0xff) << 44;
    if (rexp == 0) {
        rf = (1ull << 51) | (rf >> 1);
    } else if (rexp == -1) {
        rf = (1ull << 50) | (rf >> 2);
        rexp = 0;
    }
    return h_finish(&h, sign | (uint64_t)rexp << 10 | (rf >> 42));
}

uint64_t arm_fp16_rsqrte(CPUARMState *env, uint64_t a)
{
    HalfCtx h = { .env = env };
    uint64_t r, sign = a & H_SIGN;
    a = h_flush_in(&h, a);
    int exp = (int)((a >> 10) & 0x1f);
    uint64_t frac = (a & H_FRAC) << 42;
    if (h_process_nans(&h, &a, 1, &r)) {
        return h_finish(&h, r);
    }
    if (h_zero(a)) {
        h.flags |= FPSR_DZC;
        return h_finish(&h, sign | H_EXP);
    }
    if (sign) {
        h.flags |= FPSR_IOC;
        return h_finish(&h, H_DEFAULT_NAN);
    }
    if (h_inf(a)) {
        return h_finish(&h, 0);
    }
    if (exp == 0) {
        while (!((frac >> 51) & 1)) {
            frac = (frac << 1) & ((1ull << 52) - 1);
            exp--;
        }
        frac = (frac << 1) & ((1ull << 52) - 1);
    }
    unsigned scaled = (exp & 1) == 0 ? 256 | (unsigned)(frac >> 44) : 128 | (unsigned)(frac >> 45);
    int rexp = (44 - exp) / 2;
    unsigned est = arm_rsqrt_estimate(scaled);
    return h_finish(&h, (uint64_t)rexp << 10 | ((uint64_t)(est & 0xff) << 2));
}

uint64_t arm_fp16_recpx(CPUARMState *env, uint64_t a)
{
    HalfCtx h = { .env = env };
    uint64_t r;
    a = h_flush_in(&h, a);
    if (h_process_nans(&h, &a, 1, &r)) {
        return h_finish(&h, r);
    }
    uint64_t e = (a >> 10) & 0x1f;
    return h_finish(&h, (a & H_SIGN) | ((e ? ~e & 0x1f : 0x1e) << 10));
}
