/* SPDX-License-Identifier: MIT */
/*
 * NS16550A UART ("ns16550a"), after the National Semiconductor PC16550D
 * data sheet.  Transmission is instantaneous: a byte written to THR goes
 * straight to the chardev (dropped when none is attached), so THR is
 * always empty and the THRE interrupt fires after every write.  Receive
 * has the 16-byte FIFO with trigger levels and the character-timeout
 * interrupt (4 character times without a read).
 *
 * MMIO (0x100 bytes, registers one byte apart, accesses of 1..4 bytes act
 * on the register's low byte):
 *   0 RBR (r) / THR (w) / DLL (DLAB=1)   4 MCR
 *   1 IER / DLM (DLAB=1)                 5 LSR (read-only)
 *   2 IIR (r) / FCR (w)                  6 MSR (read-only)
 *   3 LCR                                7 SCR
 * Interrupts by priority: receiver line status, received data available,
 * character timeout, THR empty, modem status.  IRQ: one output, high while
 * IIR reports a pending interrupt.
 * Properties: "chardev" (id of the host-side chardev, "" for none),
 * "clock-frequency" (input clock in Hz; sets character timing and the
 * device tree property).
 */
#include "kernel/chardev.h"
#include "kernel/clock.h"
#include "kernel/device.h"
#include "kernel/fdt.h"
#include "kernel/log.h"
#include "kernel/module.h"

#define TYPE_NS16550A "ns16550a"

#define UART_MMIO_SIZE 0x100
#define UART_FIFO_SIZE 16
#define UART_DEFAULT_CLOCK 3686400
#define UART_CLOCKS_PER_BIT 16
#define UART_BITS_PER_CHAR 10     /* start + 8 data + stop */
#define UART_TIMEOUT_CHARS 4

enum {
    UART_RBR = 0, /* THR, DLL */
    UART_IER = 1, /* DLM */
    UART_IIR = 2, /* FCR */
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
};

#define IER_RDI 0x01   /* received data available / timeout */
#define IER_THRI 0x02  /* THR empty */
#define IER_RLSI 0x04  /* receiver line status */
#define IER_MSI 0x08   /* modem status */
#define IER_MASK 0x0f

#define IIR_NO_INT 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_CTI 0x0c
#define IIR_FIFO_ENABLED 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_TRIGGER_SHIFT 6

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

#define UART_RESET_DIVISOR 12

static const uint8_t uart_trigger_levels[] = { 1, 4, 8, 14 };

typedef struct Uart16550State {
    DeviceState parent_obj;
    MemoryRegion mmio;
    IRQLine *irq;
    Timer *timeout_timer;
    Chardev *chr;
    /* properties */
    char *chardev_id;
    uint32_t clock_freq;
    /* registers */
    uint8_t ier, lcr, mcr, lsr_errors, scr, fcr;
    uint16_t divisor;
    uint8_t rx_fifo[UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
    bool thr_ipending;
    bool timeout_ipending;
} Uart16550State;

OBJECT_DECLARE_SIMPLE_TYPE(Uart16550State, UART16550, TYPE_NS16550A)

static bool uart_fifo_enabled(Uart16550State *s)
{
    return s->fcr & FCR_ENABLE;
}

static unsigned uart_rx_capacity(Uart16550State *s)
{
    return uart_fifo_enabled(s) ? UART_FIFO_SIZE : 1;
}

static uint8_t uart_lsr(Uart16550State *s)
{
    return (s->rx_count ? LSR_DR : 0) | LSR_THRE | LSR_TEMT | s->lsr_errors;
}

static uint8_t uart_msr(Uart16550State *s)
{
    if (s->mcr & MCR_LOOP) {
        return (s->mcr & MCR_RTS ? MSR_CTS : 0) | (s->mcr & MCR_DTR ? MSR_DSR : 0) |
               (s->mcr & MCR_OUT1 ? MSR_RI : 0) | (s->mcr & MCR_OUT2 ? MSR_DCD : 0);
    }
    return MSR_DCD | MSR_DSR | MSR_CTS;
}

static uint8_t uart_iir(Uart16550State *s)
{
    uint8_t id = IIR_NO_INT;
    bool rx_ready = uart_fifo_enabled(s)
        ? s->rx_count >= uart_trigger_levels[s->fcr >> FCR_TRIGGER_SHIFT]
        : s->rx_count > 0;
    if ((s->ier & IER_RLSI) && s->lsr_errors) {
        id = IIR_RLSI;
    } else if ((s->ier & IER_RDI) && rx_ready) {
        id = IIR_RDI;
    } else if ((s->ier & IER_RDI) && s->timeout_ipending) {
        id = IIR_CTI;
    } else if ((s->ier & IER_THRI) && s->thr_ipending) {
        id = IIR_THRI;
    }
    /* Modem status never changes outside loopback here: no MSI source. */
    return id | (uart_fifo_enabled(s) ? IIR_FIFO_ENABLED : 0);
}

static void uart_update_irq(Uart16550State *s)
{
    irq_set(s->irq, !(uart_iir(s) & IIR_NO_INT));
}

static int64_t uart_char_time_ns(Uart16550State *s)
{
    uint64_t div = s->divisor ? s->divisor : 1;
    uint64_t clock = s->clock_freq ? s->clock_freq : UART_DEFAULT_CLOCK;
    return (int64_t)(NANOSECONDS_PER_SECOND * UART_CLOCKS_PER_BIT * UART_BITS_PER_CHAR * div /
                     clock);
}

static void uart_arm_timeout(Uart16550State *s)
{
    if (uart_fifo_enabled(s) && s->rx_count) {
        timer_mod_ns(s->timeout_timer, clock_get_ns(CLOCK_VIRTUAL) +
                     UART_TIMEOUT_CHARS * uart_char_time_ns(s));
    } else {
        timer_del(s->timeout_timer);
    }
}

static void uart_timeout_cb(void *opaque)
{
    Uart16550State *s = opaque;
    if (s->rx_count) {
        s->timeout_ipending = true;
        uart_update_irq(s);
    }
}

static void uart_rx_clear(Uart16550State *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
    s->timeout_ipending = false;
    timer_del(s->timeout_timer);
}

static void uart_receive_byte(Uart16550State *s, uint8_t b)
{
    if (s->rx_count >= uart_rx_capacity(s)) {
        s->lsr_errors |= LSR_OE;
        return;
    }
    s->rx_fifo[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = b;
    s->rx_count++;
}

static void uart_transmit(Uart16550State *s, uint8_t b)
{
    if (s->mcr & MCR_LOOP) {
        uart_receive_byte(s, b);
        uart_arm_timeout(s);
    } else if (s->chr) {
        chardev_write(s->chr, &b, 1);
    }
    s->thr_ipending = true;
}

static uint64_t uart_read(void *opaque, hwaddr addr, unsigned size)
{
    Uart16550State *s = opaque;
    uint8_t v = 0;
    switch (addr) {
    case UART_RBR:
        if (s->lcr & LCR_DLAB) {
            v = s->divisor & 0xff;
            break;
        }
        if (s->rx_count) {
            v = s->rx_fifo[s->rx_head];
            s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
            s->rx_count--;
        }
        s->timeout_ipending = false;
        uart_arm_timeout(s);
        if (s->chr && !(s->mcr & MCR_LOOP)) {
            chardev_accept_input(s->chr);
        }
        break;
    case UART_IER:
        v = s->lcr & LCR_DLAB ? s->divisor >> 8 : s->ier;
        break;
    case UART_IIR:
        v = uart_iir(s);
        /* Reading IIR acknowledges a THR-empty interrupt. */
        if ((v & ~IIR_FIFO_ENABLED) == IIR_THRI) {
            s->thr_ipending = false;
        }
        break;
    case UART_LCR:
        v = s->lcr;
        break;
    case UART_MCR:
        v = s->mcr;
        break;
    case UART_LSR:
        v = uart_lsr(s);
        s->lsr_errors = 0;
        break;
    case UART_MSR:
        v = uart_msr(s);
        break;
    case UART_SCR:
        v = s->scr;
        break;
    default:
        log_mask(LOG_GUEST_ERROR, "ns16550a: read of unknown offset 0x%" HWADDR_PRIx "\n",
                 addr);
        return 0;
    }
    uart_update_irq(s);
    return v;
}

static void uart_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    Uart16550State *s = opaque;
    uint8_t v = value & 0xff;
    switch (addr) {
    case UART_RBR:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (s->divisor & 0xff00) | v;
        } else {
            uart_transmit(s, v);
        }
        break;
    case UART_IER:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (uint16_t)((s->divisor & 0x00ff) | (v << 8));
        } else {
            uint8_t old = s->ier;
            s->ier = v & IER_MASK;
            /* THR is always empty: enabling THRI raises it at once. */
            if ((s->ier & IER_THRI) && !(old & IER_THRI)) {
                s->thr_ipending = true;
            }
        }
        break;
    case UART_IIR: /* FCR */
        if ((v ^ s->fcr) & FCR_ENABLE) {
            uart_rx_clear(s);
        }
        if (v & FCR_CLEAR_RX) {
            uart_rx_clear(s);
        }
        s->fcr = v & ~(FCR_CLEAR_RX | FCR_CLEAR_TX);
        if (!(s->fcr & FCR_ENABLE)) {
            s->fcr = 0;
        }
        break;
    case UART_LCR:
        s->lcr = v;
        break;
    case UART_MCR:
        s->mcr = v & MCR_MASK;
        break;
    case UART_LSR:
    case UART_MSR:
        log_mask(LOG_GUEST_ERROR, "ns16550a: write to read-only register %u\n",
                 (unsigned)addr);
        break;
    case UART_SCR:
        s->scr = v;
        break;
    default:
        log_mask(LOG_GUEST_ERROR, "ns16550a: write to unknown offset 0x%" HWADDR_PRIx "\n",
                 addr);
        return;
    }
    uart_update_irq(s);
}

static const MemoryRegionOps uart_ops = {
    .read = uart_read,
    .write = uart_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ---- chardev frontend ---------------------------------------------------- */

static int uart_can_read(void *opaque)
{
    Uart16550State *s = opaque;
    if (s->mcr & MCR_LOOP) {
        return 0;
    }
    return (int)(uart_rx_capacity(s) - s->rx_count);
}

static void uart_chr_read(void *opaque, const uint8_t *buf, int len)
{
    Uart16550State *s = opaque;
    for (int i = 0; i < len; i++) {
        uart_receive_byte(s, buf[i]);
    }
    uart_arm_timeout(s);
    uart_update_irq(s);
}

static void uart_chr_event(void *opaque, ChardevEvent ev)
{
    Uart16550State *s = opaque;
    if (ev == CHR_EVENT_BREAK) {
        s->lsr_errors |= LSR_BI;
        uart_update_irq(s);
    }
}

static const ChardevHandlers uart_chr_handlers = {
    .can_read = uart_can_read,
    .read = uart_chr_read,
    .event = uart_chr_event,
};

/* ---- properties, device tree, lifecycle ---------------------------------- */

static const PropertyInfo uart_props[] = {
    PROP_STRING("chardev", Uart16550State, chardev_id, NULL,
                "Id of the chardev carrying the serial data"),
    PROP_UINT32("clock-frequency", Uart16550State, clock_freq, UART_DEFAULT_CLOCK,
                "Input clock in Hz"),
    PROP_END
};

static void uart_fdt_node(DeviceState *dev, FdtBuilder *fdt)
{
    Uart16550State *s = UART16550(dev);
    hwaddr base = dev->mmio_addr[0];
    if (base == HWADDR_UNMAPPED) {
        return;
    }
    char *path = fdt_builder_device_path(fdt, "serial", base);
    uint64_t reg[] = { base, UART_MMIO_SIZE };
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_string(fdt, path, "compatible", "ns16550a");
    fdt_builder_prop_reg(fdt, path, reg, 1);
    fdt_builder_prop_u32(fdt, path, "clock-frequency", s->clock_freq);
    fdt_builder_prop_irqs(fdt, path, dev);
    g_free(path);
}

static void uart_init(Object *obj)
{
    Uart16550State *s = UART16550(obj);
    memory_region_init_io(&s->mmio, obj, &uart_ops, s, "ns16550a", UART_MMIO_SIZE);
    device_init_mmio(DEVICE(obj), &s->mmio);
    device_init_irq_out(DEVICE(obj), &s->irq);
    s->timeout_timer = timer_new_ns(CLOCK_VIRTUAL, uart_timeout_cb, s);
}

static void uart_finalize(Object *obj)
{
    timer_free(UART16550(obj)->timeout_timer);
}

static bool uart_realize(DeviceState *dev, GError **errp)
{
    Uart16550State *s = UART16550(dev);
    if (s->clock_freq == 0) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_OUT_OF_RANGE,
                    "ns16550a: clock-frequency must not be 0");
        return false;
    }
    if (!s->chardev_id || !s->chardev_id[0]) {
        return true;
    }
    s->chr = chardev_find(s->chardev_id);
    if (!s->chr) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_NOT_FOUND,
                    "ns16550a: chardev '%s' not found", s->chardev_id);
        return false;
    }
    if (!chardev_set_handlers(s->chr, &uart_chr_handlers, s, errp)) {
        s->chr = NULL;
        return false;
    }
    return true;
}

static void uart_unrealize(DeviceState *dev)
{
    Uart16550State *s = UART16550(dev);
    if (s->chr) {
        chardev_clear_handlers(s->chr);
        s->chr = NULL;
    }
}

static void uart_reset(DeviceState *dev)
{
    Uart16550State *s = UART16550(dev);
    s->ier = 0;
    s->lcr = 0;
    s->mcr = MCR_OUT2;
    s->lsr_errors = 0;
    s->scr = 0;
    s->fcr = 0;
    s->divisor = UART_RESET_DIVISOR;
    s->thr_ipending = false;
    uart_rx_clear(s);
    uart_update_irq(s);
}

static void uart_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = uart_realize;
    dc->unrealize = uart_unrealize;
    dc->reset = uart_reset;
    dc->fdt_node = uart_fdt_node;
    object_class_add_field_properties(klass, uart_props);
}

static const TypeInfo uart_info = {
    .name = TYPE_NS16550A,
    .parent = TYPE_DEVICE,
    .category = "input",
    .description = "NS16550A UART",
    .user_creatable = true,
    .instance_size = sizeof(Uart16550State),
    .class_size = sizeof(DeviceClass),
    .instance_init = uart_init,
    .instance_finalize = uart_finalize,
    .class_init = uart_class_init,
};

TESSERA_MODULE(.name = "uart16550", .kind = "device", .types = TESSERA_TYPES(&uart_info));
