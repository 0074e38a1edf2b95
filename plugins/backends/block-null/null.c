/* SPDX-License-Identifier: MIT */
/*
 * The "null-co" protocol driver, for benchmarks: writes are dropped, reads
 * return zeros when read-zeroes=on (otherwise the buffer is left as is, as
 * QEMU does).  Options: size (default 1 GiB), read-zeroes (default off),
 * latency-ns (each request takes at least that long).
 */
#include <errno.h>

#include "block/block.h"
#include "kernel/module.h"

typedef struct NullState {
    uint64_t size;
    uint64_t latency_ns;
    bool read_zeroes;
} NullState;

static bool null_open(BlockNode *bs, BlockOpts *opts, GError **errp)
{
    NullState *s = g_new0(NullState, 1);
    if (!block_opts_take_size(opts, "size", 1ull << 30, &s->size, errp) ||
        !block_opts_take_bool(opts, "read-zeroes", false, &s->read_zeroes, errp) ||
        !block_opts_take_uint(opts, "latency-ns", 0, &s->latency_ns, errp)) {
        g_free(s);
        return false;
    }
    bs->opaque = s;
    bs->filename = g_strdup("null-co://");
    return true;
}

static void null_close(BlockNode *bs)
{
    g_free(bs->opaque);
    bs->opaque = NULL;
}

static void null_delay(NullState *s)
{
    if (s->latency_ns) {
        g_usleep(s->latency_ns / 1000);
    }
}

static int null_preadv(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov)
{
    NullState *s = bs->opaque;
    null_delay(s);
    if (s->read_zeroes) {
        block_iov_memset(iov, 0, 0, bytes);
    }
    return 0;
}

static int null_pwritev(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov,
                        int flags)
{
    null_delay(bs->opaque);
    return 0;
}

static int null_flush(BlockNode *bs)
{
    null_delay(bs->opaque);
    return 0;
}

static int null_pwrite_zeroes(BlockNode *bs, uint64_t off, uint64_t bytes, bool may_unmap)
{
    null_delay(bs->opaque);
    return 0;
}

static int64_t null_getlength(BlockNode *bs)
{
    return ((NullState *)bs->opaque)->size;
}

static bool null_truncate(BlockNode *bs, uint64_t size, GError **errp)
{
    ((NullState *)bs->opaque)->size = size;
    return true;
}

static const BlockDriver null_driver = {
    .name = "null-co",
    .open = null_open,
    .close = null_close,
    .preadv = null_preadv,
    .pwritev = null_pwritev,
    .flush = null_flush,
    .pwrite_zeroes = null_pwrite_zeroes,
    .getlength = null_getlength,
    .truncate = null_truncate,
};

static const TypeInfo null_type = {
    .name = TYPE_BLOCK_DRIVER_PREFIX "null-co", .parent = TYPE_BLOCK_DRIVER,
    .category = "block-driver", .description = "protocol: discards writes (benchmarks)",
    .class_size = sizeof(BlockDriverClass), .class_init = block_driver_class_init,
    .class_data = &null_driver,
};

TESSERA_MODULE(.name = "block-null", .kind = "backend", .types = TESSERA_TYPES(&null_type));
