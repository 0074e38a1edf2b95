/* SPDX-License-Identifier: MIT */
/*
 * Advanced SIMD helpers (a first subset): element-wise integer operations
 * on the 128-bit V registers in env, with Q = 0 forms clearing the upper
 * half of the destination.
 */
#include <string.h>

#include "plugins/cpu/arm/fpu.h"
#include "plugins/cpu/arm/simd.h"

static uint64_t get_elem(const uint8_t *v, unsigned esize, unsigned i)
{
    uint64_t x = 0;
    memcpy(&x, v + i * esize, esize);
    return x;
}

static void set_elem(uint8_t *v, unsigned esize, unsigned i, uint64_t x)
{
    memcpy(v + i * esize, &x, esize);
}

static int64_t sext(uint64_t x, unsigned bits)
{
    return bits == 64 ? (int64_t)x : (int64_t)(x << (64 - bits)) >> (64 - bits);
}

static void vload(const CPUARMState *env, int r, uint8_t out[16])
{
    memcpy(out, &env->vregs[r][0], 8);
    memcpy(out + 8, &env->vregs[r][1], 8);
}

static void vstore(CPUARMState *env, int r, const uint8_t in[16], bool q)
{
    memcpy(&env->vregs[r][0], in, 8);
    if (q) {
        memcpy(&env->vregs[r][1], in + 8, 8);
    } else {
        env->vregs[r][1] = 0;
    }
}

/* One element of a three-same operation; *ok false for an unhandled op. */
static uint64_t op3(unsigned op, bool u, unsigned bits, uint64_t a, uint64_t b, uint64_t d)
{
    uint64_t mask = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
    int64_t sa = sext(a, bits), sb = sext(b, bits);
    switch (op) {
    case 0x06: return (u ? a > b : sa > sb) ? mask : 0;          /* CMHI / CMGT */
    case 0x07: return (u ? a >= b : sa >= sb) ? mask : 0;        /* CMHS / CMGE */
    case 0x0c: return u ? (a > b ? a : b) : (uint64_t)(sa > sb ? sa : sb);
    case 0x0d: return u ? (a < b ? a : b) : (uint64_t)(sa < sb ? sa : sb);
    case 0x0e: return u ? (a > b ? a - b : b - a) : (uint64_t)(sa > sb ? sa - sb : sb - sa);
    case 0x10: return u ? a - b : a + b;                        /* SUB / ADD */
    case 0x11: return u ? (a == b ? mask : 0) : ((a & b) ? mask : 0);  /* CMEQ / CMTST */
    case 0x13: {                                                /* MUL / PMUL */
        if (!u) {
            return a * b;
        }
        uint64_t r = 0;
        for (unsigned i = 0; i < bits; i++) {
            if ((b >> i) & 1) {
                r ^= a << i;
            }
        }
        return r;
    }
    default: return d;
    }
}

void arm_simd_3same(CPUARMState *env, unsigned desc)
{
    unsigned rd = desc & 31, rn = (desc >> 5) & 31, rm = (desc >> 10) & 31;
    unsigned op = (desc >> 15) & 31, size = (desc >> 20) & 3;
    bool q = (desc >> 22) & 1, u = (desc >> 23) & 1;
    uint8_t a[16], b[16], d[16], r[16];
    unsigned bytes = q ? 16 : 8;
    vload(env, (int)rn, a);
    vload(env, (int)rm, b);
    vload(env, (int)rd, d);
    if (op == 0x03) {                                           /* logical */
        for (unsigned i = 0; i < 16; i++) {
            uint8_t x = a[i], y = b[i], z = d[i];
            switch (u << 2 | size) {
            case 0: r[i] = x & y; break;                        /* AND */
            case 1: r[i] = x & ~y; break;                       /* BIC */
            case 2: r[i] = x | y; break;                        /* ORR */
            case 3: r[i] = x | ~y; break;                       /* ORN */
            case 4: r[i] = x ^ y; break;                        /* EOR */
            case 5: r[i] = (z & x) | (~z & y); break;           /* BSL */
            case 6: r[i] = (z & ~y) | (x & y); break;           /* BIT */
            default: r[i] = (z & y) | (x & ~y); break;          /* BIF */
            }
        }
        vstore(env, (int)rd, r, q);
        return;
    }
    unsigned esize = 1u << size, bits = 8 * esize, n = bytes / esize;
    memset(r, 0, sizeof(r));
    if (op == 0x14 || op == 0x15 || op == 0x17) {              /* pairwise */
        for (unsigned i = 0; i < n; i++) {
            const uint8_t *src = i < n / 2 ? a : b;
            unsigned j = (i % (n / 2)) * 2;
            uint64_t x = get_elem(src, esize, j), y = get_elem(src, esize, j + 1);
            uint64_t v = op == 0x17 ? x + y : op3(op == 0x14 ? 0x0c : 0x0d, u, bits, x, y, 0);
            set_elem(r, esize, i, v);
        }
    } else {
        for (unsigned i = 0; i < n; i++) {
            set_elem(r, esize, i, op3(op, u, bits, get_elem(a, esize, i), get_elem(b, esize, i),
                                      get_elem(d, esize, i)));
        }
    }
    vstore(env, (int)rd, r, q);
}

/* Floating-point three-same: @op is opcode | U << 5 | a << 6 (a = size
 * bit 1); elements are S or D by @sz. */
static uint64_t fp3(CPUARMState *env, unsigned op, unsigned ft, uint64_t x, uint64_t y,
                    uint64_t d)
{
    uint64_t ones = ft == ARM_FT_D ? UINT64_MAX : 0xffffffffu;
    uint64_t sign = ft == ARM_FT_D ? 1ull << 63 : 1ull << 31;
    uint32_t f;
    switch (op) {
    case 0x18: return arm_fp_op2(env, ARM_FOP_MAXNM, ft, x, y);
    case 0x19: return arm_fp_fma(env, ft, d, x, y, false, false);        /* FMLA */
    case 0x1a: return arm_fp_op2(env, ARM_FOP_ADD, ft, x, y);
    case 0x1c: return (arm_fp_compare(env, ft, x, y, false) & PSTATE_Z) ? ones : 0;  /* FCMEQ */
    case 0x1e: return arm_fp_op2(env, ARM_FOP_MAX, ft, x, y);
    case 0x58: return arm_fp_op2(env, ARM_FOP_MINNM, ft, x, y);
    case 0x59: return arm_fp_fma(env, ft, d, x, y, false, true);         /* FMLS */
    case 0x5a: return arm_fp_op2(env, ARM_FOP_SUB, ft, x, y);
    case 0x5e: return arm_fp_op2(env, ARM_FOP_MIN, ft, x, y);
    case 0x3b: return arm_fp_op2(env, ARM_FOP_MUL, ft, x, y);
    case 0x3f: return arm_fp_op2(env, ARM_FOP_DIV, ft, x, y);
    case 0x7a: return arm_fp_op2(env, ARM_FOP_SUB, ft, x, y) & ~sign;    /* FABD */
    case 0x3c: case 0x7c: case 0x3d: case 0x7d:                          /* FCMGE/GT, FACGE/GT */
        if (op & 1) {
            x &= ~sign;
            y &= ~sign;
        }
        f = arm_fp_compare(env, ft, x, y, true);
        if (!(f & PSTATE_C) || (f & PSTATE_V)) {
            return 0;
        }
        return (op & 0x40) && (f & PSTATE_Z) ? 0 : ones;
    default: return 0;
    }
}

void arm_simd_fp3same(CPUARMState *env, unsigned desc)
{
    unsigned rd = desc & 31, rn = (desc >> 5) & 31, rm = (desc >> 10) & 31;
    unsigned op = (desc >> 15) & 0x7f, sz = (desc >> 22) & 1;
    bool q = (desc >> 23) & 1;
    unsigned ft = sz ? ARM_FT_D : ARM_FT_S, esize = sz ? 8 : 4, n = (q ? 16 : 8) / esize;
    uint8_t a[16], b[16], d[16], r[16];
    vload(env, (int)rn, a);
    vload(env, (int)rm, b);
    vload(env, (int)rd, d);
    memset(r, 0, sizeof(r));
    bool pairwise = op == 0x38 || op == 0x3a || op == 0x3e || op == 0x78 || op == 0x7e;
    for (unsigned i = 0; i < n; i++) {
        uint64_t x, y, v;
        if (pairwise) {
            const uint8_t *src = i < n / 2 ? a : b;
            unsigned j = (i % (n / 2)) * 2;
            x = get_elem(src, esize, j);
            y = get_elem(src, esize, j + 1);
            unsigned plain = op == 0x38 ? 0x18 : op == 0x3a ? 0x1a : op == 0x3e ? 0x1e
                           : op == 0x78 ? 0x58 : 0x5e;
            v = fp3(env, plain, ft, x, y, 0);
        } else {
            x = get_elem(a, esize, i);
            y = get_elem(b, esize, i);
            v = fp3(env, op, ft, x, y, get_elem(d, esize, i));
        }
        set_elem(r, esize, i, v);
    }
    vstore(env, (int)rd, r, q);
}

void arm_simd_2misc(CPUARMState *env, unsigned desc)
{
    unsigned rd = desc & 31, rn = (desc >> 5) & 31, op = (desc >> 10) & 31;
    unsigned size = (desc >> 15) & 3;
    bool q = (desc >> 17) & 1, u = (desc >> 18) & 1;
    uint8_t a[16], r[16];
    unsigned esize = 1u << size, bits = 8 * esize, n = (q ? 16 : 8) / esize;
    uint64_t mask = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
    vload(env, (int)rn, a);
    memset(r, 0, sizeof(r));
    if (op <= 1) {                                              /* REV64/REV32/REV16 */
        unsigned container = op == 1 ? 2 : u ? 4 : 8;
        for (unsigned i = 0; i < (q ? 16u : 8u); i += container) {
            for (unsigned j = 0; j < container; j += esize) {
                memcpy(r + i + j, a + i + container - esize - j, esize);
            }
        }
        vstore(env, (int)rd, r, q);
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        uint64_t x = get_elem(a, esize, i), v;
        int64_t sx = sext(x, bits);
        switch (op) {
        case 0x05: v = u ? ~x : (uint64_t)__builtin_popcountll(x); break;  /* NOT / CNT */
        case 0x08: v = (u ? sx >= 0 : sx > 0) ? mask : 0; break;         /* CMGE/CMGT #0 */
        case 0x09: v = (u ? sx <= 0 : sx == 0) ? mask : 0; break;        /* CMLE/CMEQ #0 */
        case 0x0a: v = sx < 0 ? mask : 0; break;                          /* CMLT #0 */
        default: v = u ? (uint64_t)-sx : (uint64_t)(sx < 0 ? -sx : sx); break;  /* NEG/ABS */
        }
        set_elem(r, esize, i, v);
    }
    vstore(env, (int)rd, r, q);
}

uint64_t arm_simd_copy(CPUARMState *env, unsigned desc, uint64_t gval)
{
    unsigned rd = desc & 31, rn = (desc >> 5) & 31, imm5 = (desc >> 10) & 31;
    unsigned imm4 = (desc >> 15) & 15;
    bool q = (desc >> 19) & 1, op = (desc >> 20) & 1;
    unsigned size = (unsigned)__builtin_ctz(imm5), esize = 1u << size;
    unsigned idx = imm5 >> (size + 1);
    uint8_t a[16], d[16];
    vload(env, (int)rn, a);
    vload(env, (int)rd, d);
    if (op) {                                                   /* INS (element) */
        unsigned src = imm4 >> size;
        set_elem(d, esize, idx, get_elem(a, esize, src));
        vstore(env, (int)rd, d, true);
        return 0;
    }
    switch (imm4) {
    case 0x0:                                                   /* DUP (element) */
    case 0x1: {                                                 /* DUP (general) */
        uint64_t v = imm4 ? gval : get_elem(a, esize, idx);
        for (unsigned i = 0; i < (q ? 16u : 8u) / esize; i++) {
            set_elem(d, esize, i, v);
        }
        vstore(env, (int)rd, d, q);
        return 0;
    }
    case 0x3:                                                   /* INS (general) */
        set_elem(d, esize, idx, gval);
        vstore(env, (int)rd, d, true);
        return 0;
    case 0x5:                                                   /* SMOV */
        return (uint64_t)sext(get_elem(a, esize, idx), 8 * esize);
    default:                                                    /* UMOV */
        return get_elem(a, esize, idx);
    }
}

void arm_simd_permute(CPUARMState *env, unsigned desc)
{
    unsigned rd = desc & 31, rn = (desc >> 5) & 31, rm = (desc >> 10) & 31;
    unsigned op = (desc >> 15) & 15, size = (desc >> 19) & 3;
    bool q = (desc >> 21) & 1, ext = (desc >> 22) & 1;
    unsigned bytes = q ? 16 : 8;
    uint8_t a[16], b[16], r[16];
    vload(env, (int)rn, a);
    vload(env, (int)rm, b);
    memset(r, 0, sizeof(r));
    if (ext) {
        /* EXT: bytes op.. of the concatenation Vm:Vn (Vn lowest). */
        for (unsigned i = 0; i < bytes; i++) {
            unsigned k = op + i;
            r[i] = k < bytes ? a[k] : b[k - bytes];
        }
        vstore(env, (int)rd, r, q);
        return;
    }
    unsigned esize = 1u << size, n = bytes / esize, part = (op >> 2) & 1;
    for (unsigned i = 0; i < n; i++) {
        uint64_t v;
        switch (op & 3) {
        case 1:                                                   /* UZP1/UZP2 */
            v = 2 * i + part < n ? get_elem(a, esize, 2 * i + part)
                                 : get_elem(b, esize, 2 * i + part - n);
            break;
        case 2:                                                   /* TRN1/TRN2 */
            v = (i & 1) ? get_elem(b, esize, (i & ~1u) + part)
                        : get_elem(a, esize, i + part);
            break;
        default:                                                  /* ZIP1/ZIP2 */
            v = get_elem((i & 1) ? b : a, esize, part * (n / 2) + i / 2);
            break;
        }
        set_elem(r, esize, i, v);
    }
    vstore(env, (int)rd, r, q);
}
