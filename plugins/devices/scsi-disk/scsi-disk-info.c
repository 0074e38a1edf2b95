/* SPDX-License-Identifier: MIT */
/*
 * scsi-hd / scsi-cd: the commands that describe the device (SPC-4, SBC-3,
 * MMC-6): INQUIRY and its VPD pages, MODE SENSE, and the CD-ROM's READ
 * TOC, GET CONFIGURATION, GET EVENT STATUS NOTIFICATION, READ DISC
 * INFORMATION and MECHANISM STATUS.
 */
#include <string.h>

#include "scsi-disk.h"

#define TYPE_DISK 0x00
#define TYPE_ROM 0x05
#define MAX_UNMAP_BLOCKS 0x100000u   /* per UNMAP descriptor / WRITE SAME */

static void put_padded(uint8_t *dst, const char *src, size_t len)
{
    size_t n = src ? MIN(strlen(src), len) : 0;
    memset(dst, ' ', len);
    memcpy(dst, src, n);
}

static const char *product(SCSIDisk *s)
{
    return s->product ? s->product : s->is_cd ? "TESSERA CD-ROM" : "TESSERA HARDDISK";
}

static bool discard_supported(SCSIDisk *s)
{
    return !s->is_cd;
}

static unsigned vpd_page(SCSIDisk *s, uint8_t page, uint8_t *p)
{
    unsigned n = 0;
    switch (page) {
    case 0x00: {                      /* supported pages */
        p[n++] = 0x00;
        if (s->serial) {
            p[n++] = 0x80;
        }
        p[n++] = 0x83;
        if (!s->is_cd) {
            p[n++] = 0xb0;
            p[n++] = 0xb1;
            p[n++] = 0xb2;
        }
        return n;
    }
    case 0x80:                        /* unit serial number */
        if (!s->serial) {
            return 0;
        }
        n = strlen(s->serial);
        memcpy(p, s->serial, n);
        return n;
    case 0x83: {                      /* device identification */
        const char *id = s->device_id ? s->device_id
                         : s->serial ? s->serial
                         : DEVICE(s)->id ? DEVICE(s)->id : "";
        size_t idlen = MIN(strlen(id), 255 - 4);
        p[n++] = 0x2;                 /* ASCII */
        p[n++] = 0x0;                 /* vendor-specific, LUN association */
        p[n++] = 0;
        p[n++] = idlen;
        memcpy(p + n, id, idlen);
        n += idlen;
        if (s->wwn) {
            p[n++] = 0x1;             /* binary */
            p[n++] = 0x3;             /* NAA */
            p[n++] = 0;
            p[n++] = 8;
            scsi_put64(p + n, s->wwn);
            n += 8;
        }
        return n;
    }
    case 0xb0:                        /* block limits */
        if (s->is_cd) {
            return 0;
        }
        memset(p, 0, 0x3c);
        p[1] = 0;                     /* maximum compare and write length */
        scsi_put16(p + 2, s->physical_block_size / s->logical_block_size); /* opt. granularity */
        scsi_put32(p + 4, 0xffff);    /* maximum transfer length (blocks) */
        scsi_put32(p + 8, 0);         /* optimal transfer length: unreported */
        scsi_put32(p + 16, MAX_UNMAP_BLOCKS);   /* maximum unmap LBA count */
        scsi_put32(p + 20, 255);                /* maximum unmap descriptors */
        scsi_put32(p + 24, 1);                  /* optimal unmap granularity */
        scsi_put64(p + 32, MAX_UNMAP_BLOCKS);   /* maximum write same length */
        return 0x3c;
    case 0xb1:                        /* block device characteristics */
        if (s->is_cd) {
            return 0;
        }
        memset(p, 0, 0x3c);
        scsi_put16(p, 1);             /* non-rotating medium */
        return 0x3c;
    case 0xb2:                        /* logical block provisioning */
        if (s->is_cd) {
            return 0;
        }
        memset(p, 0, 4);
        p[1] = discard_supported(s) ? 0xe0 | 0x04 : 0; /* LBPU, LBPWS, LBPWS10, LBPRZ */
        p[2] = 0x02;                  /* provisioning type: thin */
        return 4;
    default:
        return 0;
    }
}

void scsi_disk_inquiry(SCSIDisk *s, SCSIRequest *req)
{
    uint8_t out[512] = { 0 };
    uint32_t alloc = (req->cdb[3] << 8) | req->cdb[4];
    uint8_t type = s->is_cd ? TYPE_ROM : TYPE_DISK;
    if (req->cdb[1] & 1) {            /* EVPD */
        out[0] = type;
        out[1] = req->cdb[2];
        unsigned n = vpd_page(s, req->cdb[2], out + 4);
        if (!n && req->cdb[2] != 0x00) {
            scsi_req_complete_sense(req, SENSE_INVALID_FIELD);
            return;
        }
        scsi_put16(out + 2, n);
        scsi_req_reply(req, out, MIN(n + 4, alloc));
        scsi_req_complete_good(req);
        return;
    }
    if (req->cdb[2]) {                /* a page code without EVPD */
        scsi_req_complete_sense(req, SENSE_INVALID_FIELD);
        return;
    }
    out[0] = type;
    out[1] = s->is_cd || s->removable ? 0x80 : 0;
    out[2] = 5;                       /* SPC-3 */
    out[3] = 0x12;                    /* HiSup, response format 2 */
    out[4] = 36 - 5;
    out[7] = 0x02;                    /* CmdQue */
    put_padded(out + 8, s->vendor, 8);
    put_padded(out + 16, product(s), 16);
    put_padded(out + 32, s->version, 4);
    scsi_req_reply(req, out, MIN(36u, alloc));
    scsi_req_complete_good(req);
}

/* One mode page at @p; its length, or 0 if unknown. */
static unsigned mode_page(SCSIDisk *s, uint8_t page, uint8_t pc, uint8_t *p)
{
    bool changeable = pc == 1;
    switch (page) {
    case 0x08:                        /* caching */
        memset(p, 0, 20);
        p[0] = 0x08;
        p[1] = 18;
        if (!changeable && blk_get_write_cache(((SCSIDevice *)s)->blk)) {
            p[2] = 0x04;              /* WCE */
        }
        return 20;
    case 0x01:                        /* read-write error recovery */
        memset(p, 0, 12);
        p[0] = 0x01;
        p[1] = 10;
        if (!changeable) {
            p[2] = 0x80;              /* AWRE */
        }
        return 12;
    case 0x2a:                        /* CD capabilities and mechanical status */
        if (!s->is_cd) {
            return 0;
        }
        memset(p, 0, 30);
        p[0] = 0x2a;
        p[1] = 28;
        if (!changeable) {
            p[2] = 0x3b;              /* reads CD-R/RW, DVD-ROM ... */
            p[6] = 0x29 | (s->tray_locked ? 0x02 : 0); /* tray, eject, lock */
            scsi_put16(p + 8, 706);   /* max read speed */
            scsi_put16(p + 14, 706);
        }
        return 30;
    default:
        return 0;
    }
}

void scsi_disk_mode_sense(SCSIDisk *s, SCSIRequest *req)
{
    bool ten = req->cdb[0] == 0x5a;
    uint8_t page = req->cdb[2] & 0x3f, pc = req->cdb[2] >> 6;
    bool dbd = req->cdb[1] & 0x08;
    uint32_t alloc = ten ? (req->cdb[7] << 8) | req->cdb[8] : req->cdb[4];
    uint8_t out[512] = { 0 };
    unsigned hdr = ten ? 8 : 4, n = hdr;
    BlockBackend *blk = ((SCSIDevice *)s)->blk;
    if (pc == 3) {                    /* saved values */
        scsi_req_complete_sense(req, SCSI_SENSE(0x05, 0x39, 0x00));
        return;
    }
    bool wp = s->is_cd || blk_is_read_only(blk);
    if (ten) {
        out[3] = wp ? 0x80 : 0;
    } else {
        out[2] = wp ? 0x80 : 0;
    }
    if (!dbd && !s->is_cd) {
        uint64_t blocks = scsi_disk_blocks(s);
        uint8_t *bd = out + n;
        scsi_put32(bd, blocks > 0xffffff ? 0 : blocks); /* density 0 + 3-byte count */
        bd[0] = 0;
        scsi_put32(bd + 4, scsi_disk_block_size(s));
        bd[4] = 0;
        if (ten) {
            out[7] = 8;
        } else {
            out[3] = 8;
        }
        n += 8;
    }
    if (page == 0x3f) {
        static const uint8_t all[] = { 0x01, 0x08, 0x2a };
        for (size_t i = 0; i < sizeof(all); i++) {
            n += mode_page(s, all[i], pc, out + n);
        }
    } else {
        unsigned len = mode_page(s, page, pc, out + n);
        if (!len) {
            scsi_req_complete_sense(req, SENSE_INVALID_FIELD);
            return;
        }
        n += len;
    }
    if (ten) {
        scsi_put16(out, n - 2);
    } else {
        out[0] = n - 1;
    }
    scsi_req_reply(req, out, MIN(n, alloc));
    scsi_req_complete_good(req);
}

static void lba_to_msf(uint8_t *p, uint32_t lba)
{
    lba += 150;
    p[0] = 0;
    p[1] = lba / (60 * 75);
    p[2] = (lba / 75) % 60;
    p[3] = lba % 75;
}

void scsi_disk_read_toc(SCSIDisk *s, SCSIRequest *req)
{
    SCSISense why;
    if (!scsi_disk_medium_ready(s, &why)) {
        scsi_req_complete_sense(req, why);
        return;
    }
    bool msf = req->cdb[1] & 0x02;
    uint8_t format = req->cdb[2] & 0x0f;
    uint32_t alloc = (req->cdb[7] << 8) | req->cdb[8];
    uint8_t out[64] = { 0 };
    unsigned n;
    uint32_t blocks = scsi_disk_blocks(s);
    if (format == 0) {                /* TOC: track 1 and the lead-out */
        if (req->cdb[6] > 1 && req->cdb[6] != 0xaa) {
            scsi_req_complete_sense(req, SENSE_INVALID_FIELD);
            return;
        }
        out[2] = 1;
        out[3] = 1;
        n = 4;
        if (req->cdb[6] <= 1) {
            out[n + 1] = 0x14;        /* ADR 1, data track */
            out[n + 2] = 1;
            if (msf) {
                lba_to_msf(out + n + 4, 0);
            }
            n += 8;
        }
        out[n + 1] = 0x14;
        out[n + 2] = 0xaa;
        if (msf) {
            lba_to_msf(out + n + 4, blocks);
        } else {
            scsi_put32(out + n + 4, blocks);
        }
        n += 8;
    } else if (format == 1) {         /* session information */
        out[2] = 1;
        out[3] = 1;
        out[5] = 0x14;
        out[6] = 1;
        n = 12;
    } else {
        scsi_req_complete_sense(req, SENSE_INVALID_FIELD);
        return;
    }
    scsi_put16(out, n - 2);
    scsi_req_reply(req, out, MIN(n, alloc));
    scsi_req_complete_good(req);
}

void scsi_disk_get_configuration(SCSIDisk *s, SCSIRequest *req)
{
    uint8_t out[64] = { 0 };
    uint32_t alloc = (req->cdb[7] << 8) | req->cdb[8];
    SCSISense why;
    bool present = scsi_disk_medium_ready(s, &why);
    uint64_t bytes = (uint64_t)scsi_disk_blocks(s) * 2048;
    uint16_t profile = !present ? 0 : bytes > 700ull * 1024 * 1024 ? 0x0010 : 0x0008;
    unsigned n = 8;
    scsi_put16(out + 6, profile);
    /* Profile list: DVD-ROM and CD-ROM. */
    out[n + 1] = 0x00;
    out[n + 2] = 0x03;                /* persistent, current */
    out[n + 3] = 8;
    scsi_put16(out + n + 4, 0x0010);
    out[n + 6] = profile == 0x0010;
    scsi_put16(out + n + 8, 0x0008);
    out[n + 10] = profile == 0x0008;
    n += 12;
    /* Core: physical interface SCSI. */
    scsi_put16(out + n, 0x0001);
    out[n + 2] = 0x0b;
    out[n + 3] = 8;
    scsi_put32(out + n + 4, 1);
    out[n + 8] = 0x01;                /* DBE */
    n += 12;
    /* Removable medium: tray, eject, lock. */
    scsi_put16(out + n, 0x0003);
    out[n + 2] = 0x03;
    out[n + 3] = 4;
    out[n + 4] = 0x29 | (s->tray_locked ? 0x02 : 0);
    n += 8;
    scsi_put32(out, n - 4);
    scsi_req_reply(req, out, MIN(n, alloc));
    scsi_req_complete_good(req);
}

void scsi_disk_get_event_status(SCSIDisk *s, SCSIRequest *req)
{
    uint8_t out[8] = { 0 };
    uint32_t alloc = (req->cdb[7] << 8) | req->cdb[8];
    if (!(req->cdb[1] & 1)) {         /* asynchronous notification: not supported */
        scsi_req_complete_sense(req, SENSE_INVALID_FIELD);
        return;
    }
    out[3] = 1 << 4;                  /* supported classes: media */
    if (req->cdb[4] & (1 << 4)) {
        BlockBackend *blk = ((SCSIDevice *)s)->blk;
        scsi_put16(out, 6);
        out[2] = 4;                   /* media class */
        if (s->media_event_eject) {
            out[4] = 3;               /* media removal */
            s->media_event_eject = false;
        } else if (s->media_event_new) {
            out[4] = 2;               /* new media */
            s->media_event_new = false;
        }
        out[5] = (blk_is_tray_open(blk) ? 0x01 : 0) |
                 (blk_is_inserted(blk) && !blk_is_tray_open(blk) ? 0x02 : 0);
        scsi_req_reply(req, out, MIN(8u, alloc));
    } else {
        scsi_put16(out, 2);
        out[2] = 0x80;                /* no event available */
        scsi_req_reply(req, out, MIN(4u, alloc));
    }
    scsi_req_complete_good(req);
}

void scsi_disk_read_disc_info(SCSIDisk *s, SCSIRequest *req)
{
    SCSISense why;
    if (!scsi_disk_medium_ready(s, &why)) {
        scsi_req_complete_sense(req, why);
        return;
    }
    uint8_t out[34] = { 0 };
    uint32_t alloc = (req->cdb[7] << 8) | req->cdb[8];
    scsi_put16(out, 32);
    out[2] = 0x0e;                    /* last session complete, disc finalized */
    out[3] = 1;                       /* first track */
    out[4] = 1;                       /* sessions */
    out[5] = 1;                       /* first track of last session */
    out[6] = 1;                       /* last track of last session */
    out[7] = 0x20;                    /* unrestricted use */
    scsi_req_reply(req, out, MIN(sizeof(out), alloc));
    scsi_req_complete_good(req);
}

void scsi_disk_mechanism_status(SCSIDisk *s, SCSIRequest *req)
{
    uint8_t out[8] = { 0 };
    uint32_t alloc = (req->cdb[8] << 8) | req->cdb[9];
    BlockBackend *blk = ((SCSIDevice *)s)->blk;
    out[1] = blk_is_tray_open(blk) ? 0x10 : 0;
    scsi_req_reply(req, out, MIN(sizeof(out), alloc));
    scsi_req_complete_good(req);
}
