/* SPDX-License-Identifier: MIT */
/* The CLINT at 0x2000000: mtime advances, and arming mtimecmp raises one
 * machine timer interrupt (taken in M from M, or from U in the VM
 * variant, where the identity map gives U the CLINT).  Status 0. */
#include "spike.h"

#define MSTATUS_MIE (1u << 3)
#define DELTA 1000                  /* 100 us at 10 MHz */
#define PATIENCE 50000000ull        /* 5 s of mtime */

int main(void)
{
    volatile uint64_t *mtime = (volatile uint64_t *)CLINT_MTIME;
    volatile uint64_t *mtimecmp = (volatile uint64_t *)CLINT_MTIMECMP0;
    if (!MODE_VM) {
        csr_set(mstatus, MSTATUS_MIE);
    }
    uint64_t start = *mtime;
    while (*mtime == start) {
    }
    CHECK(timer_irqs == 0);
    *mtimecmp = *mtime + DELTA;
    while (timer_irqs == 0 && *mtime - start < PATIENCE) {
    }
    CHECK(timer_irqs == 1);
    CHECK(*mtime - start >= DELTA);
    htif_puts("timer interrupt taken\n");
    return 0;
}
