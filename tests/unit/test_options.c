/* SPDX-License-Identifier: MIT */
/* Option dictionaries: key=value syntax, JSON, booleans and sizes. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "kernel/options.h"

#define MiB (1024ULL * 1024)
#define GiB (1024 * MiB)
#define TiB (1024 * GiB)

static OptDict *parse_ok(const char *text, const char *implied, bool json)
{
    GError *err = NULL;
    OptDict *d = opt_dict_parse("-device", text, implied, json, &err);
    ck_assert_msg(d, "parsing '%s' failed: %s", text, err ? err->message : "?");
    return d;
}

/* Parse must fail with a message containing @expected. */
static void parse_fails(const char *text, const char *implied, bool json, const char *expected)
{
    GError *err = NULL;
    OptDict *d = opt_dict_parse("-device", text, implied, json, &err);
    ck_assert_msg(!d, "'%s' was accepted", text);
    ck_assert_uint_eq(err->domain, OPTIONS_ERROR);
    ck_assert_msg(strstr(err->message, expected), "message '%s' lacks '%s'", err->message,
                  expected);
    g_error_free(err);
}

static void assert_keys(const OptDict *d, const char *const *keys, guint n)
{
    ck_assert_uint_eq(d->keys->len, n);
    ck_assert_uint_eq(g_hash_table_size(d->values), n);
    for (guint i = 0; i < n; i++) {
        ck_assert_str_eq(g_ptr_array_index(d->keys, i), keys[i]);
    }
}

START_TEST(test_implied_key)
{
    OptDict *d = parse_ok("virt,aia=aplic,acpi=off", "type", false);
    static const char *const keys[] = { "type", "aia", "acpi" };
    assert_keys(d, keys, G_N_ELEMENTS(keys));
    ck_assert_str_eq(opt_dict_get(d, "type"), "virt");
    ck_assert_str_eq(opt_dict_get(d, "aia"), "aplic");
    ck_assert_str_eq(opt_dict_get(d, "acpi"), "off");
    ck_assert_str_eq(d->option, "-device");
    ck_assert(!d->help);
    opt_dict_free(d);

    /* Only the first element may omit its key. */
    d = parse_ok("size=1G,bare", "size", false);
    ck_assert_str_eq(opt_dict_get(d, "size"), "1G");
    ck_assert_str_eq(opt_dict_get(d, "bare"), "on");
    opt_dict_free(d);
}
END_TEST

START_TEST(test_without_implied_key)
{
    OptDict *d = parse_ok("verbose,level=3", NULL, false);
    ck_assert_str_eq(opt_dict_get(d, "verbose"), "on");
    ck_assert_str_eq(opt_dict_get(d, "level"), "3");
    ck_assert_ptr_null(opt_dict_get(d, "missing"));
    opt_dict_free(d);
}
END_TEST

START_TEST(test_comma_escape)
{
    OptDict *d = parse_ok("file=a,,b,id=x", NULL, false);
    ck_assert_str_eq(opt_dict_get(d, "file"), "a,b");
    ck_assert_str_eq(opt_dict_get(d, "id"), "x");
    opt_dict_free(d);

    d = parse_ok("/path,,with,,commas,readonly=on", "path", false);
    ck_assert_str_eq(opt_dict_get(d, "path"), "/path,with,commas");
    opt_dict_free(d);

    d = parse_ok("a=,,,,,b=2", NULL, false);
    ck_assert_str_eq(opt_dict_get(d, "a"), ",,");
    ck_assert_str_eq(opt_dict_get(d, "b"), "2");
    opt_dict_free(d);

    /* Values may contain '='; only the first one splits. */
    d = parse_ok("append=console=ttyS0", NULL, false);
    ck_assert_str_eq(opt_dict_get(d, "append"), "console=ttyS0");
    opt_dict_free(d);
}
END_TEST

START_TEST(test_help)
{
    OptDict *d = parse_ok("help", "driver", false);
    ck_assert(d->help);
    ck_assert_uint_eq(d->keys->len, 0);
    opt_dict_free(d);

    d = parse_ok("virtio-net-device,help", "driver", false);
    ck_assert(d->help);
    ck_assert_str_eq(opt_dict_get(d, "driver"), "virtio-net-device");
    ck_assert_ptr_null(opt_dict_get(d, "help"));
    opt_dict_free(d);

    d = parse_ok("?", "type", false);
    ck_assert(d->help);
    opt_dict_free(d);
}
END_TEST

START_TEST(test_duplicates_last_wins)
{
    OptDict *d = parse_ok("a=1,b=2,a=3", NULL, false);
    static const char *const keys[] = { "a", "b" };
    assert_keys(d, keys, G_N_ELEMENTS(keys));
    ck_assert_str_eq(opt_dict_get(d, "a"), "3");
    opt_dict_free(d);
}
END_TEST

START_TEST(test_empty_and_trailing_comma)
{
    OptDict *d = parse_ok("", "type", false);
    ck_assert_uint_eq(d->keys->len, 0);
    ck_assert(!d->help);
    opt_dict_free(d);

    d = parse_ok("a=1,", NULL, false);
    static const char *const keys[] = { "a" };
    assert_keys(d, keys, G_N_ELEMENTS(keys));
    opt_dict_free(d);
}
END_TEST

START_TEST(test_bad_keyval)
{
    parse_fails("a=1,=2", NULL, false, "-device: invalid parameter '=2' (expected key=value)");
    parse_fails("a=1,b c", NULL, false, "-device: invalid parameter 'b c'");
    parse_fails("x,a b=1", "driver", false, "invalid parameter 'a b=1'");
    parse_fails(",a=1", NULL, false, "-device: empty parameter");
}
END_TEST

START_TEST(test_json)
{
    OptDict *d = parse_ok("{\"driver\": \"virtio-net-device\", \"id\": \"n0\", \"num\": 42,"
                          " \"neg\": -7, \"ratio\": 1.5, \"on\": true, \"off\": false,"
                          " \"nested\": {\"a\": [1, 2]}, \"list\": [\"x\"]}",
                          "driver", true);
    static const char *const keys[] = {
        "driver", "id", "num", "neg", "ratio", "on", "off", "nested", "list",
    };
    assert_keys(d, keys, G_N_ELEMENTS(keys));
    ck_assert_str_eq(opt_dict_get(d, "driver"), "virtio-net-device");
    ck_assert_str_eq(opt_dict_get(d, "num"), "42");
    ck_assert_str_eq(opt_dict_get(d, "neg"), "-7");
    ck_assert_str_eq(opt_dict_get(d, "ratio"), "1.5");
    ck_assert_str_eq(opt_dict_get(d, "on"), "on");
    ck_assert_str_eq(opt_dict_get(d, "off"), "off");
    ck_assert_str_eq(opt_dict_get(d, "nested"), "{\"a\":[1,2]}");
    ck_assert_str_eq(opt_dict_get(d, "list"), "[\"x\"]");
    ck_assert(!d->help);
    opt_dict_free(d);

    /* Strings keep commas and '=' as they are. */
    d = parse_ok("{\"append\": \"a,b=c\"}", NULL, true);
    ck_assert_str_eq(opt_dict_get(d, "append"), "a,b=c");
    opt_dict_free(d);
}
END_TEST

START_TEST(test_json_not_allowed)
{
    /* Without allow_json, '{' is just text for the implied key. */
    OptDict *d = parse_ok("{x}", "driver", false);
    ck_assert_str_eq(opt_dict_get(d, "driver"), "{x}");
    opt_dict_free(d);
}
END_TEST

START_TEST(test_bad_json)
{
    parse_fails("{\"driver\": ", "driver", true, "-device: JSON: ");
    parse_fails("{\"a\" 1}", NULL, true, "-device: JSON: ");
}
END_TEST

START_TEST(test_dict_edit)
{
    OptDict *d = opt_dict_new("-object");
    ck_assert_str_eq(d->option, "-object");
    opt_dict_set(d, "qom-type", "memory-backend-ram");
    opt_dict_set(d, "size", "1G");
    opt_dict_set(d, "qom-type", "rng-random");
    static const char *const keys[] = { "qom-type", "size" };
    assert_keys(d, keys, G_N_ELEMENTS(keys));
    ck_assert_str_eq(opt_dict_get(d, "qom-type"), "rng-random");
    ck_assert(opt_dict_remove(d, "qom-type"));
    ck_assert(!opt_dict_remove(d, "qom-type"));
    static const char *const left[] = { "size" };
    assert_keys(d, left, G_N_ELEMENTS(left));
    ck_assert_ptr_null(opt_dict_get(d, "qom-type"));
    opt_dict_free(d);
    opt_dict_free(NULL);
}
END_TEST

START_TEST(test_parse_bool)
{
    static const struct { const char *text; bool value; } good[] = {
        { "on", true }, { "yes", true }, { "true", true },
        { "off", false }, { "no", false }, { "false", false },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        bool v = !good[i].value;
        ck_assert(opt_parse_bool("-machine", "acpi", good[i].text, &v, NULL));
        ck_assert_int_eq(v, good[i].value);
    }
    GError *err = NULL;
    bool v = true;
    ck_assert(!opt_parse_bool("-machine", "acpi", "maybe", &v, &err));
    ck_assert(v);
    ck_assert_ptr_nonnull(strstr(err->message, "-machine"));
    ck_assert_ptr_nonnull(strstr(err->message, "'acpi'"));
    ck_assert_ptr_nonnull(strstr(err->message, "'maybe'"));
    g_error_free(err);
}
END_TEST

START_TEST(test_parse_size)
{
    static const struct { const char *text; uint64_t unit; uint64_t bytes; } good[] = {
        { "512", MiB, 512 * MiB },
        { "512", 1, 512 },
        { "0", MiB, 0 },
        { "4096k", MiB, 4096 * 1024 },
        { "4096K", 1, 4096 * 1024 },
        { "512M", 1, 512 * MiB },
        { "1G", MiB, GiB },
        { "2T", 1, 2 * TiB },
        { "1.5G", 1, GiB + GiB / 2 },
        { "16777215T", 1, 16777215 * TiB },
        { "18446744073709551615", 1, UINT64_MAX },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        uint64_t v = 0;
        ck_assert_msg(opt_parse_size(good[i].text, good[i].unit, &v), "%s", good[i].text);
        ck_assert_uint_eq(v, good[i].bytes);
    }
    static const struct { const char *text; uint64_t unit; } bad[] = {
        { "", 1 }, { "abc", 1 }, { "-1", 1 }, { " 1", 1 }, { "1X", 1 }, { "1G5", 1 },
        { "1.5", 1 }, { "1.G", 1 }, { "0x10", 1 },
        { "18446744073709551616", 1 }, { "16777216T", 1 }, { "17179869184", GiB },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        uint64_t v = 42;
        ck_assert_msg(!opt_parse_size(bad[i].text, bad[i].unit, &v), "'%s' accepted",
                      bad[i].text);
        ck_assert_uint_eq(v, 42);
    }
}
END_TEST

static Suite *options_suite(void)
{
    Suite *s = suite_create("options");
    struct { const char *name; const TTest *fn; } cases[] = {
        { "/options/keyval/implied-key", test_implied_key },
        { "/options/keyval/no-implied-key", test_without_implied_key },
        { "/options/keyval/comma-escape", test_comma_escape },
        { "/options/keyval/help", test_help },
        { "/options/keyval/duplicates", test_duplicates_last_wins },
        { "/options/keyval/empty", test_empty_and_trailing_comma },
        { "/options/keyval/bad", test_bad_keyval },
        { "/options/json/members", test_json },
        { "/options/json/not-allowed", test_json_not_allowed },
        { "/options/json/bad", test_bad_json },
        { "/options/dict/edit", test_dict_edit },
        { "/options/bool", test_parse_bool },
        { "/options/size", test_parse_size },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(options_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
