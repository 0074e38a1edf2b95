/* SPDX-License-Identifier: MIT */
/*
 * Arm GICv2m MSI frame ("arm-gicv2m", Server Base System Architecture,
 * appendix E): a write of an interrupt id to MSI_SETSPI_NS raises that SPI
 * as an edge, so PCI MSIs can reach a GICv2.
 *
 * MMIO (4 KiB): 0x008 MSI_TYPER (base SPI id in bits 25:16, count in 9:0),
 * 0x040 MSI_SETSPI_NS (write-only), 0xfcc MSI_IIDR.
 * IRQ outputs: pin n pulses for interrupt id base-spi + n; the board wires
 * them to the GIC's SPI inputs.
 * Properties: "base-spi" (interrupt id of the first SPI, 32..1019),
 * "num-spi" (1..64).
 */
#include "kernel/device.h"
#include "kernel/log.h"
#include "kernel/module.h"

#define TYPE_ARM_GICV2M "arm-gicv2m"
#define V2M_SIZE 0x1000
#define V2M_MAX_SPIS 64

enum {
    V2M_MSI_TYPER = 0x008,
    V2M_MSI_SETSPI_NS = 0x040,
    V2M_MSI_IIDR = 0xfcc,
};

typedef struct GICv2mState {
    DeviceState parent_obj;
    MemoryRegion mmio;
    uint32_t base_spi, num_spi;
    IRQLine *out[V2M_MAX_SPIS];
} GICv2mState;

OBJECT_DECLARE_SIMPLE_TYPE(GICv2mState, ARM_GICV2M, TYPE_ARM_GICV2M)

static uint64_t v2m_read(void *opaque, hwaddr off, unsigned size)
{
    GICv2mState *s = opaque;
    switch (off) {
    case V2M_MSI_TYPER:
        return (s->base_spi << 16) | s->num_spi;
    case V2M_MSI_IIDR:
        return 0;
    }
    log_mask(LOG_GUEST_ERROR, "arm-gicv2m: read of unknown or write-only register 0x%" PRIx64
             "\n", (uint64_t)off);
    return 0;
}

static void v2m_write(void *opaque, hwaddr off, uint64_t v, unsigned size)
{
    GICv2mState *s = opaque;
    if (off != V2M_MSI_SETSPI_NS) {
        log_mask(LOG_GUEST_ERROR, "arm-gicv2m: write of unknown or read-only register 0x%"
                 PRIx64 "\n", (uint64_t)off);
        return;
    }
    uint32_t id = (uint32_t)v & 0x3ff;
    if (id < s->base_spi || id >= s->base_spi + s->num_spi) {
        log_mask(LOG_GUEST_ERROR, "arm-gicv2m: MSI for interrupt %u outside %u..%u\n", id,
                 s->base_spi, s->base_spi + s->num_spi - 1);
        return;
    }
    irq_pulse(s->out[id - s->base_spi]);
}

static const MemoryRegionOps v2m_ops = {
    .read = v2m_read,
    .write = v2m_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 2, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static const PropertyInfo v2m_props[] = {
    PROP_UINT32("base-spi", GICv2mState, base_spi, 80, "Interrupt id of the first SPI"),
    PROP_UINT32("num-spi", GICv2mState, num_spi, 64, "Number of SPIs (1..64)"),
    PROP_END
};

static void v2m_init(Object *obj)
{
    GICv2mState *s = ARM_GICV2M(obj);
    memory_region_init_io(&s->mmio, obj, &v2m_ops, s, "gicv2m", V2M_SIZE);
    device_init_mmio(DEVICE(obj), &s->mmio);
}

static bool v2m_realize(DeviceState *dev, GError **errp)
{
    GICv2mState *s = ARM_GICV2M(dev);
    if (s->num_spi < 1 || s->num_spi > V2M_MAX_SPIS || s->base_spi < 32 ||
        s->base_spi + s->num_spi > 1020) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_OUT_OF_RANGE,
                    "arm-gicv2m: base-spi=%u num-spi=%u: need 1..%u SPIs within 32..1019",
                    s->base_spi, s->num_spi, V2M_MAX_SPIS);
        return false;
    }
    for (unsigned i = 0; i < s->num_spi; i++) {
        device_init_irq_out(dev, &s->out[i]);
    }
    return true;
}

static void v2m_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = v2m_realize;
    object_class_add_field_properties(klass, v2m_props);
}

static const TypeInfo v2m_info = {
    .name = TYPE_ARM_GICV2M,
    .parent = TYPE_DEVICE,
    .category = "misc",
    .description = "Arm GICv2m MSI frame",
    .target = "aarch64",
    .instance_size = sizeof(GICv2mState),
    .class_size = sizeof(DeviceClass),
    .instance_init = v2m_init,
    .class_init = v2m_class_init,
};

TESSERA_MODULE(.name = "arm-gicv2m", .kind = "device", .types = TESSERA_TYPES(&v2m_info));
