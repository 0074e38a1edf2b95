/* SPDX-License-Identifier: MIT */
/*
 * blockdev-backup: a point-in-time copy of a live node.  Each granule is
 * in one of three states: to copy, being copied, done.  The job copies
 * granules in the background; a guest write to a granule not yet copied
 * first copies the old data itself (copy-before-write, in the writing
 * worker thread) and waits for a granule being copied, so the target ends
 * up with the disk exactly as it was when the job started.  sync=full
 * copies everything, sync=top what the top image holds (the target then
 * has the same backing chain, chosen by the user).
 */
#include <errno.h>
#include <string.h>

#include "block-int.h"
#include "block/job.h"
#include "monitor/monitor-internal.h"

#define BACKUP_GRAN (64 * 1024)
#define BACKUP_CHUNK (1024 * 1024)

enum { G_DONE = 0, G_TODO = 1, G_BUSY = 2 };

typedef struct Backup {
    BlockGraph *graph;
    BlockNode *src, *tgt;
    bool top;
    bool initialized, started;
    GranuleMap map;
    BlockWriteNotifier notifier;
    bool notifier_on;
    BlockBackend *hold_src, *hold_tgt;
    uint64_t cursor;
    uint8_t *buf;             /* the job's step buffer */
} Backup;

/* Copy [off, off+bytes) (granules marked busy by the caller). */
static int copy_out(Backup *b, uint64_t off, uint64_t bytes, uint8_t *buf, bool *is_read)
{
    uint64_t done = 0;
    while (done < bytes) {
        uint64_t pnum = bytes - done;
        int alloc = block_node_is_allocated_above(b->src, NULL, off + done, pnum, &pnum);
        if (alloc < 0) {
            *is_read = true;
            return alloc;
        }
        int ret;
        if (!alloc) {
            ret = block_node_pwrite_zeroes(b->tgt, off + done, pnum, false);
        } else {
            ret = block_node_pread(b->src, off + done, pnum, buf);
            if (ret < 0) {
                *is_read = true;
                return ret;
            }
            ret = block_node_pwrite(b->tgt, off + done, pnum, buf, BLOCK_WRITE_NO_NOTIFY);
        }
        if (ret < 0) {
            *is_read = false;
            return ret;
        }
        done += pnum;
    }
    return 0;
}

static int before_write(BlockWriteNotifier *n, BlockNode *bs, uint64_t off, uint64_t bytes)
{
    Backup *b = n->opaque;
    GranuleMap *m = &b->map;
    if (!bytes) {
        return 0;
    }
    uint64_t first = off / m->gran, last = MIN((off + bytes - 1) / m->gran, m->n - 1);
    g_autofree uint8_t *buf = NULL;
    g_mutex_lock(&m->lock);
    for (uint64_t i = first; i <= last; i++) {
        while (m->state[i] == G_BUSY) {
            g_cond_wait(&m->cond, &m->lock);
        }
        if (m->state[i] != G_TODO) {
            continue;
        }
        granule_map_set_locked(m, i * m->gran, 1, G_BUSY);
        g_mutex_unlock(&m->lock);
        if (!buf) {
            buf = g_malloc(m->gran);
        }
        uint64_t len = MIN(m->gran, m->length - i * m->gran);
        bool is_read;
        int ret = copy_out(b, i * m->gran, len, buf, &is_read);
        g_mutex_lock(&m->lock);
        granule_map_set_locked(m, i * m->gran, 1, ret < 0 ? G_TODO : G_DONE);
        g_cond_broadcast(&m->cond);
        if (ret < 0) {
            g_mutex_unlock(&m->lock);
            return ret; /* the old data could not be saved: the write fails */
        }
    }
    g_mutex_unlock(&m->lock);
    return 0;
}

static int init_map(Job *job, Backup *b)
{
    BlockNode *base = b->top && b->src->backing ? b->src->backing->node : NULL;
    for (uint64_t off = 0; off < b->map.length;) {
        uint64_t pnum = b->map.length - off;
        int ret = b->top ? block_node_is_allocated_above(b->src, base, off, pnum, &pnum) : 1;
        if (ret < 0) {
            job->err_is_read = true;
            return ret;
        }
        /* Only granules still untouched: a guest write may have copied some. */
        g_mutex_lock(&b->map.lock);
        if (ret) {
            uint64_t first = off / b->map.gran;
            uint64_t last = MIN((off + pnum - 1) / b->map.gran, b->map.n - 1);
            for (uint64_t i = first; i <= last; i++) {
                if (b->map.state[i] == G_DONE && !b->map.state[i]) {
                    granule_map_set_locked(&b->map, i * b->map.gran, 1, G_TODO);
                }
            }
        }
        g_mutex_unlock(&b->map.lock);
        off += pnum;
    }
    return 0;
}

static int backup_step(Job *job)
{
    Backup *b = job->opaque;
    if (!b->initialized) {
        b->initialized = true;
        g_mutex_lock(&b->map.lock);
        job_progress_set_total(job, (int64_t)(b->map.count * b->map.gran));
        g_mutex_unlock(&b->map.lock);
        return JOB_STEP_MORE;
    }
    uint64_t max = BACKUP_CHUNK;
    if (job->speed) {
        max = MIN(max, MAX(job->speed / 4, b->map.gran));
    }
    uint64_t off, bytes;
    g_mutex_lock(&b->map.lock);
    bool found = granule_map_next_run_locked(&b->map, b->cursor, G_TODO, max, &off, &bytes);
    if (!found) {
        found = granule_map_next_run_locked(&b->map, 0, G_TODO, max, &off, &bytes);
    }
    if (found) {
        granule_map_set_locked(&b->map, off, bytes, G_BUSY);
    }
    g_mutex_unlock(&b->map.lock);
    if (!found) {
        int ret = block_node_flush(b->tgt);
        if (ret < 0) {
            job->err_is_read = false;
            return ret;
        }
        return JOB_STEP_DONE;
    }
    bool is_read = false;
    int ret = copy_out(b, off, bytes, b->buf, &is_read);
    g_mutex_lock(&b->map.lock);
    granule_map_set_locked(&b->map, off, bytes, ret < 0 ? G_TODO : G_DONE);
    g_cond_broadcast(&b->map.cond);
    g_mutex_unlock(&b->map.lock);
    if (ret < 0) {
        job->err_is_read = is_read;
        return ret;
    }
    b->cursor = off + bytes;
    job_progress_update(job, (int64_t)bytes);
    return JOB_STEP_MORE;
}

static void backup_clean(Job *job)
{
    Backup *b = job->opaque;
    if (b->notifier_on) {
        block_graph_drain(b->graph);
        block_node_remove_write_notifier(b->src, &b->notifier);
        b->notifier_on = false;
    }
    if (b->hold_src) {
        blk_unref(b->hold_src);
        b->hold_src = NULL;
    }
    if (b->hold_tgt) {
        blk_unref(b->hold_tgt);
        b->hold_tgt = NULL;
    }
}

static void backup_free(Job *job)
{
    Backup *b = job->opaque;
    granule_map_destroy(&b->map);
    g_free(b->buf);
    g_free(b);
}

static const JobDriver backup_driver = {
    .type = "backup",
    .step = backup_step,
    .clean = backup_clean,
    .free = backup_free,
};

static void action_commit(void *opaque)
{
    Job *job = opaque;
    Backup *b = job->opaque;
    /* The point in time is now: mark what to copy, then catch writes. */
    block_graph_drain(b->graph);
    if (init_map(job, b) < 0) {
        job_start(job);
        job_fail(job, -EIO, "Could not read the allocation of '%s'", b->src->node_name);
        return;
    }
    block_node_add_write_notifier(b->src, &b->notifier);
    b->notifier_on = true;
    b->started = true;
    job_start(job);
}

static void action_abort(void *opaque)
{
    job_user_cancel(opaque, true, NULL);
}

bool block_backup_prepare(BlockGraph *g, JsonObject *args, BlockAction *a, GError **errp)
{
    const char *device = qmp_arg_str(args, "device", "");
    const char *sync = qmp_arg_str(args, "sync", "");
    if (strcmp(sync, "full") && strcmp(sync, "top")) {
        if (!strcmp(sync, "incremental") || !strcmp(sync, "bitmap")) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "sync=%s needs dirty bitmaps, which this build does not support yet",
                        sync);
        } else {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Parameter 'sync' does not accept value '%s'", sync);
        }
        return false;
    }
    if (!block_job_args_check(args, errp)) {
        return false;
    }
    BlockNode *src = block_find_node_or_drive(g, device, errp);
    if (!src) {
        return false;
    }
    BlockNode *tgt = block_find_node(g, qmp_arg_str(args, "target", ""), errp);
    if (!tgt) {
        return false;
    }
    if (tgt == src || block_chain_contains(src, tgt)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Target '%s' is the source or in its backing chain", tgt->node_name);
        return false;
    }
    int64_t sl = block_node_length(src), tl = block_node_length(tgt);
    if (sl < 0 || tl < 0 || sl != tl) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Source and target image have different sizes");
        return false;
    }
    if (job_node_is_busy(src, errp) || job_node_is_busy(tgt, errp)) {
        return false;
    }
    Backup *b = g_new0(Backup, 1);
    b->graph = g;
    b->src = src;
    b->tgt = tgt;
    b->top = !strcmp(sync, "top");
    granule_map_init(&b->map, (uint64_t)sl, BACKUP_GRAN);
    b->buf = g_malloc(BACKUP_CHUNK);
    b->notifier.before_write = before_write;
    b->notifier.opaque = b;
    b->hold_tgt = block_job_hold(g, tgt, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                                 BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED, errp);
    b->hold_src = b->hold_tgt ? block_job_hold(g, src, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL,
                                               errp) : NULL;
    BlockNode *nodes[] = { src, tgt };
    Job *job = b->hold_src ? job_create(g, block_job_id_arg(args, device), &backup_driver, b,
                                        nodes, 2, errp) : NULL;
    if (!job) {
        Job tmp = { .opaque = b };
        backup_clean(&tmp);
        backup_free(&tmp);
        return false;
    }
    block_job_apply_args(job, args);
    a->state = job;
    a->commit = action_commit;
    a->abort = action_abort;
    return true;
}

JsonNode *block_qmp_backup(BlockGraph *g, JsonObject *args, GError **errp)
{
    BlockAction a = { 0 };
    if (!block_backup_prepare(g, args, &a, errp)) {
        return NULL;
    }
    a.commit(a.state);
    return qmp_empty_return();
}
