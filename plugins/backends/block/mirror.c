/* SPDX-License-Identifier: MIT */
/*
 * mirror (blockdev-mirror, drive-mirror) and active commit (block-commit
 * of the layer a device writes to): keep a target in sync with a live
 * source.
 *
 * A dirty map (one byte per granule) says what the target lacks.  It
 * starts with what sync asks for (full: everything; top: what the
 * source's top image holds; none: nothing; commit: what the layers above
 * the base hold) and an after-write notifier on the source marks what the
 * guest writes.  A step takes a run of dirty granules, marks it clean,
 * reads the source and writes the target; a guest write finishing after
 * that marks it dirty again, so nothing is lost.  When the map is empty
 * the job is READY and keeps copying new writes; on block-job-complete the
 * main loop drains the guest's requests, copies what is left and moves the
 * source's users onto the target (for commit: the base, dropping the
 * layers above it).  Cancelled after READY without force, the target is a
 * consistent copy of the moment the job stopped and nothing pivots.
 *
 * A copy goes through block_node_copy_range first: between host files the
 * kernel moves the data (copy_file_range) instead of a read into a buffer
 * and a write out of it, about a third less CPU per byte; what cannot be
 * offloaded (holes, backing data, a target cluster already allocated, NBD)
 * is read and written as before.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "block-int.h"
#include "kernel/log.h"
#include "block/job.h"
#include "monitor/monitor-internal.h"

#define MIRROR_CHUNK (1024 * 1024)
#define MIRROR_DEFAULT_GRAN (64 * 1024)
#define MIRROR_DEFAULT_BUF (16 * 1024 * 1024) /* buf-size 0: as QEMU */
#define MIRROR_MAX_OPS 16
#define MIRROR_STEP_US 50000      /* an unlimited step copies for at most about this long */

/* Granule states in the map. */
enum { G_CLEAN = 0, G_DIRTY = 1, G_COPYING = 2 };

typedef enum { SYNC_FULL, SYNC_TOP, SYNC_NONE } MirrorSync;

typedef struct Mirror Mirror;

/* One copy request of a step: [off, off+bytes) through its own buffer. */
typedef struct MirrorOp {
    Mirror *m;
    uint64_t off, bytes;
    uint8_t *buf;
    int ret;
    bool is_read;
} MirrorOp;

struct Mirror {
    BlockGraph *graph;
    BlockNode *src, *tgt;
    bool commit;              /* active commit: tgt is the base in src's chain */
    bool tgt_was_read_only;
    bool base_reopened;       /* active commit: base's file reopened read-write */
    bool tgt_zeroed;          /* a target we created reads as zeros */
    bool write_blocking;      /* copy-mode=write-blocking: guest writes copied at once */
    char *created;            /* drive-mirror's new image (removed on failure) */
    MirrorSync sync;
    bool initialized;
    bool started;
    GranuleMap map;           /* G_CLEAN, G_DIRTY, G_COPYING */
    BlockWriteNotifier notifier;
    bool notifier_on;
    BlockBackend *hold_src, *hold_tgt;
    BlockNode *filter;        /* filter-node-name: mirror_top above src, or NULL */
    uint64_t cursor;          /* next place to look for dirty data */
    uint64_t chunk;           /* bytes per request */
    unsigned max_ops;         /* requests in flight (buf-size / chunk) */
    MirrorOp ops[MIRROR_MAX_OPS];
    GThreadPool *pool;        /* runs ops[1..] while the step runs ops[0] */
    GMutex op_lock;
    GCond op_cond;
    unsigned ops_pending;
};

/* Copy [off, off+bytes) from source to target through @buf (@bytes fits). */
static int copy_range(Mirror *m, uint64_t off, uint64_t bytes, uint8_t *buf, bool *is_read)
{
    uint64_t done = 0;
    while (done < bytes) {
        uint64_t pnum = bytes - done;
        int alloc = 1;
        if (!m->commit) {
            alloc = block_node_is_allocated_above(m->src, NULL, off + done, bytes - done,
                                                  &pnum);
            if (alloc < 0) {
                *is_read = true;
                return alloc;
            }
        }
        int ret;
        if (!alloc) {
            /* Reads as zeros in the whole chain. */
            ret = m->tgt_zeroed ? 0 : block_node_pwrite_zeroes(m->tgt, off + done, pnum, false);
        } else if (block_node_copy_range(m->src, off + done, m->tgt, off + done, pnum) >= 0) {
            ret = 0; /* the kernel copied it (copy_file_range) */
        } else {
            /* Not offloadable (or it failed: the plain copy says which side). */
            ret = block_node_pread(m->src, off + done, pnum, buf);
            if (ret < 0) {
                *is_read = true;
                return ret;
            }
            ret = block_node_pwrite(m->tgt, off + done, pnum, buf, BLOCK_WRITE_NO_NOTIFY);
        }
        if (ret < 0) {
            *is_read = false;
            return ret;
        }
        done += pnum;
    }
    return 0;
}

static void on_write(BlockWriteNotifier *n, BlockNode *bs, uint64_t off, uint64_t bytes,
                     int ret)
{
    Mirror *m = n->opaque;
    GranuleMap *map = &m->map;
    g_mutex_lock(&map->lock);
    if (!m->write_blocking || ret < 0 || !bytes ||
        granule_map_any_locked(map, off, bytes, G_COPYING)) {
        /* The job copies it (again: a copy in flight may have read the old data). */
        granule_map_set_locked(map, off, bytes, G_DIRTY);
        g_mutex_unlock(&map->lock);
        return;
    }
    /* write-blocking: the guest's request completes once the target has it. */
    uint64_t lo = off / map->gran * map->gran;
    uint64_t hi = MIN((off + bytes + map->gran - 1) / map->gran * map->gran, map->length);
    granule_map_set_locked(map, lo, hi - lo, G_COPYING);
    g_mutex_unlock(&map->lock);
    g_autofree uint8_t *buf = g_malloc(hi - lo);
    bool is_read;
    int r = copy_range(m, lo, hi - lo, buf, &is_read);
    g_mutex_lock(&map->lock);
    granule_map_settle_locked(map, lo, hi - lo, G_COPYING, r < 0 ? G_DIRTY : G_CLEAN);
    g_mutex_unlock(&map->lock);
}

/* First step: fill the dirty map from the sync mode and the allocation. */
static int init_map(Job *job, Mirror *m)
{
    BlockNode *base = NULL;
    if (m->commit) {
        base = m->tgt;
    } else if (m->sync == SYNC_TOP) {
        base = m->src->backing ? m->src->backing->node : NULL;
    }
    if (m->sync == SYNC_NONE && !m->commit) {
        return 0;
    }
    for (uint64_t off = 0; off < m->map.length;) {
        uint64_t pnum = 0;
        int ret = m->sync == SYNC_FULL && !m->commit
                  ? 1 : block_node_is_allocated_above(m->src, base, off, m->map.length - off,
                                                      &pnum);
        if (m->sync == SYNC_FULL && !m->commit) {
            pnum = m->map.length - off;
        }
        if (ret < 0) {
            job->err_is_read = true;
            return ret;
        }
        if (ret) {
            g_mutex_lock(&m->map.lock);
            granule_map_set_locked(&m->map, off, pnum, G_DIRTY);
            g_mutex_unlock(&m->map.lock);
        }
        off += pnum;
    }
    return 0;
}

static void run_op(MirrorOp *op)
{
    op->ret = copy_range(op->m, op->off, op->bytes, op->buf, &op->is_read);
}

static void pool_worker(gpointer data, gpointer user)
{
    MirrorOp *op = data;
    Mirror *m = op->m;
    run_op(op);
    g_mutex_lock(&m->op_lock);
    if (--m->ops_pending == 0) {
        g_cond_signal(&m->op_cond);
    }
    g_mutex_unlock(&m->op_lock);
}

/* Up to @nops runs of dirty data of at most @max bytes each, copied at the
 * same time; JOB_STEP_DONE when none is left. */
static int mirror_copy_once(Job *job, Mirror *m, unsigned nops, uint64_t max)
{
    unsigned n = 0;
    g_mutex_lock(&m->map.lock);
    bool wrapped = false;
    while (n < nops) {
        uint64_t off, bytes;
        bool found = granule_map_next_run_locked(&m->map, m->cursor, G_DIRTY, max, &off, &bytes);
        if (!found && m->cursor && !wrapped) {
            m->cursor = 0;
            wrapped = true;
            continue;
        }
        if (!found) {
            break;
        }
        granule_map_set_locked(&m->map, off, bytes, G_COPYING);
        m->ops[n] = (MirrorOp){ .m = m, .off = off, .bytes = bytes, .buf = m->ops[n].buf };
        m->cursor = off + bytes;
        n++;
    }
    g_mutex_unlock(&m->map.lock);
    if (!n) {
        job_progress_set_total(job, __atomic_load_n(&job->progress_current, __ATOMIC_RELAXED));
        return JOB_STEP_DONE;
    }
    m->ops_pending = n - 1;
    for (unsigned i = 1; i < n; i++) {
        g_thread_pool_push(m->pool, &m->ops[i], NULL);
    }
    run_op(&m->ops[0]);
    g_mutex_lock(&m->op_lock);
    while (m->ops_pending) {
        g_cond_wait(&m->op_cond, &m->op_lock);
    }
    g_mutex_unlock(&m->op_lock);
    int ret = 0;
    int64_t copied = 0;
    g_mutex_lock(&m->map.lock);
    for (unsigned i = 0; i < n; i++) {
        MirrorOp *op = &m->ops[i];
        granule_map_settle_locked(&m->map, op->off, op->bytes, G_COPYING,
                                  op->ret < 0 ? G_DIRTY : G_CLEAN);
        if (op->ret < 0 && ret >= 0) {
            ret = op->ret;
            job->err_is_read = op->is_read;
        } else if (op->ret >= 0) {
            copied += (int64_t)op->bytes;
        }
    }
    uint64_t left = m->map.count * m->map.gran;
    g_mutex_unlock(&m->map.lock);
    job_progress_update(job, copied);
    job_progress_set_total(job, __atomic_load_n(&job->progress_current, __ATOMIC_RELAXED) +
                                (int64_t)left);
    return ret < 0 ? ret : JOB_STEP_MORE;
}

static uint64_t chunk_size(Job *job, Mirror *m)
{
    uint64_t c = m->chunk;
    if (job->speed) {
        c = MIN(c, MAX(job->speed / 4, m->map.gran));
    }
    return c;
}

static int mirror_step(Job *job)
{
    Mirror *m = job->opaque;
    if (!m->initialized) {
        int ret = init_map(job, m);
        if (ret < 0) {
            return ret;
        }
        m->initialized = true;
        job_progress_set_total(job, (int64_t)(m->map.count * m->map.gran));
        return JOB_STEP_MORE;
    }
    if (job->speed) {
        return mirror_copy_once(job, m, 1, chunk_size(job, m));
    }
    /* Unlimited: several chunks per step, but a step stays short (pause and
     * cancel act between steps). */
    int64_t until = g_get_monotonic_time() + MIRROR_STEP_US;
    int ret;
    do {
        ret = mirror_copy_once(job, m, m->max_ops, m->chunk);
    } while (ret == JOB_STEP_MORE && g_get_monotonic_time() < until);
    return ret;
}

static void drop_holds(Mirror *m)
{
    if (m->hold_src) {
        blk_unref(m->hold_src);
        m->hold_src = NULL;
    }
    if (m->hold_tgt) {
        blk_unref(m->hold_tgt);
        m->hold_tgt = NULL;
    }
}

/* Main loop, on complete: catch up with the guest stopped at the device
 * lock, then move the source's users onto the target. */
static bool mirror_prepare(Job *job, GError **errp)
{
    Mirror *m = job->opaque;
    if (job->cancelled) {
        return true; /* a READY job cancelled softly: no pivot */
    }
    block_graph_drain(m->graph);
    int ret;
    while ((ret = mirror_copy_once(job, m, m->max_ops, m->chunk)) == JOB_STEP_MORE) {
    }
    if (ret < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "Could not copy the last changes: %s",
                    g_strerror(-ret));
        return false;
    }
    ret = block_node_flush(m->tgt);
    if (ret < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "Could not flush the target: %s",
                    g_strerror(-ret));
        return false;
    }
    block_node_remove_write_notifier(m->src, &m->notifier);
    m->notifier_on = false;
    /* Keep the target alive while the chain changes under it. */
    BlockBackend *keep = block_job_hold(m->graph, m->tgt, 0, BLK_PERM_ALL, errp);
    if (!keep) {
        return false;
    }
    drop_holds(m);
    if (m->commit) {
        BlockNode *above = block_chain_overlay_of(m->src, m->tgt);
        if (above && !block_node_set_backing(above, NULL, false, errp)) {
            blk_unref(keep);
            return false;
        }
    }
    bool ok;
    if (m->filter) {
        /* The filter's users go to the target; the filter (and the source,
         * if nothing else holds it) goes. */
        block_child_set_perm(m->filter->file, 0, BLK_PERM_ALL, NULL);
        ok = block_node_replace(m->filter, m->tgt, errp);
        if (ok) {
            BlockNode *f = g_steal_pointer(&m->filter);
            block_node_free_if_unused(f);
        }
    } else {
        ok = block_node_replace(m->src, m->tgt, errp);
    }
    if (ok) {
        m->tgt_was_read_only = false; /* it is the active layer now */
        g_clear_pointer(&m->created, g_free);
    }
    blk_unref(keep);
    if (ok && m->filter == NULL && !g_ptr_array_find(m->graph->nodes, m->src, NULL)) {
        return true; /* the source went with the filter */
    }
    block_node_free_if_unused(m->src);
    return ok;
}

static void mirror_clean(Job *job)
{
    Mirror *m = job->opaque;
    if (m->notifier_on) {
        block_graph_drain(m->graph);
        block_node_remove_write_notifier(m->src, &m->notifier);
        m->notifier_on = false;
    }
    if (m->filter) {
        block_job_filter_remove(g_steal_pointer(&m->filter), m->src);
    }
    drop_holds(m);
    if (m->commit && m->tgt_was_read_only && g_ptr_array_find(m->graph->nodes, m->tgt, NULL)) {
        m->tgt->read_only = true;
        block_commit_base_restore(m->graph, m->tgt, m->base_reopened);
    }
}

static void mirror_abort(Job *job)
{
    Mirror *m = job->opaque;
    mirror_clean(job);
    if (m->created && !m->started) {
        /* A transaction undone: the image we made goes again. */
        unlink(m->created);
    }
}

static void mirror_free_state(Mirror *m)
{
    if (m->pool) {
        g_thread_pool_free(m->pool, false, true);
    }
    for (unsigned i = 0; i < MIRROR_MAX_OPS; i++) {
        g_free(m->ops[i].buf);
    }
    g_mutex_clear(&m->op_lock);
    g_cond_clear(&m->op_cond);
    granule_map_destroy(&m->map);
    g_free(m->created);
    g_free(m);
}

static void mirror_free(Job *job)
{
    Mirror *m = job->opaque;
    mirror_free_state(m);
}

static const JobDriver mirror_driver = {
    .type = "mirror",
    .needs_complete = true,
    .step = mirror_step,
    .prepare = mirror_prepare,
    .abort = mirror_abort,
    .clean = mirror_clean,
    .free = mirror_free,
};

static const JobDriver commit_active_driver = {
    .type = "commit",
    .needs_complete = true,
    .step = mirror_step,
    .prepare = mirror_prepare,
    .abort = mirror_abort,
    .clean = mirror_clean,
    .free = mirror_free,
};

/* buf-size and copy-mode (blockdev-mirror, drive-mirror). */
static bool mirror_opts_check(JsonObject *args, GError **errp)
{
    if (qmp_arg_int(args, "buf-size", 0) < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Invalid parameter 'buf-size'");
        return false;
    }
    const char *mode = qmp_arg_str(args, "copy-mode", "background");
    if (strcmp(mode, "background") && strcmp(mode, "write-blocking")) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Parameter 'copy-mode' does not accept value '%s'", mode);
        return false;
    }
    return true;
}

static bool granularity_arg(JsonObject *args, uint64_t *gran, GError **errp)
{
    int64_t g = qmp_arg_int(args, "granularity", MIRROR_DEFAULT_GRAN);
    if (g < 512 || g > 64 * 1024 * 1024 || (g & (g - 1))) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Granularity must be a power of 2 between 512 and 64M");
        return false;
    }
    *gran = (uint64_t)g;
    return true;
}

/* Commit writes into @base: a base whose file was opened read-only (a
 * backing file of a -drive chain) is reopened read-write for the job
 * (*reopened says so; block_commit_base_restore puts it back). */
bool block_commit_base_writable(BlockNode *base, bool *reopened, GError **errp)
{
    *reopened = false;
    if (!base->file || !base->file->node->read_only) {
        return true;
    }
    BlockNode *f = base->file->node;
    if (!f->drv->reopen) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_PERM,
                    "Block node '%s' (%s) was opened read-only and cannot be written",
                    base->node_name, block_node_name_for_messages(f));
        return false;
    }
    if (!f->drv->reopen(f, false, errp)) {
        return false;
    }
    *reopened = true;
    return true;
}

void block_commit_base_restore(BlockGraph *g, BlockNode *base, bool reopened)
{
    if (!reopened || !g_ptr_array_find(g->nodes, base, NULL) || !base->file) {
        return;
    }
    BlockNode *f = base->file->node;
    block_node_flush(base);
    g_autoptr(GError) err = NULL;
    if (!f->drv->reopen(f, true, &err)) {
        log_mask(LOG_GUEST_ERROR, "block-commit: %s stays read-write: %s\n",
                 block_node_name_for_messages(f), err->message);
    }
}

Job *block_mirror_create(BlockGraph *g, const char *id, BlockNode *src, BlockNode *tgt,
                         bool commit, int sync, uint64_t gran, JsonObject *args,
                         GError **errp)
{
    BlockNode *nodes[] = { src, tgt };
    if (job_node_is_busy(src, errp) || job_node_is_busy(tgt, errp)) {
        return NULL;
    }
    int64_t len = block_node_length(src);
    if (len < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "Could not get the size of '%s'",
                    src->node_name);
        return NULL;
    }
    /* An active commit's filter is a mirror_top too, as QEMU's. */
    const char *filter_name = qmp_arg_str(args, "filter-node-name", NULL);
    BlockNode *filter = NULL;
    if (filter_name &&
        !(filter = block_job_filter_insert(g, src, filter_name, "mirror_top", errp))) {
        return NULL;
    }
    Mirror *m = g_new0(Mirror, 1);
    m->filter = filter;
    m->graph = g;
    m->src = src;
    m->tgt = tgt;
    m->commit = commit;
    m->sync = sync;
    granule_map_init(&m->map, (uint64_t)len, gran);
    g_mutex_init(&m->op_lock);
    g_cond_init(&m->op_cond);
    /* buf-size bytes in flight, in requests of up to 1 MiB (at least a granule). */
    uint64_t buf_size = (uint64_t)qmp_arg_int(args, "buf-size", 0);
    buf_size = buf_size ? (buf_size + gran - 1) / gran * gran : MIRROR_DEFAULT_BUF;
    m->chunk = MAX(MIN((uint64_t)MIRROR_CHUNK, buf_size), gran);
    m->max_ops = (unsigned)MAX(1, MIN(MIRROR_MAX_OPS, buf_size / m->chunk));
    for (unsigned i = 0; i < m->max_ops; i++) {
        m->ops[i].buf = g_malloc(m->chunk);
    }
    if (m->max_ops > 1) {
        m->pool = g_thread_pool_new(pool_worker, NULL, (int)m->max_ops - 1, false, NULL);
    }
    m->write_blocking = !strcmp(qmp_arg_str(args, "copy-mode", "background"), "write-blocking");
    if (!commit) {
        m->hold_tgt = block_job_hold(g, tgt, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                                     BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED,
                                     errp);
        if (!m->hold_tgt) {
            goto fail;
        }
    }
    m->hold_src = block_job_hold(g, src, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL, errp);
    if (!m->hold_src) {
        goto fail;
    }
    Job *job = job_create(g, id, commit ? &commit_active_driver : &mirror_driver, m, nodes, 2,
                          errp);
    if (!job || (filter && !job_add_node(job, filter, errp))) {
        goto fail;
    }
    block_job_apply_args(job, args);
    if (commit) {
        m->tgt_was_read_only = tgt->read_only;
        tgt->read_only = false;
    }
    m->notifier.after_write = on_write;
    m->notifier.opaque = m;
    block_node_add_write_notifier(src, &m->notifier);
    m->notifier_on = true;
    return job;
fail:
    drop_holds(m);
    if (m->filter) {
        block_job_filter_remove(m->filter, src);
    }
    mirror_free_state(m);
    return NULL;
}

void block_mirror_set_base_reopened(Job *job, bool reopened)
{
    ((Mirror *)job->opaque)->base_reopened = reopened;
}

static int sync_arg(JsonObject *args, GError **errp)
{
    const char *s = qmp_arg_str(args, "sync", "");
    static const char *const names[] = { [SYNC_FULL] = "full", [SYNC_TOP] = "top",
                                         [SYNC_NONE] = "none" };
    for (int i = 0; i < 3; i++) {
        if (!strcmp(s, names[i])) {
            return i;
        }
    }
    g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                "Parameter 'sync' does not accept value '%s'", s);
    return -1;
}

typedef struct MirrorAction {
    Job *job;
} MirrorAction;

static void action_commit(void *opaque)
{
    Job *job = opaque;
    ((Mirror *)job->opaque)->started = true;
    job_start(job);
}

static void action_abort(void *opaque)
{
    Job *job = opaque;
    job_user_cancel(job, true, NULL);
}

bool block_mirror_prepare(BlockGraph *g, JsonObject *args, bool drive, BlockAction *a,
                          GError **errp)
{
    const char *device = qmp_arg_str(args, "device", "");
    int sync = sync_arg(args, errp);
    uint64_t gran;
    if (sync < 0 || !granularity_arg(args, &gran, errp) || !mirror_opts_check(args, errp) ||
        !block_job_args_check(args, errp)) {
        return false;
    }
    BlockNode *src = block_find_node_or_drive(g, device, errp);
    if (!src) {
        return false;
    }
    if (job_node_is_busy(src, errp)) {
        return false;
    }
    const char *id = block_job_id_arg(args, device);
    if (job_find(g, id)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Job ID '%s' already in use", id);
        return false;
    }
    BlockNode *tgt;
    g_autofree char *created = NULL;
    if (drive) {
        const char *path = qmp_arg_str(args, "target", "");
        const char *fmt = qmp_arg_str(args, "format", src->drv->is_format ? src->drv->name
                                                                           : "raw");
        const char *mode = qmp_arg_str(args, "mode", "absolute-paths");
        if (strcmp(mode, "absolute-paths") && strcmp(mode, "existing")) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Parameter 'mode' does not accept value '%s'", mode);
            return false;
        }
        const char *nn = qmp_arg_str(args, "node-name", NULL);
        if (nn && block_node_find(g, nn)) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Duplicate nodes with node-name='%s'", nn);
            return false;
        }
        BlockNode *backing = sync == SYNC_FULL || !src->backing ? NULL : src->backing->node;
        if (!strcmp(mode, "absolute-paths")) {
            const char *sf = block_node_file_name(src);
            g_autofree char *a1 = sf ? realpath(sf, NULL) : NULL;
            g_autofree char *a2 = realpath(path, NULL);
            if (a1 && a2 && !strcmp(a1, a2)) {
                g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                            "The target '%s' is the source image itself", path);
                return false;
            }
            if (!block_create_image(g, path, fmt, (uint64_t)MAX(block_node_length(src), 0),
                                    backing, errp)) {
                return false;
            }
            created = g_strdup(path);
        }
        tgt = block_open_image(g, path, fmt, nn, false, errp);
        if (!tgt) {
            if (created) {
                unlink(created);
            }
            return false;
        }
    } else {
        tgt = block_find_node(g, qmp_arg_str(args, "target", ""), errp);
        if (!tgt) {
            return false;
        }
        if (tgt == src) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Can't mirror node into itself");
            return false;
        }
        if (block_chain_contains(src, tgt)) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Target '%s' is in the source's backing chain", tgt->node_name);
            return false;
        }
    }
    int64_t sl = block_node_length(src), tl = block_node_length(tgt);
    Job *job = NULL;
    if (sl != tl) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Source and target image have different sizes");
    } else {
        job = block_mirror_create(g, id, src, tgt, false, sync, gran, args, errp);
    }
    if (!job) {
        if (drive) {
            block_node_free_if_unused(tgt);
            if (created) {
                unlink(created);
            }
        }
        return false;
    }
    Mirror *m = job->opaque;
    m->tgt_zeroed = created != NULL;
    m->created = g_steal_pointer(&created);
    a->state = job;
    a->commit = action_commit;
    a->abort = action_abort;
    return true;
}

static JsonNode *run_single(bool ok, BlockAction *a)
{
    if (!ok) {
        return NULL;
    }
    a->commit(a->state);
    return qmp_empty_return();
}

JsonNode *block_qmp_blockdev_mirror(BlockGraph *g, JsonObject *args, GError **errp)
{
    BlockAction a = { 0 };
    return run_single(block_mirror_prepare(g, args, false, &a, errp), &a);
}

JsonNode *block_qmp_drive_mirror(BlockGraph *g, JsonObject *args, GError **errp)
{
    BlockAction a = { 0 };
    return run_single(block_mirror_prepare(g, args, true, &a, errp), &a);
}
