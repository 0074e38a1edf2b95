/* SPDX-License-Identifier: MIT */
/*
 * The dirty bitmap commands (served by the block module), spliced into
 * qmp-schema.c's tables like the block commands.
 */
#ifndef TESSERA_MONITOR_QMP_BITMAP_H
#define TESSERA_MONITOR_QMP_BITMAP_H

#include "monitor/monitor-internal.h"

extern const QmpMember qmp_bitmap_add_args[], qmp_bitmap_args[], qmp_bitmap_merge_args[],
    qmp_bitmap_dirty_info_members[], qmp_bitmap_sha256_members[];

JsonNode *qmp_block_dirty_bitmap_add(JsonObject *args, GError **errp);
JsonNode *qmp_block_dirty_bitmap_remove(JsonObject *args, GError **errp);
JsonNode *qmp_block_dirty_bitmap_clear(JsonObject *args, GError **errp);
JsonNode *qmp_block_dirty_bitmap_enable(JsonObject *args, GError **errp);
JsonNode *qmp_block_dirty_bitmap_disable(JsonObject *args, GError **errp);
JsonNode *qmp_block_dirty_bitmap_merge(JsonObject *args, GError **errp);
JsonNode *qmp_x_debug_block_dirty_bitmap_sha256(JsonObject *args, GError **errp);

#define QMP_BITMAP_EXAMPLE(cmd)                                                                \
    "{\"execute\": \"" cmd "\", \"arguments\": {\"node\": \"d0\", \"name\": \"b0\"}}"

#define QMP_BITMAP_COMMANDS                                                                    \
    { .name = "block-dirty-bitmap-add", .args = qmp_bitmap_add_args,                           \
      .handler = qmp_block_dirty_bitmap_add,                                                   \
      .doc = "Add a dirty bitmap to a node (granularity: a power of two, 512 B to 2 GiB, "     \
             "default 64 KiB); persistent bitmaps are stored in the qcow2 image and loaded "  \
             "again when it is opened.",                                                       \
      .example = "{\"execute\": \"block-dirty-bitmap-add\", \"arguments\": {\"node\": "        \
                 "\"d0\", \"name\": \"b0\", \"persistent\": true}}" },                         \
    { .name = "block-dirty-bitmap-remove", .args = qmp_bitmap_args,                            \
      .handler = qmp_block_dirty_bitmap_remove,                                                \
      .doc = "Remove a dirty bitmap (from the image too, if persistent).",                     \
      .example = QMP_BITMAP_EXAMPLE("block-dirty-bitmap-remove") },                            \
    { .name = "block-dirty-bitmap-clear", .args = qmp_bitmap_args,                             \
      .handler = qmp_block_dirty_bitmap_clear, .doc = "Mark every granule clean.",             \
      .example = QMP_BITMAP_EXAMPLE("block-dirty-bitmap-clear") },                             \
    { .name = "block-dirty-bitmap-enable", .args = qmp_bitmap_args,                            \
      .handler = qmp_block_dirty_bitmap_enable, .doc = "Start recording writes.",              \
      .example = QMP_BITMAP_EXAMPLE("block-dirty-bitmap-enable") },                            \
    { .name = "block-dirty-bitmap-disable", .args = qmp_bitmap_args,                           \
      .handler = qmp_block_dirty_bitmap_disable, .doc = "Stop recording writes.",              \
      .example = QMP_BITMAP_EXAMPLE("block-dirty-bitmap-disable") },                           \
    { .name = "block-dirty-bitmap-merge", .args = qmp_bitmap_merge_args,                       \
      .handler = qmp_block_dirty_bitmap_merge,                                                 \
      .doc = "OR bitmaps (names on the node, or {node, name}) into the target bitmap.",        \
      .example = "{\"execute\": \"block-dirty-bitmap-merge\", \"arguments\": {\"node\": "      \
                 "\"d0\", \"target\": \"b0\", \"bitmaps\": [\"b1\"]}}" },                      \
    { .name = "x-debug-block-dirty-bitmap-sha256", .args = qmp_bitmap_args,                    \
      .returns = "BlockDirtyBitmapSha256", .handler = qmp_x_debug_block_dirty_bitmap_sha256,   \
      .doc = "SHA-256 of a bitmap's bits (for tests).",                                        \
      .example = QMP_BITMAP_EXAMPLE("x-debug-block-dirty-bitmap-sha256") },

#define QMP_BITMAP_STRUCTS                                                                     \
    { .name = "BlockDirtyInfo", .doc = "A dirty bitmap.",                                      \
      .members = qmp_bitmap_dirty_info_members },                                              \
    { .name = "BlockDirtyBitmapSha256", .doc = "A bitmap's checksum.",                         \
      .members = qmp_bitmap_sha256_members },

#endif
