/* SPDX-License-Identifier: MIT */
/*
 * Broadcast TLB maintenance is complete when the issuer's DSB is: CPU 0
 * remaps a page, runs TLBI (VAE1IS, ASIDE1IS or VMALLE1IS) and DSB ISH,
 * then raises a flag; CPU 1, spinning on reads through the old mapping,
 * must read the new frame in the very access after it sees the flag.
 * Repeated many times, each remap flipping the page between two frames.
 * Then both CPUs broadcast TLBIs at the same time (each waits for the
 * other), CPU 1 with device (UART) reads in between: this must not hang.
 * Needs -smp 2.
 */
#include "common/pte.h"
#include "common/test.h"

#define ITERS 1000
#define TEST_VA 0x1000000000ull
#define ASID 0x0005ull

#define PAGE_ATTRS (D_VALID | D_TABLE | D_AF | D_SH_INNER | ATTR_NORMAL | D_NG)
#define TCR (25ull | (1ull << 8) | (1ull << 10) | (3ull << 12) | (1ull << 23) | (5ull << 32) | \
             (1ull << 36))

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2[512] __attribute__((aligned(4096)));
static uint64_t l3[512] __attribute__((aligned(4096)));
static uint8_t frames[2][4096] __attribute__((aligned(4096)));
static uint8_t stack1[8192] __attribute__((aligned(16)));

static volatile uint64_t ready = ~0ull;    /* iteration the reader waits in */
static volatile uint64_t flag;             /* iteration + 1: remap done */
static volatile uint64_t stale, wrong, reader_done, both_start, both_done;

static void mmu_on(void)
{
    sysreg_write(mair_el1, 0x00ffull);
    sysreg_write(tcr_el1, TCR);
    sysreg_write(ttbr0_el1, (uint64_t)l1 | (ASID << 48));
    asm volatile("tlbi vmalle1\n\tdsb ish\n\tisb" ::: "memory");
    sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) | 1 | (1 << 2) | (1 << 12));
    asm volatile("isb" ::: "memory");
}

static uint64_t marker(unsigned f)
{
    return 0x5a00 + f;
}

/* A long block before the flag load makes the window in which a lazily
 * (not synchronously) flushed TLB would still serve the old mapping. */
#define PAD8 "add x9, x9, #1\n\t" "add x10, x10, #1\n\t" "add x9, x9, #1\n\t" \
             "add x10, x10, #1\n\t" "add x9, x9, #1\n\t" "add x10, x10, #1\n\t" \
             "add x9, x9, #1\n\t" "add x10, x10, #1\n\t"
#define PAD64 PAD8 PAD8 PAD8 PAD8 PAD8 PAD8 PAD8 PAD8

#define BOTH_ITERS 500

/* Phase 2: TLBIs from both CPUs at once. */
static void both_broadcast(unsigned cpu)
{
    asm volatile("stadd %0, [%1]" :: "r"(1ull), "r"(&both_start) : "memory");
    while (both_start < 2) {
        asm volatile("yield");
    }
    for (unsigned i = 0; i < BOTH_ITERS; i++) {
        if (cpu) {
            asm volatile("tlbi aside1is, %0\n\tdsb ish" :: "r"(ASID << 48) : "memory");
            (void)*(volatile uint32_t *)(UART_BASE + 0x18);     /* PL011 FR */
        } else {
            asm volatile("tlbi vae1is, %0\n\tdsb ish" :: "r"((TEST_VA >> 12) | (ASID << 48))
                         : "memory");
        }
        if (*(volatile uint64_t *)TEST_VA != marker(ITERS & 1)) {
            wrong++;
        }
    }
    asm volatile("stadd %0, [%1]" :: "r"(1ull), "r"(&both_done) : "memory");
}

void secondary_main(unsigned cpu)
{
    mmu_on();
    for (uint64_t i = 0; i < ITERS; i++) {
        unsigned old = (unsigned)(i & 1);
        if (*(volatile uint64_t *)TEST_VA != marker(old)) {
            wrong++;
        }
        ready = i;
        uint64_t f, v;
        /* Until the flag says remapped: read the flag, then the page. */
        asm volatile("1:\n\t" PAD64 PAD64 PAD64 PAD64 PAD64
                     "ldar %0, [%2]\n\t"
                     "ldr %1, [%3]\n\t"
                     "cmp %0, %4\n\t"
                     "b.ne 1b"
                     : "=&r"(f), "=&r"(v)
                     : "r"(&flag), "r"(TEST_VA), "r"(i + 1)
                     : "x9", "x10", "cc", "memory");
        if (v != marker(old ^ 1)) {
            stale++;
        }
    }
    reader_done = 1;
    both_broadcast(1);
}

int main(void)
{
    ((volatile uint64_t *)frames[0])[0] = marker(0);
    ((volatile uint64_t *)frames[1])[0] = marker(1);
    l1[0] = 0 | D_VALID | ATTR_DEVICE | D_AF | D_PXN | D_UXN;
    l1[1] = 0x40000000ull | D_VALID | ATTR_NORMAL | D_AF | D_SH_INNER;
    l1[64] = (uint64_t)l2 | D_VALID | D_TABLE;
    l2[0] = (uint64_t)l3 | D_VALID | D_TABLE;
    l3[0] = (uint64_t)frames[0] | PAGE_ATTRS;
    asm volatile("dsb ish" ::: "memory");
    mmu_on();
    CHECK_EQ(start_cpu(1, stack1 + sizeof(stack1)), 0);
    for (uint64_t i = 0; i < ITERS; i++) {
        while (ready != i) {
            asm volatile("yield");
        }
        unsigned next = (unsigned)((i & 1) ^ 1);
        l3[0] = (uint64_t)frames[next] | PAGE_ATTRS;
        asm volatile("dsb ishst" ::: "memory");
        switch (i % 3) {
        case 0:
            asm volatile("tlbi vae1is, %0" :: "r"((TEST_VA >> 12) | (ASID << 48)) : "memory");
            break;
        case 1:
            asm volatile("tlbi aside1is, %0" :: "r"(ASID << 48) : "memory");
            break;
        default:
            asm volatile("tlbi vmalle1is" ::: "memory");
            break;
        }
        asm volatile("dsb ish\n\tisb" ::: "memory");
        CHECK_EQ(*(volatile uint64_t *)TEST_VA, marker(next));
        asm volatile("stlr %0, [%1]" :: "r"(i + 1), "r"(&flag) : "memory");
    }
    while (!reader_done) {
        asm volatile("yield");
    }
    both_broadcast(0);
    while (both_done < 2) {
        asm volatile("yield");
    }
    CHECK_EQ(wrong, 0);
    CHECK_EQ(stale, 0);
    puts_uart("tlbsync: iterations ");
    print_hex(ITERS);
    puts_uart("\n");
    sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) & ~1ull);
    asm volatile("isb" ::: "memory");
    return failures;
}
