/* SPDX-License-Identifier: MIT */
/*
 * The PCI device base type ("pci-device"): the common configuration header
 * with write masks, placement on its bus by "addr" (SLOT[.FN]) or the
 * first free slot, "multifunction", BAR sizing and mapping when the guest
 * enables decoding, the bus-master view that gates DMA, INTx, and reset to
 * the header realize left.
 */
#include <string.h>

#include "kernel/log.h"
#include "pci/pci.h"
#include "pci/pci_bridge.h"
#include "plugins/devices/pci/pci-internal.h"

static bool is_bridge(const PCIDevice *dev)
{
    return PCI_DEVICE_GET_CLASS(dev)->is_bridge;
}

/* Configuration offset of BAR @n (6: the expansion ROM). */
static uint32_t bar_offset(const PCIDevice *dev, int n)
{
    if (n == PCI_ROM_SLOT) {
        return is_bridge(dev) ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS;
    }
    return PCI_BASE_ADDRESS_0 + 4 * (uint32_t)n;
}

uint64_t pci_bar_address(PCIDevice *dev, int n)
{
    PCIIORegion *r = &dev->io_regions[n];
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    uint32_t off = bar_offset(dev, n);
    if (!r->size) {
        return PCI_BAR_UNMAPPED;
    }
    if (r->type & PCI_BASE_ADDRESS_SPACE_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
        uint64_t a = pci_get_long(dev->config + off) & ~(uint64_t)3 & ~(r->size - 1);
        return (!a || a + r->size > 0x10000) ? PCI_BAR_UNMAPPED : a;
    }
    if (!(cmd & PCI_COMMAND_MEMORY)) {
        return PCI_BAR_UNMAPPED;
    }
    uint64_t a;
    if (n == PCI_ROM_SLOT) {
        uint32_t v = pci_get_long(dev->config + off);
        if (!(v & 1)) {
            return PCI_BAR_UNMAPPED;
        }
        a = v & ~(uint64_t)0x7ff;
    } else if (r->type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
        a = pci_get_quad(dev->config + off) & ~(uint64_t)0xf;
    } else {
        a = pci_get_long(dev->config + off) & ~(uint64_t)0xf;
    }
    a &= ~(r->size - 1);
    /* Zero, or all ones left by sizing: not a place to decode. */
    if (!a || a + r->size < a || a + r->size == 0 ||
        (!(r->type & PCI_BASE_ADDRESS_MEM_TYPE_64) && a + r->size > (1ULL << 32)) ||
        (n == PCI_ROM_SLOT && a + r->size > (1ULL << 32))) {
        return PCI_BAR_UNMAPPED;
    }
    return a;
}

static void update_mappings(PCIDevice *dev)
{
    PCIBus *bus = pci_get_bus(dev);
    if (!bus) {
        return;
    }
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        PCIIORegion *r = &dev->io_regions[n];
        if (!r->size) {
            continue;
        }
        uint64_t a = pci_bar_address(dev, n);
        if (a == r->addr) {
            continue;
        }
        MemoryRegion *space = (r->type & PCI_BASE_ADDRESS_SPACE_IO) ? bus->io : bus->mem;
        if (r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(space, r->mr);
        }
        r->addr = a;
        if (a != PCI_BAR_UNMAPPED) {
            memory_region_add_subregion_overlap(space, a, r->mr, 1);
        }
    }
}

static void update_bus_master(PCIDevice *dev)
{
    if (dev->bm_ready) {
        bool on = pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_MASTER;
        if (dev->bm_alias.enabled != on) {
            memory_region_set_enabled(&dev->bm_alias, on);
        }
    }
}

/* Carry a change of @dev's INTx pin (0..3) up to the host. */
static void intx_propagate(PCIDevice *dev, int pin, int change)
{
    PCIBus *bus = pci_get_bus(dev);
    while (bus) {
        int irq = bus->map_irq(dev, pin);
        g_assert(irq >= 0 && irq < PCI_NUM_PINS);
        bus->irq_count[irq] += change;
        if (!bus->bridge) {
            if (bus->set_irq) {
                bus->set_irq(bus->irq_opaque, irq, bus->irq_count[irq] != 0);
            }
            return;
        }
        dev = bus->bridge;
        pin = irq;
        bus = pci_get_bus(dev);
    }
}

static void intx_update(PCIDevice *dev)
{
    uint8_t pin = pci_get_byte(dev->config + PCI_INTERRUPT_PIN);
    bool want = dev->irq_level && pin >= 1 && pin <= 4 &&
                !(pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
    if (want == dev->intx_asserted || !pci_get_bus(dev)) {
        return;
    }
    dev->intx_asserted = want;
    intx_propagate(dev, pin - 1, want ? 1 : -1);
}

void pci_set_irq(PCIDevice *dev, int level)
{
    dev->irq_level = level != 0;
    uint16_t st = pci_get_word(dev->config + PCI_STATUS);
    st = dev->irq_level ? (st | PCI_STATUS_INTERRUPT) : (st & ~PCI_STATUS_INTERRUPT);
    pci_set_word(dev->config + PCI_STATUS, st);
    intx_update(dev);
}

uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr, int len)
{
    uint32_t v = 0;
    for (int i = 0; i < len; i++) {
        v |= (uint32_t)dev->config[addr + i] << (8 * i);
    }
    return v;
}

static bool ranges_overlap(uint32_t a, int alen, uint32_t b, int blen)
{
    return a < b + (uint32_t)blen && b < a + (uint32_t)alen;
}

void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, int len)
{
    for (int i = 0; i < len; i++) {
        uint32_t a = addr + (uint32_t)i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        uint8_t wm = dev->wmask[a], w1c = dev->w1cmask[a];
        dev->config[a] = (uint8_t)((dev->config[a] & ~wm) | (b & wm));
        dev->config[a] &= (uint8_t)~(b & w1c);
    }
    int nbars = is_bridge(dev) ? 2 : 6;
    if (ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, 4 * nbars) ||
        ranges_overlap(addr, len, bar_offset(dev, PCI_ROM_SLOT), 4) ||
        ranges_overlap(addr, len, PCI_COMMAND, 2)) {
        update_mappings(dev);
    }
    if (ranges_overlap(addr, len, PCI_COMMAND, 2)) {
        update_bus_master(dev);
        intx_update(dev);
    }
    if (dev->msi_cap && ranges_overlap(addr, len, dev->msi_cap, PCI_MSI_CAP_SIZE)) {
        msi_write_config(dev);
    }
    if (dev->msix_cap && ranges_overlap(addr, len, dev->msix_cap, PCI_MSIX_SIZEOF)) {
        msix_write_config(dev);
    }
}

void pci_register_bar(PCIDevice *dev, int n, uint8_t type, MemoryRegion *mr)
{
    g_assert(n >= 0 && n < PCI_NUM_REGIONS);
    uint64_t size = memory_region_size(mr);
    g_assert(size && !(size & (size - 1)));
    PCIIORegion *r = &dev->io_regions[n];
    g_assert(!r->size);
    *r = (PCIIORegion){ .size = size, .type = type, .mr = mr, .addr = PCI_BAR_UNMAPPED };
    uint32_t off = bar_offset(dev, n);
    uint64_t wmask = ~(size - 1);
    if (n == PCI_ROM_SLOT) {
        pci_set_long(dev->config + off, 0);
        pci_set_long(dev->wmask + off, (uint32_t)wmask | 1);
        return;
    }
    pci_set_long(dev->config + off, type);
    if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        pci_set_long(dev->wmask + off, (uint32_t)wmask & ~3u);
    } else if (type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
        g_assert(n < 5);
        pci_set_quad(dev->wmask + off, wmask & ~(uint64_t)0xf);
    } else {
        pci_set_long(dev->wmask + off, (uint32_t)wmask & ~0xfu);
    }
}

AddressSpace *pci_dma_as(PCIDevice *dev)
{
    return dev->bm_ready ? &dev->bm_as : NULL;
}

bool pci_msi_available(PCIDevice *dev)
{
    PCIBus *bus = pci_get_bus(dev);
    return bus && pci_bus_root(bus)->msi_available;
}

char *pci_dev_location(PCIDevice *dev)
{
    PCIBus *bus = pci_get_bus(dev);
    return g_strdup_printf("%02x:%02x.%x", bus ? pci_bus_num(bus) : 0, PCI_SLOT(dev->devfn),
                           PCI_FUNC(dev->devfn));
}

/* ---- "addr" property --------------------------------------------------------- */

static GVariant *addr_get(Object *obj, Property *prop)
{
    PCIDevice *dev = PCI_DEVICE(obj);
    if (dev->devfn < 0) {
        return g_variant_new_string("");
    }
    g_autofree char *s = g_strdup_printf("%02x.%x", PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn));
    return g_variant_new_string(s);
}

static bool addr_set(Object *obj, Property *prop, GVariant *value, GError **errp)
{
    PCIDevice *dev = PCI_DEVICE(obj);
    const char *s = g_variant_get_string(value, NULL);
    if (DEVICE(obj)->realized) {
        g_set_error(errp, PCI_ERROR, PCI_ERROR_INVALID, "addr cannot change once realized");
        return false;
    }
    if (!*s) {
        dev->devfn = PCI_DEVFN_AUTO;
        return true;
    }
    char *end;
    unsigned long slot = strtoul(s, &end, 16), fn = 0;
    if (end == s) {
        goto bad;
    }
    if (*end == '.') {
        const char *f = end + 1;
        fn = strtoul(f, &end, 16);
        if (end == f) {
            goto bad;
        }
    }
    if (*end || slot > 31 || fn > 7) {
        goto bad;
    }
    dev->devfn = PCI_DEVFN(slot, fn);
    return true;
bad:
    g_set_error(errp, PCI_ERROR, PCI_ERROR_INVALID,
                "Property 'addr' doesn't take value '%s' (want SLOT[.FN], slot 0..1f, "
                "function 0..7)", s);
    return false;
}

/* ---- placement and lifecycle ------------------------------------------------------ */

static char *dev_name(DeviceState *d)
{
    return d->id ? g_strdup_printf("'%s' (%s)", d->id, object_get_typename(OBJECT(d)))
                 : g_strdup_printf("'%s'", object_get_typename(OBJECT(d)));
}

static bool place(PCIDevice *dev, PCIBus *bus, GError **errp)
{
    g_autofree char *who = dev_name(DEVICE(dev));
    const char *bname = BUS(bus)->name;
    unsigned max_slot = bus->bridge && PCI_DEVICE_GET_CLASS(bus->bridge)->is_express ? 0 : 31;
    if (dev->devfn == PCI_DEVFN_AUTO) {
        for (unsigned slot = 0; slot <= max_slot; slot++) {
            bool free = true;
            for (int fn = 0; fn < 8; fn++) {
                free &= !bus->devices[PCI_DEVFN(slot, fn)];
            }
            if (free) {
                dev->devfn = PCI_DEVFN(slot, 0);
                break;
            }
        }
        if (dev->devfn == PCI_DEVFN_AUTO) {
            g_set_error(errp, PCI_ERROR, PCI_ERROR_INVALID, "no free slot on bus '%s' for %s",
                        bname, who);
            return false;
        }
    }
    int slot = PCI_SLOT(dev->devfn), fn = PCI_FUNC(dev->devfn);
    if ((unsigned)slot > max_slot) {
        g_set_error(errp, PCI_ERROR, PCI_ERROR_INVALID,
                    "slot %x on bus '%s' is not available for %s: a PCIe port has slot 0 only",
                    slot, bname, who);
        return false;
    }
    PCIDevice *other = bus->devices[dev->devfn];
    if (other) {
        g_autofree char *o = dev_name(DEVICE(other));
        g_set_error(errp, PCI_ERROR, PCI_ERROR_INVALID,
                    "PCI: slot %x function %d on bus '%s' not available for %s, in use by %s",
                    slot, fn, bname, who, o);
        return false;
    }
    PCIDevice *f0 = bus->devices[PCI_DEVFN(slot, 0)];
    if (fn && f0 && !f0->multifunction) {
        g_autofree char *o = dev_name(DEVICE(f0));
        g_set_error(errp, PCI_ERROR, PCI_ERROR_INVALID,
                    "PCI: slot %x function 0 (%s) on bus '%s' is not multifunction; %s cannot "
                    "be function %d (set multifunction=on on function 0)", slot, o, bname, who,
                    fn);
        return false;
    }
    if (!fn && !dev->multifunction) {
        for (int f = 1; f < 8; f++) {
            if (bus->devices[PCI_DEVFN(slot, f)]) {
                g_set_error(errp, PCI_ERROR, PCI_ERROR_INVALID,
                            "PCI: slot %x on bus '%s' has function %d, so function 0 (%s) "
                            "needs multifunction=on", slot, bname, f, who);
                return false;
            }
        }
    }
    bus->devices[dev->devfn] = dev;
    return true;
}

static void init_header(PCIDevice *dev)
{
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);
    uint8_t *c = dev->config, *w = dev->wmask;
    pci_set_word(c + PCI_VENDOR_ID, pc->vendor_id);
    pci_set_word(c + PCI_DEVICE_ID, pc->device_id);
    pci_set_byte(c + PCI_REVISION_ID, pc->revision);
    pci_set_word(c + PCI_CLASS_DEVICE, pc->class_id);
    pci_set_byte(c + PCI_HEADER_TYPE, (pc->is_bridge ? PCI_HEADER_TYPE_BRIDGE : 0) |
                                          (dev->multifunction ? PCI_HEADER_TYPE_MULTI_FUNCTION
                                                              : 0));
    if (!pc->is_bridge) {
        pci_set_word(c + PCI_SUBSYSTEM_VENDOR_ID, pc->subsystem_vendor_id);
        pci_set_word(c + PCI_SUBSYSTEM_ID, pc->subsystem_id);
    }
    pci_set_word(w + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                                      PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
    pci_set_byte(w + PCI_CACHE_LINE_SIZE, 0xff);
    pci_set_byte(w + PCI_LATENCY_TIMER, 0xff);
    pci_set_byte(w + PCI_INTERRUPT_LINE, 0xff);
}

static void pci_device_unrealize(DeviceState *d);

static bool pci_device_realize(DeviceState *d, GError **errp)
{
    PCIDevice *dev = PCI_DEVICE(d);
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);
    PCIBus *bus = d->parent_bus ? (PCIBus *)object_dynamic_cast(OBJECT(d->parent_bus),
                                                                  TYPE_PCI_BUS)
                                : NULL;
    if (!bus) {
        g_set_error(errp, PCI_ERROR, PCI_ERROR_INVALID, "%s needs a PCI bus",
                    object_get_typename(OBJECT(d)));
        return false;
    }
    if (!place(dev, bus, errp)) {
        return false;
    }
    dev->config_size = pc->is_express ? PCIE_CONFIG_SPACE_SIZE : PCI_CONFIG_SPACE_SIZE;
    dev->config = g_malloc0(dev->config_size);
    dev->wmask = g_malloc0(dev->config_size);
    dev->w1cmask = g_malloc0(dev->config_size);
    init_header(dev);
    dev->cap_free = PCI_CAP_FIRST;
    PCIBus *root = pci_bus_root(bus);
    if (root->dma_root) {
        g_autofree char *n = g_strdup_printf("%s bus master", object_get_typename(OBJECT(d)));
        memory_region_init(&dev->bm_root, OBJECT(d), n, UINT64_MAX);
        memory_region_init_alias(&dev->bm_alias, OBJECT(d), n, root->dma_root, 0, UINT64_MAX);
        memory_region_set_enabled(&dev->bm_alias, false);
        memory_region_add_subregion(&dev->bm_root, 0, &dev->bm_alias);
        address_space_init(&dev->bm_as, &dev->bm_root, n);
        dev->bm_ready = true;
    }
    if (pc->realize && !pc->realize(dev, errp)) {
        /* Undo what both realized (the bus-master address space first of
         * all: a freed device must not stay among the address spaces). */
        pci_device_unrealize(d);
        return false;
    }
    dev->reset_config = g_memdup2(dev->config, dev->config_size);
    return true;
}

static void pci_device_unrealize(DeviceState *d)
{
    PCIDevice *dev = PCI_DEVICE(d);
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);
    PCIBus *bus = pci_get_bus(dev);
    pci_set_irq(dev, 0);
    if (dev->intx_asserted) {
        uint8_t pin = pci_get_byte(dev->config + PCI_INTERRUPT_PIN);
        dev->intx_asserted = false;
        intx_propagate(dev, pin - 1, -1);
    }
    /* BARs leave the bus before the device frees their regions. */
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        PCIIORegion *r = &dev->io_regions[n];
        if (r->size && r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion((r->type & PCI_BASE_ADDRESS_SPACE_IO) ? bus->io
                                                                                : bus->mem,
                                        r->mr);
        }
        *r = (PCIIORegion){ 0 };
    }
    if (pc->exit) {
        pc->exit(dev);
    }
    msix_uninit(dev);
    if (dev->bm_ready) {
        address_space_destroy(&dev->bm_as);
        memory_region_destroy(&dev->bm_alias);
        memory_region_destroy(&dev->bm_root);
        dev->bm_ready = false;
    }
    if (bus && dev->devfn >= 0 && bus->devices[dev->devfn] == dev) {
        bus->devices[dev->devfn] = NULL;
    }
    g_clear_pointer(&dev->config, g_free);
    g_clear_pointer(&dev->wmask, g_free);
    g_clear_pointer(&dev->w1cmask, g_free);
    g_clear_pointer(&dev->reset_config, g_free);
    dev->msi_cap = dev->msix_cap = dev->exp_cap = dev->pm_cap = 0;
}

static void pci_device_reset(DeviceState *d)
{
    PCIDevice *dev = PCI_DEVICE(d);
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);
    if (!dev->config) {
        return;
    }
    memcpy(dev->config, dev->reset_config, dev->config_size);
    update_mappings(dev);
    update_bus_master(dev);
    pci_set_irq(dev, 0);
    if (dev->msix_table) {
        for (unsigned v = 0; v < dev->msix_entries; v++) {
            uint8_t *e = dev->msix_table + v * PCI_MSIX_ENTRY_SIZE;
            memset(e, 0, PCI_MSIX_ENTRY_SIZE);
            e[PCI_MSIX_ENTRY_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
        }
        memset(dev->msix_pba, 0, (dev->msix_entries + 7) / 8);
    }
    if (pc->reset) {
        pc->reset(dev);
    }
}

static void pci_device_instance_init(Object *obj)
{
    PCI_DEVICE(obj)->devfn = PCI_DEVFN_AUTO;
}

static const PropertyInfo pci_device_props[] = {
    PROP_BOOL("multifunction", PCIDevice, multifunction, false,
              "on: function 0 of a slot that has other functions"),
    PROP_END
};

static void pci_device_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);
    dc->bus_type = TYPE_PCI_BUS;
    dc->hotpluggable = true;
    dc->realize = pci_device_realize;
    dc->unrealize = pci_device_unrealize;
    dc->reset = pci_device_reset;
    pc->config_read = pci_default_read_config;
    pc->config_write = pci_default_write_config;
    Property *p = object_class_property_add(klass, "addr", PROP_KIND_STRING, addr_get, addr_set,
                                            NULL);
    property_set_description(p, "Slot and function number, SLOT[.FN] in hex (default: the "
                                "first free slot)");
    object_class_add_field_properties(klass, pci_device_props);
}

const TypeInfo pci_device_type_info = {
    .name = TYPE_PCI_DEVICE,
    .parent = TYPE_DEVICE,
    .description = "PCI device",
    .abstract = true,
    .instance_size = sizeof(PCIDevice),
    .class_size = sizeof(PCIDeviceClass),
    .instance_init = pci_device_instance_init,
    .class_init = pci_device_class_init,
};
