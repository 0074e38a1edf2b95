/* SPDX-License-Identifier: MIT */
/*
 * WFE, SEV and SEVL (D1.6 "Wait for Event"), needs -smp 2:
 *  - the Event Register: SEVL sets it and the next WFE consumes it without
 *    waiting; a WFE that would wait at EL0 traps to EL1 with
 *    SCTLR_EL1.nTWE = 0 (EC 0x01, ISS TI = 01), one that finds the event
 *    set does not (the trap applies only to a WFE that would sleep);
 *  - SEV from one CPU sets the other's Event Register: the second CPU's
 *    EL0 WFE after it, again with nTWE = 0, does not trap;
 *  - waiting: CPU 1 waits in Linux's smp_cond_load pattern (SEVL, WFE,
 *    LDXR, compare, WFE) for each of 2000 values CPU 0 stores, and CPU 0
 *    waits with WFE for CPU 1's acknowledgement, SEV after each store:
 *    every value is seen, in order, and both finish.
 */
#include "common/test.h"

#define SCTLR_nTWE (1ull << 18)
#define ROUNDS 2000

static uint8_t stack1[8192] __attribute__((aligned(16)));
static volatile uint64_t posted, acked, phase, sev_seen, cpu1_failures;

static void wfe(void)
{
    asm volatile("wfe" ::: "memory");
}

static void sev(void)
{
    asm volatile("sev" ::: "memory");
}

static void sevl(void)
{
    asm volatile("sevl" ::: "memory");
}

/* Wait until *p != old with the exclusive monitor armed (Linux __cmpwait). */
static uint64_t wait_change(volatile uint64_t *p, uint64_t old)
{
    uint64_t v;
    sevl();
    wfe();                              /* consumes SEVL's event */
    for (;;) {
        asm volatile("ldxr %0, [%1]" : "=&r"(v) : "r"(p) : "memory");
        if (v != old) {
            return v;
        }
        wfe();
    }
}

static uint64_t el0_wfe(uint64_t x)
{
    wfe();
    return 0;
}

static uint64_t el0_sevl_wfe(uint64_t x)
{
    sevl();
    wfe();
    return 0;
}

void secondary_main(unsigned cpu)
{
    uint64_t seen = 0;
    for (unsigned i = 1; i <= ROUNDS; i++) {
        seen = wait_change(&posted, seen);
        if (seen != i) {
            cpu1_failures++;
        }
        acked = seen;
        asm volatile("dsb ish" ::: "memory");
        sev();
    }
    /* Phase 2: CPU 0 sends SEV while we spin without WFE; afterwards our
     * Event Register is set, so an EL0 WFE must not trap even with
     * nTWE = 0.  Our own SEVs above set it too: consume that first. */
    sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) & ~SCTLR_nTWE);
    asm volatile("isb");
    sevl();
    wfe();
    phase = 1;
    while (phase != 2) {
    }
    uint64_t n = last_exc.count;
    run_el0(el0_wfe, 0);
    sev_seen = last_exc.count - n;      /* 1: only the return SVC */
    phase = 3;
    psci_cpu_off();
}

int main(void)
{
    uint64_t sctlr = sysreg_read(sctlr_el1);
    /* EL0 WFE with the event set: consumed, no trap (the SVC back only). */
    sysreg_write(sctlr_el1, sctlr & ~SCTLR_nTWE);
    asm volatile("isb");
    uint64_t n = last_exc.count;
    run_el0(el0_sevl_wfe, 0);
    CHECK_EQ(last_exc.count, n + 1);
    /* EL0 WFE that would wait: traps (then the SVC back). */
    wfe();                              /* make sure no event is left */
    n = last_exc.count;
    run_el0(el0_wfe, 0);
    CHECK_EQ(last_exc.count, n + 2);
    CHECK_EQ(ESR_EC(last_exc.prev_esr), 0x01);
    CHECK_EQ(last_exc.prev_esr & 3, 1);                 /* TI: WFE */
    /* With nTWE = 1 it just waits (bounded by an event or a wake-up). */
    sysreg_write(sctlr_el1, sctlr | SCTLR_nTWE);
    asm volatile("isb");
    n = last_exc.count;
    run_el0(el0_wfe, 0);
    CHECK_EQ(last_exc.count, n + 1);

    CHECK_EQ(start_cpu(1, stack1 + sizeof(stack1)), 0);
    for (uint64_t i = 1; i <= ROUNDS; i++) {
        posted = i;
        asm volatile("dsb ish" ::: "memory");
        sev();
        uint64_t a = acked;
        while (a != i) {
            a = wait_change(&acked, a);
        }
    }
    while (phase != 1) {
    }
    sev();
    phase = 2;
    while (phase != 3) {
    }
    CHECK_EQ(sev_seen, 1);
    CHECK_EQ(cpu1_failures, 0);
    CHECK_EQ(acked, ROUNDS);
    sysreg_write(sctlr_el1, sctlr);
    asm volatile("isb");
    return failures;
}
