/* SPDX-License-Identifier: MIT */
/*
 * The virtio device base type ("virtio-device"), the virtio bus
 * ("virtio-bus", one device, owned by a transport) and the transport-facing
 * half of the core: features, status, reset, interrupt status, config
 * space and queue set-up.  Virtqueue processing is in virtqueue.c.
 */
#include <stdarg.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/module.h"
#include "virtio/virtio.h"
#include "plugins/devices/virtio/virtio-internal.h"

G_DEFINE_QUARK(tessera-virtio-error, virtio_error)

/* ---- the bus ---- */

static AddressSpace *virtio_bus_dma_as(BusState *bus, DeviceState *dev)
{
    return bus->parent ? device_dma_address_space(bus->parent) : bus->dma_as;
}

static void virtio_bus_class_init(ObjectClass *klass, const void *data)
{
    BusClass *bc = BUS_CLASS(klass);
    bc->name_prefix = "virtio-bus";
    bc->max_children = 1;
    bc->dma_as = virtio_bus_dma_as;
}

VirtioBusState *virtio_bus_new(DeviceState *owner, const char *name, const VirtioBusOps *ops)
{
    VirtioBusState *bus = VIRTIO_BUS(bus_new(TYPE_VIRTIO_BUS, OBJECT(owner), name));
    bus->ops = ops;
    return bus;
}

VirtIODevice *virtio_bus_get_device(VirtioBusState *bus)
{
    BusState *b = BUS(bus);
    if (!b->children->len) {
        return NULL;
    }
    VirtIODevice *vdev = VIRTIO_DEVICE(g_ptr_array_index(b->children, 0));
    return DEVICE(vdev)->realized ? vdev : NULL;
}

void virtio_raise(VirtIODevice *vdev, uint8_t isr_bits, uint16_t vector)
{
    BusState *b = DEVICE(vdev)->parent_bus;
    vdev->isr |= isr_bits;
    if (b) {
        VirtioBusState *vb = VIRTIO_BUS(b);
        if (vb->ops && vb->ops->notify) {
            vb->ops->notify(b->parent, vector);
        }
    }
}

/* ---- features, status, reset ---- */

bool virtio_has_feature(const VirtIODevice *vdev, unsigned bit)
{
    return (vdev->guest_features >> bit) & 1;
}

uint32_t virtio_get_device_features(VirtIODevice *vdev, unsigned sel)
{
    return sel < 2 ? (uint32_t)(vdev->host_features >> (32 * sel)) : 0;
}

uint32_t virtio_get_driver_features(VirtIODevice *vdev, unsigned sel)
{
    return sel < 2 ? (uint32_t)(vdev->guest_features >> (32 * sel)) : 0;
}

void virtio_set_driver_features(VirtIODevice *vdev, unsigned sel, uint32_t value)
{
    if (vdev->status & VIRTIO_CONFIG_S_FEATURES_OK) {
        log_mask(LOG_GUEST_ERROR, "%s: driver features written after FEATURES_OK\n", vdev->name);
        return;
    }
    if (sel >= 2) {
        if (value) {
            log_mask(LOG_GUEST_ERROR, "%s: driver features word %u does not exist\n",
                     vdev->name, sel);
        }
        return;
    }
    uint64_t mask = 0xffffffffULL << (32 * sel);
    vdev->guest_features = (vdev->guest_features & ~mask) | ((uint64_t)value << (32 * sel));
}

void virtio_reset(VirtIODevice *vdev)
{
    VirtIODeviceClass *vdc = VIRTIO_DEVICE_GET_CLASS(vdev);
    bool was_ok = vdev->status & VIRTIO_CONFIG_S_DRIVER_OK;
    vdev->status = 0;
    if (was_ok && vdc->set_status) {
        vdc->set_status(vdev, 0);
    }
    vdev->guest_features = 0;
    vdev->isr = 0;
    vdev->broken = false;
    vdev->config_vector = VIRTIO_NO_VECTOR;
    for (unsigned i = 0; i < vdev->num_queues; i++) {
        VirtQueue *vq = &vdev->vq[i];
        vq->num = vq->num_max;
        vq->ready = false;
        vq->desc = vq->avail = vq->used = 0;
        vq->last_avail_idx = vq->used_idx = vq->signalled_used = 0;
        vq->signalled_used_valid = false;
        vq->vector = VIRTIO_NO_VECTOR;
        vq->inuse = 0;
    }
    if (vdc->reset) {
        vdc->reset(vdev);
    }
}

void virtio_set_status(VirtIODevice *vdev, uint8_t status)
{
    VirtIODeviceClass *vdc = VIRTIO_DEVICE_GET_CLASS(vdev);
    if (status == 0) {
        virtio_reset(vdev);
        return;
    }
    if ((status & VIRTIO_CONFIG_S_FEATURES_OK) && !(vdev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
        uint64_t extra = vdev->guest_features & ~vdev->host_features;
        if (extra || !virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
            log_mask(LOG_GUEST_ERROR,
                     "%s: FEATURES_OK refused: %s (accepted 0x%" PRIx64 ", offered 0x%" PRIx64
                     ")\n", vdev->name,
                     extra ? "features not offered" : "VERSION_1 is required (modern only)",
                     vdev->guest_features, vdev->host_features);
            status &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
        } else if (vdc->set_features) {
            vdc->set_features(vdev, vdev->guest_features);
        }
    }
    uint8_t old = vdev->status;
    vdev->status = status | (old & VIRTIO_CONFIG_S_NEEDS_RESET);
    if (((status ^ old) & VIRTIO_CONFIG_S_DRIVER_OK) && vdc->set_status) {
        vdc->set_status(vdev, vdev->status);
    }
}

bool virtio_is_ready(const VirtIODevice *vdev)
{
    return (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) && !vdev->broken;
}

uint8_t virtio_isr_read_clear(VirtIODevice *vdev)
{
    uint8_t v = vdev->isr;
    vdev->isr = 0;
    return v;
}

void virtio_isr_ack(VirtIODevice *vdev, uint8_t bits)
{
    vdev->isr &= (uint8_t)~bits;
}

void virtio_error(VirtIODevice *vdev, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    log_mask(LOG_GUEST_ERROR, "%s: %s; device needs reset\n", vdev->name, msg);
    if (vdev->broken) {
        return;
    }
    vdev->broken = true;
    vdev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    virtio_notify_config(vdev);
}

/* ---- configuration space ---- */

void virtio_init_config(VirtIODevice *vdev, size_t len)
{
    g_free(vdev->config);
    vdev->config = g_malloc0(len);
    vdev->config_len = len;
}

void virtio_notify_config(VirtIODevice *vdev)
{
    vdev->generation++;
    if (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) {
        virtio_raise(vdev, VIRTIO_ISR_CONFIG, vdev->config_vector);
    }
}

uint32_t virtio_config_read(VirtIODevice *vdev, uint32_t offset, unsigned size)
{
    VirtIODeviceClass *vdc = VIRTIO_DEVICE_GET_CLASS(vdev);
    if (offset + size > vdev->config_len || size > 4) {
        log_mask(LOG_GUEST_ERROR, "%s: config read of %u bytes at 0x%x beyond its %zu bytes\n",
                 vdev->name, size, offset, vdev->config_len);
        return 0;
    }
    if (vdc->get_config) {
        vdc->get_config(vdev, vdev->config);
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint32_t)vdev->config[offset + i] << (8 * i);
    }
    return v;
}

void virtio_config_write(VirtIODevice *vdev, uint32_t offset, uint32_t value, unsigned size)
{
    VirtIODeviceClass *vdc = VIRTIO_DEVICE_GET_CLASS(vdev);
    if (offset + size > vdev->config_len || size > 4) {
        log_mask(LOG_GUEST_ERROR, "%s: config write of %u bytes at 0x%x beyond its %zu bytes\n",
                 vdev->name, size, offset, vdev->config_len);
        return;
    }
    if (vdc->get_config) {
        vdc->get_config(vdev, vdev->config);
    }
    for (unsigned i = 0; i < size; i++) {
        vdev->config[offset + i] = (uint8_t)(value >> (8 * i));
    }
    if (vdc->set_config) {
        vdc->set_config(vdev, vdev->config);
    }
}

/* ---- queue set-up ---- */

VirtQueue *virtio_add_queue(VirtIODevice *vdev, uint16_t num_max, VirtQueueHandler handle)
{
    g_assert(num_max && num_max <= VIRTQUEUE_MAX_SIZE && !(num_max & (num_max - 1)));
    g_assert(vdev->num_queues < VIRTIO_QUEUE_MAX);
    /* Allocated once at its largest: devices keep pointers to their queues,
     * which growing the array would invalidate. */
    if (!vdev->vq) {
        vdev->vq = g_new0(VirtQueue, VIRTIO_QUEUE_MAX);
    }
    VirtQueue *vq = &vdev->vq[vdev->num_queues];
    *vq = (VirtQueue){ .vdev = vdev, .index = vdev->num_queues, .num_max = num_max,
                       .num = num_max, .vector = VIRTIO_NO_VECTOR, .handle = handle };
    vdev->num_queues++;
    return vq;
}

VirtQueue *virtio_get_queue(VirtIODevice *vdev, unsigned n)
{
    return n < vdev->num_queues ? &vdev->vq[n] : NULL;
}

void virtio_queue_set_num(VirtQueue *vq, uint16_t num)
{
    if (vq->ready) {
        log_mask(LOG_GUEST_ERROR, "%s: queue %u size changed while enabled\n", vq->vdev->name,
                 vq->index);
        return;
    }
    if (!num || num > vq->num_max || (num & (num - 1))) {
        log_mask(LOG_GUEST_ERROR, "%s: queue %u size %u refused (a power of two up to %u)\n",
                 vq->vdev->name, vq->index, num, vq->num_max);
        return;
    }
    vq->num = num;
}

void virtio_queue_set_ready(VirtQueue *vq, bool ready)
{
    VirtIODevice *vdev = vq->vdev;
    if (!ready) {
        vq->ready = false;
        return;
    }
    if ((vq->desc & 15) || (vq->avail & 1) || (vq->used & 3)) {
        virtio_error(vdev, "queue %u rings misaligned (desc 0x%" PRIx64 ", driver 0x%" PRIx64
                     ", device 0x%" PRIx64 ")", vq->index, vq->desc, vq->avail, vq->used);
        return;
    }
    if (!vq_map(vq, vq->desc, 16ULL * vq->num, false) ||
        !vq_map(vq, vq->avail, 6 + 2ULL * vq->num, false) ||
        !vq_map(vq, vq->used, 6 + 8ULL * vq->num, true)) {
        virtio_error(vdev, "queue %u rings are not in RAM", vq->index);
        return;
    }
    vq->last_avail_idx = vq->used_idx = vq->signalled_used = 0;
    vq->signalled_used_valid = false;
    vq->inuse = 0;
    vq->ready = true;
}

/* ---- the device base type ---- */

static bool virtio_device_realize(DeviceState *dev, GError **errp)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtIODeviceClass *vdc = VIRTIO_DEVICE_GET_CLASS(vdev);
    vdev->name = object_get_typename(OBJECT(dev));
    vdev->device_id = vdc->device_id;
    vdev->config_vector = VIRTIO_NO_VECTOR;
    if (!dev->parent_bus) {
        g_set_error(errp, VIRTIO_ERROR, 0, "%s needs a virtio transport (a virtio bus)",
                    vdev->name);
        return false;
    }
    if (vdc->realize && !vdc->realize(vdev, errp)) {
        return false;
    }
    vdev->host_features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |
                          (1ULL << VIRTIO_RING_F_EVENT_IDX);
    if (vdc->get_features) {
        vdev->host_features |= vdc->get_features(vdev);
    }
    return true;
}

static void virtio_device_unrealize(DeviceState *dev)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtIODeviceClass *vdc = VIRTIO_DEVICE_GET_CLASS(vdev);
    if (vdc->unrealize) {
        vdc->unrealize(vdev);
    }
    g_clear_pointer(&vdev->vq, g_free);
    vdev->num_queues = 0;
    g_clear_pointer(&vdev->config, g_free);
    vdev->config_len = 0;
}

static void virtio_device_reset(DeviceState *dev)
{
    virtio_reset(VIRTIO_DEVICE(dev));
}

static void virtio_device_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->bus_type = TYPE_VIRTIO_BUS;
    dc->realize = virtio_device_realize;
    dc->unrealize = virtio_device_unrealize;
    dc->reset = virtio_device_reset;
}

static const TypeInfo virtio_types[] = {
    {
        .name = TYPE_VIRTIO_BUS,
        .parent = TYPE_BUS,
        .description = "virtio bus",
        .instance_size = sizeof(VirtioBusState),
        .class_size = sizeof(BusClass),
        .class_init = virtio_bus_class_init,
    },
    {
        .name = TYPE_VIRTIO_DEVICE,
        .parent = TYPE_DEVICE,
        .description = "virtio device",
        .abstract = true,
        .instance_size = sizeof(VirtIODevice),
        .class_size = sizeof(VirtIODeviceClass),
        .class_init = virtio_device_class_init,
    },
};

TESSERA_MODULE(.name = "virtio", .kind = "library", .types = TESSERA_TYPES(&virtio_types[0], &virtio_types[1]));
