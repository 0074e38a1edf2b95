/* SPDX-License-Identifier: MIT */
/*
 * Persistent dirty bitmaps in qcow2 images (the "bitmaps" header extension
 * of the qcow2 specification, version 3 images only).
 *
 * On disk: the extension names a directory of entries (bitmap table
 * offset and size, flags in_use/auto, type 1, granularity bits, name); a
 * bitmap table has one entry per cluster of bitmap data (0: all clean);
 * the data is the bitmap in the order block/bitmap.h keeps it.  Autoclear
 * bit 0 says the extension is current (a program that does not know it
 * clears the bit, and the extension is then ignored).
 *
 * A read-write open loads every bitmap and rewrites the directory with
 * in_use set: if Tessera dies, the bitmaps come back "inconsistent" rather
 * than silently stale.  Closing (or the end of the process) writes each
 * persistent bitmap to new clusters, then a new directory without in_use,
 * then the header pointing at it, and only then frees the old clusters,
 * so a crash at any point leaves a valid image (at worst with leaks).
 * Bitmaps found in use are kept as inconsistent: they can only be removed.
 * After a crash with lazy refcounts (the refcounts are rebuilt), the
 * bitmaps are dropped, because their clusters are not counted.
 */
#include <errno.h>
#include <string.h>

#include "block/bitmap.h"
#include "qcow2.h"

struct Qcow2BitmapEntry {
    char *name;
    uint64_t table_offset;
    uint32_t table_size;
    uint32_t flags;
    uint8_t gran_bits;
    uint32_t extra_size;
    uint8_t *extra;           /* kept as found */
};

static void entry_free(gpointer p)
{
    Qcow2BitmapEntry *e = p;
    g_free(e->name);
    g_free(e->extra);
    g_free(e);
}

void qcow2_bitmaps_free(Qcow2State *s)
{
    if (s->bitmap_dir) {
        g_ptr_array_unref(s->bitmap_dir);
        s->bitmap_dir = NULL;
    }
}

static uint64_t clusters_for(Qcow2State *s, uint64_t bytes)
{
    return (bytes + s->cluster_size - 1) / s->cluster_size;
}

/* Bitmap table entries a bitmap of @gran_bits over the image needs. */
static uint64_t table_size_for(Qcow2State *s, uint32_t gran_bits)
{
    uint64_t granules = (s->h.size + (1ull << gran_bits) - 1) >> gran_bits;
    return clusters_for(s, (granules + 7) / 8);
}

static uint64_t entry_bytes(const Qcow2BitmapEntry *e)
{
    return (24 + (uint64_t)e->extra_size + strlen(e->name) + 7) & ~7ull;
}

/* ---- the directory ---------------------------------------------------------- */

static bool parse_directory(Qcow2State *s, const uint8_t *buf, uint64_t size, const char *image,
                            GError **errp)
{
    int64_t flen = block_node_length(s->file);
    uint64_t p = 0;
    for (uint32_t i = 0; i < s->h.nb_bitmaps; i++) {
        if (size - p < 24) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE,
                        "%s: bitmap directory entry %u runs past the directory", image, i);
            return false;
        }
        const uint8_t *d = buf + p;
        Qcow2BitmapEntry *e = g_new0(Qcow2BitmapEntry, 1);
        e->table_offset = qcow2_be64(d);
        e->table_size = qcow2_be32(d + 8);
        e->flags = qcow2_be32(d + 12);
        uint8_t type = d[16];
        e->gran_bits = d[17];
        uint16_t name_size = qcow2_be16(d + 18);
        e->extra_size = qcow2_be32(d + 20);
        g_ptr_array_add(s->bitmap_dir, e);
        const char *why = NULL;
        if (name_size == 0 || name_size > BLOCK_BITMAP_MAX_NAME) {
            why = "invalid name length";
        } else if (e->extra_size > 4096 ||
                   24 + (uint64_t)e->extra_size + name_size > size - p) {
            why = "runs past the directory";
        } else if (type != 1) {
            why = "is not a dirty tracking bitmap";
        } else if (e->gran_bits < 9 || e->gran_bits > 31) {
            why = "has an invalid granularity";
        } else if (e->flags & ~(QCOW2_BME_IN_USE | QCOW2_BME_AUTO | QCOW2_BME_EXTRA_COMPAT)) {
            why = "has unknown flags";
        } else if (e->extra_size && !(e->flags & QCOW2_BME_EXTRA_COMPAT)) {
            why = "has extra data this program does not understand";
        } else if (e->table_size != table_size_for(s, e->gran_bits)) {
            why = "has a bitmap table of the wrong size";
        } else if (e->table_offset % s->cluster_size || !e->table_offset ||
                   e->table_offset > (uint64_t)flen ||
                   (uint64_t)e->table_size * 8 > (uint64_t)flen - e->table_offset) {
            why = "has its bitmap table outside the file";
        }
        if (why) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE, "%s: bitmap %u %s", image, i, why);
            return false;
        }
        e->extra = g_memdup2(d + 24, e->extra_size);
        e->name = g_strndup((const char *)d + 24 + e->extra_size, name_size);
        if (strlen(e->name) != name_size) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE,
                        "%s: bitmap %u's name contains a NUL byte", image, i);
            return false;
        }
        for (guint j = 0; j + 1 < s->bitmap_dir->len; j++) {
            if (!strcmp(((Qcow2BitmapEntry *)g_ptr_array_index(s->bitmap_dir, j))->name,
                        e->name)) {
                g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE,
                            "%s: two bitmaps are called '%s'", image, e->name);
                return false;
            }
        }
        p += entry_bytes(e);
    }
    return true;
}

/* Rewrite cluster 0 with the bitmaps extension for @dir at @off (or none)
 * and the matching autoclear bit; other extensions and the backing file
 * name are kept. */
static int write_header(Qcow2State *s, uint32_t nb, uint64_t dir_size, uint64_t dir_off)
{
    uint64_t cs = s->cluster_size;
    g_autofree uint8_t *old = g_malloc0(cs);
    g_autofree uint8_t *buf = g_malloc0(cs);
    int ret = block_node_pread(s->file, 0, cs, old);
    if (ret < 0) {
        return ret;
    }
    memcpy(buf, old, s->h.header_length);
    uint64_t end = s->h.backing_file_offset ? s->h.backing_file_offset : cs;
    uint64_t p = s->h.header_length, q = s->h.header_length;
    while (p + 8 <= end) {
        uint32_t type = qcow2_be32(old + p), len = qcow2_be32(old + p + 4);
        uint64_t total = 8 + (((uint64_t)len + 7) & ~7ull);
        if (type == QCOW2_EXT_END || total > end - p) {
            break;
        }
        if (type != QCOW2_EXT_BITMAPS) {
            memcpy(buf + q, old + p, total);
            q += total;
        }
        p += total;
    }
    if (nb) {
        qcow2_put32(buf + q, QCOW2_EXT_BITMAPS);
        qcow2_put32(buf + q + 4, 24);
        qcow2_put32(buf + q + 8, nb);
        qcow2_put64(buf + q + 16, dir_size);
        qcow2_put64(buf + q + 24, dir_off);
        q += 32;
    }
    q += 8; /* end of extensions (zero) */
    if (s->h.backing_file_offset) {
        if (q + s->h.backing_file_size > cs) {
            return -ENOSPC;
        }
        memcpy(buf + q, s->h.backing_file, s->h.backing_file_size);
        qcow2_put64(buf + 8, q);
        s->h.backing_file_offset = q;
    } else if (q > cs) {
        return -ENOSPC;
    }
    uint64_t autoclear = nb ? QCOW2_AUTOCLEAR_BITMAPS : 0;
    qcow2_put64(buf + 88, autoclear);
    ret = block_node_pwrite(s->file, 0, cs, buf, 0);
    if (ret >= 0) {
        ret = block_node_flush(s->file);
    }
    if (ret >= 0) {
        s->h.autoclear_features = autoclear;
        s->h.has_bitmaps = nb > 0;
        s->h.nb_bitmaps = nb;
        s->h.bitmap_dir_size = dir_size;
        s->h.bitmap_dir_offset = dir_off;
    }
    return ret;
}

static void free_clusters(Qcow2State *s, uint64_t off, uint64_t bytes)
{
    for (uint64_t i = 0; off && i < clusters_for(s, bytes); i++) {
        qcow2_free_cluster(s, off + i * s->cluster_size);
    }
}

/* Write @dir (flags as given) to new clusters, point the header at it,
 * free the old directory.  s->lock held. */
static int write_directory(Qcow2State *s, GPtrArray *dir)
{
    uint64_t size = 0;
    for (guint i = 0; i < dir->len; i++) {
        size += entry_bytes(g_ptr_array_index(dir, i));
    }
    if (size > QCOW2_MAX_BITMAP_DIR || dir->len > QCOW2_MAX_BITMAPS) {
        return -EFBIG;
    }
    int64_t off = 0;
    int ret = 0;
    if (dir->len) {
        g_autofree uint8_t *buf = g_malloc0(clusters_for(s, size) * s->cluster_size);
        uint64_t p = 0;
        for (guint i = 0; i < dir->len; i++) {
            Qcow2BitmapEntry *e = g_ptr_array_index(dir, i);
            uint8_t *d = buf + p;
            qcow2_put64(d, e->table_offset);
            qcow2_put32(d + 8, e->table_size);
            qcow2_put32(d + 12, e->flags);
            d[16] = 1;
            d[17] = e->gran_bits;
            qcow2_put16(d + 18, strlen(e->name));
            qcow2_put32(d + 20, e->extra_size);
            if (e->extra_size) {
                memcpy(d + 24, e->extra, e->extra_size);
            }
            memcpy(d + 24 + e->extra_size, e->name, strlen(e->name));
            p += entry_bytes(e);
        }
        off = qcow2_alloc_clusters_contiguous(s, clusters_for(s, size));
        if (off < 0) {
            return (int)off;
        }
        ret = block_node_pwrite(s->file, off, clusters_for(s, size) * s->cluster_size, buf, 0);
        if (ret >= 0) {
            ret = block_node_flush(s->file);
        }
        if (ret < 0) {
            free_clusters(s, off, size);
            return ret;
        }
    }
    uint64_t old_off = s->h.has_bitmaps ? s->h.bitmap_dir_offset : 0;
    uint64_t old_size = s->h.bitmap_dir_size;
    ret = write_header(s, dir->len, size, off);
    if (ret < 0) {
        free_clusters(s, off, size);
        return ret;
    }
    free_clusters(s, old_off, old_size);
    return 0;
}

/* ---- load ------------------------------------------------------------------- */

static int load_bits(Qcow2State *s, Qcow2BitmapEntry *e, BlockDirtyBitmap *bm)
{
    uint64_t n = e->table_size;
    g_autofree uint8_t *table = g_malloc(n * 8);
    int ret = block_node_pread(s->file, e->table_offset, n * 8, table);
    if (ret < 0) {
        return ret;
    }
    int64_t flen = block_node_length(s->file);
    g_autofree uint8_t *cl = g_malloc(s->cluster_size);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t t = qcow2_be64(table + i * 8);
        uint64_t off = t & QCOW2_OFFSET_MASK;
        if (t & ~(QCOW2_OFFSET_MASK | 1ull)) {
            return -EINVAL;
        }
        if (off) {
            if (off % s->cluster_size || off > (uint64_t)flen - MIN((uint64_t)flen,
                                                                   s->cluster_size)) {
                return -EINVAL;
            }
            ret = block_node_pread(s->file, off, s->cluster_size, cl);
            if (ret < 0) {
                return ret;
            }
        } else {
            memset(cl, (t & 1) ? 0xff : 0, s->cluster_size);
        }
        block_dirty_bitmap_deserialize(bm, i * s->cluster_size, s->cluster_size, cl);
    }
    return 0;
}

bool qcow2_bitmaps_load(Qcow2State *s, GError **errp)
{
    const char *image = block_node_name_for_messages(s->file);
    s->bitmap_dir = g_ptr_array_new_with_free_func(entry_free);
    if (!s->h.has_bitmaps || !(s->h.autoclear_features & QCOW2_AUTOCLEAR_BITMAPS)) {
        return true;
    }
    int64_t flen = block_node_length(s->file);
    if (s->h.nb_bitmaps == 0 || s->h.nb_bitmaps > QCOW2_MAX_BITMAPS ||
        s->h.bitmap_dir_size > QCOW2_MAX_BITMAP_DIR || s->h.bitmap_dir_size < 24 ||
        s->h.bitmap_dir_offset % s->cluster_size ||
        s->h.bitmap_dir_offset > (uint64_t)flen ||
        s->h.bitmap_dir_size > (uint64_t)flen - s->h.bitmap_dir_offset) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE,
                    "%s: invalid bitmaps extension (%u bitmaps, directory of %" G_GUINT64_FORMAT
                    " bytes at 0x%" G_GINT64_MODIFIER "x)", image, s->h.nb_bitmaps,
                    s->h.bitmap_dir_size, s->h.bitmap_dir_offset);
        return false;
    }
    g_autofree uint8_t *dir = g_malloc(s->h.bitmap_dir_size);
    int ret = block_node_pread(s->file, s->h.bitmap_dir_offset, s->h.bitmap_dir_size, dir);
    if (ret < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "%s: cannot read the bitmap directory: "
                    "%s", image, g_strerror(-ret));
        return false;
    }
    if (!parse_directory(s, dir, s->h.bitmap_dir_size, image, errp)) {
        return false;
    }
    BlockNode *bs = s->bs;
    for (guint i = 0; i < s->bitmap_dir->len; i++) {
        Qcow2BitmapEntry *e = g_ptr_array_index(s->bitmap_dir, i);
        BlockDirtyBitmap *bm = block_dirty_bitmap_create(bs, e->name, 1u << e->gran_bits, errp);
        if (!bm) {
            g_prefix_error(errp, "%s: bitmap '%s': ", image, e->name);
            return false;
        }
        block_dirty_bitmap_set_persistent(bm, true);
        block_dirty_bitmap_set_enabled(bm, e->flags & QCOW2_BME_AUTO);
        if (e->flags & QCOW2_BME_IN_USE) {
            block_dirty_bitmap_set_inconsistent(bm, true);
            continue;
        }
        ret = load_bits(s, e, bm);
        if (ret < 0) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE, "%s: cannot load bitmap '%s': %s",
                        image, e->name, ret == -EINVAL ? "invalid bitmap table"
                                                       : g_strerror(-ret));
            return false;
        }
        e->flags |= QCOW2_BME_IN_USE;
    }
    /* From here on the bitmaps on disk may go stale: say so on disk. */
    g_mutex_lock(&s->lock);
    ret = write_directory(s, s->bitmap_dir);
    g_mutex_unlock(&s->lock);
    if (ret < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "%s: cannot mark the bitmaps in use: %s",
                    image, g_strerror(-ret));
        return false;
    }
    s->bitmaps_loaded = true;
    return true;
}

/* ---- store ------------------------------------------------------------------ */

/* Write @bm's data and table to new clusters; fills @e. */
static int store_bits(Qcow2State *s, BlockDirtyBitmap *bm, Qcow2BitmapEntry *e)
{
    uint64_t n = table_size_for(s, e->gran_bits);
    g_autofree uint8_t *table = g_malloc0(clusters_for(s, n * 8) * s->cluster_size);
    g_autofree uint8_t *cl = g_malloc(s->cluster_size);
    g_autofree uint8_t *zero = g_malloc0(s->cluster_size);
    int ret = 0;
    for (uint64_t i = 0; i < n && ret >= 0; i++) {
        block_dirty_bitmap_serialize(bm, i * s->cluster_size, s->cluster_size, cl);
        if (!memcmp(cl, zero, s->cluster_size)) {
            continue; /* entry 0: all clean */
        }
        int64_t off = qcow2_alloc_cluster(s);
        if (off < 0) {
            ret = (int)off;
            break;
        }
        qcow2_put64(table + i * 8, off);
        ret = block_node_pwrite(s->file, off, s->cluster_size, cl, 0);
    }
    int64_t toff = ret < 0 ? ret : qcow2_alloc_clusters_contiguous(s, clusters_for(s, n * 8));
    if (toff < 0) {
        ret = (int)toff;
    } else {
        ret = block_node_pwrite(s->file, toff, clusters_for(s, n * 8) * s->cluster_size, table,
                                0);
    }
    if (ret < 0) {
        for (uint64_t i = 0; i < n; i++) {
            free_clusters(s, qcow2_be64(table + i * 8), s->cluster_size);
        }
        if (toff > 0) {
            free_clusters(s, toff, n * 8);
        }
        return ret;
    }
    e->table_offset = toff;
    e->table_size = n;
    return 0;
}

/* Free what an entry's table points at, and the table. */
static void free_entry_clusters(Qcow2State *s, Qcow2BitmapEntry *e)
{
    g_autofree uint8_t *table = g_malloc(e->table_size * 8ull);
    if (block_node_pread(s->file, e->table_offset, e->table_size * 8ull, table) >= 0) {
        for (uint32_t i = 0; i < e->table_size; i++) {
            free_clusters(s, qcow2_be64(table + i * 8) & QCOW2_OFFSET_MASK, s->cluster_size);
        }
    }
    free_clusters(s, e->table_offset, e->table_size * 8ull);
}

static Qcow2BitmapEntry *dir_find(GPtrArray *dir, const char *name)
{
    for (guint i = 0; i < dir->len; i++) {
        Qcow2BitmapEntry *e = g_ptr_array_index(dir, i);
        if (!strcmp(e->name, name)) {
            return e;
        }
    }
    return NULL;
}

int qcow2_bitmaps_store(Qcow2State *s)
{
    if (!s->bitmap_dir || s->h.version != 3) {
        return 0;
    }
    g_autoptr(GPtrArray) list = block_node_list_bitmaps(s->bs);
    g_autoptr(GPtrArray) dir = g_ptr_array_new_with_free_func(entry_free);
    int ret = 0;
    g_mutex_lock(&s->lock);
    for (guint i = 0; i < list->len && ret >= 0; i++) {
        BlockDirtyBitmap *bm = g_ptr_array_index(list, i);
        if (!block_dirty_bitmap_persistent(bm)) {
            continue;
        }
        Qcow2BitmapEntry *old = dir_find(s->bitmap_dir, block_dirty_bitmap_name(bm));
        Qcow2BitmapEntry *e = g_new0(Qcow2BitmapEntry, 1);
        e->name = g_strdup(block_dirty_bitmap_name(bm));
        e->gran_bits = g_bit_nth_lsf(block_dirty_bitmap_granularity(bm), -1);
        g_ptr_array_add(dir, e);
        if (block_dirty_bitmap_inconsistent(bm) && old) {
            /* Kept as found (still in use): only removal helps. */
            e->table_offset = old->table_offset;
            e->table_size = old->table_size;
            e->flags = old->flags | QCOW2_BME_IN_USE;
            e->extra_size = old->extra_size;
            e->extra = g_memdup2(old->extra, old->extra_size);
            continue;
        }
        e->flags = block_dirty_bitmap_enabled(bm) ? QCOW2_BME_AUTO : 0;
        ret = store_bits(s, bm, e);
    }
    if (ret >= 0) {
        ret = write_directory(s, dir);
    }
    if (ret >= 0) {
        /* The new directory is in place: the old copies can go. */
        for (guint i = 0; i < s->bitmap_dir->len; i++) {
            Qcow2BitmapEntry *old = g_ptr_array_index(s->bitmap_dir, i);
            bool kept = false;
            for (guint j = 0; j < dir->len; j++) {
                Qcow2BitmapEntry *e = g_ptr_array_index(dir, j);
                kept |= e->table_offset == old->table_offset;
            }
            if (!kept) {
                free_entry_clusters(s, old);
            }
        }
        g_ptr_array_unref(s->bitmap_dir);
        s->bitmap_dir = g_steal_pointer(&dir);
        ret = block_node_flush(s->file);
    } else {
        /* Nothing switched: free what was written for the new entries. */
        for (guint j = 0; j < dir->len; j++) {
            Qcow2BitmapEntry *e = g_ptr_array_index(dir, j);
            Qcow2BitmapEntry *o = dir_find(s->bitmap_dir, e->name);
            if (e->table_offset && (!o || o->table_offset != e->table_offset)) {
                free_entry_clusters(s, e);
            }
        }
    }
    g_mutex_unlock(&s->lock);
    return ret;
}

/* ---- driver callbacks --------------------------------------------------------- */

bool qcow2_can_store_bitmap(BlockNode *bs, const char *name, uint32_t granularity,
                            GError **errp)
{
    Qcow2State *s = bs->opaque;
    if (s->h.version != 3) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "qcow2 version 2 images cannot store dirty bitmaps (use compat=1.1)");
        return false;
    }
    if (!s->bitmap_dir) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "the image is opened read-only");
        return false;
    }
    if (strlen(name) > BLOCK_BITMAP_MAX_NAME) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "name too long");
        return false;
    }
    if (granularity < 512 || granularity > 0x80000000u) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "granularity out of range");
        return false;
    }
    g_autoptr(GPtrArray) list = block_node_list_bitmaps(bs);
    guint persistent = 0;
    for (guint i = 0; i < list->len; i++) {
        persistent += block_dirty_bitmap_persistent(g_ptr_array_index(list, i));
    }
    if (persistent >= QCOW2_MAX_BITMAPS) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "too many bitmaps");
        return false;
    }
    return true;
}

/* Remove @name from the directory on disk now (the others stay in use). */
bool qcow2_remove_persistent_bitmap(BlockNode *bs, const char *name, GError **errp)
{
    Qcow2State *s = bs->opaque;
    if (!s->bitmap_dir) {
        return true;
    }
    Qcow2BitmapEntry *old = dir_find(s->bitmap_dir, name);
    if (!old) {
        return true; /* never stored */
    }
    g_autoptr(GPtrArray) dir = g_ptr_array_new();
    for (guint i = 0; i < s->bitmap_dir->len; i++) {
        if (g_ptr_array_index(s->bitmap_dir, i) != old) {
            g_ptr_array_add(dir, g_ptr_array_index(s->bitmap_dir, i));
        }
    }
    g_mutex_lock(&s->lock);
    int ret = write_directory(s, dir);
    if (ret >= 0) {
        free_entry_clusters(s, old);
        g_ptr_array_remove(s->bitmap_dir, old);
    }
    g_mutex_unlock(&s->lock);
    if (ret < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "%s: cannot remove bitmap '%s': %s",
                    block_node_name_for_messages(s->file), name, g_strerror(-ret));
        return false;
    }
    return true;
}
