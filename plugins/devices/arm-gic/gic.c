/* SPDX-License-Identifier: MIT */
/*
 * Arm GICv2 ("arm-gic"), after the GIC architecture specification v2.0
 * (IHI 0048B) without the Security Extensions: every interrupt is group 0
 * and signalled as IRQ.  Five bits of priority (as QEMU's).  SGIs keep one
 * pending bit per source CPU; GICC_IAR reports the source in bits 12:10.
 *
 * Banked registers: a GICv2's CPU interface and the distributor's private
 * interrupt registers depend on which CPU accesses them, so the device has
 * one view per CPU.  MMIO 0 is a container of num-cpu views, 128 KiB
 * apart: view c holds the distributor (4 KiB) as CPU c sees it at 0 and
 * its CPU interface (8 KiB, GICC_DIR at 0x1000) at 0x10000, the virt
 * board's layout.  The board maps view c (an alias) in CPU c's address
 * space; MMIO 0 itself is not mapped.
 *
 * IRQ inputs: pins 0 .. num-irq-33 are SPIs 32 .. num-irq-1; then for CPU c
 * pins (num-irq - 32) + 32 * c + n are its private interrupt n (PPIs).
 * IRQ outputs: pin 2c = CPU c's IRQ, pin 2c + 1 its FIQ (never raised:
 * no group 1 without the Security Extensions' FIQ routing).
 * Properties: "num-cpu" (1..8), "num-irq" (64..1020, a multiple of 32),
 * "virt-ext" (the virtualization extensions, gic-virt.c: MMIO 1 holds
 * each CPU's GICH control interface and GICV virtual CPU interface, IRQ
 * outputs 2 * num-cpu + 2c and + 1 are CPU c's virtual IRQ and FIQ, and
 * the maintenance interrupt is PPI 25).
 */
#include <string.h>

#include "plugins/devices/arm-gic/gic.h"

enum {
    GICD_CTLR = 0x000,
    GICD_TYPER = 0x004,
    GICD_IIDR = 0x008,
    GICD_IGROUPR = 0x080,
    GICD_ISENABLER = 0x100,
    GICD_ICENABLER = 0x180,
    GICD_ISPENDR = 0x200,
    GICD_ICPENDR = 0x280,
    GICD_ISACTIVER = 0x300,
    GICD_ICACTIVER = 0x380,
    GICD_IPRIORITYR = 0x400,
    GICD_ITARGETSR = 0x800,
    GICD_ICFGR = 0xc00,
    GICD_SGIR = 0xf00,
    GICD_CPENDSGIR = 0xf10,
    GICD_SPENDSGIR = 0xf20,
    GICD_PIDR2 = 0xfe8,
    GICC_CTLR = 0x00,
    GICC_PMR = 0x04,
    GICC_BPR = 0x08,
    GICC_IAR = 0x0c,
    GICC_EOIR = 0x10,
    GICC_RPR = 0x14,
    GICC_HPPIR = 0x18,
    GICC_ABPR = 0x1c,
    GICC_APR0 = 0xd0,
    GICC_APR3 = 0xdc,
    GICC_NSAPR3 = 0xec,
    GICC_IIDR = 0xfc,
    GICC_DIR = 0x1000,
};


static GicBank *bank_of(GICState *s, GicCpu *c, unsigned irq)
{
    return irq < 32 ? &c->priv : &s->spi[irq / 32];
}

static uint8_t *prio_of(GICState *s, GicCpu *c, unsigned irq)
{
    return irq < 32 ? &c->priv_prio[irq] : &s->prio[irq];
}

static unsigned running_prio(const GicCpu *c)
{
    return c->apr ? (unsigned)__builtin_ctz(c->apr) << 3 : GIC_IDLE_PRIO;
}

/* The pending, enabled, inactive interrupt of highest priority (lowest
 * number among equals) that CPU @c may take, a word of 32 at a time. */
static unsigned best_pending(GICState *s, GicCpu *c, unsigned *prio_out)
{
    unsigned best = GIC_SPURIOUS, best_prio = 0x100;
    if (s->ctlr & 1) {
        for (unsigned w = 0; w < s->num_irq / 32; w++) {
            const GicBank *b = w ? &s->spi[w] : &c->priv;
            uint32_t pend = b->latch | (b->level & ~b->edge);
            if (!w) {
                pend &= 0xffff0000u;
                for (unsigned i = 0; i < 16; i++) {
                    pend |= c->sgi_sources[i] ? 1u << i : 0;
                }
            }
            uint32_t cand = pend & b->enable & ~b->active;
            while (cand) {
                unsigned irq = w * 32 + (unsigned)__builtin_ctz(cand);
                cand &= cand - 1;
                if (irq >= 32 && !((s->targets[irq] >> c->index) & 1)) {
                    continue;
                }
                unsigned p = *prio_of(s, c, irq) & GIC_PRIO_MASK;
                if (p < best_prio) {
                    best = irq;
                    best_prio = p;
                }
            }
        }
    }
    *prio_out = best_prio;
    return best;
}

void gic_drive(IRQLine *line, GicOut *out, bool level)
{
    if (out->level != (int8_t)level) {
        out->level = (int8_t)level;
        irq_set(line, level);
    }
}

static void update_cpu(GICState *s, GicCpu *c)
{
    unsigned prio;
    unsigned irq = best_pending(s, c, &prio);
    gic_drive(c->irq, &c->irq_out, (c->ctlr & GICC_CTLR_ENABLE) && irq != GIC_SPURIOUS &&
                                   prio < (c->pmr & GIC_PRIO_MASK) && prio < running_prio(c));
}

void gic_update(GICState *s)
{
    for (unsigned i = 0; i < s->num_cpu; i++) {
        update_cpu(s, &s->cpu[i]);
    }
}

static void gic_set_irq(void *opaque, int n, int level)
{
    GICState *s = opaque;
    unsigned nspi = s->num_irq - 32;
    g_rec_mutex_lock(&s->lock);
    unsigned irq = (unsigned)n < nspi ? 32 + (unsigned)n : ((unsigned)n - nspi) % 32;
    GicBank *b = (unsigned)n < nspi ? &s->spi[irq / 32] : &s->cpu[(n - nspi) / 32].priv;
    uint32_t m = 1u << (irq % 32);
    if (level && !(b->level & m) && (b->edge & m)) {
        b->latch |= m;
    }
    uint32_t was = b->level;
    b->level = level ? b->level | m : b->level & ~m;
    if (b->level != was) {
        gic_update(s);      /* an unchanged level changes nothing */
    }
    g_rec_mutex_unlock(&s->lock);
}

/* ---- distributor ------------------------------------------------------------ */

typedef enum { R_SET_EN, R_CLR_EN, R_SET_PEND, R_CLR_PEND, R_SET_ACT, R_CLR_ACT } BitsReg;

static const struct { uint32_t base; BitsReg kind; } bits_regs[] = {
    { GICD_ISENABLER, R_SET_EN }, { GICD_ICENABLER, R_CLR_EN },
    { GICD_ISPENDR, R_SET_PEND }, { GICD_ICPENDR, R_CLR_PEND },
    { GICD_ISACTIVER, R_SET_ACT }, { GICD_ICACTIVER, R_CLR_ACT },
};

static uint32_t bits_read(GicCpu *c, GicBank *b, BitsReg kind, unsigned word)
{
    switch (kind) {
    case R_SET_EN: case R_CLR_EN: return b->enable;
    case R_SET_PEND: case R_CLR_PEND: {
        uint32_t v = b->latch | (b->level & ~b->edge);
        if (word == 0) {
            v &= ~0xffffu;
            for (unsigned n = 0; n < 16; n++) {
                v |= (c->sgi_sources[n] != 0) << n;
            }
        }
        return v;
    }
    default: return b->active;
    }
}

static void bits_write(GicCpu *c, GicBank *b, BitsReg kind, unsigned word, uint32_t v)
{
    if (word == 0 && kind == R_SET_EN) {
        v |= 0xffff; /* SGIs are always enabled here, as on most GICs */
    }
    if (word == 0 && (kind == R_SET_PEND || kind == R_CLR_PEND)) {
        v &= ~0xffffu; /* SGI pending state: GICD_[SC]PENDSGIR */
    }
    switch (kind) {
    case R_SET_EN: b->enable |= v; break;
    case R_CLR_EN: b->enable &= ~v | (word == 0 ? 0xffffu : 0); break;
    case R_SET_PEND: b->latch |= v; break;
    case R_CLR_PEND: b->latch &= ~v; break;
    case R_SET_ACT: b->active |= v; break;
    case R_CLR_ACT: b->active &= ~v; break;
    }
}

static uint32_t cfg_read(GicBank *b, unsigned w)
{
    uint32_t v = 0, edges = b->edge >> (w % 2 * 16);
    for (unsigned k = 0; k < 16; k++) {
        v |= ((edges >> k) & 1) << (2 * k + 1);
    }
    return v;
}

static void cfg_write(GicBank *b, unsigned w, uint32_t v)
{
    unsigned shift = w % 2 * 16;
    uint32_t edges = 0;
    for (unsigned k = 0; k < 16; k++) {
        edges |= ((v >> (2 * k + 1)) & 1) << k;
    }
    b->edge = (b->edge & ~(0xffffu << shift)) | edges << shift;
}

static void send_sgi(GICState *s, GicCpu *src, uint32_t v)
{
    unsigned sgi = v & 0xf;
    unsigned filter = (v >> 24) & 3;
    uint8_t list = (v >> 16) & 0xff;
    if (filter == 1) {
        list = (uint8_t)(((1u << s->num_cpu) - 1) & ~(1u << src->index));
    } else if (filter == 2) {
        list = (uint8_t)(1u << src->index);
    } else if (filter == 3) {
        log_mask(LOG_GUEST_ERROR, "arm-gic: GICD_SGIR with reserved filter 3\n");
        return;
    }
    for (unsigned i = 0; i < s->num_cpu; i++) {
        if ((list >> i) & 1) {
            s->cpu[i].sgi_sources[sgi] |= 1u << src->index;
        }
    }
}

static uint64_t dist_read_locked(GICState *s, GicCpu *c, hwaddr off, unsigned size)
{
    if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + GIC_MAX_IRQS) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            unsigned irq = off - GICD_IPRIORITYR + i;
            v |= (uint64_t)(irq < s->num_irq ? *prio_of(s, c, irq) : 0) << (8 * i);
        }
        return v;
    }
    if (off >= GICD_ITARGETSR && off < GICD_ITARGETSR + GIC_MAX_IRQS) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            unsigned irq = off - GICD_ITARGETSR + i;
            uint8_t t = irq < 32 ? 1u << c->index : irq < s->num_irq ? s->targets[irq] : 0;
            v |= (uint64_t)t << (8 * i);
        }
        return v;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bits_regs); i++) {
        if (off >= bits_regs[i].base && off < bits_regs[i].base + 0x80) {
            unsigned w = (off - bits_regs[i].base) / 4;
            return w < s->num_irq / 32
                ? bits_read(c, w ? &s->spi[w] : &c->priv, bits_regs[i].kind, w) : 0;
        }
    }
    if (off >= GICD_ICFGR && off < GICD_ICFGR + 0x100) {
        unsigned w = (off - GICD_ICFGR) / 4;
        return w < s->num_irq / 16 ? cfg_read(w < 2 ? &c->priv : &s->spi[w / 2], w) : 0;
    }
    if (off >= GICD_IGROUPR && off < GICD_IGROUPR + 0x80) {
        return 0; /* no Security Extensions: group 0 */
    }
    if (off >= GICD_CPENDSGIR && off < GICD_CPENDSGIR + 0x20) {
        unsigned first = (off & 0xf) + 0;
        uint64_t v = 0;
        for (unsigned i = 0; i < size && first + i < 16; i++) {
            v |= (uint64_t)c->sgi_sources[first + i] << (8 * i);
        }
        return v;
    }
    switch (off) {
    case GICD_CTLR:
        return s->ctlr;
    case GICD_TYPER:
        return (s->num_irq / 32 - 1) | ((s->num_cpu - 1) << 5);
    case GICD_IIDR:
        return 0x0200043b;
    case GICD_PIDR2:
        return 0x2b;
    }
    log_mask(LOG_GUEST_ERROR, "arm-gic: read of unknown distributor register 0x%" PRIx64 "\n",
             (uint64_t)off);
    return 0;
}

static void dist_write_locked(GICState *s, GicCpu *c, hwaddr off, uint64_t v, unsigned size)
{
    if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + GIC_MAX_IRQS) {
        for (unsigned i = 0; i < size; i++) {
            unsigned irq = off - GICD_IPRIORITYR + i;
            if (irq < s->num_irq) {
                *prio_of(s, c, irq) = (v >> (8 * i)) & GIC_PRIO_MASK;
            }
        }
        return;
    }
    if (off >= GICD_ITARGETSR && off < GICD_ITARGETSR + GIC_MAX_IRQS) {
        for (unsigned i = 0; i < size; i++) {
            unsigned irq = off - GICD_ITARGETSR + i;
            if (irq >= 32 && irq < s->num_irq) {
                s->targets[irq] = (v >> (8 * i)) & ((1u << s->num_cpu) - 1);
            }
        }
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bits_regs); i++) {
        if (off >= bits_regs[i].base && off < bits_regs[i].base + 0x80) {
            unsigned w = (off - bits_regs[i].base) / 4;
            if (w < s->num_irq / 32) {
                bits_write(c, w ? &s->spi[w] : &c->priv, bits_regs[i].kind, w, (uint32_t)v);
            }
            return;
        }
    }
    if (off >= GICD_ICFGR && off < GICD_ICFGR + 0x100) {
        unsigned w = (off - GICD_ICFGR) / 4;
        if (w >= 1 && w < s->num_irq / 16) { /* word 0 (SGIs) is read-only */
            cfg_write(w < 2 ? &c->priv : &s->spi[w / 2], w, (uint32_t)v);
        }
        return;
    }
    if (off >= GICD_IGROUPR && off < GICD_IGROUPR + 0x80) {
        return;
    }
    if (off >= GICD_CPENDSGIR && off < GICD_CPENDSGIR + 0x20) {
        bool set = off >= GICD_SPENDSGIR;
        unsigned first = off & 0xf;
        for (unsigned i = 0; i < size && first + i < 16; i++) {
            uint8_t m = (v >> (8 * i)) & 0xff;
            c->sgi_sources[first + i] = set ? c->sgi_sources[first + i] | m
                                            : c->sgi_sources[first + i] & ~m;
        }
        return;
    }
    switch (off) {
    case GICD_CTLR:
        s->ctlr = v & 1;
        return;
    case GICD_SGIR:
        send_sgi(s, c, (uint32_t)v);
        return;
    }
    log_mask(LOG_GUEST_ERROR, "arm-gic: write of unknown or read-only distributor register "
             "0x%" PRIx64 "\n", (uint64_t)off);
}

static uint64_t dist_read(void *opaque, hwaddr off, unsigned size)
{
    GicCpu *c = opaque;
    g_rec_mutex_lock(&c->gic->lock);
    uint64_t v = dist_read_locked(c->gic, c, off, size);
    g_rec_mutex_unlock(&c->gic->lock);
    return v;
}

static void dist_write(void *opaque, hwaddr off, uint64_t v, unsigned size)
{
    GicCpu *c = opaque;
    g_rec_mutex_lock(&c->gic->lock);
    dist_write_locked(c->gic, c, off, v, size);
    gic_update(c->gic);
    g_rec_mutex_unlock(&c->gic->lock);
}

/* ---- CPU interface ------------------------------------------------------------- */

static uint32_t acknowledge(GICState *s, GicCpu *c)
{
    unsigned prio;
    unsigned irq = best_pending(s, c, &prio);
    if (irq == GIC_SPURIOUS || prio >= (c->pmr & GIC_PRIO_MASK) || prio >= running_prio(c)) {
        return GIC_SPURIOUS;
    }
    GicBank *b = bank_of(s, c, irq);
    uint32_t src = 0;
    if (irq < 16) {
        src = __builtin_ctz(c->sgi_sources[irq]);
        c->sgi_sources[irq] &= ~(1u << src);
    } else {
        b->latch &= ~(1u << (irq % 32));
    }
    b->active |= 1u << (irq % 32);
    c->apr |= 1u << (prio >> 3);
    return irq | src << 10;
}

void gic_deactivate(GICState *s, GicCpu *c, unsigned irq)
{
    if (irq < s->num_irq) {
        bank_of(s, c, irq)->active &= ~(1u << (irq % 32));
    }
}

static uint64_t cpuif_read(void *opaque, hwaddr off, unsigned size)
{
    GicCpu *c = opaque;
    GICState *s = c->gic;
    unsigned prio;
    uint64_t v = 0;
    g_rec_mutex_lock(&s->lock);
    switch (off) {
    case GICC_CTLR: v = c->ctlr; break;
    case GICC_PMR: v = c->pmr; break;
    case GICC_BPR: v = c->bpr; break;
    case GICC_ABPR: v = MIN(c->bpr + 1, 7); break;
    case GICC_IAR: v = acknowledge(s, c); break;
    case GICC_RPR: v = running_prio(c); break;
    case GICC_HPPIR: {
        unsigned irq = best_pending(s, c, &prio);
        v = irq < 16 ? irq | (uint32_t)__builtin_ctz(c->sgi_sources[irq]) << 10 : irq;
        break;
    }
    case GICC_APR0: v = c->apr; break;
    case GICC_APR0 + 4 ... GICC_NSAPR3:
        /* Five priority bits: APR0 holds every active priority; APR1..3
         * and the non-secure copies (no Security Extensions) are RAZ/WI. */
        break;
    case GICC_IIDR: v = 0x0202043b; break;
    default:
        log_mask(LOG_GUEST_ERROR, "arm-gic: read of unknown CPU interface register 0x%" PRIx64
                 "\n", (uint64_t)off);
    }
    update_cpu(s, c);
    g_rec_mutex_unlock(&s->lock);
    return v;
}

static void cpuif_write(void *opaque, hwaddr off, uint64_t v, unsigned size)
{
    GicCpu *c = opaque;
    GICState *s = c->gic;
    g_rec_mutex_lock(&s->lock);
    switch (off) {
    case GICC_CTLR: c->ctlr = v & (GICC_CTLR_ENABLE | GICC_CTLR_EOIMODE); break;
    case GICC_PMR: c->pmr = v & GIC_PRIO_MASK; break;
    case GICC_BPR: c->bpr = MAX(v & 7, 2); break;
    case GICC_ABPR: break;
    case GICC_EOIR:
        if (c->apr) {
            c->apr &= c->apr - 1; /* drop the running priority */
        }
        if (!(c->ctlr & GICC_CTLR_EOIMODE)) {
            gic_deactivate(s, c, v & 0x3ff);
        }
        break;
    case GICC_DIR: gic_deactivate(s, c, v & 0x3ff); break;
    case GICC_APR0: c->apr = (uint32_t)v; break;
    case GICC_APR0 + 4 ... GICC_NSAPR3: break;
    default:
        log_mask(LOG_GUEST_ERROR, "arm-gic: write of unknown or read-only CPU interface "
                 "register 0x%" PRIx64 "\n", (uint64_t)off);
    }
    gic_update(s);
    g_rec_mutex_unlock(&s->lock);
}

static const MemoryRegionOps dist_ops = {
    .read = dist_read,
    .write = dist_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static const MemoryRegionOps cpuif_ops = {
    .read = cpuif_read,
    .write = cpuif_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* ---- device ----------------------------------------------------------------------- */

static const PropertyInfo gic_props[] = {
    PROP_UINT32("num-cpu", GICState, num_cpu, 1, "Number of CPU interfaces"),
    PROP_UINT32("num-irq", GICState, num_irq, 288,
                "Number of interrupt ids (32 private + SPIs), a multiple of 32"),
    PROP_UINT64("reg-base", GICState, reg_base, 0,
                "Guest address of each CPU's view, for the device tree (0: none)"),
    PROP_BOOL("virt-ext", GICState, virt_ext, false,
              "Virtualization extensions (GICH, GICV, maintenance PPI 25)"),
    PROP_END
};

static void gic_init(Object *obj)
{
    g_rec_mutex_init(&ARM_GIC(obj)->lock);
}

static void gic_finalize(Object *obj)
{
    g_rec_mutex_clear(&ARM_GIC(obj)->lock);
}

static bool gic_realize(DeviceState *dev, GError **errp)
{
    GICState *s = ARM_GIC(dev);
    if (s->num_cpu < 1 || s->num_cpu > GIC_MAX_CPUS) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_OUT_OF_RANGE,
                    "arm-gic: num-cpu=%u is out of range (1..%u)", s->num_cpu, GIC_MAX_CPUS);
        return false;
    }
    if (s->num_irq < 64 || s->num_irq > GIC_MAX_IRQS || s->num_irq % 32) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_OUT_OF_RANGE,
                    "arm-gic: num-irq=%u must be a multiple of 32 in 64..%u", s->num_irq,
                    GIC_MAX_IRQS / 32 * 32);
        return false;
    }
    memory_region_init(&s->views, OBJECT(dev), "gic_views", (uint64_t)GIC_VIEW_STRIDE * s->num_cpu);
    device_init_mmio(dev, &s->views);
    for (unsigned i = 0; i < s->num_cpu; i++) {
        GicCpu *c = &s->cpu[i];
        c->gic = s;
        c->index = i;
        g_autofree char *dn = g_strdup_printf("gic_dist_cpu%u", i);
        g_autofree char *cn = g_strdup_printf("gic_cpu%u", i);
        memory_region_init_io(&c->dist, OBJECT(dev), &dist_ops, c, dn, GICD_SIZE);
        memory_region_init_io(&c->cpuif, OBJECT(dev), &cpuif_ops, c, cn, GICC_SIZE);
        memory_region_add_subregion(&s->views, (hwaddr)GIC_VIEW_STRIDE * i, &c->dist);
        memory_region_add_subregion(&s->views, (hwaddr)GIC_VIEW_STRIDE * i + GIC_VIEW_CPUIF,
                                    &c->cpuif);
        device_init_irq_out(dev, &c->irq);
        device_init_irq_out(dev, &c->fiq);
    }
    if (s->virt_ext) {
        gic_virt_realize(s);
    }
    device_init_irq_in(dev, gic_set_irq, (int)(s->num_irq - 32 + 32 * s->num_cpu));
    return true;
}

static void gic_reset(DeviceState *dev)
{
    GICState *s = ARM_GIC(dev);
    g_rec_mutex_lock(&s->lock);
    s->ctlr = 0;
    for (unsigned w = 0; w < G_N_ELEMENTS(s->spi); w++) {
        s->spi[w] = (GicBank){ .level = s->spi[w].level };
    }
    memset(s->prio, 0, sizeof(s->prio));
    memset(s->targets, 0, sizeof(s->targets));
    for (unsigned i = 0; i < s->num_cpu; i++) {
        GicCpu *c = &s->cpu[i];
        c->priv = (GicBank){ .level = c->priv.level, .edge = 0xffff, .enable = 0xffff };
        memset(c->priv_prio, 0, sizeof(c->priv_prio));
        memset(c->sgi_sources, 0, sizeof(c->sgi_sources));
        c->ctlr = c->pmr = c->apr = 0;
        c->bpr = 2;
        c->priv.level &= ~(1u << GIC_MAINT_PPI);
        c->irq_out.level = c->v.virq_out.level = c->v.vfiq_out.level = -1;
        gic_virt_reset(c);
        gic_virt_update(c);
    }
    gic_update(s);
    g_rec_mutex_unlock(&s->lock);
}

/* "arm,cortex-a15-gic" at the "reg-base" property (where the board maps
 * each CPU's view; 0: no node); with virt-ext also GICH and GICV, and the
 * maintenance interrupt. */
static void gic_fdt_node(DeviceState *dev, FdtBuilder *fdt)
{
    hwaddr d = ARM_GIC(dev)->reg_base, c = d + GIC_VIEW_CPUIF;
    if (!d) {
        return;
    }
    char *path = fdt_builder_device_path(fdt, "intc", d);
    char *label = fdt_device_label(dev);
    GICState *s = ARM_GIC(dev);
    uint64_t reg[] = { d, GICD_SIZE, c, GICC_SIZE, d + GIC_HYP_OFFSET, GICH_SIZE,
                       d + GIC_VCPU_OFFSET, GICC_SIZE };
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_string(fdt, path, "compatible", "arm,cortex-a15-gic");
    fdt_builder_prop_u32(fdt, path, "#interrupt-cells", 3);
    fdt_builder_prop_u32(fdt, path, "#address-cells", 2);
    fdt_builder_prop_u32(fdt, path, "#size-cells", 2);
    fdt_builder_prop_empty(fdt, path, "ranges");
    fdt_builder_prop_empty(fdt, path, "interrupt-controller");
    fdt_builder_prop_reg(fdt, path, reg, s->virt_ext ? 4 : 2);
    if (s->virt_ext) {
        /* PPI 9 (interrupt 25), level-high, on every CPU. */
        uint32_t maint[] = { 1, GIC_MAINT_PPI - 16, (((1u << s->num_cpu) - 1) << 8) | 4 };
        fdt_builder_prop_cells(fdt, path, "interrupts", maint, 3);
    }
    fdt_builder_set_phandle(fdt, path, label);
    g_free(label);
    g_free(path);
}

static void gic_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = gic_realize;
    dc->reset = gic_reset;
    dc->fdt_node = gic_fdt_node;
    object_class_add_field_properties(klass, gic_props);
}

static const TypeInfo gic_info = {
    .name = TYPE_ARM_GIC,
    .parent = TYPE_DEVICE,
    .category = "misc",
    .description = "Arm GICv2 interrupt controller",
    .target = "aarch64",
    .instance_size = sizeof(GICState),
    .class_size = sizeof(DeviceClass),
    .instance_init = gic_init,
    .instance_finalize = gic_finalize,
    .class_init = gic_class_init,
};

TESSERA_MODULE(.name = "arm-gic", .kind = "device", .types = TESSERA_TYPES(&gic_info));
