/* SPDX-License-Identifier: MIT */
/*
 * Arm GICv3 ("arm-gicv3"), after the GIC architecture specification
 * (IHI 0069): one security state (GICD_CTLR.DS = 1, no EL3), affinity
 * routing always on; LPIs with lpis=on (gicv3-lpi.c) for the ITS
 * (gicv3-its.c, type arm-gicv3-its); a virtual CPU interface for EL2
 * (gicv3-virt.c).  Group 0 interrupts are signalled as FIQ, group 1 as
 * IRQ.  Five bits of priority (32 levels, as QEMU's), so ICC_AP{0,1}R0 bit n is priority group n and the other AP registers
 * read as zero.
 *
 * MMIO 0: the distributor (64 KiB).  MMIO 1: the redistributors, one
 * 128 KiB pair of frames (RD_base, SGI_base) per CPU, CPU i at
 * 0x20000 * i; GICR_TYPER.Last marks the last one.
 * The CPU interface is the ICC_* system registers: on realize the GIC
 * installs itself on the machine's first num-cpu CPUs (cpu.h's hook);
 * without CPUs (device tests) it has no CPU interface.
 *
 * IRQ inputs: pins 0 .. num-irq-33 are SPIs 32 .. num-irq-1; then for CPU c
 * pins (num-irq - 32) + 32 * c + n are its private interrupt n (PPIs
 * 16..31; SGIs come from ICC_SGI*R only).  Interrupts configured as edge
 * (ICFGR) latch on a rising input; level ones are pending while high.
 * IRQ outputs: pin 2c = CPU c's IRQ, pin 2c + 1 its FIQ; pins 2 * num-cpu
 * + 2c and + 1 its virtual IRQ and FIQ (gicv3-virt.c: the ICH_* virtual
 * interface, maintenance interrupt PPI 25).
 * Properties: "num-cpu" (1..8), "num-irq" (64..1020, a multiple of 32).
 */
#include <string.h>

#include "plugins/devices/arm-gicv3/gicv3.h"

/* ---- per-interrupt state ------------------------------------------------- */

static GicBank *bank_of(GICv3State *s, GicCpu *c, unsigned irq)
{
    return irq < 32 ? &c->priv : &s->spi[irq / 32];
}

static uint8_t *prio_of(GICv3State *s, GicCpu *c, unsigned irq)
{
    return irq < 32 ? &c->priv_prio[irq] : &s->prio[irq];
}

static bool bank_bit(uint32_t word, unsigned irq)
{
    return (word >> (irq % 32)) & 1;
}

static bool irq_pending(const GicBank *b, unsigned irq)
{
    uint32_t m = 1u << (irq % 32);
    return (b->latch & m) || ((b->level & m) && !(b->edge & m));
}

/* The CPU an SPI goes to: IROUTER's affinity, or CPU 0 for IRM = 1. */
static GicCpu *spi_target(GICv3State *s, unsigned irq)
{
    uint64_t r = s->irouter[irq];
    if (r & IROUTER_IRM) {
        return &s->cpu[0];
    }
    uint64_t aff = (r & 0xffffffull) | ((r >> 32 & 0xff) << 32);
    for (unsigned i = 0; i < s->num_cpu; i++) {
        if (s->cpu[i].affinity == aff) {
            return &s->cpu[i];
        }
    }
    return NULL;
}

static unsigned running_prio(const GicCpu *c)
{
    uint32_t apr = c->apr0 | c->apr1;
    return apr ? (unsigned)__builtin_ctz(apr) << 3 : GIC_IDLE_PRIO;
}

static bool group_enabled(GICv3State *s, GicCpu *c, bool grp1)
{
    return grp1 ? (s->ctlr & GICD_CTLR_EN_GRP1) && c->igrpen1
                : (s->ctlr & GICD_CTLR_EN_GRP0) && c->igrpen0;
}

/* Highest-priority pending, enabled, inactive interrupt of CPU @c (of
 * group @grp, or either for -1), or GIC_SPURIOUS. */
static unsigned best_pending(GICv3State *s, GicCpu *c, int grp, unsigned *prio_out)
{
    unsigned best = GIC_SPURIOUS, best_prio = 0x100;
    for (unsigned irq = 0; irq < s->num_irq; irq++) {
        if (irq % 32 == 0) {
            GicBank *b = bank_of(s, c, irq);
            if (!((b->latch | (b->level & ~b->edge)) & b->enable & ~b->active)) {
                irq += 31;
                continue;
            }
        }
        GicBank *b = bank_of(s, c, irq);
        if (!bank_bit(b->enable, irq) || bank_bit(b->active, irq) || !irq_pending(b, irq)) {
            continue;
        }
        bool g1 = bank_bit(b->group, irq);
        if ((grp >= 0 && g1 != (grp == 1)) || !group_enabled(s, c, g1)) {
            continue;
        }
        if (irq >= 32 && spi_target(s, irq) != c) {
            continue;
        }
        unsigned p = *prio_of(s, c, irq) & GIC_PRIO_MASK;
        if (p < best_prio) {
            best = irq;
            best_prio = p;
        }
    }
    if (grp != 0 && group_enabled(s, c, true)) {
        unsigned lprio;
        unsigned lpi = gicv3_lpi_best(s, c, &lprio);
        if (lpi != GIC_SPURIOUS && lprio < best_prio) {
            best = lpi;
            best_prio = lprio;
        }
    }
    *prio_out = best_prio;
    return best;
}

static void gic_update_cpu(GICv3State *s, GicCpu *c)
{
    unsigned prio;
    unsigned irq = best_pending(s, c, -1, &prio);
    bool signal = irq != GIC_SPURIOUS && prio < (c->pmr & GIC_PRIO_MASK) &&
                  prio < running_prio(c);
    bool g1 = signal && (irq >= GIC_LPI_BASE || bank_bit(bank_of(s, c, irq)->group, irq));
    irq_set(c->irq, signal && g1);
    irq_set(c->fiq, signal && !g1);
}

static void gic_update(GICv3State *s)
{
    for (unsigned i = 0; i < s->num_cpu; i++) {
        gic_update_cpu(s, &s->cpu[i]);
    }
}

void gicv3_update(GICv3State *s)
{
    gic_update(s);
}

static void gic_set_irq(void *opaque, int n, int level)
{
    GICv3State *s = opaque;
    unsigned nspi = s->num_irq - 32;
    g_rec_mutex_lock(&s->lock);
    GicBank *b;
    unsigned irq;
    if ((unsigned)n < nspi) {
        irq = 32 + n;
        b = &s->spi[irq / 32];
    } else {
        unsigned cpu = (n - nspi) / 32;
        irq = (n - nspi) % 32;
        b = &s->cpu[cpu].priv;
    }
    uint32_t m = 1u << (irq % 32);
    if (level && !(b->level & m) && (b->edge & m)) {
        b->latch |= m;
    }
    b->level = level ? b->level | m : b->level & ~m;
    gic_update(s);
    g_rec_mutex_unlock(&s->lock);
}

/* ---- bit-array registers (IGROUPR, I[SC]ENABLER, ...) -------------------- */

typedef enum { BITS_GROUP, BITS_SET_EN, BITS_CLR_EN, BITS_SET_PEND, BITS_CLR_PEND,
               BITS_SET_ACT, BITS_CLR_ACT } BitsReg;

static const struct { uint32_t base; BitsReg kind; } bits_regs[] = {
    { GICD_IGROUPR, BITS_GROUP }, { GICD_ISENABLER, BITS_SET_EN },
    { GICD_ICENABLER, BITS_CLR_EN }, { GICD_ISPENDR, BITS_SET_PEND },
    { GICD_ICPENDR, BITS_CLR_PEND }, { GICD_ISACTIVER, BITS_SET_ACT },
    { GICD_ICACTIVER, BITS_CLR_ACT },
};

static uint32_t bits_read(GicBank *b, BitsReg kind)
{
    switch (kind) {
    case BITS_GROUP: return b->group;
    case BITS_SET_EN: case BITS_CLR_EN: return b->enable;
    case BITS_SET_PEND: case BITS_CLR_PEND: return b->latch | (b->level & ~b->edge);
    default: return b->active;
    }
}

static void bits_write(GicBank *b, BitsReg kind, uint32_t v)
{
    switch (kind) {
    case BITS_GROUP: b->group = v; break;
    case BITS_SET_EN: b->enable |= v; break;
    case BITS_CLR_EN: b->enable &= ~v; break;
    case BITS_SET_PEND: b->latch |= v; break;
    case BITS_CLR_PEND: b->latch &= ~v; break;
    case BITS_SET_ACT: b->active |= v; break;
    case BITS_CLR_ACT: b->active &= ~v; break;
    }
}

/* A register of the 0x080..0x3ff bit arrays: its kind and word index. */
static bool bits_decode(hwaddr off, BitsReg *kind, unsigned *word)
{
    for (size_t i = 0; i < G_N_ELEMENTS(bits_regs); i++) {
        if (off >= bits_regs[i].base && off < bits_regs[i].base + 0x80) {
            *kind = bits_regs[i].kind;
            *word = (off - bits_regs[i].base) / 4;
            return true;
        }
    }
    return false;
}

/* ICFGR word @w (16 interrupts from 16 * w): bit 2k+1 = edge. */
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

/* ---- distributor --------------------------------------------------------- */

static uint64_t dist_read_locked(GICv3State *s, hwaddr off, unsigned size)
{
    BitsReg kind;
    unsigned w;
    if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + GIC_MAX_IRQS) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            unsigned irq = off - GICD_IPRIORITYR + i;
            v |= (uint64_t)(irq >= 32 && irq < s->num_irq ? s->prio[irq] : 0) << (8 * i);
        }
        return v;
    }
    if (off >= GICD_IROUTER + 8 * 32 && off < GICD_IROUTER + 8 * GIC_MAX_IRQS) {
        unsigned irq = (off - GICD_IROUTER) / 8;
        uint64_t v = irq < s->num_irq ? s->irouter[irq] : 0;
        return off % 8 ? v >> 32 : size == 4 ? (uint32_t)v : v;
    }
    if (bits_decode(off, &kind, &w)) {
        return w >= 1 && w < s->num_irq / 32 ? bits_read(&s->spi[w], kind) : 0;
    }
    if (off >= GICD_ICFGR && off < GICD_ICFGR + GIC_MAX_IRQS / 4) {
        w = (off - GICD_ICFGR) / 4;
        return w >= 2 && w < s->num_irq / 16 ? cfg_read(&s->spi[w / 2], w) : 0;
    }
    if (off >= GICD_IGRPMODR && off < GICD_IGRPMODR + 0x80) {
        return 0; /* DS = 1: no group modifiers */
    }
    switch (off) {
    case GICD_CTLR:
        return s->ctlr | GICD_CTLR_DS | GICD_CTLR_ARE;
    case GICD_TYPER:
        /* ITLinesNumber, IDbits = 9 (10 bits) or with LPIs 15 (LPIS), no
         * security. */
        return (s->num_irq / 32 - 1) | ((s->lpis ? GIC_LPI_ID_BITS - 1 : 9u) << 19) |
               (s->lpis ? 1u << 17 : 0) | ((s->num_cpu - 1) << 5);
    case GICD_IIDR:
        return ARM_GIC_IIDR;
    case GICD_TYPER2:
    case GICD_STATUSR:
        return 0;
    case GICD_PIDR2:
        return 0x3b;
    }
    log_mask(LOG_GUEST_ERROR, "arm-gicv3: read of unknown distributor register 0x%" PRIx64
             "\n", (uint64_t)off);
    return 0;
}

static void dist_write_locked(GICv3State *s, hwaddr off, uint64_t v, unsigned size)
{
    BitsReg kind;
    unsigned w;
    if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + GIC_MAX_IRQS) {
        for (unsigned i = 0; i < size; i++) {
            unsigned irq = off - GICD_IPRIORITYR + i;
            if (irq >= 32 && irq < s->num_irq) {
                s->prio[irq] = (v >> (8 * i)) & GIC_PRIO_MASK;
            }
        }
        return;
    }
    if (off >= GICD_IROUTER + 8 * 32 && off < GICD_IROUTER + 8 * GIC_MAX_IRQS) {
        unsigned irq = (off - GICD_IROUTER) / 8;
        if (irq < s->num_irq) {
            uint64_t mask = 0xff000000ffffffffull & ~0x7f000000ull;
            uint64_t old = s->irouter[irq];
            uint64_t nv = size == 8 ? v : off % 8 ? (old & 0xffffffffull) | v << 32
                                                  : (old & ~0xffffffffull) | (uint32_t)v;
            s->irouter[irq] = nv & mask;
        }
        return;
    }
    if (bits_decode(off, &kind, &w)) {
        if (w >= 1 && w < s->num_irq / 32) {
            bits_write(&s->spi[w], kind, (uint32_t)v);
        }
        return;
    }
    if (off >= GICD_ICFGR && off < GICD_ICFGR + GIC_MAX_IRQS / 4) {
        w = (off - GICD_ICFGR) / 4;
        if (w >= 2 && w < s->num_irq / 16) {
            cfg_write(&s->spi[w / 2], w, (uint32_t)v);
        }
        return;
    }
    if (off >= GICD_IGRPMODR && off < GICD_IGRPMODR + 0x80) {
        return;
    }
    if (off == GICD_CTLR) {
        s->ctlr = v & (GICD_CTLR_EN_GRP0 | GICD_CTLR_EN_GRP1);
        return;
    }
    log_mask(LOG_GUEST_ERROR, "arm-gicv3: write of unknown or read-only distributor register"
             " 0x%" PRIx64 "\n", (uint64_t)off);
}

static uint64_t dist_read(void *opaque, hwaddr off, unsigned size)
{
    GICv3State *s = opaque;
    g_rec_mutex_lock(&s->lock);
    uint64_t v = dist_read_locked(s, off, size);
    g_rec_mutex_unlock(&s->lock);
    return v;
}

static void dist_write(void *opaque, hwaddr off, uint64_t v, unsigned size)
{
    GICv3State *s = opaque;
    g_rec_mutex_lock(&s->lock);
    dist_write_locked(s, off, v, size);
    gic_update(s);
    g_rec_mutex_unlock(&s->lock);
}

/* ---- redistributors ------------------------------------------------------ */

static uint64_t redist_read_locked(GICv3State *s, GicCpu *c, hwaddr off, unsigned size)
{
    BitsReg kind;
    unsigned w;
    if (off >= GICR_SGI_OFFSET) {
        off -= GICR_SGI_OFFSET;
        if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + 32) {
            uint64_t v = 0;
            for (unsigned i = 0; i < size && off - GICD_IPRIORITYR + i < 32; i++) {
                v |= (uint64_t)c->priv_prio[off - GICD_IPRIORITYR + i] << (8 * i);
            }
            return v;
        }
        if (bits_decode(off, &kind, &w)) {
            return w == 0 ? bits_read(&c->priv, kind) : 0;
        }
        if (off == GICD_ICFGR || off == GICD_ICFGR + 4) {
            return cfg_read(&c->priv, (off - GICD_ICFGR) / 4);
        }
        if (off == GICD_IGRPMODR) {
            return 0;
        }
        log_mask(LOG_GUEST_ERROR, "arm-gicv3: read of unknown SGI_base register 0x%" PRIx64
                 "\n", (uint64_t)off);
        return 0;
    }
    uint64_t lv;
    if (gicv3_lpi_redist_read(s, c, off, size, &lv)) {
        return lv;
    }
    switch (off) {
    case GICR_CTLR:
    case GICR_STATUSR:
        return 0;
    case GICR_IIDR:
        return ARM_GIC_IIDR;
    case GICR_TYPER:
    case GICR_TYPER + 4: {
        uint64_t aff = (c->affinity & 0xffffff) | ((c->affinity >> 32 & 0xff) << 24);
        uint64_t v = aff << 32 | (uint64_t)c->index << 8 |
                     (c->index == s->num_cpu - 1 ? 1u << 4 : 0) | (s->lpis ? 1u : 0); /* PLPIS */
        return off == GICR_TYPER + 4 ? v >> 32 : size == 4 ? (uint32_t)v : v;
    }
    case GICR_WAKER:
        return c->waker;
    case GICR_PIDR2:
        return 0x3b;
    }
    log_mask(LOG_GUEST_ERROR, "arm-gicv3: read of unknown RD_base register 0x%" PRIx64 "\n",
             (uint64_t)off);
    return 0;
}

static void redist_write_locked(GICv3State *s, GicCpu *c, hwaddr off, uint64_t v, unsigned size)
{
    BitsReg kind;
    unsigned w;
    if (off >= GICR_SGI_OFFSET) {
        off -= GICR_SGI_OFFSET;
        if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + 32) {
            for (unsigned i = 0; i < size && off - GICD_IPRIORITYR + i < 32; i++) {
                c->priv_prio[off - GICD_IPRIORITYR + i] = (v >> (8 * i)) & GIC_PRIO_MASK;
            }
            return;
        }
        if (bits_decode(off, &kind, &w)) {
            if (w == 0) {
                bits_write(&c->priv, kind, (uint32_t)v);
            }
            return;
        }
        if (off == GICD_ICFGR + 4) {
            cfg_write(&c->priv, 1, (uint32_t)v); /* PPIs; SGIs (ICFGR0) are always edge */
            return;
        }
        if (off == GICD_ICFGR || off == GICD_IGRPMODR) {
            return;
        }
        log_mask(LOG_GUEST_ERROR, "arm-gicv3: write of unknown SGI_base register 0x%" PRIx64
                 "\n", (uint64_t)off);
        return;
    }
    if (gicv3_lpi_redist_write(s, c, off, v, size)) {
        return;
    }
    switch (off) {
    case GICR_CTLR:
    case GICR_STATUSR:
        return;
    case GICR_WAKER:
        /* ChildrenAsleep follows ProcessorSleep at once. */
        c->waker = v & GICR_WAKER_PSLEEP ? GICR_WAKER_PSLEEP | GICR_WAKER_CASLEEP : 0;
        return;
    }
    log_mask(LOG_GUEST_ERROR, "arm-gicv3: write of unknown or read-only RD_base register 0x%"
             PRIx64 "\n", (uint64_t)off);
}

static uint64_t redist_read(void *opaque, hwaddr off, unsigned size)
{
    GICv3State *s = opaque;
    g_rec_mutex_lock(&s->lock);
    uint64_t v = redist_read_locked(s, &s->cpu[off / GICR_STRIDE], off % GICR_STRIDE, size);
    g_rec_mutex_unlock(&s->lock);
    return v;
}

static void redist_write(void *opaque, hwaddr off, uint64_t v, unsigned size)
{
    GICv3State *s = opaque;
    g_rec_mutex_lock(&s->lock);
    redist_write_locked(s, &s->cpu[off / GICR_STRIDE], off % GICR_STRIDE, v, size);
    gic_update(s);
    g_rec_mutex_unlock(&s->lock);
}

static const MemoryRegionOps dist_ops = {
    .read = dist_read,
    .write = dist_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

static const MemoryRegionOps redist_ops = {
    .read = redist_read,
    .write = redist_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/* ---- CPU interface (system registers) ------------------------------------ */

static uint64_t icc_acknowledge(GICv3State *s, GicCpu *c, int grp)
{
    unsigned prio;
    unsigned irq = best_pending(s, c, grp, &prio);
    if (irq == GIC_SPURIOUS || prio >= (c->pmr & GIC_PRIO_MASK) || prio >= running_prio(c)) {
        return GIC_SPURIOUS;
    }
    if (irq >= GIC_LPI_BASE) {
        gicv3_lpi_clear(c, irq);      /* LPIs have no active state */
    } else {
        GicBank *b = bank_of(s, c, irq);
        uint32_t m = 1u << (irq % 32);
        b->latch &= ~m;
        b->active |= m;
    }
    if (grp) {
        c->apr1 |= 1u << (prio >> 3);
    } else {
        c->apr0 |= 1u << (prio >> 3);
    }
    return irq;
}

void gicv3_deactivate(GICv3State *s, GicCpu *c, unsigned irq)
{
    if (irq < s->num_irq) {
        bank_of(s, c, irq)->active &= ~(1u << (irq % 32));
    }
}

/* EOI: drop the running priority (the highest active group); with
 * EOImode 0 also deactivate. */
static void icc_eoi(GICv3State *s, GicCpu *c, unsigned irq, int grp)
{
    uint32_t apr = c->apr0 | c->apr1;
    if (apr) {
        uint32_t lowest = apr & -apr;
        c->apr0 &= ~lowest;
        c->apr1 &= ~lowest;
    }
    if (!(c->ctlr & ICC_CTLR_EOIMODE)) {
        gicv3_deactivate(s, c, irq & 0xffffff);
    }
}

static void icc_generate_sgi(GICv3State *s, GicCpu *self, uint64_t v, bool grp1)
{
    unsigned sgi = (v >> 24) & 0xf;
    bool all = (v >> 40) & 1;
    uint64_t aff321 = ((v >> 16 & 0xff) << 8) | ((v >> 32 & 0xff) << 16) |
                      ((v >> 48 & 0xffull) << 32);
    unsigned rs = (v >> 44) & 0xf;
    for (unsigned i = 0; i < s->num_cpu; i++) {
        GicCpu *t = &s->cpu[i];
        bool hit;
        if (all) {
            hit = t != self;
        } else {
            uint64_t taff = t->affinity;
            uint64_t t321 = ((taff >> 8 & 0xff) << 8) | ((taff >> 16 & 0xff) << 16) |
                            ((taff >> 32 & 0xff) << 32);
            unsigned aff0 = taff & 0xff;
            hit = t321 == aff321 && aff0 / 16 == rs && ((v >> (aff0 % 16)) & 1);
        }
        if (hit && bank_bit(t->priv.group, sgi) == grp1) {
            t->priv.latch |= 1u << sgi;
        }
    }
}

static uint64_t icc_read(void *opaque, uint32_t enc)
{
    GicCpu *c = opaque;
    GICv3State *s = c->gic;
    unsigned prio;
    uint64_t v = 0;
    g_rec_mutex_lock(&s->lock);
    if (gicv3_virt_read(c, enc, &v)) {
        gicv3_virt_update(c);
        gic_update_cpu(s, c);
        g_rec_mutex_unlock(&s->lock);
        return v;
    }
    switch (enc) {
    case ICC_PMR: v = c->pmr; break;
    case ICC_IAR0: v = icc_acknowledge(s, c, 0); break;
    case ICC_IAR1: v = icc_acknowledge(s, c, 1); break;
    case ICC_HPPIR0: v = best_pending(s, c, 0, &prio); break;
    case ICC_HPPIR1: v = best_pending(s, c, 1, &prio); break;
    case ICC_BPR0: v = c->bpr0; break;
    case ICC_BPR1: v = (c->ctlr & ICC_CTLR_CBPR) ? MIN(c->bpr0 + 1, 7) : c->bpr1; break;
    case ICC_AP0R0: v = c->apr0; break;
    case ICC_AP1R0: v = c->apr1; break;
    case ICC_RPR: v = running_prio(c); break;
    case ICC_CTLR: v = c->ctlr | ICC_CTLR_PRIBITS; break;
    case ICC_SRE: v = 0x7; break;          /* SRE, DFB, DIB: always on */
    case ICC_SRE_EL2: v = 0xf; break;      /* + Enable (EL1 may use SRE) */
    case ICC_IGRPEN0: v = c->igrpen0; break;
    case ICC_IGRPEN1: v = c->igrpen1; break;
    default:
        v = 0; /* ICC_AP{0,1}R1..3: RAZ with five priority bits */
        break;
    }
    gic_update_cpu(s, c);
    g_rec_mutex_unlock(&s->lock);
    return v;
}

static void icc_write(void *opaque, uint32_t enc, uint64_t v)
{
    GicCpu *c = opaque;
    GICv3State *s = c->gic;
    g_rec_mutex_lock(&s->lock);
    if (gicv3_virt_write(c, enc, v)) {
        gicv3_virt_update(c);
        gic_update(s);
        g_rec_mutex_unlock(&s->lock);
        return;
    }
    switch (enc) {
    case ICC_PMR: c->pmr = v & GIC_PRIO_MASK; break;
    case ICC_EOIR0: icc_eoi(s, c, (unsigned)v, 0); break;
    case ICC_EOIR1: icc_eoi(s, c, (unsigned)v, 1); break;
    case ICC_DIR: gicv3_deactivate(s, c, v & 0xffffff); break;
    case ICC_BPR0: c->bpr0 = MAX(v & 7, 2); break;
    case ICC_BPR1: c->bpr1 = MAX(v & 7, 3); break;
    case ICC_AP0R0: c->apr0 = (uint32_t)v; break;
    case ICC_AP1R0: c->apr1 = (uint32_t)v; break;
    case ICC_CTLR: c->ctlr = v & (ICC_CTLR_CBPR | ICC_CTLR_EOIMODE); break;
    case ICC_IGRPEN0: c->igrpen0 = v & 1; break;
    case ICC_IGRPEN1: c->igrpen1 = v & 1; break;
    case ICC_SGI0R: icc_generate_sgi(s, c, v, false); break;
    case ICC_SGI1R:
    case ICC_ASGI1R: icc_generate_sgi(s, c, v, true); break;
    default:
        break; /* ICC_SRE*: fixed; ICC_AP{0,1}R1..3: WI */
    }
    gic_update(s);
    g_rec_mutex_unlock(&s->lock);
}

static const ARMGicCpuIfOps icc_ops = {
    .read = icc_read,
    .write = icc_write,
};

/* ---- device -------------------------------------------------------------- */

static const PropertyInfo gic_props[] = {
    PROP_UINT32("num-cpu", GICv3State, num_cpu, 1, "Number of CPUs (redistributors)"),
    PROP_UINT32("num-irq", GICv3State, num_irq, 288,
                "Number of interrupt ids (32 private + SPIs), a multiple of 32"),
    PROP_BOOL("lpis", GICv3State, lpis, false,
              "LPIs in the redistributors (GICR_PROPBASER/PENDBASER), for an ITS"),
    PROP_BOOL("virt-ext", GICv3State, virt_ext, false,
              "A hypervisor uses the virtual CPU interface: the device tree names its "
              "maintenance interrupt (PPI 25)"),
    PROP_END
};

static void gic_init(Object *obj)
{
    GICv3State *s = ARM_GICV3(obj);
    g_rec_mutex_init(&s->lock);
    memory_region_init_io(&s->dist_mmio, obj, &dist_ops, s, "gicv3_dist", GICD_SIZE);
    device_init_mmio(DEVICE(obj), &s->dist_mmio);
}

static void gic_finalize(Object *obj)
{
    GICv3State *s = ARM_GICV3(obj);
    gicv3_lpi_free(s);
    g_rec_mutex_clear(&s->lock);
}

static bool gic_realize(DeviceState *dev, GError **errp)
{
    GICv3State *s = ARM_GICV3(dev);
    if (s->num_cpu < 1 || s->num_cpu > GIC_MAX_CPUS) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_OUT_OF_RANGE,
                    "arm-gicv3: num-cpu=%u is out of range (1..%u)", s->num_cpu, GIC_MAX_CPUS);
        return false;
    }
    if (s->num_irq < 64 || s->num_irq > GIC_MAX_IRQS || s->num_irq % 32) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_OUT_OF_RANGE,
                    "arm-gicv3: num-irq=%u must be a multiple of 32 in 64..%u", s->num_irq,
                    GIC_MAX_IRQS / 32 * 32);
        return false;
    }
    memory_region_init_io(&s->redist_mmio, OBJECT(dev), &redist_ops, s, "gicv3_redist",
                          (uint64_t)GICR_STRIDE * s->num_cpu);
    device_init_mmio(dev, &s->redist_mmio);
    device_init_irq_in(dev, gic_set_irq, (int)(s->num_irq - 32 + 32 * s->num_cpu));
    gicv3_lpi_realize(s);
    MachineState *ms = machine_current();
    for (unsigned i = 0; i < s->num_cpu; i++) {
        GicCpu *c = &s->cpu[i];
        c->gic = s;
        c->index = i;
        c->affinity = i;
        device_init_irq_out(dev, &c->irq);
        device_init_irq_out(dev, &c->fiq);
        Object *cpu = ms && ms->cpus && i < ms->cpus->len ? g_ptr_array_index(ms->cpus, i)
                                                          : NULL;
        ARMCPU *acpu = cpu ? (ARMCPU *)object_dynamic_cast(cpu, TYPE_ARM_CPU) : NULL;
        if (acpu) {
            c->affinity = acpu->mp_affinity;
            arm_cpu_set_gic_cpuif(acpu, &icc_ops, c);
        }
    }
    for (unsigned i = 0; i < s->num_cpu; i++) {
        device_init_irq_out(dev, &s->cpu[i].v.virq);
        device_init_irq_out(dev, &s->cpu[i].v.vfiq);
    }
    return true;
}

static void gic_unrealize(DeviceState *dev)
{
    GICv3State *s = ARM_GICV3(dev);
    MachineState *ms = machine_current();
    for (unsigned i = 0; ms && ms->cpus && i < s->num_cpu && i < ms->cpus->len; i++) {
        ARMCPU *acpu = (ARMCPU *)object_dynamic_cast(g_ptr_array_index(ms->cpus, i),
                                                     TYPE_ARM_CPU);
        if (acpu && acpu->gic_opaque == &s->cpu[i]) {
            arm_cpu_set_gic_cpuif(acpu, NULL, NULL);
        }
    }
}

static void gic_reset(DeviceState *dev)
{
    GICv3State *s = ARM_GICV3(dev);
    g_rec_mutex_lock(&s->lock);
    s->ctlr = 0;
    for (unsigned w = 0; w < G_N_ELEMENTS(s->spi); w++) {
        uint32_t level = s->spi[w].level;
        s->spi[w] = (GicBank){ .level = level };
    }
    memset(s->prio, 0, sizeof(s->prio));
    memset(s->irouter, 0, sizeof(s->irouter));
    for (unsigned i = 0; i < s->num_cpu; i++) {
        GicCpu *c = &s->cpu[i];
        c->priv = (GicBank){ .level = c->priv.level, .edge = 0xffff };
        memset(c->priv_prio, 0, sizeof(c->priv_prio));
        c->waker = GICR_WAKER_PSLEEP | GICR_WAKER_CASLEEP;
        c->pmr = c->ctlr = c->igrpen0 = c->igrpen1 = c->apr0 = c->apr1 = 0;
        c->bpr0 = 2;
        c->bpr1 = 3;
        gicv3_virt_reset(c);
        gicv3_lpi_reset(c);
    }
    if (s->lpis && !s->dma) {
        s->dma = device_dma_address_space(dev);
    }
    gic_update(s);
    g_rec_mutex_unlock(&s->lock);
}

/* /intc: "arm,gic-v3" with the distributor and redistributor regions. */
static void gic_fdt_node(DeviceState *dev, FdtBuilder *fdt)
{
    GICv3State *s = ARM_GICV3(dev);
    hwaddr d = dev->mmio_addr[0], r = dev->num_mmio > 1 ? dev->mmio_addr[1] : HWADDR_UNMAPPED;
    if (d == HWADDR_UNMAPPED || r == HWADDR_UNMAPPED) {
        return;
    }
    char *path = fdt_builder_device_path(fdt, "intc", d);
    char *label = fdt_device_label(dev);
    uint64_t reg[] = { d, GICD_SIZE, r, (uint64_t)GICR_STRIDE * s->num_cpu };
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_string(fdt, path, "compatible", "arm,gic-v3");
    fdt_builder_prop_u32(fdt, path, "#interrupt-cells", 3);
    fdt_builder_prop_u32(fdt, path, "#address-cells", 2);
    fdt_builder_prop_u32(fdt, path, "#size-cells", 2);
    fdt_builder_prop_empty(fdt, path, "ranges");
    fdt_builder_prop_empty(fdt, path, "interrupt-controller");
    fdt_builder_prop_u32(fdt, path, "#redistributor-regions", 1);
    fdt_builder_prop_reg(fdt, path, reg, 2);
    if (s->virt_ext) {
        /* The virtual interface's maintenance interrupt: PPI 9, level-high. */
        uint32_t maint[] = { 1, GIC_MAINT_PPI - 16, 4 };
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
    dc->unrealize = gic_unrealize;
    dc->reset = gic_reset;
    dc->fdt_node = gic_fdt_node;
    object_class_add_field_properties(klass, gic_props);
}

static const TypeInfo gic_info = {
    .name = TYPE_ARM_GICV3,
    .parent = TYPE_DEVICE,
    .category = "misc",
    .description = "Arm GICv3 interrupt controller",
    .target = "aarch64",
    .instance_size = sizeof(GICv3State),
    .class_size = sizeof(DeviceClass),
    .instance_init = gic_init,
    .instance_finalize = gic_finalize,
    .class_init = gic_class_init,
};

TESSERA_MODULE(.name = "arm-gicv3", .kind = "device",
               .types = TESSERA_TYPES(&gic_info, &gicv3_its_info));
