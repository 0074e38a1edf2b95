/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the job types and the snapshot commands: finding the
 * node a command names, the arguments every job takes, creating an image
 * file, holding permissions on a node for a job, and a granule map with
 * its lock (mirror's dirty map, backup's copied map).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block-int.h"
#include "block/job.h"
#include "monitor/monitor-internal.h"

BlockNode *block_find_node_or_drive(BlockGraph *g, const char *name, GError **errp)
{
    BlockBackend *blk = blk_by_name(g, name);
    if (blk) {
        if (!blk_node(blk)) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Device '%s' has no medium",
                        name);
            return NULL;
        }
        return blk_node(blk);
    }
    BlockNode *bs = block_node_find(g, name);
    if (!bs) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_NOT_FOUND,
                    "Cannot find device='%s' nor node-name='%s'", name, name);
    }
    return bs;
}

BlockNode *block_find_node(BlockGraph *g, const char *name, GError **errp)
{
    BlockNode *bs = block_node_find(g, name);
    if (!bs) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_NOT_FOUND,
                    "Cannot find device='' nor node-name='%s'", name);
    }
    return bs;
}

const char *block_node_file_name(BlockNode *bs)
{
    BlockNode *f = bs->file ? bs->file->node : bs;
    return f->filename;
}

/* The node of @top's chain (itself included) whose image is @filename. */
BlockNode *block_chain_find_file(BlockNode *top, const char *filename)
{
    g_autofree char *want = realpath(filename, NULL);
    for (BlockNode *n = top; n; n = n->backing ? n->backing->node : NULL) {
        const char *f = block_node_file_name(n);
        if (!f) {
            continue;
        }
        g_autofree char *have = realpath(f, NULL);
        if (!strcmp(f, filename) || (want && have && !strcmp(want, have))) {
            return n;
        }
    }
    return NULL;
}

bool block_chain_contains(BlockNode *top, BlockNode *bs)
{
    for (BlockNode *n = top; n; n = n->backing ? n->backing->node : NULL) {
        if (n == bs) {
            return true;
        }
    }
    return false;
}

/* The node whose backing child is @bs, within @top's chain. */
BlockNode *block_chain_overlay_of(BlockNode *top, BlockNode *bs)
{
    for (BlockNode *n = top; n && n->backing; n = n->backing->node) {
        if (n->backing->node == bs) {
            return n;
        }
    }
    return NULL;
}

bool block_node_is_active(BlockNode *bs)
{
    for (guint i = 0; i < bs->parents->len; i++) {
        BlockChild *c = g_ptr_array_index(bs->parents, i);
        if (c->blk) {
            return true;
        }
    }
    return false;
}

static bool policy_arg(JsonObject *args, const char *key, JobErrorPolicy *out, GError **errp)
{
    const char *v = qmp_arg_str(args, key, NULL);
    if (!v) {
        return true;
    }
    int p = job_error_policy_parse(v);
    if (p < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Parameter '%s' does not accept value '%s'", key, v);
        return false;
    }
    *out = p;
    return true;
}

bool block_job_args_check(JsonObject *args, GError **errp)
{
    JobErrorPolicy p;
    if (qmp_arg_int(args, "speed", 0) < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Parameter 'speed' expects a non-negative value");
        return false;
    }
    return policy_arg(args, "on-source-error", &p, errp) &&
           policy_arg(args, "on-target-error", &p, errp) && policy_arg(args, "on-error", &p, errp);
}

void block_job_apply_args(Job *job, JsonObject *args)
{
    job->speed = (uint64_t)qmp_arg_int(args, "speed", 0);
    job->auto_finalize = qmp_arg_bool(args, "auto-finalize", true);
    job->auto_dismiss = qmp_arg_bool(args, "auto-dismiss", true);
    job->on_source_error = job->on_target_error = JOB_ERROR_REPORT;
    policy_arg(args, "on-error", &job->on_source_error, NULL);
    policy_arg(args, "on-error", &job->on_target_error, NULL);
    policy_arg(args, "on-source-error", &job->on_source_error, NULL);
    policy_arg(args, "on-target-error", &job->on_target_error, NULL);
}

const char *block_job_id_arg(JsonObject *args, const char *device)
{
    return qmp_arg_str(args, "job-id", device);
}

bool block_create_image(BlockGraph *g, const char *path, const char *fmt, uint64_t size,
                        BlockNode *backing, GError **errp)
{
    BlockOpts *o = block_opts_new();
    g_hash_table_insert(o, g_strdup("driver"), g_strdup("file"));
    g_hash_table_insert(o, g_strdup("filename"), g_strdup(path));
    g_hash_table_insert(o, g_strdup("size"),
                        g_strdup_printf("%" G_GUINT64_FORMAT, strcmp(fmt, "raw") ? 0 : size));
    bool ok = block_create(g, o, errp);
    g_hash_table_unref(o);
    if (!ok || !strcmp(fmt, "raw")) {
        return ok;
    }
    if (strcmp(fmt, "qcow2")) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Creating images of format '%s' is not supported (qcow2, raw)", fmt);
        unlink(path);
        return false;
    }
    o = block_opts_new();
    g_hash_table_insert(o, g_strdup("driver"), g_strdup("file"));
    g_hash_table_insert(o, g_strdup("filename"), g_strdup(path));
    BlockNode *fn = block_node_open_implicit(g, o, errp);
    if (!fn) {
        unlink(path);
        return false;
    }
    o = block_opts_new();
    g_hash_table_insert(o, g_strdup("driver"), g_strdup("qcow2"));
    g_hash_table_insert(o, g_strdup("file"), g_strdup(fn->node_name));
    g_hash_table_insert(o, g_strdup("size"), g_strdup_printf("%" G_GUINT64_FORMAT, size));
    const char *bf = backing ? block_node_file_name(backing) : NULL;
    if (bf) {
        g_hash_table_insert(o, g_strdup("backing-file"), g_strdup(bf));
        g_hash_table_insert(o, g_strdup("backing-fmt"), g_strdup(backing->drv->name));
    }
    ok = block_create(g, o, errp);
    g_hash_table_unref(o);
    block_node_free_if_unused(fn);
    if (!ok) {
        unlink(path);
    }
    return ok;
}

BlockNode *block_open_image(BlockGraph *g, const char *path, const char *fmt,
                            const char *node_name, bool no_backing, GError **errp)
{
    BlockOpts *o = block_opts_new();
    if (fmt) {
        g_hash_table_insert(o, g_strdup("driver"), g_strdup(fmt));
    } else {
        g_hash_table_insert(o, g_strdup("driver"), g_strdup("qcow2"));
    }
    if (node_name) {
        g_hash_table_insert(o, g_strdup("node-name"), g_strdup(node_name));
    }
    g_hash_table_insert(o, g_strdup("file.driver"), g_strdup("file"));
    g_hash_table_insert(o, g_strdup("file.filename"), g_strdup(path));
    if (no_backing && (!fmt || strcmp(fmt, "raw"))) {
        g_hash_table_insert(o, g_strdup("backing"), g_strdup(""));
    }
    return block_node_open_implicit(g, o, errp);
}

/* ---- holding a node -------------------------------------------------------------------- */

BlockBackend *block_job_hold(BlockGraph *g, BlockNode *bs, uint32_t perm, uint32_t shared,
                             GError **errp)
{
    BlockBackend *blk = blk_new(g, NULL, errp);
    if (!blk) {
        return NULL;
    }
    blk->perm = perm;
    blk->shared = shared;
    if (!blk_insert_node(blk, bs, errp)) {
        blk_unref(blk);
        return NULL;
    }
    return blk;
}

/* ---- granule maps ----------------------------------------------------------------------- */

void granule_map_init(GranuleMap *m, uint64_t length, uint64_t granularity)
{
    m->gran = granularity;
    m->length = length;
    m->n = (length + granularity - 1) / granularity;
    m->state = g_malloc0(m->n ? m->n : 1);
    m->count = 0;
    g_mutex_init(&m->lock);
    g_cond_init(&m->cond);
}

void granule_map_destroy(GranuleMap *m)
{
    g_free(m->state);
    g_mutex_clear(&m->lock);
    g_cond_clear(&m->cond);
}

/* Under the lock: set granules [first, last] to @v, counting those at 1. */
void granule_map_set_locked(GranuleMap *m, uint64_t off, uint64_t bytes, uint8_t v)
{
    if (!bytes) {
        return;
    }
    uint64_t first = off / m->gran, last = MIN((off + bytes - 1) / m->gran, m->n - 1);
    for (uint64_t i = first; i <= last && i < m->n; i++) {
        if (m->state[i] == 1 && v != 1) {
            m->count--;
        } else if (m->state[i] != 1 && v == 1) {
            m->count++;
        }
        m->state[i] = v;
    }
}

/* Under the lock: the first run of granules at @want from @from on, at most
 * @max_bytes; false when none. */
bool granule_map_next_run_locked(GranuleMap *m, uint64_t from, uint8_t want, uint64_t max_bytes,
                                 uint64_t *off, uint64_t *bytes)
{
    uint64_t i = from / m->gran;
    while (i < m->n && m->state[i] != want) {
        i++;
    }
    if (i >= m->n) {
        return false;
    }
    uint64_t j = i;
    uint64_t max_g = MAX(max_bytes / m->gran, 1);
    while (j < m->n && m->state[j] == want && j - i < max_g) {
        j++;
    }
    *off = i * m->gran;
    *bytes = MIN(j * m->gran, m->length) - *off;
    return true;
}

/* Under the lock: whether a granule of [off, off+bytes) is at @v. */
bool granule_map_any_locked(GranuleMap *m, uint64_t off, uint64_t bytes, uint8_t v)
{
    if (!bytes) {
        return false;
    }
    uint64_t first = off / m->gran, last = MIN((off + bytes - 1) / m->gran, m->n - 1);
    for (uint64_t i = first; i <= last && i < m->n; i++) {
        if (m->state[i] == v) {
            return true;
        }
    }
    return false;
}

/* Under the lock: the granules of [off, off+bytes) still at @from go to @to. */
void granule_map_settle_locked(GranuleMap *m, uint64_t off, uint64_t bytes, uint8_t from,
                               uint8_t to)
{
    if (!bytes) {
        return;
    }
    uint64_t first = off / m->gran, last = MIN((off + bytes - 1) / m->gran, m->n - 1);
    for (uint64_t i = first; i <= last && i < m->n; i++) {
        if (m->state[i] == from) {
            granule_map_set_locked(m, i * m->gran, 1, to);
        }
    }
}
