/* SPDX-License-Identifier: MIT */
/*
 * Advanced SIMD and crypto: known-answer tests (AES-128 of FIPS-197 C.1 both
 * ways, SHA-1 and SHA-256 of "abc" with the hash instructions and their
 * message-schedule instructions checked against the FIPS 180-4 schedule,
 * PMULL/PMULL2, the SHA-3 helpers) and corner cases (structure
 * loads/stores interleaving, TBL/TBX out of range, saturation and FPSR.QC,
 * reciprocal estimates, FJCVTZS flags, FRINT32X overflow, dot product,
 * complex arithmetic), the FP access trap and the ID registers that
 * advertise them.  Vector
 * operands go through memory: V0 is the destination (and accumulator),
 * V1..V3 the sources.
 */
#include "common/test.h"

__asm__(".arch armv8.5-a+crypto+sha3+dotprod+rdma\n");

typedef struct V {
    uint64_t lo, hi;
} __attribute__((aligned(16))) V;

#define VOP(insn, d, n, m, a) \
    asm volatile("ld1 {v0.16b}, [%0]\n\tld1 {v1.16b}, [%1]\n\tld1 {v2.16b}, [%2]\n\t" \
                 "ld1 {v3.16b}, [%3]\n\t" insn "\n\tst1 {v0.16b}, [%0]" \
                 :: "r"(d), "r"(n), "r"(m), "r"(a) : "v0", "v1", "v2", "v3", "memory")
#define VOP2(insn, d, n) VOP(insn, d, n, n, n)
#define VOP3(insn, d, n, m) VOP(insn, d, n, m, m)

#define QC (1u << 27)
#define IOC 0x01u
#define IXC 0x10u

static uint64_t take_fpsr(void)
{
    uint64_t v;
    asm volatile("mrs %0, fpsr\n\tmsr fpsr, xzr" : "=r"(v));
    return v;
}

static uint32_t w32(const V *v, unsigned i)
{
    return (uint32_t)((i < 2 ? v->lo : v->hi) >> (32 * (i & 1)));
}

static void set32(V *v, unsigned i, uint32_t x)
{
    uint64_t *p = i < 2 ? &v->lo : &v->hi;
    unsigned sh = 32 * (i & 1);
    *p = (*p & ~(0xffffffffull << sh)) | (uint64_t)x << sh;
}

static uint8_t byte_of(const V *v, unsigned i)
{
    return (uint8_t)((i < 8 ? v->lo : v->hi) >> (8 * (i & 7)));
}

static V from_bytes(const uint8_t *b)
{
    V v = { 0, 0 };
    for (unsigned i = 0; i < 16; i++) {
        if (i < 8) {
            v.lo |= (uint64_t)b[i] << (8 * i);
        } else {
            v.hi |= (uint64_t)b[i] << (8 * (i - 8));
        }
    }
    return v;
}

static void test_id_registers(void)
{
    uint64_t pfr0 = sysreg_read(id_aa64pfr0_el1), isar0 = sysreg_read(id_aa64isar0_el1);
    uint64_t isar1 = sysreg_read(id_aa64isar1_el1);
    CHECK((pfr0 >> 16 & 0xf) != 0xf);                 /* FP */
    CHECK((pfr0 >> 20 & 0xf) != 0xf);                 /* AdvSIMD */
    CHECK_EQ(isar0 >> 4 & 0xf, 2);                    /* AES + PMULL */
    CHECK_EQ(isar0 >> 8 & 0xf, 1);                    /* SHA1 */
    CHECK_EQ(isar0 >> 12 & 0xf, 2);                   /* SHA256 + SHA512 */
    CHECK_EQ(isar0 >> 32 & 0xf, 1);                   /* SHA3 */
    CHECK(isar0 >> 44 & 0xf);                         /* dot product */
    CHECK(isar0 >> 28 & 0xf);                         /* RDM */
    CHECK(isar1 >> 12 & 0xf);                         /* JSCVT */
    CHECK(isar1 >> 16 & 0xf);                         /* FCMA */
}

/* ---- AES-128 ---------------------------------------------------------------------------- */

static uint32_t sub_word(uint32_t w)
{
    /* AESE with a zero key on a vector of four equal columns: ShiftRows
     * is then the identity and lane 0 is SubWord(w). */
    V s = { w | (uint64_t)w << 32, w | (uint64_t)w << 32 }, z = { 0, 0 };
    VOP2("aese v0.16b, v1.16b", &s, &z);
    return (uint32_t)s.lo;
}

static void test_aes(void)
{
    static const uint8_t key[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                     0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
    static const uint8_t pt[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
    static const uint8_t ct[16] = { 0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                    0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a };
    uint32_t w[44];
    uint8_t rcon = 1;
    for (unsigned i = 0; i < 4; i++) {
        w[i] = key[4 * i] | key[4 * i + 1] << 8 | key[4 * i + 2] << 16 | (uint32_t)key[4 * i + 3] << 24;
    }
    for (unsigned i = 4; i < 44; i++) {
        uint32_t t = w[i - 1];
        if (i % 4 == 0) {
            t = sub_word((t >> 8) | (t << 24)) ^ rcon;
            rcon = (uint8_t)((rcon << 1) ^ ((rcon & 0x80) ? 0x1b : 0));
        }
        w[i] = w[i - 4] ^ t;
    }
    V rk[11];
    for (unsigned r = 0; r < 11; r++) {
        rk[r] = (V){ w[4 * r] | (uint64_t)w[4 * r + 1] << 32, w[4 * r + 2] | (uint64_t)w[4 * r + 3] << 32 };
    }
    CHECK_EQ(w[43], 0xc5302b4du);                     /* round 10 key ends 4d2b30c5 */
    V s = from_bytes(pt);
    for (unsigned r = 0; r < 9; r++) {
        VOP2("aese v0.16b, v1.16b\n\taesmc v0.16b, v0.16b", &s, &rk[r]);
    }
    VOP2("aese v0.16b, v1.16b", &s, &rk[9]);
    s.lo ^= rk[10].lo;
    s.hi ^= rk[10].hi;
    V want = from_bytes(ct);
    CHECK_EQ(s.lo, want.lo);
    CHECK_EQ(s.hi, want.hi);
    /* Decryption with the equivalent inverse cipher (AESIMC'd round keys). */
    VOP2("aesd v0.16b, v1.16b\n\taesimc v0.16b, v0.16b", &s, &rk[10]);
    for (unsigned r = 9; r >= 2; r--) {
        V k = rk[r];
        VOP2("aesimc v0.16b, v1.16b", &k, &k);
        VOP2("aesd v0.16b, v1.16b\n\taesimc v0.16b, v0.16b", &s, &k);
    }
    V k1 = rk[1];
    VOP2("aesimc v0.16b, v1.16b", &k1, &k1);
    VOP2("aesd v0.16b, v1.16b", &s, &k1);
    s.lo ^= rk[0].lo;
    s.hi ^= rk[0].hi;
    V p = from_bytes(pt);
    CHECK_EQ(s.lo, p.lo);
    CHECK_EQ(s.hi, p.hi);
}

/* ---- SHA-1 and SHA-256 of "abc" ---------------------------------------------------------- */

static uint32_t rol(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static void abc_block(uint32_t m[16])
{
    for (unsigned i = 0; i < 16; i++) {
        m[i] = 0;
    }
    m[0] = 0x61626380u;
    m[15] = 24;
}

static V vec4(const uint32_t *w)
{
    return (V){ w[0] | (uint64_t)w[1] << 32, w[2] | (uint64_t)w[3] << 32 };
}

static void test_sha1(void)
{
    uint32_t w[80];
    abc_block(w);
    for (unsigned i = 16; i < 80; i++) {
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    }
    /* The schedule instructions: W[16..19] from W[0..15]. */
    V a = vec4(w), b = vec4(w + 4), c = vec4(w + 8), d = vec4(w + 12);
    VOP3("sha1su0 v0.4s, v1.4s, v2.4s", &a, &b, &c);
    VOP2("sha1su1 v0.4s, v1.4s", &a, &d);
    CHECK_EQ(a.lo, vec4(w + 16).lo);
    CHECK_EQ(a.hi, vec4(w + 16).hi);
    static const uint32_t k[4] = { 0x5a827999u, 0x6ed9eba1u, 0x8f1bbcdcu, 0xca62c1d6u };
    static const uint32_t h0[5] = { 0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u,
                                    0xc3d2e1f0u };
    V abcd = vec4(h0);
    uint32_t e = h0[4];
    for (unsigned i = 0; i < 20; i++) {
        uint32_t wk[4];
        for (unsigned j = 0; j < 4; j++) {
            wk[j] = w[4 * i + j] + k[i / 5];
        }
        V wkv = vec4(wk), ev = { e, 0 }, enext = { w32(&abcd, 0), 0 };
        VOP2("sha1h s0, s1", &enext, &enext);
        if (i < 5) {
            VOP3("sha1c q0, s1, v2.4s", &abcd, &ev, &wkv);
        } else if (i >= 10 && i < 15) {
            VOP3("sha1m q0, s1, v2.4s", &abcd, &ev, &wkv);
        } else {
            VOP3("sha1p q0, s1, v2.4s", &abcd, &ev, &wkv);
        }
        e = (uint32_t)enext.lo;
    }
    CHECK_EQ(w32(&abcd, 0) + h0[0], 0xa9993e36u);
    CHECK_EQ(w32(&abcd, 1) + h0[1], 0x4706816au);
    CHECK_EQ(w32(&abcd, 2) + h0[2], 0xba3e2571u);
    CHECK_EQ(w32(&abcd, 3) + h0[3], 0x7850c26cu);
    CHECK_EQ(e + h0[4], 0x9cd0d89du);
}

static uint32_t ror(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static void test_sha256(void)
{
    uint32_t w[64];
    abc_block(w);
    for (unsigned i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    V a = vec4(w), b = vec4(w + 4), c = vec4(w + 8), d = vec4(w + 12);
    VOP2("sha256su0 v0.4s, v1.4s", &a, &b);
    VOP3("sha256su1 v0.4s, v1.4s, v2.4s", &a, &c, &d);
    CHECK_EQ(a.lo, vec4(w + 16).lo);
    CHECK_EQ(a.hi, vec4(w + 16).hi);
    static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    V abcd = vec4(h0), efgh = vec4(h0 + 4);
    for (unsigned i = 0; i < 16; i++) {
        uint32_t wk[4];
        for (unsigned j = 0; j < 4; j++) {
            wk[j] = w[4 * i + j] + sha256_k[4 * i + j];
        }
        V wkv = vec4(wk), old = abcd;
        VOP3("sha256h q0, q1, v2.4s", &abcd, &efgh, &wkv);
        VOP3("sha256h2 q0, q1, v2.4s", &efgh, &old, &wkv);
    }
    static const uint32_t want[8] = { 0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223,
                                      0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad };
    for (unsigned i = 0; i < 4; i++) {
        CHECK_EQ(w32(&abcd, i) + h0[i], want[i]);
        CHECK_EQ(w32(&efgh, i) + h0[4 + i], want[4 + i]);
    }
}

static const uint64_t sha512_k[80] = {
    0x428a2f98d728ae22ull, 0x7137449123ef65cdull, 0xb5c0fbcfec4d3b2full, 0xe9b5dba58189dbbcull,
    0x3956c25bf348b538ull, 0x59f111f1b605d019ull, 0x923f82a4af194f9bull, 0xab1c5ed5da6d8118ull,
    0xd807aa98a3030242ull, 0x12835b0145706fbeull, 0x243185be4ee4b28cull, 0x550c7dc3d5ffb4e2ull,
    0x72be5d74f27b896full, 0x80deb1fe3b1696b1ull, 0x9bdc06a725c71235ull, 0xc19bf174cf692694ull,
    0xe49b69c19ef14ad2ull, 0xefbe4786384f25e3ull, 0x0fc19dc68b8cd5b5ull, 0x240ca1cc77ac9c65ull,
    0x2de92c6f592b0275ull, 0x4a7484aa6ea6e483ull, 0x5cb0a9dcbd41fbd4ull, 0x76f988da831153b5ull,
    0x983e5152ee66dfabull, 0xa831c66d2db43210ull, 0xb00327c898fb213full, 0xbf597fc7beef0ee4ull,
    0xc6e00bf33da88fc2ull, 0xd5a79147930aa725ull, 0x06ca6351e003826full, 0x142929670a0e6e70ull,
    0x27b70a8546d22ffcull, 0x2e1b21385c26c926ull, 0x4d2c6dfc5ac42aedull, 0x53380d139d95b3dfull,
    0x650a73548baf63deull, 0x766a0abb3c77b2a8ull, 0x81c2c92e47edaee6ull, 0x92722c851482353bull,
    0xa2bfe8a14cf10364ull, 0xa81a664bbc423001ull, 0xc24b8b70d0f89791ull, 0xc76c51a30654be30ull,
    0xd192e819d6ef5218ull, 0xd69906245565a910ull, 0xf40e35855771202aull, 0x106aa07032bbd1b8ull,
    0x19a4c116b8d2d0c8ull, 0x1e376c085141ab53ull, 0x2748774cdf8eeb99ull, 0x34b0bcb5e19b48a8ull,
    0x391c0cb3c5c95a63ull, 0x4ed8aa4ae3418acbull, 0x5b9cca4f7763e373ull, 0x682e6ff3d6b2b8a3ull,
    0x748f82ee5defb2fcull, 0x78a5636f43172f60ull, 0x84c87814a1f0ab72ull, 0x8cc702081a6439ecull,
    0x90befffa23631e28ull, 0xa4506cebde82bde9ull, 0xbef9a3f7b2c67915ull, 0xc67178f2e372532bull,
    0xca273eceea26619cull, 0xd186b8c721c0c207ull, 0xeada7dd6cde0eb1eull, 0xf57d4f7fee6ed178ull,
    0x06f067aa72176fbaull, 0x0a637dc5a2c898a6ull, 0x113f9804bef90daeull, 0x1b710b35131c471bull,
    0x28db77f523047d84ull, 0x32caab7b40c72493ull, 0x3c9ebe0a15c9bebcull, 0x431d67c49c100d4cull,
    0x4cc5d4becb3e42b6ull, 0x597f299cfc657e2aull, 0x5fcb6fab3ad6faecull, 0x6c44198c4a475817ull,
};

static uint64_t ror64(uint64_t x, unsigned n)
{
    return (x >> n) | (x << (64 - n));
}

/* SHA-512 of "abc": the schedule in software (with SHA512SU0/SU1 checked
 * against W[16..17]) and two rounds per SHA512H + SHA512H2, the state
 * rotating through five vectors as in the usual register allocation. */
static void test_sha512(void)
{
    uint64_t w[80];
    for (unsigned i = 0; i < 16; i++) {
        w[i] = 0;
    }
    w[0] = 0x6162638000000000ull;
    w[15] = 24;
    for (unsigned i = 16; i < 80; i++) {
        uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^ (w[i - 15] >> 7);
        uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^ (w[i - 2] >> 6);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    V a = { w[0], w[1] }, b = { w[2], w[3] }, c = { w[14], w[15] }, d = { w[9], w[10] };
    VOP2("sha512su0 v0.2d, v1.2d", &a, &b);
    VOP3("sha512su1 v0.2d, v1.2d, v2.2d", &a, &c, &d);
    CHECK_EQ(a.lo, w[16]);
    CHECK_EQ(a.hi, w[17]);
    static const uint64_t h0[8] = {
        0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull,
        0xa54ff53a5f1d36f1ull, 0x510e527fade682d1ull, 0x9b05688c2b3e6c1full,
        0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull,
    };
    static const unsigned char perm[5][5] = {
        { 0, 1, 2, 3, 4 }, { 3, 0, 4, 2, 1 }, { 2, 3, 1, 4, 0 }, { 4, 2, 0, 1, 3 },
        { 1, 4, 3, 0, 2 },
    };
    V q[5] = { { h0[0], h0[1] }, { h0[2], h0[3] }, { h0[4], h0[5] }, { h0[6], h0[7] }, { 0, 0 } };
    for (unsigned r = 0; r < 40; r++) {
        const unsigned char *p = perm[r % 5];
        V *i0 = &q[p[0]], *i1 = &q[p[1]], *i2 = &q[p[2]], *i3 = &q[p[3]], *i4 = &q[p[4]];
        V kw = { sha512_k[2 * r + 1] + w[2 * r + 1], sha512_k[2 * r] + w[2 * r] };  /* swapped */
        V x = { i2->hi, i3->lo }, y = { i1->hi, i2->lo };
        i3->lo += kw.lo;
        i3->hi += kw.hi;
        VOP3("sha512h q0, q1, v2.2d", i3, &x, &y);
        i4->lo = i1->lo + i3->lo;
        i4->hi = i1->hi + i3->hi;
        VOP3("sha512h2 q0, q1, v2.2d", i3, i1, i0);
    }
    static const uint64_t want[8] = {
        0xddaf35a193617abaull, 0xcc417349ae204131ull, 0x12e6fa4e89a97ea2ull,
        0x0a9eeee64b55d39aull, 0x2192992a274fc1a8ull, 0x36ba3c23a3feebbdull,
        0x454d4423643ce80eull, 0x2a9ac94fa54ca49full,
    };
    for (unsigned i = 0; i < 4; i++) {
        CHECK_EQ(q[i].lo + h0[2 * i], want[2 * i]);
        CHECK_EQ(q[i].hi + h0[2 * i + 1], want[2 * i + 1]);
    }
}

/* ---- PMULL, SHA-3 helpers ----------------------------------------------------------------- */

static void test_pmull_sha3(void)
{
    V d = { 0, 0 }, n = { 0x8000000000000001ull, 0x87 }, m = { 3, 0x100 };
    VOP3("pmull v0.1q, v1.1d, v2.1d", &d, &n, &m);
    CHECK_EQ(d.lo, 0x8000000000000003ull);            /* (x^63 + 1)(x + 1) */
    CHECK_EQ(d.hi, 1);
    VOP3("pmull2 v0.1q, v1.2d, v2.2d", &d, &n, &m);
    CHECK_EQ(d.lo, 0x8700);
    CHECK_EQ(d.hi, 0);
    V p = { 0x0303, 0 }, q = { 0x0505, 0 };
    VOP3("pmull v0.8h, v1.8b, v2.8b", &d, &p, &q);      /* (x+1)(x^2+1) = x^3+x^2+x+1 */
    CHECK_EQ(d.lo, 0x000f000f);
    V a = { 0xff00ff00ff00ff00ull, 1 }, b = { 0x0ff00ff00ff00ff0ull, 2 }, c = { 0x1234, 4 };
    VOP("eor3 v0.16b, v1.16b, v2.16b, v3.16b", &d, &a, &b, &c);
    CHECK_EQ(d.lo, 0xff00ff00ff00ff00ull ^ 0x0ff00ff00ff00ff0ull ^ 0x1234);
    CHECK_EQ(d.hi, 7);
    VOP("bcax v0.16b, v1.16b, v2.16b, v3.16b", &d, &a, &b, &c);
    CHECK_EQ(d.lo, 0xff00ff00ff00ff00ull ^ (0x0ff00ff00ff00ff0ull & ~0x1234ull));
    CHECK_EQ(d.hi, 1 ^ (2 & ~4ull));
    V r1 = { 1, 0x8000000000000000ull }, r2 = { 0x8000000000000000ull, 1 };
    VOP3("rax1 v0.2d, v1.2d, v2.2d", &d, &r1, &r2);      /* n ^ rol(m, 1) */
    CHECK_EQ(d.lo, 0);
    CHECK_EQ(d.hi, 0x8000000000000002ull);
    VOP3("xar v0.2d, v1.2d, v2.2d, #4", &d, &r1, &r2);   /* ror(n ^ m, 4) */
    CHECK_EQ(d.lo, 0x1800000000000000ull);
    CHECK_EQ(d.hi, 0x1800000000000000ull);
}

/* ---- corner cases -------------------------------------------------------------------------- */

static void test_structures(void)
{
    static uint8_t buf[64] __attribute__((aligned(16)));
    for (unsigned i = 0; i < 64; i++) {
        buf[i] = (uint8_t)i;
    }
    V out[4];
    asm volatile("ld4 {v0.16b, v1.16b, v2.16b, v3.16b}, [%1]\n\t"
                 "st1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%0]"
                 :: "r"(out), "r"(buf) : "v0", "v1", "v2", "v3", "memory");
    for (unsigned r = 0; r < 4; r++) {
        for (unsigned i = 0; i < 16; i++) {
            CHECK_EQ(byte_of(&out[r], i), 4 * i + r);  /* de-interleaved */
        }
    }
    uint64_t base = (uint64_t)buf, after;
    asm volatile("mov x9, %1\n\tld3r {v0.4h, v1.4h, v2.4h}, [x9], #6\n\tmov %0, x9\n\t"
                 "st1 {v0.16b, v1.16b, v2.16b}, [%2]"
                 : "=r"(after) : "r"(base), "r"(out) : "x9", "v0", "v1", "v2", "memory");
    CHECK_EQ(after, base + 6);
    CHECK_EQ(out[1].lo, 0x0302030203020302ull);        /* replicated second element */
    CHECK_EQ(out[1].hi, 0);                            /* Q = 0 clears the top */
    V lane = { 0x1111111111111111ull, 0x2222222222222222ull };
    asm volatile("ld1 {v0.16b}, [%0]\n\tld1 {v0.s}[3], [%1]\n\tst1 {v0.16b}, [%0]"
                 :: "r"(&lane), "r"(buf + 8) : "v0", "memory");
    CHECK_EQ(lane.lo, 0x1111111111111111ull);
    CHECK_EQ(lane.hi, 0x0b0a090822222222ull);
}

static void test_tbl_and_saturation(void)
{
    V t = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull }, idx = { 0x10ff0f0100000000ull | 3, 0 };
    V d = { ~0ull, ~0ull };
    VOP3("tbl v0.16b, {v1.16b}, v2.16b", &d, &t, &idx);
    CHECK_EQ(d.lo, 0x00000f0100000003ull);             /* out of range -> 0 */
    CHECK_EQ(d.hi, 0);
    d = (V){ ~0ull, ~0ull };
    VOP3("tbx v0.16b, {v1.16b}, v2.16b", &d, &t, &idx);
    CHECK_EQ(d.lo, 0xffff0f0100000003ull);             /* out of range -> kept */
    take_fpsr();
    V h = { 0x8000800080008000ull, 0 }, r = { 0, 0 };
    VOP3("sqrdmulh v0.8h, v1.8h, v2.8h", &r, &h, &h);
    CHECK_EQ(r.lo, 0x7fff7fff7fff7fffull);
    CHECK_EQ(take_fpsr() & QC, QC);
    V small = { 0x0001000100010001ull, 0 };
    VOP3("sqrdmulh v0.4h, v1.4h, v2.4h", &r, &small, &small);
    CHECK_EQ(r.lo, 0);
    CHECK_EQ(take_fpsr() & QC, 0);
    V big = { 0x7f7f7f7f7f7f7f7full, 0x8080808080808080ull };
    VOP3("sqadd v0.16b, v1.16b, v2.16b", &r, &big, &big);
    CHECK_EQ(r.lo, 0x7f7f7f7f7f7f7f7full);
    CHECK_EQ(r.hi, 0x8080808080808080ull);
    CHECK_EQ(take_fpsr() & QC, QC);
    V wide = { 0x0000000100000000ull | 0xffffffffull, 0 };
    VOP2("uqxtn v0.4h, v1.4s", &r, &wide);
    CHECK_EQ(r.lo, 0x1ffffull);
    CHECK_EQ(take_fpsr() & QC, QC);
}

static void test_fp_vectors(void)
{
    V two = { 0x40000000u, 0 }, r = { 0, 0 };
    VOP2("frecpe v0.2s, v1.2s", &r, &two);
    CHECK_EQ(r.lo, 0x7f8000003eff8000ull);             /* 0.4990234375; 1/0 = inf */
    V four = { 0x40800000u, 0 };
    VOP2("frsqrte v0.2s, v1.2s", &r, &four);
    CHECK_EQ(r.lo, 0x7f8000003eff8000ull);
    V n = { 0x4000000040400000ull, 0 };                /* {3.0, 2.0} */
    VOP3("frecps v0.2s, v1.2s, v2.2s", &r, &n, &two);  /* 2 - 3*2, 2 - 2*0 */
    CHECK_EQ(r.lo, 0x40000000c0800000ull);
    take_fpsr();
    uint64_t w, nzcv;
    asm volatile("fmov d0, %2\n\tfjcvtzs %w0, d0\n\tmrs %1, nzcv" : "=r"(w), "=r"(nzcv)
                 : "r"(0xc00c000000000000ull) : "v0");            /* -3.5 */
    CHECK_EQ(w, 0xfffffffdu);
    CHECK_EQ(nzcv, 0);
    CHECK_EQ(take_fpsr(), IXC);
    asm volatile("fmov d0, %2\n\tfjcvtzs %w0, d0\n\tmrs %1, nzcv" : "=r"(w), "=r"(nzcv)
                 : "r"(0x4014000000000000ull) : "v0");            /* 5.0 */
    CHECK_EQ(w, 5);
    CHECK_EQ(nzcv, 1u << 30);
    asm volatile("fmov d0, %2\n\tfjcvtzs %w0, d0\n\tmrs %1, nzcv" : "=r"(w), "=r"(nzcv)
                 : "r"(0x41f0000000500000ull) : "v0");            /* 2^32 + 5 */
    CHECK_EQ(w, 5);
    CHECK_EQ(nzcv, 0);
    CHECK_EQ(take_fpsr() & IOC, IOC);
    asm volatile("fmov d0, %2\n\tfjcvtzs %w0, d0\n\tmrs %1, nzcv" : "=r"(w), "=r"(nzcv)
                 : "r"(0x8000000000000000ull) : "v0");            /* -0.0 */
    CHECK_EQ(w, 0);
    CHECK_EQ(nzcv, 0);
    V f = { 0x4f800000u | (uint64_t)0x3fc00000u << 32, 0 };     /* {2^32, 1.5} */
    take_fpsr();
    VOP2("frint32x v0.2s, v1.2s", &r, &f);
    CHECK_EQ(r.lo, 0xcf000000u | (uint64_t)0x40000000u << 32);  /* -2^31 (invalid), 2.0 */
    CHECK_EQ(take_fpsr(), IOC | IXC);
    V a8 = { 0x0102030405060708ull, 0 }, b8 = { 0x0101010101010101ull, 0 }, acc = { 10, 0 };
    VOP3("sdot v0.2s, v1.8b, v2.8b", &acc, &a8, &b8);
    CHECK_EQ(acc.lo, (uint64_t)(10 + 5 + 6 + 7 + 8) | (uint64_t)(1 + 2 + 3 + 4) << 32);
    /* (1 + 2i) * (3 + 4i) = -5 + 10i with FCMLA #0 then #90. */
    V x = { 0x400000003f800000ull, 0 }, y = { 0x4080000040400000ull, 0 }, z = { 0, 0 };
    VOP3("fcmla v0.2s, v1.2s, v2.2s, #0\n\tfcmla v0.2s, v1.2s, v2.2s, #90", &z, &x, &y);
    CHECK_EQ(z.lo, 0x41200000c0a00000ull);
    VOP3("fcadd v0.2s, v1.2s, v2.2s, #90", &z, &x, &y);    /* (1 - 4) + (2 + 3)i */
    CHECK_EQ(z.lo, 0x40a00000c0400000ull);
    set32(&z, 0, 0);
    CHECK_EQ(w32(&z, 0), 0);
}

/* With CPACR_EL1.FPEN = 0 every AdvSIMD and crypto class traps (EC 0x07),
 * structure loads before touching memory; encodings of features the ID
 * registers deny (FEAT_FP16 arithmetic, SM4) are EC 0x00 once FP is on. */
static void test_traps(void)
{
    static uint8_t buf[64] __attribute__((aligned(16)));
    sysreg_write(cpacr_el1, 0);
    asm volatile("isb");
    EXPECT_EXC(0x07, asm volatile("add v0.16b, v1.16b, v2.16b" ::: "v0"));
    EXPECT_EXC(0x07, asm volatile("aese v0.16b, v1.16b" ::: "v0"));
    EXPECT_EXC(0x07, asm volatile("sha512h q0, q1, v2.2d" ::: "v0"));
    EXPECT_EXC(0x07, asm volatile("ld4 {v0.16b, v1.16b, v2.16b, v3.16b}, [%0]"
                                  :: "r"(buf) : "v0", "v1", "v2", "v3", "memory"));
    EXPECT_EXC(0x07, asm volatile("umov w0, v1.b[3]" ::: "x0"));
    sysreg_write(cpacr_el1, 3ull << 20);
    asm volatile("isb");
    /* What the ID registers deny is UNDEFINED (QEMU's max has both). */
    if ((sysreg_read(id_aa64pfr0_el1) >> 20 & 0xf) == 0) {
        EXPECT_EXC(0x00, asm volatile(".inst 0x0e401420" ::: "v0"));   /* fadd v0.4h, ... */
    }
    if ((sysreg_read(id_aa64isar0_el1) >> 40 & 0xf) == 0) {
        EXPECT_EXC(0x00, asm volatile(".inst 0xcec08400" ::: "v0"));   /* sm4e v0.4s, v0.4s */
    }
}

int main(void)
{
    test_traps();
    sysreg_write(cpacr_el1, 3ull << 20);
    asm volatile("isb");
    test_id_registers();
    test_aes();
    test_sha1();
    test_sha256();
    test_sha512();
    test_pmull_sha3();
    test_structures();
    test_tbl_and_saturation();
    test_fp_vectors();
    return failures;
}
