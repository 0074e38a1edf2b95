/* SPDX-License-Identifier: MIT */
/* The pci library module: the PCI core (pci/pci.h, pci/pci_bridge.h) and
 * its abstract types. */
#include "kernel/module.h"
#include "plugins/devices/pci/pci-internal.h"
#include "pci/pci_bridge.h"

TESSERA_MODULE(.name = "pci", .kind = "library",
               .types = TESSERA_TYPES(&pci_bus_types[0], &pci_bus_types[1],
                                      &pci_device_type_info, &pci_bridge_type_info));
