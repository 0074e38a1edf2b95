/* SPDX-License-Identifier: MIT */
/*
 * "example-timer": a countdown timer, the Tessera SDK's example plugin.
 * Not a model of real hardware; it shows every part a device plugin
 * usually has.
 *
 * MMIO (0x100 bytes, 32-bit little-endian registers, 4-byte accesses only):
 *   0x00 ID       (ro) 0x54494d52 ("TIMR")
 *   0x04 CTRL     (rw) bit 0 ENABLE: count down from LOAD
 *                      bit 1 PERIODIC: reload and continue on expiry
 *                      bit 2 IRQ_ENABLE: drive the IRQ while EXPIRED
 *                      bit 3 EXT_TRIGGER: not emulated (logged, ignored)
 *   0x08 LOAD     (rw) ticks from start to expiry (0 behaves as 1)
 *   0x0c COUNT    (ro) ticks left (0 when stopped)
 *   0x10 STATUS   (rw1c) bit 0 EXPIRED, write 1 to clear
 *   0x20..0x2c SCRATCH0..3 (rw) plain storage
 * Writing CTRL with ENABLE set (re)starts the countdown from LOAD.
 * IRQ: output 0, level-triggered: high while STATUS.EXPIRED and
 * CTRL.IRQ_ENABLE.
 * Properties: "freq" (uint32, Hz, default 1000000): tick rate.
 * Device tree: timer@ADDR, compatible "tessera,example-timer",
 * clock-frequency = freq.
 */
#include <tessera/device.h>

#define TYPE_EXAMPLE_TIMER "example-timer"

#define EXAMPLE_TIMER_MMIO_SIZE 0x100
#define EXAMPLE_TIMER_ID_VALUE 0x54494d52u
#define EXAMPLE_TIMER_DEFAULT_FREQ 1000000u
#define EXAMPLE_TIMER_NUM_SCRATCH 4

enum {
    REG_ID = 0x00,
    REG_CTRL = 0x04,
    REG_LOAD = 0x08,
    REG_COUNT = 0x0c,
    REG_STATUS = 0x10,
    REG_SCRATCH0 = 0x20,
    REG_SCRATCH_END = REG_SCRATCH0 + 4 * EXAMPLE_TIMER_NUM_SCRATCH,
};

#define CTRL_ENABLE (1u << 0)
#define CTRL_PERIODIC (1u << 1)
#define CTRL_IRQ_ENABLE (1u << 2)
#define CTRL_EXT_TRIGGER (1u << 3)
#define CTRL_MASK (CTRL_ENABLE | CTRL_PERIODIC | CTRL_IRQ_ENABLE)

#define STATUS_EXPIRED (1u << 0)

typedef struct ExampleTimer {
    TsrDevice *dev;
    TsrIrq *irq;
    TsrTimer *timer;
    /* property */
    uint32_t freq;
    /* registers */
    uint32_t ctrl;
    uint32_t load;
    uint32_t status;
    uint32_t scratch[EXAMPLE_TIMER_NUM_SCRATCH];
    /* virtual time of the next expiry while ENABLE is set */
    int64_t deadline_ns;
} ExampleTimer;

static int64_t example_timer_period_ns(const ExampleTimer *s)
{
    uint64_t ticks = s->load ? s->load : 1;
    return (int64_t)(ticks * TSR_NS_PER_SEC / s->freq);
}

static void example_timer_update_irq(ExampleTimer *s)
{
    tsr_irq_set(s->irq, (s->status & STATUS_EXPIRED) && (s->ctrl & CTRL_IRQ_ENABLE));
}

static void example_timer_start(ExampleTimer *s, int64_t from_ns)
{
    s->deadline_ns = from_ns + example_timer_period_ns(s);
    tsr_timer_arm(s->timer, s->deadline_ns);
}

static void example_timer_expired(void *opaque)
{
    ExampleTimer *s = opaque;
    s->status |= STATUS_EXPIRED;
    if (s->ctrl & CTRL_PERIODIC) {
        /* From the deadline, not from now, so periods do not drift. */
        example_timer_start(s, s->deadline_ns);
    } else {
        s->ctrl &= ~CTRL_ENABLE;
    }
    example_timer_update_irq(s);
}

static uint32_t example_timer_count(const ExampleTimer *s)
{
    if (!(s->ctrl & CTRL_ENABLE)) {
        return 0;
    }
    int64_t left = s->deadline_ns - tsr_clock_ns();
    if (left <= 0) {
        return 0;
    }
    /* Round up: the count reaches 0 only at expiry. */
    return (uint32_t)(((uint64_t)left * s->freq + TSR_NS_PER_SEC - 1) / TSR_NS_PER_SEC);
}

static uint64_t example_timer_read(void *opaque, uint64_t offset, unsigned size)
{
    ExampleTimer *s = opaque;
    switch (offset) {
    case REG_ID:
        return EXAMPLE_TIMER_ID_VALUE;
    case REG_CTRL:
        return s->ctrl;
    case REG_LOAD:
        return s->load;
    case REG_COUNT:
        return example_timer_count(s);
    case REG_STATUS:
        return s->status;
    default:
        if (offset >= REG_SCRATCH0 && offset < REG_SCRATCH_END) {
            return s->scratch[(offset - REG_SCRATCH0) / 4];
        }
        tsr_log_guest_error(s->dev, "read of unknown register 0x%x", (unsigned)offset);
        return 0;
    }
}

static void example_timer_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    ExampleTimer *s = opaque;
    uint32_t v = (uint32_t)value;
    switch (offset) {
    case REG_CTRL:
        if (v & CTRL_EXT_TRIGGER) {
            tsr_log_unimp(s->dev, "CTRL.EXT_TRIGGER is not emulated");
        }
        s->ctrl = v & CTRL_MASK;
        if (s->ctrl & CTRL_ENABLE) {
            example_timer_start(s, tsr_clock_ns());
        } else {
            tsr_timer_cancel(s->timer);
        }
        break;
    case REG_LOAD:
        s->load = v;
        break;
    case REG_STATUS:
        s->status &= ~(v & STATUS_EXPIRED);
        break;
    case REG_ID:
    case REG_COUNT:
        tsr_log_guest_error(s->dev, "write 0x%x to read-only register 0x%x", v,
                            (unsigned)offset);
        break;
    default:
        if (offset >= REG_SCRATCH0 && offset < REG_SCRATCH_END) {
            s->scratch[(offset - REG_SCRATCH0) / 4] = v;
            break;
        }
        tsr_log_guest_error(s->dev, "write 0x%x to unknown register 0x%x", v,
                            (unsigned)offset);
        break;
    }
    example_timer_update_irq(s);
}

static const TsrRegionOps example_timer_ops = {
    .read = example_timer_read,
    .write = example_timer_write,
    .endianness = TSR_LITTLE_ENDIAN,
    .valid_min_access_size = 4,
    .valid_max_access_size = 4,
};

static const TsrProperty example_timer_props[] = {
    TSR_PROP_UINT32("freq", ExampleTimer, freq, EXAMPLE_TIMER_DEFAULT_FREQ,
                    "Tick rate in Hz (1 to 1000000000)"),
    TSR_PROP_END
};

static void example_timer_fdt_node(TsrDevice *dev, TsrFdt *fdt)
{
    ExampleTimer *s = tsr_device_state(dev);
    if (tsr_fdt_add_node(fdt, "timer", "tessera,example-timer")) {
        tsr_fdt_prop_u32(fdt, "clock-frequency", s->freq);
    }
}

static void example_timer_init(TsrDevice *dev)
{
    ExampleTimer *s = tsr_device_state(dev);
    s->dev = dev;
    tsr_device_add_region(dev, TYPE_EXAMPLE_TIMER, EXAMPLE_TIMER_MMIO_SIZE, &example_timer_ops,
                          s);
    s->irq = tsr_device_add_irq(dev);
    s->timer = tsr_timer_new(dev, example_timer_expired, s);
}

static bool example_timer_realize(TsrDevice *dev, TsrError **errp)
{
    ExampleTimer *s = tsr_device_state(dev);
    if (s->freq == 0 || s->freq > TSR_NS_PER_SEC) {
        tsr_error_set(errp, "freq must be between 1 and 1000000000 Hz, not %u", s->freq);
        return false;
    }
    return true;
}

static void example_timer_reset(TsrDevice *dev)
{
    ExampleTimer *s = tsr_device_state(dev);
    tsr_timer_cancel(s->timer);
    s->ctrl = 0;
    s->load = 0;
    s->status = 0;
    for (int i = 0; i < EXAMPLE_TIMER_NUM_SCRATCH; i++) {
        s->scratch[i] = 0;
    }
    example_timer_update_irq(s);
}

static const TsrTypeDesc example_timer_types[] = {
    TSR_DEVICE_TYPE(TYPE_EXAMPLE_TIMER, "misc", "Example countdown timer (Tessera SDK)"),
    TSR_TYPES_END
};

static const TsrDeviceInfo example_timer_info = {
    .type = &example_timer_types[0],
    .state_size = sizeof(ExampleTimer),
    .properties = example_timer_props,
    .init = example_timer_init,
    .realize = example_timer_realize,
    .reset = example_timer_reset,
    .fdt_node = example_timer_fdt_node,
};

TSR_PLUGIN_DEVICES("example-timer", example_timer_types, &example_timer_info);
