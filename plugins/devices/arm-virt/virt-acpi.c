/* SPDX-License-Identifier: MIT */
/*
 * The aarch64 virt board's ACPI tables (ACPI 6.x; the layout QEMU's virt
 * board gives firmware, so EDK2's ArmVirtQemu installs them unchanged) and
 * SMBIOS, delivered through fw_cfg: etc/acpi/tables holds DSDT, FADT,
 * MADT, GTDT, MCFG, SPCR, DBG2, IORT, PPTT and XSDT; etc/acpi/rsdp the RSDP;
 * etc/table-loader the linker/loader script (allocate both, patch the
 * pointers, redo the checksums); etc/smbios/smbios-tables and
 * etc/smbios/smbios-anchor SMBIOS 3.0.
 */
#include <string.h>

#include "acpi/acpi.h"
#include "fw-cfg/fw-cfg.h"
#include "virt-acpi.h"

#define TABLES "etc/acpi/tables"
#define RSDP "etc/acpi/rsdp"
#define ARM_VIRT_ACPI_ERROR (g_quark_from_static_string("arm-virt-acpi"))

#define PCI_SLOTS 32
#define PCI_OSC_UUID "33DB4D5B-1FF7-401C-9657-7441C03DD766"

typedef struct Build {
    const VirtAcpiConfig *c;
    GByteArray *t;                  /* etc/acpi/tables */
    AcpiLinker *l;
    GArray *xsdt;                   /* offsets of the tables the XSDT lists */
} Build;

static void resource_mmio_irq(Aml *a, VirtAcpiRange r, const uint32_t *irq, bool edge)
{
    aml_resource_begin(a);
    if (r.size) {
        aml_res_memory32_fixed(a, (uint32_t)r.base, (uint32_t)r.size, true);
    }
    if (irq) {
        aml_res_interrupt(a, AML_IRQ_CONSUMER | (edge ? AML_IRQ_EDGE : 0), irq, 1);
    }
    aml_end(a);
}

/* ---- DSDT ------------------------------------------------------------------- */

static void dsdt_pci_link(Aml *a, unsigned n, uint32_t intid)
{
    g_autofree char *name = g_strdup_printf("GSI%u", n);
    aml_device_begin(a, name);
    aml_name_eisaid(a, "_HID", "PNP0C0F");
    aml_name_int(a, "_UID", n);
    static const char *const res[] = { "_PRS", "_CRS" };
    for (int i = 0; i < 2; i++) {
        aml_name_decl(a, res[i]);
        aml_resource_begin(a);
        aml_res_interrupt(a, AML_IRQ_CONSUMER, &intid, 1);
        aml_end(a);
    }
    aml_method_begin(a, "_SRS", 1, false);   /* one fixed interrupt: nothing to set */
    aml_end(a);
    aml_end(a);
}

/* _OSC: grant native hot-plug, PME, AER and the PCIe capability (no SHPC). */
static void dsdt_pci_osc(Aml *a)
{
    aml_method_begin(a, "_OSC", 4, false);
    aml_op(a, AML_CREATE_DWORD_FIELD);
    aml_arg(a, 3);
    aml_int(a, 0);
    aml_name(a, "CDW1");
    aml_if_begin(a);
    aml_op(a, AML_LEQUAL);
    aml_arg(a, 0);
    aml_uuid(a, PCI_OSC_UUID);
    aml_op(a, AML_CREATE_DWORD_FIELD);
    aml_arg(a, 3);
    aml_int(a, 8);
    aml_name(a, "CDW3");
    aml_op(a, AML_AND);                      /* Local0 = CDW3 & 0x1d */
    aml_name(a, "CDW3");
    aml_int(a, 0x1d);
    aml_local(a, 0);
    aml_if_begin(a);                         /* unknown revision */
    aml_op(a, AML_LNOT);
    aml_op(a, AML_LEQUAL);
    aml_arg(a, 1);
    aml_int(a, 1);
    aml_op(a, AML_OR);
    aml_name(a, "CDW1");
    aml_int(a, 0x08);
    aml_name(a, "CDW1");
    aml_end(a);
    aml_if_begin(a);                         /* some control refused */
    aml_op(a, AML_LNOT);
    aml_op(a, AML_LEQUAL);
    aml_name(a, "CDW3");
    aml_local(a, 0);
    aml_op(a, AML_OR);
    aml_name(a, "CDW1");
    aml_int(a, 0x10);
    aml_name(a, "CDW1");
    aml_end(a);
    aml_op(a, AML_STORE);
    aml_local(a, 0);
    aml_name(a, "CDW3");
    aml_end(a);
    aml_else_begin(a);                       /* unknown UUID */
    aml_op(a, AML_OR);
    aml_name(a, "CDW1");
    aml_int(a, 0x04);
    aml_name(a, "CDW1");
    aml_end(a);
    aml_op(a, AML_RETURN);
    aml_arg(a, 3);
    aml_end(a);
}

static void dsdt_pci(Aml *a, const VirtAcpiConfig *c)
{
    aml_device_begin(a, "PCI0");
    aml_name_eisaid(a, "_HID", "PNP0A08");
    aml_name_eisaid(a, "_CID", "PNP0A03");
    aml_name_int(a, "_SEG", 0);
    aml_name_int(a, "_BBN", 0);
    aml_name_int(a, "_UID", 0);
    aml_name_int(a, "_CCA", 1);

    /* INTx of slot s, pin p: link (s + p) % 4 (the host's swizzle). */
    aml_name_decl(a, "_PRT");
    aml_package_begin(a, PCI_SLOTS * 4);
    for (unsigned s = 0; s < PCI_SLOTS; s++) {
        for (unsigned p = 0; p < 4; p++) {
            g_autofree char *link = g_strdup_printf("GSI%u", (s + p) % 4);
            aml_package_begin(a, 4);
            aml_int(a, (uint64_t)s << 16 | 0xffff);
            aml_int(a, p);
            aml_name(a, link);
            aml_int(a, 0);
            aml_end(a);
        }
    }
    aml_end(a);
    for (unsigned n = 0; n < 4; n++) {
        dsdt_pci_link(a, n, c->pcie_intid + n);
    }

    unsigned buses = (unsigned)(c->ecam.size >> 20);
    aml_name_decl(a, "_CRS");
    aml_resource_begin(a);
    aml_res_address(a, 2, AML_ADDR_BUS, false, 0, 0, buses, 0);
    aml_res_address(a, 4, AML_ADDR_MEMORY, false, 1, c->mmio32.base, c->mmio32.size, 0);
    aml_res_address(a, 4, AML_ADDR_IO, false, 0x13, 0, c->pio.size, c->pio.base);
    if (c->mmio64.size) {
        aml_res_address(a, 8, AML_ADDR_MEMORY, false, 1, c->mmio64.base, c->mmio64.size, 0);
    }
    aml_end(a);
    dsdt_pci_osc(a);

    aml_device_begin(a, "RES0");             /* the ECAM window (MCFG) */
    aml_name_eisaid(a, "_HID", "PNP0C02");
    aml_name_decl(a, "_CRS");
    aml_resource_begin(a);
    aml_res_address(a, 8, AML_ADDR_MEMORY, true, 1, c->ecam.base, c->ecam.size, 0);
    aml_end(a);
    aml_end(a);
    aml_end(a);
}

/* The power button, notified by the GED's _EVT when the selector says so. */
static void dsdt_ged(Aml *a, const VirtAcpiConfig *c)
{
    aml_device_begin(a, "PWRB");
    aml_name_eisaid(a, "_HID", "PNP0C0C");
    aml_name_int(a, "_UID", 0);
    aml_end(a);

    aml_device_begin(a, "GED");
    aml_name_string(a, "_HID", "ACPI0013");
    aml_name_int(a, "_UID", 0);
    uint32_t irq = c->ged_intid;
    aml_name_decl(a, "_CRS");
    resource_mmio_irq(a, (VirtAcpiRange){ 0 }, &irq, true);
    aml_operation_region(a, "EREG", AML_REGION_SYSTEM_MEMORY, c->ged.base, c->ged.size);
    aml_field_begin(a, "EREG", AML_FIELD_DWORD_ACC | AML_FIELD_WRITE_AS_ZEROS);
    aml_field_unit(a, "ESEL", 32);
    aml_end(a);
    aml_method_begin(a, "_EVT", 1, true);
    aml_op(a, AML_STORE);
    aml_name(a, "ESEL");
    aml_local(a, 0);
    aml_if_begin(a);
    aml_op(a, AML_LEQUAL);
    aml_op(a, AML_AND);
    aml_local(a, 0);
    aml_int(a, 2);                           /* ACPI_GED_POWER_DOWN */
    aml_int(a, 0);                           /* no target (NullName) */
    aml_int(a, 2);
    aml_op(a, AML_NOTIFY);
    aml_name(a, "PWRB");
    aml_int(a, 0x80);
    aml_end(a);
    aml_end(a);
    aml_end(a);
}

static bool build_dsdt(Build *b, size_t *off, GError **errp)
{
    const VirtAcpiConfig *c = b->c;
    g_autoptr(GError) err = NULL;
    Aml *a = aml_new();
    aml_scope_begin(a, "\\_SB");
    for (unsigned i = 0; i < c->cpus; i++) {
        g_autofree char *name = g_strdup_printf("C%03X", i);
        aml_device_begin(a, name);
        aml_name_string(a, "_HID", "ACPI0007");
        aml_name_int(a, "_UID", i);
        aml_end(a);
    }

    uint32_t irq = c->uart_intid;
    aml_device_begin(a, "COM0");
    aml_name_string(a, "_HID", "ARMH0011");
    aml_name_int(a, "_UID", 0);
    aml_name_decl(a, "_CRS");
    resource_mmio_irq(a, c->uart, &irq, false);
    aml_end(a);

    aml_device_begin(a, "FWCF");
    aml_name_string(a, "_HID", "QEMU0002");
    aml_name_int(a, "_STA", 0xb);
    aml_name_int(a, "_CCA", 1);
    aml_name_decl(a, "_CRS");
    resource_mmio_irq(a, c->fw_cfg, NULL, false);
    aml_end(a);

    for (unsigned i = 0; i < c->virtio_count; i++) {
        g_autofree char *name = g_strdup_printf("VR%02u", i);
        VirtAcpiRange r = { c->virtio.base + c->virtio.size * i, c->virtio.size };
        irq = c->virtio_intid + i;
        aml_device_begin(a, name);
        aml_name_string(a, "_HID", "LNRO0005");
        aml_name_int(a, "_UID", i);
        aml_name_int(a, "_CCA", 1);
        aml_name_decl(a, "_CRS");
        resource_mmio_irq(a, r, &irq, false);
        aml_end(a);
    }
    dsdt_pci(a, c);
    if (c->ged.size) {
        dsdt_ged(a, c);
    }
    aml_end(a);
    bool ok = aml_check(a, &err);
    if (ok) {
        *off = acpi_table_begin(b->t, "DSDT", 2);
        acpi_put_bytes(b->t, aml_bytes(a)->data, aml_bytes(a)->len);
        acpi_table_end(b->l, TABLES, b->t, *off);
    } else {
        g_set_error(errp, ARM_VIRT_ACPI_ERROR, 0, "virt (aarch64): DSDT: %s", err->message);
    }
    aml_free(a);
    return ok;
}

/* ---- the other tables ------------------------------------------------------- */

static size_t listed_begin(Build *b, const char *sig, uint8_t rev)
{
    size_t off = acpi_table_begin(b->t, sig, rev);
    g_array_append_val(b->xsdt, off);
    return off;
}

static void build_fadt(Build *b, size_t dsdt)
{
    GByteArray *t = b->t;
    size_t off = listed_begin(b, "FACP", 6);
    acpi_put_zeros(t, 276 - ACPI_HEADER_SIZE);
    acpi_set_le(t, off + 112, 1u << 20, 4);            /* HW_REDUCED_ACPI */
    /* ARM boot flags: PSCI compliant, HVC as the conduit (else SMC). */
    acpi_set_le(t, off + 129, 1 | (b->c->psci_smc ? 0 : 2), 2);
    acpi_set_le(t, off + 131, 0, 1);                   /* FADT 6.0 */
    acpi_set_le(t, off + 140, dsdt, 8);                /* X_DSDT */
    acpi_linker_add_pointer(b->l, TABLES, (uint32_t)(off + 140), 8, TABLES);
    acpi_table_end(b->l, TABLES, t, off);
}

static void build_madt(Build *b)
{
    const VirtAcpiConfig *c = b->c;
    GByteArray *t = b->t;
    size_t off = listed_begin(b, "APIC", 4);
    acpi_put_u32(t, 0);                                /* local controller address */
    acpi_put_u32(t, 0);                                /* flags: no 8259s */

    acpi_put_u8(t, 0xc);                               /* GICD */
    acpi_put_u8(t, 24);
    acpi_put_u16(t, 0);
    acpi_put_u32(t, 0);                                /* GIC id */
    acpi_put_u64(t, c->gicd);
    acpi_put_u32(t, 0);                                /* system vector base */
    acpi_put_u8(t, (uint8_t)c->gic_version);
    acpi_put_zeros(t, 3);

    for (unsigned i = 0; i < c->cpus; i++) {
        bool v2 = c->gic_version == 2;
        acpi_put_u8(t, 0xb);                           /* GICC */
        acpi_put_u8(t, 80);
        acpi_put_u16(t, 0);
        acpi_put_u32(t, i);                            /* CPU interface number */
        acpi_put_u32(t, i);                            /* ACPI processor UID */
        acpi_put_u32(t, 1);                            /* enabled */
        acpi_put_u32(t, 0);                            /* parking protocol */
        acpi_put_u32(t, 0);                            /* performance interrupt */
        acpi_put_u64(t, 0);                            /* parked address */
        acpi_put_u64(t, v2 ? c->gicc : 0);
        acpi_put_u64(t, c->gicv);
        acpi_put_u64(t, c->gich);
        acpi_put_u32(t, c->vgic_maint_intid);
        acpi_put_u64(t, 0);                            /* GICR: in the GICR entry */
        acpi_put_u64(t, c->mpidr[i]);
        acpi_put_zeros(t, 4);                          /* efficiency class, reserved */
    }

    if (c->gic_version == 3) {
        acpi_put_u8(t, 0xe);                           /* GICR */
        acpi_put_u8(t, 16);
        acpi_put_u16(t, 0);
        acpi_put_u64(t, c->gicr.base);
        acpi_put_u32(t, (uint32_t)c->gicr.size);
        if (c->its) {
            acpi_put_u8(t, 0xf);                       /* ITS */
            acpi_put_u8(t, 20);
            acpi_put_u16(t, 0);
            acpi_put_u32(t, 0);                        /* ITS id */
            acpi_put_u64(t, c->its);
            acpi_put_u32(t, 0);
        }
    } else if (c->v2m) {
        acpi_put_u8(t, 0xd);                           /* GIC MSI frame */
        acpi_put_u8(t, 24);
        acpi_put_u16(t, 0);
        acpi_put_u32(t, 0);                            /* frame id */
        acpi_put_u64(t, c->v2m);
        acpi_put_u32(t, 1);                            /* SPI count and base below */
        acpi_put_u16(t, (uint16_t)c->v2m_spi_count);
        acpi_put_u16(t, (uint16_t)c->v2m_spi_base);
    }
    acpi_table_end(b->l, TABLES, t, off);
}

static void build_gtdt(Build *b)
{
    const VirtAcpiConfig *c = b->c;
    GByteArray *t = b->t;
    size_t off = listed_begin(b, "GTDT", 2);
    const uint32_t always_on = 1u << 2;                /* level, active high */
    acpi_put_u64(t, UINT64_MAX);                       /* no CntControlBase */
    acpi_put_u32(t, 0);
    const unsigned intids[] = { c->timer_sec_intid, c->timer_phys_intid, c->timer_virt_intid,
                                c->timer_hyp_intid };
    for (size_t i = 0; i < G_N_ELEMENTS(intids); i++) {
        acpi_put_u32(t, intids[i]);
        acpi_put_u32(t, always_on);
    }
    acpi_put_u64(t, UINT64_MAX);                       /* no CntReadBase */
    acpi_put_u32(t, 0);                                /* platform timers */
    acpi_put_u32(t, 0);
    acpi_table_end(b->l, TABLES, t, off);
}

static void build_mcfg(Build *b)
{
    const VirtAcpiConfig *c = b->c;
    size_t off = listed_begin(b, "MCFG", 1);
    acpi_put_u64(b->t, 0);
    acpi_put_u64(b->t, c->ecam.base);
    acpi_put_u16(b->t, 0);                             /* segment */
    acpi_put_u8(b->t, 0);                              /* buses 0.. */
    acpi_put_u8(b->t, (uint8_t)((c->ecam.size >> 20) - 1));
    acpi_put_u32(b->t, 0);
    acpi_table_end(b->l, TABLES, b->t, off);
}

static void build_spcr(Build *b)
{
    const VirtAcpiConfig *c = b->c;
    GByteArray *t = b->t;
    size_t off = listed_begin(b, "SPCR", 2);
    acpi_put_u8(t, 3);                                 /* ARM PL011 */
    acpi_put_zeros(t, 3);
    acpi_put_gas(t, ACPI_GAS_MEMORY, 32, 0, 3, c->uart.base);
    acpi_put_u8(t, 1 << 3);                            /* interrupt: ARM GIC */
    acpi_put_u8(t, 0);
    acpi_put_u32(t, c->uart_intid);
    acpi_put_u8(t, 3);                                 /* 9600 baud (as configured) */
    acpi_put_u8(t, 0);                                 /* no parity */
    acpi_put_u8(t, 1);                                 /* one stop bit */
    acpi_put_u8(t, 0);                                 /* no flow control */
    acpi_put_u8(t, 0);                                 /* VT100 */
    acpi_put_u8(t, 0);
    acpi_put_u16(t, 0xffff);                           /* not a PCI device */
    acpi_put_u16(t, 0xffff);
    acpi_put_zeros(t, 3 + 4 + 1 + 4);
    acpi_table_end(b->l, TABLES, t, off);
}

/* The debug port: the PL011, \_SB.COM0 in the DSDT. */
static void build_dbg2(Build *b)
{
    static const char name[] = "\\_SB.COM0";
    GByteArray *t = b->t;
    size_t off = listed_begin(b, "DBG2", 0);
    const uint16_t fixed = 22, gas = 22, size = 34, ns = 38;
    acpi_put_u32(t, ACPI_HEADER_SIZE + 8);             /* device information at 44 */
    acpi_put_u32(t, 1);
    acpi_put_u8(t, 0);                                 /* revision */
    acpi_put_u16(t, (uint16_t)(ns + sizeof(name)));    /* length */
    acpi_put_u8(t, 1);                                 /* address registers */
    acpi_put_u16(t, sizeof(name));
    acpi_put_u16(t, ns);
    acpi_put_u16(t, 0);                                /* no OEM data */
    acpi_put_u16(t, 0);
    acpi_put_u16(t, 0x8000);                           /* serial port */
    acpi_put_u16(t, 0x0003);                           /* ARM PL011 */
    acpi_put_u16(t, 0);
    acpi_put_u16(t, gas);
    acpi_put_u16(t, size);
    g_assert(t->len - off == (size_t)(ACPI_HEADER_SIZE + 8 + fixed));
    acpi_put_gas(t, ACPI_GAS_MEMORY, 32, 0, 3, b->c->uart.base);
    acpi_put_u32(t, (uint32_t)b->c->uart.size);
    acpi_put_bytes(t, name, sizeof(name));
    acpi_table_end(b->l, TABLES, t, off);
}

/* One ITS group (ITS 0) and the root complex, all its requester ids mapped
 * to it one to one (GICv2m frames have no IORT node: Linux finds them in
 * the MADT). */
static void build_iort(Build *b)
{
    GByteArray *t = b->t;
    size_t off = listed_begin(b, "IORT", 3);
    const uint32_t its_node = 48, its_len = 24, rc_len = 36 + 20;
    acpi_put_u32(t, 2);                                /* nodes */
    acpi_put_u32(t, its_node);
    acpi_put_u32(t, 0);

    acpi_put_u8(t, 0);                                 /* ITS group */
    acpi_put_u16(t, (uint16_t)its_len);
    acpi_put_u8(t, 1);                                 /* revision */
    acpi_put_u32(t, 0);                                /* identifier */
    acpi_put_u32(t, 0);                                /* no id mappings */
    acpi_put_u32(t, 0);
    acpi_put_u32(t, 1);                                /* ITSs */
    acpi_put_u32(t, 0);                                /* ITS id 0 */

    acpi_put_u8(t, 2);                                 /* root complex */
    acpi_put_u16(t, (uint16_t)rc_len);
    acpi_put_u8(t, 1);                                 /* revision */
    acpi_put_u32(t, 1);                                /* identifier */
    acpi_put_u32(t, 1);                                /* id mappings */
    acpi_put_u32(t, 36);                               /* their offset */
    acpi_put_u32(t, 1);                                /* cache coherent */
    acpi_put_u8(t, 0);                                 /* allocation hints */
    acpi_put_u16(t, 0);
    acpi_put_u8(t, 3);                                 /* CPM, DACS */
    acpi_put_u32(t, 0);                                /* no ATS */
    acpi_put_u32(t, 0);                                /* segment 0 */
    acpi_put_u8(t, 64);                                /* address size limit */
    acpi_put_zeros(t, 3);
    acpi_put_u32(t, 0);                                /* ids 0..0xffff */
    acpi_put_u32(t, 0xffff);
    acpi_put_u32(t, 0);                                /* to 0.. */
    acpi_put_u32(t, its_node);                         /* of the ITS group */
    acpi_put_u32(t, 0);
    acpi_table_end(b->l, TABLES, t, off);
}

/* One package of single-threaded cores. */
static void build_pptt(Build *b)
{
    GByteArray *t = b->t;
    size_t off = listed_begin(b, "PPTT", 2);
    uint32_t package = (uint32_t)(t->len - off);
    acpi_put_u8(t, 0);                                 /* processor hierarchy node */
    acpi_put_u8(t, 20);
    acpi_put_u16(t, 0);
    acpi_put_u32(t, 1);                                /* physical package */
    acpi_put_u32(t, 0);                                /* no parent */
    acpi_put_u32(t, 0);
    acpi_put_u32(t, 0);                                /* no private resources */
    for (unsigned i = 0; i < b->c->cpus; i++) {
        acpi_put_u8(t, 0);
        acpi_put_u8(t, 20);
        acpi_put_u16(t, 0);
        acpi_put_u32(t, (1 << 1) | (1 << 3));          /* processor id valid, leaf */
        acpi_put_u32(t, package);
        acpi_put_u32(t, i);
        acpi_put_u32(t, 0);
    }
    acpi_table_end(b->l, TABLES, t, off);
}

static size_t build_xsdt(Build *b)
{
    size_t off = acpi_table_begin(b->t, "XSDT", 1);
    for (guint i = 0; i < b->xsdt->len; i++) {
        size_t entry = b->t->len;
        acpi_put_u64(b->t, g_array_index(b->xsdt, size_t, i));
        acpi_linker_add_pointer(b->l, TABLES, (uint32_t)entry, 8, TABLES);
    }
    acpi_table_end(b->l, TABLES, b->t, off);
    return off;
}

static void build_rsdp(Build *b, GByteArray *rsdp, size_t xsdt)
{
    acpi_linker_allocate(b->l, RSDP, rsdp, 16, ACPI_LOADER_ZONE_FSEG);
    acpi_put_bytes(rsdp, "RSD PTR ", 8);
    acpi_put_u8(rsdp, 0);                              /* checksum of 20 bytes */
    acpi_put_padded(rsdp, ACPI_OEM_ID, 6);
    acpi_put_u8(rsdp, 2);                              /* ACPI 2.0+ */
    acpi_put_u32(rsdp, 0);                             /* no RSDT */
    acpi_put_u32(rsdp, 36);
    acpi_put_u64(rsdp, xsdt);
    acpi_put_u8(rsdp, 0);                              /* extended checksum */
    acpi_put_zeros(rsdp, 3);
    acpi_linker_add_pointer(b->l, RSDP, 24, 8, TABLES);
    /* Both checksums stay 0 here: the loader computes them (see acpi.h). */
    acpi_linker_add_checksum(b->l, RSDP, 0, 20, 8);
    acpi_linker_add_checksum(b->l, RSDP, 0, 36, 32);
}

bool virt_acpi_build(const VirtAcpiConfig *c, VirtAcpiBlobs *out, GError **errp)
{
    *out = (VirtAcpiBlobs){
        .tables = g_byte_array_new(), .rsdp = g_byte_array_new(),
        .smbios = g_byte_array_new(), .smbios_anchor = g_byte_array_new(),
    };
    Build b = { .c = c, .t = out->tables, .l = acpi_linker_new(),
                .xsdt = g_array_new(false, false, sizeof(size_t)) };
    acpi_linker_allocate(b.l, TABLES, b.t, 64, ACPI_LOADER_ZONE_HIGH);
    size_t dsdt;
    bool ok = build_dsdt(&b, &dsdt, errp);
    if (ok) {
        build_fadt(&b, dsdt);
        build_madt(&b);
        build_gtdt(&b);
        build_mcfg(&b);
        build_spcr(&b);
        build_dbg2(&b);
        build_iort(&b);
        build_pptt(&b);
        build_rsdp(&b, out->rsdp, build_xsdt(&b));
        ok = acpi_linker_check(b.l, errp);
    }
    out->loader = g_byte_array_new();
    acpi_put_bytes(out->loader, acpi_linker_script(b.l)->data, acpi_linker_script(b.l)->len);
    acpi_linker_free(b.l);
    g_array_unref(b.xsdt);

    SmbiosInfo info = { .manufacturer = "Tessera", .product = "Tessera virt (aarch64)",
                        .version = "1.0", .cpus = c->cpus, .ram_base = c->ram.base,
                        .ram_size = c->ram.size };
    smbios_build(&info, out->smbios, out->smbios_anchor);
    if (!ok) {
        virt_acpi_blobs_free(out);
    }
    return ok;
}

void virt_acpi_blobs_free(VirtAcpiBlobs *b)
{
    GByteArray **all[] = { &b->tables, &b->rsdp, &b->loader, &b->smbios, &b->smbios_anchor };
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
        if (*all[i]) {
            g_byte_array_unref(*all[i]);
            *all[i] = NULL;
        }
    }
}

bool virt_acpi_setup(DeviceState *fw_cfg, const VirtAcpiConfig *c, GError **errp)
{
    VirtAcpiBlobs b;
    if (!virt_acpi_build(c, &b, errp)) {
        return false;
    }
    bool ok = fw_cfg_add_file(fw_cfg, TABLES, b.tables->data, b.tables->len, errp) &&
              fw_cfg_add_file(fw_cfg, RSDP, b.rsdp->data, b.rsdp->len, errp) &&
              fw_cfg_add_file(fw_cfg, "etc/table-loader", b.loader->data, b.loader->len,
                              errp) &&
              fw_cfg_add_file(fw_cfg, "etc/smbios/smbios-tables", b.smbios->data,
                              b.smbios->len, errp) &&
              fw_cfg_add_file(fw_cfg, "etc/smbios/smbios-anchor", b.smbios_anchor->data,
                              b.smbios_anchor->len, errp);
    virt_acpi_blobs_free(&b);
    return ok;
}
