/* SPDX-License-Identifier: MIT */
/*
 * virtio-pci (library module "virtio-pci"): the modern PCI transport
 * (VIRTIO 1.1 section 4.1), and the helper device modules use to give each
 * virtio device its "-pci" twin.
 *
 * virtio-X-pci is a PCI device (vendor 1af4, device 0x1040 + the virtio
 * device id, revision 1, subsystem 1af4:1100) that owns a virtio bus with
 * one virtio-X-device on it, created at instance init as its child
 * "virtio-backend".  Every property of the inner device is a property of
 * the proxy too (forwarded), so "-device virtio-rng-pci,rng=r0" and
 * "-device virtio-rng-pci,help" work as in QEMU.
 *
 * BAR 4 (16 KiB, 64-bit prefetchable memory) holds the common (0x0000),
 * ISR (0x1000), device (0x2000) and notify (0x3000, 4 bytes per queue)
 * structures, each announced by a vendor capability.  With MSIs on the
 * platform, BAR 1 holds an MSI-X table of one vector per queue plus one for
 * config changes; otherwise interrupts use INTA, cleared by reading ISR.
 */
#ifndef TESSERA_VIRTIO_VIRTIO_PCI_H
#define TESSERA_VIRTIO_VIRTIO_PCI_H

#include "pci/pci.h"
#include "virtio/virtio.h"

#define TYPE_VIRTIO_PCI "virtio-pci"

typedef struct VirtIOPCIProxy {
    PCIDevice parent_obj;
    VirtioBusState *bus;
    MemoryRegion modern_bar;
    MemoryRegion common, isr, device, notify;
    bool regions_ready;
    uint32_t dfselect, gfselect;
    uint16_t queue_sel;
    unsigned nvectors;         /* MSI-X vectors, 0 without MSI-X */
} VirtIOPCIProxy;

/* What a device module says about its -pci twin (the class data). */
typedef struct VirtioPCIDeviceTypeInfo {
    const char *device_type;   /* "virtio-rng-device", listed before the twin */
    uint16_t class_id;         /* PCI class, e.g. 0x00ff */
} VirtioPCIDeviceTypeInfo;

typedef struct VirtIOPCIProxyClass {
    PCIDeviceClass parent_class;
    const VirtioPCIDeviceTypeInfo *info;
} VirtIOPCIProxyClass;

OBJECT_DECLARE_TYPE(VirtIOPCIProxy, VirtIOPCIProxyClass, VIRTIO_PCI, TYPE_VIRTIO_PCI)

void virtio_pci_proxy_instance_init(Object *obj);
void virtio_pci_proxy_class_init(ObjectClass *klass, const void *data);

/*
 * The fields of a -pci twin's TypeInfo besides what users see:
 *   static const VirtioPCIDeviceTypeInfo rng_pci = { .device_type = TYPE_VIRTIO_RNG,
 *                                                    .class_id = 0x00ff };
 *   static const TypeInfo rng_pci_info = { VIRTIO_PCI_PROXY_FIELDS(&rng_pci),
 *       .name = "virtio-rng-pci", .category = "misc", .description = "...",
 *       .user_creatable = true };
 */
#define VIRTIO_PCI_PROXY_FIELDS(typeinfo)                    \
    .parent = TYPE_VIRTIO_PCI,                               \
    .instance_size = sizeof(VirtIOPCIProxy),                 \
    .class_size = sizeof(VirtIOPCIProxyClass),               \
    .instance_init = virtio_pci_proxy_instance_init,         \
    .class_init = virtio_pci_proxy_class_init,               \
    .class_data = (typeinfo)

#endif
