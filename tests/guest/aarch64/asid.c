/* SPDX-License-Identifier: MIT */
/*
 * ASID-tagged TLB entries (VMSAv8-64, 4 KiB granule, 39-bit VA, 16-bit
 * ASIDs): one VA mapped to different frames under two ASIDs that differ
 * only above bit 7, switched back and forth through TTBR0 without TLB
 * maintenance; TLBI VAE1/ASIDE1/VAAE1/VMALLE1 after page-table changes;
 * global (nG clear) against non-global pages; the ASID taken from TTBR1
 * with TCR.A1.
 *
 * What the architecture requires is checked with CHECK.  Where it allows
 * either a stale or a fresh translation, the program prints
 * "asid: <what> kept" (the stale entry was still used) or "refetched";
 * the functional test expects Tessera's ASID-tagged TLB to keep them.
 */
#include "common/pte.h"
#include "common/test.h"

#define TEST_VA 0x1000000000ull            /* 64 GiB: L1 index 64 */
#define GLOBAL_VA (TEST_VA + 0x1000)
#define ASID1 0x0101ull
#define ASID2 0x0201ull                    /* equal to ASID1 in 8 bits */
#define ASID3 0x0301ull

#define PAGE_ATTRS (D_VALID | D_TABLE | D_AF | D_SH_INNER | ATTR_NORMAL)

#define TCR_A1 (1ull << 22)
#define TCR_BASE (25ull | (1ull << 8) | (1ull << 10) | (3ull << 12) | (1ull << 23) /* EPD1 */ | \
                  (5ull << 32) | (1ull << 36) /* AS: 16-bit ASIDs */)

/* Per root: level 1, 2 and 3 tables. */
static uint64_t tables[2][3][512] __attribute__((aligned(4096)));
static uint8_t frames[8][4096] __attribute__((aligned(4096)));

enum { FA, FA2, FB, FB2, FG1, FG1B, FG2 };
static const uint64_t marker[] = { 0xa0, 0xa2, 0xb0, 0xb2, 0x61, 0x62, 0x63 };

static uint64_t frame(int f)
{
    return (uint64_t)frames[f];
}

static volatile uint64_t *pte(int root, unsigned idx)
{
    return &tables[root][2][idx];
}

static void build(int r, int test_frame, int global_frame)
{
    uint64_t *l1 = tables[r][0], *l2 = tables[r][1], *l3 = tables[r][2];
    l1[0] = 0 | D_VALID | ATTR_DEVICE | D_AF | D_PXN | D_UXN;          /* UART, GIC */
    l1[1] = 0x40000000ull | D_VALID | ATTR_NORMAL | D_AF | D_SH_INNER;  /* RAM */
    l1[64] = (uint64_t)l2 | D_VALID | D_TABLE;
    l2[0] = (uint64_t)l3 | D_VALID | D_TABLE;
    l3[0] = frame(test_frame) | PAGE_ATTRS | D_NG;
    l3[1] = frame(global_frame) | PAGE_ATTRS;
}

static uint64_t rd(uint64_t va)
{
    return *(volatile uint64_t *)va;
}

static void set_pte(int root, unsigned idx, int f, bool global)
{
    *pte(root, idx) = frame(f) | PAGE_ATTRS | (global ? 0 : D_NG);
    asm volatile("dsb ishst" ::: "memory");
}

static void use(int root, uint64_t asid)
{
    sysreg_write(ttbr0_el1, (uint64_t)tables[root][0] | (asid << 48));
    asm volatile("isb" ::: "memory");
}

#define TLBI(op, arg) \
    asm volatile("tlbi " #op ", %0\n\tdsb ish\n\tisb" :: "r"((uint64_t)(arg)) : "memory")

static void observe(const char *what, bool kept)
{
    puts_uart("asid: ");
    puts_uart(what);
    puts_uart(kept ? " kept\n" : " refetched\n");
}

int main(void)
{
    for (int f = FA; f <= FG2; f++) {
        ((volatile uint64_t *)frames[f])[0] = marker[f];
    }
    build(0, FA, FG1);
    build(1, FB, FG2);
    sysreg_write(mair_el1, 0x00ffull);     /* attr 0 normal, attr 1 device */
    sysreg_write(tcr_el1, TCR_BASE);
    use(0, ASID1);
    asm volatile("tlbi vmalle1\n\tdsb ish\n\tisb" ::: "memory");
    sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) | 1 | (1 << 2) | (1 << 12));
    asm volatile("isb" ::: "memory");

    /* Each ASID sees its own non-global mapping, switching without TLBI. */
    for (int k = 0; k < 8; k++) {
        use(0, ASID1);
        CHECK_EQ(rd(TEST_VA), marker[FA]);
        use(1, ASID2);
        CHECK_EQ(rd(TEST_VA), marker[FB]);
    }

    /* A remap without TLBI may stay invisible across ASID switches;
     * TLBI VAE1 with the ASID makes it visible. */
    use(0, ASID1);
    CHECK_EQ(rd(TEST_VA), marker[FA]);
    set_pte(0, 0, FA2, false);
    use(1, ASID2);
    CHECK_EQ(rd(TEST_VA), marker[FB]);
    use(0, ASID1);
    uint64_t v = rd(TEST_VA);
    CHECK(v == marker[FA] || v == marker[FA2]);
    observe("entry across TTBR0 ASID switches", v == marker[FA]);
    TLBI(vae1, (TEST_VA >> 12) | (ASID1 << 48));
    CHECK_EQ(rd(TEST_VA), marker[FA2]);

    /* TLBI ASIDE1 drops that ASID's non-global entries only. */
    use(1, ASID2);
    CHECK_EQ(rd(TEST_VA), marker[FB]);
    use(0, ASID1);
    CHECK_EQ(rd(TEST_VA), marker[FA2]);
    set_pte(1, 0, FB2, false);
    set_pte(0, 0, FA, false);
    TLBI(aside1, ASID1 << 48);
    CHECK_EQ(rd(TEST_VA), marker[FA]);
    use(1, ASID2);
    v = rd(TEST_VA);
    CHECK(v == marker[FB] || v == marker[FB2]);
    observe("other ASID's entry after TLBI ASIDE1", v == marker[FB]);
    TLBI(aside1, ASID2 << 48);
    CHECK_EQ(rd(TEST_VA), marker[FB2]);

    /* Global entries survive TLBI ASIDE1 and match every ASID. */
    use(0, ASID1);
    CHECK_EQ(rd(GLOBAL_VA), marker[FG1]);
    set_pte(0, 1, FG1B, true);
    TLBI(aside1, ASID1 << 48);
    v = rd(GLOBAL_VA);
    CHECK(v == marker[FG1] || v == marker[FG1B]);
    observe("global entry after TLBI ASIDE1", v == marker[FG1]);
    use(1, ASID3);                          /* root 1 maps GLOBAL_VA to FG2 */
    v = rd(GLOBAL_VA);
    CHECK(v == marker[FG1] || v == marker[FG2]);
    observe("global entry under a new ASID", v == marker[FG1]);
    /* ... but non-global ones do not. */
    CHECK_EQ(rd(TEST_VA), marker[FB2]);
    TLBI(vaae1, GLOBAL_VA >> 12);           /* every ASID */
    CHECK_EQ(rd(GLOBAL_VA), marker[FG2]);
    use(0, ASID1);
    CHECK_EQ(rd(GLOBAL_VA), marker[FG1B]);
    CHECK_EQ(rd(TEST_VA), marker[FA]);

    /* TLBI VMALLE1: everything of every ASID. */
    set_pte(0, 0, FA2, false);
    set_pte(1, 0, FB, false);
    asm volatile("tlbi vmalle1\n\tdsb ish\n\tisb" ::: "memory");
    CHECK_EQ(rd(TEST_VA), marker[FA2]);
    use(1, ASID2);
    CHECK_EQ(rd(TEST_VA), marker[FB]);

    /* TCR.A1: the ASID comes from TTBR1 (TTBR0's ASID field is ignored). */
    sysreg_write(tcr_el1, TCR_BASE | TCR_A1);
    sysreg_write(ttbr1_el1, ASID1 << 48);
    use(0, ASID2);
    asm volatile("tlbi vmalle1\n\tdsb ish\n\tisb" ::: "memory");
    for (int k = 0; k < 4; k++) {
        sysreg_write(ttbr1_el1, ASID1 << 48);
        use(0, ASID2);
        CHECK_EQ(rd(TEST_VA), marker[FA2]);
        sysreg_write(ttbr1_el1, ASID2 << 48);
        use(1, ASID1);
        CHECK_EQ(rd(TEST_VA), marker[FB]);
    }
    set_pte(1, 0, FB2, false);
    TLBI(aside1, ASID2 << 48);              /* ASID2 is TTBR1's now */
    CHECK_EQ(rd(TEST_VA), marker[FB2]);

    sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) & ~1ull);
    asm volatile("isb" ::: "memory");
    return failures;
}
