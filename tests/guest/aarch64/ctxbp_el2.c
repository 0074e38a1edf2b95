/* SPDX-License-Identifier: MIT */
/*
 * Context-aware breakpoints with EL2 (virt,virtualization=on; Tessera
 * only: QEMU 7.2 implements none of the VMID types).  The program runs at
 * EL2 with MDCR_EL2.TDE set, so breakpoints hit at EL1 are taken to EL2
 * (EC 0x30) and those at EL2 stay there (EC 0x31, with KDE and PSTATE.D
 * clear).  Checked: VMID match (BT 1000, VTTBR_EL2.VMID against DBGBVR
 * bits 39:32), never at EL2; linked VMID (1001) and VMID + CONTEXTIDR_EL1
 * (1011) qualifying an address breakpoint or (1001) a watchpoint; an
 * EL2-only breakpoint (HMC 1, SSC 01, PMC 00); and, where ID_AA64MMFR1.VH says
 * FEAT_VHE (-cpu max), CONTEXTIDR_EL2 (1100 unlinked at EL1, 1101 linked at
 * EL2), CONTEXTIDR_EL1 (0111), full context (1111), and the context ID
 * type (0011) at EL2 comparing CONTEXTIDR_EL2 only with HCR_EL2.E2H; without
 * FEAT_VHE (-cpu cortex-a72) those types are reserved: disabled.
 */
#include "common/dbg.h"

static uint64_t __attribute__((noipa, aligned(16))) target(uint64_t x)
{
    asm volatile("");
    return x * 7 + 1;
}

static volatile uint64_t cell[2] __attribute__((aligned(16)));

static uint64_t __attribute__((noipa)) el1_store(uint64_t v) { cell[0] = v; return v; }

static bool vhe;

static void reset(uint64_t vmid, uint64_t cid1, uint64_t cid2)
{
    debug_mask();
    dbg_disarm_all();
    rec.n = 0;
    sysreg_write(vttbr_el2, vmid << 48);
    sysreg_write(contextidr_el1, cid1);
    if (vhe) {
        sysreg_write(contextidr_el2, cid2);
    }
    isb();
}

/* target(1) at EL1 (run_el1) and the debug exceptions it took. */
static unsigned hits_el1(void)
{
    CHECK_EQ(run_el1(target, 1), 8);
    return rec.n;
}

/* target(1) at EL2 with debug exceptions unmasked. */
static unsigned hits_el2(void)
{
    debug_unmask();
    CHECK_EQ(target(1), 8);
    debug_mask();
    return rec.n;
}

static void test_vmid(void)
{
    uint64_t fn = (uint64_t)target;
    /* Unlinked VMID 7 on breakpoint 4 (EL1): the first EL1 instruction. */
    reset(3, 0, 0);
    set_bvr(4, 7ull << 32);
    set_bcr(4, BCR(1, 0x8, 0));
    isb();
    CHECK_EQ(hits_el1(), 0);
    reset(7, 0, 0);
    set_bcr(4, BCR(1, 0x8, 0));
    isb();
    CHECK_EQ(hits_el1(), 1);
    CHECK_EQ(rec.esr[0], ESR_BP_LOWER);
    CHECK_EQ(rec.elr[0], fn);
    /* Bits 31:0 of DBGBVR do not take part. */
    reset(7, 0, 0);
    set_bvr(4, (7ull << 32) | 0x1234);
    set_bcr(4, BCR(1, 0x8, 0));
    isb();
    CHECK_EQ(hits_el1(), 1);
    /* Never at EL2 (HMC set, PMC EL1). */
    reset(7, 0, 0);
    set_bcr(4, BCR(1, 0x8, 0) | BCR_HMC);
    isb();
    CHECK_EQ(hits_el2(), 0);
    /* Linked: address breakpoint 0 (EL2 and EL1) qualified by VMID 9 on
     * breakpoint 5. */
    reset(9, 0, 0);
    set_bvr(5, 9ull << 32);
    set_bcr(5, BCR(0, 0x9, 0));
    set_bvr(0, fn);
    set_bcr(0, BCR(1, 0x1, 5) | BCR_HMC);
    isb();
    CHECK_EQ(hits_el1(), 1);
    CHECK_EQ(rec.esr[0], ESR_BP_LOWER);
    CHECK_EQ(rec.elr[0], fn);
    reset(9, 0, 0);
    set_bcr(5, BCR(0, 0x9, 0));
    set_bcr(0, BCR(1, 0x1, 5) | BCR_HMC);
    isb();
    CHECK_EQ(hits_el2(), 0);
    reset(10, 0, 0);
    set_bcr(5, BCR(0, 0x9, 0));
    set_bcr(0, BCR(1, 0x1, 5) | BCR_HMC);
    isb();
    CHECK_EQ(hits_el1(), 0);
    /* Linked VMID + CONTEXTIDR_EL1 (1011): both must match. */
    static const struct { uint64_t vmid, cid; unsigned hits; } vc[] = {
        {9, 0x4321, 1}, {9, 0x4320, 0}, {8, 0x4321, 0},
    };
    for (unsigned i = 0; i < 3; i++) {
        reset(vc[i].vmid, vc[i].cid, 0);
        set_bvr(5, (9ull << 32) | 0x4321);
        set_bcr(5, BCR(0, 0xb, 0));
        set_bcr(0, BCR(1, 0x1, 5));
        isb();
        CHECK_EQ(hits_el1(), vc[i].hits);
    }
    /* The unlinked VMID + context form (1010) at EL1. */
    reset(9, 0x4321, 0);
    set_bcr(4, BCR(1, 0xa, 0));
    set_bvr(4, (9ull << 32) | 0x4321);
    isb();
    CHECK_EQ(hits_el1(), 1);
    CHECK_EQ(rec.elr[0], fn);
}

/* HMC 1, SSC 01, PMC 00: EL2 only (the one SSC 01 form valid without
 * EL3); a watchpoint linked to a VMID breakpoint. */
static void test_el2_only_and_linked_watchpoint(void)
{
    uint64_t fn = (uint64_t)target, base = (uint64_t)&cell[0];
    reset(0, 0, 0);
    set_bvr(1, fn);
    set_bcr(1, BCR(0, 0x0, 0) | BCR_HMC | (1ull << 14));
    isb();
    CHECK_EQ(hits_el1(), 0);
    reset(0, 0, 0);
    set_bcr(1, BCR(0, 0x0, 0) | BCR_HMC | (1ull << 14));
    isb();
    CHECK_EQ(hits_el2(), 1);
    CHECK_EQ(rec.esr[0], ESR_BP_SAME);
    CHECK_EQ(rec.elr[0], fn);
    /* Watchpoint 1: EL1 stores to cell[0], linked to VMID 9. */
    for (uint64_t vmid = 8; vmid <= 9; vmid++) {
        reset(vmid, 0, 0);
        set_bvr(5, 9ull << 32);
        set_bcr(5, BCR(0, 0x9, 0));
        set_wvr(1, base);
        set_wcr(1, WCR(1, 2, 5, 1));
        isb();
        CHECK_EQ(run_el1(el1_store, vmid), vmid);
        CHECK_EQ(rec.n, vmid == 9 ? 1 : 0);
        CHECK_EQ(cell[0], vmid);
    }
    CHECK_EQ(rec.esr[0], ESR_WP_STORE_LOWER);
    CHECK_EQ(rec.far[0], base);
}

static void test_vhe_types(void)
{
    uint64_t fn = (uint64_t)target;
    /* CONTEXTIDR_EL2 (1100) at EL1: DBGBVR bits 63:32. */
    reset(0, 0, 0x77);
    set_bvr(4, 0x77ull << 32);
    set_bcr(4, BCR(1, 0xc, 0));
    isb();
    CHECK_EQ(hits_el1(), vhe ? 1 : 0);
    if (vhe) {
        CHECK_EQ(rec.esr[0], ESR_BP_LOWER);
        CHECK_EQ(rec.elr[0], fn);
    }
    reset(0, 0, 0x78);
    set_bcr(4, BCR(1, 0xc, 0));
    isb();
    CHECK_EQ(hits_el1(), 0);
    /* Linked CONTEXTIDR_EL2 (1101) for an EL2 address breakpoint. */
    reset(0, 0, 0x55);
    set_bvr(4, 0x55ull << 32);
    set_bcr(4, BCR(0, 0xd, 0));
    set_bvr(0, fn);
    set_bcr(0, BCR(1, 0x1, 4) | BCR_HMC);
    isb();
    CHECK_EQ(hits_el2(), vhe ? 1 : 0);
    if (vhe) {
        CHECK_EQ(rec.esr[0], ESR_BP_SAME);
        CHECK_EQ(rec.elr[0], fn);
    }
    reset(0, 0, 0x56);
    set_bcr(4, BCR(0, 0xd, 0));
    set_bcr(0, BCR(1, 0x1, 4) | BCR_HMC);
    isb();
    CHECK_EQ(hits_el2(), 0);
    /* Linked CONTEXTIDR_EL1 (0111): at EL1, not at EL2. */
    reset(0, 0x99, 0);
    set_bvr(4, 0x99);
    set_bcr(4, BCR(0, 0x7, 0));
    set_bcr(0, BCR(1, 0x1, 4) | BCR_HMC);
    isb();
    CHECK_EQ(hits_el1(), vhe ? 1 : 0);
    reset(0, 0x99, 0);
    set_bcr(4, BCR(0, 0x7, 0));
    set_bcr(0, BCR(1, 0x1, 4) | BCR_HMC);
    isb();
    CHECK_EQ(hits_el2(), 0);
    /* Full context (1111): CONTEXTIDR_EL1 and CONTEXTIDR_EL2. */
    static const struct { uint64_t cid1, cid2; unsigned hits; } full[] = {
        {0x11, 0x22, 1}, {0x11, 0x23, 0}, {0x10, 0x22, 0},
    };
    for (unsigned i = 0; i < 3; i++) {
        reset(0, full[i].cid1, full[i].cid2);
        set_bvr(5, (0x22ull << 32) | 0x11);
        set_bcr(5, BCR(0, 0xf, 0));
        set_bcr(0, BCR(1, 0x1, 5));
        isb();
        CHECK_EQ(hits_el1(), vhe ? full[i].hits : 0);
    }
}

static void test_context_id_at_el2(void)
{
    uint64_t fn = (uint64_t)target;
    /* Linked context ID (0011) for an EL2 address breakpoint: never at
     * EL2 without E2H, even when CONTEXTIDR_EL1 matches. */
    reset(0, 0x66, 0x66);
    set_bvr(4, 0x66);
    set_bcr(4, BCR(0, 0x3, 0));
    set_bvr(0, fn);
    set_bcr(0, BCR(1, 0x1, 4) | BCR_HMC);
    isb();
    CHECK_EQ(hits_el2(), 0);
    if (!vhe) {
        return;
    }
    /* With E2H (the EL2&0 host regime) it compares CONTEXTIDR_EL2. */
    uint64_t hcr = sysreg_read(hcr_el2);
    sysreg_write(hcr_el2, hcr | HCR_EL2_E2H);
    isb();
    reset(0, 0, 0x66);
    set_bcr(4, BCR(0, 0x3, 0));
    set_bcr(0, BCR(1, 0x1, 4) | BCR_HMC);
    isb();
    CHECK_EQ(hits_el2(), 1);
    CHECK_EQ(rec.esr[0], ESR_BP_SAME);
    CHECK_EQ(rec.elr[0], fn);
    reset(0, 0, 0x67);
    set_bcr(4, BCR(0, 0x3, 0));
    set_bcr(0, BCR(1, 0x1, 4) | BCR_HMC);
    isb();
    CHECK_EQ(hits_el2(), 0);
    sysreg_write(hcr_el2, hcr);
    isb();
}

int main(void)
{
    CHECK_EQ(current_el(), 2);
    debug_hook = dbg_hook;
    vhe = ((sysreg_read(id_aa64mmfr1_el1) >> 8) & 0xf) != 0;
    sysreg_write(oslar_el1, 0);
    sysreg_write(mdscr_el1, MDSCR_MDE | MDSCR_KDE);
    sysreg_write(mdcr_el2, sysreg_read(mdcr_el2) | MDCR_EL2_TDE);
    isb();
    test_vmid();
    test_el2_only_and_linked_watchpoint();
    test_vhe_types();
    test_context_id_at_el2();
    reset(0, 0, 0);
    return failures;
}
