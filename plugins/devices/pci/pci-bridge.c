/* SPDX-License-Identifier: MIT */
/*
 * PCI-to-PCI bridges ("base-pci-bridge", abstract): the type 1 header, bus
 * numbers, and the three forwarding windows.  Devices behind the bridge
 * map their BARs into the bridge's own containers; each window is an alias
 * of the matching container mapped into the parent bus's container at the
 * window's base while the bridge decodes that space and base <= limit.
 * Setting and clearing the secondary bus reset bit resets every device
 * behind the bridge.
 */
#include "pci/pci_bridge.h"
#include "plugins/devices/pci/pci-internal.h"

static void window_set(MemoryRegion *win, bool *on, MemoryRegion *parent, MemoryRegion *sec,
                       uint64_t base, uint64_t limit, bool enable, Object *owner,
                       const char *name)
{
    if (*on) {
        memory_region_del_subregion(parent, win);
        memory_region_destroy(win);
        *on = false;
    }
    if (!enable || base > limit || !parent) {
        return;
    }
    memory_region_init_alias(win, owner, name, sec, base, limit - base + 1);
    memory_region_add_subregion_overlap(parent, base, win, 1);
    *on = true;
}

void pci_bridge_update_windows(PCIBridge *br)
{
    PCIDevice *dev = PCI_DEVICE(br);
    PCIBus *parent = pci_get_bus(dev);
    const uint8_t *c = dev->config;
    if (!br->sec_ready || !parent) {
        return;
    }
    uint16_t cmd = pci_get_word(c + PCI_COMMAND);
    uint64_t io_base = (uint64_t)(pci_get_byte(c + PCI_IO_BASE) & 0xf0) << 8;
    uint64_t io_limit = ((uint64_t)(pci_get_byte(c + PCI_IO_LIMIT) & 0xf0) << 8) | 0xfff;
    uint64_t m_base = (uint64_t)(pci_get_word(c + PCI_MEMORY_BASE) & 0xfff0) << 16;
    uint64_t m_limit = ((uint64_t)(pci_get_word(c + PCI_MEMORY_LIMIT) & 0xfff0) << 16) | 0xfffff;
    uint64_t p_base = ((uint64_t)(pci_get_word(c + PCI_PREF_MEMORY_BASE) & 0xfff0) << 16) |
                      (uint64_t)pci_get_long(c + PCI_PREF_BASE_UPPER32) << 32;
    uint64_t p_limit = ((uint64_t)(pci_get_word(c + PCI_PREF_MEMORY_LIMIT) & 0xfff0) << 16) |
                       0xfffff | (uint64_t)pci_get_long(c + PCI_PREF_LIMIT_UPPER32) << 32;
    Object *o = OBJECT(br);
    window_set(&br->win_io, &br->win_io_on, parent->io, &br->sec_io, io_base, io_limit,
               cmd & PCI_COMMAND_IO, o, "pci_bridge_io");
    window_set(&br->win_mem, &br->win_mem_on, parent->mem, &br->sec_mem, m_base, m_limit,
               cmd & PCI_COMMAND_MEMORY, o, "pci_bridge_mem");
    window_set(&br->win_pref, &br->win_pref_on, parent->mem, &br->sec_mem, p_base, p_limit,
               cmd & PCI_COMMAND_MEMORY, o, "pci_bridge_pref_mem");
}

static void reset_secondary(PCIBridge *br)
{
    BusState *b = BUS(br->sec_bus);
    for (guint i = 0; i < b->children->len; i++) {
        DeviceState *d = g_ptr_array_index(b->children, i);
        if (d->realized) {
            device_reset_all(OBJECT(d));
            device_reset(d);
        }
    }
}

void pci_bridge_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, int len)
{
    PCIBridge *br = PCI_BRIDGE(dev);
    uint16_t old_ctl = pci_get_word(dev->config + PCI_BRIDGE_CONTROL);
    pci_default_write_config(dev, addr, val, len);
    if ((addr < PCI_IO_BASE_UPPER16 + 4 && addr + (uint32_t)len > PCI_IO_BASE) ||
        (addr < PCI_COMMAND + 2 && addr + (uint32_t)len > PCI_COMMAND)) {
        pci_bridge_update_windows(br);
    }
    uint16_t ctl = pci_get_word(dev->config + PCI_BRIDGE_CONTROL);
    if ((old_ctl & PCI_BRIDGE_CTL_BUS_RESET) && !(ctl & PCI_BRIDGE_CTL_BUS_RESET)) {
        reset_secondary(br);
    }
}

bool pci_bridge_init(PCIDevice *dev, const char *bus_type, GError **errp)
{
    PCIBridge *br = PCI_BRIDGE(dev);
    uint8_t *c = dev->config, *w = dev->wmask;
    pci_set_byte(w + PCI_PRIMARY_BUS, 0xff);
    pci_set_byte(w + PCI_SECONDARY_BUS, 0xff);
    pci_set_byte(w + PCI_SUBORDINATE_BUS, 0xff);
    pci_set_byte(w + PCI_SUBORDINATE_BUS + 1, 0xff); /* secondary latency timer */
    pci_set_byte(w + PCI_IO_BASE, 0xf0);
    pci_set_byte(w + PCI_IO_LIMIT, 0xf0);
    pci_set_word(w + PCI_MEMORY_BASE, 0xfff0);
    pci_set_word(w + PCI_MEMORY_LIMIT, 0xfff0);
    pci_set_word(w + PCI_PREF_MEMORY_BASE, 0xfff0);
    pci_set_word(w + PCI_PREF_MEMORY_LIMIT, 0xfff0);
    pci_set_word(c + PCI_PREF_MEMORY_BASE, PCI_PREF_RANGE_TYPE_64);
    pci_set_word(c + PCI_PREF_MEMORY_LIMIT, PCI_PREF_RANGE_TYPE_64);
    pci_set_long(w + PCI_PREF_BASE_UPPER32, 0xffffffff);
    pci_set_long(w + PCI_PREF_LIMIT_UPPER32, 0xffffffff);
    pci_set_word(w + PCI_BRIDGE_CONTROL, 0x0fff);
    pci_set_word(dev->w1cmask + PCI_SEC_STATUS, 0xf900);
    /* Closed windows until the guest programs them (base above limit). */
    pci_set_byte(c + PCI_IO_BASE, 0xf0);
    pci_set_word(c + PCI_MEMORY_BASE, 0xfff0);
    pci_set_word(c + PCI_PREF_MEMORY_BASE, 0xfff0 | PCI_PREF_RANGE_TYPE_64);
    Object *o = OBJECT(dev);
    memory_region_init(&br->sec_mem, o, "pci_bridge_pci", UINT64_MAX);
    memory_region_init(&br->sec_io, o, "pci_bridge_io", 0x10000);
    br->sec_bus = PCI_BUS(bus_new(bus_type, o, DEVICE(dev)->id));
    br->sec_bus->bridge = dev;
    br->sec_bus->mem = &br->sec_mem;
    br->sec_bus->io = &br->sec_io;
    br->sec_bus->map_irq = pci_swizzle_map_irq;
    br->sec_ready = true;
    return true;
}

void pci_bridge_exit(PCIDevice *dev)
{
    PCIBridge *br = PCI_BRIDGE(dev);
    if (!br->sec_ready) {
        return;
    }
    PCIBus *parent = pci_get_bus(dev);
    window_set(&br->win_io, &br->win_io_on, parent ? parent->io : NULL, NULL, 1, 0, false,
               NULL, NULL);
    window_set(&br->win_mem, &br->win_mem_on, parent ? parent->mem : NULL, NULL, 1, 0, false,
               NULL, NULL);
    window_set(&br->win_pref, &br->win_pref_on, parent ? parent->mem : NULL, NULL, 1, 0,
               false, NULL, NULL);
    if (BUS(br->sec_bus)->children->len == 0) {
        bus_destroy(BUS(br->sec_bus));
    }
    br->sec_bus = NULL;
    memory_region_destroy(&br->sec_mem);
    memory_region_destroy(&br->sec_io);
    br->sec_ready = false;
}

static void pci_bridge_reset(PCIDevice *dev)
{
    pci_bridge_update_windows(PCI_BRIDGE(dev));
}

static void pci_bridge_class_init(ObjectClass *klass, const void *data)
{
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);
    DEVICE_CLASS(klass)->category = "bridge";
    pc->is_bridge = true;
    pc->class_id = PCI_CLASS_BRIDGE_PCI;
    pc->config_write = pci_bridge_write_config;
    pc->reset = pci_bridge_reset;
}

const TypeInfo pci_bridge_type_info = {
    .name = TYPE_PCI_BRIDGE,
    .parent = TYPE_PCI_DEVICE,
    .description = "PCI-to-PCI bridge",
    .abstract = true,
    .instance_size = sizeof(PCIBridge),
    .class_size = sizeof(PCIDeviceClass),
    .class_init = pci_bridge_class_init,
};
