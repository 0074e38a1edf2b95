/* SPDX-License-Identifier: MIT */
/*
 * virtio-pci: the modern (VIRTIO 1.x only) PCI transport and the proxy
 * type helper; see virtio/virtio-pci.h for the layout.
 */
#include <string.h>

#include "kernel/log.h"
#include "kernel/module.h"
#include "virtio/virtio-pci.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040
#define VIRTIO_PCI_SUBSYS 0x1100
#define VIRTIO_PCI_MODERN_BAR 4
#define VIRTIO_PCI_MSIX_BAR 1
#define VIRTIO_PCI_BAR_SIZE 0x4000
#define VIRTIO_PCI_REGION_SIZE 0x1000
#define VIRTIO_PCI_NOTIFY_MULT 4

enum { CAP_COMMON = 1, CAP_NOTIFY = 2, CAP_ISR = 3, CAP_DEVICE = 4 };

/* Common configuration structure (VIRTIO 1.1 4.1.4.3). */
enum {
    COMMON_DFSELECT = 0x00,
    COMMON_DF = 0x04,
    COMMON_GFSELECT = 0x08,
    COMMON_GF = 0x0c,
    COMMON_MSIX = 0x10,
    COMMON_NUMQ = 0x12,
    COMMON_STATUS = 0x14,
    COMMON_CFGGENERATION = 0x15,
    COMMON_Q_SELECT = 0x16,
    COMMON_Q_SIZE = 0x18,
    COMMON_Q_MSIX = 0x1a,
    COMMON_Q_ENABLE = 0x1c,
    COMMON_Q_NOFF = 0x1e,
    COMMON_Q_DESCLO = 0x20,
    COMMON_Q_DESCHI = 0x24,
    COMMON_Q_AVAILLO = 0x28,
    COMMON_Q_AVAILHI = 0x2c,
    COMMON_Q_USEDLO = 0x30,
    COMMON_Q_USEDHI = 0x34,
};

static VirtIODevice *proxy_vdev(VirtIOPCIProxy *s)
{
    return s->bus ? virtio_bus_get_device(s->bus) : NULL;
}

/* ---- interrupts ---- */

static void proxy_notify(DeviceState *transport, uint16_t vector)
{
    VirtIOPCIProxy *s = VIRTIO_PCI(transport);
    PCIDevice *d = PCI_DEVICE(s);
    VirtIODevice *vdev = proxy_vdev(s);
    if (msix_enabled(d)) {
        if (vector != VIRTIO_NO_VECTOR) {
            msix_notify(d, vector);
        }
        return;
    }
    pci_set_irq(d, vdev && vdev->isr);
}

static bool proxy_has_vectors(DeviceState *transport)
{
    return msix_enabled(PCI_DEVICE(transport));
}

static const VirtioBusOps proxy_bus_ops = {
    .notify = proxy_notify,
    .has_vectors = proxy_has_vectors,
};

static uint16_t checked_vector(VirtIOPCIProxy *s, uint32_t v)
{
    return v < s->nvectors ? (uint16_t)v : VIRTIO_NO_VECTOR;
}

/* ---- common configuration ---- */

static void set_half(uint64_t *v, bool high, uint32_t val)
{
    *v = high ? ((*v & 0xffffffffULL) | (uint64_t)val << 32)
              : ((*v & ~0xffffffffULL) | val);
}

static uint64_t common_read(void *opaque, hwaddr addr, unsigned size)
{
    VirtIOPCIProxy *s = opaque;
    VirtIODevice *vdev = proxy_vdev(s);
    if (!vdev) {
        return 0;
    }
    VirtQueue *vq = virtio_get_queue(vdev, s->queue_sel);
    switch (addr) {
    case COMMON_DFSELECT:
        return s->dfselect;
    case COMMON_DF:
        return virtio_get_device_features(vdev, s->dfselect);
    case COMMON_GFSELECT:
        return s->gfselect;
    case COMMON_GF:
        return virtio_get_driver_features(vdev, s->gfselect);
    case COMMON_MSIX:
        return vdev->config_vector;
    case COMMON_NUMQ:
        return vdev->num_queues;
    case COMMON_STATUS:
        return vdev->status;
    case COMMON_CFGGENERATION:
        return vdev->generation;
    case COMMON_Q_SELECT:
        return s->queue_sel;
    case COMMON_Q_SIZE:
        return vq ? vq->num : 0;
    case COMMON_Q_MSIX:
        return vq ? vq->vector : VIRTIO_NO_VECTOR;
    case COMMON_Q_ENABLE:
        return vq ? vq->ready : 0;
    case COMMON_Q_NOFF:
        return s->queue_sel;
    case COMMON_Q_DESCLO:
        return vq ? (uint32_t)vq->desc : 0;
    case COMMON_Q_DESCHI:
        return vq ? (uint32_t)(vq->desc >> 32) : 0;
    case COMMON_Q_AVAILLO:
        return vq ? (uint32_t)vq->avail : 0;
    case COMMON_Q_AVAILHI:
        return vq ? (uint32_t)(vq->avail >> 32) : 0;
    case COMMON_Q_USEDLO:
        return vq ? (uint32_t)vq->used : 0;
    case COMMON_Q_USEDHI:
        return vq ? (uint32_t)(vq->used >> 32) : 0;
    default:
        log_mask(LOG_GUEST_ERROR, "%s: read of unknown common register 0x%" HWADDR_PRIx "\n",
                 vdev->name, addr);
        return 0;
    }
}

static void common_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    VirtIOPCIProxy *s = opaque;
    VirtIODevice *vdev = proxy_vdev(s);
    uint32_t v = (uint32_t)value;
    if (!vdev) {
        return;
    }
    VirtQueue *vq = virtio_get_queue(vdev, s->queue_sel);
    switch (addr) {
    case COMMON_DFSELECT:
        s->dfselect = v;
        return;
    case COMMON_GFSELECT:
        s->gfselect = v;
        return;
    case COMMON_GF:
        virtio_set_driver_features(vdev, s->gfselect, v);
        return;
    case COMMON_MSIX:
        vdev->config_vector = checked_vector(s, v);
        return;
    case COMMON_STATUS:
        virtio_set_status(vdev, (uint8_t)v);
        if (!v) {
            s->dfselect = s->gfselect = 0;
            s->queue_sel = 0;
            pci_set_irq(PCI_DEVICE(s), 0);
        }
        return;
    case COMMON_Q_SELECT:
        s->queue_sel = (uint16_t)v;
        return;
    }
    if (!vq) {
        log_mask(LOG_GUEST_ERROR, "%s: queue register 0x%" HWADDR_PRIx " written for queue %u, "
                 "which does not exist\n", vdev->name, addr, s->queue_sel);
        return;
    }
    switch (addr) {
    case COMMON_Q_SIZE:
        virtio_queue_set_num(vq, (uint16_t)v);
        break;
    case COMMON_Q_MSIX:
        vq->vector = checked_vector(s, v);
        break;
    case COMMON_Q_ENABLE:
        virtio_queue_set_ready(vq, v & 1);
        break;
    case COMMON_Q_DESCLO:
    case COMMON_Q_DESCHI:
        set_half(&vq->desc, addr == COMMON_Q_DESCHI, v);
        break;
    case COMMON_Q_AVAILLO:
    case COMMON_Q_AVAILHI:
        set_half(&vq->avail, addr == COMMON_Q_AVAILHI, v);
        break;
    case COMMON_Q_USEDLO:
    case COMMON_Q_USEDHI:
        set_half(&vq->used, addr == COMMON_Q_USEDHI, v);
        break;
    default:
        log_mask(LOG_GUEST_ERROR, "%s: write to read-only or unknown common register 0x%"
                 HWADDR_PRIx "\n", vdev->name, addr);
        break;
    }
}

static const MemoryRegionOps common_ops = {
    .read = common_read,
    .write = common_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ---- ISR, device config, notify ---- */

static uint64_t isr_read(void *opaque, hwaddr addr, unsigned size)
{
    VirtIOPCIProxy *s = opaque;
    VirtIODevice *vdev = proxy_vdev(s);
    if (!vdev || addr) {
        return 0;
    }
    uint8_t v = virtio_isr_read_clear(vdev);
    pci_set_irq(PCI_DEVICE(s), 0);
    return v;
}

static void isr_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    log_mask(LOG_GUEST_ERROR, "virtio-pci: write to the read-only ISR status\n");
}

static const MemoryRegionOps isr_ops = {
    .read = isr_read,
    .write = isr_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t device_read(void *opaque, hwaddr addr, unsigned size)
{
    VirtIODevice *vdev = proxy_vdev(opaque);
    return vdev ? virtio_config_read(vdev, (uint32_t)addr, size) : 0;
}

static void device_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    VirtIODevice *vdev = proxy_vdev(opaque);
    if (vdev) {
        virtio_config_write(vdev, (uint32_t)addr, (uint32_t)value, size);
    }
}

static const MemoryRegionOps device_ops = {
    .read = device_read,
    .write = device_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static uint64_t notify_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void notify_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    VirtIODevice *vdev = proxy_vdev(opaque);
    if (vdev) {
        virtio_queue_notify(vdev, (unsigned)(addr / VIRTIO_PCI_NOTIFY_MULT));
    }
}

static const MemoryRegionOps notify_ops = {
    .read = notify_read,
    .write = notify_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ---- capabilities and life cycle ---- */

static bool add_vendor_cap(PCIDevice *d, uint8_t type, uint32_t offset, uint32_t length,
                           bool notify, GError **errp)
{
    uint8_t len = notify ? 20 : 16;
    uint8_t o = pci_add_capability(d, PCI_CAP_ID_VNDR, 0, len, errp);
    if (!o) {
        return false;
    }
    uint8_t *c = d->config + o;
    c[2] = len;
    c[3] = type;
    c[4] = VIRTIO_PCI_MODERN_BAR;
    pci_set_long(c + 8, offset);
    pci_set_long(c + 12, length);
    if (notify) {
        pci_set_long(c + 16, VIRTIO_PCI_NOTIFY_MULT);
    }
    return true;
}

static bool proxy_realize(PCIDevice *d, GError **errp)
{
    VirtIOPCIProxy *s = VIRTIO_PCI(d);
    Object *o = OBJECT(d);
    Object *backend = object_resolve_child(o, "virtio-backend");
    g_assert(backend);
    /* Named "virtio-bus" as in QEMU, so "<id>.0" stays free for the buses
     * of the device itself (virtio-serial's ports). */
    s->bus = virtio_bus_new(DEVICE(d), "virtio-bus", &proxy_bus_ops);
    if (!bus_plug(BUS(s->bus), DEVICE(backend), errp) ||
        !device_realize(DEVICE(backend), errp)) {
        return false;
    }
    VirtIODevice *vdev = VIRTIO_DEVICE(backend);
    pci_set_word(d->config + PCI_DEVICE_ID, VIRTIO_PCI_DEVICE_BASE + vdev->device_id);
    pci_config_set_interrupt_pin(d, 1);
    memory_region_init(&s->modern_bar, o, "virtio-pci", VIRTIO_PCI_BAR_SIZE);
    memory_region_init_io(&s->common, o, &common_ops, s, "virtio-pci-common",
                          VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&s->isr, o, &isr_ops, s, "virtio-pci-isr", VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&s->device, o, &device_ops, s, "virtio-pci-device",
                          VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&s->notify, o, &notify_ops, s, "virtio-pci-notify",
                          VIRTIO_PCI_REGION_SIZE);
    memory_region_add_subregion(&s->modern_bar, 0x0000, &s->common);
    memory_region_add_subregion(&s->modern_bar, 0x1000, &s->isr);
    memory_region_add_subregion(&s->modern_bar, 0x2000, &s->device);
    memory_region_add_subregion(&s->modern_bar, 0x3000, &s->notify);
    s->regions_ready = true;
    pci_register_bar(d, VIRTIO_PCI_MODERN_BAR,
                     PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64 |
                         PCI_BASE_ADDRESS_MEM_PREFETCH,
                     &s->modern_bar);
    GError *err = NULL;
    s->nvectors = 0;
    if (msix_init_exclusive_bar(d, vdev->num_queues + 1, VIRTIO_PCI_MSIX_BAR, &err)) {
        s->nvectors = vdev->num_queues + 1;
    } else if (!g_error_matches(err, PCI_ERROR, PCI_ERROR_NO_MSI)) {
        g_propagate_error(errp, err);
        return false;
    } else {
        g_error_free(err); /* INTx only */
    }
    uint32_t notify_len = MAX(vdev->num_queues, 1u) * VIRTIO_PCI_NOTIFY_MULT;
    return add_vendor_cap(d, CAP_COMMON, 0x0000, VIRTIO_PCI_REGION_SIZE, false, errp) &&
           add_vendor_cap(d, CAP_ISR, 0x1000, VIRTIO_PCI_REGION_SIZE, false, errp) &&
           add_vendor_cap(d, CAP_DEVICE, 0x2000, VIRTIO_PCI_REGION_SIZE, false, errp) &&
           add_vendor_cap(d, CAP_NOTIFY, 0x3000, notify_len, true, errp);
}

static void proxy_exit(PCIDevice *d)
{
    VirtIOPCIProxy *s = VIRTIO_PCI(d);
    Object *backend = object_resolve_child(OBJECT(d), "virtio-backend");
    if (backend && DEVICE(backend)->parent_bus) {
        bus_unplug(DEVICE(backend));
    }
    if (s->bus) {
        bus_destroy(BUS(s->bus));
        s->bus = NULL;
    }
    if (s->regions_ready) {
        memory_region_destroy(&s->common);
        memory_region_destroy(&s->isr);
        memory_region_destroy(&s->device);
        memory_region_destroy(&s->notify);
        memory_region_destroy(&s->modern_bar);
        s->regions_ready = false;
    }
}

static void proxy_reset(PCIDevice *d)
{
    VirtIOPCIProxy *s = VIRTIO_PCI(d);
    s->dfselect = s->gfselect = 0;
    s->queue_sel = 0;
    VirtIODevice *vdev = proxy_vdev(s);
    if (vdev) {
        virtio_reset(vdev);
    }
}

/*
 * disable-legacy / disable-modern, QEMU's switches: this transport is
 * modern (virtio 1.0) only, so the only values are the ones saying so
 * (management tools read the properties' presence to place devices on
 * PCIe ports).
 */
static const char *const on_off_auto[] = { "auto", "on", "off", NULL };

static GVariant *legacy_get(Object *obj, Property *prop)
{
    return g_variant_new_string("on");
}

static bool legacy_set(Object *obj, Property *prop, GVariant *value, GError **errp)
{
    if (!strcmp(g_variant_get_string(value, NULL), "off")) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "disable-legacy=off: legacy virtio is not implemented (modern only)");
        return false;
    }
    return true;
}

static GVariant *modern_get(Object *obj, Property *prop)
{
    return g_variant_new_boolean(false);
}

static bool modern_set(Object *obj, Property *prop, GVariant *value, GError **errp)
{
    if (g_variant_get_boolean(value)) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "disable-modern=on: this transport is modern (virtio 1.0) only");
        return false;
    }
    return true;
}

static void virtio_pci_class_init(ObjectClass *klass, const void *data)
{
    Property *p = object_class_property_add(klass, "disable-legacy", PROP_KIND_ENUM, legacy_get,
                                            legacy_set, NULL);
    property_set_enum_values(p, on_off_auto);
    property_set_description(p, "legacy virtio off: always (the transport is modern only)");
    p = object_class_property_add(klass, "disable-modern", PROP_KIND_BOOL, modern_get,
                                  modern_set, NULL);
    property_set_description(p, "modern virtio off: never (the transport is modern only)");
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);
    pc->vendor_id = VIRTIO_PCI_VENDOR;
    pc->subsystem_vendor_id = VIRTIO_PCI_VENDOR;
    pc->subsystem_id = VIRTIO_PCI_SUBSYS;
    pc->revision = 1;
    pc->is_express = false;
    pc->realize = proxy_realize;
    pc->exit = proxy_exit;
    pc->reset = proxy_reset;
}

/* ---- proxy types ---- */

static Object *backend_of(Object *obj)
{
    return object_resolve_child(obj, "virtio-backend");
}

static GVariant *fwd_get(Object *obj, Property *prop)
{
    Object *b = backend_of(obj);
    return b ? object_property_get(b, prop->name, NULL) : NULL;
}

static bool fwd_set(Object *obj, Property *prop, GVariant *value, GError **errp)
{
    Object *b = backend_of(obj);
    g_assert(b);
    return object_property_set(b, prop->name, value, errp);
}

void virtio_pci_proxy_instance_init(Object *obj)
{
    VirtIOPCIProxyClass *k = VIRTIO_PCI_GET_CLASS(obj);
    Object *backend = object_new(k->info->device_type);
    object_property_add_child(obj, "virtio-backend", backend, NULL);
    object_unref(backend);
}

void virtio_pci_proxy_class_init(ObjectClass *klass, const void *data)
{
    const VirtioPCIDeviceTypeInfo *info = data;
    VirtIOPCIProxyClass *k = VIRTIO_PCI_CLASS(klass);
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);
    ObjectClass *inner = object_class_by_name(info->device_type);
    g_assert(inner);
    k->info = info;
    dc->hotpluggable = true;
    pc->class_id = info->class_id;
    pc->device_id = VIRTIO_PCI_DEVICE_BASE + VIRTIO_DEVICE_CLASS(inner)->device_id;
    g_autoptr(GPtrArray) props = object_class_property_list(inner);
    for (guint i = 0; i < props->len; i++) {
        Property *ip = g_ptr_array_index(props, i);
        if (ip->kind == PROP_KIND_CHILD || object_class_property_find(klass, ip->name)) {
            continue;
        }
        Property *p = object_class_property_add(klass, ip->name, ip->kind,
                                                ip->get ? fwd_get : NULL,
                                                ip->set ? fwd_set : NULL, NULL);
        if (ip->description) {
            property_set_description(p, ip->description);
        }
        if (ip->defval) {
            property_set_default(p, g_variant_ref(ip->defval));
        }
        if (ip->enum_values) {
            property_set_enum_values(p, ip->enum_values);
        }
        if (ip->target_type) {
            property_set_target_type(p, ip->target_type);
        }
    }
}

static const TypeInfo virtio_pci_info = {
    .name = TYPE_VIRTIO_PCI,
    .parent = TYPE_PCI_DEVICE,
    .description = "virtio PCI transport",
    .abstract = true,
    .instance_size = sizeof(VirtIOPCIProxy),
    .class_size = sizeof(VirtIOPCIProxyClass),
    .class_init = virtio_pci_class_init,
};

TESSERA_MODULE(.name = "virtio-pci", .kind = "library", .types = TESSERA_TYPES(&virtio_pci_info));
