/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the NBD server's protocol state machine: each input
 * is the byte stream of one client (handshake, options, requests), fed in
 * pieces whose size the first byte chooses, to a connection on a server
 * with two exports of an in-memory node ("d0" writable, "ro" read-only).
 * Requests really run (block backend, worker threads, completions drained
 * after each piece); replies are discarded as a client would read them.  A
 * crash, a leak, undefined behaviour or a failed assertion is a finding;
 * the connection being closed is a normal outcome.  The block library and
 * the NBD server are compiled in with their descriptors renamed
 * (tests/fuzz/build.sh, tests/fuzz/SConscript).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "block/block.h"
#include "kernel/core.h"
#include "kernel/module.h"
#include "plugins/backends/nbd-server/nbd-server.h"
#include "tests/fuzz/fuzz.h"

#define MEM_SIZE (1u << 20)

static bool mem_open(BlockNode *bs, BlockOpts *opts, GError **errp)
{
    bs->opaque = g_malloc0(MEM_SIZE);
    bs->filename = g_strdup("fuzz-nbd");
    return true;
}

static void mem_close(BlockNode *bs)
{
    g_free(bs->opaque);
}

static int mem_preadv(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov)
{
    g_assert(off <= MEM_SIZE && bytes <= MEM_SIZE - off);
    block_iov_from_buf_copy(iov, 0, (uint8_t *)bs->opaque + off, bytes);
    return 0;
}

static int mem_pwritev(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov,
                       int flags)
{
    g_assert(off <= MEM_SIZE && bytes <= MEM_SIZE - off);
    block_iov_to_buf(iov, 0, (uint8_t *)bs->opaque + off, bytes);
    return 0;
}

static int mem_pdiscard(BlockNode *bs, uint64_t off, uint64_t bytes)
{
    g_assert(off <= MEM_SIZE && bytes <= MEM_SIZE - off);
    memset((uint8_t *)bs->opaque + off, 0, bytes);
    return 0;
}

static int64_t mem_getlength(BlockNode *bs)
{
    return MEM_SIZE;
}

static const BlockDriver mem_driver = {
    .name = "fuzzmem",
    .open = mem_open,
    .close = mem_close,
    .preadv = mem_preadv,
    .pwritev = mem_pwritev,
    .pdiscard = mem_pdiscard,
    .getlength = mem_getlength,
};

static const TypeInfo mem_type = {
    .name = TYPE_BLOCK_DRIVER_PREFIX "fuzzmem", .parent = TYPE_BLOCK_DRIVER,
    .class_size = sizeof(BlockDriverClass), .class_init = block_driver_class_init,
    .class_data = &mem_driver,
};

/* The block module is compiled in under this name. */
extern const TesseraModule fuzz_block_module;

static BlockGraph *graph;
static NbdServer server;

static NbdExport *add_export(const char *id, const char *name, const char *desc, bool writable)
{
    GError *err = NULL;
    BlockNode *bs = block_node_find(graph, "m0");
    BlockBackend *blk = blk_new(graph, NULL, &err);
    g_assert(blk);
    g_assert(blk_set_perm(blk, BLK_PERM_CONSISTENT_READ | (writable ? BLK_PERM_WRITE : 0),
                          BLK_PERM_ALL, &err));
    g_assert(blk_insert_node(blk, bs, &err));
    blk_set_error_actions(blk, BLOCK_ERROR_ACTION_REPORT, BLOCK_ERROR_ACTION_REPORT);
    NbdExport *exp = g_new0(NbdExport, 1);
    exp->srv = &server;
    exp->id = g_strdup(id);
    exp->name = g_strdup(name);
    exp->description = g_strdup(desc);
    exp->blk = blk;
    exp->writable = writable;
    g_ptr_array_add(server.exports, exp);
    return exp;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_core_setup("nbd_fuzz", false);
    for (const TypeInfo *const *t = fuzz_block_module.types; *t; t++) {
        type_register_static(*t);
    }
    type_register_static(&mem_type);
    graph = block_graph_new();
    GError *err = NULL;
    g_assert(block_cmdline_blockdev(graph, "driver=fuzzmem,node-name=m0", &err));
    server.graph = graph;
    server.listen_fd = -1;
    server.exports = g_ptr_array_new();
    server.conns = g_ptr_array_new();
    add_export("e0", "d0", "a writable export", true);
    add_export("e1", "ro", NULL, false);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    size_t piece = 1 + data[0] % 64 * 8;
    data++;
    size--;
    NbdConn *c = nbd_conn_new(&server, NULL, NULL);
    bool open = true;
    for (size_t off = 0; open && off < size; off += piece) {
        g_byte_array_append(c->in, data + off, MIN(piece, size - off));
        /* Parse, let requests finish, parse what they held back, until
         * nothing moves. */
        for (;;) {
            guint before = c->in->len;
            open = nbd_conn_process(c);
            int had = c->in_flight;
            block_graph_drain(graph);
            g_assert(c->in_flight == 0);
            g_assert(c->out->len <= NBD_MAX_OUTPUT + NBD_MAX_PAYLOAD + 1024);
            g_byte_array_set_size(c->out, 0); /* the client reads its replies */
            if (!open || (c->in->len == before && !had)) {
                break;
            }
        }
    }
    nbd_conn_close(c);
    block_graph_drain(graph);
    g_assert(nbd_conn_finished(c));
    nbd_conn_free(c);
    for (guint i = 0; i < server.exports->len; i++) {
        g_assert(((NbdExport *)g_ptr_array_index(server.exports, i))->clients == 0);
    }
    return 0;
}
