/* SPDX-License-Identifier: MIT */
/*
 * "acpi-ged": a Generic Event Device (ACPI0013) event register, as QEMU's
 * virt board has one when ACPI is on: a 32-bit read-only event selector at
 * offset 0 whose read returns the pending events and clears them; an event
 * pulses the interrupt (edge, described in the DSDT).  The DSDT's _EVT
 * method reads the selector and notifies the devices (the power button for
 * ACPI_GED_POWER_DOWN).  Also the acpi library module's descriptor.
 */
#include "acpi/acpi.h"
#include "acpi/ged.h"
#include "kernel/log.h"
#include "kernel/module.h"

typedef struct AcpiGedState {
    DeviceState parent_obj;
    MemoryRegion mmio;
    IRQLine *irq;
    uint32_t sel;
} AcpiGedState;

OBJECT_DECLARE_SIMPLE_TYPE(AcpiGedState, ACPI_GED, TYPE_ACPI_GED)

static uint64_t ged_read(void *opaque, hwaddr addr, unsigned size)
{
    AcpiGedState *s = opaque;
    if (addr != 0 || size != 4) {
        log_mask(LOG_GUEST_ERROR, "acpi-ged: read of %u bytes at 0x%" HWADDR_PRIx
                 " (only the 32-bit selector at 0)\n", size, addr);
        return 0;
    }
    uint32_t v = s->sel;
    s->sel = 0;
    return v;
}

static void ged_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    log_mask(LOG_GUEST_ERROR, "acpi-ged: write of 0x%" PRIx64 " at 0x%" HWADDR_PRIx
             " (the selector is read-only)\n", v, addr);
}

static const MemoryRegionOps ged_ops = {
    .read = ged_read,
    .write = ged_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

void acpi_ged_event(DeviceState *dev, uint32_t events)
{
    AcpiGedState *s = ACPI_GED(dev);
    s->sel |= events;
    irq_pulse(s->irq);
}

static void ged_reset(DeviceState *dev)
{
    ACPI_GED(dev)->sel = 0;
}

static void ged_init(Object *obj)
{
    AcpiGedState *s = ACPI_GED(obj);
    memory_region_init_io(&s->mmio, obj, &ged_ops, s, "acpi-ged", ACPI_GED_MMIO_SIZE);
    device_init_mmio(DEVICE(obj), &s->mmio);
    device_init_irq_out(DEVICE(obj), &s->irq);
}

static void ged_class_init(ObjectClass *klass, const void *data)
{
    DEVICE_CLASS(klass)->reset = ged_reset;
}

static const TypeInfo acpi_ged_info = {
    .name = TYPE_ACPI_GED,
    .parent = TYPE_DEVICE,
    .category = "misc",
    .description = "ACPI Generic Event Device (event selector; boards with ACPI)",
    .instance_size = sizeof(AcpiGedState),
    .class_size = sizeof(DeviceClass),
    .instance_init = ged_init,
    .class_init = ged_class_init,
};

TESSERA_MODULE(.name = "acpi", .kind = "library", .types = TESSERA_TYPES(&acpi_ged_info));
