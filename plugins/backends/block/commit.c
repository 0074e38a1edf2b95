/* SPDX-License-Identifier: MIT */
/*
 * block-commit: merge the layers from top down to (not including) base
 * into base.  The active layer (the one a device writes to) is committed
 * by mirror.c's active commit (READY, then complete pivots onto base).
 * An intermediate top is read-only, so a plain copy suffices: what the
 * layers top..base hold is written into base, then the layer above top
 * gets base as its backing node (and its header says so) and the
 * committed layers are closed.  With filter-node-name, a commit_top
 * filter of that name sits between the layer above and top while the job
 * runs (cutting the chain below it drops the filter too).
 */
#include <errno.h>
#include <string.h>

#include "block-int.h"
#include "block/job.h"
#include "monitor/monitor-internal.h"

#define COMMIT_CHUNK (1024 * 1024)

typedef struct Commit {
    BlockGraph *graph;
    BlockNode *top, *base, *above;
    BlockNode *filter;        /* filter-node-name: commit_top above top, or NULL */
    bool base_was_read_only;
    bool base_reopened;       /* base's file reopened read-write for the job */
    uint64_t cursor, length;
    uint8_t *buf;
    BlockBackend *hold_base;
} Commit;

static int commit_step(Job *job)
{
    Commit *c = job->opaque;
    if (c->cursor >= c->length) {
        return JOB_STEP_DONE;
    }
    uint64_t chunk = COMMIT_CHUNK;
    if (job->speed) {
        chunk = MIN(chunk, MAX(job->speed / 4, 65536));
    }
    uint64_t pnum;
    uint64_t n = MIN(chunk, c->length - c->cursor);
    int ret = block_node_is_allocated_above(c->top, c->base, c->cursor, n, &pnum);
    if (ret < 0) {
        job->err_is_read = true;
        return ret;
    }
    if (ret) {
        ret = block_node_pread(c->top, c->cursor, pnum, c->buf);
        if (ret < 0) {
            job->err_is_read = true;
            return ret;
        }
        ret = block_node_pwrite(c->base, c->cursor, pnum, c->buf, BLOCK_WRITE_NO_NOTIFY);
        if (ret < 0) {
            job->err_is_read = false;
            return ret;
        }
    }
    c->cursor += pnum;
    job_progress_update(job, (int64_t)pnum);
    if (c->cursor >= c->length) {
        ret = block_node_flush(c->base);
        if (ret < 0) {
            job->err_is_read = false;
            return ret;
        }
        return JOB_STEP_DONE;
    }
    return JOB_STEP_MORE;
}

static bool commit_prepare(Job *job, GError **errp)
{
    Commit *c = job->opaque;
    block_graph_drain(c->graph);
    if (!block_node_set_backing(c->above, c->base, true, errp)) {
        return false;
    }
    return true;
}

static void commit_clean(Job *job)
{
    Commit *c = job->opaque;
    if (c->filter && g_ptr_array_find(c->graph->nodes, c->filter, NULL)) {
        /* Not completed: the layer above goes back onto top. */
        block_job_filter_remove(c->filter, c->top);
    }
    c->filter = NULL;
    if (c->hold_base) {
        blk_unref(c->hold_base);
        c->hold_base = NULL;
    }
    if (g_ptr_array_find(c->graph->nodes, c->base, NULL)) {
        c->base->read_only = c->base_was_read_only;
    }
    block_commit_base_restore(c->graph, c->base, c->base_reopened);
}

static void commit_free(Job *job)
{
    Commit *c = job->opaque;
    g_free(c->buf);
    g_free(c);
}

static const JobDriver commit_driver = {
    .type = "commit",
    .step = commit_step,
    .prepare = commit_prepare,
    .clean = commit_clean,
    .free = commit_free,
};

/* A node of @chain named by node name (@node) or file name (@file). */
static BlockNode *chain_node(BlockGraph *g, BlockNode *chain, const char *node,
                             const char *file, const char *what, GError **errp)
{
    if (node && file) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "'%s' and '%s-node' are mutually exclusive", what, what);
        return NULL;
    }
    if (node) {
        BlockNode *bs = block_find_node(g, node, errp);
        if (bs && !block_chain_contains(chain, bs)) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "'%s' is not in this backing file chain", node);
            return NULL;
        }
        return bs;
    }
    BlockNode *bs = block_chain_find_file(chain, file);
    if (!bs) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "%s image file '%s' not found",
                    !strcmp(what, "top") ? "Top" : "Base", file);
    }
    return bs;
}

JsonNode *block_qmp_commit(BlockGraph *g, JsonObject *args, GError **errp)
{
    const char *device = qmp_arg_str(args, "device", "");
    if (!block_job_args_check(args, errp)) {
        return NULL;
    }
    BlockNode *chain = block_find_node_or_drive(g, device, errp);
    if (!chain) {
        return NULL;
    }
    const char *top_node = qmp_arg_str(args, "top-node", NULL);
    const char *top_file = qmp_arg_str(args, "top", NULL);
    const char *base_node = qmp_arg_str(args, "base-node", NULL);
    const char *base_file = qmp_arg_str(args, "base", NULL);
    BlockNode *top = chain;
    if (top_node || top_file) {
        top = chain_node(g, chain, top_node, top_file, "top", errp);
        if (!top) {
            return NULL;
        }
    }
    if (!top->backing) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Top image '%s' has no backing file to commit into", top->node_name);
        return NULL;
    }
    BlockNode *base;
    if (base_node || base_file) {
        base = chain_node(g, chain, base_node, base_file, "base", errp);
        if (!base) {
            return NULL;
        }
    } else {
        base = top;
        while (base->backing) {
            base = base->backing->node;
        }
    }
    if (base == top) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "cannot commit an image into itself");
        return NULL;
    }
    if (!block_chain_contains(top->backing->node, base)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Base '%s' is not below top '%s' in the backing chain", base->node_name,
                    top->node_name);
        return NULL;
    }
    for (BlockNode *n = top; n; n = n->backing ? n->backing->node : NULL) {
        if (job_node_is_busy(n, errp)) {
            return NULL;
        }
        if (n == base) {
            break;
        }
    }
    bool reopened;
    if (!block_commit_base_writable(base, &reopened, errp)) {
        return NULL;
    }
    const char *id = block_job_id_arg(args, device);
    if (top == chain && block_node_is_active(top)) {
        Job *job = block_mirror_create(g, id, top, base, true, 0, 65536, args, errp);
        if (!job) {
            block_commit_base_restore(g, base, reopened);
            return NULL;
        }
        block_mirror_set_base_reopened(job, reopened);
        job_start(job);
        return qmp_empty_return();
    }
    BlockNode *above = block_chain_overlay_of(chain, top);
    if (!above) {
        block_commit_base_restore(g, base, reopened);
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Top image '%s' is not used by a layer above it: commit the active layer "
                    "instead", top->node_name);
        return NULL;
    }
    int64_t len = block_node_length(top);
    if (len < 0) {
        block_commit_base_restore(g, base, reopened);
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "Could not get the size of '%s'",
                    top->node_name);
        return NULL;
    }
    Commit *c = g_new0(Commit, 1);
    c->graph = g;
    c->top = top;
    c->base = base;
    c->above = above;
    c->length = (uint64_t)len;
    c->buf = g_malloc(COMMIT_CHUNK);
    /* Holding base keeps it open while the chain above it is cut. */
    c->hold_base = block_job_hold(g, base, 0, BLK_PERM_ALL, errp);
    BlockNode *nodes[] = { top, base };
    const char *filter_name = qmp_arg_str(args, "filter-node-name", NULL);
    if (c->hold_base && filter_name) {
        c->filter = block_job_filter_insert(g, top, filter_name, "commit_top", errp);
    }
    Job *job = c->hold_base && (c->filter || !filter_name)
               ? job_create(g, id, &commit_driver, c, nodes, 2, errp) : NULL;
    if (job && c->filter) {
        job_add_node(job, c->filter, NULL); /* a new node: never busy */
    }
    if (!job) {
        if (c->filter) {
            block_job_filter_remove(c->filter, top);
        }
        if (c->hold_base) {
            blk_unref(c->hold_base);
        }
        g_free(c->buf);
        g_free(c);
        block_commit_base_restore(g, base, reopened);
        return NULL;
    }
    c->base_reopened = reopened;
    block_job_apply_args(job, args);
    for (BlockNode *n = top->backing->node; n != base; n = n->backing->node) {
        job_add_node(job, n, NULL);
    }
    c->base_was_read_only = base->read_only;
    base->read_only = false;
    job_progress_set_total(job, len);
    job_start(job);
    return qmp_empty_return();
}
