/* SPDX-License-Identifier: MIT */
/* F and D: rounding modes (static and dynamic, RMM), flags, NaN-boxing,
 * canonical NaNs, conversions with saturation, min/max, compare, fclass. */
#include "common/test.h"

#define NX 1
#define UF 2
#define OF 4
#define DZ 8
#define NV 16

#define FOP_D(insn, a, b) ({ uint64_t r_; asm volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n" insn " ft2, ft0, ft1\n fmv.x.d %0, ft2" : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b)) : "ft0", "ft1", "ft2"); r_; })
#define FOP_S(insn, a, b) ({ uint64_t r_; asm volatile("fmv.w.x ft0, %1\n fmv.w.x ft1, %2\n" insn " ft2, ft0, ft1\n fmv.x.w %0, ft2" : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b)) : "ft0", "ft1", "ft2"); (uint32_t)r_; })
#define FCVT_TO_INT_D(insn, a) ({ uint64_t r_; asm volatile("fmv.d.x ft0, %1\n" insn " %0, ft0" : "=r"(r_) : "r"((uint64_t)(a)) : "ft0"); r_; })
#define FCVT_TO_INT_S(insn, a) ({ uint64_t r_; asm volatile("fmv.w.x ft0, %1\n" insn " %0, ft0" : "=r"(r_) : "r"((uint64_t)(a)) : "ft0"); r_; })
#define FCMP_D(insn, a, b) ({ uint64_t r_; asm volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n" insn " %0, ft0, ft1" : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b)) : "ft0", "ft1"); r_; })

static uint64_t flags(void)
{
    uint64_t f = csr_read(fflags);
    csr_write(fflags, 0);
    return f;
}

#define ONE_D 0x3ff0000000000000ul
#define ONE_S 0x3f800000u
#define QNAN_D 0x7ff8000000000000ul
#define SNAN_D 0x7ff0000000000001ul
#define SNAN_S 0x7f800001u
#define CANON_S 0x7fc00000u

static void test_rounding(void)
{
    /* 1 + 2^-24 (single): tie. */
    CHECK_EQ(FOP_S("fadd.s", ONE_S, 0x33800000u), ONE_S);
    uint64_t r;
    asm volatile("fmv.w.x ft0, %1\n fmv.w.x ft1, %2\n fadd.s ft2, ft0, ft1, rmm\n fmv.x.w %0, ft2"
                 : "=r"(r) : "r"(ONE_S), "r"(0x33800000u) : "ft0", "ft1", "ft2");
    CHECK_EQ((uint32_t)r, 0x3f800001u);
    CHECK_EQ(flags(), NX);
    /* Double tie 1 + 2^-53 with RMM via frm (dynamic). */
    csr_write(frm, 4);
    CHECK_EQ(FOP_D("fadd.d", ONE_D, 0x3ca0000000000000ul), 0x3ff0000000000001ul);
    csr_write(frm, 0);
    CHECK_EQ(FOP_D("fadd.d", ONE_D, 0x3ca0000000000000ul), ONE_D);
    flags();
    /* 1/3 in RDN and RUP differ by one ulp. */
    uint64_t dn, up;
    asm volatile("fmv.d.x ft0, %2\n fmv.d.x ft1, %3\n fdiv.d ft2, ft0, ft1, rdn\n fmv.x.d %0, ft2\n"
                 "fdiv.d ft2, ft0, ft1, rup\n fmv.x.d %1, ft2"
                 : "=&r"(dn), "=&r"(up) : "r"(ONE_D), "r"(0x4008000000000000ul) : "ft0", "ft1", "ft2");
    CHECK_EQ(up - dn, 1);
    /* fcvt.w.d with each mode on -2.5. */
    uint64_t m2_5 = 0xc004000000000000ul;
    CHECK_EQ(FCVT_TO_INT_D("fcvt.w.d %0, ft0, rne\n #", m2_5) , (uint64_t)-2);
    CHECK_EQ(FCVT_TO_INT_D("fcvt.w.d %0, ft0, rtz\n #", m2_5) , (uint64_t)-2);
    CHECK_EQ(FCVT_TO_INT_D("fcvt.w.d %0, ft0, rdn\n #", m2_5) , (uint64_t)-3);
    CHECK_EQ(FCVT_TO_INT_D("fcvt.w.d %0, ft0, rup\n #", m2_5) , (uint64_t)-2);
    CHECK_EQ(FCVT_TO_INT_D("fcvt.w.d %0, ft0, rmm\n #", m2_5) , (uint64_t)-3);
    CHECK_EQ(flags(), NX);
    /* Invalid dynamic rounding mode: illegal instruction. */
    csr_write(frm, 5);
    EXPECT_TRAP(2, FOP_D("fadd.d", ONE_D, ONE_D));
    csr_write(frm, 0);
}

static void test_flags_and_nans(void)
{
    flags();
    CHECK_EQ(FOP_D("fdiv.d", ONE_D, 0), 0x7ff0000000000000ul);
    CHECK_EQ(flags(), DZ);
    CHECK_EQ(FOP_D("fmul.d", 0x7fefffffffffffff, 0x4000000000000000), 0x7ff0000000000000ul);
    CHECK_EQ(flags(), OF | NX);
    CHECK_EQ(FOP_D("fmul.d", 0x0010000000000001, 0x3fe0000000000000), 0x0008000000000000ul);
    CHECK_EQ(flags(), UF | NX);
    CHECK_EQ(FOP_D("fsub.d", 0x7ff0000000000000, 0x7ff0000000000000), QNAN_D);
    CHECK_EQ(flags(), NV);
    CHECK_EQ(FOP_D("fadd.d", 0xfff8000000000123, ONE_D), QNAN_D);   /* canonical */
    CHECK_EQ(flags(), 0);
    CHECK_EQ(FOP_D("fadd.d", SNAN_D, ONE_D), QNAN_D);
    CHECK_EQ(flags(), NV);
    uint64_t r;
    asm volatile("fmv.d.x ft0, %1\n fsqrt.d ft1, ft0\n fmv.x.d %0, ft1" : "=r"(r) : "r"(0xbff0000000000000ul) : "ft0", "ft1");
    CHECK_EQ(r, QNAN_D);
    CHECK_EQ(flags(), NV);
    /* fma inf*0 + qNaN raises invalid. */
    asm volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, zero\n fmv.d.x ft2, %2\n fmadd.d ft3, ft0, ft1, ft2\n fmv.x.d %0, ft3"
                 : "=r"(r) : "r"(0x7ff0000000000000ul), "r"(QNAN_D) : "ft0", "ft1", "ft2", "ft3");
    CHECK_EQ(r, QNAN_D);
    CHECK_EQ(flags(), NV);
    /* NaN-boxing: a double register read as single is the canonical NaN. */
    asm volatile("fmv.d.x ft0, %1\n fmv.w.x ft1, %2\n fadd.s ft2, ft0, ft1\n fmv.x.d %0, ft2"
                 : "=r"(r) : "r"((uint64_t)ONE_S), "r"(ONE_S) : "ft0", "ft1", "ft2");
    CHECK_EQ(r, 0xffffffff7fc00000ul);
    /* flw boxes; fmv.x.w returns the raw low bits sign-extended. */
    volatile uint32_t mem = 0xbf800000u;
    asm volatile("flw ft0, 0(%1)\n fmv.x.d %0, ft0" : "=r"(r) : "r"(&mem) : "ft0");
    CHECK_EQ(r, 0xffffffffbf800000ul);
    asm volatile("fmv.x.w %0, ft0" : "=r"(r));
    CHECK_EQ(r, 0xffffffffbf800000ul);
    CHECK_EQ(FOP_S("fmul.s", 0, 0x7f800000u), CANON_S);
    flags();
}

static void test_convert(void)
{
    flags();
    CHECK_EQ(FCVT_TO_INT_D("fcvt.w.d", 0x41e0000000000000ul), 0x7fffffff);   /* 2^31 */
    CHECK_EQ(flags(), NV);
    CHECK_EQ(FCVT_TO_INT_D("fcvt.w.d", QNAN_D), 0x7fffffff);
    CHECK_EQ(FCVT_TO_INT_D("fcvt.w.d", 0xfff0000000000000ul), 0xffffffff80000000ul);
    CHECK_EQ(FCVT_TO_INT_D("fcvt.wu.d", 0xbff0000000000000ul), 0);
    CHECK_EQ(FCVT_TO_INT_D("fcvt.wu.d", 0x41efffffffe00000ul), ~0ul);   /* 2^32 - 1 */
    CHECK_EQ(FCVT_TO_INT_D("fcvt.lu.d", 0x43f0000000000000ul), ~0ul);   /* 2^64 */
    CHECK_EQ(FCVT_TO_INT_D("fcvt.l.d", 0xc3e0000000000000ul), 0x8000000000000000ul);
    CHECK_EQ(FCVT_TO_INT_S("fcvt.l.s", 0x5f000000u), 0x7fffffffffffffff);  /* 2^63 */
    CHECK_EQ(flags(), NV);
    CHECK_EQ(FCVT_TO_INT_D("fcvt.wu.d %0, ft0, rtz\n #", 0xbfe0000000000000ul), 0);  /* -0.5 */
    CHECK_EQ(flags(), NX);
    uint64_t r;
    asm volatile("fcvt.s.w ft0, %1, rmm\n fmv.x.w %0, ft0" : "=r"(r) : "r"(16777217ul) : "ft0");
    CHECK_EQ((uint32_t)r, 0x4b800001u);
    asm volatile("fcvt.s.w ft0, %1, rne\n fmv.x.w %0, ft0" : "=r"(r) : "r"(16777217ul) : "ft0");
    CHECK_EQ((uint32_t)r, 0x4b800000u);
    CHECK_EQ(flags(), NX);
    asm volatile("fcvt.d.lu ft0, %1\n fmv.x.d %0, ft0" : "=r"(r) : "r"(~0ul) : "ft0");
    CHECK_EQ(r, 0x43f0000000000000ul);
    asm volatile("fmv.d.x ft0, %1\n fcvt.s.d ft1, ft0\n fmv.x.d %0, ft1" : "=r"(r) : "r"(SNAN_D) : "ft0", "ft1");
    CHECK_EQ(r, 0xffffffff7fc00000ul);
    CHECK_EQ(flags(), NV | NX);   /* NX from fcvt.d.lu above */
    asm volatile("fmv.w.x ft0, %1\n fcvt.d.s ft1, ft0\n fmv.x.d %0, ft1" : "=r"(r) : "r"(0x3fc00000u) : "ft0", "ft1");
    CHECK_EQ(r, 0x3ff8000000000000ul);
}

static void test_minmax_compare_class(void)
{
    flags();
    CHECK_EQ(FOP_D("fmin.d", 0, 0x8000000000000000ul), 0x8000000000000000ul);
    CHECK_EQ(FOP_D("fmax.d", 0x8000000000000000ul, 0), 0);
    CHECK_EQ(FOP_D("fmin.d", QNAN_D, ONE_D), ONE_D);
    CHECK_EQ(flags(), 0);
    CHECK_EQ(FOP_D("fmax.d", SNAN_D, ONE_D), ONE_D);
    CHECK_EQ(flags(), NV);
    CHECK_EQ(FOP_D("fmax.d", SNAN_D, QNAN_D), QNAN_D);
    CHECK_EQ(flags(), NV);
    CHECK_EQ(FOP_S("fmin.s", SNAN_S, ONE_S), ONE_S);
    CHECK_EQ(flags(), NV);
    CHECK_EQ(FCMP_D("feq.d", QNAN_D, ONE_D), 0);
    CHECK_EQ(flags(), 0);
    CHECK_EQ(FCMP_D("flt.d", QNAN_D, ONE_D), 0);
    CHECK_EQ(flags(), NV);
    CHECK_EQ(FCMP_D("fle.d", 0x8000000000000000ul, 0), 1);
    CHECK_EQ(FCMP_D("feq.d", SNAN_D, SNAN_D), 0);
    CHECK_EQ(flags(), NV);
    static const struct { uint64_t v; uint64_t cls; } cases[] = {
        { 0xfff0000000000000ul, 1 << 0 }, { 0xbff0000000000000ul, 1 << 1 },
        { 0x8000000000000001ul, 1 << 2 }, { 0x8000000000000000ul, 1 << 3 },
        { 0, 1 << 4 }, { 1, 1 << 5 }, { ONE_D, 1 << 6 }, { 0x7ff0000000000000ul, 1 << 7 },
        { SNAN_D, 1 << 8 }, { QNAN_D, 1 << 9 },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_EQ(FCVT_TO_INT_D("fclass.d", cases[i].v), cases[i].cls);
    }
    CHECK_EQ(FOP_S("fsgnjn.s", ONE_S, ONE_S), 0xbf800000u);
    CHECK_EQ(FOP_D("fsgnjx.d", 0xbff0000000000000ul, 0x8000000000000000ul), ONE_D);
}

static void test_fs_off(void)
{
    csr_clear(mstatus, 3ul << 13);
    EXPECT_TRAP(2, asm volatile("fmv.d.x ft0, zero"));
    CHECK_EQ(last_trap.tval, 0xf2000053);
    EXPECT_TRAP(2, csr_read(fcsr));
    csr_set(mstatus, 1ul << 13);
    FOP_D("fadd.d", 0, 0);
    CHECK_EQ((csr_read(mstatus) >> 13) & 3, 3);   /* dirty */
    CHECK(csr_read(mstatus) >> 63);                /* SD */
}

int main(void)
{
    test_rounding();
    test_flags_and_nans();
    test_convert();
    test_minmax_compare_class();
    test_fs_off();
    return 0;
}
