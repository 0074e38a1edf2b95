/* SPDX-License-Identifier: MIT */
/*
 * virtio-mmio: the memory-mapped virtio transport, version 2 (VIRTIO 1.1
 * section 4.2), one slot holding one virtio device on its virtio bus
 * ("virtio-mmio-bus.N", N counting transports in creation order, as in
 * QEMU, so bus=virtio-mmio-bus.N names the same slot).  An empty slot reads
 * DeviceID 0, which drivers skip.  Boards place it (riscv virt: eight slots
 * from 0x10001000, PLIC sources 1..8), choose which slot a device given
 * without bus= takes first (bus_set_fill_order), and it writes its own
 * "virtio,mmio" device-tree node.
 *
 * Registers (32-bit; the configuration space from 0x100 takes any size):
 * magic, version, device and vendor id, feature words with selectors,
 * queue select/size/ready/notify and ring addresses, interrupt status and
 * acknowledge, device status, config generation.
 * IRQ: one level line, high while any interrupt status bit is set.
 */
#include "kernel/fdt.h"
#include "kernel/log.h"
#include "kernel/module.h"
#include "virtio/virtio.h"

#define TYPE_VIRTIO_MMIO "virtio-mmio"
#define VIRTIO_MMIO_SIZE 0x200
#define VIRT_MAGIC 0x74726976 /* "virt" */
#define VIRT_VENDOR 0x554d4551 /* "QEMU" */

enum {
    REG_MAGIC = 0x000,
    REG_VERSION = 0x004,
    REG_DEVICE_ID = 0x008,
    REG_VENDOR_ID = 0x00c,
    REG_DEVICE_FEATURES = 0x010,
    REG_DEVICE_FEATURES_SEL = 0x014,
    REG_DRIVER_FEATURES = 0x020,
    REG_DRIVER_FEATURES_SEL = 0x024,
    REG_QUEUE_SEL = 0x030,
    REG_QUEUE_NUM_MAX = 0x034,
    REG_QUEUE_NUM = 0x038,
    REG_QUEUE_READY = 0x044,
    REG_QUEUE_NOTIFY = 0x050,
    REG_INTERRUPT_STATUS = 0x060,
    REG_INTERRUPT_ACK = 0x064,
    REG_STATUS = 0x070,
    REG_QUEUE_DESC_LOW = 0x080,
    REG_QUEUE_DESC_HIGH = 0x084,
    REG_QUEUE_DRIVER_LOW = 0x090,
    REG_QUEUE_DRIVER_HIGH = 0x094,
    REG_QUEUE_DEVICE_LOW = 0x0a0,
    REG_QUEUE_DEVICE_HIGH = 0x0a4,
    REG_CONFIG_GENERATION = 0x0fc,
    REG_CONFIG = 0x100,
};

typedef struct VirtioMmioState {
    DeviceState parent_obj;
    MemoryRegion mmio;
    IRQLine *irq;
    VirtioBusState *bus;
    uint32_t dev_features_sel, drv_features_sel, queue_sel;
} VirtioMmioState;

OBJECT_DECLARE_SIMPLE_TYPE(VirtioMmioState, VIRTIO_MMIO, TYPE_VIRTIO_MMIO)

static void update_irq(VirtioMmioState *s, VirtIODevice *vdev)
{
    irq_set(s->irq, vdev && vdev->isr);
}

static void mmio_notify(DeviceState *transport, uint16_t vector)
{
    VirtioMmioState *s = VIRTIO_MMIO(transport);
    update_irq(s, virtio_bus_get_device(s->bus));
}

static const VirtioBusOps mmio_bus_ops = {
    .notify = mmio_notify,
};

static void set_half(uint64_t *v, bool high, uint32_t val)
{
    *v = high ? ((*v & 0xffffffffULL) | (uint64_t)val << 32)
              : ((*v & ~0xffffffffULL) | val);
}

static uint64_t virtio_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    VirtioMmioState *s = opaque;
    VirtIODevice *vdev = virtio_bus_get_device(s->bus);
    if (addr >= REG_CONFIG) {
        return vdev ? virtio_config_read(vdev, (uint32_t)(addr - REG_CONFIG), size) : 0;
    }
    if (size != 4) {
        log_mask(LOG_GUEST_ERROR, "virtio-mmio: %u-byte read of register 0x%" HWADDR_PRIx "\n",
                 size, addr);
        return 0;
    }
    switch (addr) {
    case REG_MAGIC:
        return VIRT_MAGIC;
    case REG_VERSION:
        return 2;
    case REG_DEVICE_ID:
        return vdev ? vdev->device_id : 0;
    case REG_VENDOR_ID:
        return VIRT_VENDOR;
    }
    if (!vdev) {
        return 0;
    }
    VirtQueue *vq = virtio_get_queue(vdev, s->queue_sel);
    switch (addr) {
    case REG_DEVICE_FEATURES:
        return virtio_get_device_features(vdev, s->dev_features_sel);
    case REG_QUEUE_NUM_MAX:
        return vq ? vq->num_max : 0;
    case REG_QUEUE_READY:
        return vq ? vq->ready : 0;
    case REG_INTERRUPT_STATUS:
        return vdev->isr;
    case REG_STATUS:
        return vdev->status;
    case REG_CONFIG_GENERATION:
        return vdev->generation;
    case REG_QUEUE_NUM:
        return vq ? vq->num : 0;
    case REG_QUEUE_DESC_LOW:
        return vq ? (uint32_t)vq->desc : 0;
    case REG_QUEUE_DESC_HIGH:
        return vq ? (uint32_t)(vq->desc >> 32) : 0;
    case REG_QUEUE_DRIVER_LOW:
        return vq ? (uint32_t)vq->avail : 0;
    case REG_QUEUE_DRIVER_HIGH:
        return vq ? (uint32_t)(vq->avail >> 32) : 0;
    case REG_QUEUE_DEVICE_LOW:
        return vq ? (uint32_t)vq->used : 0;
    case REG_QUEUE_DEVICE_HIGH:
        return vq ? (uint32_t)(vq->used >> 32) : 0;
    default:
        log_mask(LOG_GUEST_ERROR, "virtio-mmio: read of write-only or unknown register 0x%"
                 HWADDR_PRIx "\n", addr);
        return 0;
    }
}

static void virtio_mmio_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    VirtioMmioState *s = opaque;
    VirtIODevice *vdev = virtio_bus_get_device(s->bus);
    uint32_t v = (uint32_t)value;
    if (!vdev) {
        log_mask(LOG_GUEST_ERROR, "virtio-mmio: write to 0x%" HWADDR_PRIx " of an empty slot\n",
                 addr);
        return;
    }
    if (addr >= REG_CONFIG) {
        virtio_config_write(vdev, (uint32_t)(addr - REG_CONFIG), v, size);
        return;
    }
    if (size != 4) {
        log_mask(LOG_GUEST_ERROR, "virtio-mmio: %u-byte write of register 0x%" HWADDR_PRIx "\n",
                 size, addr);
        return;
    }
    VirtQueue *vq = virtio_get_queue(vdev, s->queue_sel);
    switch (addr) {
    case REG_DEVICE_FEATURES_SEL:
        s->dev_features_sel = v;
        return;
    case REG_DRIVER_FEATURES:
        virtio_set_driver_features(vdev, s->drv_features_sel, v);
        return;
    case REG_DRIVER_FEATURES_SEL:
        s->drv_features_sel = v;
        return;
    case REG_QUEUE_SEL:
        s->queue_sel = v;
        return;
    case REG_QUEUE_NOTIFY:
        virtio_queue_notify(vdev, v);
        return;
    case REG_INTERRUPT_ACK:
        virtio_isr_ack(vdev, (uint8_t)v);
        update_irq(s, vdev);
        return;
    case REG_STATUS:
        virtio_set_status(vdev, (uint8_t)v);
        if (!v) {
            s->dev_features_sel = s->drv_features_sel = s->queue_sel = 0;
        }
        update_irq(s, vdev);
        return;
    }
    if (!vq) {
        log_mask(LOG_GUEST_ERROR, "virtio-mmio: queue register 0x%" HWADDR_PRIx
                 " written for queue %u, which does not exist\n", addr, s->queue_sel);
        return;
    }
    switch (addr) {
    case REG_QUEUE_NUM:
        virtio_queue_set_num(vq, (uint16_t)MIN(v, 0xffffu));
        break;
    case REG_QUEUE_READY:
        virtio_queue_set_ready(vq, v & 1);
        break;
    case REG_QUEUE_DESC_LOW:
    case REG_QUEUE_DESC_HIGH:
        set_half(&vq->desc, addr == REG_QUEUE_DESC_HIGH, v);
        break;
    case REG_QUEUE_DRIVER_LOW:
    case REG_QUEUE_DRIVER_HIGH:
        set_half(&vq->avail, addr == REG_QUEUE_DRIVER_HIGH, v);
        break;
    case REG_QUEUE_DEVICE_LOW:
    case REG_QUEUE_DEVICE_HIGH:
        set_half(&vq->used, addr == REG_QUEUE_DEVICE_HIGH, v);
        break;
    default:
        log_mask(LOG_GUEST_ERROR, "virtio-mmio: write to read-only or unknown register 0x%"
                 HWADDR_PRIx "\n", addr);
        break;
    }
}

static const MemoryRegionOps virtio_mmio_ops = {
    .read = virtio_mmio_read,
    .write = virtio_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static void virtio_mmio_fdt_node(DeviceState *dev, FdtBuilder *fdt)
{
    hwaddr base = dev->mmio_addr[0];
    if (base == HWADDR_UNMAPPED) {
        return;
    }
    g_autofree char *path = fdt_builder_device_path(fdt, "virtio_mmio", base);
    uint64_t reg[] = { base, VIRTIO_MMIO_SIZE };
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_string(fdt, path, "compatible", "virtio,mmio");
    fdt_builder_prop_reg(fdt, path, reg, 1);
    fdt_builder_prop_irqs(fdt, path, dev);
}

static void virtio_mmio_init(Object *obj)
{
    VirtioMmioState *s = VIRTIO_MMIO(obj);
    memory_region_init_io(&s->mmio, obj, &virtio_mmio_ops, s, "virtio-mmio", VIRTIO_MMIO_SIZE);
    device_init_mmio(DEVICE(obj), &s->mmio);
    device_init_irq_out(DEVICE(obj), &s->irq);
}

static bool virtio_mmio_realize(DeviceState *dev, GError **errp)
{
    VirtioMmioState *s = VIRTIO_MMIO(dev);
    g_autofree char *name = NULL;
    for (unsigned n = 0;; n++) {
        name = g_strdup_printf("virtio-mmio-bus.%u", n);
        if (!bus_find(name)) {
            break;
        }
        g_free(name);
    }
    s->bus = virtio_bus_new(dev, name, &mmio_bus_ops);
    return true;
}

static void virtio_mmio_reset(DeviceState *dev)
{
    VirtioMmioState *s = VIRTIO_MMIO(dev);
    s->dev_features_sel = s->drv_features_sel = s->queue_sel = 0;
    VirtIODevice *vdev = s->bus ? virtio_bus_get_device(s->bus) : NULL;
    if (vdev) {
        virtio_reset(vdev);
    }
    irq_lower(s->irq);
}

static void virtio_mmio_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = virtio_mmio_realize;
    dc->reset = virtio_mmio_reset;
    dc->fdt_node = virtio_mmio_fdt_node;
}

static const TypeInfo virtio_mmio_info = {
    .name = TYPE_VIRTIO_MMIO,
    .parent = TYPE_DEVICE,
    .category = "bridge",
    .description = "virtio-mmio transport (version 2)",
    .instance_size = sizeof(VirtioMmioState),
    .class_size = sizeof(DeviceClass),
    .instance_init = virtio_mmio_init,
    .class_init = virtio_mmio_class_init,
};

TESSERA_MODULE(.name = "virtio-mmio", .kind = "device", .types = TESSERA_TYPES(&virtio_mmio_info));
