/* SPDX-License-Identifier: MIT */
/*
 * The acpi library's contract (plugins/include/acpi/acpi.h): AML encodings
 * checked against the ACPI specification's grammar (chapter 20) and the
 * encodings iasl produces for the same ASL, the PkgLength forms, table
 * headers and checksums, the linker/loader commands' byte layout and the
 * refusals, the SMBIOS entry point; and the GED device's register.
 */
#include <string.h>

#include "acpi/acpi.h"
#include "acpi/ged.h"
#include "devtest.h"

static void check_bytes(const GByteArray *got, const uint8_t *want, size_t len)
{
    GString *g = g_string_new(NULL);
    for (guint i = 0; i < got->len; i++) {
        g_string_append_printf(g, "%02x ", got->data[i]);
    }
    ck_assert_msg(got->len == len && !memcmp(got->data, want, len), "got %s(%u bytes, want %zu)",
                  g->str, got->len, len);
    g_string_free(g, true);
}

#define CHECK(a, ...)                                                                    \
    do {                                                                                 \
        static const uint8_t want_[] = { __VA_ARGS__ };                                  \
        ck_assert(aml_check(a, NULL));                                                   \
        check_bytes(aml_bytes(a), want_, sizeof(want_));                                 \
    } while (0)

START_TEST(test_integers_shortest)
{
    Aml *a = aml_new();
    aml_int(a, 0);
    aml_int(a, 1);
    aml_int(a, UINT64_MAX);
    aml_int(a, 2);
    aml_int(a, 0xff);
    aml_int(a, 0x100);
    aml_int(a, 0x12345678);
    aml_int(a, 0x100000000ull);
    CHECK(a, 0x00, 0x01, 0xff, 0x0a, 0x02, 0x0a, 0xff, 0x0b, 0x00, 0x01,
          0x0c, 0x78, 0x56, 0x34, 0x12, 0x0e, 0, 0, 0, 0, 1, 0, 0, 0);
    aml_free(a);
}
END_TEST

START_TEST(test_names)
{
    Aml *a = aml_new();
    aml_name(a, "_SB");                    /* padded NameSeg */
    aml_name(a, "\\_SB.PCI0");             /* root, DualNamePrefix */
    aml_name(a, "\\_SB.PCI0.GSI0");        /* MultiNamePrefix, 3 segments */
    aml_name(a, "^FOO");                   /* parent prefix */
    aml_name(a, "\\");                     /* root alone: NullName */
    CHECK(a, '_', 'S', 'B', '_',
          '\\', 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0',
          '\\', 0x2f, 3, '_', 'S', 'B', '_', 'P', 'C', 'I', '0', 'G', 'S', 'I', '0',
          '^', 'F', 'O', 'O', '_', '\\', 0x00);
    aml_free(a);
    static const char *const bad[] = { "pci0", "ABCDE", "A..B", "0ABC", "A-B" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *err = NULL;
        a = aml_new();
        aml_name(a, bad[i]);
        ck_assert_msg(!aml_check(a, &err), "%s accepted", bad[i]);
        ck_assert_ptr_nonnull(strstr(err->message, "bad name segment"));
        g_error_free(err);
        aml_free(a);
    }
}
END_TEST

START_TEST(test_name_string_eisaid_uuid)
{
    Aml *a = aml_new();
    aml_name_string(a, "_HID", "ACPI0013");
    aml_name_eisaid(a, "_CID", "PNP0A03");     /* iasl: 0x030AD041 */
    aml_uuid(a, "33DB4D5B-1FF7-401C-9657-7441C03DD766");
    CHECK(a, 0x08, '_', 'H', 'I', 'D', 0x0d, 'A', 'C', 'P', 'I', '0', '0', '1', '3', 0,
          0x08, '_', 'C', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03,
          0x11, 0x13, 0x0a, 0x10, 0x5b, 0x4d, 0xdb, 0x33, 0xf7, 0x1f, 0x1c, 0x40,
          0x96, 0x57, 0x74, 0x41, 0xc0, 0x3d, 0xd7, 0x66);
    aml_free(a);
    GError *err = NULL;
    a = aml_new();
    aml_eisaid(a, "PNPXYZ1");
    ck_assert(!aml_check(a, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "bad EISA id"));
    g_clear_error(&err);
    aml_uuid(a, "33DB4D5B-1FF7");
    aml_free(a);
}
END_TEST

START_TEST(test_constructs)
{
    Aml *a = aml_new();
    aml_scope_begin(a, "\\_SB");
    aml_device_begin(a, "PCI0");
    aml_method_begin(a, "_OSC", 4, false);
    aml_op(a, AML_RETURN);
    aml_arg(a, 3);
    aml_end(a);
    aml_method_begin(a, "_EVT", 1, true);
    aml_if_begin(a);
    aml_op(a, AML_LEQUAL);
    aml_local(a, 0);
    aml_int(a, 2);
    aml_op(a, AML_NOTIFY);
    aml_name(a, "PWRB");
    aml_int(a, 0x80);
    aml_end(a);
    aml_else_begin(a);
    aml_end(a);
    aml_end(a);
    aml_end(a);
    aml_end(a);
    ck_assert_uint_eq(aml_depth(a), 0);
    /* Scope(\_SB){Device(PCI0){Method(_OSC,4){Return(Arg3)}
     *   Method(_EVT,1,Serialized){If(Local0==2){Notify(PWRB,0x80)} Else {}}}} */
    CHECK(a, 0x10, 0x2c, '\\', '_', 'S', 'B', '_',
          0x5b, 0x82, 0x24, 'P', 'C', 'I', '0',
          0x14, 0x08, '_', 'O', 'S', 'C', 0x04, 0xa4, 0x6b,
          0x14, 0x15, '_', 'E', 'V', 'T', 0x09,
          0xa0, 0x0c, 0x93, 0x60, 0x0a, 0x02, 0x86, 'P', 'W', 'R', 'B', 0x0a, 0x80,
          0xa1, 0x01);
    aml_free(a);
}
END_TEST

START_TEST(test_package_and_field)
{
    Aml *a = aml_new();
    aml_name_decl(a, "_PRT");
    aml_package_begin(a, 1);
    aml_package_begin(a, 4);
    aml_int(a, 0xffff);
    aml_int(a, 0);
    aml_name(a, "GSI0");
    aml_int(a, 0);
    aml_end(a);
    aml_end(a);
    aml_operation_region(a, "EREG", AML_REGION_SYSTEM_MEMORY, 0x09080000, 4);
    aml_field_begin(a, "EREG", AML_FIELD_DWORD_ACC | AML_FIELD_WRITE_AS_ZEROS);
    aml_field_unit(a, "ESEL", 32);
    aml_field_unit(a, NULL, 64);           /* reserved, 2-byte PkgLength (64 bits) */
    aml_end(a);
    CHECK(a, 0x08, '_', 'P', 'R', 'T', 0x12, 0x0e, 0x01,
          0x12, 0x0b, 0x04, 0x0b, 0xff, 0xff, 0x00, 'G', 'S', 'I', '0', 0x00,
          0x5b, 0x80, 'E', 'R', 'E', 'G', 0x00, 0x0c, 0x00, 0x00, 0x08, 0x09, 0x0a, 0x04,
          0x5b, 0x81, 0x0e, 'E', 'R', 'E', 'G', 0x43, 'E', 'S', 'E', 'L', 0x20,
          0x00, 0x40, 0x04);
    aml_free(a);
}
END_TEST

/* PkgLength: one byte up to 63 in all, then 2 (12 bits), 3 (20 bits). */
START_TEST(test_pkglength_forms)
{
    static const struct {
        size_t body;
        uint8_t head[3];
        unsigned n;
    } cases[] = {
        { 58, { 0x3f }, 1 },       /* 1 + 4 + 58 = 63 */
        { 59, { 0x41, 0x04 }, 2 }, /* 2 + 4 + 59 = 65 */
        { 0xff9, { 0x4f, 0xff }, 2 }, /* 0xfff */
        { 0xffa, { 0x81, 0x00, 0x01 }, 3 }, /* 0x1001 */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Aml *a = aml_new();
        aml_scope_begin(a, "A");
        for (size_t j = 0; j < cases[i].body; j++) {
            aml_op(a, 0xa3);                          /* Noop */
        }
        aml_end(a);
        const GByteArray *b = aml_bytes(a);
        ck_assert_uint_eq(b->len, 1 + cases[i].n + 4 + cases[i].body);
        ck_assert_uint_eq(b->data[0], 0x10);
        ck_assert_int_eq(memcmp(b->data + 1, cases[i].head, cases[i].n), 0);
        ck_assert_uint_eq(b->data[1 + cases[i].n], 'A');
        aml_free(a);
    }
}
END_TEST

START_TEST(test_resource_template)
{
    Aml *a = aml_new();
    uint32_t irq = 33;
    aml_resource_begin(a);
    aml_res_memory32_fixed(a, 0x09000000, 0x1000, true);
    aml_res_interrupt(a, AML_IRQ_CONSUMER, &irq, 1);
    aml_res_address(a, 2, AML_ADDR_BUS, false, 0, 0, 0x100, 0);
    aml_end(a);
    CHECK(a, 0x11, 0x2a, 0x0a, 0x27,
          0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09, 0x00, 0x10, 0x00, 0x00,
          0x89, 0x06, 0x00, 0x01, 0x01, 0x21, 0x00, 0x00, 0x00,
          0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00,
          0x00, 0x01,
          0x79, 0x00);
    aml_free(a);
    GError *err = NULL;
    a = aml_new();
    aml_resource_begin(a);
    aml_res_address(a, 4, AML_ADDR_MEMORY, false, 1, 0x8000000000ull, 0x1000, 0);
    aml_end(a);
    ck_assert(!aml_check(a, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "does not fit 4 bytes"));
    g_error_free(err);
    aml_free(a);
}
END_TEST

START_TEST(test_unbalanced)
{
    GError *err = NULL;
    Aml *a = aml_new();
    aml_device_begin(a, "DEV0");
    ck_assert(!aml_check(a, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "1 constructs left open"));
    g_clear_error(&err);
    aml_end(a);
    aml_end(a);
    ck_assert(!aml_check(a, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "aml_end without"));
    g_clear_error(&err);
    aml_free(a);
}
END_TEST

START_TEST(test_table_header_and_checksum)
{
    GByteArray *t = g_byte_array_new();
    AcpiLinker *l = acpi_linker_new();
    acpi_put_zeros(t, 8);                      /* tables need not start at 0 */
    acpi_linker_allocate(l, "etc/acpi/tables", t, 64, ACPI_LOADER_ZONE_HIGH);
    size_t off = acpi_table_begin(t, "TEST", 3);
    acpi_put_u32(t, 0xdeadbeef);
    acpi_table_end(l, "etc/acpi/tables", t, off);
    ck_assert_uint_eq(off, 8);
    ck_assert_uint_eq(t->len, 8 + 40);
    ck_assert_int_eq(memcmp(t->data + 8, "TEST", 4), 0);
    ck_assert_uint_eq(acpi_get_le(t->data + 12, 4), 40);
    ck_assert_uint_eq(t->data[16], 3);
    ck_assert_int_eq(memcmp(t->data + 18, "TESSRA", 6), 0);
    /* The checksum byte is left 0 for the firmware: EDK2 stores the sum of
     * the range with that byte in it. */
    ck_assert_uint_eq(t->data[8 + 9], 0);
    const GByteArray *s = acpi_linker_script(l);
    ck_assert_uint_eq(s->len, 2 * 128);
    /* ADD_CHECKSUM: command 3, file, result offset, start, length. */
    ck_assert_uint_eq(acpi_get_le(s->data + 128, 4), 3);
    ck_assert_str_eq((const char *)s->data + 128 + 4, "etc/acpi/tables");
    ck_assert_uint_eq(acpi_get_le(s->data + 128 + 60, 4), 8 + 9);
    ck_assert_uint_eq(acpi_get_le(s->data + 128 + 64, 4), 8);
    ck_assert_uint_eq(acpi_get_le(s->data + 128 + 68, 4), 40);
    ck_assert(acpi_linker_check(l, NULL));
    acpi_linker_free(l);
    g_byte_array_unref(t);
}
END_TEST

START_TEST(test_linker_commands)
{
    GByteArray *a = g_byte_array_new(), *b = g_byte_array_new();
    acpi_put_zeros(a, 32);
    acpi_put_zeros(b, 16);
    acpi_set_le(a, 8, 12, 8);                  /* offset 12 of "b" */
    AcpiLinker *l = acpi_linker_new();
    acpi_linker_allocate(l, "a", a, 64, ACPI_LOADER_ZONE_HIGH);
    acpi_linker_allocate(l, "b", b, 16, ACPI_LOADER_ZONE_FSEG);
    acpi_linker_add_pointer(l, "a", 8, 8, "b");
    const GByteArray *s = acpi_linker_script(l);
    ck_assert_uint_eq(s->len, 3 * 128);
    /* ALLOCATE: command 1, file[56], align, zone; the rest zero. */
    ck_assert_uint_eq(acpi_get_le(s->data, 4), 1);
    ck_assert_str_eq((const char *)s->data + 4, "a");
    ck_assert_uint_eq(acpi_get_le(s->data + 60, 4), 64);
    ck_assert_uint_eq(s->data[64], 1);
    ck_assert_uint_eq(s->data[128 + 64], 2);
    for (unsigned i = 65; i < 128; i++) {
        ck_assert_uint_eq(s->data[i], 0);
    }
    /* ADD_POINTER: command 2, dest[56], src[56], offset, size. */
    const uint8_t *p = s->data + 256;
    ck_assert_uint_eq(acpi_get_le(p, 4), 2);
    ck_assert_str_eq((const char *)p + 4, "a");
    ck_assert_str_eq((const char *)p + 60, "b");
    ck_assert_uint_eq(acpi_get_le(p + 116, 4), 8);
    ck_assert_uint_eq(p[120], 8);
    ck_assert(acpi_linker_check(l, NULL));

    /* Refusals, reported by acpi_linker_check (the first one). */
    static const struct {
        const char *dest, *src;
        uint32_t offset;
        uint8_t size;
        const char *msg;
    } bad[] = {
        { "a", "c", 0, 8, "file c used before it is allocated" },
        { "a", "b", 28, 8, "pointer at 28 outside a" },
        { "a", "b", 0, 3, "pointer size 3" },
        { "b", "a", 0, 8, "points past a" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        AcpiLinker *l2 = acpi_linker_new();
        GError *err = NULL;
        acpi_linker_allocate(l2, "a", a, 64, ACPI_LOADER_ZONE_HIGH);
        acpi_linker_allocate(l2, "b", b, 16, ACPI_LOADER_ZONE_HIGH);
        acpi_set_le(b, 0, 100, 8);
        acpi_linker_add_pointer(l2, bad[i].dest, bad[i].offset, bad[i].size, bad[i].src);
        ck_assert(!acpi_linker_check(l2, &err));
        ck_assert_msg(strstr(err->message, bad[i].msg), "%s", err->message);
        g_error_free(err);
        acpi_linker_free(l2);
    }
    GError *err = NULL;
    acpi_linker_add_checksum(l, "b", 8, 16, 9);
    ck_assert(!acpi_linker_check(l, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "outside it"));
    g_error_free(err);
    acpi_linker_free(l);
    g_byte_array_unref(a);
    g_byte_array_unref(b);
}
END_TEST

START_TEST(test_smbios_entry_point)
{
    GByteArray *t = g_byte_array_new(), *anchor = g_byte_array_new();
    SmbiosInfo info = { .manufacturer = "M", .product = "P", .version = "V", .cpus = 1,
                        .ram_base = 0x40000000, .ram_size = 128 << 20 };
    smbios_build(&info, t, anchor);
    ck_assert_uint_eq(anchor->len, 24);
    ck_assert_int_eq(memcmp(anchor->data, "_SM3_", 5), 0);
    uint8_t sum = 0;
    for (guint i = 0; i < 24; i++) {
        sum += anchor->data[i];
    }
    ck_assert_uint_eq(sum, 0);
    ck_assert_uint_eq(acpi_get_le(anchor->data + 12, 4), t->len);
    /* The first structure: type 1, 27 bytes, handle 0x100, strings M P V. */
    ck_assert_uint_eq(t->data[0], 1);
    ck_assert_uint_eq(t->data[1], 0x1b);
    ck_assert_uint_eq(acpi_get_le(t->data + 2, 2), 0x100);
    ck_assert_int_eq(memcmp(t->data + 0x1b, "M\0P\0V\0\0", 7), 0);
    /* The last: type 127, no strings. */
    ck_assert_int_eq(memcmp(t->data + t->len - 6, "\x7f\x04\x00\x7f\x00\x00", 6), 0);
    g_byte_array_unref(t);
    g_byte_array_unref(anchor);
}
END_TEST

START_TEST(test_ged_selector)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create(TYPE_ACPI_GED, &pins, NULL);
    ck_assert_uint_eq(devtest_read(dev, 0, 4), 0);
    acpi_ged_event(dev, ACPI_GED_POWER_DOWN);
    ck_assert_uint_eq(pins.changes[0], 2);                /* a pulse */
    ck_assert_int_eq(pins.level[0], 0);
    ck_assert_uint_eq(devtest_read(dev, 0, 4), ACPI_GED_POWER_DOWN);
    ck_assert_uint_eq(devtest_read(dev, 0, 4), 0);     /* read clears */
    acpi_ged_event(dev, ACPI_GED_POWER_DOWN);
    device_reset(dev);
    ck_assert_uint_eq(devtest_read(dev, 0, 4), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("acpi");
    TCase *tc = tcase_create("acpi");
    tcase_add_test(tc, test_integers_shortest);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_name_string_eisaid_uuid);
    tcase_add_test(tc, test_constructs);
    tcase_add_test(tc, test_package_and_field);
    tcase_add_test(tc, test_pkglength_forms);
    tcase_add_test(tc, test_resource_template);
    tcase_add_test(tc, test_unbalanced);
    tcase_add_test(tc, test_table_header_and_checksum);
    tcase_add_test(tc, test_linker_commands);
    tcase_add_test(tc, test_smbios_entry_point);
    tcase_add_test(tc, test_ged_selector);
    suite_add_tcase(s, tc);
    return devtest_run(s);
}
