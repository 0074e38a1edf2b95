/* SPDX-License-Identifier: MIT */
/*
 * The core's one hook into the block layer, which is a module ("block"):
 * the launcher (-blockdev, -drive, -snapshot) and the monitor's block
 * commands (monitor/qmp-block.c) reach it through these operations, which
 * the module registers when it loads.  block_hook_get() loads the module on
 * first use, so a VM without disks never loads it.
 */
#ifndef TESSERA_KERNEL_BLOCK_HOOK_H
#define TESSERA_KERNEL_BLOCK_HOOK_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

typedef struct BlockHookOps {
    /* -blockdev TEXT / -drive TEXT (with -snapshot); -drive if=virtio
     * appends the device it implies ("virtio-blk-pci,drive=ID") to
     * @devices. */
    bool (*blockdev)(const char *text, GError **errp);
    bool (*drive)(const char *text, bool snapshot_all, GPtrArray *devices, GError **errp);
    /* A block QMP command by name (blockdev-add, query-block, ...). */
    JsonNode *(*qmp)(const char *command, JsonObject *args, GError **errp);
    /* HMP "info block" / "info blockstats" text. */
    void (*hmp_info)(const char *what, const char *arg, GString *out);
    /* The process ends (after the main loop): images write their final
     * state (persistent bitmaps, clean flags). */
    void (*shutdown)(void);
} BlockHookOps;

/* Called by the block module when it loads; @state is the module's
 * process-wide graph (kept here: plugins hold no mutable globals). */
void block_hook_register(const BlockHookOps *ops, void *state);
void *block_hook_state(void);
/* The operations, loading the block module if needed; NULL with an error. */
const BlockHookOps *block_hook_get(GError **errp);
/* The operations if the module is loaded, else NULL (loads nothing). */
const BlockHookOps *block_hook_peek(void);

#endif
