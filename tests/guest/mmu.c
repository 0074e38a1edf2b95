/* SPDX-License-Identifier: MIT */
/* Sv39, Sv48, Sv57: translation, hardware A/D updates, page faults with
 * stval, SUM, MXR, U pages, superpages, Svpbmt (when implemented). */
#include "common/test.h"

#ifndef QEMU_REFERENCE
#define QEMU_REFERENCE 0
#endif

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_U (1ul << 4)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define PBMT_NC (1ul << 61)
#define MSTATUS_SUM (1ul << 18)
#define MSTATUS_MXR (1ul << 19)
#define MENVCFG_PBMTE (1ul << 62)
#define TEST_VA 0x40000000ul      /* 1 GiB: above the identity-mapped devices */

static uint64_t pte(void *pa, uint64_t flags)
{
    return ((uint64_t)pa >> 12 << 10) | flags | PTE_V;
}

static uint64_t *root;
static uint64_t *leaf_table;      /* level-0 table covering TEST_VA */
static uint64_t *pages[4];

/* Identity gigapages for devices (0-1 GiB) and RAM (2-3 GiB), and a
 * level-0 table for TEST_VA, under @levels levels. */
static void build_tables(int levels)
{
    root = alloc_page();
    uint64_t *l2 = root;
    for (int l = levels - 1; l > 2; l--) {
        uint64_t *next = alloc_page();
        l2[0] = pte(next, 0);
        l2 = next;
    }
    l2[0] = (0ul >> 12 << 10) | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_V;
    l2[2] = (0x80000000ul >> 12 << 10) | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_V;
    uint64_t *l1 = alloc_page();
    l2[TEST_VA >> 30] = pte(l1, 0);
    leaf_table = alloc_page();
    l1[0] = pte(leaf_table, 0);
    for (int i = 0; i < 4; i++) {
        if (!pages[i]) {
            pages[i] = alloc_page();
        }
        pages[i][0] = 0x1111ul * (i + 1);
    }
    leaf_table[0] = pte(pages[0], PTE_R | PTE_W);               /* A/D clear */
    leaf_table[1] = pte(pages[1], PTE_R);                       /* read-only */
    leaf_table[2] = pte(pages[2], PTE_X);                       /* execute-only */
    leaf_table[3] = pte(pages[3], PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
    /* leaf_table[4] left invalid */
}

static void enable(int mode)
{
    csr_write(satp, ((uint64_t)mode << 60) | ((uint64_t)root >> 12));
    asm volatile("sfence.vma" ::: "memory");
}

static uint64_t load(uint64_t va)
{
    return *(volatile uint64_t *)va;
}

static void test_mode(int mode, int levels)
{
    build_tables(levels);
    enable(mode);
    CHECK_EQ(csr_read(satp) >> 60, mode);
    switch_mode(PRV_S);
    CHECK_EQ(load(TEST_VA), 0x1111);
    back_to_m();
    CHECK(leaf_table[0] & PTE_A);
    CHECK(!(leaf_table[0] & PTE_D));
    switch_mode(PRV_S);
    *(volatile uint64_t *)TEST_VA = 42;
    back_to_m();
    CHECK(leaf_table[0] & PTE_D);
    CHECK_EQ(pages[0][0], 42);

    switch_mode(PRV_S);
    EXPECT_TRAP(15, *(volatile uint64_t *)(TEST_VA + 0x1008) = 1);   /* read-only */
    CHECK_EQ(last_trap.tval, TEST_VA + 0x1008);
    EXPECT_TRAP(13, load(TEST_VA + 0x4010));                          /* invalid */
    CHECK_EQ(last_trap.tval, TEST_VA + 0x4010);
    CHECK_EQ(last_trap.handled_in_s, 0);
    EXPECT_TRAP(13, load(TEST_VA + 0x2000));                          /* X only */
    csr_set(sstatus, MSTATUS_MXR);
    CHECK_EQ(load(TEST_VA + 0x2000), 0x3333);
    csr_clear(sstatus, MSTATUS_MXR);
    EXPECT_TRAP(13, load(TEST_VA + 0x3000));                          /* U page, SUM=0 */
    csr_set(sstatus, MSTATUS_SUM);
    CHECK_EQ(load(TEST_VA + 0x3000), 0x4444);
    csr_clear(sstatus, MSTATUS_SUM);
    /* Fetch from a page without X. */
    EXPECT_TRAP(12, ((void (*)(void))(TEST_VA + 0x1000))());
    CHECK_EQ(last_trap.tval, TEST_VA + 0x1000);
    /* Non-canonical address. */
    EXPECT_TRAP(13, load(0x8000000000000000ul));
    back_to_m();

    /* Delegated page faults go to stvec with stval. */
    csr_write(medeleg, 1 << 13);
    switch_mode(PRV_S);
    uint64_t n = last_trap.count;
    load(TEST_VA + 0x4008);
    int in_s = last_trap.handled_in_s;
    back_to_m();
    CHECK_EQ(last_trap.count, n + 1);
    CHECK_EQ(in_s, 1);
    CHECK_EQ(csr_read(stval), TEST_VA + 0x4008);
    csr_write(medeleg, 0);

    /* M-mode with MPRV=1, MPP=S translates loads. */
    csr_set(mstatus, (1ul << 17) | (1ul << 11));
    csr_clear(mstatus, 1ul << 12);
    uint64_t v = load(TEST_VA);
    csr_clear(mstatus, 1ul << 17);
    CHECK_EQ(v, 42);

    csr_write(satp, 0);
    asm volatile("sfence.vma" ::: "memory");
}

static void test_pbmt(void)
{
    csr_write(menvcfg, MENVCFG_PBMTE);
    if (!(csr_read(menvcfg) & MENVCFG_PBMTE)) {
        puts_uart("svpbmt not implemented: skipped\n");
        return;
    }
    csr_write(menvcfg, 0);
    build_tables(3);
    leaf_table[1] |= PBMT_NC | PTE_A;
    enable(8);
    switch_mode(PRV_S);
    /* PBMT set, PBMTE clear: reserved (QEMU 7.2 does not check PBMTE). */
    uint64_t n = last_trap.count;
    load(TEST_VA + 0x1000);
    CHECK(QEMU_REFERENCE || (last_trap.count == n + 1 && last_trap.cause == 13));
    back_to_m();
    csr_write(menvcfg, MENVCFG_PBMTE);
    asm volatile("sfence.vma" ::: "memory");
    switch_mode(PRV_S);
    CHECK_EQ(load(TEST_VA + 0x1000), 0x2222);
    back_to_m();
    csr_write(satp, 0);
    csr_write(menvcfg, 0);
}

int main(void)
{
    test_mode(8, 3);
    test_mode(9, 4);
    test_mode(10, 5);
    test_pbmt();
    return 0;
}
