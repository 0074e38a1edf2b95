/* SPDX-License-Identifier: MIT */
/*
 * The block commands' schema members and handlers (the entries themselves
 * are in qmp-block.h, spliced into qmp-schema.c's tables).  Each handler
 * forwards to the block module through the core's block hook, so the
 * monitor links nothing of the block layer and a VM without disks never
 * loads it.
 */
#include "kernel/block-hook.h"
#include "monitor/qmp-block.h"

#define END { .name = NULL }
#define MEMBER(n, t, d) { .name = (n), .type = (t), .doc = (d) }
#define OPTIONAL(n, t, d) { .name = (n), .type = (t), .optional = true, .doc = (d) }

const QmpMember qmp_block_blockdev_add_args[] = {
    MEMBER("driver", "str", "the block driver (file, host_device, null-co, raw, qcow2)"),
    OPTIONAL("node-name", "str", "the node's name (required)"),
    END
};

const QmpMember qmp_block_node_name_args[] = {
    MEMBER("node-name", "str", "the node's name"),
    END
};

const QmpMember qmp_block_create_args[] = {
    MEMBER("job-id", "str", "the job's id"),
    MEMBER("options", "any", "BlockdevCreateOptions: driver plus its creation options"),
    END
};

const QmpMember qmp_block_named_nodes_args[] = {
    OPTIONAL("flat", "bool", "omit the backing-image chains"),
    END
};

const QmpMember qmp_block_blockstats_args[] = {
    OPTIONAL("query-nodes", "bool", "one entry per node instead of per drive"),
    END
};

const QmpMember qmp_block_resize_args[] = {
    OPTIONAL("device", "str", "the drive's name"),
    OPTIONAL("node-name", "str", "or the node's name"),
    MEMBER("size", "int", "the new size in bytes"),
    END
};

const QmpMember qmp_block_eject_args[] = {
    OPTIONAL("device", "str", "the drive's name"),
    OPTIONAL("id", "str", "or the device's id"),
    OPTIONAL("force", "bool", "eject even if the guest locked the tray"),
    END
};

const QmpMember qmp_block_change_medium_args[] = {
    OPTIONAL("device", "str", "the drive's name"),
    OPTIONAL("id", "str", "or the device's id"),
    MEMBER("filename", "str", "the new image"),
    OPTIONAL("format", "str", "its format (probed when absent)"),
    OPTIONAL("force", "bool", "change even if the guest locked the tray"),
    OPTIONAL("read-only-mode", "str", "retain (default), read-only or read-write"),
    END
};

const QmpMember qmp_block_info_members[] = {
    MEMBER("device", "str", "the drive's name (\"\" for a device on a node)"),
    OPTIONAL("qdev", "str", "the device's id"),
    MEMBER("type", "str", "always \"unknown\", as QEMU"),
    MEMBER("removable", "bool", "the medium can be changed"),
    MEMBER("locked", "bool", "the guest locked the tray"),
    OPTIONAL("tray_open", "bool", "removable devices: the tray is open"),
    OPTIONAL("io-status", "str", "ok, failed or nospace (after werror/rerror=stop)"),
    OPTIONAL("inserted", "BlockDeviceInfo", "the medium's node, absent when empty"),
    OPTIONAL("dirty-bitmaps", "[BlockDirtyInfo]", "the inserted node's dirty bitmaps"),
    END
};

const QmpMember qmp_block_device_info_members[] = {
    MEMBER("file", "str", "the image's file name"),
    MEMBER("node-name", "str", "the node's name"),
    MEMBER("ro", "bool", "read-only"),
    MEMBER("drv", "str", "the driver"),
    OPTIONAL("backing_file", "str", "the backing file's name"),
    MEMBER("backing_file_depth", "int", "length of the backing chain"),
    MEMBER("encrypted", "bool", "always false"),
    MEMBER("detect_zeroes", "str", "off, on or unmap"),
    MEMBER("bps", "int", "throttling: 0 (none)"),
    MEMBER("bps_rd", "int", "throttling: 0 (none)"),
    MEMBER("bps_wr", "int", "throttling: 0 (none)"),
    MEMBER("iops", "int", "throttling: 0 (none)"),
    MEMBER("iops_rd", "int", "throttling: 0 (none)"),
    MEMBER("iops_wr", "int", "throttling: 0 (none)"),
    MEMBER("write_threshold", "int", "0 (none)"),
    MEMBER("cache", "BlockdevCacheInfo", "the cache mode"),
    MEMBER("image", "ImageInfo", "the image"),
    OPTIONAL("dirty-bitmaps", "[BlockDirtyInfo]", "the node's dirty bitmaps"),
    END
};

const QmpMember qmp_block_image_info_members[] = {
    MEMBER("filename", "str", "the file name"),
    MEMBER("format", "str", "the format driver"),
    MEMBER("virtual-size", "int", "the guest-visible size in bytes"),
    OPTIONAL("actual-size", "int", "host bytes used"),
    OPTIONAL("cluster-size", "int", "qcow2: the cluster size"),
    OPTIONAL("dirty-flag", "bool", "qcow2: the image is marked dirty"),
    OPTIONAL("backing-filename", "str", "the backing file as the image names it"),
    OPTIONAL("full-backing-filename", "str", "the backing file's resolved name"),
    OPTIONAL("backing-filename-format", "str", "the backing file's format"),
    OPTIONAL("snapshots", "[any]", "qcow2: internal snapshots (SnapshotInfo)"),
    OPTIONAL("backing-image", "ImageInfo", "the backing image"),
    OPTIONAL("format-specific", "any", "ImageInfoSpecific: {type, data}"),
    END
};

const QmpMember qmp_block_cache_info_members[] = {
    MEMBER("writeback", "bool", "writes complete before they reach the disk"),
    MEMBER("direct", "bool", "O_DIRECT (no host page cache)"),
    MEMBER("no-flush", "bool", "flushes are ignored"),
    END
};

const QmpMember qmp_block_stats_members[] = {
    OPTIONAL("device", "str", "the drive's name"),
    OPTIONAL("qdev", "str", "the device's id"),
    OPTIONAL("node-name", "str", "the node's name"),
    MEMBER("stats", "BlockDeviceStats", "the counters"),
    OPTIONAL("parent", "BlockStats", "the node's file child"),
    OPTIONAL("backing", "BlockStats", "the node's backing child"),
    END
};

#define STAT(n) MEMBER(n, "int", "counter")
const QmpMember qmp_block_device_stats_members[] = {
    STAT("rd_bytes"), STAT("wr_bytes"), STAT("zone_append_bytes"), STAT("unmap_bytes"),
    STAT("rd_operations"), STAT("wr_operations"), STAT("zone_append_operations"),
    STAT("flush_operations"), STAT("unmap_operations"), STAT("rd_total_time_ns"),
    STAT("wr_total_time_ns"), STAT("zone_append_total_time_ns"), STAT("flush_total_time_ns"),
    STAT("unmap_total_time_ns"), STAT("wr_highest_offset"), STAT("rd_merged"),
    STAT("wr_merged"), STAT("zone_append_merged"), STAT("unmap_merged"),
    OPTIONAL("idle_time_ns", "int", "time since the last request"),
    STAT("failed_rd_operations"), STAT("failed_wr_operations"),
    STAT("failed_zone_append_operations"), STAT("failed_flush_operations"),
    STAT("failed_unmap_operations"), STAT("invalid_rd_operations"),
    STAT("invalid_wr_operations"), STAT("invalid_zone_append_operations"),
    STAT("invalid_flush_operations"), STAT("invalid_unmap_operations"),
    MEMBER("account_invalid", "bool", "invalid requests are counted"),
    MEMBER("account_failed", "bool", "failed requests are counted"),
    MEMBER("timed_stats", "[any]", "always empty"),
    END
};

const QmpMember qmp_block_io_error_data[] = {
    MEMBER("device", "str", "the drive's name"),
    OPTIONAL("node-name", "str", "the node"),
    MEMBER("operation", "str", "read or write"),
    MEMBER("action", "str", "report, ignore or stop"),
    OPTIONAL("nospace", "bool", "the host ran out of space"),
    MEMBER("reason", "str", "the host error"),
    END
};

const QmpMember qmp_block_tray_data[] = {
    MEMBER("device", "str", "the drive's name"),
    MEMBER("id", "str", "the device's id"),
    MEMBER("tray-open", "bool", "the tray is now open"),
    END
};

static JsonNode *forward(const char *command, JsonObject *args, GError **errp)
{
    const BlockHookOps *ops = block_hook_get(errp);
    return ops ? ops->qmp(command, args, errp) : NULL;
}

JsonNode *qmp_blockdev_add(JsonObject *args, GError **errp)
{
    return forward("blockdev-add", args, errp);
}

JsonNode *qmp_blockdev_del(JsonObject *args, GError **errp)
{
    return forward("blockdev-del", args, errp);
}

JsonNode *qmp_blockdev_create(JsonObject *args, GError **errp)
{
    return forward("blockdev-create", args, errp);
}

/* Queries answer "none" without loading the block layer. */
static JsonNode *query(const char *command, JsonObject *args, GError **errp)
{
    if (!block_hook_peek()) {
        JsonNode *n = json_node_new(JSON_NODE_ARRAY);
        json_node_take_array(n, json_array_new());
        return n;
    }
    return forward(command, args, errp);
}

JsonNode *qmp_query_block(JsonObject *args, GError **errp)
{
    return query("query-block", args, errp);
}

JsonNode *qmp_query_named_block_nodes(JsonObject *args, GError **errp)
{
    return query("query-named-block-nodes", args, errp);
}

JsonNode *qmp_query_blockstats(JsonObject *args, GError **errp)
{
    return query("query-blockstats", args, errp);
}

JsonNode *qmp_block_resize(JsonObject *args, GError **errp)
{
    return forward("block_resize", args, errp);
}

JsonNode *qmp_eject(JsonObject *args, GError **errp)
{
    return forward("eject", args, errp);
}

JsonNode *qmp_blockdev_change_medium(JsonObject *args, GError **errp)
{
    return forward("blockdev-change-medium", args, errp);
}

void hmp_info_block(GString *out, const char *arg)
{
    const BlockHookOps *ops = block_hook_peek();
    if (ops) {
        ops->hmp_info("block", arg, out);
    }
}

void hmp_info_blockstats(GString *out, const char *arg)
{
    const BlockHookOps *ops = block_hook_peek();
    if (ops) {
        ops->hmp_info("blockstats", arg, out);
    }
}
