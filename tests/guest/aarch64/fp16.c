/* SPDX-License-Identifier: MIT */
/*
 * Scalar half-precision arithmetic (FEAT_FP16) corner cases: ties and
 * directed rounding in every FPCR mode, overflow, underflow (tininess
 * before rounding, UFC only when inexact), FPCR.FZ16 (inputs flushed
 * without IDC, outputs with UFC only), fused multiply-add with a single
 * rounding, division by zero, invalid operations and the default NaN, NaN
 * propagation and FPCR.DN, square root, round to integral, conversions to
 * and from integers with saturation, compares, min/max with signed zeros,
 * moves and immediates.  The exact results and FPSR flags are checked.
 */
#include "common/test.h"

asm(".arch armv8.2-a+fp16");

#define RN (0u << 22)
#define RP (1u << 22)
#define RM (2u << 22)
#define RZ (3u << 22)
#define FZ16 (1u << 19)
#define DN (1u << 25)

#define IOC 0x01u
#define DZC 0x02u
#define OFC 0x04u
#define UFC 0x08u
#define IXC 0x10u
#define IDC 0x80u

static void set_fpcr(uint64_t v)
{
    sysreg_write(fpcr, v);
    sysreg_write(fpsr, 0);
}

static uint64_t fpsr(void)
{
    return sysreg_read(fpsr) & 0x9f;
}

#define H2(name, insn) \
    static uint16_t name(uint16_t a, uint16_t b) \
    { \
        uint32_t r; \
        asm volatile("fmov s1, %w1\n\tfmov s2, %w2\n\t" insn " h0, h1, h2\n\tfmov %w0, s0" \
                     : "=r"(r) : "r"((uint32_t)a), "r"((uint32_t)b) : "v0", "v1", "v2"); \
        return (uint16_t)r; \
    }
H2(fadd, "fadd")
H2(fsub, "fsub")
H2(fmul, "fmul")
H2(fdiv, "fdiv")
H2(fnmul, "fnmul")
H2(fmax, "fmax")
H2(fmin, "fmin")
H2(fminnm, "fminnm")

#define H1(name, insn) \
    static uint16_t name(uint16_t a) \
    { \
        uint32_t r; \
        asm volatile("fmov s1, %w1\n\t" insn " h0, h1\n\tfmov %w0, s0" \
                     : "=r"(r) : "r"((uint32_t)a) : "v0", "v1"); \
        return (uint16_t)r; \
    }
H1(fsqrt, "fsqrt")
H1(frintn, "frintn")
H1(frinta, "frinta")
H1(frintm, "frintm")
H1(frintp, "frintp")
H1(frintx, "frintx")
H1(fneg, "fneg")

static uint16_t fmadd(uint16_t n, uint16_t m, uint16_t a)
{
    uint32_t r;
    asm volatile("fmov s1, %w1\n\tfmov s2, %w2\n\tfmov s3, %w3\n\tfmadd h0, h1, h2, h3\n\t"
                 "fmov %w0, s0"
                 : "=r"(r) : "r"((uint32_t)n), "r"((uint32_t)m), "r"((uint32_t)a)
                 : "v0", "v1", "v2", "v3");
    return (uint16_t)r;
}

#define TOINT(name, insn) \
    static uint64_t name(uint16_t a) \
    { \
        uint64_t r; \
        asm volatile("fmov s1, %w1\n\t" insn " %w0, h1" : "=r"(r) : "r"((uint32_t)a) : "v1"); \
        return r; \
    }
TOINT(fcvtzs, "fcvtzs")
TOINT(fcvtzu, "fcvtzu")
TOINT(fcvtns, "fcvtns")
TOINT(fcvtas, "fcvtas")

static uint16_t scvtf(int32_t v)
{
    uint32_t r;
    asm volatile("scvtf h0, %w1\n\tfmov %w0, s0" : "=r"(r) : "r"(v) : "v0");
    return (uint16_t)r;
}

static uint16_t ucvtf(uint32_t v)
{
    uint32_t r;
    asm volatile("ucvtf h0, %w1\n\tfmov %w0, s0" : "=r"(r) : "r"(v) : "v0");
    return (uint16_t)r;
}

static uint64_t fcmp(uint16_t a, uint16_t b, bool e)
{
    uint64_t nzcv;
    if (e) {
        asm volatile("fmov s1, %w1\n\tfmov s2, %w2\n\tfcmpe h1, h2\n\tmrs %0, nzcv"
                     : "=r"(nzcv) : "r"((uint32_t)a), "r"((uint32_t)b) : "v1", "v2", "cc");
    } else {
        asm volatile("fmov s1, %w1\n\tfmov s2, %w2\n\tfcmp h1, h2\n\tmrs %0, nzcv"
                     : "=r"(nzcv) : "r"((uint32_t)a), "r"((uint32_t)b) : "v1", "v2", "cc");
    }
    return nzcv >> 28;
}

#define EXPECT(fpcr_, expr, want, flags) \
    do { set_fpcr(fpcr_); uint64_t r_ = (expr); uint64_t f_ = fpsr(); \
         CHECK_EQ(r_, (want)); CHECK_EQ(f_, (flags)); } while (0)

static void rounding(void)
{
    /* 1 + 2^-11: a tie between 1.0 and 1 + 2^-10. */
    EXPECT(RN, fadd(0x3c00, 0x1000), 0x3c00, IXC);
    EXPECT(RP, fadd(0x3c00, 0x1000), 0x3c01, IXC);
    EXPECT(RM, fadd(0x3c00, 0x1000), 0x3c00, IXC);
    EXPECT(RZ, fadd(0x3c00, 0x1000), 0x3c00, IXC);
    /* -(1 + 2^-11): RM away from zero. */
    EXPECT(RM, fsub(0xbc00, 0x1000), 0xbc01, IXC);
    EXPECT(RP, fsub(0xbc00, 0x1000), 0xbc00, IXC);
    /* 1 + 3*2^-12 (above the tie): nearest rounds up; 1 + 3*2^-13 down. */
    EXPECT(RN, fadd(0x3c00, 0x1200), 0x3c01, IXC);
    EXPECT(RN, fadd(0x3c00, 0x0e00), 0x3c00, IXC);
    /* Exact: no flags; x - x is +0, -0 rounding towards minus infinity. */
    EXPECT(RN, fadd(0x3c00, 0x3c00), 0x4000, 0);
    EXPECT(RN, fsub(0x4248, 0x4248), 0x0000, 0);
    EXPECT(RM, fsub(0x4248, 0x4248), 0x8000, 0);
}

static void range(void)
{
    /* 65504 + 32: overflow (to infinity or the largest finite). */
    EXPECT(RN, fadd(0x7bff, 0x5000), 0x7c00, OFC | IXC);
    EXPECT(RP, fadd(0x7bff, 0x5000), 0x7c00, OFC | IXC);
    EXPECT(RM, fadd(0x7bff, 0x5000), 0x7bff, OFC | IXC);
    EXPECT(RZ, fadd(0x7bff, 0x5000), 0x7bff, OFC | IXC);
    EXPECT(RN, fmul(0xfbff, 0x4000), 0xfc00, OFC | IXC);
    EXPECT(RP, fmul(0xfbff, 0x4000), 0xfbff, OFC | IXC);
    /* Exact subnormal result: no UFC.  Inexact tiny: UFC + IXC. */
    EXPECT(RN, fmul(0x0400, 0x3800), 0x0200, 0);
    EXPECT(RN, fmul(0x0401, 0x3800), 0x0200, UFC | IXC);
    EXPECT(RP, fmul(0x0401, 0x3800), 0x0201, UFC | IXC);
    /* Tiny before rounding, normal after: still UFC. */
    EXPECT(RP, fmul(0x07ff, 0x3800), 0x0400, UFC | IXC);
    /* FZ16: subnormal output flushed (UFC, no IXC), inputs flushed
     * without IDC; FZ alone does not touch half precision. */
    EXPECT(RN | FZ16, fmul(0x0401, 0x3800), 0x0000, UFC);
    EXPECT(RN | FZ16, fadd(0x0001, 0x0000), 0x0000, 0);
    EXPECT(RN | FZ16, fadd(0x8001, 0x3c00), 0x3c00, 0);
    EXPECT(RN | (1u << 24), fadd(0x0001, 0x0000), 0x0001, 0);
}

static void special(void)
{
    EXPECT(RN, fdiv(0x3c00, 0x0000), 0x7c00, DZC);
    EXPECT(RN, fdiv(0xbc00, 0x0000), 0xfc00, DZC);
    EXPECT(RN, fdiv(0x0000, 0x0000), 0x7e00, IOC);
    EXPECT(RN, fsub(0x7c00, 0x7c00), 0x7e00, IOC);
    EXPECT(RN, fmul(0x7c00, 0x0000), 0x7e00, IOC);
    /* NaNs: the first signalling one quietened (IOC), else the first quiet
     * one; DN gives the default NaN. */
    EXPECT(RN, fadd(0x7e01, 0x7d00), 0x7f00, IOC);
    EXPECT(RN, fadd(0x7e01, 0xfe02), 0x7e01, 0);
    EXPECT(RN | DN, fadd(0x7e01, 0x3c00), 0x7e00, 0);
    EXPECT(RN, fnmul(0x7e01, 0x3c00), 0xfe01, 0);     /* FNMUL negates the NaN too */
    /* FDIV: 1/3 in each mode. */
    EXPECT(RN, fdiv(0x3c00, 0x4200), 0x3555, IXC);
    EXPECT(RP, fdiv(0x3c00, 0x4200), 0x3556, IXC);
    EXPECT(RZ, fdiv(0x3c00, 0x4200), 0x3555, IXC);
    /* FSQRT: sqrt(2), sqrt(4) exact, sqrt(-1) invalid, sqrt(-0) = -0. */
    EXPECT(RN, fsqrt(0x4000), 0x3da8, IXC);
    EXPECT(RP, fsqrt(0x4000), 0x3da9, IXC);
    EXPECT(RN, fsqrt(0x4400), 0x4000, 0);
    EXPECT(RN, fsqrt(0xbc00), 0x7e00, IOC);
    EXPECT(RN, fsqrt(0x8000), 0x8000, 0);
}

static void fused(void)
{
    /* (1 + 2^-10)(1 - 2^-11) - 1 = 2^-11 - 2^-21: exact when fused (a
     * separate multiply would round the product to 1). */
    EXPECT(RN, fmadd(0x3c01, 0x3bff, 0xbc00), 0x0ffe, 0);
    EXPECT(RN, fmadd(0x4000, 0x4200, 0x3c00), 0x4700, 0);    /* 2*3 + 1 = 7 */
    /* inf * 0 + qNaN: invalid, the default NaN. */
    EXPECT(RN, fmadd(0x7c00, 0x0000, 0x7e01), 0x7e00, IOC);
    /* Overflow in the sum only. */
    EXPECT(RZ, fmadd(0x7bff, 0x3c00, 0x7bff), 0x7bff, OFC | IXC);
}

static void integral(void)
{
    EXPECT(RN, frintn(0x4100), 0x4000, 0);          /* 2.5 -> 2 */
    EXPECT(RN, frinta(0x4100), 0x4200, 0);          /* 2.5 -> 3 */
    EXPECT(RN, frintx(0x4100), 0x4000, IXC);
    EXPECT(RP, frintx(0x4100), 0x4200, IXC);
    EXPECT(RN, frintm(0xb800), 0xbc00, 0);          /* -0.5 -> -1 */
    EXPECT(RN, frintp(0xb800), 0x8000, 0);          /* -0.5 -> -0 */
    EXPECT(RN, frintn(0x7d00), 0x7f00, IOC);
    /* To integers: saturation and NaN are invalid. */
    EXPECT(RN, fcvtzs(0x7bff), 65504, 0);
    EXPECT(RN, fcvtzs(0x7c00), 0x7fffffff, IOC);
    EXPECT(RN, fcvtzs(0x7e00), 0, IOC);
    EXPECT(RN, fcvtzu(0xbc00), 0, IOC);
    EXPECT(RN, fcvtzs(0xbe00), 0xffffffff, IXC);    /* -1.5 -> -1 */
    EXPECT(RN, fcvtns(0xbe00), 0xfffffffe, IXC);    /* -1.5 -> -2 */
    EXPECT(RN, fcvtas(0xc100), 0xfffffffd, IXC);    /* -2.5 -> -3 */
    /* From integers: 65520 is the tie with 2^16 (overflow). */
    EXPECT(RN, scvtf(65520), 0x7c00, OFC | IXC);
    EXPECT(RZ, scvtf(65520), 0x7bff, IXC);          /* rounds to 65504: no overflow */
    EXPECT(RN, scvtf(-2049), 0xe800, IXC);          /* ties to even: -2048 */
    EXPECT(RN, scvtf(-2051), 0xe802, IXC);          /* ties to even: -2052 */
    EXPECT(RN, scvtf(2047), 0x67ff, 0);
    EXPECT(RN, ucvtf(0xffffffffu), 0x7c00, OFC | IXC);
}

static void compare_and_move(void)
{
    EXPECT(RN, fcmp(0x3c00, 0x4000, false), 0x8, 0);
    EXPECT(RN, fcmp(0x4000, 0x4000, false), 0x6, 0);
    EXPECT(RN, fcmp(0x8000, 0x0000, false), 0x6, 0);
    EXPECT(RN, fcmp(0x7e00, 0x4000, false), 0x3, 0);
    EXPECT(RN, fcmp(0x7e00, 0x4000, true), 0x3, IOC);
    EXPECT(RN, fcmp(0x7d00, 0x4000, false), 0x3, IOC);
    EXPECT(RN, fmax(0x8000, 0x0000), 0x0000, 0);
    EXPECT(RN, fmin(0x8000, 0x0000), 0x8000, 0);
    EXPECT(RN, fminnm(0x7e00, 0x3c00), 0x3c00, 0);
    EXPECT(RN, fmax(0x7e00, 0x3c00), 0x7e00, 0);
    EXPECT(RN, fneg(0x7e00), 0xfe00, 0);
    /* FMOV between general and half registers, immediates. */
    uint64_t w, x;
    asm volatile("mov x3, #0xbeef\n\tmovk x3, #0x1234, lsl #16\n\tfmov h4, w3\n\t"
                 "fmov x5, d4\n\tfmov h6, #-2.5\n\tfmov w7, h6\n\tmov %0, x5\n\tmov %1, x7"
                 : "=r"(w), "=r"(x) :: "x3", "x5", "x7", "v4", "v6");
    CHECK_EQ(w, 0xbeef);
    CHECK_EQ(x, 0xc100);
}

/* Advanced SIMD half precision: lanes, reductions, by element, 16-bit
 * integer conversions with saturation, vector immediates. */
static void vector(void)
{
    static const uint16_t a[8] = { 0x3c00, 0x4000, 0x7bff, 0x8000, 0x7e00, 0x0001, 0xc100, 0x5bff };
    static const uint16_t b[8] = { 0x3c00, 0x1000, 0x5000, 0x0000, 0x3c00, 0x0001, 0x3800, 0x3c00 };
    uint16_t r[8], c[8];
    set_fpcr(RN);
    asm volatile("ldr q1, [%1]\n\tldr q2, [%2]\n\tfadd v0.8h, v1.8h, v2.8h\n\tstr q0, [%0]"
                 :: "r"(r), "r"(a), "r"(b) : "v0", "v1", "v2", "memory");
    static const uint16_t sum[8] = { 0x4000, 0x4000, 0x7c00, 0x0000, 0x7e00, 0x0002, 0xc000,
                                     0x5c04 };             /* 256.875: tie, to even 257 */
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(r[i], sum[i]);
    }
    CHECK_EQ(fpsr(), OFC | IXC);
    /* FMAXNMV ignores the quiet NaN; FMAXV does not. */
    uint32_t m, mn;
    asm volatile("ldr q1, [%2]\n\tfmaxnmv h0, v1.8h\n\tfmov %w0, s0\n\t"
                 "fmaxv h0, v1.8h\n\tfmov %w1, s0"
                 : "=r"(mn), "=r"(m) : "r"(a) : "v0", "v1");
    CHECK_EQ(mn, 0x7bff);
    CHECK_EQ(m, 0x7e00);
    /* FCVTZS to 16-bit lanes: 65504 and -2.5 after #2 fraction bits. */
    set_fpcr(RN);
    asm volatile("ldr q1, [%1]\n\tfcvtzs v0.8h, v1.8h\n\tstr q0, [%0]"
                 :: "r"(c), "r"(a) : "v0", "v1", "memory");
    CHECK_EQ(c[1], 2);
    CHECK_EQ(c[2], 0x7fff);                         /* 65504 saturates */
    CHECK_EQ(c[4], 0);                              /* NaN */
    CHECK_EQ(c[6], 0xfffe);                         /* -2.5 -> -2 */
    CHECK_EQ(fpsr(), IOC | IXC);
    /* FMLA by element (lane 0 of v2 = 1.0) onto an FMOV vector immediate. */
    asm volatile("ldr q1, [%1]\n\tldr q2, [%2]\n\tfmov v0.8h, #-2.5\n\t"
                 "fmla v0.8h, v1.8h, v2.h[0]\n\tstr q0, [%0]"
                 :: "r"(r), "r"(a), "r"(b) : "v0", "v1", "v2", "memory");
    CHECK_EQ(r[0], 0xbe00);                         /* -2.5 + 1*1 = -1.5 */
    CHECK_EQ(r[1], 0xb800);                         /* -2.5 + 2*1 = -0.5 */
    CHECK_EQ(r[7], 0x5beb);                         /* 255.875 - 2.5 = 253.375 */
}

int main(void)
{
    sysreg_write(cpacr_el1, 3ull << 20);           /* FP/SIMD enabled at EL0/EL1 */
    asm volatile("isb");
    uint64_t pfr0 = sysreg_read(id_aa64pfr0_el1);
    /* max advertises FEAT_FP16 for scalar and Advanced SIMD alike. */
    CHECK_EQ((pfr0 >> 16) & 0xf, 1);
    CHECK_EQ((pfr0 >> 20) & 0xf, 1);
    rounding();
    range();
    special();
    fused();
    integral();
    compare_and_move();
    vector();
    set_fpcr(0);
    return failures;
}
