/* SPDX-License-Identifier: MIT */
/*
 * The GICv2 device's state, shared by gic.c (distributor and CPU
 * interface) and gic-virt.c (the virtualization extensions: GICH and GICV).
 * Internal to the arm-gic module.
 */
#ifndef PLUGINS_DEVICES_ARM_GIC_GIC_H
#define PLUGINS_DEVICES_ARM_GIC_GIC_H

#include "kernel/device.h"
#include "kernel/fdt.h"
#include "kernel/log.h"
#include "kernel/module.h"

#define TYPE_ARM_GIC "arm-gic"

#define GIC_MAX_CPUS 8
#define GIC_MAX_IRQS 1020
#define GIC_SPURIOUS 1023
#define GIC_PRIO_MASK 0xf8u
#define GIC_IDLE_PRIO 0xffu
#define GICD_SIZE 0x1000
#define GICC_SIZE 0x2000
#define GIC_VIEW_STRIDE 0x20000
#define GIC_VIEW_CPUIF 0x10000
/* Virtualization extensions: MMIO 1 holds per CPU (GIC_VIEW_STRIDE apart)
 * GICH at 0 and GICV at GIC_VIEW_CPUIF; the device tree places them at
 * reg-base + GIC_HYP_OFFSET and + GIC_VCPU_OFFSET (the virt board's map). */
#define GICH_SIZE 0x1000
#define GIC_HYP_OFFSET 0x30000
#define GIC_VCPU_OFFSET 0x40000
#define GIC_NUM_LRS 4
#define GIC_MAINT_PPI 25

#define GICC_CTLR_ENABLE (1u << 0)
#define GICC_CTLR_EOIMODE (1u << 9)

typedef struct GicBank {
    uint32_t enable, latch, active, level, edge;
} GicBank;

typedef struct GICState GICState;

/* The level last driven on an output line (-1: none since reset, so the
 * next update drives it).  Outputs are driven only when they change: each
 * irq_set on a CPU's line kicks that vCPU, and gic_update runs for every
 * CPU after any change, so re-driving unchanged lines wakes idle vCPUs
 * for nothing. */
typedef struct GicOut {
    int8_t level;
} GicOut;

void gic_drive(IRQLine *line, GicOut *out, bool level);

/* The virtual CPU interface of one CPU (GICH registers; GICV's view). */
typedef struct GicVirt {
    MemoryRegion hyp, vcpu;
    uint32_t hcr, vmcr, apr;
    uint32_t lr[GIC_NUM_LRS];
    IRQLine *virq, *vfiq;
    GicOut virq_out, vfiq_out;
} GicVirt;

typedef struct GicCpu {
    GICState *gic;
    unsigned index;
    MemoryRegion dist, cpuif;
    GicBank priv;
    uint8_t priv_prio[32];
    uint8_t sgi_sources[16];      /* pending SGI n from CPU k: bit k */
    uint32_t ctlr, pmr, bpr, apr;
    IRQLine *irq, *fiq;
    GicOut irq_out;
    GicVirt v;
} GicCpu;

struct GICState {
    DeviceState parent_obj;
    MemoryRegion views;
    MemoryRegion virt_views;
    uint32_t num_cpu, num_irq;
    uint64_t reg_base;
    bool virt_ext;
    GRecMutex lock;
    uint32_t ctlr;
    GicBank spi[(GIC_MAX_IRQS + 31) / 32];
    uint8_t prio[GIC_MAX_IRQS];
    uint8_t targets[GIC_MAX_IRQS];
    GicCpu cpu[GIC_MAX_CPUS];
};

OBJECT_DECLARE_SIMPLE_TYPE(GICState, ARM_GIC, TYPE_ARM_GIC)

/* gic.c; the lock is held. */
void gic_update(GICState *s);
void gic_deactivate(GICState *s, GicCpu *c, unsigned irq);

/* gic-virt.c: MMIO and outputs at realize, state at reset, and the
 * outputs (virtual IRQ/FIQ, maintenance PPI) after a change; the lock is
 * held for the last two. */
void gic_virt_realize(GICState *s);
void gic_virt_reset(GicCpu *c);
void gic_virt_update(GicCpu *c);

#endif
