/* SPDX-License-Identifier: MIT */
/*
 * virtio-scsi (VIRTIO 1.1 section 5.6): a SCSI host bus adapter whose bus
 * takes scsi-hd and scsi-cd (bus=ID.0, scsi-id, lun).  virtio-scsi-device
 * sits on any virtio transport; virtio-scsi-pci is its PCI twin.
 *
 * Queues: control (task management: every function completes at once,
 * since requests are never queued inside the device; asynchronous
 * notification queries report no events), event (buffers are kept for
 * events; none is sent), and num_queues request queues.  A request names
 * its target and LUN in the single-level format (1, target, 0x40|lun>>8,
 * lun); an absent target gets BAD_TARGET; the CDB goes to the SCSI core,
 * the guest's data buffers straight to the block layer.
 *
 * Properties: num_queues, virtqueue_size, max_sectors, cmd_per_lun.
 */
#include <string.h>

#include "kernel/log.h"
#include "kernel/module.h"
#include "scsi/scsi.h"
#include "virtio/virtio-pci.h"
#include "virtio/virtio.h"

#define TYPE_VIRTIO_SCSI "virtio-scsi-device"
#define TYPE_VIRTIO_SCSI_PCI "virtio-scsi-pci"

#define VIRTIO_SCSI_CDB_SIZE 32
#define VIRTIO_SCSI_SENSE_SIZE 96
#define VIRTIO_SCSI_MAX_TARGET 255
#define VIRTIO_SCSI_MAX_LUN 16383

/* Request and response layouts (with the default cdb/sense sizes). */
#define REQ_HDR_SIZE (8 + 8 + 3 + VIRTIO_SCSI_CDB_SIZE)    /* lun, tag, attr/prio/crn, cdb */
#define RESP_HDR_SIZE (4 + 4 + 2 + 1 + 1 + VIRTIO_SCSI_SENSE_SIZE)

/* Response codes. */
#define VIRTIO_SCSI_S_OK 0
#define VIRTIO_SCSI_S_OVERRUN 1
#define VIRTIO_SCSI_S_BAD_TARGET 3
#define VIRTIO_SCSI_S_FUNCTION_COMPLETE 0
#define VIRTIO_SCSI_S_FUNCTION_REJECTED 11
#define VIRTIO_SCSI_S_FAILURE 9

/* Control queue request types. */
#define VIRTIO_SCSI_T_TMF 0
#define VIRTIO_SCSI_T_AN_QUERY 1
#define VIRTIO_SCSI_T_AN_SUBSCRIBE 2

typedef struct VirtIOSCSI {
    VirtIODevice parent_obj;
    uint32_t num_queues;
    uint32_t queue_size;
    uint32_t max_sectors;
    uint32_t cmd_per_lun;
    SCSIBus *bus;
    VirtQueue *ctrl_vq, *event_vq;
} VirtIOSCSI;

OBJECT_DECLARE_SIMPLE_TYPE(VirtIOSCSI, VIRTIO_SCSI, TYPE_VIRTIO_SCSI)

static const SCSIBusInfo virtio_scsi_bus_info = {
    .max_channel = 0,
    .max_target = VIRTIO_SCSI_MAX_TARGET,
    .max_lun = VIRTIO_SCSI_MAX_LUN,
};

typedef struct VSReq {
    SCSIRequest req;           /* first: the SCSI core hands it back */
    VirtIOSCSI *s;
    VirtQueue *vq;
    VirtQueueElement *elem;
    BlockIOV data;             /* iov owned */
} VSReq;

static void put_le32(uint8_t *p, uint32_t v)
{
    virtio_stl(p, v);
}

/* Write the response header and return the element. */
static void respond(VSReq *r, uint8_t response, uint8_t status, const uint8_t *sense,
                    unsigned sense_len, uint32_t residual, uint32_t data_in)
{
    uint8_t resp[RESP_HDR_SIZE] = { 0 };
    put_le32(resp, sense_len);
    put_le32(resp + 4, residual);
    resp[10] = status;
    resp[11] = response;
    if (sense && sense_len) {
        memcpy(resp + 12, sense, MIN(sense_len, VIRTIO_SCSI_SENSE_SIZE));
    }
    VirtQueueElement *e = r->elem;
    iov_from_buf(e->in_sg, e->in_num, 0, resp, sizeof(resp));
    virtqueue_push(r->vq, e, sizeof(resp) + data_in);
    virtio_notify(VIRTIO_DEVICE(r->s), r->vq);
    g_free(r->data.iov);
    g_free(r);
}

static void scsi_done(SCSIRequest *req)
{
    VSReq *r = (VSReq *)req;
    uint64_t moved = req->transferred;
    uint32_t residual = req->data.size - MIN(moved, req->data.size);
    respond(r, VIRTIO_SCSI_S_OK, req->status, req->sense, req->sense_len, residual,
            req->data_out ? 0 : (uint32_t)moved);
}

static void iov_window(BlockIOV *out, const struct iovec *sg, unsigned n, size_t skip)
{
    BlockIOV all = { .iov = (struct iovec *)sg, .niov = (int)n, .size = 0 };
    for (unsigned i = 0; i < n; i++) {
        all.size += sg[i].iov_len;
    }
    block_iov_slice(out, &all, skip, all.size - skip);
}

static void handle_cmd(VirtIOSCSI *s, VirtQueue *vq, VirtQueueElement *e)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);
    uint8_t hdr[REQ_HDR_SIZE];
    if (e->out_len < sizeof(hdr) || e->in_len < RESP_HDR_SIZE) {
        virtio_error(vdev, "virtio-scsi request with short headers");
        virtqueue_unpop(vq, e);
        return;
    }
    iov_to_buf(e->out_sg, e->out_num, 0, hdr, sizeof(hdr));
    VSReq *r = g_new0(VSReq, 1);
    r->s = s;
    r->vq = vq;
    r->elem = e;
    bool out = e->out_len > sizeof(hdr), in = e->in_len > RESP_HDR_SIZE;
    if (out && in) {
        /* Bidirectional commands are not used by Linux or EDK2. */
        respond(r, VIRTIO_SCSI_S_FAILURE, 0, NULL, 0, 0, 0);
        return;
    }
    unsigned target = hdr[1];
    unsigned lun = ((hdr[2] << 8) | hdr[3]) & 0x3fff;
    if (hdr[0] != 1 || !scsi_bus_has_target(s->bus, 0, target)) {
        respond(r, VIRTIO_SCSI_S_BAD_TARGET, 0, NULL, 0, 0, 0);
        return;
    }
    if (out) {
        iov_window(&r->data, e->out_sg, e->out_num, sizeof(hdr));
    } else {
        iov_window(&r->data, e->in_sg, e->in_num, RESP_HDR_SIZE);
    }
    SCSIRequest *req = &r->req;
    req->lun = lun;
    memcpy(req->cdb, hdr + 19, VIRTIO_SCSI_CDB_SIZE);
    req->cdb_len = VIRTIO_SCSI_CDB_SIZE;
    req->data = r->data;
    req->data_out = out;
    req->complete = scsi_done;
    scsi_req_submit(s->bus, 0, target, req);
}

static void scsi_handle_cmd(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOSCSI *s = VIRTIO_SCSI(vdev);
    VirtQueueElement *e;
    while ((e = virtqueue_pop(vq))) {
        handle_cmd(s, vq, e);
    }
}

static void scsi_handle_ctrl(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtQueueElement *e;
    bool pushed = false;
    while ((e = virtqueue_pop(vq))) {
        uint8_t type[4];
        if (e->out_len < 4 || e->in_len < 1) {
            virtio_error(vdev, "virtio-scsi control request without type or response");
            virtqueue_unpop(vq, e);
            break;
        }
        iov_to_buf(e->out_sg, e->out_num, 0, type, 4);
        uint32_t t = type[0] | (type[1] << 8) | (type[2] << 16) | ((uint32_t)type[3] << 24);
        uint8_t resp[5] = { 0 };
        size_t len;
        if (t == VIRTIO_SCSI_T_TMF) {
            /* Abort, reset, query: nothing is ever queued inside the
             * device, so every task function is already complete. */
            resp[0] = VIRTIO_SCSI_S_FUNCTION_COMPLETE;
            len = 1;
        } else if (t == VIRTIO_SCSI_T_AN_QUERY || t == VIRTIO_SCSI_T_AN_SUBSCRIBE) {
            resp[4] = VIRTIO_SCSI_S_OK; /* event_actual 0: no asynchronous events */
            len = 5;
        } else {
            log_mask(LOG_GUEST_ERROR, "virtio-scsi: control request type %u\n", t);
            resp[0] = VIRTIO_SCSI_S_FAILURE;
            len = 1;
        }
        iov_from_buf(e->in_sg, e->in_num, 0, resp, len);
        virtqueue_push(vq, e, len);
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, vq);
    }
}

static void scsi_handle_event(VirtIODevice *vdev, VirtQueue *vq)
{
    /* Buffers stay with the device until an event needs one; none is sent. */
}

static void vscsi_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOSCSI *s = VIRTIO_SCSI(vdev);
    memset(config, 0, 36);
    put_le32(config, s->num_queues);
    put_le32(config + 4, s->queue_size - 2);       /* seg_max */
    put_le32(config + 8, s->max_sectors);
    put_le32(config + 12, s->cmd_per_lun);
    put_le32(config + 16, 0);                      /* event_info_size */
    put_le32(config + 20, VIRTIO_SCSI_SENSE_SIZE);
    put_le32(config + 24, VIRTIO_SCSI_CDB_SIZE);
    virtio_stw(config + 28, 0);                    /* max_channel */
    virtio_stw(config + 30, VIRTIO_SCSI_MAX_TARGET);
    put_le32(config + 32, VIRTIO_SCSI_MAX_LUN);
}

static void vscsi_set_config(VirtIODevice *vdev, const uint8_t *config)
{
    /* sense_size and cdb_size stay at their defaults (the driver may not
     * change them in VIRTIO 1.x). */
}

static bool vscsi_realize(VirtIODevice *vdev, GError **errp)
{
    VirtIOSCSI *s = VIRTIO_SCSI(vdev);
    const char *name = DEVICE(vdev)->id ? DEVICE(vdev)->id : vdev->name;
    if (s->num_queues < 1 || s->num_queues > 64) {
        g_set_error(errp, VIRTIO_ERROR, 0, "%s: num_queues must be 1 to 64", name);
        return false;
    }
    if (s->queue_size < 4 || s->queue_size > VIRTQUEUE_MAX_SIZE ||
        (s->queue_size & (s->queue_size - 1))) {
        g_set_error(errp, VIRTIO_ERROR, 0, "%s: virtqueue_size must be a power of two from 4 to %d",
                    name, VIRTQUEUE_MAX_SIZE);
        return false;
    }
    virtio_init_config(vdev, 36);
    s->ctrl_vq = virtio_add_queue(vdev, s->queue_size, scsi_handle_ctrl);
    s->event_vq = virtio_add_queue(vdev, s->queue_size, scsi_handle_event);
    for (uint32_t i = 0; i < s->num_queues; i++) {
        virtio_add_queue(vdev, s->queue_size, scsi_handle_cmd);
    }
    /* QEMU names the bus after the controller the user named: the -pci
     * proxy's id when this device sits inside one. */
    DeviceState *named = DEVICE(vdev);
    BusState *transport_bus = named->parent_bus;
    if (!named->id && transport_bus && transport_bus->parent && transport_bus->parent->id) {
        named = transport_bus->parent;
    }
    g_autofree char *bus_name = named->id ? g_strdup_printf("%s.0", named->id) : NULL;
    s->bus = scsi_bus_new(DEVICE(vdev), bus_name, &virtio_scsi_bus_info);
    return true;
}

static void vscsi_reset(VirtIODevice *vdev)
{
    BlockGraph *g = block_graph_default();
    if (g) {
        block_graph_drain(g); /* requests of the old session complete first */
    }
}

static const PropertyInfo vscsi_props[] = {
    PROP_UINT32("num_queues", VirtIOSCSI, num_queues, 1, "request queues"),
    PROP_UINT32("virtqueue_size", VirtIOSCSI, queue_size, 256, "entries per queue"),
    PROP_UINT32("max_sectors", VirtIOSCSI, max_sectors, 0xffff, "largest transfer (sectors)"),
    PROP_UINT32("cmd_per_lun", VirtIOSCSI, cmd_per_lun, 128, "commands per LUN at once"),
    PROP_END
};

static void vscsi_class_init(ObjectClass *klass, const void *data)
{
    VirtIODeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);
    vdc->device_id = VIRTIO_ID_SCSI;
    vdc->realize = vscsi_realize;
    vdc->reset = vscsi_reset;
    vdc->get_config = vscsi_get_config;
    vdc->set_config = vscsi_set_config;
    object_class_add_field_properties(klass, vscsi_props);
}

static const TypeInfo vscsi_info = {
    .name = TYPE_VIRTIO_SCSI,
    .parent = TYPE_VIRTIO_DEVICE,
    .category = "storage",
    .description = "virtio SCSI host bus adapter",
    .user_creatable = true,
    .instance_size = sizeof(VirtIOSCSI),
    .class_size = sizeof(VirtIODeviceClass),
    .class_init = vscsi_class_init,
};

static const TypeInfo vscsi_pci_info =
    VIRTIO_PCI_PROXY_TYPE(TYPE_VIRTIO_SCSI_PCI, TYPE_VIRTIO_SCSI, 0x0100, "storage",
                          "virtio SCSI host bus adapter (PCI)");

TESSERA_MODULE(.name = "virtio-scsi", .kind = "device",
               .types = TESSERA_TYPES(&vscsi_info, &vscsi_pci_info));
