/* SPDX-License-Identifier: MIT */
/*
 * Goldfish RTC ("google,goldfish-rtc"), as described in Android's
 * goldfish virtual platform documentation (GOLDFISH-VIRTUAL-HARDWARE.TXT).
 *
 * Time is nanoseconds since the Unix epoch: host wall-clock time at
 * realize, then advancing with the virtual clock (so it stops while the VM
 * is paused and is exact under clock_virtual_set_manual in tests).
 *
 * MMIO (4 KiB, 32-bit registers):
 *   0x00 TIME_LOW         read: low word of now, latches the high word;
 *                         write: sets time to (written TIME_HIGH << 32) | value
 *   0x04 TIME_HIGH        read: the latched high word; write: staged high word
 *   0x08 ALARM_LOW        write: arms the alarm at (ALARM_HIGH << 32) | value
 *   0x0c ALARM_HIGH       staged high word of the alarm
 *   0x10 IRQ_ENABLED      bit 0 enables the interrupt
 *   0x14 CLEAR_ALARM      write: disarm
 *   0x18 ALARM_STATUS     read: 1 while an alarm is armed
 *   0x1c CLEAR_INTERRUPT  write: acknowledge
 * IRQ: one output, level = alarm fired && IRQ_ENABLED.
 * Properties: none.
 */
#include "kernel/clock.h"
#include "kernel/device.h"
#include "kernel/fdt.h"
#include "kernel/log.h"
#include "kernel/module.h"

#define TYPE_GOLDFISH_RTC "goldfish-rtc"

#define GOLDFISH_RTC_MMIO_SIZE 0x1000

enum {
    RTC_TIME_LOW = 0x00,
    RTC_TIME_HIGH = 0x04,
    RTC_ALARM_LOW = 0x08,
    RTC_ALARM_HIGH = 0x0c,
    RTC_IRQ_ENABLED = 0x10,
    RTC_CLEAR_ALARM = 0x14,
    RTC_ALARM_STATUS = 0x18,
    RTC_CLEAR_INTERRUPT = 0x1c,
};

typedef struct GoldfishRtcState {
    DeviceState parent_obj;
    MemoryRegion mmio;
    IRQLine *irq;
    Timer *alarm_timer;
    int64_t offset_ns;         /* RTC time minus virtual clock */
    uint64_t alarm_ns;
    uint32_t time_high_latch;  /* high word latched by reading TIME_LOW */
    uint32_t time_high_staged; /* high word written before TIME_LOW */
    uint32_t alarm_high;
    bool alarm_running;
    bool irq_enabled;
    bool irq_pending;
} GoldfishRtcState;

OBJECT_DECLARE_SIMPLE_TYPE(GoldfishRtcState, GOLDFISH_RTC, TYPE_GOLDFISH_RTC)

static uint64_t rtc_now_ns(GoldfishRtcState *s)
{
    return (uint64_t)(clock_get_ns(CLOCK_VIRTUAL) + s->offset_ns);
}

static void rtc_update_irq(GoldfishRtcState *s)
{
    irq_set(s->irq, s->irq_pending && s->irq_enabled);
}

static void rtc_alarm_fire(GoldfishRtcState *s)
{
    s->alarm_running = false;
    s->irq_pending = true;
    rtc_update_irq(s);
}

static void rtc_alarm_cb(void *opaque)
{
    rtc_alarm_fire(opaque);
}

/* (Re)arm the timer for alarm_ns, or fire at once when it is already due. */
static void rtc_arm_alarm(GoldfishRtcState *s)
{
    uint64_t now = rtc_now_ns(s);
    if (s->alarm_ns <= now) {
        timer_del(s->alarm_timer);
        rtc_alarm_fire(s);
        return;
    }
    s->alarm_running = true;
    uint64_t delta = s->alarm_ns - now;
    int64_t vnow = clock_get_ns(CLOCK_VIRTUAL);
    if (delta > (uint64_t)(INT64_MAX - vnow)) {
        timer_del(s->alarm_timer); /* beyond the clock's range: never fires */
        return;
    }
    timer_mod_ns(s->alarm_timer, vnow + (int64_t)delta);
}

static uint64_t goldfish_rtc_read(void *opaque, hwaddr addr, unsigned size)
{
    GoldfishRtcState *s = opaque;
    switch (addr) {
    case RTC_TIME_LOW: {
        uint64_t now = rtc_now_ns(s);
        s->time_high_latch = (uint32_t)(now >> 32);
        return (uint32_t)now;
    }
    case RTC_TIME_HIGH:
        return s->time_high_latch;
    case RTC_ALARM_LOW:
        return (uint32_t)s->alarm_ns;
    case RTC_ALARM_HIGH:
        return (uint32_t)(s->alarm_ns >> 32);
    case RTC_IRQ_ENABLED:
        return s->irq_enabled;
    case RTC_ALARM_STATUS:
        return s->alarm_running;
    default:
        log_mask(LOG_GUEST_ERROR, "goldfish_rtc: read of unknown offset 0x%" HWADDR_PRIx "\n",
                 addr);
        return 0;
    }
}

static void goldfish_rtc_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    GoldfishRtcState *s = opaque;
    switch (addr) {
    case RTC_TIME_LOW: {
        uint64_t t = ((uint64_t)s->time_high_staged << 32) | (uint32_t)value;
        s->offset_ns = (int64_t)(t - (uint64_t)clock_get_ns(CLOCK_VIRTUAL));
        if (s->alarm_running) {
            rtc_arm_alarm(s);
        }
        break;
    }
    case RTC_TIME_HIGH:
        s->time_high_staged = (uint32_t)value;
        break;
    case RTC_ALARM_LOW:
        s->alarm_ns = ((uint64_t)s->alarm_high << 32) | (uint32_t)value;
        rtc_arm_alarm(s);
        break;
    case RTC_ALARM_HIGH:
        s->alarm_high = (uint32_t)value;
        break;
    case RTC_IRQ_ENABLED:
        s->irq_enabled = value & 1;
        rtc_update_irq(s);
        break;
    case RTC_CLEAR_ALARM:
        timer_del(s->alarm_timer);
        s->alarm_running = false;
        break;
    case RTC_CLEAR_INTERRUPT:
        s->irq_pending = false;
        rtc_update_irq(s);
        break;
    default:
        log_mask(LOG_GUEST_ERROR, "goldfish_rtc: write to unknown offset 0x%" HWADDR_PRIx "\n",
                 addr);
        break;
    }
}

static const MemoryRegionOps goldfish_rtc_ops = {
    .read = goldfish_rtc_read,
    .write = goldfish_rtc_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static void goldfish_rtc_fdt_node(DeviceState *dev, FdtBuilder *fdt)
{
    hwaddr base = dev->mmio_addr[0];
    if (base == HWADDR_UNMAPPED) {
        return;
    }
    char *path = fdt_builder_device_path(fdt, "rtc", base);
    uint64_t reg[] = { base, GOLDFISH_RTC_MMIO_SIZE };
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_string(fdt, path, "compatible", "google,goldfish-rtc");
    fdt_builder_prop_reg(fdt, path, reg, 1);
    fdt_builder_prop_irqs(fdt, path, dev);
    g_free(path);
}

static void goldfish_rtc_init(Object *obj)
{
    GoldfishRtcState *s = GOLDFISH_RTC(obj);
    memory_region_init_io(&s->mmio, obj, &goldfish_rtc_ops, s, "goldfish_rtc",
                          GOLDFISH_RTC_MMIO_SIZE);
    device_init_mmio(DEVICE(obj), &s->mmio);
    device_init_irq_out(DEVICE(obj), &s->irq);
    s->alarm_timer = timer_new_ns(CLOCK_VIRTUAL, rtc_alarm_cb, s);
}

static void goldfish_rtc_finalize(Object *obj)
{
    timer_free(GOLDFISH_RTC(obj)->alarm_timer);
}

static bool goldfish_rtc_realize(DeviceState *dev, GError **errp)
{
    GoldfishRtcState *s = GOLDFISH_RTC(dev);
    s->offset_ns = clock_rtc_now_ns() - clock_get_ns(CLOCK_VIRTUAL); /* -rtc base= */
    return true;
}

/* Time keeps running across reset, as a battery-backed clock would. */
static void goldfish_rtc_reset(DeviceState *dev)
{
    GoldfishRtcState *s = GOLDFISH_RTC(dev);
    timer_del(s->alarm_timer);
    s->alarm_ns = 0;
    s->alarm_high = 0;
    s->time_high_staged = 0;
    s->time_high_latch = 0;
    s->alarm_running = false;
    s->irq_enabled = false;
    s->irq_pending = false;
    rtc_update_irq(s);
}

static void goldfish_rtc_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = goldfish_rtc_realize;
    dc->reset = goldfish_rtc_reset;
    dc->fdt_node = goldfish_rtc_fdt_node;
}

static const TypeInfo goldfish_rtc_info = {
    .name = TYPE_GOLDFISH_RTC,
    .parent = TYPE_DEVICE,
    .category = "misc",
    .description = "Goldfish real-time clock",
    .user_creatable = true,
    .instance_size = sizeof(GoldfishRtcState),
    .class_size = sizeof(DeviceClass),
    .instance_init = goldfish_rtc_init,
    .instance_finalize = goldfish_rtc_finalize,
    .class_init = goldfish_rtc_class_init,
};

TESSERA_MODULE(.name = "goldfish-rtc", .kind = "device",
               .types = TESSERA_TYPES(&goldfish_rtc_info));
