/* SPDX-License-Identifier: MIT */
/*
 * The SDK facade, seen from a plugin: properties of every kind, regions
 * and byte order, IRQ pins, DMA, timers, chardev handles, the device tree,
 * logging, realize errors, and the version check on loading.  Drives the
 * "sdk-test-device" plugin (sdk/tests/sdk_test_device.c) on the harness.
 */
#include <check.h>
#include <dlfcn.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/log.h"
#include "tessera/device.h"
#include "tessera/testing.h"

#define PLUGIN_FILE "sdk-test-device.so"
#define TYPE "sdk-test-device"
#define CTL 0x10000000u
#define PROPS 0x10001000u
#define RAM 0x80000000u
#define RAM_SIZE 0x10000u

#define REG_CMD 0x00
#define REG_SRC 0x04
#define REG_DST 0x08
#define REG_LEN 0x0c
#define REG_DMA_STATUS 0x10
#define REG_RX_COUNT 0x14
#define REG_RX_POP 0x18
#define REG_TX 0x1c
#define REG_TIMER_PENDING 0x20
#define REG_REGION0_ADDR 0x24
#define REG_IRQ0 0x28

static TsrTestBus *bus;

static void setup(void)
{
    bus = tsr_test_bus_new();
    ck_assert_msg(tsr_test_load_plugin(bus, tsr_test_file_beside_program(PLUGIN_FILE)), "%s",
                  tsr_test_error(bus));
}

static void teardown(void)
{
    tsr_test_bus_free(bus);
}

/* The device with both regions mapped (ctl at CTL, props at PROPS). */
static TsrTestDevice *create(const char *props)
{
    TsrTestDevice *d = tsr_test_device_create(bus, TYPE, props, CTL);
    tsr_test_device_map(d, 1, PROPS);
    return d;
}

static void assert_prop(TsrTestDevice *d, const char *name, const char *want)
{
    char *got = tsr_test_device_get(d, name);
    ck_assert_msg(got && !strcmp(got, want), "%s = %s, want %s", name, got, want);
    free(got);
}

/* ---- properties ---------------------------------------------------------- */

START_TEST(test_property_defaults)
{
    TsrTestDevice *d = create(NULL);
    assert_prop(d, "flag", "on");
    assert_prop(d, "i32", "-5");
    assert_prop(d, "i64", "-6");
    assert_prop(d, "u8", "7");
    assert_prop(d, "u16", "4660");
    assert_prop(d, "u64", "1311768467463790320");
    assert_prop(d, "size", "4096");
    assert_prop(d, "name", "dflt");
    assert_prop(d, "chardev", "");
    assert_prop(d, "addr", "0");
    assert_prop(d, "irq", "0");
}
END_TEST

START_TEST(test_properties_land_in_plugin_fields)
{
    create("u8=200,u16=0xbeef,i32=-2,u64=0x1122334455667788,size=64k,i64=9,flag=off,"
           "name=abcdefg");
    /* region 1 is big-endian: a device value V reads back as V byte-swapped
     * within the access, which equals V read byte by byte from the top */
    ck_assert_uint_eq(tsr_test_read8(bus, PROPS + 0x00), 200);
    ck_assert_uint_eq(tsr_test_read16(bus, PROPS + 0x02), 0xefbe);
    ck_assert_uint_eq(tsr_test_read32(bus, PROPS + 0x04), 0xfeffffffu);
    ck_assert_uint_eq(tsr_test_read64(bus, PROPS + 0x08), 0x8877665544332211ull);
    ck_assert_uint_eq(tsr_test_read64(bus, PROPS + 0x10), __builtin_bswap64(64 * 1024));
    ck_assert_uint_eq(tsr_test_read64(bus, PROPS + 0x18), __builtin_bswap64(9));
    ck_assert_uint_eq(tsr_test_read8(bus, PROPS + 0x20), 0);
    ck_assert_uint_eq(tsr_test_read32(bus, PROPS + 0x24), __builtin_bswap32(7));
}
END_TEST

START_TEST(test_out_of_range_property_is_refused)
{
    TsrTestDevice *d = tsr_test_device_new(bus, TYPE);
    ck_assert(!tsr_test_device_set(d, "u8", "256"));
    ck_assert_ptr_nonnull(strstr(tsr_test_error(bus), "u8"));
    ck_assert(!tsr_test_device_set(d, "nosuch", "1"));
    ck_assert_ptr_nonnull(strstr(tsr_test_error(bus), "nosuch"));
}
END_TEST

START_TEST(test_realize_error_is_the_plugins_message)
{
    TsrTestDevice *d = tsr_test_device_new(bus, TYPE);
    ck_assert(tsr_test_device_set(d, "fail", "on"));
    ck_assert(tsr_test_device_set(d, "name", "bob"));
    ck_assert(!tsr_test_device_realize(d));
    ck_assert_str_eq(tsr_test_error(bus), "fail=on was given (name 'bob')");
}
END_TEST

/* ---- MMIO ------------------------------------------------------------------ */

START_TEST(test_region_address_is_where_mapped)
{
    TsrTestDevice *d = tsr_test_device_new(bus, TYPE);
    ck_assert(tsr_test_device_realize(d));
    tsr_test_device_map(d, 0, CTL);
    ck_assert_uint_eq(tsr_test_read32(bus, CTL + REG_REGION0_ADDR), CTL);
}
END_TEST

START_TEST(test_write_to_region_without_write_is_ignored)
{
    create(NULL);
    tsr_test_write8(bus, PROPS, 1);
    ck_assert_uint_eq(tsr_test_read8(bus, PROPS), 7);
}
END_TEST

START_TEST(test_unrealize_unmaps)
{
    TsrTestDevice *d = create(NULL);
    tsr_test_device_unrealize(d);
    tsr_test_read32(bus, CTL + REG_REGION0_ADDR);
    ck_assert(!tsr_test_last_access_ok(bus));
}
END_TEST

/* ---- IRQs ------------------------------------------------------------------- */

START_TEST(test_irq_pins_are_numbered_in_order)
{
    TsrTestDevice *d = create(NULL);
    ck_assert_int_eq(tsr_test_irq_count(d), 2);
    tsr_test_write32(bus, CTL + REG_CMD, 2);
    ck_assert_uint_eq(tsr_test_irq_rises(d, 1), 1);
    ck_assert_int_eq(tsr_test_irq_level(d, 1), 0);
    ck_assert_uint_eq(tsr_test_irq_rises(d, 0), 0);
    tsr_test_write32(bus, CTL + REG_IRQ0, 1);
    tsr_test_write32(bus, CTL + REG_IRQ0, 1);
    ck_assert_int_eq(tsr_test_irq_level(d, 0), 1);
    ck_assert_uint_eq(tsr_test_irq_rises(d, 0), 1);
}
END_TEST

/* ---- DMA -------------------------------------------------------------------- */

START_TEST(test_dma_copies_guest_memory)
{
    create(NULL);
    tsr_test_add_ram(bus, RAM, RAM_SIZE);
    tsr_test_memwrite(bus, RAM + 0x10, "hello", 6);
    tsr_test_write32(bus, CTL + REG_SRC, RAM + 0x10);
    tsr_test_write32(bus, CTL + REG_DST, RAM + 0x800);
    tsr_test_write32(bus, CTL + REG_LEN, 6);
    tsr_test_write32(bus, CTL + REG_CMD, 1);
    ck_assert_uint_eq(tsr_test_read32(bus, CTL + REG_DMA_STATUS), 1);
    char buf[6];
    tsr_test_memread(bus, RAM + 0x800, buf, sizeof(buf));
    ck_assert_str_eq(buf, "hello");
}
END_TEST

START_TEST(test_dma_into_a_hole_fails)
{
    create(NULL);
    tsr_test_write32(bus, CTL + REG_SRC, 0x40000000u);
    tsr_test_write32(bus, CTL + REG_DST, 0x40001000u);
    tsr_test_write32(bus, CTL + REG_LEN, 4);
    tsr_test_write32(bus, CTL + REG_CMD, 1);
    ck_assert_uint_eq(tsr_test_read32(bus, CTL + REG_DMA_STATUS), 2);
}
END_TEST

/* ---- timers ------------------------------------------------------------------- */

START_TEST(test_timer_fires_after_delay)
{
    TsrTestDevice *d = create("delay=500");
    int64_t start = tsr_test_clock_ns(bus);
    tsr_test_write32(bus, CTL + REG_CMD, 4);
    ck_assert_uint_eq(tsr_test_read32(bus, CTL + REG_TIMER_PENDING), 1);
    tsr_test_clock_step(bus, 499);
    ck_assert_int_eq(tsr_test_irq_level(d, 0), 0);
    tsr_test_clock_step(bus, 1);
    ck_assert_int_eq(tsr_test_irq_level(d, 0), 1);
    ck_assert_int_eq(tsr_test_clock_ns(bus) - start, 500);
    ck_assert_uint_eq(tsr_test_read32(bus, CTL + REG_TIMER_PENDING), 0);
}
END_TEST

START_TEST(test_timer_cancel)
{
    TsrTestDevice *d = create(NULL);
    tsr_test_write32(bus, CTL + REG_CMD, 4);
    tsr_test_write32(bus, CTL + REG_CMD, 5);
    tsr_test_clock_step(bus, 10000);
    ck_assert_int_eq(tsr_test_irq_level(d, 0), 0);
}
END_TEST

START_TEST(test_unrealize_cancels_timers)
{
    TsrTestDevice *d = create(NULL);
    tsr_test_write32(bus, CTL + REG_CMD, 4);
    tsr_test_device_unrealize(d);
    tsr_test_clock_step(bus, 10000);
    ck_assert_int_eq(tsr_test_irq_level(d, 0), 0);
}
END_TEST

/* ---- chardev -------------------------------------------------------------------- */

START_TEST(test_chardev_output)
{
    TsrTestChardev *c = tsr_test_chardev_new(bus, "ser0");
    create("chardev=ser0");
    tsr_test_write32(bus, CTL + REG_TX, 'o');
    tsr_test_write32(bus, CTL + REG_TX, 'k');
    size_t len;
    char *out = tsr_test_chardev_take(c, &len);
    ck_assert_str_eq(out, "ok");
    ck_assert_uint_eq(len, 2);
    free(out);
    out = tsr_test_chardev_take(c, NULL);
    ck_assert_str_eq(out, "");
    free(out);
}
END_TEST

START_TEST(test_chardev_input_respects_flow_control)
{
    TsrTestChardev *c = tsr_test_chardev_new(bus, "ser0");
    create("chardev=ser0");
    ck_assert_uint_eq(tsr_test_chardev_feed_str(c, "abcdef"), 2);
    ck_assert_uint_eq(tsr_test_read32(bus, CTL + REG_RX_COUNT), 4);
    ck_assert_uint_eq(tsr_test_read32(bus, CTL + REG_RX_POP), 'a');
    /* popping made room: the next byte arrived at once */
    ck_assert_uint_eq(tsr_test_chardev_pending(c), 1);
    ck_assert_uint_eq(tsr_test_read32(bus, CTL + REG_RX_POP), 'b');
    ck_assert_uint_eq(tsr_test_chardev_pending(c), 0);
    const char want[] = "cdef";
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(tsr_test_read32(bus, CTL + REG_RX_POP), (unsigned char)want[i]);
    }
}
END_TEST

START_TEST(test_chardev_absent_drops_output)
{
    create(NULL);
    tsr_test_write32(bus, CTL + REG_TX, 'x');
    ck_assert(tsr_test_last_access_ok(bus));
}
END_TEST

START_TEST(test_chardev_unknown_id_fails_realize)
{
    TsrTestDevice *d = tsr_test_device_new(bus, TYPE);
    ck_assert(tsr_test_device_set(d, "chardev", "nope"));
    ck_assert(!tsr_test_device_realize(d));
    ck_assert_str_eq(tsr_test_error(bus), "property 'chardev': no chardev with id 'nope'");
}
END_TEST

START_TEST(test_chardev_used_twice_fails_realize)
{
    tsr_test_chardev_new(bus, "ser0");
    create("chardev=ser0");
    TsrTestDevice *d = tsr_test_device_new(bus, TYPE);
    ck_assert(tsr_test_device_set(d, "chardev", "ser0"));
    ck_assert(!tsr_test_device_realize(d));
    ck_assert_ptr_nonnull(strstr(tsr_test_error(bus), "already in use"));
}
END_TEST

START_TEST(test_chardev_property_fixed_once_realized)
{
    tsr_test_chardev_new(bus, "ser0");
    TsrTestDevice *d = create("chardev=ser0");
    ck_assert(!tsr_test_device_set(d, "chardev", ""));
    ck_assert_ptr_nonnull(strstr(tsr_test_error(bus), "realized"));
}
END_TEST

/* ---- device tree ------------------------------------------------------------------ */

START_TEST(test_fdt_node)
{
    TsrTestDevice *d = create(NULL);
    char *dt = tsr_test_device_fdt(d);
    ck_assert_msg(dt != NULL, "%s", tsr_test_error(bus));
    static const char *const want[] = {
        "/soc/sdktest@10000000 {\n",
        "  compatible = \"tessera,sdk-test\", \"tessera,generic\";\n",
        "  reg = <0x0 0x10000000 0x0 0x100 0x0 0x10001000 0x0 0x40>;\n",
        "  interrupts = <0x1 0x2>;\n",
        "  interrupt-parent = <0x1>;\n",
        "  big = <0x1 0x2>;\n",
        "  three = <0x1 0x2 0x3>;\n",
        "  flagged;\n",
        "  path-seen = \"/soc/sdktest@10000000\";\n",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        ck_assert_msg(strstr(dt, want[i]) != NULL, "missing %s in:\n%s", want[i], dt);
    }
    free(dt);
}
END_TEST

START_TEST(test_fdt_unmapped_device_has_no_node)
{
    TsrTestDevice *d = tsr_test_device_new(bus, TYPE);
    ck_assert(tsr_test_device_realize(d));
    char *dt = tsr_test_device_fdt(d);
    ck_assert_str_eq(dt, "");
    free(dt);
}
END_TEST

/* ---- logging ------------------------------------------------------------------------ */

START_TEST(test_guest_errors_and_unimp_are_logged)
{
    g_autofree char *dir = g_dir_make_tmp("tsr-log-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "log", NULL);
    ck_assert(log_set_mask_str("guest_errors,unimp", NULL));
    ck_assert(log_set_file(path, NULL));
    create(NULL);
    tsr_test_write32(bus, CTL + REG_CMD, 99);
    tsr_test_write32(bus, CTL + REG_CMD, 3);
    tsr_test_write8(bus, PROPS, 1);
    ck_assert(log_set_file(NULL, NULL));
    g_autofree char *text = NULL;
    ck_assert(g_file_get_contents(path, &text, NULL, NULL));
    ck_assert_msg(strstr(text, "sdk-test-device: bad command 99\n") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "sdk-test-device: command 3\n") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "read-only region 'props'") != NULL, "%s", text);
    g_unlink(path);
    g_rmdir(dir);
}
END_TEST

/* ---- the plugin descriptor and version checks ------------------------------------------ */

START_TEST(test_descriptor_records_sdk_version)
{
    void *h = dlopen(tsr_test_file_beside_program(PLUGIN_FILE), RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(h != NULL, "%s", dlerror());
    const TsrModuleDesc *d = dlsym(h, TSR_MODULE_SYMBOL);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(d->magic, TSR_MODULE_MAGIC);
    ck_assert_ptr_null(d->build_id);
    ck_assert_uint_eq(d->sdk_major, TESSERA_SDK_MAJOR);
    ck_assert_uint_eq(d->sdk_minor, TESSERA_SDK_MINOR);
    ck_assert_str_eq(d->kind, "device");
    ck_assert_str_eq(d->types[0].name, TYPE);
    ck_assert_str_eq(d->types[0].parent, TSR_TYPE_DEVICE);
    ck_assert(d->types[0].user_creatable);
    ck_assert_ptr_null(d->types[1].name);
    dlclose(h);
}
END_TEST

START_TEST(test_newer_minor_plugin_is_refused)
{
    const char *path = tsr_test_file_beside_program("modules/sdk-newer-minor.so");
    ck_assert(!tsr_test_load_plugin(bus, path));
    g_autofree char *want = g_strdup_printf("plugin built for SDK %d.%d, but this core provides"
                                            " SDK %d.%d", TESSERA_SDK_MAJOR,
                                            TESSERA_SDK_MINOR + 1, TESSERA_SDK_MAJOR,
                                            TESSERA_SDK_MINOR);
    ck_assert_msg(strstr(tsr_test_error(bus), want) != NULL, "%s", tsr_test_error(bus));
    ck_assert_ptr_nonnull(strstr(tsr_test_error(bus), path));
}
END_TEST

static TCase *tcase(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, setup, teardown);
    suite_add_tcase(s, tc);
    return tc;
}

int main(void)
{
    Suite *s = suite_create("/sdk/facade");
    TCase *tc = tcase(s, "/sdk/facade/properties");
    tcase_add_test(tc, test_property_defaults);
    tcase_add_test(tc, test_properties_land_in_plugin_fields);
    tcase_add_test(tc, test_out_of_range_property_is_refused);
    tcase_add_test(tc, test_realize_error_is_the_plugins_message);
    tc = tcase(s, "/sdk/facade/mmio");
    tcase_add_test(tc, test_region_address_is_where_mapped);
    tcase_add_test(tc, test_write_to_region_without_write_is_ignored);
    tcase_add_test(tc, test_unrealize_unmaps);
    tc = tcase(s, "/sdk/facade/irq");
    tcase_add_test(tc, test_irq_pins_are_numbered_in_order);
    tc = tcase(s, "/sdk/facade/dma");
    tcase_add_test(tc, test_dma_copies_guest_memory);
    tcase_add_test(tc, test_dma_into_a_hole_fails);
    tc = tcase(s, "/sdk/facade/timer");
    tcase_add_test(tc, test_timer_fires_after_delay);
    tcase_add_test(tc, test_timer_cancel);
    tcase_add_test(tc, test_unrealize_cancels_timers);
    tc = tcase(s, "/sdk/facade/chardev");
    tcase_add_test(tc, test_chardev_output);
    tcase_add_test(tc, test_chardev_input_respects_flow_control);
    tcase_add_test(tc, test_chardev_absent_drops_output);
    tcase_add_test(tc, test_chardev_unknown_id_fails_realize);
    tcase_add_test(tc, test_chardev_used_twice_fails_realize);
    tcase_add_test(tc, test_chardev_property_fixed_once_realized);
    tc = tcase(s, "/sdk/facade/fdt");
    tcase_add_test(tc, test_fdt_node);
    tcase_add_test(tc, test_fdt_unmapped_device_has_no_node);
    tc = tcase(s, "/sdk/facade/log");
    tcase_add_test(tc, test_guest_errors_and_unimp_are_logged);
    tc = tcase(s, "/sdk/facade/abi");
    tcase_add_test(tc, test_descriptor_records_sdk_version);
    tcase_add_test(tc, test_newer_minor_plugin_is_refused);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0;
}
