/* SPDX-License-Identifier: MIT */
/*
 * VMSAv8-64 stage 1 at EL1 with each granule (4 KiB, 16 KiB, 64 KiB) and
 * a 39-bit VA: identity blocks for RAM and the UART, then test pages with
 * read/write, read-only, access-flag-clear, execute-never and EL0
 * permissions; translation, permission and access-flag faults with their
 * levels; PAN; AT S1E1R/W; TTBR1 (upper range); top-byte ignore; TLB
 * maintenance after a remap; DC ZVA.
 */
#include "common/pte.h"
#include "common/test.h"

#define T0SZ 25
#define RAM_BASE 0x40000000ull
#define RAM_SIZE (128ull << 20)
#define UART_PAGE 0x09000000ull
#define TEST_VA 0x1000000000ull            /* 64 GiB */
#define FAR_VA 0x4000000000ull             /* 256 GiB: nothing mapped there */
#define UPPER_VA 0xffffff8000200000ull     /* TTBR1 range with T1SZ = 25 */

static uint8_t pool[24 * 65536] __attribute__((aligned(65536)));
static unsigned pool_used;
static unsigned gbits;          /* granule: 12, 14, 16 */

static uint64_t *new_table(void)
{
    uint64_t *t = (uint64_t *)(pool + (uint64_t)pool_used * (1u << gbits));
    pool_used++;
    for (unsigned i = 0; i < (1u << gbits) / 8; i++) {
        t[i] = 0;
    }
    return t;
}

static unsigned stride(void)
{
    return gbits - 3;
}

static int start_level(void)
{
    unsigned in = 64 - T0SZ;
    return 4 - (int)((in - gbits + stride() - 1) / stride());
}

static unsigned level_shift(int level)
{
    return gbits + (unsigned)(3 - level) * stride();
}

/* Pointer to the descriptor for @va at @level, creating tables above. */
static uint64_t *slot(uint64_t *root, uint64_t va, int level)
{
    uint64_t *t = root;
    for (int l = start_level(); ; l++) {
        unsigned sh = level_shift(l);
        uint64_t idx = (va >> sh) & ((1ull << (l == start_level() ? (64 - T0SZ) - sh : stride())) - 1);
        if (l == level) {
            return &t[idx];
        }
        if (!(t[idx] & D_VALID)) {
            t[idx] = (uint64_t)new_table() | D_VALID | D_TABLE;
        }
        t = (uint64_t *)(t[idx] & 0xfffffffff000ull & ~((1ull << gbits) - 1));
    }
}

static void map(uint64_t *root, uint64_t va, uint64_t pa, int level, uint64_t attrs)
{
    *slot(root, va, level) = pa | attrs | (level == 3 ? D_VALID | D_TABLE : D_VALID);
}

static void tlbi_all(void)
{
    asm volatile("dsb ishst\n\ttlbi vmalle1is\n\tdsb ish\n\tisb" ::: "memory");
}

static uint64_t expect_fault_read(uint64_t va)
{
    uint64_t v = 0;
    asm volatile("ldr %0, [%1]" : "=r"(v) : "r"(va) : "memory");
    return v;
}

static volatile uint64_t sink;

static void run_granule(unsigned g)
{
    gbits = g;
    pool_used = 0;
    uint64_t *root0 = new_table(), *root1 = new_table();
    uint64_t blk = 1ull << level_shift(2);
    uint64_t page = 1ull << g;
    /* Identity: RAM as normal memory, the UART's block as device. */
    for (uint64_t a = RAM_BASE & ~(blk - 1); a < RAM_BASE + RAM_SIZE; a += blk) {
        map(root0, a, a, 2, ATTR_NORMAL | D_AF | D_SH_INNER);
    }
    map(root0, UART_PAGE & ~(blk - 1), UART_PAGE & ~(blk - 1), 2, ATTR_DEVICE | D_AF | D_PXN | D_UXN);
    /* Test pages: frames from the pool. */
    uint8_t *frames = pool + (uint64_t)(pool_used + 1) * (1u << g);
    pool_used += 8;
    uint64_t pa[6];
    for (int i = 0; i < 6; i++) {
        pa[i] = (uint64_t)frames + (uint64_t)i * page;
        for (uint64_t j = 0; j < page / 8; j++) {
            ((volatile uint64_t *)pa[i])[j] = 0x1000 * (uint64_t)i + j;
        }
    }
    uint64_t va_rw = TEST_VA, va_ro = TEST_VA + page, va_noaf = TEST_VA + 2 * page;
    uint64_t va_hole = TEST_VA + 3 * page, va_xn = TEST_VA + 4 * page;
    uint64_t va_user = TEST_VA + 5 * page;
    map(root0, va_rw, pa[0], 3, ATTR_NORMAL | D_AF | D_SH_INNER);
    map(root0, va_ro, pa[1], 3, ATTR_NORMAL | D_AF | D_SH_INNER | D_AP_RO);
    map(root0, va_noaf, pa[2], 3, ATTR_NORMAL | D_SH_INNER);
    map(root0, va_xn, pa[4], 3, ATTR_NORMAL | D_AF | D_SH_INNER | D_PXN | D_UXN);
    map(root0, va_user, pa[5], 3, ATTR_NORMAL | D_AF | D_SH_INNER | D_AP_EL0 | D_UXN);
    (void)va_hole;
    /* Upper range: one page through TTBR1. */
    map(root1, UPPER_VA, pa[3], 3, ATTR_NORMAL | D_AF | D_SH_INNER);
    /* A ret instruction in the XN page. */
    *(volatile uint32_t *)pa[4] = 0xd65f03c0;

    unsigned tg0 = g == 12 ? 0 : g == 16 ? 1 : 2;
    unsigned tg1 = g == 12 ? 2 : g == 16 ? 3 : 1;
    uint64_t tcr = T0SZ | (1ull << 8) | (1ull << 10) | (3ull << 12) | ((uint64_t)tg0 << 14) |
                   ((uint64_t)T0SZ << 16) | (1ull << 24) | (1ull << 26) | (3ull << 28) |
                   ((uint64_t)tg1 << 30) | (5ull << 32);
    sysreg_write(mair_el1, 0x00ffull);
    sysreg_write(tcr_el1, tcr);
    sysreg_write(ttbr0_el1, root0);
    sysreg_write(ttbr1_el1, root1);
    tlbi_all();
    uint64_t sctlr = sysreg_read(sctlr_el1);
    sysreg_write(sctlr_el1, sctlr | 1 | (1 << 2) | (1 << 12));
    asm volatile("isb");

    /* Read/write page. */
    CHECK_EQ(*(volatile uint64_t *)(va_rw + 8), 1);
    *(volatile uint64_t *)(va_rw + 16) = 0xfeed;
    CHECK_EQ(*(volatile uint64_t *)(pa[0] + 16), 0xfeed);
    CHECK_EQ(*(volatile uint64_t *)(UPPER_VA + 24), 0x3003);
    /* Read-only page: permission fault at level 3 on write. */
    CHECK_EQ(*(volatile uint64_t *)(va_ro + 8), 0x1001);
    EXPECT_EXC(0x25, *(volatile uint64_t *)(va_ro + 8) = 5);
    CHECK_EQ(last_exc.esr & 0x7f, 0x40 | 0x0f);
    CHECK_EQ(last_exc.far, va_ro + 8);
    /* Access flag clear: access flag fault at level 3. */
    EXPECT_EXC(0x25, sink = expect_fault_read(va_noaf));
    CHECK_EQ(last_exc.esr & 0x3f, 0x0b);
    /* Hole in a level-3 table: translation fault level 3. */
    EXPECT_EXC(0x25, sink = expect_fault_read(va_hole + 0x10));
    CHECK_EQ(last_exc.esr & 0x3f, 0x07);
    CHECK_EQ(last_exc.far, va_hole + 0x10);
    /* Nothing at all: translation fault at the start level. */
    EXPECT_EXC(0x25, sink = expect_fault_read(FAR_VA));
    CHECK_EQ(last_exc.esr & 0x3f, 0x04 + (uint64_t)start_level());
    /* Outside both ranges (bit 39 set, below the TTBR1 range): level 0. */
    EXPECT_EXC(0x25, sink = expect_fault_read(0x0000800000000000ull));
    CHECK_EQ(last_exc.esr & 0x3f, 0x04);
    /* Execute-never: instruction abort, permission fault level 3. */
    EXPECT_EXC(0x21, asm volatile("blr %0" :: "r"(va_xn) : "x30", "memory"));
    CHECK_EQ(last_exc.esr & 0x3f, 0x0f);
    CHECK_EQ(last_exc.far, va_xn);
    /* EL0 page and PAN. */
    CHECK_EQ(*(volatile uint64_t *)(va_user), 0x5000);
    asm volatile("msr pan, #1" ::: "memory");
    EXPECT_EXC(0x25, sink = expect_fault_read(va_user));
    CHECK_EQ(last_exc.esr & 0x3f, 0x0f);
    uint64_t v;
    asm volatile("ldtr %0, [%1]" : "=r"(v) : "r"(va_user));   /* unprivileged: allowed */
    CHECK_EQ(v, 0x5000);
    asm volatile("msr pan, #0" ::: "memory");
    CHECK_EQ(*(volatile uint64_t *)(va_user + 8), 0x5001);
    /* LDTR of an EL1-only page faults (EL0 permissions). */
    EXPECT_EXC(0x25, asm volatile("ldtr %0, [%1]" : "=r"(v) : "r"(va_rw) : "memory"));
    CHECK_EQ(last_exc.esr & 0x3f, 0x0f);
    /* AT: the translation lands in PAR_EL1. */
    asm volatile("at s1e1r, %0\n\tisb" :: "r"(va_rw + 0x123));
    uint64_t par = sysreg_read(par_el1);
    CHECK_EQ(par & 1, 0);
    CHECK_EQ(par & 0xfffffffff000ull, pa[0] & 0xfffffffff000ull);
    CHECK_EQ(par >> 56, 0xff);
    asm volatile("at s1e1w, %0\n\tisb" :: "r"(va_ro));
    par = sysreg_read(par_el1);
    CHECK_EQ(par & 1, 1);
    CHECK_EQ((par >> 1) & 0x3f, 0x0f);
    asm volatile("at s1e0r, %0\n\tisb" :: "r"(va_rw));
    CHECK_EQ(sysreg_read(par_el1) & 0x7f, 0x1f);            /* F, permission L3 */
    /* Top-byte ignore for TTBR0 data accesses. */
    uint64_t tagged = va_rw | (0x5aull << 56);
    EXPECT_EXC(0x25, sink = expect_fault_read(tagged + 8));
    sysreg_write(tcr_el1, tcr | (1ull << 37));
    asm volatile("isb");
    CHECK_EQ(*(volatile uint64_t *)(tagged + 8), 1);
    sysreg_write(tcr_el1, tcr);
    asm volatile("isb");
    /* Remap va_rw to another frame: visible after TLB maintenance. */
    map(root0, va_rw, pa[1], 3, ATTR_NORMAL | D_AF | D_SH_INNER);
    asm volatile("dsb ishst\n\ttlbi vae1is, %0\n\tdsb ish\n\tisb" :: "r"(va_rw >> 12) : "memory");
    CHECK_EQ(*(volatile uint64_t *)(va_rw + 8), 0x1001);
    /* DC ZVA zeroes one aligned 64-byte block. */
    CHECK_EQ(sysreg_read(dczid_el0) & 0x1f, 4);
    asm volatile("dc zva, %0" :: "r"(va_rw + 0x48) : "memory");
    CHECK_EQ(*(volatile uint64_t *)(va_rw + 0x38), 0x1007);
    CHECK_EQ(*(volatile uint64_t *)(va_rw + 0x40), 0);
    CHECK_EQ(*(volatile uint64_t *)(va_rw + 0x78), 0);
    CHECK_EQ(*(volatile uint64_t *)(va_rw + 0x80), 0x1010);

    sysreg_write(sctlr_el1, sctlr);
    asm volatile("isb");
    tlbi_all();
}

int main(void)
{
    uint64_t mmfr0 = sysreg_read(id_aa64mmfr0_el1);
    CHECK((mmfr0 >> 28 & 0xf) != 0xf);    /* 4K supported (1 with 52-bit OAs) */
    CHECK_EQ((mmfr0 >> 24) & 0xf, 0);      /* 64K supported */
    CHECK((mmfr0 >> 20) & 0xf);            /* 16K supported */
    static const unsigned granules[] = { 12, 14, 16 };
    for (unsigned i = 0; i < 3; i++) {
        unsigned before = (unsigned)failures;
        run_granule(granules[i]);
        if ((unsigned)failures != before) {
            puts_uart("  ^ with granule bits ");
            print_hex(granules[i]);
            puts_uart("\n");
        }
    }
    return failures;
}
