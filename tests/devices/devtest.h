/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the device tests: start the core (modules are found
 * next to the test binary, in the build's lib/tessera/modules), create one
 * device by type name with properties, drive its MMIO region directly and
 * record the levels on its output pins.  Check forks per test, so every
 * test starts from a fresh core.
 */
#ifndef TESSERA_TESTS_DEVICES_DEVTEST_H
#define TESSERA_TESTS_DEVICES_DEVTEST_H

#include <check.h>

#include "kernel/clock.h"
#include "kernel/core.h"
#include "kernel/device.h"
#include "kernel/irq.h"
#include "kernel/memory.h"

#define DEVTEST_MAX_PINS 64

/* Levels seen on a device's output pins, one recorder line per pin. */
typedef struct DevTestPins {
    int level[DEVTEST_MAX_PINS];
    unsigned changes[DEVTEST_MAX_PINS];
    IRQLine *lines[DEVTEST_MAX_PINS];
    int count;
} DevTestPins;

static inline void devtest_pin_handler(void *opaque, int n, int level)
{
    DevTestPins *p = opaque;
    if (p->level[n] != level) {
        p->changes[n]++;
    }
    p->level[n] = level;
}

/* Start the core once per process, with the virtual clock in manual mode. */
static inline void devtest_init(void)
{
    core_init("devtest", NULL);
    clock_virtual_set_manual(true);
}

/*
 * New realized and reset device of @type with "key", "value" string
 * property pairs (NULL-terminated), its output pins connected to @pins.
 */
static inline DeviceState *devtest_create(const char *type, DevTestPins *pins, ...)
{
    GError *err = NULL;
    Object *obj = object_new_checked(type, &err);
    ck_assert_msg(obj, "cannot create %s: %s", type, err ? err->message : "?");
    va_list ap;
    va_start(ap, pins);
    const char *key;
    while ((key = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);
        ck_assert_msg(object_property_parse(obj, key, value, &err), "%s=%s: %s", key, value,
                      err ? err->message : "?");
    }
    va_end(ap);
    DeviceState *dev = DEVICE(obj);
    ck_assert_msg(device_realize(dev, &err), "realize %s: %s", type, err ? err->message : "?");
    if (pins) {
        ck_assert_int_le(dev->num_irq_out, DEVTEST_MAX_PINS);
        pins->count = dev->num_irq_out;
        for (int i = 0; i < dev->num_irq_out; i++) {
            pins->lines[i] = irq_new(devtest_pin_handler, pins, i);
            device_connect_irq_out(dev, i, pins->lines[i]);
        }
    }
    device_reset(dev);
    return dev;
}

static inline uint64_t devtest_read(DeviceState *dev, hwaddr addr, unsigned size)
{
    uint64_t v = 0;
    ck_assert_int_eq(memory_region_dispatch_read(dev->mmio[0], addr, &v, size), MEMTX_OK);
    return v;
}

static inline void devtest_write(DeviceState *dev, hwaddr addr, uint64_t value, unsigned size)
{
    ck_assert_int_eq(memory_region_dispatch_write(dev->mmio[0], addr, value, size), MEMTX_OK);
}

/* Run one suite; the process exit status is the failure count != 0. */
static inline int devtest_run(Suite *s)
{
    devtest_init();
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}

#endif
