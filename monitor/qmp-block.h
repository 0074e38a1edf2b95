/* SPDX-License-Identifier: MIT */
/*
 * The block commands' part of the schema.  Member lists and handlers live
 * in monitor/qmp-block.c; the entries below are spliced into the one table
 * of qmp-schema.c (and hmp-cmds.c), so every consumer of the schema sees
 * them.  Handlers forward to the block module through kernel/block-hook.h
 * (the module is loaded on first use).
 */
#ifndef TESSERA_MONITOR_QMP_BLOCK_H
#define TESSERA_MONITOR_QMP_BLOCK_H

#include "monitor/monitor-internal.h"

extern const QmpMember qmp_block_blockdev_add_args[], qmp_block_node_name_args[],
    qmp_block_create_args[], qmp_block_named_nodes_args[],
    qmp_block_blockstats_args[], qmp_block_resize_args[], qmp_block_eject_args[],
    qmp_block_change_medium_args[];
extern const QmpMember qmp_block_info_members[], qmp_block_device_info_members[],
    qmp_block_image_info_members[], qmp_block_cache_info_members[],
    qmp_block_stats_members[], qmp_block_device_stats_members[];
extern const QmpMember qmp_block_io_error_data[], qmp_block_tray_data[];

JsonNode *qmp_blockdev_add(JsonObject *args, GError **errp);
JsonNode *qmp_blockdev_del(JsonObject *args, GError **errp);
JsonNode *qmp_blockdev_create(JsonObject *args, GError **errp);
JsonNode *qmp_query_block(JsonObject *args, GError **errp);
JsonNode *qmp_query_named_block_nodes(JsonObject *args, GError **errp);
JsonNode *qmp_query_blockstats(JsonObject *args, GError **errp);
JsonNode *qmp_block_resize(JsonObject *args, GError **errp);
JsonNode *qmp_eject(JsonObject *args, GError **errp);
JsonNode *qmp_blockdev_change_medium(JsonObject *args, GError **errp);
void hmp_info_block(GString *out, const char *arg);
void hmp_info_blockstats(GString *out, const char *arg);

#define QMP_BLOCK_COMMANDS                                                                     \
    { .name = "blockdev-add", .args = qmp_block_blockdev_add_args, .allow_extra = true,        \
      .handler = qmp_blockdev_add,                                                             \
      .doc = "Open a block node (and nested children) from BlockdevOptions, as -blockdev. "    \
             "Drivers: file, host_device, null-co, raw, qcow2.",                               \
      .example = "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"null-co\", "   \
                 "\"node-name\": \"n0\", \"size\": 1048576}}" },                               \
    { .name = "blockdev-del", .args = qmp_block_node_name_args, .handler = qmp_blockdev_del,   \
      .doc = "Close a node added with blockdev-add; refused while anything uses it.",          \
      .example = "{\"execute\": \"blockdev-del\", \"arguments\": {\"node-name\": \"n0\"}}" },  \
    { .name = "blockdev-create", .args = qmp_block_create_args,                                \
      .handler = qmp_blockdev_create,                                                          \
      .doc = "Create an image (driver file, raw or qcow2).  As in QEMU it is a job: "          \
             "JOB_STATUS_CHANGE reports it up to 'concluded' (it completes within the "        \
             "command) and job-dismiss removes it; query-jobs shows its error, if any.",       \
      .example = "{\"execute\": \"blockdev-create\", \"arguments\": {\"job-id\": \"j0\", "     \
                 "\"options\": {\"driver\": \"file\", \"filename\": \"/tmp/t.img\", "          \
                 "\"size\": 1048576}}}" },                                                     \
    { .name = "query-block", .returns = "[BlockInfo]", .handler = qmp_query_block,             \
      .doc = "Every drive (named backend) and every device's backend, with the inserted "      \
             "node's information." },                                                          \
    { .name = "query-named-block-nodes", .args = qmp_block_named_nodes_args,                   \
      .returns = "[BlockDeviceInfo]", .handler = qmp_query_named_block_nodes,                  \
      .doc = "Every node of the block graph." },                                               \
    { .name = "query-blockstats", .args = qmp_block_blockstats_args,                           \
      .returns = "[BlockStats]", .handler = qmp_query_blockstats,                              \
      .doc = "I/O statistics per drive (with its nodes below as 'parent'/'backing'), or per "  \
             "node with query-nodes." },                                                       \
    { .name = "block_resize", .args = qmp_block_resize_args, .handler = qmp_block_resize,      \
      .doc = "Resize a drive or node; the device is told (virtio-blk config change).",         \
      .example = "{\"execute\": \"block_resize\", \"arguments\": {\"node-name\": \"n0\", "     \
                 "\"size\": 2097152}}" },                                                      \
    { .name = "eject", .args = qmp_block_eject_args, .handler = qmp_eject,                     \
      .doc = "Open a removable device's tray and remove its medium.",                          \
      .example = "{\"execute\": \"eject\", \"arguments\": {\"id\": \"cd0\"}}" },               \
    { .name = "blockdev-change-medium", .args = qmp_block_change_medium_args,                  \
      .handler = qmp_blockdev_change_medium,                                                   \
      .doc = "Put a new medium (an image file) into a removable device.",                      \
      .example = "{\"execute\": \"blockdev-change-medium\", \"arguments\": {\"id\": \"cd0\", " \
                 "\"filename\": \"/tmp/new.iso\", \"format\": \"raw\"}}" },

#define QMP_BLOCK_STRUCTS                                                                      \
    { .name = "BlockInfo", .doc = "A drive: its backend and inserted node.",                   \
      .members = qmp_block_info_members },                                                     \
    { .name = "BlockDeviceInfo", .doc = "A block node.",                                       \
      .members = qmp_block_device_info_members },                                              \
    { .name = "ImageInfo", .doc = "An image and its backing chain.",                           \
      .members = qmp_block_image_info_members },                                               \
    { .name = "BlockdevCacheInfo", .doc = "Cache mode of a node.",                             \
      .members = qmp_block_cache_info_members },                                               \
    { .name = "BlockStats", .doc = "Statistics of a drive or node.",                           \
      .members = qmp_block_stats_members },                                                    \
    { .name = "BlockDeviceStats", .doc = "I/O counters.",                                      \
      .members = qmp_block_device_stats_members },                                             \

#define QMP_BLOCK_EVENTS                                                                       \
    { .name = "BLOCK_IO_ERROR", .data = qmp_block_io_error_data,                               \
      .doc = "A request failed; 'action' says what the drive's werror/rerror policy did." },   \
    { .name = "DEVICE_TRAY_MOVED", .data = qmp_block_tray_data,                                \
      .doc = "A removable device's tray opened or closed." },                                  \


#define HMP_BLOCK_COMMANDS                                                                     \
    { .name = "block_resize", .spec = "device:s size:i", .params = "device size",              \
      .help = "resize a drive (bytes)", .qmp = qmp_block_resize },                             \
    { .name = "eject", .spec = "device:s", .params = "device",                  \
      .help = "eject a removable medium", .qmp = qmp_eject },                                  \
    { .name = "change", .spec = "device:s filename:s format:s?",                               \
      .params = "device filename [format]", .help = "change a removable medium",               \
      .qmp = qmp_blockdev_change_medium },

#define HMP_BLOCK_INFO_COMMANDS                                                                \
    { .name = "block", .params = "[device]", .help = "show the block devices",                 \
      .run = hmp_info_block },                                                                 \
    { .name = "blockstats", .params = "", .help = "show block device statistics",              \
      .run = hmp_info_blockstats },

#endif
