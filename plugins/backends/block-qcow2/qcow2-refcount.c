/* SPDX-License-Identifier: MIT */
/*
 * qcow2 refcounts: reading and writing entries of any width (1..64 bits;
 * below 8 bits the first entry is in a byte's least significant bits),
 * allocating clusters (a missing refcount block is allocated so that it
 * counts itself where it can), freeing them, and rebuilding every refcount
 * from the metadata after a crash with lazy refcounts.  Called with the
 * state's lock held.
 */
#include <errno.h>
#include <string.h>

#include "kernel/log.h"
#include "qcow2.h"

static uint64_t rb_get(const Qcow2State *s, const uint8_t *block, uint64_t idx)
{
    switch (s->refcount_bits) {
    case 64: return qcow2_be64(block + idx * 8);
    case 32: return qcow2_be32(block + idx * 4);
    case 16: return qcow2_be16(block + idx * 2);
    case 8: return block[idx];
    default: {
        uint32_t bits = s->refcount_bits;
        uint64_t bit = idx * bits;
        return (block[bit / 8] >> (bit % 8)) & ((1u << bits) - 1);
    }
    }
}

static void rb_set(const Qcow2State *s, uint8_t *block, uint64_t idx, uint64_t v)
{
    switch (s->refcount_bits) {
    case 64: qcow2_put64(block + idx * 8, v); break;
    case 32: qcow2_put32(block + idx * 4, v); break;
    case 16: qcow2_put16(block + idx * 2, v); break;
    case 8: block[idx] = v; break;
    default: {
        uint32_t bits = s->refcount_bits;
        uint64_t bit = idx * bits;
        uint8_t mask = ((1u << bits) - 1) << (bit % 8);
        block[bit / 8] = (block[bit / 8] & ~mask) | ((v << (bit % 8)) & mask);
    }
    }
}

static uint64_t refcount_max(const Qcow2State *s)
{
    return s->refcount_bits == 64 ? UINT64_MAX : (1ull << s->refcount_bits) - 1;
}

void *qcow2_cache_get(Qcow2State *s, GHashTable *cache, uint64_t off, int *ret)
{
    void *t = g_hash_table_lookup(cache, &off);
    *ret = 0;
    if (t) {
        return t;
    }
    t = g_malloc(s->cluster_size);
    *ret = block_node_pread(s->file, off, s->cluster_size, t);
    if (*ret < 0) {
        g_free(t);
        return NULL;
    }
    if (g_hash_table_size(cache) >= s->cache_max) {
        GHashTableIter it;
        gpointer k;
        g_hash_table_iter_init(&it, cache);
        if (g_hash_table_iter_next(&it, &k, NULL)) {
            g_hash_table_iter_remove(&it); /* write-through: nothing to save */
        }
    }
    g_hash_table_insert(cache, g_memdup2(&off, sizeof(off)), t);
    return t;
}

int qcow2_get_refcount(Qcow2State *s, uint64_t cluster, uint64_t *out)
{
    uint64_t r = cluster / s->refblock_entries;
    *out = 0;
    if (r >= s->reftable_entries || !s->reftable[r]) {
        return 0;
    }
    int ret;
    uint8_t *block = qcow2_cache_get(s, s->rb_cache, s->reftable[r], &ret);
    if (!block) {
        return ret;
    }
    *out = rb_get(s, block, cluster % s->refblock_entries);
    return 0;
}

static int write_reftable_entry(Qcow2State *s, uint64_t r)
{
    uint8_t b[8];
    qcow2_put64(b, s->reftable[r]);
    return block_node_pwrite(s->file, s->h.refcount_table_offset + r * 8, 8, b, 0);
}

/* A refcount block for range @r, placed at the end of the file. */
static int new_refblock(Qcow2State *s, uint64_t r)
{
    uint64_t c = s->file_end++;
    g_autofree uint8_t *block = g_malloc0(s->cluster_size);
    int ret;
    if (c / s->refblock_entries == r) {
        rb_set(s, block, c % s->refblock_entries, 1); /* counts itself */
    } else if ((ret = qcow2_set_refcount(s, c, 1)) < 0) {
        return ret;
    }
    ret = block_node_pwrite(s->file, c * s->cluster_size, s->cluster_size, block, 0);
    if (ret < 0) {
        return ret;
    }
    s->reftable[r] = c * s->cluster_size;
    return write_reftable_entry(s, r);
}

int qcow2_set_refcount(Qcow2State *s, uint64_t cluster, uint64_t value)
{
    uint64_t r = cluster / s->refblock_entries;
    if (r >= s->reftable_entries) {
        log_mask(LOG_GUEST_ERROR, "qcow2: %s: refcount table full (growing it is not supported)\n",
                 block_node_name_for_messages(s->file));
        return -EFBIG;
    }
    if (value > refcount_max(s)) {
        return -ERANGE;
    }
    int ret;
    if (!s->reftable[r]) {
        if (value == 0) {
            return 0;
        }
        if ((ret = new_refblock(s, r)) < 0) {
            return ret;
        }
    }
    uint8_t *block = qcow2_cache_get(s, s->rb_cache, s->reftable[r], &ret);
    if (!block) {
        return ret;
    }
    uint64_t idx = cluster % s->refblock_entries;
    rb_set(s, block, idx, value);
    uint64_t byte = idx * s->refcount_bits / 8 / 8 * 8; /* the aligned 8 bytes holding it */
    return block_node_pwrite(s->file, s->reftable[r] + byte, 8, block + byte, 0);
}

int64_t qcow2_alloc_cluster(Qcow2State *s)
{
    uint64_t c;
    for (c = s->free_hint; c < s->file_end; c++) {
        uint64_t rc;
        int ret = qcow2_get_refcount(s, c, &rc);
        if (ret < 0) {
            return ret;
        }
        if (rc == 0) {
            break;
        }
    }
    if (c >= s->file_end) {
        c = s->file_end++;
    }
    int ret = qcow2_set_refcount(s, c, 1);
    if (ret < 0) {
        return ret;
    }
    s->free_hint = c + 1;
    return (int64_t)(c * s->cluster_size);
}

int64_t qcow2_alloc_clusters_contiguous(Qcow2State *s, uint64_t n)
{
    uint64_t c = s->file_end;
    s->file_end += n;
    for (uint64_t i = 0; i < n; i++) {
        int ret = qcow2_set_refcount(s, c + i, 1);
        if (ret < 0) {
            return ret;
        }
    }
    return (int64_t)(c * s->cluster_size);
}

int64_t qcow2_alloc_cluster_run(Qcow2State *s, uint64_t n)
{
    uint64_t first = s->file_end;
    s->file_end += n;
    for (uint64_t c = first; c < first + n;) {
        uint64_t r = c / s->refblock_entries;
        uint64_t idx = c % s->refblock_entries;
        uint64_t cnt = MIN(first + n - c, s->refblock_entries - idx);
        if (r >= s->reftable_entries) {
            log_mask(LOG_GUEST_ERROR, "qcow2: %s: refcount table full (growing it is not "
                     "supported)\n", block_node_name_for_messages(s->file));
            return -EFBIG;
        }
        int ret;
        if (!s->reftable[r] && (ret = new_refblock(s, r)) < 0) {
            return ret;
        }
        uint8_t *block = qcow2_cache_get(s, s->rb_cache, s->reftable[r], &ret);
        if (!block) {
            return ret;
        }
        for (uint64_t i = 0; i < cnt; i++) {
            rb_set(s, block, idx + i, 1);
        }
        /* The aligned 8-byte words holding the run. */
        uint64_t lo = idx * s->refcount_bits / 64 * 8;
        uint64_t hi = ((idx + cnt) * s->refcount_bits + 63) / 64 * 8;
        ret = block_node_pwrite(s->file, s->reftable[r] + lo, hi - lo, block + lo, 0);
        if (ret < 0) {
            return ret;
        }
        c += cnt;
    }
    return (int64_t)(first * s->cluster_size);
}

int qcow2_free_cluster(Qcow2State *s, uint64_t host_off)
{
    uint64_t c = host_off / s->cluster_size, rc;
    int ret = qcow2_get_refcount(s, c, &rc);
    if (ret < 0) {
        return ret;
    }
    if (rc == 0) {
        log_mask(LOG_GUEST_ERROR, "qcow2: %s: freeing cluster 0x%" G_GINT64_MODIFIER
                 "x whose refcount is already 0\n", block_node_name_for_messages(s->file),
                 host_off);
        return -EIO;
    }
    ret = qcow2_set_refcount(s, c, rc - 1);
    if (ret >= 0 && rc == 1 && c < s->free_hint) {
        s->free_hint = c;
    }
    return ret;
}

/* ---- rebuild ---------------------------------------------------------------- */

typedef struct Counts {
    uint32_t *n;
    uint64_t len;
    uint64_t limit;     /* clusters at or past this index are not in the file */
    uint64_t bad;       /* the first offset found past it, or 0 */
} Counts;

/* Count the clusters of [off, off + bytes); a range reaching past the
 * file's end (a corrupt image) is recorded in c->bad, not counted, so that
 * a crafted offset cannot make the table grow without bound. */
static void count_range(Counts *c, uint64_t cs_bits, uint64_t off, uint64_t bytes)
{
    if (!bytes) {
        return;
    }
    uint64_t first = off >> cs_bits, last = (off + bytes - 1) >> cs_bits;
    if (last < first || last >= c->limit) {
        if (!c->bad) {
            c->bad = off ? off : 1;
        }
        return;
    }
    for (uint64_t i = first; i <= last; i++) {
        if (i >= c->len) {
            uint64_t nl = MAX(i + 1, c->len * 2);
            c->n = g_renew(uint32_t, c->n, nl);
            memset(c->n + c->len, 0, (nl - c->len) * 4);
            c->len = nl;
        }
        c->n[i]++;
    }
}

int qcow2_rebuild_refcounts(Qcow2State *s, GError **errp)
{
    uint32_t cb = s->h.cluster_bits;
    Counts c = { .n = g_new0(uint32_t, s->file_end + 1), .len = s->file_end + 1,
                 .limit = s->file_end };
    g_autofree uint8_t *l2 = g_malloc(s->cluster_size);
    g_autofree uint8_t *block = NULL;
    int ret = 0;
    count_range(&c, cb, 0, s->cluster_size);
    count_range(&c, cb, s->h.l1_table_offset, (uint64_t)s->h.l1_size * 8);
    count_range(&c, cb, s->h.refcount_table_offset,
                (uint64_t)s->h.refcount_table_clusters << cb);
    for (uint32_t i = 0; i < s->h.l1_size; i++) {
        uint64_t l2off = s->l1[i] & QCOW2_L1_OFFSET_MASK;
        if (c.bad) {
            break;
        }
        if (!l2off) {
            continue;
        }
        count_range(&c, cb, l2off, s->cluster_size);
        if (c.bad) {
            break;
        }
        if ((ret = block_node_pread(s->file, l2off, s->cluster_size, l2)) < 0) {
            goto out;
        }
        for (uint64_t j = 0; j < (1ull << s->l2_bits); j++) {
            uint64_t e = qcow2_be64(l2 + j * 8);
            if (e & QCOW2_OFLAG_COMPRESSED) {
                uint32_t x = 62 - (cb - 8);
                uint64_t coff = e & ((1ull << x) - 1);
                uint64_t nsec = ((e >> x) & ((1ull << (cb - 8)) - 1)) + 1;
                count_range(&c, cb, coff, nsec * 512 - (coff & 511));
            } else if (e & QCOW2_OFFSET_MASK) {
                count_range(&c, cb, e & QCOW2_OFFSET_MASK, s->cluster_size);
            }
        }
    }
    for (uint64_t r = 0; r < s->reftable_entries; r++) {
        count_range(&c, cb, s->reftable[r], s->reftable[r] ? s->cluster_size : 0);
    }
    if (c.bad) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE,
                    "image is corrupt: metadata refers to offset 0x%" G_GINT64_MODIFIER
                    "x, past the end of the file", c.bad);
        ret = -EINVAL;
        goto out;
    }
    c.limit = UINT64_MAX; /* new refcount blocks go after the end */
    /* Ranges with used clusters but no refcount block get one at the end. */
    uint64_t top = s->file_end;
    for (uint64_t i = 0; i < c.len; i++) {
        if (c.n[i] && i >= top) {
            top = i + 1;
        }
    }
    for (;;) {
        bool added = false;
        for (uint64_t i = 0; i < c.len; i++) {
            uint64_t r = i / s->refblock_entries;
            if (c.n[i] && r < s->reftable_entries && !s->reftable[r]) {
                uint64_t nc = top++;
                s->reftable[r] = nc << cb;
                count_range(&c, cb, nc << cb, s->cluster_size);
                added = true;
            } else if (c.n[i] && r >= s->reftable_entries) {
                g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IMAGE, "refcount table too small");
                ret = -EFBIG;
                goto out;
            }
        }
        if (!added) {
            break;
        }
    }
    block = g_malloc(s->cluster_size);
    for (uint64_t r = 0; r < s->reftable_entries; r++) {
        if (!s->reftable[r]) {
            continue;
        }
        memset(block, 0, s->cluster_size);
        for (uint64_t k = 0; k < s->refblock_entries; k++) {
            uint64_t i = r * s->refblock_entries + k;
            if (i < c.len) {
                rb_set(s, block, k, MIN(c.n[i], refcount_max(s)));
            }
        }
        if ((ret = block_node_pwrite(s->file, s->reftable[r], s->cluster_size, block, 0)) < 0 ||
            (ret = write_reftable_entry(s, r)) < 0) {
            goto out;
        }
    }
    s->file_end = MAX(s->file_end, top);
    g_hash_table_remove_all(s->rb_cache);
    ret = block_node_flush(s->file);
out:
    if (ret < 0 && errp && !*errp) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "%s", g_strerror(-ret));
    }
    g_free(c.n);
    return ret;
}
