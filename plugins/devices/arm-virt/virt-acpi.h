/* SPDX-License-Identifier: MIT */
/*
 * The aarch64 virt board's ACPI tables and SMBIOS (virt-acpi.c), built from
 * a description of the board so that they do not depend on virt.c's
 * internals.  Interrupts are GIC INTIDs (SPI n is 32 + n).
 */
#ifndef TESSERA_ARM_VIRT_ACPI_H
#define TESSERA_ARM_VIRT_ACPI_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/device.h"

typedef struct VirtAcpiRange {
    uint64_t base;
    uint64_t size;
} VirtAcpiRange;

typedef struct VirtAcpiConfig {
    unsigned cpus;
    const uint64_t *mpidr;          /* per CPU */
    bool psci_smc;                  /* PSCI conduit: SMC, else HVC */
    VirtAcpiRange ram;
    /* GIC */
    unsigned gic_version;           /* 2 or 3 */
    uint64_t gicd;
    uint64_t gicc;                  /* GICv2 CPU interface */
    uint64_t gich, gicv;            /* GICv2 virtualization (0: none) */
    unsigned vgic_maint_intid;      /* 0: none */
    VirtAcpiRange gicr;             /* GICv3 redistributors */
    uint64_t its;                   /* GICv3 ITS (0: none) */
    uint64_t v2m;                   /* GICv2m frame (0: none) */
    unsigned v2m_spi_base, v2m_spi_count;  /* INTIDs */
    /* generic timer INTIDs */
    unsigned timer_sec_intid, timer_phys_intid, timer_virt_intid, timer_hyp_intid;
    /* devices */
    VirtAcpiRange uart;
    unsigned uart_intid;
    VirtAcpiRange fw_cfg;
    VirtAcpiRange virtio;           /* the first slot */
    unsigned virtio_count, virtio_intid;
    VirtAcpiRange ged;
    unsigned ged_intid;
    /* PCIe host */
    VirtAcpiRange ecam, mmio32, mmio64, pio;
    unsigned pcie_intid;            /* INTA; INTB..D follow */
} VirtAcpiConfig;

/* Build the tables and the loader script and add them to @fw_cfg
 * (etc/acpi/tables, etc/acpi/rsdp, etc/table-loader, etc/smbios/...). */
bool virt_acpi_setup(DeviceState *fw_cfg, const VirtAcpiConfig *c, GError **errp);

/* The parts for tests and tools: the blobs as they go to fw_cfg. */
typedef struct VirtAcpiBlobs {
    GByteArray *tables, *rsdp, *loader, *smbios, *smbios_anchor;
} VirtAcpiBlobs;
bool virt_acpi_build(const VirtAcpiConfig *c, VirtAcpiBlobs *out, GError **errp);
void virt_acpi_blobs_free(VirtAcpiBlobs *b);

#endif
