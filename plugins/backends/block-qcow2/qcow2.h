/* SPDX-License-Identifier: MIT */
/*
 * qcow2 driver internals (format: docs/interop/qcow2.txt in QEMU's tree).
 *
 * Metadata is written through (no write-back cache), in an order that
 * leaves a consistent image whenever the process dies: a cluster's refcount
 * is raised before anything points at it, a new L2 table is written before
 * the L1 entry that points at it, data is written before the L2 entry that
 * maps it, and a cluster is freed (refcount lowered) only after nothing
 * points at it.  A crash can leak clusters, never corrupt the image.
 */
#ifndef TESSERA_QCOW2_H
#define TESSERA_QCOW2_H

#include "block/block.h"

#define QCOW2_MAGIC 0x514649fbu            /* "QFI\xfb" */
#define QCOW2_V2_HEADER_SIZE 72
#define QCOW2_V3_HEADER_SIZE 104
#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21
#define QCOW2_MAX_L1_BYTES (32u << 20)     /* as QEMU */
#define QCOW2_MAX_REFTABLE_BYTES (8u << 20)
#define QCOW2_MAX_SNAPSHOTS 65536
#define QCOW2_MAX_BACKING_NAME 1023
#define QCOW2_MAX_SIZE (1ull << 56)        /* virtual size limit (64 PiB) */

/* Header field offsets. */
#define QH_INCOMPAT 72
#define QH_L1 36                           /* l1_size (4) + l1_table_offset (8) */
#define QH_SIZE 24

/* Feature bits. */
#define QCOW2_INCOMPAT_DIRTY (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2 (1ull << 4)
#define QCOW2_INCOMPAT_KNOWN 0x1full
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ull << 0)

/* Header extensions. */
#define QCOW2_EXT_END 0
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE 0x6803f857u
#define QCOW2_EXT_BITMAPS 0x23852875u
#define QCOW2_EXT_CRYPTO 0x0537be77u
#define QCOW2_EXT_DATA_FILE 0x44415441u

/* Table entries. */
#define QCOW2_OFLAG_COPIED (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED (1ull << 62)
#define QCOW2_OFLAG_ZERO (1ull << 0)
#define QCOW2_OFFSET_MASK 0x00fffffffffffe00ull
#define QCOW2_L1_OFFSET_MASK 0x00fffffffffffe00ull

enum { QCOW2_COMPRESSION_ZLIB = 0, QCOW2_COMPRESSION_ZSTD = 1 };

/* The parsed, validated header. */
typedef struct Qcow2Header {
    uint32_t version;
    uint64_t backing_file_offset;
    uint32_t backing_file_size;
    uint32_t cluster_bits;
    uint64_t size;
    uint32_t crypt_method;
    uint32_t l1_size;
    uint64_t l1_table_offset;
    uint64_t refcount_table_offset;
    uint32_t refcount_table_clusters;
    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    uint64_t incompatible_features;
    uint64_t compatible_features;
    uint64_t autoclear_features;
    uint32_t refcount_order;
    uint32_t header_length;
    uint8_t compression_type;
    char *backing_file;        /* owned */
    char *backing_format;      /* owned */
    /* The bitmaps extension, if present (valid only with autoclear bit 0). */
    bool has_bitmaps;
    uint32_t nb_bitmaps;
    uint64_t bitmap_dir_size;
    uint64_t bitmap_dir_offset;
} Qcow2Header;

#define QCOW2_AUTOCLEAR_BITMAPS (1ull << 0)
#define QCOW2_MAX_BITMAPS 65535
#define QCOW2_MAX_BITMAP_DIR (64u << 20)
#define QCOW2_BME_IN_USE (1u << 0)
#define QCOW2_BME_AUTO (1u << 1)
#define QCOW2_BME_EXTRA_COMPAT (1u << 2)

/* Parse and check the first cluster of an image of @file_size bytes; the
 * message names @image and what is wrong.  Pure: the fuzz target calls it. */
bool qcow2_parse_header(const uint8_t *buf, size_t len, uint64_t file_size, const char *image,
                        Qcow2Header *h, GError **errp);
void qcow2_header_clear(Qcow2Header *h);

typedef struct Qcow2Snapshot {
    char *id, *name;
    uint64_t l1_offset;
    uint32_t l1_size;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_ns;
    uint32_t vm_state_size;
} Qcow2Snapshot;

typedef struct Qcow2State {
    BlockNode *bs;
    BlockNode *file;
    Qcow2Header h;
    uint64_t cluster_size;
    uint32_t l2_bits;          /* entries per L2 table = 1 << l2_bits */
    uint64_t *l1;              /* host order */
    uint64_t *reftable;        /* host order */
    uint64_t reftable_entries;
    uint32_t refcount_bits;
    uint64_t refblock_entries;
    uint64_t file_end;         /* in clusters: first never-used cluster */
    uint64_t free_hint;        /* in clusters */
    GMutex lock;               /* metadata */
    GHashTable *l2_cache;      /* host offset -> uint8_t[cluster] (disk order) */
    GHashTable *rb_cache;
    guint cache_max;
    bool dirty_set;            /* we set the dirty bit and must clear it */
    GPtrArray *snapshots;      /* Qcow2Snapshot * */
    GPtrArray *bitmap_dir;     /* Qcow2BitmapEntry *: the directory on disk */
    bool bitmaps_loaded;       /* we own the image's bitmaps (rw, marked in use) */
} Qcow2State;

/* qcow2-bitmap.c */
typedef struct Qcow2BitmapEntry Qcow2BitmapEntry;
/* Load the image's persistent bitmaps into the node and mark them in use
 * (rw opens). */
bool qcow2_bitmaps_load(Qcow2State *s, GError **errp);
/* Write every persistent bitmap of the node back (clean, not in use). */
int qcow2_bitmaps_store(Qcow2State *s);
void qcow2_bitmaps_free(Qcow2State *s);
bool qcow2_can_store_bitmap(BlockNode *bs, const char *name, uint32_t granularity,
                            GError **errp);
bool qcow2_remove_persistent_bitmap(BlockNode *bs, const char *name, GError **errp);

/* qcow2-refcount.c */
int qcow2_get_refcount(Qcow2State *s, uint64_t cluster, uint64_t *out);
int qcow2_set_refcount(Qcow2State *s, uint64_t cluster, uint64_t value);
/* A free cluster with refcount 1 (host offset), or -errno. */
int64_t qcow2_alloc_cluster(Qcow2State *s);
/* @n contiguous clusters at the end of the file. */
int64_t qcow2_alloc_clusters_contiguous(Qcow2State *s, uint64_t n);
/* @n contiguous clusters at the end of the file, their refcounts written
 * with one write per refcount block (host offset of the first, or -errno). */
int64_t qcow2_alloc_cluster_run(Qcow2State *s, uint64_t n);
int qcow2_free_cluster(Qcow2State *s, uint64_t host_off);
/* Rebuild every refcount from the metadata (dirty image opened rw). */
int qcow2_rebuild_refcounts(Qcow2State *s, GError **errp);

/* qcow2-cluster.c */
void *qcow2_cache_get(Qcow2State *s, GHashTable *cache, uint64_t off, int *ret);
int qcow2_preadv(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov);
int qcow2_pwritev(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov, int flags);
int qcow2_copy_range_from(BlockNode *bs, uint64_t off, uint64_t bytes, BlockNode *dst,
                          uint64_t doff);
int qcow2_copy_range_to(BlockNode *bs, uint64_t off, uint64_t bytes, BlockNode *src,
                        uint64_t soff);
int qcow2_pdiscard(BlockNode *bs, uint64_t off, uint64_t bytes);
int qcow2_pwrite_zeroes(BlockNode *bs, uint64_t off, uint64_t bytes, bool may_unmap);
int qcow2_mark_dirty(Qcow2State *s);
int qcow2_data_status(BlockNode *bs, uint64_t off, uint64_t bytes, uint64_t *pnum);

/* qcow2-chain.c */
int qcow2_block_status(BlockNode *bs, uint64_t off, uint64_t bytes, uint64_t *pnum);
int qcow2_change_backing_file(BlockNode *bs, const char *file, const char *fmt);

/* qcow2-create.c */
bool qcow2_create(BlockGraph *g, BlockOpts *opts, GError **errp);

static inline uint64_t qcow2_be64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return GUINT64_FROM_BE(v);
}

static inline uint32_t qcow2_be32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return GUINT32_FROM_BE(v);
}

static inline uint16_t qcow2_be16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return GUINT16_FROM_BE(v);
}

static inline void qcow2_put64(uint8_t *p, uint64_t v)
{
    v = GUINT64_TO_BE(v);
    memcpy(p, &v, 8);
}

static inline void qcow2_put32(uint8_t *p, uint32_t v)
{
    v = GUINT32_TO_BE(v);
    memcpy(p, &v, 4);
}

static inline void qcow2_put16(uint8_t *p, uint16_t v)
{
    v = GUINT16_TO_BE(v);
    memcpy(p, &v, 2);
}

#endif
