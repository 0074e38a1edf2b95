/* SPDX-License-Identifier: MIT */
/*
 * qcow2 data path: guest offsets through L1 and L2 to host clusters;
 * reads (normal, zero, unallocated from the backing node, compressed with
 * zlib or zstd), writes (in place when the cluster is ours alone, else a
 * new cluster filled from what the guest saw before), discard and
 * write-zeroes.  Metadata changes hold the state's lock; in-place data
 * writes and reads of allocated clusters run without it.
 */
#include <errno.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "kernel/log.h"
#include "qcow2.h"

typedef enum {
    CL_UNALLOCATED,
    CL_NORMAL,
    CL_ZERO,           /* reads as zeros (maybe with a preallocated host cluster) */
    CL_COMPRESSED,
} ClusterType;

static ClusterType entry_type(const Qcow2State *s, uint64_t e)
{
    if (e & QCOW2_OFLAG_COMPRESSED) {
        return CL_COMPRESSED;
    }
    if (s->h.version >= 3 && (e & QCOW2_OFLAG_ZERO)) {
        return CL_ZERO;
    }
    return (e & QCOW2_OFFSET_MASK) ? CL_NORMAL : CL_UNALLOCATED;
}

static const char *image_name(const Qcow2State *s)
{
    return block_node_name_for_messages(s->file);
}

/* The L2 table for guest offset @off (NULL and *l2_off 0 when none). */
static uint8_t *l2_table(Qcow2State *s, uint64_t off, uint64_t *l2_off, int *ret)
{
    uint64_t i1 = off >> (s->h.cluster_bits + s->l2_bits);
    *ret = 0;
    *l2_off = 0;
    if (i1 >= s->h.l1_size) {
        return NULL;
    }
    *l2_off = s->l1[i1] & QCOW2_L1_OFFSET_MASK;
    if (!*l2_off) {
        return NULL;
    }
    return qcow2_cache_get(s, s->l2_cache, *l2_off, ret);
}

static uint64_t l2_index(const Qcow2State *s, uint64_t off)
{
    return (off >> s->h.cluster_bits) & ((1ull << s->l2_bits) - 1);
}

/* The L2 entry mapping @off (0: unallocated), under the lock. */
static int get_entry(Qcow2State *s, uint64_t off, uint64_t *entry)
{
    uint64_t l2_off;
    int ret;
    uint8_t *t = l2_table(s, off, &l2_off, &ret);
    *entry = t ? qcow2_be64(t + l2_index(s, off) * 8) : 0;
    if (ret >= 0 && entry_type(s, *entry) == CL_NORMAL &&
        ((*entry & QCOW2_OFFSET_MASK) % s->cluster_size ||
         (*entry & ~(QCOW2_OFFSET_MASK | QCOW2_OFLAG_COPIED)))) {
        log_mask(LOG_GUEST_ERROR, "qcow2: %s: invalid L2 entry 0x%" G_GINT64_MODIFIER "x\n",
                 image_name(s), *entry);
        return -EIO;
    }
    return ret;
}

static int decompress(Qcow2State *s, uint64_t entry, uint8_t *out)
{
    uint32_t cb = s->h.cluster_bits;
    uint32_t x = 62 - (cb - 8);
    uint64_t coff = entry & ((1ull << x) - 1);
    uint64_t nsec = ((entry >> x) & ((1ull << (cb - 8)) - 1)) + 1;
    uint64_t csize = nsec * 512 - (coff & 511);
    int64_t flen = block_node_length(s->file);
    if (flen >= 0 && coff < (uint64_t)flen) {
        csize = MIN(csize, (uint64_t)flen - coff); /* the last one may end early */
    }
    g_autofree uint8_t *in = g_malloc(csize);
    int ret = block_node_pread(s->file, coff, csize, in);
    if (ret < 0) {
        return ret;
    }
    if (s->h.compression_type == QCOW2_COMPRESSION_ZLIB) {
        z_stream z = { 0 };
        if (inflateInit2(&z, -12) != Z_OK) {
            return -EIO;
        }
        z.next_in = in;
        z.avail_in = csize;
        z.next_out = out;
        z.avail_out = s->cluster_size;
        int zr = inflate(&z, Z_FINISH);
        inflateEnd(&z);
        ret = (zr == Z_STREAM_END || zr == Z_BUF_ERROR) && z.avail_out == 0 ? 0 : -EIO;
    } else {
        ZSTD_DCtx *d = ZSTD_createDCtx();
        ZSTD_inBuffer ib = { in, csize, 0 };
        ZSTD_outBuffer ob = { out, s->cluster_size, 0 };
        ret = 0;
        while (ob.pos < ob.size) {
            size_t zr = ZSTD_decompressStream(d, &ob, &ib);
            if (ZSTD_isError(zr) || (ib.pos == ib.size && ob.pos < ob.size)) {
                ret = -EIO;
                break;
            }
            if (zr == 0) {
                break;
            }
        }
        if (ob.pos != ob.size) {
            ret = -EIO;
        }
        ZSTD_freeDCtx(d);
    }
    if (ret < 0) {
        log_mask(LOG_GUEST_ERROR, "qcow2: %s: bad compressed cluster at 0x%" G_GINT64_MODIFIER
                 "x\n", image_name(s), coff);
    }
    return ret;
}

/* Read [off, off+len) of what the guest sees through the backing node. */
static int read_backing(Qcow2State *s, uint64_t off, uint64_t len, const BlockIOV *iov,
                        uint64_t iov_off)
{
    BlockNode *b = s->bs->backing ? s->bs->backing->node : NULL;
    int64_t blen = b ? block_node_length(b) : 0;
    uint64_t have = 0;
    if (blen > 0 && off < (uint64_t)blen) {
        have = MIN(len, (uint64_t)blen - off);
        BlockIOV part;
        block_iov_slice(&part, iov, iov_off, have);
        int ret = block_node_preadv(b, off, have, &part);
        g_free(part.iov);
        if (ret < 0) {
            return ret;
        }
    }
    if (have < len) {
        block_iov_memset(iov, iov_off + have, 0, len - have);
    }
    return 0;
}

int qcow2_preadv(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov)
{
    Qcow2State *s = bs->opaque;
    uint64_t done = 0;
    while (done < bytes) {
        uint64_t pos = off + done;
        uint64_t in_cl = pos & (s->cluster_size - 1);
        uint64_t n = MIN(bytes - done, s->cluster_size - in_cl);
        uint64_t e;
        g_mutex_lock(&s->lock);
        int ret = get_entry(s, pos, &e);
        g_mutex_unlock(&s->lock);
        if (ret < 0) {
            return ret;
        }
        /* Merge a run of contiguous normal clusters into one host read. */
        if (entry_type(s, e) == CL_NORMAL) {
            uint64_t host = (e & QCOW2_OFFSET_MASK) + in_cl;
            while (done + n < bytes) {
                uint64_t e2;
                g_mutex_lock(&s->lock);
                ret = get_entry(s, off + done + n, &e2);
                g_mutex_unlock(&s->lock);
                if (ret < 0 || entry_type(s, e2) != CL_NORMAL ||
                    (e2 & QCOW2_OFFSET_MASK) != host + n) {
                    break;
                }
                n += MIN(bytes - done - n, s->cluster_size);
            }
            BlockIOV part;
            block_iov_slice(&part, iov, done, n);
            ret = block_node_preadv(s->file, host, n, &part);
            g_free(part.iov);
        } else if (entry_type(s, e) == CL_UNALLOCATED) {
            ret = read_backing(s, pos, n, iov, done);
        } else if (entry_type(s, e) == CL_ZERO) {
            block_iov_memset(iov, done, 0, n);
        } else {
            g_autofree uint8_t *buf = g_malloc(s->cluster_size);
            ret = decompress(s, e, buf);
            if (ret >= 0) {
                block_iov_from_buf_copy(iov, done, buf + in_cl, n);
            }
        }
        if (ret < 0) {
            return ret;
        }
        done += n;
    }
    return 0;
}

/* Status of one run of clusters of the same kind from @pos (at most @n). */
static int cluster_status(Qcow2State *s, uint64_t e, uint64_t pos, uint64_t *n)
{
    BlockNode *backing = s->bs->backing ? s->bs->backing->node : NULL;
    switch (entry_type(s, e)) {
    case CL_NORMAL:
    case CL_COMPRESSED:
        return 0;
    case CL_ZERO:
        return BLOCK_DATA_HOLE | BLOCK_DATA_ZERO;
    case CL_UNALLOCATED:
        break;
    }
    if (!backing) {
        return BLOCK_DATA_HOLE | BLOCK_DATA_ZERO;
    }
    int64_t blen = block_node_length(backing);
    if (blen < 0) {
        return (int)blen;
    }
    if (pos >= (uint64_t)blen) {
        return BLOCK_DATA_HOLE | BLOCK_DATA_ZERO; /* past the backing file: zeros */
    }
    *n = MIN(*n, (uint64_t)blen - pos);
    return block_node_data_status(backing, pos, *n, n);
}

int qcow2_data_status(BlockNode *bs, uint64_t off, uint64_t bytes, uint64_t *pnum)
{
    Qcow2State *s = bs->opaque;
    uint64_t done = 0;
    int first = -1;
    while (done < bytes) {
        uint64_t pos = off + done;
        uint64_t n = MIN(bytes - done, s->cluster_size - (pos & (s->cluster_size - 1)));
        uint64_t e;
        g_mutex_lock(&s->lock);
        int ret = get_entry(s, pos, &e);
        g_mutex_unlock(&s->lock);
        if (ret >= 0) {
            ret = cluster_status(s, e, pos, &n);
        }
        if (ret < 0) {
            if (first >= 0) {
                break; /* report what is known; the rest fails next time */
            }
            return ret;
        }
        if (first >= 0 && ret != first) {
            break;
        }
        first = ret;
        done += n;
    }
    *pnum = done;
    return first;
}

int qcow2_mark_dirty(Qcow2State *s)
{
    if (s->dirty_set || !(s->h.compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS)) {
        return 0;
    }
    uint8_t b[8];
    qcow2_put64(b, s->h.incompatible_features | QCOW2_INCOMPAT_DIRTY);
    int ret = block_node_pwrite(s->file, QH_INCOMPAT, 8, b, 0);
    if (ret >= 0) {
        ret = block_node_flush(s->file);
    }
    if (ret >= 0) {
        s->dirty_set = true;
    }
    return ret;
}

/* The L2 table for @off, allocated (zeroed, then linked from L1) if needed. */
static uint8_t *l2_table_alloc(Qcow2State *s, uint64_t off, uint64_t *l2_off, int *ret)
{
    uint8_t *t = l2_table(s, off, l2_off, ret);
    uint64_t i1 = off >> (s->h.cluster_bits + s->l2_bits);
    if (t || *ret < 0) {
        if (t && !(s->l1[i1] & QCOW2_OFLAG_COPIED)) {
            log_mask(LOG_UNIMP, "qcow2: %s: writing through a shared L2 table\n",
                     image_name(s));
            *ret = -ENOTSUP;
            return NULL;
        }
        return t;
    }
    if (i1 >= s->h.l1_size) {
        *ret = -EINVAL;
        return NULL;
    }
    int64_t n = qcow2_alloc_cluster(s);
    if (n < 0) {
        *ret = (int)n;
        return NULL;
    }
    t = g_malloc0(s->cluster_size);
    *ret = block_node_pwrite(s->file, n, s->cluster_size, t, 0);
    if (*ret < 0) {
        g_free(t);
        return NULL;
    }
    uint8_t b[8];
    qcow2_put64(b, (uint64_t)n | QCOW2_OFLAG_COPIED);
    *ret = block_node_pwrite(s->file, s->h.l1_table_offset + i1 * 8, 8, b, 0);
    if (*ret < 0) {
        g_free(t);
        return NULL;
    }
    s->l1[i1] = (uint64_t)n | QCOW2_OFLAG_COPIED;
    *l2_off = n;
    g_hash_table_insert(s->l2_cache, g_memdup2(l2_off, sizeof(*l2_off)), t);
    return t;
}

static int set_entry(Qcow2State *s, uint8_t *t, uint64_t l2_off, uint64_t off, uint64_t e)
{
    uint64_t idx = l2_index(s, off);
    qcow2_put64(t + idx * 8, e);
    return block_node_pwrite(s->file, l2_off + idx * 8, 8, t + idx * 8, 0);
}

/* Release what an old entry pointed at, after nothing points at it. */
static void release_entry(Qcow2State *s, uint64_t e)
{
    ClusterType t = entry_type(s, e);
    if (t == CL_COMPRESSED) {
        uint32_t cb = s->h.cluster_bits;
        uint32_t x = 62 - (cb - 8);
        uint64_t coff = e & ((1ull << x) - 1);
        uint64_t nsec = ((e >> x) & ((1ull << (cb - 8)) - 1)) + 1;
        uint64_t end = coff + nsec * 512 - (coff & 511) - 1;
        for (uint64_t c = coff >> cb; c <= end >> cb; c++) {
            qcow2_free_cluster(s, c << cb);
        }
    } else if ((t == CL_NORMAL || t == CL_ZERO) && (e & QCOW2_OFFSET_MASK)) {
        qcow2_free_cluster(s, e & QCOW2_OFFSET_MASK);
    }
}

/* Write within one cluster; the lock is held on entry and released. */
static int write_cluster(Qcow2State *s, uint64_t pos, uint64_t n, const BlockIOV *iov,
                         uint64_t iov_off)
{
    uint64_t in_cl = pos & (s->cluster_size - 1);
    uint64_t base = pos - in_cl;
    uint64_t e, l2_off;
    int ret = get_entry(s, pos, &e);
    if (ret < 0) {
        g_mutex_unlock(&s->lock);
        return ret;
    }
    ClusterType type = entry_type(s, e);
    if (type == CL_NORMAL && (e & QCOW2_OFLAG_COPIED)) {
        g_mutex_unlock(&s->lock);
        BlockIOV part;
        block_iov_slice(&part, iov, iov_off, n);
        ret = block_node_pwritev(s->file, (e & QCOW2_OFFSET_MASK) + in_cl, n, &part, 0);
        g_free(part.iov);
        return ret;
    }
    /* A new cluster with the old content around the new bytes. */
    g_autofree uint8_t *buf = g_malloc(s->cluster_size);
    struct iovec one;
    BlockIOV whole;
    block_iov_from_buf(&whole, &one, buf, s->cluster_size);
    if (n < s->cluster_size) {
        switch (type) {
        case CL_UNALLOCATED:
            ret = read_backing(s, base, s->cluster_size, &whole, 0);
            break;
        case CL_ZERO:
            memset(buf, 0, s->cluster_size);
            break;
        case CL_COMPRESSED:
            ret = decompress(s, e, buf);
            break;
        case CL_NORMAL:
            ret = block_node_pread(s->file, e & QCOW2_OFFSET_MASK, s->cluster_size, buf);
            break;
        }
    }
    block_iov_to_buf(iov, iov_off, buf + in_cl, n);
    uint8_t *t = ret < 0 ? NULL : l2_table_alloc(s, pos, &l2_off, &ret);
    int64_t host = -1;
    if (t) {
        bool reuse = type == CL_ZERO && (e & QCOW2_OFLAG_COPIED) && (e & QCOW2_OFFSET_MASK);
        host = reuse ? (int64_t)(e & QCOW2_OFFSET_MASK) : qcow2_alloc_cluster(s);
        ret = host < 0 ? (int)host : 0;
        if (ret >= 0) {
            ret = block_node_pwrite(s->file, host, s->cluster_size, buf, 0);
        }
        if (ret >= 0) {
            ret = set_entry(s, t, l2_off, pos, (uint64_t)host | QCOW2_OFLAG_COPIED);
        }
        if (ret >= 0 && !reuse) {
            release_entry(s, e);
        }
    }
    g_mutex_unlock(&s->lock);
    return ret;
}

/* How many whole clusters from @pos (aligned, at most @max, within one L2
 * table) map nothing at all, so that a write can fill new clusters without
 * reading anything first; under the lock. */
static uint64_t fresh_run(Qcow2State *s, uint64_t pos, uint64_t max, int *ret)
{
    uint64_t per_l2 = 1ull << s->l2_bits;
    max = MIN(max, per_l2 - l2_index(s, pos));
    uint64_t k = 0;
    *ret = 0;
    while (k < max) {
        uint64_t e;
        if ((*ret = get_entry(s, pos + (k << s->h.cluster_bits), &e)) < 0) {
            return 0;
        }
        if (e != 0 && !(entry_type(s, e) == CL_ZERO && !(e & QCOW2_OFFSET_MASK))) {
            break;
        }
        k++;
    }
    return k;
}

/* Write @k whole clusters at @pos that map nothing yet: @k contiguous new
 * clusters (refcounts written first, in one write per refcount block), the
 * data in one request, then the L2 entries in one write.  Lock held on
 * entry and released. */
static int write_fresh_clusters(Qcow2State *s, uint64_t pos, uint64_t k, const BlockIOV *iov,
                                uint64_t iov_off)
{
    uint64_t l2_off;
    int ret;
    uint8_t *t = l2_table_alloc(s, pos, &l2_off, &ret);
    int64_t host = t ? qcow2_alloc_cluster_run(s, k) : ret;
    if (host < 0) {
        g_mutex_unlock(&s->lock);
        return (int)host;
    }
    uint64_t bytes = k << s->h.cluster_bits;
    BlockIOV part;
    block_iov_slice(&part, iov, iov_off, bytes);
    ret = block_node_pwritev(s->file, (uint64_t)host, bytes, &part, 0);
    g_free(part.iov);
    if (ret >= 0) {
        uint64_t idx = l2_index(s, pos);
        for (uint64_t i = 0; i < k; i++) {
            qcow2_put64(t + (idx + i) * 8,
                        ((uint64_t)host + (i << s->h.cluster_bits)) | QCOW2_OFLAG_COPIED);
        }
        ret = block_node_pwrite(s->file, l2_off + idx * 8, k * 8, t + idx * 8, 0);
    }
    g_mutex_unlock(&s->lock);
    return ret;
}

int qcow2_pwritev(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov, int flags)
{
    Qcow2State *s = bs->opaque;
    uint64_t done = 0;
    g_mutex_lock(&s->lock);
    int ret = qcow2_mark_dirty(s);
    g_mutex_unlock(&s->lock);
    while (ret >= 0 && done < bytes) {
        uint64_t pos = off + done;
        uint64_t n = MIN(bytes - done, s->cluster_size - (pos & (s->cluster_size - 1)));
        g_mutex_lock(&s->lock);
        uint64_t whole = (pos & (s->cluster_size - 1)) ? 0 : (bytes - done) >> s->h.cluster_bits;
        uint64_t k = whole >= 2 ? fresh_run(s, pos, whole, &ret) : 0;
        if (ret < 0) {
            g_mutex_unlock(&s->lock);
        } else if (k >= 2) {
            ret = write_fresh_clusters(s, pos, k, iov, done);
            done += k << s->h.cluster_bits;
        } else {
            ret = write_cluster(s, pos, n, iov, done);
            done += n;
        }
    }
    if (ret >= 0 && (flags & BLOCK_WRITE_FUA)) {
        ret = block_node_flush(s->file);
    }
    return ret;
}

/* Copy offload, source side: each run of contiguous data clusters goes to
 * the data file's copy; anything else (holes, zeros, compressed, backing
 * data) is -ENOTSUP, and the caller reads and writes. */
int qcow2_copy_range_from(BlockNode *bs, uint64_t off, uint64_t bytes, BlockNode *dst,
                          uint64_t doff)
{
    Qcow2State *s = bs->opaque;
    uint64_t done = 0;
    while (done < bytes) {
        uint64_t pos = off + done;
        uint64_t in_cl = pos & (s->cluster_size - 1);
        uint64_t n = MIN(bytes - done, s->cluster_size - in_cl);
        uint64_t e;
        g_mutex_lock(&s->lock);
        int ret = get_entry(s, pos, &e);
        if (ret >= 0 && entry_type(s, e) != CL_NORMAL) {
            ret = -ENOTSUP;
        }
        uint64_t host = (e & QCOW2_OFFSET_MASK) + in_cl;
        while (ret >= 0 && done + n < bytes) {
            uint64_t e2;
            if (get_entry(s, off + done + n, &e2) < 0 || entry_type(s, e2) != CL_NORMAL ||
                (e2 & QCOW2_OFFSET_MASK) != host + n) {
                break;
            }
            n += MIN(bytes - done - n, s->cluster_size);
        }
        g_mutex_unlock(&s->lock);
        if (ret >= 0) {
            ret = block_node_copy_range(s->file, host, dst, doff + done, n);
        }
        if (ret < 0) {
            return ret;
        }
        done += n;
    }
    return 0;
}

/* Copy offload, destination side: only whole clusters that map nothing
 * yet (a mirror's new target), filled as write_fresh_clusters does (the
 * refcounts, the data by the data file's copy, then the L2 entries). */
int qcow2_copy_range_to(BlockNode *bs, uint64_t off, uint64_t bytes, BlockNode *src,
                        uint64_t soff)
{
    Qcow2State *s = bs->opaque;
    if ((off | bytes) & (s->cluster_size - 1)) {
        return -ENOTSUP;
    }
    g_mutex_lock(&s->lock);
    int ret = qcow2_mark_dirty(s);
    uint64_t want = bytes >> s->h.cluster_bits;
    uint64_t k = ret >= 0 ? fresh_run(s, off, want, &ret) : 0;
    if (ret < 0 || k != want) {
        g_mutex_unlock(&s->lock);
        return ret < 0 ? ret : -ENOTSUP;
    }
    uint64_t l2_off;
    uint8_t *t = l2_table_alloc(s, off, &l2_off, &ret);
    int64_t host = t ? qcow2_alloc_cluster_run(s, k) : ret;
    if (host < 0) {
        g_mutex_unlock(&s->lock);
        return (int)host;
    }
    ret = block_node_copy_range_to(s->file, (uint64_t)host, bytes, src, soff);
    if (ret >= 0) {
        uint64_t idx = l2_index(s, off);
        for (uint64_t i = 0; i < k; i++) {
            qcow2_put64(t + (idx + i) * 8,
                        ((uint64_t)host + (i << s->h.cluster_bits)) | QCOW2_OFLAG_COPIED);
        }
        ret = block_node_pwrite(s->file, l2_off + idx * 8, k * 8, t + idx * 8, 0);
    } else {
        /* Nothing points at the run: give it back. */
        for (uint64_t i = 0; i < k; i++) {
            qcow2_free_cluster(s, (uint64_t)host + (i << s->h.cluster_bits));
        }
    }
    g_mutex_unlock(&s->lock);
    return ret;
}

/* Drop or zero whole clusters of [off, off+bytes); partial ones are left
 * to the caller.  @zero: the range must read as zeros afterwards. */
static int clear_clusters(Qcow2State *s, uint64_t off, uint64_t bytes, bool zero, bool unmap)
{
    bool has_backing = s->bs->backing != NULL;
    int ret = qcow2_mark_dirty(s);
    for (uint64_t pos = off; ret >= 0 && pos < off + bytes; pos += s->cluster_size) {
        uint64_t e, l2_off;
        if ((ret = get_entry(s, pos, &e)) < 0) {
            break;
        }
        uint64_t ne;
        if (zero || has_backing) {
            /* Reads must give zeros (or, for discard over a backing file,
             * must not expose the backing data). */
            if (s->h.version < 3) {
                ret = -ENOTSUP;
                break;
            }
            bool keep = !unmap && entry_type(s, e) == CL_NORMAL && (e & QCOW2_OFLAG_COPIED);
            ne = QCOW2_OFLAG_ZERO | (keep ? e & (QCOW2_OFFSET_MASK | QCOW2_OFLAG_COPIED) : 0);
        } else {
            ne = 0;
        }
        if (ne == e) {
            continue;
        }
        uint8_t *t = (e || ne) ? l2_table_alloc(s, pos, &l2_off, &ret) : NULL;
        if (!t) {
            break;
        }
        if ((ret = set_entry(s, t, l2_off, pos, ne)) < 0) {
            break;
        }
        if ((e & QCOW2_OFFSET_MASK) != (ne & QCOW2_OFFSET_MASK) || entry_type(s, e) ==
            CL_COMPRESSED) {
            release_entry(s, e);
        }
    }
    return ret;
}

int qcow2_pdiscard(BlockNode *bs, uint64_t off, uint64_t bytes)
{
    Qcow2State *s = bs->opaque;
    /* Only whole clusters can be dropped; a discard is a hint. */
    uint64_t start = (off + s->cluster_size - 1) & ~(s->cluster_size - 1);
    uint64_t end = MIN(off + bytes, s->h.size) & ~(s->cluster_size - 1);
    if (off + bytes == s->h.size) {
        end = (s->h.size + s->cluster_size - 1) & ~(s->cluster_size - 1);
    }
    if (start >= end) {
        return 0;
    }
    g_mutex_lock(&s->lock);
    int ret = clear_clusters(s, start, end - start, false, true);
    g_mutex_unlock(&s->lock);
    return ret == -ENOTSUP ? 0 : ret;
}

int qcow2_pwrite_zeroes(BlockNode *bs, uint64_t off, uint64_t bytes, bool may_unmap)
{
    Qcow2State *s = bs->opaque;
    uint64_t cs = s->cluster_size;
    uint64_t start = (off + cs - 1) & ~(cs - 1);
    uint64_t end = (off + bytes) & ~(cs - 1);
    if (off + bytes == s->h.size) {
        end = (s->h.size + cs - 1) & ~(cs - 1);
    }
    int ret = 0;
    g_autofree uint8_t *zero = NULL;
    /* Partial clusters at either end: ordinary writes of zeros. */
    if (start >= end) {
        return -ENOTSUP;
    }
    for (int side = 0; side < 2 && ret >= 0; side++) {
        uint64_t a = side ? end : off, b = side ? off + bytes : start;
        if (side && end >= off + bytes) {
            continue;
        }
        if (b > a) {
            zero = zero ? zero : g_malloc0(cs);
            struct iovec one;
            BlockIOV v;
            block_iov_from_buf(&v, &one, zero, b - a);
            ret = qcow2_pwritev(bs, a, b - a, &v, 0);
        }
    }
    if (ret >= 0) {
        g_mutex_lock(&s->lock);
        ret = clear_clusters(s, start, end - start, true, may_unmap);
        g_mutex_unlock(&s->lock);
    }
    return ret;
}
