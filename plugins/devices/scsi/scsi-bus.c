/* SPDX-License-Identifier: MIT */
/*
 * The SCSI core: the SCSI bus type ("SCSI", owned by an HBA), the abstract
 * SCSI device (scsi-id, lun, channel, drive=) with address assignment and
 * unit attentions, request dispatch, and the commands a target answers for
 * LUNs it does not have (REPORT LUNS, INQUIRY with peripheral qualifier 3,
 * REQUEST SENSE).  See scsi/scsi.h.
 */
#include <string.h>

#include "kernel/bootorder.h"
#include "kernel/core.h"
#include "kernel/module.h"
#include "scsi/scsi.h"

#define OP_TEST_UNIT_READY 0x00
#define OP_REQUEST_SENSE 0x03
#define OP_INQUIRY 0x12
#define OP_REPORT_LUNS 0xa0

#define SCSI_ID_AUTO UINT32_MAX

void scsi_build_sense(uint8_t *buf, SCSISense s)
{
    memset(buf, 0, SCSI_SENSE_LEN);
    buf[0] = 0x70;                  /* current error, fixed format */
    buf[2] = s.key & 0x0f;
    buf[7] = SCSI_SENSE_LEN - 8;    /* additional sense length */
    buf[12] = s.asc;
    buf[13] = s.ascq;
}

uint64_t scsi_cdb_lba(const uint8_t *cdb)
{
    switch (cdb[0] >> 5) {
    case 0: return ((uint64_t)(cdb[1] & 0x1f) << 16) | (cdb[2] << 8) | cdb[3];
    case 1: case 2: case 5:
        return ((uint64_t)cdb[2] << 24) | (cdb[3] << 16) | (cdb[4] << 8) | cdb[5];
    case 4: {
        uint64_t v = 0;
        for (int i = 2; i < 10; i++) {
            v = v << 8 | cdb[i];
        }
        return v;
    }
    default: return 0;
    }
}

uint32_t scsi_cdb_xfer(const uint8_t *cdb)
{
    switch (cdb[0] >> 5) {
    case 0: return cdb[4];
    case 1: case 2: return (cdb[7] << 8) | cdb[8];
    case 5: return ((uint32_t)cdb[6] << 24) | (cdb[7] << 16) | (cdb[8] << 8) | cdb[9];
    case 4: return ((uint32_t)cdb[10] << 24) | (cdb[11] << 16) | (cdb[12] << 8) | cdb[13];
    default: return 0;
    }
}

void scsi_req_reply(SCSIRequest *req, const void *data, uint64_t len)
{
    uint64_t n = MIN(len, req->data.size);
    if (!req->data_out && n) {
        block_iov_from_buf_copy(&req->data, 0, data, n);
        req->transferred = n;
    }
}

void scsi_req_complete_good(SCSIRequest *req)
{
    req->status = SCSI_STATUS_GOOD;
    req->sense_len = 0;
    g_clear_pointer(&req->buf, g_free);
    req->complete(req);
}

void scsi_req_complete_sense(SCSIRequest *req, SCSISense sense)
{
    req->status = SCSI_STATUS_CHECK_CONDITION;
    scsi_build_sense(req->sense, sense);
    req->sense_len = SCSI_SENSE_LEN;
    g_clear_pointer(&req->buf, g_free);
    req->complete(req);
}

void scsi_device_set_ua(SCSIDevice *dev, SCSISense sense)
{
    dev->unit_attention = sense;
    dev->has_ua = true;
}

/* ---- the bus --------------------------------------------------------------- */

SCSIBus *scsi_bus_new(DeviceState *hba, const char *name, const SCSIBusInfo *info)
{
    SCSIBus *bus = (SCSIBus *)bus_new(TYPE_SCSI_BUS, OBJECT(hba), name);
    bus->info = info;
    return bus;
}

static SCSIDevice *bus_child(SCSIBus *bus, guint i)
{
    return SCSI_DEVICE(g_ptr_array_index(((BusState *)bus)->children, i));
}

SCSIDevice *scsi_bus_find(SCSIBus *bus, unsigned channel, unsigned id, unsigned lun)
{
    BusState *b = (BusState *)bus;
    for (guint i = 0; i < b->children->len; i++) {
        SCSIDevice *d = bus_child(bus, i);
        if (DEVICE(d)->realized && d->channel == channel && d->id == id && d->lun == lun) {
            return d;
        }
    }
    return NULL;
}

bool scsi_bus_has_target(SCSIBus *bus, unsigned channel, unsigned id)
{
    BusState *b = (BusState *)bus;
    for (guint i = 0; i < b->children->len; i++) {
        SCSIDevice *d = bus_child(bus, i);
        if (DEVICE(d)->realized && d->channel == channel && d->id == id) {
            return true;
        }
    }
    return false;
}

static void report_luns(SCSIBus *bus, unsigned channel, unsigned id, SCSIRequest *req)
{
    BusState *b = (BusState *)bus;
    GByteArray *out = g_byte_array_new();
    uint8_t hdr[8] = { 0 };
    g_byte_array_append(out, hdr, 8);
    bool have_lun0 = false;
    for (guint i = 0; i < b->children->len; i++) {
        SCSIDevice *d = bus_child(bus, i);
        if (DEVICE(d)->realized && d->channel == channel && d->id == id) {
            uint8_t e[8] = { 0 };
            if (d->lun < 256) {
                e[1] = d->lun;
            } else {
                e[0] = 0x40 | (d->lun >> 8);  /* flat space addressing */
                e[1] = d->lun & 0xff;
            }
            have_lun0 |= d->lun == 0;
            g_byte_array_append(out, e, 8);
        }
    }
    if (!have_lun0) {
        uint8_t e[8] = { 0 };                  /* LUN 0 is always reported */
        g_byte_array_append(out, e, 8);
    }
    uint32_t len = out->len - 8;
    out->data[0] = len >> 24;
    out->data[1] = len >> 16;
    out->data[2] = len >> 8;
    out->data[3] = len;
    if (scsi_cdb_xfer(req->cdb) < 16) {
        g_byte_array_unref(out);
        scsi_req_complete_sense(req, SENSE_INVALID_FIELD);
        return;
    }
    scsi_req_reply(req, out->data, MIN(out->len, scsi_cdb_xfer(req->cdb)));
    g_byte_array_unref(out);
    scsi_req_complete_good(req);
}

/* A command for a LUN the target does not have. */
static void no_such_lun(SCSIRequest *req)
{
    switch (req->cdb[0]) {
    case OP_INQUIRY: {
        uint8_t inq[36] = { 0x7f, 0, 5, 2, 31 }; /* qualifier 3: no device here */
        if (req->cdb[1] & 1) {
            scsi_req_complete_sense(req, SENSE_LUN_NOT_SUPPORTED);
            return;
        }
        scsi_req_reply(req, inq, MIN(sizeof(inq), req->cdb[4]));
        scsi_req_complete_good(req);
        return;
    }
    case OP_REQUEST_SENSE: {
        uint8_t s[SCSI_SENSE_LEN];
        scsi_build_sense(s, SENSE_LUN_NOT_SUPPORTED);
        scsi_req_reply(req, s, MIN(sizeof(s), req->cdb[4]));
        scsi_req_complete_good(req);
        return;
    }
    default:
        scsi_req_complete_sense(req, SENSE_LUN_NOT_SUPPORTED);
    }
}

void scsi_req_submit(SCSIBus *bus, unsigned channel, unsigned id, SCSIRequest *req)
{
    req->status = SCSI_STATUS_GOOD;
    req->sense_len = 0;
    req->transferred = 0;
    req->pending = 0;
    req->error = 0;
    req->buf = NULL;
    if (req->cdb[0] == OP_REPORT_LUNS) {
        report_luns(bus, channel, id, req);
        return;
    }
    SCSIDevice *dev = scsi_bus_find(bus, channel, id, req->lun);
    req->dev = dev;
    if (!dev) {
        no_such_lun(req);
        return;
    }
    if (dev->has_ua && req->cdb[0] != OP_INQUIRY) {
        dev->has_ua = false;
        if (req->cdb[0] == OP_REQUEST_SENSE) {
            uint8_t s[SCSI_SENSE_LEN];
            scsi_build_sense(s, dev->unit_attention);
            scsi_req_reply(req, s, MIN(sizeof(s), req->cdb[4]));
            scsi_req_complete_good(req);
        } else {
            scsi_req_complete_sense(req, dev->unit_attention);
        }
        return;
    }
    SCSI_DEVICE_GET_CLASS(dev)->execute(dev, req);
}

/* ---- the device base ------------------------------------------------------- */

static bool scsi_device_realize(DeviceState *d, GError **errp)
{
    SCSIDevice *dev = SCSI_DEVICE(d);
    SCSIBus *bus = (SCSIBus *)d->parent_bus;
    SCSIDeviceClass *sc = SCSI_DEVICE_GET_CLASS(dev);
    const char *name = d->id ? d->id : object_get_typename(OBJECT(d));
    if (!bus) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: not on a SCSI bus", name);
        return false;
    }
    const SCSIBusInfo *info = bus->info;
    if (dev->channel > info->max_channel) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: bad scsi channel %u (max %u)",
                    name, dev->channel, info->max_channel);
        return false;
    }
    if (dev->id != SCSI_ID_AUTO && dev->id > info->max_target) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: bad scsi-id %u (max %u)", name,
                    dev->id, info->max_target);
        return false;
    }
    if (dev->lun != SCSI_ID_AUTO && dev->lun > info->max_lun) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: bad lun %u (max %u)", name,
                    dev->lun, info->max_lun);
        return false;
    }
    if (dev->id == SCSI_ID_AUTO) {
        unsigned lun = dev->lun == SCSI_ID_AUTO ? 0 : dev->lun;
        for (unsigned id = 0; id <= info->max_target; id++) {
            if (!scsi_bus_find(bus, dev->channel, id, lun)) {
                dev->id = id;
                break;
            }
        }
        if (dev->id == SCSI_ID_AUTO) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: no free scsi-id", name);
            return false;
        }
    }
    if (dev->lun == SCSI_ID_AUTO) {
        dev->lun = 0;
        while (dev->lun <= info->max_lun && scsi_bus_find(bus, dev->channel, dev->id, dev->lun)) {
            dev->lun++;
        }
    }
    if (scsi_bus_find(bus, dev->channel, dev->id, dev->lun)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "%s: scsi-id %u, lun %u is already in use on %s", name, dev->id, dev->lun,
                    ((BusState *)bus)->name);
        return false;
    }
    if (!dev->drive || !*dev->drive) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: drive property not set", name);
        return false;
    }
    if (!boot_order_add(dev->bootindex, d, NULL, name, errp)) {
        return false;
    }
    GError *err = NULL;
    BlockGraph *g = block_graph_default();
    dev->blk = g ? blk_for_device(g, dev->drive, d->id ? d->id : name, &err) : NULL;
    if (!dev->blk) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: %s", name,
                    err ? err->message : "the block layer is not loaded");
        g_clear_error(&err);
        boot_order_del(d);
        return false;
    }
    if (sc->realize && !sc->realize(dev, errp)) {
        blk_detach_device(dev->blk);
        dev->blk = NULL;
        boot_order_del(d);
        return false;
    }
    scsi_device_set_ua(dev, SENSE_RESET);
    return true;
}

static void scsi_device_unrealize(DeviceState *d)
{
    SCSIDevice *dev = SCSI_DEVICE(d);
    SCSIDeviceClass *sc = SCSI_DEVICE_GET_CLASS(dev);
    if (sc->unrealize) {
        sc->unrealize(dev);
    }
    if (dev->blk) {
        blk_detach_device(dev->blk);
        dev->blk = NULL;
    }
    boot_order_del(d);
}

static void scsi_device_reset(DeviceState *d)
{
    SCSIDevice *dev = SCSI_DEVICE(d);
    SCSIDeviceClass *sc = SCSI_DEVICE_GET_CLASS(dev);
    scsi_device_set_ua(dev, SENSE_RESET);
    if (sc->reset) {
        sc->reset(dev);
    }
}

static const PropertyInfo scsi_device_props[] = {
    PROP_STRING("drive", SCSIDevice, drive, NULL, "the drive (-drive id) or node name"),
    PROP_UINT32("channel", SCSIDevice, channel, 0, "SCSI channel"),
    PROP_UINT32("scsi-id", SCSIDevice, id, SCSI_ID_AUTO, "target id (default: first free)"),
    PROP_UINT32("lun", SCSIDevice, lun, SCSI_ID_AUTO, "logical unit (default: first free)"),
    PROP_INT32("bootindex", SCSIDevice, bootindex, -1,
               "position in the firmware's boot order (fw_cfg bootorder); -1: none"),
    PROP_END
};

static void scsi_device_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->bus_type = TYPE_SCSI_BUS;
    dc->realize = scsi_device_realize;
    dc->unrealize = scsi_device_unrealize;
    dc->reset = scsi_device_reset;
    dc->hotpluggable = true;
    object_class_add_field_properties(klass, scsi_device_props);
}

/* A SCSI device's OpenFirmware node: "channel@C/<name>@T,L" (hex). */
static char *scsi_bus_fw_node(BusState *bus, DeviceState *d)
{
    SCSIDevice *dev = (SCSIDevice *)object_dynamic_cast(OBJECT(d), TYPE_SCSI_DEVICE);
    if (!dev) {
        return NULL;
    }
    const char *name = SCSI_DEVICE_GET_CLASS(dev)->fw_name;
    return g_strdup_printf("channel@%x/%s@%x,%x", dev->channel,
                           name ? name : object_get_typename(OBJECT(d)), dev->id, dev->lun);
}

static void scsi_bus_class_init(ObjectClass *klass, const void *data)
{
    BusClass *bc = BUS_CLASS(klass);
    bc->name_prefix = "scsi";
    bc->fw_node = scsi_bus_fw_node;
}

static const TypeInfo scsi_bus_info = {
    .name = TYPE_SCSI_BUS,
    .parent = TYPE_BUS,
    .category = "bus",
    .description = "SCSI bus of a host bus adapter",
    .instance_size = sizeof(SCSIBus),
    .class_size = sizeof(BusClass),
    .class_init = scsi_bus_class_init,
};

static const TypeInfo scsi_device_info = {
    .name = TYPE_SCSI_DEVICE,
    .parent = TYPE_DEVICE,
    .category = "storage",
    .description = "SCSI device (abstract)",
    .abstract = true,
    .instance_size = sizeof(SCSIDevice),
    .class_size = sizeof(SCSIDeviceClass),
    .class_init = scsi_device_class_init,
};

TESSERA_MODULE(.name = "scsi", .kind = "library",
               .types = TESSERA_TYPES(&scsi_bus_info, &scsi_device_info));
