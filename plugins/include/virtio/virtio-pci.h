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

/* What a device module says about its -pci twin. */
typedef struct VirtioPCIDeviceTypeInfo {
    const char *name;          /* "virtio-rng-pci" */
    const char *device_type;   /* "virtio-rng-device" (registered first) */
    uint16_t class_id;         /* PCI class, e.g. 0x00ff */
    const char *desc;          /* for -device help */
} VirtioPCIDeviceTypeInfo;

typedef struct VirtIOPCIProxyClass {
    PCIDeviceClass parent_class;
    const VirtioPCIDeviceTypeInfo *info;
} VirtIOPCIProxyClass;

OBJECT_DECLARE_TYPE(VirtIOPCIProxy, VirtIOPCIProxyClass, VIRTIO_PCI, TYPE_VIRTIO_PCI)

void virtio_pci_proxy_instance_init(Object *obj);
void virtio_pci_proxy_class_init(ObjectClass *klass, const void *data);

/*
 * The TypeInfo of a virtio device's PCI proxy ("virtio-rng-pci"), declared
 * once like any other type and listed in the device module's descriptor:
 *   static const TypeInfo rng_pci_info = VIRTIO_PCI_PROXY_TYPE(
 *       TYPE_VIRTIO_RNG_PCI, TYPE_VIRTIO_RNG, 0x00ff, "misc", "virtio entropy source (PCI)");
 */
#define VIRTIO_PCI_PROXY_TYPE(type_name, dev_type, pci_class, cat, descr)                  \
    {                                                                                    \
        .name = (type_name), .parent = TYPE_VIRTIO_PCI, .category = (cat),               \
        .description = (descr), .user_creatable = true,                                  \
        .instance_size = sizeof(VirtIOPCIProxy), .class_size = sizeof(VirtIOPCIProxyClass), \
        .instance_init = virtio_pci_proxy_instance_init,                                 \
        .class_init = virtio_pci_proxy_class_init,                                       \
        .class_data = &(const VirtioPCIDeviceTypeInfo){                                  \
            .name = (type_name), .device_type = (dev_type), .class_id = (pci_class),     \
            .desc = (descr) },                                                           \
    }

/*
 * QEMU's "-non-transitional" twin of a proxy type: the same device, modern
 * virtio only -- which every Tessera proxy is.  Management tools (libvirt)
 * read the type's presence to place virtio devices on PCIe root ports.
 */
#define VIRTIO_PCI_NON_TRANSITIONAL_TYPE(type_name, proxy_type, cat, descr)           \
    {                                                                                    \
        .name = (type_name), .parent = (proxy_type), .category = (cat),                  \
        .description = (descr), .user_creatable = true,                                  \
        .instance_size = sizeof(VirtIOPCIProxy), .class_size = sizeof(VirtIOPCIProxyClass), \
    }

#endif
