/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the qcow2 header and metadata parser: each input is
 * an image file (held in memory by a small protocol driver of this file),
 * opened read-write by the real qcow2 driver; when it opens, a few reads,
 * writes, a discard and write-zeroes run over it (allocation, refcounts,
 * L2 updates, compressed clusters), then it is closed.  A crash, a leak or
 * undefined behaviour is a finding; refusing the image is the expected
 * outcome for most inputs.  The block library and the qcow2 driver are
 * compiled into the target (tests/fuzz/build.sh, tests/fuzz/SConscript)
 * with their descriptors renamed, and registered here.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "block/block.h"
#include "kernel/core.h"
#include "kernel/module.h"
#include "tests/fuzz/fuzz.h"

#define MEM_MAX (64u << 20)   /* an image never grows past this */

typedef struct MemFile {
    GByteArray *data;
} MemFile;

/* The input of the current run, taken by the next "fuzzmem" open. */
static const uint8_t *next_data;
static size_t next_len;

static bool mem_open(BlockNode *bs, BlockOpts *opts, GError **errp)
{
    MemFile *m = g_new0(MemFile, 1);
    m->data = g_byte_array_sized_new(next_len);
    g_byte_array_append(m->data, next_data, next_len);
    bs->opaque = m;
    bs->filename = g_strdup("fuzz.qcow2");
    return true;
}

static void mem_close(BlockNode *bs)
{
    MemFile *m = bs->opaque;
    g_byte_array_unref(m->data);
    g_free(m);
}

static int mem_preadv(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov)
{
    MemFile *m = bs->opaque;
    uint64_t have = off < m->data->len ? MIN(bytes, m->data->len - off) : 0;
    block_iov_from_buf_copy(iov, 0, m->data->data + (have ? off : 0), have);
    block_iov_memset(iov, have, 0, bytes - have);
    return 0;
}

static int mem_pwritev(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov,
                       int flags)
{
    MemFile *m = bs->opaque;
    if (off > MEM_MAX || bytes > MEM_MAX - off) {
        return -ENOSPC;
    }
    if (off + bytes > m->data->len) {
        size_t old = m->data->len;
        g_byte_array_set_size(m->data, off + bytes);
        memset(m->data->data + old, 0, off + bytes - old);
    }
    block_iov_to_buf(iov, 0, m->data->data + off, bytes);
    return 0;
}

static int64_t mem_getlength(BlockNode *bs)
{
    return ((MemFile *)bs->opaque)->data->len;
}

static bool mem_truncate(BlockNode *bs, uint64_t size, GError **errp)
{
    MemFile *m = bs->opaque;
    if (size > MEM_MAX) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "too big");
        return false;
    }
    size_t old = m->data->len;
    g_byte_array_set_size(m->data, size);
    if (size > old) {
        memset(m->data->data + old, 0, size - old);
    }
    return true;
}

static const BlockDriver mem_driver = {
    .name = "fuzzmem",
    .open = mem_open,
    .close = mem_close,
    .preadv = mem_preadv,
    .pwritev = mem_pwritev,
    .getlength = mem_getlength,
    .truncate = mem_truncate,
};

static const TypeInfo mem_type = {
    .name = TYPE_BLOCK_DRIVER_PREFIX "fuzzmem", .parent = TYPE_BLOCK_DRIVER,
    .class_size = sizeof(BlockDriverClass), .class_init = block_driver_class_init,
    .class_data = &mem_driver,
};

/* The block and qcow2 modules are compiled in under these names. */
extern const TesseraModule fuzz_block_module, fuzz_qcow2_module;

static BlockGraph *graph;

static void register_module(const TesseraModule *m)
{
    for (const TypeInfo *const *t = m->types; *t; t++) {
        type_register_static(*t);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_core_setup("qcow2_fuzz", false);
    register_module(&fuzz_block_module);
    register_module(&fuzz_qcow2_module);
    type_register_static(&mem_type);
    graph = block_graph_new();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    next_data = data;
    next_len = size;
    BlockOpts *o = block_opts_new();
    g_hash_table_insert(o, g_strdup("driver"), g_strdup("qcow2"));
    g_hash_table_insert(o, g_strdup("node-name"), g_strdup("fz"));
    g_hash_table_insert(o, g_strdup("file.driver"), g_strdup("fuzzmem"));
    g_hash_table_insert(o, g_strdup("discard"), g_strdup("unmap"));
    GError *err = NULL;
    BlockNode *bs = block_node_open(graph, o, &err);
    if (!bs) {
        g_error_free(err);
        return 0;
    }
    int64_t len = block_node_length(bs);
    uint8_t buf[8192];
    memset(buf, 0xa5, sizeof(buf));
    uint64_t offs[] = { 0, len / 2, len > 4096 ? len - 4096 : 0, 65536 + 512 };
    for (size_t i = 0; i < G_N_ELEMENTS(offs); i++) {
        uint64_t off = offs[i] & ~511ull;
        uint64_t n = off < (uint64_t)len ? MIN((uint64_t)sizeof(buf), (uint64_t)len - off) : 0;
        if (off < (uint64_t)len && n) {
            block_node_pread(bs, off, n, buf);
            block_node_pwrite(bs, off, n, buf, 0);
            block_node_pread(bs, off, n, buf);
        }
    }
    if (len > 0) {
        block_node_pdiscard(bs, 0, MIN((uint64_t)len, 1 << 20));
        block_node_pwrite_zeroes(bs, len / 4 & ~511ull, MIN((uint64_t)len / 4, 1 << 20), true);
    }
    block_node_flush(bs);
    g_assert(block_node_delete(graph, "fz", NULL));
    return 0;
}
