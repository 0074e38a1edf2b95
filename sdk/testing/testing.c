/* SPDX-License-Identifier: MIT */
/*
 * Test harness (libtessera-testing): devices on a bare address space with
 * no machine and no CPU, driven by a test program.  See <tessera/testing.h>.
 */
#define _GNU_SOURCE
#include "testing-internal.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/core.h"
#include "kernel/fdt.h"
#include "kernel/module.h"
#include "kernel/options.h"

#define TEST_CONTAINER "/tsr-test"
#define TEST_INTC_LABEL "tsr-test-intc"
#define TEST_FDT_BUS "/soc"
#define TEST_FDT_CELLS 2

G_NORETURN void test_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tsr-test: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
    abort();
}

static void bus_set_error(TsrTestBus *bus, GError *err)
{
    g_free(bus->error);
    bus->error = g_strdup(err->message);
    g_error_free(err);
}

const char *tsr_test_error(const TsrTestBus *bus)
{
    return bus->error;
}

/* The module directory of the install (or build tree) this library
 * belongs to: LIBDIR/tessera/modules. */
static char *harness_module_dir(void)
{
    Dl_info info;
    if (!dladdr((void *)harness_module_dir, &info) || !info.dli_fname) {
        return NULL;
    }
    g_autofree char *libdir = g_path_get_dirname(info.dli_fname);
    return g_build_filename(libdir, "tessera", "modules", NULL);
}

static void harness_core_init(void)
{
    static gsize once;
    if (g_once_init_enter(&once)) {
        g_autofree char *dir = harness_module_dir();
        core_init("tsr-test", dir);
        g_once_init_leave(&once, 1);
    }
}

/* ---- buses -------------------------------------------------------------------- */

TsrTestBus *tsr_test_bus_new(void)
{
    harness_core_init();
    clock_virtual_set_manual(true);
    TsrTestBus *bus = g_new0(TsrTestBus, 1);
    Object *top = container_get(TEST_CONTAINER);
    bus->container = object_new(TYPE_CONTAINER);
    for (unsigned n = 0;; n++) {
        g_autofree char *name = g_strdup_printf("bus%u", n);
        if (!object_resolve_child(top, name)) {
            object_property_add_child(top, name, bus->container, NULL);
            break;
        }
    }
    object_unref(bus->container);
    memory_region_init(&bus->root, bus->container, "tsr-test-bus", UINT64_MAX);
    address_space_init(&bus->as, &bus->root, "tsr-test-bus");
    g_autofree char *bus_name = g_strdup_printf("%s.sysbus", object_get_name(bus->container));
    bus->sysbus = bus_new(TYPE_SYSTEM_BUS, bus->container, bus_name);
    bus->sysbus->dma_as = &bus->as;
    bus->devices = g_ptr_array_new();
    bus->chardevs = g_ptr_array_new();
    bus->ram = g_ptr_array_new();
    bus->last_ok = true;
    return bus;
}

static void test_device_free(TsrTestDevice *d)
{
    bus_unplug(d->dev);
    object_unparent(OBJECT(d->dev));
    for (guint i = 0; i < d->pins->len; i++) {
        TestPin *pin = g_ptr_array_index(d->pins, i);
        irq_free(pin->line);
        g_free(pin);
    }
    g_ptr_array_unref(d->pins);
    g_free(d);
}

void tsr_test_bus_free(TsrTestBus *bus)
{
    for (guint i = bus->devices->len; i-- > 0;) {
        test_device_free(g_ptr_array_index(bus->devices, i));
    }
    for (guint i = 0; i < bus->chardevs->len; i++) {
        test_chardev_free(g_ptr_array_index(bus->chardevs, i));
    }
    address_space_destroy(&bus->as);
    for (guint i = 0; i < bus->ram->len; i++) {
        MemoryRegion *mr = g_ptr_array_index(bus->ram, i);
        memory_region_destroy(mr);
        g_free(mr);
    }
    memory_region_destroy(&bus->root);
    object_unparent(bus->container);
    g_ptr_array_unref(bus->devices);
    g_ptr_array_unref(bus->chardevs);
    g_ptr_array_unref(bus->ram);
    g_free(bus->error);
    g_free(bus);
}

bool tsr_test_load_plugin(TsrTestBus *bus, const char *path)
{
    GError *err = NULL;
    if (!module_load_file(path, &err)) {
        bus_set_error(bus, err);
        return false;
    }
    return true;
}

const char *tsr_test_file_beside_program(const char *name)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    if (!exe) {
        test_fail("cannot find the running program (/proc/self/exe)");
    }
    g_autofree char *dir = g_path_get_dirname(exe);
    return g_build_filename(dir, name, NULL); /* never freed, as documented */
}

void tsr_test_add_ram(TsrTestBus *bus, uint64_t addr, uint64_t size)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);
    GError *err = NULL;
    g_autofree char *name = g_strdup_printf("tsr-test-ram@0x%" PRIx64, addr);
    if (!memory_region_init_ram(mr, bus->container, name, size, &err)) {
        test_fail("tsr_test_add_ram(0x%" PRIx64 ", 0x%" PRIx64 "): %s", addr, size,
                  err->message);
    }
    memory_region_add_subregion(&bus->root, addr, mr);
    g_ptr_array_add(bus->ram, mr);
}

/* ---- devices -------------------------------------------------------------------- */

static void test_pin_handler(void *opaque, int n, int level)
{
    TestPin *pin = opaque;
    int high = level != 0;
    if (high && !pin->level) {
        pin->rises++;
    }
    pin->level = high;
}

/* Connect output pins the device has declared since the last call. */
static void test_device_connect_pins(TsrTestDevice *d)
{
    for (int n = (int)d->pins->len; n < d->dev->num_irq_out; n++) {
        TestPin *pin = g_new0(TestPin, 1);
        pin->line = irq_new(test_pin_handler, pin, n);
        g_ptr_array_add(d->pins, pin);
        device_connect_irq_out(d->dev, n, pin->line);
    }
}

TsrTestDevice *tsr_test_device_new(TsrTestBus *bus, const char *type)
{
    GError *err = NULL;
    TypeImpl *t = type_lookup_or_load(type, &err);
    if (!t) {
        bus_set_error(bus, err);
        return NULL;
    }
    if (!type_is_a(t, TYPE_DEVICE) || type_is_abstract(t)) {
        g_free(bus->error);
        bus->error = g_strdup_printf("'%s' is not a device type that can be created", type);
        return NULL;
    }
    TsrTestDevice *d = g_new0(TsrTestDevice, 1);
    d->bus = bus;
    d->dev = DEVICE(object_new(type));
    d->pins = g_ptr_array_new();
    for (unsigned n = 0;; n++) {
        g_autofree char *name = g_strdup_printf("%s[%u]", type, n);
        if (!object_resolve_child(bus->container, name)) {
            object_property_add_child(bus->container, name, OBJECT(d->dev), NULL);
            break;
        }
    }
    object_unref(OBJECT(d->dev));
    if (!bus_plug(bus->sysbus, d->dev, &err)) {
        bus_set_error(bus, err);
        object_unparent(OBJECT(d->dev));
        g_ptr_array_unref(d->pins);
        g_free(d);
        return NULL;
    }
    test_device_connect_pins(d);
    g_ptr_array_add(bus->devices, d);
    return d;
}

bool tsr_test_device_set(TsrTestDevice *d, const char *prop, const char *value)
{
    GError *err = NULL;
    if (!object_property_parse(OBJECT(d->dev), prop, value, &err)) {
        bus_set_error(d->bus, err);
        return false;
    }
    return true;
}

char *tsr_test_device_get(TsrTestDevice *d, const char *prop)
{
    return object_property_print(OBJECT(d->dev), prop, NULL);
}

bool tsr_test_device_realize(TsrTestDevice *d)
{
    GError *err = NULL;
    if (!device_realize(d->dev, &err)) {
        bus_set_error(d->bus, err);
        return false;
    }
    test_device_connect_pins(d);
    device_reset(d->dev);
    return true;
}

void tsr_test_device_map(TsrTestDevice *d, int n, uint64_t addr)
{
    if (n < 0 || n >= d->dev->num_mmio) {
        test_fail("%s has no MMIO region %d (it has %d)", object_get_typename(OBJECT(d->dev)),
                  n, d->dev->num_mmio);
    }
    device_mmio_map(d->dev, n, &d->bus->root, addr);
}

void tsr_test_device_reset(TsrTestDevice *d)
{
    device_reset(d->dev);
}

void tsr_test_device_unrealize(TsrTestDevice *d)
{
    device_unrealize(d->dev);
}

TsrTestDevice *tsr_test_device_create(TsrTestBus *bus, const char *type, const char *props,
                                      uint64_t addr)
{
    TsrTestDevice *d = tsr_test_device_new(bus, type);
    if (!d) {
        test_fail("tsr_test_device_create(\"%s\"): %s", type, bus->error);
    }
    if (props && *props) {
        GError *err = NULL;
        OptDict *opts = opt_dict_parse("tsr_test_device_create", props, NULL, false, &err);
        if (!opts) {
            test_fail("tsr_test_device_create(\"%s\", \"%s\"): %s", type, props, err->message);
        }
        for (guint i = 0; i < opts->keys->len; i++) {
            const char *key = g_ptr_array_index(opts->keys, i);
            if (!tsr_test_device_set(d, key, opt_dict_get(opts, key))) {
                test_fail("tsr_test_device_create(\"%s\", \"%s\"): %s", type, props,
                          bus->error);
            }
        }
        opt_dict_free(opts);
    }
    if (!tsr_test_device_realize(d)) {
        test_fail("tsr_test_device_create(\"%s\"): %s", type, bus->error);
    }
    tsr_test_device_map(d, 0, addr);
    return d;
}

/* ---- registers and memory -------------------------------------------------------- */

static void check_size(const char *fn, unsigned size)
{
    if (size != 1 && size != 2 && size != 4 && size != 8) {
        test_fail("%s: access size %u is not 1, 2, 4 or 8", fn, size);
    }
}

uint64_t tsr_test_read(TsrTestBus *bus, uint64_t addr, unsigned size)
{
    check_size("tsr_test_read", size);
    uint64_t value = 0;
    bus->last_ok = address_space_read(&bus->as, addr, &value, size) == MEMTX_OK;
    return value;
}

void tsr_test_write(TsrTestBus *bus, uint64_t addr, uint64_t value, unsigned size)
{
    check_size("tsr_test_write", size);
    bus->last_ok = address_space_write(&bus->as, addr, value, size) == MEMTX_OK;
}

bool tsr_test_last_access_ok(const TsrTestBus *bus)
{
    return bus->last_ok;
}

void tsr_test_memread(TsrTestBus *bus, uint64_t addr, void *buf, size_t len)
{
    bus->last_ok = address_space_read_buf(&bus->as, addr, buf, len) == MEMTX_OK;
}

void tsr_test_memwrite(TsrTestBus *bus, uint64_t addr, const void *buf, size_t len)
{
    bus->last_ok = address_space_write_buf(&bus->as, addr, buf, len) == MEMTX_OK;
}

/* ---- interrupts -------------------------------------------------------------------- */

static TestPin *test_pin(TsrTestDevice *d, int pin)
{
    if (pin < 0 || (guint)pin >= d->pins->len) {
        test_fail("%s has no IRQ output %d (it has %u)", object_get_typename(OBJECT(d->dev)),
                  pin, d->pins->len);
    }
    return g_ptr_array_index(d->pins, pin);
}

int tsr_test_irq_level(TsrTestDevice *d, int pin)
{
    return test_pin(d, pin)->level;
}

unsigned tsr_test_irq_rises(TsrTestDevice *d, int pin)
{
    return test_pin(d, pin)->rises;
}

void tsr_test_irq_reset_count(TsrTestDevice *d, int pin)
{
    test_pin(d, pin)->rises = 0;
}

int tsr_test_irq_count(TsrTestDevice *d)
{
    return (int)d->pins->len;
}

/* ---- virtual time -------------------------------------------------------------------- */

void tsr_test_clock_step(TsrTestBus *bus, int64_t ns)
{
    if (ns < 0) {
        test_fail("tsr_test_clock_step: negative step %" PRId64, ns);
    }
    clock_step(ns);
}

int64_t tsr_test_clock_ns(TsrTestBus *bus)
{
    return clock_get_ns(CLOCK_VIRTUAL);
}

/* ---- device tree ----------------------------------------------------------------------- */

char *tsr_test_device_fdt(TsrTestDevice *d)
{
    DeviceClass *dc = DEVICE_GET_CLASS(d->dev);
    FdtBuilder *fdt = fdt_builder_new();
    fdt_builder_phandle(fdt, TEST_INTC_LABEL); /* phandle 1 */
    fdt_builder_add_node(fdt, TEST_FDT_BUS);
    fdt_builder_prop_u32(fdt, TEST_FDT_BUS, "#address-cells", TEST_FDT_CELLS);
    fdt_builder_prop_u32(fdt, TEST_FDT_BUS, "#size-cells", TEST_FDT_CELLS);
    fdt_builder_set_bus_path(fdt, TEST_FDT_BUS);
    for (int n = 0; n < d->dev->num_irq_out; n++) {
        fdt_builder_set_irq(fdt, d->dev, n, TEST_INTC_LABEL, (uint32_t)n + 1);
    }
    if (dc->fdt_node) {
        dc->fdt_node(d->dev, fdt);
    }
    GError *err = NULL;
    char *text = NULL;
    if (!fdt_builder_finish(fdt, &err)) {
        bus_set_error(d->bus, err);
    } else {
        text = test_fdt_dump(fdt_builder_blob(fdt, NULL), TEST_FDT_BUS);
    }
    fdt_builder_free(fdt);
    return text;
}
