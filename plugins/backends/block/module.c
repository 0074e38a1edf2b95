/* SPDX-License-Identifier: MIT */
/*
 * The "block" library module: the graph, backends, asynchronous I/O and
 * the block commands, exported to driver and device modules through
 * block/block.h.  Loading it registers the abstract driver type and the
 * core's block hook (kernel/block-hook.h) with the process's graph.
 */
#include "block-int.h"
#include "kernel/block-hook.h"
#include "kernel/module.h"

BlockGraph *block_graph_new(void)
{
    BlockGraph *g = g_new0(BlockGraph, 1);
    g->nodes = g_ptr_array_new();
    g->backends = g_ptr_array_new();
    g->qmp_ext = g_ptr_array_new();
    g_datalist_init(&g->data);
    block_qmp_register(g, &block_bitmap_qmp);
    block_aio_init(g);
    block_jobs_init(g);
    return g;
}

void block_graph_free(BlockGraph *g)
{
    block_jobs_fini(g);
    block_graph_drain(g);
    g_datalist_clear(&g->data); /* modules' state first: it uses nodes */
    block_graph_drain(g);
    while (g->backends->len) {
        blk_unref(g_ptr_array_index(g->backends, g->backends->len - 1));
    }
    while (g->nodes->len) {
        /* Newest first: a node's users were made after it. */
        BlockNode *bs = g_ptr_array_index(g->nodes, g->nodes->len - 1);
        bs->monitor_owned = false;
        if (bs->parents->len) {
            g_ptr_array_remove(g->nodes, bs);
            g_ptr_array_add(g->nodes, bs); /* unreachable in a DAG; keeps the loop going */
            continue;
        }
        block_node_free_if_unused(bs);
    }
    block_aio_fini(g);
    g_ptr_array_unref(g->nodes);
    g_ptr_array_unref(g->backends);
    g_ptr_array_unref(g->qmp_ext);
    g_free(g);
}

void block_graph_set_data(BlockGraph *g, const char *key, void *data, GDestroyNotify destroy)
{
    g_datalist_set_data_full(&g->data, key, data, destroy);
}

void *block_graph_get_data(BlockGraph *g, const char *key)
{
    return g_datalist_get_data(&g->data, key);
}

void block_qmp_register(BlockGraph *g, const BlockQmpExtension *ext)
{
    if (!g_ptr_array_find(g->qmp_ext, ext, NULL)) {
        g_ptr_array_add(g->qmp_ext, (gpointer)ext);
    }
}

void block_graph_shutdown(BlockGraph *g)
{
    block_graph_drain(g);
    /* Formats first (newest first: overlays before their backing files),
     * so what they write reaches their files before those are flushed. */
    for (guint i = g->nodes->len; i-- > 0;) {
        BlockNode *bs = g_ptr_array_index(g->nodes, i);
        if (bs->drv->inactivate && !bs->read_only) {
            bs->drv->inactivate(bs);
        }
    }
    for (guint i = g->nodes->len; i-- > 0;) {
        block_node_flush(g_ptr_array_index(g->nodes, i));
    }
}

BlockGraph *block_graph_default(void)
{
    return block_hook_state();
}

static bool hook_blockdev(const char *text, GError **errp)
{
    return block_cmdline_blockdev(block_graph_default(), text, errp);
}

static bool hook_drive(const char *text, bool snapshot_all, GPtrArray *devices, GError **errp)
{
    return block_cmdline_drive(block_graph_default(), text, snapshot_all, devices, errp);
}

static void hook_shutdown(void)
{
    block_graph_shutdown(block_graph_default());
}

static const BlockHookOps block_hook_ops = {
    .shutdown = hook_shutdown,
    .blockdev = hook_blockdev,
    .drive = hook_drive,
    .qmp = block_qmp_dispatch,
    .hmp_info = block_hmp_info,
};

static const TypeInfo block_driver_type = {
    .name = TYPE_BLOCK_DRIVER,
    .parent = TYPE_OBJECT,
    .category = "block-driver",
    .description = "block driver (abstract)",
    .abstract = true,
    .class_size = sizeof(BlockDriverClass),
};

static void block_init(void)
{
    if (!block_hook_state()) {
        block_hook_register(&block_hook_ops, block_graph_new());
    }
}

TESSERA_MODULE(.name = "block", .kind = "library",
               .types = TESSERA_TYPES(&block_driver_type, &block_mirror_top_type,
                                      &block_commit_top_type, &block_cor_type),
               .init = block_init);
