/* SPDX-License-Identifier: MIT */
/* Helpers for the block layer tests (see blocktest.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "blocktest.h"
#include "kernel/core.h"
#include "kernel/module.h"

static char *tmpdir;

static void cleanup(void)
{
    if (tmpdir) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
        if (system(cmd) != 0) {
            fprintf(stderr, "could not remove %s\n", tmpdir);
        }
    }
}

BlockGraph *bt_graph(void)
{
    static bool inited;
    if (!inited) {
        core_init("blocktest", NULL);
        GError *err = NULL;
        ck_assert_msg(module_load("block", &err), "block module: %s", err ? err->message : "");
        inited = true;
    }
    return block_graph_new();
}

char *bt_path(const char *name)
{
    if (!tmpdir) {
        tmpdir = g_dir_make_tmp("tessera-block-XXXXXX", NULL);
        ck_assert(tmpdir);
        atexit(cleanup);
    }
    return g_build_filename(tmpdir, name, NULL);
}

int bt_sh(char **out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autofree char *so = NULL, *se = NULL;
    int status = -1;
    char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    GError *err = NULL;
    ck_assert_msg(g_spawn_sync(NULL, argv, NULL, 0, NULL, NULL, &so, &se, &status, &err),
                  "%s: %s", cmd, err ? err->message : "");
    if (out) {
        *out = g_strconcat(so, se, NULL);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void bt_need(const char *tool)
{
    g_autofree char *p = g_find_program_in_path(tool);
    ck_assert_msg(p, "this test needs %s (Debian package qemu-utils; run scripts/setup.sh)",
                  tool);
}

static BlockBackend *drive_v(BlockGraph *g, char **error, const char *fmt, va_list ap)
{
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    g_autofree char *full = g_strdup_printf("%s,if=none,id=d%u", text,
                                            block_graph_backends(g)->len);
    GError *err = NULL;
    if (!block_cmdline_drive(g, full, false, NULL, &err)) {
        *error = g_strdup(err->message);
        g_error_free(err);
        return NULL;
    }
    *error = NULL;
    GPtrArray *b = block_graph_backends(g);
    return g_ptr_array_index(b, b->len - 1);
}

BlockBackend *bt_drive(BlockGraph *g, const char *fmt, ...)
{
    va_list ap;
    char *error;
    va_start(ap, fmt);
    BlockBackend *blk = drive_v(g, &error, fmt, ap);
    va_end(ap);
    ck_assert_msg(blk, "drive: %s", error);
    return blk;
}

char *bt_drive_error(BlockGraph *g, const char *fmt, ...)
{
    va_list ap;
    char *error;
    va_start(ap, fmt);
    drive_v(g, &error, fmt, ap);
    va_end(ap);
    return error;
}

void bt_take_write(BlockBackend *blk)
{
    GError *err = NULL;
    ck_assert_msg(blk_set_perm(blk, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                               BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED |
                               BLK_PERM_RESIZE, &err), "%s", err ? err->message : "");
}

void bt_fill(uint8_t *buf, size_t len, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = x >> 24;
    }
}

void bt_write(BlockBackend *blk, uint64_t off, const void *buf, uint64_t len)
{
    int ret = blk_pwrite(blk, off, len, buf, 0);
    ck_assert_msg(ret == 0, "write %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT ": %s", off, len,
                  g_strerror(-ret));
}

void bt_read(BlockBackend *blk, uint64_t off, void *buf, uint64_t len)
{
    int ret = blk_pread(blk, off, len, buf);
    ck_assert_msg(ret == 0, "read %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT ": %s", off, len,
                  g_strerror(-ret));
}

int bt_qemu_img_check(const char *img)
{
    g_autofree char *out = NULL;
    int st = bt_sh(&out, "qemu-img check '%s'", img);
    if (st != 0) {
        fprintf(stderr, "qemu-img check %s (exit %d):\n%s\n", img, st, out);
    }
    return st;
}

uint8_t *bt_qemu_img_read(const char *img, uint64_t *len)
{
    g_autofree char *raw = g_strconcat(img, ".view.raw", NULL);
    g_autofree char *out = NULL;
    ck_assert_msg(bt_sh(&out, "qemu-img convert -U -O raw '%s' '%s'", img, raw) == 0, "%s", out);
    gchar *data;
    gsize n;
    ck_assert(g_file_get_contents(raw, &data, &n, NULL));
    *len = n;
    unlink(raw);
    return (uint8_t *)data;
}
