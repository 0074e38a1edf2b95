/* SPDX-License-Identifier: MIT */
/* Logging: the -d table and mask parsing, -D output, error reporting. */
#include <check.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kernel/log.h"

#define LOG_THREADS 4
#define LOG_LINES 200

static char *tmp_path(const char *name)
{
    char *dir = g_dir_make_tmp("tessera-log-XXXXXX", NULL);
    ck_assert_ptr_nonnull(dir);
    char *path = g_build_filename(dir, name, NULL);
    g_free(dir);
    return path;
}

/* Remove a file made by tmp_path() and its directory; frees @path. */
static void remove_tmp(char *path)
{
    char *dir = g_path_get_dirname(path);
    g_unlink(path);
    g_rmdir(dir);
    g_free(dir);
    g_free(path);
}

static char *read_file(const char *path)
{
    char *text = NULL;
    ck_assert(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

START_TEST(test_category_table)
{
    static const char *const expected[] = {
        "guest_errors", "unimp", "in_asm", "exec", "int", "cpu", "op", "mmu", "out_asm",
    };
    unsigned seen = 0;
    size_t n = 0;
    for (const LogCategory *c = log_categories; c->name; c++, n++) {
        ck_assert_str_eq(c->name, expected[n]);
        ck_assert(c->help && *c->help);
        ck_assert_int_eq(__builtin_popcount(c->mask), 1);
        ck_assert_uint_eq(seen & c->mask, 0);
        seen |= c->mask;
    }
    ck_assert_uint_eq(n, G_N_ELEMENTS(expected));
}
END_TEST

START_TEST(test_mask_parse)
{
    GError *err = NULL;
    ck_assert(log_set_mask_str("in_asm,exec", &err));
    ck_assert_uint_eq(log_current_mask, LOG_IN_ASM | LOG_EXEC);
    ck_assert(log_enabled(LOG_EXEC));
    ck_assert(!log_enabled(LOG_GUEST_ERROR));
    ck_assert(log_set_mask_str("guest_errors,unimp,", &err));
    ck_assert_uint_eq(log_current_mask, LOG_GUEST_ERROR | LOG_UNIMP);
    ck_assert(log_set_mask_str("", &err));
    ck_assert_uint_eq(log_current_mask, 0);
}
END_TEST

START_TEST(test_mask_unknown)
{
    GError *err = NULL;
    ck_assert(log_set_mask_str("mmu", NULL));
    ck_assert(!log_set_mask_str("in_asm,foo", &err));
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err->message, "unknown -d category 'foo'"));
    ck_assert_uint_eq(log_current_mask, LOG_MMU);
    g_error_free(err);
}
END_TEST

START_TEST(test_mask_help_changes_nothing)
{
    ck_assert(log_set_mask_str("int", NULL));
    ck_assert(log_set_mask_str("help", NULL));
    ck_assert_uint_eq(log_current_mask, LOG_INT);
    char *text = log_format_categories();
    for (const LogCategory *c = log_categories; c->name; c++) {
        ck_assert_ptr_nonnull(strstr(text, c->name));
        ck_assert_ptr_nonnull(strstr(text, c->help));
    }
    g_free(text);
}
END_TEST

START_TEST(test_file_output)
{
    char *path = tmp_path("log.txt");
    ck_assert(log_file() == stderr);
    ck_assert(log_set_file(path, NULL));
    ck_assert(log_file() != stderr);
    ck_assert(log_set_mask_str("guest_errors", NULL));
    log_mask(LOG_GUEST_ERROR, "bad write to 0x%x\n", 0x10);
    log_mask(LOG_UNIMP, "not enabled\n");
    /* Line-buffered: the line is in the file before it is closed. */
    char *text = read_file(path);
    ck_assert_str_eq(text, "bad write to 0x10\n");
    g_free(text);
    ck_assert(log_set_file(NULL, NULL));
    ck_assert(log_file() == stderr);
    remove_tmp(path);
}
END_TEST

START_TEST(test_file_bad_path)
{
    GError *err = NULL;
    ck_assert(!log_set_file("/nonexistent-dir/x/log.txt", &err));
    ck_assert_ptr_nonnull(strstr(err->message, "-D /nonexistent-dir/x/log.txt"));
    ck_assert(log_file() == stderr);
    g_error_free(err);
}
END_TEST

static gpointer log_thread(gpointer opaque)
{
    int id = GPOINTER_TO_INT(opaque);
    for (int i = 0; i < LOG_LINES; i++) {
        log_mask(LOG_CPU, "thread %d line %d ........................................\n", id, i);
    }
    return NULL;
}

START_TEST(test_threads_keep_lines_whole)
{
    char *path = tmp_path("threads.txt");
    ck_assert(log_set_file(path, NULL));
    ck_assert(log_set_mask_str("cpu", NULL));
    GThread *threads[LOG_THREADS];
    for (int i = 0; i < LOG_THREADS; i++) {
        threads[i] = g_thread_new("log", log_thread, GINT_TO_POINTER(i));
    }
    for (int i = 0; i < LOG_THREADS; i++) {
        g_thread_join(threads[i]);
    }
    ck_assert(log_set_file(NULL, NULL));
    char *text = read_file(path);
    char **lines = g_strsplit(text, "\n", -1);
    int counts[LOG_THREADS] = { 0 };
    int n = 0;
    for (char **l = lines; *l && **l; l++, n++) {
        int id, line;
        ck_assert_int_eq(sscanf(*l, "thread %d line %d", &id, &line), 2);
        ck_assert(g_str_has_suffix(*l, "......."));
        ck_assert_int_eq(line, counts[id]++);
    }
    ck_assert_int_eq(n, LOG_THREADS * LOG_LINES);
    g_strfreev(lines);
    g_free(text);
    remove_tmp(path);
}
END_TEST

START_TEST(test_error_report_format)
{
    char *path = tmp_path("stderr.txt");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(f), STDERR_FILENO);

    error_report("no such thing: %s", "x");
    error_set_progname("tessera-system-riscv64");
    warn_report("careful");
    GError *err = g_error_new_literal(G_FILE_ERROR, G_FILE_ERROR_NOENT, "from a GError");
    error_report_gerror(err);
    g_error_free(err);

    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    fclose(f);
    char *text = read_file(path);
    ck_assert_str_eq(text, "tessera: no such thing: x\n"
                           "tessera-system-riscv64: warning: careful\n"
                           "tessera-system-riscv64: from a GError\n");
    g_free(text);
    remove_tmp(path);
}
END_TEST

static Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    struct { const char *name; const TTest *fn; } cases[] = {
        { "/log/categories/table", test_category_table },
        { "/log/mask/parse", test_mask_parse },
        { "/log/mask/unknown", test_mask_unknown },
        { "/log/mask/help", test_mask_help_changes_nothing },
        { "/log/file/output", test_file_output },
        { "/log/file/bad-path", test_file_bad_path },
        { "/log/file/threads", test_threads_keep_lines_whole },
        { "/log/error-report/format", test_error_report_format },
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
    SRunner *sr = srunner_create(log_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
