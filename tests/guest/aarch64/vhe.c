/* SPDX-License-Identifier: MIT */
/*
 * VHE (virtualization=on: we start at EL2): HCR_EL2.E2H redirects EL1
 * register encodings to the EL2 registers and opens the EL12 and EL02 ones onto the
 * EL1/EL0 ones; the EL2 virtual timer (CNTHV, also
 * reached as CNTV_*_EL0) and the virtual count without offset; the EL2&0
 * regime with TTBR1_EL2 for the upper range; host EL0 (E2H + TGE) whose
 * SVC goes to EL2, and whose hardware breakpoint and software step
 * exceptions (EC 0x30, 0x32) go to EL2 too (HCR_EL2.TGE routes debug).
 */
#include "common/test.h"

#define HCR_RW (1ull << 31)
#define HCR_E2H (1ull << 34)
#define HCR_TGE (1ull << 27)

#define D_VALID 1ull
#define D_TABLE 2ull
#define D_AF (1ull << 10)
#define D_SH (3ull << 8)

static uint64_t __attribute__((noipa, aligned(16))) bp_target(uint64_t x)
{
    return x + 100;
}

static unsigned dbg_n;
static uint64_t dbg_esr[4], dbg_elr[4];

/* Debug exceptions at EL2: record, disarm, resume at the instruction. */
static uint64_t dbg_hook(uint64_t esr, uint64_t elr)
{
    if (dbg_n < 4) {
        dbg_esr[dbg_n] = esr;
        dbg_elr[dbg_n] = elr;
    }
    dbg_n++;
    if (ESR_EC(esr) == 0x30) {
        sysreg_write(dbgbcr0_el1, 0);
    } else {
        sysreg_write(mdscr_el1, 0);
    }
    asm volatile("isb");
    return elr;
}

static void hcr(uint64_t v)
{
    sysreg_write(hcr_el2, HCR_RW | v);
    asm volatile("isb" ::: "memory");
}

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2io[512] __attribute__((aligned(4096)));
static uint64_t h1[512] __attribute__((aligned(4096)));
static uint64_t h2[512] __attribute__((aligned(4096)));
static uint64_t h3[512] __attribute__((aligned(4096)));
static uint64_t page[512] __attribute__((aligned(4096)));

static uint64_t el0_svc(uint64_t x)
{
    asm volatile("svc #0x5" ::: "memory");
    return x + 1;
}

static void test_regime(void)
{
    /* TCR_EL2 in TCR_EL1's format: T0SZ = T1SZ = 25, 4K (TG1 = 2),
     * 40-bit IPS.  TTBR0_EL2: identity RAM and UART; TTBR1_EL2: the top
     * GiB's first page -> page. */
    l1[0] = (uint64_t)l2io | D_VALID | D_TABLE;
    l2io[0x09000000 >> 21] = 0x09000000 | (1 << 2) | D_AF | D_VALID;
    l1[1] = 0x40000000 | D_AF | D_SH | D_VALID;
    h1[0] = (uint64_t)h2 | D_VALID | D_TABLE;
    h2[0] = (uint64_t)h3 | D_VALID | D_TABLE;
    h3[0] = (uint64_t)page | D_AF | D_SH | D_VALID | D_TABLE;
    page[3] = 0xabcdef;
    sysreg_write(mair_el1, 0x00ff);                 /* MAIR_EL2 */
    sysreg_write(tcr_el1, 25 | (1 << 8) | (1 << 10) | (3 << 12) | (25ull << 16) |
                          (1ull << 24) | (1ull << 26) | (3ull << 28) | (2ull << 30) |
                          (2ull << 32));
    sysreg_write(ttbr0_el1, l1);                    /* TTBR0_EL2 */
    sysreg_write(ttbr1_el1, h1);                    /* TTBR1_EL2 */
    asm volatile("dsb sy\n\ttlbi alle2\n\tdsb sy\n\tisb" ::: "memory");
    CHECK_EQ(sysreg_read(ttbr1_el2), (uint64_t)h1);
    uint64_t sctlr = sysreg_read(sctlr_el1);        /* SCTLR_EL2 */
    CHECK_EQ(sctlr, sysreg_read(sctlr_el2));
    sysreg_write(sctlr_el1, sctlr | 1);
    asm volatile("isb");
    CHECK_EQ(*(volatile uint64_t *)(0xffffff8000000000ull + 24), 0xabcdef);
    sysreg_write(sctlr_el1, sctlr);
    asm volatile("isb");
}

int main(void)
{
    CHECK_EQ(current_el(), 2);
    CHECK_EQ((sysreg_read(id_aa64mmfr1_el1) >> 8) & 0xf, 1);     /* VH */
    /* (Without E2H the *_EL12 encodings are UNDEFINED: QEMU 7.2, the
     * oracle, allows them, so the unit test checks that.) */
    hcr(0);
    sysreg_write(contextidr_el1, 0x33);            /* the real EL1 register */
    hcr(HCR_E2H);
    CHECK_EQ(sysreg_read(hcr_el2) & HCR_E2H, HCR_E2H);
    /* Redirection. */
    sysreg_write(contextidr_el1, 0x11);
    CHECK_EQ(sysreg_read(contextidr_el2), 0x11);
    CHECK_EQ(sysreg_read(contextidr_el12), 0x33);
    sysreg_write(contextidr_el12, 0x22);
    CHECK_EQ(sysreg_read(contextidr_el1), 0x11);
    CHECK_EQ(sysreg_read(contextidr_el12), 0x22);
    sysreg_write(far_el1, 0x1000);
    CHECK_EQ(sysreg_read(far_el2), 0x1000);
    sysreg_write(far_el12, 0x2000);
    CHECK_EQ(sysreg_read(far_el1), 0x1000);
    CHECK_EQ(sysreg_read(far_el12), 0x2000);
    sysreg_write(mair_el12, 0x44);
    sysreg_write(mair_el1, 0x55);
    CHECK_EQ(sysreg_read(mair_el2), 0x55);
    CHECK_EQ(sysreg_read(mair_el12), 0x44);
    /* The EL2 virtual timer, through its name and CNTV_*_EL0; the EL1
     * virtual timer through CNTV_*_EL02. */
    sysreg_write(cnthv_cval_el2, 0x1234);
    CHECK_EQ(sysreg_read(cntv_cval_el0), 0x1234);
    sysreg_write(cntv_cval_el02, 0x5678);
    CHECK_EQ(sysreg_read(cnthv_cval_el2), 0x1234);
    CHECK_EQ(sysreg_read(cntv_cval_el02), 0x5678);
    sysreg_write(cntv_ctl_el0, 3);                  /* enabled, masked */
    asm volatile("isb");
    CHECK_EQ(sysreg_read(cnthv_ctl_el2), 7);        /* ISTATUS: cval is past */
    sysreg_write(cnthv_ctl_el2, 0);
    CHECK_EQ(sysreg_read(cntv_ctl_el02) & 1, 0);
    /* CNTVCT at EL2 with E2H ignores CNTVOFF_EL2. */
    sysreg_write(cntvoff_el2, 1ull << 40);
    asm volatile("isb");
    uint64_t v = sysreg_read(cntvct_el0), p = sysreg_read(cntpct_el0);
    CHECK(p >= v && p - v < (1ull << 39));
    sysreg_write(cntvoff_el2, 0);
    test_regime();
    /* Host EL0 (E2H + TGE): run_el0's ELR_EL1/SPSR_EL1 are EL2's, and
     * EL0's SVC is taken to EL2. */
    hcr(HCR_E2H | HCR_TGE);
    uint64_t n = last_exc.count;
    CHECK_EQ(run_el0(el0_svc, 41), 42);
    CHECK_EQ(last_exc.count, n + 2);
    CHECK_EQ(last_exc.prev_esr, 0x56000005ull);
    CHECK_EQ(last_exc.kind, 0x10);                  /* lower EL, taken at EL2 */
    /* Host EL0's breakpoint and software step go to EL2 (TGE). */
    debug_hook = dbg_hook;
    sysreg_write(oslar_el1, 0);
    sysreg_write(dbgbvr0_el1, (uint64_t)bp_target);
    sysreg_write(dbgbcr0_el1, 1 | 2 << 1 | 0xf << 5);          /* EL0 only */
    sysreg_write(mdscr_el1, 1u << 15);                         /* MDE */
    asm volatile("isb");
    CHECK_EQ(run_el0(bp_target, 1), 101);
    CHECK_EQ(dbg_n, 1);
    CHECK_EQ(dbg_esr[0], (0x30ull << 26) | (1ull << 25) | 0x22);
    CHECK_EQ(dbg_elr[0], (uint64_t)bp_target);
    sysreg_write(mdscr_el1, 1);                                /* SS */
    asm volatile("isb");
    el0_spsr_extra = 1u << 21;
    CHECK_EQ(run_el0(bp_target, 2), 102);
    el0_spsr_extra = 0;
    CHECK_EQ(dbg_n, 2);
    CHECK_EQ(dbg_esr[1], (0x32ull << 26) | (1ull << 25) | (1ull << 24) | 0x22);
    CHECK_EQ(dbg_elr[1], (uint64_t)bp_target + 4);
    debug_hook = 0;
    hcr(0);
    return failures;
}
