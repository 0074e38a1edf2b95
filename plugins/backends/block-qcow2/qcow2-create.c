/* SPDX-License-Identifier: MIT */
/*
 * blockdev-create for qcow2: options file (a node name), size, version
 * (v2, v3), cluster-size, backing-file, backing-fmt, lazy-refcounts,
 * refcount-bits, compression-type (zlib, zstd), preallocation (off).
 *
 * Layout: the header cluster (header, backing format extension, backing
 * file name), the refcount table (sized for the virtual size plus
 * metadata, since growing it is not supported), the refcount blocks that
 * count the metadata, the L1 table.
 */
#include <errno.h>
#include <string.h>

#include "qcow2.h"

static const char *const version_values[] = { "v2", "v3", NULL };
static const char *const compression_values[] = { "zlib", "zstd", NULL };
static const char *const prealloc_values[] = { "off", NULL };

static bool fail(GError **errp, const char *msg)
{
    g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "%s", msg);
    return false;
}

bool qcow2_create(BlockGraph *g, BlockOpts *opts, GError **errp)
{
    g_autofree char *file = block_opts_take(opts, "file");
    g_autofree char *backing = block_opts_take(opts, "backing-file");
    g_autofree char *backing_fmt = block_opts_take(opts, "backing-fmt");
    uint64_t size, cs, refbits;
    bool lazy;
    int version, compression;
    if (!block_opts_take_size(opts, "size", 0, &size, errp) ||
        !block_opts_take_size(opts, "cluster-size", 65536, &cs, errp) ||
        !block_opts_take_uint(opts, "refcount-bits", 16, &refbits, errp) ||
        !block_opts_take_bool(opts, "lazy-refcounts", false, &lazy, errp) ||
        (version = block_opts_take_enum(opts, "version", version_values, 1, errp)) < 0 ||
        (compression = block_opts_take_enum(opts, "compression-type", compression_values, 0,
                                            errp)) < 0 ||
        block_opts_take_enum(opts, "preallocation", prealloc_values, 0, errp) < 0 ||
        !block_opts_check_empty(opts, "qcow2", errp)) {
        return false;
    }
    BlockNode *fn = file ? block_node_find(g, file) : NULL;
    if (!fn) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_NOT_FOUND, "Cannot find node-name='%s'",
                    file ? file : "");
        return false;
    }
    if (size % 512 || size > QCOW2_MAX_SIZE) {
        return fail(errp, "Image size must be a multiple of 512 bytes and at most 64 PiB");
    }
    if (cs < 512 || cs > (1u << QCOW2_MAX_CLUSTER_BITS) || (cs & (cs - 1))) {
        return fail(errp, "Cluster size must be a power of two between 512 and 2048k");
    }
    if (refbits == 0 || refbits > 64 || (refbits & (refbits - 1))) {
        return fail(errp, "Refcount width must be a power of two and may not exceed 64 bits");
    }
    if (version == 0 && (refbits != 16 || lazy || compression)) {
        return fail(errp, "Version v2 images have 16-bit refcounts, no lazy refcounts and zlib "
                          "compression only");
    }
    if (backing_fmt && !backing) {
        return fail(errp, "Backing format cannot be used without backing file");
    }
    if (backing && strlen(backing) > QCOW2_MAX_BACKING_NAME) {
        return fail(errp, "Backing file name too long");
    }
    if (backing_fmt && strlen(backing_fmt) > 31) {
        return fail(errp, "Backing format name too long");
    }
    uint32_t cb = __builtin_ctzll(cs);
    uint32_t order = __builtin_ctzll(refbits);
    uint64_t l2_entries = cs / 8;
    uint64_t l1_size = (size + cs * l2_entries - 1) / (cs * l2_entries);
    uint64_t l1_clusters = (l1_size * 8 + cs - 1) / cs;
    if (l1_size * 8 > QCOW2_MAX_L1_BYTES) {
        return fail(errp, "Image size too large for this cluster size");
    }
    uint64_t rb_entries = cs * 8 / refbits;
    /* Refcount table for every cluster the image can grow to: data, L2
     * tables and refcount blocks, with a margin. */
    uint64_t data_clusters = size / cs + l1_size + 64;
    uint64_t total = data_clusters + data_clusters / 8 + (64u << 20) / cs;
    uint64_t rt_entries = (total + rb_entries - 1) / rb_entries;
    uint64_t rt_clusters = (rt_entries * 8 + cs - 1) / cs;
    if (rt_clusters * cs > QCOW2_MAX_REFTABLE_BYTES) {
        return fail(errp, "Image size too large for this cluster size and refcount width");
    }
    uint64_t rb_clusters = 1, meta;
    for (;;) {
        meta = 1 + rt_clusters + rb_clusters + l1_clusters;
        uint64_t need = (meta + rb_entries - 1) / rb_entries;
        if (need <= rb_clusters) {
            break;
        }
        rb_clusters = need;
    }
    uint64_t rt_off = cs, rb_off = rt_off + rt_clusters * cs;
    uint64_t l1_off = rb_off + rb_clusters * cs;

    g_autofree uint8_t *hdr = g_malloc0(cs);
    qcow2_put32(hdr, QCOW2_MAGIC);
    qcow2_put32(hdr + 4, version ? 3 : 2);
    qcow2_put32(hdr + 20, cb);
    qcow2_put64(hdr + 24, size);
    qcow2_put32(hdr + 36, l1_size);
    qcow2_put64(hdr + 40, l1_off);
    qcow2_put64(hdr + 48, rt_off);
    qcow2_put32(hdr + 56, rt_clusters);
    uint64_t p = QCOW2_V2_HEADER_SIZE;
    if (version) {
        qcow2_put64(hdr + 72, compression ? QCOW2_INCOMPAT_COMPRESSION : 0);
        qcow2_put64(hdr + 80, lazy ? QCOW2_COMPAT_LAZY_REFCOUNTS : 0);
        qcow2_put32(hdr + 96, order);
        qcow2_put32(hdr + 100, 112);
        hdr[104] = compression;
        p = 112;
    }
    if (backing_fmt) {
        size_t n = strlen(backing_fmt);
        qcow2_put32(hdr + p, QCOW2_EXT_BACKING_FORMAT);
        qcow2_put32(hdr + p + 4, n);
        memcpy(hdr + p + 8, backing_fmt, n);
        p += 8 + ((n + 7) & ~7ull);
    }
    p += 8; /* end of extensions: type 0, length 0 */
    if (backing) {
        size_t n = strlen(backing);
        if (p + n > cs) {
            return fail(errp, "Backing file name does not fit into the header cluster");
        }
        qcow2_put64(hdr + 8, p);
        qcow2_put32(hdr + 16, n);
        memcpy(hdr + p, backing, n);
    }
    g_autofree uint8_t *rt = g_malloc0(rt_clusters * cs);
    for (uint64_t i = 0; i < rb_clusters; i++) {
        qcow2_put64(rt + i * 8, rb_off + i * cs);
    }
    g_autofree uint8_t *rb = g_malloc0(rb_clusters * cs);
    Qcow2State tmp = { .refcount_bits = refbits };
    for (uint64_t c = 0; c < meta; c++) {
        /* Same encoding as qcow2-refcount.c's, inlined for the fresh blocks. */
        uint64_t bit = c * refbits;
        uint8_t *q = rb + bit / 8;
        switch (refbits) {
        case 64: qcow2_put64(q, 1); break;
        case 32: qcow2_put32(q, 1); break;
        case 16: qcow2_put16(q, 1); break;
        case 8: *q = 1; break;
        default: *q |= 1u << (bit % 8); break;
        }
    }
    (void)tmp;
    g_autofree uint8_t *l1 = g_malloc0(l1_clusters * cs);
    GError *err = NULL;
    int ret = 0;
    if (fn->drv->truncate && !fn->drv->truncate(fn, 0, &err)) {
        g_propagate_error(errp, err);
        return false;
    }
    if ((ret = block_node_pwrite(fn, 0, cs, hdr, 0)) < 0 ||
        (ret = block_node_pwrite(fn, rt_off, rt_clusters * cs, rt, 0)) < 0 ||
        (ret = block_node_pwrite(fn, rb_off, rb_clusters * cs, rb, 0)) < 0 ||
        (ret = block_node_pwrite(fn, l1_off, l1_clusters * cs, l1, 0)) < 0 ||
        (ret = block_node_flush(fn)) < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "Could not write the qcow2 image: %s",
                    g_strerror(-ret));
        return false;
    }
    return true;
}
