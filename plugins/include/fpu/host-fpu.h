/* SPDX-License-Identifier: MIT */
/*
 * The host's IEEE 754 unit as the CPU targets use it for guest floating
 * point: install a rounding mode with the exception flags clear, compute,
 * read back the flags raised, restore.  Plus the bit-level views of binary32
 * and binary64 values every target needs (casts, classification, quieting)
 * and the ties-to-away fix-up (RISC-V RMM, Arm FPRounding_TIEAWAY).
 *
 * Header-only on purpose: every function sits on the hot path of a guest
 * FP instruction, where a call across modules would cost more than the
 * operation.  Targets map the neutral HOST_FPU_* flags to their own.
 *
 * On x86-64 the rounding control and flags of SSE arithmetic live in
 * MXCSR, which is read and written directly (glibc's fesetround and
 * feclearexcept also rewrite the x87 environment, far dearer than an add);
 * host_fpu_end() restores the caller's MXCSR, so C code between helpers
 * always runs in round-to-nearest-even with DAZ/FTZ off.  Other hosts use
 * <fenv.h>.
 */
#ifndef TESSERA_FPU_HOST_FPU_H
#define TESSERA_FPU_HOST_FPU_H

#include <fenv.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef enum HostRound {
    HOST_ROUND_NEAREST_EVEN,
    HOST_ROUND_DOWN,
    HOST_ROUND_UP,
    HOST_ROUND_TOWARD_ZERO,
} HostRound;

/* Flags, in the IEEE order (also Arm's FPSR cumulative bits 0-4). */
enum {
    HOST_FPU_INVALID = 1 << 0,
    HOST_FPU_DIVZERO = 1 << 1,
    HOST_FPU_OVERFLOW = 1 << 2,
    HOST_FPU_UNDERFLOW = 1 << 3,
    HOST_FPU_INEXACT = 1 << 4,
};

#if defined(__x86_64__)
typedef uint32_t HostFpState;

static inline uint32_t host_fpu_mxcsr(void)
{
    uint32_t m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    return m;
}

static inline void host_fpu_set_mxcsr(uint32_t m)
{
    __asm__ volatile("ldmxcsr %0" : : "m"(m));
}

static inline HostFpState host_fpu_begin(HostRound r)
{
    /* MXCSR: flags in bits 0-5, DAZ bit 6, rounding control bits 13-14
     * (0 nearest, 1 down, 2 up, 3 toward zero: HostRound's order), FTZ 15. */
    uint32_t old = host_fpu_mxcsr();
    host_fpu_set_mxcsr((old & ~(0x3fu | 1u << 6 | 3u << 13 | 1u << 15)) | (uint32_t)r << 13);
    return old;
}

/* HOST_FPU_* raised since host_fpu_begin(): MXCSR IE, ZE, OE, UE, PE are
 * bits 0, 2, 3, 4, 5 (bit 1 is the denormal-operand flag, not IEEE). */
static inline unsigned host_fpu_flags(void)
{
    uint32_t m = host_fpu_mxcsr();
    return (m & 1u) | ((m >> 1) & 0x1eu);
}

/* Clear the flags without touching the rounding mode. */
static inline void host_fpu_clear_flags(void)
{
    host_fpu_set_mxcsr(host_fpu_mxcsr() & ~0x3fu);
}

static inline void host_fpu_end(HostFpState old)
{
    host_fpu_set_mxcsr(old);
}
#else
typedef int HostFpState;

static inline HostFpState host_fpu_begin(HostRound r)
{
    static const int mode[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    int old = fegetround();
    fesetround(mode[r]);
    feclearexcept(FE_ALL_EXCEPT);
    return old;
}

static inline unsigned host_fpu_flags(void)
{
    int e = fetestexcept(FE_ALL_EXCEPT);
    return (e & FE_INVALID ? HOST_FPU_INVALID : 0) | (e & FE_DIVBYZERO ? HOST_FPU_DIVZERO : 0) |
           (e & FE_OVERFLOW ? HOST_FPU_OVERFLOW : 0) |
           (e & FE_UNDERFLOW ? HOST_FPU_UNDERFLOW : 0) | (e & FE_INEXACT ? HOST_FPU_INEXACT : 0);
}

static inline void host_fpu_clear_flags(void)
{
    feclearexcept(FE_ALL_EXCEPT);
}

static inline void host_fpu_end(HostFpState old)
{
    fesetround(old);
}
#endif

/* ---- bit views ------------------------------------------------------------ */

#define HOST_F32_SIGN 0x80000000u
#define HOST_F32_EXP 0x7f800000u
#define HOST_F32_FRAC 0x007fffffu
#define HOST_F32_QUIET 0x00400000u
#define HOST_F64_SIGN 0x8000000000000000ull
#define HOST_F64_EXP 0x7ff0000000000000ull
#define HOST_F64_FRAC 0x000fffffffffffffull
#define HOST_F64_QUIET 0x0008000000000000ull

static inline float host_f32(uint32_t v)
{
    float f;
    memcpy(&f, &v, sizeof(f));
    return f;
}

static inline uint32_t host_f32_bits(float f)
{
    uint32_t v;
    memcpy(&v, &f, sizeof(v));
    return v;
}

static inline double host_f64(uint64_t v)
{
    double d;
    memcpy(&d, &v, sizeof(d));
    return d;
}

static inline uint64_t host_f64_bits(double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof(v));
    return v;
}

static inline bool host_f32_is_nan(uint32_t v)
{
    return (v & HOST_F32_EXP) == HOST_F32_EXP && (v & HOST_F32_FRAC);
}

static inline bool host_f64_is_nan(uint64_t v)
{
    return (v & HOST_F64_EXP) == HOST_F64_EXP && (v & HOST_F64_FRAC);
}

static inline bool host_f32_is_snan(uint32_t v)
{
    return host_f32_is_nan(v) && !(v & HOST_F32_QUIET);
}

static inline bool host_f64_is_snan(uint64_t v)
{
    return host_f64_is_nan(v) && !(v & HOST_F64_QUIET);
}

/* ---- ties to away --------------------------------------------------------- */

/*
 * Round-to-nearest-away differs from round-to-nearest-even only on an exact
 * tie, and raises the same flags.  A tie needs at most p+1 significant bits,
 * so it is exact in long double (64 bits of precision).  Given @r, the RNE
 * result, and @exact, the operation redone in long double (exact: no
 * inexact flag there), return the neighbour of larger magnitude on a tie.
 */
static inline double host_f64_ties_away(double r, long double exact)
{
    long double lr = r;
    if (!isfinite(r) || lr == exact) {
        return r;
    }
    double nb = nextafter(r, exact > lr ? INFINITY : -INFINITY);
    if (fabsl(exact - lr) == fabsl((long double)nb - exact) && fabs(nb) > fabs(r)) {
        return nb;
    }
    return r;
}

static inline float host_f32_ties_away(float r, long double exact)
{
    long double lr = r;
    if (!isfinite(r) || lr == exact) {
        return r;
    }
    float nb = nextafterf(r, exact > lr ? INFINITY : -INFINITY);
    if (fabsl(exact - lr) == fabsl((long double)nb - exact) && fabsf(nb) > fabsf(r)) {
        return nb;
    }
    return r;
}

#endif
