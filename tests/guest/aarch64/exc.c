/* SPDX-License-Identifier: MIT */
/*
 * Exceptions and their syndromes: SVC, BRK, UNDEFINED encodings, system
 * register traps from EL0 (EC 0x18 with the ISS), EL0 round trips through
 * ERET, WFI trapping, alignment and PC alignment faults, illegal exception
 * return, DAIF/SPSel/NZCV through MSR, and the generic timer registers.
 * Runs at EL1 (the board's default).
 */
#include "common/test.h"

static uint64_t buf[4] __attribute__((aligned(16)));

static uint64_t el0_double(uint64_t x)
{
    return x * 2;
}

static uint64_t el0_svc(uint64_t x)
{
    asm volatile("svc #0x42" ::: "memory");
    return x + 1;
}

static uint64_t el0_read_sctlr(uint64_t x)
{
    uint64_t v;
    asm volatile("mrs %0, sctlr_el1" : "=r"(v));
    return x;
}

static uint64_t el0_read_cntvct(uint64_t x)
{
    uint64_t v;
    asm volatile("mrs %0, cntvct_el0" : "=r"(v));
    return v;
}

static uint64_t el0_wfi(uint64_t x)
{
    asm volatile("wfi");
    return x;
}

static uint64_t el0_daifset(uint64_t x)
{
    asm volatile("msr daifset, #2");
    return x;
}

static uint64_t el0_currentel(uint64_t x)
{
    return sysreg_read(tpidrro_el0);
}

static void test_sync(void)
{
    CHECK_EQ(current_el(), 1);
    EXPECT_EXC(0x15, asm volatile("svc #0x1234"));
    CHECK_EQ(last_exc.esr, 0x56001234);
    CHECK_EQ(last_exc.kind, 0);   /* current EL with SPx */
    EXPECT_EXC(0x3c, asm volatile("brk #0x77"));
    CHECK_EQ(last_exc.esr, 0xf2000077);
    EXPECT_EXC(0x00, asm volatile(".inst 0x00000000"));       /* UDF #0 */
    CHECK_EQ(last_exc.esr, 0x02000000);
    EXPECT_EXC(0x00, asm volatile("hlt #0"));
    uint64_t v;
    EXPECT_EXC(0x00, asm volatile("mrs %0, s3_0_c15_c15_7" : "=r"(v)));
    EXPECT_EXC(0x00, asm volatile("mrs %0, sctlr_el2" : "=r"(v)));  /* no EL2 */
    EXPECT_EXC(0x00, asm volatile("msr s3_0_c0_c0_0, %0" :: "r"(0ull)));  /* MIDR: read-only */
    /* HVC is the PSCI conduit here: PSCI_VERSION answers in x0. */
    CHECK_EQ(psci_call(PSCI_VERSION, 0, 0, 0), 0x10001);
    /* SMC without EL3 and not the conduit: UNDEFINED. */
    EXPECT_EXC(0x00, asm volatile("smc #0"));
}

static void test_el0(void)
{
    CHECK_EQ(run_el0(el0_double, 21), 42);
    uint64_t n = last_exc.count;
    CHECK_EQ(run_el0(el0_svc, 1), 2);
    CHECK_EQ(last_exc.count, n + 2);           /* svc #0x42, then the return svc */
    /* An EL0 MRS of an EL1 register is UNDEFINED, taken from the lower EL. */
    n = last_exc.count;
    run_el0(el0_read_sctlr, 0);
    CHECK_EQ(last_exc.count, n + 2);
    CHECK_EQ(ESR_EC(last_exc.prev_esr), 0x00);
    sysreg_write(cntkctl_el1, 0);
    n = last_exc.count;
    run_el0(el0_read_cntvct, 0);
    CHECK_EQ(last_exc.count, n + 2);
    CHECK_EQ(ESR_EC(last_exc.prev_esr), 0x18);
    sysreg_write(cntkctl_el1, 2);              /* EL0VCTEN */
    CHECK(run_el0(el0_read_cntvct, 0) != 0);
    sysreg_write(cntkctl_el1, 0);
    /* WFI at EL0 traps with SCTLR_EL1.nTWI = 0. */
    uint64_t sctlr = sysreg_read(sctlr_el1);
    sysreg_write(sctlr_el1, sctlr & ~(1ull << 16));
    asm volatile("isb");
    n = last_exc.count;
    run_el0(el0_wfi, 0);
    CHECK_EQ(last_exc.count, n + 2);
    sysreg_write(sctlr_el1, sctlr & ~(1ull << 9));   /* UMA = 0 */
    asm volatile("isb");
    n = last_exc.count;
    run_el0(el0_daifset, 0);
    CHECK_EQ(last_exc.count, n + 2);
    sysreg_write(sctlr_el1, sctlr);
    asm volatile("isb");
    sysreg_write(tpidrro_el0, 0x5151);
    CHECK_EQ(run_el0(el0_currentel, 0), 0x5151);
}

/* Each probe traps once at EL0, then returns with the final svc. */
static uint64_t el0_trap_probe(uint64_t which)
{
    uint64_t v = 0;
    switch (which) {
    case 0: asm volatile("mrs %0, cntvct_el0" : "=r"(v)); break;
    case 1: asm volatile("wfi"); break;
    case 2: asm volatile("mrs x7, ctr_el0" ::: "x7"); break;
    default: asm volatile("dc zva, %0" :: "r"(buf) : "memory"); break;
    }
    return v;
}

static void test_el0_syndromes(void)
{
    uint64_t sctlr = sysreg_read(sctlr_el1);
    sysreg_write(cntkctl_el1, 0);
    sysreg_write(sctlr_el1, sctlr & ~((1ull << 16) | (1ull << 15) | (1ull << 14)));
    asm volatile("isb");
    static const uint64_t want[4] = {
        /* MRS x0.., CNTVCT_EL0: op0 3, op2 2, op1 3, CRn 14, CRm 0, read */
        0x62000000ull | (3u << 20) | (2u << 17) | (3u << 14) | (14u << 10) | 1,
        0x06000000ull | 0x1e00000,            /* WFI: EC 1, CV = 1, COND = 0xe */
        0x62000000ull | (3u << 20) | (1u << 17) | (3u << 14) | (0u << 10) | (7u << 5) | 1,
        0x62000000ull | (1u << 20) | (1u << 17) | (3u << 14) | (7u << 10) | (4u << 1),
    };
    for (uint64_t w = 0; w < 4; w++) {
        uint64_t before = last_exc.count;
        run_el0(el0_trap_probe, w);
        CHECK_EQ(last_exc.count, before + 2);
        uint64_t esr = last_exc.prev_esr;
        if (w == 0 || w == 3) {
            esr &= ~(0x1full << 5);   /* Rt is the compiler's choice */
        }
        CHECK_EQ(esr, want[w]);
    }
    sysreg_write(sctlr_el1, sctlr);
    asm volatile("isb");
}

static void test_alignment(void)
{
    uint64_t sctlr = sysreg_read(sctlr_el1), v;
    sysreg_write(sctlr_el1, sctlr | 2);         /* SCTLR_EL1.A */
    asm volatile("isb");
    uint64_t p = (uint64_t)buf + 1;
    EXPECT_EXC(0x25, asm volatile("ldr %0, [%1]" : "=r"(v) : "r"(p)));
    CHECK_EQ(last_exc.esr & 0x3f, 0x21);
    CHECK_EQ(last_exc.far, p);
    EXPECT_EXC(0x25, asm volatile("str %w0, [%1]" :: "r"(0ull), "r"(p + 1) : "memory"));
    CHECK_EQ(last_exc.esr & 0x7f, 0x61);         /* WnR + alignment */
    asm volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(p));   /* bytes are always aligned */
    sysreg_write(sctlr_el1, sctlr);
    asm volatile("isb");
    /* Nothing at this physical address: synchronous external abort. */
    EXPECT_EXC(0x25, asm volatile("ldr %0, [%1]" : "=r"(v) : "r"(0x09800000ull) : "memory"));
    CHECK_EQ(last_exc.esr & 0x3f, 0x10);
    CHECK_EQ(last_exc.far, 0x09800000ull);
    EXPECT_EXC(0x25, asm volatile("str %0, [%1]" :: "r"(v), "r"(0x09800008ull) : "memory"));
    CHECK_EQ(last_exc.esr & 0x7f, 0x50);
    /* Branch to a misaligned address: PC alignment fault, FAR = target. */
    uint64_t target = (uint64_t)&test_alignment + 2;
    EXPECT_EXC(0x22, asm volatile("adr x30, 1f\n\tbr %0\n1:" :: "r"(target) : "x30"));
    CHECK_EQ(last_exc.far, target);
}

static void test_pstate(void)
{
    uint64_t daif = sysreg_read(daif);
    asm volatile("msr daifclr, #0xf");
    CHECK_EQ(sysreg_read(daif), 0);
    asm volatile("msr daifset, #0x5");
    CHECK_EQ(sysreg_read(daif), 0x140);        /* A (bit 8) and F (bit 6) */
    sysreg_write(daif, daif);
    CHECK_EQ(sysreg_read(daif), daif);
    sysreg_write(nzcv, 0xa0000000ull);
    CHECK_EQ(sysreg_read(nzcv), 0xa0000000ull);
    CHECK_EQ(sysreg_read(spsel), 1);
    uint64_t sp_el0 = sysreg_read(sp_el0);
    sysreg_write(sp_el0, 0x1230);
    CHECK_EQ(sysreg_read(sp_el0), 0x1230);
    /* SPSel = 0: sp is SP_EL0; SP_EL0 is then inaccessible by name. */
    uint64_t sp0;
    asm volatile("msr spsel, #0\n\tmov %0, sp\n\tmsr spsel, #1" : "=r"(sp0));
    CHECK_EQ(sp0, 0x1230);
    sysreg_write(sp_el0, sp_el0);
    CHECK_EQ(sysreg_read(currentel), 4);
    sysreg_write(tpidr_el1, 0xabc);
    CHECK_EQ(sysreg_read(tpidr_el1), 0xabc);
    sysreg_write(vbar_el1, sysreg_read(vbar_el1));
    CHECK_EQ(sysreg_read(mpidr_el1) & 0xff00ffffffull, 0);
    CHECK(sysreg_read(mpidr_el1) & (1ull << 31));
    /* Breakpoint/watchpoint registers exist as ID_AA64DFR0 counts them
     * (BRPs and WRPs fields: count - 1). */
    uint64_t dfr0 = sysreg_read(id_aa64dfr0_el1);
    CHECK((dfr0 >> 12) & 0xf);
    CHECK((dfr0 >> 20) & 0xf);
    sysreg_write(dbgbvr0_el1, 0x40001000);
    sysreg_write(dbgbcr1_el1, 0x1e4);                 /* BAS 0xf, PMC 2, disabled */
    sysreg_write(dbgwvr1_el1, 0x40002008);
    sysreg_write(dbgwcr0_el1, 0x1f4);                 /* BAS 0xff, LSC 2, PAC 2, disabled */
    CHECK_EQ(sysreg_read(dbgbvr0_el1), 0x40001000);
    CHECK_EQ(sysreg_read(dbgbcr1_el1), 0x1e4);
    CHECK_EQ(sysreg_read(dbgwvr1_el1), 0x40002008);
    CHECK_EQ(sysreg_read(dbgwcr0_el1), 0x1f4);
    sysreg_write(dbgbcr1_el1, 0);
    sysreg_write(dbgwcr0_el1, 0);
    /* ID registers: EL0 and EL1 present, no EL2 or EL3 on this board. */
    uint64_t pfr0 = sysreg_read(id_aa64pfr0_el1);
    CHECK(pfr0 & 0xf);
    CHECK(pfr0 & 0xf0);
    CHECK_EQ((pfr0 >> 8) & 0xff, 0);
    CHECK_EQ((sysreg_read(id_aa64isar0_el1) >> 20) & 0xf, 2);     /* LSE */
    CHECK_EQ((sysreg_read(id_aa64isar0_el1) >> 16) & 0xf, 1);     /* CRC32 */
}

static uint64_t el0_read_pmccntr(uint64_t x)
{
    return sysreg_read(pmccntr_el0);
}

static uint64_t el0_write_pmccntr(uint64_t x)
{
    sysreg_write(pmccntr_el0, x);
    return x;
}

static void spin(void)
{
    for (volatile int i = 0; i < 20000; i++) {
    }
}

static void test_pmu(void)
{
    uint64_t pmuver = (sysreg_read(id_aa64dfr0_el1) >> 8) & 0xf;
    CHECK(pmuver != 0 && pmuver != 0xf);                          /* PMUv3 */
    sysreg_write(pmccfiltr_el0, 0);
    sysreg_write(pmcr_el0, 1 | 4);                                /* E, reset PMCCNTR */
    sysreg_write(pmcntenset_el0, 1ull << 31);
    uint64_t a = sysreg_read(pmccntr_el0);
    spin();
    uint64_t b = sysreg_read(pmccntr_el0);
    CHECK(b > a);
    CHECK(sysreg_read(pmcntenset_el0) & (1ull << 31));
    /* Disabled: frozen. */
    sysreg_write(pmcntenclr_el0, 1ull << 31);
    a = sysreg_read(pmccntr_el0);
    spin();
    CHECK_EQ(sysreg_read(pmccntr_el0), a);
    CHECK_EQ(sysreg_read(pmcntenset_el0) & (1ull << 31), 0);
    /* Filtered out at EL1: frozen while we run here. */
    sysreg_write(pmcntenset_el0, 1ull << 31);
    sysreg_write(pmccfiltr_el0, 1ull << 31);
    a = sysreg_read(pmccntr_el0);
    spin();
    CHECK_EQ(sysreg_read(pmccntr_el0), a);
    sysreg_write(pmccfiltr_el0, 0);
    sysreg_write(pmccntr_el0, 12345);
    CHECK(sysreg_read(pmccntr_el0) >= 12345);
    /* EL0: denied without PMUSERENR; CR allows reads only. */
    sysreg_write(pmuserenr_el0, 0);
    uint64_t n = last_exc.count;
    run_el0(el0_read_pmccntr, 0);
    CHECK_EQ(last_exc.count, n + 2);
    CHECK_EQ(ESR_EC(last_exc.prev_esr), 0x18);
    sysreg_write(pmuserenr_el0, 4);
    CHECK(run_el0(el0_read_pmccntr, 0) >= 12345);
    n = last_exc.count;
    run_el0(el0_write_pmccntr, 7);
    CHECK_EQ(last_exc.count, n + 2);
    CHECK_EQ(ESR_EC(last_exc.prev_esr), 0x18);
    sysreg_write(pmuserenr_el0, 1);
    CHECK_EQ(run_el0(el0_write_pmccntr, 0), 0);
    sysreg_write(pmuserenr_el0, 0);
    sysreg_write(pmcntenclr_el0, 1ull << 31);
    sysreg_write(pmcr_el0, 0);
}

static void test_illegal_return(void)
{
    /* ERET to EL2, which does not exist: illegal return, PSTATE.IL set,
     * the next instruction raises EC 0x0e. */
    uint64_t n = last_exc.count;
    asm volatile("adr x9, 1f\n\t"
                 "msr elr_el1, x9\n\t"
                 "mov x9, #0x3c9\n\t"
                 "msr spsr_el1, x9\n\t"
                 "eret\n"
                 "1:\tnop\n" ::: "x9", "memory");
    CHECK_EQ(last_exc.count, n + 1);
    CHECK_EQ(ESR_EC(last_exc.esr), 0x0e);
    CHECK(last_exc.spsr & (1ull << 20));
    CHECK_EQ(current_el(), 1);
}

static void test_timer(void)
{
    CHECK_EQ(sysreg_read(cntfrq_el0), 62500000);
    uint64_t a = sysreg_read(cntvct_el0);
    for (volatile int i = 0; i < 1000; i++) {
    }
    uint64_t b = sysreg_read(cntvct_el0);
    CHECK(b > a);
    CHECK(sysreg_read(cntpct_el0) >= b);
    /* Virtual timer, masked: ISTATUS appears once CVAL is reached.  The
     * "not yet" checks use a deadline 16 s away (1e9 ticks), so a host
     * that deschedules this vCPU for a while cannot make them fail. */
    const uint64_t far = 1000000000;
    sysreg_write(cntv_cval_el0, b + far);
    sysreg_write(cntv_ctl_el0, 3);           /* ENABLE | IMASK */
    CHECK_EQ(sysreg_read(cntv_ctl_el0) & 4, 0);
    int32_t tval = (int32_t)sysreg_read(cntv_tval_el0);
    CHECK(tval > 0 && tval <= (int32_t)far);
    uint64_t c = sysreg_read(cntvct_el0);
    sysreg_write(cntv_cval_el0, c + 1000000);   /* 16 ms */
    while (!(sysreg_read(cntv_ctl_el0) & 4)) {
    }
    CHECK((int32_t)sysreg_read(cntv_tval_el0) <= 0);
    sysreg_write(cntv_tval_el0, (uint32_t)far);    /* CVAL = now + TVAL */
    CHECK_EQ(sysreg_read(cntv_ctl_el0) & 4, 0);
    CHECK(sysreg_read(cntv_cval_el0) >= c + 1000000 + far);
    sysreg_write(cntv_ctl_el0, 0);
    CHECK_EQ(sysreg_read(cntv_ctl_el0), 0);
    sysreg_write(cntp_cval_el0, 0);
    sysreg_write(cntp_ctl_el0, 3);
    CHECK_EQ(sysreg_read(cntp_ctl_el0), 7);  /* CVAL 0 is in the past */
    sysreg_write(cntp_ctl_el0, 0);
}

int main(void)
{
    test_sync();
    test_el0();
    test_el0_syndromes();
    test_alignment();
    test_pstate();
    test_illegal_return();
    test_timer();
    test_pmu();
    return failures;
}
