/* SPDX-License-Identifier: MIT */
/* PMP: TOR/NA4/NAPOT matching, priority, S/U rules, M-mode and lock bit,
 * MPRV.  runtime_init gives entry 15 (lowest priority) all of memory. */
#include "common/test.h"

#define PMP_R 1
#define PMP_W 2
#define PMP_X 4
#define PMP_TOR (1 << 3)
#define PMP_NA4 (2 << 3)
#define PMP_NAPOT (3 << 3)
#define PMP_L 0x80

static uint64_t load(uint64_t a) { return *(volatile uint64_t *)a; }
static void store(uint64_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

int main(void)
{
    uint8_t *p = alloc_page();       /* 4 KiB page, NAPOT read-only */
    uint8_t *q = alloc_page();       /* TOR [q, q+4K): no access */
    uint8_t *r = alloc_page();       /* NA4 word at r: write-only? (R=0,W=1 reserved -> RW) */
    uint64_t pa = (uint64_t)p, qa = (uint64_t)q, ra = (uint64_t)r;

    csr_write(pmpaddr0, (pa >> 2) | 0x1ff);                   /* NAPOT 4 KiB */
    csr_write(pmpaddr1, qa >> 2);                              /* TOR bottom */
    csr_write(pmpaddr2, (qa + 4096) >> 2);                     /* TOR top */
    csr_write(pmpaddr3, ra >> 2);                              /* NA4 */
    uint64_t cfg = (uint64_t)(PMP_R | PMP_NAPOT) | ((uint64_t)0 << 8) |
                   ((uint64_t)PMP_TOR << 16) | ((uint64_t)(PMP_R | PMP_NA4) << 24);
    csr_write(pmpcfg0, cfg);
    CHECK_EQ(csr_read(pmpcfg0), cfg);
    CHECK_EQ(csr_read(pmpaddr0), (pa >> 2) | 0x1ff);

    switch_mode(PRV_S);
    CHECK_EQ(load(pa + 8), 0);
    EXPECT_TRAP(7, store(pa + 8, 1));
    CHECK_EQ(last_trap.tval, pa + 8);
    EXPECT_TRAP(5, load(qa + 16));
    CHECK_EQ(last_trap.tval, qa + 16);
    CHECK_EQ(load(qa + 4096 + 8), 0);                           /* just above TOR */
    EXPECT_TRAP(7, *(volatile uint32_t *)ra = 1);               /* NA4 read-only word */
    *(volatile uint32_t *)(ra + 4) = 1;                         /* next word: entry 15 */
    back_to_m();
    switch_mode(PRV_U);
    EXPECT_TRAP(5, load(qa));
    back_to_m();

    /* M-mode ignores unlocked entries... */
    store(pa + 8, 5);
    CHECK_EQ(load(qa), 0);
    /* ...but MPRV=1, MPP=U applies them to M's loads and stores. */
    csr_clear(mstatus, 3ul << 11);
    csr_set(mstatus, 1ul << 17);
    uint64_t n = last_trap.count;
    load(qa);
    csr_clear(mstatus, 1ul << 17);
    CHECK_EQ(last_trap.count, n + 1);
    CHECK_EQ(last_trap.cause, 5);

    /* Fetch: an X-less region is an instruction access fault. */
    uint16_t *code = alloc_page();
    code[0] = 0x8082;                                           /* ret */
    asm volatile("fence.i" ::: "memory");
    void (*fn)(void) = (void (*)(void))code;
    uint64_t fa = (uint64_t)code;
    fn();                                                       /* runs from RAM */
    csr_write(pmpaddr4, (fa >> 2) | 0x1ff);
    csr_write(pmpcfg0, cfg | ((uint64_t)(PMP_R | PMP_NAPOT) << 32));
    switch_mode(PRV_S);
    EXPECT_TRAP(1, fn());
    back_to_m();
    csr_write(pmpcfg0, cfg);

    /* Locking: the entry binds M and ignores writes until reset. */
    csr_write(pmpcfg0, cfg | PMP_L);
    EXPECT_TRAP(7, store(pa + 8, 6));
    CHECK_EQ(load(pa + 8), 5);
    csr_write(pmpcfg0, cfg & ~0xfful);
    CHECK_EQ(csr_read(pmpcfg0) & 0xff, PMP_R | PMP_NAPOT | PMP_L);
    csr_write(pmpaddr0, 0);
    CHECK_EQ(csr_read(pmpaddr0), (pa >> 2) | 0x1ff);
    return 0;
}
