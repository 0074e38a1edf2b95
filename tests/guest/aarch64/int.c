/* SPDX-License-Identifier: MIT */
/*
 * A64 integer instructions: arithmetic with flags, logical immediates,
 * moves, bitfields, extract, conditional select/compare, multiply/divide,
 * shifts, CLZ/CLS/RBIT/REV, CRC32, the W forms' zero extension, and
 * RNDR/RNDRRS where ID_AA64ISAR0 advertises them.
 */
#include "common/test.h"

#define OP2(insn, a, b) ({ uint64_t r_; \
    asm volatile(insn " %0, %1, %2" : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); r_; })
#define OP2W(insn, a, b) ({ uint64_t r_; \
    asm volatile(insn " %w0, %w1, %w2" : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); r_; })
#define OP1(insn, a) ({ uint64_t r_; \
    asm volatile(insn " %0, %1" : "=r"(r_) : "r"((uint64_t)(a))); r_; })
#define OP1W(insn, a) ({ uint64_t r_; \
    asm volatile(insn " %w0, %w1" : "=r"(r_) : "r"((uint64_t)(a))); r_; })
/* NZCV (as a 4-bit number) after "insn xzr, a, b". */
#define FLAGS(insn, a, b) ({ uint64_t f_; \
    asm volatile(insn " xzr, %1, %2\n\tmrs %0, nzcv" : "=r"(f_) \
                 : "r"((uint64_t)(a)), "r"((uint64_t)(b)) : "cc"); f_ >> 28; })
#define FLAGSW(insn, a, b) ({ uint64_t f_; \
    asm volatile(insn " wzr, %w1, %w2\n\tmrs %0, nzcv" : "=r"(f_) \
                 : "r"((uint64_t)(a)), "r"((uint64_t)(b)) : "cc"); f_ >> 28; })
#define N 8
#define Z 4
#define C 2
#define V 1

static void set_nzcv(uint64_t f)
{
    asm volatile("msr nzcv, %0" :: "r"(f << 28) : "cc");
}

static void test_addsub(void)
{
    CHECK_EQ(OP2("add", 5, 7), 12);
    CHECK_EQ(OP2("sub", 5, 7), (uint64_t)-2);
    CHECK_EQ(OP2W("add", 0xffffffffu, 2), 1);            /* W result zero-extended */
    CHECK_EQ(OP2W("sub", 0, 1), 0xffffffffu);
    CHECK_EQ(FLAGS("adds", 1, 2), 0);
    CHECK_EQ(FLAGS("adds", UINT64_MAX, 1), Z | C);
    CHECK_EQ(FLAGS("adds", 0x7fffffffffffffffull, 1), N | V);
    CHECK_EQ(FLAGS("adds", 0x8000000000000000ull, 0x8000000000000000ull), Z | C | V);
    CHECK_EQ(FLAGS("subs", 5, 5), Z | C);
    CHECK_EQ(FLAGS("subs", 5, 6), N);
    CHECK_EQ(FLAGS("subs", 0x8000000000000000ull, 1), C | V);
    CHECK_EQ(FLAGSW("adds", 0xffffffffu, 1), Z | C);
    CHECK_EQ(FLAGSW("adds", 0x7fffffffu, 1), N | V);
    CHECK_EQ(FLAGSW("subs", 0x80000000u, 1), C | V);
    CHECK_EQ(FLAGSW("subs", 0x100000000ull, 1), N);       /* only the low 32 bits count */
    CHECK_EQ(FLAGS("ands", 0xf0, 0x0f), Z);
    CHECK_EQ(FLAGS("ands", 0x8000000000000000ull, UINT64_MAX), N);
    uint64_t r;
    asm volatile("add %0, %1, #0xfff, lsl #12" : "=r"(r) : "r"(1ull));
    CHECK_EQ(r, 0xfff001);
    asm volatile("sub %0, %1, %2, lsl #4" : "=r"(r) : "r"(0x100ull), "r"(1ull));
    CHECK_EQ(r, 0xf0);
    asm volatile("add %0, %1, %w2, sxtw #2" : "=r"(r) : "r"(0x100ull), "r"(0xffffffffull));
    CHECK_EQ(r, 0xfc);
    asm volatile("add %0, %1, %w2, uxtb" : "=r"(r) : "r"(0x100ull), "r"(0x1234ull));
    CHECK_EQ(r, 0x134);
    asm volatile("sub %0, %1, %w2, sxth #1" : "=r"(r) : "r"(0ull), "r"(0x8000ull));
    CHECK_EQ(r, 0x10000);
    uint64_t t;
    asm volatile("mov %1, sp\n\tadd %0, sp, #16\n\tsub %0, %0, %1" : "=&r"(r), "=&r"(t));
    CHECK_EQ(r, 16);
    /* adc/sbc with carry in */
    set_nzcv(C);
    asm volatile("adc %0, %1, %2" : "=r"(r) : "r"(1ull), "r"(2ull));
    CHECK_EQ(r, 4);
    set_nzcv(0);
    asm volatile("sbc %0, %1, %2" : "=r"(r) : "r"(10ull), "r"(3ull));
    CHECK_EQ(r, 6);
    set_nzcv(C);
    uint64_t f;
    asm volatile("adcs %0, %2, %3\n\tmrs %1, nzcv" : "=&r"(r), "=r"(f)
                 : "r"(UINT64_MAX), "r"(0ull) : "cc");
    CHECK_EQ(r, 0);
    CHECK_EQ(f >> 28, Z | C);
    set_nzcv(0);
    asm volatile("sbcs %w0, %w2, %w3\n\tmrs %1, nzcv" : "=&r"(r), "=r"(f)
                 : "r"(0ull), "r"(0ull) : "cc");
    CHECK_EQ(r, 0xffffffffu);
    CHECK_EQ(f >> 28, N);
}

static void test_logic_move(void)
{
    uint64_t r;
    asm volatile("mov %0, #0x5555555555555555" : "=r"(r));
    CHECK_EQ(r, 0x5555555555555555ull);
    asm volatile("orr %0, xzr, #0xff00ff00ff00ff00" : "=r"(r));
    CHECK_EQ(r, 0xff00ff00ff00ff00ull);
    asm volatile("and %w0, %w1, #0x7ffffffe" : "=r"(r) : "r"(UINT64_MAX));
    CHECK_EQ(r, 0x7ffffffe);
    asm volatile("eor %0, %1, #0xfffffffffffffff0" : "=r"(r) : "r"(0xffull));
    CHECK_EQ(r, 0xffffffffffffff0full);
    asm volatile("movz %0, #0x1234, lsl #48\n\tmovk %0, #0xbeef, lsl #16" : "=&r"(r));
    CHECK_EQ(r, 0x12340000beef0000ull);
    asm volatile("movn %0, #0x12, lsl #16" : "=r"(r));
    CHECK_EQ(r, 0xffffffffffedffffull);
    asm volatile("movn %w0, #0x1" : "=r"(r));
    CHECK_EQ(r, 0xfffffffe);
    CHECK_EQ(OP2("bic", 0xff, 0x0f), 0xf0);
    CHECK_EQ(OP2("orn", 0, 0xffffffffffffff00ull), 0xff);
    CHECK_EQ(OP2("eon", 0xf0, 0x0f), 0xffffffffffffff00ull);
    asm volatile("orr %0, %1, %2, ror #8" : "=r"(r) : "r"(0ull), "r"(0xffull));
    CHECK_EQ(r, 0xff00000000000000ull);
    asm volatile("eor %w0, %w1, %w2, asr #4" : "=r"(r) : "r"(0ull), "r"(0x80000000ull));
    CHECK_EQ(r, 0xf8000000);
    asm volatile("adr %0, ." : "=r"(r));
    CHECK((r >> 12) == (((uint64_t)&test_logic_move) >> 12) || r > 0x40000000);
    uint64_t page;
    asm volatile("adrp %0, last_exc" : "=r"(page));
    CHECK_EQ(page, (uint64_t)&last_exc & ~0xfffull);
}

static void test_bitfield(void)
{
    uint64_t r;
    asm volatile("ubfx %0, %1, #8, #12" : "=r"(r) : "r"(0x123456789abcdefull));
    CHECK_EQ(r, 0xbcd);
    asm volatile("sbfx %0, %1, #4, #8" : "=r"(r) : "r"(0xf80ull));
    CHECK_EQ(r, 0xfffffffffffffff8ull);
    asm volatile("ubfiz %0, %1, #60, #4" : "=r"(r) : "r"(0xabull));
    CHECK_EQ(r, 0xb000000000000000ull);
    asm volatile("sbfiz %w0, %w1, #4, #4" : "=r"(r) : "r"(0x8ull));
    CHECK_EQ(r, 0xffffff80u);
    r = 0xffffffffffffffffull;
    asm volatile("bfi %0, %1, #16, #8" : "+r"(r) : "r"(0x12ull));
    CHECK_EQ(r, 0xffffffffff12ffffull);
    r = 0;
    asm volatile("bfxil %0, %1, #8, #16" : "+r"(r) : "r"(0xabcdef00ull));
    CHECK_EQ(r, 0xcdef);
    r = 0xffffffffffffffffull;
    asm volatile("bfi %w0, %w1, #28, #4" : "+r"(r) : "r"(0x5ull));
    CHECK_EQ(r, 0x5fffffff);
    asm volatile("sxtb %0, %w1" : "=r"(r) : "r"(0x80ull));
    CHECK_EQ(r, 0xffffffffffffff80ull);
    asm volatile("sxtw %0, %w1" : "=r"(r) : "r"(0x80000000ull));
    CHECK_EQ(r, 0xffffffff80000000ull);
    asm volatile("uxth %w0, %w1" : "=r"(r) : "r"(0x12345678ull));
    CHECK_EQ(r, 0x5678);
    asm volatile("lsl %0, %1, #63" : "=r"(r) : "r"(3ull));
    CHECK_EQ(r, 0x8000000000000000ull);
    asm volatile("asr %w0, %w1, #31" : "=r"(r) : "r"(0x80000000ull));
    CHECK_EQ(r, 0xffffffffu);
    asm volatile("extr %0, %1, %2, #8" : "=r"(r) : "r"(0x11ull), "r"(0x2200000000000000ull));
    CHECK_EQ(r, 0x1122000000000000ull);
    asm volatile("extr %w0, %w1, %w2, #4" : "=r"(r) : "r"(0xaull), "r"(0xb0000000ull));
    CHECK_EQ(r, 0xab000000u);
    asm volatile("ror %0, %1, #4" : "=r"(r) : "r"(0x1ull));
    CHECK_EQ(r, 0x1000000000000000ull);
}

static void test_cond(void)
{
    uint64_t r;
    asm volatile("cmp %1, %2\n\tcsel %0, %1, %2, lt" : "=r"(r) : "r"(-5ll), "r"(3ll) : "cc");
    CHECK_EQ(r, (uint64_t)-5);
    asm volatile("cmp %1, %2\n\tcsel %0, %1, %2, lo" : "=r"(r) : "r"(-5ll), "r"(3ll) : "cc");
    CHECK_EQ(r, 3);
    asm volatile("cmp %1, %1\n\tcsinc %0, xzr, xzr, ne" : "=r"(r) : "r"(1ull) : "cc");
    CHECK_EQ(r, 1);                                          /* cset eq */
    asm volatile("cmp %1, #2\n\tcsinv %0, xzr, xzr, hi" : "=r"(r) : "r"(1ull) : "cc");
    CHECK_EQ(r, UINT64_MAX);                                 /* csetm ls */
    asm volatile("cmp %1, #0\n\tcneg %0, %1, mi" : "=r"(r) : "r"(-9ll) : "cc");
    CHECK_EQ(r, 9);
    static const struct {
        uint64_t a, b;
        unsigned cond_bits;   /* bit n set: condition n holds after cmp a, b */
    } cmps[] = {
        { 1, 1, 0 }, { 1, 2, 0 }, { 2, 1, 0 }, { (uint64_t)-1, 1, 0 },
        { 0x8000000000000000ull, 1, 0 },
    };
    static const char *const names[] = { "eq", "ne", "hs", "lo", "mi", "pl", "vs", "vc",
                                         "hi", "ls", "ge", "lt", "gt", "le", "al" };
    (void)names;
    for (unsigned i = 0; i < sizeof(cmps) / sizeof(cmps[0]); i++) {
        uint64_t a = cmps[i].a, b = cmps[i].b;
        uint64_t bits = 0, t;
#define COND_BIT(n, cc) \
        asm volatile("cmp %1, %2\n\tcset %0, " cc : "=r"(t) : "r"(a), "r"(b) : "cc"); bits |= t << n;
        COND_BIT(0, "eq") COND_BIT(1, "ne") COND_BIT(2, "hs") COND_BIT(3, "lo")
        COND_BIT(4, "mi") COND_BIT(5, "pl") COND_BIT(6, "vs") COND_BIT(7, "vc")
        COND_BIT(8, "hi") COND_BIT(9, "ls") COND_BIT(10, "ge") COND_BIT(11, "lt")
        COND_BIT(12, "gt") COND_BIT(13, "le")
        uint64_t res = a - b;
        bool v = ((a ^ b) & (a ^ res)) >> 63;
        bool nf = (int64_t)res < 0, zf = res == 0, cf = a >= b;
        uint64_t want = (uint64_t)zf | (uint64_t)!zf << 1 | (uint64_t)cf << 2 |
                        (uint64_t)!cf << 3 | (uint64_t)nf << 4 | (uint64_t)!nf << 5 |
                        (uint64_t)v << 6 | (uint64_t)!v << 7 | (uint64_t)(cf && !zf) << 8 |
                        (uint64_t)!(cf && !zf) << 9 | (uint64_t)(nf == v) << 10 |
                        (uint64_t)(nf != v) << 11 | (uint64_t)(!zf && nf == v) << 12 |
                        (uint64_t)!(!zf && nf == v) << 13;
        CHECK_EQ(bits, want);
    }
    uint64_t f;
    asm volatile("cmp %1, %1\n\tccmp %1, #5, #2, ne\n\tmrs %0, nzcv" : "=r"(f) : "r"(7ull) : "cc");
    CHECK_EQ(f >> 28, C);                                    /* cond false: #nzcv */
    asm volatile("cmp %1, %1\n\tccmp %1, #7, #0, eq\n\tmrs %0, nzcv" : "=r"(f) : "r"(7ull) : "cc");
    CHECK_EQ(f >> 28, Z | C);                                /* cond true: compare */
    asm volatile("cmp %1, %1\n\tccmn %w1, %w2, #8, eq\n\tmrs %0, nzcv" : "=r"(f)
                 : "r"(1ull), "r"(0xffffffffull) : "cc");
    CHECK_EQ(f >> 28, Z | C);
}

static void test_muldiv(void)
{
    CHECK_EQ(OP2("mul", 0x100000001ull, 0x100000001ull), 0x200000001ull);
    CHECK_EQ(OP2W("mul", 0x10000, 0x10001), 0x10000);
    CHECK_EQ(OP2("smulh", (uint64_t)-2, 3), UINT64_MAX);
    CHECK_EQ(OP2("umulh", (uint64_t)-2, 3), 2);
    uint64_t r;
    asm volatile("smaddl %0, %w1, %w2, %3" : "=r"(r) : "r"(0xffffffffull), "r"(5ull), "r"(100ull));
    CHECK_EQ(r, 95);
    asm volatile("umsubl %0, %w1, %w2, %3" : "=r"(r) : "r"(0xffffffffull), "r"(2ull), "r"(0ull));
    CHECK_EQ(r, (uint64_t)-0x1fffffffeull);
    asm volatile("msub %0, %1, %2, %3" : "=r"(r) : "r"(3ull), "r"(4ull), "r"(20ull));
    CHECK_EQ(r, 8);
    CHECK_EQ(OP2("udiv", 100, 7), 14);
    CHECK_EQ(OP2("udiv", 100, 0), 0);
    CHECK_EQ(OP2("sdiv", (uint64_t)-100, 7), (uint64_t)-14);
    CHECK_EQ(OP2("sdiv", 0x8000000000000000ull, (uint64_t)-1), 0x8000000000000000ull);
    CHECK_EQ(OP2("sdiv", 5, 0), 0);
    CHECK_EQ(OP2W("sdiv", 0x80000000u, 0xffffffffu), 0x80000000u);
    CHECK_EQ(OP2W("udiv", 0xffffffffu, 0x10), 0x0fffffff);
    CHECK_EQ(OP2W("sdiv", 0xfffffff0u, 0), 0);
}

static void test_shift_bits(void)
{
    CHECK_EQ(OP2("lsl", 1, 65), 2);                          /* amount mod 64 */
    CHECK_EQ(OP2W("lsl", 1, 33), 2);                         /* amount mod 32 */
    CHECK_EQ(OP2("lsr", 0x8000000000000000ull, 63), 1);
    CHECK_EQ(OP2("asr", 0x8000000000000000ull, 62), (uint64_t)-2);
    CHECK_EQ(OP2W("asr", 0x80000000u, 4), 0xf8000000u);
    CHECK_EQ(OP2("ror", 0x12, 4), 0x2000000000000001ull);
    CHECK_EQ(OP2W("ror", 0x12, 4), 0x20000001u);
    CHECK_EQ(OP1("clz", 0), 64);
    CHECK_EQ(OP1("clz", 1), 63);
    CHECK_EQ(OP1W("clz", 0x00010000), 15);
    CHECK_EQ(OP1("cls", 0), 63);
    CHECK_EQ(OP1("cls", UINT64_MAX), 63);
    CHECK_EQ(OP1("cls", 0x00ffffffffffffffull), 7);
    CHECK_EQ(OP1W("cls", 0xfff00000u), 11);
    CHECK_EQ(OP1W("cls", 0), 31);
    CHECK_EQ(OP1("rbit", 1), 0x8000000000000000ull);
    CHECK_EQ(OP1W("rbit", 0x3), 0xc0000000u);
    CHECK_EQ(OP1("rev", 0x0102030405060708ull), 0x0807060504030201ull);
    CHECK_EQ(OP1W("rev", 0x01020304), 0x04030201);
    CHECK_EQ(OP1("rev16", 0x0102030405060708ull), 0x0201040306050807ull);
    CHECK_EQ(OP1("rev32", 0x0102030405060708ull), 0x0403020108070605ull);
    CHECK_EQ(OP1W("rev16", 0xaabbccdd), 0xbbaaddcc);
}

static void test_crc(void)
{
    /* CRC-32 and CRC-32C of "123456789" are 0xcbf43926 and 0xe3069283. */
    static const char msg[] = "123456789";
    uint32_t crc = 0xffffffff, crcc = 0xffffffff;
    for (int i = 0; i < 9; i++) {
        asm volatile("crc32b %w0, %w0, %w1" : "+r"(crc) : "r"((uint32_t)msg[i]));
        asm volatile("crc32cb %w0, %w0, %w1" : "+r"(crcc) : "r"((uint32_t)msg[i]));
    }
    CHECK_EQ(~crc, 0xcbf43926u);
    CHECK_EQ(~crcc, 0xe3069283u);
    uint64_t w8 = 0x3837363534333231ull;   /* "12345678" */
    uint32_t a = 0xffffffff, b = 0xffffffff;
    asm volatile("crc32x %w0, %w0, %1" : "+r"(a) : "r"(w8));
    for (int i = 0; i < 8; i++) {
        asm volatile("crc32b %w0, %w0, %w1" : "+r"(b) : "r"((uint32_t)msg[i]));
    }
    CHECK_EQ(a, b);
    uint32_t h = 0, h2 = 0;
    asm volatile("crc32ch %w0, %w0, %w1" : "+r"(h) : "r"(0x3231u));
    asm volatile("crc32cb %w0, %w0, %w1\n\tcrc32cb %w0, %w0, %w2" : "+r"(h2)
                 : "r"(0x31u), "r"(0x32u));
    CHECK_EQ(h, h2);
}

static uint64_t fib(uint64_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* RNDR/RNDRRS (FEAT_RNG): a number with NZCV = 0000, whatever the flags
 * were; two reads differ (a false failure has a 2^-64 chance). */
static void test_rndr(void)
{
    uint64_t isar0, a, b, fa, fb;
    asm volatile("mrs %0, id_aa64isar0_el1" : "=r"(isar0));
    if (((isar0 >> 60) & 0xf) == 0) {
        return;
    }
    set_nzcv(N | Z | C | V);
    asm volatile("mrs %0, s3_3_c2_c4_0\n\tmrs %1, nzcv" : "=r"(a), "=r"(fa) :: "cc");
    set_nzcv(N | C);
    asm volatile("mrs %0, s3_3_c2_c4_1\n\tmrs %1, nzcv" : "=r"(b), "=r"(fb) :: "cc");
    CHECK_EQ(fa >> 28, 0);
    CHECK_EQ(fb >> 28, 0);
    CHECK(a != b);
}

int main(void)
{
    test_rndr();
    test_addsub();
    test_logic_move();
    test_bitfield();
    test_cond();
    test_muldiv();
    test_shift_bits();
    test_crc();
    CHECK_EQ(fib(20), 6765);
    return failures;
}
