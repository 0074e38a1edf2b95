/* SPDX-License-Identifier: MIT */
/* Inside the pci library module: what its files share. */
#ifndef TESSERA_PCI_INTERNAL_H
#define TESSERA_PCI_INTERNAL_H

#include "pci/pci.h"

#define PCI_CAP_FIRST 0x40
#define PCI_MSI_CAP_SIZE 24

/* Config writes that touched the MSI / MSI-X capability. */
void msi_write_config(PCIDevice *dev);
void msix_write_config(PCIDevice *dev);

/* The library's abstract types, listed by its descriptor (module.c). */
extern const TypeInfo pci_bus_types[2];      /* pci-bus, pcie-bus */
extern const TypeInfo pci_device_type_info;
extern const TypeInfo pci_bridge_type_info;

#endif
