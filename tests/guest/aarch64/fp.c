/* SPDX-License-Identifier: MIT */
/*
 * Scalar floating point (single and double): the FP access trap, FPCR
 * rounding modes, DN and FZ, FPSR cumulative flags, NaN propagation, fused
 * multiply-add, min/max, compares, conversions between precisions and
 * to/from integers (saturation), round-to-integral, FMOV forms and the
 * SIMD&FP register loads/stores.  Values are bit patterns.
 */
#include "common/test.h"

#define IOC 0x01u
#define DZC 0x02u
#define OFC 0x04u
#define UFC 0x08u
#define IXC 0x10u
#define IDC 0x80u

#define S_QNAN1 0x7fc00001u
#define S_SNAN2 0x7f800002u
#define S_DNAN 0x7fc00000u
#define D_ONE 0x3ff0000000000000ull
#define D_THREE 0x4008000000000000ull

static void set_fpcr(uint64_t v)
{
    asm volatile("msr fpcr, %0" :: "r"(v));
}

static uint64_t take_fpsr(void)
{
    uint64_t v;
    asm volatile("mrs %0, fpsr\n\tmsr fpsr, xzr" : "=r"(v));
    return v;
}

/* G(reg): the general-register operand modifier matching FP register
 * letter reg ("s" -> %w, "d" -> %x). */
#define G_s "w"
#define G_d "x"
#define G_h "w"
/* The register name fmov moves a value of that size through (h via s:
 * FMOV of H registers needs FEAT_FP16; the upper bits are zero). */
#define FM_s "s"
#define FM_d "d"
#define FM_h "s"
#define FM(reg) FM_##reg
#define G(reg) G_##reg
#define FOP2(insn, reg, a, b) ({ uint64_t r_; \
    asm volatile("fmov " #reg "0, %" G(reg) "1\n\tfmov " #reg "1, %" G(reg) "2\n\t" \
                 insn " " #reg "2, " #reg "0, " #reg "1\n\t" \
                 "fmov %" G(reg) "0, " #reg "2" : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b)) \
                 : "v0", "v1", "v2"); r_; })
#define FOP1(insn, reg, a) ({ uint64_t r_; \
    asm volatile("fmov " #reg "0, %" G(reg) "1\n\t" insn " " #reg "2, " #reg "0\n\t" \
                 "fmov %" G(reg) "0, " #reg "2" : "=r"(r_) : "r"((uint64_t)(a)) : "v0", "v2"); r_; })
#define D2(insn, a, b) FOP2(insn, d, a, b)
#define S2(insn, a, b) ((uint32_t)FOP2(insn, s, (uint32_t)(a), (uint32_t)(b)))

static void test_trap(void)
{
    sysreg_write(cpacr_el1, 0);
    asm volatile("isb");
    uint64_t v;
    EXPECT_EXC(0x07, asm volatile("fmov d0, xzr" ::: "v0"));
    CHECK_EQ(last_exc.esr, 0x1fe00000);
    EXPECT_EXC(0x07, asm volatile("mrs %0, fpcr" : "=r"(v)));
    sysreg_write(cpacr_el1, 3ull << 20);
    asm volatile("isb");
    asm volatile("fmov d0, xzr" ::: "v0");
}

static void test_arith(void)
{
    set_fpcr(0);
    take_fpsr();
    CHECK_EQ(D2("fadd", D_ONE, D_THREE), 0x4010000000000000ull);           /* 4.0 */
    CHECK_EQ(D2("fsub", D_ONE, D_THREE), 0xc000000000000000ull);           /* -2.0 */
    CHECK_EQ(D2("fmul", D_THREE, D_THREE), 0x4022000000000000ull);         /* 9.0 */
    CHECK_EQ(take_fpsr(), 0);
    CHECK_EQ(D2("fdiv", D_ONE, D_THREE), 0x3fd5555555555555ull);
    CHECK_EQ(take_fpsr(), IXC);
    CHECK_EQ(D2("fnmul", D_ONE, D_THREE), 0xc008000000000000ull);
    CHECK_EQ(S2("fadd", 0x3f800000, 0x40400000), 0x40800000);
    CHECK_EQ(S2("fdiv", 0x3f800000, 0), 0x7f800000);                      /* 1/0 = inf */
    CHECK_EQ(take_fpsr(), DZC);
    CHECK_EQ(S2("fdiv", 0, 0), S_DNAN);                                   /* 0/0 */
    CHECK_EQ(take_fpsr(), IOC);
    CHECK_EQ(S2("fmul", 0x7f000000, 0x7f000000), 0x7f800000);             /* overflow */
    CHECK_EQ(take_fpsr(), OFC | IXC);
    CHECK_EQ(S2("fmul", 0x00800000, 0x3e800000), 0x00200000);             /* exact subnormal */
    CHECK_EQ(take_fpsr(), 0);
    CHECK_EQ(S2("fmul", 0x00800001, 0x3e800000), 0x00200000);             /* inexact tiny */
    CHECK_EQ(take_fpsr(), UFC | IXC);
    CHECK_EQ(FOP1("fsqrt", d, 0x4010000000000000ull), 0x4000000000000000ull);
    CHECK_EQ(FOP1("fsqrt", s, 0xbf800000u), S_DNAN);                    /* sqrt(-1) */
    CHECK_EQ(take_fpsr(), IOC);
    CHECK_EQ(FOP1("fabs", d, 0x8000000000000001ull), 1);
    CHECK_EQ(FOP1("fneg", s, S_QNAN1), S_QNAN1 | 0x80000000u);          /* no NaN processing */
    CHECK_EQ(take_fpsr(), 0);
}

static void test_nans(void)
{
    set_fpcr(0);
    take_fpsr();
    CHECK_EQ(S2("fadd", S_QNAN1, 0x3f800000), S_QNAN1);
    CHECK_EQ(S2("fadd", 0x3f800000, S_QNAN1), S_QNAN1);
    CHECK_EQ(take_fpsr(), 0);
    CHECK_EQ(S2("fadd", S_QNAN1, S_SNAN2), 0x7fc00002u);                  /* SNaN wins, quiet */
    CHECK_EQ(take_fpsr(), IOC);
    CHECK_EQ(S2("fmul", 0xffc00003u, S_QNAN1), 0xffc00003u);              /* first QNaN */
    set_fpcr(1u << 25);                                                   /* DN */
    CHECK_EQ(S2("fadd", S_QNAN1, 0), S_DNAN);
    CHECK_EQ(D2("fsub", 0x7ff0000000000001ull, 0), 0x7ff8000000000000ull);
    CHECK_EQ(take_fpsr(), IOC);
    set_fpcr(0);
    /* min/max: NaNs propagate; the NM forms prefer numbers; signed zeros. */
    CHECK_EQ(S2("fmax", S_QNAN1, 0x3f800000), S_QNAN1);
    CHECK_EQ(S2("fmaxnm", S_QNAN1, 0x3f800000), 0x3f800000);
    CHECK_EQ(S2("fminnm", 0x3f800000, S_QNAN1), 0x3f800000);
    CHECK_EQ(S2("fminnm", S_SNAN2, 0x3f800000), 0x7fc00002u);
    CHECK_EQ(take_fpsr(), IOC);
    CHECK_EQ(S2("fmax", 0x80000000u, 0), 0);
    CHECK_EQ(S2("fmin", 0, 0x80000000u), 0x80000000u);
    CHECK_EQ(D2("fmin", D_ONE, D_THREE), D_ONE);
    CHECK_EQ(D2("fmax", 0xbff0000000000000ull, D_THREE), D_THREE);
}

static uint64_t fmadd_d(const char *which, uint64_t n, uint64_t m, uint64_t a);

#define FMA(insn, reg, n, m, a) ({ uint64_t r_; \
    asm volatile("fmov " #reg "0, %" G(reg) "1\n\tfmov " #reg "1, %" G(reg) "2\n\t" \
                 "fmov " #reg "3, %" G(reg) "3\n\t" \
                 insn " " #reg "2, " #reg "0, " #reg "1, " #reg "3\n\tfmov %" G(reg) "0, " #reg "2" \
                 : "=r"(r_) : "r"((uint64_t)(n)), "r"((uint64_t)(m)), "r"((uint64_t)(a)) \
                 : "v0", "v1", "v2", "v3"); r_; })

static void test_fma(void)
{
    set_fpcr(0);
    take_fpsr();
    /* (1 + 2^-30)(1 - 2^-30) - 1 = -2^-60 exactly: one rounding only. */
    uint64_t p = 0x3ff0000000400000ull, q = 0x3fefffffff800000ull;
    CHECK_EQ(FMA("fmadd", d, p, q, 0xbff0000000000000ull), 0xbc30000000000000ull);
    CHECK_EQ(FMA("fmsub", d, D_THREE, D_THREE, D_ONE), 0xc020000000000000ull);   /* 1-9 */
    CHECK_EQ(FMA("fnmadd", d, D_THREE, D_THREE, D_ONE), 0xc024000000000000ull);  /* -1-9 */
    CHECK_EQ(FMA("fnmsub", d, D_THREE, D_THREE, D_ONE), 0x4020000000000000ull);  /* -1+9 */
    take_fpsr();
    /* inf * 0 + QNaN: Invalid and the default NaN. */
    CHECK_EQ(FMA("fmadd", s, 0x7f800000u, 0, S_QNAN1), S_DNAN);
    CHECK_EQ(take_fpsr(), IOC);
    CHECK_EQ(FMA("fmadd", s, 0x3f800000, 0x3f800000, S_QNAN1), S_QNAN1);
    CHECK_EQ(take_fpsr(), 0);
    /* FMSUB negates the first factor, NaNs included. */
    CHECK_EQ(FMA("fmsub", s, S_QNAN1, 0x3f800000, 0x3f800000), S_QNAN1 | 0x80000000u);
}

static uint64_t fmadd_d(const char *which, uint64_t n, uint64_t m, uint64_t a)
{
    return 0;
}

static void test_rounding(void)
{
    take_fpsr();
    static const struct {
        uint64_t mode;
        uint64_t third;        /* 1/3 in double */
        uint64_t neg_third;    /* -1/3 */
    } r[] = {
        { 0, 0x3fd5555555555555ull, 0xbfd5555555555555ull },    /* RN */
        { 1, 0x3fd5555555555556ull, 0xbfd5555555555555ull },    /* RP */
        { 2, 0x3fd5555555555555ull, 0xbfd5555555555556ull },    /* RM */
        { 3, 0x3fd5555555555555ull, 0xbfd5555555555555ull },    /* RZ */
    };
    for (int i = 0; i < 4; i++) {
        set_fpcr(r[i].mode << 22);
        CHECK_EQ(D2("fdiv", D_ONE, D_THREE), r[i].third);
        CHECK_EQ(D2("fdiv", 0xbff0000000000000ull, D_THREE), r[i].neg_third);
    }
    set_fpcr(0);
    take_fpsr();
    /* Round to integral: 2.5 and -2.5 in each mode. */
    uint64_t p25 = 0x4004000000000000ull, m25 = 0xc004000000000000ull;
    CHECK_EQ(FOP1("frintn", d, p25), 0x4000000000000000ull);   /* 2 */
    CHECK_EQ(FOP1("frinta", d, p25), 0x4008000000000000ull);   /* 3 */
    CHECK_EQ(FOP1("frintp", d, m25), 0xc000000000000000ull);   /* -2 */
    CHECK_EQ(FOP1("frintm", d, m25), 0xc008000000000000ull);   /* -3 */
    CHECK_EQ(FOP1("frintz", d, m25), 0xc000000000000000ull);   /* -2 */
    CHECK_EQ(take_fpsr(), 0);                                    /* no Inexact */
    CHECK_EQ(FOP1("frintx", s, 0x3fc00000u), 0x40000000u);     /* 1.5 -> 2 */
    CHECK_EQ(take_fpsr(), IXC);
    set_fpcr(1ull << 22);
    CHECK_EQ(FOP1("frinti", s, 0x3f800001u), 0x40000000u);     /* RP: 1.0000001 -> 2 */
    set_fpcr(0);
}

static void test_compare(void)
{
    uint64_t f;
#define FCMP(insn, reg, a, b) ({ \
    asm volatile("fmov " #reg "0, %" G(reg) "1\n\tfmov " #reg "1, %" G(reg) "2\n\t" \
                 insn " " #reg "0, " #reg "1\n\t" \
                 "mrs %0, nzcv" : "=r"(f) : "r"((uint64_t)(a)), "r"((uint64_t)(b)) \
                 : "v0", "v1", "cc"); f >> 28; })
    take_fpsr();
    CHECK_EQ(FCMP("fcmp", d, D_ONE, D_THREE), 0x8);
    CHECK_EQ(FCMP("fcmp", d, D_THREE, D_ONE), 0x2);
    CHECK_EQ(FCMP("fcmp", d, D_ONE, D_ONE), 0x6);
    CHECK_EQ(FCMP("fcmp", s, 0x80000000u, 0), 0x6);            /* -0 == +0 */
    CHECK_EQ(FCMP("fcmp", s, S_QNAN1, 0), 0x3);
    CHECK_EQ(take_fpsr(), 0);
    CHECK_EQ(FCMP("fcmpe", s, S_QNAN1, 0), 0x3);
    CHECK_EQ(take_fpsr(), IOC);
    CHECK_EQ(FCMP("fcmp", s, S_SNAN2, 0), 0x3);
    CHECK_EQ(take_fpsr(), IOC);
    asm volatile("fmov d0, %1\n\tfcmp d0, #0.0\n\tmrs %0, nzcv" : "=r"(f)
                 : "r"(0xbff0000000000000ull) : "v0", "cc");
    CHECK_EQ(f >> 28, 0x8);
    /* fccmp: condition false -> #nzcv; fcsel. */
    asm volatile("mov x9, #0\n\tcmp x9, #1\n\tfmov d0, xzr\n\tfccmp d0, d0, #0x5, eq\n\tmrs %0, nzcv"
                 : "=r"(f) :: "v0", "x9", "cc");
    CHECK_EQ(f >> 28, 0x5);
    asm volatile("mov x9, #0\n\tcmp x9, #0\n\tfmov d0, xzr\n\tfccmpe d0, d0, #0x5, eq\n\tmrs %0, nzcv"
                 : "=r"(f) :: "v0", "x9", "cc");
    CHECK_EQ(f >> 28, 0x6);
    uint64_t r;
    asm volatile("fmov d0, %1\n\tfmov d1, %2\n\tmov x9, #0\n\tcmp x9, #0\n\tfcsel d2, d0, d1, ne\n\t"
                 "fmov %0, d2" : "=r"(r) : "r"(D_ONE), "r"(D_THREE) : "v0", "v1", "v2", "x9", "cc");
    CHECK_EQ(r, D_THREE);
}

static void test_convert(void)
{
    set_fpcr(0);
    take_fpsr();
    uint64_t r;
#define CVT(insn, dst, src, v) ({ \
    asm volatile("fmov " FM(src) "0, %" G(src) "1\n\t" insn " " #dst "1, " #src "0\n\t" \
                 "fmov %" G(dst) "0, " FM(dst) "1" \
                 : "=r"(r) : "r"((uint64_t)(v)) : "v0", "v1"); r; })
    CHECK_EQ(CVT("fcvt", d, s, 0x3f800000u), D_ONE);
    CHECK_EQ(CVT("fcvt", s, d, 0x3fd5555555555555ull), 0x3eaaaaabu);
    CHECK_EQ(take_fpsr(), IXC);
    CHECK_EQ(CVT("fcvt", s, d, 0x7ff4000000000123ull), 0x7fe00000u);   /* SNaN: quiet, top bits */
    CHECK_EQ(take_fpsr(), IOC);
    CHECK_EQ(CVT("fcvt", d, s, 0xffc00001u), 0xfff8000020000000ull);
    CHECK_EQ(CVT("fcvt", s, d, 0x47f0000000000000ull), 0x7f800000u);   /* overflow */
    CHECK_EQ(take_fpsr(), OFC | IXC);
#define TOINT(insn, reg, src, v) ({ \
    asm volatile("fmov " #src "0, %" G(src) "1\n\t" insn " " reg ", " #src "0" : "=r"(r) \
                 : "r"((uint64_t)(v)) : "v0"); r; })
    CHECK_EQ(TOINT("fcvtzs", "%0", d, 0xc004000000000000ull), (uint64_t)-2);   /* -2.5 */
    CHECK_EQ(TOINT("fcvtns", "%0", d, 0xc004000000000000ull), (uint64_t)-2);
    CHECK_EQ(TOINT("fcvtas", "%0", d, 0xc004000000000000ull), (uint64_t)-3);
    CHECK_EQ(TOINT("fcvtms", "%0", d, 0xc004000000000000ull), (uint64_t)-3);
    CHECK_EQ(TOINT("fcvtps", "%0", d, 0xc004000000000000ull), (uint64_t)-2);
    CHECK_EQ(take_fpsr(), IXC);
    CHECK_EQ(TOINT("fcvtzu", "%0", d, 0xc004000000000000ull), 0);
    CHECK_EQ(take_fpsr(), IOC);
    CHECK_EQ(TOINT("fcvtzs", "%w0", d, 0x41f0000000000000ull), 0x7fffffff);   /* 2^32 */
    CHECK_EQ(take_fpsr(), IOC);
    CHECK_EQ(TOINT("fcvtzu", "%w0", s, 0x4f800000u), 0xffffffff);             /* 2^32 */
    CHECK_EQ(TOINT("fcvtzs", "%0", s, 0xdf000000u), 0x8000000000000000ull);  /* -2^63 */
    CHECK_EQ(take_fpsr(), IOC);                                                /* from the first */
    CHECK_EQ(TOINT("fcvtzs", "%0", s, S_QNAN1), 0);
    CHECK_EQ(take_fpsr(), IOC);
    CHECK_EQ(TOINT("fcvtau", "%0", d, 0x43e0000000000000ull), 0x8000000000000000ull);
    CHECK_EQ(TOINT("fcvtzu", "%0", d, 0x43f0000000000000ull), UINT64_MAX);   /* 2^64 */
    take_fpsr();
#define FROMINT(insn, dst, reg, v) ({ \
    asm volatile(insn " " #dst "0, " reg "\n\tfmov %" G(dst) "0, " #dst "0" : "=r"(r) \
                 : "r"((uint64_t)(v)) : "v0"); r; })
    CHECK_EQ(FROMINT("scvtf", d, "%1", (uint64_t)-3), 0xc008000000000000ull);
    CHECK_EQ(FROMINT("ucvtf", d, "%1", UINT64_MAX), 0x43f0000000000000ull);
    CHECK_EQ(take_fpsr(), IXC);
    CHECK_EQ(FROMINT("scvtf", s, "%w1", 0x80000000u), 0xcf000000u);
    CHECK_EQ(FROMINT("ucvtf", s, "%w1", 0x80000000u), 0x4f000000u);
    CHECK_EQ(FROMINT("ucvtf", s, "%w1", 0xffffffffu), 0x4f800000u);
}

static void test_half(void)
{
    uint64_t r;
    set_fpcr(0);
    take_fpsr();
    CHECK_EQ(CVT("fcvt", h, s, 0x3f800000u) & 0xffff, 0x3c00);               /* 1.0 */
    CHECK_EQ(CVT("fcvt", h, d, 0x40effe0000000000ull) & 0xffff, 0x7c00);     /* 65520 -> inf */
    CHECK_EQ(take_fpsr(), OFC | IXC);
    CHECK_EQ(CVT("fcvt", h, s, 0x322bcc77u) & 0xffff, 0);                    /* 1e-8 */
    CHECK_EQ(take_fpsr(), UFC | IXC);
    CHECK_EQ(CVT("fcvt", h, s, 0x33800000u) & 0xffff, 0x0001);               /* 2^-24 */
    CHECK_EQ(take_fpsr(), 0);
    CHECK_EQ(CVT("fcvt", s, h, 0x7c01), 0x7fc02000u);                       /* SNaN */
    CHECK_EQ(take_fpsr(), IOC);
    CHECK_EQ(CVT("fcvt", d, h, 0x8001), 0xbe70000000000000ull);             /* -2^-24 */
    set_fpcr(3ull << 22);
    CHECK_EQ(CVT("fcvt", h, d, 0x40effe0000000000ull) & 0xffff, 0x7bff);     /* RZ: max */
    set_fpcr(0);
    take_fpsr();
}

static void test_moves_and_memory(void)
{
    uint64_t r, lo, hi;
    asm volatile("fmov d0, #-1.25\n\tfmov %0, d0" : "=r"(r) :: "v0");
    CHECK_EQ(r, 0xbff4000000000000ull);
    asm volatile("fmov s0, #31.0\n\tfmov %w0, s0" : "=r"(r) :: "v0");
    CHECK_EQ(r, 0x41f80000u);
    /* Scalar writes clear the rest of the vector register. */
    asm volatile("fmov d0, %2\n\tfmov v0.d[1], %2\n\tfmov s0, #1.0\n\t"
                 "fmov %0, d0\n\tfmov %1, v0.d[1]" : "=&r"(lo), "=&r"(hi) : "r"(UINT64_MAX) : "v0");
    CHECK_EQ(lo, 0x3f800000u);
    CHECK_EQ(hi, 0);
    static uint64_t buf[8] __attribute__((aligned(16))) = {
        0x1111111111111111ull, 0x2222222222222222ull, 0x3333333333333333ull,
        0x4444444444444444ull,
    };
    uint64_t p = (uint64_t)buf;
    asm volatile("ldr q0, [%2, #16]\n\tfmov %0, d0\n\tfmov %1, v0.d[1]"
                 : "=&r"(lo), "=&r"(hi) : "r"(p) : "v0", "memory");
    CHECK_EQ(lo, 0x3333333333333333ull);
    CHECK_EQ(hi, 0x4444444444444444ull);
    asm volatile("ldr q0, [%0]\n\tstr q0, [%0, #32]" :: "r"(p) : "v0", "memory");
    CHECK_EQ(buf[4], 0x1111111111111111ull);
    CHECK_EQ(buf[5], 0x2222222222222222ull);
    asm volatile("ldr h0, [%1, #2]\n\tfmov %w0, s0" : "=r"(r) : "r"(p) : "v0", "memory");
    CHECK_EQ(r, 0x1111);
    asm volatile("ldr b0, [%1, #8]\n\tfmov %w0, s0" : "=r"(r) : "r"(p) : "v0", "memory");
    CHECK_EQ(r, 0x22);
    uint64_t q = p;
    asm volatile("ldp s0, s1, [%0], #8\n\tstp d1, d0, [%0, #40]!" : "+r"(q) :: "v0", "v1", "memory");
    CHECK_EQ(q, p + 48);
    CHECK_EQ(buf[6], 0x11111111);
    CHECK_EQ(buf[7], 0x11111111);
    asm volatile("ldp q0, q1, [%0]\n\tstp q1, q0, [%0, #32]" :: "r"(p) : "v0", "v1", "memory");
    CHECK_EQ(buf[4], 0x3333333333333333ull);
    CHECK_EQ(buf[7], 0x2222222222222222ull);
    asm volatile("ldr d0, 1f\n\tb 2f\n\t.balign 8\n1:\t.quad 0x4000000000000000\n2:\tfmov %0, d0"
                 : "=r"(r) :: "v0");
    CHECK_EQ(r, 0x4000000000000000ull);
    asm volatile("str s0, [%0, %1, lsl #2]" :: "r"(p), "r"(1ull) : "memory");
    CHECK_EQ(buf[0], 0x0000000011111111ull);
}

static void test_ld1_st1(void)
{
    static uint64_t src[8] __attribute__((aligned(16))) = {
        0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull, 0x1716151413121110ull,
        0x1f1e1d1c1b1a1918ull, 0x2726252423222120ull, 0x2f2e2d2c2b2a2928ull,
        0x3736353433323130ull, 0x3f3e3d3c3b3a3938ull,
    };
    static uint64_t dst[8] __attribute__((aligned(16)));
    uint64_t p = (uint64_t)src, q = (uint64_t)dst, lo, hi;
    asm volatile("ld1 {v4.16b, v5.16b}, [%0], #32\n\tst1 {v4.2d, v5.2d}, [%1]"
                 : "+r"(p) : "r"(q) : "v4", "v5", "memory");
    CHECK_EQ(p, (uint64_t)src + 32);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(dst[i], src[i]);
    }
    uint64_t step = 8;
    asm volatile("ld1 {v6.8b, v7.8b, v8.8b}, [%2], %3\n\tfmov %0, d8\n\tfmov %1, v8.d[1]"
                 : "=&r"(lo), "=&r"(hi), "+r"(p) : "r"(step) : "v6", "v7", "v8", "memory");
    CHECK_EQ(lo, src[6]);
    CHECK_EQ(hi, 0);                         /* 64-bit arrangement clears the top */
    CHECK_EQ(p, (uint64_t)src + 40);
    asm volatile("movi v0.16b, #0xab\n\tst1 {v0.4s}, [%0]" :: "r"(q) : "v0", "memory");
    CHECK_EQ(dst[0], 0xababababababababull);
    CHECK_EQ(dst[1], 0xababababababababull);
    asm volatile("ld1 {v1.4s}, [%2]\n\tumov %w0, v1.s[3]\n\tsmov %1, v1.b[1]"
                 : "=r"(lo), "=r"(hi) : "r"(src) : "v1", "memory");
    CHECK_EQ(lo, 0x0f0e0d0c);
    CHECK_EQ(hi, 1);
}

static void test_flush_to_zero(void)
{
    set_fpcr(1u << 24);                                            /* FZ */
    take_fpsr();
    CHECK_EQ(S2("fadd", 0x00000001u, 0), 0);                       /* input flushed */
    CHECK_EQ(take_fpsr(), IDC);
    CHECK_EQ(S2("fmul", 0x00800000u, 0x3f000000u), 0);             /* output flushed */
    CHECK_EQ(take_fpsr() & UFC, UFC);
    set_fpcr(0);
    CHECK_EQ(S2("fmul", 0x00800000u, 0x3f000000u), 0x00400000u);
}

int main(void)
{
    (void)fmadd_d;
    test_trap();
    test_arith();
    test_nans();
    test_fma();
    test_rounding();
    test_compare();
    test_convert();
    test_half();
    test_moves_and_memory();
    test_ld1_st1();
    test_flush_to_zero();
    return failures;
}
