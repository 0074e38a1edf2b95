/* SPDX-License-Identifier: MIT */
/*
 * Block backends: what a device attaches to.  A backend has an optional
 * name (the -drive id), a root node (none: no medium), the permissions its
 * device takes, an error policy, and I/O statistics.
 */
#include <errno.h>
#include <string.h>

#include "block-int.h"
#include "block/bitmap.h"

BlockBackend *blk_new(BlockGraph *g, const char *name, GError **errp)
{
    if (name && blk_by_name(g, name)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Duplicate ID '%s' for drive", name);
        return NULL;
    }
    if (name && block_node_find(g, name)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Device name '%s' conflicts with an existing node name", name);
        return NULL;
    }
    BlockBackend *blk = g_new0(BlockBackend, 1);
    blk->graph = g;
    blk->name = g_strdup(name);
    blk->shared = BLK_PERM_ALL;
    blk->writeback = true;
    blk->on_read_error = BLOCK_ERROR_ACTION_REPORT;
    blk->on_write_error = BLOCK_ERROR_ACTION_ENOSPC;
    g_queue_init(&blk->held);
    g_ptr_array_add(g->backends, blk);
    return blk;
}

void blk_unref(BlockBackend *blk)
{
    block_graph_drain(blk->graph);
    block_aio_fail_held(blk, -EIO);
    blk_remove_node(blk);
    g_ptr_array_remove(blk->graph->backends, blk);
    g_free(blk->name);
    g_free(blk->dev_id);
    g_free(blk);
}

BlockBackend *blk_by_name(BlockGraph *g, const char *name)
{
    for (guint i = 0; i < g->backends->len; i++) {
        BlockBackend *blk = g_ptr_array_index(g->backends, i);
        if (blk->name && !strcmp(blk->name, name)) {
            return blk;
        }
    }
    return NULL;
}

BlockBackend *blk_for_device(BlockGraph *g, const char *drive, const char *dev_id,
                             GError **errp)
{
    BlockBackend *blk = blk_by_name(g, drive);
    if (blk) {
        if (blk->dev_attached) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IN_USE,
                        "Drive '%s' is already in use by %s%s", drive,
                        blk->dev_id ? "device " : "another device",
                        blk->dev_id ? blk->dev_id : "");
            return NULL;
        }
    } else {
        BlockNode *bs = block_node_find(g, drive);
        if (!bs) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_NOT_FOUND,
                        "Property 'drive': Cannot find device='%s' nor node-name='%s'", drive,
                        drive);
            return NULL;
        }
        blk = blk_new(g, NULL, errp);
        if (!blk || !blk_insert_node(blk, bs, errp)) {
            if (blk) {
                blk_unref(blk);
            }
            return NULL;
        }
    }
    blk->dev_attached = true;
    g_free(blk->dev_id);
    blk->dev_id = g_strdup(dev_id);
    return blk;
}

void blk_detach_device(BlockBackend *blk)
{
    block_graph_drain(blk->graph);
    blk->dev_attached = false;
    blk->dev_ops = NULL;
    blk->dev_opaque = NULL;
    g_clear_pointer(&blk->dev_id, g_free);
    if (!blk->name) {
        blk_unref(blk);
        return;
    }
    blk->perm = 0;
    blk->shared = BLK_PERM_ALL;
    if (blk->root) {
        block_child_set_perm(blk->root, 0, BLK_PERM_ALL, NULL);
    }
}

bool blk_insert_node(BlockBackend *blk, BlockNode *bs, GError **errp)
{
    g_assert(!blk->root);
    blk->root = block_backend_edge_new(blk, bs, errp);
    return blk->root != NULL;
}

void blk_remove_node(BlockBackend *blk)
{
    if (blk->root) {
        block_graph_drain(blk->graph);
        block_aio_fail_held(blk, -ENOMEDIUM);
        BlockChild *c = blk->root;
        blk->root = NULL;
        block_child_detach(c);
    }
}

BlockNode *blk_node(BlockBackend *blk)
{
    return blk->root ? blk->root->node : NULL;
}

const char *blk_name(BlockBackend *blk)
{
    return blk->name ? blk->name : "";
}

bool blk_set_perm(BlockBackend *blk, uint32_t perm, uint32_t shared, GError **errp)
{
    if (blk->root && !block_child_set_perm(blk->root, perm, shared, errp)) {
        return false;
    }
    blk->perm = perm;
    blk->shared = shared;
    return true;
}

void blk_set_dev_ops(BlockBackend *blk, const BlockDevOps *ops, void *opaque)
{
    blk->dev_ops = ops;
    blk->dev_opaque = opaque;
}

bool blk_is_read_only(BlockBackend *blk)
{
    BlockNode *bs = blk_node(blk);
    return bs ? bs->read_only : false;
}

bool blk_is_inserted(BlockBackend *blk)
{
    return blk->root != NULL;
}

int64_t blk_length(BlockBackend *blk)
{
    BlockNode *bs = blk_node(blk);
    return bs ? block_node_length(bs) : -ENOMEDIUM;
}

void blk_set_error_actions(BlockBackend *blk, BlockErrorAction on_read,
                           BlockErrorAction on_write)
{
    blk->on_read_error = on_read;
    blk->on_write_error = on_write;
}

void blk_set_write_cache(BlockBackend *blk, bool writeback)
{
    blk->writeback = writeback;
}

bool blk_get_write_cache(BlockBackend *blk)
{
    return blk->writeback;
}

void blk_set_removable(BlockBackend *blk, bool removable)
{
    blk->removable = removable;
}

bool blk_is_removable(BlockBackend *blk)
{
    return blk->removable;
}

bool blk_is_tray_open(BlockBackend *blk)
{
    return blk->tray_open;
}

void blk_guest_set_tray(BlockBackend *blk, bool open)
{
    if (blk->tray_open != open) {
        blk->tray_open = open;
        block_emit_tray_moved(blk);
    }
}

void blk_set_locked(BlockBackend *blk, bool locked)
{
    blk->locked = locked;
}

int blk_in_flight(BlockBackend *blk)
{
    return blk->in_flight;
}

void blk_account_invalid(BlockBackend *blk, bool write)
{
    if (write) {
        blk->stats.invalid_wr++;
    } else {
        blk->stats.invalid_rd++;
    }
}

static BlockRequest *req_new(BlockBackend *blk, BlockReqType type, uint64_t off,
                             uint64_t bytes, BlockCompletionFn cb, void *opaque)
{
    BlockRequest *req = g_new0(BlockRequest, 1);
    req->blk = blk;
    req->type = type;
    req->off = off;
    req->bytes = bytes;
    req->cb = cb;
    req->opaque = opaque;
    return req;
}

static void copy_iov(BlockRequest *req, const BlockIOV *iov)
{
    req->iov.iov = g_memdup2(iov->iov, sizeof(struct iovec) * MAX(iov->niov, 1));
    req->iov.niov = iov->niov;
    req->iov.size = iov->size;
}

void blk_aio_preadv(BlockBackend *blk, uint64_t off, const BlockIOV *iov,
                    BlockCompletionFn cb, void *opaque)
{
    BlockRequest *req = req_new(blk, BLOCK_REQ_READ, off, iov->size, cb, opaque);
    copy_iov(req, iov);
    block_aio_submit(req);
}

void blk_aio_pwritev(BlockBackend *blk, uint64_t off, const BlockIOV *iov, int flags,
                     BlockCompletionFn cb, void *opaque)
{
    BlockRequest *req = req_new(blk, BLOCK_REQ_WRITE, off, iov->size, cb, opaque);
    copy_iov(req, iov);
    req->flags = flags;
    block_aio_submit(req);
}

void blk_aio_flush(BlockBackend *blk, BlockCompletionFn cb, void *opaque)
{
    block_aio_submit(req_new(blk, BLOCK_REQ_FLUSH, 0, 0, cb, opaque));
}

void blk_aio_pdiscard(BlockBackend *blk, uint64_t off, uint64_t bytes, BlockCompletionFn cb,
                      void *opaque)
{
    block_aio_submit(req_new(blk, BLOCK_REQ_DISCARD, off, bytes, cb, opaque));
}

void blk_aio_pwrite_zeroes(BlockBackend *blk, uint64_t off, uint64_t bytes, bool may_unmap,
                           BlockCompletionFn cb, void *opaque)
{
    BlockRequest *req = req_new(blk, BLOCK_REQ_ZEROES, off, bytes, cb, opaque);
    req->may_unmap = may_unmap;
    block_aio_submit(req);
}

void blk_aio_data_status(BlockBackend *blk, uint64_t off, uint64_t bytes, uint64_t *pnum,
                         BlockCompletionFn cb, void *opaque)
{
    BlockRequest *req = req_new(blk, BLOCK_REQ_STATUS, off, bytes, cb, opaque);
    req->pnum = pnum;
    block_aio_submit(req);
}

typedef struct SyncWait {
    int ret;
    bool done;
} SyncWait;

static void sync_done(void *opaque, int ret)
{
    SyncWait *w = opaque;
    w->ret = ret;
    w->done = true;
}

static int sync_wait(BlockBackend *blk, SyncWait *w)
{
    block_graph_drain(blk->graph);
    return w->done ? w->ret : -EIO; /* held by werror=stop */
}

int blk_pread(BlockBackend *blk, uint64_t off, uint64_t bytes, void *buf)
{
    SyncWait w = { 0 };
    struct iovec one;
    BlockIOV v;
    block_iov_from_buf(&v, &one, buf, bytes);
    blk_aio_preadv(blk, off, &v, sync_done, &w);
    return sync_wait(blk, &w);
}

int blk_pwrite(BlockBackend *blk, uint64_t off, uint64_t bytes, const void *buf, int flags)
{
    SyncWait w = { 0 };
    struct iovec one;
    BlockIOV v;
    block_iov_from_buf(&v, &one, (void *)buf, bytes);
    blk_aio_pwritev(blk, off, &v, flags, sync_done, &w);
    return sync_wait(blk, &w);
}

int blk_flush(BlockBackend *blk)
{
    SyncWait w = { 0 };
    blk_aio_flush(blk, sync_done, &w);
    return sync_wait(blk, &w);
}

bool blk_resize(BlockBackend *blk, uint64_t size, GError **errp)
{
    BlockNode *bs = blk_node(blk);
    if (!bs) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Device has no medium");
        return false;
    }
    if (bs->read_only) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_PERM, "Block node '%s' is read-only",
                    bs->node_name);
        return false;
    }
    if (!bs->drv->truncate) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Block driver '%s' does not support resizing", bs->drv->name);
        return false;
    }
    block_graph_drain(blk->graph);
    if (!bs->drv->truncate(bs, size, errp)) {
        return false;
    }
    for (BlockNode *n = bs; n; n = n->file ? n->file->node : NULL) {
        block_node_resize_bitmaps(n);
    }
    for (guint i = 0; i < bs->parents->len; i++) {
        BlockChild *c = g_ptr_array_index(bs->parents, i);
        if (c->blk && c->blk->dev_ops && c->blk->dev_ops->resize) {
            c->blk->dev_ops->resize(c->blk->dev_opaque);
        }
    }
    return true;
}
