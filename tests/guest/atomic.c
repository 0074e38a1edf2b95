/* SPDX-License-Identifier: MIT */
/* A: AMOs of both widths with sign handling, LR/SC reservations. */
#include "common/test.h"

#define AMO(insn, addr, v) ({ uint64_t r_; asm volatile(insn " %0, %2, (%1)" : "=r"(r_) : "r"(addr), "r"((uint64_t)(v)) : "memory"); r_; })

int main(void)
{
    volatile uint64_t d = 5;
    volatile uint32_t w[2] = { 0x80000000u, 0x12345678u };

    CHECK_EQ(AMO("amoadd.d", &d, 3), 5);
    CHECK_EQ(d, 8);
    CHECK_EQ(AMO("amoswap.d", &d, -1), 8);
    CHECK_EQ(AMO("amominu.d", &d, 7), ~0ul);
    CHECK_EQ(d, 7);
    CHECK_EQ(AMO("amomin.d", &d, -2), 7);
    CHECK_EQ(d, (uint64_t)-2);
    CHECK_EQ(AMO("amomaxu.d", &d, 1), (uint64_t)-2);
    CHECK_EQ(d, (uint64_t)-2);
    CHECK_EQ(AMO("amomax.d", &d, 1), (uint64_t)-2);
    CHECK_EQ(d, 1);
    CHECK_EQ(AMO("amoxor.d", &d, 3), 1);
    CHECK_EQ(AMO("amoor.d", &d, 8), 2);
    CHECK_EQ(AMO("amoand.d", &d, 0xc), 10);
    CHECK_EQ(d, 8);

    /* 32-bit: results sign-extended, comparisons at 32 bits. */
    CHECK_EQ(AMO("amoadd.w", &w[0], 0), 0xffffffff80000000ul);
    CHECK_EQ(AMO("amomax.w", &w[0], 1), 0xffffffff80000000ul);
    CHECK_EQ(w[0], 1);
    CHECK_EQ(AMO("amominu.w", &w[0], 0xffffffffu), 1);
    CHECK_EQ(w[0], 1);
    CHECK_EQ(AMO("amomaxu.w", &w[0], 0x80000000u), 1);
    CHECK_EQ(w[0], 0x80000000u);
    CHECK_EQ(AMO("amomin.w", &w[0], 0x7fffffffu), 0xffffffff80000000ul);
    CHECK_EQ(w[0], 0x80000000u);
    CHECK_EQ(AMO("amoswap.w", &w[0], 0x1ffffffffu), 0xffffffff80000000ul);
    CHECK_EQ(w[0], 0xffffffffu);
    CHECK_EQ(w[1], 0x12345678u);             /* neighbour untouched */

    /* LR/SC: success once, then the reservation is gone. */
    uint64_t v, fail;
    asm volatile("lr.d %0, (%2)\n addi %0, %0, 1\n sc.d %1, %0, (%2)" : "=&r"(v), "=&r"(fail) : "r"(&d) : "memory");
    CHECK_EQ(fail, 0);
    CHECK_EQ(d, 9);
    asm volatile("sc.d %0, %1, (%2)" : "=&r"(fail) : "r"(100ul), "r"(&d) : "memory");
    CHECK(fail != 0);
    CHECK_EQ(d, 9);
    asm volatile("lr.w %0, (%1)" : "=&r"(v) : "r"(&w[1]) : "memory");
    CHECK_EQ(v, 0x12345678);
    asm volatile("sc.w %0, %1, (%2)" : "=&r"(fail) : "r"(0xabcdul), "r"(&w[1]) : "memory");
    CHECK_EQ(fail, 0);
    CHECK_EQ(w[1], 0xabcd);
    return 0;
}
