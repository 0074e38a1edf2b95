/* SPDX-License-Identifier: MIT */
/*
 * The virtio core (library module "virtio", plugins/devices/virtio):
 * VIRTIO 1.x (modern only) for device authors.
 *
 * A virtio device is a VirtIODevice ("virtio-device" subtype) plugged on a
 * "virtio-bus" that a transport owns (virtio-mmio, virtio-pci); it never
 * knows which.  The transport moves registers to the core (features,
 * status, queue set-up, config space, notifications) and delivers the
 * interrupts the core asks for (VirtioBusOps.notify).
 *
 * Queues are split virtqueues with indirect descriptors and
 * VIRTIO_F_EVENT_IDX.  virtqueue_pop() validates every descriptor the
 * guest hands over and maps its buffers to host pointers (one iovec per
 * contiguous RAM range): a head or next index past the queue, a loop or a
 * chain longer than the queue, an indirect table inside an indirect table
 * or with a bad length or with NEXT also set, a readable descriptor after a
 * writable one, a buffer outside RAM or wrapping the address space, an
 * available index that runs ahead of the ring all make the core log under
 * -d guest_errors, set DEVICE_NEEDS_RESET (with a config interrupt) and stop
 * the device's queues until the driver resets it.  Devices call
 * virtio_error() the same way for their own checks (a request with no
 * writable buffer, a short header).
 *
 * Notification handlers run with the device lock held and should drain the
 * whole queue (virtqueue_pop until NULL), then virtio_notify() once.
 */
#ifndef TESSERA_VIRTIO_VIRTIO_H
#define TESSERA_VIRTIO_VIRTIO_H

#include <sys/uio.h>

#include "kernel/bus.h"
#include "kernel/device.h"
#include "kernel/memory.h"

#define TYPE_VIRTIO_DEVICE "virtio-device"
#define TYPE_VIRTIO_BUS "virtio-bus"

#define VIRTIO_ERROR (virtio_error_quark())
GQuark virtio_error_quark(void);

/* Device status bits. */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE 1
#define VIRTIO_CONFIG_S_DRIVER 2
#define VIRTIO_CONFIG_S_DRIVER_OK 4
#define VIRTIO_CONFIG_S_FEATURES_OK 8
#define VIRTIO_CONFIG_S_NEEDS_RESET 0x40
#define VIRTIO_CONFIG_S_FAILED 0x80

/* Feature bits the core implements. */
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* Interrupt status bits (ISR). */
#define VIRTIO_ISR_QUEUE 1
#define VIRTIO_ISR_CONFIG 2

#define VIRTIO_NO_VECTOR 0xffff
#define VIRTQUEUE_MAX_SIZE 1024
/* Most queues one device has (virtio_add_queue's pointers stay valid). */
#define VIRTIO_QUEUE_MAX 1024
/* Most buffers (iovecs) one request may map. */
#define VIRTQUEUE_MAX_SG 1024

/* Device ids (VIRTIO 1.1 section 5). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4
#define VIRTIO_ID_SCSI 8

typedef struct VirtIODevice VirtIODevice;
typedef struct VirtQueue VirtQueue;
typedef void (*VirtQueueHandler)(VirtIODevice *vdev, VirtQueue *vq);

/* One request: its buffers, device-readable (out) then device-writable (in). */
typedef struct VirtQueueElement {
    unsigned index;            /* head descriptor, returned in the used ring */
    unsigned out_num, in_num;
    struct iovec out_sg[VIRTQUEUE_MAX_SG];
    struct iovec in_sg[VIRTQUEUE_MAX_SG];
    size_t out_len, in_len;    /* total bytes */
} VirtQueueElement;

struct VirtQueue {
    VirtIODevice *vdev;
    unsigned index;
    uint16_t num_max;          /* largest size the device accepts */
    uint16_t num;              /* size the driver chose */
    bool ready;
    uint64_t desc, avail, used;/* guest addresses */
    uint16_t last_avail_idx;   /* next available entry to take */
    uint16_t used_idx;         /* next used entry to fill */
    uint16_t signalled_used;   /* used_idx at the last interrupt */
    bool signalled_used_valid;
    uint16_t vector;           /* MSI-X vector, or VIRTIO_NO_VECTOR */
    unsigned inuse;            /* popped, not yet pushed */
    VirtQueueHandler handle;
};

struct VirtIODevice {
    DeviceState parent_obj;
    const char *name;          /* for messages: the type name */
    uint16_t device_id;
    uint64_t host_features;    /* offered: the device's plus the core's */
    uint64_t guest_features;   /* accepted by the driver */
    uint8_t status;
    uint8_t isr;
    uint8_t generation;        /* config generation */
    bool broken;               /* NEEDS_RESET: queues stopped until reset */
    uint16_t config_vector;
    size_t config_len;
    uint8_t *config;
    VirtQueue *vq;
    unsigned num_queues;
};

typedef struct VirtIODeviceClass {
    DeviceClass parent_class;
    uint16_t device_id;
    /* Set up (virtio_init_config, virtio_add_queue, features).  Optional. */
    bool (*realize)(VirtIODevice *vdev, GError **errp);
    void (*unrealize)(VirtIODevice *vdev);
    /* Device features on top of the core's. */
    uint64_t (*get_features)(VirtIODevice *vdev);
    /* The driver accepted @features (FEATURES_OK).  Optional. */
    void (*set_features)(VirtIODevice *vdev, uint64_t features);
    /* Refresh vdev->config before a driver read; take a driver write. */
    void (*get_config)(VirtIODevice *vdev, uint8_t *config);
    void (*set_config)(VirtIODevice *vdev, const uint8_t *config);
    /* Status written (DRIVER_OK set or cleared).  Optional. */
    void (*set_status)(VirtIODevice *vdev, uint8_t status);
    /* Device state back to power-on (queues are reset by the core). */
    void (*reset)(VirtIODevice *vdev);
    /* Name of the -pci proxy type and its PCI class (virtio-pci helper). */
} VirtIODeviceClass;

OBJECT_DECLARE_TYPE(VirtIODevice, VirtIODeviceClass, VIRTIO_DEVICE, TYPE_VIRTIO_DEVICE)

/* What a transport does for the core. */
typedef struct VirtioBusOps {
    /* ISR changed (bits set): raise the interrupt for @vector (MSI-X) or
     * the shared line. */
    void (*notify)(DeviceState *transport, uint16_t vector);
    /* Whether the transport delivers vectors (MSI-X enabled). */
    bool (*has_vectors)(DeviceState *transport);
} VirtioBusOps;

typedef struct VirtioBusState {
    BusState parent_obj;
    const VirtioBusOps *ops;
} VirtioBusState;

OBJECT_DECLARE_TYPE(VirtioBusState, BusClass, VIRTIO_BUS, TYPE_VIRTIO_BUS)

/* ---- for transports ---- */

/* The transport @owner's bus, holding at most one device. */
VirtioBusState *virtio_bus_new(DeviceState *owner, const char *name, const VirtioBusOps *ops);
/* The device on @bus, or NULL. */
VirtIODevice *virtio_bus_get_device(VirtioBusState *bus);

uint32_t virtio_get_device_features(VirtIODevice *vdev, unsigned sel);
void virtio_set_driver_features(VirtIODevice *vdev, unsigned sel, uint32_t value);
uint32_t virtio_get_driver_features(VirtIODevice *vdev, unsigned sel);
/* Status write: 0 resets; FEATURES_OK is refused (left clear) when the
 * accepted features are not a subset of the offer or lack VERSION_1. */
void virtio_set_status(VirtIODevice *vdev, uint8_t status);
void virtio_reset(VirtIODevice *vdev);
/* Read-and-clear of the interrupt status (PCI ISR); MMIO acks by bits. */
uint8_t virtio_isr_read_clear(VirtIODevice *vdev);
void virtio_isr_ack(VirtIODevice *vdev, uint8_t bits);
/* Device configuration space, little-endian fields, any size. */
uint32_t virtio_config_read(VirtIODevice *vdev, uint32_t offset, unsigned size);
void virtio_config_write(VirtIODevice *vdev, uint32_t offset, uint32_t value, unsigned size);
/* The driver notified queue @n. */
void virtio_queue_notify(VirtIODevice *vdev, unsigned n);
VirtQueue *virtio_get_queue(VirtIODevice *vdev, unsigned n);
/* Queue set-up checks: sizes a power of two up to num_max; rings in RAM. */
void virtio_queue_set_num(VirtQueue *vq, uint16_t num);
void virtio_queue_set_ready(VirtQueue *vq, bool ready);

/* ---- for devices ---- */

/* Config space of @len bytes (zeroed). */
void virtio_init_config(VirtIODevice *vdev, size_t len);
/* Queue @index (in order from 0) of at most @num_max entries. */
VirtQueue *virtio_add_queue(VirtIODevice *vdev, uint16_t num_max, VirtQueueHandler handle);
bool virtio_has_feature(const VirtIODevice *vdev, unsigned bit);
/* Next request, or NULL (none, or the device is broken).  g_free it or
 * hand it back with virtqueue_push / virtqueue_unpop. */
VirtQueueElement *virtqueue_pop(VirtQueue *vq);
/* Complete @elem with @len bytes written; frees it. */
void virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t len);
/* Give @elem back untouched (retry later); frees it. */
void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem);
/* Whether the driver has buffers waiting. */
bool virtqueue_has_work(VirtQueue *vq);
/* Interrupt the driver for @vq, unless it suppressed it. */
void virtio_notify(VirtIODevice *vdev, VirtQueue *vq);
/* Config changed: bump the generation, config interrupt. */
void virtio_notify_config(VirtIODevice *vdev);
/* The guest broke the rules: log, NEEDS_RESET, stop. */
void virtio_error(VirtIODevice *vdev, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
bool virtio_is_ready(const VirtIODevice *vdev);

/* Copy between iovecs and a buffer; return bytes copied. */
size_t iov_to_buf(const struct iovec *iov, unsigned n, size_t offset, void *buf, size_t len);
size_t iov_from_buf(const struct iovec *iov, unsigned n, size_t offset, const void *buf,
                    size_t len);

static inline void virtio_stw(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static inline void virtio_stl(uint8_t *p, uint32_t v)
{
    p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

#endif
