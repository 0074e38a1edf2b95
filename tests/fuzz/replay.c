/* SPDX-License-Identifier: MIT */
/*
 * Replays a fuzz target's committed inputs without libFuzzer, as part of
 * the normal test suite (`scons test`, plain and sanitized builds): every
 * file in tests/fuzz/corpus/TARGET/ (seeds) and tests/fuzz/regress/TARGET/
 * (inputs that once crashed, minimised) goes through the target's
 * LLVMFuzzerTestOneInput, one Check test each, forked, so a crash, an
 * assertion or a sanitizer report fails that input's test by name.
 *
 * Built once per target by tests/fuzz/SConscript with FUZZ_TARGET set to
 * the target's name and FUZZ_DIR to this directory.
 */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"

#ifdef __SANITIZE_ADDRESS__
/* From the sanitizers' allocator interface (GCC ships no header for it). */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

/* libFuzzer fails an input that makes one allocation above its malloc
 * limit (-malloc_limit_mb, 2 GiB by default); the replay does the same in
 * the sanitized build, so a regression input for an unbounded allocation
 * fails here too.  (The plain build has no hook.) */
#define REPLAY_MALLOC_LIMIT (2048ull << 20)

static void malloc_limit_hook(const volatile void *ptr, size_t size)
{
    if (size > REPLAY_MALLOC_LIMIT) {
        fprintf(stderr, "replay: allocation of %zu bytes exceeds the fuzzers' malloc limit\n",
                size);
        abort();
    }
}

static void free_hook(const volatile void *ptr)
{
}

static void install_malloc_limit(void)
{
    __sanitizer_install_malloc_and_free_hooks(malloc_limit_hook, free_hook);
}
#else
static void install_malloc_limit(void)
{
}
#endif

static GPtrArray *inputs;

static void collect(const char *kind)
{
    char *dir = g_build_filename(FUZZ_DIR, kind, FUZZ_TARGET, NULL);
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    GPtrArray *found = g_ptr_array_new();
    while (d && (name = g_dir_read_name(d))) {
        if (name[0] != '.') {
            g_ptr_array_add(found, g_build_filename(dir, name, NULL));
        }
    }
    if (d) {
        g_dir_close(d);
    }
    g_ptr_array_sort(found, (GCompareFunc)g_strcmp0);
    for (guint i = 0; i < found->len; i++) {
        g_ptr_array_add(inputs, g_ptr_array_index(found, i));
    }
    g_ptr_array_free(found, TRUE);
    g_free(dir);
}

START_TEST(test_input_replays)
{
    const char *path = g_ptr_array_index(inputs, _i);
    gchar *data;
    gsize len;
    GError *err = NULL;
    ck_assert_msg(g_file_get_contents(path, &data, &len, &err), "%s: %s", path,
                  err ? err->message : "");
    /* Named in the log before running, so a crash says which input. */
    printf("replay %s (%zu bytes)\n", path, (size_t)len);
    fflush(stdout);
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    g_free(data);
}
END_TEST

START_TEST(test_has_inputs)
{
    ck_assert_msg(inputs->len > 0, "no inputs in %s/corpus/%s or %s/regress/%s", FUZZ_DIR,
                  FUZZ_TARGET, FUZZ_DIR, FUZZ_TARGET);
}
END_TEST

int main(int argc, char **argv)
{
    inputs = g_ptr_array_new_with_free_func(g_free);
    collect("corpus");
    collect("regress");
    LLVMFuzzerInitialize(&argc, &argv);
    install_malloc_limit();
    Suite *s = suite_create("fuzz-replay-" FUZZ_TARGET);
    TCase *tc = tcase_create("inputs");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_has_inputs);
    tcase_add_loop_test(tc, test_input_replays, 0, (int)inputs->len);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    g_ptr_array_unref(inputs);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
