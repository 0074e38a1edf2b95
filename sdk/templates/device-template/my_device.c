/* SPDX-License-Identifier: MIT */
/*
 * "my-device": a starting point for a Tessera device plugin.  Copy this
 * folder, rename my_device/my-device/MY_DEVICE, then replace the registers
 * with your hardware's.  Keep this comment up to date: name the device and
 * its spec, list the MMIO registers, IRQ lines and properties.
 *
 * MMIO (0x1000 bytes, 32-bit little-endian registers):
 *   0x00 ID     (ro) the "device-id" property
 *   0x04 VALUE  (rw) any value; IRQ 0 is high while it is nonzero
 * IRQ: output 0, level-triggered.
 * Properties: "device-id" (uint32, default 0x4d594456).
 */
#include <tessera/device.h>

#define TYPE_MY_DEVICE "my-device"

#define MY_DEVICE_MMIO_SIZE 0x1000
#define MY_DEVICE_DEFAULT_ID 0x4d594456u /* "MYDV" */

enum {
    REG_ID = 0x00,
    REG_VALUE = 0x04,
};

/* Everything the device remembers: no globals, it all hangs off here. */
typedef struct MyDevice {
    TsrDevice *dev;
    TsrIrq *irq;
    uint32_t device_id;   /* property */
    uint32_t value;       /* register */
} MyDevice;

static void my_device_update_irq(MyDevice *s)
{
    tsr_irq_set(s->irq, s->value != 0);
}

static uint64_t my_device_read(void *opaque, uint64_t offset, unsigned size)
{
    MyDevice *s = opaque;
    switch (offset) {
    case REG_ID:
        return s->device_id;
    case REG_VALUE:
        return s->value;
    default:
        tsr_log_guest_error(s->dev, "read of unknown register 0x%x", (unsigned)offset);
        return 0;
    }
}

static void my_device_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    MyDevice *s = opaque;
    switch (offset) {
    case REG_VALUE:
        s->value = (uint32_t)value;
        my_device_update_irq(s);
        break;
    default:
        tsr_log_guest_error(s->dev, "write to unknown or read-only register 0x%x",
                            (unsigned)offset);
        break;
    }
}

static const TsrRegionOps my_device_ops = {
    .read = my_device_read,
    .write = my_device_write,
    .endianness = TSR_LITTLE_ENDIAN,
    .valid_min_access_size = 4,
    .valid_max_access_size = 4,
};

static const TsrProperty my_device_props[] = {
    TSR_PROP_UINT32("device-id", MyDevice, device_id, MY_DEVICE_DEFAULT_ID,
                    "Value of the ID register"),
    TSR_PROP_END
};

static void my_device_fdt_node(TsrDevice *dev, TsrFdt *fdt)
{
    tsr_fdt_add_node(fdt, "my-device", "acme,my-device");
}

/* Create regions, IRQ pins and timers here; cannot fail. */
static void my_device_init(TsrDevice *dev)
{
    MyDevice *s = tsr_device_state(dev);
    s->dev = dev;
    tsr_device_add_region(dev, TYPE_MY_DEVICE, MY_DEVICE_MMIO_SIZE, &my_device_ops, s);
    s->irq = tsr_device_add_irq(dev);
}

/* Check the properties; say what is wrong in terms of what the user wrote. */
static bool my_device_realize(TsrDevice *dev, TsrError **errp)
{
    MyDevice *s = tsr_device_state(dev);
    if (s->device_id == 0) {
        tsr_error_set(errp, "device-id must not be 0");
        return false;
    }
    return true;
}

static void my_device_reset(TsrDevice *dev)
{
    MyDevice *s = tsr_device_state(dev);
    s->value = 0;
    my_device_update_irq(s);
}

static const TsrTypeDesc my_device_types[] = {
    TSR_DEVICE_TYPE(TYPE_MY_DEVICE, "misc", "Template device (replace this description)"),
    TSR_TYPES_END
};

static const TsrDeviceInfo my_device_info = {
    .type = &my_device_types[0],
    .state_size = sizeof(MyDevice),
    .properties = my_device_props,
    .init = my_device_init,
    .realize = my_device_realize,
    .reset = my_device_reset,
    .fdt_node = my_device_fdt_node,
};

TSR_PLUGIN_DEVICES("my-device", my_device_types, &my_device_info);
