/* SPDX-License-Identifier: MIT */
/*
 * The SCSI core (library module "scsi"): the SCSI bus a host bus adapter
 * (virtio-scsi) owns, the abstract SCSI device, requests, and sense data.
 *
 * An HBA makes a bus with scsi_bus_new(), decodes the target and LUN of
 * each guest request, fills an SCSIRequest (CDB, the guest's data buffers
 * as a scatter list and the transfer direction) and calls
 * scsi_req_submit().  The device runs the command (block I/O through its
 * BlockBackend, asynchronous) and calls req->complete in the main loop
 * with status, sense and the bytes transferred.  REPORT LUNS and commands
 * to LUNs that do not exist on an existing target are answered here.
 */
#ifndef TESSERA_SCSI_SCSI_H
#define TESSERA_SCSI_SCSI_H

#include "block/block.h"
#include "kernel/bus.h"

#define TYPE_SCSI_BUS "SCSI"
#define TYPE_SCSI_DEVICE "scsi-device"

#define SCSI_CDB_MAX 32
#define SCSI_SENSE_LEN 18            /* fixed format */

/* Status codes (SAM). */
enum {
    SCSI_STATUS_GOOD = 0x00,
    SCSI_STATUS_CHECK_CONDITION = 0x02,
    SCSI_STATUS_BUSY = 0x08,
};

/* Sense key, additional sense code and qualifier. */
typedef struct SCSISense {
    uint8_t key, asc, ascq;
} SCSISense;

#define SCSI_SENSE(k, a, q) ((SCSISense){ .key = (k), .asc = (a), .ascq = (q) })
#define SENSE_NO_SENSE SCSI_SENSE(0x00, 0x00, 0x00)
#define SENSE_NO_MEDIUM SCSI_SENSE(0x02, 0x3a, 0x00)
#define SENSE_NO_MEDIUM_TRAY_OPEN SCSI_SENSE(0x02, 0x3a, 0x02)
#define SENSE_READ_ERROR SCSI_SENSE(0x03, 0x11, 0x00)
#define SENSE_WRITE_ERROR SCSI_SENSE(0x03, 0x0c, 0x00)
#define SENSE_IO_ERROR SCSI_SENSE(0x0b, 0x00, 0x06)
#define SENSE_INVALID_OPCODE SCSI_SENSE(0x05, 0x20, 0x00)
#define SENSE_LBA_OUT_OF_RANGE SCSI_SENSE(0x05, 0x21, 0x00)
#define SENSE_INVALID_FIELD SCSI_SENSE(0x05, 0x24, 0x00)
#define SENSE_LUN_NOT_SUPPORTED SCSI_SENSE(0x05, 0x25, 0x00)
#define SENSE_INVALID_PARAM SCSI_SENSE(0x05, 0x26, 0x00)
#define SENSE_INVALID_PARAM_LEN SCSI_SENSE(0x05, 0x1a, 0x00)
#define SENSE_MEDIUM_REMOVAL_PREVENTED SCSI_SENSE(0x05, 0x53, 0x02)
#define SENSE_INCOMPATIBLE_FORMAT SCSI_SENSE(0x05, 0x30, 0x00)
#define SENSE_MEDIUM_CHANGED SCSI_SENSE(0x06, 0x28, 0x00)
#define SENSE_RESET SCSI_SENSE(0x06, 0x29, 0x00)
#define SENSE_CAPACITY_CHANGED SCSI_SENSE(0x06, 0x2a, 0x09)
#define SENSE_WRITE_PROTECTED SCSI_SENSE(0x07, 0x27, 0x00)
#define SENSE_SPACE_ALLOC_FAILED SCSI_SENSE(0x07, 0x27, 0x07)

typedef struct SCSIDevice SCSIDevice;
typedef struct SCSIRequest SCSIRequest;

struct SCSIRequest {
    /* Set by the HBA. */
    uint32_t lun;
    uint8_t cdb[SCSI_CDB_MAX];
    unsigned cdb_len;
    BlockIOV data;               /* the guest's buffers (borrowed) */
    bool data_out;               /* the guest sends data (WRITE) */
    void (*complete)(SCSIRequest *req);
    void *hba_opaque;
    /* Set by the device before complete(). */
    uint8_t status;
    uint8_t sense[SCSI_SENSE_LEN];
    unsigned sense_len;
    uint64_t transferred;        /* bytes moved; residual = data.size - transferred */
    /* Private to the SCSI core and device. */
    SCSIDevice *dev;
    int pending;                 /* block requests in flight */
    int error;                   /* first -errno of them */
    uint8_t *buf;                /* bounce buffer (WRITE SAME, UNMAP list) */
};

/* What an HBA's bus allows. */
typedef struct SCSIBusInfo {
    unsigned max_channel, max_target, max_lun;
} SCSIBusInfo;

typedef struct SCSIBus {
    BusState parent_obj;
    const SCSIBusInfo *info;
} SCSIBus;

struct SCSIDevice {
    DeviceState parent_obj;
    uint32_t channel, id, lun;   /* id and lun: -1 (UINT32_MAX) picks the first free */
    int32_t bootindex;           /* firmware boot order (kernel/bootorder.h); -1: none */
    char *drive;                 /* drive= : backend or node name */
    BlockBackend *blk;
    SCSISense unit_attention;    /* reported once, on the next command */
    bool has_ua;
};

typedef struct SCSIDeviceClass {
    DeviceClass parent_class;
    /* Node name in OpenFirmware device paths ("disk"; NULL: the type name):
     * the bus makes it "channel@C/<name>@T,L" (fw_cfg bootorder). */
    const char *fw_name;
    /* After the core placed the device and found its backend. */
    bool (*realize)(SCSIDevice *dev, GError **errp);
    void (*unrealize)(SCSIDevice *dev);
    void (*reset)(SCSIDevice *dev);
    /* Run @req (complete it now or later). */
    void (*execute)(SCSIDevice *dev, SCSIRequest *req);
} SCSIDeviceClass;

OBJECT_DECLARE_TYPE(SCSIDevice, SCSIDeviceClass, SCSI_DEVICE, TYPE_SCSI_DEVICE)

/* A bus owned by @hba, called @name (NULL: "<hba id>.0", else "scsi.N"). */
SCSIBus *scsi_bus_new(DeviceState *hba, const char *name, const SCSIBusInfo *info);
/* The device at (channel, id, lun), or NULL. */
SCSIDevice *scsi_bus_find(SCSIBus *bus, unsigned channel, unsigned id, unsigned lun);
/* Is there any device at (channel, id)? */
bool scsi_bus_has_target(SCSIBus *bus, unsigned channel, unsigned id);
/* Run @req for (channel, id, req->lun); the target must exist. */
void scsi_req_submit(SCSIBus *bus, unsigned channel, unsigned id, SCSIRequest *req);

/* For devices: finish @req. */
void scsi_req_complete_good(SCSIRequest *req);
void scsi_req_complete_sense(SCSIRequest *req, SCSISense sense);
/* Copy @len bytes of a response to the guest (capped by its buffer). */
void scsi_req_reply(SCSIRequest *req, const void *data, uint64_t len);
/* Queue a unit attention for the next command. */
void scsi_device_set_ua(SCSIDevice *dev, SCSISense sense);
/* The transfer length a CDB asks for, in blocks (READ/WRITE) or bytes. */
uint64_t scsi_cdb_lba(const uint8_t *cdb);
uint32_t scsi_cdb_xfer(const uint8_t *cdb);
/* Fixed-format sense bytes for @s. */
void scsi_build_sense(uint8_t *buf, SCSISense s);

#endif
