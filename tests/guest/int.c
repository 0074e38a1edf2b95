/* SPDX-License-Identifier: MIT */
/* RV64I, M, Zba, Zbb, Zbc, Zbs: results of each instruction on edge values. */
#include "common/test.h"

#define RR(insn, a, b) ({ uint64_t r_; asm volatile(insn " %0, %1, %2" : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); r_; })
#define RI(insn, a, imm) ({ uint64_t r_; asm volatile(insn " %0, %1, %2" : "=r"(r_) : "r"((uint64_t)(a)), "i"(imm)); r_; })
#define R1(insn, a) ({ uint64_t r_; asm volatile(insn " %0, %1" : "=r"(r_) : "r"((uint64_t)(a))); r_; })

static void test_base(void)
{
    CHECK_EQ(RR("add", 0x7fffffffffffffff, 1), 0x8000000000000000);
    CHECK_EQ(RR("sub", 0, 1), ~0ul);
    CHECK_EQ(RR("sll", 1, 65), 2);              /* shift amount mod 64 */
    CHECK_EQ(RR("srl", 0x8000000000000000, 63), 1);
    CHECK_EQ(RR("sra", 0x8000000000000000, 63), ~0ul);
    CHECK_EQ(RR("slt", -1, 0), 1);
    CHECK_EQ(RR("sltu", -1, 0), 0);
    CHECK_EQ(RI("sltiu", 0, -1), 1);            /* imm sign-extended then unsigned */
    CHECK_EQ(RI("xori", 0x0f, -1), ~0x0ful);
    CHECK_EQ(RI("addiw", 0x7fffffff, 1), 0xffffffff80000000);
    CHECK_EQ(RR("addw", 0xffffffff, 1), 0);
    CHECK_EQ(RR("subw", 0, 1), ~0ul);
    CHECK_EQ(RR("sllw", 1, 31), 0xffffffff80000000);
    CHECK_EQ(RR("srlw", 0xffffffff80000000, 31), 1);
    CHECK_EQ(RR("sraw", 0x80000000, 33), 0xffffffffc0000000);  /* amount mod 32 */
    CHECK_EQ(RI("slliw", 3, 30), 0xffffffffc0000000);
    CHECK_EQ(RI("srliw", 0x80000000, 0), 0xffffffff80000000);
    CHECK_EQ(RI("sraiw", 0x80000000, 4), 0xfffffffff8000000);
    uint64_t r;
    asm volatile("lui %0, 0x80000" : "=r"(r));
    CHECK_EQ(r, 0xffffffff80000000);
    volatile uint8_t buf[16] = { 0x80, 0xff, 0x7f, 0x01, 0x02, 0x03, 0x04, 0x85 };
    CHECK_EQ(*(volatile int8_t *)&buf[0], (uint64_t)-128);
    CHECK_EQ(*(volatile uint16_t *)&buf[0], 0xff80);
    CHECK_EQ(*(volatile int32_t *)&buf[4], 0xffffffff85040302);
    CHECK_EQ(*(volatile uint32_t *)&buf[4], 0x85040302);
    /* Misaligned loads and stores are handled in hardware. */
    CHECK_EQ(*(volatile uint32_t *)&buf[1], 0x02017fff);
    *(volatile uint64_t *)&buf[3] = 0x1122334455667788;
    CHECK_EQ(*(volatile uint64_t *)&buf[3], 0x1122334455667788);
    CHECK_EQ(buf[3], 0x88);
}

static void test_m(void)
{
    CHECK_EQ(RR("mul", -3, 5), (uint64_t)-15);
    CHECK_EQ(RR("mulh", -1, -1), 0);
    CHECK_EQ(RR("mulh", 0x8000000000000000, 2), ~0ul);
    CHECK_EQ(RR("mulhu", ~0ul, ~0ul), 0xfffffffffffffffe);
    CHECK_EQ(RR("mulhsu", -1, ~0ul), ~0ul);
    CHECK_EQ(RR("div", 0x8000000000000000, -1), 0x8000000000000000);
    CHECK_EQ(RR("rem", 0x8000000000000000, -1), 0);
    CHECK_EQ(RR("div", 7, 0), ~0ul);
    CHECK_EQ(RR("divu", 7, 0), ~0ul);
    CHECK_EQ(RR("rem", 7, 0), 7);
    CHECK_EQ(RR("remu", -7, 0), (uint64_t)-7);
    CHECK_EQ(RR("div", -7, 2), (uint64_t)-3);
    CHECK_EQ(RR("rem", -7, 2), (uint64_t)-1);
    CHECK_EQ(RR("mulw", 0x10000, 0x10000), 0);
    CHECK_EQ(RR("divw", 0x80000000, -1), 0xffffffff80000000);
    CHECK_EQ(RR("divuw", 0xffffffff, 0), ~0ul);
    CHECK_EQ(RR("remw", 0x80000000, -1), 0);
    CHECK_EQ(RR("remuw", 0xfffffffe, 0), 0xfffffffffffffffe);
    /* The spin-wait hints (Linux's cpu_relax): div by x0 still gives -1,
     * pause (fence w,0) leaves everything as it was. */
    uint64_t q, keep = 0x1234;
    asm volatile("div %0, %1, zero" : "=r"(q) : "r"((uint64_t)7));
    CHECK_EQ(q, ~0ul);
    asm volatile(".4byte 0x0100000f" : "+r"(keep) : : "memory");
    CHECK_EQ(keep, 0x1234);
}

static void test_bitmanip(void)
{
    CHECK_EQ(RR("sh1add", 3, 1), 7);
    CHECK_EQ(RR("sh2add", 3, 1), 13);
    CHECK_EQ(RR("sh3add", 3, 1), 25);
    CHECK_EQ(RR("add.uw", 0xffffffff00000001, 1), 2);
    CHECK_EQ(RR("sh1add.uw", 0x80000000ffffffff, 0), 0x1fffffffe);
    CHECK_EQ(RR("sh3add.uw", 0xffffffff00000001, 0), 8);
    CHECK_EQ(RI("slli.uw", 0xfffffffff0000000, 4), 0xf00000000);
    CHECK_EQ(RR("andn", 0xff, 0x0f), 0xf0);
    CHECK_EQ(RR("orn", 0, ~0x0ful), 0x0f);
    CHECK_EQ(RR("xnor", 0xf0, 0xff), ~0x0ful);
    CHECK_EQ(R1("clz", 0), 64);
    CHECK_EQ(R1("clz", 1), 63);
    CHECK_EQ(R1("ctz", 0), 64);
    CHECK_EQ(R1("ctz", 0x100), 8);
    CHECK_EQ(R1("cpop", 0xf0f0), 8);
    CHECK_EQ(R1("clzw", 0), 32);
    CHECK_EQ(R1("clzw", 0xffffffff00000001), 31);
    CHECK_EQ(R1("ctzw", 0xffffffff00000000), 32);
    CHECK_EQ(R1("cpopw", 0xffffffff0000000f), 4);
    CHECK_EQ(RR("max", -1, 1), 1);
    CHECK_EQ(RR("maxu", -1, 1), ~0ul);
    CHECK_EQ(RR("min", -1, 1), ~0ul);
    CHECK_EQ(RR("minu", -1, 1), 1);
    CHECK_EQ(R1("sext.b", 0x80), ~0x7ful);
    CHECK_EQ(R1("sext.h", 0x8000), ~0x7ffful);
    CHECK_EQ(R1("zext.h", ~0ul), 0xffff);
    CHECK_EQ(RR("rol", 0x8000000000000001, 1), 3);
    CHECK_EQ(RR("ror", 3, 1), 0x8000000000000001);
    CHECK_EQ(RR("rolw", 0x80000001, 1), 3);
    CHECK_EQ(RR("rorw", 1, 1), 0xffffffff80000000);
    CHECK_EQ(RI("rori", 1, 4), 0x1000000000000000);
    CHECK_EQ(RI("roriw", 1, 4), 0x10000000);
    CHECK_EQ(R1("orc.b", 0x0100200000000003), 0xff00ff00000000ff);
    CHECK_EQ(R1("rev8", 0x0102030405060708), 0x0807060504030201);
    CHECK_EQ(RR("clmul", 0x3, 0x3), 0x5);
    CHECK_EQ(RR("clmul", 0x8000000000000001, 0x3), 0x8000000000000003);
    CHECK_EQ(RR("clmulh", 0x8000000000000000, 0x3), 0x1);
    CHECK_EQ(RR("clmulr", 0x8000000000000000, 0x3), 0x3);
    CHECK_EQ(RR("bclr", ~0ul, 65), ~2ul);
    CHECK_EQ(RR("bset", 0, 63), 0x8000000000000000);
    CHECK_EQ(RR("binv", 1, 0), 0);
    CHECK_EQ(RR("bext", 0x10, 4), 1);
    CHECK_EQ(RI("bclri", ~0ul, 63), 0x7fffffffffffffff);
    CHECK_EQ(RI("bseti", 0, 32), 0x100000000);
    CHECK_EQ(RI("binvi", 0, 1), 2);
    CHECK_EQ(RI("bexti", 0x8000000000000000, 63), 1);
}

static uint64_t fib(uint64_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static void test_control(void)
{
    /* Compiled code exercises compressed branches, jumps, calls. */
    CHECK_EQ(fib(20), 6765);
    uint64_t sum = 0;
    for (int i = 0; i < 1000; i++) {
        sum += (i & 1) ? i : -i;
    }
    CHECK_EQ(sum, 500);
    uint64_t link;
    asm volatile("jal %0, 1f\n1:" : "=r"(link));
    CHECK(link != 0);
}

int main(void)
{
    test_base();
    test_m();
    test_bitmanip();
    test_control();
    return 0;
}
