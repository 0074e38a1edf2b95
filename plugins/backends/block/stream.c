/* SPDX-License-Identifier: MIT */
/*
 * block-stream: copy into a node what its backing chain (down to, not
 * including, base) provides, then make base its backing node (none
 * without base) and record that in its header.
 *
 * The node may be the one the guest writes to.  A range is copied only
 * while no guest write to it is in flight, and guest writes to a range
 * being copied wait (a before-write notifier), so the job never writes
 * stale backing data over what the guest just wrote; after taking the
 * range the job asks again whether the node holds it.
 *
 * With filter-node-name, a copy-on-read filter of that name sits above the
 * node while the job runs (its users moved onto it): a read through it
 * first copies what it asks for up from the chain, under the same range
 * rules as the job's own copies.
 */
#include <errno.h>
#include <string.h>

#include "block-int.h"
#include "block/job.h"
#include "monitor/monitor-internal.h"

#define STREAM_CHUNK (512 * 1024)

typedef struct Range {
    uint64_t off, len;
} Range;

typedef struct Stream {
    BlockGraph *graph;
    BlockNode *bs, *base;
    uint64_t cursor, length;
    uint8_t *buf;
    GMutex lock;
    GCond cond;
    GArray *inflight;         /* Range: guest writes in progress */
    bool copying;
    Range copy;
    BlockWriteNotifier notifier;
    bool notifier_on;
    BlockBackend *hold;
    BlockNode *filter;        /* filter-node-name: copy-on-read above bs, or NULL */
} Stream;

static bool overlaps(uint64_t a, uint64_t al, uint64_t b, uint64_t bl)
{
    return a < b + bl && b < a + al;
}

static int guest_before(BlockWriteNotifier *n, BlockNode *bs, uint64_t off, uint64_t bytes)
{
    Stream *s = n->opaque;
    g_mutex_lock(&s->lock);
    while (s->copying && overlaps(off, bytes, s->copy.off, s->copy.len)) {
        g_cond_wait(&s->cond, &s->lock);
    }
    Range r = { off, bytes };
    g_array_append_val(s->inflight, r);
    g_mutex_unlock(&s->lock);
    return 0;
}

static void guest_after(BlockWriteNotifier *n, BlockNode *bs, uint64_t off, uint64_t bytes,
                        int ret)
{
    Stream *s = n->opaque;
    g_mutex_lock(&s->lock);
    for (guint i = 0; i < s->inflight->len; i++) {
        Range *r = &g_array_index(s->inflight, Range, i);
        if (r->off == off && r->len == bytes) {
            g_array_remove_index_fast(s->inflight, i);
            break;
        }
    }
    g_cond_broadcast(&s->cond);
    g_mutex_unlock(&s->lock);
}

static void take_range(Stream *s, uint64_t off, uint64_t len)
{
    g_mutex_lock(&s->lock);
    for (;;) {
        bool busy = s->copying; /* one copier at a time: the job or a read */
        for (guint i = 0; i < s->inflight->len && !busy; i++) {
            Range *r = &g_array_index(s->inflight, Range, i);
            busy = overlaps(off, len, r->off, r->len);
        }
        if (!busy) {
            break;
        }
        g_cond_wait(&s->cond, &s->lock);
    }
    s->copying = true;
    s->copy.off = off;
    s->copy.len = len;
    g_mutex_unlock(&s->lock);
}

static void release_range(Stream *s)
{
    g_mutex_lock(&s->lock);
    s->copying = false;
    g_cond_broadcast(&s->cond);
    g_mutex_unlock(&s->lock);
}

/* Copy what bs lacks in [off, off+len) through @buf (len bytes; the range
 * is taken); @above_base: only what the chain above base holds. */
static int copy_missing(Stream *s, uint64_t off, uint64_t len, uint8_t *buf, bool above_base,
                        bool *is_read)
{
    uint64_t done = 0;
    *is_read = true;
    while (done < len) {
        uint64_t pnum;
        int ret = block_node_block_status(s->bs, off + done, len - done, &pnum);
        if (ret < 0) {
            return ret;
        }
        if (!ret && above_base) {
            uint64_t p2 = pnum;
            ret = s->bs->backing ? block_node_is_allocated_above(s->bs->backing->node, s->base,
                                                                 off + done, pnum, &p2) : 1;
            if (ret < 0) {
                return ret;
            }
            pnum = p2;
            ret = !ret; /* copy only what lies above base */
        }
        if (!ret) {
            ret = block_node_pread(s->bs, off + done, pnum, buf);
            if (ret < 0) {
                return ret;
            }
            ret = block_node_pwrite(s->bs, off + done, pnum, buf, BLOCK_WRITE_NO_NOTIFY);
            if (ret < 0) {
                *is_read = false;
                return ret;
            }
        }
        done += pnum;
    }
    return 0;
}

/* The copy-on-read filter's hook: before a read passes through, what it
 * asks for comes up from the chain into bs. */
static int cor_before_read(void *opaque, uint64_t off, uint64_t bytes)
{
    Stream *s = opaque;
    g_autofree uint8_t *buf = g_malloc(MIN(bytes, STREAM_CHUNK));
    for (uint64_t done = 0; done < bytes;) {
        uint64_t n = MIN(bytes - done, STREAM_CHUNK);
        bool is_read;
        take_range(s, off + done, n);
        int ret = copy_missing(s, off + done, n, buf, true, &is_read);
        release_range(s);
        if (ret < 0) {
            return ret;
        }
        done += n;
    }
    return 0;
}

static int stream_step(Job *job)
{
    Stream *s = job->opaque;
    if (s->cursor >= s->length) {
        int ret = block_node_flush(s->bs);
        if (ret < 0) {
            job->err_is_read = false;
        }
        return ret < 0 ? ret : JOB_STEP_DONE;
    }
    uint64_t chunk = STREAM_CHUNK;
    if (job->speed) {
        chunk = MIN(chunk, MAX(job->speed / 4, 65536));
    }
    uint64_t n = MIN(chunk, s->length - s->cursor);
    uint64_t pnum;
    /* Only what the chain above base holds and bs itself does not. */
    int ret = block_node_block_status(s->bs, s->cursor, n, &pnum);
    if (ret == 0 && s->bs->backing) {
        uint64_t p2;
        ret = block_node_is_allocated_above(s->bs->backing->node, s->base, s->cursor, pnum,
                                            &p2);
        pnum = p2;
        if (ret == 1) {
            bool is_read;
            take_range(s, s->cursor, pnum);
            ret = copy_missing(s, s->cursor, pnum, s->buf, false, &is_read);
            release_range(s);
            if (ret < 0) {
                job->err_is_read = is_read;
                return ret;
            }
        } else if (ret < 0) {
            job->err_is_read = true;
            return ret;
        }
    } else if (ret < 0) {
        job->err_is_read = true;
        return ret;
    }
    s->cursor += pnum;
    job_progress_update(job, (int64_t)pnum);
    return JOB_STEP_MORE;
}

static bool stream_prepare(Job *job, GError **errp)
{
    Stream *s = job->opaque;
    block_graph_drain(s->graph);
    return block_node_set_backing(s->bs, s->base, true, errp);
}

static void stream_clean(Job *job)
{
    Stream *s = job->opaque;
    if (s->filter) {
        block_graph_drain(s->graph);
        block_job_filter_set_read_hook(s->filter, NULL, NULL);
        block_job_filter_remove(g_steal_pointer(&s->filter), s->bs);
    }
    if (s->notifier_on) {
        block_graph_drain(s->graph);
        block_node_remove_write_notifier(s->bs, &s->notifier);
        s->notifier_on = false;
    }
    if (s->hold) {
        blk_unref(s->hold);
        s->hold = NULL;
    }
}

static void stream_free(Job *job)
{
    Stream *s = job->opaque;
    g_array_unref(s->inflight);
    g_mutex_clear(&s->lock);
    g_cond_clear(&s->cond);
    g_free(s->buf);
    g_free(s);
}

static const JobDriver stream_driver = {
    .type = "stream",
    .step = stream_step,
    .prepare = stream_prepare,
    .clean = stream_clean,
    .free = stream_free,
};

JsonNode *block_qmp_stream(BlockGraph *g, JsonObject *args, GError **errp)
{
    const char *device = qmp_arg_str(args, "device", "");
    if (!block_job_args_check(args, errp)) {
        return NULL;
    }
    BlockNode *bs = block_find_node_or_drive(g, device, errp);
    if (!bs) {
        return NULL;
    }
    const char *base_node = qmp_arg_str(args, "base-node", NULL);
    const char *base_file = qmp_arg_str(args, "base", NULL);
    if (base_node && base_file) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "'base' and 'base-node' cannot be specified at the same time");
        return NULL;
    }
    BlockNode *base = NULL;
    if (base_node) {
        base = block_find_node(g, base_node, errp);
        if (!base) {
            return NULL;
        }
        if (base == bs || !block_chain_contains(bs, base)) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Node '%s' is not a backing image of '%s'", base_node, bs->node_name);
            return NULL;
        }
    } else if (base_file) {
        base = bs->backing ? block_chain_find_file(bs->backing->node, base_file) : NULL;
        if (!base) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Base '%s' not found",
                        base_file);
            return NULL;
        }
    }
    if (bs->read_only) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_PERM, "Block node '%s' is read-only",
                    bs->node_name);
        return NULL;
    }
    if (!bs->drv->is_format) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Node '%s' has no backing chain to stream", bs->node_name);
        return NULL;
    }
    for (BlockNode *n = bs; n && n != base; n = n->backing ? n->backing->node : NULL) {
        if (job_node_is_busy(n, errp)) {
            return NULL;
        }
    }
    int64_t len = block_node_length(bs);
    if (len < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "Could not get the size of '%s'",
                    bs->node_name);
        return NULL;
    }
    Stream *s = g_new0(Stream, 1);
    s->graph = g;
    s->bs = bs;
    s->base = base;
    s->length = (uint64_t)len;
    s->buf = g_malloc(STREAM_CHUNK);
    g_mutex_init(&s->lock);
    g_cond_init(&s->cond);
    s->inflight = g_array_new(false, false, sizeof(Range));
    s->hold = base ? block_job_hold(g, base, 0, BLK_PERM_ALL, errp) : NULL;
    const char *filter_name = qmp_arg_str(args, "filter-node-name", NULL);
    if ((!base || s->hold) && filter_name) {
        s->filter = block_job_filter_insert(g, bs, filter_name, "copy-on-read", errp);
    }
    Job *job = (!base || s->hold) && (s->filter || !filter_name)
               ? job_create(g, block_job_id_arg(args, device), &stream_driver, s, &bs, 1, errp)
               : NULL;
    if (!job) {
        if (s->filter) {
            block_job_filter_remove(s->filter, bs);
        }
        if (s->hold) {
            blk_unref(s->hold);
        }
        s->notifier_on = false;
        Job tmp = { .opaque = s };
        stream_free(&tmp);
        return NULL;
    }
    block_job_apply_args(job, args);
    for (BlockNode *n = bs->backing ? bs->backing->node : NULL; n && n != base;
         n = n->backing ? n->backing->node : NULL) {
        job_add_node(job, n, NULL);
    }
    if (s->filter) {
        job_add_node(job, s->filter, NULL); /* a new node: never busy */
        block_job_filter_set_read_hook(s->filter, cor_before_read, s);
    }
    s->notifier.before_write = guest_before;
    s->notifier.after_write = guest_after;
    s->notifier.opaque = s;
    block_node_add_write_notifier(bs, &s->notifier);
    s->notifier_on = true;
    job_progress_set_total(job, len);
    job_start(job);
    return qmp_empty_return();
}
