/* SPDX-License-Identifier: MIT */
/*
 * Jobs (part of the block library): long-running operations on the block
 * graph (mirror, commit, stream, backup, blockdev-create) with QEMU's life
 * cycle, commands and events.
 *
 * States (QEMU's JobStatus): created -> running <-> paused; running ->
 * ready <-> standby (jobs that keep a copy in sync: mirror, active
 * commit); running/ready -> waiting -> pending -> concluded -> null on
 * success; any -> aborting -> concluded -> null on failure or cancel.
 * pending waits for job-finalize unless auto-finalize, concluded waits for
 * job-dismiss unless auto-dismiss.  Each change is JOB_STATUS_CHANGE.
 *
 * Work runs in bounded steps: the driver's step() runs on a job worker
 * thread (never in the main loop, never on a vCPU) and returns; the main
 * loop then accounts progress, applies speed limits, pauses, cancels and
 * error policies, and schedules the next step.  A job never holds a lock
 * the guest's requests need between steps, so the guest keeps running.
 */
#ifndef TESSERA_BLOCK_JOB_H
#define TESSERA_BLOCK_JOB_H

#include "block/block.h"

typedef enum {
    JOB_STATUS_UNDEFINED,
    JOB_STATUS_CREATED,
    JOB_STATUS_RUNNING,
    JOB_STATUS_PAUSED,
    JOB_STATUS_READY,
    JOB_STATUS_STANDBY,
    JOB_STATUS_WAITING,
    JOB_STATUS_PENDING,
    JOB_STATUS_ABORTING,
    JOB_STATUS_CONCLUDED,
    JOB_STATUS_NULL,
    JOB_STATUS__MAX,
} JobStatus;

typedef enum {
    JOB_VERB_CANCEL,
    JOB_VERB_PAUSE,
    JOB_VERB_RESUME,
    JOB_VERB_SET_SPEED,
    JOB_VERB_COMPLETE,
    JOB_VERB_FINALIZE,
    JOB_VERB_DISMISS,
    JOB_VERB__MAX,
} JobVerb;

/* on-source-error / on-target-error (BlockdevOnError). */
typedef enum {
    JOB_ERROR_REPORT,
    JOB_ERROR_IGNORE,
    JOB_ERROR_ENOSPC,   /* stop on ENOSPC, report others */
    JOB_ERROR_STOP,
    JOB_ERROR_AUTO,     /* as report */
} JobErrorPolicy;

const char *job_status_name(JobStatus s);
const char *job_verb_name(JobVerb v);
/* Is the transition allowed by the state machine? */
bool job_transition_allowed(JobStatus from, JobStatus to);
/* May a job in @s take @verb? */
bool job_verb_allowed(JobStatus s, JobVerb v);
/* "report", ... -> policy; -1 if unknown. */
int job_error_policy_parse(const char *name);

typedef struct Job Job;

/* What a step returns. */
enum {
    JOB_STEP_MORE = 0,   /* more work to do */
    JOB_STEP_DONE = 1,   /* all copied (a syncing job: in sync now) */
};

typedef struct JobDriver {
    const char *type;              /* "mirror", "commit", "stream", "backup", "create" */
    /* Reaches READY and waits for block-job-complete (mirror, active commit). */
    bool needs_complete;
    /* One bounded piece of work on a worker thread: JOB_STEP_* or -errno;
     * on error set job->err_is_read (source read) for the policy.
     * Progress: job_progress_*(). */
    int (*step)(Job *job);
    /* Main loop, after a successful run (before commit): what may still
     * fail (the pivot of mirror); false turns the job into a failure. */
    bool (*prepare)(Job *job, GError **errp);
    void (*commit)(Job *job);      /* main loop: success */
    void (*abort)(Job *job);       /* main loop: failure or cancel */
    void (*clean)(Job *job);       /* main loop: always, last */
    /* Main loop: block-job-complete was accepted (job is READY). */
    void (*complete)(Job *job);
    void (*free)(Job *job);        /* the driver's state */
} JobDriver;

struct Job {
    BlockGraph *graph;
    char *id;
    const JobDriver *drv;
    void *opaque;                  /* the driver's state */
    JobStatus status;
    bool auto_finalize, auto_dismiss;
    /* Progress (updated by steps; read anywhere). */
    gint64 progress_current, progress_total;
    uint64_t speed;                /* bytes/s, 0: unlimited */
    JobErrorPolicy on_source_error, on_target_error;
    /* Block job view (query-block-jobs, events). */
    bool is_block_job;
    /* Internal. */
    int pause_count;               /* user pauses + error pauses */
    bool user_paused;
    bool cancelled, force_cancel;
    bool completing;               /* block-job-complete accepted */
    bool step_in_flight;
    bool err_is_read;              /* set by a failing step */
    bool io_failed, io_nospace;    /* io-status */
    int ret;                       /* final result (<0: failed) */
    char *error;                   /* final error text */
    GPtrArray *nodes;              /* BlockNode * the job holds (node->job_id) */
    GSource *delay;                /* rate limit / in-sync poll */
    int64_t next_step_us;          /* rate limit: not before (monotonic) */
    int64_t step_bytes;            /* progress of the step just done */
    int64_t refcnt;
};

/* A new job in CREATED, holding @nodes (none may be held by another job:
 * "Node 'X' is busy: block device is in use by block job: TYPE").  @id
 * must be unique among jobs.  Not started yet. */
Job *job_create(BlockGraph *g, const char *id, const JobDriver *drv, void *opaque,
                BlockNode *const *nodes, int n_nodes, GError **errp);
/* created -> running; steps begin in the main loop. */
void job_start(Job *job);
/* Hold one more node (a target added after creation); errp as job_create. */
bool job_add_node(Job *job, BlockNode *bs, GError **errp);
/* Progress (thread-safe). */
void job_progress_set_total(Job *job, int64_t total);
void job_progress_add_total(Job *job, int64_t n);
void job_progress_update(Job *job, int64_t n);
/* The job's own failure outside a step (main loop). */
void job_fail(Job *job, int ret, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Finish a job whose work was done inside the command (blockdev-create):
 * runs the normal completion path now; @error NULL on success. */
void job_finish_sync(Job *job, const char *error);
/* A node the job holds, by driver (unlocked when the job ends). */
bool job_node_is_busy(BlockNode *bs, GError **errp);

/* Lookup and verbs (QEMU's errors and classes). */
Job *job_find(BlockGraph *g, const char *id);
bool job_user_pause(Job *job, GError **errp);
bool job_user_resume(Job *job, GError **errp);
bool job_user_cancel(Job *job, bool force, GError **errp);
bool job_set_speed(Job *job, int64_t speed, GError **errp);
bool job_complete(Job *job, GError **errp);
bool job_finalize(Job *job, GError **errp);
bool job_dismiss(Job *job, GError **errp);
/* Wait in the main loop until @job concludes or goes (tests, quit). */
void job_wait(Job *job);
/* Cancel every job and wait for them (graph teardown). */
void job_cancel_all_sync(BlockGraph *g);

/* The graph's jobs (borrowed). */
GPtrArray *block_graph_jobs(BlockGraph *g);

/* QMP/HMP for jobs (job-qmp.c): NULL with @handled false when @command
 * is not a job command. */
JsonNode *job_qmp_dispatch(BlockGraph *g, const char *command, JsonObject *args,
                           bool *handled, GError **errp);
void job_hmp_info(BlockGraph *g, GString *out);

#endif
