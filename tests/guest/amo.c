/* SPDX-License-Identifier: MIT */
/*
 * AMO edge cases (atomic.c has the basic results): every operation at both
 * widths with rd = x0, rd equal to rs1 or rs2, .w results sign-extended
 * from bit 31 for every operation, the upper half of rs2 ignored by .w,
 * signed/unsigned min/max at the extremes, wrap-around, neighbours left
 * alone, and faults (misaligned, unmapped) that leave rd unchanged.
 */
#include "common/test.h"

#define AMO(insn, addr, v) ({ uint64_t r_; asm volatile(insn " %0, %2, (%1)" : "=&r"(r_) : "r"(addr), "r"((uint64_t)(v)) : "memory"); r_; })
#define AMO_X0(insn, addr, v) asm volatile(insn " zero, %1, (%0)" :: "r"(addr), "r"((uint64_t)(v)) : "memory")

#ifndef QEMU_REFERENCE
#define QEMU_REFERENCE 0
#endif
#define UNMAPPED 0x2000000000ul

static volatile uint64_t d[4];
static volatile uint32_t w[4];

static void reset(void)
{
    for (int i = 0; i < 4; i++) {
        d[i] = 0x5a5a5a5a5a5a5a5aul;
        w[i] = 0xa5a5a5a5u;
    }
}

static void test_rd_x0(void)
{
    reset();
    d[1] = 10;
    AMO_X0("amoadd.d", &d[1], 5);
    CHECK_EQ(d[1], 15);
    AMO_X0("amoswap.d", &d[1], 7);
    CHECK_EQ(d[1], 7);
    AMO_X0("amoand.d", &d[1], 6);
    CHECK_EQ(d[1], 6);
    AMO_X0("amoor.d", &d[1], 9);
    CHECK_EQ(d[1], 15);
    AMO_X0("amoxor.d", &d[1], 5);
    CHECK_EQ(d[1], 10);
    AMO_X0("amomin.d", &d[1], -3);
    CHECK_EQ(d[1], (uint64_t)-3);
    AMO_X0("amomax.d", &d[1], 2);
    CHECK_EQ(d[1], 2);
    AMO_X0("amominu.d", &d[1], 1);
    CHECK_EQ(d[1], 1);
    AMO_X0("amomaxu.d", &d[1], -1);
    CHECK_EQ(d[1], ~0ul);
    CHECK_EQ(d[0], 0x5a5a5a5a5a5a5a5aul);
    CHECK_EQ(d[2], 0x5a5a5a5a5a5a5a5aul);

    w[1] = 10;
    AMO_X0("amoadd.w", &w[1], 5);
    CHECK_EQ(w[1], 15);
    AMO_X0("amoswap.w", &w[1], 0x80000000u);
    CHECK_EQ(w[1], 0x80000000u);
    AMO_X0("amoor.w", &w[1], 1);
    AMO_X0("amoxor.w", &w[1], 3);
    AMO_X0("amoand.w", &w[1], 0xfffffff0u);
    CHECK_EQ(w[1], 0x80000000u);
    AMO_X0("amomax.w", &w[1], 1);
    CHECK_EQ(w[1], 1);
    AMO_X0("amominu.w", &w[1], 0);
    CHECK_EQ(w[1], 0);
    AMO_X0("amomin.w", &w[1], 0xffffffffu);
    CHECK_EQ(w[1], 0xffffffffu);
    AMO_X0("amomaxu.w", &w[1], 3);
    CHECK_EQ(w[1], 0xffffffffu);
    CHECK_EQ(w[0], 0xa5a5a5a5u);
    CHECK_EQ(w[2], 0xa5a5a5a5u);
}

/* Every .w operation returns the old word sign-extended. */
static void test_w_sign_extension(void)
{
    const uint64_t old = 0xffffffff87654321ul;
#define OLD_W(insn, v, expect_mem)                     \
    do {                                               \
        w[2] = 0x87654321u;                            \
        CHECK_EQ(AMO(insn, &w[2], (v)), old);          \
        CHECK_EQ(w[2], (uint32_t)(expect_mem));        \
        CHECK_EQ(w[1], 0xa5a5a5a5u);                   \
        CHECK_EQ(w[3], 0xa5a5a5a5u);                   \
    } while (0)
    reset();
    OLD_W("amoswap.w", 1, 1);
    OLD_W("amoadd.w", 0x789abcdf, 0);                       /* carry out of bit 31 dropped */
    OLD_W("amoand.w", 0xf0f0f0f0, 0x80604020);
    OLD_W("amoor.w", 0x0f0f0f0f, 0x8f6f4f2f);
    OLD_W("amoxor.w", 0xffffffff, 0x789abcde);
    OLD_W("amomin.w", 0, 0x87654321);                       /* negative < 0 */
    OLD_W("amomax.w", 0, 0);
    OLD_W("amominu.w", 0, 0);
    OLD_W("amomaxu.w", 0, 0x87654321);
    /* Positive old values come back zero-extended. */
    w[2] = 0x7fffffff;
    CHECK_EQ(AMO("amoadd.w", &w[2], 1), 0x7fffffff);
    CHECK_EQ(w[2], 0x80000000u);
    CHECK_EQ(AMO("amoadd.w", &w[2], 0), 0xffffffff80000000ul);
#undef OLD_W
}

/* .w uses the low 32 bits of rs2 only. */
static void test_w_ignores_upper_rs2(void)
{
    reset();
    w[0] = 5;
    CHECK_EQ(AMO("amoadd.w", &w[0], 0xffffffff00000001ul), 5);
    CHECK_EQ(w[0], 6);
    /* 0x1_00000000 is 0 as a word: max(6, 0) stays 6, min(6, 0) is 0. */
    CHECK_EQ(AMO("amomax.w", &w[0], 0x100000000ul), 6);
    CHECK_EQ(w[0], 6);
    CHECK_EQ(AMO("amominu.w", &w[0], 0x100000000ul), 6);
    CHECK_EQ(w[0], 0);
    /* 0x0_80000000 is negative as a word. */
    w[0] = 1;
    CHECK_EQ(AMO("amomin.w", &w[0], 0x80000000ul), 1);
    CHECK_EQ(w[0], 0x80000000u);
    w[0] = 1;
    CHECK_EQ(AMO("amomaxu.w", &w[0], 0x7fffffff80000000ul), 1);
    CHECK_EQ(w[0], 0x80000000u);
    CHECK_EQ(AMO("amoswap.w", &w[0], 0x123456789ul), 0xffffffff80000000ul);
    CHECK_EQ(w[0], 0x23456789u);
    CHECK_EQ(w[1], 0xa5a5a5a5u);
}

static void test_d_extremes(void)
{
    reset();
    d[0] = ~0ul;
    CHECK_EQ(AMO("amoadd.d", &d[0], 1), ~0ul);
    CHECK_EQ(d[0], 0);
    d[0] = 0x8000000000000000ul;
    CHECK_EQ(AMO("amomin.d", &d[0], 0x7fffffffffffffffl), 0x8000000000000000ul);
    CHECK_EQ(d[0], 0x8000000000000000ul);
    CHECK_EQ(AMO("amomax.d", &d[0], 0x7fffffffffffffffl), 0x8000000000000000ul);
    CHECK_EQ(d[0], 0x7fffffffffffffffl);
    CHECK_EQ(AMO("amomaxu.d", &d[0], 0x8000000000000000ul), 0x7fffffffffffffffl);
    CHECK_EQ(d[0], 0x8000000000000000ul);
    CHECK_EQ(AMO("amominu.d", &d[0], 0x7fffffffffffffffl), 0x8000000000000000ul);
    CHECK_EQ(d[0], 0x7fffffffffffffffl);
    /* Equal operands: memory keeps the (same) value. */
    CHECK_EQ(AMO("amomin.d", &d[0], 0x7fffffffffffffffl), 0x7fffffffffffffffl);
    CHECK_EQ(d[0], 0x7fffffffffffffffl);
    CHECK_EQ(d[1], 0x5a5a5a5a5a5a5a5aul);
}

/* rd equal to rs2 (the swap idiom) and to rs1 (address overwritten); the
 * registers are named inside the asm so the compiler cannot move them. */
#define ALIAS(body, v, addr) ({ uint64_t o_; \
    asm volatile("mv t0, %1\n mv a1, %2\n mv a2, %1\n" body "\n mv %0, t0" \
                 : "=r"(o_) : "r"((uint64_t)(v)), "r"(addr) : "t0", "a1", "a2", "memory"); o_; })

static void test_register_aliasing(void)
{
    reset();
    d[0] = 100;
    CHECK_EQ(ALIAS("amoswap.d t0, t0, (a1)", 7, &d[0]), 100);
    CHECK_EQ(d[0], 7);
    CHECK_EQ(ALIAS("amoadd.d t0, t0, (a1)", 3, &d[0]), 7);
    CHECK_EQ(d[0], 10);
    CHECK_EQ(ALIAS("amomaxu.d t0, t0, (a1)", 4, &d[0]), 10);
    CHECK_EQ(d[0], 10);
    /* rd == rs1: the old value replaces the address. */
    CHECK_EQ(ALIAS("amoor.d a1, a2, (a1)\n mv t0, a1", 0xff, &d[0]), 10);
    CHECK_EQ(d[0], 0xff);
    w[3] = 0xfffffffeu;
    CHECK_EQ(ALIAS("amoxor.w a1, a2, (a1)\n mv t0, a1", 0xff, &w[3]), 0xfffffffffffffffeul);
    CHECK_EQ(w[3], 0xffffff01u);
    /* rs1 == rs2: the address is also the operand. */
    d[1] = 0;
    CHECK_EQ(ALIAS("amoadd.d t0, a1, (a1)", 0, &d[1]), 0);
    CHECK_EQ(d[1], (uint64_t)&d[1]);
    /* rd == rs1 == rs2. */
    d[1] = 5;
    CHECK_EQ(ALIAS("amoswap.d a1, a1, (a1)\n mv t0, a1", 0, &d[1]), 5);
    CHECK_EQ(d[1], (uint64_t)&d[1]);
}

/* A faulting AMO writes neither memory nor rd. */
#define FAULTING(insn, addr, v) ({ uint64_t rd_ = 0x1234; \
    asm volatile(insn " %0, %2, (%1)" : "+&r"(rd_) : "r"(addr), "r"((uint64_t)(v)) : "memory"); rd_; })

static void test_faults_leave_rd(void)
{
    reset();
    uint64_t addr = (uint64_t)&d[1] + 4;
    uint64_t n = last_trap.count;
    CHECK_EQ(FAULTING("amomax.d", addr, 1), 0x1234);
    CHECK_EQ(last_trap.count, n + 1);
    CHECK(last_trap.cause == 6 || (QEMU_REFERENCE && last_trap.cause == 4));
    CHECK_EQ(last_trap.tval, addr);
    CHECK_EQ(d[1], 0x5a5a5a5a5a5a5a5aul);
    CHECK_EQ(d[2], 0x5a5a5a5a5a5a5a5aul);
    addr = (uint64_t)&w[1] + 2;
    n = last_trap.count;
    CHECK_EQ(FAULTING("amoand.w", addr, 0), 0x1234);
    CHECK_EQ(last_trap.count, n + 1);
    CHECK(last_trap.cause == 6 || (QEMU_REFERENCE && last_trap.cause == 4));
    CHECK_EQ(last_trap.tval, addr);
    CHECK_EQ(w[1], 0xa5a5a5a5u);
    CHECK_EQ(w[2], 0xa5a5a5a5u);
    n = last_trap.count;
    CHECK_EQ(FAULTING("amominu.w", UNMAPPED, 0), 0x1234);
    CHECK_EQ(last_trap.count, n + 1);
    CHECK(last_trap.cause == 7 || (QEMU_REFERENCE && last_trap.cause == 5));
    CHECK_EQ(last_trap.tval, UNMAPPED);
    /* sc to a misaligned address faults (with a reservation on it). */
    asm volatile("lr.d %0, (%1)" : "=r"(n) : "r"(&d[0]) : "memory");
    n = last_trap.count;
    CHECK_EQ(FAULTING("sc.d", (uint64_t)&d[0] + 4, 0), 0x1234);
    CHECK_EQ(last_trap.count, n + 1);
    CHECK(last_trap.cause == 6 || (QEMU_REFERENCE && last_trap.cause == 4));
    CHECK_EQ(d[0], 0x5a5a5a5a5a5a5a5aul);
}

int main(void)
{
    test_rd_x0();
    test_w_sign_extension();
    test_w_ignores_upper_rs2();
    test_d_extremes();
    test_register_aliasing();
    test_faults_leave_rd();
    return 0;
}
