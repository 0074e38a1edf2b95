/* SPDX-License-Identifier: MIT */
/*
 * "sdk-test-device": a plugin that uses every part of the SDK, built as
 * an outside plugin (SDK headers only) for the facade's own tests.
 *
 * Region 0 "ctl" (0x100 bytes, little-endian, 4-byte registers):
 *   0x00 CMD (wo): 1 DMA copy LEN bytes SRC -> DST; 2 pulse IRQ 1;
 *                  3 log unimp; 4 arm the timer "delay" ns ahead;
 *                  5 cancel the timer; 6 warn
 *   0x04 SRC  0x08 DST  0x0c LEN       (rw)
 *   0x10 DMA_STATUS (ro): 0 idle, 1 done, 2 failed
 *   0x14 RX_COUNT (ro): bytes held (at most 4)
 *   0x18 RX_POP (ro): oldest held byte, removed
 *   0x1c TX (wo): byte to the chardev
 *   0x20 TIMER_PENDING (ro)
 *   0x24 REGION0_ADDR (ro): low 32 bits of tsr_region_address(region 0)
 *   0x28 IRQ0 (wo): level of IRQ 0
 * Region 1 "props" (0x40 bytes, big-endian, 1..8-byte accesses): the
 * property fields: 0x00 u8, 0x02 u16, 0x04 i32, 0x08 u64, 0x10 size,
 * 0x18 i64, 0x20 bool, 0x24 strlen(name)
 * IRQs: 0 (timer, IRQ0 register), 1 (pulsed by CMD 2).
 * Properties: one of every kind; "fail" makes realize fail.
 */
#include <string.h>

#include <tessera/device.h>

#define TYPE_SDK_TEST_DEVICE "sdk-test-device"
#define RX_CAPACITY 4
#define DMA_MAX 256

enum {
    CMD_DMA = 1,
    CMD_PULSE = 2,
    CMD_UNIMP = 3,
    CMD_ARM = 4,
    CMD_CANCEL = 5,
    CMD_WARN = 6,
};

enum {
    REG_CMD = 0x00,
    REG_SRC = 0x04,
    REG_DST = 0x08,
    REG_LEN = 0x0c,
    REG_DMA_STATUS = 0x10,
    REG_RX_COUNT = 0x14,
    REG_RX_POP = 0x18,
    REG_TX = 0x1c,
    REG_TIMER_PENDING = 0x20,
    REG_REGION0_ADDR = 0x24,
    REG_IRQ0 = 0x28,
};

typedef struct SdkTestDevice {
    TsrDevice *dev;
    TsrRegion *ctl;
    TsrIrq *irq[2];
    TsrTimer *timer;
    /* properties */
    bool flag;
    bool fail;
    int32_t i32;
    int64_t i64;
    uint8_t u8;
    uint16_t u16;
    uint64_t u64;
    uint64_t size;
    char *name;
    int64_t delay;
    TsrChardev *chr;
    /* registers */
    uint32_t src, dst, len, dma_status;
    uint8_t rx[RX_CAPACITY];
    unsigned rx_count;
} SdkTestDevice;

static void test_dev_dma(SdkTestDevice *s)
{
    uint8_t buf[DMA_MAX];
    size_t len = s->len < DMA_MAX ? s->len : DMA_MAX;
    bool ok = tsr_dma_read(s->dev, s->src, buf, len) && tsr_dma_write(s->dev, s->dst, buf, len);
    s->dma_status = ok ? 1 : 2;
}

static uint64_t test_dev_ctl_read(void *opaque, uint64_t offset, unsigned size)
{
    SdkTestDevice *s = opaque;
    switch (offset) {
    case REG_SRC:
        return s->src;
    case REG_DST:
        return s->dst;
    case REG_LEN:
        return s->len;
    case REG_DMA_STATUS:
        return s->dma_status;
    case REG_RX_COUNT:
        return s->rx_count;
    case REG_RX_POP: {
        if (!s->rx_count) {
            return 0;
        }
        uint8_t b = s->rx[0];
        memmove(s->rx, s->rx + 1, --s->rx_count);
        tsr_chardev_accept_input(s->chr);
        return b;
    }
    case REG_TIMER_PENDING:
        return tsr_timer_pending(s->timer);
    case REG_REGION0_ADDR:
        return (uint32_t)tsr_region_address(s->ctl);
    default:
        tsr_log_guest_error(s->dev, "read of register 0x%x", (unsigned)offset);
        return 0;
    }
}

static void test_dev_ctl_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    SdkTestDevice *s = opaque;
    uint8_t byte = (uint8_t)value;
    switch (offset) {
    case REG_CMD:
        switch (value) {
        case CMD_DMA:
            test_dev_dma(s);
            break;
        case CMD_PULSE:
            tsr_irq_pulse(s->irq[1]);
            break;
        case CMD_UNIMP:
            tsr_log_unimp(s->dev, "command %u", (unsigned)value);
            break;
        case CMD_ARM:
            tsr_timer_arm_in(s->timer, s->delay);
            break;
        case CMD_CANCEL:
            tsr_timer_cancel(s->timer);
            break;
        case CMD_WARN:
            tsr_warn(s->dev, "warned on request");
            break;
        default:
            tsr_log_guest_error(s->dev, "bad command %u", (unsigned)value);
        }
        break;
    case REG_SRC:
        s->src = (uint32_t)value;
        break;
    case REG_DST:
        s->dst = (uint32_t)value;
        break;
    case REG_LEN:
        s->len = (uint32_t)value;
        break;
    case REG_TX:
        tsr_chardev_write(s->chr, &byte, 1);
        break;
    case REG_IRQ0:
        tsr_irq_set(s->irq[0], (int)value);
        break;
    default:
        tsr_log_guest_error(s->dev, "write of register 0x%x", (unsigned)offset);
    }
}

static const TsrRegionOps test_dev_ctl_ops = {
    .read = test_dev_ctl_read,
    .write = test_dev_ctl_write,
    .valid_min_access_size = 4,
    .valid_max_access_size = 4,
};

static uint64_t test_dev_props_read(void *opaque, uint64_t offset, unsigned size)
{
    SdkTestDevice *s = opaque;
    switch (offset) {
    case 0x00:
        return s->u8;
    case 0x02:
        return s->u16;
    case 0x04:
        return (uint32_t)s->i32;
    case 0x08:
        return s->u64;
    case 0x10:
        return s->size;
    case 0x18:
        return (uint64_t)s->i64;
    case 0x20:
        return s->flag;
    case 0x24:
        return s->name ? strlen(s->name) : 0;
    default:
        return 0;
    }
}

/* No write: the facade refuses and logs writes to this region. */
static const TsrRegionOps test_dev_props_ops = {
    .read = test_dev_props_read,
    .endianness = TSR_BIG_ENDIAN,
    .valid_min_access_size = 1,
    .valid_max_access_size = 8,
};

static size_t test_dev_can_receive(void *opaque)
{
    SdkTestDevice *s = opaque;
    return RX_CAPACITY - s->rx_count;
}

static void test_dev_receive(void *opaque, const uint8_t *buf, size_t len)
{
    SdkTestDevice *s = opaque;
    for (size_t i = 0; i < len && s->rx_count < RX_CAPACITY; i++) {
        s->rx[s->rx_count++] = buf[i];
    }
}

static void test_dev_timer_cb(void *opaque)
{
    SdkTestDevice *s = opaque;
    tsr_irq_raise(s->irq[0]);
}

static const TsrProperty test_dev_props[] = {
    TSR_PROP_BOOL("flag", SdkTestDevice, flag, true, "A bool"),
    TSR_PROP_BOOL("fail", SdkTestDevice, fail, false, "Make realize fail"),
    TSR_PROP_INT32("i32", SdkTestDevice, i32, -5, "An int32"),
    TSR_PROP_INT64("i64", SdkTestDevice, i64, -6, "An int64"),
    TSR_PROP_UINT8("u8", SdkTestDevice, u8, 7, "A uint8"),
    TSR_PROP_UINT16("u16", SdkTestDevice, u16, 0x1234, "A uint16"),
    TSR_PROP_UINT64("u64", SdkTestDevice, u64, 0x123456789abcdef0ull, "A uint64"),
    TSR_PROP_SIZE("size", SdkTestDevice, size, 4096, "A size"),
    TSR_PROP_STRING("name", SdkTestDevice, name, "dflt", "A string"),
    TSR_PROP_INT64("delay", SdkTestDevice, delay, 1000, "Timer delay in ns"),
    TSR_PROP_CHARDEV("chardev", SdkTestDevice, chr, "Serial data"),
    TSR_PROP_END
};

static void test_dev_fdt_node(TsrDevice *dev, TsrFdt *fdt)
{
    static const char *const compat[] = { "tessera,sdk-test", "tessera,generic", NULL };
    static const uint32_t cells[] = { 1, 2, 3 };
    if (!tsr_fdt_add_node(fdt, "sdktest", "ignored")) {
        return;
    }
    tsr_fdt_prop_strings(fdt, "compatible", compat);
    tsr_fdt_prop_u64(fdt, "big", 0x100000002ull);
    tsr_fdt_prop_cells(fdt, "three", cells, 3);
    tsr_fdt_prop_empty(fdt, "flagged");
    tsr_fdt_prop_string(fdt, "path-seen", tsr_fdt_node_path(fdt));
}

static void test_dev_init(TsrDevice *dev)
{
    SdkTestDevice *s = tsr_device_state(dev);
    s->dev = dev;
    s->ctl = tsr_device_add_region(dev, "ctl", 0x100, &test_dev_ctl_ops, s);
    tsr_device_add_region(dev, "props", 0x40, &test_dev_props_ops, s);
    s->irq[0] = tsr_device_add_irq(dev);
    s->irq[1] = tsr_device_add_irq(dev);
    s->timer = tsr_timer_new(dev, test_dev_timer_cb, s);
}

static bool test_dev_realize(TsrDevice *dev, TsrError **errp)
{
    SdkTestDevice *s = tsr_device_state(dev);
    if (s->fail) {
        tsr_error_set(errp, "fail=on was given (name '%s')", s->name);
        return false;
    }
    tsr_chardev_set_receive(s->chr, test_dev_can_receive, test_dev_receive, s);
    return true;
}

static void test_dev_reset(TsrDevice *dev)
{
    SdkTestDevice *s = tsr_device_state(dev);
    s->dma_status = 0;
    s->rx_count = 0;
}

static const TsrTypeDesc test_dev_types[] = {
    TSR_DEVICE_TYPE(TYPE_SDK_TEST_DEVICE, "misc", "SDK facade test device"),
    TSR_TYPES_END
};

static const TsrDeviceInfo test_dev_info = {
    .type = &test_dev_types[0],
    .state_size = sizeof(SdkTestDevice),
    .properties = test_dev_props,
    .init = test_dev_init,
    .realize = test_dev_realize,
    .reset = test_dev_reset,
    .fdt_node = test_dev_fdt_node,
};

static void test_dev_register(void)
{
    tsr_device_register(&test_dev_info);
}

TSR_PLUGIN(.name = "sdk-test-device", .types = test_dev_types,
           .register_types = test_dev_register);
