/* SPDX-License-Identifier: MIT */
/*
 * Bad input (issue 17), at the shared mechanisms: string values that are
 * not UTF-8, the one id rule and the failure path of placing a user object,
 * frozen properties, opening user-named files, chardev numbers, -smp/-m
 * checks, and logging into a pipe nobody reads.  The functional twins in
 * tests/functional/test_bad_input.py drive the same faults through the
 * binary.
 */
#include "test_objmodel.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kernel/chardev.h"
#include "kernel/hostfile.h"
#include "kernel/log.h"
#include "kernel/machine.h"

#define NOT_UTF8 "a\xff\xfe/b"

static Object *obj;

static void setup(void)
{
    test_types_setup();
    obj = object_new(TYPE_TEST_A);
}

static void teardown(void)
{
    object_unref(obj);
    test_types_teardown();
}

/* ---- class 2 and 3: strings that are not UTF-8 --------------------------- */

START_TEST(test_string_values_keep_their_bytes)
{
    GError *err = NULL;
    ck_assert_msg(object_property_parse(obj, "label", NOT_UTF8, &err), "%s",
                  err ? err->message : "");
    g_autofree char *back = object_property_get_str(obj, "label", &err);
    ck_assert_str_eq(back, NOT_UTF8);
    g_autofree char *printed = object_property_print(obj, "label", NULL);
    ck_assert_str_eq(printed, NOT_UTF8);
    /* An accessor property, and the typed setter. */
    ck_assert(object_property_set_str(obj, "mirror", NOT_UTF8, NULL));
    g_autofree char *mirror = object_property_get_str(obj, "mirror", NULL);
    ck_assert_str_eq(mirror, NOT_UTF8);
    ck_assert(object_property_value_is(obj, "label", NOT_UTF8));
    ck_assert(!object_property_value_is(obj, "label", "a"));
}
END_TEST

START_TEST(test_string_value_types)
{
    GVariant *v = g_variant_ref_sink(prop_string_new("plain"));
    ck_assert(g_variant_is_of_type(v, G_VARIANT_TYPE_STRING));
    ck_assert_str_eq(prop_string_peek(v), "plain");
    g_variant_unref(v);
    v = g_variant_ref_sink(prop_string_new(NOT_UTF8));
    ck_assert(g_variant_is_of_type(v, G_VARIANT_TYPE_BYTESTRING));
    ck_assert_str_eq(prop_string_peek(v), NOT_UTF8);
    g_variant_unref(v);
    v = g_variant_ref_sink(g_variant_new_int64(1));
    ck_assert_ptr_null(prop_string_peek(v));
    g_variant_unref(v);
}
END_TEST

START_TEST(test_enum_and_link_refuse_non_utf8)
{
    GError *err = NULL;
    ck_assert(!object_property_parse(obj, "mode", NOT_UTF8, &err));
    ck_assert_contains(err->message, "mode");
    g_clear_error(&err);
    ck_assert(!object_property_parse(obj, "peer", NOT_UTF8, &err));
    ck_assert_contains(err->message, "peer");
    g_clear_error(&err);
    ck_assert(!object_property_parse(obj, "size", NOT_UTF8, &err));
    ck_assert_contains(err->message, "size");
    g_error_free(err);
}
END_TEST

/* ---- class 4 and 12: ids ------------------------------------------------- */

START_TEST(test_id_rule)
{
    static const char *const good[] = { "a", "uart0", "A.b-c_d", "x1.2", NULL };
    static const char *const bad[] = { "", "1abc", ".", "-a", "_a", "a/b", "a b", "a,b",
                                       NOT_UTF8 + 1, "a\xc3\xa9", NULL };
    for (const char *const *g = good; *g; g++) {
        ck_assert_msg(object_id_is_valid(*g), "'%s' refused", *g);
        ck_assert(object_id_check(*g, NULL));
    }
    for (const char *const *b = bad; *b; b++) {
        GError *err = NULL;
        ck_assert_msg(!object_id_is_valid(*b), "'%s' accepted", *b);
        ck_assert(!object_id_check(*b, &err));
        ck_assert(g_utf8_validate(err->message, -1, NULL));
        ck_assert(strstr(err->message, "invalid id") || strstr(err->message, "empty id"));
        g_error_free(err);
    }
    ck_assert(!object_id_is_valid(NULL));
}
END_TEST

START_TEST(test_user_child_failure_leaves_the_object_to_the_caller)
{
    Object *parent = container_get("/objects");
    Object *child = object_new(TYPE_TEST_B);
    GError *err = NULL;
    ck_assert(!object_add_user_child(parent, "a/b", child, &err));
    ck_assert_contains(err->message, "invalid id 'a/b'");
    g_clear_error(&err);
    ck_assert_ptr_null(object_get_parent(child));
    ck_assert(object_add_user_child(parent, "ok", child, &err));
    Object *twin = object_new(TYPE_TEST_B);
    ck_assert(!object_add_user_child(parent, "ok", twin, &err)); /* duplicate */
    g_clear_error(&err);
    object_unref(twin);
    object_unref(child); /* the parent still holds it */
    ck_assert_ptr_eq(object_resolve_child(parent, "ok"), child);
    ck_assert_str_eq(object_get_typename(child), TYPE_TEST_B);
}
END_TEST

/* ---- class 12: properties fixed once the machine is built ---------------- */

START_TEST(test_frozen_properties)
{
    GError *err = NULL;
    ck_assert(object_property_parse(obj, "label", "before", NULL));
    object_freeze_properties(obj);
    ck_assert(!object_property_parse(obj, "label", "after", &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_READ_ONLY);
    ck_assert_contains(err->message, "cannot change once the machine is built");
    g_error_free(err);
    g_autofree char *now = object_property_get_str(obj, "label", NULL);
    ck_assert_str_eq(now, "before");
}
END_TEST

/* ---- classes 6, 9 and 11: user-named files -------------------------------- */

static char *tmpdir;

static void file_setup(void)
{
    tmpdir = g_dir_make_tmp("tessera-badin-XXXXXX", NULL);
    ck_assert_ptr_nonnull(tmpdir);
}

static void file_teardown(void)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    g_free(tmpdir);
}

static char *tmp(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

START_TEST(test_read_refuses_fifo_and_devices)
{
    g_autofree char *fifo = tmp("fifo");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    const char *paths[] = { fifo, "/dev/zero", tmpdir };
    for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
        GError *err = NULL;
        char *data = NULL;
        size_t len;
        /* A hang here (FIFO) fails the test by Check's timeout. */
        ck_assert(!host_file_read(paths[i], 0, &data, &len, &err));
        ck_assert_contains(err->message, "not a regular file");
        ck_assert_contains(err->message, paths[i]);
        g_error_free(err);
    }
}
END_TEST

START_TEST(test_read_is_bounded)
{
    g_autofree char *path = tmp("ten");
    ck_assert(g_file_set_contents(path, "0123456789", 10, NULL));
    GError *err = NULL;
    char *data;
    size_t len;
    ck_assert(!host_file_read(path, 9, &data, &len, &err));
    ck_assert_contains(err->message, "too large");
    g_clear_error(&err);
    ck_assert(host_file_read(path, 10, &data, &len, &err));
    ck_assert_uint_eq(len, 10);
    ck_assert_str_eq(data, "0123456789");
    g_free(data);
}
END_TEST

START_TEST(test_write_goes_through_the_name)
{
    g_autofree char *target = tmp("target");
    g_autofree char *link = tmp("link");
    g_autofree char *fifo = tmp("fifo");
    ck_assert_int_eq(symlink(target, link), 0);
    ck_assert(host_file_write(link, "abc", 3, NULL));
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    g_autofree char *text = NULL;
    ck_assert(g_file_get_contents(target, &text, NULL, NULL));
    ck_assert_str_eq(text, "abc");
    /* A FIFO nobody reads: refused at once, not a hang, not replaced. */
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    GError *err = NULL;
    ck_assert(!host_file_write(fifo, "abc", 3, &err));
    ck_assert_contains(err->message, "nobody is reading");
    g_error_free(err);
    ck_assert_int_eq(stat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    /* With a reader it is written to. */
    int rfd = open(fifo, O_RDONLY | O_NONBLOCK);
    ck_assert_int_ge(rfd, 0);
    ck_assert(host_file_write(fifo, "xyz", 3, NULL));
    char buf[4] = { 0 };
    ck_assert_int_eq(read(rfd, buf, 3), 3);
    ck_assert_str_eq(buf, "xyz");
    close(rfd);
}
END_TEST

/* ---- class 8: chardev numbers -------------------------------------------- */

START_TEST(test_chardev_numbers)
{
    static const struct { const char *text; bool ok; uint64_t value; } cases[] = {
        { "0", true, 0 }, { "65535", true, 65535 }, { "65536", false }, { "65537", false },
        { "-1", false }, { "+1", false }, { " 1", false }, { "1x", false }, { "", false },
        { "99999999999999999999999", false }, { "0x10", false },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        OptDict *d = opt_dict_new("-chardev");
        opt_dict_set(d, "port", cases[i].text);
        uint64_t v = 7;
        GError *err = NULL;
        bool ok = chardev_opt_uint(d, "port", 0, 65535, 1, &v, &err);
        ck_assert_msg(ok == cases[i].ok, "'%s'", cases[i].text);
        if (ok) {
            ck_assert_uint_eq(v, cases[i].value);
        } else {
            ck_assert_contains(err->message, "(expected 0 to 65535)");
            g_error_free(err);
        }
        opt_dict_free(d);
    }
    OptDict *d = opt_dict_new("-chardev");
    uint64_t v = 0;
    ck_assert(chardev_opt_uint(d, "port", 0, 65535, 42, &v, NULL));
    ck_assert_uint_eq(v, 42);
    opt_dict_free(d);
}
END_TEST

/* ---- class 12: -smp and -m ----------------------------------------------- */

static const char *smp_fails(const char *text)
{
    static char msg[512];
    MachineState ms = { .smp_cpus = 1 };
    GError *err = NULL;
    ck_assert_msg(!machine_parse_smp(&ms, text, &err), "-smp %s accepted", text);
    g_strlcpy(msg, err->message, sizeof(msg));
    g_error_free(err);
    return msg;
}

static unsigned smp_ok(const char *text)
{
    MachineState ms = { .smp_cpus = 1 };
    GError *err = NULL;
    ck_assert_msg(machine_parse_smp(&ms, text, &err), "-smp %s: %s", text,
                  err ? err->message : "");
    return ms.smp_cpus;
}

START_TEST(test_smp)
{
    ck_assert_uint_eq(smp_ok("4"), 4);
    ck_assert_uint_eq(smp_ok("cpus=2,sockets=2"), 2);
    ck_assert_uint_eq(smp_ok("sockets=2,cores=2,threads=2"), 8);
    ck_assert_uint_eq(smp_ok("maxcpus=3"), 3);
    ck_assert_contains(smp_fails("2,maxcpus=1"),
                       "maxcpus must be equal to or greater than smp");
    ck_assert_contains(smp_fails("cpus=2,sockets=3"),
                       "product of the hierarchy must match maxcpus");
    ck_assert_contains(smp_fails("2,maxcpus=4"), "CPU hotplug is not supported");
    ck_assert_contains(smp_fails("2,foo=1"), "-smp 2,foo=1: Invalid parameter 'foo'");
    ck_assert_contains(smp_fails("0"), "invalid cpus '0'");
    ck_assert_contains(smp_fails("-1"), "invalid cpus '-1'");
    ck_assert_contains(smp_fails("99999999999999999999"), "invalid cpus");
}
END_TEST

START_TEST(test_memory)
{
    MachineState ms = { 0 };
    GError *err = NULL;
    ck_assert(machine_parse_memory(&ms, "64", NULL));
    ck_assert_uint_eq(ms.ram_size, 64 << 20);
    ck_assert(machine_parse_memory(&ms, "1.0000001G", NULL));
    ck_assert_uint_eq(ms.ram_size % 8192, 0);
    ck_assert(ms.ram_size >= 1073741931ULL && ms.ram_size < 1073741931ULL + 8192);
    ck_assert(!machine_parse_memory(&ms, "64,foo=bar", &err));
    ck_assert_str_eq(err->message, "-m 64,foo=bar: Invalid parameter 'foo'");
    g_clear_error(&err);
    ck_assert(!machine_parse_memory(&ms, "64,maxmem=1G", &err));
    ck_assert_contains(err->message, "memory hotplug");
    g_clear_error(&err);
    ck_assert(!machine_parse_memory(&ms, "18446744073709551615b", &err));
    ck_assert_contains(err->message, "invalid RAM size");
    g_error_free(err);
}
END_TEST

/* ---- class 13: logging into a pipe nobody reads -------------------------- */

START_TEST(test_log_never_blocks)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_ge(dup2(p[1], STDERR_FILENO), 0); /* Check runs each test in a child */
    /* Fill the pipe completely. */
    int fl = fcntl(p[1], F_GETFL);
    ck_assert_int_eq(fcntl(p[1], F_SETFL, fl | O_NONBLOCK), 0);
    char block[4096];
    memset(block, '.', sizeof(block));
    while (write(p[1], block, sizeof(block)) > 0) {
    }
    ck_assert_int_eq(fcntl(p[1], F_SETFL, fl), 0);
    ck_assert(log_set_mask_str("guest_errors", NULL));
    /* Blocking here would fail the test by Check's timeout. */
    for (int i = 0; i < 50000; i++) {
        log_mask(LOG_GUEST_ERROR, "bad write number %d .................................\n", i);
    }
    error_report("an error while the pipe is full");
    ck_assert_uint_gt(log_dropped_count(), 0);
    ck_assert(!log_flush(10)); /* still stuck */
    /* Drain: the queued text follows, then the count of what was dropped. */
    int fl_r = fcntl(p[0], F_GETFL);
    ck_assert_int_eq(fcntl(p[0], F_SETFL, fl_r | O_NONBLOCK), 0);
    GString *got = g_string_new(NULL);
    char buf[65536];
    gint64 deadline = g_get_monotonic_time() + 20 * G_TIME_SPAN_SECOND;
    while (!strstr(got->str, "log messages were dropped") &&
           g_get_monotonic_time() < deadline) {
        ssize_t n = read(p[0], buf, sizeof(buf));
        if (n > 0) {
            g_string_append_len(got, buf, n);
        } else {
            g_usleep(1000);
        }
    }
    ck_assert_contains(got->str, "bad write number 0 ");
    ck_assert_contains(got->str, "log messages were dropped");
    ck_assert(log_flush(10000));
    g_string_free(got, TRUE);
}
END_TEST

static Suite *bad_input_suite(void)
{
    Suite *s = suite_create("/bad-input");
    TCase *tc = tcase_create("/bad-input/objmodel");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_string_values_keep_their_bytes);
    tcase_add_test(tc, test_string_value_types);
    tcase_add_test(tc, test_enum_and_link_refuse_non_utf8);
    tcase_add_test(tc, test_id_rule);
    tcase_add_test(tc, test_user_child_failure_leaves_the_object_to_the_caller);
    tcase_add_test(tc, test_frozen_properties);
    suite_add_tcase(s, tc);

    tc = tcase_create("/bad-input/files");
    tcase_add_checked_fixture(tc, file_setup, file_teardown);
    tcase_add_test(tc, test_read_refuses_fifo_and_devices);
    tcase_add_test(tc, test_read_is_bounded);
    tcase_add_test(tc, test_write_goes_through_the_name);
    suite_add_tcase(s, tc);

    tc = tcase_create("/bad-input/options");
    tcase_add_test(tc, test_chardev_numbers);
    tcase_add_test(tc, test_smp);
    tcase_add_test(tc, test_memory);
    suite_add_tcase(s, tc);

    tc = tcase_create("/bad-input/log");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_log_never_blocks);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bad_input_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
