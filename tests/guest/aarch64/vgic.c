/* SPDX-License-Identifier: MIT */
/*
 * GICv2 virtualization extensions (virt board with virtualization=on, the
 * default GICv2): a tiny hypervisor at EL2 injects virtual interrupts
 * through the list registers of GICH (0x08030000) and an EL1 guest takes
 * them as virtual IRQs (HCR_EL2.IMO) and acknowledges them through GICV
 * (0x08040000): GICV_IAR/EOIR, the list register going pending -> active
 * -> invalid, GICH_EISR/ELRSR/MISR and the maintenance interrupt (PPI 25,
 * seen pending in the distributor), a hardware entry whose guest EOI
 * deactivates the physical interrupt (an SPI the hypervisor left active),
 * the priority mask, and the underflow / no-pending maintenance reasons;
 * last, as KVM does, the guest finds GICV where it expects its GICC
 * (stage 2 maps IPA 0x08010000 to GICV).
 */
#include "common/test.h"

#define GICD 0x08000000ul
#define GICC 0x08010000ul
#define GICH 0x08030000ul
#define GICV 0x08040000ul

#define GICD_CTLR 0x000
#define GICD_ISENABLER1 0x104
#define GICD_ISPENDR0 0x200
#define GICD_ISPENDR1 0x204
#define GICD_ISACTIVER0 0x300
#define GICD_ISACTIVER1 0x304
#define GICD_ITARGETSR10 0x828
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10
#define GICH_HCR 0x00
#define GICH_VTR 0x04
#define GICH_MISR 0x10
#define GICH_EISR0 0x20
#define GICH_ELRSR0 0x30
#define GICH_APR 0xf0
#define GICH_LR(n) (0x100 + 4 * (n))
#define GICV_CTLR 0x00
#define GICV_PMR 0x04
#define GICV_IAR 0x0c
#define GICV_EOIR 0x10

#define LR_PENDING (1u << 28)
#define LR_EOI (1u << 19)
#define LR_HW (1u << 31)
#define LR_PRIO(p) ((uint32_t)((p) >> 3) << 23)

#define HCR_EN 1u
#define HCR_UIE 2u
#define HCR_NPIE 8u

#define HCR_VM (1ull << 0)
#define HCR_IMO (1ull << 4)
#define HCR_RW (1ull << 31)

static uint32_t rd(uint64_t base, unsigned off)
{
    return *(volatile uint32_t *)(base + off);
}

static void wr(uint64_t base, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(base + off) = v;
}

/* ---- the guest (EL1, MMU off) ------------------------------------------------ */

static volatile uint64_t virq_count, virq_iar;
/* Where the guest finds its CPU interface (an IPA under stage 2). */
static volatile uint64_t guest_gicc = GICV;

static void guest_irq_hook(int kind)
{
    virq_count++;
    virq_iar = rd(guest_gicc, GICV_IAR);
    wr(guest_gicc, GICV_EOIR, (uint32_t)virq_iar);
}

/* Enable the virtual CPU interface and take what is pending. */
static uint64_t guest_take(uint64_t x)
{
    wr(guest_gicc, GICV_PMR, 0xf8);
    wr(guest_gicc, GICV_CTLR, 1);
    asm volatile("msr daifclr, #2\n\tisb\n\tnop\n\tnop\n\tmsr daifset, #2" ::: "memory");
    return virq_count;
}

static uint64_t guest_iar(uint64_t x)
{
    return rd(guest_gicc, GICV_IAR);
}

/* ---- the hypervisor --------------------------------------------------------------- */

static void test_inject_and_eoi(void)
{
    virq_count = 0;
    wr(GICH, GICH_LR(0), LR_PENDING | LR_PRIO(0x10) | LR_EOI | 42);
    CHECK_EQ(rd(GICH, GICH_ELRSR0), 0xe);
    CHECK_EQ(run_el1(guest_take, 0), 1);
    CHECK_EQ(virq_iar, 42);
    /* Deactivated with the EOI bit: EOI maintenance owed, not empty. */
    CHECK_EQ(rd(GICH, GICH_LR(0)), LR_PRIO(0x10) | LR_EOI | 42);
    CHECK_EQ(rd(GICH, GICH_EISR0), 1);
    CHECK_EQ(rd(GICH, GICH_ELRSR0), 0xe);
    CHECK_EQ(rd(GICH, GICH_MISR), 1);
    CHECK_EQ(rd(GICH, GICH_APR), 0);
    CHECK_EQ((rd(GICD, GICD_ISPENDR0) >> 25) & 1, 1);
    /* Nothing left to take: the guest reads a spurious interrupt. */
    CHECK_EQ(run_el1(guest_iar, 0), 1023);
    /* The hypervisor reclaims the entry: maintenance drops. */
    wr(GICH, GICH_LR(0), 0);
    CHECK_EQ(rd(GICH, GICH_EISR0), 0);
    CHECK_EQ(rd(GICH, GICH_ELRSR0), 0xf);
    CHECK_EQ(rd(GICH, GICH_MISR), 0);
    CHECK_EQ((rd(GICD, GICD_ISPENDR0) >> 25) & 1, 0);
}

static void test_hardware_entry(void)
{
    /* The hypervisor takes SPI 40 and only drops its priority (EOImode
     * 1): it stays active until the guest's EOI of the mapped vIRQ. */
    wr(GICD, GICD_CTLR, 1);
    wr(GICD, GICD_ITARGETSR10, 1);
    wr(GICD, GICD_ISENABLER1, 1u << 8);
    wr(GICC, GICC_PMR, 0xf8);
    wr(GICC, GICC_CTLR, 1 | (1u << 9));
    wr(GICD, GICD_ISPENDR1, 1u << 8);
    CHECK_EQ(rd(GICC, GICC_IAR), 40);
    wr(GICC, GICC_EOIR, 40);
    CHECK_EQ((rd(GICD, GICD_ISACTIVER1) >> 8) & 1, 1);
    wr(GICC, GICC_CTLR, 1u << 9);      /* no physical IRQs while the guest runs */
    virq_count = 0;
    wr(GICH, GICH_LR(1), LR_HW | (40u << 10) | LR_PENDING | LR_PRIO(0x20) | 77);
    CHECK_EQ(run_el1(guest_take, 0), 1);
    CHECK_EQ(virq_iar, 77);
    CHECK_EQ((rd(GICD, GICD_ISACTIVER1) >> 8) & 1, 0);
    CHECK_EQ(rd(GICH, GICH_LR(1)), LR_HW | (40u << 10) | LR_PRIO(0x20) | 77);
    CHECK_EQ(rd(GICH, GICH_EISR0), 0);
    CHECK_EQ(rd(GICH, GICH_ELRSR0), 0xf);
    wr(GICH, GICH_LR(1), 0);
    wr(GICD, GICD_CTLR, 0);
}

static void test_priority_mask(void)
{
    /* Priority 0xf8 does not beat the guest's mask of 0xf8. */
    virq_count = 0;
    wr(GICH, GICH_LR(2), LR_PENDING | LR_PRIO(0xf8) | 9);
    CHECK_EQ(run_el1(guest_take, 0), 0);
    CHECK_EQ(rd(GICH, GICH_LR(2)), LR_PENDING | LR_PRIO(0xf8) | 9);
    wr(GICH, GICH_LR(2), 0);
}

static void test_maintenance_reasons(void)
{
    /* Underflow: at most one valid entry; no pending: none pending. */
    wr(GICH, GICH_HCR, HCR_EN | HCR_UIE);
    CHECK_EQ(rd(GICH, GICH_MISR), 2);
    CHECK_EQ((rd(GICD, GICD_ISPENDR0) >> 25) & 1, 1);
    wr(GICH, GICH_HCR, HCR_EN | HCR_NPIE);
    CHECK_EQ(rd(GICH, GICH_MISR), 8);
    wr(GICH, GICH_LR(0), LR_PENDING | LR_PRIO(0x10) | 1);
    wr(GICH, GICH_LR(3), LR_PENDING | LR_PRIO(0x10) | 2);
    CHECK_EQ(rd(GICH, GICH_MISR), 0);
    wr(GICH, GICH_HCR, HCR_EN | HCR_UIE | HCR_NPIE);
    CHECK_EQ(rd(GICH, GICH_MISR), 0);
    /* Disabled: no maintenance interrupt whatever MISR says. */
    wr(GICH, GICH_LR(0), 0);
    wr(GICH, GICH_LR(3), 0);
    wr(GICH, GICH_HCR, HCR_UIE);
    CHECK_EQ((rd(GICD, GICD_ISPENDR0) >> 25) & 1, 0);
    wr(GICH, GICH_HCR, HCR_EN);
}

/* Stage 2 for a 4 GiB IPA space (4 KiB granule, start level 1): RAM and
 * the UART identity-mapped with blocks; the GIC's 2 MiB with pages, IPA
 * 0x08010000-0x08011fff -> GICV, the rest of it unmapped. */
static uint64_t s2_l1[512] __attribute__((aligned(4096)));
static uint64_t s2_l2[512] __attribute__((aligned(4096)));
static uint64_t s2_l3[512] __attribute__((aligned(4096)));

#define S2_VALID 1ull
#define S2_TABLE 2ull
#define S2_PAGE 3ull
#define S2_AF (1ull << 10)
#define S2_RW (3ull << 6)
#define S2_NORMAL ((0xfull << 2) | (3ull << 8))

static void test_gicv_under_stage2(void)
{
    s2_l1[0] = (uint64_t)s2_l2 | S2_VALID | S2_TABLE;
    s2_l1[1] = 0x40000000 | S2_RW | S2_NORMAL | S2_AF | S2_VALID;
    s2_l2[0x09000000 >> 21] = 0x09000000 | S2_RW | S2_AF | S2_VALID;
    s2_l2[0x08000000 >> 21] = (uint64_t)s2_l3 | S2_VALID | S2_TABLE;
    for (unsigned i = 0; i < 2; i++) {
        s2_l3[0x10 + i] = (GICV + 0x1000 * i) | S2_RW | S2_AF | S2_PAGE;
    }
    sysreg_write(vttbr_el2, (uint64_t)s2_l1);
    sysreg_write(vtcr_el2, 32 | (1ull << 6) | (1ull << 8) | (1ull << 10) | (3ull << 12) |
                           (2ull << 16) | (1ull << 31));
    sysreg_write(hcr_el2, HCR_RW | HCR_IMO | HCR_VM);
    asm volatile("dsb ishst\n\ttlbi alle1is\n\tdsb ish\n\tisb" ::: "memory");
    guest_gicc = GICC;
    virq_count = 0;
    wr(GICH, GICH_LR(0), LR_PENDING | LR_PRIO(0x30) | 99);
    CHECK_EQ(run_el1(guest_take, 0), 1);
    CHECK_EQ(virq_iar, 99);
    CHECK_EQ(rd(GICH, GICH_LR(0)), LR_PRIO(0x30) | 99);
    CHECK_EQ(rd(GICH, GICH_ELRSR0), 0xf);
    guest_gicc = GICV;
    sysreg_write(hcr_el2, HCR_RW | HCR_IMO);
    asm volatile("isb");
}

int main(void)
{
    CHECK_EQ(current_el(), 2);
    /* Four list registers, five bits of priority and preemption. */
    CHECK_EQ(rd(GICH, GICH_VTR), 0x90000003u);
    irq_hook = guest_irq_hook;
    sysreg_write(hcr_el2, HCR_RW | HCR_IMO);
    asm volatile("isb");
    wr(GICH, GICH_HCR, HCR_EN);
    test_inject_and_eoi();
    test_hardware_entry();
    test_priority_mask();
    test_maintenance_reasons();
    test_gicv_under_stage2();
    wr(GICH, GICH_HCR, 0);
    sysreg_write(hcr_el2, HCR_RW);
    irq_hook = 0;
    return failures;
}
