/* SPDX-License-Identifier: MIT */
/*
 * The "raw" format driver: the guest sees the file child's bytes, or the
 * window [offset, offset+size) of them.  Options: offset (default 0), size
 * (default: to the end of the file).  Probing always matches with the
 * lowest score, so any real format wins.
 */
#include <errno.h>

#include "block/block.h"
#include "kernel/module.h"

typedef struct RawState {
    uint64_t offset;
    uint64_t size;
    bool has_size;
} RawState;

static int raw_probe(const uint8_t *buf, size_t len)
{
    return 1;
}

static bool raw_open(BlockNode *bs, BlockOpts *opts, GError **errp)
{
    RawState *s = g_new0(RawState, 1);
    s->has_size = g_hash_table_contains(opts, "size");
    if (!block_opts_take_size(opts, "offset", 0, &s->offset, errp) ||
        !block_opts_take_size(opts, "size", 0, &s->size, errp)) {
        g_free(s);
        return false;
    }
    int64_t flen = block_node_length(bs->file->node);
    if (flen < 0 || s->offset > (uint64_t)flen ||
        (s->has_size && s->size > (uint64_t)flen - s->offset)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "%s: offset %" G_GUINT64_FORMAT " plus size %" G_GUINT64_FORMAT
                    " is past the end of the file (%" G_GINT64_FORMAT " bytes)",
                    block_node_name_for_messages(bs->file->node), s->offset, s->size, flen);
        g_free(s);
        return false;
    }
    if (s->has_size && s->size % 512) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "size must be a multiple of 512 bytes");
        g_free(s);
        return false;
    }
    bs->request_alignment = bs->file->node->request_alignment;
    bs->opaque = s;
    return true;
}

static void raw_close(BlockNode *bs)
{
    g_free(bs->opaque);
    bs->opaque = NULL;
}

static int raw_preadv(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov)
{
    RawState *s = bs->opaque;
    return block_node_preadv(bs->file->node, off + s->offset, bytes, iov);
}

static int raw_pwritev(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov,
                       int flags)
{
    RawState *s = bs->opaque;
    return block_node_pwritev(bs->file->node, off + s->offset, bytes, iov, flags);
}

static int raw_flush(BlockNode *bs)
{
    return block_node_flush(bs->file->node);
}

static int raw_copy_range_from(BlockNode *bs, uint64_t off, uint64_t bytes, BlockNode *dst,
                               uint64_t doff)
{
    RawState *s = bs->opaque;
    return block_node_copy_range(bs->file->node, off + s->offset, dst, doff, bytes);
}

static int raw_copy_range_to(BlockNode *bs, uint64_t off, uint64_t bytes, BlockNode *src,
                             uint64_t soff)
{
    RawState *s = bs->opaque;
    return block_node_copy_range_to(bs->file->node, off + s->offset, bytes, src, soff);
}

static int raw_pdiscard(BlockNode *bs, uint64_t off, uint64_t bytes)
{
    RawState *s = bs->opaque;
    return block_node_pdiscard(bs->file->node, off + s->offset, bytes);
}

static int raw_pwrite_zeroes(BlockNode *bs, uint64_t off, uint64_t bytes, bool may_unmap)
{
    RawState *s = bs->opaque;
    return block_node_pwrite_zeroes(bs->file->node, off + s->offset, bytes, may_unmap);
}

static int64_t raw_getlength(BlockNode *bs)
{
    RawState *s = bs->opaque;
    if (s->has_size) {
        return s->size;
    }
    int64_t len = block_node_length(bs->file->node);
    return len < 0 ? len : len - (int64_t)s->offset;
}

static bool raw_truncate(BlockNode *bs, uint64_t size, GError **errp)
{
    RawState *s = bs->opaque;
    if (s->has_size || s->offset) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Cannot resize a raw node with an offset or size option");
        return false;
    }
    return bs->file->node->drv->truncate &&
           bs->file->node->drv->truncate(bs->file->node, size, errp);
}

/* blockdev-create driver=raw: size the file node (QEMU has no raw create;
 * this is the obvious meaning). */
static bool raw_create(BlockGraph *g, BlockOpts *opts, GError **errp)
{
    g_autofree char *file = block_opts_take(opts, "file");
    uint64_t size;
    if (!block_opts_take_size(opts, "size", 0, &size, errp) ||
        !block_opts_check_empty(opts, "raw", errp)) {
        return false;
    }
    BlockNode *fn = file ? block_node_find(g, file) : NULL;
    if (!fn) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_NOT_FOUND, "Cannot find node-name='%s'",
                    file ? file : "");
        return false;
    }
    if (!fn->drv->truncate) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "'%s' cannot be resized", file);
        return false;
    }
    return fn->drv->truncate(fn, size, errp);
}

static int raw_data_status(BlockNode *bs, uint64_t off, uint64_t bytes, uint64_t *pnum)
{
    RawState *s = bs->opaque;
    return block_node_data_status(bs->file->node, off + s->offset, bytes, pnum);
}

static const BlockDriver raw_driver = {
    .name = "raw",
    .is_format = true,
    .probe = raw_probe,
    .open = raw_open,
    .close = raw_close,
    .preadv = raw_preadv,
    .pwritev = raw_pwritev,
    .flush = raw_flush,
    .pdiscard = raw_pdiscard,
    .pwrite_zeroes = raw_pwrite_zeroes,
    .getlength = raw_getlength,
    .truncate = raw_truncate,
    .create = raw_create,
    .data_status = raw_data_status,
    .copy_range_from = raw_copy_range_from,
    .copy_range_to = raw_copy_range_to,
};

static const TypeInfo raw_type = {
    .name = TYPE_BLOCK_DRIVER_PREFIX "raw", .parent = TYPE_BLOCK_DRIVER,
    .category = "block-driver", .description = "format: raw image (offset, size)",
    .class_size = sizeof(BlockDriverClass), .class_init = block_driver_class_init,
    .class_data = &raw_driver,
};

TESSERA_MODULE(.name = "block-raw", .kind = "backend", .types = TESSERA_TYPES(&raw_type));
