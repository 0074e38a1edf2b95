/* SPDX-License-Identifier: MIT */
/*
 * The GICv3 device's state, shared by gicv3.c and gicv3-virt.c (the
 * virtual CPU interface).  Internal to the arm-gicv3 module.
 */
#ifndef PLUGINS_DEVICES_ARM_GICV3_GICV3_H
#define PLUGINS_DEVICES_ARM_GICV3_GICV3_H

#include <string.h>

#include "kernel/device.h"
#include "kernel/fdt.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "plugins/cpu/arm/cpu.h"

#define TYPE_ARM_GICV3 "arm-gicv3"

#define GIC_MAX_CPUS 8
#define GIC_MAX_IRQS 1020
#define GIC_SPURIOUS 1023
#define GIC_PRIO_MASK 0xf8u       /* 5 implemented priority bits */
#define GIC_IDLE_PRIO 0xffu
#define GICD_SIZE 0x10000
#define GICR_STRIDE 0x20000
#define GICR_SGI_OFFSET 0x10000

/* Distributor and redistributor register offsets. */
enum {
    GICD_CTLR = 0x0000,
    GICD_TYPER = 0x0004,
    GICD_IIDR = 0x0008,
    GICD_TYPER2 = 0x000c,
    GICD_STATUSR = 0x0010,
    GICD_IGROUPR = 0x0080,
    GICD_ISENABLER = 0x0100,
    GICD_ICENABLER = 0x0180,
    GICD_ISPENDR = 0x0200,
    GICD_ICPENDR = 0x0280,
    GICD_ISACTIVER = 0x0300,
    GICD_ICACTIVER = 0x0380,
    GICD_IPRIORITYR = 0x0400,
    GICD_ICFGR = 0x0c00,
    GICD_IGRPMODR = 0x0d00,
    GICD_IROUTER = 0x6000,
    GICD_PIDR2 = 0xffe8,
    GICR_CTLR = 0x0000,
    GICR_IIDR = 0x0004,
    GICR_TYPER = 0x0008,
    GICR_STATUSR = 0x0010,
    GICR_WAKER = 0x0014,
    GICR_PROPBASER = 0x0070,
    GICR_PENDBASER = 0x0078,
    GICR_SYNCR = 0x00c0,
    GICR_PIDR2 = 0xffe8,
};

#define GICD_CTLR_EN_GRP0 (1u << 0)
#define GICD_CTLR_EN_GRP1 (1u << 1)
#define GICD_CTLR_ARE (1u << 4)
#define GICD_CTLR_DS (1u << 6)
#define GICR_WAKER_PSLEEP (1u << 1)
#define GICR_WAKER_CASLEEP (1u << 2)
#define IROUTER_IRM (1ull << 31)
#define ICC_CTLR_CBPR (1u << 0)
#define ICC_CTLR_EOIMODE (1u << 1)
#define ICC_CTLR_PRIBITS (4u << 8) /* five bits */
#define ARM_GIC_IIDR 0x0300043bu   /* Arm, GICv3 */

/* The ICC_* and ICH_* encodings served (op0, op1, CRn, CRm, op2). */
enum {
    ICC_PMR = ARM_SYSREG_ENC(3, 0, 4, 6, 0),
    ICC_IAR0 = ARM_SYSREG_ENC(3, 0, 12, 8, 0),
    ICC_EOIR0 = ARM_SYSREG_ENC(3, 0, 12, 8, 1),
    ICC_HPPIR0 = ARM_SYSREG_ENC(3, 0, 12, 8, 2),
    ICC_BPR0 = ARM_SYSREG_ENC(3, 0, 12, 8, 3),
    ICC_AP0R0 = ARM_SYSREG_ENC(3, 0, 12, 8, 4),
    ICC_AP0R3 = ARM_SYSREG_ENC(3, 0, 12, 8, 7),
    ICC_AP1R0 = ARM_SYSREG_ENC(3, 0, 12, 9, 0),
    ICC_AP1R3 = ARM_SYSREG_ENC(3, 0, 12, 9, 3),
    ICC_DIR = ARM_SYSREG_ENC(3, 0, 12, 11, 1),
    ICC_RPR = ARM_SYSREG_ENC(3, 0, 12, 11, 3),
    ICC_SGI1R = ARM_SYSREG_ENC(3, 0, 12, 11, 5),
    ICC_ASGI1R = ARM_SYSREG_ENC(3, 0, 12, 11, 6),
    ICC_SGI0R = ARM_SYSREG_ENC(3, 0, 12, 11, 7),
    ICC_IAR1 = ARM_SYSREG_ENC(3, 0, 12, 12, 0),
    ICC_EOIR1 = ARM_SYSREG_ENC(3, 0, 12, 12, 1),
    ICC_HPPIR1 = ARM_SYSREG_ENC(3, 0, 12, 12, 2),
    ICC_BPR1 = ARM_SYSREG_ENC(3, 0, 12, 12, 3),
    ICC_CTLR = ARM_SYSREG_ENC(3, 0, 12, 12, 4),
    ICC_SRE = ARM_SYSREG_ENC(3, 0, 12, 12, 5),
    ICC_IGRPEN0 = ARM_SYSREG_ENC(3, 0, 12, 12, 6),
    ICC_IGRPEN1 = ARM_SYSREG_ENC(3, 0, 12, 12, 7),
    ICC_SRE_EL2 = ARM_SYSREG_ENC(3, 4, 12, 9, 5),
    ICH_AP0R0_EL2 = ARM_SYSREG_ENC(3, 4, 12, 8, 0),
    ICH_AP1R0_EL2 = ARM_SYSREG_ENC(3, 4, 12, 9, 0),
    ICH_HCR_EL2 = ARM_SYSREG_ENC(3, 4, 12, 11, 0),
    ICH_VTR_EL2 = ARM_SYSREG_ENC(3, 4, 12, 11, 1),
    ICH_MISR_EL2 = ARM_SYSREG_ENC(3, 4, 12, 11, 2),
    ICH_EISR_EL2 = ARM_SYSREG_ENC(3, 4, 12, 11, 3),
    ICH_ELRSR_EL2 = ARM_SYSREG_ENC(3, 4, 12, 11, 5),
    ICH_VMCR_EL2 = ARM_SYSREG_ENC(3, 4, 12, 11, 7),
    ICH_LR0_EL2 = ARM_SYSREG_ENC(3, 4, 12, 12, 0),
    ICH_LR3_EL2 = ARM_SYSREG_ENC(3, 4, 12, 12, 3),
};

/* State of 32 interrupts, one bit each (a word of SPIs or one CPU's
 * private interrupts). */
typedef struct GicBank {
    uint32_t enable, latch, active, level, group, edge;
} GicBank;

typedef struct GICv3State GICv3State;

/* The virtual CPU interface of one CPU (gicv3-virt.c): the ICH_*_EL2
 * registers, which the ICV_* view at EL1 works on. */
#define GIC_NUM_LRS 4
#define GIC_MAINT_PPI 25
typedef struct GicVirt {
    uint64_t hcr, vmcr, ap0r, ap1r;
    uint64_t lr[GIC_NUM_LRS];
    IRQLine *virq, *vfiq;
} GicVirt;

typedef struct GicCpu {
    GICv3State *gic;
    unsigned index;
    uint64_t affinity;            /* MPIDR Aff3.Aff2.Aff1.Aff0 (bits 39:32, 23:0) */
    GicBank priv;                 /* SGIs 0-15, PPIs 16-31 */
    uint8_t priv_prio[32];
    uint32_t waker;
    /* CPU interface */
    uint32_t pmr, bpr0, bpr1, ctlr, igrpen0, igrpen1;
    uint32_t apr0, apr1;          /* active priority groups (bit n: priority n << 3) */
    IRQLine *irq, *fiq;
    GicVirt v;
    /* LPIs (gicv3-lpi.c): GICR_CTLR.EnableLPIs, the table registers, and
     * the pending state (one bit per INTID below 1 << GIC_LPI_ID_BITS,
     * held here: the pending table's contents are IMPLEMENTATION DEFINED
     * while LPIs are enabled). */
    bool lpis_enabled;
    uint64_t propbaser, pendbaser;
    uint64_t *lpi_pending;
    unsigned lpi_count;
} GicCpu;

#define GIC_LPI_BASE 8192u
#define GIC_LPI_ID_BITS 16

struct GICv3State {
    DeviceState parent_obj;
    MemoryRegion dist_mmio, redist_mmio;
    uint32_t num_cpu, num_irq;
    bool virt_ext;
    bool lpis;                    /* "lpis": LPIs for an ITS */
    AddressSpace *dma;            /* where the LPI configuration table is */
    GRecMutex lock;
    uint32_t ctlr;
    GicBank spi[(GIC_MAX_IRQS + 31) / 32];   /* bank 0 unused (private) */
    uint8_t prio[GIC_MAX_IRQS];
    uint64_t irouter[GIC_MAX_IRQS];
    GicCpu cpu[GIC_MAX_CPUS];
};

OBJECT_DECLARE_SIMPLE_TYPE(GICv3State, ARM_GICV3, TYPE_ARM_GICV3)

/* gicv3.c: deactivate @irq of CPU @c (a HW list register's pINTID). */
void gicv3_deactivate(GICv3State *s, GicCpu *c, unsigned irq);

/* gicv3-its.c: the ITS device type. */
extern const TypeInfo gicv3_its_info;

/* gicv3.c: re-evaluate every CPU's outputs (with the lock held). */
void gicv3_update(GICv3State *s);

/* gicv3-lpi.c.  Calls hold the lock. */
bool gicv3_lpi_redist_read(GICv3State *s, GicCpu *c, hwaddr off, unsigned size, uint64_t *v);
bool gicv3_lpi_redist_write(GICv3State *s, GicCpu *c, hwaddr off, uint64_t v, unsigned size);
/* The pending, enabled LPI of highest priority of @c (GIC_SPURIOUS: none). */
unsigned gicv3_lpi_best(GICv3State *s, GicCpu *c, unsigned *prio);
void gicv3_lpi_clear(GicCpu *c, unsigned intid);
void gicv3_lpi_realize(GICv3State *s);
void gicv3_lpi_reset(GicCpu *c);
void gicv3_lpi_free(GICv3State *s);

/* For the ITS (gicv3-its.c); these take the lock and update the outputs.
 * Make LPI @intid pending (or not) on redistributor @cpu. */
void gicv3_lpi_set(GICv3State *s, unsigned cpu, uint32_t intid, bool pending);
/* INV/INVALL: the configuration table may have changed; re-evaluate. */
void gicv3_lpi_invalidate(GICv3State *s);
/* Move the pending state of @intid (all LPIs for UINT32_MAX) from @from to @to. */
void gicv3_lpi_move(GICv3State *s, unsigned from, unsigned to, uint32_t intid);

/* gicv3-virt.c.  Calls hold the lock.  @enc has ARM_GIC_VIRTUAL set for
 * an ICC_* access that HCR_EL2.IMO/FMO send to the virtual interface. */
bool gicv3_virt_read(GicCpu *c, uint32_t enc, uint64_t *v);
bool gicv3_virt_write(GicCpu *c, uint32_t enc, uint64_t v);
void gicv3_virt_reset(GicCpu *c);
void gicv3_virt_update(GicCpu *c);

#endif
