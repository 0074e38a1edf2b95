/* SPDX-License-Identifier: MIT */
/*
 * The dirty bitmap commands: block-dirty-bitmap-add/-remove/-clear/
 * -enable/-disable/-merge and x-debug-block-dirty-bitmap-sha256, with
 * QEMU's arguments and error messages.  The block module registers them
 * with its graph like another module's commands (block_qmp_register).
 */
#include <string.h>

#include "block-int.h"
#include "block/bitmap.h"
#include "kernel/log.h"
#include "monitor/monitor-internal.h"

static BlockNode *lookup_node(BlockGraph *g, const char *node, GError **errp)
{
    BlockNode *bs = block_node_find(g, node);
    if (!bs) {
        BlockBackend *blk = blk_by_name(g, node);
        bs = blk ? blk_node(blk) : NULL;
    }
    if (!bs) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Cannot find device='%s' nor "
                    "node-name='%s'", node, node);
    }
    return bs;
}

static BlockDirtyBitmap *lookup(BlockGraph *g, const char *node, const char *name,
                                GError **errp)
{
    BlockNode *bs = lookup_node(g, node, errp);
    if (!bs) {
        return NULL;
    }
    BlockDirtyBitmap *bm = block_dirty_bitmap_find(bs, name);
    if (!bm) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Dirty bitmap '%s' not found", name);
    }
    return bm;
}

/* May the monitor change @bm?  (not busy, consistent) */
static bool modifiable(BlockDirtyBitmap *bm, bool allow_inconsistent, GError **errp)
{
    const char *name = block_dirty_bitmap_name(bm);
    if (block_dirty_bitmap_busy(bm)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Bitmap '%s' is currently in use by "
                    "another operation and cannot be used", name);
        return false;
    }
    if (!allow_inconsistent && block_dirty_bitmap_inconsistent(bm)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Bitmap '%s' is inconsistent and "
                    "cannot be used; try block-dirty-bitmap-remove to delete it", name);
        return false;
    }
    return true;
}

static JsonNode *bitmap_add(BlockGraph *g, JsonObject *args, GError **errp)
{
    const char *node = qmp_arg_str(args, "node", "");
    const char *name = qmp_arg_str(args, "name", "");
    BlockNode *bs = lookup_node(g, node, errp);
    if (!bs) {
        return NULL;
    }
    int64_t gran = qmp_arg_int(args, "granularity", BLOCK_BITMAP_DEFAULT_GRANULARITY);
    bool persistent = qmp_arg_bool(args, "persistent", false);
    bool disabled = qmp_arg_bool(args, "disabled", false);
    if (bs->read_only) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Node '%s' is read-only: cannot add "
                    "dirty bitmap '%s'", bs->node_name, name);
        return NULL;
    }
    if (gran < 0 || gran > UINT32_MAX) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Granularity must be power of 2 between 512 and 2147483648");
        return NULL;
    }
    if (persistent) {
        if (!bs->drv->can_store_bitmap) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Can't make bitmap '%s' persistent "
                        "in '%s': format '%s' cannot store dirty bitmaps", name, bs->node_name,
                        bs->drv->name);
            return NULL;
        }
        if (!bs->drv->can_store_bitmap(bs, name, gran, errp)) {
            g_prefix_error(errp, "Can't make bitmap '%s' persistent in '%s': ", name,
                           bs->node_name);
            return NULL;
        }
    }
    GError *err = NULL;
    BlockDirtyBitmap *bm = block_dirty_bitmap_create(bs, name, gran, &err);
    if (!bm) {
        g_set_error_literal(errp, QMP_ERROR, QMP_ERROR_GENERIC, err->message);
        g_error_free(err);
        return NULL;
    }
    block_dirty_bitmap_set_persistent(bm, persistent);
    block_dirty_bitmap_set_enabled(bm, !disabled);
    return qmp_empty_return();
}

static JsonNode *bitmap_remove(BlockGraph *g, JsonObject *args, GError **errp)
{
    BlockDirtyBitmap *bm = lookup(g, qmp_arg_str(args, "node", ""),
                                  qmp_arg_str(args, "name", ""), errp);
    if (!bm || !modifiable(bm, true, errp)) {
        return NULL;
    }
    BlockNode *bs = block_dirty_bitmap_node(bm);
    if (block_dirty_bitmap_persistent(bm) && bs->drv->remove_persistent_bitmap &&
        !bs->drv->remove_persistent_bitmap(bs, block_dirty_bitmap_name(bm), errp)) {
        return NULL;
    }
    block_dirty_bitmap_release(bm);
    return qmp_empty_return();
}

static JsonNode *bitmap_simple(BlockGraph *g, const char *command, JsonObject *args,
                               GError **errp)
{
    BlockDirtyBitmap *bm = lookup(g, qmp_arg_str(args, "node", ""),
                                  qmp_arg_str(args, "name", ""), errp);
    if (!bm || !modifiable(bm, false, errp)) {
        return NULL;
    }
    if (!strcmp(command, "block-dirty-bitmap-clear")) {
        block_dirty_bitmap_clear(bm);
    } else {
        block_dirty_bitmap_set_enabled(bm, !strcmp(command, "block-dirty-bitmap-enable"));
    }
    return qmp_empty_return();
}

static JsonNode *bitmap_merge(BlockGraph *g, JsonObject *args, GError **errp)
{
    const char *node = qmp_arg_str(args, "node", "");
    BlockDirtyBitmap *dst = lookup(g, node, qmp_arg_str(args, "target", ""), errp);
    if (!dst || !modifiable(dst, false, errp)) {
        return NULL;
    }
    JsonNode *list = json_object_get_member(args, "bitmaps");
    if (!list || !JSON_NODE_HOLDS_ARRAY(list)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Parameter 'bitmaps' expects an array");
        return NULL;
    }
    JsonArray *a = json_node_get_array(list);
    g_autoptr(GPtrArray) srcs = g_ptr_array_new();
    /* Resolve every source first: a bad one changes nothing. */
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *e = json_array_get_element(a, i);
        const char *snode = node, *sname = NULL;
        if (JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING) {
            sname = json_node_get_string(e);
        } else if (JSON_NODE_HOLDS_OBJECT(e)) {
            JsonObject *o = json_node_get_object(e);
            snode = qmp_arg_str(o, "node", NULL);
            sname = qmp_arg_str(o, "name", NULL);
        }
        if (!snode || !sname) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "bitmaps[%u]: expected a bitmap "
                        "name or {\"node\", \"name\"}", i);
            return NULL;
        }
        BlockDirtyBitmap *src = lookup(g, snode, sname, errp);
        if (!src) {
            return NULL;
        }
        if (block_dirty_bitmap_inconsistent(src)) {
            modifiable(src, false, errp); /* sets the error */
            return NULL;
        }
        if (block_dirty_bitmap_size(src) != block_dirty_bitmap_size(dst)) {
            block_dirty_bitmap_merge(dst, src, errp); /* refuses, with the sizes */
            return NULL;
        }
        g_ptr_array_add(srcs, src);
    }
    for (guint i = 0; i < srcs->len; i++) {
        block_dirty_bitmap_merge(dst, g_ptr_array_index(srcs, i), NULL);
    }
    return qmp_empty_return();
}

static JsonNode *bitmap_sha256(BlockGraph *g, JsonObject *args, GError **errp)
{
    BlockDirtyBitmap *bm = lookup(g, qmp_arg_str(args, "node", ""),
                                  qmp_arg_str(args, "name", ""), errp);
    if (!bm) {
        return NULL;
    }
    g_autofree char *sum = block_dirty_bitmap_sha256(bm);
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "sha256", sum);
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    return n;
}

static JsonNode *dispatch(BlockGraph *g, const char *command, JsonObject *args, GError **errp)
{
    if (!strcmp(command, "block-dirty-bitmap-add")) {
        return bitmap_add(g, args, errp);
    } else if (!strcmp(command, "block-dirty-bitmap-remove")) {
        return bitmap_remove(g, args, errp);
    } else if (!strcmp(command, "block-dirty-bitmap-merge")) {
        return bitmap_merge(g, args, errp);
    } else if (!strcmp(command, "x-debug-block-dirty-bitmap-sha256")) {
        return bitmap_sha256(g, args, errp);
    }
    return bitmap_simple(g, command, args, errp);
}

/* ---- transaction actions: add (undone on abort), remove (done at commit) ---- */

typedef struct BitmapAction {
    BlockGraph *g;
    char *node, *name;
} BitmapAction;

static BitmapAction *action_new(BlockGraph *g, JsonObject *args)
{
    BitmapAction *s = g_new0(BitmapAction, 1);
    s->g = g;
    s->node = g_strdup(qmp_arg_str(args, "node", ""));
    s->name = g_strdup(qmp_arg_str(args, "name", ""));
    return s;
}

static void action_free(void *state)
{
    BitmapAction *s = state;
    g_free(s->node);
    g_free(s->name);
    g_free(s);
}

static void add_abort(void *state)
{
    BitmapAction *s = state;
    BlockDirtyBitmap *bm = lookup(s->g, s->node, s->name, NULL);
    if (bm) {
        block_dirty_bitmap_release(bm);
    }
    action_free(s);
}

bool block_bitmap_add_prepare(BlockGraph *g, JsonObject *args, BlockAction *a, GError **errp)
{
    JsonNode *r = bitmap_add(g, args, errp);
    if (!r) {
        return false;
    }
    json_node_unref(r);
    *a = (BlockAction){ .state = action_new(g, args), .commit = action_free,
                        .abort = add_abort };
    return true;
}

static void remove_commit(void *state)
{
    BitmapAction *s = state;
    JsonObject *args = json_object_new();
    json_object_set_string_member(args, "node", s->node);
    json_object_set_string_member(args, "name", s->name);
    GError *err = NULL;
    JsonNode *r = bitmap_remove(s->g, args, &err);
    if (r) {
        json_node_unref(r);
    } else {
        warn_report("transaction: block-dirty-bitmap-remove %s: %s", s->name, err->message);
        g_error_free(err);
    }
    json_object_unref(args);
    action_free(s);
}

bool block_bitmap_remove_prepare(BlockGraph *g, JsonObject *args, BlockAction *a,
                                 GError **errp)
{
    BlockDirtyBitmap *bm = lookup(g, qmp_arg_str(args, "node", ""),
                                  qmp_arg_str(args, "name", ""), errp);
    if (!bm || !modifiable(bm, true, errp)) {
        return false;
    }
    *a = (BlockAction){ .state = action_new(g, args), .commit = remove_commit,
                        .abort = action_free };
    return true;
}

static const char *const bitmap_commands[] = {
    "block-dirty-bitmap-add", "block-dirty-bitmap-remove", "block-dirty-bitmap-clear",
    "block-dirty-bitmap-enable", "block-dirty-bitmap-disable", "block-dirty-bitmap-merge",
    "x-debug-block-dirty-bitmap-sha256", NULL,
};

const BlockQmpExtension block_bitmap_qmp = { .commands = bitmap_commands, .dispatch = dispatch };
