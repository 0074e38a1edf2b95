/* SPDX-License-Identifier: MIT */
/*
 * scsi-hd and scsi-cd: SCSI block devices (SBC-3 disk, MMC CD-ROM) over a
 * BlockBackend.
 *
 * Properties (besides the SCSI core's drive, channel, scsi-id, lun):
 * serial, vendor, product, ver, device_id, wwn, logical_block_size and
 * physical_block_size (scsi-hd; scsi-cd is 2048), removable (scsi-hd).
 *
 * Commands: TEST UNIT READY, REQUEST SENSE, INQUIRY (VPD 0x00, 0x80, 0x83,
 * 0xb0, 0xb1, 0xb2), READ CAPACITY 10/16, READ/WRITE 6/10/12/16, WRITE AND
 * VERIFY and VERIFY (no compare), SYNCHRONIZE CACHE 10/16, UNMAP, WRITE
 * SAME 10/16, MODE SENSE 6/10, MODE SELECT (accepted, no changeable
 * pages), START STOP UNIT (loads and ejects the CD tray), PREVENT ALLOW
 * MEDIUM REMOVAL, and for CDs READ TOC, GET CONFIGURATION, GET EVENT
 * STATUS NOTIFICATION, READ DISC INFORMATION, MECHANISM STATUS.  Others
 * get ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE.  Host errors map
 * to MEDIUM ERROR, ENOSPC to SPACE ALLOCATION FAILED (unless the drive's
 * werror policy stops the VM first).
 */
#include <errno.h>
#include <string.h>

#include "kernel/core.h"
#include "kernel/log.h"
#include "kernel/module.h"
#include "scsi-disk.h"

enum {
    OP_TEST_UNIT_READY = 0x00, OP_REQUEST_SENSE = 0x03, OP_READ_6 = 0x08, OP_WRITE_6 = 0x0a,
    OP_INQUIRY = 0x12, OP_MODE_SELECT_6 = 0x15, OP_MODE_SENSE_6 = 0x1a, OP_START_STOP = 0x1b,
    OP_PREVENT_ALLOW = 0x1e, OP_READ_CAPACITY_10 = 0x25, OP_READ_10 = 0x28, OP_WRITE_10 = 0x2a,
    OP_WRITE_VERIFY_10 = 0x2e, OP_VERIFY_10 = 0x2f, OP_SYNC_CACHE_10 = 0x35,
    OP_WRITE_SAME_10 = 0x41, OP_UNMAP = 0x42, OP_READ_TOC = 0x43, OP_GET_CONFIGURATION = 0x46,
    OP_GET_EVENT_STATUS = 0x4a, OP_READ_DISC_INFO = 0x51, OP_MODE_SELECT_10 = 0x55,
    OP_MODE_SENSE_10 = 0x5a, OP_READ_16 = 0x88, OP_WRITE_16 = 0x8a, OP_WRITE_VERIFY_16 = 0x8e,
    OP_VERIFY_16 = 0x8f, OP_SYNC_CACHE_16 = 0x91, OP_WRITE_SAME_16 = 0x93,
    OP_SERVICE_ACTION_IN_16 = 0x9e, OP_READ_12 = 0xa8, OP_WRITE_12 = 0xaa,
    OP_WRITE_VERIFY_12 = 0xae, OP_VERIFY_12 = 0xaf, OP_MECHANISM_STATUS = 0xbd,
};

#define SAI_READ_CAPACITY_16 0x10
#define UNMAP_MAX_DESCRIPTORS 255
#define WRITE_SAME_MAX_BYTES (32u << 20)

uint64_t scsi_disk_blocks(SCSIDisk *s)
{
    int64_t len = blk_length(((SCSIDevice *)s)->blk);
    return len > 0 ? (uint64_t)len / scsi_disk_block_size(s) : 0;
}

bool scsi_disk_medium_ready(SCSIDisk *s, SCSISense *why)
{
    BlockBackend *blk = ((SCSIDevice *)s)->blk;
    if (blk_is_removable(blk) && blk_is_tray_open(blk)) {
        *why = SENSE_NO_MEDIUM_TRAY_OPEN;
        return false;
    }
    if (!blk_is_inserted(blk)) {
        *why = SENSE_NO_MEDIUM;
        return false;
    }
    return true;
}

static SCSISense error_sense(int err, bool write)
{
    if (err == -ENOSPC) {
        return SENSE_SPACE_ALLOC_FAILED;
    }
    if (err == -ENOMEDIUM) {
        return SENSE_NO_MEDIUM;
    }
    if (err == -EROFS || err == -EPERM) {
        return SENSE_WRITE_PROTECTED;
    }
    if (err == -EINVAL) {
        return SENSE_LBA_OUT_OF_RANGE;
    }
    return write ? SENSE_WRITE_ERROR : SENSE_READ_ERROR;
}

/* One block request of @req finished. */
static void rw_done(void *opaque, int ret)
{
    SCSIRequest *req = opaque;
    if (ret < 0 && !req->error) {
        req->error = ret;
    }
    if (--req->pending > 0) {
        return;
    }
    if (req->error) {
        req->transferred = 0;
        scsi_req_complete_sense(req, error_sense(req->error, req->data_out));
    } else {
        scsi_req_complete_good(req);
    }
}

static bool check_range(SCSIDisk *s, SCSIRequest *req, uint64_t lba, uint64_t count)
{
    uint64_t blocks = scsi_disk_blocks(s);
    if (lba > blocks || count > blocks - lba) {
        blk_account_invalid(((SCSIDevice *)s)->blk, req->data_out);
        scsi_req_complete_sense(req, SENSE_LBA_OUT_OF_RANGE);
        return false;
    }
    return true;
}

static void do_rw(SCSIDisk *s, SCSIRequest *req, bool write, bool fua)
{
    SCSIDevice *dev = &s->parent_obj;
    uint64_t lba = scsi_cdb_lba(req->cdb);
    uint64_t count = scsi_cdb_xfer(req->cdb);
    SCSISense why;
    if (req->cdb[0] == OP_READ_6 || req->cdb[0] == OP_WRITE_6) {
        count = count ? count : 256;
    }
    if (!scsi_disk_medium_ready(s, &why)) {
        scsi_req_complete_sense(req, why);
        return;
    }
    if (write && blk_is_read_only(dev->blk)) {
        scsi_req_complete_sense(req, SENSE_WRITE_PROTECTED);
        return;
    }
    if (!check_range(s, req, lba, count)) {
        return;
    }
    uint64_t bytes = MIN(count * scsi_disk_block_size(s), req->data.size);
    if (write != req->data_out && bytes) {
        scsi_req_complete_sense(req, SENSE_INVALID_FIELD);
        return;
    }
    if (!bytes) {
        scsi_req_complete_good(req);
        return;
    }
    BlockIOV part;
    block_iov_slice(&part, &req->data, 0, bytes);
    req->transferred = bytes;
    req->pending = 1;
    uint64_t off = lba * scsi_disk_block_size(s);
    if (write) {
        blk_aio_pwritev(dev->blk, off, &part, fua ? BLOCK_WRITE_FUA : 0, rw_done, req);
    } else {
        blk_aio_preadv(dev->blk, off, &part, rw_done, req);
    }
    g_free(part.iov);
}

static void do_sync_cache(SCSIDisk *s, SCSIRequest *req)
{
    req->pending = 1;
    blk_aio_flush(((SCSIDevice *)s)->blk, rw_done, req);
}

static void do_read_capacity(SCSIDisk *s, SCSIRequest *req, bool sixteen)
{
    SCSISense why;
    if (!scsi_disk_medium_ready(s, &why)) {
        scsi_req_complete_sense(req, why);
        return;
    }
    uint64_t last = scsi_disk_blocks(s) - 1;
    uint8_t out[32] = { 0 };
    if (!sixteen) {
        scsi_put32(out, last > 0xffffffffull ? 0xffffffffu : last);
        scsi_put32(out + 4, scsi_disk_block_size(s));
        scsi_req_reply(req, out, 8);
    } else {
        scsi_put64(out, last);
        scsi_put32(out + 8, scsi_disk_block_size(s));
        uint32_t ratio = s->physical_block_size / s->logical_block_size;
        out[13] = ratio > 1 ? __builtin_ctz(ratio) : 0;
        if (!s->is_cd) {
            out[14] = 0x80 | 0x40; /* LBPME: unmap works; LBPRZ: unmapped blocks read 0 */
        }
        scsi_req_reply(req, out, MIN(32u, scsi_cdb_xfer(req->cdb)));
    }
    scsi_req_complete_good(req);
}

/* UNMAP: the parameter list (data-out) holds 16-byte descriptors. */
static void do_unmap(SCSIDisk *s, SCSIRequest *req)
{
    SCSIDevice *dev = &s->parent_obj;
    uint32_t len = MIN((uint32_t)req->data.size, (uint32_t)((req->cdb[7] << 8) | req->cdb[8]));
    if (blk_is_read_only(dev->blk)) {
        scsi_req_complete_sense(req, SENSE_WRITE_PROTECTED);
        return;
    }
    if (len == 0) {
        scsi_req_complete_good(req);
        return;
    }
    if (len < 8 || !req->data_out) {
        scsi_req_complete_sense(req, SENSE_INVALID_PARAM_LEN);
        return;
    }
    req->buf = g_malloc(len);
    block_iov_to_buf(&req->data, 0, req->buf, len);
    uint32_t dlen = MIN((uint32_t)((req->buf[2] << 8) | req->buf[3]), len - 8);
    uint32_t n = dlen / 16;
    if (n > UNMAP_MAX_DESCRIPTORS) {
        scsi_req_complete_sense(req, SENSE_INVALID_PARAM_LEN);
        return;
    }
    uint64_t blocks = scsi_disk_blocks(s);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *d = req->buf + 8 + i * 16;
        uint64_t lba = scsi_cdb_lba((const uint8_t[10]){ 0x88, 0, d[0], d[1], d[2], d[3], d[4],
                                                         d[5], d[6], d[7] });
        uint64_t cnt = ((uint32_t)d[8] << 24) | (d[9] << 16) | (d[10] << 8) | d[11];
        if (lba > blocks || cnt > blocks - lba) {
            scsi_req_complete_sense(req, SENSE_LBA_OUT_OF_RANGE);
            return;
        }
    }
    req->transferred = len;
    req->pending = 1; /* held until every discard is submitted */
    uint32_t bs = scsi_disk_block_size(s);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *d = req->buf + 8 + i * 16;
        uint64_t lba = scsi_cdb_lba((const uint8_t[10]){ 0x88, 0, d[0], d[1], d[2], d[3], d[4],
                                                         d[5], d[6], d[7] });
        uint64_t cnt = ((uint32_t)d[8] << 24) | (d[9] << 16) | (d[10] << 8) | d[11];
        if (cnt) {
            req->pending++;
            blk_aio_pdiscard(dev->blk, lba * bs, cnt * bs, rw_done, req);
        }
    }
    rw_done(req, 0);
}

/* WRITE SAME 10/16: one block of data-out repeated (or zeroes/unmap). */
static void do_write_same(SCSIDisk *s, SCSIRequest *req)
{
    SCSIDevice *dev = &s->parent_obj;
    uint32_t bs = scsi_disk_block_size(s);
    uint64_t lba = scsi_cdb_lba(req->cdb);
    uint64_t count = scsi_cdb_xfer(req->cdb);
    bool unmap = req->cdb[1] & 0x08;
    if (blk_is_read_only(dev->blk)) {
        scsi_req_complete_sense(req, SENSE_WRITE_PROTECTED);
        return;
    }
    if (req->cdb[1] & 0x01 || count == 0) { /* NDOB is not supported; 0: to the end */
        scsi_req_complete_sense(req, SENSE_INVALID_FIELD);
        return;
    }
    if (!check_range(s, req, lba, count)) {
        return;
    }
    if (req->data.size < bs || !req->data_out) {
        scsi_req_complete_sense(req, SENSE_INVALID_PARAM_LEN);
        return;
    }
    req->buf = g_malloc(bs);
    block_iov_to_buf(&req->data, 0, req->buf, bs);
    req->transferred = bs;
    bool zero = true;
    for (uint32_t i = 0; i < bs && zero; i++) {
        zero = req->buf[i] == 0;
    }
    req->pending = 1;
    if (zero) {
        blk_aio_pwrite_zeroes(dev->blk, lba * bs, count * bs, unmap, rw_done, req);
        return;
    }
    if (count * bs > WRITE_SAME_MAX_BYTES) {
        req->pending = 0;
        scsi_req_complete_sense(req, SENSE_INVALID_FIELD);
        return;
    }
    uint8_t *pattern = g_malloc(count * bs);
    for (uint64_t i = 0; i < count; i++) {
        memcpy(pattern + i * bs, req->buf, bs);
    }
    g_free(req->buf);
    req->buf = pattern; /* freed when the request completes */
    struct iovec one;
    BlockIOV v;
    block_iov_from_buf(&v, &one, pattern, count * bs);
    blk_aio_pwritev(dev->blk, lba * bs, &v, 0, rw_done, req);
}

static void do_start_stop(SCSIDisk *s, SCSIRequest *req)
{
    BlockBackend *blk = ((SCSIDevice *)s)->blk;
    bool start = req->cdb[4] & 1, loej = req->cdb[4] & 2;
    if (s->is_cd && loej && !(req->cdb[4] & 0xf0)) {
        if (!start && s->tray_locked) {
            scsi_req_complete_sense(req, SENSE_MEDIUM_REMOVAL_PREVENTED);
            return;
        }
        if (blk_is_tray_open(blk) == start) {
            blk_guest_set_tray(blk, !start);
            s->media_event_eject = !start;
        }
    }
    scsi_req_complete_good(req);
}

static void do_request_sense(SCSIRequest *req)
{
    uint8_t buf[SCSI_SENSE_LEN];
    scsi_build_sense(buf, SENSE_NO_SENSE);
    scsi_req_reply(req, buf, MIN(sizeof(buf), req->cdb[4]));
    scsi_req_complete_good(req);
}

static void scsi_disk_execute(SCSIDevice *dev, SCSIRequest *req)
{
    SCSIDisk *s = SCSI_DISK(dev);
    const uint8_t *cdb = req->cdb;
    SCSISense why;
    switch (cdb[0]) {
    case OP_TEST_UNIT_READY:
        if (!scsi_disk_medium_ready(s, &why)) {
            scsi_req_complete_sense(req, why);
        } else {
            scsi_req_complete_good(req);
        }
        return;
    case OP_REQUEST_SENSE:
        do_request_sense(req);
        return;
    case OP_INQUIRY:
        scsi_disk_inquiry(s, req);
        return;
    case OP_MODE_SENSE_6:
    case OP_MODE_SENSE_10:
        scsi_disk_mode_sense(s, req);
        return;
    case OP_MODE_SELECT_6:
    case OP_MODE_SELECT_10:
        req->transferred = req->data_out ? req->data.size : 0;
        scsi_req_complete_good(req); /* no page is changeable: nothing to store */
        return;
    case OP_START_STOP:
        do_start_stop(s, req);
        return;
    case OP_PREVENT_ALLOW:
        s->tray_locked = cdb[4] & 1;
        blk_set_locked(dev->blk, s->tray_locked);
        scsi_req_complete_good(req);
        return;
    case OP_READ_CAPACITY_10:
        do_read_capacity(s, req, false);
        return;
    case OP_SERVICE_ACTION_IN_16:
        if ((cdb[1] & 0x1f) == SAI_READ_CAPACITY_16) {
            do_read_capacity(s, req, true);
            return;
        }
        break;
    case OP_READ_6: case OP_READ_10: case OP_READ_12: case OP_READ_16:
        do_rw(s, req, false, false);
        return;
    case OP_WRITE_6: case OP_WRITE_10: case OP_WRITE_12: case OP_WRITE_16:
    case OP_WRITE_VERIFY_10: case OP_WRITE_VERIFY_12: case OP_WRITE_VERIFY_16:
        if (s->is_cd) {
            break;
        }
        do_rw(s, req, true, cdb[0] != OP_WRITE_6 && (cdb[1] & 0x08));
        return;
    case OP_VERIFY_10: case OP_VERIFY_12: case OP_VERIFY_16:
        if (cdb[1] & 0x06) { /* BYTCHK: compare with data-out is not supported */
            scsi_req_complete_sense(req, SENSE_INVALID_FIELD);
            return;
        }
        if (check_range(s, req, scsi_cdb_lba(cdb), scsi_cdb_xfer(cdb))) {
            scsi_req_complete_good(req);
        }
        return;
    case OP_SYNC_CACHE_10:
    case OP_SYNC_CACHE_16:
        do_sync_cache(s, req);
        return;
    case OP_UNMAP:
        if (!s->is_cd) {
            do_unmap(s, req);
            return;
        }
        break;
    case OP_WRITE_SAME_10:
    case OP_WRITE_SAME_16:
        if (!s->is_cd) {
            do_write_same(s, req);
            return;
        }
        break;
    case OP_READ_TOC:
        if (s->is_cd) {
            scsi_disk_read_toc(s, req);
            return;
        }
        break;
    case OP_GET_CONFIGURATION:
        if (s->is_cd) {
            scsi_disk_get_configuration(s, req);
            return;
        }
        break;
    case OP_GET_EVENT_STATUS:
        if (s->is_cd) {
            scsi_disk_get_event_status(s, req);
            return;
        }
        break;
    case OP_READ_DISC_INFO:
        if (s->is_cd) {
            scsi_disk_read_disc_info(s, req);
            return;
        }
        break;
    case OP_MECHANISM_STATUS:
        if (s->is_cd) {
            scsi_disk_mechanism_status(s, req);
            return;
        }
        break;
    default:
        break;
    }
    log_mask(LOG_UNIMP, "%s: unsupported SCSI command 0x%02x\n",
             object_get_typename(OBJECT(dev)), cdb[0]);
    scsi_req_complete_sense(req, SENSE_INVALID_OPCODE);
}

/* The medium changed under the guest (eject, blockdev-change-medium). */
static void scsi_disk_change_media(void *opaque, bool load)
{
    SCSIDisk *s = opaque;
    if (load) {
        s->media_event_new = true;
        scsi_device_set_ua(&s->parent_obj, SENSE_MEDIUM_CHANGED);
    } else {
        s->media_event_eject = true;
    }
}

static void scsi_disk_resize(void *opaque)
{
    SCSIDisk *s = opaque;
    scsi_device_set_ua(&s->parent_obj, SENSE_CAPACITY_CHANGED);
}

static const BlockDevOps scsi_disk_dev_ops = {
    .change_media = scsi_disk_change_media,
    .resize = scsi_disk_resize,
};

static bool scsi_disk_realize(SCSIDevice *dev, GError **errp)
{
    SCSIDisk *s = SCSI_DISK(dev);
    const char *name = DEVICE(dev)->id ? DEVICE(dev)->id : object_get_typename(OBJECT(dev));
    uint32_t lbs = s->logical_block_size, pbs = s->physical_block_size;
    if (s->is_cd) {
        s->logical_block_size = 2048;
        lbs = 2048;
        pbs = MAX(pbs, 2048);
        s->physical_block_size = pbs;
    }
    if (lbs < 512 || lbs > 32768 || (lbs & (lbs - 1)) || pbs < lbs || (pbs & (pbs - 1)) ||
        pbs > 65536) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "%s: logical_block_size must be a power of two from 512 to 32768 and "
                    "physical_block_size a power of two at least as large", name);
        return false;
    }
    if (s->serial && strlen(s->serial) > 36) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: serial is longer than 36",
                    name);
        return false;
    }
    bool ro = s->is_cd || blk_is_read_only(dev->blk);
    if (!s->is_cd && !blk_is_inserted(dev->blk)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: drive '%s' has no medium", name,
                    dev->drive);
        return false;
    }
    GError *err = NULL;
    uint32_t shared = BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED | BLK_PERM_RESIZE;
    if (!blk_set_perm(dev->blk, BLK_PERM_CONSISTENT_READ | (ro ? 0 : BLK_PERM_WRITE),
                      ro ? shared | BLK_PERM_WRITE : shared, &err)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: %s", name, err->message);
        g_error_free(err);
        return false;
    }
    if (s->is_cd) {
        blk_set_removable(dev->blk, true);
    } else if (s->removable) {
        blk_set_removable(dev->blk, true);
    }
    blk_set_dev_ops(dev->blk, &scsi_disk_dev_ops, s);
    return true;
}

static const PropertyInfo scsi_disk_props[] = {
    PROP_STRING("serial", SCSIDisk, serial, NULL, "unit serial number (VPD page 0x80)"),
    PROP_STRING("vendor", SCSIDisk, vendor, "TESSERA", "vendor (INQUIRY, 8 characters)"),
    PROP_STRING("product", SCSIDisk, product, NULL, "product (INQUIRY, 16 characters)"),
    PROP_STRING("ver", SCSIDisk, version, "0.1", "product revision (4 characters)"),
    PROP_STRING("device_id", SCSIDisk, device_id, NULL, "identifier for VPD page 0x83"),
    PROP_UINT64("wwn", SCSIDisk, wwn, 0, "NAA world wide name (VPD page 0x83)"),
    PROP_UINT32("logical_block_size", SCSIDisk, logical_block_size, 512,
                "logical block size (scsi-cd: 2048)"),
    PROP_UINT32("physical_block_size", SCSIDisk, physical_block_size, 512,
                "physical block size"),
    PROP_BOOL("removable", SCSIDisk, removable, false, "report removable media (scsi-hd)"),
    PROP_END
};

static void scsi_disk_class_init(ObjectClass *klass, const void *data)
{
    SCSIDeviceClass *sc = (SCSIDeviceClass *)klass;
    sc->realize = scsi_disk_realize;
    sc->execute = scsi_disk_execute;
    sc->fw_name = "disk";  /* scsi-hd and scsi-cd alike, as in QEMU */
    object_class_add_field_properties(klass, scsi_disk_props);
}

static void scsi_hd_instance_init(Object *obj)
{
    SCSI_DISK(obj)->is_cd = false;
}

static void scsi_cd_instance_init(Object *obj)
{
    SCSI_DISK(obj)->is_cd = true;
}

static void scsi_hd_class_init(ObjectClass *klass, const void *data)
{
    DEVICE_CLASS(klass)->user_creatable = true;
}

static const TypeInfo scsi_disk_base_info = {
    .name = "scsi-disk-base",
    .parent = TYPE_SCSI_DEVICE,
    .category = "storage",
    .description = "SCSI disk (abstract)",
    .abstract = true,
    .instance_size = sizeof(SCSIDisk),
    .class_size = sizeof(SCSIDeviceClass),
    .class_init = scsi_disk_class_init,
};

static const TypeInfo scsi_hd_info = {
    .name = TYPE_SCSI_HD,
    .parent = "scsi-disk-base",
    .category = "storage",
    .description = "virtual SCSI disk",
    .user_creatable = true,
    .instance_size = sizeof(SCSIDisk),
    .instance_init = scsi_hd_instance_init,
    .class_size = sizeof(SCSIDeviceClass),
    .class_init = scsi_hd_class_init,
};

static const TypeInfo scsi_cd_info = {
    .name = TYPE_SCSI_CD,
    .parent = "scsi-disk-base",
    .category = "storage",
    .description = "virtual SCSI CD-ROM",
    .user_creatable = true,
    .instance_size = sizeof(SCSIDisk),
    .instance_init = scsi_cd_instance_init,
    .class_size = sizeof(SCSIDeviceClass),
    .class_init = scsi_hd_class_init,
};

TESSERA_MODULE(.name = "scsi-disk", .kind = "device",
               .types = TESSERA_TYPES(&scsi_disk_base_info, &scsi_hd_info, &scsi_cd_info));
