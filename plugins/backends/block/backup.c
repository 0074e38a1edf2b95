/* SPDX-License-Identifier: MIT */
/*
 * blockdev-backup: a point-in-time copy of a live node.  Each granule is
 * in one of three states: to copy, being copied, done.  The job copies
 * granules in the background; a guest write to a granule not yet copied
 * first copies the old data itself (copy-before-write, in the writing
 * worker thread) and waits for a granule being copied, so the target ends
 * up with the disk exactly as it was when the job started.  sync=full
 * copies everything, sync=top what the top image holds (the target then
 * has the same backing chain, chosen by the user), sync=incremental (or
 * sync=bitmap) what a dirty bitmap of the source marks.
 *
 * With a bitmap: at the start its dirty ranges become the granules to
 * copy and it is cleared (it goes on recording, so it then holds what the
 * guest writes during the backup).  When the job ends, bitmap-mode says
 * what happens: on-success (the default) keeps the new bits on success and
 * adds the copied ranges back on failure, so the next incremental backup
 * repeats them; never always adds them back; always keeps it cleared.
 */
#include <errno.h>
#include <string.h>

#include "block-int.h"
#include "block/bitmap.h"
#include "block/job.h"
#include "monitor/monitor-internal.h"

#define BACKUP_GRAN (64 * 1024)
#define BACKUP_CHUNK (1024 * 1024)

enum { G_DONE = 0, G_TODO = 1, G_BUSY = 2 };

typedef enum { MODE_ON_SUCCESS, MODE_NEVER, MODE_ALWAYS } BitmapMode;

typedef struct Backup {
    BlockGraph *graph;
    BlockNode *src, *tgt;
    bool top;
    BlockDirtyBitmap *bitmap;  /* sync=incremental/bitmap */
    BitmapMode bitmap_mode;
    GArray *taken;            /* uint64_t pairs: the bitmap's ranges at the start */
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

static void take_bitmap(Backup *b)
{
    b->taken = g_array_new(false, false, sizeof(uint64_t));
    uint64_t size = block_dirty_bitmap_size(b->bitmap);
    uint64_t gran = block_dirty_bitmap_granularity(b->bitmap);
    int64_t off = block_dirty_bitmap_next_dirty(b->bitmap, 0);
    while (off >= 0 && (uint64_t)off < size) {
        uint64_t end = (uint64_t)off;
        while (end < size && block_dirty_bitmap_get(b->bitmap, end)) {
            end += gran;
        }
        end = MIN(end, size);
        uint64_t pair[2] = { (uint64_t)off, end - (uint64_t)off };
        g_array_append_vals(b->taken, pair, 2);
        g_mutex_lock(&b->map.lock);
        granule_map_set_locked(&b->map, pair[0], pair[1], G_TODO);
        g_mutex_unlock(&b->map.lock);
        off = block_dirty_bitmap_next_dirty(b->bitmap, end);
    }
    block_dirty_bitmap_clear(b->bitmap);
}

static void give_back_bitmap(Backup *b)
{
    for (guint i = 0; i + 1 < b->taken->len; i += 2) {
        block_dirty_bitmap_set_range(b->bitmap, g_array_index(b->taken, uint64_t, i),
                                     g_array_index(b->taken, uint64_t, i + 1));
    }
}

static int init_map(Job *job, Backup *b)
{
    if (b->bitmap) {
        take_bitmap(b);
        return 0;
    }
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

static void backup_bitmap_end(Job *job, bool ok)
{
    Backup *b = job->opaque;
    if (!b->bitmap) {
        return;
    }
    block_dirty_bitmap_set_busy(b->bitmap, false);
    if (b->taken && (b->bitmap_mode == MODE_NEVER ||
                     (b->bitmap_mode == MODE_ON_SUCCESS && !ok))) {
        give_back_bitmap(b);
    }
}

static void backup_commit(Job *job)
{
    backup_bitmap_end(job, true);
}

static void backup_abort(Job *job)
{
    backup_bitmap_end(job, false);
}

static void backup_free(Job *job)
{
    Backup *b = job->opaque;
    if (b->taken) {
        g_array_unref(b->taken);
    }
    granule_map_destroy(&b->map);
    g_free(b->buf);
    g_free(b);
}

static const JobDriver backup_driver = {
    .type = "backup",
    .step = backup_step,
    .commit = backup_commit,
    .abort = backup_abort,
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
    const char *bitmap = qmp_arg_str(args, "bitmap", NULL);
    const char *mode = qmp_arg_str(args, "bitmap-mode", NULL);
    static const char *const modes[] = { [MODE_ON_SUCCESS] = "on-success",
                                         [MODE_NEVER] = "never", [MODE_ALWAYS] = "always" };
    int bitmap_mode = MODE_ON_SUCCESS;
    bool uses_bitmap = !strcmp(sync, "incremental") || !strcmp(sync, "bitmap");
    if (strcmp(sync, "full") && strcmp(sync, "top") && !uses_bitmap) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Parameter 'sync' does not accept value '%s'", sync);
        return false;
    }
    if (uses_bitmap && !bitmap) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "must provide a valid bitmap name for '%s' sync mode", sync);
        return false;
    }
    if (!uses_bitmap && (bitmap || mode)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "a bitmap is only used with sync=incremental or sync=bitmap");
        return false;
    }
    if (mode) {
        for (bitmap_mode = 0; bitmap_mode < 3 && strcmp(modes[bitmap_mode], mode);
             bitmap_mode++) {
        }
        if (bitmap_mode == 3) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Parameter 'bitmap-mode' does not accept value '%s'", mode);
            return false;
        }
    }
    if (!strcmp(sync, "incremental") && bitmap_mode != MODE_ON_SUCCESS) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Bitmap sync mode must be 'on-success' when using sync mode 'incremental'");
        return false;
    }
    if (!strcmp(sync, "bitmap") && !mode) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Bitmap sync mode must be given when providing a bitmap");
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
    BlockDirtyBitmap *bm = NULL;
    if (bitmap) {
        bm = block_dirty_bitmap_find(src, bitmap);
        if (!bm) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_NOT_FOUND,
                        "Bitmap '%s' could not be found", bitmap);
            return false;
        }
        if (block_dirty_bitmap_busy(bm)) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IN_USE, "Bitmap '%s' is currently in "
                        "use by another operation and cannot be used", bitmap);
            return false;
        }
        if (block_dirty_bitmap_inconsistent(bm)) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Bitmap '%s' is inconsistent "
                        "and cannot be used", bitmap);
            return false;
        }
    }
    Backup *b = g_new0(Backup, 1);
    b->bitmap = bm;
    b->bitmap_mode = bitmap_mode;
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
    if (bm) {
        block_dirty_bitmap_set_busy(bm, true);
    }
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
