/* SPDX-License-Identifier: MIT */
/*
 * virtio-rng (VIRTIO 1.1 section 5.4): one request queue whose writable
 * buffers are filled from an entropy backend.  virtio-rng-device sits on
 * any virtio transport (virtio-mmio on the board); virtio-rng-pci is its
 * PCI twin (virtio/virtio-pci.h).
 *
 * Properties: rng (an rng-backend object, e.g. -object rng-random,id=r0;
 * default: a built-in rng-builtin), max-bytes and period (ms): at most
 * max-bytes per period reach the guest.  A backend with nothing to give
 * now (a non-blocking file at EOF of its supply) is asked again 10 ms
 * later.  A request without a writable buffer is a guest error
 * (NEEDS_RESET).
 */
#include "kernel/clock.h"
#include "kernel/log.h"
#include "kernel/module.h"
#include "rng/rng.h"
#include "virtio/virtio-pci.h"
#include "virtio/virtio.h"

#define TYPE_VIRTIO_RNG "virtio-rng-device"
#define TYPE_VIRTIO_RNG_PCI "virtio-rng-pci"
#define VIRTIO_RNG_QUEUE_SIZE 8
#define VIRTIO_RNG_RETRY_NS (10 * 1000 * 1000)

typedef struct VirtIORNG {
    VirtIODevice parent_obj;
    Object *rng;               /* link<rng-backend> */
    RngBackend *backend;       /* rng, or the built-in default */
    uint64_t max_bytes;
    uint32_t period_ms;
    uint64_t quota;            /* bytes left in this period */
    Timer *period_timer;
    Timer *retry_timer;
    VirtQueue *vq;
} VirtIORNG;

OBJECT_DECLARE_SIMPLE_TYPE(VirtIORNG, VIRTIO_RNG, TYPE_VIRTIO_RNG)

/* Fill @e's writable buffers with up to @want bytes; returns the count, or
 * a negative number when the backend had nothing. */
static ssize_t fill(VirtIORNG *s, VirtQueueElement *e, size_t want)
{
    size_t got = 0;
    for (unsigned i = 0; i < e->in_num && got < want; i++) {
        size_t off = 0, len = MIN(e->in_sg[i].iov_len, want - got);
        while (off < len) {
            ssize_t n = rng_backend_read(s->backend, (uint8_t *)e->in_sg[i].iov_base + off,
                                         len - off);
            if (n <= 0) {
                return got ? (ssize_t)got : -1;
            }
            off += (size_t)n;
        }
        got += len;
    }
    return (ssize_t)got;
}

static void rng_process(VirtIORNG *s)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);
    bool pushed = false;
    if (!virtio_is_ready(vdev) || !s->vq->ready) {
        return;
    }
    while (s->quota) {
        VirtQueueElement *e = virtqueue_pop(s->vq);
        if (!e) {
            break;
        }
        if (!e->in_num) {
            virtqueue_unpop(s->vq, e);
            virtio_error(vdev, "request without a writable buffer");
            break;
        }
        ssize_t got = fill(s, e, (size_t)MIN((uint64_t)e->in_len, s->quota));
        if (got < 0) {
            virtqueue_unpop(s->vq, e);
            timer_mod_ns(s->retry_timer, clock_get_ns(CLOCK_HOST) + VIRTIO_RNG_RETRY_NS);
            break;
        }
        if (s->quota == s->max_bytes && s->period_ms && !timer_pending(s->period_timer)) {
            timer_mod_ns(s->period_timer,
                         clock_get_ns(CLOCK_VIRTUAL) + (int64_t)s->period_ms * 1000000);
        }
        s->quota -= (uint64_t)got;
        virtqueue_push(s->vq, e, (uint32_t)got);
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, s->vq);
    }
}

static void rng_handle(VirtIODevice *vdev, VirtQueue *vq)
{
    rng_process(VIRTIO_RNG(vdev));
}

static void rng_period_expired(void *opaque)
{
    VirtIORNG *s = opaque;
    s->quota = s->max_bytes;
    rng_process(s);
}

static void rng_retry(void *opaque)
{
    rng_process(opaque);
}

static bool rng_realize(VirtIODevice *vdev, GError **errp)
{
    VirtIORNG *s = VIRTIO_RNG(vdev);
    if (!s->max_bytes) {
        g_set_error(errp, VIRTIO_ERROR, 0, "%s: max-bytes must be more than 0", vdev->name);
        return false;
    }
    if (s->rng) {
        s->backend = RNG_BACKEND(s->rng);
    } else {
        GError *err = NULL;
        Object *def = object_new_checked("rng-builtin", &err);
        if (!def) {
            g_propagate_prefixed_error(errp, err, "%s: default entropy source: ", vdev->name);
            return false;
        }
        object_property_add_child(OBJECT(s), "default-backend", def, NULL);
        object_unref(def);
        s->backend = RNG_BACKEND(def);
    }
    s->quota = s->max_bytes;
    s->vq = virtio_add_queue(vdev, VIRTIO_RNG_QUEUE_SIZE, rng_handle);
    s->period_timer = timer_new_ns(CLOCK_VIRTUAL, rng_period_expired, s);
    s->retry_timer = timer_new_ns(CLOCK_HOST, rng_retry, s);
    return true;
}

static void rng_unrealize(VirtIODevice *vdev)
{
    VirtIORNG *s = VIRTIO_RNG(vdev);
    g_clear_pointer(&s->period_timer, timer_free);
    g_clear_pointer(&s->retry_timer, timer_free);
}

static void rng_reset(VirtIODevice *vdev)
{
    VirtIORNG *s = VIRTIO_RNG(vdev);
    timer_del(s->period_timer);
    timer_del(s->retry_timer);
    s->quota = s->max_bytes;
}

static const PropertyInfo rng_props[] = {
    PROP_LINK("rng", VirtIORNG, rng, TYPE_RNG_BACKEND,
              "entropy source (an rng-random or rng-builtin object; default built in)"),
    PROP_UINT64("max-bytes", VirtIORNG, max_bytes, INT64_MAX,
                "most bytes the guest gets per period"),
    PROP_UINT32("period", VirtIORNG, period_ms, 1 << 16, "rate-limit period in ms"),
    PROP_END
};

static void rng_class_init(ObjectClass *klass, const void *data)
{
    VirtIODeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);
    vdc->device_id = VIRTIO_ID_RNG;
    vdc->realize = rng_realize;
    vdc->unrealize = rng_unrealize;
    vdc->reset = rng_reset;
    object_class_add_field_properties(klass, rng_props);
}

static const TypeInfo rng_info = {
    .name = TYPE_VIRTIO_RNG,
    .parent = TYPE_VIRTIO_DEVICE,
    .category = "misc",
    .description = "virtio entropy source",
    .user_creatable = true,
    .instance_size = sizeof(VirtIORNG),
    .class_size = sizeof(VirtIODeviceClass),
    .class_init = rng_class_init,
};

static const TypeInfo rng_pci_info =
    VIRTIO_PCI_PROXY_TYPE(TYPE_VIRTIO_RNG_PCI, TYPE_VIRTIO_RNG, 0x00ff, "misc",
                          "virtio entropy source (PCI)");

static const TypeInfo rng_pci_nt_info =
    VIRTIO_PCI_NON_TRANSITIONAL_TYPE(TYPE_VIRTIO_RNG_PCI "-non-transitional", TYPE_VIRTIO_RNG_PCI,
                                     "misc", "virtio entropy source (PCI, modern virtio only)");

TESSERA_MODULE(.name = "virtio-rng", .kind = "device",
               .types = TESSERA_TYPES(&rng_info, &rng_pci_info, &rng_pci_nt_info));
