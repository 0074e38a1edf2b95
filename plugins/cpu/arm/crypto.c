/* SPDX-License-Identifier: MIT */
/*
 * The cryptographic extension: AES (AESE, AESD, AESMC, AESIMC), SHA-1,
 * SHA-256, SHA-512, SHA-3 (EOR3, RAX1, XAR, BCAX) and the 64-bit PMULL,
 * following the Arm ARM's pseudo-code on 128-bit register images.  The
 * S-boxes are FIPS-197's.  Executor convention: simd-internal.h.
 */
#include "plugins/cpu/arm/simd-internal.h"

static const uint8_t aes_sbox[256] = {
    0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76,
    0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0, 0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0,
    0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15,
    0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75,
    0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, 0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84,
    0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b, 0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf,
    0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8,
    0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, 0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2,
    0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73,
    0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, 0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb,
    0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, 0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79,
    0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08,
    0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a,
    0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, 0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e,
    0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf,
    0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16,
};

static const uint8_t aes_inv_sbox[256] = {
    0x52, 0x09, 0x6a, 0xd5, 0x30, 0x36, 0xa5, 0x38, 0xbf, 0x40, 0xa3, 0x9e, 0x81, 0xf3, 0xd7, 0xfb,
    0x7c, 0xe3, 0x39, 0x82, 0x9b, 0x2f, 0xff, 0x87, 0x34, 0x8e, 0x43, 0x44, 0xc4, 0xde, 0xe9, 0xcb,
    0x54, 0x7b, 0x94, 0x32, 0xa6, 0xc2, 0x23, 0x3d, 0xee, 0x4c, 0x95, 0x0b, 0x42, 0xfa, 0xc3, 0x4e,
    0x08, 0x2e, 0xa1, 0x66, 0x28, 0xd9, 0x24, 0xb2, 0x76, 0x5b, 0xa2, 0x49, 0x6d, 0x8b, 0xd1, 0x25,
    0x72, 0xf8, 0xf6, 0x64, 0x86, 0x68, 0x98, 0x16, 0xd4, 0xa4, 0x5c, 0xcc, 0x5d, 0x65, 0xb6, 0x92,
    0x6c, 0x70, 0x48, 0x50, 0xfd, 0xed, 0xb9, 0xda, 0x5e, 0x15, 0x46, 0x57, 0xa7, 0x8d, 0x9d, 0x84,
    0x90, 0xd8, 0xab, 0x00, 0x8c, 0xbc, 0xd3, 0x0a, 0xf7, 0xe4, 0x58, 0x05, 0xb8, 0xb3, 0x45, 0x06,
    0xd0, 0x2c, 0x1e, 0x8f, 0xca, 0x3f, 0x0f, 0x02, 0xc1, 0xaf, 0xbd, 0x03, 0x01, 0x13, 0x8a, 0x6b,
    0x3a, 0x91, 0x11, 0x41, 0x4f, 0x67, 0xdc, 0xea, 0x97, 0xf2, 0xcf, 0xce, 0xf0, 0xb4, 0xe6, 0x73,
    0x96, 0xac, 0x74, 0x22, 0xe7, 0xad, 0x35, 0x85, 0xe2, 0xf9, 0x37, 0xe8, 0x1c, 0x75, 0xdf, 0x6e,
    0x47, 0xf1, 0x1a, 0x71, 0x1d, 0x29, 0xc5, 0x89, 0x6f, 0xb7, 0x62, 0x0e, 0xaa, 0x18, 0xbe, 0x1b,
    0xfc, 0x56, 0x3e, 0x4b, 0xc6, 0xd2, 0x79, 0x20, 0x9a, 0xdb, 0xc0, 0xfe, 0x78, 0xcd, 0x5a, 0xf4,
    0x1f, 0xdd, 0xa8, 0x33, 0x88, 0x07, 0xc7, 0x31, 0xb1, 0x12, 0x10, 0x59, 0x27, 0x80, 0xec, 0x5f,
    0x60, 0x51, 0x7f, 0xa9, 0x19, 0xb5, 0x4a, 0x0d, 0x2d, 0xe5, 0x7a, 0x9f, 0x93, 0xc9, 0x9c, 0xef,
    0xa0, 0xe0, 0x3b, 0x4d, 0xae, 0x2a, 0xf5, 0xb0, 0xc8, 0xeb, 0xbb, 0x3c, 0x83, 0x53, 0x99, 0x61,
    0x17, 0x2b, 0x04, 0x7e, 0xba, 0x77, 0xd6, 0x26, 0xe1, 0x69, 0x14, 0x63, 0x55, 0x21, 0x0c, 0x7d,
};


typedef struct V128 {
    uint64_t lo, hi;
} V128;

static V128 rd128(const CPUARMState *env, unsigned r)
{
    return (V128){ env->vregs[r][0], env->vregs[r][1] };
}

static void wr128(CPUARMState *env, unsigned r, V128 v)
{
    env->vregs[r][0] = v.lo;
    env->vregs[r][1] = v.hi;
}

static uint32_t w32(V128 v, unsigned i)
{
    return (uint32_t)((i < 2 ? v.lo : v.hi) >> (32 * (i & 1)));
}

static V128 from32(const uint32_t w[4])
{
    return (V128){ w[0] | (uint64_t)w[1] << 32, w[2] | (uint64_t)w[3] << 32 };
}

static uint32_t ror32(uint32_t x, unsigned n)
{
    return (x >> n) | (x << ((32 - n) & 31));
}

static uint64_t ror64(uint64_t x, unsigned n)
{
    return n ? (x >> n) | (x << (64 - n)) : x;
}

/* ---- AES ---------------------------------------------------------------------------- */

static uint8_t xtime(uint8_t x)
{
    return (uint8_t)((x << 1) ^ ((x & 0x80) ? 0x1b : 0));
}

static uint8_t gmul(uint8_t a, uint8_t b)
{
    uint8_t r = 0;
    while (b) {
        if (b & 1) {
            r ^= a;
        }
        a = xtime(a);
        b >>= 1;
    }
    return r;
}

static void aes(CPUARMState *env, unsigned op, unsigned rd, unsigned rn)
{
    uint8_t s[16], k[16], t[16];
    vget(env, rd, s);
    vget(env, rn, k);
    if (op <= 5) {                                                /* AESE / AESD */
        for (unsigned i = 0; i < 16; i++) {
            s[i] ^= k[i];
        }
        for (unsigned c = 0; c < 4; c++) {
            for (unsigned r = 0; r < 4; r++) {
                unsigned from = op == 4 ? (c + r) % 4 : (c + 4 - r) % 4;
                uint8_t b = s[r + 4 * from];
                t[r + 4 * c] = op == 4 ? aes_sbox[b] : aes_inv_sbox[b];
            }
        }
    } else {                                                      /* AESMC / AESIMC */
        static const uint8_t fwd[4] = { 2, 3, 1, 1 }, inv[4] = { 14, 11, 13, 9 };
        const uint8_t *m = op == 6 ? fwd : inv;
        for (unsigned c = 0; c < 4; c++) {
            for (unsigned r = 0; r < 4; r++) {
                uint8_t v = 0;
                for (unsigned j = 0; j < 4; j++) {
                    v ^= gmul(k[j + 4 * c], m[(j + 4 - r) % 4]);
                }
                t[r + 4 * c] = v;
            }
        }
    }
    vput(env, rd, t, 16);
}

/* ---- SHA-1 and SHA-256 ---------------------------------------------------------------- */

static uint32_t sha_choose(uint32_t x, uint32_t y, uint32_t z)
{
    return ((y ^ z) & x) ^ z;
}

static uint32_t sha_major(uint32_t x, uint32_t y, uint32_t z)
{
    return (x & y) | ((x | y) & z);
}

static uint32_t sha_parity(uint32_t x, uint32_t y, uint32_t z)
{
    return x ^ y ^ z;
}

static void sha1_hash(CPUARMState *env, unsigned op, unsigned rd, unsigned rn, unsigned rm)
{
    V128 xv = rd128(env, rd), wv = rd128(env, rm);
    uint32_t x[4] = { w32(xv, 0), w32(xv, 1), w32(xv, 2), w32(xv, 3) };
    uint32_t y = (uint32_t)env->vregs[rn][0];
    for (unsigned e = 0; e < 4; e++) {
        uint32_t t = op == 0 ? sha_choose(x[1], x[2], x[3])
                   : op == 1 ? sha_parity(x[1], x[2], x[3]) : sha_major(x[1], x[2], x[3]);
        y += ror32(x[0], 27) + t + w32(wv, e);
        x[1] = ror32(x[1], 2);
        uint32_t top = x[3];
        x[3] = x[2];
        x[2] = x[1];
        x[1] = x[0];
        x[0] = y;
        y = top;
    }
    wr128(env, rd, from32(x));
}

static uint32_t sigma0(uint32_t x)
{
    return ror32(x, 2) ^ ror32(x, 13) ^ ror32(x, 22);
}

static uint32_t sigma1(uint32_t x)
{
    return ror32(x, 6) ^ ror32(x, 11) ^ ror32(x, 25);
}

static void sha256_hash(CPUARMState *env, bool part1, unsigned rd, unsigned rn, unsigned rm)
{
    V128 xv = part1 ? rd128(env, rd) : rd128(env, rn), yv = part1 ? rd128(env, rn) : rd128(env, rd);
    V128 wv = rd128(env, rm);
    uint32_t x[4], y[4];
    for (unsigned i = 0; i < 4; i++) {
        x[i] = w32(xv, i);
        y[i] = w32(yv, i);
    }
    for (unsigned e = 0; e < 4; e++) {
        uint32_t chs = sha_choose(y[0], y[1], y[2]);
        uint32_t maj = sha_major(x[0], x[1], x[2]);
        uint32_t t = y[3] + sigma1(y[0]) + chs + w32(wv, e);
        x[3] = t + x[3];
        y[3] = t + sigma0(x[0]) + maj;
        /* ROL(Y:X, 32) */
        uint32_t xtop = x[3], ytop = y[3];
        for (unsigned i = 3; i > 0; i--) {
            x[i] = x[i - 1];
            y[i] = y[i - 1];
        }
        x[0] = ytop;
        y[0] = xtop;
    }
    wr128(env, rd, from32(part1 ? x : y));
}

static void sha_3reg(CPUARMState *env, unsigned op, unsigned rd, unsigned rn, unsigned rm)
{
    V128 d = rd128(env, rd), n = rd128(env, rn), m = rd128(env, rm);
    switch (op) {
    case 0: case 1: case 2:
        sha1_hash(env, op, rd, rn, rm);
        return;
    case 3:                                                       /* SHA1SU0 */
        wr128(env, rd, (V128){ d.hi ^ d.lo ^ m.lo, n.lo ^ d.hi ^ m.hi });
        return;
    case 4: case 5:
        sha256_hash(env, op == 4, rd, rn, rm);
        return;
    default: {                                                    /* SHA256SU1 */
        uint32_t t0[4] = { w32(n, 1), w32(n, 2), w32(n, 3), w32(m, 0) };
        uint32_t r[4];
        for (unsigned e = 0; e < 4; e++) {
            uint32_t elt = e < 2 ? w32(m, 2 + e) : r[e - 2];
            elt = ror32(elt, 17) ^ ror32(elt, 19) ^ (elt >> 10);
            r[e] = elt + w32(d, e) + t0[e];
        }
        wr128(env, rd, from32(r));
        return;
    }
    }
}

static void sha_2reg(CPUARMState *env, unsigned op, unsigned rd, unsigned rn)
{
    V128 d = rd128(env, rd), n = rd128(env, rn);
    uint32_t r[4];
    switch (op) {
    case 0:                                                       /* SHA1H */
        wr128(env, rd, (V128){ ror32((uint32_t)n.lo, 2), 0 });
        return;
    case 1: {                                                     /* SHA1SU1 */
        uint32_t t[4] = { w32(d, 0) ^ w32(n, 1), w32(d, 1) ^ w32(n, 2), w32(d, 2) ^ w32(n, 3),
                          w32(d, 3) };
        r[0] = ror32(t[0], 31);
        r[1] = ror32(t[1], 31);
        r[2] = ror32(t[2], 31);
        r[3] = ror32(t[3], 31) ^ ror32(t[0], 30);
        wr128(env, rd, from32(r));
        return;
    }
    default: {                                                    /* SHA256SU0 */
        uint32_t t[4] = { w32(d, 1), w32(d, 2), w32(d, 3), w32(n, 0) };
        for (unsigned e = 0; e < 4; e++) {
            uint32_t elt = ror32(t[e], 7) ^ ror32(t[e], 18) ^ (t[e] >> 3);
            r[e] = elt + w32(d, e);
        }
        wr128(env, rd, from32(r));
        return;
    }
    }
}

/* ---- SHA-512 and SHA-3 ---------------------------------------------------------------- */

static void sha512_3reg(CPUARMState *env, unsigned op, unsigned rd, unsigned rn, unsigned rm)
{
    V128 w = rd128(env, rd), x = rd128(env, rn), y = rd128(env, rm), r;
    switch (op) {
    case 0: {                                                     /* SHA512H */
        uint64_t s1 = ror64(y.hi, 14) ^ ror64(y.hi, 18) ^ ror64(y.hi, 41);
        r.hi = ((y.hi & x.lo) ^ (~y.hi & x.hi)) + s1 + w.hi;
        uint64_t t = r.hi + y.lo;
        s1 = ror64(t, 14) ^ ror64(t, 18) ^ ror64(t, 41);
        r.lo = ((t & y.hi) ^ (~t & x.lo)) + s1 + w.lo;
        break;
    }
    case 1: {                                                     /* SHA512H2 */
        uint64_t s0 = ror64(y.lo, 28) ^ ror64(y.lo, 34) ^ ror64(y.lo, 39);
        r.hi = ((x.lo & y.hi) ^ (x.lo & y.lo) ^ (y.hi & y.lo)) + s0 + w.hi;
        s0 = ror64(r.hi, 28) ^ ror64(r.hi, 34) ^ ror64(r.hi, 39);
        r.lo = ((r.hi & y.lo) ^ (r.hi & y.hi) ^ (y.hi & y.lo)) + s0 + w.lo;
        break;
    }
    case 2: {                                                     /* SHA512SU1 */
        uint64_t s1 = ror64(x.hi, 19) ^ ror64(x.hi, 61) ^ (x.hi >> 6);
        r.hi = w.hi + s1 + y.hi;
        s1 = ror64(x.lo, 19) ^ ror64(x.lo, 61) ^ (x.lo >> 6);
        r.lo = w.lo + s1 + y.lo;
        break;
    }
    default:                                                      /* RAX1 */
        r.lo = x.lo ^ ror64(y.lo, 63);
        r.hi = x.hi ^ ror64(y.hi, 63);
        break;
    }
    wr128(env, rd, r);
}

static void sha512su0(CPUARMState *env, unsigned rd, unsigned rn)
{
    V128 w = rd128(env, rd), x = rd128(env, rn), r;
    r.lo = w.lo + (ror64(w.hi, 1) ^ ror64(w.hi, 8) ^ (w.hi >> 7));
    r.hi = w.hi + (ror64(x.lo, 1) ^ ror64(x.lo, 8) ^ (x.lo >> 7));
    wr128(env, rd, r);
}

void arm_crypto_pmull64(CPUARMState *env, unsigned rd, unsigned rn, unsigned rm, bool hi)
{
    uint64_t a = env->vregs[rn][hi], b = env->vregs[rm][hi], lo = 0, h = 0;
    for (unsigned i = 0; i < 64; i++) {
        if ((b >> i) & 1) {
            lo ^= a << i;
            h ^= i ? a >> (64 - i) : 0;
        }
    }
    env->vregs[rd][0] = lo;
    env->vregs[rd][1] = h;
}

bool arm_crypto_exec(CPUARMState *env, uint32_t insn)
{
    unsigned rd = BITS(insn, 4, 0), rn = BITS(insn, 9, 5), rm = BITS(insn, 20, 16);
    unsigned top = insn >> 24;
    if (top == 0x4e) {
        unsigned op = BITS(insn, 16, 12);
        if (BITS(insn, 23, 17) != 0x14 || BITS(insn, 11, 10) != 2 || op < 4 || op > 7) {
            return false;
        }
        if (env) {
            aes(env, op, rd, rn);
        }
        return true;
    }
    if (top == 0x5e) {
        if (BITS(insn, 23, 17) == 0x14 && BITS(insn, 11, 10) == 2) {
            unsigned op = BITS(insn, 16, 12);
            if (op > 2) {
                return false;
            }
            if (env) {
                sha_2reg(env, op, rd, rn);
            }
            return true;
        }
        unsigned op = BITS(insn, 14, 12);
        if (BITS(insn, 23, 21) || BITS(insn, 15, 15) || BITS(insn, 11, 10) || op == 7) {
            return false;
        }
        if (env) {
            sha_3reg(env, op, rd, rn, rm);
        }
        return true;
    }
    if (top != 0xce) {
        return false;
    }
    switch (BITS(insn, 23, 21)) {
    case 0: case 1:                                               /* EOR3, BCAX */
        if (BITS(insn, 15, 15)) {
            return false;
        }
        if (env) {
            V128 n = rd128(env, rn), m = rd128(env, rm), a = rd128(env, BITS(insn, 14, 10));
            wr128(env, rd, BITS(insn, 21, 21) ? (V128){ n.lo ^ (m.lo & ~a.lo), n.hi ^ (m.hi & ~a.hi) }
                                              : (V128){ n.lo ^ m.lo ^ a.lo, n.hi ^ m.hi ^ a.hi });
        }
        return true;
    case 3:                                                       /* SHA512H..RAX1 */
        if (!BITS(insn, 15, 15) || BITS(insn, 14, 12)) {
            return false;
        }
        if (env) {
            sha512_3reg(env, BITS(insn, 11, 10), rd, rn, rm);
        }
        return true;
    case 4:                                                       /* XAR */
        if (env) {
            V128 n = rd128(env, rn), m = rd128(env, rm);
            unsigned sh = BITS(insn, 15, 10);
            wr128(env, rd, (V128){ ror64(n.lo ^ m.lo, sh), ror64(n.hi ^ m.hi, sh) });
        }
        return true;
    case 6:                                                       /* SHA512SU0 */
        if (BITS(insn, 20, 10) != 0x20) {
            return false;
        }
        if (env) {
            sha512su0(env, rd, rn);
        }
        return true;
    default:
        return false;
    }
}
