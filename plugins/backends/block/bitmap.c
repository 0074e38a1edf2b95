/* SPDX-License-Identifier: MIT */
/*
 * Dirty bitmaps (block/bitmap.h): a byte array in qcow2 bit order with a
 * running count of dirty granules, kept current by the node's write
 * notifier.  The notifier is registered with the first bitmap of a node
 * and removed with the last (never while bitmap_lock is held: a worker
 * holds the notifier list's read lock while it waits for bitmap_lock).
 */
#include <string.h>

#include "block-int.h"
#include "block/bitmap.h"

struct BlockDirtyBitmap {
    BlockNode *bs;
    char *name;
    uint32_t granularity;
    uint32_t gran_bits;
    uint64_t size;            /* bytes covered */
    uint64_t granules;
    uint64_t dirty;           /* granules set */
    uint8_t *bits;
    bool enabled, persistent, busy, inconsistent;
};

/* ---- bits (bitmap_lock held) --------------------------------------------- */

static void set_bits(BlockDirtyBitmap *bm, uint64_t first, uint64_t last, bool value)
{
    for (uint64_t i = first; i <= last; i++) {
        uint8_t mask = 1u << (i & 7);
        uint8_t *b = &bm->bits[i >> 3];
        if (!!(*b & mask) != value) {
            *b ^= mask;
            bm->dirty += value ? 1 : -1;
        }
    }
}

/* Granules [first, last] covering [off, off+bytes); false if empty. */
static bool granule_range(BlockDirtyBitmap *bm, uint64_t off, uint64_t bytes, uint64_t *first,
                          uint64_t *last)
{
    if (!bytes || off >= bm->size) {
        return false;
    }
    uint64_t end = MIN(bm->size, off + MIN(bytes, UINT64_MAX - off));
    *first = off >> bm->gran_bits;
    *last = (end - 1) >> bm->gran_bits;
    return true;
}

/* The whole granules inside [off, off+bytes) (for resets). */
static bool inner_granules(BlockDirtyBitmap *bm, uint64_t off, uint64_t bytes, uint64_t *first,
                           uint64_t *last)
{
    if (!bytes || off >= bm->size) {
        return false;
    }
    uint64_t end = MIN(bm->size, off + MIN(bytes, UINT64_MAX - off));
    uint64_t f = (off + bm->granularity - 1) >> bm->gran_bits;
    uint64_t l_end = end == bm->size ? bm->granules : end >> bm->gran_bits;
    if (f >= l_end) {
        return false;
    }
    *first = f;
    *last = l_end - 1;
    return true;
}

static void after_write(BlockWriteNotifier *n, BlockNode *bs, uint64_t off, uint64_t bytes,
                        int ret)
{
    /* Marked even when the write failed: the data may have changed. */
    g_mutex_lock(&bs->bitmap_lock);
    for (guint i = 0; i < bs->dirty_bitmaps->len; i++) {
        BlockDirtyBitmap *bm = g_ptr_array_index(bs->dirty_bitmaps, i);
        uint64_t first, last;
        if (bm->enabled && !bm->inconsistent && granule_range(bm, off, bytes, &first, &last)) {
            set_bits(bm, first, last, true);
        }
    }
    g_mutex_unlock(&bs->bitmap_lock);
}

/* ---- life ----------------------------------------------------------------- */

BlockDirtyBitmap *block_dirty_bitmap_create(BlockNode *bs, const char *name,
                                            uint32_t granularity, GError **errp)
{
    if (!name || !*name) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Bitmap name cannot be empty");
        return NULL;
    }
    if (strlen(name) > BLOCK_BITMAP_MAX_NAME) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Bitmap name too long (at most %d bytes)", BLOCK_BITMAP_MAX_NAME);
        return NULL;
    }
    if (granularity < BLOCK_BITMAP_MIN_GRANULARITY || granularity > BLOCK_BITMAP_MAX_GRANULARITY ||
        (granularity & (granularity - 1))) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Granularity must be power of 2 between 512 and 2147483648");
        return NULL;
    }
    if (block_dirty_bitmap_find(bs, name)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Bitmap already exists: %s", name);
        return NULL;
    }
    int64_t size = block_node_length(bs);
    if (size < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "Cannot get the size of node '%s': %s",
                    bs->node_name, g_strerror(-size));
        return NULL;
    }
    BlockDirtyBitmap *bm = g_new0(BlockDirtyBitmap, 1);
    bm->bs = bs;
    bm->name = g_strdup(name);
    bm->granularity = granularity;
    bm->gran_bits = g_bit_nth_lsf(granularity, -1);
    bm->size = size;
    bm->granules = (size + granularity - 1) / granularity;
    bm->bits = g_malloc0((bm->granules + 7) / 8 + 1);
    bm->enabled = true;
    bool first = false;
    g_mutex_lock(&bs->bitmap_lock);
    first = bs->dirty_bitmaps->len == 0;
    g_ptr_array_add(bs->dirty_bitmaps, bm);
    g_mutex_unlock(&bs->bitmap_lock);
    if (first) {
        BlockWriteNotifier *n = g_new0(BlockWriteNotifier, 1);
        n->after_write = after_write;
        bs->bitmap_notifier = n;
        block_node_add_write_notifier(bs, n);
    }
    return bm;
}

BlockDirtyBitmap *block_dirty_bitmap_find(BlockNode *bs, const char *name)
{
    BlockDirtyBitmap *found = NULL;
    g_mutex_lock(&bs->bitmap_lock);
    for (guint i = 0; i < bs->dirty_bitmaps->len && !found; i++) {
        BlockDirtyBitmap *bm = g_ptr_array_index(bs->dirty_bitmaps, i);
        if (!strcmp(bm->name, name)) {
            found = bm;
        }
    }
    g_mutex_unlock(&bs->bitmap_lock);
    return found;
}

void block_dirty_bitmap_release(BlockDirtyBitmap *bm)
{
    BlockNode *bs = bm->bs;
    g_mutex_lock(&bs->bitmap_lock);
    g_ptr_array_remove(bs->dirty_bitmaps, bm);
    bool last = bs->dirty_bitmaps->len == 0;
    g_mutex_unlock(&bs->bitmap_lock);
    if (last && bs->bitmap_notifier) {
        block_node_remove_write_notifier(bs, bs->bitmap_notifier);
        g_free(bs->bitmap_notifier);
        bs->bitmap_notifier = NULL;
    }
    g_free(bm->name);
    g_free(bm->bits);
    g_free(bm);
}

void block_node_release_bitmaps(BlockNode *bs)
{
    while (bs->dirty_bitmaps && bs->dirty_bitmaps->len) {
        block_dirty_bitmap_release(g_ptr_array_index(bs->dirty_bitmaps, 0));
    }
}

void block_node_resize_bitmaps(BlockNode *bs)
{
    int64_t size = block_node_length(bs);
    if (size < 0) {
        return;
    }
    g_mutex_lock(&bs->bitmap_lock);
    for (guint i = 0; i < bs->dirty_bitmaps->len; i++) {
        BlockDirtyBitmap *bm = g_ptr_array_index(bs->dirty_bitmaps, i);
        uint64_t granules = ((uint64_t)size + bm->granularity - 1) / bm->granularity;
        if (granules < bm->granules) {
            set_bits(bm, granules, bm->granules - 1, false);
        }
        uint64_t old_bytes = (bm->granules + 7) / 8 + 1, new_bytes = (granules + 7) / 8 + 1;
        bm->bits = g_realloc(bm->bits, new_bytes);
        if (new_bytes > old_bytes) {
            memset(bm->bits + old_bytes, 0, new_bytes - old_bytes);
        }
        bm->granules = granules;
        bm->size = size;
    }
    g_mutex_unlock(&bs->bitmap_lock);
}

GPtrArray *block_node_list_bitmaps(BlockNode *bs)
{
    g_mutex_lock(&bs->bitmap_lock);
    GPtrArray *a = g_ptr_array_copy(bs->dirty_bitmaps, NULL, NULL);
    g_mutex_unlock(&bs->bitmap_lock);
    return a;
}

/* ---- properties ------------------------------------------------------------ */

BlockNode *block_dirty_bitmap_node(BlockDirtyBitmap *bm) { return bm->bs; }
const char *block_dirty_bitmap_name(BlockDirtyBitmap *bm) { return bm->name; }
uint32_t block_dirty_bitmap_granularity(BlockDirtyBitmap *bm) { return bm->granularity; }
uint64_t block_dirty_bitmap_size(BlockDirtyBitmap *bm) { return bm->size; }
bool block_dirty_bitmap_enabled(BlockDirtyBitmap *bm) { return bm->enabled; }
bool block_dirty_bitmap_persistent(BlockDirtyBitmap *bm) { return bm->persistent; }
bool block_dirty_bitmap_busy(BlockDirtyBitmap *bm) { return bm->busy; }
bool block_dirty_bitmap_inconsistent(BlockDirtyBitmap *bm) { return bm->inconsistent; }

void block_dirty_bitmap_set_enabled(BlockDirtyBitmap *bm, bool enabled)
{
    g_mutex_lock(&bm->bs->bitmap_lock);
    bm->enabled = enabled;
    g_mutex_unlock(&bm->bs->bitmap_lock);
}

void block_dirty_bitmap_set_persistent(BlockDirtyBitmap *bm, bool persistent)
{
    bm->persistent = persistent;
}

void block_dirty_bitmap_set_busy(BlockDirtyBitmap *bm, bool busy)
{
    bm->busy = busy;
}

void block_dirty_bitmap_set_inconsistent(BlockDirtyBitmap *bm, bool inconsistent)
{
    bm->inconsistent = inconsistent;
}

/* ---- ranges ---------------------------------------------------------------- */

void block_dirty_bitmap_set_range(BlockDirtyBitmap *bm, uint64_t off, uint64_t bytes)
{
    uint64_t first, last;
    g_mutex_lock(&bm->bs->bitmap_lock);
    if (granule_range(bm, off, bytes, &first, &last)) {
        set_bits(bm, first, last, true);
    }
    g_mutex_unlock(&bm->bs->bitmap_lock);
}

void block_dirty_bitmap_reset_range(BlockDirtyBitmap *bm, uint64_t off, uint64_t bytes)
{
    uint64_t first, last;
    g_mutex_lock(&bm->bs->bitmap_lock);
    if (inner_granules(bm, off, bytes, &first, &last)) {
        set_bits(bm, first, last, false);
    }
    g_mutex_unlock(&bm->bs->bitmap_lock);
}

void block_dirty_bitmap_clear(BlockDirtyBitmap *bm)
{
    g_mutex_lock(&bm->bs->bitmap_lock);
    memset(bm->bits, 0, (bm->granules + 7) / 8);
    bm->dirty = 0;
    g_mutex_unlock(&bm->bs->bitmap_lock);
}

static bool get_bit(BlockDirtyBitmap *bm, uint64_t granule)
{
    return bm->bits[granule >> 3] & (1u << (granule & 7));
}

bool block_dirty_bitmap_get(BlockDirtyBitmap *bm, uint64_t off)
{
    g_mutex_lock(&bm->bs->bitmap_lock);
    bool v = off < bm->size && get_bit(bm, off >> bm->gran_bits);
    g_mutex_unlock(&bm->bs->bitmap_lock);
    return v;
}

uint64_t block_dirty_bitmap_count(BlockDirtyBitmap *bm)
{
    g_mutex_lock(&bm->bs->bitmap_lock);
    uint64_t n = bm->dirty * bm->granularity;
    if (bm->granules && get_bit(bm, bm->granules - 1)) {
        n -= bm->granules * (uint64_t)bm->granularity - bm->size; /* partial last granule */
    }
    g_mutex_unlock(&bm->bs->bitmap_lock);
    return n;
}

int64_t block_dirty_bitmap_next_dirty(BlockDirtyBitmap *bm, uint64_t off)
{
    int64_t found = -1;
    g_mutex_lock(&bm->bs->bitmap_lock);
    for (uint64_t g = off >> bm->gran_bits; off < bm->size && g < bm->granules; g++) {
        if (!(g & 7) && bm->bits[g >> 3] == 0) {
            g += 7;
            continue;
        }
        if (get_bit(bm, g)) {
            found = MAX(off, g << bm->gran_bits);
            break;
        }
    }
    g_mutex_unlock(&bm->bs->bitmap_lock);
    return found;
}

bool block_dirty_bitmap_merge(BlockDirtyBitmap *dst, BlockDirtyBitmap *src, GError **errp)
{
    if (dst->size != src->size) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Bitmaps are of different sizes (%s: %" G_GUINT64_FORMAT ", %s: %"
                    G_GUINT64_FORMAT ") and can't be merged", dst->name, dst->size, src->name,
                    src->size);
        return false;
    }
    if (dst == src) {
        return true;
    }
    /* Snapshot the source first: the two may be on different nodes. */
    g_mutex_lock(&src->bs->bitmap_lock);
    g_autofree uint8_t *copy = g_memdup2(src->bits, (src->granules + 7) / 8 + 1);
    g_mutex_unlock(&src->bs->bitmap_lock);
    g_mutex_lock(&dst->bs->bitmap_lock);
    if (src->granularity == dst->granularity) {
        for (uint64_t i = 0; i < (dst->granules + 7) / 8; i++) {
            uint8_t add = copy[i] & ~dst->bits[i];
            dst->bits[i] |= add;
            dst->dirty += __builtin_popcount(add);
        }
    } else {
        for (uint64_t g = 0; g < src->granules; g++) {
            if (copy[g >> 3] & (1u << (g & 7))) {
                uint64_t first, last;
                if (granule_range(dst, g << src->gran_bits, src->granularity, &first, &last)) {
                    set_bits(dst, first, last, true);
                }
            }
        }
    }
    g_mutex_unlock(&dst->bs->bitmap_lock);
    return true;
}

/* ---- serialization ----------------------------------------------------------- */

uint64_t block_dirty_bitmap_serial_size(BlockDirtyBitmap *bm)
{
    return (bm->granules + 7) / 8;
}

void block_dirty_bitmap_serialize(BlockDirtyBitmap *bm, uint64_t start, uint64_t len,
                                  uint8_t *buf)
{
    uint64_t total = block_dirty_bitmap_serial_size(bm);
    memset(buf, 0, len);
    if (start >= total) {
        return;
    }
    g_mutex_lock(&bm->bs->bitmap_lock);
    memcpy(buf, bm->bits + start, MIN(len, total - start));
    g_mutex_unlock(&bm->bs->bitmap_lock);
}

void block_dirty_bitmap_deserialize(BlockDirtyBitmap *bm, uint64_t start, uint64_t len,
                                    const uint8_t *buf)
{
    uint64_t total = block_dirty_bitmap_serial_size(bm);
    if (start >= total) {
        return;
    }
    uint64_t n = MIN(len, total - start);
    g_mutex_lock(&bm->bs->bitmap_lock);
    for (uint64_t i = 0; i < n; i++) {
        bm->dirty -= __builtin_popcount(bm->bits[start + i]);
        bm->bits[start + i] = buf[i];
    }
    /* Bits past the last granule are not part of the bitmap. */
    if (bm->granules % 8) {
        bm->bits[total - 1] &= (1u << (bm->granules % 8)) - 1;
    }
    for (uint64_t i = 0; i < n; i++) {
        bm->dirty += __builtin_popcount(bm->bits[start + i]);
    }
    g_mutex_unlock(&bm->bs->bitmap_lock);
}

char *block_dirty_bitmap_sha256(BlockDirtyBitmap *bm)
{
    g_mutex_lock(&bm->bs->bitmap_lock);
    char *s = g_compute_checksum_for_data(G_CHECKSUM_SHA256, bm->bits,
                                          block_dirty_bitmap_serial_size(bm));
    g_mutex_unlock(&bm->bs->bitmap_lock);
    return s;
}

JsonArray *block_node_bitmaps_info(BlockNode *bs)
{
    JsonArray *a = json_array_new();
    g_autoptr(GPtrArray) list = block_node_list_bitmaps(bs);
    for (guint i = 0; i < list->len; i++) {
        BlockDirtyBitmap *bm = g_ptr_array_index(list, i);
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "name", bm->name);
        json_object_set_int_member(o, "count", block_dirty_bitmap_count(bm));
        json_object_set_int_member(o, "granularity", bm->granularity);
        json_object_set_boolean_member(o, "recording", bm->enabled);
        json_object_set_boolean_member(o, "busy", bm->busy);
        json_object_set_boolean_member(o, "persistent", bm->persistent);
        if (bm->inconsistent) {
            json_object_set_boolean_member(o, "inconsistent", true);
        }
        json_array_add_object_element(a, o);
    }
    return a;
}
