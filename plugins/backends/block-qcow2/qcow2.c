/* SPDX-License-Identifier: MIT */
/*
 * The "qcow2" format driver: versions 2 and 3, read and write, backing
 * files of any format (backing_fmt), zero clusters, discard, compressed
 * clusters (zlib and zstd, read; a write decompresses into a new cluster),
 * internal snapshots listed (an image that has some opens read-only),
 * lazy refcounts and the dirty bit, blockdev-create.
 *
 * Options: l2-cache-size, refcount-cache-size (bytes; default 8 MiB and
 * 1 MiB worth of tables).
 *
 * Everything in the header and the tables it points at is checked before
 * use; an image that fails a check is refused with one message naming the
 * image and the problem.
 */
#include <errno.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/module.h"
#include "qcow2.h"

static int qcow2_probe(const uint8_t *buf, size_t len)
{
    return len >= 8 && qcow2_be32(buf) == QCOW2_MAGIC && qcow2_be32(buf + 4) >= 2 ? 100 : 0;
}

void qcow2_header_clear(Qcow2Header *h)
{
    g_free(h->backing_file);
    g_free(h->backing_format);
    h->backing_file = h->backing_format = NULL;
}

#define BAD(...)                                                                 \
    do {                                                                         \
        g_autofree char *why_ = g_strdup_printf(__VA_ARGS__);                    \
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE, "%s: %s", image, why_); \
        qcow2_header_clear(h);                                                   \
        return false;                                                            \
    } while (0)

/* Does [off, off+len) lie inside a file of @file_size bytes? */
static bool in_file(uint64_t off, uint64_t len, uint64_t file_size)
{
    return off <= file_size && len <= file_size - off;
}

static bool parse_extensions(const uint8_t *buf, size_t len, uint64_t start, uint64_t end,
                             const char *image, Qcow2Header *h, GError **errp)
{
    uint64_t p = start;
    while (p + 8 <= end) {
        uint32_t type = qcow2_be32(buf + p);
        uint32_t elen = qcow2_be32(buf + p + 4);
        p += 8;
        if (type == QCOW2_EXT_END) {
            return true;
        }
        if (elen > end - p) {
            BAD("header extension 0x%x of %u bytes runs past the header cluster", type, elen);
        }
        switch (type) {
        case QCOW2_EXT_BACKING_FORMAT:
            if (elen == 0 || elen > 31 || memchr(buf + p, 0, elen)) {
                BAD("invalid backing format extension");
            }
            g_free(h->backing_format);
            h->backing_format = g_strndup((const char *)buf + p, elen);
            break;
        case QCOW2_EXT_CRYPTO:
            BAD("encrypted images are not supported");
        case QCOW2_EXT_DATA_FILE:
            BAD("external data files are not supported");
        case QCOW2_EXT_BITMAPS:
            if (elen < 24) {
                BAD("bitmaps extension of %u bytes is too short", elen);
            }
            h->has_bitmaps = true;
            h->nb_bitmaps = qcow2_be32(buf + p);
            h->bitmap_dir_size = qcow2_be64(buf + p + 8);
            h->bitmap_dir_offset = qcow2_be64(buf + p + 16);
            break;
        default:
            break; /* feature names, bitmaps, unknown: nothing to do */
        }
        p += (elen + 7) & ~7ull;
    }
    return true;
}

bool qcow2_parse_header(const uint8_t *buf, size_t len, uint64_t file_size, const char *image,
                        Qcow2Header *h, GError **errp)
{
    memset(h, 0, sizeof(*h));
    if (len < QCOW2_V2_HEADER_SIZE || qcow2_be32(buf) != QCOW2_MAGIC) {
        BAD("not a qcow2 image (wrong magic)");
    }
    h->version = qcow2_be32(buf + 4);
    if (h->version != 2 && h->version != 3) {
        BAD("unsupported qcow2 version %u", h->version);
    }
    h->backing_file_offset = qcow2_be64(buf + 8);
    h->backing_file_size = qcow2_be32(buf + 16);
    h->cluster_bits = qcow2_be32(buf + 20);
    h->size = qcow2_be64(buf + 24);
    h->crypt_method = qcow2_be32(buf + 32);
    h->l1_size = qcow2_be32(buf + 36);
    h->l1_table_offset = qcow2_be64(buf + 40);
    h->refcount_table_offset = qcow2_be64(buf + 48);
    h->refcount_table_clusters = qcow2_be32(buf + 56);
    h->nb_snapshots = qcow2_be32(buf + 60);
    h->snapshots_offset = qcow2_be64(buf + 64);
    h->refcount_order = 4;
    h->header_length = QCOW2_V2_HEADER_SIZE;
    if (h->version == 3) {
        if (len < QCOW2_V3_HEADER_SIZE) {
            BAD("truncated version 3 header");
        }
        h->incompatible_features = qcow2_be64(buf + 72);
        h->compatible_features = qcow2_be64(buf + 80);
        h->autoclear_features = qcow2_be64(buf + 88);
        h->refcount_order = qcow2_be32(buf + 96);
        h->header_length = qcow2_be32(buf + 100);
        if (h->header_length < QCOW2_V3_HEADER_SIZE || h->header_length % 8) {
            BAD("invalid header length %u", h->header_length);
        }
        if (h->header_length > QCOW2_V3_HEADER_SIZE) {
            h->compression_type = buf[104];
        }
    }
    if (h->cluster_bits < QCOW2_MIN_CLUSTER_BITS || h->cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
        BAD("unsupported cluster size 2^%u", h->cluster_bits);
    }
    uint64_t cs = 1ull << h->cluster_bits;
    if (h->header_length > cs || h->header_length > len) {
        BAD("header length %u is larger than the cluster", h->header_length);
    }
    if (h->crypt_method) {
        BAD("encrypted images are not supported");
    }
    if (h->incompatible_features & ~QCOW2_INCOMPAT_KNOWN) {
        BAD("unknown incompatible features 0x%" G_GINT64_MODIFIER "x",
            (guint64)(h->incompatible_features & ~QCOW2_INCOMPAT_KNOWN));
    }
    if (h->incompatible_features & QCOW2_INCOMPAT_DATA_FILE) {
        BAD("external data files are not supported");
    }
    if (h->incompatible_features & QCOW2_INCOMPAT_EXTL2) {
        BAD("extended L2 entries (subclusters) are not supported");
    }
    if (h->compression_type > QCOW2_COMPRESSION_ZSTD ||
        (h->compression_type != 0) != !!(h->incompatible_features & QCOW2_INCOMPAT_COMPRESSION)) {
        BAD("invalid compression type %u", h->compression_type);
    }
    if (h->refcount_order > 6) {
        BAD("refcount width 2^%u bits is too wide (at most 64)", h->refcount_order);
    }
    if (h->version == 2 && h->refcount_order != 4) {
        BAD("version 2 images have 16-bit refcounts");
    }
    if (h->size > QCOW2_MAX_SIZE || h->size % 512) {
        BAD("absurd virtual size %" G_GUINT64_FORMAT, h->size);
    }
    uint32_t l2_bits = h->cluster_bits - 3;
    uint64_t per_l1 = 1ull << (h->cluster_bits + l2_bits);
    uint64_t l1_needed = (h->size + per_l1 - 1) / per_l1;
    if ((uint64_t)h->l1_size * 8 > QCOW2_MAX_L1_BYTES) {
        BAD("L1 table of %u entries is too large", h->l1_size);
    }
    if (h->l1_size < l1_needed) {
        BAD("L1 table of %u entries is too small for the virtual size", h->l1_size);
    }
    if (h->l1_size && (h->l1_table_offset % cs || h->l1_table_offset == 0)) {
        BAD("L1 table offset 0x%" G_GINT64_MODIFIER "x is not cluster aligned",
            h->l1_table_offset);
    }
    if (h->l1_size && !in_file(h->l1_table_offset, (uint64_t)h->l1_size * 8, file_size)) {
        BAD("L1 table lies past the end of the file");
    }
    uint64_t rt_bytes = (uint64_t)h->refcount_table_clusters << h->cluster_bits;
    if (h->refcount_table_clusters == 0 || rt_bytes > QCOW2_MAX_REFTABLE_BYTES) {
        BAD("invalid refcount table size (%u clusters)", h->refcount_table_clusters);
    }
    if (h->refcount_table_offset % cs || h->refcount_table_offset == 0 ||
        !in_file(h->refcount_table_offset, rt_bytes, file_size)) {
        BAD("refcount table lies outside the file or is not cluster aligned");
    }
    if (h->nb_snapshots > QCOW2_MAX_SNAPSHOTS) {
        BAD("too many snapshots (%u)", h->nb_snapshots);
    }
    if (h->nb_snapshots && (h->snapshots_offset % cs || !in_file(h->snapshots_offset, 1,
                                                                file_size))) {
        BAD("snapshot table lies outside the file");
    }
    if (h->backing_file_offset) {
        if (h->backing_file_size == 0 || h->backing_file_size > QCOW2_MAX_BACKING_NAME ||
            h->backing_file_offset > len || h->backing_file_size > len - h->backing_file_offset) {
            BAD("backing file name lies outside the header cluster");
        }
        h->backing_file = g_strndup((const char *)buf + h->backing_file_offset,
                                    h->backing_file_size);
        if (strlen(h->backing_file) != h->backing_file_size) {
            BAD("backing file name contains a NUL byte");
        }
    }
    uint64_t ext_end = h->backing_file_offset ? h->backing_file_offset : MIN(len, cs);
    if (!parse_extensions(buf, len, h->header_length, MIN(ext_end, len), image, h, errp)) {
        return false;
    }
    return true;
}

#undef BAD

static bool read_snapshots(Qcow2State *s, const char *image, GError **errp)
{
    uint64_t off = s->h.snapshots_offset;
    int64_t flen = block_node_length(s->file);
    for (uint32_t i = 0; i < s->h.nb_snapshots; i++) {
        uint8_t fixed[40];
        if (off + sizeof(fixed) > (uint64_t)flen ||
            block_node_pread(s->file, off, sizeof(fixed), fixed) < 0) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE,
                        "%s: snapshot table entry %u lies past the end of the file", image, i);
            return false;
        }
        uint16_t id_len = qcow2_be16(fixed + 12), name_len = qcow2_be16(fixed + 14);
        uint32_t extra = qcow2_be32(fixed + 36);
        if (extra > 1024) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE,
                        "%s: snapshot %u has %u bytes of extra data", image, i, extra);
            return false;
        }
        g_autofree char *strs = g_malloc0(id_len + name_len + 2);
        uint64_t soff = off + sizeof(fixed) + extra;
        if (soff + id_len + name_len > (uint64_t)flen ||
            block_node_pread(s->file, soff, id_len + name_len, strs) < 0) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE,
                        "%s: snapshot %u's name lies past the end of the file", image, i);
            return false;
        }
        Qcow2Snapshot *sn = g_new0(Qcow2Snapshot, 1);
        sn->l1_offset = qcow2_be64(fixed);
        sn->l1_size = qcow2_be32(fixed + 8);
        sn->date_sec = qcow2_be32(fixed + 16);
        sn->date_nsec = qcow2_be32(fixed + 20);
        sn->vm_clock_ns = qcow2_be64(fixed + 24);
        sn->vm_state_size = qcow2_be32(fixed + 32);
        sn->id = g_strndup(strs, id_len);
        sn->name = g_strndup(strs + id_len, name_len);
        g_ptr_array_add(s->snapshots, sn);
        off = (soff + id_len + name_len + 7) & ~7ull;
    }
    return true;
}

static void snapshot_free(gpointer p)
{
    Qcow2Snapshot *sn = p;
    g_free(sn->id);
    g_free(sn->name);
    g_free(sn);
}

static bool read_table(Qcow2State *s, uint64_t off, uint64_t n, uint64_t **out)
{
    uint8_t *raw = g_malloc(n ? n * 8 : 1);
    if (n && block_node_pread(s->file, off, n * 8, raw) < 0) {
        g_free(raw);
        return false;
    }
    uint64_t *t = g_new0(uint64_t, n ? n : 1);
    for (uint64_t i = 0; i < n; i++) {
        t[i] = qcow2_be64(raw + i * 8);
    }
    g_free(raw);
    *out = t;
    return true;
}

static void free_state(Qcow2State *s)
{
    qcow2_header_clear(&s->h);
    g_free(s->l1);
    g_free(s->reftable);
    if (s->l2_cache) {
        g_hash_table_unref(s->l2_cache);
        g_hash_table_unref(s->rb_cache);
    }
    if (s->snapshots) {
        g_ptr_array_unref(s->snapshots);
    }
    qcow2_bitmaps_free(s);
    g_mutex_clear(&s->lock);
    g_free(s);
}

static int write_header_u64(Qcow2State *s, uint64_t off, uint64_t v)
{
    uint8_t b[8];
    qcow2_put64(b, v);
    return block_node_pwrite(s->file, off, 8, b, 0);
}

static bool qcow2_open(BlockNode *bs, BlockOpts *opts, GError **errp)
{
    BlockNode *file = bs->file->node;
    const char *image = block_node_name_for_messages(file);
    uint64_t l2_cache_bytes, rb_cache_bytes;
    if (!block_opts_take_size(opts, "l2-cache-size", 8 << 20, &l2_cache_bytes, errp) ||
        !block_opts_take_size(opts, "refcount-cache-size", 1 << 20, &rb_cache_bytes, errp)) {
        return false;
    }
    int64_t flen = block_node_length(file);
    if (flen < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "%s: %s", image, g_strerror(-flen));
        return false;
    }
    uint8_t *first = g_malloc0(1 << QCOW2_MAX_CLUSTER_BITS);
    size_t first_len = MIN((uint64_t)flen, 1u << QCOW2_MAX_CLUSTER_BITS);
    Qcow2State *s = g_new0(Qcow2State, 1);
    g_mutex_init(&s->lock);
    s->bs = bs;
    s->file = file;
    int ret = block_node_pread(file, 0, first_len, first);
    if (ret < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "%s: %s", image, g_strerror(-ret));
        goto fail;
    }
    if (!qcow2_parse_header(first, first_len, flen, image, &s->h, errp)) {
        goto fail;
    }
    s->cluster_size = 1ull << s->h.cluster_bits;
    s->l2_bits = s->h.cluster_bits - 3;
    s->refcount_bits = 1u << s->h.refcount_order;
    s->refblock_entries = s->cluster_size * 8 / s->refcount_bits;
    s->reftable_entries = ((uint64_t)s->h.refcount_table_clusters << s->h.cluster_bits) / 8;
    s->file_end = ((uint64_t)flen + s->cluster_size - 1) >> s->h.cluster_bits;
    s->snapshots = g_ptr_array_new_with_free_func(snapshot_free);
    if (!read_table(s, s->h.l1_table_offset, s->h.l1_size, &s->l1) ||
        !read_table(s, s->h.refcount_table_offset, s->reftable_entries, &s->reftable)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "%s: cannot read its tables", image);
        goto fail;
    }
    for (uint32_t i = 0; i < s->h.l1_size; i++) {
        uint64_t l2 = s->l1[i] & QCOW2_L1_OFFSET_MASK;
        if ((s->l1[i] & ~(QCOW2_L1_OFFSET_MASK | QCOW2_OFLAG_COPIED)) || l2 % s->cluster_size ||
            (l2 && !in_file(l2, s->cluster_size, flen))) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE,
                        "%s: L1 entry %u points to an invalid L2 table offset 0x%" G_GINT64_MODIFIER
                        "x", image, i, l2);
            goto fail;
        }
    }
    for (uint64_t i = 0; i < s->reftable_entries; i++) {
        uint64_t rb = s->reftable[i];
        if (rb % s->cluster_size || (rb && !in_file(rb, s->cluster_size, flen))) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE,
                        "%s: refcount table entry %" G_GUINT64_FORMAT
                        " points outside the file (0x%" G_GINT64_MODIFIER "x)", image, i, rb);
            goto fail;
        }
    }
    if (!read_snapshots(s, image, errp)) {
        goto fail;
    }
    s->cache_max = MAX(4, MIN(l2_cache_bytes, rb_cache_bytes * 8) / s->cluster_size);
    s->l2_cache = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    s->rb_cache = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    bs->opaque = s;
    bs->backing_file = g_strdup(s->h.backing_file);
    bs->backing_format = g_strdup(s->h.backing_format);
    if (!bs->read_only) {
        if (s->h.incompatible_features & QCOW2_INCOMPAT_CORRUPT) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE,
                        "%s: image is marked corrupt; open it read-only or repair it "
                        "(qemu-img check -r all)", image);
            goto fail_opened;
        }
        if (s->h.nb_snapshots) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE,
                        "%s: image has %u internal snapshots; writing to such images is not "
                        "supported (open it with read-only=on)", image, s->h.nb_snapshots);
            goto fail_opened;
        }
        if (s->h.incompatible_features & QCOW2_INCOMPAT_DIRTY) {
            /* A crash with lazy refcounts: refcounts may be stale. */
            if (qcow2_rebuild_refcounts(s, errp) < 0) {
                g_prefix_error(errp, "%s: repairing the refcounts of a dirty image: ", image);
                goto fail_opened;
            }
            s->dirty_set = true; /* cleared on a clean close */
        }
        /* Autoclear features other than bitmaps become invalid as we write.
         * After a crash with lazy refcounts the rebuilt refcounts do not
         * count bitmap clusters: the bitmaps are dropped then. */
        bool keep_bitmaps = s->h.version == 3 && !s->dirty_set && s->h.has_bitmaps;
        uint64_t autoclear = keep_bitmaps ? s->h.autoclear_features & QCOW2_AUTOCLEAR_BITMAPS
                                          : 0;
        if (!keep_bitmaps) {
            s->h.has_bitmaps = false;
        }
        if (s->h.version == 3 && s->h.autoclear_features != autoclear) {
            s->h.autoclear_features = autoclear;
            if (write_header_u64(s, 88, autoclear) < 0) {
                g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "%s: cannot update the header",
                            image);
                goto fail_opened;
            }
        }
        if (s->h.version == 3 && !qcow2_bitmaps_load(s, errp)) {
            goto fail_opened;
        }
    }
    g_free(first);
    return true;

fail_opened:
    bs->opaque = NULL;
fail:
    g_free(first);
    free_state(s);
    return false;
}

static int qcow2_flush(BlockNode *bs)
{
    Qcow2State *s = bs->opaque;
    return block_node_flush(s->file);
}

static void store_bitmaps(Qcow2State *s)
{
    if (s->bitmaps_loaded || (s->bitmap_dir && s->bs->dirty_bitmaps->len)) {
        int ret = qcow2_bitmaps_store(s);
        if (ret < 0) {
            error_report("%s: could not store the dirty bitmaps: %s",
                         block_node_name_for_messages(s->file), g_strerror(-ret));
        }
        s->bitmaps_loaded = false;
    }
}

/* The process ends: bitmaps to disk, the image clean. */
static void qcow2_inactivate(BlockNode *bs)
{
    Qcow2State *s = bs->opaque;
    store_bitmaps(s);
    if (s->dirty_set && block_node_flush(s->file) >= 0 &&
        write_header_u64(s, QH_INCOMPAT, s->h.incompatible_features & ~QCOW2_INCOMPAT_DIRTY)
            >= 0) {
        s->dirty_set = false;
        s->h.incompatible_features &= ~QCOW2_INCOMPAT_DIRTY;
    }
}

static void qcow2_close(BlockNode *bs)
{
    Qcow2State *s = bs->opaque;
    if (!bs->read_only) {
        store_bitmaps(s);
    }
    if (s->dirty_set && !bs->read_only) {
        /* Clean shutdown: everything is on disk, the dirty bit can go. */
        if (block_node_flush(s->file) >= 0 &&
            write_header_u64(s, QH_INCOMPAT,
                             s->h.incompatible_features & ~QCOW2_INCOMPAT_DIRTY) >= 0) {
            block_node_flush(s->file);
        }
    }
    free_state(s);
    bs->opaque = NULL;
}

static int64_t qcow2_getlength(BlockNode *bs)
{
    return ((Qcow2State *)bs->opaque)->h.size;
}

static bool qcow2_truncate(BlockNode *bs, uint64_t size, GError **errp)
{
    Qcow2State *s = bs->opaque;
    const char *image = block_node_name_for_messages(s->file);
    if (size < s->h.size) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "%s: shrinking qcow2 images is not supported", image);
        return false;
    }
    if (size % 512 || size > QCOW2_MAX_SIZE) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "%s: invalid size %" G_GUINT64_FORMAT, image, size);
        return false;
    }
    g_mutex_lock(&s->lock);
    uint64_t per_l1 = 1ull << (s->h.cluster_bits + s->l2_bits);
    uint64_t need = (size + per_l1 - 1) / per_l1;
    int ret = 0;
    if (need > s->h.l1_size) {
        /* A bigger L1 table elsewhere; the header switches to it in one write. */
        uint64_t bytes = need * 8;
        uint64_t nclusters = (bytes + s->cluster_size - 1) / s->cluster_size;
        int64_t off = qcow2_alloc_clusters_contiguous(s, nclusters);
        ret = off < 0 ? (int)off : 0;
        g_autofree uint8_t *raw = g_malloc0(nclusters * s->cluster_size);
        for (uint32_t i = 0; i < s->h.l1_size; i++) {
            qcow2_put64(raw + i * 8, s->l1[i]);
        }
        if (ret >= 0) {
            ret = block_node_pwrite(s->file, off, nclusters * s->cluster_size, raw, 0);
        }
        if (ret >= 0) {
            ret = block_node_flush(s->file);
        }
        uint8_t hdr[12];
        qcow2_put32(hdr, need);
        qcow2_put64(hdr + 4, off);
        if (ret >= 0) {
            ret = block_node_pwrite(s->file, QH_L1, sizeof(hdr), hdr, 0);
        }
        if (ret >= 0) {
            uint64_t old = s->h.l1_table_offset;
            uint64_t oldc = ((uint64_t)s->h.l1_size * 8 + s->cluster_size - 1) / s->cluster_size;
            s->l1 = g_renew(uint64_t, s->l1, need);
            memset(s->l1 + s->h.l1_size, 0, (need - s->h.l1_size) * 8);
            s->h.l1_size = need;
            s->h.l1_table_offset = off;
            for (uint64_t i = 0; i < oldc && old; i++) {
                qcow2_free_cluster(s, old + i * s->cluster_size);
            }
        }
    }
    if (ret >= 0) {
        ret = write_header_u64(s, QH_SIZE, size);
    }
    if (ret >= 0) {
        s->h.size = size;
    }
    g_mutex_unlock(&s->lock);
    if (ret < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "%s: resize failed: %s", image,
                    g_strerror(-ret));
        return false;
    }
    return true;
}

static void qcow2_query_image(BlockNode *bs, JsonObject *image)
{
    Qcow2State *s = bs->opaque;
    json_object_set_int_member(image, "cluster-size", s->cluster_size);
    json_object_set_boolean_member(image, "dirty-flag",
                                   (s->h.incompatible_features & QCOW2_INCOMPAT_DIRTY) ||
                                   s->dirty_set);
    if (s->snapshots->len) {
        JsonArray *a = json_array_new();
        for (guint i = 0; i < s->snapshots->len; i++) {
            Qcow2Snapshot *sn = g_ptr_array_index(s->snapshots, i);
            JsonObject *o = json_object_new();
            json_object_set_string_member(o, "id", sn->id);
            json_object_set_string_member(o, "name", sn->name);
            json_object_set_int_member(o, "vm-state-size", sn->vm_state_size);
            json_object_set_int_member(o, "date-sec", sn->date_sec);
            json_object_set_int_member(o, "date-nsec", sn->date_nsec);
            json_object_set_int_member(o, "vm-clock-sec", sn->vm_clock_ns / 1000000000ull);
            json_object_set_int_member(o, "vm-clock-nsec", sn->vm_clock_ns % 1000000000ull);
            json_array_add_object_element(a, o);
        }
        json_object_set_array_member(image, "snapshots", a);
    }
    JsonObject *data = json_object_new();
    json_object_set_string_member(data, "compat", s->h.version == 3 ? "1.1" : "0.10");
    json_object_set_boolean_member(data, "lazy-refcounts",
                                   !!(s->h.compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS));
    json_object_set_int_member(data, "refcount-bits", s->refcount_bits);
    json_object_set_boolean_member(data, "corrupt",
                                   !!(s->h.incompatible_features & QCOW2_INCOMPAT_CORRUPT));
    json_object_set_boolean_member(data, "extended-l2", false);
    json_object_set_string_member(data, "compression-type",
                                  s->h.compression_type ? "zstd" : "zlib");
    JsonObject *spec = json_object_new();
    json_object_set_string_member(spec, "type", "qcow2");
    json_object_set_object_member(spec, "data", data);
    json_object_set_object_member(image, "format-specific", spec);
}

static const BlockDriver qcow2_driver = {
    .name = "qcow2",
    .is_format = true,
    .probe = qcow2_probe,
    .open = qcow2_open,
    .close = qcow2_close,
    .preadv = qcow2_preadv,
    .pwritev = qcow2_pwritev,
    .copy_range_from = qcow2_copy_range_from,
    .copy_range_to = qcow2_copy_range_to,
    .flush = qcow2_flush,
    .pdiscard = qcow2_pdiscard,
    .pwrite_zeroes = qcow2_pwrite_zeroes,
    .getlength = qcow2_getlength,
    .truncate = qcow2_truncate,
    .query_image = qcow2_query_image,
    .block_status = qcow2_block_status,
    .change_backing_file = qcow2_change_backing_file,
    .create = qcow2_create,
    .can_store_bitmap = qcow2_can_store_bitmap,
    .remove_persistent_bitmap = qcow2_remove_persistent_bitmap,
    .inactivate = qcow2_inactivate,
    .data_status = qcow2_data_status,
};

static const TypeInfo qcow2_type = {
    .name = TYPE_BLOCK_DRIVER_PREFIX "qcow2", .parent = TYPE_BLOCK_DRIVER,
    .category = "block-driver", .description = "format: QEMU copy-on-write v2/v3",
    .class_size = sizeof(BlockDriverClass), .class_init = block_driver_class_init,
    .class_data = &qcow2_driver,
};

TESSERA_MODULE(.name = "block-qcow2", .kind = "backend", .types = TESSERA_TYPES(&qcow2_type));
