/* SPDX-License-Identifier: MIT */
/*
 * The job framework: QEMU's job state machine, verbs, error policies,
 * speed limits and events, with the work done in bounded steps on a
 * worker pool (see block/job.h).  Everything here but the worker runs in
 * the main loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "block-int.h"
#include "block/job.h"
#include "kernel/runstate.h"
#include "monitor/monitor-internal.h"

#define JOB_WORKERS 4
#define JOB_POLL_MS 50          /* a READY job looks for new dirty data this often */
#define JOB_IGNORE_RETRY_MS 100 /* on-*-error=ignore: retry after */

static const char *const status_names[JOB_STATUS__MAX] = {
    [JOB_STATUS_UNDEFINED] = "undefined", [JOB_STATUS_CREATED] = "created",
    [JOB_STATUS_RUNNING] = "running",     [JOB_STATUS_PAUSED] = "paused",
    [JOB_STATUS_READY] = "ready",         [JOB_STATUS_STANDBY] = "standby",
    [JOB_STATUS_WAITING] = "waiting",     [JOB_STATUS_PENDING] = "pending",
    [JOB_STATUS_ABORTING] = "aborting",   [JOB_STATUS_CONCLUDED] = "concluded",
    [JOB_STATUS_NULL] = "null",
};

static const char *const verb_names[JOB_VERB__MAX] = {
    [JOB_VERB_CANCEL] = "cancel",       [JOB_VERB_PAUSE] = "pause",
    [JOB_VERB_RESUME] = "resume",       [JOB_VERB_SET_SPEED] = "set-speed",
    [JOB_VERB_COMPLETE] = "complete",   [JOB_VERB_FINALIZE] = "finalize",
    [JOB_VERB_DISMISS] = "dismiss",
};

#define S(x) (1u << JOB_STATUS_##x)
/* Where each state may go. */
static const uint32_t transitions[JOB_STATUS__MAX] = {
    [JOB_STATUS_UNDEFINED] = S(CREATED),
    [JOB_STATUS_CREATED] = S(RUNNING) | S(ABORTING) | S(NULL),
    [JOB_STATUS_RUNNING] = S(PAUSED) | S(READY) | S(WAITING) | S(ABORTING),
    [JOB_STATUS_PAUSED] = S(RUNNING) | S(ABORTING),
    [JOB_STATUS_READY] = S(STANDBY) | S(WAITING) | S(ABORTING),
    [JOB_STATUS_STANDBY] = S(READY) | S(ABORTING),
    [JOB_STATUS_WAITING] = S(PENDING) | S(ABORTING),
    [JOB_STATUS_PENDING] = S(CONCLUDED) | S(ABORTING),
    [JOB_STATUS_ABORTING] = S(CONCLUDED) | S(ABORTING),
    [JOB_STATUS_CONCLUDED] = S(NULL),
    [JOB_STATUS_NULL] = 0,
};

/* The states in which each verb is accepted. */
static const uint32_t verbs[JOB_VERB__MAX] = {
    [JOB_VERB_CANCEL] = S(CREATED) | S(RUNNING) | S(PAUSED) | S(READY) | S(STANDBY) |
                        S(WAITING) | S(PENDING),
    [JOB_VERB_PAUSE] = S(CREATED) | S(RUNNING) | S(PAUSED) | S(READY) | S(STANDBY),
    [JOB_VERB_RESUME] = S(CREATED) | S(RUNNING) | S(PAUSED) | S(READY) | S(STANDBY),
    [JOB_VERB_SET_SPEED] = S(CREATED) | S(RUNNING) | S(PAUSED) | S(READY) | S(STANDBY),
    [JOB_VERB_COMPLETE] = S(READY),
    [JOB_VERB_FINALIZE] = S(PENDING),
    [JOB_VERB_DISMISS] = S(CONCLUDED),
};
#undef S

static const char *const policy_names[] = {
    [JOB_ERROR_REPORT] = "report", [JOB_ERROR_IGNORE] = "ignore",
    [JOB_ERROR_ENOSPC] = "enospc", [JOB_ERROR_STOP] = "stop", [JOB_ERROR_AUTO] = "auto",
};

const char *job_status_name(JobStatus s)
{
    return s < JOB_STATUS__MAX ? status_names[s] : "undefined";
}

const char *job_verb_name(JobVerb v)
{
    return v < JOB_VERB__MAX ? verb_names[v] : "?";
}

bool job_transition_allowed(JobStatus from, JobStatus to)
{
    return from < JOB_STATUS__MAX && to < JOB_STATUS__MAX && (transitions[from] & (1u << to));
}

bool job_verb_allowed(JobStatus s, JobVerb v)
{
    return s < JOB_STATUS__MAX && v < JOB_VERB__MAX && (verbs[v] & (1u << s));
}

int job_error_policy_parse(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(policy_names); i++) {
        if (!strcmp(name, policy_names[i])) {
            return (int)i;
        }
    }
    return -1;
}

GPtrArray *block_graph_jobs(BlockGraph *g)
{
    return g->jobs;
}

/* ---- events and states ------------------------------------------------------ */

static void set_status(Job *job, JobStatus s)
{
    g_assert(job_transition_allowed(job->status, s));
    job->status = s;
    JsonObject *d = json_object_new();
    json_object_set_string_member(d, "id", job->id);
    json_object_set_string_member(d, "status", job_status_name(s));
    qmp_event_emit("JOB_STATUS_CHANGE", d);
}

static JsonObject *block_event_data(Job *job)
{
    JsonObject *d = json_object_new();
    json_object_set_string_member(d, "type", job->drv->type);
    json_object_set_string_member(d, "device", job->id);
    json_object_set_int_member(d, "len", __atomic_load_n(&job->progress_total, __ATOMIC_RELAXED));
    json_object_set_int_member(d, "offset",
                               __atomic_load_n(&job->progress_current, __ATOMIC_RELAXED));
    json_object_set_int_member(d, "speed", (int64_t)job->speed);
    return d;
}

static bool verb_check(Job *job, JobVerb v, GError **errp)
{
    if (job_verb_allowed(job->status, v)) {
        return true;
    }
    g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                "Job '%s' in state '%s' cannot accept command verb '%s'", job->id,
                job_status_name(job->status), job_verb_name(v));
    return false;
}

/* ---- nodes --------------------------------------------------------------------- */

bool job_node_is_busy(BlockNode *bs, GError **errp)
{
    if (!bs->job_id) {
        return false;
    }
    Job *other = job_find(bs->graph, bs->job_id);
    g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IN_USE,
                "Node '%s' is busy: block device is in use by block job: %s", bs->node_name,
                other ? other->drv->type : "?");
    return true;
}

bool job_add_node(Job *job, BlockNode *bs, GError **errp)
{
    if (bs->job_id && !strcmp(bs->job_id, job->id)) {
        return true;
    }
    if (job_node_is_busy(bs, errp)) {
        return false;
    }
    bs->job_id = g_strdup(job->id);
    g_ptr_array_add(job->nodes, bs);
    return true;
}

static void release_nodes(Job *job)
{
    for (guint i = 0; i < job->nodes->len; i++) {
        BlockNode *bs = g_ptr_array_index(job->nodes, i);
        /* The node may have gone with the job's graph changes: check it is still there. */
        if (g_ptr_array_find(job->graph->nodes, bs, NULL) && bs->job_id &&
            !strcmp(bs->job_id, job->id)) {
            g_clear_pointer(&bs->job_id, g_free);
        }
    }
    g_ptr_array_set_size(job->nodes, 0);
}

/* ---- life cycle ------------------------------------------------------------------ */

Job *job_find(BlockGraph *g, const char *id)
{
    for (guint i = 0; i < g->jobs->len; i++) {
        Job *job = g_ptr_array_index(g->jobs, i);
        if (!strcmp(job->id, id)) {
            return job;
        }
    }
    return NULL;
}

static void job_ref(Job *job)
{
    job->refcnt++;
}

static void job_unref(Job *job)
{
    if (--job->refcnt) {
        return;
    }
    if (job->drv->free) {
        job->drv->free(job);
    }
    g_ptr_array_unref(job->nodes);
    g_free(job->id);
    g_free(job->error);
    g_free(job);
}

Job *job_create(BlockGraph *g, const char *id, const JobDriver *drv, void *opaque,
                BlockNode *const *nodes, int n_nodes, GError **errp)
{
    if (!id || !*id) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Job ID must not be empty");
        return NULL;
    }
    if (!block_node_name_valid(id)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Invalid job ID '%s'", id);
        return NULL;
    }
    if (job_find(g, id)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Job ID '%s' already in use", id);
        return NULL;
    }
    for (int i = 0; i < n_nodes; i++) {
        if (job_node_is_busy(nodes[i], errp)) {
            return NULL;
        }
    }
    Job *job = g_new0(Job, 1);
    job->graph = g;
    job->id = g_strdup(id);
    job->drv = drv;
    job->opaque = opaque;
    job->auto_finalize = job->auto_dismiss = true;
    job->is_block_job = true;
    job->nodes = g_ptr_array_new();
    job->refcnt = 1;
    for (int i = 0; i < n_nodes; i++) {
        job_add_node(job, nodes[i], NULL);
    }
    g_ptr_array_add(g->jobs, job);
    set_status(job, JOB_STATUS_CREATED);
    return job;
}

static void dismiss(Job *job)
{
    set_status(job, JOB_STATUS_NULL);
    g_ptr_array_remove(job->graph->jobs, job);
    job_unref(job);
}

/* The end, success or not: commit/abort, clean, event, concluded. */
static void conclude(Job *job)
{
    bool cancelled = job->cancelled;
    if (job->ret < 0) {
        if (job->status != JOB_STATUS_ABORTING) {
            set_status(job, JOB_STATUS_ABORTING);
        }
        if (job->drv->abort) {
            job->drv->abort(job);
        }
    } else if (job->drv->commit) {
        job->drv->commit(job);
    }
    if (job->drv->clean) {
        job->drv->clean(job);
    }
    release_nodes(job);
    if (job->is_block_job) {
        JsonObject *d = block_event_data(job);
        /* A READY job cancelled without force ends well: its copy is consistent. */
        if (cancelled && (job->ret == -ECANCELED || job->ret >= 0)) {
            qmp_event_emit("BLOCK_JOB_CANCELLED", d);
        } else {
            if (job->ret < 0) {
                json_object_set_string_member(d, "error",
                                              job->error ? job->error : g_strerror(-job->ret));
            }
            qmp_event_emit("BLOCK_JOB_COMPLETED", d);
        }
    }
    set_status(job, JOB_STATUS_CONCLUDED);
    if (job->auto_dismiss) {
        dismiss(job);
    }
}

static void finalize(Job *job)
{
    GError *err = NULL;
    if (job->ret >= 0 && job->drv->prepare && !job->drv->prepare(job, &err)) {
        job->ret = -EIO;
        job->error = g_strdup(err->message);
        g_error_free(err);
    }
    conclude(job);
}

static void succeed(Job *job)
{
    job->ret = 0;
    set_status(job, JOB_STATUS_WAITING);
    set_status(job, JOB_STATUS_PENDING);
    if (job->auto_finalize) {
        finalize(job);
    }
}

static void fail(Job *job, int ret, const char *error)
{
    job->ret = ret;
    if (error && !job->error) {
        job->error = g_strdup(error);
    }
    set_status(job, JOB_STATUS_ABORTING);
    conclude(job);
}

void job_fail(Job *job, int ret, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fail(job, ret, msg);
}

void job_finish_sync(Job *job, const char *error)
{
    set_status(job, JOB_STATUS_RUNNING);
    if (error) {
        fail(job, -EIO, error);
    } else {
        succeed(job);
    }
}

/* ---- running steps ----------------------------------------------------------------- */

typedef struct StepDone {
    Job *job;
    int ret;
} StepDone;

static void schedule(Job *job);

static void clear_delay(Job *job)
{
    if (job->delay) {
        g_source_destroy(job->delay);
        g_source_unref(job->delay);
        job->delay = NULL;
    }
}

static gboolean delay_done(gpointer opaque)
{
    Job *job = opaque;
    g_source_unref(job->delay);
    job->delay = NULL;
    schedule(job);
    return G_SOURCE_REMOVE;
}

static void delay(Job *job, unsigned ms)
{
    clear_delay(job);
    job->delay = g_timeout_source_new(ms);
    g_source_set_callback(job->delay, delay_done, job, NULL);
    g_source_attach(job->delay, main_loop_context());
}

static bool is_active(const Job *job)
{
    return job->status == JOB_STATUS_RUNNING || job->status == JOB_STATUS_READY;
}

static bool is_paused_state(const Job *job)
{
    return job->status == JOB_STATUS_PAUSED || job->status == JOB_STATUS_STANDBY;
}

/* Cancel takes effect between steps. */
static bool handle_cancel(Job *job)
{
    if (!job->cancelled || job->step_in_flight) {
        return false;
    }
    clear_delay(job);
    bool ready = job->status == JOB_STATUS_READY || job->status == JOB_STATUS_STANDBY;
    if (ready && !job->force_cancel) {
        /* Leave the copy as it is (consistent at this point) and end well. */
        if (job->status == JOB_STATUS_STANDBY) {
            set_status(job, JOB_STATUS_READY);
        }
        job->ret = 0;
        set_status(job, JOB_STATUS_WAITING);
        set_status(job, JOB_STATUS_PENDING);
        if (job->auto_finalize) {
            conclude(job); /* no prepare: no pivot */
        }
        return true;
    }
    fail(job, -ECANCELED, NULL);
    return true;
}

static gboolean step_done(gpointer opaque)
{
    StepDone *sd = opaque;
    Job *job = sd->job;
    int ret = sd->ret;
    g_free(sd);
    job->step_in_flight = false;
    if (job->status == JOB_STATUS_NULL || job->status == JOB_STATUS_CONCLUDED) {
        job_unref(job);
        return G_SOURCE_REMOVE;
    }
    if (handle_cancel(job)) {
        job_unref(job);
        return G_SOURCE_REMOVE;
    }
    if (ret < 0) {
        JobErrorPolicy p = job->err_is_read ? job->on_source_error : job->on_target_error;
        if (p == JOB_ERROR_ENOSPC) {
            p = ret == -ENOSPC ? JOB_ERROR_STOP : JOB_ERROR_REPORT;
        }
        if (p == JOB_ERROR_AUTO) {
            p = JOB_ERROR_REPORT;
        }
        if (job->is_block_job) {
            JsonObject *d = json_object_new();
            json_object_set_string_member(d, "device", job->id);
            json_object_set_string_member(d, "operation", job->err_is_read ? "read" : "write");
            json_object_set_string_member(d, "action", p == JOB_ERROR_STOP ? "stop"
                                          : p == JOB_ERROR_IGNORE ? "ignore" : "report");
            qmp_event_emit("BLOCK_JOB_ERROR", d);
        }
        if (p == JOB_ERROR_STOP) {
            job->io_failed = true;
            job->io_nospace = ret == -ENOSPC;
            if (!job->user_paused) {
                job->user_paused = true;
                job->pause_count++;
            }
            schedule(job); /* goes to paused */
        } else if (p == JOB_ERROR_IGNORE) {
            delay(job, JOB_IGNORE_RETRY_MS);
        } else {
            job_fail(job, ret, "%s", g_strerror(-ret));
        }
        job_unref(job);
        return G_SOURCE_REMOVE;
    }
    if (ret == JOB_STEP_DONE) {
        if (!job->drv->needs_complete) {
            succeed(job);
        } else {
            if (job->status == JOB_STATUS_RUNNING) {
                set_status(job, JOB_STATUS_READY);
                qmp_event_emit("BLOCK_JOB_READY", block_event_data(job));
            }
            if (job->completing && job->status == JOB_STATUS_READY) {
                succeed(job);
            } else {
                delay(job, JOB_POLL_MS);
            }
        }
        job_unref(job);
        return G_SOURCE_REMOVE;
    }
    /* Speed limit: the next step waits until the bytes just copied are paid for. */
    int64_t now = g_get_monotonic_time();
    if (job->speed && job->step_bytes > 0) {
        int64_t base = MAX(now, job->next_step_us);
        job->next_step_us = base + (int64_t)(job->step_bytes * 1000000.0 / job->speed);
    }
    schedule(job);
    job_unref(job);
    return G_SOURCE_REMOVE;
}

static void worker(gpointer data, gpointer user_data)
{
    Job *job = data;
    int64_t before = __atomic_load_n(&job->progress_current, __ATOMIC_RELAXED);
    int ret = job->drv->step(job);
    job->step_bytes = __atomic_load_n(&job->progress_current, __ATOMIC_RELAXED) - before;
    StepDone *sd = g_new(StepDone, 1);
    sd->job = job;
    sd->ret = ret;
    /* Always through a source on the main loop (never g_main_context_invoke,
     * which runs the callback right here, on this worker, when the main
     * context is free at that instant: the job's state would then change
     * outside the main loop, and a main loop about to block would not be
     * woken). */
    GSource *src = g_idle_source_new();
    /* Default priority: an idle-priority source waits while a running
     * guest keeps the main loop busy, and the job crawls. */
    g_source_set_priority(src, G_PRIORITY_DEFAULT);
    g_source_set_callback(src, step_done, sd, NULL);
    g_source_attach(src, main_loop_context());
    g_source_unref(src);
}

static void schedule(Job *job)
{
    if (job->step_in_flight || job->delay) {
        return;
    }
    if (handle_cancel(job)) {
        return;
    }
    if (job->pause_count > 0) {
        if (job->status == JOB_STATUS_RUNNING) {
            set_status(job, JOB_STATUS_PAUSED);
        } else if (job->status == JOB_STATUS_READY) {
            set_status(job, JOB_STATUS_STANDBY);
        }
        return;
    }
    if (job->status == JOB_STATUS_PAUSED) {
        set_status(job, JOB_STATUS_RUNNING);
    } else if (job->status == JOB_STATUS_STANDBY) {
        set_status(job, JOB_STATUS_READY);
    }
    if (!is_active(job)) {
        return;
    }
    int64_t now = g_get_monotonic_time();
    if (job->speed && job->next_step_us > now) {
        delay(job, (unsigned)MAX((job->next_step_us - now + 999) / 1000, 1));
        return;
    }
    job->step_in_flight = true;
    job_ref(job);
    g_thread_pool_push(job->graph->job_pool, job, NULL);
}

void job_start(Job *job)
{
    set_status(job, JOB_STATUS_RUNNING);
    schedule(job);
}

void job_progress_set_total(Job *job, int64_t total)
{
    __atomic_store_n(&job->progress_total, total, __ATOMIC_RELAXED);
}

void job_progress_add_total(Job *job, int64_t n)
{
    __atomic_add_fetch(&job->progress_total, n, __ATOMIC_RELAXED);
}

void job_progress_update(Job *job, int64_t n)
{
    __atomic_add_fetch(&job->progress_current, n, __ATOMIC_RELAXED);
}

/* ---- verbs ------------------------------------------------------------------------------ */

bool job_user_pause(Job *job, GError **errp)
{
    if (!verb_check(job, JOB_VERB_PAUSE, errp)) {
        return false;
    }
    if (job->user_paused) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Job is already paused");
        return false;
    }
    job->user_paused = true;
    job->pause_count++;
    if (job->status != JOB_STATUS_CREATED) {
        schedule(job);
    }
    return true;
}

bool job_user_resume(Job *job, GError **errp)
{
    if (!verb_check(job, JOB_VERB_RESUME, errp)) {
        return false;
    }
    if (!job->user_paused) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Can't resume a job that was not paused");
        return false;
    }
    job->user_paused = false;
    job->pause_count--;
    job->io_failed = job->io_nospace = false;
    job->next_step_us = 0;
    if (job->status != JOB_STATUS_CREATED) {
        schedule(job);
    }
    return true;
}

bool job_user_cancel(Job *job, bool force, GError **errp)
{
    if (!verb_check(job, JOB_VERB_CANCEL, errp)) {
        return false;
    }
    job->cancelled = true;
    job->force_cancel |= force;
    switch (job->status) {
    case JOB_STATUS_CREATED:
    case JOB_STATUS_WAITING:
    case JOB_STATUS_PENDING:
        fail(job, -ECANCELED, NULL);
        break;
    default:
        if (is_paused_state(job) && !job->step_in_flight) {
            /* A paused job is cancelled at once. */
            clear_delay(job);
            if (job->status == JOB_STATUS_STANDBY && !job->force_cancel) {
                handle_cancel(job);
            } else {
                fail(job, -ECANCELED, NULL);
            }
        } else {
            handle_cancel(job);
        }
        break;
    }
    return true;
}

bool job_set_speed(Job *job, int64_t speed, GError **errp)
{
    if (!verb_check(job, JOB_VERB_SET_SPEED, errp)) {
        return false;
    }
    if (speed < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Parameter 'speed' expects a "
                    "non-negative value");
        return false;
    }
    job->speed = (uint64_t)speed;
    job->next_step_us = 0;
    if (job->delay && is_active(job)) {
        clear_delay(job);
        schedule(job);
    }
    return true;
}

bool job_complete(Job *job, GError **errp)
{
    if (!job->drv->needs_complete) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Job '%s' of type '%s' does not support manual completion", job->id,
                    job->drv->type);
        return false;
    }
    if (!verb_check(job, JOB_VERB_COMPLETE, errp)) {
        return false;
    }
    if (job->cancelled) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Job '%s' has been cancelled",
                    job->id);
        return false;
    }
    job->completing = true;
    if (job->drv->complete) {
        job->drv->complete(job);
    }
    if (job->delay) {
        clear_delay(job);
        schedule(job);
    }
    return true;
}

bool job_finalize(Job *job, GError **errp)
{
    if (!verb_check(job, JOB_VERB_FINALIZE, errp)) {
        return false;
    }
    if (job->cancelled && job->ret >= 0) {
        conclude(job);
    } else {
        finalize(job);
    }
    return true;
}

bool job_dismiss(Job *job, GError **errp)
{
    if (!verb_check(job, JOB_VERB_DISMISS, errp)) {
        return false;
    }
    dismiss(job);
    return true;
}

void job_wait(Job *job)
{
    job_ref(job);
    while (job->status != JOB_STATUS_CONCLUDED && job->status != JOB_STATUS_NULL &&
           job->status != JOB_STATUS_PENDING) {
        g_main_context_iteration(main_loop_context(), TRUE);
    }
    job_unref(job);
}

void job_cancel_all_sync(BlockGraph *g)
{
    while (g->jobs->len) {
        Job *job = g_ptr_array_index(g->jobs, 0);
        job_ref(job);
        if (job->status == JOB_STATUS_CONCLUDED) {
            dismiss(job);
        } else {
            job->auto_finalize = job->auto_dismiss = true;
            if (job->status == JOB_STATUS_PENDING) {
                job_finalize(job, NULL);
            } else {
                job_user_cancel(job, true, NULL);
            }
            while (job->step_in_flight) {
                g_main_context_iteration(main_loop_context(), TRUE);
            }
        }
        job_unref(job);
    }
}

/* ---- the graph's job pool ---------------------------------------------------------------- */

void block_jobs_init(BlockGraph *g)
{
    g->jobs = g_ptr_array_new();
    g->job_pool = g_thread_pool_new(worker, g, JOB_WORKERS, false, NULL);
}

void block_jobs_fini(BlockGraph *g)
{
    job_cancel_all_sync(g);
    g_thread_pool_free(g->job_pool, false, true);
    g_ptr_array_unref(g->jobs);
}
