/* SPDX-License-Identifier: MIT */
/*
 * Exclusives and LSE atomics across vCPUs: every CPU (the boot CPU and
 * three started with PSCI CPU_ON) adds to shared counters with an
 * LDXR/STXR loop, with LDADD and with a CAS loop; no update may be lost.
 * Needs -smp 4; with fewer CPUs the missing ones are reported.
 */
#include "common/test.h"

#define NCPUS 4
#define ITERS 20000

static volatile uint64_t counter_excl, counter_lse, counter_cas;
static volatile uint64_t done;
static uint8_t stacks[NCPUS][4096] __attribute__((aligned(16)));

static void work(void)
{
    for (int i = 0; i < ITERS; i++) {
        uint64_t v, st;
        do {
            asm volatile("ldaxr %0, [%2]\n\tadd %0, %0, #1\n\tstlxr %w1, %0, [%2]"
                         : "=&r"(v), "=&r"(st) : "r"(&counter_excl) : "memory");
        } while (st);
        asm volatile("staddl %0, [%1]" :: "r"(1ull), "r"(&counter_lse) : "memory");
        uint64_t old = counter_cas, seen;
        for (;;) {
            seen = old;
            asm volatile("casal %0, %1, [%2]" : "+r"(seen) : "r"(old + 1), "r"(&counter_cas)
                         : "memory");
            if (seen == old) {
                break;
            }
            old = seen;
        }
    }
    asm volatile("stadd %0, [%1]" :: "r"(1ull), "r"(&done) : "memory");
}

void secondary_main(unsigned cpu)
{
    work();
}

int main(void)
{
    CHECK_EQ(psci_call(PSCI_VERSION, 0, 0, 0), 0x10001);
    CHECK_EQ(psci_call(PSCI_FEATURES, PSCI_CPU_ON, 0, 0), 0);
    CHECK_EQ(psci_call(PSCI_FEATURES, 0x8400ffffu /* no such function */, 0, 0), (uint64_t)-1);
    CHECK_EQ(psci_call(PSCI_AFFINITY_INFO, 0, 0, 0), 0);                 /* we are on */
    CHECK_EQ(start_cpu(0, stacks[0] + sizeof(stacks[0])), (uint64_t)-4); /* ALREADY_ON */
    for (unsigned c = 1; c < NCPUS; c++) {
        CHECK_EQ(psci_call(PSCI_AFFINITY_INFO, c, 0, 0), 1);         /* off */
        CHECK_EQ(start_cpu(c, stacks[c] + sizeof(stacks[c])), 0);
    }
    work();
    while (done < NCPUS) {
        asm volatile("yield");
    }
    CHECK_EQ(counter_excl, (uint64_t)NCPUS * ITERS);
    CHECK_EQ(counter_lse, (uint64_t)NCPUS * ITERS);
    CHECK_EQ(counter_cas, (uint64_t)NCPUS * ITERS);
    return failures;
}
