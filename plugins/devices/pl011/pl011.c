/* SPDX-License-Identifier: MIT */
/*
 * ARM PrimeCell UART PL011 ("pl011"), after the PL011 r1p5 Technical
 * Reference Manual.  Transmission is instantaneous: a byte written to DR
 * goes straight to the chardev (dropped when none is attached), so the
 * transmit FIFO is always empty (FR.TXFE) and the transmit interrupt is
 * raised by every write while enabled.  Receive has the 16-entry FIFO
 * (one entry with LCR_H.FEN clear) with the IFLS trigger levels; the
 * receive timeout interrupt is raised as soon as data sits below the
 * trigger level (no character timing).
 *
 * MMIO (4 KiB): 0x000 DR, 0x004 RSR/ECR, 0x018 FR, 0x020 ILPR, 0x024 IBRD,
 * 0x028 FBRD, 0x02c LCR_H, 0x030 CR, 0x034 IFLS, 0x038 IMSC, 0x03c RIS,
 * 0x040 MIS, 0x044 ICR, 0x048 DMACR, 0xfe0-0xffc peripheral/PrimeCell ids.
 * IRQ: one output, high while RIS & IMSC is non-zero.
 * Properties: "chardev" (id of the host-side chardev, "" for none).
 */
#include "kernel/chardev.h"
#include "kernel/device.h"
#include "kernel/fdt.h"
#include "kernel/log.h"
#include "kernel/module.h"

#define TYPE_PL011 "pl011"
#define PL011_MMIO_SIZE 0x1000
#define PL011_FIFO_DEPTH 16

enum {
    REG_DR = 0x000,
    REG_RSR = 0x004,
    REG_FR = 0x018,
    REG_ILPR = 0x020,
    REG_IBRD = 0x024,
    REG_FBRD = 0x028,
    REG_LCR_H = 0x02c,
    REG_CR = 0x030,
    REG_IFLS = 0x034,
    REG_IMSC = 0x038,
    REG_RIS = 0x03c,
    REG_MIS = 0x040,
    REG_ICR = 0x044,
    REG_DMACR = 0x048,
    REG_ID_BASE = 0xfe0,
};

#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_RXFF (1u << 6)
#define FR_TXFE (1u << 7)
#define LCR_FEN (1u << 4)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)
#define INT_RX (1u << 4)
#define INT_TX (1u << 5)
#define INT_RT (1u << 6)
#define INT_ALL 0x7ffu

/* PL011 peripheral id and PrimeCell id bytes, 0xfe0..0xffc. */
static const uint8_t pl011_ids[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

typedef struct PL011State {
    DeviceState parent_obj;
    MemoryRegion mmio;
    IRQLine *irq;
    Chardev *chr;
    char *chardev_id;

    uint8_t rx[PL011_FIFO_DEPTH];
    unsigned rx_head, rx_count;
    uint32_t rsr, ilpr, ibrd, fbrd, lcr_h, cr, ifls, imsc, ris, dmacr;
} PL011State;

OBJECT_DECLARE_SIMPLE_TYPE(PL011State, PL011, TYPE_PL011)

static unsigned rx_capacity(PL011State *s)
{
    return (s->lcr_h & LCR_FEN) ? PL011_FIFO_DEPTH : 1;
}

/* Receive trigger level in entries from IFLS[5:3]: 1/8, 1/4, 1/2, 3/4, 7/8. */
static unsigned rx_trigger(PL011State *s)
{
    static const unsigned eighths[8] = { 1, 2, 4, 6, 7, 7, 7, 7 };
    if (!(s->lcr_h & LCR_FEN)) {
        return 1;
    }
    return PL011_FIFO_DEPTH * eighths[(s->ifls >> 3) & 7] / 8;
}

static void pl011_update(PL011State *s)
{
    s->ris &= ~(INT_RX | INT_RT);
    if (s->rx_count >= rx_trigger(s)) {
        s->ris |= INT_RX;
    } else if (s->rx_count) {
        s->ris |= INT_RT;
    }
    irq_set(s->irq, (s->ris & s->imsc) != 0);
}

static int pl011_can_read(void *opaque);

static uint64_t pl011_read(void *opaque, hwaddr addr, unsigned size)
{
    PL011State *s = opaque;
    uint32_t v = 0;
    switch (addr) {
    case REG_DR:
        if (s->rx_count) {
            v = s->rx[s->rx_head];
            s->rx_head = (s->rx_head + 1) % PL011_FIFO_DEPTH;
            s->rx_count--;
            pl011_update(s);
            if (s->chr) {
                chardev_accept_input(s->chr);
            }
        }
        break;
    case REG_RSR:
        v = s->rsr;
        break;
    case REG_FR:
        v = FR_TXFE | (s->rx_count ? 0 : FR_RXFE) |
            (s->rx_count >= rx_capacity(s) ? FR_RXFF : 0);
        break;
    case REG_ILPR: v = s->ilpr; break;
    case REG_IBRD: v = s->ibrd; break;
    case REG_FBRD: v = s->fbrd; break;
    case REG_LCR_H: v = s->lcr_h; break;
    case REG_CR: v = s->cr; break;
    case REG_IFLS: v = s->ifls; break;
    case REG_IMSC: v = s->imsc; break;
    case REG_RIS: v = s->ris; break;
    case REG_MIS: v = s->ris & s->imsc; break;
    case REG_DMACR: v = s->dmacr; break;
    default:
        if (addr >= REG_ID_BASE && addr < PL011_MMIO_SIZE && !(addr & 3)) {
            v = pl011_ids[(addr - REG_ID_BASE) / 4];
        } else {
            log_mask(LOG_GUEST_ERROR, "pl011: read of unknown offset 0x%" HWADDR_PRIx "\n",
                     addr);
        }
        break;
    }
    return v;
}

static void pl011_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    PL011State *s = opaque;
    uint32_t v = (uint32_t)value;
    switch (addr) {
    case REG_DR:
        if ((s->cr & (CR_UARTEN | CR_TXE)) != (CR_UARTEN | CR_TXE)) {
            log_mask(LOG_GUEST_ERROR, "pl011: write to DR with the transmitter disabled\n");
        }
        if (s->chr) {
            uint8_t b = (uint8_t)v;
            chardev_write(s->chr, &b, 1);
        }
        s->ris |= INT_TX;
        break;
    case REG_RSR:
        s->rsr = 0;
        break;
    case REG_ILPR: s->ilpr = v & 0xff; break;
    case REG_IBRD: s->ibrd = v & 0xffff; break;
    case REG_FBRD: s->fbrd = v & 0x3f; break;
    case REG_LCR_H:
        if ((v ^ s->lcr_h) & LCR_FEN) {
            s->rx_count = 0;   /* the FIFOs are flushed when FEN changes */
            s->rx_head = 0;
        }
        s->lcr_h = v & 0xff;
        break;
    case REG_CR: s->cr = v & 0xff87; break;
    case REG_IFLS: s->ifls = v & 0x3f; break;
    case REG_IMSC: s->imsc = v & INT_ALL; break;
    case REG_ICR: s->ris &= ~v; break;
    case REG_DMACR:
        s->dmacr = v & 7;
        if (v & 3) {
            log_mask(LOG_UNIMP, "pl011: DMA is not implemented\n");
        }
        break;
    default:
        log_mask(LOG_GUEST_ERROR, "pl011: write to unknown or read-only offset 0x%"
                 HWADDR_PRIx "\n", addr);
        return;
    }
    pl011_update(s);
    /* Enabling the receiver (or the FIFO) makes room the chardev may be
     * waiting for: input held back while the UART could not take it. */
    if (s->chr && pl011_can_read(s) > 0) {
        chardev_accept_input(s->chr);
    }
}

static const MemoryRegionOps pl011_ops = {
    .read = pl011_read,
    .write = pl011_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* ---- chardev frontend ------------------------------------------------------ */

static int pl011_can_read(void *opaque)
{
    PL011State *s = opaque;
    if ((s->cr & (CR_UARTEN | CR_RXE)) != (CR_UARTEN | CR_RXE)) {
        return 0;
    }
    return (int)(rx_capacity(s) - s->rx_count);
}

static void pl011_chr_read(void *opaque, const uint8_t *buf, int len)
{
    PL011State *s = opaque;
    for (int i = 0; i < len && s->rx_count < rx_capacity(s); i++) {
        s->rx[(s->rx_head + s->rx_count) % PL011_FIFO_DEPTH] = buf[i];
        s->rx_count++;
    }
    pl011_update(s);
}

static const ChardevHandlers pl011_chr_handlers = {
    .can_read = pl011_can_read,
    .read = pl011_chr_read,
};

/* ---- properties, device tree, lifecycle ---------------------------------------- */

static const PropertyInfo pl011_props[] = {
    PROP_STRING("chardev", PL011State, chardev_id, NULL,
                "Id of the chardev carrying the serial data"),
    PROP_END
};

static void pl011_fdt_node(DeviceState *dev, FdtBuilder *fdt)
{
    static const char *const compat[] = { "arm,pl011", "arm,primecell", NULL };
    hwaddr base = dev->mmio_addr[0];
    if (base == HWADDR_UNMAPPED) {
        return;
    }
    char *path = fdt_builder_device_path(fdt, "pl011", base);
    uint64_t reg[] = { base, PL011_MMIO_SIZE };
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_strings(fdt, path, "compatible", compat);
    fdt_builder_prop_reg(fdt, path, reg, 1);
    fdt_builder_prop_irqs(fdt, path, dev);
    g_free(path);
}

static void pl011_init(Object *obj)
{
    PL011State *s = PL011(obj);
    memory_region_init_io(&s->mmio, obj, &pl011_ops, s, "pl011", PL011_MMIO_SIZE);
    device_init_mmio(DEVICE(obj), &s->mmio);
    device_init_irq_out(DEVICE(obj), &s->irq);
}

static bool pl011_realize(DeviceState *dev, GError **errp)
{
    PL011State *s = PL011(dev);
    if (!s->chardev_id || !s->chardev_id[0]) {
        return true;
    }
    s->chr = chardev_find(s->chardev_id);
    if (!s->chr) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_NOT_FOUND,
                    "pl011: chardev '%s' not found", s->chardev_id);
        return false;
    }
    if (!chardev_set_handlers(s->chr, &pl011_chr_handlers, s, errp)) {
        s->chr = NULL;
        return false;
    }
    return true;
}

static void pl011_unrealize(DeviceState *dev)
{
    PL011State *s = PL011(dev);
    if (s->chr) {
        chardev_clear_handlers(s->chr);
        s->chr = NULL;
    }
}

static void pl011_reset(DeviceState *dev)
{
    PL011State *s = PL011(dev);
    s->rx_head = s->rx_count = 0;
    s->rsr = s->ilpr = s->ibrd = s->fbrd = s->lcr_h = s->imsc = s->ris = s->dmacr = 0;
    s->cr = CR_RXE | CR_TXE;       /* reset value 0x300 */
    s->ifls = 0x12;                /* 1/2 full for both FIFOs */
    pl011_update(s);
}

static void pl011_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->user_creatable = false;
    dc->realize = pl011_realize;
    dc->unrealize = pl011_unrealize;
    dc->reset = pl011_reset;
    dc->fdt_node = pl011_fdt_node;
    object_class_add_field_properties(klass, pl011_props);
}

static const TypeInfo pl011_info = {
    .name = TYPE_PL011,
    .parent = TYPE_DEVICE,
    .category = "input",
    .description = "ARM PrimeCell PL011 UART",
    .instance_size = sizeof(PL011State),
    .class_size = sizeof(DeviceClass),
    .instance_init = pl011_init,
    .class_init = pl011_class_init,
};

TESSERA_MODULE(.name = "pl011", .kind = "device", .types = TESSERA_TYPES(&pl011_info));
