/* SPDX-License-Identifier: MIT */
/* The pci library module: the PCI core (pci/pci.h, pci/pci_bridge.h) and
 * its abstract types. */
#include "kernel/module.h"
#include "plugins/devices/pci/pci-internal.h"
#include "pci/pci_bridge.h"

static void pci_register(void)
{
    pci_bus_register_types();
    pci_device_register_types();
    pci_bridge_register_types();
}

static const TesseraTypeDesc pci_types[] = {
    { .name = TYPE_PCI_BUS, .parent = "bus", .description = "PCI bus", .abstract = true },
    { .name = TYPE_PCIE_BUS, .parent = TYPE_PCI_BUS, .description = "PCI Express bus",
      .abstract = true },
    { .name = TYPE_PCI_DEVICE, .parent = "device", .description = "PCI device",
      .abstract = true },
    { .name = TYPE_PCI_BRIDGE, .parent = TYPE_PCI_DEVICE, .description = "PCI-to-PCI bridge",
      .abstract = true },
    { .name = NULL },
};

TESSERA_MODULE(.name = "pci", .kind = "library", .types = pci_types,
               .register_types = pci_register);
