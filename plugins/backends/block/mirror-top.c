/* SPDX-License-Identifier: MIT */
/*
 * Job filters: the node a job puts above the node it works on when asked
 * for one by name (filter-node-name), as QEMU: mirror_top for a mirror or
 * an active commit (above the source), commit_top for an intermediate
 * commit (above top), copy-on-read for a stream (above the node streamed
 * into).  The node's users (devices, exports, overlays) move onto the
 * filter for the job's life; every request passes through (the node's
 * write notifiers feed the job); a copy-on-read filter first has its job
 * copy what a read asks for into the node (block_job_filter_set_read_hook).
 * On completion the filter's users move to the result, on cancel back to
 * the node, and the filter goes.  Only a job makes one: blockdev-add of
 * these drivers is refused.
 */
#include <string.h>

#include "block-int.h"

#define PENDING_KEY "mirror-top-pending"

typedef struct JobFilter {
    BlockFilterReadHook hook;
    void *hook_opaque;
} JobFilter;

static bool top_open(BlockNode *bs, BlockOpts *opts, GError **errp)
{
    BlockNode *src = block_graph_get_data(bs->graph, PENDING_KEY);
    if (!src) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Driver '%s' is used by %s jobs only (see filter-node-name)",
                    bs->drv->name, !strcmp(bs->drv->name, "mirror_top") ? "mirror"
                    : !strcmp(bs->drv->name, "commit_top") ? "commit" : "stream");
        return false;
    }
    /* No permissions yet: the users move over first (block_mirror_filter_insert). */
    bs->file = block_node_attach_child(bs, src, "file", 0, BLK_PERM_ALL, errp);
    if (!bs->file) {
        return false;
    }
    bs->opaque = g_new0(JobFilter, 1);
    return true;
}

static void top_close(BlockNode *bs)
{
    g_free(bs->opaque);
}

static int top_preadv(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov)
{
    JobFilter *f = bs->opaque;
    if (f->hook) {
        int ret = f->hook(f->hook_opaque, off, bytes);
        if (ret < 0) {
            return ret;
        }
    }
    return block_node_preadv(bs->file->node, off, bytes, iov);
}

static int top_pwritev(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov,
                       int flags)
{
    return block_node_pwritev(bs->file->node, off, bytes, iov, flags);
}

static int top_flush(BlockNode *bs)
{
    return block_node_flush(bs->file->node);
}

static int top_pdiscard(BlockNode *bs, uint64_t off, uint64_t bytes)
{
    return block_node_pdiscard(bs->file->node, off, bytes);
}

static int top_pwrite_zeroes(BlockNode *bs, uint64_t off, uint64_t bytes, bool may_unmap)
{
    return block_node_pwrite_zeroes(bs->file->node, off, bytes, may_unmap);
}

static int64_t top_getlength(BlockNode *bs)
{
    return block_node_length(bs->file->node);
}

static int top_data_status(BlockNode *bs, uint64_t off, uint64_t bytes, uint64_t *pnum)
{
    return block_node_data_status(bs->file->node, off, bytes, pnum);
}

#define JOB_FILTER_DRIVER(n) {                                                           \
    .name = n, .open = top_open, .close = top_close, .preadv = top_preadv,               \
    .pwritev = top_pwritev, .flush = top_flush, .pdiscard = top_pdiscard,                \
    .pwrite_zeroes = top_pwrite_zeroes, .getlength = top_getlength,                      \
    .data_status = top_data_status,                                                      \
}

static const BlockDriver mirror_top_driver = JOB_FILTER_DRIVER("mirror_top");
static const BlockDriver commit_top_driver = JOB_FILTER_DRIVER("commit_top");
static const BlockDriver cor_driver = JOB_FILTER_DRIVER("copy-on-read");

const TypeInfo block_mirror_top_type = {
    .name = TYPE_BLOCK_DRIVER_PREFIX "mirror_top", .parent = TYPE_BLOCK_DRIVER,
    .category = "block-driver", .description = "filter: a mirror job's node above its source",
    .class_size = sizeof(BlockDriverClass), .class_init = block_driver_class_init,
    .class_data = &mirror_top_driver,
};

const TypeInfo block_commit_top_type = {
    .name = TYPE_BLOCK_DRIVER_PREFIX "commit_top", .parent = TYPE_BLOCK_DRIVER,
    .category = "block-driver", .description = "filter: a commit job's node above its top",
    .class_size = sizeof(BlockDriverClass), .class_init = block_driver_class_init,
    .class_data = &commit_top_driver,
};

const TypeInfo block_cor_type = {
    .name = TYPE_BLOCK_DRIVER_PREFIX "copy-on-read", .parent = TYPE_BLOCK_DRIVER,
    .category = "block-driver",
    .description = "filter: a stream job's node; reads first copy the backing data up",
    .class_size = sizeof(BlockDriverClass), .class_init = block_driver_class_init,
    .class_data = &cor_driver,
};

void block_job_filter_set_read_hook(BlockNode *f, BlockFilterReadHook hook, void *opaque)
{
    JobFilter *jf = f->opaque;
    jf->hook_opaque = opaque;
    __atomic_store_n(&jf->hook, hook, __ATOMIC_RELEASE);
}

/* The edge that the moved users' permissions now need on the source. */
static bool set_child_perm(BlockNode *f, GError **errp)
{
    uint32_t perm = 0, shared = BLK_PERM_ALL;
    for (guint i = 0; i < f->parents->len; i++) {
        BlockChild *c = g_ptr_array_index(f->parents, i);
        perm |= c->perm;
        shared &= c->shared;
    }
    return block_child_set_perm(f->file, perm, shared | BLK_PERM_CONSISTENT_READ, errp);
}

BlockNode *block_job_filter_insert(BlockGraph *g, BlockNode *src, const char *name,
                                   const char *driver, GError **errp)
{
    BlockOpts *o = block_opts_new();
    g_hash_table_insert(o, g_strdup("driver"), g_strdup(driver));
    g_hash_table_insert(o, g_strdup("node-name"), g_strdup(name));
    block_graph_set_data(g, PENDING_KEY, src, NULL);
    BlockNode *f = block_node_open_implicit(g, o, errp);
    block_graph_set_data(g, PENDING_KEY, NULL, NULL);
    if (!f) {
        return NULL;
    }
    if (!block_node_replace(src, f, errp)) {
        block_node_free_if_unused(f);
        return NULL;
    }
    if (!set_child_perm(f, errp)) {
        block_node_replace(f, src, NULL);
        block_node_free_if_unused(f);
        return NULL;
    }
    return f;
}

void block_job_filter_remove(BlockNode *f, BlockNode *to)
{
    GError *err = NULL;
    /* The filter's own edge must not stand in the way of its users coming back. */
    block_child_set_perm(f->file, 0, BLK_PERM_ALL, NULL);
    if (!block_node_replace(f, to, &err)) {
        g_warning("%s: %s", f->drv->name, err->message);
        g_error_free(err);
    }
    block_node_free_if_unused(f);
}
