/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the chardev tests (test_chardev*.c): module set-up from
 * the build tree, a recording frontend, and running the main loop until a
 * condition holds.  Check forks every test, so each starts from scratch.
 */
#ifndef TESSERA_TESTS_UNIT_TEST_CHARDEV_H
#define TESSERA_TESTS_UNIT_TEST_CHARDEV_H

#include <check.h>
#include <glib/gstdio.h>
#include <string.h>

#include "kernel/chardev.h"
#include "kernel/module.h"
#include "kernel/options.h"
#include "kernel/runstate.h"

/* How long a test waits for something to happen in the main loop. */
#define WAIT_USEC (3 * G_USEC_PER_SEC)

/* Run the main loop until @cond holds or WAIT_USEC passes. */
#define WAIT_FOR(cond)                                                       \
    do {                                                                     \
        gint64 end_ = g_get_monotonic_time() + WAIT_USEC;                    \
        while (!(cond) && g_get_monotonic_time() < end_) {                   \
            if (!g_main_context_iteration(main_loop_context(), FALSE)) {     \
                g_usleep(500);                                               \
            }                                                                \
        }                                                                    \
    } while (0)

/* Run the main loop for @ms milliseconds (to show nothing happens). */
static inline void spin_ms(int ms)
{
    gint64 end = g_get_monotonic_time() + ms * 1000;
    while (g_get_monotonic_time() < end) {
        if (!g_main_context_iteration(main_loop_context(), FALSE)) {
            g_usleep(500);
        }
    }
}

/* Modules come from the build tree next to this test program. */
static inline void chardev_test_setup(void)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *bindir = g_path_get_dirname(exe);
    g_autofree char *mods = g_build_filename(bindir, "..", "lib", "tessera", "modules", NULL);
    g_setenv("TESSERA_MODULE_DIR", mods, TRUE);
    module_init(NULL);
    chardev_types_init();
}

/* Remove every chardev (so tests also pass with CK_FORK=no). */
static inline void chardev_test_teardown(void)
{
    g_autoptr(GPtrArray) all = chardev_list();
    for (guint i = 0; i < all->len; i++) {
        chardev_delete(g_ptr_array_index(all, i));
    }
}

static inline Chardev *chardev_from_text(const char *text, GError **errp)
{
    OptDict *d = opt_dict_parse("-chardev", text, "backend", false, errp);
    if (!d) {
        return NULL;
    }
    Chardev *chr = chardev_new_from_opts(d, errp);
    opt_dict_free(d);
    return chr;
}

/* Creation that must work. */
static inline Chardev *chardev_ok(const char *text)
{
    GError *err = NULL;
    Chardev *chr = chardev_from_text(text, &err);
    ck_assert_msg(chr, "'%s': %s", text, err ? err->message : "no error set");
    return chr;
}

/* Creation that must fail; returns the message (g_free it). */
static inline char *chardev_fails(const char *text)
{
    GError *err = NULL;
    Chardev *chr = chardev_from_text(text, &err);
    ck_assert_msg(!chr, "'%s' was accepted", text);
    ck_assert_ptr_nonnull(err);
    char *msg = g_strdup(err->message);
    g_error_free(err);
    return msg;
}

/* A frontend with a receive FIFO of @room bytes that records everything. */
typedef struct TestFrontend {
    GByteArray *got;
    int room;
    int opened, closed;
    int too_much;      /* reads larger than can_read allowed */
} TestFrontend;

static inline int test_fe_can_read(void *opaque)
{
    return ((TestFrontend *)opaque)->room;
}

static inline void test_fe_read(void *opaque, const uint8_t *buf, int len)
{
    TestFrontend *fe = opaque;
    ck_assert(devlock_held());
    if (len > fe->room) {
        fe->too_much++;
    }
    fe->room -= len;
    g_byte_array_append(fe->got, buf, len);
}

static inline void test_fe_event(void *opaque, ChardevEvent ev)
{
    TestFrontend *fe = opaque;
    if (ev == CHR_EVENT_OPENED) {
        fe->opened++;
    } else if (ev == CHR_EVENT_CLOSED) {
        fe->closed++;
    }
}

static const ChardevHandlers test_fe_handlers = {
    .can_read = test_fe_can_read,
    .read = test_fe_read,
    .event = test_fe_event,
};

static inline TestFrontend *test_fe_attach(Chardev *chr, int room)
{
    TestFrontend *fe = g_new0(TestFrontend, 1);
    fe->got = g_byte_array_new();
    fe->room = room;
    GError *err = NULL;
    ck_assert_msg(chardev_set_handlers(chr, &test_fe_handlers, fe, &err), "%s",
                  err ? err->message : "");
    return fe;
}

static inline bool test_fe_got(TestFrontend *fe, const char *text)
{
    return fe->got->len == strlen(text) && !memcmp(fe->got->data, text, fe->got->len);
}

static inline int chardev_write_str(Chardev *chr, const char *s)
{
    return chardev_write(chr, (const uint8_t *)s, strlen(s));
}

/* A fresh temporary directory for files and sockets. */
static inline char *test_tmpdir(void)
{
    char *dir = g_dir_make_tmp("tessera-chr-XXXXXX", NULL);
    ck_assert_ptr_nonnull(dir);
    return dir;
}

/* Remove a directory made by test_tmpdir() and the files in it. */
static inline void test_rmdir(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_remove(path);
    }
    if (d) {
        g_dir_close(d);
    }
    g_rmdir(dir);
}

#endif
