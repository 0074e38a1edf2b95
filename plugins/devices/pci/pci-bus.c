/* SPDX-License-Identifier: MIT */
/*
 * PCI buses ("PCI", and "PCIE" for PCI Express): the root bus of a host
 * bridge, configuration cycles routed by bus number through bridges, INTx
 * swizzling, the per-device DMA view, info qtree lines and the query-pci
 * description (QEMU's PciInfo shape, as a GVariant the monitor turns into
 * JSON).
 */
#include <string.h>

#include "kernel/log.h"
#include "pci/pci.h"
#include "pci/pci_bridge.h"
#include "plugins/devices/pci/pci-internal.h"

G_DEFINE_QUARK(tessera-pci-error, pci_error)

PCIBus *pci_get_bus(const PCIDevice *dev)
{
    BusState *b = DEVICE(dev)->parent_bus;
    return b ? (PCIBus *)object_dynamic_cast(OBJECT(b), TYPE_PCI_BUS) : NULL;
}

PCIBus *pci_bus_root(PCIBus *bus)
{
    while (bus->bridge) {
        bus = pci_get_bus(bus->bridge);
    }
    return bus;
}

int pci_bus_num(PCIBus *bus)
{
    if (!bus->bridge) {
        return bus->root_bus_nr;
    }
    return bus->bridge->config ? pci_get_byte(bus->bridge->config + PCI_SECONDARY_BUS) : 0;
}

int pci_swizzle_map_irq(PCIDevice *dev, int pin)
{
    return (PCI_SLOT(dev->devfn) + pin) % PCI_NUM_PINS;
}

PCIBus *pci_root_bus_new(DeviceState *host, const char *name, MemoryRegion *mem,
                         MemoryRegion *io, MemoryRegion *dma_root, PCISetIrqFn set_irq,
                         PCIMapIrqFn map_irq, void *opaque)
{
    PCIBus *bus = PCI_BUS(bus_new(TYPE_PCIE_BUS, OBJECT(host), name));
    bus->host = host;
    bus->mem = mem;
    bus->io = io;
    bus->dma_root = dma_root;
    bus->set_irq = set_irq;
    bus->map_irq = map_irq ? map_irq : pci_swizzle_map_irq;
    bus->irq_opaque = opaque;
    return bus;
}

void pci_root_bus_set_msi_available(PCIBus *bus, bool available)
{
    bus->msi_available = available;
}

/* The bus numbered @nr at or below @bus, or NULL. */
static PCIBus *find_bus(PCIBus *bus, int nr)
{
    if (pci_bus_num(bus) == nr) {
        return bus;
    }
    for (int devfn = 0; devfn < 256; devfn++) {
        PCIDevice *d = bus->devices[devfn];
        if (!d || !PCI_DEVICE_GET_CLASS(d)->is_bridge || !d->config) {
            continue;
        }
        int sec = pci_get_byte(d->config + PCI_SECONDARY_BUS);
        int sub = pci_get_byte(d->config + PCI_SUBORDINATE_BUS);
        if (sec && nr >= sec && nr <= sub) {
            return find_bus(PCI_BRIDGE(d)->sec_bus, nr);
        }
    }
    return NULL;
}

PCIDevice *pci_find_device(PCIBus *root, int bus_nr, int devfn)
{
    PCIBus *bus = find_bus(root, bus_nr);
    return bus ? bus->devices[devfn & 0xff] : NULL;
}

uint32_t pci_host_config_read(PCIBus *root, int bus_nr, int devfn, uint32_t addr, int len)
{
    PCIDevice *d = pci_find_device(root, bus_nr, devfn);
    uint32_t ones = len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
    if (!d || !d->config || addr + (uint32_t)len > d->config_size) {
        /* A function absent, or beyond a conventional device's 256 bytes. */
        return d && d->config ? 0 : ones;
    }
    /* Functions other than 0 exist only in a multifunction slot. */
    if (PCI_FUNC(devfn)) {
        PCIBus *bus = pci_get_bus(d);
        PCIDevice *f0 = bus->devices[PCI_DEVFN(PCI_SLOT(devfn), 0)];
        if (!f0 || !f0->multifunction) {
            return ones;
        }
    }
    return PCI_DEVICE_GET_CLASS(d)->config_read(d, addr, len);
}

void pci_host_config_write(PCIBus *root, int bus_nr, int devfn, uint32_t addr, uint32_t val,
                           int len)
{
    PCIDevice *d = pci_find_device(root, bus_nr, devfn);
    if (!d || !d->config || addr + (uint32_t)len > d->config_size) {
        return;
    }
    PCI_DEVICE_GET_CLASS(d)->config_write(d, addr, val, len);
}

/* ---- the core's bus hooks ---------------------------------------------------- */

static AddressSpace *pci_bus_dma_as(BusState *bus, DeviceState *dev)
{
    PCIDevice *pd = (PCIDevice *)object_dynamic_cast(OBJECT(dev), TYPE_PCI_DEVICE);
    return pd ? pci_dma_as(pd) : bus->dma_as;
}

/* What a class code is called: for info pci (NULL: "Class %04x") and as a
 * node name in OpenFirmware device paths (the PCI bus binding to IEEE 1275's
 * names, as QEMU uses them; NULL: "pci<vendor>,<device>"). */
typedef struct PCIClassName {
    uint16_t id;
    const char *desc;
    const char *fw_name;
} PCIClassName;

static const PCIClassName *class_name(uint16_t class_id)
{
    static const PCIClassName names[] = {
        { 0x0100, "SCSI controller", "scsi" },
        { 0x0101, NULL, "ide" },
        { 0x0106, "SATA controller", NULL },
        { 0x0180, "Storage controller", NULL },
        { 0x0200, "Ethernet controller", "ethernet" },
        { 0x0300, "VGA controller", "display" },
        { 0x0600, "Host bridge", "host" },
        { 0x0604, "PCI bridge", "pci-bridge" },
        { 0x0780, "Communication controller", NULL },
        { 0x0900, NULL, "keyboard" },
        { 0x0902, NULL, "mouse" },
        { 0x0c03, "USB controller", "usb" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (names[i].id == class_id) {
            return &names[i];
        }
    }
    return NULL;
}

static const char *class_desc(uint16_t class_id)
{
    const PCIClassName *n = class_name(class_id);
    return n ? n->desc : NULL;
}

/* A PCI function's node: its class's name (or "pci<vendor>,<device>") at
 * "<slot>" or "<slot>,<function>" in hex. */
static char *pci_bus_fw_node(BusState *b, DeviceState *d)
{
    PCIDevice *dev = (PCIDevice *)object_dynamic_cast(OBJECT(d), TYPE_PCI_DEVICE);
    if (!dev || !dev->config || dev->devfn < 0) {
        return NULL;
    }
    const PCIClassName *n = class_name(pci_get_word(dev->config + PCI_CLASS_DEVICE));
    g_autofree char *name = n && n->fw_name ? g_strdup(n->fw_name)
        : g_strdup_printf("pci%04x,%04x", pci_get_word(dev->config + PCI_VENDOR_ID),
                          pci_get_word(dev->config + PCI_DEVICE_ID));
    if (PCI_FUNC(dev->devfn)) {
        return g_strdup_printf("%s@%x,%x", name, PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn));
    }
    return g_strdup_printf("%s@%x", name, PCI_SLOT(dev->devfn));
}

static void pci_bus_print_dev(BusState *b, DeviceState *d, GString *out, int indent)
{
    PCIDevice *dev = (PCIDevice *)object_dynamic_cast(OBJECT(d), TYPE_PCI_DEVICE);
    if (!dev || !dev->config) {
        return;
    }
    uint16_t cls = pci_get_word(dev->config + PCI_CLASS_DEVICE);
    const char *desc = class_desc(cls);
    g_autofree char *cname = desc ? g_strdup(desc) : g_strdup_printf("Class %04x", cls);
    g_string_append_printf(out, "%*sclass %s, addr %02x:%02x.%x, pci id %04x:%04x (sub %04x:%04x)\n",
                           indent, "", cname, pci_bus_num(PCI_BUS(b)), PCI_SLOT(dev->devfn),
                           PCI_FUNC(dev->devfn), pci_get_word(dev->config + PCI_VENDOR_ID),
                           pci_get_word(dev->config + PCI_DEVICE_ID),
                           pci_get_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID),
                           pci_get_word(dev->config + PCI_SUBSYSTEM_ID));
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        PCIIORegion *r = &dev->io_regions[n];
        if (!r->size) {
            continue;
        }
        g_string_append_printf(out, "%*sbar %d: %s at 0x%" PRIx64 " [0x%" PRIx64 "]\n", indent,
                               "", n, (r->type & PCI_BASE_ADDRESS_SPACE_IO) ? "i/o" : "mem",
                               r->addr, r->addr + r->size - 1);
    }
}

/* ---- query-pci --------------------------------------------------------------- */

static void dict_int(GVariantBuilder *b, const char *key, int64_t v)
{
    g_variant_builder_add(b, "{sv}", key, g_variant_new_int64(v));
}

static GVariant *range(uint64_t base, uint64_t limit)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    dict_int(&b, "base", (int64_t)base);
    dict_int(&b, "limit", (int64_t)limit);
    return g_variant_builder_end(&b);
}

static GVariant *query_bus_devices(PCIBus *bus);

static GVariant *query_bridge(PCIDevice *dev)
{
    PCIBridge *br = PCI_BRIDGE(dev);
    const uint8_t *c = dev->config;
    GVariantBuilder bi;
    g_variant_builder_init(&bi, G_VARIANT_TYPE_VARDICT);
    dict_int(&bi, "number", pci_get_byte(c + PCI_PRIMARY_BUS));
    dict_int(&bi, "secondary", pci_get_byte(c + PCI_SECONDARY_BUS));
    dict_int(&bi, "subordinate", pci_get_byte(c + PCI_SUBORDINATE_BUS));
    uint64_t io_base = (uint64_t)(pci_get_byte(c + PCI_IO_BASE) & 0xf0) << 8;
    uint64_t io_limit = ((uint64_t)(pci_get_byte(c + PCI_IO_LIMIT) & 0xf0) << 8) | 0xfff;
    uint64_t m_base = (uint64_t)(pci_get_word(c + PCI_MEMORY_BASE) & 0xfff0) << 16;
    uint64_t m_limit = ((uint64_t)(pci_get_word(c + PCI_MEMORY_LIMIT) & 0xfff0) << 16) | 0xfffff;
    uint64_t p_base = ((uint64_t)(pci_get_word(c + PCI_PREF_MEMORY_BASE) & 0xfff0) << 16) |
                      (uint64_t)pci_get_long(c + PCI_PREF_BASE_UPPER32) << 32;
    uint64_t p_limit = ((uint64_t)(pci_get_word(c + PCI_PREF_MEMORY_LIMIT) & 0xfff0) << 16) |
                       0xfffff | (uint64_t)pci_get_long(c + PCI_PREF_LIMIT_UPPER32) << 32;
    g_variant_builder_add(&bi, "{sv}", "io_range", range(io_base, io_limit));
    g_variant_builder_add(&bi, "{sv}", "memory_range", range(m_base, m_limit));
    g_variant_builder_add(&bi, "{sv}", "prefetchable_range", range(p_base, p_limit));
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "bus", g_variant_builder_end(&bi));
    if (br->sec_bus) {
        g_variant_builder_add(&b, "{sv}", "devices", query_bus_devices(br->sec_bus));
    }
    return g_variant_builder_end(&b);
}

static GVariant *query_device(PCIBus *bus, PCIDevice *dev)
{
    const uint8_t *c = dev->config;
    GVariantBuilder b, sub;
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    dict_int(&b, "bus", pci_bus_num(bus));
    dict_int(&b, "slot", PCI_SLOT(dev->devfn));
    dict_int(&b, "function", PCI_FUNC(dev->devfn));
    uint16_t cls = pci_get_word(c + PCI_CLASS_DEVICE);
    g_variant_builder_init(&sub, G_VARIANT_TYPE_VARDICT);
    if (class_desc(cls)) {
        g_variant_builder_add(&sub, "{sv}", "desc", g_variant_new_string(class_desc(cls)));
    }
    dict_int(&sub, "class", cls);
    g_variant_builder_add(&b, "{sv}", "class_info", g_variant_builder_end(&sub));
    g_variant_builder_init(&sub, G_VARIANT_TYPE_VARDICT);
    dict_int(&sub, "device", pci_get_word(c + PCI_DEVICE_ID));
    dict_int(&sub, "vendor", pci_get_word(c + PCI_VENDOR_ID));
    if (!PCI_DEVICE_GET_CLASS(dev)->is_bridge) {
        dict_int(&sub, "subsystem", pci_get_word(c + PCI_SUBSYSTEM_ID));
        dict_int(&sub, "subsystem-vendor", pci_get_word(c + PCI_SUBSYSTEM_VENDOR_ID));
    }
    g_variant_builder_add(&b, "{sv}", "id", g_variant_builder_end(&sub));
    uint8_t pin = pci_get_byte(c + PCI_INTERRUPT_PIN);
    if (pin) {
        dict_int(&b, "irq", pci_get_byte(c + PCI_INTERRUPT_LINE));
    }
    dict_int(&b, "irq_pin", pin);
    g_variant_builder_add(&b, "{sv}", "qdev_id",
                          g_variant_new_string(DEVICE(dev)->id ? DEVICE(dev)->id : ""));
    if (PCI_DEVICE_GET_CLASS(dev)->is_bridge) {
        g_variant_builder_add(&b, "{sv}", "pci_bridge", query_bridge(dev));
    }
    GVariantBuilder regions;
    g_variant_builder_init(&regions, G_VARIANT_TYPE("av"));
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        PCIIORegion *r = &dev->io_regions[n];
        if (!r->size) {
            continue;
        }
        g_variant_builder_init(&sub, G_VARIANT_TYPE_VARDICT);
        dict_int(&sub, "bar", n);
        bool io = r->type & PCI_BASE_ADDRESS_SPACE_IO;
        g_variant_builder_add(&sub, "{sv}", "type", g_variant_new_string(io ? "io" : "memory"));
        dict_int(&sub, "address", (int64_t)r->addr);
        dict_int(&sub, "size", (int64_t)r->size);
        if (!io) {
            g_variant_builder_add(&sub, "{sv}", "prefetch",
                                  g_variant_new_boolean(r->type & PCI_BASE_ADDRESS_MEM_PREFETCH));
            g_variant_builder_add(&sub, "{sv}", "mem_type_64",
                                  g_variant_new_boolean(r->type & PCI_BASE_ADDRESS_MEM_TYPE_64));
        }
        g_variant_builder_add(&regions, "v", g_variant_builder_end(&sub));
    }
    g_variant_builder_add(&b, "{sv}", "regions", g_variant_builder_end(&regions));
    return g_variant_builder_end(&b);
}

static GVariant *query_bus_devices(PCIBus *bus)
{
    GVariantBuilder devs;
    g_variant_builder_init(&devs, G_VARIANT_TYPE("av"));
    for (int devfn = 0; devfn < 256; devfn++) {
        PCIDevice *d = bus->devices[devfn];
        if (d && d->config) {
            g_variant_builder_add(&devs, "v", query_device(bus, d));
        }
    }
    return g_variant_builder_end(&devs);
}

static GVariant *pci_bus_query(BusState *b)
{
    PCIBus *bus = PCI_BUS(b);
    if (bus->bridge) {
        return NULL; /* described inside its root's entry */
    }
    GVariantBuilder info;
    g_variant_builder_init(&info, G_VARIANT_TYPE_VARDICT);
    dict_int(&info, "bus", pci_bus_num(bus));
    g_variant_builder_add(&info, "{sv}", "devices", query_bus_devices(bus));
    return g_variant_builder_end(&info);
}

static void pci_bus_class_init(ObjectClass *klass, const void *data)
{
    BusClass *bc = BUS_CLASS(klass);
    bc->name_prefix = "pci";
    bc->dma_as = pci_bus_dma_as;
    bc->print_dev = pci_bus_print_dev;
    bc->query = pci_bus_query;
    bc->fw_node = pci_bus_fw_node;
}

static void pcie_bus_class_init(ObjectClass *klass, const void *data)
{
    BUS_CLASS(klass)->name_prefix = "pcie";
}

const TypeInfo pci_bus_types[2] = {
    {
        .name = TYPE_PCI_BUS,
        .parent = TYPE_BUS,
        .description = "PCI bus",
        .instance_size = sizeof(PCIBus),
        .class_size = sizeof(BusClass),
        .class_init = pci_bus_class_init,
    },
    {
        .name = TYPE_PCIE_BUS,
        .parent = TYPE_PCI_BUS,
        .description = "PCI Express bus",
        .instance_size = sizeof(PCIBus),
        .class_size = sizeof(BusClass),
        .class_init = pcie_bus_class_init,
    },
};
