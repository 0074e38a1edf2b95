/* SPDX-License-Identifier: MIT */
/*
 * GICv3 LPIs in the redistributors (IHI 0069, 5.1): GICR_CTLR.EnableLPIs,
 * GICR_PROPBASER (the LPI configuration table in guest memory: one byte
 * per LPI from INTID 8192, priority in bits 7:2, enable in bit 0) and
 * GICR_PENDBASER.  LPIs are edge-triggered group 1 interrupts without an
 * active state: acknowledging one clears its pending bit.  The
 * configuration is read from guest memory whenever an LPI is considered
 * (nothing is cached: INV/INVALL only re-evaluate); the pending state is
 * held per redistributor in a bitmap.  Only an ITS makes LPIs pending
 * (gicv3_lpi_set).  INTIDs: 16 bits (GICD_TYPER.IDbits = 15), further
 * limited by PROPBASER.IDbits.
 */
#include "plugins/devices/arm-gicv3/gicv3.h"

#define LPI_WORDS ((1u << GIC_LPI_ID_BITS) / 64)
#define CTLR_ENABLE_LPIS (1u << 0)
#define PROPBASER_MASK (0x1full | (0x7ull << 7) | (0x3ull << 10) | \
                        (0xffffffffffull << 12) | (0x7ull << 56))
#define PROPBASER_PA(v) ((v) & (0xffffffffffull << 12))
#define PENDBASER_MASK ((0x7ull << 7) | (0x3ull << 10) | (0xfffffffffull << 16) | \
                        (0x7ull << 56))

/* INTIDs the configuration table covers (PROPBASER.IDbits + 1 bits). */
static uint32_t lpi_limit(const GicCpu *c)
{
    unsigned bits = MIN((unsigned)(c->propbaser & 0x1f) + 1, GIC_LPI_ID_BITS);
    return bits < 14 ? GIC_LPI_BASE : 1u << bits;
}

bool gicv3_lpi_redist_read(GICv3State *s, GicCpu *c, hwaddr off, unsigned size, uint64_t *v)
{
    if (!s->lpis) {
        return false;
    }
    uint64_t r;
    switch (off & ~7ull) {
    case GICR_CTLR:
        if (off != GICR_CTLR) {
            return false;
        }
        *v = c->lpis_enabled ? CTLR_ENABLE_LPIS : 0;
        return true;
    case GICR_PROPBASER: r = c->propbaser; break;
    case GICR_PENDBASER: r = c->pendbaser; break;
    case GICR_SYNCR:
        *v = 0;                   /* never busy */
        return true;
    default:
        return false;
    }
    *v = off & 4 ? r >> 32 : size == 4 ? (uint32_t)r : r;
    return true;
}

static void write_half(uint64_t *reg, hwaddr off, uint64_t v, unsigned size, uint64_t mask)
{
    uint64_t n = size == 8 ? v : off & 4 ? (*reg & 0xffffffffull) | v << 32
                                         : (*reg & ~0xffffffffull) | (uint32_t)v;
    *reg = n & mask;
}

bool gicv3_lpi_redist_write(GICv3State *s, GicCpu *c, hwaddr off, uint64_t v, unsigned size)
{
    if (!s->lpis) {
        return false;
    }
    switch (off & ~7ull) {
    case GICR_CTLR:
        if (off != GICR_CTLR) {
            return false;
        }
        c->lpis_enabled = v & CTLR_ENABLE_LPIS;
        return true;
    case GICR_PROPBASER:
    case GICR_PENDBASER:
        if (c->lpis_enabled) {
            log_mask(LOG_GUEST_ERROR, "arm-gicv3: GICR_%sBASER of CPU %u written while LPIs "
                     "are enabled: ignored\n", (off & ~7ull) == GICR_PROPBASER ? "PROP" : "PEND",
                     c->index);
            return true;
        }
        if ((off & ~7ull) == GICR_PROPBASER) {
            write_half(&c->propbaser, off, v, size, PROPBASER_MASK);
        } else {
            write_half(&c->pendbaser, off, v, size, PENDBASER_MASK);
        }
        return true;
    case GICR_SYNCR:
        return true;
    default:
        return false;
    }
}

/* The configuration byte of LPI @intid, 0 (disabled) outside the table
 * or when the table is not in RAM (read directly: the GIC lock is held,
 * and MMIO dispatch would take the device lock after it). */
static uint8_t lpi_config(GICv3State *s, GicCpu *c, uint32_t intid)
{
    uint64_t len = 0;
    const uint8_t *p = s->dma && intid < lpi_limit(c)
        ? address_space_get_host_ptr(s->dma, PROPBASER_PA(c->propbaser) +
                                     (intid - GIC_LPI_BASE), false, &len)
        : NULL;
    if (!p || !len) {
        log_mask(LOG_GUEST_ERROR, "arm-gicv3: LPI %u of CPU %u: no configuration in RAM "
                 "(GICR_PROPBASER 0x%" PRIx64 ")\n", intid, c->index, c->propbaser);
        return 0;
    }
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

unsigned gicv3_lpi_best(GICv3State *s, GicCpu *c, unsigned *prio)
{
    unsigned best = GIC_SPURIOUS, best_prio = 0x100;
    if (!c->lpis_enabled || !c->lpi_count) {
        *prio = best_prio;
        return best;
    }
    for (unsigned w = GIC_LPI_BASE / 64; w < LPI_WORDS; w++) {
        for (uint64_t bits = c->lpi_pending[w]; bits; bits &= bits - 1) {
            uint32_t intid = w * 64 + (unsigned)__builtin_ctzll(bits);
            uint8_t cfg = lpi_config(s, c, intid);
            unsigned p = cfg & GIC_PRIO_MASK;
            if ((cfg & 1) && p < best_prio) {
                best = intid;
                best_prio = p;
            }
        }
    }
    *prio = best_prio;
    return best;
}

static bool lpi_test(const GicCpu *c, uint32_t intid)
{
    return (c->lpi_pending[intid / 64] >> (intid % 64)) & 1;
}

static void lpi_change(GicCpu *c, uint32_t intid, bool pending)
{
    if (lpi_test(c, intid) == pending) {
        return;
    }
    c->lpi_pending[intid / 64] ^= 1ull << (intid % 64);
    if (pending) {
        c->lpi_count++;
    } else {
        c->lpi_count--;
    }
}

void gicv3_lpi_clear(GicCpu *c, unsigned intid)
{
    if (c->lpi_pending && intid >= GIC_LPI_BASE && intid < (1u << GIC_LPI_ID_BITS)) {
        lpi_change(c, intid, false);
    }
}

void gicv3_lpi_set(GICv3State *s, unsigned cpu, uint32_t intid, bool pending)
{
    if (!s->lpis || cpu >= s->num_cpu || intid < GIC_LPI_BASE ||
        intid >= (1u << GIC_LPI_ID_BITS)) {
        log_mask(LOG_GUEST_ERROR, "arm-gicv3: LPI %u for CPU %u is out of range\n", intid, cpu);
        return;
    }
    g_rec_mutex_lock(&s->lock);
    lpi_change(&s->cpu[cpu], intid, pending);
    gicv3_update(s);
    g_rec_mutex_unlock(&s->lock);
}

void gicv3_lpi_invalidate(GICv3State *s)
{
    g_rec_mutex_lock(&s->lock);
    gicv3_update(s);
    g_rec_mutex_unlock(&s->lock);
}

void gicv3_lpi_move(GICv3State *s, unsigned from, unsigned to, uint32_t intid)
{
    bool all = intid == UINT32_MAX;
    if (!s->lpis || from >= s->num_cpu || to >= s->num_cpu || from == to ||
        (!all && (intid < GIC_LPI_BASE || intid >= (1u << GIC_LPI_ID_BITS)))) {
        return;
    }
    g_rec_mutex_lock(&s->lock);
    GicCpu *a = &s->cpu[from], *b = &s->cpu[to];
    uint32_t lo = all ? GIC_LPI_BASE : intid, hi = all ? 1u << GIC_LPI_ID_BITS : intid + 1;
    for (uint32_t i = lo; i < hi && a->lpi_count; i++) {
        if (lpi_test(a, i)) {
            lpi_change(a, i, false);
            lpi_change(b, i, true);
        }
    }
    gicv3_update(s);
    g_rec_mutex_unlock(&s->lock);
}

void gicv3_lpi_realize(GICv3State *s)
{
    for (unsigned i = 0; s->lpis && i < s->num_cpu; i++) {
        s->cpu[i].lpi_pending = g_new0(uint64_t, LPI_WORDS);
    }
}

void gicv3_lpi_reset(GicCpu *c)
{
    c->lpis_enabled = false;
    c->propbaser = c->pendbaser = 0;
    c->lpi_count = 0;
    if (c->lpi_pending) {
        memset(c->lpi_pending, 0, LPI_WORDS * sizeof(uint64_t));
    }
}

void gicv3_lpi_free(GICv3State *s)
{
    for (unsigned i = 0; i < GIC_MAX_CPUS; i++) {
        g_free(s->cpu[i].lpi_pending);
        s->cpu[i].lpi_pending = NULL;
    }
}
