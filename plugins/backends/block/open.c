/* SPDX-License-Identifier: MIT */
/*
 * Opening nodes from flat options: generic options, the "file" child,
 * the driver, then the "backing" child (given, null, or from the image's
 * header: any format, backing_fmt honoured, probed otherwise).  Backing
 * chains that come back to an image already in the chain are refused.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "block-int.h"
#include "block/bitmap.h"
#include "kernel/log.h"
#include "kernel/module.h"

#define BACKING_CHAIN_MAX 64

typedef struct OpenCtx {
    GHashTable *chain;        /* canonical file names of the backing chain */
    int depth;
} OpenCtx;

static const char *const discard_values[] = { "ignore", "off", "unmap", "on", NULL };
static const char *const detect_zeroes_values[] = { "off", "on", "unmap", NULL };

static BlockNode *open_node(BlockGraph *g, BlockOpts *opts, const BlockNode *inherit,
                            bool implicit, OpenCtx *ctx, GError **errp);

const BlockDriver *block_probe_format(BlockNode *file, GError **errp)
{
    uint8_t buf[2048] = { 0 };
    int64_t len = block_node_length(file);
    int ret = block_node_pread(file, 0, MIN((int64_t)sizeof(buf), MAX(len, 0)), buf);
    if (ret < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "Could not read image for "
                    "determining its format: %s", g_strerror(-ret));
        return NULL;
    }
    const BlockDriver *best = NULL;
    int best_score = 0;
    GPtrArray *types = module_list_types(TYPE_BLOCK_DRIVER);
    for (guint i = 0; i < types->len; i++) {
        const ModuleTypeEntry *e = g_ptr_array_index(types, i);
        const BlockDriver *drv = block_driver_find(e->name + strlen(TYPE_BLOCK_DRIVER_PREFIX),
                                                   NULL);
        int score = drv && drv->is_format && drv->probe ? drv->probe(buf, sizeof(buf)) : 0;
        if (score > best_score) {
            best = drv;
            best_score = score;
        }
    }
    g_ptr_array_unref(types);
    if (!best) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE, "Could not determine image format");
    }
    return best;
}

bool block_opts_check_empty(BlockOpts *opts, const char *driver, GError **errp)
{
    if (g_hash_table_size(opts) == 0) {
        return true;
    }
    g_autoptr(GList) keys = g_hash_table_get_keys(opts);
    keys = g_list_sort(keys, (GCompareFunc)strcmp);
    const char *key = keys->data;
    g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                "Block driver '%s' does not support the option '%s'", driver, key);
    return false;
}

/* Options a child inherits from its parent unless it sets them itself. */
static void inherit_opts(BlockOpts *child, const BlockNode *parent)
{
    struct { const char *key; bool v; } inh[] = {
        { "read-only", parent->read_only },
        { "auto-read-only", parent->auto_read_only },
        { "cache.direct", parent->cache_direct },
        { "cache.no-flush", parent->cache_no_flush },
        { "discard", parent->discard_unmap },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(inh); i++) {
        if (!g_hash_table_contains(child, inh[i].key)) {
            const char *v = !strcmp(inh[i].key, "discard") ? (inh[i].v ? "unmap" : "ignore")
                                                           : (inh[i].v ? "on" : "off");
            g_hash_table_insert(child, g_strdup(inh[i].key), g_strdup(v));
        }
    }
}

/*
 * The child @role of @bs: a reference to an existing node ("file":
 * "name"), nested options ("file.driver": ...), null ("" : none), or
 * absent (NULL without error).
 */
static BlockNode *open_child(BlockNode *bs, BlockOpts *opts, const char *role, OpenCtx *ctx,
                             bool *explicit_none, GError **errp)
{
    g_autofree char *ref = block_opts_take(opts, role);
    BlockOpts *sub = block_opts_take_prefix(opts, role);
    *explicit_none = false;
    if (ref && g_hash_table_size(sub)) {
        g_hash_table_unref(sub);
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Parameter '%s' names a node and also has nested options", role);
        return NULL;
    }
    if (ref) {
        g_hash_table_unref(sub);
        if (!*ref) {
            *explicit_none = true;
            return NULL;
        }
        BlockNode *child = block_node_find(bs->graph, ref);
        if (!child) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_NOT_FOUND,
                        "Cannot find device='' nor node-name='%s'", ref);
        }
        return child;
    }
    if (!g_hash_table_size(sub)) {
        g_hash_table_unref(sub);
        return NULL;
    }
    inherit_opts(sub, bs);
    BlockNode *child = open_node(bs->graph, sub, bs, true, ctx, errp);
    g_hash_table_unref(sub);
    if (!child) {
        g_prefix_error(errp, "%s: ", role);
    }
    return child;
}

static uint32_t file_perm(const BlockNode *bs)
{
    return BLK_PERM_CONSISTENT_READ | (bs->read_only ? 0 : BLK_PERM_WRITE | BLK_PERM_RESIZE);
}

/* A nested child we opened but could not attach goes again. */
static void drop_unused(BlockNode *child)
{
    if (child) {
        block_node_free_if_unused(child);
    }
}

static bool backing_canonical(BlockNode *bs, char **out)
{
    BlockNode *f = bs->file ? bs->file->node : bs;
    char *real = f->filename ? realpath(f->filename, NULL) : NULL;
    *out = real ? g_strdup(real) : NULL;
    free(real);
    return *out != NULL;
}

/* Open the backing file the image header names. */
static BlockNode *open_backing_from_header(BlockNode *bs, OpenCtx *ctx, GError **errp)
{
    const char *img = bs->file && bs->file->node->filename ? bs->file->node->filename
                                                           : bs->node_name;
    g_autofree char *path = NULL;
    if (g_path_is_absolute(bs->backing_file) || !bs->file || !bs->file->node->filename) {
        path = g_strdup(bs->backing_file);
    } else {
        g_autofree char *dir = g_path_get_dirname(bs->file->node->filename);
        path = g_build_filename(dir, bs->backing_file, NULL);
    }
    char *real = realpath(path, NULL);
    if (real && g_hash_table_contains(ctx->chain, real)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE,
                    "%s: backing chain is cyclic: '%s' is already in the chain", img,
                    bs->backing_file);
        free(real);
        return NULL;
    }
    free(real);
    if (ctx->depth >= BACKING_CHAIN_MAX) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE,
                    "%s: backing chain deeper than %d images", img, BACKING_CHAIN_MAX);
        return NULL;
    }
    BlockOpts *o = block_opts_new();
    g_hash_table_insert(o, g_strdup("file.driver"), g_strdup("file"));
    g_hash_table_insert(o, g_strdup("file.filename"), g_strdup(path));
    g_hash_table_insert(o, g_strdup("read-only"), g_strdup("on"));
    g_hash_table_insert(o, g_strdup("cache.direct"), g_strdup(bs->cache_direct ? "on" : "off"));
    if (bs->backing_format) {
        g_hash_table_insert(o, g_strdup("driver"), g_strdup(bs->backing_format));
    }
    ctx->depth++;
    BlockNode *child = open_node(bs->graph, o, NULL, true, ctx, errp);
    ctx->depth--;
    g_hash_table_unref(o);
    if (!child) {
        g_prefix_error(errp, "%s: could not open backing file: ", img);
    }
    return child;
}

static BlockNode *open_node(BlockGraph *g, BlockOpts *opts, const BlockNode *inherit,
                            bool implicit, OpenCtx *ctx, GError **errp)
{
    BlockNode *bs = g_new0(BlockNode, 1);
    bs->graph = g;
    bs->parents = g_ptr_array_new();
    bs->implicit = implicit;
    bs->request_alignment = 1;
    g_mutex_init(&bs->stats_lock);
    g_rw_lock_init(&bs->notify_lock);
    bs->notifiers = g_ptr_array_new();
    g_mutex_init(&bs->bitmap_lock);
    bs->dirty_bitmaps = g_ptr_array_new();
    g_autofree char *driver = block_opts_take(opts, "driver");
    g_autofree char *name = block_opts_take(opts, "node-name");
    const BlockDriver *drv = NULL;
    int discard, dz;
    bool explicit_none;
    g_autofree char *backing_ref = NULL;
    BlockOpts *backing_sub = NULL;

    if (name && !block_node_name_valid(name)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Invalid node-name: '%s' (letters, digits, '-', '.', '_', starting with a "
                    "letter, at most 31)", name);
        goto fail;
    }
    if (name && block_node_find(g, name)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Duplicate nodes with node-name='%s'",
                    name);
        goto fail;
    }
    bs->node_name = name ? g_strdup(name) : block_graph_auto_name(g);
    if (!block_opts_take_bool(opts, "read-only", false, &bs->read_only, errp) ||
        !block_opts_take_bool(opts, "auto-read-only", false, &bs->auto_read_only, errp) ||
        !block_opts_take_bool(opts, "cache.direct", false, &bs->cache_direct, errp) ||
        !block_opts_take_bool(opts, "cache.no-flush", false, &bs->cache_no_flush, errp) ||
        !block_opts_take_bool(opts, "force-share", false, &bs->force_share, errp)) {
        goto fail;
    }
    if ((discard = block_opts_take_enum(opts, "discard", discard_values, 0, errp)) < 0 ||
        (dz = block_opts_take_enum(opts, "detect-zeroes", detect_zeroes_values, 0, errp)) < 0) {
        goto fail;
    }
    bs->discard_unmap = discard >= 2;
    bs->detect_zeroes = dz;
    if (dz == BLOCK_DETECT_ZEROES_UNMAP && !bs->discard_unmap) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "setting detect-zeroes to unmap is not allowed without setting discard "
                    "operation to unmap");
        goto fail;
    }
    if (bs->force_share && !bs->read_only) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "force-share=on can only be used with read-only images");
        goto fail;
    }
    if (!driver) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Parameter 'driver' is missing");
        goto fail;
    }
    if (!(drv = block_driver_find(driver, errp))) {
        goto fail;
    }
    bs->drv = drv;

    if (drv->is_format) {
        GError *err = NULL;
        BlockNode *file = open_child(bs, opts, "file", ctx, &explicit_none, &err);
        if (!file) {
            if (!err) {
                g_set_error(&err, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                            "A block device must be specified for \"file\"");
            }
            g_propagate_error(errp, err);
            goto fail;
        }
        bs->file = block_node_attach_child(bs, file, "file", file_perm(bs),
                                           BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED,
                                           errp);
        if (!bs->file) {
            drop_unused(file);
            goto fail;
        }
        char *canon;
        if (backing_canonical(bs, &canon)) {
            g_hash_table_add(ctx->chain, canon);
        }
    }
    /* "backing" is handled after the driver read its header; keep it. */
    backing_ref = block_opts_take(opts, "backing");
    backing_sub = block_opts_take_prefix(opts, "backing");
    if (!drv->open(bs, opts, errp)) {
        g_hash_table_unref(backing_sub);
        goto fail;
    }
    if (!block_opts_check_empty(opts, driver, errp)) {
        g_hash_table_unref(backing_sub);
        goto fail_close;
    }
    if (!drv->is_format && (backing_ref || g_hash_table_size(backing_sub))) {
        g_hash_table_unref(backing_sub);
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Block driver '%s' does not support the option 'backing'", driver);
        goto fail_close;
    }
    if (backing_ref) {
        g_hash_table_insert(opts, g_strdup("backing"), g_steal_pointer(&backing_ref));
    }
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, backing_sub);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        g_hash_table_insert(opts, g_strdup_printf("backing.%s", (char *)k), g_strdup(v));
    }
    g_hash_table_unref(backing_sub);
    if (drv->is_format) {
        GError *err = NULL;
        BlockNode *backing = open_child(bs, opts, "backing", ctx, &explicit_none, &err);
        if (err) {
            g_propagate_error(errp, err);
            goto fail_close;
        }
        if (!backing && !explicit_none && bs->backing_file) {
            backing = open_backing_from_header(bs, ctx, errp);
            if (!backing) {
                goto fail_close;
            }
        }
        if (backing) {
            bs->backing = block_node_attach_child(bs, backing, "backing",
                                                  BLK_PERM_CONSISTENT_READ,
                                                  BLK_PERM_ALL & ~(BLK_PERM_WRITE |
                                                                   BLK_PERM_RESIZE), errp);
            if (!bs->backing) {
                drop_unused(backing);
                goto fail_close;
            }
        }
    }
    (void)inherit;
    bs->monitor_owned = !implicit;
    g_ptr_array_add(g->nodes, bs);
    return bs;

fail_close:
    if (drv->close) {
        drv->close(bs);
    }
    bs->opaque = NULL;
fail:
    block_node_release_bitmaps(bs);
    block_node_unref_children(bs);
    g_ptr_array_unref(bs->parents);
    g_mutex_clear(&bs->stats_lock);
    g_rw_lock_clear(&bs->notify_lock);
    g_ptr_array_unref(bs->notifiers);
    g_mutex_clear(&bs->bitmap_lock);
    g_ptr_array_unref(bs->dirty_bitmaps);
    g_free(bs->node_name);
    g_free(bs->filename);
    g_free(bs->backing_file);
    g_free(bs->backing_format);
    g_free(bs);
    return NULL;
}

static BlockNode *open_top(BlockGraph *g, BlockOpts *opts, bool implicit, GError **errp)
{
    OpenCtx ctx = { .chain = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL) };
    BlockNode *bs = open_node(g, opts, NULL, implicit, &ctx, errp);
    g_hash_table_unref(ctx.chain);
    g_hash_table_unref(opts);
    return bs;
}

BlockNode *block_node_open(BlockGraph *g, BlockOpts *opts, GError **errp)
{
    return open_top(g, opts, false, errp);
}

BlockNode *block_node_open_implicit(BlockGraph *g, BlockOpts *opts, GError **errp)
{
    return open_top(g, opts, true, errp);
}

bool block_create(BlockGraph *g, BlockOpts *opts, GError **errp)
{
    g_autofree char *driver = block_opts_take(opts, "driver");
    if (!driver) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Parameter 'driver' is missing");
        return false;
    }
    const BlockDriver *drv = block_driver_find(driver, errp);
    if (!drv) {
        return false;
    }
    if (!drv->create) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Driver '%s' does not support blockdev-create", driver);
        return false;
    }
    /* Drivers call block_opts_check_empty() before creating anything. */
    return drv->create(g, opts, errp);
}
