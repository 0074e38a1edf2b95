/* SPDX-License-Identifier: MIT */
/*
 * External snapshots and transactions.
 *
 * blockdev-snapshot puts an overlay (a node without a backing node) on top
 * of a node: every user of the node (the device's backend, parent nodes)
 * moves to the overlay, the node becomes the overlay's backing node and
 * read-only.  blockdev-snapshot-sync first creates the overlay image
 * (qcow2 naming the old image as backing file) and opens it.
 *
 * transaction runs several actions all or nothing: every action's prepare
 * (which does all that can fail: creating and opening overlays, checking
 * permissions, creating jobs) runs first; if one fails, the prepared ones
 * are undone (created files removed, jobs dropped) and nothing changed;
 * otherwise every commit runs (graph swaps, job starts), none can fail.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "block-int.h"
#include "block/job.h"
#include "monitor/monitor-internal.h"

typedef struct SnapState {
    BlockGraph *graph;
    BlockNode *old, *overlay;
    char *created;            /* image file we made (removed on abort) */
} SnapState;

static bool check_overlay(BlockNode *old, BlockNode *overlay, GError **errp)
{
    if (overlay == old) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Node '%s' cannot be an overlay of itself", old->node_name);
        return false;
    }
    if (overlay->backing) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "The overlay already has a backing image");
        return false;
    }
    if (!overlay->drv->is_format) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "The overlay '%s' does not support backing images", overlay->node_name);
        return false;
    }
    if (overlay->parents->len) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IN_USE, "The overlay '%s' is already in use",
                    overlay->node_name);
        return false;
    }
    if (overlay->read_only) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_PERM, "Block node '%s' is read-only",
                    overlay->node_name);
        return false;
    }
    if (job_node_is_busy(old, errp)) {
        return false;
    }
    return true;
}

static void snap_commit(void *opaque)
{
    SnapState *s = opaque;
    block_graph_drain(s->graph);
    GError *err = NULL;
    /* Checked in prepare: the overlay is free and writable, so the users of
     * the old node fit on it. */
    if (!block_node_replace(s->old, s->overlay, &err) ||
        !block_node_set_backing(s->overlay, s->old, false, &err)) {
        g_error("snapshot: %s", err->message); /* prepare guarantees this */
    }
    s->old->read_only = true;
    s->overlay->implicit = false;
    g_free(s->created);
    g_free(s);
}

static void snap_abort(void *opaque)
{
    SnapState *s = opaque;
    if (s->created) {
        block_node_free_if_unused(s->overlay);
        unlink(s->created);
        g_free(s->created);
    }
    g_free(s);
}

/* Prepare with a dry run of the permission move. */
static bool snap_check_users(BlockNode *old, BlockNode *overlay, GError **errp)
{
    for (guint i = 0; i < old->parents->len; i++) {
        BlockChild *c = g_ptr_array_index(old->parents, i);
        if ((c->perm & (BLK_PERM_WRITE | BLK_PERM_RESIZE)) && overlay->read_only) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_PERM, "Block node '%s' is read-only",
                        overlay->node_name);
            return false;
        }
    }
    return true;
}

bool block_snapshot_prepare(BlockGraph *g, JsonObject *args, BlockAction *a, GError **errp)
{
    BlockNode *old = block_find_node(g, qmp_arg_str(args, "node", ""), errp);
    if (!old) {
        return false;
    }
    BlockNode *overlay = block_find_node(g, qmp_arg_str(args, "overlay", ""), errp);
    if (!overlay || !check_overlay(old, overlay, errp) ||
        !snap_check_users(old, overlay, errp)) {
        return false;
    }
    SnapState *s = g_new0(SnapState, 1);
    s->graph = g;
    s->old = old;
    s->overlay = overlay;
    a->state = s;
    a->commit = snap_commit;
    a->abort = snap_abort;
    return true;
}

bool block_snapshot_sync_prepare(BlockGraph *g, JsonObject *args, BlockAction *a,
                                 GError **errp)
{
    const char *device = qmp_arg_str(args, "device", NULL);
    const char *node_name = qmp_arg_str(args, "node-name", NULL);
    const char *file = qmp_arg_str(args, "snapshot-file", "");
    const char *snap_name = qmp_arg_str(args, "snapshot-node-name", NULL);
    const char *format = qmp_arg_str(args, "format", "qcow2");
    const char *mode = qmp_arg_str(args, "mode", "absolute-paths");
    if (!!device == !!node_name) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Exactly one of 'device' and 'node-name' must be specified");
        return false;
    }
    BlockNode *old = device ? block_find_node_or_drive(g, device, errp)
                            : block_find_node(g, node_name, errp);
    if (!old) {
        return false;
    }
    if (strcmp(mode, "absolute-paths") && strcmp(mode, "existing")) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Parameter 'mode' does not accept value '%s'", mode);
        return false;
    }
    if (strcmp(format, "qcow2")) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Format '%s' does not support backing images (use qcow2)", format);
        return false;
    }
    if (!*file) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Parameter 'snapshot-file' is "
                    "missing");
        return false;
    }
    if (snap_name && block_node_find(g, snap_name)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Duplicate nodes with node-name='%s'", snap_name);
        return false;
    }
    if (job_node_is_busy(old, errp)) {
        return false;
    }
    const char *old_file = block_node_file_name(old);
    if (old_file && !strcmp(mode, "absolute-paths")) {
        g_autofree char *a1 = realpath(old_file, NULL);
        g_autofree char *a2 = realpath(file, NULL);
        if (a1 && a2 && !strcmp(a1, a2)) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "The snapshot file '%s' is the image itself", file);
            return false;
        }
    }
    bool created = false;
    if (!strcmp(mode, "absolute-paths")) {
        int64_t len = block_node_length(old);
        if (len < 0 || !block_create_image(g, file, format, (uint64_t)len, old, errp)) {
            if (len < 0) {
                g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "Could not get the size of '%s'",
                            old->node_name);
            }
            return false;
        }
        created = true;
    }
    BlockNode *overlay = block_open_image(g, file, format, snap_name, true, errp);
    if (!overlay || !check_overlay(old, overlay, errp)) {
        if (overlay) {
            block_node_free_if_unused(overlay);
        }
        if (created) {
            unlink(file);
        }
        return false;
    }
    SnapState *s = g_new0(SnapState, 1);
    s->graph = g;
    s->old = old;
    s->overlay = overlay;
    s->created = g_strdup(file);
    if (!created) {
        g_clear_pointer(&s->created, g_free);
    }
    a->state = s;
    a->commit = snap_commit;
    a->abort = created ? snap_abort : snap_abort;
    if (!created) {
        /* An existing image we opened: drop the node on abort, keep the file. */
        a->abort = snap_abort;
    }
    return true;
}

static JsonNode *run_single(bool ok, BlockAction *a)
{
    if (!ok) {
        return NULL;
    }
    a->commit(a->state);
    return qmp_empty_return();
}

JsonNode *block_qmp_snapshot_sync(BlockGraph *g, JsonObject *args, GError **errp)
{
    BlockAction a = { 0 };
    return run_single(block_snapshot_sync_prepare(g, args, &a, errp), &a);
}

JsonNode *block_qmp_snapshot(BlockGraph *g, JsonObject *args, GError **errp)
{
    BlockAction a = { 0 };
    return run_single(block_snapshot_prepare(g, args, &a, errp), &a);
}

/* ---- transaction ------------------------------------------------------------------ */

typedef bool (*PrepareFn)(BlockGraph *g, JsonObject *args, BlockAction *a, GError **errp);

static bool prepare_mirror(BlockGraph *g, JsonObject *args, BlockAction *a, GError **errp)
{
    return block_mirror_prepare(g, args, false, a, errp);
}

static bool prepare_drive_mirror(BlockGraph *g, JsonObject *args, BlockAction *a,
                                 GError **errp)
{
    return block_mirror_prepare(g, args, true, a, errp);
}

static bool prepare_abort(BlockGraph *g, JsonObject *args, BlockAction *a, GError **errp)
{
    g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                "Transaction aborted using Abort action");
    return false;
}

static const struct {
    const char *type;
    PrepareFn prepare;
    const char *command;      /* whose argument schema the data must match */
} actions[] = {
    { "blockdev-snapshot-sync", block_snapshot_sync_prepare, "blockdev-snapshot-sync" },
    { "blockdev-snapshot", block_snapshot_prepare, "blockdev-snapshot" },
    { "blockdev-mirror", prepare_mirror, "blockdev-mirror" },
    { "drive-mirror", prepare_drive_mirror, "drive-mirror" },
    { "blockdev-backup", block_backup_prepare, "blockdev-backup" },
    { "block-dirty-bitmap-add", block_bitmap_add_prepare, "block-dirty-bitmap-add" },
    { "block-dirty-bitmap-remove", block_bitmap_remove_prepare, "block-dirty-bitmap-remove" },
    { "abort", prepare_abort, NULL },
};

JsonNode *block_qmp_transaction(BlockGraph *g, JsonObject *args, GError **errp)
{
    JsonNode *an = json_object_get_member(args, "actions");
    if (!an || !JSON_NODE_HOLDS_ARRAY(an)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Parameter 'actions' is missing");
        return NULL;
    }
    JsonArray *list = json_node_get_array(an);
    guint n = json_array_get_length(list);
    g_autofree BlockAction *done = g_new0(BlockAction, n ? n : 1);
    guint prepared = 0;
    GError *err = NULL;
    for (guint i = 0; i < n && !err; i++) {
        JsonNode *item = json_array_get_element(list, i);
        JsonObject *o = JSON_NODE_HOLDS_OBJECT(item) ? json_node_get_object(item) : NULL;
        const char *type = o ? qmp_arg_str(o, "type", NULL) : NULL;
        JsonNode *dn = o ? json_object_get_member(o, "data") : NULL;
        JsonObject *data = dn && JSON_NODE_HOLDS_OBJECT(dn) ? json_node_get_object(dn) : NULL;
        if (!type) {
            g_set_error(&err, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Parameter 'actions[%u].type' is missing", i);
            break;
        }
        gsize k = 0;
        while (k < G_N_ELEMENTS(actions) && strcmp(actions[k].type, type)) {
            k++;
        }
        if (k == G_N_ELEMENTS(actions)) {
            g_set_error(&err, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Parameter 'actions[%u].type' does not accept value '%s'", i, type);
            break;
        }
        if (actions[k].command) {
            if (!data) {
                g_set_error(&err, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                            "Parameter 'actions[%u].data' is missing", i);
                break;
            }
            const QmpCommand *cmd = qmp_find_command(actions[k].command);
            if (cmd && !qmp_check_args(cmd, data, &err)) {
                break;
            }
        }
        if (!actions[k].prepare(g, data, &done[prepared], &err)) {
            break;
        }
        prepared++;
    }
    if (err) {
        for (guint i = prepared; i-- > 0;) {
            done[i].abort(done[i].state);
        }
        g_propagate_error(errp, err);
        return NULL;
    }
    for (guint i = 0; i < prepared; i++) {
        done[i].commit(done[i].state);
    }
    return qmp_empty_return();
}
