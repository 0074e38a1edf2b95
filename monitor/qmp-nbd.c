/* SPDX-License-Identifier: MIT */
/* The NBD server commands' schema members and forwarding handlers. */
#include "kernel/block-hook.h"
#include "monitor/qmp-nbd.h"

#define END { .name = NULL }
#define MEMBER(n, t, d) { .name = (n), .type = (t), .doc = (d) }
#define OPTIONAL(n, t, d) { .name = (n), .type = (t), .optional = true, .doc = (d) }

const QmpMember qmp_nbd_server_start_args[] = {
    MEMBER("addr", "any", "SocketAddress: {type: inet, host, port} or {type: unix, path}"),
    OPTIONAL("tls-creds", "str", "not supported: refused"),
    OPTIONAL("tls-authz", "str", "not supported: refused"),
    OPTIONAL("max-connections", "int", "clients at once (0: no limit)"),
    END
};

const QmpMember qmp_nbd_server_add_args[] = {
    MEMBER("device", "str", "the node (or drive) to export"),
    OPTIONAL("name", "str", "the export's name (default: device)"),
    OPTIONAL("description", "str", "free text shown to clients"),
    OPTIONAL("writable", "bool", "clients may write (default false)"),
    END
};

const QmpMember qmp_nbd_server_remove_args[] = {
    MEMBER("name", "str", "the export's name"),
    OPTIONAL("mode", "str", "safe (default) or hard"),
    END
};

const QmpMember qmp_block_export_add_args[] = {
    MEMBER("type", "str", "\"nbd\""),
    MEMBER("id", "str", "the export's id"),
    MEMBER("node-name", "str", "the node to export"),
    OPTIONAL("name", "str", "the NBD export name (default: node-name)"),
    OPTIONAL("description", "str", "free text shown to clients"),
    OPTIONAL("writable", "bool", "clients may write (default false)"),
    OPTIONAL("writethrough", "bool", "every write is flushed before it is acknowledged"),
    END
};

const QmpMember qmp_block_export_del_args[] = {
    MEMBER("id", "str", "the export's id"),
    OPTIONAL("mode", "str", "safe (default) or hard"),
    END
};

const QmpMember qmp_block_export_info_members[] = {
    MEMBER("id", "str", "the export's id"),
    MEMBER("type", "str", "\"nbd\""),
    MEMBER("node-name", "str", "the exported node"),
    MEMBER("shutting-down", "bool", "removal requested, waiting for clients to go"),
    END
};

const QmpMember qmp_block_export_deleted_data[] = {
    MEMBER("id", "str", "the export's id"),
    END
};

static JsonNode *forward(const char *command, JsonObject *args, GError **errp)
{
    const BlockHookOps *ops = block_hook_get(errp);
    return ops ? ops->qmp(command, args, errp) : NULL;
}

JsonNode *qmp_nbd_server_start(JsonObject *args, GError **errp)
{
    return forward("nbd-server-start", args, errp);
}

JsonNode *qmp_nbd_server_stop(JsonObject *args, GError **errp)
{
    return forward("nbd-server-stop", args, errp);
}

JsonNode *qmp_nbd_server_add(JsonObject *args, GError **errp)
{
    return forward("nbd-server-add", args, errp);
}

JsonNode *qmp_nbd_server_remove(JsonObject *args, GError **errp)
{
    return forward("nbd-server-remove", args, errp);
}

JsonNode *qmp_block_export_add(JsonObject *args, GError **errp)
{
    return forward("block-export-add", args, errp);
}

JsonNode *qmp_block_export_del(JsonObject *args, GError **errp)
{
    return forward("block-export-del", args, errp);
}

JsonNode *qmp_query_block_exports(JsonObject *args, GError **errp)
{
    if (!block_hook_peek()) {
        JsonNode *n = json_node_new(JSON_NODE_ARRAY);
        json_node_take_array(n, json_array_new());
        return n;
    }
    return forward("query-block-exports", args, errp);
}
