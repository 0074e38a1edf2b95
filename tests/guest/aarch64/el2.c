/* SPDX-License-Identifier: MIT */
/*
 * EL2 (board property virtualization=on, PSCI through SMC): the CPU starts
 * at EL2; EL1 code entered with ERET; HVC from EL1 traps to EL2 with its
 * immediate; HCR_EL2.TSC traps SMC; EL1 exceptions stay at EL1; EL2-only
 * registers are UNDEFINED at EL1; CNTVOFF_EL2 offsets the virtual count;
 * stage 1 of the EL2 regime (TTBR0_EL2/TCR_EL2) with a permission fault.
 */
#include "common/test.h"

static uint64_t buf[2] __attribute__((aligned(16)));

static uint64_t el1_currentel(uint64_t x)
{
    return current_el();
}

static uint64_t el1_hvc(uint64_t x)
{
    asm volatile("hvc #0x12" ::: "memory");
    return x + 1;
}

static uint64_t el1_smc(uint64_t x)
{
    asm volatile("smc #0x34" ::: "memory");
    return x + 2;
}

static uint64_t el1_svc(uint64_t x)
{
    /* Taken at EL1 with EL1's vectors; exc_dispatch reads ESR_EL1. */
    asm volatile("svc #0x56" ::: "memory");
    return sysreg_read(esr_el1);
}

static uint64_t el1_read_el2_reg(uint64_t x)
{
    uint64_t v;
    asm volatile("mrs %0, hcr_el2" : "=r"(v));
    return sysreg_read(esr_el1);
}

static uint64_t el1_vmpidr(uint64_t x)
{
    return sysreg_read(mpidr_el1);
}

#define D_VALID 1ull
#define D_TABLE 2ull
#define D_AF (1ull << 10)
#define D_SH (3ull << 8)
#define D_RO (1ull << 7)

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2[512] __attribute__((aligned(4096)));
static uint64_t l3[512] __attribute__((aligned(4096)));
static uint64_t page[512] __attribute__((aligned(4096)));

static void test_el2_mmu(void)
{
    /* T0SZ 25 (39 bits), 4K: level 1 start.  L1[0] -> L2 for the first
     * GiB (UART as a 2M device block), L1[1] = RAM GiB as a normal block,
     * and a test page at VA 0x80000000 through L2/L3, read-only. */
    l1[0] = (uint64_t)l2 | D_VALID | D_TABLE;
    l2[0x09000000 >> 21] = 0x09000000 | (1 << 2) | D_AF | D_VALID;
    l1[1] = 0x40000000 | D_AF | D_SH | D_VALID;
    l1[2] = (uint64_t)l3 | D_VALID | D_TABLE;   /* misuse as L2 for 0x80000000 */
    l3[0] = (uint64_t)page | D_VALID | D_TABLE;
    uint64_t *l3b = page + 256;                 /* second half of page: an L3 table? no */
    (void)l3b;
    static uint64_t real_l3[512] __attribute__((aligned(4096)));
    l3[0] = (uint64_t)real_l3 | D_VALID | D_TABLE;
    real_l3[0] = (uint64_t)page | D_AF | D_SH | D_RO | D_VALID | D_TABLE;
    page[1] = 0x77;
    sysreg_write(mair_el2, 0x00ff);
    sysreg_write(tcr_el2, 25 | (1 << 8) | (1 << 10) | (3 << 12) | (5ull << 16) |
                          (1ull << 23) | (1ull << 31));
    sysreg_write(ttbr0_el2, l1);
    asm volatile("dsb sy\n\ttlbi alle2\n\tdsb sy\n\tisb" ::: "memory");
    uint64_t sctlr = sysreg_read(sctlr_el2);
    sysreg_write(sctlr_el2, sctlr | 1);
    asm volatile("isb");
    CHECK_EQ(*(volatile uint64_t *)(0x80000000ull + 8), 0x77);
    EXPECT_EXC(0x25, *(volatile uint64_t *)(0x80000000ull + 8) = 1);
    CHECK_EQ(last_exc.esr & 0x7f, 0x4f);
    CHECK_EQ(last_exc.far, 0x80000008ull);
    sysreg_write(sctlr_el2, sctlr);
    asm volatile("isb");
}

int main(void)
{
    CHECK_EQ(current_el(), 2);
    CHECK((sysreg_read(id_aa64pfr0_el1) >> 8) & 0xf);
    sysreg_write(hcr_el2, 1ull << 31);                      /* RW: EL1 is AArch64 */
    asm volatile("isb");
    CHECK_EQ(run_el1(el1_currentel, 0), 1);
    uint64_t n = last_exc.count;
    CHECK_EQ(run_el1(el1_hvc, 5), 6);
    CHECK_EQ(last_exc.count, n + 2);
    CHECK_EQ(last_exc.prev_esr, 0x5a000012);                /* EC 0x16, imm */
    sysreg_write(hcr_el2, (1ull << 31) | (1ull << 19));     /* TSC */
    asm volatile("isb");
    n = last_exc.count;
    CHECK_EQ(run_el1(el1_smc, 5), 7);
    CHECK_EQ(last_exc.count, n + 2);
    CHECK_EQ(last_exc.prev_esr, 0x5e000034);                /* EC 0x17, imm */
    sysreg_write(hcr_el2, 1ull << 31);
    asm volatile("isb");
    CHECK_EQ(run_el1(el1_svc, 0), 0x56000056);
    CHECK_EQ(ESR_EC(run_el1(el1_read_el2_reg, 0)), 0);
    sysreg_write(vmpidr_el2, 0x80000000ull | 0x305);
    CHECK_EQ(run_el1(el1_vmpidr, 0) & 0xffffff, 0x305);     /* EL1 reads VMPIDR_EL2 */
    /* HVC at EL2 is an ordinary exception to EL2 (SMC is the conduit). */
    EXPECT_EXC(0x16, asm volatile("hvc #0x9"));
    CHECK_EQ(last_exc.esr, 0x5a000009);
    CHECK_EQ(last_exc.kind, 0);
    /* CNTVOFF_EL2. */
    sysreg_write(cntvoff_el2, 1000000000ull);
    asm volatile("isb");
    uint64_t p = sysreg_read(cntpct_el0), v = sysreg_read(cntvct_el0);
    /* v is read after p: p - v = offset - (ticks between the reads). */
    if (!(p - v <= 1000000000ull && p - v > 1000000000ull - 10000000ull)) {
        puts_uart("cntpct - cntvct = ");
        print_hex(p - v);
        puts_uart("\n");
        failures++;
    }
    sysreg_write(cntvoff_el2, 0);
    test_el2_mmu();
    (void)buf;
    return failures;
}
