/* SPDX-License-Identifier: MIT */
/*
 * Devices: the base type for all hardware models.
 *
 * Lifecycle: infallible instance_init; properties set; fallible realize;
 * reset; unrealize on unplug.  A device exposes MMIO regions and IRQ pins
 * that its board (or the user-device slot of a board) maps and wires, and
 * may describe itself in the flattened device tree through fdt_node.
 */
#ifndef TESSERA_KERNEL_DEVICE_H
#define TESSERA_KERNEL_DEVICE_H

#include "objmodel/object.h"
#include "kernel/irq.h"
#include "kernel/memory.h"

#define TYPE_DEVICE "device"

typedef struct DeviceState DeviceState;
typedef struct BusState BusState;
typedef struct FdtBuilder FdtBuilder;

#define DEVICE_MAX_MMIO 8
#define DEVICE_MAX_IRQ_OUT 64

struct DeviceState {
    Object parent_obj;
    char *id;                  /* user-given id, or NULL */
    bool realized;
    bool hotplugged;
    bool user_created;         /* by -device or device_add */
    BusState *parent_bus;      /* the bus it is plugged into, or NULL */
    int num_mmio;
    MemoryRegion *mmio[DEVICE_MAX_MMIO];
    hwaddr mmio_addr[DEVICE_MAX_MMIO]; /* where mapped, or HWADDR_UNMAPPED */
    int num_irq_out;
    IRQLine **irq_out[DEVICE_MAX_IRQ_OUT]; /* pointers to the device's pin fields */
    IRQLine **irq_in;          /* input pins, or NULL */
    int num_irq_in;
    GError *pending_error;     /* from -global, reported by realize */
};

#define HWADDR_UNMAPPED UINT64_MAX

typedef struct DeviceClass {
    ObjectClass parent_class;
    const char *desc;          /* one line for -device help */
    const char *category;      /* see TesseraTypeDesc.category */
    bool user_creatable;       /* may be given with -device */
    bool hotpluggable;         /* may be added/removed while running */
    /* The bus type it plugs into (default TYPE_SYSTEM_BUS "system-bus");
     * NULL: on no bus (CPUs).  See kernel/bus.h. */
    const char *bus_type;
    bool (*realize)(DeviceState *dev, GError **errp);
    void (*unrealize)(DeviceState *dev);
    void (*reset)(DeviceState *dev);
    /* Add this device's node(s) to the tree under construction. */
    void (*fdt_node)(DeviceState *dev, FdtBuilder *fdt);
    /* Optional: its own node in OpenFirmware device paths (fw_cfg
     * "bootorder", kernel/bootorder.h), overriding its bus's choice. */
    char *(*fw_node)(DeviceState *dev);
} DeviceClass;

OBJECT_DECLARE_TYPE(DeviceState, DeviceClass, DEVICE, TYPE_DEVICE)

/* Declare an MMIO region (index returned) and an output IRQ pin. */
int device_init_mmio(DeviceState *dev, MemoryRegion *mr);
int device_init_irq_out(DeviceState *dev, IRQLine **pin);
/* Create @count input pins delivering to @handler. */
void device_init_irq_in(DeviceState *dev, IRQHandler handler, int count);
IRQLine *device_get_irq_in(DeviceState *dev, int n);
/* Connect output pin @n of @dev to @line (NULL disconnects). */
void device_connect_irq_out(DeviceState *dev, int n, IRQLine *line);
/* Map MMIO region @n at @addr in @container (priority 0). */
void device_mmio_map(DeviceState *dev, int n, MemoryRegion *container, hwaddr addr);

/* The address space a device's DMA reaches: its bus's (kernel/bus.h);
 * NULL for a device on no bus. */
AddressSpace *device_dma_address_space(DeviceState *dev);

bool device_realize(DeviceState *dev, GError **errp);
void device_unrealize(DeviceState *dev);
void device_reset(DeviceState *dev);
/* Reset every realized device under @root in the composition tree. */
void device_reset_all(Object *root);

/*
 * Create a user device from "-device driver,prop=val,..." style options:
 * loads the module, checks user_creatable, sets properties, places it at
 * /machine/peripheral/<id> or /machine/peripheral-anon/device[N], realizes.
 */
typedef struct OptDict OptDict;
DeviceState *device_create_from_opts(OptDict *opts, bool hotplug, GError **errp);
/*
 * Remove a user device by id or path (device_del).  A device that still
 * holds devices on its own buses is refused.  When the bus asks the guest
 * first (BusHotplugOps.unplug_request), *@pending is set (if non-NULL) and
 * the device goes later, through device_unplug_complete().
 */
bool device_delete(const char *id, bool *pending, GError **errp);
/* The guest released @dev: unplug and remove it, tell the listeners. */
void device_unplug_complete(DeviceState *dev);
/* Called after a user device left the machine (DEVICE_DELETED): its id
 * (NULL for none) and its former canonical path. */
typedef void (*DeviceDeletedFn)(const char *id, const char *path, void *opaque);
void device_add_deleted_listener(DeviceDeletedFn fn, void *opaque);

/* -global DRIVER.PROP=VALUE: applied to every new device of DRIVER.  Errors
 * name @origin (what the user wrote, e.g. "-cpu rv64,zbb=x"), or the
 * -global form when NULL. */
void device_add_global(const char *origin, const char *driver, const char *property,
                       const char *value);
void device_types_init(void);

#endif
