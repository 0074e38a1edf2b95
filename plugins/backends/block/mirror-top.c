/* SPDX-License-Identifier: MIT */
/*
 * mirror_top: the filter node a mirror job puts above its source when
 * asked for one by name (filter-node-name).  The source's users (devices,
 * exports, overlays) move onto the filter for the job's life; every request
 * passes through to the source (whose write notifier feeds the job).  On
 * completion the filter's users move to the target, on cancel back to the
 * source, and the filter goes.  Only a job makes one: blockdev-add of
 * driver=mirror_top is refused.
 */
#include "block-int.h"

#define PENDING_KEY "mirror-top-pending"

static bool top_open(BlockNode *bs, BlockOpts *opts, GError **errp)
{
    BlockNode *src = block_graph_get_data(bs->graph, PENDING_KEY);
    if (!src) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Driver 'mirror_top' is used by mirror jobs only (see filter-node-name)");
        return false;
    }
    /* No permissions yet: the users move over first (block_mirror_filter_insert). */
    bs->file = block_node_attach_child(bs, src, "file", 0, BLK_PERM_ALL, errp);
    if (!bs->file) {
        return false;
    }
    bs->opaque = bs;
    return true;
}

static int top_preadv(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov)
{
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

static const BlockDriver mirror_top_driver = {
    .name = "mirror_top",
    .open = top_open,
    .preadv = top_preadv,
    .pwritev = top_pwritev,
    .flush = top_flush,
    .pdiscard = top_pdiscard,
    .pwrite_zeroes = top_pwrite_zeroes,
    .getlength = top_getlength,
    .data_status = top_data_status,
};

const TypeInfo block_mirror_top_type = {
    .name = TYPE_BLOCK_DRIVER_PREFIX "mirror_top", .parent = TYPE_BLOCK_DRIVER,
    .category = "block-driver", .description = "filter: a mirror job's node above its source",
    .class_size = sizeof(BlockDriverClass), .class_init = block_driver_class_init,
    .class_data = &mirror_top_driver,
};

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

BlockNode *block_mirror_filter_insert(BlockGraph *g, BlockNode *src, const char *name,
                                      GError **errp)
{
    BlockOpts *o = block_opts_new();
    g_hash_table_insert(o, g_strdup("driver"), g_strdup("mirror_top"));
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

void block_mirror_filter_remove(BlockNode *f, BlockNode *to)
{
    GError *err = NULL;
    /* The filter's own edge must not stand in the way of its users coming back. */
    block_child_set_perm(f->file, 0, BLK_PERM_ALL, NULL);
    if (!block_node_replace(f, to, &err)) {
        g_warning("mirror_top: %s", err->message);
        g_error_free(err);
    }
    block_node_free_if_unused(f);
}
