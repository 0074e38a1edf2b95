/* SPDX-License-Identifier: MIT */
/*
 * FdtBuilder (kernel/fdt.h): nodes by path with parents created, typed
 * properties, reg encoded by the parent's cell sizes, growth past the
 * initial buffer, sticky errors, phandles by label, interrupt routing.
 */
#include <check.h>
#include <libfdt.h>
#include <string.h>
#include <unistd.h>

#include "kernel/fdt.h"

/* Device pointers are only used as keys: fake ones will do. */
static const int fake_dev_a, fake_dev_b;
#define DEV_A ((const DeviceState *)&fake_dev_a)
#define DEV_B ((const DeviceState *)&fake_dev_b)

static const void *finish(FdtBuilder *fdt)
{
    GError *err = NULL;
    ck_assert_msg(fdt_builder_finish(fdt, &err), "%s", err ? err->message : "?");
    const void *blob = fdt_builder_blob(fdt, NULL);
    ck_assert_int_eq(fdt_check_header(blob), 0);
    return blob;
}

static const fdt32_t *getprop(const void *blob, const char *path, const char *name, int *len)
{
    int off = fdt_path_offset(blob, path);
    ck_assert_msg(off >= 0, "no node %s", path);
    const fdt32_t *p = fdt_getprop(blob, off, name, len);
    ck_assert_msg(p, "no property %s in %s", name, path);
    return p;
}

START_TEST(test_add_node_creates_parents)
{
    FdtBuilder *fdt = fdt_builder_new();
    fdt_builder_add_node(fdt, "/a/b/c");
    fdt_builder_add_node(fdt, "/a/b/c"); /* again: no-op */
    ck_assert(fdt_builder_node_exists(fdt, "/a"));
    ck_assert(fdt_builder_node_exists(fdt, "/a/b/c"));
    ck_assert(!fdt_builder_node_exists(fdt, "/a/x"));
    finish(fdt);
    fdt_builder_free(fdt);
}
END_TEST

START_TEST(test_typed_properties)
{
    FdtBuilder *fdt = fdt_builder_new();
    static const char *const compat[] = { "vendor,dev", "generic", NULL };
    const uint32_t cells[] = { 1, 2, 3 };
    fdt_builder_add_node(fdt, "/n");
    fdt_builder_prop_string(fdt, "/n", "s", "text");
    fdt_builder_prop_strings(fdt, "/n", "compatible", compat);
    fdt_builder_prop_u32(fdt, "/n", "u32", 0x12345678);
    fdt_builder_prop_u64(fdt, "/n", "u64", 0x1122334455667788ull);
    fdt_builder_prop_cells(fdt, "/n", "cells", cells, 3);
    fdt_builder_prop_empty(fdt, "/n", "flag");
    const void *blob = finish(fdt);
    int len;
    ck_assert_str_eq((const char *)getprop(blob, "/n", "s", &len), "text");
    const char *c = (const char *)getprop(blob, "/n", "compatible", &len);
    ck_assert_int_eq(len, (int)sizeof("vendor,dev\0generic"));
    ck_assert_int_eq(memcmp(c, "vendor,dev\0generic", len), 0);
    ck_assert_uint_eq(fdt32_to_cpu(*getprop(blob, "/n", "u32", &len)), 0x12345678);
    const fdt32_t *u64 = getprop(blob, "/n", "u64", &len);
    ck_assert_int_eq(len, 8);
    ck_assert_uint_eq(fdt32_to_cpu(u64[0]), 0x11223344);
    ck_assert_uint_eq(fdt32_to_cpu(u64[1]), 0x55667788);
    const fdt32_t *cl = getprop(blob, "/n", "cells", &len);
    ck_assert_int_eq(len, 12);
    ck_assert_uint_eq(fdt32_to_cpu(cl[2]), 3);
    getprop(blob, "/n", "flag", &len);
    ck_assert_int_eq(len, 0);
    fdt_builder_free(fdt);
}
END_TEST

START_TEST(test_reg_follows_parent_cells)
{
    FdtBuilder *fdt = fdt_builder_new();
    fdt_builder_prop_u32(fdt, "/", "#address-cells", 2);
    fdt_builder_prop_u32(fdt, "/", "#size-cells", 2);
    fdt_builder_add_node(fdt, "/wide");
    const uint64_t wide[] = { 0x100000000ull, 0x2000 };
    fdt_builder_prop_reg(fdt, "/wide", wide, 1);
    fdt_builder_add_node(fdt, "/bus");
    fdt_builder_prop_u32(fdt, "/bus", "#address-cells", 1);
    fdt_builder_prop_u32(fdt, "/bus", "#size-cells", 1);
    fdt_builder_add_node(fdt, "/bus/dev");
    const uint64_t narrow[] = { 0x1000, 0x100, 0x3000, 0x10 };
    fdt_builder_prop_reg(fdt, "/bus/dev", narrow, 2);
    const void *blob = finish(fdt);
    int len;
    const fdt32_t *r = getprop(blob, "/wide", "reg", &len);
    ck_assert_int_eq(len, 16);
    ck_assert_uint_eq(fdt32_to_cpu(r[0]), 1);
    ck_assert_uint_eq(fdt32_to_cpu(r[1]), 0);
    ck_assert_uint_eq(fdt32_to_cpu(r[3]), 0x2000);
    r = getprop(blob, "/bus/dev", "reg", &len);
    ck_assert_int_eq(len, 16);
    ck_assert_uint_eq(fdt32_to_cpu(r[2]), 0x3000);
    ck_assert_uint_eq(fdt32_to_cpu(r[3]), 0x10);
    fdt_builder_free(fdt);
}
END_TEST

START_TEST(test_reg_too_wide_for_cells_fails)
{
    FdtBuilder *fdt = fdt_builder_new();
    fdt_builder_prop_u32(fdt, "/", "#address-cells", 1);
    fdt_builder_prop_u32(fdt, "/", "#size-cells", 1);
    fdt_builder_add_node(fdt, "/dev");
    const uint64_t reg[] = { 0x100000000ull, 0x10 };
    fdt_builder_prop_reg(fdt, "/dev", reg, 1);
    GError *err = NULL;
    ck_assert(!fdt_builder_finish(fdt, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "/dev"));
    g_error_free(err);
    fdt_builder_free(fdt);
}
END_TEST

START_TEST(test_grows_past_initial_size)
{
    FdtBuilder *fdt = fdt_builder_new();
    char value[1024];
    memset(value, 'x', sizeof(value) - 1);
    value[sizeof(value) - 1] = 0;
    for (int i = 0; i < 300; i++) {
        char *path = g_strdup_printf("/node%d", i);
        fdt_builder_add_node(fdt, path);
        fdt_builder_prop_string(fdt, path, "payload", value);
        g_free(path);
    }
    const void *blob = finish(fdt);
    size_t size;
    fdt_builder_blob(fdt, &size);
    ck_assert_uint_gt(size, 300 * 1024);
    int len;
    ck_assert_str_eq((const char *)getprop(blob, "/node299", "payload", &len), value);
    fdt_builder_free(fdt);
}
END_TEST

START_TEST(test_errors_are_sticky_and_name_the_node)
{
    FdtBuilder *fdt = fdt_builder_new();
    fdt_builder_prop_u32(fdt, "/missing", "x", 1);
    ck_assert(fdt_builder_failed(fdt));
    fdt_builder_add_node(fdt, "/later"); /* ignored after the failure */
    GError *err = NULL;
    ck_assert(!fdt_builder_finish(fdt, &err));
    ck_assert_int_eq(err->code, FDT_ERROR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err->message, "/missing"));
    g_error_free(err);
    ck_assert(!fdt_builder_node_exists(fdt, "/later"));
    fdt_builder_free(fdt);
}
END_TEST

START_TEST(test_phandles_by_label)
{
    FdtBuilder *fdt = fdt_builder_new();
    ck_assert_uint_eq(fdt_builder_lookup_phandle(fdt, "plic"), 0);
    uint32_t early = fdt_builder_phandle(fdt, "plic"); /* asked before the node exists */
    ck_assert_uint_ne(early, 0);
    ck_assert_uint_eq(fdt_builder_phandle(fdt, "plic"), early);
    uint32_t other = fdt_builder_phandle(fdt, "intc");
    ck_assert_uint_ne(other, early);
    fdt_builder_add_node(fdt, "/plic");
    ck_assert_uint_eq(fdt_builder_set_phandle(fdt, "/plic", "plic"), early);
    const void *blob = finish(fdt);
    ck_assert_uint_eq(fdt_get_phandle(blob, fdt_path_offset(blob, "/plic")), early);
    ck_assert_uint_eq(fdt_builder_lookup_phandle(fdt, "intc"), other);
    fdt_builder_free(fdt);
}
END_TEST

START_TEST(test_from_blob_allocates_fresh_phandles)
{
    uint8_t buf[512];
    ck_assert_int_eq(fdt_create_empty_tree(buf, sizeof(buf)), 0);
    int off = fdt_add_subnode(buf, 0, "ctl");
    ck_assert_int_ge(off, 0);
    ck_assert_int_eq(fdt_setprop_u32(buf, off, "phandle", 7), 0);
    GError *err = NULL;
    FdtBuilder *fdt = fdt_builder_new_from_blob(buf, sizeof(buf), &err);
    ck_assert_ptr_nonnull(fdt);
    ck_assert_uint_eq(fdt_builder_phandle(fdt, "new"), 8);
    ck_assert(fdt_builder_node_exists(fdt, "/ctl"));
    fdt_builder_free(fdt);

    memset(buf, 0, sizeof(buf));
    ck_assert_ptr_null(fdt_builder_new_from_blob(buf, sizeof(buf), &err));
    ck_assert_int_eq(err->code, FDT_ERROR_INVALID);
    g_error_free(err);
}
END_TEST

START_TEST(test_irqs_single_parent)
{
    FdtBuilder *fdt = fdt_builder_new();
    fdt_builder_add_node(fdt, "/dev");
    /* Recorded out of order: written by pin. */
    fdt_builder_set_irq(fdt, DEV_A, 1, "plic", 11);
    fdt_builder_set_irq(fdt, DEV_A, 0, "plic", 10);
    fdt_builder_set_irq(fdt, DEV_B, 0, "other", 99);
    fdt_builder_prop_irqs(fdt, "/dev", DEV_A);
    uint32_t plic = fdt_builder_phandle(fdt, "plic");
    const void *blob = finish(fdt);
    int len;
    ck_assert_uint_eq(fdt32_to_cpu(*getprop(blob, "/dev", "interrupt-parent", &len)), plic);
    const fdt32_t *irqs = getprop(blob, "/dev", "interrupts", &len);
    ck_assert_int_eq(len, 8);
    ck_assert_uint_eq(fdt32_to_cpu(irqs[0]), 10);
    ck_assert_uint_eq(fdt32_to_cpu(irqs[1]), 11);
    fdt_builder_free(fdt);
}
END_TEST

START_TEST(test_irqs_several_parents_use_extended)
{
    FdtBuilder *fdt = fdt_builder_new();
    fdt_builder_add_node(fdt, "/ctl");
    fdt_builder_set_irq(fdt, DEV_A, 0, "hart0-intc", 11);
    fdt_builder_set_irq(fdt, DEV_A, 1, "hart0-intc", 9);
    fdt_builder_set_irq(fdt, DEV_A, 2, "hart1-intc", 11);
    fdt_builder_prop_irqs(fdt, "/ctl", DEV_A);
    uint32_t h0 = fdt_builder_phandle(fdt, "hart0-intc");
    uint32_t h1 = fdt_builder_phandle(fdt, "hart1-intc");
    const void *blob = finish(fdt);
    int len;
    const fdt32_t *v = getprop(blob, "/ctl", "interrupts-extended", &len);
    const uint32_t expect[] = { h0, 11, h0, 9, h1, 11 };
    ck_assert_int_eq(len, (int)sizeof(expect));
    for (int i = 0; i < 6; i++) {
        ck_assert_uint_eq(fdt32_to_cpu(v[i]), expect[i]);
    }
    ck_assert_ptr_null(fdt_getprop(blob, fdt_path_offset(blob, "/ctl"), "interrupts", &len));
    fdt_builder_free(fdt);
}
END_TEST

/* A GIC-style controller: three cells per specifier, mixed with one-cell
 * routes of another device. */
START_TEST(test_irqs_three_cell_specifiers)
{
    FdtBuilder *fdt = fdt_builder_new();
    fdt_builder_add_node(fdt, "/uart");
    fdt_builder_add_node(fdt, "/mix");
    const uint32_t spi1[] = { 0, 1, 4 }, ppi[] = { 1, 13, 0xf04 };
    fdt_builder_set_irq_cells(fdt, DEV_A, 0, "gic", spi1, 3);
    fdt_builder_prop_irqs(fdt, "/uart", DEV_A);
    fdt_builder_set_irq_cells(fdt, DEV_B, 0, "gic", ppi, 3);
    fdt_builder_set_irq(fdt, DEV_B, 1, "plic", 7);
    fdt_builder_prop_irqs(fdt, "/mix", DEV_B);
    uint32_t gic = fdt_builder_phandle(fdt, "gic"), plic = fdt_builder_phandle(fdt, "plic");
    const void *blob = finish(fdt);
    int len;
    const fdt32_t *v = getprop(blob, "/uart", "interrupts", &len);
    ck_assert_int_eq(len, 12);
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq(fdt32_to_cpu(v[i]), spi1[i]);
    }
    v = getprop(blob, "/uart", "interrupt-parent", &len);
    ck_assert_uint_eq(fdt32_to_cpu(v[0]), gic);
    v = getprop(blob, "/mix", "interrupts-extended", &len);
    const uint32_t expect[] = { gic, 1, 13, 0xf04, plic, 7 };
    ck_assert_int_eq(len, (int)sizeof(expect));
    for (int i = 0; i < 6; i++) {
        ck_assert_uint_eq(fdt32_to_cpu(v[i]), expect[i]);
    }
    fdt_builder_free(fdt);
}
END_TEST

START_TEST(test_irqs_subset_of_pins)
{
    FdtBuilder *fdt = fdt_builder_new();
    fdt_builder_add_node(fdt, "/odd");
    for (int pin = 0; pin < 4; pin++) {
        fdt_builder_set_irq(fdt, DEV_A, pin, pin < 2 ? "h0" : "h1", 100 + pin);
    }
    fdt_builder_prop_irqs_extended_subset(fdt, "/odd", DEV_A, 1, 2);
    uint32_t h0 = fdt_builder_phandle(fdt, "h0"), h1 = fdt_builder_phandle(fdt, "h1");
    const void *blob = finish(fdt);
    int len;
    const fdt32_t *v = getprop(blob, "/odd", "interrupts-extended", &len);
    const uint32_t expect[] = { h0, 101, h1, 103 };
    ck_assert_int_eq(len, (int)sizeof(expect));
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(fdt32_to_cpu(v[i]), expect[i]);
    }
    fdt_builder_free(fdt);
}
END_TEST

START_TEST(test_device_path_under_bus)
{
    FdtBuilder *fdt = fdt_builder_new();
    char *p = fdt_builder_device_path(fdt, "rtc", 0x101000);
    ck_assert_str_eq(p, "/rtc@101000");
    g_free(p);
    fdt_builder_set_bus_path(fdt, "/soc");
    ck_assert_str_eq(fdt_builder_bus_path(fdt), "/soc");
    p = fdt_builder_device_path(fdt, "serial", 0x10000000);
    ck_assert_str_eq(p, "/soc/serial@10000000");
    g_free(p);
    fdt_builder_free(fdt);
}
END_TEST

START_TEST(test_load_file_names_the_file)
{
    char *path = NULL;
    int fd = g_file_open_tmp("fdt-XXXXXX", &path, NULL);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "not a dtb at all, really not", 28), 28);
    close(fd);
    void *blob;
    size_t size;
    GError *err = NULL;
    ck_assert(!fdt_load_file(path, &blob, &size, &err));
    ck_assert_ptr_nonnull(strstr(err->message, path));
    g_clear_error(&err);
    ck_assert(!fdt_load_file("/nonexistent.dtb", &blob, &size, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "/nonexistent.dtb"));
    g_error_free(err);
    unlink(path);
    g_free(path);
}
END_TEST

static Suite *fdt_suite(void)
{
    Suite *s = suite_create("/fdt");
    TCase *tc = tcase_create("/fdt/builder");
    tcase_add_test(tc, test_add_node_creates_parents);
    tcase_add_test(tc, test_typed_properties);
    tcase_add_test(tc, test_reg_follows_parent_cells);
    tcase_add_test(tc, test_reg_too_wide_for_cells_fails);
    tcase_add_test(tc, test_grows_past_initial_size);
    tcase_add_test(tc, test_errors_are_sticky_and_name_the_node);
    tcase_add_test(tc, test_device_path_under_bus);
    suite_add_tcase(s, tc);
    tc = tcase_create("/fdt/phandles");
    tcase_add_test(tc, test_phandles_by_label);
    tcase_add_test(tc, test_from_blob_allocates_fresh_phandles);
    suite_add_tcase(s, tc);
    tc = tcase_create("/fdt/irqs");
    tcase_add_test(tc, test_irqs_single_parent);
    tcase_add_test(tc, test_irqs_several_parents_use_extended);
    tcase_add_test(tc, test_irqs_subset_of_pins);
    tcase_add_test(tc, test_irqs_three_cell_specifiers);
    suite_add_tcase(s, tc);
    tc = tcase_create("/fdt/file");
    tcase_add_test(tc, test_load_file_names_the_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fdt_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
