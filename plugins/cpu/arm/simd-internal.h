/* SPDX-License-Identifier: MIT */
/*
 * Shared by the Advanced SIMD executors (simd.c, simd-fp.c, crypto.c):
 * element access on 16-byte register images and the saturation rules.
 * Every executor has one signature: with @env NULL it only says whether
 * @insn is a defined instruction (the translator asks at translation
 * time); with @env it executes it.  So decoding has one source.
 */
#ifndef TESSERA_ARM_SIMD_INTERNAL_H
#define TESSERA_ARM_SIMD_INTERNAL_H

#include <string.h>

#include "plugins/cpu/arm/fpu.h"
#include "plugins/cpu/arm/simd.h"

#define BITS(x, hi, lo) (((x) >> (lo)) & ((1u << ((hi) - (lo) + 1)) - 1))

static inline uint64_t ge(const uint8_t *v, unsigned es, unsigned i)
{
    uint64_t x = 0;
    memcpy(&x, v + i * es, es);
    return x;
}

static inline void se(uint8_t *v, unsigned es, unsigned i, uint64_t x)
{
    memcpy(v + i * es, &x, es);
}

static inline int64_t sx(uint64_t x, unsigned bits)
{
    return bits >= 64 ? (int64_t)x : (int64_t)(x << (64 - bits)) >> (64 - bits);
}

static inline uint64_t mask_of(unsigned bits)
{
    return bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
}

static inline void vget(const CPUARMState *env, unsigned r, uint8_t out[16])
{
    memcpy(out, &env->vregs[r][0], 8);
    memcpy(out + 8, &env->vregs[r][1], 8);
}

/* Write the low @bytes of @in to Vr, zeroing the rest. */
static inline void vput(CPUARMState *env, unsigned r, const uint8_t in[16], unsigned bytes)
{
    uint8_t t[16] = { 0 };
    memcpy(t, in, bytes);
    memcpy(&env->vregs[r][0], t, 8);
    memcpy(&env->vregs[r][1], t + 8, 8);
}

static inline uint64_t sat_s(CPUARMState *env, __int128 v, unsigned bits)
{
    __int128 max = ((__int128)1 << (bits - 1)) - 1, min = -max - 1;
    if (v > max) {
        env->fpsr |= FPSR_QC;
        v = max;
    } else if (v < min) {
        env->fpsr |= FPSR_QC;
        v = min;
    }
    return (uint64_t)v & mask_of(bits);
}

static inline uint64_t sat_u(CPUARMState *env, __int128 v, unsigned bits)
{
    __int128 max = ((__int128)1 << bits) - 1;
    if (v > max) {
        env->fpsr |= FPSR_QC;
        v = max;
    } else if (v < 0) {
        env->fpsr |= FPSR_QC;
        v = 0;
    }
    return (uint64_t)v & mask_of(bits);
}

/* Element @x of @bits as a signed or unsigned wide value. */
static inline __int128 wide(uint64_t x, unsigned bits, bool u)
{
    return u ? (__int128)(x & mask_of(bits)) : (__int128)sx(x, bits);
}

/* Shift a wide value left (@sh > 0) or right (@sh < 0), optionally
 * rounding the right shifts. */
static inline __int128 wshl(__int128 v, unsigned sh)
{
    return v * ((__int128)1 << sh);
}

static inline __int128 wshift(__int128 v, int sh, bool round)
{
    if (sh >= 64) {
        /* Saturates, or truncates to zero: only the sign matters. */
        return v == 0 ? 0 : v < 0 ? -((__int128)1 << 126) : (__int128)1 << 126;
    }
    if (sh >= 0) {
        return v * ((__int128)1 << sh);    /* no left shift of a negative value */
    }
    int n = -sh > 65 ? 65 : -sh;
    if (round) {
        v += (__int128)1 << (n - 1);
    }
    return v >> n;
}

/* Executors: false for an undefined encoding (see above). */
bool arm_simd_fp_exec(CPUARMState *env, uint32_t insn);

bool arm_crypto_exec(CPUARMState *env, uint32_t insn);
/* One FP element operation for the indexed and scalar groups (simd-fp.c). */
uint64_t arm_simd_fp_elem3(CPUARMState *env, unsigned key, unsigned ft, uint64_t a, uint64_t b,
                           uint64_t d);

#endif
