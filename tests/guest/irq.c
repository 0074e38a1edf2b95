/* SPDX-License-Identifier: MIT */
/* Interrupts: CLINT timer and software interrupts in M, priorities,
 * vectored mtvec, WFI wake-up, delegation to S, Sstc stimecmp. */
#include "common/test.h"

#define MIE_MSIE (1ul << 3)
#define MIE_MTIE (1ul << 7)
#define MIE_SSIE (1ul << 1)
#define MIE_STIE (1ul << 5)
#define MSTATUS_MIE (1ul << 3)
#define SSTATUS_SIE (1ul << 1)
#define CAUSE_IRQ (1ul << 63)
#define MENVCFG_STCE (1ul << 63)

static volatile uint64_t seen[16];

static void hook(uint64_t cause, int from_s)
{
    uint64_t code = cause & 0xf;
    seen[code]++;
    switch (code) {
    case 3:
        mmio_write32(CLINT_MSIP, 0);
        break;
    case 7:
        mmio_write64(CLINT_MTIMECMP, ~0ul);
        break;
    case 1:
        csr_clear(sip, MIE_SSIE);
        break;
    case 5:
        asm volatile("csrw 0x14d, %0" :: "r"(~0ul));   /* stimecmp */
        break;
    }
}

static void wait_for(volatile uint64_t *counter, uint64_t value)
{
    for (long i = 0; i < 100000000 && *counter < value; i++) {
    }
}

int main(void)
{
    irq_hook = hook;
    mmio_write64(CLINT_MTIMECMP, ~0ul);

    /* Machine timer. */
    csr_write(mie, MIE_MTIE);
    csr_set(mstatus, MSTATUS_MIE);
    mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + 1000);
    wait_for(&seen[7], 1);
    CHECK_EQ(seen[7], 1);
    CHECK_EQ(last_trap.cause, CAUSE_IRQ | 7);
    /* The time CSR and the CLINT's mtime count the same clock. */
    uint64_t t0 = csr_read(time), m = mmio_read64(CLINT_MTIME), t1 = csr_read(time);
    CHECK(t0 <= m && m <= t1);

    /* Software interrupt through a vectored mtvec. */
    extern char m_vector_table[], m_trap_entry[];
    csr_write(mtvec, (uint64_t)m_vector_table | 1);
    csr_write(mie, MIE_MSIE);
    mmio_write32(CLINT_MSIP, 1);
    wait_for(&seen[3], 1);
    CHECK_EQ(seen[3], 1);
    CHECK_EQ(last_trap.handled_in_s, 2);
    csr_write(mtvec, (uint64_t)m_trap_entry);

    /* Masked by MIE: pending but not taken; WFI still wakes. */
    csr_clear(mstatus, MSTATUS_MIE);
    csr_write(mie, MIE_MTIE);
    mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + 10000);
    asm volatile("wfi");
    for (int i = 0; i < 1000000 && !(csr_read(mip) & MIE_MTIE); i++) {
    }
    CHECK(csr_read(mip) & MIE_MTIE);
    CHECK_EQ(seen[7], 1);
    csr_set(mstatus, MSTATUS_MIE);      /* now taken */
    CHECK_EQ(seen[7], 2);
    csr_clear(mstatus, MSTATUS_MIE);

    /* M-level interrupts are taken in lower modes regardless of MIE. */
    csr_write(mie, MIE_MSIE);
    switch_mode(PRV_S);
    mmio_write32(CLINT_MSIP, 1);
    wait_for(&seen[3], 2);
    back_to_m();
    CHECK_EQ(seen[3], 2);

    /* Delegated supervisor software interrupt, taken in S with SIE. */
    csr_write(mideleg, MIE_SSIE | MIE_STIE);
    csr_write(mie, MIE_SSIE | MIE_STIE);
    switch_mode(PRV_S);
    csr_set(sstatus, SSTATUS_SIE);
    csr_set(sip, MIE_SSIE);            /* S may set its own SSIP */
    wait_for(&seen[1], 1);
    csr_clear(sstatus, SSTATUS_SIE);
    back_to_m();
    CHECK_EQ(seen[1], 1);
    CHECK_EQ(last_trap.handled_in_s, 1);

    /* Sstc: stimecmp raises STIP, delegated to S. */
    csr_write(menvcfg, MENVCFG_STCE);
    if (csr_read(menvcfg) & MENVCFG_STCE) {
        csr_write(mcounteren, 2);
        switch_mode(PRV_S);
        uint64_t now = csr_read(time);
        asm volatile("csrw 0x14d, %0" :: "r"(now + 1000));
        csr_set(sstatus, SSTATUS_SIE);
        wait_for(&seen[5], 1);
        csr_clear(sstatus, SSTATUS_SIE);
        back_to_m();
        CHECK_EQ(seen[5], 1);
        CHECK_EQ(last_trap.cause, CAUSE_IRQ | 5);
        CHECK(!(csr_read(mip) & MIE_STIE));
    } else {
        puts_uart("sstc not implemented: skipped\n");
    }
    csr_write(mie, 0);
    return 0;
}
