/* SPDX-License-Identifier: MIT */
/* scsi-hd and scsi-cd: state shared by the device's two source files. */
#ifndef TESSERA_SCSI_DISK_H
#define TESSERA_SCSI_DISK_H

#include "scsi/scsi.h"

#define TYPE_SCSI_HD "scsi-hd"
#define TYPE_SCSI_CD "scsi-cd"

typedef struct SCSIDisk {
    SCSIDevice parent_obj;
    bool is_cd;
    char *serial, *vendor, *product, *version, *device_id;
    uint32_t logical_block_size, physical_block_size;
    bool removable;              /* scsi-hd removable=on */
    uint64_t wwn;
    bool tray_locked;
    /* GET EVENT STATUS NOTIFICATION media events (scsi-cd). */
    bool media_event_new, media_event_eject;
} SCSIDisk;

OBJECT_DECLARE_SIMPLE_TYPE(SCSIDisk, SCSI_DISK, "scsi-disk-base")

static inline uint32_t scsi_disk_block_size(const SCSIDisk *s)
{
    return s->logical_block_size;
}

/* Blocks of the medium (0: none). */
uint64_t scsi_disk_blocks(SCSIDisk *s);
/* Medium present and readable (CD: tray closed). */
bool scsi_disk_medium_ready(SCSIDisk *s, SCSISense *why);

/* scsi-disk-info.c: commands that describe the device. */
void scsi_disk_inquiry(SCSIDisk *s, SCSIRequest *req);
void scsi_disk_mode_sense(SCSIDisk *s, SCSIRequest *req);
void scsi_disk_read_toc(SCSIDisk *s, SCSIRequest *req);
void scsi_disk_get_configuration(SCSIDisk *s, SCSIRequest *req);
void scsi_disk_get_event_status(SCSIDisk *s, SCSIRequest *req);
void scsi_disk_read_disc_info(SCSIDisk *s, SCSIRequest *req);
void scsi_disk_mechanism_status(SCSIDisk *s, SCSIRequest *req);

static inline void scsi_put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static inline void scsi_put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static inline void scsi_put64(uint8_t *p, uint64_t v)
{
    scsi_put32(p, v >> 32);
    scsi_put32(p + 4, v);
}

#endif
