/* SPDX-License-Identifier: MIT */
/*
 * Sdtrig: a program sets mcontrol6 execute, store and load triggers on
 * itself and takes the breakpoint exceptions (cause 3) with the right epc
 * and tval; mode selection, tcontrol.mte, data and NAPOT matching, and the
 * WARL behaviour of tselect/tdata1.
 *
 * QEMU 7.2 (the reference run.py can use) implements the older type-2
 * triggers and writes tval 0, so the checks are Tessera's only there.
 */
#include "common/test.h"

#define CSR_TSELECT 0x7a0
#define CSR_TDATA1 0x7a1
#define CSR_TDATA2 0x7a2
#define CSR_TINFO 0x7a4
#define CSR_TCONTROL 0x7a5
#define MC6 (6ull << 60)
#define DISABLED (15ull << 60)
#define HIT0 (1ull << 22)
#define SELECT_DATA (1ull << 21)
#define MATCH(n) ((uint64_t)(n) << 7)
#define MODE_M (1ull << 6)
#define MODE_S (1ull << 4)
#define MODE_U (1ull << 3)
#define EXECUTE (1ull << 2)
#define STORE (1ull << 1)
#define LOAD (1ull << 0)
#define TCONTROL_MTE (1ull << 3)
#define CAUSE_BREAKPOINT 3

#define rd(csr) ({ uint64_t v_; asm volatile("csrr %0, " #csr : "=r"(v_) :: "memory"); v_; })
#define wr(csr, v) asm volatile("csrw " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")

static volatile uint64_t watched;
static volatile uint64_t block[4] __attribute__((aligned(32)));

__attribute__((noinline, aligned(4))) static uint64_t marked(void)
{
    asm volatile("nop");
    return 7;
}

static void set_trigger(unsigned idx, uint64_t tdata1, uint64_t tdata2)
{
    wr(0x7a0, idx);
    wr(0x7a1, 0);
    wr(0x7a2, tdata2);
    wr(0x7a1, tdata1);
}

static void test_csrs(void)
{
    CHECK(rd(0x7a4) & (1ull << 6));           /* tinfo: mcontrol6 */
    wr(0x7a0, 1);
    CHECK_EQ(rd(0x7a0), 1);
    wr(0x7a0, 1000);                            /* no such trigger: unchanged */
    CHECK_EQ(rd(0x7a0), 1);
    wr(0x7a1, 0);
    CHECK_EQ(rd(0x7a1) >> 60, 15);              /* disabled */
    wr(0x7a1, MC6 | MODE_M | STORE);
    CHECK_EQ(rd(0x7a1), MC6 | MODE_M | STORE);
    wr(0x7a1, 0);
}

static void test_execute(void)
{
    uint64_t entry = (uint64_t)marked;
    set_trigger(0, MC6 | MODE_M | EXECUTE, entry);
    /* M-mode triggers fire only with tcontrol.mte set. */
    wr(0x7a5, 0);
    CHECK_EQ(marked(), 7);
    wr(0x7a5, TCONTROL_MTE);
    uint64_t n = last_trap.count;
    marked();                                   /* the nop is skipped by the handler */
    CHECK_EQ(last_trap.count, n + 1);
    CHECK_EQ(last_trap.cause, CAUSE_BREAKPOINT);
    CHECK_EQ(last_trap.epc, entry);
    CHECK_EQ(last_trap.tval, entry);
    CHECK(rd(0x7a1) & HIT0);
    CHECK(rd(0x7a5) & TCONTROL_MTE);            /* mret restored it from mpte */
    wr(0x7a1, 0);
    CHECK_EQ(marked(), 7);
    CHECK_EQ(last_trap.count, n + 1);
}

static void test_store_and_load(void)
{
    wr(0x7a5, TCONTROL_MTE);
    set_trigger(1, MC6 | MODE_M | STORE, (uint64_t)&watched);
    watched = 0;                                /* trapped and skipped */
    CHECK_EQ(last_trap.cause, CAUSE_BREAKPOINT);
    EXPECT_TRAP(CAUSE_BREAKPOINT, watched = 5);
    CHECK_EQ(last_trap.tval, (uint64_t)&watched);
    uint64_t n = last_trap.count;
    uint64_t v = watched;                       /* loads do not match a store trigger */
    CHECK_EQ(last_trap.count, n);
    CHECK_EQ(v, 0);                             /* the store never happened */
    wr(0x7a0, 1);
    wr(0x7a1, 0);
    watched = 9;
    CHECK_EQ(watched, 9);

    /* Data match on stores: only the value 0x1234 fires. */
    set_trigger(2, MC6 | MODE_M | STORE | SELECT_DATA, 0x1234);
    n = last_trap.count;
    watched = 0x1233;
    CHECK_EQ(last_trap.count, n);
    EXPECT_TRAP(CAUSE_BREAKPOINT, watched = 0x1234);
    CHECK_EQ(last_trap.tval, (uint64_t)&watched);
    CHECK_EQ(watched, 0x1233);
    wr(0x7a0, 2);
    wr(0x7a1, 0);

    /* NAPOT load trigger over the 32-byte block: any load inside fires. */
    uint64_t base = (uint64_t)block;
    set_trigger(3, MC6 | MODE_M | LOAD | MATCH(1), base | 0xf);
    EXPECT_TRAP(CAUSE_BREAKPOINT, (void)block[2]);
    CHECK_EQ(last_trap.tval, base + 16);
    n = last_trap.count;
    (void)watched;                               /* outside: no trap */
    v = watched;
    CHECK_EQ(last_trap.count, n);
    block[1] = 3;                               /* stores do not match a load trigger */
    CHECK_EQ(last_trap.count, n);
    wr(0x7a0, 3);
    wr(0x7a1, 0);
}

static void test_modes(void)
{
    /* A trigger for S and U only: silent in M, fires in S. */
    wr(0x7a5, TCONTROL_MTE);
    set_trigger(0, MC6 | MODE_S | MODE_U | STORE, (uint64_t)&watched);
    uint64_t n = last_trap.count;
    watched = 1;
    CHECK_EQ(last_trap.count, n);
    switch_mode(PRV_S);
    watched = 2;                                /* trapped to M, skipped */
    back_to_m();
    CHECK_EQ(last_trap.count, n + 1);
    CHECK_EQ(last_trap.cause, CAUSE_BREAKPOINT);
    CHECK_EQ(last_trap.tval, (uint64_t)&watched);
    CHECK_EQ(watched, 1);
    wr(0x7a0, 0);
    wr(0x7a1, 0);
}

int main(void)
{
#ifdef QEMU_REFERENCE
    puts_uart("sdtrig: QEMU 7.2 has no mcontrol6; nothing checked\n");
    return 0;
#endif
    test_csrs();
    test_execute();
    test_store_and_load();
    test_modes();
    return failures;
}
