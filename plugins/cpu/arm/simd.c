/* SPDX-License-Identifier: MIT */
/*
 * Advanced SIMD data processing (A64 C4.1.95 and the scalar forms), the
 * integer groups and the dispatch: three same, three different, two-register
 * miscellaneous, across lanes, pairwise, shift by immediate, by element,
 * three same extra (SQRDMLAH, dot product, FCMLA, FCADD), permutes, EXT,
 * TBL/TBX and scalar DUP.  The floating-point elements are simd-fp.c, the
 * crypto groups crypto.c.  Executors decode and, given an env, execute
 * (simd-internal.h); scalar forms are one element with the rest of Vd
 * zeroed, Q = 0 vector forms clear the upper half.
 */
#include "plugins/cpu/arm/simd-internal.h"

/* ---- element operations --------------------------------------------------------- */

static uint64_t pmul(uint64_t a, uint64_t b, unsigned bits)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < bits; i++) {
        if ((b >> i) & 1) {
            r ^= a << i;
        }
    }
    return r;
}

static __int128 wabs(__int128 v)
{
    return v < 0 ? -v : v;
}

/* SQDMULH / SQRDMULH / SQRDMLAH / SQRDMLSH on signed elements of @bits. */
static uint64_t sqrdmulh(CPUARMState *env, unsigned bits, uint64_t a, uint64_t b, uint64_t acc,
                         bool round, int accop)
{
    __int128 p = 2 * (__int128)sx(a, bits) * sx(b, bits);
    __int128 v = accop ? wshl(sx(acc, bits), bits) + accop * p : p;
    if (round) {
        v += (__int128)1 << (bits - 1);
    }
    return sat_s(env, v >> bits, bits);
}

/* Three same, integer (opcode < 0x18 except 0x03, 0x14, 0x15, 0x17). */
static uint64_t int3(CPUARMState *env, unsigned op, bool u, unsigned bits, uint64_t a,
                     uint64_t b, uint64_t d)
{
    __int128 wa = wide(a, bits, u), wb = wide(b, bits, u);
    uint64_t m = mask_of(bits);
    switch (op) {
    case 0x00: return (uint64_t)((wa + wb) >> 1) & m;                   /* SHADD */
    case 0x01: return u ? sat_u(env, wa + wb, bits) : sat_s(env, wa + wb, bits);
    case 0x02: return (uint64_t)((wa + wb + 1) >> 1) & m;               /* SRHADD */
    case 0x04: return (uint64_t)((wa - wb) >> 1) & m;                   /* SHSUB */
    case 0x05: return u ? sat_u(env, wa - wb, bits) : sat_s(env, wa - wb, bits);
    case 0x06: return wa > wb ? m : 0;                                  /* CMGT/CMHI */
    case 0x07: return wa >= wb ? m : 0;                                 /* CMGE/CMHS */
    case 0x08: case 0x09: case 0x0a: case 0x0b: {                       /* [Q][R]SHL */
        __int128 r = wshift(wa, (int8_t)b, op & 2);
        if (op & 1) {
            return u ? sat_u(env, r, bits) : sat_s(env, r, bits);
        }
        return (uint64_t)r & m;
    }
    case 0x0c: return (uint64_t)(wa > wb ? wa : wb) & m;                /* MAX */
    case 0x0d: return (uint64_t)(wa < wb ? wa : wb) & m;                /* MIN */
    case 0x0e: return (uint64_t)wabs(wa - wb) & m;                      /* ABD */
    case 0x0f: return (d + (uint64_t)wabs(wa - wb)) & m;                /* ABA */
    case 0x10: return (u ? a - b : a + b) & m;
    case 0x11: return (u ? (a & m) == (b & m) : (a & b & m) != 0) ? m : 0;  /* CMEQ/CMTST */
    case 0x12: return (u ? d - a * b : d + a * b) & m;                  /* MLS/MLA */
    case 0x13: return (u ? pmul(a, b, bits) : a * b) & m;               /* PMUL/MUL */
    default: return sqrdmulh(env, bits, a, b, 0, u, 0);                 /* 0x16 */
    }
}

static bool int3_valid(unsigned op, bool u, unsigned size, bool q, bool scalar)
{
    if (scalar) {
        switch (op) {
        case 0x01: case 0x05: case 0x09: case 0x0b: return true;
        case 0x06: case 0x07: case 0x08: case 0x0a: case 0x10: case 0x11: return size == 3;
        case 0x16: return size == 1 || size == 2;
        default: return false;
        }
    }
    switch (op) {
    case 0x00: case 0x02: case 0x04: case 0x0c: case 0x0d: case 0x0e: case 0x0f:
    case 0x12: case 0x14: case 0x15:
        return size < 3;
    case 0x03: return true;
    case 0x13: return u ? size == 0 : size < 3;
    case 0x16: return size == 1 || size == 2;
    case 0x17: return !u && (size < 3 || q);
    default: return size < 3 || q;
    }
}

/* ---- groups ------------------------------------------------------------------------- */

typedef struct Ops {
    unsigned rd, rn, rm, size, op;
    bool q, u, scalar;
    uint8_t a[16], b[16], d[16], r[16];
} Ops;

static void load3(CPUARMState *env, Ops *o)
{
    vget(env, o->rn, o->a);
    vget(env, o->rm, o->b);
    vget(env, o->rd, o->d);
    memset(o->r, 0, 16);
}

static bool three_same(CPUARMState *env, Ops *o)
{
    if (!int3_valid(o->op, o->u, o->size, o->q, o->scalar)) {
        return false;
    }
    if (!env) {
        return true;
    }
    load3(env, o);
    unsigned bytes = o->q ? 16 : 8;
    if (o->op == 0x03) {                                    /* logical */
        for (unsigned i = 0; i < 16; i++) {
            uint8_t x = o->a[i], y = o->b[i], z = o->d[i];
            switch (o->u << 2 | o->size) {
            case 0: o->r[i] = x & y; break;
            case 1: o->r[i] = x & ~y; break;
            case 2: o->r[i] = x | y; break;
            case 3: o->r[i] = x | ~y; break;
            case 4: o->r[i] = x ^ y; break;
            case 5: o->r[i] = (z & x) | (~z & y); break;     /* BSL */
            case 6: o->r[i] = (z & ~y) | (x & y); break;     /* BIT */
            default: o->r[i] = (z & y) | (x & ~y); break;    /* BIF */
            }
        }
        vput(env, o->rd, o->r, bytes);
        return true;
    }
    unsigned es = 1u << o->size, bits = 8 * es, n = o->scalar ? 1 : bytes / es;
    for (unsigned i = 0; i < n; i++) {
        uint64_t v;
        if (o->op == 0x14 || o->op == 0x15 || o->op == 0x17) {   /* pairwise */
            const uint8_t *src = i < n / 2 ? o->a : o->b;
            unsigned j = (i % (n / 2)) * 2;
            uint64_t x = ge(src, es, j), y = ge(src, es, j + 1);
            v = o->op == 0x17 ? x + y : int3(env, o->op == 0x14 ? 0x0c : 0x0d, o->u, bits, x, y, 0);
        } else {
            v = int3(env, o->op, o->u, bits, ge(o->a, es, i), ge(o->b, es, i), ge(o->d, es, i));
        }
        se(o->r, es, i, v);
    }
    vput(env, o->rd, o->r, o->scalar ? es : bytes);
    return true;
}

static bool three_diff(CPUARMState *env, Ops *o)
{
    unsigned op = o->op, size = o->size;
    bool sq = op == 0x9 || op == 0xb || op == 0xd;
    bool ok;
    if (o->scalar) {
        ok = sq && (size == 1 || size == 2);
    } else if (op == 0xe) {
        ok = !o->u && (size == 0 || size == 3);
    } else if (sq) {
        ok = !o->u && (size == 1 || size == 2);
    } else {
        ok = op != 0xf && size < 3;
    }
    if (!ok) {
        return false;
    }
    if (!env) {
        return true;
    }
    if (op == 0xe && size == 3) {
        arm_crypto_pmull64(env, o->rd, o->rn, o->rm, o->q);
        return true;
    }
    load3(env, o);
    unsigned es = 1u << size, bits = 8 * es, n = o->scalar ? 1 : 8 / es;
    unsigned part = o->q && !o->scalar ? n : 0;
    bool u = o->u;
    if (op == 0x4 || op == 0x6) {                           /* [R]ADDHN, [R]SUBHN */
        for (unsigned i = 0; i < n; i++) {
            uint64_t x = ge(o->a, 2 * es, i), y = ge(o->b, 2 * es, i);
            uint64_t s = op == 0x4 ? x + y : x - y;
            if (2 * bits < 64) {
                s &= mask_of(2 * bits);
            }
            unsigned __int128 w = (unsigned __int128)s + (u ? (1ull << (bits - 1)) : 0);
            se(o->r, es, i, (uint64_t)(w >> bits));
        }
        memcpy(o->r + 8, o->r, 8);
        if (part) {
            memcpy(o->r, o->d, 8);
            vput(env, o->rd, o->r, 16);
        } else {
            vput(env, o->rd, o->r, 8);
        }
        return true;
    }
    for (unsigned i = 0; i < n; i++) {
        __int128 x = op == 0x1 || op == 0x3 ? wide(ge(o->a, 2 * es, i), 2 * bits, u)
                                            : wide(ge(o->a, es, i + part), bits, u);
        __int128 y = wide(ge(o->b, es, i + part), bits, u);
        __int128 acc = wide(ge(o->d, 2 * es, i), 2 * bits, u);
        __int128 v;
        switch (op) {
        case 0x0: case 0x1: v = x + y; break;
        case 0x2: case 0x3: v = x - y; break;
        case 0x5: v = acc + wabs(x - y); break;
        case 0x7: v = wabs(x - y); break;
        case 0x8: v = acc + x * y; break;
        case 0xa: v = acc - x * y; break;
        case 0xc: v = x * y; break;
        case 0xe: v = (__int128)pmul((uint64_t)x & 0xff, (uint64_t)y & 0xff, 8); break;
        default: {                                          /* SQDML[AS]L, SQDMULL */
            uint64_t p = sat_s(env, 2 * x * y, 2 * bits);
            __int128 wp = (__int128)sx(p, 2 * bits);
            v = op == 0xd ? wp : (__int128)sat_s(env, op == 0x9 ? acc + wp : acc - wp, 2 * bits);
            if (op != 0xd) {
                v = (__int128)sx((uint64_t)v, 2 * bits);
            }
            break;
        }
        }
        se(o->r, 2 * es, i, (uint64_t)v);
    }
    vput(env, o->rd, o->r, o->scalar ? 2 * es : 16);
    return true;
}

static uint64_t clz_n(uint64_t x, unsigned bits)
{
    x &= mask_of(bits);
    return x ? (uint64_t)(__builtin_clzll(x) - (64 - bits)) : bits;
}

static bool two_misc(CPUARMState *env, Ops *o)
{
    unsigned op = o->op, size = o->size;
    bool u = o->u, q = o->q, ok;
    if (o->scalar) {
        switch (op) {
        case 0x03: case 0x07: ok = true; break;
        case 0x08: case 0x09: case 0x0b: ok = size == 3; break;
        case 0x0a: ok = !u && size == 3; break;
        case 0x12: ok = u && size < 3; break;
        case 0x14: ok = size < 3; break;
        default: ok = false; break;
        }
    } else {
        switch (op) {
        case 0x00: ok = u ? size < 2 : size < 3; break;
        case 0x01: ok = !u && size == 0; break;
        case 0x02: case 0x04: case 0x06: case 0x12: case 0x14: ok = size < 3; break;
        case 0x13: ok = u && size < 3; break;
        case 0x05: ok = u ? size < 2 : size == 0; break;
        case 0x03: case 0x07: case 0x08: case 0x09: case 0x0b: ok = size < 3 || q; break;
        case 0x0a: ok = !u && (size < 3 || q); break;
        default: ok = false; break;
        }
    }
    if (!ok) {
        return false;
    }
    if (!env) {
        return true;
    }
    load3(env, o);
    unsigned es = op == 0x05 ? 1 : 1u << size, bits = 8 * es, bytes = q ? 16 : 8;
    unsigned n = o->scalar ? 1 : bytes / es;
    uint64_t m = mask_of(bits);
    if (op <= 1) {                                           /* REV64/REV32/REV16 */
        unsigned container = op == 1 ? 2 : u ? 4 : 8;
        for (unsigned i = 0; i < bytes; i += container) {
            for (unsigned j = 0; j < container; j += es) {
                memcpy(o->r + i + j, o->a + i + container - es - j, es);
            }
        }
        vput(env, o->rd, o->r, bytes);
        return true;
    }
    if (op == 0x02 || op == 0x06) {                          /* [US]ADDLP, [US]ADALP */
        for (unsigned i = 0; i < n / 2; i++) {
            __int128 v = wide(ge(o->a, es, 2 * i), bits, u) + wide(ge(o->a, es, 2 * i + 1), bits, u);
            if (op == 0x06) {
                v += (__int128)ge(o->d, 2 * es, i);
            }
            se(o->r, 2 * es, i, (uint64_t)v);
        }
        vput(env, o->rd, o->r, bytes);
        return true;
    }
    if (op == 0x12 || op == 0x14 || op == 0x13) {            /* narrowing, SHLL */
        unsigned nn = o->scalar ? 1 : 8 / es;
        if (op == 0x13) {
            for (unsigned i = 0; i < nn; i++) {
                se(o->r, 2 * es, i, ge(o->a, es, i + (q ? nn : 0)) << bits);
            }
            vput(env, o->rd, o->r, 16);
            return true;
        }
        for (unsigned i = 0; i < nn; i++) {
            uint64_t x = ge(o->a, 2 * es, i), v;
            __int128 sw = sx(x, 2 * bits), uw = x & mask_of(2 * bits);
            if (op == 0x12) {
                v = u ? sat_u(env, sw, bits) : x;            /* SQXTUN / XTN */
            } else {
                v = u ? sat_u(env, uw, bits) : sat_s(env, sw, bits);
            }
            se(o->r, es, i, v);
        }
        if (o->scalar) {
            vput(env, o->rd, o->r, es);
        } else if (q) {
            memcpy(o->r + 8, o->r, 8);
            memcpy(o->r, o->d, 8);
            vput(env, o->rd, o->r, 16);
        } else {
            vput(env, o->rd, o->r, 8);
        }
        return true;
    }
    for (unsigned i = 0; i < n; i++) {
        uint64_t x = ge(o->a, es, i), v;
        int64_t s = sx(x, bits);
        switch (op) {
        case 0x03:                                           /* SUQADD / USQADD */
            v = u ? sat_u(env, (__int128)(ge(o->d, es, i) & m) + s, bits)
                  : sat_s(env, (__int128)sx(ge(o->d, es, i), bits) + (__int128)(x & m), bits);
            break;
        case 0x04: v = u ? clz_n(x, bits) : clz_n((uint64_t)(s ^ (s >> 63)), bits) - 1; break;
        case 0x05:
            if (!u) {
                v = (uint64_t)__builtin_popcountll(x);
            } else if (size == 0) {
                v = ~x;
            } else {
                v = arm_simd_rbit8(x);
            }
            break;
        case 0x07: v = sat_s(env, u ? -(__int128)s : wabs(s), bits); break;
        case 0x08: v = (u ? s >= 0 : s > 0) ? m : 0; break;
        case 0x09: v = (u ? s <= 0 : s == 0) ? m : 0; break;
        case 0x0a: v = s < 0 ? m : 0; break;
        default: v = u || s < 0 ? 0 - (uint64_t)s : (uint64_t)s; break;   /* NEG / ABS */
        }
        se(o->r, es, i, v & m);
    }
    vput(env, o->rd, o->r, o->scalar ? es : bytes);
    return true;
}

uint64_t arm_simd_rbit8(uint64_t x)
{
    x = ((x & 0xf0) >> 4) | ((x & 0x0f) << 4);
    x = ((x & 0xcc) >> 2) | ((x & 0x33) << 2);
    return ((x & 0xaa) >> 1) | ((x & 0x55) << 1);
}

static bool across(CPUARMState *env, Ops *o)
{
    unsigned op = o->op, size = o->size;
    bool ok = (op == 0x03 || op == 0x0a || op == 0x1a || (op == 0x1b && !o->u)) &&
              (size < 2 || (size == 2 && o->q));
    if (!ok) {
        return false;
    }
    if (!env) {
        return true;
    }
    load3(env, o);
    unsigned es = 1u << size, bits = 8 * es, n = (o->q ? 16 : 8) / es;
    __int128 acc = wide(ge(o->a, es, 0), bits, o->u);
    for (unsigned i = 1; i < n; i++) {
        __int128 x = wide(ge(o->a, es, i), bits, o->u);
        switch (op) {
        case 0x0a: acc = x > acc ? x : acc; break;
        case 0x1a: acc = x < acc ? x : acc; break;
        default: acc += x; break;
        }
    }
    se(o->r, op == 0x03 ? 2 * es : es, 0, (uint64_t)acc);
    vput(env, o->rd, o->r, op == 0x03 ? 2 * es : es);
    return true;
}

/* Scalar pairwise: ADDP (integer); the FP forms go to simd-fp.c. */
static bool scalar_pair(CPUARMState *env, Ops *o)
{
    if (o->op != 0x1b || o->u || o->size != 3) {
        return false;
    }
    if (!env) {
        return true;
    }
    load3(env, o);
    se(o->r, 8, 0, ge(o->a, 8, 0) + ge(o->a, 8, 1));
    vput(env, o->rd, o->r, 8);
    return true;
}

static bool shift_imm(CPUARMState *env, uint32_t insn, Ops *o)
{
    unsigned immh = BITS(insn, 22, 19), immhb = BITS(insn, 22, 16), op = o->op;
    bool u = o->u, q = o->q, sc = o->scalar, ok;
    if (!immh) {
        return false;
    }
    unsigned lg = 31 - (unsigned)__builtin_clz(immh), es = 1u << lg, bits = 8 * es;
    int rsh = (int)(2 * bits - immhb), lsh = (int)(immhb - bits);
    bool dsize = lg == 3;
    switch (op) {
    case 0x00: case 0x02: case 0x04: case 0x06: case 0x0a:
        ok = sc ? dsize : (!dsize || q);
        break;
    case 0x08: ok = u && (sc ? dsize : (!dsize || q)); break;
    case 0x0c: ok = u && (sc || !dsize || q); break;
    case 0x0e: ok = sc || !dsize || q; break;
    case 0x10: case 0x11: ok = !dsize && (!sc || u); break;
    case 0x12: case 0x13: ok = !dsize; break;
    case 0x14: ok = !sc && !dsize; break;
    case 0x1c: case 0x1f: ok = lg >= 1 && (sc || !dsize || q); break;   /* lg 1: FP16 */
    default: ok = false; break;
    }
    if (!ok) {
        return false;
    }
    if (op == 0x1c || op == 0x1f) {
        return arm_simd_fp_exec(env, insn);
    }
    if (!env) {
        return true;
    }
    load3(env, o);
    unsigned bytes = q ? 16 : 8;
    uint64_t m = mask_of(bits);
    if (op >= 0x10 && op <= 0x13) {                          /* narrowing right shifts */
        unsigned n = sc ? 1 : 8 / es;
        bool round = op & 1;
        for (unsigned i = 0; i < n; i++) {
            uint64_t x = ge(o->a, 2 * es, i), v;
            bool src_u = op >= 0x12 ? u : false;
            __int128 w = wshift(wide(x, 2 * bits, src_u), -rsh, round);
            if (op <= 0x11) {
                v = u ? sat_u(env, w, bits) : (uint64_t)w & m;   /* SQ[R]SHRUN / [R]SHRN */
            } else {
                v = u ? sat_u(env, w, bits) : sat_s(env, w, bits);
            }
            se(o->r, es, i, v);
        }
        if (sc) {
            vput(env, o->rd, o->r, es);
        } else if (q) {
            memcpy(o->r + 8, o->r, 8);
            memcpy(o->r, o->d, 8);
            vput(env, o->rd, o->r, 16);
        } else {
            vput(env, o->rd, o->r, 8);
        }
        return true;
    }
    if (op == 0x14) {                                        /* SSHLL / USHLL */
        unsigned n = 8 / es;
        for (unsigned i = 0; i < n; i++) {
            __int128 w = wshl(wide(ge(o->a, es, i + (q ? n : 0)), bits, u), (unsigned)lsh);
            se(o->r, 2 * es, i, (uint64_t)w);
        }
        vput(env, o->rd, o->r, 16);
        return true;
    }
    unsigned n = sc ? 1 : bytes / es;
    for (unsigned i = 0; i < n; i++) {
        uint64_t x = ge(o->a, es, i), d = ge(o->d, es, i), v;
        __int128 w = wide(x, bits, u);
        switch (op) {
        case 0x00: case 0x04: v = (uint64_t)wshift(w, -rsh, op == 0x04) & m; break;
        case 0x02: case 0x06: v = (d + (uint64_t)wshift(w, -rsh, op == 0x06)) & m; break;
        case 0x08: {                                         /* SRI */
            uint64_t keep = rsh >= (int)bits ? m : ~(m >> rsh) & m;
            v = (d & keep) | (rsh >= (int)bits ? 0 : (x & m) >> rsh);
            break;
        }
        case 0x0a:                                           /* SHL / SLI */
            v = u ? (d & ~(m << lsh) & m) | ((x << lsh) & m) : (x << lsh) & m;
            break;
        case 0x0c: v = sat_u(env, wshl(wide(x, bits, false), (unsigned)lsh), bits); break;
        default:
            v = u ? sat_u(env, wshl(w, (unsigned)lsh), bits) : sat_s(env, wshl(w, (unsigned)lsh), bits);
            break;
        }
        se(o->r, es, i, v);
    }
    vput(env, o->rd, o->r, sc ? es : bytes);
    return true;
}

/* By element: the integer operations; FP ones go to simd-fp.c. */
static bool indexed(CPUARMState *env, uint32_t insn, Ops *o)
{
    unsigned op = BITS(insn, 15, 12), size = o->size;
    bool u = o->u, sc = o->scalar, q = o->q, ok;
    bool fp = (!u && (op == 0x1 || op == 0x5 || op == 0x9)) || (u && op == 0x9) ||
              (u && (op & 1) && op < 8);
    if (fp) {
        return arm_simd_fp_exec(env, insn);
    }
    bool hs = size == 1 || size == 2;
    switch (op) {
    case 0x0: case 0x4: case 0x8: ok = !sc && hs && (op == 0x8 ? !u : u); break;
    case 0x2: case 0x6: case 0xa: ok = !sc && hs; break;
    case 0x3: case 0x7: case 0xb: case 0xc: ok = !u && hs; break;
    case 0xd: ok = hs; break;
    case 0xf: ok = u && hs; break;
    case 0xe: ok = !sc && size == 2; break;
    default: ok = false; break;
    }
    if (!ok) {
        return false;
    }
    if (!env) {
        return true;
    }
    unsigned h = BITS(insn, 11, 11), l = BITS(insn, 21, 21), mbit = BITS(insn, 20, 20);
    unsigned idx = size == 1 ? (h << 2 | l << 1 | mbit) : (h << 1 | l);
    o->rm = size == 1 ? BITS(insn, 19, 16) : BITS(insn, 20, 16);
    load3(env, o);
    unsigned es = 1u << size, bits = 8 * es, bytes = q ? 16 : 8;
    uint64_t mv = ge(o->b, es, idx);
    if (op == 0xe) {                                         /* SDOT / UDOT */
        for (unsigned i = 0; i < bytes / 4; i++) {
            int64_t acc = (int64_t)ge(o->d, 4, i);
            for (unsigned k = 0; k < 4; k++) {
                acc += wide(ge(o->a, 1, 4 * i + k), 8, u) * wide(ge(o->b, 1, 4 * idx + k), 8, u);
            }
            se(o->r, 4, i, (uint64_t)acc);
        }
        vput(env, o->rd, o->r, bytes);
        return true;
    }
    bool longop = op == 0x2 || op == 0x6 || op == 0xa || op == 0x3 || op == 0x7 || op == 0xb;
    if (longop) {
        unsigned n = sc ? 1 : 8 / es, part = sc || !q ? 0 : n;
        for (unsigned i = 0; i < n; i++) {
            __int128 x = wide(ge(o->a, es, i + part), bits, u), y = wide(mv, bits, u);
            __int128 acc = wide(ge(o->d, 2 * es, i), 2 * bits, u), v;
            switch (op) {
            case 0x2: v = acc + x * y; break;
            case 0x6: v = acc - x * y; break;
            case 0xa: v = x * y; break;
            default: {
                __int128 p = sx(sat_s(env, 2 * x * y, 2 * bits), 2 * bits);
                v = op == 0xb ? p : (__int128)sat_s(env, op == 0x3 ? acc + p : acc - p, 2 * bits);
                break;
            }
            }
            se(o->r, 2 * es, i, (uint64_t)v);
        }
        vput(env, o->rd, o->r, sc ? 2 * es : 16);
        return true;
    }
    unsigned n = sc ? 1 : bytes / es;
    for (unsigned i = 0; i < n; i++) {
        uint64_t x = ge(o->a, es, i), d = ge(o->d, es, i), v;
        switch (op) {
        case 0x0: v = d + x * mv; break;
        case 0x4: v = d - x * mv; break;
        case 0x8: v = x * mv; break;
        case 0xc: v = sqrdmulh(env, bits, x, mv, 0, false, 0); break;
        case 0xd: v = u ? sqrdmulh(env, bits, x, mv, d, true, 1)
                        : sqrdmulh(env, bits, x, mv, 0, true, 0); break;
        default: v = sqrdmulh(env, bits, x, mv, d, true, -1); break;      /* SQRDMLSH */
        }
        se(o->r, es, i, v);
    }
    vput(env, o->rd, o->r, sc ? es : bytes);
    return true;
}

/* Three same extra: SQRDMLAH/SH, SDOT/UDOT, FCMLA, FCADD. */
static bool same_extra(CPUARMState *env, uint32_t insn, Ops *o)
{
    unsigned op = BITS(insn, 14, 11), size = o->size;
    bool u = o->u, q = o->q, sc = o->scalar;
    if (op >= 8) {
        return !sc && arm_simd_fp_exec(env, insn);
    }
    bool ok = (u && op <= 1 && (size == 1 || size == 2)) || (op == 2 && size == 2 && !sc);
    if (!ok) {
        return false;
    }
    if (!env) {
        return true;
    }
    load3(env, o);
    unsigned es = 1u << size, bits = 8 * es, bytes = q ? 16 : 8;
    if (op == 2) {
        for (unsigned i = 0; i < bytes / 4; i++) {
            int64_t acc = (int64_t)ge(o->d, 4, i);
            for (unsigned k = 0; k < 4; k++) {
                acc += wide(ge(o->a, 1, 4 * i + k), 8, u) * wide(ge(o->b, 1, 4 * i + k), 8, u);
            }
            se(o->r, 4, i, (uint64_t)acc);
        }
        vput(env, o->rd, o->r, bytes);
        return true;
    }
    unsigned n = sc ? 1 : bytes / es;
    for (unsigned i = 0; i < n; i++) {
        se(o->r, es, i, sqrdmulh(env, bits, ge(o->a, es, i), ge(o->b, es, i), ge(o->d, es, i),
                                 true, op ? -1 : 1));
    }
    vput(env, o->rd, o->r, sc ? es : bytes);
    return true;
}

static bool permute(CPUARMState *env, uint32_t insn, Ops *o)
{
    unsigned op = BITS(insn, 14, 12);
    if ((op & 3) == 0 || (o->size == 3 && !o->q)) {
        return false;
    }
    if (!env) {
        return true;
    }
    load3(env, o);
    unsigned bytes = o->q ? 16 : 8, es = 1u << o->size, n = bytes / es, part = (op >> 2) & 1;
    for (unsigned i = 0; i < n; i++) {
        uint64_t v;
        switch (op & 3) {
        case 1:
            v = 2 * i + part < n ? ge(o->a, es, 2 * i + part) : ge(o->b, es, 2 * i + part - n);
            break;
        case 2:
            v = (i & 1) ? ge(o->b, es, (i & ~1u) + part) : ge(o->a, es, i + part);
            break;
        default:
            v = ge((i & 1) ? o->b : o->a, es, part * (n / 2) + i / 2);
            break;
        }
        se(o->r, es, i, v);
    }
    vput(env, o->rd, o->r, bytes);
    return true;
}

static bool ext(CPUARMState *env, uint32_t insn, Ops *o)
{
    unsigned imm4 = BITS(insn, 14, 11);
    if (BITS(insn, 23, 22) || (!o->q && imm4 >= 8)) {
        return false;
    }
    if (!env) {
        return true;
    }
    load3(env, o);
    unsigned bytes = o->q ? 16 : 8;
    for (unsigned i = 0; i < bytes; i++) {
        unsigned k = imm4 + i;
        o->r[i] = k < bytes ? o->a[k] : o->b[k - bytes];
    }
    vput(env, o->rd, o->r, bytes);
    return true;
}

static bool tbl(CPUARMState *env, uint32_t insn, Ops *o)
{
    unsigned len = BITS(insn, 14, 13) + 1;
    bool tbx = BITS(insn, 12, 12);
    if (BITS(insn, 23, 22)) {
        return false;
    }
    if (!env) {
        return true;
    }
    uint8_t table[64], idx[16], d[16], r[16];
    for (unsigned t = 0; t < len; t++) {
        vget(env, (o->rn + t) % 32, table + 16 * t);
    }
    vget(env, o->rm, idx);
    vget(env, o->rd, d);
    unsigned bytes = o->q ? 16 : 8;
    for (unsigned i = 0; i < bytes; i++) {
        r[i] = idx[i] < 16 * len ? table[idx[i]] : tbx ? d[i] : 0;
    }
    vput(env, o->rd, r, bytes);
    return true;
}

/* Scalar DUP (element): MOV Vd.<T>, Vn.<T>[i]. */
static bool scalar_dup(CPUARMState *env, uint32_t insn, Ops *o)
{
    unsigned imm5 = BITS(insn, 20, 16);
    if (o->u || BITS(insn, 14, 11) || !(imm5 & 15)) {
        return false;
    }
    if (!env) {
        return true;
    }
    unsigned size = (unsigned)__builtin_ctz(imm5), es = 1u << size;
    load3(env, o);
    se(o->r, es, 0, ge(o->a, es, imm5 >> (size + 1)));
    vput(env, o->rd, o->r, es);
    return true;
}

/* ---- dispatch --------------------------------------------------------------------------- */

bool arm_simd_exec(CPUARMState *env, uint32_t insn)
{
    if ((insn >> 24) == 0xce) {
        return arm_crypto_exec(env, insn);
    }
    if ((insn >> 31) || BITS(insn, 27, 25) != 7 || (BITS(insn, 28, 28) && !BITS(insn, 30, 30))) {
        return false;
    }
    Ops o = {
        .rd = BITS(insn, 4, 0), .rn = BITS(insn, 9, 5), .rm = BITS(insn, 20, 16),
        .size = BITS(insn, 23, 22), .q = BITS(insn, 30, 30), .u = BITS(insn, 29, 29),
        .scalar = BITS(insn, 28, 28),
    };
    bool b10 = BITS(insn, 10, 10), b21 = BITS(insn, 21, 21);
    if (BITS(insn, 24, 24)) {
        if (!b10) {
            return indexed(env, insn, &o);
        }
        if (BITS(insn, 23, 23)) {
            return false;
        }
        o.op = BITS(insn, 15, 11);
        return shift_imm(env, insn, &o);
    }
    if (b21) {
        if (b10) {
            o.op = BITS(insn, 15, 11);
            if (o.op >= 0x18) {
                return arm_simd_fp_exec(env, insn);
            }
            return three_same(env, &o);
        }
        if (!BITS(insn, 11, 11)) {
            o.op = BITS(insn, 15, 12);
            return three_diff(env, &o);
        }
        o.op = BITS(insn, 16, 12);
        switch (BITS(insn, 20, 17)) {
        case 0xc:                                            /* two-register misc (FP16) */
            return BITS(insn, 22, 22) && arm_simd_fp_exec(env, insn);
        case 0x0:
            if (o.op >= 0x16 || (o.op >= 0x0c && o.op <= 0x0f)) {
                return arm_simd_fp_exec(env, insn);
            }
            return two_misc(env, &o);
        case 0x8:
            if (o.scalar) {
                return o.op == 0x1b ? scalar_pair(env, &o) : arm_simd_fp_exec(env, insn);
            }
            if (o.op == 0x0c || o.op == 0x0f) {
                return arm_simd_fp_exec(env, insn);
            }
            return across(env, &o);
        case 0x4:
            return arm_crypto_exec(env, insn);
        default:
            return false;
        }
    }
    if (b10 && BITS(insn, 22, 22) && !BITS(insn, 15, 14)) {
        return arm_simd_fp_exec(env, insn);                  /* three same (FP16) */
    }
    if (b10 && BITS(insn, 15, 15)) {
        return same_extra(env, insn, &o);
    }
    if (o.scalar) {
        if (b10 && !BITS(insn, 23, 21)) {
            return scalar_dup(env, insn, &o);
        }
        if (!b10 && !BITS(insn, 11, 11)) {
            return arm_crypto_exec(env, insn);
        }
        return false;
    }
    if (b10 || BITS(insn, 15, 15)) {
        return false;                                        /* copy: the translator's */
    }
    if (o.u) {
        return ext(env, insn, &o);
    }
    return BITS(insn, 11, 11) ? permute(env, insn, &o) : tbl(env, insn, &o);
}

bool arm_simd_is_fp16(uint32_t insn)
{
    if ((insn >> 24) == 0xce || BITS(insn, 27, 25) != 7) {
        return false;
    }
    bool b10 = BITS(insn, 10, 10), b21 = BITS(insn, 21, 21), u = BITS(insn, 29, 29);
    unsigned size = BITS(insn, 23, 22);
    if (BITS(insn, 24, 24)) {
        if (b10) {                                           /* SCVTF/FCVTZ* #fbits */
            unsigned op = BITS(insn, 15, 11);
            return (op == 0x1c || op == 0x1f) && BITS(insn, 22, 19) >= 2 &&
                   BITS(insn, 22, 19) < 4;
        }
        unsigned op = BITS(insn, 15, 12);
        bool fp = (!u && (op == 0x1 || op == 0x5 || op == 0x9)) || (u && op == 0x9);
        bool cmla = u && (op & 1) && op < 8;
        return (fp && size == 0) || (cmla && size == 1);
    }
    if (!b21) {
        if (b10 && BITS(insn, 22, 22) && !BITS(insn, 15, 14)) {
            return true;                                     /* three same (FP16) */
        }
        return b10 && BITS(insn, 15, 15) && BITS(insn, 14, 14) && size == 1;   /* FCMLA/FCADD */
    }
    if (!b10 && BITS(insn, 11, 11)) {
        unsigned cls = BITS(insn, 20, 17), op = BITS(insn, 16, 12);
        if (cls == 0xc) {
            return BITS(insn, 22, 22);
        }
        return cls == 0x8 && !u && !(size & 1) && (op == 0x0c || op == 0x0f ||
                                                   (op == 0x0d && BITS(insn, 28, 28)));
    }
    return false;
}

void arm_helper_simd(CPUARMState *env, uint64_t insn)
{
    arm_simd_exec(env, (uint32_t)insn);
}

uint64_t arm_simd_copy(CPUARMState *env, unsigned desc, uint64_t gval)
{
    unsigned rd = desc & 31, rn = (desc >> 5) & 31, imm5 = (desc >> 10) & 31;
    unsigned imm4 = (desc >> 15) & 15;
    bool q = (desc >> 19) & 1, op = (desc >> 20) & 1;
    unsigned size = (unsigned)__builtin_ctz(imm5), es = 1u << size;
    unsigned idx = imm5 >> (size + 1);
    uint8_t a[16], d[16];
    vget(env, rn, a);
    vget(env, rd, d);
    if (op) {                                                   /* INS (element) */
        se(d, es, idx, ge(a, es, imm4 >> size));
        vput(env, rd, d, 16);
        return 0;
    }
    switch (imm4) {
    case 0x0:                                                   /* DUP (element) */
    case 0x1: {                                                 /* DUP (general) */
        uint64_t v = imm4 ? gval : ge(a, es, idx);
        for (unsigned i = 0; i < (q ? 16u : 8u) / es; i++) {
            se(d, es, i, v);
        }
        vput(env, rd, d, q ? 16 : 8);
        return 0;
    }
    case 0x3:                                                   /* INS (general) */
        se(d, es, idx, gval);
        vput(env, rd, d, 16);
        return 0;
    case 0x5:                                                   /* SMOV */
        return (uint64_t)sx(ge(a, es, idx), 8 * es);
    default:                                                    /* UMOV */
        return ge(a, es, idx);
    }
}
