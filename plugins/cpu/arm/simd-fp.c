/* SPDX-License-Identifier: MIT */
/*
 * Advanced SIMD floating point, half (FEAT_FP16: the "(FP16)" classes,
 * size 00 by element, immh 001x fixed point, size 01 FCMLA/FCADD; the
 * translator refuses them without cpu->fp16), single and double
 * precision: three same, two-register miscellaneous (compares with zero,
 * round to integral, conversions, estimates), across lanes, scalar
 * pairwise, fixed-point conversions by immediate, by element, FCMLA and
 * FCADD.  Every element goes through fpu.c, so FPCR and FPSR behave as for
 * the scalar instructions.  Executor convention: simd-internal.h.
 */
#include "plugins/cpu/arm/simd-internal.h"

static uint64_t ones_of(unsigned ft)
{
    return ft == ARM_FT_D ? UINT64_MAX : ft == ARM_FT_H ? 0xffffu : 0xffffffffu;
}

static uint64_t fsign(unsigned ft)
{
    return ft == ARM_FT_D ? 1ull << 63 : ft == ARM_FT_H ? 1ull << 15 : 1ull << 31;
}

/* key = opcode | U << 5 | a << 6 (a = size bit 1). */
uint64_t arm_simd_fp_elem3(CPUARMState *env, unsigned key, unsigned ft, uint64_t x, uint64_t y,
                           uint64_t d)
{
    uint64_t ones = ones_of(ft), sign = fsign(ft);
    uint32_t f;
    switch (key) {
    case 0x18: return arm_fp_op2(env, ARM_FOP_MAXNM, ft, x, y);
    case 0x58: return arm_fp_op2(env, ARM_FOP_MINNM, ft, x, y);
    case 0x19: return arm_fp_fma(env, ft, d, x, y, false, false);       /* FMLA */
    case 0x59: return arm_fp_fma(env, ft, d, x, y, false, true);        /* FMLS */
    case 0x1a: return arm_fp_op2(env, ARM_FOP_ADD, ft, x, y);
    case 0x5a: return arm_fp_op2(env, ARM_FOP_SUB, ft, x, y);
    case 0x7a: return arm_fp_op2(env, ARM_FOP_SUB, ft, x, y) & ~sign;   /* FABD */
    case 0x1b: return arm_fp_mulx(env, ft, x, y);
    case 0x3b: return arm_fp_op2(env, ARM_FOP_MUL, ft, x, y);
    case 0x3f: return arm_fp_op2(env, ARM_FOP_DIV, ft, x, y);
    case 0x1e: return arm_fp_op2(env, ARM_FOP_MAX, ft, x, y);
    case 0x5e: return arm_fp_op2(env, ARM_FOP_MIN, ft, x, y);
    case 0x1f: return arm_fp_step(env, ft, x, y, false);                 /* FRECPS */
    case 0x5f: return arm_fp_step(env, ft, x, y, true);                  /* FRSQRTS */
    case 0x1c: return (arm_fp_compare(env, ft, x, y, false) & PSTATE_Z) ? ones : 0;
    default:                                                             /* FCMGE/GT, FACGE/GT */
        if (key & 1) {
            x &= ~sign;
            y &= ~sign;
        }
        f = arm_fp_compare(env, ft, x, y, true);
        if (!(f & PSTATE_C) || (f & PSTATE_V)) {
            return 0;
        }
        return (key & 0x40) && (f & PSTATE_Z) ? 0 : ones;
    }
}

static bool key3_valid(unsigned key, bool scalar)
{
    switch (key) {
    case 0x1b: case 0x1c: case 0x1f: case 0x5f: case 0x3c: case 0x7c: case 0x3d: case 0x7d:
    case 0x7a:
        return true;
    case 0x18: case 0x58: case 0x38: case 0x78: case 0x19: case 0x59: case 0x1a: case 0x5a:
    case 0x3a: case 0x3b: case 0x1e: case 0x5e: case 0x3e: case 0x7e: case 0x3f:
        return !scalar;
    default:
        return false;
    }
}

static unsigned pair_plain(unsigned key)
{
    switch (key) {
    case 0x38: return 0x18;
    case 0x78: return 0x58;
    case 0x3a: return 0x1a;
    case 0x3e: return 0x1e;
    case 0x7e: return 0x5e;
    default: return 0;
    }
}

typedef struct F {
    unsigned rd, rn, rm, size, sz, ft, es;
    bool q, u, scalar;
    uint8_t a[16], b[16], d[16], r[16];
} F;

static void fload(CPUARMState *env, F *o)
{
    vget(env, o->rn, o->a);
    vget(env, o->rm, o->b);
    vget(env, o->rd, o->d);
    memset(o->r, 0, 16);
}

static unsigned nelem(const F *o)
{
    return o->scalar ? 1 : (o->q ? 16 : 8) / o->es;
}

static bool fp_three_same(CPUARMState *env, uint32_t insn, F *o)
{
    /* FP16: opcode bits 13:11 are the low bits of the S/D opcode 11xxx. */
    unsigned op = o->ft == ARM_FT_H ? 0x18 | BITS(insn, 13, 11) : BITS(insn, 15, 11);
    unsigned key = op | o->u << 5 | BITS(insn, 23, 23) << 6;
    if (!key3_valid(key, o->scalar) || (o->sz && !o->q && !o->scalar)) {
        return false;
    }
    if (!env) {
        return true;
    }
    fload(env, o);
    unsigned n = nelem(o), plain = pair_plain(key);
    for (unsigned i = 0; i < n; i++) {
        uint64_t v;
        if (plain) {
            const uint8_t *src = i < n / 2 ? o->a : o->b;
            unsigned j = (i % (n / 2)) * 2;
            v = arm_simd_fp_elem3(env, plain, o->ft, ge(src, o->es, j), ge(src, o->es, j + 1), 0);
        } else {
            v = arm_simd_fp_elem3(env, key, o->ft, ge(o->a, o->es, i), ge(o->b, o->es, i),
                                  ge(o->d, o->es, i));
        }
        se(o->r, o->es, i, v);
    }
    vput(env, o->rd, o->r, n * o->es);
    return true;
}

static uint64_t to_int(CPUARMState *env, unsigned ft, uint64_t x, unsigned rm, bool u,
                       unsigned fbits)
{
    uint64_t r = arm_fp_to_int(env, ft, x, rm, !u, ft == ARM_FT_D, fbits);
    if (ft == ARM_FT_H) {
        /* 16-bit elements: saturate the 32-bit result (Invalid; a value
         * that saturates had no fraction left, so no Inexact came). */
        int64_t v = u ? (int64_t)(uint32_t)r : (int64_t)(int32_t)r;
        int64_t lo = u ? 0 : -32768, hi = u ? 65535 : 32767;
        if (v < lo || v > hi) {
            env->fpsr |= FPSR_IOC;
            v = v < lo ? lo : hi;
        }
        r = (uint64_t)v & 0xffff;
    }
    return r;
}

static uint64_t from_int(CPUARMState *env, unsigned ft, uint64_t x, bool u, unsigned fbits)
{
    unsigned bits = ft == ARM_FT_D ? 64 : ft == ARM_FT_H ? 16 : 32;
    uint64_t v = u ? x & mask_of(bits) : (uint64_t)sx(x, bits);
    return arm_fp_from_int(env, ft, v, !u, fbits);
}

static uint64_t elem1(CPUARMState *env, unsigned key, unsigned ft, uint64_t x)
{
    uint64_t ones = ones_of(ft), sign = fsign(ft);
    uint32_t f;
    switch (key) {
    case 0x4c: case 0x6c: case 0x4d: case 0x6d: case 0x4e:
        f = arm_fp_compare(env, ft, x, 0, key != 0x4d);
        if (f & PSTATE_V) {
            return 0;
        }
        switch (key) {
        case 0x4c: return (f & PSTATE_C) && !(f & PSTATE_Z) ? ones : 0;
        case 0x6c: return (f & PSTATE_C) ? ones : 0;
        case 0x4d: return (f & PSTATE_Z) ? ones : 0;
        case 0x6d: return (f & (PSTATE_N | PSTATE_Z)) ? ones : 0;
        default: return (f & PSTATE_N) ? ones : 0;
        }
    case 0x4f: return x & ~sign;
    case 0x6f: return x ^ sign;
    case 0x7f: return arm_fp_sqrt(env, ft, x);
    case 0x18: return arm_fp_rint(env, ft, x, ARM_RM_RN, false);
    case 0x58: return arm_fp_rint(env, ft, x, ARM_RM_RP, false);
    case 0x19: return arm_fp_rint(env, ft, x, ARM_RM_RM, false);
    case 0x59: return arm_fp_rint(env, ft, x, ARM_RM_RZ, false);
    case 0x38: return arm_fp_rint(env, ft, x, ARM_RM_RA, false);
    case 0x39: return arm_fp_rint(env, ft, x, ARM_RM_FPCR, true);
    case 0x79: return arm_fp_rint(env, ft, x, ARM_RM_FPCR, false);
    case 0x1a: case 0x3a: return to_int(env, ft, x, ARM_RM_RN, key & 0x20, 0);
    case 0x5a: case 0x7a: return to_int(env, ft, x, ARM_RM_RP, key & 0x20, 0);
    case 0x1b: case 0x3b: return to_int(env, ft, x, ARM_RM_RM, key & 0x20, 0);
    case 0x5b: case 0x7b: return to_int(env, ft, x, ARM_RM_RZ, key & 0x20, 0);
    case 0x1c: case 0x3c: return to_int(env, ft, x, ARM_RM_RA, key & 0x20, 0);
    case 0x5c:                                                  /* URECPE */
        return (x & 0x80000000u) ? (uint64_t)arm_recip_estimate((unsigned)(x >> 23) & 0x1ff) << 23
                                 : 0xffffffffu;
    case 0x7c:                                                  /* URSQRTE */
        return (x & 0xc0000000u) ? (uint64_t)arm_rsqrt_estimate((unsigned)(x >> 23) & 0x1ff) << 23
                                 : 0xffffffffu;
    case 0x1d: case 0x3d: return from_int(env, ft, x, key & 0x20, 0);
    case 0x5d: return arm_fp_recpe(env, ft, x);
    case 0x7d: return arm_fp_rsqrte(env, ft, x);
    case 0x1e: return arm_fp_rint_int(env, ft, x, ARM_RM_RZ, 32);
    case 0x1f: return arm_fp_rint_int(env, ft, x, ARM_RM_RZ, 64);
    case 0x3e: return arm_fp_rint_int(env, ft, x, ARM_RM_FPCR, 32);
    case 0x3f: return arm_fp_rint_int(env, ft, x, ARM_RM_FPCR, 64);
    default: return arm_fp_recpx(env, ft, x);                   /* 0x5f */
    }
}

static bool key1_valid(unsigned key, bool scalar, unsigned sz)
{
    switch (key) {
    case 0x4c: case 0x6c: case 0x4d: case 0x6d: case 0x4e:
    case 0x1a: case 0x5a: case 0x1b: case 0x5b: case 0x1c: case 0x3a: case 0x7a: case 0x3b:
    case 0x7b: case 0x3c: case 0x1d: case 0x3d: case 0x5d: case 0x7d:
        return true;
    case 0x36: return sz == 1;
    case 0x5f: return scalar;
    case 0x5c: case 0x7c: return !scalar && sz == 0;
    case 0x4f: case 0x6f: case 0x7f: case 0x16: case 0x17: case 0x18: case 0x58: case 0x19:
    case 0x59: case 0x38: case 0x39: case 0x79: case 0x1e: case 0x1f: case 0x3e: case 0x3f:
        return !scalar;
    default:
        return false;
    }
}

static bool fp_two_misc(CPUARMState *env, uint32_t insn, F *o)
{
    unsigned key = BITS(insn, 16, 12) | o->u << 5 | (o->size >> 1) << 6;
    bool narrow = key == 0x16 || key == 0x36 || key == 0x17;
    if (!key1_valid(key, o->scalar, o->sz) || (!narrow && o->sz && !o->q && !o->scalar)) {
        return false;
    }
    if (o->ft == ARM_FT_H && (narrow || key == 0x5c || key == 0x7c || key == 0x1e ||
                              key == 0x1f || key == 0x3e || key == 0x3f)) {
        return false;          /* no FP16 form */
    }
    if (!env) {
        return true;
    }
    fload(env, o);
    if (key == 0x17) {                                          /* FCVTL{2} */
        unsigned n = o->sz ? 2 : 4, ies = o->sz ? 4 : 2, part = o->q ? n : 0;
        for (unsigned i = 0; i < n; i++) {
            uint64_t x = ge(o->a, ies, i + part);
            uint64_t v = o->sz ? arm_fp_convert(env, ARM_FT_S, ARM_FT_D, x)
                               : arm_fp_convert_half(env, ARM_FT_H, ARM_FT_S, x);
            se(o->r, o->es, i, v);
        }
        vput(env, o->rd, o->r, 16);
        return true;
    }
    if (narrow) {                                               /* FCVTN{2}, FCVTXN{2} */
        unsigned n = o->scalar ? 1 : o->sz ? 2 : 4, oes = o->sz ? 4 : 2;
        for (unsigned i = 0; i < n; i++) {
            uint64_t x = ge(o->a, o->es, i), v;
            if (key == 0x36) {
                v = arm_fp_cvt_odd(env, x);
            } else if (o->sz) {
                v = arm_fp_convert(env, ARM_FT_D, ARM_FT_S, x);
            } else {
                v = arm_fp_convert_half(env, ARM_FT_S, ARM_FT_H, x);
            }
            se(o->r, oes, i, v);
        }
        if (o->scalar) {
            vput(env, o->rd, o->r, 4);
        } else if (o->q) {
            memcpy(o->r + 8, o->r, 8);
            memcpy(o->r, o->d, 8);
            vput(env, o->rd, o->r, 16);
        } else {
            vput(env, o->rd, o->r, 8);
        }
        return true;
    }
    unsigned n = nelem(o);
    for (unsigned i = 0; i < n; i++) {
        se(o->r, o->es, i, elem1(env, key, o->ft, ge(o->a, o->es, i)));
    }
    vput(env, o->rd, o->r, n * o->es);
    return true;
}

/* Across lanes (vector) and pairwise (scalar): max/min[nm], add. */
static bool reduce(CPUARMState *env, uint32_t insn, F *o)
{
    unsigned op = BITS(insn, 16, 12), a = o->size >> 1;
    unsigned key;
    if (!o->u) {
        if (o->sz) {
            return false;
        }
        /* U = 0: the FP16 forms (pairs of halves, 4 or 8 lanes). */
        o->ft = ARM_FT_H;
        o->es = 2;
    }
    if (op == 0x0c) {
        key = a ? 0x58 : 0x18;
    } else if (op == 0x0f) {
        key = a ? 0x5e : 0x1e;
    } else if (op == 0x0d && !a && o->scalar) {
        key = 0x1a;
    } else {
        return false;
    }
    if (!o->scalar && o->ft != ARM_FT_H && (!o->q || o->sz)) {
        return false;
    }
    if (!env) {
        return true;
    }
    fload(env, o);
    uint64_t v;
    if (o->scalar) {
        v = arm_simd_fp_elem3(env, key, o->ft, ge(o->a, o->es, 0), ge(o->a, o->es, 1), 0);
    } else {
        /* Pairwise tree: (0,1)(2,3)... then the pairs of those. */
        uint64_t t[8];
        unsigned n = (o->q ? 16 : 8) / o->es;
        for (unsigned i = 0; i < n; i++) {
            t[i] = ge(o->a, o->es, i);
        }
        for (; n > 1; n /= 2) {
            for (unsigned i = 0; i < n / 2; i++) {
                t[i] = arm_simd_fp_elem3(env, key, o->ft, t[2 * i], t[2 * i + 1], 0);
            }
        }
        v = t[0];
    }
    se(o->r, o->es, 0, v);
    vput(env, o->rd, o->r, o->es);
    return true;
}

/* SCVTF/UCVTF/FCVTZS/FCVTZU (vector and scalar, fixed point); the caller
 * validated the encoding. */
static bool shift_cvt(CPUARMState *env, uint32_t insn, F *o)
{
    if (!env) {
        return true;
    }
    unsigned immh = BITS(insn, 22, 19), immhb = BITS(insn, 22, 16);
    unsigned lg = 31 - (unsigned)__builtin_clz(immh), es = 1u << lg;
    unsigned fbits = 16 * es - immhb;
    unsigned ft = lg == 3 ? ARM_FT_D : lg == 2 ? ARM_FT_S : ARM_FT_H;
    bool cvtf = BITS(insn, 15, 11) == 0x1c;
    fload(env, o);
    o->es = es;
    unsigned n = nelem(o);
    for (unsigned i = 0; i < n; i++) {
        uint64_t x = ge(o->a, es, i);
        se(o->r, es, i, cvtf ? from_int(env, ft, x, o->u, fbits)
                             : to_int(env, ft, x, ARM_RM_RZ, o->u, fbits));
    }
    vput(env, o->rd, o->r, n * es);
    return true;
}

/* FCMLA: one complex pair (re at 0, im at 1) with rotation @rot (0..3). */
static void fcmla(CPUARMState *env, unsigned ft, unsigned rot, uint64_t nre, uint64_t nim,
                  uint64_t mre, uint64_t mim, uint64_t *dre, uint64_t *dim)
{
    uint64_t s = fsign(ft), e1, e2, e3, e4;
    switch (rot) {
    case 0: e1 = mre; e2 = nre; e3 = mim; e4 = nre; break;
    case 1: e1 = mim ^ s; e2 = nim; e3 = mre; e4 = nim; break;
    case 2: e1 = mre ^ s; e2 = nre; e3 = mim ^ s; e4 = nre; break;
    default: e1 = mim; e2 = nim; e3 = mre ^ s; e4 = nim; break;
    }
    *dre = arm_fp_fma(env, ft, *dre, e2, e1, false, false);
    *dim = arm_fp_fma(env, ft, *dim, e4, e3, false, false);
}

static bool fp_indexed(CPUARMState *env, uint32_t insn, F *o)
{
    unsigned op = BITS(insn, 15, 12), h = BITS(insn, 11, 11), l = BITS(insn, 21, 21);
    bool cmla = o->u && (op & 1) && op < 8;
    if (cmla) {
        /* Single: Q = 1, index H; half: index H:L. */
        if (o->scalar || (o->size == 2 && (l || !o->q)) || (o->size != 2 && o->size != 1)) {
            return false;
        }
    } else if (o->size == 1 || (o->size == 3 && (l || (!o->q && !o->scalar)))) {
        return false;
    }
    if (!env) {
        return true;
    }
    o->rm = BITS(insn, 20, 16);
    fload(env, o);
    unsigned n = nelem(o);
    if (cmla) {
        unsigned rot = BITS(insn, 14, 13), es = o->size == 1 ? 2 : 4;
        unsigned ft = es == 2 ? ARM_FT_H : ARM_FT_S, idx = es == 2 ? (h << 1 | l) : h;
        unsigned n2 = (o->q ? 16 : 8) / es, seg = 16 / es;     /* the index is per 128 bits */
        for (unsigned i = 0; i < n2; i += 2) {
            unsigned base = (i / seg) * seg;
            uint64_t mre = ge(o->b, es, base + 2 * idx), mim = ge(o->b, es, base + 2 * idx + 1);
            uint64_t dre = ge(o->d, es, i), dim = ge(o->d, es, i + 1);
            fcmla(env, ft, rot, ge(o->a, es, i), ge(o->a, es, i + 1), mre, mim, &dre, &dim);
            se(o->r, es, i, dre);
            se(o->r, es, i + 1, dim);
        }
        vput(env, o->rd, o->r, o->q ? 16 : 8);
        return true;
    }
    if (o->size == 0) {
        /* FP16: index H:L:M, Rm is V0-V15. */
        o->rm = BITS(insn, 19, 16);
        vget(env, o->rm, o->b);
    }
    unsigned idx = o->ft == ARM_FT_H ? (h << 2 | l << 1 | BITS(insn, 20, 20))
                   : o->sz ? h : (h << 1 | l);
    unsigned key = op == 0x1 ? 0x19 : op == 0x5 ? 0x59 : o->u ? 0x1b : 0x3b;
    uint64_t mv = ge(o->b, o->es, idx);
    for (unsigned i = 0; i < n; i++) {
        se(o->r, o->es, i, arm_simd_fp_elem3(env, key, o->ft, ge(o->a, o->es, i), mv,
                                             ge(o->d, o->es, i)));
    }
    vput(env, o->rd, o->r, n * o->es);
    return true;
}

/* FCMLA and FCADD (vector, three same extra). */
static bool complex3(CPUARMState *env, uint32_t insn, F *o)
{
    unsigned op = BITS(insn, 14, 11);
    bool cadd = (op & 0xd) == 0xc;
    if (!o->u || (!cadd && (op & 0xc) != 0x8) || o->size < 1 || (o->sz && !o->q)) {
        return false;
    }
    if (!env) {
        return true;
    }
    fload(env, o);
    unsigned n = nelem(o), ft = o->ft, es = o->es;
    uint64_t s = fsign(ft);
    for (unsigned i = 0; i < n; i += 2) {
        uint64_t nre = ge(o->a, es, i), nim = ge(o->a, es, i + 1);
        uint64_t mre = ge(o->b, es, i), mim = ge(o->b, es, i + 1);
        uint64_t dre = ge(o->d, es, i), dim = ge(o->d, es, i + 1);
        if (cadd) {
            bool rot270 = BITS(insn, 12, 12);
            uint64_t e1 = rot270 ? mim : mim ^ s, e3 = rot270 ? mre ^ s : mre;
            dre = arm_fp_op2(env, ARM_FOP_ADD, ft, nre, e1);
            dim = arm_fp_op2(env, ARM_FOP_ADD, ft, nim, e3);
        } else {
            fcmla(env, ft, BITS(insn, 12, 11), nre, nim, mre, mim, &dre, &dim);
        }
        se(o->r, es, i, dre);
        se(o->r, es, i + 1, dim);
    }
    vput(env, o->rd, o->r, n * es);
    return true;
}

bool arm_simd_fp_exec(CPUARMState *env, uint32_t insn)
{
    F o = {
        .rd = BITS(insn, 4, 0), .rn = BITS(insn, 9, 5), .rm = BITS(insn, 20, 16),
        .size = BITS(insn, 23, 22), .q = BITS(insn, 30, 30), .u = BITS(insn, 29, 29),
        .scalar = BITS(insn, 28, 28),
    };
    o.sz = o.size & 1;
    o.ft = o.sz ? ARM_FT_D : ARM_FT_S;
    o.es = o.sz ? 8 : 4;
    bool b24 = BITS(insn, 24, 24), b21 = BITS(insn, 21, 21), b10 = BITS(insn, 10, 10);
    bool half = (!b24 && !b21 && b10 && BITS(insn, 22, 22) && !BITS(insn, 15, 14)) ||
                (!b24 && b21 && !b10 && BITS(insn, 20, 17) == 0xc) ||
                (b24 && !b10 && o.size == 0) ||
                (!b24 && !b21 && b10 && BITS(insn, 15, 15) && o.size == 1);
    if (half) {
        /* The FP16 classes: size bit 0 is part of the encoding, not sz. */
        o.sz = 0;
        o.ft = ARM_FT_H;
        o.es = 2;
    }
    if (BITS(insn, 24, 24)) {
        return BITS(insn, 10, 10) ? shift_cvt(env, insn, &o) : fp_indexed(env, insn, &o);
    }
    if (!b21) {
        if (b10 && BITS(insn, 22, 22) && !BITS(insn, 15, 14)) {
            return fp_three_same(env, insn, &o);                 /* three same (FP16) */
        }
        return !o.scalar && complex3(env, insn, &o);
    }
    if (b10) {
        return fp_three_same(env, insn, &o);
    }
    unsigned cls = BITS(insn, 20, 17);
    return cls == 0 || cls == 0xc ? fp_two_misc(env, insn, &o) : reduce(env, insn, &o);
}
