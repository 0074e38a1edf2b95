/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk (VIRTIO 1.1 section 5.2): a block device over a BlockBackend.
 * virtio-blk-device sits on any virtio transport; virtio-blk-pci is its
 * PCI twin.
 *
 * Requests: IN, OUT, FLUSH, GET_ID (serial=), DISCARD and WRITE_ZEROES
 * (segment lists), each completed asynchronously by the block layer; any
 * number in flight on each of num-queues request queues.  Config: capacity
 * (updated, with a config interrupt, on block_resize), seg_max, blk_size
 * and topology from logical_block_size/physical_block_size, writeback
 * (CONFIG_WCE), num_queues, discard and write-zeroes limits.  A read-only
 * drive offers VIRTIO_BLK_F_RO and fails writes.  A request with a short
 * header or no status byte is a guest error (NEEDS_RESET).
 *
 * Properties: drive, serial, num-queues, queue-size, logical_block_size,
 * physical_block_size, discard, write-zeroes, config-wce.
 */
#include <string.h>

#include "block/block.h"
#include "kernel/bootorder.h"
#include "kernel/core.h"
#include "kernel/log.h"
#include "kernel/module.h"
#include "virtio/virtio-pci.h"
#include "virtio/virtio.h"

#define TYPE_VIRTIO_BLK "virtio-blk-device"
#define TYPE_VIRTIO_BLK_PCI "virtio-blk-pci"

/* Feature bits. */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_TOPOLOGY 10
#define VIRTIO_BLK_F_CONFIG_WCE 11
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status. */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_BLK_WZ_UNMAP 1

/* Config layout. */
#define CFG_CAPACITY 0
#define CFG_SIZE_MAX 8
#define CFG_SEG_MAX 12
#define CFG_BLK_SIZE 20
#define CFG_PHYS_EXP 24
#define CFG_MIN_IO 26
#define CFG_OPT_IO 28
#define CFG_WRITEBACK 32
#define CFG_NUM_QUEUES 34
#define CFG_MAX_DISCARD_SECTORS 36
#define CFG_MAX_DISCARD_SEG 40
#define CFG_DISCARD_ALIGN 44
#define CFG_MAX_WZ_SECTORS 48
#define CFG_MAX_WZ_SEG 52
#define CFG_WZ_MAY_UNMAP 56
#define CFG_SIZE 60

#define SECTOR 512
#define MAX_SEGMENTS 256
#define MAX_DISCARD_SECTORS (UINT32_MAX / SECTOR)

typedef struct VirtIOBlock {
    VirtIODevice parent_obj;
    char *drive;
    char *serial;
    uint16_t num_queues;
    uint16_t queue_size;
    uint32_t logical_block_size, physical_block_size;
    bool discard, write_zeroes, config_wce;
    int32_t bootindex;
    BlockBackend *blk;
    int in_flight;
} VirtIOBlock;

OBJECT_DECLARE_SIMPLE_TYPE(VirtIOBlock, VIRTIO_BLK, TYPE_VIRTIO_BLK)

/* One request in flight. */
typedef struct BlkReq {
    VirtIOBlock *s;
    VirtQueue *vq;
    VirtQueueElement *elem;
    BlockIOV data;             /* the guest's data buffers (iov owned) */
    uint8_t *status;           /* the last writable byte */
    uint32_t in_len;           /* bytes written to the guest, status included */
    int pending;
    int error;
    uint8_t *segs;             /* discard/write-zeroes segment list */
} BlkReq;

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

static uint32_t le32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void finish(BlkReq *r, uint8_t status)
{
    VirtIOBlock *s = r->s;
    *r->status = status;
    virtqueue_push(r->vq, r->elem, r->in_len);
    virtio_notify(VIRTIO_DEVICE(s), r->vq);
    s->in_flight--;
    g_free(r->data.iov);
    g_free(r->segs);
    g_free(r);
}

static void req_done(void *opaque, int ret)
{
    BlkReq *r = opaque;
    if (ret < 0 && !r->error) {
        r->error = ret;
    }
    if (--r->pending == 0) {
        finish(r, r->error ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK);
    }
}

/* An iov over @n entries of @sg skipping @skip bytes at the start and
 * @cut at the end. */
static void iov_window(BlockIOV *out, const struct iovec *sg, unsigned n, size_t skip,
                       size_t cut)
{
    BlockIOV all = { .iov = (struct iovec *)sg, .niov = (int)n, .size = 0 };
    for (unsigned i = 0; i < n; i++) {
        all.size += sg[i].iov_len;
    }
    block_iov_slice(out, &all, skip, all.size - skip - cut);
}

static bool in_range(VirtIOBlock *s, uint64_t sector, uint64_t bytes)
{
    int64_t len = blk_length(s->blk);
    uint64_t off = sector * SECTOR;
    return len >= 0 && sector <= (uint64_t)len / SECTOR && off + bytes >= off &&
           off + bytes <= (uint64_t)len && (bytes % s->logical_block_size) == 0 &&
           (off % s->logical_block_size) == 0;
}

static void do_segments(BlkReq *r, uint32_t type)
{
    VirtIOBlock *s = r->s;
    VirtQueueElement *e = r->elem;
    size_t len = e->out_len - 16;
    if (len == 0 || len % 16 || len / 16 > MAX_SEGMENTS) {
        finish(r, VIRTIO_BLK_S_UNSUPP);
        return;
    }
    r->segs = g_malloc(len);
    iov_to_buf(e->out_sg, e->out_num, 16, r->segs, len);
    for (size_t i = 0; i < len; i += 16) {
        uint64_t sector = le64(r->segs + i);
        uint32_t n = le32(r->segs + i + 8), flags = le32(r->segs + i + 12);
        if (!in_range(s, sector, (uint64_t)n * SECTOR) ||
            (type == VIRTIO_BLK_T_DISCARD && flags) || (flags & ~VIRTIO_BLK_WZ_UNMAP)) {
            blk_account_invalid(s->blk, true);
            finish(r, type == VIRTIO_BLK_T_DISCARD && flags ? VIRTIO_BLK_S_UNSUPP
                                                            : VIRTIO_BLK_S_IOERR);
            return;
        }
    }
    r->pending = 1;
    for (size_t i = 0; i < len; i += 16) {
        uint64_t sector = le64(r->segs + i);
        uint32_t n = le32(r->segs + i + 8), flags = le32(r->segs + i + 12);
        r->pending++;
        if (type == VIRTIO_BLK_T_DISCARD) {
            blk_aio_pdiscard(s->blk, sector * SECTOR, (uint64_t)n * SECTOR, req_done, r);
        } else {
            blk_aio_pwrite_zeroes(s->blk, sector * SECTOR, (uint64_t)n * SECTOR,
                                  flags & VIRTIO_BLK_WZ_UNMAP, req_done, r);
        }
    }
    req_done(r, 0);
}

static void handle_request(VirtIOBlock *s, VirtQueue *vq, VirtQueueElement *e)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);
    uint8_t hdr[16];
    if (e->out_len < sizeof(hdr) || e->in_len < 1) {
        virtio_error(vdev, "virtio-blk request without header or status byte");
        virtqueue_unpop(vq, e);
        return;
    }
    iov_to_buf(e->out_sg, e->out_num, 0, hdr, sizeof(hdr));
    uint32_t type = le32(hdr);
    uint64_t sector = le64(hdr + 8);
    BlkReq *r = g_new0(BlkReq, 1);
    r->s = s;
    r->vq = vq;
    r->elem = e;
    struct iovec *last = NULL;
    for (unsigned i = e->in_num; i-- > 0;) {
        if (e->in_sg[i].iov_len) {
            last = &e->in_sg[i];
            break;
        }
    }
    r->status = (uint8_t *)last->iov_base + last->iov_len - 1;
    r->in_len = 1;
    s->in_flight++;
    switch (type) {
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT: {
        bool write = type == VIRTIO_BLK_T_OUT;
        if (write) {
            iov_window(&r->data, e->out_sg, e->out_num, sizeof(hdr), 0);
        } else {
            iov_window(&r->data, e->in_sg, e->in_num, 0, 1);
        }
        if (!in_range(s, sector, r->data.size)) {
            blk_account_invalid(s->blk, write);
            finish(r, VIRTIO_BLK_S_IOERR);
            return;
        }
        if (write && blk_is_read_only(s->blk)) {
            finish(r, VIRTIO_BLK_S_IOERR);
            return;
        }
        r->pending = 1;
        if (write) {
            blk_aio_pwritev(s->blk, sector * SECTOR, &r->data, 0, req_done, r);
        } else {
            r->in_len += r->data.size;
            blk_aio_preadv(s->blk, sector * SECTOR, &r->data, req_done, r);
        }
        return;
    }
    case VIRTIO_BLK_T_FLUSH:
        r->pending = 1;
        blk_aio_flush(s->blk, req_done, r);
        return;
    case VIRTIO_BLK_T_GET_ID: {
        char id[VIRTIO_BLK_ID_BYTES] = { 0 };
        if (s->serial) {
            /* Not NUL-terminated when 20 long; realize refused longer. */
            memcpy(id, s->serial, MIN(strlen(s->serial), sizeof(id)));
        }
        size_t n = iov_from_buf(e->in_sg, e->in_num, 0, id, MIN(sizeof(id), e->in_len - 1));
        r->in_len += n;
        finish(r, VIRTIO_BLK_S_OK);
        return;
    }
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        if ((type == VIRTIO_BLK_T_DISCARD && !virtio_has_feature(vdev, VIRTIO_BLK_F_DISCARD)) ||
            (type == VIRTIO_BLK_T_WRITE_ZEROES &&
             !virtio_has_feature(vdev, VIRTIO_BLK_F_WRITE_ZEROES))) {
            finish(r, VIRTIO_BLK_S_UNSUPP);
            return;
        }
        if (blk_is_read_only(s->blk)) {
            finish(r, VIRTIO_BLK_S_IOERR);
            return;
        }
        do_segments(r, type);
        return;
    default:
        log_mask(LOG_UNIMP, "virtio-blk: request type %u not supported\n", type);
        finish(r, VIRTIO_BLK_S_UNSUPP);
    }
}

static void blk_handle(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);
    VirtQueueElement *e;
    while ((e = virtqueue_pop(vq))) {
        handle_request(s, vq, e);
    }
}

static void put_le16(uint8_t *p, uint16_t v)
{
    virtio_stw(p, v);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    virtio_stl(p, v);
}

static void put_le64(uint8_t *p, uint64_t v)
{
    virtio_stl(p, v);
    virtio_stl(p + 4, v >> 32);
}

static void blk_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);
    int64_t len = blk_length(s->blk);
    memset(config, 0, CFG_SIZE);
    put_le64(config + CFG_CAPACITY, len > 0 ? (uint64_t)len / SECTOR : 0);
    put_le32(config + CFG_SIZE_MAX, 0);
    put_le32(config + CFG_SEG_MAX, s->queue_size - 2);
    put_le32(config + CFG_BLK_SIZE, s->logical_block_size);
    config[CFG_PHYS_EXP] = __builtin_ctz(s->physical_block_size / s->logical_block_size);
    put_le16(config + CFG_MIN_IO, s->physical_block_size / s->logical_block_size);
    put_le32(config + CFG_OPT_IO, 0);
    config[CFG_WRITEBACK] = blk_get_write_cache(s->blk);
    put_le16(config + CFG_NUM_QUEUES, s->num_queues);
    put_le32(config + CFG_MAX_DISCARD_SECTORS, MAX_DISCARD_SECTORS);
    put_le32(config + CFG_MAX_DISCARD_SEG, MAX_SEGMENTS);
    put_le32(config + CFG_DISCARD_ALIGN, s->logical_block_size / SECTOR);
    put_le32(config + CFG_MAX_WZ_SECTORS, MAX_DISCARD_SECTORS);
    put_le32(config + CFG_MAX_WZ_SEG, MAX_SEGMENTS);
    config[CFG_WZ_MAY_UNMAP] = 1;
}

static void blk_set_config(VirtIODevice *vdev, const uint8_t *config)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);
    if (virtio_has_feature(vdev, VIRTIO_BLK_F_CONFIG_WCE)) {
        blk_set_write_cache(s->blk, config[CFG_WRITEBACK] != 0);
    }
}

static uint64_t blk_get_features(VirtIODevice *vdev)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);
    uint64_t f = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
                 (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_TOPOLOGY);
    if (s->config_wce) {
        f |= 1ull << VIRTIO_BLK_F_CONFIG_WCE;
    }
    if (s->num_queues > 1) {
        f |= 1ull << VIRTIO_BLK_F_MQ;
    }
    if (blk_is_read_only(s->blk)) {
        f |= 1ull << VIRTIO_BLK_F_RO;
    } else {
        f |= (s->discard ? 1ull << VIRTIO_BLK_F_DISCARD : 0) |
             (s->write_zeroes ? 1ull << VIRTIO_BLK_F_WRITE_ZEROES : 0);
    }
    return f;
}

static void blk_resized(void *opaque)
{
    virtio_notify_config(VIRTIO_DEVICE(opaque));
}

static const BlockDevOps virtio_blk_dev_ops = {
    .resize = blk_resized,
};

static bool blk_realize(VirtIODevice *vdev, GError **errp)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);
    const char *name = DEVICE(vdev)->id ? DEVICE(vdev)->id : vdev->name;
    uint32_t lbs = s->logical_block_size, pbs = s->physical_block_size;
    if (!s->drive || !*s->drive) {
        g_set_error(errp, VIRTIO_ERROR, 0, "%s: drive property not set", name);
        return false;
    }
    if (lbs < SECTOR || lbs > 32768 || (lbs & (lbs - 1)) || pbs < lbs || (pbs & (pbs - 1))) {
        g_set_error(errp, VIRTIO_ERROR, 0, "%s: logical_block_size must be a power of two from "
                    "512 to 32768, physical_block_size a power of two at least as large", name);
        return false;
    }
    if (s->num_queues < 1 || s->num_queues > 64) {
        g_set_error(errp, VIRTIO_ERROR, 0, "%s: num-queues must be 1 to 64", name);
        return false;
    }
    if (s->queue_size < 4 || s->queue_size > VIRTQUEUE_MAX_SIZE ||
        (s->queue_size & (s->queue_size - 1))) {
        g_set_error(errp, VIRTIO_ERROR, 0, "%s: queue-size must be a power of two from 4 to %d",
                    name, VIRTQUEUE_MAX_SIZE);
        return false;
    }
    if (s->serial && strlen(s->serial) > VIRTIO_BLK_ID_BYTES) {
        g_set_error(errp, VIRTIO_ERROR, 0, "%s: serial is longer than %d characters", name,
                    VIRTIO_BLK_ID_BYTES);
        return false;
    }
    /* Firmware boots the disk behind the transport (QEMU's suffix). */
    if (!boot_order_add(s->bootindex, DEVICE(s), "/disk@0,0", name, errp)) {
        return false;
    }
    GError *err = NULL;
    BlockGraph *g = block_graph_default();
    s->blk = g ? blk_for_device(g, s->drive, name, &err) : NULL;
    if (!s->blk) {
        g_set_error(errp, VIRTIO_ERROR, 0, "%s: %s", name,
                    err ? err->message : "the block layer is not loaded");
        g_clear_error(&err);
        boot_order_del(DEVICE(s));
        return false;
    }
    if (!blk_is_inserted(s->blk)) {
        g_set_error(errp, VIRTIO_ERROR, 0, "%s: drive '%s' has no medium", name, s->drive);
        goto fail;
    }
    int64_t len = blk_length(s->blk);
    if (len < 0 || len % lbs) {
        g_set_error(errp, VIRTIO_ERROR, 0,
                    "%s: drive '%s' is not a whole number of %u-byte blocks", name, s->drive, lbs);
        goto fail;
    }
    bool ro = blk_is_read_only(s->blk);
    uint32_t shared = BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED | BLK_PERM_RESIZE;
    if (!blk_set_perm(s->blk, BLK_PERM_CONSISTENT_READ | (ro ? 0 : BLK_PERM_WRITE),
                      ro ? shared | BLK_PERM_WRITE : shared, &err)) {
        g_set_error(errp, VIRTIO_ERROR, 0, "%s: %s", name, err->message);
        g_error_free(err);
        goto fail;
    }
    blk_set_dev_ops(s->blk, &virtio_blk_dev_ops, s);
    virtio_init_config(vdev, CFG_SIZE);
    for (unsigned i = 0; i < s->num_queues; i++) {
        virtio_add_queue(vdev, s->queue_size, blk_handle);
    }
    return true;
fail:
    blk_detach_device(s->blk);
    s->blk = NULL;
    boot_order_del(DEVICE(s));
    return false;
}

static void blk_unrealize(VirtIODevice *vdev)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);
    if (s->blk) {
        blk_detach_device(s->blk); /* drains: no completion comes after this */
        s->blk = NULL;
    }
    boot_order_del(DEVICE(s));
}

static void blk_reset(VirtIODevice *vdev)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);
    if (s->blk) {
        /* Requests of the old session complete before the queues go. */
        block_graph_drain(block_graph_default());
    }
}

static const PropertyInfo blk_props[] = {
    PROP_STRING("drive", VirtIOBlock, drive, NULL, "the drive (-drive id) or node name"),
    PROP_STRING("serial", VirtIOBlock, serial, NULL, "serial number (GET_ID, 20 characters)"),
    PROP_UINT16("num-queues", VirtIOBlock, num_queues, 1, "request queues"),
    PROP_UINT16("queue-size", VirtIOBlock, queue_size, 256, "entries per queue"),
    PROP_UINT32("logical_block_size", VirtIOBlock, logical_block_size, 512,
                "logical block size"),
    PROP_UINT32("physical_block_size", VirtIOBlock, physical_block_size, 512,
                "physical block size"),
    PROP_BOOL("discard", VirtIOBlock, discard, true, "offer DISCARD"),
    PROP_BOOL("write-zeroes", VirtIOBlock, write_zeroes, true, "offer WRITE_ZEROES"),
    PROP_BOOL("config-wce", VirtIOBlock, config_wce, true,
              "let the guest switch the write cache (CONFIG_WCE)"),
    PROP_INT32("bootindex", VirtIOBlock, bootindex, -1,
               "place in the boot order (-1: none; boards boot -kernel/-bios)"),
    PROP_END
};

static void blk_class_init(ObjectClass *klass, const void *data)
{
    VirtIODeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);
    vdc->device_id = VIRTIO_ID_BLOCK;
    vdc->realize = blk_realize;
    vdc->unrealize = blk_unrealize;
    vdc->reset = blk_reset;
    vdc->get_features = blk_get_features;
    vdc->get_config = blk_get_config;
    vdc->set_config = blk_set_config;
    object_class_add_field_properties(klass, blk_props);
}

static const TypeInfo blk_info = {
    .name = TYPE_VIRTIO_BLK,
    .parent = TYPE_VIRTIO_DEVICE,
    .category = "storage",
    .description = "virtio block device",
    .user_creatable = true,
    .instance_size = sizeof(VirtIOBlock),
    .class_size = sizeof(VirtIODeviceClass),
    .class_init = blk_class_init,
};

/* PCI class 0x0100: mass storage, SCSI (as QEMU reports virtio-blk). */
static const TypeInfo blk_pci_info =
    VIRTIO_PCI_PROXY_TYPE(TYPE_VIRTIO_BLK_PCI, TYPE_VIRTIO_BLK, 0x0100, "storage",
                          "virtio block device (PCI)");

static const TypeInfo blk_pci_nt_info =
    VIRTIO_PCI_NON_TRANSITIONAL_TYPE(TYPE_VIRTIO_BLK_PCI "-non-transitional", TYPE_VIRTIO_BLK_PCI,
                                     "storage", "virtio block device (PCI, modern virtio only)");

TESSERA_MODULE(.name = "virtio-blk", .kind = "device",
               .types = TESSERA_TYPES(&blk_info, &blk_pci_info, &blk_pci_nt_info));
