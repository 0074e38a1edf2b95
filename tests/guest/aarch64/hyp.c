/* SPDX-License-Identifier: MIT */
/*
 * A tiny hypervisor (virtualization=on: we start at EL2) running a tiny
 * EL1 guest: stage-2 translation with each granule (4, 16, 64 KiB) that
 * redirects an IPA page, stage-2 permission and translation faults with
 * their ESR (ISV, SAS, SRT, SF, WnR, DFSC), FAR_EL2 and HPFAR_EL2, a
 * stage-2 fault on the guest's own stage-1 walk (S1PTW), two VMIDs with
 * their own stage-2 tables, TLB maintenance after a remap, AT S12E1R, the
 * HCR_EL2 traps (TVM, TRVM, TID3, TID2, TWI, TTLB, TACR; TWE is not
 * checked: QEMU 7.2, the oracle, never traps WFE) and
 * CNTHCTL_EL2.EL1PCEN and the MDCR_EL2 debug/PMU traps (TPM, TDA, TDOSA)
 * with their ESR values, and the virtual IRQ, FIQ and
 * SError of HCR_EL2.VI/VF/VSE taken by the guest.
 */
#include "common/test.h"

#define D_VALID 1ull
#define D_TABLE 2ull
#define D_AF (1ull << 10)
#define D_SH (3ull << 8)
#define S2_RD (1ull << 6)
#define S2_WR (1ull << 7)
#define S2_NORMAL (0xfull << 2)
#define S2_RW (S2_RD | S2_WR | D_AF | D_SH | S2_NORMAL)
#define S2_RO (S2_RD | D_AF | D_SH | S2_NORMAL)

#define IPA_TEST 0x80000000ull       /* redirected page */
#define IPA_HOLE 0xc0000000ull       /* nothing at stage 2 */

#define HCR_VM (1ull << 0)
#define HCR_FMO (1ull << 3)
#define HCR_IMO (1ull << 4)
#define HCR_AMO (1ull << 5)
#define HCR_VF (1ull << 6)
#define HCR_VI (1ull << 7)
#define HCR_VSE (1ull << 8)
#define HCR_TWI (1ull << 13)
#define HCR_TID2 (1ull << 17)
#define HCR_TID3 (1ull << 18)
#define HCR_TACR (1ull << 21)
#define HCR_TTLB (1ull << 25)
#define HCR_TVM (1ull << 26)
#define HCR_TRVM (1ull << 30)
#define HCR_RW (1ull << 31)

/* Stage-2 tables and the pages they map (64 KiB alignment fits every
 * granule). */
static uint8_t pool[16 * 65536] __attribute__((aligned(65536)));
static unsigned pool_used;
static uint64_t pagea[8192] __attribute__((aligned(65536)));
static uint64_t pageb[8192] __attribute__((aligned(65536)));

static uint64_t *new_table(unsigned gbits)
{
    uint64_t *t = (uint64_t *)(pool + (uint64_t)pool_used * 65536);
    pool_used++;
    for (unsigned i = 0; i < (1u << gbits) / 8; i++) {
        t[i] = 0;
    }
    return t;
}

static void hcr(uint64_t v)
{
    sysreg_write(hcr_el2, HCR_RW | v);
    asm volatile("isb" ::: "memory");
}

static void tlbi_all(void)
{
    asm volatile("dsb ishst\n\ttlbi alle1is\n\tdsb ish\n\tisb" ::: "memory");
}

/*
 * Stage-2 tables for a 32-bit IPA space with granule @g: RAM and the UART
 * identity-mapped with blocks, IPA_TEST -> @target (read-only when @ro)
 * through a last-level table, IPA_HOLE unmapped.  Returns VTCR_EL2.
 */
static uint64_t build_s2(unsigned g, uint64_t **root, uint64_t *target, bool ro)
{
    uint64_t tg, attrs = ro ? S2_RO : S2_RW;
    uint64_t *top = new_table(g);
    *root = top;
    if (g == 12) {
        /* T0SZ 32, SL0 1: level 1 (1 GiB blocks), 4 entries. */
        uint64_t *l2 = new_table(g), *l2t = new_table(g), *l3 = new_table(g);
        top[0] = (uint64_t)l2 | D_VALID | D_TABLE;
        l2[0x09000000 >> 21] = 0x09000000 | S2_RD | S2_WR | D_AF | D_VALID;
        top[1] = 0x40000000 | S2_RW | D_VALID;
        top[2] = (uint64_t)l2t | D_VALID | D_TABLE;
        l2t[0] = (uint64_t)l3 | D_VALID | D_TABLE;
        l3[0] = (uint64_t)target | attrs | D_VALID | D_TABLE;
        tg = 0;
    } else if (g == 14) {
        /* T0SZ 32, SL0 1: level 2 (32 MiB blocks), 128 entries. */
        uint64_t *l3 = new_table(g);
        top[0x09000000 >> 25] = 0x08000000 | S2_RD | S2_WR | D_AF | D_VALID;
        for (unsigned i = 0; i < 4; i++) {
            top[(0x40000000 >> 25) + i] = (0x40000000 + ((uint64_t)i << 25)) | S2_RW | D_VALID;
        }
        top[IPA_TEST >> 25] = (uint64_t)l3 | D_VALID | D_TABLE;
        l3[0] = (uint64_t)target | attrs | D_VALID | D_TABLE;
        tg = 2;
    } else {
        /* T0SZ 32, SL0 1: level 2 (512 MiB blocks), 8 entries. */
        uint64_t *l3 = new_table(g);
        top[0] = 0 | S2_RD | S2_WR | D_AF | D_VALID;
        top[0x40000000 >> 29] = 0x40000000 | S2_RW | D_VALID;
        top[IPA_TEST >> 29] = (uint64_t)l3 | D_VALID | D_TABLE;
        l3[0] = (uint64_t)target | attrs | D_VALID | D_TABLE;
        tg = 1;
    }
    return 32 | (1ull << 6) | (1ull << 8) | (1ull << 10) | (3ull << 12) | (tg << 14) |
           (2ull << 16) | (1ull << 31);
}

/* ---- guest code (EL1, MMU off unless it turns it on) -------------------------------- */

static uint64_t guest_load(uint64_t addr)
{
    return *(volatile uint64_t *)addr;
}

static uint64_t guest_store(uint64_t addr)
{
    register uint64_t v asm("x5") = 0x1234;
    asm volatile("str %0, [%1]" :: "r"(v), "r"(addr) : "memory");
    return 0;
}

static uint64_t guest_ldrsw(uint64_t addr)
{
    register uint64_t v asm("x7");
    asm volatile("ldrsw %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
    return v;
}

static uint64_t guest_hvc(uint64_t x)
{
    asm volatile("hvc #0x42" ::: "memory");
    return 0;
}

/* Guest stage 1: T0SZ 25, 4K; RAM and UART identity, VA IPA_HOLE's range
 * through a level-2 table at IPA IPA_HOLE (absent at stage 2). */
static uint64_t gl1[512] __attribute__((aligned(4096)));
static uint64_t gl2[512] __attribute__((aligned(4096)));

static uint64_t guest_s1_walk_fault(uint64_t va)
{
    gl1[0] = (uint64_t)gl2 | D_VALID | D_TABLE;
    gl2[0x09000000 >> 21] = 0x09000000 | (1 << 2) | D_AF | D_VALID;
    gl1[1] = 0x40000000 | D_AF | D_SH | D_VALID;
    gl1[3] = IPA_HOLE | D_VALID | D_TABLE;
    sysreg_write(mair_el1, 0x00ff);
    sysreg_write(tcr_el1, 25 | (1 << 8) | (1 << 10) | (3 << 12) | (2ull << 32) | (1ull << 23));
    sysreg_write(ttbr0_el1, gl1);
    asm volatile("tlbi vmalle1\n\tdsb sy\n\tisb" ::: "memory");
    uint64_t sctlr = sysreg_read(sctlr_el1);
    sysreg_write(sctlr_el1, sctlr | 1);
    asm volatile("isb");
    uint64_t v = *(volatile uint64_t *)va;
    sysreg_write(sctlr_el1, sctlr);
    asm volatile("isb");
    return v;
}

static uint64_t guest_write_sctlr(uint64_t x)
{
    register uint64_t v asm("x2") = sysreg_read(sctlr_el1);
    asm volatile("msr sctlr_el1, x2" :: "r"(v) : "memory");
    return 0;
}

static uint64_t guest_read_ttbr0(uint64_t x)
{
    register uint64_t v asm("x4");
    asm volatile("mrs x4, ttbr0_el1" : "=r"(v) :: "memory");
    return v;
}

static uint64_t guest_read_mmfr0(uint64_t x)
{
    register uint64_t v asm("x3");
    asm volatile("mrs x3, id_aa64mmfr0_el1" : "=r"(v) :: "memory");
    return v;
}

static uint64_t guest_read_ctr(uint64_t x)
{
    register uint64_t v asm("x6");
    asm volatile("mrs x6, ctr_el0" : "=r"(v) :: "memory");
    return v;
}

static uint64_t guest_actlr(uint64_t x)
{
    register uint64_t v asm("x8") = 0;
    asm volatile("msr actlr_el1, x8" :: "r"(v) : "memory");
    return 0;
}

static uint64_t guest_wfi(uint64_t x)
{
    asm volatile("wfi" ::: "memory");
    return 0;
}

static uint64_t guest_tlbi(uint64_t x)
{
    asm volatile("tlbi vmalle1is" ::: "memory");
    return 0;
}

static uint64_t guest_pmcr(uint64_t x)
{
    register uint64_t v asm("x3");
    asm volatile("mrs x3, pmcr_el0" : "=r"(v) :: "memory");
    return v;
}

static uint64_t guest_pmccntr(uint64_t x)
{
    register uint64_t v asm("x4");
    asm volatile("mrs x4, pmccntr_el0" : "=r"(v) :: "memory");
    return v;
}

static uint64_t guest_mdscr(uint64_t x)
{
    register uint64_t v asm("x5");
    asm volatile("mrs x5, mdscr_el1" : "=r"(v) :: "memory");
    return v;
}

static uint64_t guest_oslsr(uint64_t x)
{
    register uint64_t v asm("x6");
    asm volatile("mrs x6, oslsr_el1" : "=r"(v) :: "memory");
    return v;
}

static uint64_t guest_cntp_ctl(uint64_t x)
{
    register uint64_t v asm("x9");
    asm volatile("mrs x9, cntp_ctl_el0" : "=r"(v) :: "memory");
    return v;
}

/* Virtual interrupts: unmask, let the hook (at EL1) count the exception
 * and mask it again in SPSR_EL1, report kind and count. */
static volatile uint64_t virq_count, virq_kind, virq_esr;

static void guest_irq_hook(int kind)
{
    virq_count++;
    virq_kind = (uint64_t)kind;
    virq_esr = sysreg_read(esr_el1);
    uint64_t mask = kind == 1 ? 0x80 : kind == 2 ? 0x40 : 0x100;
    sysreg_write(spsr_el1, sysreg_read(spsr_el1) | mask);
}

static uint64_t guest_unmask(uint64_t which)
{
    if (which == 1) {
        asm volatile("msr daifclr, #2\n\tisb\n\tnop" ::: "memory");
    } else if (which == 2) {
        asm volatile("msr daifclr, #1\n\tisb\n\tnop" ::: "memory");
    } else {
        asm volatile("msr daifclr, #4\n\tisb\n\tnop" ::: "memory");
    }
    return virq_count;
}

/* ---- the hypervisor ------------------------------------------------------------ */

static uint64_t esr_iss_sysreg(unsigned op0, unsigned op1, unsigned crn, unsigned crm,
                               unsigned op2, unsigned rt, unsigned read)
{
    return (0x18ull << 26) | (1ull << 25) | (op0 << 20) | (op2 << 17) | (op1 << 14) |
           (crn << 10) | (rt << 5) | (crm << 1) | read;
}

static void expect_trap(uint64_t (*fn)(uint64_t), uint64_t esr)
{
    uint64_t n = last_exc.count;
    run_el1(fn, 0);
    /* The trap, then HVC #0xffff returning. */
    CHECK_EQ(last_exc.count, n + 2);
    CHECK_EQ(last_exc.prev_esr, esr);
}

static void test_granule(unsigned g)
{
    uint64_t *root;
    pagea[0] = 0xaaaa0000 + g;
    pagea[1] = 0xfffffffe;
    pool_used = 0;
    uint64_t vtcr = build_s2(g, &root, pagea, true);
    sysreg_write(vtcr_el2, vtcr);
    sysreg_write(vttbr_el2, (uint64_t)root | (1ull << 48));
    hcr(HCR_VM);
    tlbi_all();
    /* Redirected read. */
    CHECK_EQ(run_el1(guest_load, IPA_TEST), 0xaaaa0000 + g);
    /* Sign-extending load: ISV with SSE, SF, SAS 2 (word), SRT 7 - only
     * when it faults; here it reads through. */
    CHECK_EQ(run_el1(guest_ldrsw, IPA_TEST + 8), 0xfffffffffffffffeull);
    /* Write to the read-only page: permission fault at the last level. */
    uint64_t n = last_exc.count;
    run_el1(guest_store, IPA_TEST + 16);
    CHECK_EQ(last_exc.count, n + 2);
    unsigned level = 3;
    CHECK_EQ(last_exc.prev_esr, (0x24ull << 26) | (1ull << 25) | (1ull << 24) | (3ull << 22) |
                                (5ull << 16) | (1ull << 15) | (1ull << 6) | (0xc + level));
    CHECK_EQ(sysreg_read(far_el2), IPA_TEST + 16);
    CHECK_EQ(sysreg_read(hpfar_el2), (IPA_TEST >> 12) << 4);
    CHECK_EQ(pagea[2], 0);
    /* A hole: translation fault at the first level. */
    n = last_exc.count;
    run_el1(guest_ldrsw, IPA_HOLE + 4);
    CHECK_EQ(last_exc.count, n + 2);
    unsigned first = g == 12 ? 1 : 2;
    CHECK_EQ(last_exc.prev_esr, (0x24ull << 26) | (1ull << 25) | (1ull << 24) | (2ull << 22) |
                                (1ull << 21) | (7ull << 16) | (1ull << 15) | (0x4 + first));
    CHECK_EQ(sysreg_read(far_el2), IPA_HOLE + 4);
    CHECK_EQ(sysreg_read(hpfar_el2), (IPA_HOLE >> 12) << 4);
    /* AT S12E1R through both stages, and a stage-2 fault in PAR_EL1. */
    asm volatile("at s12e1r, %0\n\tisb" :: "r"(IPA_TEST + 8) : "memory");
    CHECK_EQ(sysreg_read(par_el1) & 0xfffffffff001ull, (uint64_t)pagea);
    asm volatile("at s12e1r, %0\n\tisb" :: "r"(IPA_HOLE) : "memory");
    CHECK_EQ(sysreg_read(par_el1) & 0x3ff, 1 | ((0x4 + first) << 1) | (1 << 9));
    hcr(0);
}

static void test_s1ptw(void)
{
    uint64_t *root;
    pool_used = 0;
    sysreg_write(vtcr_el2, build_s2(12, &root, pagea, false));
    /* IPA_HOLE's GiB gets an empty level-2 table, so the stage-2 fault is
     * at level 2 - the level of the stage-1 table being read too: QEMU
     * 7.2 (the oracle) wrongly reports the stage-1 level. */
    root[IPA_HOLE >> 30] = (uint64_t)new_table(12) | D_VALID | D_TABLE;
    sysreg_write(vttbr_el2, (uint64_t)root);
    hcr(HCR_VM);
    tlbi_all();
    uint64_t n = last_exc.count;
    run_el1(guest_s1_walk_fault, IPA_HOLE + 0x10);
    CHECK_EQ(last_exc.count, n + 2);
    /* Stage-2 translation fault (level 2) on the stage-1 walk: S1PTW, no
     * ISV; FAR the VA, HPFAR the table's IPA. */
    CHECK_EQ(last_exc.prev_esr, 0x92000086ull);
    CHECK_EQ(sysreg_read(far_el2), IPA_HOLE + 0x10);
    CHECK_EQ(sysreg_read(hpfar_el2), (IPA_HOLE >> 12) << 4);
    hcr(0);
}

static void test_vmids(void)
{
    uint64_t *ra, *rb;
    pagea[0] = 0xa;
    pageb[0] = 0xb;
    pool_used = 0;
    uint64_t vtcr = build_s2(12, &ra, pagea, false);
    build_s2(12, &rb, pageb, false);
    sysreg_write(vtcr_el2, vtcr);
    hcr(HCR_VM);
    tlbi_all();
    for (int i = 0; i < 3; i++) {
        sysreg_write(vttbr_el2, (uint64_t)ra | (1ull << 48));
        asm volatile("isb");
        CHECK_EQ(run_el1(guest_load, IPA_TEST), 0xa);
        sysreg_write(vttbr_el2, (uint64_t)rb | (2ull << 48));
        asm volatile("isb");
        CHECK_EQ(run_el1(guest_load, IPA_TEST), 0xb);
    }
    /* Remap VMID 2's page to pagea: after TLBI IPAS2E1IS + VMALLE1IS the
     * guest sees the new page. */
    uint64_t *l3 = (uint64_t *)(((uint64_t *)(((uint64_t *)(rb[2] & ~0xfffull))[0] &
                                             ~0xfffull)));
    l3[0] = (uint64_t)pagea | S2_RW | D_VALID | D_TABLE;
    asm volatile("dsb ishst\n\ttlbi ipas2e1is, %0\n\tdsb ish\n\ttlbi vmalle1is\n\tdsb ish\n\tisb"
                 :: "r"(IPA_TEST >> 12) : "memory");
    CHECK_EQ(run_el1(guest_load, IPA_TEST), 0xa);
    hcr(0);
}

static void test_traps(void)
{
    hcr(HCR_TVM);
    expect_trap(guest_write_sctlr, esr_iss_sysreg(3, 0, 1, 0, 0, 2, 0));
    CHECK_EQ(run_el1(guest_read_ttbr0, 0), sysreg_read(ttbr0_el1));   /* reads not trapped */
    hcr(HCR_TRVM);
    expect_trap(guest_read_ttbr0, esr_iss_sysreg(3, 0, 2, 0, 0, 4, 1));
    hcr(HCR_TID3);
    expect_trap(guest_read_mmfr0, esr_iss_sysreg(3, 0, 0, 7, 0, 3, 1));
    hcr(HCR_TID2);
    expect_trap(guest_read_ctr, esr_iss_sysreg(3, 3, 0, 0, 1, 6, 1));
    hcr(HCR_TACR);
    expect_trap(guest_actlr, esr_iss_sysreg(3, 0, 1, 0, 1, 8, 0));
    hcr(HCR_TTLB);
    expect_trap(guest_tlbi, esr_iss_sysreg(1, 0, 8, 3, 0, 31, 0));
    hcr(HCR_TWI);
    expect_trap(guest_wfi, 0x07e00000ull);
    hcr(0);
    /* Untrapped: the ID register reads through. */
    CHECK_EQ(run_el1(guest_read_mmfr0, 0), sysreg_read(id_aa64mmfr0_el1));
    /* CNTHCTL_EL2.EL1PCEN clear: EL1 physical timer accesses trap. */
    sysreg_write(cnthctl_el2, 1);
    asm volatile("isb");
    expect_trap(guest_cntp_ctl, esr_iss_sysreg(3, 3, 14, 2, 1, 9, 1));
    sysreg_write(cnthctl_el2, 3);
    asm volatile("isb");
    uint64_t n = last_exc.count;
    run_el1(guest_cntp_ctl, 0);
    CHECK_EQ(last_exc.count, n + 1);
    /* MDCR_EL2: TPM traps the PMU registers, TDA the debug registers,
     * TDOSA the OS lock registers; each only its own group. */
    sysreg_write(mdcr_el2, 1ull << 6);
    asm volatile("isb");
    expect_trap(guest_pmcr, esr_iss_sysreg(3, 3, 9, 12, 0, 3, 1));
    expect_trap(guest_pmccntr, esr_iss_sysreg(3, 3, 9, 13, 0, 4, 1));
    n = last_exc.count;
    run_el1(guest_mdscr, 0);
    CHECK_EQ(last_exc.count, n + 1);
    sysreg_write(mdcr_el2, 1ull << 9);
    asm volatile("isb");
    expect_trap(guest_mdscr, esr_iss_sysreg(2, 0, 0, 2, 2, 5, 1));
    n = last_exc.count;
    run_el1(guest_pmcr, 0);
    run_el1(guest_oslsr, 0);
    CHECK_EQ(last_exc.count, n + 2);
    sysreg_write(mdcr_el2, 1ull << 10);
    asm volatile("isb");
    expect_trap(guest_oslsr, esr_iss_sysreg(2, 0, 1, 1, 4, 6, 1));
    sysreg_write(mdcr_el2, 0);
    asm volatile("isb");
    /* HVC from the guest: EC 0x16 with the immediate. */
    expect_trap(guest_hvc, 0x5a000042ull);
}

static void test_virtual_interrupts(void)
{
    irq_hook = guest_irq_hook;
    /* Pending in HCR_EL2 but not routed (IMO clear): nothing. */
    hcr(HCR_VI);
    CHECK_EQ(run_el1(guest_unmask, 1), 0);
    /* Routed: a virtual IRQ taken at EL1 (current EL with SPx: kind 1). */
    virq_count = 0;
    hcr(HCR_IMO | HCR_VI);
    CHECK_EQ(sysreg_read(isr_el1) & 0x80, 0);     /* not at EL2 */
    CHECK_EQ(run_el1(guest_unmask, 1), 1);
    CHECK_EQ(virq_kind, 1);
    /* Virtual FIQ. */
    virq_count = 0;
    hcr(HCR_FMO | HCR_VF);
    CHECK_EQ(run_el1(guest_unmask, 2), 1);
    CHECK_EQ(virq_kind, 2);
    /* Virtual SError: ESR_EL1 EC 0x2f, and HCR_EL2.VSE is consumed. */
    virq_count = 0;
    hcr(HCR_AMO | HCR_VSE);
    CHECK_EQ(run_el1(guest_unmask, 3), 1);
    CHECK_EQ(virq_kind, 3);
    CHECK_EQ(virq_esr, 0xbe000000ull);
    CHECK_EQ(sysreg_read(hcr_el2) & HCR_VSE, 0);
    hcr(0);
    irq_hook = 0;
}

int main(void)
{
    CHECK_EQ(current_el(), 2);
    hcr(0);
    test_granule(12);
    test_granule(14);
    test_granule(16);
    test_s1ptw();
    test_vmids();
    test_traps();
    test_virtual_interrupts();
    return failures;
}
