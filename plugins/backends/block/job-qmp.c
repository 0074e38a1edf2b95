/* SPDX-License-Identifier: MIT */
/*
 * The job commands: query-jobs, query-block-jobs, block-job-* (by the
 * "device" the block job reports, its id) and job-* (by id), HMP "info
 * block-jobs", and dispatch of the commands that start jobs or change the
 * chain (block-int.h: snapshot.c, mirror.c, commit.c, stream.c, backup.c).
 * Errors as QEMU's: an unknown block job is DeviceNotActive, an unknown job
 * GenericError "Job not found", a verb the state refuses GenericError.
 */
#include <string.h>

#include "block-int.h"
#include "block/job.h"
#include "monitor/monitor-internal.h"

static JsonNode *array_node(JsonArray *a)
{
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, a);
    return n;
}

static const char *io_status(const Job *job)
{
    return job->io_nospace ? "nospace" : job->io_failed ? "failed" : "ok";
}

static JsonNode *query_jobs(BlockGraph *g)
{
    JsonArray *a = json_array_new();
    for (guint i = 0; i < g->jobs->len; i++) {
        Job *job = g_ptr_array_index(g->jobs, i);
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "id", job->id);
        json_object_set_string_member(o, "type", job->drv->type);
        json_object_set_string_member(o, "status", job_status_name(job->status));
        int64_t total = __atomic_load_n(&job->progress_total, __ATOMIC_RELAXED);
        int64_t cur = __atomic_load_n(&job->progress_current, __ATOMIC_RELAXED);
        if (job->status == JOB_STATUS_CONCLUDED && !job->is_block_job && total == 0) {
            total = cur = 1; /* a job done inside its command (blockdev-create) */
        }
        json_object_set_int_member(o, "current-progress", cur);
        json_object_set_int_member(o, "total-progress", total);
        if (job->ret < 0 && job->status == JOB_STATUS_CONCLUDED) {
            json_object_set_string_member(o, "error", job->error ? job->error : "failed");
        }
        json_array_add_object_element(a, o);
    }
    return array_node(a);
}

static JsonNode *query_block_jobs(BlockGraph *g)
{
    JsonArray *a = json_array_new();
    for (guint i = 0; i < g->jobs->len; i++) {
        Job *job = g_ptr_array_index(g->jobs, i);
        if (!job->is_block_job) {
            continue;
        }
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "type", job->drv->type);
        json_object_set_string_member(o, "device", job->id);
        json_object_set_int_member(o, "len", __atomic_load_n(&job->progress_total,
                                                              __ATOMIC_RELAXED));
        json_object_set_int_member(o, "offset", __atomic_load_n(&job->progress_current,
                                                                 __ATOMIC_RELAXED));
        json_object_set_boolean_member(o, "busy", job->step_in_flight);
        json_object_set_boolean_member(o, "paused", job->pause_count > 0);
        json_object_set_int_member(o, "speed", (int64_t)job->speed);
        json_object_set_string_member(o, "io-status", io_status(job));
        json_object_set_boolean_member(o, "ready", job->status == JOB_STATUS_READY ||
                                                   job->status == JOB_STATUS_STANDBY);
        json_object_set_string_member(o, "status", job_status_name(job->status));
        json_object_set_boolean_member(o, "auto-finalize", job->auto_finalize);
        json_object_set_boolean_member(o, "auto-dismiss", job->auto_dismiss);
        if (job->ret < 0 && job->status == JOB_STATUS_CONCLUDED) {
            json_object_set_string_member(o, "error", job->error ? job->error : "failed");
        }
        json_array_add_object_element(a, o);
    }
    return array_node(a);
}

/* block-job-*: by device (the job id), block jobs only. */
static Job *find_block_job(BlockGraph *g, const char *id, GError **errp)
{
    Job *job = job_find(g, id);
    if (!job || !job->is_block_job) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_DEVICE_NOT_ACTIVE, "Block job '%s' not found",
                    id);
        return NULL;
    }
    return job;
}

static Job *find_job(BlockGraph *g, const char *id, GError **errp)
{
    Job *job = job_find(g, id);
    if (!job) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_NOT_FOUND, "Job not found");
    }
    return job;
}

typedef enum { V_PAUSE, V_RESUME, V_CANCEL, V_COMPLETE, V_FINALIZE, V_DISMISS, V_SPEED } Verb;

static bool do_verb(Job *job, Verb v, JsonObject *args, bool block_style, GError **errp)
{
    switch (v) {
    case V_PAUSE:
        return job_user_pause(job, errp);
    case V_RESUME:
        return job_user_resume(job, errp);
    case V_CANCEL:
        /* job-cancel is a hard cancel; block-job-cancel is soft unless forced. */
        return job_user_cancel(job, block_style ? qmp_arg_bool(args, "force", false) : true,
                               errp);
    case V_COMPLETE:
        return job_complete(job, errp);
    case V_FINALIZE:
        return job_finalize(job, errp);
    case V_DISMISS:
        return job_dismiss(job, errp);
    case V_SPEED:
        return job_set_speed(job, qmp_arg_int(args, "speed", 0), errp);
    }
    return false;
}

typedef struct VerbCommand {
    const char *name;
    Verb verb;
    bool block_style;         /* "device" and DeviceNotActive */
    const char *key;
} VerbCommand;

static const VerbCommand verb_commands[] = {
    { "block-job-pause", V_PAUSE, true, "device" },
    { "block-job-resume", V_RESUME, true, "device" },
    { "block-job-cancel", V_CANCEL, true, "device" },
    { "block-job-complete", V_COMPLETE, true, "device" },
    { "block-job-set-speed", V_SPEED, true, "device" },
    { "block-job-finalize", V_FINALIZE, true, "id" },
    { "block-job-dismiss", V_DISMISS, true, "id" },
    { "job-pause", V_PAUSE, false, "id" },
    { "job-resume", V_RESUME, false, "id" },
    { "job-cancel", V_CANCEL, false, "id" },
    { "job-complete", V_COMPLETE, false, "id" },
    { "job-finalize", V_FINALIZE, false, "id" },
    { "job-dismiss", V_DISMISS, false, "id" },
};

typedef JsonNode *(*JobCommandFn)(BlockGraph *g, JsonObject *args, GError **errp);

static const struct {
    const char *name;
    JobCommandFn fn;
} job_commands[] = {
    { "blockdev-snapshot-sync", block_qmp_snapshot_sync },
    { "blockdev-snapshot", block_qmp_snapshot },
    { "transaction", block_qmp_transaction },
    { "blockdev-mirror", block_qmp_blockdev_mirror },
    { "drive-mirror", block_qmp_drive_mirror },
    { "block-commit", block_qmp_commit },
    { "block-stream", block_qmp_stream },
    { "blockdev-backup", block_qmp_backup },
};

JsonNode *job_qmp_dispatch(BlockGraph *g, const char *command, JsonObject *args,
                           bool *handled, GError **errp)
{
    *handled = true;
    if (!strcmp(command, "query-jobs")) {
        return query_jobs(g);
    }
    if (!strcmp(command, "query-block-jobs")) {
        return query_block_jobs(g);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(verb_commands); i++) {
        const VerbCommand *vc = &verb_commands[i];
        if (strcmp(command, vc->name)) {
            continue;
        }
        const char *id = qmp_arg_str(args, vc->key, "");
        Job *job = vc->block_style ? find_block_job(g, id, errp) : find_job(g, id, errp);
        return job && do_verb(job, vc->verb, args, vc->block_style, errp) ? qmp_empty_return()
                                                                          : NULL;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(job_commands); i++) {
        if (!strcmp(command, job_commands[i].name)) {
            return job_commands[i].fn(g, args, errp);
        }
    }
    *handled = false;
    return NULL;
}

void job_hmp_info(BlockGraph *g, GString *out)
{
    bool any = false;
    for (guint i = 0; i < g->jobs->len; i++) {
        Job *job = g_ptr_array_index(g->jobs, i);
        if (!job->is_block_job) {
            continue;
        }
        any = true;
        g_string_append_printf(out, "Type %s, device %s: Completed %" G_GINT64_FORMAT
                               " of %" G_GINT64_FORMAT " bytes, speed limit %" G_GUINT64_FORMAT
                               " bytes/s, status %s%s\n", job->drv->type, job->id,
                               __atomic_load_n(&job->progress_current, __ATOMIC_RELAXED),
                               __atomic_load_n(&job->progress_total, __ATOMIC_RELAXED),
                               job->speed, job_status_name(job->status),
                               job->io_failed ? ", io-status failed" : "");
    }
    if (!any) {
        g_string_append(out, "No active jobs\n");
    }
}
