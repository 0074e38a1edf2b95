/* SPDX-License-Identifier: MIT */
/*
 * Buses: where devices plug in.
 *
 * A device class names the bus type it plugs into (DeviceClass.bus_type;
 * TYPE_SYSTEM_BUS for memory-mapped board devices, NULL for devices that
 * sit on no bus, such as CPUs).  A bus belongs to a device (a PCI host
 * bridge's root bus, a SCSI controller's bus, a virtio transport's bus) or
 * to the machine (the main system bus), and is a child of its owner in the
 * composition tree, so qom-list and info qtree show it.
 *
 * Plugging runs before realize: the bus checks it has room (max_children)
 * and its hotplug handler's pre_plug may refuse or assign an address; after
 * realize the handler's plug maps and wires the device.  Unplug runs the
 * handler's unplug, then the device is unrealized and leaves the bus.
 *
 * A device's DMA address space is its bus's (bus_dma_address_space()); a
 * bus class may give each child its own view (PCI: bus-master enable).
 */
#ifndef TESSERA_KERNEL_BUS_H
#define TESSERA_KERNEL_BUS_H

#include "kernel/device.h"

#define TYPE_BUS "bus"
#define TYPE_SYSTEM_BUS "system-bus"

typedef struct BusState BusState;

/* Callbacks of whoever manages plugging on a bus (a board, a bridge). */
typedef struct BusHotplugOps {
    /* Before realize: refuse (with a message naming what the user gave) or
     * choose the device's address.  Optional. */
    bool (*pre_plug)(void *opaque, BusState *bus, DeviceState *dev, GError **errp);
    /* After realize: map and wire.  Optional. */
    bool (*plug)(void *opaque, BusState *bus, DeviceState *dev, GError **errp);
    /* Before unrealize: undo plug.  Optional. */
    void (*unplug)(void *opaque, BusState *bus, DeviceState *dev);
    /* device_del on a bus whose removal needs the guest's consent (a PCIe
     * slot's attention button): ask for it and return true; the handler
     * calls device_unplug_complete() once the guest released the device.
     * Optional: without it device_del removes the device at once. */
    bool (*unplug_request)(void *opaque, BusState *bus, DeviceState *dev, GError **errp);
} BusHotplugOps;

struct BusState {
    Object parent_obj;
    DeviceState *parent;       /* owning device; NULL: the machine's (or a test's) */
    char *name;                /* unique among buses: "pcie.0", "scsi.0", ... */
    GPtrArray *children;       /* DeviceState *, in plug order (one ref each) */
    AddressSpace *dma_as;      /* what its devices' DMA reaches, or NULL */
    const BusHotplugOps *hotplug;
    void *hotplug_opaque;
    bool hotpluggable;         /* devices may be added/removed while running */
    /* Rank among free buses of its type at its depth when a device comes
     * without bus=: lower fills first (default 0); equal ranks go in the
     * numeric order of their names ("x.2" before "x.10").  Boards set it
     * with bus_set_fill_order (QEMU's virt boards fill virtio-mmio slots
     * from the highest address down). */
    int fill_order;
};

typedef struct BusClass {
    ObjectClass parent_class;
    /* Prefix of automatic names ("pci" -> "pci.0"); default: the type name. */
    const char *name_prefix;
    /* Most devices it holds (0: no limit). */
    unsigned max_children;
    /* Optional per-device DMA view; default: bus->dma_as. */
    AddressSpace *(*dma_as)(BusState *bus, DeviceState *dev);
    /* Optional extra lines for info qtree about @dev on this bus. */
    void (*print_dev)(BusState *bus, DeviceState *dev, GString *out, int indent);
    /* Optional: this bus and what hangs below it, as a GVariant in the
     * shape of the monitor's query for the bus kind (PCI: one PciInfo of
     * query-pci, an a{sv}); the monitor turns it into JSON. */
    GVariant *(*query)(BusState *bus);
    /* Optional: @dev's node in OpenFirmware device paths ("scsi@3",
     * "channel@0/disk@1,0"; kernel/bootorder.h); NULL or no hook: the bus
     * adds none (a virtio bus: the transport's node stands for it). */
    char *(*fw_node)(BusState *bus, DeviceState *dev);
} BusClass;

OBJECT_DECLARE_TYPE(BusState, BusClass, BUS, TYPE_BUS)

/*
 * New bus of @type owned by @owner (a device, the machine, or a test's
 * container), added to the composition tree under it.
 * @name NULL: "<parent id>.<n>" when the owner has an id, else
 * "<prefix>.<n>" with the first free n.  Returns a borrowed pointer (the
 * owner holds it).
 */
BusState *bus_new(const char *type, Object *owner, const char *name);
/* Remove @bus (its devices must be gone). */
void bus_destroy(BusState *bus);
void bus_set_hotplug_handler(BusState *bus, const BusHotplugOps *ops, void *opaque);
AddressSpace *bus_dma_address_space(BusState *bus, DeviceState *dev);
bool bus_has_room(BusState *bus);

/* Bus by name ("pcie.0") or by composition path. */
BusState *bus_find(const char *name);
/* The bus of @type with room for a device given without bus=: the
 * shallowest (fewest buses between it and the machine), then the lowest
 * fill_order, then the lowest name in numeric order. */
BusState *bus_find_free(const char *type);
void bus_set_fill_order(BusState *bus, int order);
/* The first bus of @type (in numeric name order) that @owner owns, or NULL. */
BusState *bus_owned_by(DeviceState *owner, const char *type);
/* strcmp, except that runs of digits compare as numbers ("a.9" < "a.10"). */
int bus_name_cmp(const char *a, const char *b);
/* Every bus, breadth first from the machine (borrowed pointers). */
GPtrArray *bus_list(void);

/*
 * Put @dev on @bus (NULL: the first bus of the device class's type with
 * room) before realize: checks the type and room, runs pre_plug.  The
 * messages name the device type and the bus.  A device class without a bus
 * type may not be plugged anywhere.
 */
bool bus_plug(BusState *bus, DeviceState *dev, GError **errp);
/* Realize @dev, already on its bus, then run the handler's plug. */
bool bus_realize_plugged(DeviceState *dev, GError **errp);
/* Take @dev off its bus: handler unplug, unrealize, drop the bus's ref. */
void bus_unplug(DeviceState *dev);

/* The device/bus tree the way QEMU's info qtree prints it. */
void qtree_print(GString *out);

void bus_types_init(void);

#endif
