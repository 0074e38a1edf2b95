/* SPDX-License-Identifier: MIT */
/*
 * GICv3 virtual CPU interface (virt board with gic-version=3 and
 * virtualization=on): a tiny hypervisor at EL2 fills ICH_LR<n>_EL2 and an
 * EL1 guest (HCR_EL2.IMO/FMO) takes the virtual IRQ and acknowledges it
 * with its ICC_* registers, which reach the ICV_* view: ICV_IAR1/EOIR1,
 * the entry going pending -> active -> invalid, ICH_EISR/ELRSR/MISR and
 * the maintenance interrupt (PPI 25 pending in the redistributor), a HW
 * entry whose guest EOI deactivates the physical SPI the hypervisor left
 * active, the virtual priority mask, and the guest's SGI write trapping to
 * EL2.
 */
#include "common/test.h"

#define GICD 0x08000000ul
#define GICR_SGI (0x080a0000ul + 0x10000)

#define HCR_IMO (1ull << 4)
#define HCR_FMO (1ull << 3)
#define HCR_RW (1ull << 31)

#define LR_PENDING (1ull << 62)
#define LR_GRP1 (1ull << 60)
#define LR_HW (1ull << 61)
#define LR_EOI (1ull << 41)
#define LR_PRIO(p) ((uint64_t)(p) << 48)

#define rd_sys(name) ({ uint64_t v_; asm volatile("mrs %0, " name : "=r"(v_) :: "memory"); v_; })
#define wr_sys(name, v) asm volatile("msr " name ", %0" :: "r"((uint64_t)(v)) : "memory")

#define ICH_HCR "s3_4_c12_c11_0"
#define ICH_VTR "s3_4_c12_c11_1"
#define ICH_MISR "s3_4_c12_c11_2"
#define ICH_EISR "s3_4_c12_c11_3"
#define ICH_ELRSR "s3_4_c12_c11_5"
#define ICH_VMCR "s3_4_c12_c11_7"
#define ICH_AP1R0 "s3_4_c12_c9_0"
#define ICH_LR0 "s3_4_c12_c12_0"
#define ICH_LR1 "s3_4_c12_c12_1"
#define ICH_LR2 "s3_4_c12_c12_2"
#define ICC_PMR "s3_0_c4_c6_0"
#define ICC_IAR1 "s3_0_c12_c12_0"
#define ICC_EOIR1 "s3_0_c12_c12_1"
#define ICC_CTLR "s3_0_c12_c12_4"
#define ICC_IGRPEN1 "s3_0_c12_c12_7"

static uint32_t rd32(uint64_t a)
{
    return *(volatile uint32_t *)a;
}

static void wr32(uint64_t a, uint32_t v)
{
    *(volatile uint32_t *)a = v;
}

static void isb(void)
{
    asm volatile("isb" ::: "memory");
}

/* ---- the guest (EL1) ------------------------------------------------------------ */

static volatile uint64_t virq_count, virq_iar;

static void guest_irq_hook(int kind)
{
    virq_count++;
    virq_iar = rd_sys(ICC_IAR1);
    wr_sys(ICC_EOIR1, virq_iar);
    isb();
}

static uint64_t guest_take(uint64_t x)
{
    wr_sys(ICC_PMR, 0xf8);
    wr_sys(ICC_IGRPEN1, 1);
    isb();
    asm volatile("msr daifclr, #2\n\tisb\n\tnop\n\tnop\n\tmsr daifset, #2" ::: "memory");
    return virq_count;
}

static uint64_t guest_iar(uint64_t x)
{
    return rd_sys(ICC_IAR1);
}

static uint64_t guest_sgi(uint64_t x)
{
    register uint64_t v asm("x7") = (1ull << 24) | 1;
    asm volatile("msr s3_0_c12_c11_5, x7" :: "r"(v) : "memory");
    return 0;
}

/* ---- the hypervisor ----------------------------------------------------------------- */

static void test_inject_and_eoi(void)
{
    virq_count = 0;
    wr_sys(ICH_LR0, LR_PENDING | LR_GRP1 | LR_PRIO(0x10) | LR_EOI | 42);
    isb();
    CHECK_EQ(rd_sys(ICH_ELRSR) & 0xf, 0xe);
    CHECK_EQ(run_el1(guest_take, 0), 1);
    CHECK_EQ(virq_iar, 42);
    CHECK_EQ(rd_sys(ICH_LR0), LR_GRP1 | LR_PRIO(0x10) | LR_EOI | 42);
    CHECK_EQ(rd_sys(ICH_EISR), 1);
    CHECK_EQ(rd_sys(ICH_ELRSR) & 0xf, 0xe);
    CHECK_EQ(rd_sys(ICH_MISR), 1);
    CHECK_EQ(rd_sys(ICH_AP1R0), 0);
    CHECK_EQ((rd32(GICR_SGI + 0x200) >> 25) & 1, 1);
    CHECK_EQ(run_el1(guest_iar, 0), 1023);
    wr_sys(ICH_LR0, 0);
    isb();
    CHECK_EQ(rd_sys(ICH_EISR), 0);
    CHECK_EQ(rd_sys(ICH_ELRSR) & 0xf, 0xf);
    CHECK_EQ(rd_sys(ICH_MISR), 0);
    CHECK_EQ((rd32(GICR_SGI + 0x200) >> 25) & 1, 0);
}

static void test_hardware_entry(void)
{
    /* SPI 40, group 1, routed to CPU 0: taken at EL2 with EOImode 1, so
     * only the guest's EOI of the mapped vIRQ deactivates it. */
    wr32(GICD + 0x0000, (1u << 4) | (1u << 1));          /* ARE, EnableGrp1 */
    wr32(0x080a0000ul + 0x14, 0);                          /* GICR_WAKER: awake */
    wr32(GICD + 0x0084, 1u << 8);                          /* IGROUPR1 */
    *(volatile uint64_t *)(GICD + 0x6000 + 8 * 40) = 0;   /* IROUTER: CPU 0 */
    wr32(GICD + 0x0104, 1u << 8);                          /* ISENABLER1 */
    wr_sys(ICC_PMR, 0xf8);
    wr_sys(ICC_CTLR, 2);                                   /* EOImode */
    wr_sys(ICC_IGRPEN1, 1);
    wr32(GICD + 0x0204, 1u << 8);                          /* ISPENDR1 */
    isb();
    CHECK_EQ(rd_sys(ICC_IAR1), 40);
    wr_sys(ICC_EOIR1, 40);
    isb();
    CHECK_EQ((rd32(GICD + 0x0304) >> 8) & 1, 1);
    virq_count = 0;
    wr_sys(ICH_LR1, LR_HW | (40ull << 32) | LR_PENDING | LR_GRP1 | LR_PRIO(0x20) | 77);
    isb();
    CHECK_EQ(run_el1(guest_take, 0), 1);
    CHECK_EQ(virq_iar, 77);
    CHECK_EQ((rd32(GICD + 0x0304) >> 8) & 1, 0);
    CHECK_EQ(rd_sys(ICH_LR1), LR_HW | (40ull << 32) | LR_GRP1 | LR_PRIO(0x20) | 77);
    CHECK_EQ(rd_sys(ICH_EISR), 0);
    wr_sys(ICH_LR1, 0);
    wr_sys(ICC_IGRPEN1, 0);
    isb();
}

static void test_priority_mask(void)
{
    virq_count = 0;
    wr_sys(ICH_LR2, LR_PENDING | LR_GRP1 | LR_PRIO(0xf8) | 9);
    isb();
    CHECK_EQ(run_el1(guest_take, 0), 0);
    CHECK_EQ(rd_sys(ICH_LR2), LR_PENDING | LR_GRP1 | LR_PRIO(0xf8) | 9);
    wr_sys(ICH_LR2, 0);
    isb();
}

static uint64_t esr_sysreg(unsigned op0, unsigned op1, unsigned crn, unsigned crm,
                           unsigned op2, unsigned rt, unsigned read)
{
    return (0x18ull << 26) | (1ull << 25) | ((uint64_t)op0 << 20) | (op2 << 17) |
           (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) | read;
}

int main(void)
{
    CHECK_EQ(current_el(), 2);
    uint64_t vtr = rd_sys(ICH_VTR);
    CHECK_EQ(vtr & 0x1f, 3);                /* four list registers */
    CHECK_EQ(vtr >> 29, 4);                 /* five priority bits */
    irq_hook = guest_irq_hook;
    sysreg_write(hcr_el2, HCR_RW | HCR_IMO | HCR_FMO);
    wr_sys(ICH_VMCR, 0);
    wr_sys(ICH_HCR, 1);
    isb();
    test_inject_and_eoi();
    test_hardware_entry();
    test_priority_mask();
    /* The guest's SGI goes to the hypervisor (EC 0x18). */
    uint64_t n = last_exc.count;
    run_el1(guest_sgi, 0);
    CHECK_EQ(last_exc.count, n + 2);
    CHECK_EQ(last_exc.prev_esr, esr_sysreg(3, 0, 12, 11, 5, 7, 0));
    wr_sys(ICH_HCR, 0);
    sysreg_write(hcr_el2, HCR_RW);
    isb();
    irq_hook = 0;
    return failures;
}
