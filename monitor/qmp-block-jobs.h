/* SPDX-License-Identifier: MIT */
/*
 * The block job commands' part of the schema (jobs, snapshots,
 * transaction, mirror, commit, stream, backup).  Member lists and handlers
 * live in monitor/qmp-block-jobs.c; the entries below are spliced into
 * qmp-schema.c's and hmp-cmds.c's tables.  Handlers forward to the block
 * module through kernel/block-hook.h.
 */
#ifndef TESSERA_MONITOR_QMP_BLOCK_JOBS_H
#define TESSERA_MONITOR_QMP_BLOCK_JOBS_H

#include "monitor/monitor-internal.h"

extern const QmpMember qmp_bj_device_args[], qmp_bj_id_args[], qmp_bj_cancel_args[],
    qmp_bj_speed_args[], qmp_bj_snapshot_sync_args[], qmp_bj_snapshot_args[],
    qmp_bj_transaction_args[], qmp_bj_mirror_args[], qmp_bj_drive_mirror_args[],
    qmp_bj_commit_args[], qmp_bj_stream_args[], qmp_bj_backup_args[];
extern const QmpMember qmp_bj_block_job_info_members[], qmp_bj_job_info_members[];
extern const QmpMember qmp_bj_event_data[], qmp_bj_completed_data[], qmp_bj_error_data[],
    qmp_bj_status_data[];

JsonNode *qmp_bj_forward(const char *command, JsonObject *args, GError **errp);
JsonNode *qmp_query_jobs(JsonObject *args, GError **errp);
JsonNode *qmp_query_block_jobs(JsonObject *args, GError **errp);
JsonNode *qmp_block_job_set_speed(JsonObject *args, GError **errp);
JsonNode *qmp_block_job_pause(JsonObject *args, GError **errp);
JsonNode *qmp_block_job_resume(JsonObject *args, GError **errp);
JsonNode *qmp_block_job_cancel(JsonObject *args, GError **errp);
JsonNode *qmp_block_job_complete(JsonObject *args, GError **errp);
JsonNode *qmp_block_job_finalize(JsonObject *args, GError **errp);
JsonNode *qmp_block_job_dismiss(JsonObject *args, GError **errp);
JsonNode *qmp_job_pause(JsonObject *args, GError **errp);
JsonNode *qmp_job_resume(JsonObject *args, GError **errp);
JsonNode *qmp_job_cancel(JsonObject *args, GError **errp);
JsonNode *qmp_job_complete(JsonObject *args, GError **errp);
JsonNode *qmp_job_finalize(JsonObject *args, GError **errp);
JsonNode *qmp_job_dismiss(JsonObject *args, GError **errp);
JsonNode *qmp_blockdev_snapshot_sync(JsonObject *args, GError **errp);
JsonNode *qmp_blockdev_snapshot(JsonObject *args, GError **errp);
JsonNode *qmp_transaction(JsonObject *args, GError **errp);
JsonNode *qmp_blockdev_mirror(JsonObject *args, GError **errp);
JsonNode *qmp_drive_mirror(JsonObject *args, GError **errp);
JsonNode *qmp_block_commit(JsonObject *args, GError **errp);
JsonNode *qmp_block_stream(JsonObject *args, GError **errp);
JsonNode *qmp_blockdev_backup(JsonObject *args, GError **errp);
void hmp_info_block_jobs(GString *out, const char *arg);
void hmp_block_job_cancel(GString *out, JsonObject *args);

#define BJ_CMD(n, a, h, d, ex) { .name = (n), .args = (a), .handler = (h), .doc = (d), .example = (ex) },

#define QMP_BLOCK_JOB_COMMANDS                                                                 \
    { .name = "query-jobs", .returns = "[JobInfo]", .handler = qmp_query_jobs,                 \
      .doc = "Jobs not yet dismissed." },                                                      \
    { .name = "query-block-jobs", .returns = "[BlockJobInfo]", .handler = qmp_query_block_jobs,\
      .doc = "Block jobs (mirror, commit, stream, backup) not yet dismissed." },               \
    BJ_CMD("block-job-set-speed", qmp_bj_speed_args, qmp_block_job_set_speed,                  \
           "Limit a block job's copy rate (bytes/s, 0: unlimited).",                           \
           "{\"execute\": \"block-job-set-speed\", \"arguments\": {\"device\": \"j0\", "       \
           "\"speed\": 1048576}}")                                                             \
    BJ_CMD("block-job-pause", qmp_bj_device_args, qmp_block_job_pause,                         \
           "Pause a block job (between two steps).",                                           \
           "{\"execute\": \"block-job-pause\", \"arguments\": {\"device\": \"j0\"}}")          \
    BJ_CMD("block-job-resume", qmp_bj_device_args, qmp_block_job_resume,                      \
           "Resume a paused block job (also after an error stopped it).",                      \
           "{\"execute\": \"block-job-resume\", \"arguments\": {\"device\": \"j0\"}}")         \
    BJ_CMD("block-job-cancel", qmp_bj_cancel_args, qmp_block_job_cancel,                       \
           "Cancel a block job.  A READY mirror cancelled without force ends well, leaving "   \
           "a consistent copy and no pivot (BLOCK_JOB_CANCELLED).",                            \
           "{\"execute\": \"block-job-cancel\", \"arguments\": {\"device\": \"j0\"}}")         \
    BJ_CMD("block-job-complete", qmp_bj_device_args, qmp_block_job_complete,                   \
           "Complete a READY job: mirror and active commit pivot the device to the copy.",    \
           "{\"execute\": \"block-job-complete\", \"arguments\": {\"device\": \"j0\"}}")       \
    BJ_CMD("block-job-finalize", qmp_bj_id_args, qmp_block_job_finalize,                       \
           "Finalize a PENDING job (auto-finalize off).",                                      \
           "{\"execute\": \"block-job-finalize\", \"arguments\": {\"id\": \"j0\"}}")           \
    BJ_CMD("block-job-dismiss", qmp_bj_id_args, qmp_block_job_dismiss,                         \
           "Dismiss a CONCLUDED job (auto-dismiss off).",                                      \
           "{\"execute\": \"block-job-dismiss\", \"arguments\": {\"id\": \"j0\"}}")            \
    BJ_CMD("job-pause", qmp_bj_id_args, qmp_job_pause, "Pause a job.",                         \
           "{\"execute\": \"job-pause\", \"arguments\": {\"id\": \"j0\"}}")                    \
    BJ_CMD("job-resume", qmp_bj_id_args, qmp_job_resume, "Resume a paused job.",               \
           "{\"execute\": \"job-resume\", \"arguments\": {\"id\": \"j0\"}}")                   \
    BJ_CMD("job-cancel", qmp_bj_id_args, qmp_job_cancel,                                       \
           "Cancel a job (as block-job-cancel with force: a READY job does not end well).",    \
           "{\"execute\": \"job-cancel\", \"arguments\": {\"id\": \"j0\"}}")                   \
    BJ_CMD("job-complete", qmp_bj_id_args, qmp_job_complete, "Complete a READY job.",          \
           "{\"execute\": \"job-complete\", \"arguments\": {\"id\": \"j0\"}}")                 \
    BJ_CMD("job-finalize", qmp_bj_id_args, qmp_job_finalize, "Finalize a PENDING job.",        \
           "{\"execute\": \"job-finalize\", \"arguments\": {\"id\": \"j0\"}}")                 \
    BJ_CMD("job-dismiss", qmp_bj_id_args, qmp_job_dismiss,                                     \
           "Remove a concluded job (JOB_STATUS_CHANGE 'null').",                               \
           "{\"execute\": \"job-dismiss\", \"arguments\": {\"id\": \"j0\"}}")                  \
    BJ_CMD("blockdev-snapshot-sync", qmp_bj_snapshot_sync_args, qmp_blockdev_snapshot_sync,    \
           "External snapshot: create a qcow2 overlay over a node; the guest's writes go to "  \
           "it and the old image becomes its read-only backing file.",                        \
           "{\"execute\": \"blockdev-snapshot-sync\", \"arguments\": {\"node-name\": \"d0\", " \
           "\"snapshot-file\": \"/tmp/top.qcow2\", \"snapshot-node-name\": \"top\", "          \
           "\"format\": \"qcow2\"}}")                                                          \
    BJ_CMD("blockdev-snapshot", qmp_bj_snapshot_args, qmp_blockdev_snapshot,                   \
           "External snapshot onto an overlay opened with blockdev-add (backing: null).",      \
           "{\"execute\": \"blockdev-snapshot\", \"arguments\": {\"node\": \"d0\", "           \
           "\"overlay\": \"top\"}}")                                                           \
    BJ_CMD("transaction", qmp_bj_transaction_args, qmp_transaction,                            \
           "Several actions at once, all or nothing: blockdev-snapshot-sync, "                 \
           "blockdev-snapshot, drive-mirror, blockdev-mirror, blockdev-backup, abort.",       \
           "{\"execute\": \"transaction\", \"arguments\": {\"actions\": [{\"type\": "          \
           "\"blockdev-snapshot\", \"data\": {\"node\": \"d0\", \"overlay\": \"top\"}}]}}")    \
    BJ_CMD("blockdev-mirror", qmp_bj_mirror_args, qmp_blockdev_mirror,                         \
           "Copy a live node to a target node (sync full, top or none), keep it in sync "      \
           "through READY, pivot on block-job-complete.",                                      \
           "{\"execute\": \"blockdev-mirror\", \"arguments\": {\"job-id\": \"j0\", "           \
           "\"device\": \"d0\", \"target\": \"t0\", \"sync\": \"full\"}}")                     \
    BJ_CMD("drive-mirror", qmp_bj_drive_mirror_args, qmp_drive_mirror,                         \
           "As blockdev-mirror, creating the target image (mode absolute-paths) or opening "   \
           "it (mode existing).",                                                              \
           "{\"execute\": \"drive-mirror\", \"arguments\": {\"device\": \"d0\", "              \
           "\"target\": \"/tmp/copy.qcow2\", \"format\": \"qcow2\", \"sync\": \"full\"}}")     \
    BJ_CMD("block-commit", qmp_bj_commit_args, qmp_block_commit,                               \
           "Merge a part of a backing chain down into its base: intermediate (ends by "        \
           "itself) or the active layer (READY, then block-job-complete pivots to the base).", \
           "{\"execute\": \"block-commit\", \"arguments\": {\"device\": \"top\", "             \
           "\"job-id\": \"c0\"}}")                                                             \
    BJ_CMD("block-stream", qmp_bj_stream_args, qmp_block_stream,                               \
           "Copy data from the backing chain into a node and drop the streamed images from "   \
           "its chain.",                                                                       \
           "{\"execute\": \"block-stream\", \"arguments\": {\"device\": \"top\", "             \
           "\"job-id\": \"s0\"}}")                                                             \
    BJ_CMD("blockdev-backup", qmp_bj_backup_args, qmp_blockdev_backup,                         \
           "Point-in-time copy of a live node to a target (copy-before-write), sync full or "  \
           "top.",                                                                             \
           "{\"execute\": \"blockdev-backup\", \"arguments\": {\"job-id\": \"b0\", "           \
           "\"device\": \"d0\", \"target\": \"t0\", \"sync\": \"full\"}}")

#define QMP_BLOCK_JOB_STRUCTS                                                                  \
    { .name = "JobInfo", .doc = "A job.", .members = qmp_bj_job_info_members },                \
    { .name = "BlockJobInfo", .doc = "A block job.",                                           \
      .members = qmp_bj_block_job_info_members },

#define QMP_BLOCK_JOB_EVENTS                                                                   \
    { .name = "JOB_STATUS_CHANGE", .data = qmp_bj_status_data,                                 \
      .doc = "A job changed state." },                                                         \
    { .name = "BLOCK_JOB_READY", .data = qmp_bj_event_data,                                    \
      .doc = "A mirror or active commit is in sync and may be completed." },                   \
    { .name = "BLOCK_JOB_COMPLETED", .data = qmp_bj_completed_data,                            \
      .doc = "A block job ended (with 'error' if it failed)." },                               \
    { .name = "BLOCK_JOB_CANCELLED", .data = qmp_bj_event_data,                                \
      .doc = "A block job was cancelled." },                                                   \
    { .name = "BLOCK_JOB_ERROR", .data = qmp_bj_error_data,                                    \
      .doc = "A block job's I/O failed; 'action' is what its on-*-error policy did." },

#define HMP_BLOCK_JOB_COMMANDS                                                                 \
    { .name = "block_job_cancel", .spec = "a:s b:s?", .params = "[-f] device",                 \
      .help = "stop an active background block operation (-f: even a READY one)",            \
      .run = hmp_block_job_cancel },                                                           \
    { .name = "block_job_complete", .spec = "device:s", .params = "device",                    \
      .help = "complete a READY background block operation", .qmp = qmp_block_job_complete }, \
    { .name = "block_job_pause", .spec = "device:s", .params = "device",                       \
      .help = "pause a background block operation", .qmp = qmp_block_job_pause },             \
    { .name = "block_job_resume", .spec = "device:s", .params = "device",                      \
      .help = "resume a paused background block operation", .qmp = qmp_block_job_resume },    \
    { .name = "block_job_set_speed", .spec = "device:s speed:i", .params = "device speed",     \
      .help = "set the maximum speed of a background block operation",                        \
      .qmp = qmp_block_job_set_speed },

#define HMP_BLOCK_JOB_INFO_COMMANDS                                                            \
    { .name = "block-jobs", .params = "", .help = "show progress of ongoing block device "     \
      "operations", .run = hmp_info_block_jobs },

#endif
