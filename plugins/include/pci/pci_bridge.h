/* SPDX-License-Identifier: MIT */
/*
 * PCI-to-PCI bridges (type 1 header, PCI-to-PCI Bridge Architecture 1.2):
 * the abstract base type "base-pci-bridge" of the PCI core.  A bridge owns
 * a secondary bus (named after the bridge's id, so "bus=rp1" finds it)
 * whose BARs map into the bridge's own containers; the windows the guest
 * programs (I/O, memory, prefetchable memory) alias those containers into
 * the parent bus's while the bridge's command register enables them.
 */
#ifndef TESSERA_PCI_PCI_BRIDGE_H
#define TESSERA_PCI_PCI_BRIDGE_H

#include "pci/pci.h"

typedef struct PCIBridge {
    PCIDevice parent_obj;
    PCIBus *sec_bus;
    MemoryRegion sec_mem;      /* what devices behind the bridge decode */
    MemoryRegion sec_io;
    MemoryRegion win_mem;      /* aliases into the parent bus's containers */
    MemoryRegion win_pref;
    MemoryRegion win_io;
    bool win_mem_on, win_pref_on, win_io_on;
    bool sec_ready;
} PCIBridge;

OBJECT_DECLARE_SIMPLE_TYPE(PCIBridge, PCI_BRIDGE, TYPE_PCI_BRIDGE)

/* Set up the type 1 header and the secondary bus (of @bus_type, named
 * after the bridge's id when it has one); a subclass's realize calls it
 * first.  pci_bridge_exit undoes it. */
bool pci_bridge_init(PCIDevice *dev, const char *bus_type, GError **errp);
void pci_bridge_exit(PCIDevice *dev);
/* Bridge config writes: the default plus window and bus-number updates;
 * subclasses that override config_write call it first. */
void pci_bridge_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, int len);
/* Re-map the windows from the current header (after reset). */
void pci_bridge_update_windows(PCIBridge *br);

#endif
