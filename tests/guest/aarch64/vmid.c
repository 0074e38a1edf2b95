/* SPDX-License-Identifier: MIT */
/*
 * VMID-tagged TLB entries (virtualization=on: we start at EL2).  Two
 * stage-2 tables (VMIDs 1 and 2) map one IPA to different pages; the EL1
 * guest (stage 1 off) reads it while VTTBR_EL2 switches between them
 * without TLB maintenance.  After stage-2 remaps: TLBI VMALLS12E1 and
 * IPAS2E1 + VMALLE1 act on the current VMID (checked), and whether the
 * other VMID's entry survived is printed as "vmid: <what> kept" or
 * "refetched" (the architecture allows both; the functional test expects
 * Tessera's VMID-tagged TLB to keep it).  Then TLBI ALLE1 drops all.
 */
#include "common/test.h"

#define D_VALID 1ull
#define D_TABLE 2ull
#define D_AF (1ull << 10)
#define D_SH (3ull << 8)
#define S2_RW ((1ull << 6) | (1ull << 7) | D_AF | D_SH | (0xfull << 2))
#define IPA_TEST 0x80000000ull
#define HCR_VM (1ull << 0)
#define HCR_RW (1ull << 31)
/* T0SZ 32, SL0 1 (level 1), inner shareable WB, 4 KiB, 40-bit PA, RES1. */
#define VTCR (32ull | (1ull << 6) | (1ull << 8) | (1ull << 10) | (3ull << 12) | (2ull << 16) | \
              (1ull << 31))

/* Per VMID: level 1, 2 (UART) and 2, 3 (the test page) tables. */
static uint64_t s2[2][4][512] __attribute__((aligned(4096)));
static uint64_t pages[4][512] __attribute__((aligned(4096)));

static void build(int v, int page)
{
    uint64_t *l1 = s2[v][0], *l2u = s2[v][1], *l2 = s2[v][2], *l3 = s2[v][3];
    l1[0] = (uint64_t)l2u | D_VALID | D_TABLE;
    l2u[0x09000000 >> 21] = 0x09000000 | (1ull << 6) | (1ull << 7) | D_AF | D_VALID;
    l1[1] = 0x40000000 | S2_RW | D_VALID;
    l1[2] = (uint64_t)l2 | D_VALID | D_TABLE;
    l2[0] = (uint64_t)l3 | D_VALID | D_TABLE;
    l3[0] = (uint64_t)pages[page] | S2_RW | D_VALID | D_TABLE;
}

static void remap(int v, int page)
{
    s2[v][3][0] = (uint64_t)pages[page] | S2_RW | D_VALID | D_TABLE;
    asm volatile("dsb ishst" ::: "memory");
}

static void use(int v)
{
    sysreg_write(vttbr_el2, (uint64_t)s2[v][0] | ((uint64_t)(v + 1) << 48));
    asm volatile("isb" ::: "memory");
}

static uint64_t guest_load(uint64_t addr)
{
    return *(volatile uint64_t *)addr;
}

static uint64_t guest(void)
{
    return run_el1(guest_load, IPA_TEST);
}

static void observe(const char *what, bool kept)
{
    puts_uart("vmid: ");
    puts_uart(what);
    puts_uart(kept ? " kept\n" : " refetched\n");
}

int main(void)
{
    if (current_el() != 2) {
        puts_uart("vmid: needs -M virt,virtualization=on\n");
        return 1;
    }
    for (int p = 0; p < 4; p++) {
        pages[p][0] = 0xd0 + (uint64_t)p;
    }
    build(0, 0);
    build(1, 1);
    sysreg_write(vtcr_el2, VTCR);
    sysreg_write(hcr_el2, HCR_RW | HCR_VM);
    asm volatile("isb\n\ttlbi alle1\n\tdsb ish\n\tisb" ::: "memory");

    for (int k = 0; k < 4; k++) {
        use(0);
        CHECK_EQ(guest(), 0xd0);
        use(1);
        CHECK_EQ(guest(), 0xd1);
    }

    /* VMALLS12E1 acts on the current VMID only. */
    remap(0, 2);
    remap(1, 3);
    use(0);
    asm volatile("tlbi vmalls12e1\n\tdsb ish\n\tisb" ::: "memory");
    CHECK_EQ(guest(), 0xd2);
    use(1);
    uint64_t v = guest();
    CHECK(v == 0xd1 || v == 0xd3);
    observe("other VMID's entry after TLBI VMALLS12E1", v == 0xd1);

    /* IPAS2E1 + VMALLE1 (what KVM issues after a stage-2 change). */
    asm volatile("tlbi ipas2e1is, %0\n\tdsb ish\n\ttlbi vmalle1is\n\tdsb ish\n\tisb"
                 :: "r"(IPA_TEST >> 12) : "memory");
    CHECK_EQ(guest(), 0xd3);
    remap(0, 0);
    use(0);
    v = guest();
    CHECK(v == 0xd0 || v == 0xd2);
    observe("entry across VTTBR VMID switches", v == 0xd2);

    /* ALLE1: every VMID. */
    remap(1, 1);
    asm volatile("tlbi alle1\n\tdsb ish\n\tisb" ::: "memory");
    CHECK_EQ(guest(), 0xd0);
    use(1);
    CHECK_EQ(guest(), 0xd1);
    sysreg_write(hcr_el2, HCR_RW);
    asm volatile("isb" ::: "memory");
    return failures;
}
