/* SPDX-License-Identifier: MIT */
/*
 * -blockdev and -drive.
 *
 * -drive builds what QEMU's does: a protocol node ("file", or
 * "host_device" for a block device, "null-co" for null-co://), a format
 * node over it (format= or probed, with a warning when probing finds raw),
 * with snapshot=on a temporary qcow2 overlay, and a backend named by id=
 * with the error policy, cache mode and media type.  Keys that are not
 * -drive's own go to the format node, whose driver refuses those it does
 * not know.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block-int.h"
#include "kernel/log.h"
#include "kernel/options.h"

bool block_cmdline_blockdev(BlockGraph *g, const char *text, GError **errp)
{
    BlockOpts *opts = block_opts_parse(text, errp);
    if (!opts) {
        g_prefix_error(errp, "-blockdev %s: ", text);
        return false;
    }
    if (!g_hash_table_contains(opts, "node-name")) {
        g_hash_table_unref(opts);
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "-blockdev %s: A node-name is required at the top level", text);
        return false;
    }
    BlockNode *bs = block_node_open(g, opts, errp);
    if (!bs) {
        g_prefix_error(errp, "-blockdev %s: ", text);
    }
    return bs != NULL;
}

static const char *const if_values[] = { "none", "virtio", NULL };
static const char *const media_values[] = { "disk", "cdrom", NULL };
static const char *const cache_values[] = {
    "writeback", "none", "writethrough", "directsync", "unsafe", NULL,
};
static const char *const aio_values[] = { "threads", "native", "io_uring", NULL };
/* Order matches BlockErrorAction. */
static const char *const error_values[] = { "report", "ignore", "stop", "enospc", NULL };

typedef struct DriveOpts {
    char *file, *format, *id;
    int iface, media, cache, werror, rerror;
    bool readonly, snapshot;
    BlockOpts *rest;          /* for the format node */
} DriveOpts;

static void drive_opts_clear(DriveOpts *d)
{
    g_free(d->file);
    g_free(d->format);
    g_free(d->id);
    if (d->rest) {
        g_hash_table_unref(d->rest);
    }
}

static bool drive_parse(const char *text, DriveOpts *d, GError **errp)
{
    OptDict *od = opt_dict_parse("-drive", text, NULL, false, errp);
    if (!od) {
        return false;
    }
    BlockOpts *o = block_opts_new();
    for (guint i = 0; i < od->keys->len; i++) {
        const char *k = g_ptr_array_index(od->keys, i);
        g_hash_table_replace(o, g_strdup(k), g_strdup(opt_dict_get(od, k)));
    }
    opt_dict_free(od);
    d->rest = o;
    d->file = block_opts_take(o, "file");
    d->format = block_opts_take(o, "format");
    d->id = block_opts_take(o, "id");
    g_autofree char *ro_alias = block_opts_take(o, "read-only");
    if (ro_alias) {
        g_hash_table_insert(o, g_strdup("readonly"), g_steal_pointer(&ro_alias));
    }
    if ((d->iface = block_opts_take_enum(o, "if", if_values, 0, errp)) < 0 ||
        (d->media = block_opts_take_enum(o, "media", media_values, 0, errp)) < 0 ||
        (d->cache = block_opts_take_enum(o, "cache", cache_values, 0, errp)) < 0 ||
        (d->werror = block_opts_take_enum(o, "werror", error_values,
                                          BLOCK_ERROR_ACTION_ENOSPC, errp)) < 0 ||
        (d->rerror = block_opts_take_enum(o, "rerror", error_values,
                                          BLOCK_ERROR_ACTION_REPORT, errp)) < 0 ||
        !block_opts_take_bool(o, "readonly", false, &d->readonly, errp) ||
        !block_opts_take_bool(o, "snapshot", false, &d->snapshot, errp)) {
        return false;
    }
    int aio = block_opts_take_enum(o, "aio", aio_values, 0, errp);
    if (aio < 0) {
        return false;
    }
    if (aio != 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "aio=%s is not supported: Tessera's block I/O runs on a thread pool "
                    "(aio=threads)", aio_values[aio]);
        return false;
    }
    if (d->media == 1) {
        d->readonly = true;
    }
    return true;
}

static bool cache_direct(int cache)
{
    return cache == 1 || cache == 3;
}

/* The protocol node for @file. */
static BlockNode *open_protocol(BlockGraph *g, DriveOpts *d, GError **errp)
{
    BlockOpts *o = block_opts_new();
    struct stat st;
    const char *driver = "file";
    if (g_str_has_prefix(d->file, "null-co://")) {
        driver = "null-co";
    } else {
        g_hash_table_insert(o, g_strdup("filename"), g_strdup(d->file));
        if (stat(d->file, &st) == 0 && S_ISBLK(st.st_mode)) {
            driver = "host_device";
        }
    }
    g_hash_table_insert(o, g_strdup("driver"), g_strdup(driver));
    /* Protocol options the user gave as file.KEY. */
    BlockOpts *fo = block_opts_take_prefix(d->rest, "file");
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, fo);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        g_hash_table_replace(o, g_strdup(k), g_strdup(v));
    }
    g_hash_table_unref(fo);
    g_hash_table_insert(o, g_strdup("read-only"), g_strdup(d->readonly ? "on" : "off"));
    g_hash_table_insert(o, g_strdup("cache.direct"), g_strdup(cache_direct(d->cache) ? "on"
                                                                                       : "off"));
    g_hash_table_insert(o, g_strdup("cache.no-flush"), g_strdup(d->cache == 4 ? "on" : "off"));
    if (g_hash_table_contains(d->rest, "discard")) {
        g_hash_table_insert(o, g_strdup("discard"),
                            g_strdup(g_hash_table_lookup(d->rest, "discard")));
    }
    return block_node_open_implicit(g, o, errp);
}

/* The format node over @proto (consumes d->rest). */
static BlockNode *open_format(BlockGraph *g, DriveOpts *d, BlockNode *proto, GError **errp)
{
    const char *fmt = d->format;
    if (!fmt) {
        const BlockDriver *drv = block_probe_format(proto, errp);
        if (!drv) {
            return NULL;
        }
        fmt = drv->name;
        if (!strcmp(fmt, "raw")) {
            warn_report("Image format was not specified for '%s' and probing guessed raw.\n"
                        "         Probing raw images is unsafe: a guest that writes another "
                        "format's header\n         into the image changes what the next probe "
                        "sees.\n         Specify the 'raw' format explicitly (format=raw).",
                        d->file);
        }
    }
    BlockOpts *o = d->rest;
    d->rest = NULL;
    g_hash_table_replace(o, g_strdup("driver"), g_strdup(fmt));
    g_hash_table_replace(o, g_strdup("file"), g_strdup(proto->node_name));
    g_hash_table_replace(o, g_strdup("read-only"), g_strdup(d->readonly ? "on" : "off"));
    g_hash_table_replace(o, g_strdup("cache.direct"),
                         g_strdup(cache_direct(d->cache) ? "on" : "off"));
    g_hash_table_replace(o, g_strdup("cache.no-flush"), g_strdup(d->cache == 4 ? "on" : "off"));
    return block_node_open_implicit(g, o, errp);
}

/* snapshot=on: a temporary qcow2 over @base (read-only), deleted at once
 * (the open file keeps it until exit), as QEMU does. */
static BlockNode *open_snapshot_overlay(BlockGraph *g, BlockNode *base, GError **errp)
{
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("tessera-snapshot-XXXXXX.qcow2", &path, errp);
    if (fd < 0) {
        g_prefix_error(errp, "snapshot=on: could not create the temporary overlay: ");
        return NULL;
    }
    close(fd);
    BlockNode *overlay = NULL;
    BlockOpts *po = block_opts_new();
    g_hash_table_insert(po, g_strdup("driver"), g_strdup("file"));
    g_hash_table_insert(po, g_strdup("filename"), g_strdup(path));
    BlockNode *proto = block_node_open_implicit(g, po, errp);
    bool base_owned = base->monitor_owned;
    base->monitor_owned = true; /* a failure below must not free it under the caller */
    if (proto) {
        proto->monitor_owned = true;
        BlockOpts *co = block_opts_new();
        g_hash_table_insert(co, g_strdup("driver"), g_strdup("qcow2"));
        g_hash_table_insert(co, g_strdup("file"), g_strdup(proto->node_name));
        g_hash_table_insert(co, g_strdup("size"),
                            g_strdup_printf("%" G_GINT64_FORMAT, block_node_length(base)));
        bool ok = block_create(g, co, errp);
        g_hash_table_unref(co);
        if (ok) {
            BlockOpts *oo = block_opts_new();
            g_hash_table_insert(oo, g_strdup("driver"), g_strdup("qcow2"));
            g_hash_table_insert(oo, g_strdup("file"), g_strdup(proto->node_name));
            g_hash_table_insert(oo, g_strdup("backing"), g_strdup(base->node_name));
            overlay = block_node_open_implicit(g, oo, errp);
        }
        proto->monitor_owned = false;
        if (!overlay) {
            block_node_free_if_unused(proto);
        }
    }
    base->monitor_owned = base_owned;
    unlink(path);
    return overlay;
}

bool block_cmdline_drive(BlockGraph *g, const char *text, bool snapshot_all,
                         GPtrArray *devices, GError **errp)
{
    DriveOpts d = { 0 };
    BlockNode *proto = NULL, *fmt = NULL, *top = NULL;
    BlockBackend *blk = NULL;
    bool ok = false;
    if (!drive_parse(text, &d, errp)) {
        goto out;
    }
    if (snapshot_all) {
        d.snapshot = true;
    }
    if (!d.id) {
        d.id = g_strdup_printf("%s%u", if_values[d.iface], g->next_drive++);
    }
    if (d.file && *d.file) {
        if (d.snapshot) {
            d.readonly = true; /* the image itself is never written */
        }
        if (!(proto = open_protocol(g, &d, errp))) {
            goto out;
        }
        /* Held while the format opens: its failure must not free it under us. */
        proto->monitor_owned = true;
        fmt = open_format(g, &d, proto, errp);
        proto->monitor_owned = false;
        if (!fmt) {
            goto out;
        }
        top = fmt;
        if (d.snapshot && d.media == 0 && !(top = open_snapshot_overlay(g, fmt, errp))) {
            goto out;
        }
    } else if (d.format || (d.rest && g_hash_table_size(d.rest))) {
        g_autoptr(GList) keys = d.rest ? g_hash_table_get_keys(d.rest) : NULL;
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "'%s' is given but no 'file'",
                    d.format ? "format" : (char *)keys->data);
        goto out;
    }
    if (!(blk = blk_new(g, d.id, errp))) {
        goto out;
    }
    if (top && !blk_insert_node(blk, top, errp)) {
        goto out;
    }
    blk_set_error_actions(blk, d.rerror, d.werror);
    blk_set_write_cache(blk, d.cache != 2 && d.cache != 3);
    blk_set_removable(blk, d.media == 1);
    if (d.iface == 1 && devices) {
        g_ptr_array_add(devices, g_strdup_printf("virtio-blk-pci,drive=%s", d.id));
    }
    ok = true;
out:
    if (!ok) {
        if (blk) {
            blk_unref(blk);
        } else if (top) {
            block_node_free_if_unused(top);
        } else if (fmt) {
            block_node_free_if_unused(fmt);
        } else if (proto) {
            block_node_free_if_unused(proto);
        }
        g_prefix_error(errp, "-drive %s: ", text);
    }
    drive_opts_clear(&d);
    return ok;
}
