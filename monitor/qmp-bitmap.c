/* SPDX-License-Identifier: MIT */
/* The dirty bitmap commands' schema members and forwarding handlers. */
#include "kernel/block-hook.h"
#include "monitor/qmp-bitmap.h"

#define END { .name = NULL }
#define MEMBER(n, t, d) { .name = (n), .type = (t), .doc = (d) }
#define OPTIONAL(n, t, d) { .name = (n), .type = (t), .optional = true, .doc = (d) }

const QmpMember qmp_bitmap_add_args[] = {
    MEMBER("node", "str", "the node (or drive)"),
    MEMBER("name", "str", "the bitmap's name"),
    OPTIONAL("granularity", "int", "bytes per bit (power of two, default 65536)"),
    OPTIONAL("persistent", "bool", "store it in the image (qcow2)"),
    OPTIONAL("disabled", "bool", "create it not recording"),
    END
};

const QmpMember qmp_bitmap_args[] = {
    MEMBER("node", "str", "the node (or drive)"),
    MEMBER("name", "str", "the bitmap's name"),
    END
};

const QmpMember qmp_bitmap_merge_args[] = {
    MEMBER("node", "str", "the target's node (or drive)"),
    MEMBER("target", "str", "the bitmap merged into"),
    MEMBER("bitmaps", "[any]", "sources: names on the node or {node, name}"),
    END
};

const QmpMember qmp_bitmap_dirty_info_members[] = {
    MEMBER("name", "str", "the bitmap's name"),
    MEMBER("count", "int", "dirty bytes"),
    MEMBER("granularity", "int", "bytes per bit"),
    MEMBER("recording", "bool", "writes are being recorded"),
    MEMBER("busy", "bool", "in use by a job"),
    MEMBER("persistent", "bool", "stored in the image"),
    OPTIONAL("inconsistent", "bool", "not saved cleanly: can only be removed"),
    END
};

const QmpMember qmp_bitmap_sha256_members[] = {
    MEMBER("sha256", "str", "hex SHA-256 of the bits"),
    END
};

static JsonNode *forward(const char *command, JsonObject *args, GError **errp)
{
    const BlockHookOps *ops = block_hook_get(errp);
    return ops ? ops->qmp(command, args, errp) : NULL;
}

#define FORWARD(fn, cmd)                                                                       \
    JsonNode *fn(JsonObject *args, GError **errp)                                              \
    {                                                                                          \
        return forward(cmd, args, errp);                                                       \
    }

FORWARD(qmp_block_dirty_bitmap_add, "block-dirty-bitmap-add")
FORWARD(qmp_block_dirty_bitmap_remove, "block-dirty-bitmap-remove")
FORWARD(qmp_block_dirty_bitmap_clear, "block-dirty-bitmap-clear")
FORWARD(qmp_block_dirty_bitmap_enable, "block-dirty-bitmap-enable")
FORWARD(qmp_block_dirty_bitmap_disable, "block-dirty-bitmap-disable")
FORWARD(qmp_block_dirty_bitmap_merge, "block-dirty-bitmap-merge")
FORWARD(qmp_x_debug_block_dirty_bitmap_sha256, "x-debug-block-dirty-bitmap-sha256")
