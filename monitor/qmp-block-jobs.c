/* SPDX-License-Identifier: MIT */
/*
 * The block job commands' schema members and handlers (the entries are in
 * qmp-block-jobs.h).  Each handler forwards to the block module through
 * the core's block hook.
 */
#include <string.h>

#include "kernel/block-hook.h"
#include "monitor/qmp-block-jobs.h"

#define END { .name = NULL }
#define MEMBER(n, t, d) { .name = (n), .type = (t), .doc = (d) }
#define OPTIONAL(n, t, d) { .name = (n), .type = (t), .optional = true, .doc = (d) }
#define JOB_COMMON                                                                             \
    OPTIONAL("job-id", "str", "the job's id (default: the device's or node's name)"),         \
    OPTIONAL("speed", "int", "copy rate limit in bytes/s (0: unlimited)"),                     \
    OPTIONAL("auto-finalize", "bool", "finalize without job-finalize (default true)"),         \
    OPTIONAL("auto-dismiss", "bool", "dismiss without job-dismiss (default true)")

const QmpMember qmp_bj_device_args[] = {
    MEMBER("device", "str", "the job's id"),
    END
};

const QmpMember qmp_bj_id_args[] = {
    MEMBER("id", "str", "the job's id"),
    END
};

const QmpMember qmp_bj_cancel_args[] = {
    MEMBER("device", "str", "the job's id"),
    OPTIONAL("force", "bool", "a READY job is cancelled as a failure (no consistent copy)"),
    END
};

const QmpMember qmp_bj_speed_args[] = {
    MEMBER("device", "str", "the job's id"),
    MEMBER("speed", "int", "bytes/s, 0: unlimited"),
    END
};

const QmpMember qmp_bj_snapshot_sync_args[] = {
    OPTIONAL("device", "str", "the drive (or node) to snapshot"),
    OPTIONAL("node-name", "str", "the node to snapshot"),
    MEMBER("snapshot-file", "str", "the overlay image to create"),
    OPTIONAL("snapshot-node-name", "str", "the overlay's node name"),
    OPTIONAL("format", "str", "the overlay's format (qcow2, the default)"),
    OPTIONAL("mode", "str", "absolute-paths (create, the default) or existing"),
    END
};

const QmpMember qmp_bj_snapshot_args[] = {
    MEMBER("node", "str", "the node to snapshot"),
    MEMBER("overlay", "str", "a node added with blockdev-add, without a backing node"),
    END
};

const QmpMember qmp_bj_transaction_args[] = {
    MEMBER("actions", "[any]", "{\"type\": ACTION, \"data\": ARGUMENTS} each"),
    END
};

const QmpMember qmp_bj_mirror_args[] = {
    JOB_COMMON,
    MEMBER("device", "str", "the source (drive or node name)"),
    MEMBER("target", "str", "the target node"),
    MEMBER("sync", "str", "full, top or none"),
    OPTIONAL("granularity", "int", "dirty tracking granularity (power of 2, 512 B-64 MiB)"),
    OPTIONAL("buf-size", "int", "bytes in flight from source to target (default 16 MiB)"),
    OPTIONAL("copy-mode", "str", "background (default) or write-blocking (guest writes "
             "reach the target before they complete)"),
    OPTIONAL("filter-node-name", "str", "a name for a mirror_top filter node put above the "
             "source for the job's life"),
    OPTIONAL("on-source-error", "str", "report, ignore, enospc or stop"),
    OPTIONAL("on-target-error", "str", "report, ignore, enospc or stop"),
    END
};

const QmpMember qmp_bj_drive_mirror_args[] = {
    JOB_COMMON,
    MEMBER("device", "str", "the source (drive or node name)"),
    MEMBER("target", "str", "the target image file"),
    OPTIONAL("format", "str", "the target's format (default: the source's)"),
    OPTIONAL("node-name", "str", "the target node's name"),
    MEMBER("sync", "str", "full, top or none"),
    OPTIONAL("mode", "str", "absolute-paths (create the image, the default) or existing"),
    OPTIONAL("granularity", "int", "dirty tracking granularity (power of 2, 512 B-64 MiB)"),
    OPTIONAL("buf-size", "int", "bytes in flight from source to target (default 16 MiB)"),
    OPTIONAL("copy-mode", "str", "background (default) or write-blocking (guest writes "
             "reach the target before they complete)"),
    OPTIONAL("filter-node-name", "str", "a name for a mirror_top filter node put above the "
             "source for the job's life"),
    OPTIONAL("on-source-error", "str", "report, ignore, enospc or stop"),
    OPTIONAL("on-target-error", "str", "report, ignore, enospc or stop"),
    END
};

const QmpMember qmp_bj_commit_args[] = {
    JOB_COMMON,
    MEMBER("device", "str", "a drive or node of the chain (its top)"),
    OPTIONAL("top-node", "str", "the topmost node to commit (default: the active layer)"),
    OPTIONAL("top", "str", "the same, by file name"),
    OPTIONAL("base-node", "str", "the node to commit into (default: the bottom)"),
    OPTIONAL("base", "str", "the same, by file name"),
    OPTIONAL("filter-node-name", "str", "a name for the job's filter node (commit_top above "
             "top, or mirror_top above an active layer) for the job's life"),
    OPTIONAL("on-error", "str", "report, ignore, enospc or stop"),
    END
};

const QmpMember qmp_bj_stream_args[] = {
    JOB_COMMON,
    MEMBER("device", "str", "the node to stream into"),
    OPTIONAL("base-node", "str", "the image whose data stays below (default: none)"),
    OPTIONAL("base", "str", "the same, by file name"),
    OPTIONAL("filter-node-name", "str", "a name for a copy-on-read filter node put above the "
             "node for the job's life"),
    OPTIONAL("on-error", "str", "report, ignore, enospc or stop"),
    END
};

const QmpMember qmp_bj_backup_args[] = {
    JOB_COMMON,
    MEMBER("device", "str", "the source (drive or node name)"),
    MEMBER("target", "str", "the target node"),
    MEMBER("sync", "str", "full, top, incremental or bitmap"),
    OPTIONAL("bitmap", "str", "the source's dirty bitmap (sync incremental or bitmap)"),
    OPTIONAL("bitmap-mode", "str", "on-success, never or always: what becomes of the "
             "bitmap when the job ends"),
    OPTIONAL("on-source-error", "str", "report, ignore, enospc or stop"),
    OPTIONAL("on-target-error", "str", "report, ignore, enospc or stop"),
    END
};

const QmpMember qmp_bj_job_info_members[] = {
    MEMBER("id", "str", "the job's id"),
    MEMBER("type", "str", "create, mirror, commit, stream or backup"),
    MEMBER("status", "str", "its state (JobStatus)"),
    MEMBER("current-progress", "int", "progress so far"),
    MEMBER("total-progress", "int", "progress at the end (estimate)"),
    OPTIONAL("error", "str", "why it failed"),
    END
};

const QmpMember qmp_bj_block_job_info_members[] = {
    MEMBER("type", "str", "mirror, commit, stream or backup"),
    MEMBER("device", "str", "the job's id"),
    MEMBER("len", "int", "bytes to copy (estimate)"),
    MEMBER("offset", "int", "bytes copied"),
    MEMBER("busy", "bool", "a step is running"),
    MEMBER("paused", "bool", "paused by the user or an error"),
    MEMBER("speed", "int", "rate limit (0: none)"),
    MEMBER("io-status", "str", "ok, failed or nospace"),
    MEMBER("ready", "bool", "may be completed"),
    MEMBER("status", "str", "its state (JobStatus)"),
    MEMBER("auto-finalize", "bool", "finalized without job-finalize"),
    MEMBER("auto-dismiss", "bool", "dismissed without job-dismiss"),
    OPTIONAL("error", "str", "why it failed"),
    END
};

const QmpMember qmp_bj_status_data[] = {
    MEMBER("id", "str", "the job's id"),
    MEMBER("status", "str", "its new state"),
    END
};

const QmpMember qmp_bj_event_data[] = {
    MEMBER("type", "str", "the job's type"),
    MEMBER("device", "str", "the job's id"),
    MEMBER("len", "int", "bytes to copy"),
    MEMBER("offset", "int", "bytes copied"),
    MEMBER("speed", "int", "rate limit"),
    END
};

const QmpMember qmp_bj_completed_data[] = {
    MEMBER("type", "str", "the job's type"),
    MEMBER("device", "str", "the job's id"),
    MEMBER("len", "int", "bytes to copy"),
    MEMBER("offset", "int", "bytes copied"),
    MEMBER("speed", "int", "rate limit"),
    OPTIONAL("error", "str", "why it failed"),
    END
};

const QmpMember qmp_bj_error_data[] = {
    MEMBER("device", "str", "the job's id"),
    MEMBER("operation", "str", "read (source) or write (target)"),
    MEMBER("action", "str", "report, ignore or stop"),
    END
};

JsonNode *qmp_bj_forward(const char *command, JsonObject *args, GError **errp)
{
    const BlockHookOps *ops = block_hook_get(errp);
    return ops ? ops->qmp(command, args, errp) : NULL;
}

static JsonNode *query(const char *command, JsonObject *args, GError **errp)
{
    if (!block_hook_peek()) {
        JsonNode *n = json_node_new(JSON_NODE_ARRAY);
        json_node_take_array(n, json_array_new());
        return n;
    }
    return qmp_bj_forward(command, args, errp);
}

JsonNode *qmp_query_jobs(JsonObject *args, GError **errp)
{
    return query("query-jobs", args, errp);
}

JsonNode *qmp_query_block_jobs(JsonObject *args, GError **errp)
{
    return query("query-block-jobs", args, errp);
}

#define FORWARD(fn, name)                                                                      \
    JsonNode *fn(JsonObject *args, GError **errp)                                              \
    {                                                                                          \
        return qmp_bj_forward(name, args, errp);                                               \
    }

FORWARD(qmp_block_job_set_speed, "block-job-set-speed")
FORWARD(qmp_block_job_pause, "block-job-pause")
FORWARD(qmp_block_job_resume, "block-job-resume")
FORWARD(qmp_block_job_cancel, "block-job-cancel")
FORWARD(qmp_block_job_complete, "block-job-complete")
FORWARD(qmp_block_job_finalize, "block-job-finalize")
FORWARD(qmp_block_job_dismiss, "block-job-dismiss")
FORWARD(qmp_job_pause, "job-pause")
FORWARD(qmp_job_resume, "job-resume")
FORWARD(qmp_job_cancel, "job-cancel")
FORWARD(qmp_job_complete, "job-complete")
FORWARD(qmp_job_finalize, "job-finalize")
FORWARD(qmp_job_dismiss, "job-dismiss")
FORWARD(qmp_blockdev_snapshot_sync, "blockdev-snapshot-sync")
FORWARD(qmp_blockdev_snapshot, "blockdev-snapshot")
FORWARD(qmp_transaction, "transaction")
FORWARD(qmp_blockdev_mirror, "blockdev-mirror")
FORWARD(qmp_drive_mirror, "drive-mirror")
FORWARD(qmp_block_commit, "block-commit")
FORWARD(qmp_block_stream, "block-stream")
FORWARD(qmp_blockdev_backup, "blockdev-backup")

void hmp_info_block_jobs(GString *out, const char *arg)
{
    const BlockHookOps *ops = block_hook_peek();
    if (ops) {
        ops->hmp_info("block-jobs", arg, out);
    } else {
        g_string_append(out, "No active jobs\n");
    }
}

void hmp_block_job_cancel(GString *out, JsonObject *args)
{
    const char *a = qmp_arg_str(args, "a", "");
    const char *b = qmp_arg_str(args, "b", NULL);
    bool force = !strcmp(a, "-f");
    const char *device = force ? b : a;
    if (!device || (b && !force)) {
        g_string_append(out, "usage: block_job_cancel [-f] device\n");
        return;
    }
    JsonObject *qargs = json_object_new();
    json_object_set_string_member(qargs, "device", device);
    json_object_set_boolean_member(qargs, "force", force);
    GError *err = NULL;
    JsonNode *ret = qmp_bj_forward("block-job-cancel", qargs, &err);
    json_object_unref(qargs);
    if (ret) {
        json_node_unref(ret);
    } else {
        g_string_append_printf(out, "Error: %s\n", err->message);
        g_error_free(err);
    }
}
