/* SPDX-License-Identifier: MIT */
/*
 * Dirty bitmaps (library module "block").
 *
 * A bitmap belongs to a node and has one bit per @granularity bytes of
 * the node's data; while it is enabled ("recording"), every write, zero
 * write and discard that reaches the node sets the bits it covers (through
 * the node's write notifier, on the worker doing the I/O).  Bits are kept
 * in the order the qcow2 format stores them: bit i of byte j covers
 * granule 8*j+i, so (de)serialization is a copy.
 *
 * Persistent bitmaps are stored by the node's format driver
 * (BlockDriver.can_store_bitmap ...): qcow2 loads them when it opens an
 * image and writes them back when the node is closed or the process ends.
 *
 * Every function takes the node's bitmap_lock itself; call them from the
 * main loop (jobs may call the range functions from any thread).
 */
#ifndef TESSERA_BLOCK_BITMAP_H
#define TESSERA_BLOCK_BITMAP_H

#include "block/block.h"

typedef struct BlockDirtyBitmap BlockDirtyBitmap;

#define BLOCK_BITMAP_MIN_GRANULARITY 512u
#define BLOCK_BITMAP_MAX_GRANULARITY 0x80000000u
#define BLOCK_BITMAP_MAX_NAME 1023
#define BLOCK_BITMAP_DEFAULT_GRANULARITY 65536u

/* A new, enabled, all-clean bitmap sized to the node; NULL with an error
 * (name taken or invalid, granularity not a power of two in range). */
BlockDirtyBitmap *block_dirty_bitmap_create(BlockNode *bs, const char *name,
                                            uint32_t granularity, GError **errp);
BlockDirtyBitmap *block_dirty_bitmap_find(BlockNode *bs, const char *name);
/* Remove from the node and free. */
void block_dirty_bitmap_release(BlockDirtyBitmap *bm);
/* Every bitmap of a node goes (the node closes). */
void block_node_release_bitmaps(BlockNode *bs);
/* The node's bitmaps in creation order (a new array of borrowed pointers). */
GPtrArray *block_node_list_bitmaps(BlockNode *bs);

BlockNode *block_dirty_bitmap_node(BlockDirtyBitmap *bm);
const char *block_dirty_bitmap_name(BlockDirtyBitmap *bm);
uint32_t block_dirty_bitmap_granularity(BlockDirtyBitmap *bm);
/* Bytes of the node the bitmap covers. */
uint64_t block_dirty_bitmap_size(BlockDirtyBitmap *bm);

bool block_dirty_bitmap_enabled(BlockDirtyBitmap *bm);
void block_dirty_bitmap_set_enabled(BlockDirtyBitmap *bm, bool enabled);
bool block_dirty_bitmap_persistent(BlockDirtyBitmap *bm);
void block_dirty_bitmap_set_persistent(BlockDirtyBitmap *bm, bool persistent);
/* In use by a job or an export: the monitor may not change it. */
bool block_dirty_bitmap_busy(BlockDirtyBitmap *bm);
void block_dirty_bitmap_set_busy(BlockDirtyBitmap *bm, bool busy);
/* Loaded from an image that was not closed cleanly: its bits cannot be
 * trusted; it can only be removed. */
bool block_dirty_bitmap_inconsistent(BlockDirtyBitmap *bm);
void block_dirty_bitmap_set_inconsistent(BlockDirtyBitmap *bm, bool inconsistent);

/* Bits covering [off, off + bytes) (clipped to the size). */
void block_dirty_bitmap_set_range(BlockDirtyBitmap *bm, uint64_t off, uint64_t bytes);
void block_dirty_bitmap_reset_range(BlockDirtyBitmap *bm, uint64_t off, uint64_t bytes);
void block_dirty_bitmap_clear(BlockDirtyBitmap *bm);
bool block_dirty_bitmap_get(BlockDirtyBitmap *bm, uint64_t off);
/* Dirty bytes (dirty granules times granularity, the last one clipped). */
uint64_t block_dirty_bitmap_count(BlockDirtyBitmap *bm);
/* The first dirty byte offset at or after @off, or -1. */
int64_t block_dirty_bitmap_next_dirty(BlockDirtyBitmap *bm, uint64_t off);
/* @dst |= @srcs (same node size; granularities may differ). */
bool block_dirty_bitmap_merge(BlockDirtyBitmap *dst, BlockDirtyBitmap *src, GError **errp);

/* Serialized form: (granules + 7) / 8 bytes in qcow2 bit order. */
uint64_t block_dirty_bitmap_serial_size(BlockDirtyBitmap *bm);
void block_dirty_bitmap_serialize(BlockDirtyBitmap *bm, uint64_t start, uint64_t len,
                                  uint8_t *buf);
void block_dirty_bitmap_deserialize(BlockDirtyBitmap *bm, uint64_t start, uint64_t len,
                                    const uint8_t *buf);
/* SHA-256 of the serialized bits (hex, free with g_free). */
char *block_dirty_bitmap_sha256(BlockDirtyBitmap *bm);

/* The node changed size (block_resize): its bitmaps follow; granules
 * past a new end are dropped, new ones are clean. */
void block_node_resize_bitmaps(BlockNode *bs);

/* query-block's "dirty-bitmaps" (BlockDirtyInfo) for @bs. */
JsonArray *block_node_bitmaps_info(BlockNode *bs);

#endif
