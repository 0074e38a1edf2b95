/* SPDX-License-Identifier: MIT */
/*
 * qcow2 and the backing chain: which guest ranges this image itself maps
 * (block_status, for jobs that copy only what a layer holds) and
 * rewriting the backing file name in the header after stream or commit
 * changed the chain.  The header cluster is rebuilt whole: the fixed
 * header, every extension except the backing format (kept in order), the
 * new backing format, the end marker, then the name.
 */
#include <errno.h>
#include <string.h>

#include "qcow2.h"

static bool l2_entry_allocated(Qcow2State *s, uint64_t off, int *ret)
{
    uint64_t i1 = off >> (s->h.cluster_bits + s->l2_bits);
    *ret = 0;
    if (i1 >= s->h.l1_size) {
        return false;
    }
    uint64_t l2_off = s->l1[i1] & QCOW2_L1_OFFSET_MASK;
    if (!l2_off) {
        return false;
    }
    uint8_t *t = qcow2_cache_get(s, s->l2_cache, l2_off, ret);
    if (!t) {
        return false;
    }
    uint64_t idx = (off >> s->h.cluster_bits) & ((1ull << s->l2_bits) - 1);
    uint64_t e = qcow2_be64(t + idx * 8);
    /* Data, compressed data or a zero cluster: all answered by this layer. */
    return (e & (QCOW2_OFFSET_MASK | QCOW2_OFLAG_COMPRESSED)) ||
           (s->h.version >= 3 && (e & QCOW2_OFLAG_ZERO));
}

int qcow2_block_status(BlockNode *bs, uint64_t off, uint64_t bytes, uint64_t *pnum)
{
    Qcow2State *s = bs->opaque;
    int ret = 0;
    uint64_t done = 0;
    int first = -1;
    g_mutex_lock(&s->lock);
    while (done < bytes) {
        uint64_t pos = off + done;
        uint64_t n = MIN(bytes - done, s->cluster_size - (pos & (s->cluster_size - 1)));
        int a = l2_entry_allocated(s, pos, &ret);
        if (ret < 0) {
            break;
        }
        if (first < 0) {
            first = a;
        } else if (a != first) {
            break;
        }
        done += n;
    }
    g_mutex_unlock(&s->lock);
    if (ret < 0 && done == 0) {
        return ret;
    }
    *pnum = done;
    return first < 0 ? 1 : first;
}

int qcow2_change_backing_file(BlockNode *bs, const char *file, const char *fmt)
{
    Qcow2State *s = bs->opaque;
    uint64_t cs = s->cluster_size;
    if (file && strlen(file) > QCOW2_MAX_BACKING_NAME) {
        return -EINVAL;
    }
    if (fmt && strlen(fmt) > 31) {
        return -EINVAL;
    }
    g_autofree uint8_t *old = g_malloc0(cs);
    g_autofree uint8_t *hdr = g_malloc0(cs);
    g_mutex_lock(&s->lock);
    int ret = block_node_pread(s->file, 0, cs, old);
    if (ret < 0) {
        goto out;
    }
    uint64_t hlen = s->h.version >= 3 ? s->h.header_length : QCOW2_V2_HEADER_SIZE;
    uint64_t ext_end = s->h.backing_file_offset ? s->h.backing_file_offset : cs;
    memcpy(hdr, old, hlen);
    uint64_t p = hlen, q = hlen;
    if (fmt) {
        size_t n = strlen(fmt);
        qcow2_put32(hdr + q, QCOW2_EXT_BACKING_FORMAT);
        qcow2_put32(hdr + q + 4, n);
        memcpy(hdr + q + 8, fmt, n);
        q += 8 + ((n + 7) & ~7ull);
    }
    while (p + 8 <= ext_end) {
        uint32_t type = qcow2_be32(old + p);
        uint32_t elen = qcow2_be32(old + p + 4);
        uint64_t total = 8 + ((elen + 7ull) & ~7ull);
        if (type == QCOW2_EXT_END || p + total > ext_end) {
            break;
        }
        if (type != QCOW2_EXT_BACKING_FORMAT) {
            if (q + total + 8 > cs) {
                ret = -ENOSPC;
                goto out;
            }
            memcpy(hdr + q, old + p, total);
            q += total;
        }
        p += total;
    }
    q += 8; /* end marker: zeros */
    qcow2_put64(hdr + 8, 0);
    qcow2_put32(hdr + 16, 0);
    if (file) {
        size_t n = strlen(file);
        if (q + n > cs) {
            ret = -ENOSPC;
            goto out;
        }
        memcpy(hdr + q, file, n);
        qcow2_put64(hdr + 8, q);
        qcow2_put32(hdr + 16, n);
    }
    ret = block_node_pwrite(s->file, 0, cs, hdr, 0);
    if (ret >= 0) {
        ret = block_node_flush(s->file);
    }
    if (ret >= 0) {
        g_free(s->h.backing_file);
        g_free(s->h.backing_format);
        s->h.backing_file = g_strdup(file);
        s->h.backing_format = g_strdup(fmt);
        s->h.backing_file_offset = file ? q : 0;
        s->h.backing_file_size = file ? strlen(file) : 0;
    }
out:
    g_mutex_unlock(&s->lock);
    return ret;
}
