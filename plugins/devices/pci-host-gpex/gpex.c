/* SPDX-License-Identifier: MIT */
/*
 * gpex-pcihost: a generic PCI Express host bridge with ECAM configuration
 * space (PCI Express Base 4.0 section 7.2.2), as Linux's
 * "pci-host-ecam-generic" driver expects, and its root device gpex-root
 * (00:00.0, Red Hat 1b36:0008, class host bridge).
 *
 * MMIO regions (mapped by the board):
 *   0  ECAM: bus << 20 | devfn << 12 | register, "ecam-size" bytes
 *   1  the 32-bit memory window: PCI memory [mmio32-base, +mmio32-size)
 *   2  the 64-bit memory window: PCI memory [mmio64-base, +mmio64-size)
 *   3  the I/O window: PCI I/O [0, pio-size)
 * PCI memory addresses equal CPU addresses (windows mapped at their base).
 * IRQ outputs 0..3: INTA..INTD after the root bus's swizzle.
 * Properties: ecam-size, mmio32-base/-size, mmio64-base/-size, pio-base,
 * pio-size, msi (the board delivers MSI writes: devices may offer MSI/MSI-X).
 * The device-tree node (fdt_node) describes windows, bus range and the
 * interrupt-map for slots 0..3 from the routes the board recorded for the
 * four outputs: each entry is the child address and pin, the controller's
 * phandle, the controller's unit address (its #address-cells zeros: none
 * for a PLIC, two for a GIC; the controller's node must be in the tree
 * already) and the specifier the route recorded (PLIC: 1 cell, GIC: 3).
 * Property "msi-parent" (a phandle label, "" none) adds msi-parent, or with
 * msi-map=on (a controller that tells devices apart by requester ID, such
 * as a GICv3 ITS with #msi-cells = 1) msi-map = <0 &parent 0 0x10000>.
 */
#include <libfdt.h>

#include "kernel/fdt.h"
#include "kernel/log.h"
#include "kernel/module.h"
#include "pci/pci.h"

#define TYPE_GPEX_HOST "gpex-pcihost"
#define TYPE_GPEX_ROOT "gpex-root"
#define GPEX_NUM_IRQS 4
#define MiB (1024ULL * 1024)

typedef struct GpexHostState {
    DeviceState parent_obj;
    MemoryRegion ecam;
    MemoryRegion pci_mem;      /* PCI memory space */
    MemoryRegion pci_io;       /* PCI I/O space */
    MemoryRegion win32, win64, winio;
    PCIBus *bus;
    IRQLine *irq[GPEX_NUM_IRQS];
    uint64_t ecam_size;
    uint64_t mmio32_base, mmio32_size, mmio64_base, mmio64_size, pio_base, pio_size;
    bool msi;
    char *msi_parent;
    bool msi_map;
} GpexHostState;

OBJECT_DECLARE_SIMPLE_TYPE(GpexHostState, GPEX_HOST, TYPE_GPEX_HOST)

static uint64_t ecam_read(void *opaque, hwaddr addr, unsigned size)
{
    GpexHostState *s = opaque;
    return pci_host_config_read(s->bus, (int)(addr >> 20) & 0xff, (int)(addr >> 12) & 0xff,
                                addr & 0xfff, (int)size);
}

static void ecam_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    GpexHostState *s = opaque;
    pci_host_config_write(s->bus, (int)(addr >> 20) & 0xff, (int)(addr >> 12) & 0xff,
                          addr & 0xfff, (uint32_t)value, (int)size);
}

static const MemoryRegionOps ecam_ops = {
    .read = ecam_read,
    .write = ecam_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static void gpex_set_irq(void *opaque, int irq, int level)
{
    GpexHostState *s = opaque;
    irq_set(s->irq[irq], level);
}

static void gpex_host_init(Object *obj)
{
    GpexHostState *s = GPEX_HOST(obj);
    for (int i = 0; i < GPEX_NUM_IRQS; i++) {
        device_init_irq_out(DEVICE(obj), &s->irq[i]);
    }
}

static bool gpex_host_realize(DeviceState *dev, GError **errp)
{
    GpexHostState *s = GPEX_HOST(dev);
    Object *o = OBJECT(dev);
    if (s->ecam_size < MiB || s->ecam_size > 256 * MiB || (s->ecam_size & (MiB - 1))) {
        g_set_error(errp, PCI_ERROR, PCI_ERROR_INVALID,
                    "gpex-pcihost: ecam-size must be 1..256 MiB in whole MiB (one per bus)");
        return false;
    }
    AddressSpace *as = device_dma_address_space(dev);
    memory_region_init_io(&s->ecam, o, &ecam_ops, s, "pcie-mmcfg-mmio", s->ecam_size);
    memory_region_init(&s->pci_mem, o, "pci-memory", UINT64_MAX);
    memory_region_init(&s->pci_io, o, "pci-io", 0x10000);
    memory_region_init_alias(&s->win32, o, "pcie-mmio", &s->pci_mem, s->mmio32_base,
                             s->mmio32_size);
    memory_region_init_alias(&s->win64, o, "pcie-mmio-high", &s->pci_mem, s->mmio64_base,
                             s->mmio64_size);
    memory_region_init_alias(&s->winio, o, "pcie-pio", &s->pci_io, 0, s->pio_size);
    device_init_mmio(dev, &s->ecam);
    device_init_mmio(dev, &s->win32);
    device_init_mmio(dev, &s->win64);
    device_init_mmio(dev, &s->winio);
    s->bus = pci_root_bus_new(dev, "pcie.0", &s->pci_mem, &s->pci_io, as ? as->root : NULL,
                              gpex_set_irq, pci_swizzle_map_irq, s);
    pci_root_bus_set_msi_available(s->bus, s->msi);
    Object *root = object_new(TYPE_GPEX_ROOT);
    object_property_add_child(o, "gpex-root", root, NULL);
    object_unref(root);
    return object_property_parse(root, "addr", "0", errp) &&
           bus_plug(BUS(s->bus), DEVICE(root), errp) && device_realize(DEVICE(root), errp);
}

/* Cells of the window in "ranges": flags, PCI address, CPU address, size. */
static void push_range(GArray *cells, uint32_t flags, uint64_t pci, uint64_t cpu, uint64_t size)
{
    uint32_t v[7] = { flags, (uint32_t)(pci >> 32), (uint32_t)pci, (uint32_t)(cpu >> 32),
                      (uint32_t)cpu, (uint32_t)(size >> 32), (uint32_t)size };
    g_array_append_vals(cells, v, 7);
}

static void gpex_fdt_node(DeviceState *dev, FdtBuilder *fdt)
{
    GpexHostState *s = GPEX_HOST(dev);
    hwaddr base = dev->mmio_addr[0];
    if (base == HWADDR_UNMAPPED) {
        return;
    }
    g_autofree char *path = fdt_builder_device_path(fdt, "pci", base);
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_string(fdt, path, "compatible", "pci-host-ecam-generic");
    fdt_builder_prop_string(fdt, path, "device_type", "pci");
    fdt_builder_prop_u32(fdt, path, "#address-cells", 3);
    fdt_builder_prop_u32(fdt, path, "#size-cells", 2);
    fdt_builder_prop_u32(fdt, path, "#interrupt-cells", 1);
    fdt_builder_prop_u32(fdt, path, "linux,pci-domain", 0);
    uint32_t busrange[2] = { 0, (uint32_t)(s->ecam_size / MiB) - 1 };
    fdt_builder_prop_cells(fdt, path, "bus-range", busrange, 2);
    fdt_builder_prop_empty(fdt, path, "dma-coherent");
    uint64_t reg[] = { base, s->ecam_size };
    fdt_builder_prop_reg(fdt, path, reg, 1);
    GArray *ranges = g_array_new(false, false, sizeof(uint32_t));
    if (dev->mmio_addr[3] != HWADDR_UNMAPPED) {
        push_range(ranges, 0x01000000, 0, dev->mmio_addr[3], s->pio_size);
    }
    if (dev->mmio_addr[1] != HWADDR_UNMAPPED) {
        push_range(ranges, 0x02000000, s->mmio32_base, dev->mmio_addr[1], s->mmio32_size);
    }
    if (dev->mmio_addr[2] != HWADDR_UNMAPPED) {
        push_range(ranges, 0x03000000, s->mmio64_base, dev->mmio_addr[2], s->mmio64_size);
    }
    fdt_builder_prop_cells(fdt, path, "ranges", (const uint32_t *)ranges->data, ranges->len);
    g_array_free(ranges, true);
    /* Slot s, pin p (1..4) reaches output (s + p - 1) % 4 (pci_swizzle_map_irq). */
    /* Each output's specifier at its controller (PLIC: 1 cell; a GIC: 3). */
    const char *label;
    uint32_t irq[GPEX_NUM_IRQS][FDT_MAX_IRQ_CELLS];
    unsigned ncells[GPEX_NUM_IRQS];
    bool routed = true;
    for (int i = 0; i < GPEX_NUM_IRQS; i++) {
        routed &= fdt_builder_get_irq(fdt, dev, i, &label, irq[i], &ncells[i]);
    }
    if (!routed) {
        return;
    }
    uint32_t phandle = fdt_builder_phandle(fdt, label);
    /* The controller's #address-cells (0 when it has none). */
    unsigned parent_addr = 0;
    const void *blob = fdt_builder_blob(fdt, NULL);
    int node = blob ? fdt_node_offset_by_phandle(blob, phandle) : -1;
    const fdt32_t *ac = node >= 0 ? fdt_getprop(blob, node, "#address-cells", NULL) : NULL;
    if (ac) {
        parent_addr = MIN(fdt32_to_cpu(*ac), 3u);
    }
    uint32_t map[4 * GPEX_NUM_IRQS * (5 + 3 + FDT_MAX_IRQ_CELLS)];
    unsigned n = 0;
    for (uint32_t slot = 0; slot < 4; slot++) {
        for (uint32_t pin = 1; pin <= 4; pin++) {
            unsigned out = (slot + pin - 1) % 4;
            uint32_t head[5] = { slot << 11, 0, 0, pin, phandle };
            memcpy(&map[n], head, sizeof(head));
            n += 5;
            memset(&map[n], 0, parent_addr * sizeof(uint32_t));
            n += parent_addr;
            memcpy(&map[n], irq[out], ncells[out] * sizeof(uint32_t));
            n += ncells[out];
        }
    }
    fdt_builder_prop_cells(fdt, path, "interrupt-map", map, n);
    uint32_t mask[4] = { 3 << 11, 0, 0, 7 };
    fdt_builder_prop_cells(fdt, path, "interrupt-map-mask", mask, 4);
    if (s->msi_parent && s->msi_parent[0] && s->msi_map) {
        uint32_t msi_map[] = { 0, fdt_builder_phandle(fdt, s->msi_parent), 0, 0x10000 };
        fdt_builder_prop_cells(fdt, path, "msi-map", msi_map, 4);
    } else if (s->msi_parent && s->msi_parent[0]) {
        fdt_builder_prop_u32(fdt, path, "msi-parent", fdt_builder_phandle(fdt, s->msi_parent));
    }
}

static const PropertyInfo gpex_props[] = {
    PROP_SIZE("ecam-size", GpexHostState, ecam_size, 256 * MiB,
              "ECAM window size (1 MiB per bus)"),
    PROP_UINT64("mmio32-base", GpexHostState, mmio32_base, 0x40000000,
                "PCI (and CPU) address of the 32-bit memory window"),
    PROP_SIZE("mmio32-size", GpexHostState, mmio32_size, 0x40000000,
              "size of the 32-bit memory window"),
    PROP_UINT64("mmio64-base", GpexHostState, mmio64_base, 0x400000000ULL,
                "PCI (and CPU) address of the 64-bit memory window"),
    PROP_SIZE("mmio64-size", GpexHostState, mmio64_size, 0x400000000ULL,
              "size of the 64-bit memory window"),
    PROP_SIZE("pio-size", GpexHostState, pio_size, 0x10000, "size of the I/O window"),
    PROP_BOOL("msi", GpexHostState, msi, false,
              "the platform delivers MSI writes (devices may offer MSI and MSI-X)"),
    PROP_BOOL("msi-map", GpexHostState, msi_map, false,
              "describe the MSI controller with msi-map (requester ID = MSI specifier)"),
    PROP_STRING("msi-parent", GpexHostState, msi_parent, NULL,
                "device-tree label of the MSI controller (msi-parent), empty for none"),
    PROP_END
};

/* The root of the PCI devices' OpenFirmware paths (fw_cfg bootorder).  The
 * node is "pci"; firmware ignores its unit address (EDK2 reads only an
 * extra root bus's serial after a comma).  QEMU maps gpex's windows through
 * aliases, so the first region of its system-bus device stays unmapped and
 * the unit address it writes is all ones: the same here, so a bootorder
 * file is QEMU's byte for byte. */
static char *gpex_fw_node(DeviceState *dev)
{
    return g_strdup_printf("pci@%016" PRIx64, (uint64_t)HWADDR_UNMAPPED);
}

static void gpex_host_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = gpex_host_realize;
    dc->fdt_node = gpex_fdt_node;
    dc->fw_node = gpex_fw_node;
    object_class_add_field_properties(klass, gpex_props);
}

static void gpex_root_class_init(ObjectClass *klass, const void *data)
{
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->hotpluggable = false;
    pc->vendor_id = PCI_VENDOR_ID_REDHAT;
    pc->device_id = PCI_DEVICE_ID_REDHAT_PCIE_HOST;
    pc->subsystem_vendor_id = PCI_VENDOR_ID_REDHAT_QUMRANET;
    pc->subsystem_id = 0x1100;
    pc->class_id = PCI_CLASS_BRIDGE_HOST;
}

static const TypeInfo gpex_types[] = {
    {
        .name = TYPE_GPEX_HOST,
        .parent = TYPE_DEVICE,
        .category = "bridge",
        .description = "Generic PCI Express host bridge (ECAM)",
        .instance_size = sizeof(GpexHostState),
        .class_size = sizeof(DeviceClass),
        .instance_init = gpex_host_init,
        .class_init = gpex_host_class_init,
    },
    {
        .name = TYPE_GPEX_ROOT,
        .parent = TYPE_PCI_DEVICE,
        .category = "bridge",
        .description = "Host bridge function of gpex-pcihost",
        .instance_size = sizeof(PCIDevice),
        .class_size = sizeof(PCIDeviceClass),
        .class_init = gpex_root_class_init,
    },
};

TESSERA_MODULE(.name = "pci-host-gpex", .kind = "device", .types = TESSERA_TYPES(&gpex_types[0], &gpex_types[1]));
