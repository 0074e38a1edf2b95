/* SPDX-License-Identifier: MIT */
/*
 * ARM PrimeCell real-time clock PL031 ("pl031"), after the PL031 Technical
 * Reference Manual (DDI 0224).  A 32-bit seconds counter: host wall-clock
 * time at realize, then advancing with the virtual clock (it stops while
 * the VM is paused and is exact under a manual clock in tests); a match
 * register raises the interrupt when the counter reaches it.
 *
 * MMIO (4 KiB, 32-bit): 0x000 DR (counter), 0x004 MR (match), 0x008 LR
 * (load: sets the counter), 0x00c CR (bit 0 start; reads 1: the counter
 * always runs), 0x010 IMSC, 0x014 RIS, 0x018 MIS, 0x01c ICR, 0xfe0-0xffc
 * peripheral and PrimeCell ids.
 * IRQ: one output, high while RIS & IMSC.
 */
#include "kernel/clock.h"
#include "kernel/device.h"
#include "kernel/log.h"
#include "kernel/module.h"

#define TYPE_PL031 "pl031"
#define PL031_MMIO_SIZE 0x1000
#define NS_PER_SEC 1000000000LL

enum {
    REG_DR = 0x000,
    REG_MR = 0x004,
    REG_LR = 0x008,
    REG_CR = 0x00c,
    REG_IMSC = 0x010,
    REG_RIS = 0x014,
    REG_MIS = 0x018,
    REG_ICR = 0x01c,
    REG_ID_BASE = 0xfe0,
};

static const uint8_t pl031_ids[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

typedef struct PL031State {
    DeviceState parent_obj;
    MemoryRegion mmio;
    IRQLine *irq;
    Timer *match_timer;
    /* counter = (virtual ns + offset_ns) / 1e9 */
    int64_t offset_ns;
    uint32_t mr, imsc, ris;
} PL031State;

OBJECT_DECLARE_SIMPLE_TYPE(PL031State, PL031, TYPE_PL031)

static int64_t now_ns(PL031State *s)
{
    return clock_get_ns(CLOCK_VIRTUAL) + s->offset_ns;
}

static uint32_t counter(PL031State *s)
{
    return (uint32_t)(now_ns(s) / NS_PER_SEC);
}

static void update_irq(PL031State *s)
{
    irq_set(s->irq, (s->ris & s->imsc & 1) != 0);
}

/* Fire when the counter next equals MR (it wraps after 2^32 seconds). */
static void arm_match(PL031State *s)
{
    int64_t now = now_ns(s);
    uint32_t secs = (uint32_t)(now / NS_PER_SEC);
    uint32_t d = s->mr - secs;       /* seconds until the match, mod 2^32 */
    int64_t delta = d ? d : (1ll << 32); /* just matched: next time round */
    int64_t when = ((now / NS_PER_SEC) + delta) * NS_PER_SEC - s->offset_ns;
    timer_mod_ns(s->match_timer, when);
}

static void match_cb(void *opaque)
{
    PL031State *s = opaque;
    s->ris |= 1;
    update_irq(s);
    arm_match(s);
}

static uint64_t pl031_read(void *opaque, hwaddr addr, unsigned size)
{
    PL031State *s = opaque;
    if (addr >= REG_ID_BASE && addr < PL031_MMIO_SIZE) {
        return pl031_ids[(addr - REG_ID_BASE) >> 2];
    }
    switch (addr) {
    case REG_DR: return counter(s);
    case REG_MR: return s->mr;
    case REG_LR: return counter(s);
    case REG_CR: return 1;
    case REG_IMSC: return s->imsc;
    case REG_RIS: return s->ris;
    case REG_MIS: return s->ris & s->imsc;
    }
    log_mask(LOG_GUEST_ERROR, "pl031: read of unknown or write-only offset 0x%" HWADDR_PRIx
             "\n", addr);
    return 0;
}

static void pl031_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    PL031State *s = opaque;
    switch (addr) {
    case REG_LR:
        s->offset_ns = (int64_t)(uint32_t)value * NS_PER_SEC - clock_get_ns(CLOCK_VIRTUAL);
        arm_match(s);
        break;
    case REG_MR:
        s->mr = (uint32_t)value;
        arm_match(s);
        break;
    case REG_CR:
        if (!(value & 1)) {
            log_mask(LOG_UNIMP, "pl031: stopping the counter is not supported\n");
        }
        break;
    case REG_IMSC:
        s->imsc = value & 1;
        update_irq(s);
        break;
    case REG_ICR:
        s->ris &= ~(uint32_t)value;
        update_irq(s);
        break;
    default:
        log_mask(LOG_GUEST_ERROR, "pl031: write of unknown or read-only offset 0x%"
                 HWADDR_PRIx "\n", addr);
    }
}

static const MemoryRegionOps pl031_ops = {
    .read = pl031_read,
    .write = pl031_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    /* Narrow reads (EDK2 reads the PrimeCell ID bytes with 8-bit loads) take
     * the bytes of the register, as on the bus. */
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static void pl031_init(Object *obj)
{
    PL031State *s = PL031(obj);
    memory_region_init_io(&s->mmio, obj, &pl031_ops, s, "pl031", PL031_MMIO_SIZE);
    device_init_mmio(DEVICE(obj), &s->mmio);
    device_init_irq_out(DEVICE(obj), &s->irq);
    s->match_timer = timer_new_ns(CLOCK_VIRTUAL, match_cb, s);
}

static void pl031_finalize(Object *obj)
{
    timer_free(PL031(obj)->match_timer);
}

static bool pl031_realize(DeviceState *dev, GError **errp)
{
    PL031State *s = PL031(dev);
    s->offset_ns = g_get_real_time() * 1000 - clock_get_ns(CLOCK_VIRTUAL);
    return true;
}

/* The counter keeps running across reset, as a battery-backed clock would. */
static void pl031_reset(DeviceState *dev)
{
    PL031State *s = PL031(dev);
    s->mr = s->imsc = s->ris = 0;
    arm_match(s);
    update_irq(s);
}

static void pl031_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = pl031_realize;
    dc->reset = pl031_reset;
}

static const TypeInfo pl031_info = {
    .name = TYPE_PL031,
    .parent = TYPE_DEVICE,
    .category = "misc",
    .description = "ARM PrimeCell PL031 real-time clock",
    .instance_size = sizeof(PL031State),
    .class_size = sizeof(DeviceClass),
    .instance_init = pl031_init,
    .instance_finalize = pl031_finalize,
    .class_init = pl031_class_init,
};

TESSERA_MODULE(.name = "pl031", .kind = "device", .types = TESSERA_TYPES(&pl031_info));
