/* SPDX-License-Identifier: MIT */
/*
 * GICv2 virtualization extensions (GIC architecture v2.0, chapter 5): per
 * CPU a virtual interface control block (GICH, for the hypervisor at EL2)
 * with four list registers, and a virtual CPU interface (GICV, the GICC
 * layout, for the guest) whose interrupts are the list registers'.
 *
 * List register: vID 9:0, pID 19:10 (HW) or EOI 19 + source CPU 12:10,
 * priority 27:23, state 29:28 (1 pending, 2 active, 3 both), group 30,
 * HW 31.  A HW entry deactivates physical interrupt pID (a PPI or SPI)
 * when the guest deactivates it.  The virtual IRQ (group 1, or group 0 without FIQEn) and
 * FIQ outputs are high while GICH_HCR.En and a pending entry beats the
 * virtual priority mask and running priority.  The maintenance interrupt
 * (PPI 25) is the level of GICH_HCR.En && GICH_MISR != 0.
 */
#include "plugins/devices/arm-gic/gic.h"

enum {
    GICH_HCR = 0x00,
    GICH_VTR = 0x04,
    GICH_VMCR = 0x08,
    GICH_MISR = 0x10,
    GICH_EISR0 = 0x20,
    GICH_EISR1 = 0x24,
    GICH_ELRSR0 = 0x30,
    GICH_ELRSR1 = 0x34,
    GICH_APR = 0xf0,
    GICH_LR0 = 0x100,
    GICV_CTLR = 0x00,
    GICV_PMR = 0x04,
    GICV_BPR = 0x08,
    GICV_IAR = 0x0c,
    GICV_EOIR = 0x10,
    GICV_RPR = 0x14,
    GICV_HPPIR = 0x18,
    GICV_ABPR = 0x1c,
    GICV_AIAR = 0x20,
    GICV_AEOIR = 0x24,
    GICV_AHPPIR = 0x28,
    GICV_APR0 = 0xd0,
    GICV_IIDR = 0xfc,
    GICV_DIR = 0x1000,
};

#define HCR_EN (1u << 0)
#define HCR_UIE (1u << 1)
#define HCR_LRENPIE (1u << 2)
#define HCR_NPIE (1u << 3)
#define HCR_VGRP0EIE (1u << 4)
#define HCR_VGRP0DIE (1u << 5)
#define HCR_VGRP1EIE (1u << 6)
#define HCR_VGRP1DIE (1u << 7)
#define HCR_EOICOUNT_SHIFT 27
#define HCR_WRITABLE (0xffu | (0x1fu << HCR_EOICOUNT_SHIFT))

/* GICH_VMCR: the GICV_CTLR bits 0..4 and 9, VMABP 20:18, VMBP 23:21,
 * VMPriMask 31:27. */
#define VMCR_GRP0EN (1u << 0)
#define VMCR_GRP1EN (1u << 1)
#define VMCR_FIQEN (1u << 3)
#define VMCR_CTLR_MASK 0x21fu
#define VMCR_VEM (1u << 9)
#define VMCR_ABP_SHIFT 18
#define VMCR_BP_SHIFT 21
#define VMCR_PMR_SHIFT 27
#define VMCR_WRITABLE (VMCR_CTLR_MASK | (0x3fu << VMCR_ABP_SHIFT) | (0x1fu << VMCR_PMR_SHIFT))

#define LR_VID(lr) ((lr) & 0x3ffu)
#define LR_PID(lr) (((lr) >> 10) & 0x3ffu)
#define LR_EOI (1u << 19)
#define LR_PRIO(lr) ((((lr) >> 23) & 0x1fu) << 3)
#define LR_STATE_SHIFT 28
#define LR_PENDING (1u << 28)
#define LR_ACTIVE (1u << 29)
#define LR_STATE (3u << 28)
#define LR_GRP1 (1u << 30)
#define LR_HW (1u << 31)
/* Bits 22:20 are reserved. */
#define LR_WRITABLE 0xff8fffffu

/* MISR bits. */
#define MISR_EOI (1u << 0)
#define MISR_U (1u << 1)
#define MISR_LRENP (1u << 2)
#define MISR_NP (1u << 3)
#define MISR_VGRP0E (1u << 4)
#define MISR_VGRP0D (1u << 5)
#define MISR_VGRP1E (1u << 6)
#define MISR_VGRP1D (1u << 7)

static unsigned vpmr(const GicVirt *v)
{
    return (v->vmcr >> VMCR_PMR_SHIFT) << 3;
}

static unsigned vrunning_prio(const GicVirt *v)
{
    return v->apr ? (unsigned)__builtin_ctz(v->apr) << 3 : GIC_IDLE_PRIO;
}

static bool group_enabled(const GicVirt *v, uint32_t lr)
{
    return (v->vmcr & ((lr & LR_GRP1) ? VMCR_GRP1EN : VMCR_GRP0EN)) != 0;
}

/* The pending list register of highest priority (lowest LR on a tie) the
 * virtual interface may signal, or -1. */
static int best_lr(const GicVirt *v)
{
    int best = -1;
    unsigned best_prio = 0x100;
    for (int i = 0; i < GIC_NUM_LRS; i++) {
        uint32_t lr = v->lr[i];
        if ((lr & LR_STATE) != LR_PENDING || !group_enabled(v, lr)) {
            continue;
        }
        if (LR_PRIO(lr) < best_prio) {
            best = i;
            best_prio = LR_PRIO(lr);
        }
    }
    return best;
}

/* An entry holds nothing (ELRSR): invalid, and no EOI maintenance owed. */
static bool lr_empty(uint32_t lr)
{
    return !(lr & LR_STATE) && ((lr & LR_HW) || !(lr & LR_EOI));
}

static uint32_t eisr(const GicVirt *v)
{
    uint32_t m = 0;
    for (int i = 0; i < GIC_NUM_LRS; i++) {
        uint32_t lr = v->lr[i];
        if (!(lr & LR_STATE) && !(lr & LR_HW) && (lr & LR_EOI)) {
            m |= 1u << i;
        }
    }
    return m;
}

static uint32_t elrsr(const GicVirt *v)
{
    uint32_t m = 0;
    for (int i = 0; i < GIC_NUM_LRS; i++) {
        m |= lr_empty(v->lr[i]) ? 1u << i : 0;
    }
    return m;
}

static uint32_t misr(const GicVirt *v)
{
    uint32_t m = 0, hcr = v->hcr;
    unsigned valid = 0;
    bool any_pending = false;
    for (int i = 0; i < GIC_NUM_LRS; i++) {
        valid += (v->lr[i] & LR_STATE) != 0;
        any_pending |= (v->lr[i] & LR_PENDING) != 0;
    }
    m |= eisr(v) ? MISR_EOI : 0;
    m |= (hcr & HCR_UIE) && valid <= 1 ? MISR_U : 0;
    m |= (hcr & HCR_LRENPIE) && (hcr >> HCR_EOICOUNT_SHIFT) ? MISR_LRENP : 0;
    m |= (hcr & HCR_NPIE) && !any_pending ? MISR_NP : 0;
    m |= (hcr & HCR_VGRP0EIE) && (v->vmcr & VMCR_GRP0EN) ? MISR_VGRP0E : 0;
    m |= (hcr & HCR_VGRP0DIE) && !(v->vmcr & VMCR_GRP0EN) ? MISR_VGRP0D : 0;
    m |= (hcr & HCR_VGRP1EIE) && (v->vmcr & VMCR_GRP1EN) ? MISR_VGRP1E : 0;
    m |= (hcr & HCR_VGRP1DIE) && !(v->vmcr & VMCR_GRP1EN) ? MISR_VGRP1D : 0;
    return m;
}

void gic_virt_update(GicCpu *c)
{
    GicVirt *v = &c->v;
    if (!c->gic->virt_ext) {
        return;
    }
    bool en = v->hcr & HCR_EN;
    int i = en ? best_lr(v) : -1;
    bool signal = i >= 0 && LR_PRIO(v->lr[i]) < vpmr(v) &&
                  LR_PRIO(v->lr[i]) < vrunning_prio(v);
    bool fiq = signal && !(v->lr[i] & LR_GRP1) && (v->vmcr & VMCR_FIQEN);
    gic_drive(v->virq, &v->virq_out, signal && !fiq);
    gic_drive(v->vfiq, &v->vfiq_out, fiq);
    uint32_t m = 1u << GIC_MAINT_PPI;
    c->priv.level = en && misr(v) ? c->priv.level | m : c->priv.level & ~m;
}

/* ---- GICH ------------------------------------------------------------------------ */

static uint64_t hyp_read(void *opaque, hwaddr off, unsigned size)
{
    GicCpu *c = opaque;
    GicVirt *v = &c->v;
    uint64_t r = 0;
    g_rec_mutex_lock(&c->gic->lock);
    if (off >= GICH_LR0 && off < GICH_LR0 + 4 * GIC_NUM_LRS) {
        r = v->lr[(off - GICH_LR0) / 4];
    } else {
        switch (off) {
        case GICH_HCR: r = v->hcr; break;
        /* PRIbits and PREbits 5 (encoded 4), ListRegs 4 (encoded 3). */
        case GICH_VTR: r = (4u << 29) | (4u << 26) | (GIC_NUM_LRS - 1); break;
        case GICH_VMCR: r = v->vmcr; break;
        case GICH_MISR: r = misr(v); break;
        case GICH_EISR0: r = eisr(v); break;
        case GICH_ELRSR0: r = elrsr(v); break;
        case GICH_EISR1: case GICH_ELRSR1: r = 0; break;
        case GICH_APR: r = v->apr; break;
        default:
            log_mask(LOG_GUEST_ERROR, "arm-gic: read of unknown GICH register 0x%" PRIx64 "\n",
                     (uint64_t)off);
        }
    }
    g_rec_mutex_unlock(&c->gic->lock);
    return r;
}

static void hyp_write(void *opaque, hwaddr off, uint64_t val, unsigned size)
{
    GicCpu *c = opaque;
    GicVirt *v = &c->v;
    uint32_t x = (uint32_t)val;
    g_rec_mutex_lock(&c->gic->lock);
    if (off >= GICH_LR0 && off < GICH_LR0 + 4 * GIC_NUM_LRS) {
        v->lr[(off - GICH_LR0) / 4] = x & LR_WRITABLE;
    } else {
        switch (off) {
        case GICH_HCR: v->hcr = x & HCR_WRITABLE; break;
        case GICH_VMCR: v->vmcr = x & VMCR_WRITABLE; break;
        case GICH_APR: v->apr = x; break;
        default:
            log_mask(LOG_GUEST_ERROR, "arm-gic: write of unknown or read-only GICH register "
                     "0x%" PRIx64 "\n", (uint64_t)off);
        }
    }
    gic_virt_update(c);
    gic_update(c->gic);
    g_rec_mutex_unlock(&c->gic->lock);
}

/* ---- GICV ------------------------------------------------------------------------ */

static uint32_t lr_intid(uint32_t lr)
{
    unsigned id = LR_VID(lr);
    /* A software SGI reports its source CPU (bits 12:10) as GICC_IAR does. */
    return id < 16 && !(lr & LR_HW) ? id | (lr & (7u << 10)) : id;
}

static uint32_t vacknowledge(GicVirt *v)
{
    int i = best_lr(v);
    if (!(v->hcr & HCR_EN) || i < 0 || LR_PRIO(v->lr[i]) >= vpmr(v) ||
        LR_PRIO(v->lr[i]) >= vrunning_prio(v)) {
        return GIC_SPURIOUS;
    }
    v->lr[i] = (v->lr[i] & ~LR_STATE) | LR_ACTIVE;
    v->apr |= 1u << (LR_PRIO(v->lr[i]) >> 3);
    return lr_intid(v->lr[i]);
}

/* Deactivate virtual interrupt @id: its active entry (and the physical
 * interrupt of a HW entry); none counts in GICH_HCR.EOICount. */
static void vdeactivate(GicCpu *c, unsigned id)
{
    GicVirt *v = &c->v;
    for (int i = 0; i < GIC_NUM_LRS; i++) {
        uint32_t lr = v->lr[i];
        if (LR_VID(lr) == id && (lr & LR_ACTIVE)) {
            v->lr[i] = lr & ~LR_ACTIVE;
            if ((lr & LR_HW) && LR_PID(lr) >= 16) {
                gic_deactivate(c->gic, c, LR_PID(lr));
            } else if (lr & LR_HW) {
                /* SGIs cannot be hardware interrupts (UNPREDICTABLE). */
                log_mask(LOG_GUEST_ERROR, "arm-gic: list register maps SGI %u as a hardware "
                         "interrupt\n", LR_PID(lr));
            }
            return;
        }
    }
    if (id < 1020) {
        uint32_t n = ((v->hcr >> HCR_EOICOUNT_SHIFT) + 1) & 0x1f;
        v->hcr = (v->hcr & ~(0x1fu << HCR_EOICOUNT_SHIFT)) | n << HCR_EOICOUNT_SHIFT;
    }
}

static uint64_t vcpu_read(void *opaque, hwaddr off, unsigned size)
{
    GicCpu *c = opaque;
    GicVirt *v = &c->v;
    uint64_t r = 0;
    g_rec_mutex_lock(&c->gic->lock);
    switch (off) {
    case GICV_CTLR: r = v->vmcr & VMCR_CTLR_MASK; break;
    case GICV_PMR: r = vpmr(v); break;
    case GICV_BPR: r = (v->vmcr >> VMCR_BP_SHIFT) & 7; break;
    case GICV_ABPR: r = (v->vmcr >> VMCR_ABP_SHIFT) & 7; break;
    case GICV_IAR: case GICV_AIAR: r = vacknowledge(v); break;
    case GICV_RPR: r = vrunning_prio(v); break;
    case GICV_HPPIR: case GICV_AHPPIR: {
        int i = best_lr(v);
        r = i < 0 ? GIC_SPURIOUS : lr_intid(v->lr[i]);
        break;
    }
    case GICV_APR0: r = v->apr; break;
    case GICV_APR0 + 4 ... GICV_APR0 + 0x1c: break;
    case GICV_IIDR: r = 0x0202043b; break;
    default:
        log_mask(LOG_GUEST_ERROR, "arm-gic: read of unknown GICV register 0x%" PRIx64 "\n",
                 (uint64_t)off);
    }
    gic_virt_update(c);
    gic_update(c->gic);
    g_rec_mutex_unlock(&c->gic->lock);
    return r;
}

static void vcpu_write(void *opaque, hwaddr off, uint64_t val, unsigned size)
{
    GicCpu *c = opaque;
    GicVirt *v = &c->v;
    uint32_t x = (uint32_t)val;
    g_rec_mutex_lock(&c->gic->lock);
    switch (off) {
    case GICV_CTLR: v->vmcr = (v->vmcr & ~VMCR_CTLR_MASK) | (x & VMCR_CTLR_MASK); break;
    case GICV_PMR:
        v->vmcr = (v->vmcr & ~(0x1fu << VMCR_PMR_SHIFT)) | ((x >> 3) & 0x1f) << VMCR_PMR_SHIFT;
        break;
    case GICV_BPR:
        v->vmcr = (v->vmcr & ~(7u << VMCR_BP_SHIFT)) | (MAX(x & 7, 2) << VMCR_BP_SHIFT);
        break;
    case GICV_ABPR:
        v->vmcr = (v->vmcr & ~(7u << VMCR_ABP_SHIFT)) | (MAX(x & 7, 3) << VMCR_ABP_SHIFT);
        break;
    case GICV_EOIR: case GICV_AEOIR:
        if (v->apr) {
            v->apr &= v->apr - 1;      /* drop the running priority */
        }
        if (!(v->vmcr & VMCR_VEM)) {
            vdeactivate(c, x & 0x3ff);
        }
        break;
    case GICV_DIR: vdeactivate(c, x & 0x3ff); break;
    case GICV_APR0: v->apr = x; break;
    case GICV_APR0 + 4 ... GICV_APR0 + 0x1c: break;
    default:
        log_mask(LOG_GUEST_ERROR, "arm-gic: write of unknown or read-only GICV register "
                 "0x%" PRIx64 "\n", (uint64_t)off);
    }
    gic_virt_update(c);
    gic_update(c->gic);
    g_rec_mutex_unlock(&c->gic->lock);
}

static const MemoryRegionOps hyp_ops = {
    .read = hyp_read,
    .write = hyp_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static const MemoryRegionOps vcpu_ops = {
    .read = vcpu_read,
    .write = vcpu_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

void gic_virt_realize(GICState *s)
{
    DeviceState *dev = DEVICE(s);
    memory_region_init(&s->virt_views, OBJECT(dev), "gic_virt_views",
                       (uint64_t)GIC_VIEW_STRIDE * s->num_cpu);
    device_init_mmio(dev, &s->virt_views);
    for (unsigned i = 0; i < s->num_cpu; i++) {
        GicCpu *c = &s->cpu[i];
        g_autofree char *hn = g_strdup_printf("gic_hyp_cpu%u", i);
        g_autofree char *vn = g_strdup_printf("gic_vcpu%u", i);
        memory_region_init_io(&c->v.hyp, OBJECT(dev), &hyp_ops, c, hn, GICH_SIZE);
        memory_region_init_io(&c->v.vcpu, OBJECT(dev), &vcpu_ops, c, vn, GICC_SIZE);
        memory_region_add_subregion(&s->virt_views, (hwaddr)GIC_VIEW_STRIDE * i, &c->v.hyp);
        memory_region_add_subregion(&s->virt_views, (hwaddr)GIC_VIEW_STRIDE * i + GIC_VIEW_CPUIF,
                                    &c->v.vcpu);
    }
    for (unsigned i = 0; i < s->num_cpu; i++) {
        device_init_irq_out(dev, &s->cpu[i].v.virq);
        device_init_irq_out(dev, &s->cpu[i].v.vfiq);
    }
}

void gic_virt_reset(GicCpu *c)
{
    GicVirt *v = &c->v;
    v->hcr = v->apr = 0;
    /* BPR and ABPR reset to their minimum values. */
    v->vmcr = (2u << VMCR_BP_SHIFT) | (3u << VMCR_ABP_SHIFT);
    memset(v->lr, 0, sizeof(v->lr));
}
