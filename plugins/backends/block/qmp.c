/* SPDX-License-Identifier: MIT */
/*
 * The block commands behind monitor/qmp-block.c: blockdev-add/-del/-create,
 * query-block, query-named-block-nodes, query-blockstats, block_resize,
 * eject, blockdev-change-medium, and the HMP "info block"/"info blockstats"
 * text.  Result shapes are QEMU's (BlockInfo, BlockDeviceInfo, ImageInfo,
 * BlockStats), so libvirt can read them.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "block-int.h"
#include "block/bitmap.h"
#include "kernel/module.h"
#include "block/job.h"
#include "monitor/monitor-internal.h"

/* ---- result shapes ------------------------------------------------------ */

static JsonObject *image_info(BlockNode *bs, int depth)
{
    JsonObject *o = json_object_new();
    BlockNode *f = bs->file ? bs->file->node : bs;
    json_object_set_string_member(o, "filename", f->filename ? f->filename : "");
    json_object_set_string_member(o, "format", bs->drv->name);
    json_object_set_int_member(o, "virtual-size", MAX(block_node_length(bs), 0));
    int64_t actual = f->drv->allocated_size ? f->drv->allocated_size(f) : -1;
    if (actual >= 0) {
        json_object_set_int_member(o, "actual-size", actual);
    }
    if (bs->backing_file) {
        json_object_set_string_member(o, "backing-filename", bs->backing_file);
    }
    if (bs->backing) {
        BlockNode *b = bs->backing->node;
        BlockNode *bf = b->file ? b->file->node : b;
        if (bf->filename) {
            json_object_set_string_member(o, "full-backing-filename", bf->filename);
        }
        json_object_set_string_member(o, "backing-filename-format", b->drv->name);
        if (depth < 64) {
            json_object_set_object_member(o, "backing-image", image_info(b, depth + 1));
        }
    }
    if (bs->drv->query_image) {
        bs->drv->query_image(bs, o);
    }
    return o;
}

static JsonObject *node_info(BlockNode *bs, bool writeback)
{
    JsonObject *o = json_object_new();
    static const char *const dz[] = { "off", "on", "unmap" };
    BlockNode *f = bs->file ? bs->file->node : bs;
    json_object_set_string_member(o, "file", f->filename ? f->filename : "");
    json_object_set_string_member(o, "node-name", bs->node_name);
    json_object_set_boolean_member(o, "ro", bs->read_only);
    json_object_set_string_member(o, "drv", bs->drv->name);
    if (bs->backing && f->filename) {
        BlockNode *b = bs->backing->node;
        BlockNode *bf = b->file ? b->file->node : b;
        json_object_set_string_member(o, "backing_file",
                                      bs->backing_file ? bs->backing_file
                                                       : (bf->filename ? bf->filename : ""));
    }
    json_object_set_int_member(o, "backing_file_depth", block_node_backing_depth(bs));
    json_object_set_boolean_member(o, "encrypted", false);
    json_object_set_string_member(o, "detect_zeroes", dz[bs->detect_zeroes]);
    const char *zero_keys[] = { "bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr",
                                "write_threshold" };
    for (size_t i = 0; i < G_N_ELEMENTS(zero_keys); i++) {
        json_object_set_int_member(o, zero_keys[i], 0);
    }
    JsonObject *cache = json_object_new();
    json_object_set_boolean_member(cache, "writeback", writeback);
    json_object_set_boolean_member(cache, "direct", bs->cache_direct);
    json_object_set_boolean_member(cache, "no-flush", bs->cache_no_flush);
    json_object_set_object_member(o, "cache", cache);
    json_object_set_object_member(o, "image", image_info(bs, 0));
    if (bs->dirty_bitmaps->len) {
        json_object_set_array_member(o, "dirty-bitmaps", block_node_bitmaps_info(bs));
    }
    return o;
}

static const char *blk_qdev(BlockBackend *blk)
{
    return blk->dev_id;
}

static JsonObject *block_info(BlockBackend *blk)
{
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "device", blk_name(blk));
    if (blk_qdev(blk)) {
        json_object_set_string_member(o, "qdev", blk_qdev(blk));
    }
    json_object_set_string_member(o, "type", "unknown");
    json_object_set_boolean_member(o, "removable", blk->removable);
    json_object_set_boolean_member(o, "locked", blk->locked);
    if (blk->removable) {
        json_object_set_boolean_member(o, "tray_open", blk->tray_open);
    }
    json_object_set_string_member(o, "io-status", blk->io_status_nospace ? "nospace"
                                                  : blk->io_status_failed ? "failed" : "ok");
    if (blk_node(blk)) {
        json_object_set_object_member(o, "inserted", node_info(blk_node(blk), blk->writeback));
        if (blk_node(blk)->dirty_bitmaps->len) {
            json_object_set_array_member(o, "dirty-bitmaps",
                                         block_node_bitmaps_info(blk_node(blk)));
        }
    }
    return o;
}

static JsonObject *stats_json(const BlockStats *st)
{
    JsonObject *o = json_object_new();
    struct { const char *k; uint64_t v; } m[] = {
        { "rd_bytes", st->rd_bytes }, { "wr_bytes", st->wr_bytes },
        { "zone_append_bytes", 0 }, { "unmap_bytes", st->unmap_bytes },
        { "rd_operations", st->rd_ops }, { "wr_operations", st->wr_ops },
        { "zone_append_operations", 0 }, { "flush_operations", st->flush_ops },
        { "unmap_operations", st->unmap_ops }, { "rd_total_time_ns", st->rd_ns },
        { "wr_total_time_ns", st->wr_ns }, { "zone_append_total_time_ns", 0 },
        { "flush_total_time_ns", st->flush_ns }, { "unmap_total_time_ns", st->unmap_ns },
        { "wr_highest_offset", 0 }, { "rd_merged", 0 }, { "wr_merged", 0 },
        { "zone_append_merged", 0 }, { "unmap_merged", 0 },
        { "failed_rd_operations", st->failed_rd }, { "failed_wr_operations", st->failed_wr },
        { "failed_zone_append_operations", 0 },
        { "failed_flush_operations", st->failed_flush },
        { "failed_unmap_operations", st->failed_unmap },
        { "invalid_rd_operations", st->invalid_rd }, { "invalid_wr_operations", st->invalid_wr },
        { "invalid_zone_append_operations", 0 },
        { "invalid_flush_operations", st->invalid_flush },
        { "invalid_unmap_operations", st->invalid_unmap },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(m); i++) {
        json_object_set_int_member(o, m[i].k, (int64_t)m[i].v);
    }
    if (st->last_ns) {
        json_object_set_int_member(o, "idle_time_ns",
                                   MAX(g_get_monotonic_time() * 1000 - st->last_ns, 0));
    }
    json_object_set_boolean_member(o, "account_invalid", true);
    json_object_set_boolean_member(o, "account_failed", true);
    json_object_set_array_member(o, "timed_stats", json_array_new());
    return o;
}

static JsonObject *node_stats(BlockNode *bs)
{
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "node-name", bs->node_name);
    g_mutex_lock(&bs->stats_lock);
    BlockStats copy = bs->stats;
    g_mutex_unlock(&bs->stats_lock);
    json_object_set_object_member(o, "stats", stats_json(&copy));
    if (bs->file) {
        json_object_set_object_member(o, "parent", node_stats(bs->file->node));
    }
    if (bs->backing) {
        json_object_set_object_member(o, "backing", node_stats(bs->backing->node));
    }
    return o;
}

/* ---- lookups -------------------------------------------------------------- */

static BlockBackend *find_backend(BlockGraph *g, JsonObject *args, GError **errp)
{
    const char *device = qmp_arg_str(args, "device", NULL);
    const char *id = qmp_arg_str(args, "id", NULL);
    if (!!device == !!id) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Need exactly one of 'device' and 'id'");
        return NULL;
    }
    for (guint i = 0; i < g->backends->len; i++) {
        BlockBackend *blk = g_ptr_array_index(g->backends, i);
        if ((device && blk->name && !strcmp(blk->name, device)) ||
            (id && blk->dev_id && !strcmp(blk->dev_id, id))) {
            return blk;
        }
    }
    g_set_error(errp, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found",
                device ? device : id);
    return NULL;
}

/* ---- commands ------------------------------------------------------------- */

static JsonNode *qmp_blockdev_add(BlockGraph *g, JsonObject *args, GError **errp)
{
    BlockOpts *opts = block_opts_new();
    if (!block_opts_from_json(opts, args, NULL, errp)) {
        g_hash_table_unref(opts);
        return NULL;
    }
    if (!g_hash_table_contains(opts, "node-name")) {
        g_hash_table_unref(opts);
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "'node-name' must be specified for the root node");
        return NULL;
    }
    return block_node_open(g, opts, errp) ? qmp_empty_return() : NULL;
}

static const JobDriver create_job_driver = {
    .type = "create",
};

/*
 * blockdev-create is a job in QEMU; image creation here is quick and runs
 * to completion inside the command, but the job's life is the framework's
 * (JOB_STATUS_CHANGE up to "concluded"; job-dismiss ends it; query-jobs
 * shows its error), so that clients written for QEMU work.
 */
static JsonNode *qmp_blockdev_create(BlockGraph *g, JsonObject *args, GError **errp)
{
    const char *job_id = qmp_arg_str(args, "job-id", "");
    JsonNode *on = json_object_get_member(args, "options");
    if (!on || !JSON_NODE_HOLDS_OBJECT(on)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Parameter 'options' is missing");
        return NULL;
    }
    BlockOpts *opts = block_opts_new();
    if (!block_opts_from_json(opts, json_node_get_object(on), NULL, errp)) {
        g_hash_table_unref(opts);
        return NULL;
    }
    Job *job = job_create(g, job_id, &create_job_driver, NULL, NULL, 0, errp);
    if (!job) {
        g_hash_table_unref(opts);
        return NULL;
    }
    job->is_block_job = false;
    job->auto_dismiss = false;
    GError *err = NULL;
    block_create(g, opts, &err);
    g_hash_table_unref(opts);
    job_finish_sync(job, err ? err->message : NULL);
    g_clear_error(&err);
    return qmp_empty_return();
}

static JsonNode *array_node(JsonArray *a)
{
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, a);
    return n;
}

static JsonNode *qmp_query_block(BlockGraph *g)
{
    JsonArray *a = json_array_new();
    for (guint i = 0; i < g->backends->len; i++) {
        BlockBackend *blk = g_ptr_array_index(g->backends, i);
        if (blk->name || blk->dev_id) {
            json_array_add_object_element(a, block_info(blk));
        }
    }
    return array_node(a);
}

static JsonNode *qmp_query_named_block_nodes(BlockGraph *g, JsonObject *args)
{
    JsonArray *a = json_array_new();
    for (guint i = 0; i < g->nodes->len; i++) {
        BlockNode *bs = g_ptr_array_index(g->nodes, i);
        JsonObject *o = node_info(bs, true);
        if (qmp_arg_bool(args, "flat", false)) {
            json_object_remove_member(json_object_get_object_member(o, "image"),
                                      "backing-image");
        }
        json_array_add_object_element(a, o);
    }
    return array_node(a);
}

static JsonNode *qmp_query_blockstats(BlockGraph *g, JsonObject *args)
{
    JsonArray *a = json_array_new();
    if (qmp_arg_bool(args, "query-nodes", false)) {
        for (guint i = 0; i < g->nodes->len; i++) {
            json_array_add_object_element(a, node_stats(g_ptr_array_index(g->nodes, i)));
        }
        return array_node(a);
    }
    for (guint i = 0; i < g->backends->len; i++) {
        BlockBackend *blk = g_ptr_array_index(g->backends, i);
        if (!blk->name && !blk->dev_id) {
            continue;
        }
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "device", blk_name(blk));
        if (blk->dev_id) {
            json_object_set_string_member(o, "qdev", blk->dev_id);
        }
        BlockNode *bs = blk_node(blk);
        if (bs) {
            json_object_set_string_member(o, "node-name", bs->node_name);
        }
        json_object_set_object_member(o, "stats", stats_json(&blk->stats));
        if (bs && bs->file) {
            json_object_set_object_member(o, "parent", node_stats(bs->file->node));
        }
        if (bs && bs->backing) {
            json_object_set_object_member(o, "backing", node_stats(bs->backing->node));
        }
        json_array_add_object_element(a, o);
    }
    return array_node(a);
}

static JsonNode *qmp_block_resize(BlockGraph *g, JsonObject *args, GError **errp)
{
    const char *device = qmp_arg_str(args, "device", NULL);
    const char *node = qmp_arg_str(args, "node-name", NULL);
    int64_t size = qmp_arg_int(args, "size", -1);
    if (size < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Parameter 'size' must be "
                    "non-negative");
        return NULL;
    }
    if (!!device == !!node) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Need exactly one of 'device' and 'node-name'");
        return NULL;
    }
    BlockBackend *blk = NULL;
    if (device) {
        blk = blk_by_name(g, device);
        if (!blk) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found",
                        device);
            return NULL;
        }
    } else {
        BlockNode *bs = block_node_find(g, node);
        if (!bs) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND, "Cannot find device='' nor "
                        "node-name='%s'", node);
            return NULL;
        }
        for (guint i = 0; i < bs->parents->len && !blk; i++) {
            blk = ((BlockChild *)g_ptr_array_index(bs->parents, i))->blk;
        }
        if (!blk) {
            BlockBackend *tmp = blk_new(g, NULL, errp);
            bool ok = tmp && blk_insert_node(tmp, bs, errp) && blk_resize(tmp, size, errp);
            if (tmp) {
                blk_unref(tmp);
            }
            return ok ? qmp_empty_return() : NULL;
        }
    }
    return blk_resize(blk, size, errp) ? qmp_empty_return() : NULL;
}

static void tray_event(BlockBackend *blk, bool open)
{
    JsonObject *d = json_object_new();
    json_object_set_string_member(d, "device", blk_name(blk));
    json_object_set_string_member(d, "id", blk->dev_id ? blk->dev_id : "");
    json_object_set_boolean_member(d, "tray-open", open);
    qmp_event_emit("DEVICE_TRAY_MOVED", d);
}

void block_emit_tray_moved(BlockBackend *blk)
{
    tray_event(blk, blk->tray_open);
}

static bool open_tray(BlockBackend *blk, bool force, GError **errp)
{
    if (!blk->removable) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Device '%s' is not removable",
                    blk->dev_id ? blk->dev_id : blk_name(blk));
        return false;
    }
    if (blk->locked && !force) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IN_USE,
                    "Device '%s' is locked and force was not specified",
                    blk->dev_id ? blk->dev_id : blk_name(blk));
        return false;
    }
    if (!blk->tray_open) {
        blk->tray_open = true;
        tray_event(blk, true);
    }
    return true;
}

static void notify_media(BlockBackend *blk, bool load)
{
    if (blk->dev_ops && blk->dev_ops->change_media) {
        blk->dev_ops->change_media(blk->dev_opaque, load);
    }
}

static JsonNode *qmp_eject(BlockGraph *g, JsonObject *args, GError **errp)
{
    BlockBackend *blk = find_backend(g, args, errp);
    if (!blk || !open_tray(blk, qmp_arg_bool(args, "force", false), errp)) {
        return NULL;
    }
    if (blk_node(blk)) {
        blk_remove_node(blk);
        notify_media(blk, false);
    }
    return qmp_empty_return();
}

static JsonNode *qmp_change_medium(BlockGraph *g, JsonObject *args, GError **errp)
{
    BlockBackend *blk = find_backend(g, args, errp);
    if (!blk) {
        return NULL;
    }
    const char *filename = qmp_arg_str(args, "filename", "");
    const char *format = qmp_arg_str(args, "format", NULL);
    const char *mode = qmp_arg_str(args, "read-only-mode", "retain");
    bool ro = blk_node(blk) ? blk_node(blk)->read_only : blk->removable;
    if (!strcmp(mode, "read-only")) {
        ro = true;
    } else if (!strcmp(mode, "read-write")) {
        ro = false;
    } else if (strcmp(mode, "retain")) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Parameter 'read-only-mode' does not accept value '%s'", mode);
        return NULL;
    }
    g_autofree char *text = g_strdup_printf("file=%s,if=none,id=tmp-medium,readonly=%s%s%s",
                                            filename, ro ? "on" : "off",
                                            format ? ",format=" : "", format ? format : "");
    /* Open the new medium first: a bad file leaves the old one in place. */
    BlockGraph *tg = g;
    g_autofree char *escaped = NULL;
    if (strchr(filename, ',')) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "filename '%s': commas are not supported here", filename);
        return NULL;
    }
    GError *err = NULL;
    if (!block_cmdline_drive(tg, text, false, NULL, &err)) {
        /* Drop the "-drive TEXT: " prefix: the user did not write it. */
        const char *msg = strstr(err->message, ": ");
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Could not open '%s'%s", filename,
                    msg ? msg : "");
        g_error_free(err);
        return NULL;
    }
    BlockBackend *tmp = blk_by_name(g, "tmp-medium");
    BlockNode *bs = blk_node(tmp);
    if (!open_tray(blk, false, errp)) {
        blk_unref(tmp);
        return NULL;
    }
    if (blk_node(blk)) {
        blk_remove_node(blk);
        notify_media(blk, false);
    }
    /* Move the node from the temporary backend to the device's. */
    BlockChild *edge = tmp->root;
    tmp->root = NULL;
    bool ok = blk_insert_node(blk, bs, errp);
    g_ptr_array_remove(bs->parents, edge);
    g_free(edge->role);
    g_free(edge);
    blk_unref(tmp);
    if (!ok) {
        block_node_free_if_unused(bs);
        return NULL;
    }
    blk->tray_open = false;
    tray_event(blk, false);
    notify_media(blk, true);
    return qmp_empty_return();
}

/* Commands of other modules: the module to load for each. */
static const struct {
    const char *command;
    const char *module;
} extension_modules[] = {
    { "nbd-server-start", "nbd-server" },
    { "nbd-server-stop", "nbd-server" },
    { "nbd-server-add", "nbd-server" },
    { "nbd-server-remove", "nbd-server" },
    { "block-export-add", "nbd-server" },
    { "block-export-del", "nbd-server" },
    { "query-block-exports", "nbd-server" },
};

static const BlockQmpExtension *find_extension(BlockGraph *g, const char *command)
{
    for (guint i = 0; i < g->qmp_ext->len; i++) {
        const BlockQmpExtension *ext = g_ptr_array_index(g->qmp_ext, i);
        if (g_strv_contains((const char *const *)ext->commands, command)) {
            return ext;
        }
    }
    return NULL;
}

static JsonNode *dispatch_extension(BlockGraph *g, const char *command, JsonObject *args,
                                    GError **errp)
{
    const BlockQmpExtension *ext = find_extension(g, command);
    for (size_t i = 0; !ext && i < G_N_ELEMENTS(extension_modules); i++) {
        if (!strcmp(extension_modules[i].command, command)) {
            if (!module_load(extension_modules[i].module, errp)) {
                return NULL;
            }
            ext = find_extension(g, command);
        }
    }
    if (!ext) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_COMMAND_NOT_FOUND, "The command %s has not "
                    "been found", command);
        return NULL;
    }
    return ext->dispatch(g, command, args, errp);
}

JsonNode *block_qmp_dispatch(const char *command, JsonObject *args, GError **errp)
{
    BlockGraph *g = block_graph_default();
    if (!strcmp(command, "blockdev-add")) {
        return qmp_blockdev_add(g, args, errp);
    } else if (!strcmp(command, "blockdev-del")) {
        return block_node_delete(g, qmp_arg_str(args, "node-name", ""), errp)
               ? qmp_empty_return() : NULL;
    } else if (!strcmp(command, "blockdev-create")) {
        return qmp_blockdev_create(g, args, errp);
    } else if (!strcmp(command, "query-block")) {
        return qmp_query_block(g);
    } else if (!strcmp(command, "query-named-block-nodes")) {
        return qmp_query_named_block_nodes(g, args);
    } else if (!strcmp(command, "query-blockstats")) {
        return qmp_query_blockstats(g, args);
    } else if (!strcmp(command, "block_resize")) {
        return qmp_block_resize(g, args, errp);
    } else if (!strcmp(command, "eject")) {
        return qmp_eject(g, args, errp);
    } else if (!strcmp(command, "blockdev-change-medium")) {
        return qmp_change_medium(g, args, errp);
    }
    bool handled;
    JsonNode *ret = job_qmp_dispatch(g, command, args, &handled, errp);
    if (handled) {
        return ret;
    }
    return dispatch_extension(g, command, args, errp);
}

/* ---- HMP ------------------------------------------------------------------ */

static const char *cache_mode(BlockBackend *blk, BlockNode *bs)
{
    if (bs->cache_no_flush) {
        return "writeback, ignore flushes";
    }
    if (bs->cache_direct) {
        return blk->writeback ? "writeback, direct" : "writethrough, direct";
    }
    return blk->writeback ? "writeback" : "writethrough";
}

static void hmp_info_block(BlockGraph *g, const char *arg, GString *out)
{
    for (guint i = 0; i < g->backends->len; i++) {
        BlockBackend *blk = g_ptr_array_index(g->backends, i);
        if ((!blk->name && !blk->dev_id) ||
            (arg && *arg && g_strcmp0(arg, blk->name) && g_strcmp0(arg, blk->dev_id))) {
            continue;
        }
        BlockNode *bs = blk_node(blk);
        const char *label = blk->name ? blk->name : blk->dev_id;
        if (!bs) {
            g_string_append_printf(out, "%s: [not inserted]\n", label);
        } else {
            BlockNode *f = bs->file ? bs->file->node : bs;
            g_string_append_printf(out, "%s (%s): %s (%s%s)\n", label, bs->node_name,
                                   f->filename ? f->filename : "", bs->drv->name,
                                   bs->read_only ? ", read-only" : "");
        }
        if (blk->dev_id) {
            g_string_append_printf(out, "    Attached to:      %s\n", blk->dev_id);
        }
        if (blk->removable) {
            g_string_append_printf(out, "    Removable device: %slocked, tray %s\n",
                                   blk->locked ? "" : "not ",
                                   blk->tray_open ? "open" : "closed");
        }
        if (bs) {
            g_string_append_printf(out, "    Cache mode:       %s\n", cache_mode(blk, bs));
            if (bs->backing) {
                BlockNode *b = bs->backing->node;
                BlockNode *bf = b->file ? b->file->node : b;
                g_string_append_printf(out, "    Backing file:     %s (chain depth: %d)\n",
                                       bf->filename ? bf->filename : b->node_name,
                                       block_node_backing_depth(bs));
            }
            if (bs->detect_zeroes) {
                g_string_append_printf(out, "    Detect zeroes:    %s\n",
                                       bs->detect_zeroes == 1 ? "on" : "unmap");
            }
        }
        g_string_append(out, "\n");
    }
}

static void hmp_info_blockstats(BlockGraph *g, GString *out)
{
    for (guint i = 0; i < g->backends->len; i++) {
        BlockBackend *blk = g_ptr_array_index(g->backends, i);
        if (!blk->name && !blk->dev_id) {
            continue;
        }
        const BlockStats *st = &blk->stats;
        g_string_append_printf(out,
            "%s: rd_bytes=%" G_GUINT64_FORMAT " wr_bytes=%" G_GUINT64_FORMAT
            " rd_operations=%" G_GUINT64_FORMAT " wr_operations=%" G_GUINT64_FORMAT
            " flush_operations=%" G_GUINT64_FORMAT " wr_total_time_ns=%" G_GUINT64_FORMAT
            " rd_total_time_ns=%" G_GUINT64_FORMAT " flush_total_time_ns=%" G_GUINT64_FORMAT
            " rd_merged=0 wr_merged=0 idle_time_ns=%" G_GINT64_FORMAT "\n",
            blk->name ? blk->name : blk->dev_id, st->rd_bytes, st->wr_bytes, st->rd_ops,
            st->wr_ops, st->flush_ops, st->wr_ns, st->rd_ns, st->flush_ns,
            st->last_ns ? MAX(g_get_monotonic_time() * 1000 - st->last_ns, 0) : 0);
    }
}

void block_hmp_info(const char *what, const char *arg, GString *out)
{
    BlockGraph *g = block_graph_default();
    if (!strcmp(what, "block")) {
        hmp_info_block(g, arg, out);
    } else if (!strcmp(what, "blockstats")) {
        hmp_info_blockstats(g, out);
    } else if (!strcmp(what, "block-jobs")) {
        job_hmp_info(g, out);
    }
}
