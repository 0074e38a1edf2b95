/* SPDX-License-Identifier: MIT */
/*
 * The block graph: nodes, their children and the permissions on each edge.
 *
 * An edge (BlockChild) takes perm and shares shared.  Attaching or changing
 * an edge is allowed only when, for every other edge into the same node,
 * each side's perm is within the other side's shared set, and when no edge
 * asks to write a read-only node.  Nodes from -blockdev/blockdev-add are
 * owned by the monitor; nodes opened as nested options belong to their
 * parent and go with it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "block-int.h"
#include "block/bitmap.h"

const BlockDriver *block_driver_find(const char *name, GError **errp)
{
    g_autofree char *type = g_strconcat(TYPE_BLOCK_DRIVER_PREFIX, name, NULL);
    GError *err = NULL;
    if (!strchr(name, '/') && type_lookup_or_load(type, &err)) {
        ObjectClass *oc = object_class_by_name(type);
        if (oc && object_class_dynamic_cast(oc, TYPE_BLOCK_DRIVER)) {
            return ((BlockDriverClass *)oc)->drv;
        }
    }
    g_clear_error(&err);
    g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_NOT_FOUND, "Unknown driver '%s'", name);
    return NULL;
}

void block_driver_class_init(ObjectClass *klass, const void *data)
{
    ((BlockDriverClass *)klass)->drv = data;
}

bool block_node_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 31 || !g_ascii_isalpha(name[0])) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!g_ascii_isalnum(name[i]) && !strchr("-._", name[i])) {
            return false;
        }
    }
    return true;
}

char *block_graph_auto_name(BlockGraph *g)
{
    for (;;) {
        char *name = g_strdup_printf("#block%03u", g->next_auto_name++);
        if (!block_node_find(g, name)) {
            return name;
        }
        g_free(name);
    }
}

BlockNode *block_node_find(BlockGraph *g, const char *node_name)
{
    for (guint i = 0; i < g->nodes->len; i++) {
        BlockNode *bs = g_ptr_array_index(g->nodes, i);
        if (!strcmp(bs->node_name, node_name)) {
            return bs;
        }
    }
    return NULL;
}

GPtrArray *block_graph_nodes(BlockGraph *g)
{
    return g->nodes;
}

GPtrArray *block_graph_backends(BlockGraph *g)
{
    return g->backends;
}

static const char *edge_user(const BlockChild *c, char *buf, size_t len)
{
    if (c->parent) {
        snprintf(buf, len, "node '%s' as '%s'", c->parent->node_name, c->role);
    } else if (c->blk && c->blk->dev_id) {
        snprintf(buf, len, "device '%s'", c->blk->dev_id);
    } else if (c->blk && c->blk->name) {
        snprintf(buf, len, "drive '%s'", c->blk->name);
    } else {
        snprintf(buf, len, "an anonymous block backend");
    }
    return buf;
}

/* Can an edge with @perm/@shared coexist with the other edges of @bs? */
static bool perm_check(BlockNode *bs, const BlockChild *self, uint32_t perm, uint32_t shared,
                       GError **errp)
{
    if ((perm & (BLK_PERM_WRITE | BLK_PERM_RESIZE)) && bs->read_only) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_PERM, "Block node '%s' is read-only",
                    bs->node_name);
        return false;
    }
    if (bs->force_share) {
        return true;
    }
    for (guint i = 0; i < bs->parents->len; i++) {
        BlockChild *o = g_ptr_array_index(bs->parents, i);
        if (o == self) {
            continue;
        }
        uint32_t clash_mine = perm & ~o->shared;
        uint32_t clash_theirs = o->perm & ~shared;
        if (clash_mine || clash_theirs) {
            char who[128];
            g_autofree char *names = block_perm_names(clash_mine ? clash_mine : clash_theirs);
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_PERM,
                        clash_mine ? "Conflicts with use by %s: it does not allow '%s' on "
                                     "node '%s'"
                                   : "Conflicts with use by %s, which takes '%s' on node '%s'",
                        edge_user(o, who, sizeof(who)), names, bs->node_name);
            return false;
        }
    }
    return true;
}

static BlockChild *child_new(BlockNode *child, const char *role, uint32_t perm,
                             uint32_t shared, GError **errp)
{
    if (!perm_check(child, NULL, perm, shared, errp)) {
        return NULL;
    }
    BlockChild *c = g_new0(BlockChild, 1);
    c->role = g_strdup(role);
    c->node = child;
    c->perm = perm;
    c->shared = shared;
    g_ptr_array_add(child->parents, c);
    return c;
}

BlockChild *block_node_attach_child(BlockNode *parent, BlockNode *child, const char *role,
                                    uint32_t perm, uint32_t shared, GError **errp)
{
    for (BlockNode *n = child; n; n = n->backing ? n->backing->node : NULL) {
        if (n == parent) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Making '%s' a child of '%s' would create a cycle", child->node_name,
                        parent->node_name);
            return NULL;
        }
    }
    BlockChild *c = child_new(child, role, perm, shared, errp);
    if (c) {
        c->parent = parent;
    }
    return c;
}

/* For backends (backend.c). */
BlockChild *block_backend_edge_new(BlockBackend *blk, BlockNode *bs, GError **errp)
{
    BlockChild *c = child_new(bs, "root", blk->perm, blk->shared, errp);
    if (c) {
        c->blk = blk;
    }
    return c;
}

bool block_child_set_perm(BlockChild *c, uint32_t perm, uint32_t shared, GError **errp)
{
    if (!perm_check(c->node, c, perm, shared, errp)) {
        return false;
    }
    c->perm = perm;
    c->shared = shared;
    return true;
}

static void node_free(BlockNode *bs);

void block_child_detach(BlockChild *c)
{
    BlockNode *bs = c->node;
    g_ptr_array_remove(bs->parents, c);
    g_free(c->role);
    g_free(c);
    /* A node nobody owns and nobody uses goes with its last edge. */
    if (!bs->monitor_owned && bs->parents->len == 0) {
        node_free(bs);
    }
}

void block_node_unref_children(BlockNode *bs)
{
    if (bs->backing) {
        BlockChild *c = bs->backing;
        bs->backing = NULL;
        block_child_detach(c);
    }
    if (bs->file) {
        BlockChild *c = bs->file;
        bs->file = NULL;
        block_child_detach(c);
    }
}

static void node_free(BlockNode *bs)
{
    if (bs->drv && bs->drv->close && bs->opaque) {
        bs->drv->close(bs);
    }
    block_node_release_bitmaps(bs);
    block_node_unref_children(bs);
    g_ptr_array_remove(bs->graph->nodes, bs);
    g_ptr_array_unref(bs->parents);
    g_mutex_clear(&bs->stats_lock);
    g_rw_lock_clear(&bs->notify_lock);
    g_ptr_array_unref(bs->notifiers);
    g_free(bs->job_id);
    g_mutex_clear(&bs->bitmap_lock);
    g_ptr_array_unref(bs->dirty_bitmaps);
    g_free(bs->node_name);
    g_free(bs->filename);
    g_free(bs->backing_file);
    g_free(bs->backing_format);
    g_free(bs);
}

void block_node_free_if_unused(BlockNode *bs)
{
    if (!bs->monitor_owned && bs->parents->len == 0) {
        node_free(bs);
    }
}

bool block_node_delete(BlockGraph *g, const char *node_name, GError **errp)
{
    BlockNode *bs = block_node_find(g, node_name);
    if (!bs) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_NOT_FOUND, "Failed to find node with "
                    "node-name='%s'", node_name);
        return false;
    }
    if (!bs->monitor_owned) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IN_USE,
                    "Node %s is not owned by the monitor", node_name);
        return false;
    }
    if (bs->parents->len) {
        char who[128];
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IN_USE, "Node '%s' is busy: in use by %s",
                    node_name, edge_user(g_ptr_array_index(bs->parents, 0), who, sizeof(who)));
        return false;
    }
    block_graph_drain(g);
    node_free(bs);
    return true;
}

int64_t block_node_length(BlockNode *bs)
{
    return bs->drv->getlength(bs);
}

int block_node_backing_depth(BlockNode *bs)
{
    int depth = 0;
    for (BlockNode *n = bs->backing ? bs->backing->node : NULL; n;
         n = n->backing ? n->backing->node : NULL) {
        depth++;
    }
    return depth;
}

const char *block_node_name_for_messages(BlockNode *bs)
{
    return bs->filename ? bs->filename : bs->node_name;
}

/* ---- synchronous I/O -------------------------------------------------- */

/* Formats have a fixed size; protocols grow when a format writes past
 * their end (the backend checks its device's requests itself). */
static int check_range(BlockNode *bs, uint64_t off, uint64_t bytes)
{
    if (!bs->drv->is_format) {
        return 0;
    }
    int64_t len = block_node_length(bs);
    if (len < 0) {
        return (int)len;
    }
    if (off > (uint64_t)len || bytes > (uint64_t)len - off) {
        return -EINVAL;
    }
    return 0;
}

int block_node_preadv(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov)
{
    int ret = check_range(bs, off, bytes);
    if (ret < 0) {
        return ret;
    }
    int64_t t0 = g_get_monotonic_time();
    ret = bytes ? bs->drv->preadv(bs, off, bytes, iov) : 0;
    block_stats_account(&bs->stats_lock, &bs->stats, BLOCK_REQ_READ, bytes, ret,
                        (g_get_monotonic_time() - t0) * 1000);
    return ret;
}

/* Notifiers around a modifying request; @notify false for a job's own. */
static int notify_before(BlockNode *bs, bool notify, uint64_t off, uint64_t bytes)
{
    if (!notify) {
        return 0;
    }
    g_rw_lock_reader_lock(&bs->notify_lock);
    int ret = 0;
    guint i;
    for (i = 0; i < bs->notifiers->len && ret >= 0; i++) {
        BlockWriteNotifier *n = g_ptr_array_index(bs->notifiers, i);
        if (n->before_write) {
            ret = n->before_write(n, bs, off, bytes);
        }
    }
    if (ret < 0) {
        /* The ones before the failing one saw the write start: it ends. */
        for (guint j = 0; j + 1 < i; j++) {
            BlockWriteNotifier *n = g_ptr_array_index(bs->notifiers, j);
            if (n->after_write) {
                n->after_write(n, bs, off, bytes, ret);
            }
        }
        g_rw_lock_reader_unlock(&bs->notify_lock);
    }
    return ret;
}

static int notify_after(BlockNode *bs, bool notify, uint64_t off, uint64_t bytes, int ret)
{
    if (!notify) {
        return ret;
    }
    for (guint i = 0; i < bs->notifiers->len; i++) {
        BlockWriteNotifier *n = g_ptr_array_index(bs->notifiers, i);
        if (n->after_write) {
            n->after_write(n, bs, off, bytes, ret);
        }
    }
    g_rw_lock_reader_unlock(&bs->notify_lock);
    return ret;
}

static int zeroes(BlockNode *bs, uint64_t off, uint64_t bytes, bool may_unmap, bool notify);

int block_node_pwritev(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov,
                       int flags)
{
    if (bs->read_only) {
        return -EROFS;
    }
    int ret = check_range(bs, off, bytes);
    if (ret < 0) {
        return ret;
    }
    bool notify = !(flags & BLOCK_WRITE_NO_NOTIFY);
    flags &= ~BLOCK_WRITE_NO_NOTIFY;
    if (bs->detect_zeroes != BLOCK_DETECT_ZEROES_OFF && block_iov_is_zero(iov)) {
        return zeroes(bs, off, bytes,
                      bs->detect_zeroes == BLOCK_DETECT_ZEROES_UNMAP && bs->discard_unmap,
                      notify);
    }
    if ((ret = notify_before(bs, notify, off, bytes)) < 0) {
        return ret;
    }
    int64_t t0 = g_get_monotonic_time();
    ret = bytes ? bs->drv->pwritev(bs, off, bytes, iov, flags) : 0;
    block_stats_account(&bs->stats_lock, &bs->stats, BLOCK_REQ_WRITE, bytes, ret,
                        (g_get_monotonic_time() - t0) * 1000);
    return notify_after(bs, notify, off, bytes, ret);
}

int block_node_copy_range(BlockNode *src, uint64_t soff, BlockNode *dst, uint64_t doff,
                          uint64_t bytes)
{
    if (!src->drv->copy_range_from || dst->detect_zeroes != BLOCK_DETECT_ZEROES_OFF) {
        return -ENOTSUP; /* (detect-zeroes must see the data) */
    }
    if (dst->read_only) {
        return -EROFS;
    }
    int ret = check_range(src, soff, bytes);
    if (ret >= 0) {
        ret = check_range(dst, doff, bytes);
    }
    if (ret < 0 || !bytes) {
        return ret;
    }
    return src->drv->copy_range_from(src, soff, bytes, dst, doff);
}

int block_node_copy_range_to(BlockNode *dst, uint64_t doff, uint64_t bytes, BlockNode *src,
                             uint64_t soff)
{
    if (!dst->drv->copy_range_to || dst->detect_zeroes != BLOCK_DETECT_ZEROES_OFF) {
        return -ENOTSUP;
    }
    if (dst->read_only) {
        return -EROFS;
    }
    int ret = check_range(dst, doff, bytes);
    if (ret < 0 || !bytes) {
        return ret;
    }
    int64_t t0 = g_get_monotonic_time();
    ret = dst->drv->copy_range_to(dst, doff, bytes, src, soff);
    if (ret != -ENOTSUP) {
        block_stats_account(&dst->stats_lock, &dst->stats, BLOCK_REQ_WRITE, bytes, ret,
                            (g_get_monotonic_time() - t0) * 1000);
    }
    return ret;
}

int block_node_pread(BlockNode *bs, uint64_t off, uint64_t bytes, void *buf)
{
    struct iovec one;
    BlockIOV v;
    block_iov_from_buf(&v, &one, buf, bytes);
    return block_node_preadv(bs, off, bytes, &v);
}

int block_node_pread_nonzero(BlockNode *bs, uint64_t off, uint64_t bytes, void *buf)
{
    enum { CHUNK = 64 * 1024 };
    g_autofree uint8_t *bounce = g_malloc(MIN(bytes, (uint64_t)CHUNK));
    for (uint64_t done = 0; done < bytes;) {
        size_t n = (size_t)MIN(bytes - done, (uint64_t)CHUNK);
        int ret = block_node_pread(bs, off + done, n, bounce);
        if (ret < 0) {
            return ret;
        }
        if (!block_buf_is_zero(bounce, n)) {
            memcpy((uint8_t *)buf + done, bounce, n);
        }
        done += n;
    }
    return 0;
}

int block_node_pwrite(BlockNode *bs, uint64_t off, uint64_t bytes, const void *buf, int flags)
{
    struct iovec one;
    BlockIOV v;
    block_iov_from_buf(&v, &one, (void *)buf, bytes);
    return block_node_pwritev(bs, off, bytes, &v, flags);
}

int block_node_flush(BlockNode *bs)
{
    if (bs->cache_no_flush || bs->read_only) {
        return 0;
    }
    int64_t t0 = g_get_monotonic_time();
    int ret = bs->drv->flush ? bs->drv->flush(bs) : 0;
    block_stats_account(&bs->stats_lock, &bs->stats, BLOCK_REQ_FLUSH, 0, ret,
                        (g_get_monotonic_time() - t0) * 1000);
    return ret;
}

int block_node_pdiscard(BlockNode *bs, uint64_t off, uint64_t bytes)
{
    if (bs->read_only) {
        return -EROFS;
    }
    int ret = check_range(bs, off, bytes);
    if (ret < 0) {
        return ret;
    }
    if (!bs->discard_unmap || !bs->drv->pdiscard) {
        return 0; /* discard=ignore: a hint we may drop */
    }
    if ((ret = notify_before(bs, true, off, bytes)) < 0) {
        return ret;
    }
    int64_t t0 = g_get_monotonic_time();
    ret = bs->drv->pdiscard(bs, off, bytes);
    block_stats_account(&bs->stats_lock, &bs->stats, BLOCK_REQ_DISCARD, bytes, ret,
                        (g_get_monotonic_time() - t0) * 1000);
    return notify_after(bs, true, off, bytes, ret);
}

int block_node_data_status(BlockNode *bs, uint64_t off, uint64_t bytes, uint64_t *pnum)
{
    int64_t len = block_node_length(bs);
    if (len < 0) {
        return (int)len;
    }
    if (off > (uint64_t)len || bytes > (uint64_t)len - off || !bytes) {
        return -EINVAL;
    }
    if (!bs->drv->data_status) {
        *pnum = bytes;
        return 0; /* all data, as far as anyone can tell */
    }
    *pnum = 0;
    int ret = bs->drv->data_status(bs, off, bytes, pnum);
    if (ret >= 0 && (*pnum == 0 || *pnum > bytes)) {
        return -EIO; /* a driver bug must not loop a client forever */
    }
    return ret;
}

int block_node_pwrite_zeroes(BlockNode *bs, uint64_t off, uint64_t bytes, bool may_unmap)
{
    if (bs->read_only) {
        return -EROFS;
    }
    int ret = check_range(bs, off, bytes);
    if (ret < 0) {
        return ret;
    }
    return zeroes(bs, off, bytes, may_unmap, true);
}

static int zeroes(BlockNode *bs, uint64_t off, uint64_t bytes, bool may_unmap, bool notify)
{
    int ret = notify_before(bs, notify, off, bytes);
    if (ret < 0) {
        return ret;
    }
    int64_t t0 = g_get_monotonic_time();
    ret = -ENOTSUP;
    if (bs->drv->pwrite_zeroes) {
        ret = bs->drv->pwrite_zeroes(bs, off, bytes, may_unmap && bs->discard_unmap);
    }
    if (ret == -ENOTSUP) {
        uint64_t chunk = MIN(bytes, 1024 * 1024);
        g_autofree uint8_t *zero = g_malloc0(chunk ? chunk : 1);
        ret = 0;
        for (uint64_t done = 0; done < bytes && ret >= 0; done += chunk) {
            uint64_t n = MIN(chunk, bytes - done);
            struct iovec one;
            BlockIOV v;
            block_iov_from_buf(&v, &one, zero, n);
            ret = bs->drv->pwritev(bs, off + done, n, &v, 0);
        }
    }
    block_stats_account(&bs->stats_lock, &bs->stats, BLOCK_REQ_ZEROES, bytes, ret,
                        (g_get_monotonic_time() - t0) * 1000);
    return notify_after(bs, notify, off, bytes, ret);
}

/* ---- hooks for jobs and bitmaps ------------------------------------------ */

void block_node_add_write_notifier(BlockNode *bs, BlockWriteNotifier *n)
{
    g_rw_lock_writer_lock(&bs->notify_lock);
    g_ptr_array_add(bs->notifiers, n);
    g_rw_lock_writer_unlock(&bs->notify_lock);
}

void block_node_remove_write_notifier(BlockNode *bs, BlockWriteNotifier *n)
{
    g_rw_lock_writer_lock(&bs->notify_lock);
    g_ptr_array_remove(bs->notifiers, n);
    g_rw_lock_writer_unlock(&bs->notify_lock);
}

int block_node_block_status(BlockNode *bs, uint64_t off, uint64_t bytes, uint64_t *pnum)
{
    if (!bs->drv->block_status || bytes == 0) {
        *pnum = bytes;
        return 1;
    }
    int ret = bs->drv->block_status(bs, off, bytes, pnum);
    if (ret >= 0 && (*pnum == 0 || *pnum > bytes)) {
        *pnum = bytes;
    }
    return ret;
}

int block_node_is_allocated_above(BlockNode *top, BlockNode *base, uint64_t off,
                                  uint64_t bytes, uint64_t *pnum)
{
    for (BlockNode *n = top; n && n != base; n = n->backing ? n->backing->node : NULL) {
        int64_t len = block_node_length(n);
        if (len >= 0 && off >= (uint64_t)len) {
            continue; /* a shorter layer holds nothing there */
        }
        uint64_t p;
        int ret = block_node_block_status(n, off, bytes, &p);
        if (ret < 0) {
            return ret;
        }
        if (ret) {
            *pnum = p;
            return 1;
        }
        bytes = MIN(bytes, p);
    }
    *pnum = bytes;
    return 0;
}

bool block_node_replace(BlockNode *from, BlockNode *to, GError **errp)
{
    GPtrArray *moving = g_ptr_array_new();
    for (guint i = 0; i < from->parents->len; i++) {
        BlockChild *c = g_ptr_array_index(from->parents, i);
        if (c->parent == to) {
            continue;
        }
        if (!perm_check(to, NULL, c->perm, c->shared, errp)) {
            g_ptr_array_unref(moving);
            return false;
        }
        g_ptr_array_add(moving, c);
    }
    for (guint i = 0; i < moving->len; i++) {
        BlockChild *c = g_ptr_array_index(moving, i);
        g_ptr_array_remove(from->parents, c);
        c->node = to;
        g_ptr_array_add(to->parents, c);
    }
    g_ptr_array_unref(moving);
    return true;
}

bool block_node_set_backing(BlockNode *bs, BlockNode *backing, bool update_header,
                            GError **errp)
{
    if (backing == (bs->backing ? bs->backing->node : NULL)) {
        return true;
    }
    BlockChild *nc = NULL;
    if (backing) {
        nc = block_node_attach_child(bs, backing, "backing", BLK_PERM_CONSISTENT_READ,
                                     BLK_PERM_ALL & ~(BLK_PERM_WRITE | BLK_PERM_RESIZE), errp);
        if (!nc) {
            return false;
        }
    }
    const char *file = NULL, *fmt = NULL;
    if (backing) {
        BlockNode *f = backing->file ? backing->file->node : backing;
        file = f->filename;
        fmt = backing->drv->name;
        if (!file) {
            update_header = false; /* nothing a header could name */
        }
    }
    if (update_header) {
        int ret = bs->drv->change_backing_file ? bs->drv->change_backing_file(bs, file, fmt)
                  : file ? -ENOTSUP : 0;
        if (ret < 0) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO,
                        "Could not record the backing file in '%s': %s",
                        block_node_name_for_messages(bs), g_strerror(-ret));
            if (nc) {
                /* The new backing node was attached but must not stay. */
                BlockNode *b = nc->node;
                g_ptr_array_remove(b->parents, nc);
                g_free(nc->role);
                g_free(nc);
            }
            return false;
        }
        g_free(bs->backing_file);
        g_free(bs->backing_format);
        bs->backing_file = g_strdup(file);
        bs->backing_format = g_strdup(fmt);
    }
    BlockChild *old = bs->backing;
    bs->backing = nc;
    if (old) {
        block_child_detach(old);
    }
    return true;
}
