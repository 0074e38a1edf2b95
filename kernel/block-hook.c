/* SPDX-License-Identifier: MIT */
/* The block layer's hook: see block-hook.h. */
#include "kernel/block-hook.h"
#include "kernel/module.h"

static const BlockHookOps *block_ops;
static void *block_state;

void block_hook_register(const BlockHookOps *ops, void *state)
{
    block_ops = ops;
    block_state = state;
}

void *block_hook_state(void)
{
    return block_state;
}

const BlockHookOps *block_hook_peek(void)
{
    return block_ops;
}

const BlockHookOps *block_hook_get(GError **errp)
{
    if (!block_ops) {
        GError *err = NULL;
        if (!module_load("block", &err)) {
            g_set_error(errp, err->domain, err->code, "the block layer is not available: %s",
                        err->message);
            g_error_free(err);
            return NULL;
        }
        if (!block_ops) {
            g_set_error(errp, MODULE_ERROR, MODULE_ERROR_LOAD,
                        "the block module loaded but registered no block layer");
            return NULL;
        }
    }
    return block_ops;
}
