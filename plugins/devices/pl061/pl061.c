/* SPDX-License-Identifier: MIT */
/*
 * ARM PrimeCell GPIO PL061 ("pl061"), after the PL061 Technical Reference
 * Manual (DDI 0190): eight lines, each an input or (GPIODIR) an output, with
 * level or edge (one or both) interrupts.
 *
 * MMIO (4 KiB, 32-bit): 0x000-0x3fc GPIODATA (address bits 9:2 mask the
 * lines a read returns or a write changes), 0x400 DIR, 0x404 IS (1 level),
 * 0x408 IBE (both edges), 0x40c IEV (1 rising / high), 0x410 IE, 0x414 RIS,
 * 0x418 MIS, 0x41c IC, 0x420 AFSEL, 0xfe0-0xffc peripheral/PrimeCell ids.
 * IRQ inputs: pins 0-7, the lines as driven from outside (a line set as an
 * output ignores its input).  IRQ outputs: pin 0 the interrupt (RIS & IE),
 * pins 1-8 the lines driven as outputs (low while inputs).
 */
#include "kernel/device.h"
#include "kernel/log.h"
#include "kernel/module.h"

#define TYPE_PL061 "pl061"
#define PL061_MMIO_SIZE 0x1000
#define PL061_LINES 8

enum {
    REG_DATA_END = 0x400,
    REG_DIR = 0x400,
    REG_IS = 0x404,
    REG_IBE = 0x408,
    REG_IEV = 0x40c,
    REG_IE = 0x410,
    REG_RIS = 0x414,
    REG_MIS = 0x418,
    REG_IC = 0x41c,
    REG_AFSEL = 0x420,
    REG_ID_BASE = 0xfe0,
};

static const uint8_t pl061_ids[8] = { 0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

typedef struct PL061State {
    DeviceState parent_obj;
    MemoryRegion mmio;
    uint8_t in;                /* levels driven from outside */
    uint8_t out;               /* GPIODATA written for output lines */
    uint8_t dir, is, ibe, iev, ie, ris, afsel;
    uint8_t last;              /* line levels at the last evaluation */
    IRQLine *irq;
    IRQLine *line[PL061_LINES];
} PL061State;

OBJECT_DECLARE_SIMPLE_TYPE(PL061State, PL061, TYPE_PL061)

static uint8_t levels(PL061State *s)
{
    return (uint8_t)((s->out & s->dir) | (s->in & ~s->dir));
}

/* Latch edges since the last evaluation, level interrupts from the current
 * state, then drive the outputs. */
static void update(PL061State *s)
{
    uint8_t now = levels(s);
    uint8_t changed = now ^ s->last;
    uint8_t rising = changed & now, falling = changed & ~now;
    uint8_t edge = (uint8_t)~s->is;
    s->ris |= edge & ((s->ibe & changed) | (~s->ibe & ((s->iev & rising) | (~s->iev & falling))));
    /* Level-sensitive lines: RIS follows the level (IEV: active high). */
    uint8_t active = (uint8_t)((now & s->iev) | (~now & ~s->iev));
    s->ris = (s->ris & edge) | (s->is & active);
    s->last = now;
    irq_set(s->irq, (s->ris & s->ie) != 0);
    for (int i = 0; i < PL061_LINES; i++) {
        irq_set(s->line[i], (s->dir >> i) & (s->out >> i) & 1);
    }
}

static void pl061_set_line(void *opaque, int n, int level)
{
    PL061State *s = opaque;
    s->in = level ? s->in | (1u << n) : s->in & ~(1u << n);
    update(s);
}

static uint64_t pl061_read(void *opaque, hwaddr addr, unsigned size)
{
    PL061State *s = opaque;
    if (addr < REG_DATA_END) {
        return levels(s) & (addr >> 2);
    }
    if (addr >= REG_ID_BASE && addr < PL061_MMIO_SIZE) {
        return pl061_ids[(addr - REG_ID_BASE) >> 2];
    }
    switch (addr) {
    case REG_DIR: return s->dir;
    case REG_IS: return s->is;
    case REG_IBE: return s->ibe;
    case REG_IEV: return s->iev;
    case REG_IE: return s->ie;
    case REG_RIS: return s->ris;
    case REG_MIS: return s->ris & s->ie;
    case REG_AFSEL: return s->afsel;
    }
    log_mask(LOG_GUEST_ERROR, "pl061: read of unknown or write-only offset 0x%" HWADDR_PRIx
             "\n", addr);
    return 0;
}

static void pl061_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    PL061State *s = opaque;
    uint8_t v = (uint8_t)value;
    if (addr < REG_DATA_END) {
        uint8_t mask = (uint8_t)(addr >> 2) & s->dir;
        s->out = (s->out & ~mask) | (v & mask);
        update(s);
        return;
    }
    switch (addr) {
    case REG_DIR: s->dir = v; break;
    case REG_IS: s->is = v; break;
    case REG_IBE: s->ibe = v; break;
    case REG_IEV: s->iev = v; break;
    case REG_IE: s->ie = v; break;
    case REG_IC: s->ris &= ~v; break;
    case REG_AFSEL: s->afsel = v; break;
    default:
        log_mask(LOG_GUEST_ERROR, "pl061: write of unknown or read-only offset 0x%"
                 HWADDR_PRIx "\n", addr);
        return;
    }
    update(s);
}

static const MemoryRegionOps pl061_ops = {
    .read = pl061_read,
    .write = pl061_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static void pl061_init(Object *obj)
{
    PL061State *s = PL061(obj);
    memory_region_init_io(&s->mmio, obj, &pl061_ops, s, "pl061", PL061_MMIO_SIZE);
    device_init_mmio(DEVICE(obj), &s->mmio);
    device_init_irq_out(DEVICE(obj), &s->irq);
    for (int i = 0; i < PL061_LINES; i++) {
        device_init_irq_out(DEVICE(obj), &s->line[i]);
    }
    device_init_irq_in(DEVICE(obj), pl061_set_line, PL061_LINES);
}

/* The input levels come from outside and survive reset. */
static void pl061_reset(DeviceState *dev)
{
    PL061State *s = PL061(dev);
    s->out = s->dir = s->is = s->ibe = s->iev = s->ie = s->ris = s->afsel = 0;
    s->last = levels(s);
    update(s);
}

static void pl061_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->reset = pl061_reset;
}

static const TypeInfo pl061_info = {
    .name = TYPE_PL061,
    .parent = TYPE_DEVICE,
    .category = "misc",
    .description = "ARM PrimeCell PL061 GPIO controller",
    .instance_size = sizeof(PL061State),
    .class_size = sizeof(DeviceClass),
    .instance_init = pl061_init,
    .class_init = pl061_class_init,
};

TESSERA_MODULE(.name = "pl061", .kind = "device", .types = TESSERA_TYPES(&pl061_info));
