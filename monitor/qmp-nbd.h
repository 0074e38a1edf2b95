/* SPDX-License-Identifier: MIT */
/*
 * The NBD server's commands (module "nbd-server"), spliced into
 * qmp-schema.c's tables like the block commands; the handlers forward to
 * the block module by name, which loads the NBD server module.
 */
#ifndef TESSERA_MONITOR_QMP_NBD_H
#define TESSERA_MONITOR_QMP_NBD_H

#include "monitor/monitor-internal.h"

extern const QmpMember qmp_nbd_server_start_args[], qmp_nbd_server_add_args[],
    qmp_nbd_server_remove_args[], qmp_block_export_add_args[], qmp_block_export_del_args[],
    qmp_block_export_info_members[], qmp_block_export_deleted_data[];

JsonNode *qmp_nbd_server_start(JsonObject *args, GError **errp);
JsonNode *qmp_nbd_server_stop(JsonObject *args, GError **errp);
JsonNode *qmp_nbd_server_add(JsonObject *args, GError **errp);
JsonNode *qmp_nbd_server_remove(JsonObject *args, GError **errp);
JsonNode *qmp_block_export_add(JsonObject *args, GError **errp);
JsonNode *qmp_block_export_del(JsonObject *args, GError **errp);
JsonNode *qmp_query_block_exports(JsonObject *args, GError **errp);

#define QMP_NBD_COMMANDS                                                                       \
    { .name = "nbd-server-start", .args = qmp_nbd_server_start_args,                           \
      .handler = qmp_nbd_server_start,                                                         \
      .doc = "Start the NBD server listening on addr: {\"type\": \"inet\", \"host\", "         \
             "\"port\"} or {\"type\": \"unix\", \"path\"} (QEMU's legacy form with the "       \
             "members under \"data\" is accepted too).  Newstyle fixed handshake; no TLS.",   \
      .example = "{\"execute\": \"nbd-server-start\", \"arguments\": {\"addr\": {\"type\": "   \
                 "\"unix\", \"data\": {\"path\": \"/tmp/nbd.sock\"}}}}" },                     \
    { .name = "nbd-server-stop", .handler = qmp_nbd_server_stop,                               \
      .doc = "Stop the NBD server: its exports are removed and clients disconnected." },       \
    { .name = "nbd-server-add", .args = qmp_nbd_server_add_args,                               \
      .handler = qmp_nbd_server_add,                                                           \
      .doc = "Export a node (legacy form of block-export-add; the export's id is its name).",  \
      .example = "{\"execute\": \"nbd-server-add\", \"arguments\": {\"device\": \"n0\"}}" },   \
    { .name = "nbd-server-remove", .args = qmp_nbd_server_remove_args,                         \
      .handler = qmp_nbd_server_remove,                                                        \
      .doc = "Remove an export added with nbd-server-add (mode safe or hard).",                \
      .example = "{\"execute\": \"nbd-server-remove\", \"arguments\": {\"name\": \"n0\"}}" },  \
    { .name = "block-export-add", .args = qmp_block_export_add_args,                           \
      .handler = qmp_block_export_add,                                                         \
      .doc = "Export a node over the running NBD server (type \"nbd\"): name defaults to "     \
             "the node name; writable exports take the write permission on the node.",        \
      .example = "{\"execute\": \"block-export-add\", \"arguments\": {\"type\": \"nbd\", "     \
                 "\"id\": \"e0\", \"node-name\": \"n0\", \"writable\": true}}" },             \
    { .name = "block-export-del", .args = qmp_block_export_del_args,                           \
      .handler = qmp_block_export_del,                                                         \
      .doc = "Remove an export: mode \"safe\" (default) refuses while clients are "            \
             "connected, \"hard\" disconnects them.  BLOCK_EXPORT_DELETED follows.",          \
      .example = "{\"execute\": \"block-export-del\", \"arguments\": {\"id\": \"e0\"}}" },     \
    { .name = "query-block-exports", .returns = "[BlockExportInfo]",                           \
      .handler = qmp_query_block_exports, .doc = "The block exports." },

#define QMP_NBD_STRUCTS                                                                        \
    { .name = "BlockExportInfo", .doc = "A block export.",                                     \
      .members = qmp_block_export_info_members },

#define QMP_NBD_EVENTS                                                                         \
    { .name = "BLOCK_EXPORT_DELETED", .data = qmp_block_export_deleted_data,                   \
      .doc = "An export was removed (after its last client went)." },

#endif
