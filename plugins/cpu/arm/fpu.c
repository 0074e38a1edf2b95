/* SPDX-License-Identifier: MIT */
/*
 * A64 floating point on the host's IEEE 754 unit (the host-FPU contract of
 * plugins/include/fpu/host-fpu.h): the rounding mode is installed around
 * each operation and the raised exceptions are read back into FPSR.  The Arm rules the host does not follow are applied here:
 *  - NaN operands: the first signalling NaN (quietened, with Invalid
 *    Operation), else the first quiet NaN, in operand order; with FPCR.DN
 *    the default NaN instead; FMADD and friends raise Invalid for inf*0
 *    even with a quiet NaN addend;
 *  - FPCR.FZ flushes subnormal inputs (IDC) and outputs (UFC) to zero;
 *  - min/max (with the NaN-ignoring NM forms), comparisons and conversions
 *    to integer (saturating, Invalid on overflow or NaN) are software.
 *  - tininess is detected before rounding (the host does it after): a
 *    result that rounded to the smallest normal magnitude is recomputed
 *    towards zero, which is tiny exactly when the unrounded value was.
 * Volatile temporaries keep the arithmetic between host_fpu_begin/_end.
 * The common case skips all of that (fpu-fast.c).
 */
#include <math.h>

#include "fpu/host-fpu.h"

#include "plugins/cpu/arm/fpu.h"

#define S_SIGN 0x80000000u
#define S_EXP 0x7f800000u
#define S_FRAC 0x007fffffu
#define S_QUIET 0x00400000u
#define S_DEFAULT_NAN 0x7fc00000u
#define D_SIGN 0x8000000000000000ull
#define D_EXP 0x7ff0000000000000ull
#define D_FRAC 0x000fffffffffffffull
#define D_QUIET 0x0008000000000000ull
#define D_DEFAULT_NAN 0x7ff8000000000000ull

/* ---- classification ---------------------------------------------------------- */

static bool is_nan(unsigned ft, uint64_t v)
{
    return ft == ARM_FT_D ? (v & D_EXP) == D_EXP && (v & D_FRAC)
                          : (v & S_EXP) == S_EXP && (v & S_FRAC);
}

static bool is_snan(unsigned ft, uint64_t v)
{
    return is_nan(ft, v) && !(v & (ft == ARM_FT_D ? D_QUIET : S_QUIET));
}

static bool is_denormal(unsigned ft, uint64_t v)
{
    return ft == ARM_FT_D ? !(v & D_EXP) && (v & D_FRAC) : !(v & S_EXP) && (v & S_FRAC);
}

static bool is_zero(unsigned ft, uint64_t v)
{
    return !(v & (ft == ARM_FT_D ? ~D_SIGN : (uint64_t)~S_SIGN & 0xffffffffu));
}

static bool is_inf(unsigned ft, uint64_t v)
{
    return ft == ARM_FT_D ? (v & ~D_SIGN) == D_EXP : (v & ~(uint64_t)S_SIGN) == S_EXP;
}

static uint64_t sign_bit(unsigned ft)
{
    return ft == ARM_FT_D ? D_SIGN : S_SIGN;
}

static uint64_t default_nan(unsigned ft)
{
    return ft == ARM_FT_D ? D_DEFAULT_NAN : S_DEFAULT_NAN;
}

static uint64_t quiet(unsigned ft, uint64_t v)
{
    return v | (ft == ARM_FT_D ? D_QUIET : S_QUIET);
}

/* ---- environment ---------------------------------------------------------------- */

typedef struct FpEnv {
    CPUARMState *env;
    HostFpState saved;
    uint32_t flags;          /* FPSR bits raised in software (or taken from the host) */
} FpEnv;

static unsigned fpcr_rmode(const CPUARMState *env)
{
    return (env->fpcr >> FPCR_RMODE_SHIFT) & 3;
}

static HostRound host_rm(unsigned rm)
{
    switch (rm) {
    case ARM_RM_RP: return HOST_ROUND_UP;
    case ARM_RM_RM: return HOST_ROUND_DOWN;
    case ARM_RM_RZ: return HOST_ROUND_TOWARD_ZERO;
    default: return HOST_ROUND_NEAREST_EVEN;
    }
}

static void fp_begin(FpEnv *f, CPUARMState *env, unsigned rm)
{
    f->env = env;
    f->flags = 0;
    f->saved = host_fpu_begin(host_rm(rm == ARM_RM_FPCR ? fpcr_rmode(env) : rm));
}

/* Accrue the host's flags (unless @host is false) and ours. */
static void fp_end(FpEnv *f, bool host)
{
    uint32_t bits = f->flags;
    if (host) {
        bits |= host_fpu_flags();        /* HOST_FPU_* are FPSR bits 0-4 */
    }
    host_fpu_end(f->saved);
    f->env->fpsr |= bits;
}

/* FPCR.FZ on an input: subnormals become zero of the same sign (IDC). */
static uint64_t flush_in(FpEnv *f, unsigned ft, uint64_t v)
{
    if ((f->env->fpcr & FPCR_FZ) && is_denormal(ft, v)) {
        f->flags |= FPSR_IDC;
        return v & sign_bit(ft);
    }
    return v;
}

/* NaN operands of a two-operand operation: true with *out set when one is
 * a NaN (Arm's FPProcessNaNs). */
static bool process_nans(FpEnv *f, unsigned ft, const uint64_t *ops, int n, uint64_t *out)
{
    int pick = -1;
    for (int i = 0; i < n && pick < 0; i++) {
        if (is_snan(ft, ops[i])) {
            pick = i;
            f->flags |= FPSR_IOC;
        }
    }
    for (int i = 0; i < n && pick < 0; i++) {
        if (is_nan(ft, ops[i])) {
            pick = i;
        }
    }
    if (pick < 0) {
        return false;
    }
    *out = (f->env->fpcr & FPCR_DN) ? default_nan(ft) : quiet(ft, ops[pick]);
    return true;
}

/* An operation the host computes (for the tininess recomputation). */
typedef struct HostOp {
    enum { HOP_OP2, HOP_FMA, HOP_CVT_DS } kind;
    ARMFpOp2 op;
    unsigned ft;
    uint64_t a, b, c;
} HostOp;

static uint64_t host_op2(ARMFpOp2 op, unsigned ft, uint64_t a, uint64_t b);

static uint64_t host_compute(const HostOp *h)
{
    switch (h->kind) {
    case HOP_OP2:
        return host_op2(h->op, h->ft, h->a, h->b);
    case HOP_FMA:
        if (h->ft == ARM_FT_D) {
            volatile double x = host_f64(h->b), y = host_f64(h->c), z = host_f64(h->a), w = fma(x, y, z);
            return host_f64_bits(w);
        } else {
            volatile float x = host_f32((uint32_t)h->b), y = host_f32((uint32_t)h->c), z = host_f32((uint32_t)h->a), w = fmaf(x, y, z);
            return host_f32_bits(w);
        }
    default: {
        volatile double x = host_f64(h->a);
        volatile float y = (float)x;
        return host_f32_bits(y);
    }
    }
}

static bool is_min_normal(unsigned ft, uint64_t v)
{
    return ft == ARM_FT_D ? (v & ~D_SIGN) == 0x0010000000000000ull
                          : (v & ~(uint64_t)S_SIGN) == 0x00800000u;
}

/*
 * Compute @h on the host and post-process: a NaN becomes the default NaN,
 * tininess is decided before rounding, FZ flushes tiny results (UFC, no
 * IXC).  Host flags are accrued by fp_end.
 */
static uint64_t compute(FpEnv *f, const HostOp *h, unsigned ft)
{
    uint64_t r = host_compute(h);
    unsigned hf = host_fpu_flags();
    if (is_nan(ft, r)) {
        return default_nan(ft);
    }
    /* Tiny after rounding (the host's Underflow, or a subnormal) is also
     * tiny before rounding. */
    bool tiny = is_denormal(ft, r) || (hf & HOST_FPU_UNDERFLOW);
    if (is_min_normal(ft, r) && (hf & HOST_FPU_INEXACT)) {
        /* Keep this operation's flags, recompute towards zero, drop that
         * computation's flags. */
        f->flags |= hf;
        HostFpState rz = host_fpu_begin(HOST_ROUND_TOWARD_ZERO);
        uint64_t t = host_compute(h);
        host_fpu_end(rz);
        host_fpu_clear_flags();
        if (is_denormal(ft, t) || is_zero(ft, t)) {
            tiny = true;
            f->flags |= FPSR_UFC;
        }
    }
    if (tiny && (f->env->fpcr & FPCR_FZ)) {
        f->flags |= host_fpu_flags();
        host_fpu_clear_flags();
        f->flags = (f->flags & ~(uint32_t)(FPSR_IXC | FPSR_UFC)) | FPSR_UFC;
        r &= sign_bit(ft);
    }
    return r;
}

/* ---- arithmetic ------------------------------------------------------------------- */

static uint64_t host_op2(ARMFpOp2 op, unsigned ft, uint64_t a, uint64_t b)
{
    if (ft == ARM_FT_D) {
        volatile double x = host_f64(a), y = host_f64(b), r;
        switch (op) {
        case ARM_FOP_MUL: case ARM_FOP_NMUL: r = x * y; break;
        case ARM_FOP_DIV: r = x / y; break;
        case ARM_FOP_ADD: r = x + y; break;
        default: r = x - y; break;
        }
        return host_f64_bits(r);
    }
    volatile float x = host_f32((uint32_t)a), y = host_f32((uint32_t)b), r;
    switch (op) {
    case ARM_FOP_MUL: case ARM_FOP_NMUL: r = x * y; break;
    case ARM_FOP_DIV: r = x / y; break;
    case ARM_FOP_ADD: r = x + y; break;
    default: r = x - y; break;
    }
    return host_f32_bits(r);
}

/* a < b on non-NaN values (exact, with -0 < +0 for min/max). */
static bool less(unsigned ft, uint64_t a, uint64_t b)
{
    if (is_zero(ft, a) && is_zero(ft, b)) {
        return (a & sign_bit(ft)) && !(b & sign_bit(ft));
    }
    return ft == ARM_FT_D ? host_f64(a) < host_f64(b) : host_f32((uint32_t)a) < host_f32((uint32_t)b);
}

static uint64_t minmax(FpEnv *f, ARMFpOp2 op, unsigned ft, uint64_t a, uint64_t b)
{
    bool nm = op == ARM_FOP_MAXNM || op == ARM_FOP_MINNM;
    if (nm) {
        /* One quiet NaN and a number: the number. */
        bool qa = is_nan(ft, a) && !is_snan(ft, a), qb = is_nan(ft, b) && !is_snan(ft, b);
        if (qa && !is_nan(ft, b)) {
            a = b;
        } else if (qb && !is_nan(ft, a)) {
            b = a;
        }
    }
    uint64_t ops[2] = { a, b }, r;
    if (process_nans(f, ft, ops, 2, &r)) {
        return r;
    }
    bool max = op == ARM_FOP_MAX || op == ARM_FOP_MAXNM;
    return (less(ft, a, b) == max) ? b : a;
}

uint64_t arm_fp_op2_exact(CPUARMState *env, ARMFpOp2 op, unsigned ft, uint64_t a, uint64_t b)
{
    FpEnv f;
    uint64_t r;
    fp_begin(&f, env, ARM_RM_FPCR);
    a = flush_in(&f, ft, a);
    b = flush_in(&f, ft, b);
    if (op >= ARM_FOP_MAX && op <= ARM_FOP_MINNM) {
        r = minmax(&f, op, ft, a, b);
        fp_end(&f, false);
        return r;
    }
    uint64_t ops[2] = { a, b };
    if (process_nans(&f, ft, ops, 2, &r)) {
        fp_end(&f, false);
    } else {
        HostOp h = { .kind = HOP_OP2, .op = op, .ft = ft, .a = a, .b = b };
        r = compute(&f, &h, ft);
        fp_end(&f, true);
    }
    if (op == ARM_FOP_NMUL) {
        r ^= sign_bit(ft);
    }
    return r;
}

uint64_t arm_fp_sqrt_exact(CPUARMState *env, unsigned ft, uint64_t a)
{
    FpEnv f;
    uint64_t r;
    fp_begin(&f, env, ARM_RM_FPCR);
    a = flush_in(&f, ft, a);
    if (process_nans(&f, ft, &a, 1, &r)) {
        fp_end(&f, false);
        return r;
    }
    if (ft == ARM_FT_D) {
        volatile double x = host_f64(a), y = sqrt(x);
        r = host_f64_bits(y);
    } else {
        volatile float x = host_f32((uint32_t)a), y = sqrtf(x);
        r = host_f32_bits(y);
    }
    if (is_nan(ft, r)) {
        r = default_nan(ft);
    }
    fp_end(&f, true);
    return r;
}

uint64_t arm_fp_fma_exact(CPUARMState *env, unsigned ft, uint64_t a, uint64_t n, uint64_t m,
                          bool neg_acc, bool neg_prod)
{
    FpEnv f;
    uint64_t r;
    if (neg_acc) {
        a ^= sign_bit(ft);
    }
    if (neg_prod) {
        n ^= sign_bit(ft);
    }
    fp_begin(&f, env, ARM_RM_FPCR);
    a = flush_in(&f, ft, a);
    n = flush_in(&f, ft, n);
    m = flush_in(&f, ft, m);
    bool inf_zero = (is_inf(ft, n) && is_zero(ft, m)) || (is_zero(ft, n) && is_inf(ft, m));
    if (is_nan(ft, a) && !is_snan(ft, a) && inf_zero) {
        f.flags |= FPSR_IOC;
        fp_end(&f, false);
        return default_nan(ft);
    }
    uint64_t ops[3] = { a, n, m };
    if (process_nans(&f, ft, ops, 3, &r)) {
        fp_end(&f, false);
        return r;
    }
    HostOp h = { .kind = HOP_FMA, .ft = ft, .a = a, .b = n, .c = m };
    r = compute(&f, &h, ft);
    fp_end(&f, true);
    return r;
}

uint64_t arm_fp_rint(CPUARMState *env, unsigned ft, uint64_t a, unsigned rm, bool exact)
{
    if (ft == ARM_FT_H) {
        return arm_fp16_rint(env, a, rm, exact);
    }
    FpEnv f;
    uint64_t r;
    fp_begin(&f, env, rm);
    a = flush_in(&f, ft, a);
    if (process_nans(&f, ft, &a, 1, &r)) {
        fp_end(&f, false);
        return r;
    }
    if (ft == ARM_FT_D) {
        volatile double x = host_f64(a), y = rm == ARM_RM_RA ? round(x) : nearbyint(x);
        r = host_f64_bits(y);
        if (exact && y != x) {
            f.flags |= FPSR_IXC;
        }
    } else {
        volatile float x = host_f32((uint32_t)a), y = rm == ARM_RM_RA ? roundf(x) : nearbyintf(x);
        r = host_f32_bits(y);
        if (exact && y != x) {
            f.flags |= FPSR_IXC;
        }
    }
    fp_end(&f, false);
    return r;
}

uint32_t arm_fp_compare(CPUARMState *env, unsigned ft, uint64_t a, uint64_t b, bool signal)
{
    if (ft == ARM_FT_H) {
        return arm_fp16_compare(env, a, b, signal);
    }
    FpEnv f;
    uint32_t nzcv;
    fp_begin(&f, env, ARM_RM_FPCR);
    a = flush_in(&f, ft, a);
    b = flush_in(&f, ft, b);
    if (is_nan(ft, a) || is_nan(ft, b)) {
        if (signal || is_snan(ft, a) || is_snan(ft, b)) {
            f.flags |= FPSR_IOC;
        }
        nzcv = PSTATE_C | PSTATE_V;
    } else {
        double x = ft == ARM_FT_D ? host_f64(a) : host_f32((uint32_t)a), y = ft == ARM_FT_D ? host_f64(b) : host_f32((uint32_t)b);
        nzcv = x == y ? PSTATE_Z | PSTATE_C : x < y ? PSTATE_N : PSTATE_C;
    }
    fp_end(&f, false);
    return nzcv;
}

/* ---- conversions ------------------------------------------------------------------- */

uint64_t arm_fp_convert(CPUARMState *env, unsigned from, unsigned to, uint64_t a)
{
    FpEnv f;
    uint64_t r;
    fp_begin(&f, env, ARM_RM_FPCR);
    a = flush_in(&f, from, a);
    if (is_nan(from, a)) {
        if (is_snan(from, a)) {
            f.flags |= FPSR_IOC;
        }
        if (env->fpcr & FPCR_DN) {
            r = default_nan(to);
        } else if (from == ARM_FT_D) {
            /* Sign, quiet bit and the top 22 payload bits. */
            r = ((a >> 32) & S_SIGN) | S_EXP | S_QUIET | ((a >> 29) & S_FRAC);
        } else {
            r = ((a & S_SIGN) << 32) | D_EXP | D_QUIET | ((a & S_FRAC) << 29);
        }
        fp_end(&f, false);
        return r;
    }
    if (to == ARM_FT_S) {
        HostOp h = { .kind = HOP_CVT_DS, .ft = ARM_FT_S, .a = a };
        r = compute(&f, &h, ARM_FT_S);
    } else {
        volatile float x = host_f32((uint32_t)a);
        volatile double y = x;
        r = host_f64_bits(y);
    }
    fp_end(&f, true);
    return r;
}

uint64_t arm_fp_to_int(CPUARMState *env, unsigned ft, uint64_t a, unsigned rm, bool is_signed,
                       bool is64, unsigned fbits)
{
    if (ft == ARM_FT_H) {
        return arm_fp16_to_int(env, a, rm, is_signed, is64, fbits);
    }
    FpEnv f;
    uint64_t r;
    fp_begin(&f, env, rm);
    a = flush_in(&f, ft, a);
    if (is_nan(ft, a)) {
        f.flags |= FPSR_IOC;
        fp_end(&f, false);
        return 0;
    }
    /* Scaling by 2^fbits (<= 64) is exact in double, overflow aside,
     * which saturates below as the unscaled value would. */
    volatile double x = ldexp(ft == ARM_FT_D ? host_f64(a) : (double)host_f32((uint32_t)a), (int)fbits);
    volatile double i = rm == ARM_RM_RA ? round(x) : nearbyint(x);
    /* Valid results: [low, limit). */
    double limit = is_signed ? (is64 ? 0x1p63 : 0x1p31) : (is64 ? 0x1p64 : 0x1p32);
    double low = is_signed ? -limit : 0.0;
    if (i < low) {
        f.flags |= FPSR_IOC;
        r = is_signed ? (is64 ? (uint64_t)INT64_MIN : (uint64_t)(uint32_t)INT32_MIN) : 0;
    } else if (i >= limit) {
        f.flags |= FPSR_IOC;
        r = is_signed ? (is64 ? (uint64_t)INT64_MAX : (uint64_t)INT32_MAX)
                      : (is64 ? UINT64_MAX : UINT32_MAX);
    } else {
        if (i != x) {
            f.flags |= FPSR_IXC;
        }
        r = is_signed ? (uint64_t)(int64_t)i : (uint64_t)i;
        if (!is64) {
            r &= 0xffffffffu;
        }
    }
    fp_end(&f, false);
    return r;
}

uint64_t arm_fp_from_int(CPUARMState *env, unsigned ft, uint64_t v, bool is_signed,
                         unsigned fbits)
{
    if (ft == ARM_FT_H) {
        return arm_fp16_from_int(env, v, is_signed, fbits);
    }
    FpEnv f;
    uint64_t r;
    fp_begin(&f, env, ARM_RM_FPCR);
    /* One rounding: the conversion; dividing by 2^fbits (<= 64) after it
     * is exact (no result gets near the subnormal range). */
    if (ft == ARM_FT_D) {
        volatile double d = is_signed ? (double)(int64_t)v : (double)v;
        d = ldexp(d, -(int)fbits);
        r = host_f64_bits(d);
    } else {
        volatile float s = is_signed ? (float)(int64_t)v : (float)v;
        s = ldexpf(s, -(int)fbits);
        r = host_f32_bits(s);
    }
    fp_end(&f, true);
    return r;
}

/* ---- half precision (IEEE, FPCR.AHP not supported) ----------------------------------- */

#define H_SIGN 0x8000u
#define H_QUIET 0x0200u

/* Shift @m right by @drop bits rounding in @rm; *inexact when bits were lost. */
static uint64_t round_shift(uint64_t m, unsigned drop, unsigned rm, bool sign, bool *inexact)
{
    if (drop == 0) {
        *inexact = false;
        return m;
    }
    uint64_t q = drop >= 64 ? 0 : m >> drop;
    uint64_t rem = drop >= 64 ? m : m & ((1ull << drop) - 1);
    *inexact = rem != 0;
    if (!rem) {
        return q;
    }
    bool up;
    switch (rm) {
    case ARM_RM_RP: up = !sign; break;
    case ARM_RM_RM: up = sign; break;
    case ARM_RM_RZ: up = false; break;
    default: {
        /* Nearest, ties to even: compare rem with half an ulp. */
        if (drop > 64) {
            up = false;
        } else {
            uint64_t half = 1ull << (drop - 1);
            up = rem > half || (rem == half && (q & 1));
        }
        break;
    }
    }
    return q + (up ? 1 : 0);
}

/* Single or double (as a double, exact) to half, rounding per FPCR. */
static uint64_t to_half(FpEnv *f, unsigned from, uint64_t a)
{
    if (from == ARM_FT_S && is_nan(ARM_FT_S, a)) {
        /* Widen the NaN by hand: the host would quieten it. */
        a = ((a & S_SIGN) << 32) | D_EXP | ((a & S_FRAC) << 29);
        from = ARM_FT_D;
    }
    uint64_t d = from == ARM_FT_D ? a : host_f64_bits((double)host_f32((uint32_t)a));
    bool sign = d >> 63;
    unsigned rm = fpcr_rmode(f->env);
    int e = (int)((d >> 52) & 0x7ff);
    uint64_t frac = d & D_FRAC;
    uint64_t hs = sign ? H_SIGN : 0;
    if (e == 0x7ff) {
        if (!frac) {
            return hs | 0x7c00;
        }
        if (!(frac & D_QUIET)) {
            f->flags |= FPSR_IOC;
        }
        if (f->env->fpcr & FPCR_DN) {
            return 0x7e00;
        }
        return hs | 0x7c00 | H_QUIET | ((frac >> 42) & 0x3ff);
    }
    if (e == 0 && frac == 0) {
        return hs;
    }
    /* value = m * 2^(exp - 52) with m of 53 bits (normalised). */
    uint64_t m = e ? frac | (1ull << 52) : frac;
    int exp = e ? e - 1023 : -1022;
    while (!(m & (1ull << 52))) {
        m <<= 1;
        exp--;
    }
    bool tiny = exp < -14;
    unsigned drop = tiny ? (unsigned)(42 + (-14 - exp)) : 42;
    bool inexact;
    uint64_t q = round_shift(m, drop, rm, sign, &inexact);
    int hexp;
    if (tiny) {
        /* Subnormal (q < 2^10) or rounded up to the smallest normal. */
        hexp = q >= 0x400 ? 1 : 0;
        q &= 0x3ff;
    } else {
        if (q >= 0x800) {
            q >>= 1;
            exp++;
        }
        hexp = exp + 15;
        q &= 0x3ff;
    }
    if (hexp >= 31) {
        f->flags |= FPSR_OFC | FPSR_IXC;
        bool to_inf = rm == ARM_RM_RN || (rm == ARM_RM_RP && !sign) || (rm == ARM_RM_RM && sign);
        return hs | (to_inf ? 0x7c00 : 0x7bff);
    }
    if (inexact) {
        f->flags |= FPSR_IXC | (tiny ? FPSR_UFC : 0);
    }
    return hs | (uint64_t)hexp << 10 | q;
}

/* Half to single or double: exact. */
static uint64_t from_half(FpEnv *f, unsigned to, uint64_t a)
{
    bool sign = (a >> 15) & 1;
    unsigned e = (a >> 10) & 0x1f;
    uint64_t frac = a & 0x3ff;
    if (e == 31 && frac) {
        if (!(frac & H_QUIET)) {
            f->flags |= FPSR_IOC;
        }
        if (f->env->fpcr & FPCR_DN) {
            return default_nan(to);
        }
        return to == ARM_FT_D ? (uint64_t)sign << 63 | D_EXP | D_QUIET | frac << 42
                              : (uint64_t)sign << 31 | S_EXP | S_QUIET | frac << 13;
    }
    double v;
    if (e == 31) {
        v = INFINITY;
    } else if (e == 0) {
        v = ldexp((double)frac, -24);
    } else {
        v = ldexp((double)(frac | 0x400), (int)e - 25);
    }
    if (sign) {
        v = -v;
    }
    return to == ARM_FT_D ? host_f64_bits(v) : host_f32_bits((float)v);
}

uint64_t arm_fp_convert_half(CPUARMState *env, unsigned from, unsigned to, uint64_t a)
{
    FpEnv f;
    uint64_t r;
    fp_begin(&f, env, ARM_RM_FPCR);
    if (to == ARM_FT_H) {
        r = to_half(&f, from, flush_in(&f, from, a));
    } else {
        r = from_half(&f, to, a);
    }
    fp_end(&f, false);
    return r;
}

/* ---- Advanced SIMD and v8.x additions --------------------------------------------------- */

static uint64_t exp_shift(unsigned ft)
{
    return ft == ARM_FT_D ? 52 : 23;
}

uint64_t arm_fp_mulx(CPUARMState *env, unsigned ft, uint64_t a, uint64_t b)
{
    if (ft == ARM_FT_H) {
        return arm_fp16_mulx(env, a, b);
    }
    FpEnv f;
    uint64_t r;
    fp_begin(&f, env, ARM_RM_FPCR);
    a = flush_in(&f, ft, a);
    b = flush_in(&f, ft, b);
    uint64_t ops[2] = { a, b };
    if (process_nans(&f, ft, ops, 2, &r)) {
        fp_end(&f, false);
        return r;
    }
    if ((is_inf(ft, a) && is_zero(ft, b)) || (is_zero(ft, a) && is_inf(ft, b))) {
        fp_end(&f, false);
        uint64_t two = ft == ARM_FT_D ? 0x4000000000000000ull : 0x40000000u;
        return two | ((a ^ b) & sign_bit(ft));
    }
    HostOp h = { .kind = HOP_OP2, .op = ARM_FOP_MUL, .ft = ft, .a = a, .b = b };
    r = compute(&f, &h, ft);
    fp_end(&f, true);
    return r;
}

uint64_t arm_fp_step(CPUARMState *env, unsigned ft, uint64_t a, uint64_t b, bool rsqrt)
{
    if (ft == ARM_FT_H) {
        return arm_fp16_step(env, a, b, rsqrt);
    }
    FpEnv f;
    uint64_t r;
    a ^= sign_bit(ft);
    fp_begin(&f, env, ARM_RM_FPCR);
    a = flush_in(&f, ft, a);
    b = flush_in(&f, ft, b);
    uint64_t ops[2] = { a, b };
    if (process_nans(&f, ft, ops, 2, &r)) {
        fp_end(&f, false);
        return r;
    }
    bool d = ft == ARM_FT_D;
    if ((is_inf(ft, a) && is_zero(ft, b)) || (is_zero(ft, a) && is_inf(ft, b))) {
        fp_end(&f, false);
        if (rsqrt) {
            return d ? 0x3ff8000000000000ull : 0x3fc00000u;
        }
        return d ? 0x4000000000000000ull : 0x40000000u;
    }
    if (is_inf(ft, a) || is_inf(ft, b)) {
        fp_end(&f, false);
        return (d ? D_EXP : S_EXP) | ((a ^ b) & sign_bit(ft));
    }
    uint64_t c = rsqrt ? (d ? 0x4008000000000000ull : 0x40400000u)
                       : (d ? 0x4000000000000000ull : 0x40000000u);
    if (rsqrt) {
        /* (3 + a*b) / 2 with one rounding: halve an operand whose halving
         * is exact (exponent field >= 2), else halve the (then small)
         * result. */
        unsigned sh = d ? 52 : 23;
        uint64_t emask = d ? 0x7ff : 0xff, one = 1ull << sh;
        c = d ? 0x3ff8000000000000ull : 0x3fc00000u;
        if (((a >> sh) & emask) >= 2) {
            a -= one;
        } else if (((b >> sh) & emask) >= 2) {
            b -= one;
        } else {
            HostOp h = { .kind = HOP_FMA, .ft = ft, .a = c + one, .b = a, .c = b };
            r = compute(&f, &h, ft);
            HostOp half = { .kind = HOP_OP2, .op = ARM_FOP_MUL, .ft = ft, .a = r,
                            .b = d ? 0x3fe0000000000000ull : 0x3f000000u };
            r = compute(&f, &half, ft);
            fp_end(&f, true);
            return r;
        }
    }
    HostOp h = { .kind = HOP_FMA, .ft = ft, .a = c, .b = a, .c = b };
    r = compute(&f, &h, ft);
    fp_end(&f, true);
    return r;
}

unsigned arm_recip_estimate(unsigned a)
{
    a = a * 2 + 1;
    unsigned b = (1u << 19) / a;
    return (b + 1) / 2;
}

unsigned arm_rsqrt_estimate(unsigned a)
{
    if (a < 256) {
        a = a * 2 + 1;
    } else {
        a = (a >> 1) << 1;
        a = (a + 1) * 2;
    }
    uint64_t b = 512;
    while ((uint64_t)a * (b + 1) * (b + 1) < (1ull << 28)) {
        b++;
    }
    return (unsigned)((b + 1) / 2);
}

/* The fraction as 52 bits and the biased exponent. */
static void unpack52(unsigned ft, uint64_t a, uint64_t *frac, int *exp)
{
    if (ft == ARM_FT_D) {
        *frac = a & D_FRAC;
        *exp = (int)((a >> 52) & 0x7ff);
    } else {
        *frac = (a & S_FRAC) << 29;
        *exp = (int)((a >> 23) & 0xff);
    }
}

uint64_t arm_fp_recpe(CPUARMState *env, unsigned ft, uint64_t a)
{
    if (ft == ARM_FT_H) {
        return arm_fp16_recpe(env, a);
    }
    FpEnv f;
    uint64_t r, sign = a & sign_bit(ft);
    bool d = ft == ARM_FT_D;
    fp_begin(&f, env, ARM_RM_FPCR);
    a = flush_in(&f, ft, a);
    uint64_t frac;
    int exp;
    unpack52(ft, a, &frac, &exp);
    if (process_nans(&f, ft, &a, 1, &r)) {
        /* r set */
    } else if (is_inf(ft, a)) {
        r = sign;
    } else if (is_zero(ft, a)) {
        r = sign | (d ? D_EXP : S_EXP);
        f.flags |= FPSR_DZC;
    } else if (exp == 0 && frac < (1ull << 50)) {
        unsigned rm = fpcr_rmode(env);
        bool to_inf = rm == ARM_RM_RN || (rm == ARM_RM_RP && !sign) || (rm == ARM_RM_RM && sign);
        r = sign | (to_inf ? (d ? D_EXP : S_EXP) : (d ? D_EXP - 1 : S_EXP - 1));
        f.flags |= FPSR_OFC | FPSR_IXC;
    } else if ((env->fpcr & FPCR_FZ) && exp >= (d ? 2045 : 253)) {
        r = sign;
        f.flags |= FPSR_UFC;
    } else {
        if (exp == 0) {
            if (!((frac >> 51) & 1)) {
                exp = -1;
                frac = (frac << 2) & D_FRAC;
            } else {
                frac = (frac << 1) & D_FRAC;
            }
        }
        unsigned est = arm_recip_estimate(256 | (unsigned)(frac >> 44));
        int rexp = (d ? 2045 : 253) - exp;
        uint64_t rf = (uint64_t)(est & 0xff) << 44;
        if (rexp == 0) {
            rf = (1ull << 51) | (rf >> 1);
        } else if (rexp == -1) {
            rf = (1ull << 50) | (rf >> 2);
            rexp = 0;
        }
        r = sign | (uint64_t)rexp << exp_shift(ft) | (rf >> (52 - exp_shift(ft)));
    }
    fp_end(&f, false);
    return r;
}

uint64_t arm_fp_rsqrte(CPUARMState *env, unsigned ft, uint64_t a)
{
    if (ft == ARM_FT_H) {
        return arm_fp16_rsqrte(env, a);
    }
    FpEnv f;
    uint64_t r, sign = a & sign_bit(ft);
    bool d = ft == ARM_FT_D;
    fp_begin(&f, env, ARM_RM_FPCR);
    a = flush_in(&f, ft, a);
    uint64_t frac;
    int exp;
    unpack52(ft, a, &frac, &exp);
    if (process_nans(&f, ft, &a, 1, &r)) {
        /* r set */
    } else if (is_zero(ft, a)) {
        r = sign | (d ? D_EXP : S_EXP);
        f.flags |= FPSR_DZC;
    } else if (sign) {
        r = default_nan(ft);
        f.flags |= FPSR_IOC;
    } else if (is_inf(ft, a)) {
        r = 0;
    } else {
        if (exp == 0) {
            while (!((frac >> 51) & 1)) {
                frac = (frac << 1) & D_FRAC;
                exp--;
            }
            frac = (frac << 1) & D_FRAC;
        }
        unsigned scaled = (exp & 1) == 0 ? 256 | (unsigned)(frac >> 44)
                                         : 128 | (unsigned)(frac >> 45);
        int rexp = ((d ? 3068 : 380) - exp) / 2;
        unsigned est = arm_rsqrt_estimate(scaled);
        r = (uint64_t)rexp << exp_shift(ft) | ((uint64_t)(est & 0xff) << (exp_shift(ft) - 8));
    }
    fp_end(&f, false);
    return r;
}

uint64_t arm_fp_recpx(CPUARMState *env, unsigned ft, uint64_t a)
{
    if (ft == ARM_FT_H) {
        return arm_fp16_recpx(env, a);
    }
    FpEnv f;
    uint64_t r;
    fp_begin(&f, env, ARM_RM_FPCR);
    a = flush_in(&f, ft, a);
    if (!process_nans(&f, ft, &a, 1, &r)) {
        unsigned sh = (unsigned)exp_shift(ft);
        uint64_t emask = ft == ARM_FT_D ? 0x7ff : 0xff;
        uint64_t e = (a >> sh) & emask;
        r = (a & sign_bit(ft)) | ((e ? ~e & emask : emask - 1) << sh);
    }
    fp_end(&f, false);
    return r;
}

uint64_t arm_fp_cvt_odd(CPUARMState *env, uint64_t a)
{
    FpEnv f;
    uint64_t r;
    if (is_nan(ARM_FT_D, a)) {
        return arm_fp_convert(env, ARM_FT_D, ARM_FT_S, a);
    }
    fp_begin(&f, env, ARM_RM_RZ);
    a = flush_in(&f, ARM_FT_D, a);
    HostOp h = { .kind = HOP_CVT_DS, .ft = ARM_FT_S, .a = a };
    r = compute(&f, &h, ARM_FT_S);
    if (((f.flags | host_fpu_flags()) & HOST_FPU_INEXACT) && !is_inf(ARM_FT_S, r)) {
        r |= 1;
    }
    fp_end(&f, true);
    return r;
}

uint64_t arm_fp_rint_int(CPUARMState *env, unsigned ft, uint64_t a, unsigned rm, unsigned intbits)
{
    FpEnv f;
    uint64_t r;
    bool d = ft == ARM_FT_D;
    uint64_t minval = intbits == 32 ? (d ? 0xc1e0000000000000ull : 0xcf000000u)
                                    : (d ? 0xc3e0000000000000ull : 0xdf000000u);
    fp_begin(&f, env, rm);
    a = flush_in(&f, ft, a);
    if (is_nan(ft, a) || is_inf(ft, a)) {
        f.flags |= FPSR_IOC;
        fp_end(&f, false);
        return minval;
    }
    volatile double x = d ? host_f64(a) : (double)host_f32((uint32_t)a);
    volatile double y = rm == ARM_RM_RA ? round(x) : nearbyint(x);
    double lim = intbits == 32 ? 0x1p31 : 0x1p63;
    if (y >= lim || y < -lim) {
        f.flags |= FPSR_IOC;
        r = minval;
    } else {
        if (y != x) {
            f.flags |= FPSR_IXC;
        }
        r = d ? host_f64_bits(y) : host_f32_bits((float)y);
    }
    fp_end(&f, false);
    return r;
}

uint64_t arm_fp_jcvt(CPUARMState *env, uint64_t a, bool *z)
{
    FpEnv f;
    uint64_t r = 0;
    fp_begin(&f, env, ARM_RM_RZ);
    a = flush_in(&f, ARM_FT_D, a);
    *z = false;
    if (is_nan(ARM_FT_D, a) || is_inf(ARM_FT_D, a)) {
        f.flags |= FPSR_IOC;
    } else {
        double x = host_f64(a), t = trunc(x);
        double m = fmod(t, 0x1p32);
        r = (uint32_t)(int64_t)m;
        if (t >= 0x1p31 || t < -0x1p31) {
            f.flags |= FPSR_IOC;
        } else if (t != x) {
            f.flags |= FPSR_IXC;
        } else {
            *z = a != D_SIGN;
        }
    }
    fp_end(&f, false);
    return r;
}

/* ---- helpers called from translated code (translate-fp.c.inc) ----------------------------- */

uint64_t arm_helper_frint_int(CPUARMState *env, uint64_t desc, uint64_t a)
{
    return arm_fp_rint_int(env, desc & 0xff, a, (desc >> 8) & 0xff, (unsigned)(desc >> 16));
}

uint64_t arm_helper_fjcvtzs(CPUARMState *env, uint64_t a)
{
    bool z;
    uint64_t r = arm_fp_jcvt(env, a, &z);
    env->nf = 0;
    env->zf = z ? 0 : 1;
    env->cf = 0;
    env->vf = 0;
    return r;
}
