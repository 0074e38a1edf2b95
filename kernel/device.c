/* SPDX-License-Identifier: MIT */
/*
 * The device base type: MMIO regions and IRQ pins, the realize/reset
 * lifecycle, -global defaults, and user-created devices (-device,
 * device_add, device_del).
 */
#include "kernel/device.h"

#include <string.h>

#include "kernel/bus.h"
#include "kernel/core.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "kernel/options.h"

typedef struct GlobalProp {
    char *origin;               /* what the user wrote, for messages */
    char *driver;
    char *property;
    char *value;
} GlobalProp;

/* -global settings, in command-line order (set before any device exists). */
static GPtrArray *globals;

void device_add_global(const char *origin, const char *driver, const char *property,
                       const char *value)
{
    if (!globals) {
        globals = g_ptr_array_new();
    }
    GlobalProp *g = g_new0(GlobalProp, 1);
    g->origin = origin ? g_strdup(origin)
                       : g_strdup_printf("-global %s.%s=%s", driver, property, value);
    g->driver = g_strdup(driver);
    g->property = g_strdup(property);
    g->value = g_strdup(value);
    g_ptr_array_add(globals, g);
}

/* Apply matching -global settings; errors are kept for realize. */
static void device_post_init(Object *obj)
{
    DeviceState *dev = DEVICE(obj);
    for (guint i = 0; globals && i < globals->len && !dev->pending_error; i++) {
        GlobalProp *g = g_ptr_array_index(globals, i);
        if (!object_dynamic_cast(obj, g->driver)) {
            continue;
        }
        GError *err = NULL;
        if (!object_property_parse(obj, g->property, g->value, &err)) {
            g_set_error(&dev->pending_error, err->domain, err->code, "%s: %s", g->origin,
                        err->message);
            g_error_free(err);
        }
    }
}

/* A board that sets a property a -global also names would silently undo
 * it: refuse instead (values given with -device win, as in QEMU). */
static bool device_globals_held(DeviceState *dev, GError **errp)
{
    for (guint i = 0; globals && !dev->user_created && i < globals->len; i++) {
        GlobalProp *g = g_ptr_array_index(globals, i);
        Property *p = object_property_find(OBJECT(dev), g->property);
        if (p && p->get && object_dynamic_cast(OBJECT(dev), g->driver) &&
            !object_property_value_is(OBJECT(dev), g->property, g->value)) {
            g_autofree char *now = object_property_print(OBJECT(dev), g->property, NULL);
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "%s: the machine sets %s of its %s to %s itself, so this cannot take"
                        " effect", g->origin, g->property, object_get_typename(OBJECT(dev)),
                        now ? now : "?");
            return false;
        }
    }
    return true;
}

static void device_instance_init(Object *obj)
{
    DeviceState *dev = DEVICE(obj);
    for (int i = 0; i < DEVICE_MAX_MMIO; i++) {
        dev->mmio_addr[i] = HWADDR_UNMAPPED;
    }
}

static void device_finalize(Object *obj)
{
    DeviceState *dev = DEVICE(obj);
    if (dev->realized) {
        device_unrealize(dev);
    }
    if (dev->irq_in) {
        irq_free_array(dev->irq_in, dev->num_irq_in);
    }
    g_clear_error(&dev->pending_error);
    g_free(dev->id);
}

int device_init_mmio(DeviceState *dev, MemoryRegion *mr)
{
    g_assert(dev->num_mmio < DEVICE_MAX_MMIO);
    dev->mmio[dev->num_mmio] = mr;
    return dev->num_mmio++;
}

int device_init_irq_out(DeviceState *dev, IRQLine **pin)
{
    g_assert(dev->num_irq_out < DEVICE_MAX_IRQ_OUT);
    dev->irq_out[dev->num_irq_out] = pin;
    return dev->num_irq_out++;
}

void device_init_irq_in(DeviceState *dev, IRQHandler handler, int count)
{
    g_assert(!dev->irq_in);
    dev->irq_in = irq_new_array(handler, dev, count);
    dev->num_irq_in = count;
}

IRQLine *device_get_irq_in(DeviceState *dev, int n)
{
    g_assert(n >= 0 && n < dev->num_irq_in);
    return dev->irq_in[n];
}

void device_connect_irq_out(DeviceState *dev, int n, IRQLine *line)
{
    g_assert(n >= 0 && n < dev->num_irq_out);
    *dev->irq_out[n] = line;
}

void device_mmio_map(DeviceState *dev, int n, MemoryRegion *container, hwaddr addr)
{
    g_assert(n >= 0 && n < dev->num_mmio);
    memory_region_add_subregion(container, addr, dev->mmio[n]);
    dev->mmio_addr[n] = addr;
}

AddressSpace *device_dma_address_space(DeviceState *dev)
{
    return dev->parent_bus ? bus_dma_address_space(dev->parent_bus, dev) : NULL;
}

bool device_realize(DeviceState *dev, GError **errp)
{
    if (dev->realized) {
        return true;
    }
    if (dev->pending_error) {
        g_propagate_error(errp, g_steal_pointer(&dev->pending_error));
        return false;
    }
    if (!device_globals_held(dev, errp)) {
        return false;
    }
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    /* A board's own device goes on the first bus of its type, when the
     * machine (or a test) has one; user devices were plugged already. */
    if (!dev->parent_bus && dc->bus_type) {
        BusState *bus = bus_find_free(dc->bus_type);
        if (bus && !bus_plug(bus, dev, errp)) {
            return false;
        }
    }
    if (dc->realize && !dc->realize(dev, errp)) {
        return false;
    }
    dev->realized = true;
    return true;
}

void device_unrealize(DeviceState *dev)
{
    if (!dev->realized) {
        return;
    }
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    for (int i = 0; i < dev->num_mmio; i++) {
        MemoryRegion *mr = dev->mmio[i];
        if (dev->mmio_addr[i] != HWADDR_UNMAPPED && mr->container) {
            memory_region_del_subregion(mr->container, mr);
            dev->mmio_addr[i] = HWADDR_UNMAPPED;
        }
    }
    if (dc->unrealize) {
        dc->unrealize(dev);
    }
    dev->realized = false;
}

void device_reset(DeviceState *dev)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    if (dc->reset) {
        dc->reset(dev);
    }
}

static void reset_walk(Object *obj, void *opaque)
{
    DeviceState *dev = (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE);
    if (dev && dev->realized) {
        device_reset(dev);
    }
    object_child_foreach(obj, reset_walk, opaque);
}

void device_reset_all(Object *root)
{
    reset_walk(root, NULL);
}

/* Name for an anonymous user device: device[N], first free N. */
static char *anon_name(Object *parent)
{
    for (unsigned n = 0;; n++) {
        char *name = g_strdup_printf("device[%u]", n);
        if (!object_resolve_child(parent, name)) {
            return name;
        }
        g_free(name);
    }
}

/* The type an alias names on this machine (MachineClass.device_alias_suffixes),
 * or @driver itself. */
static const char *resolve_alias(const char *driver, char **owned)
{
    MachineState *ms = machine_current();
    if (!ms || type_lookup(driver) || module_find_type(driver)) {
        return driver;
    }
    const char *const *sfx = MACHINE_GET_CLASS(ms)->device_alias_suffixes;
    for (; sfx && *sfx; sfx++) {
        char *name = g_strconcat(driver, *sfx, NULL);
        if (type_lookup(name) || module_find_type(name)) {
            *owned = name;
            return name;
        }
        g_free(name);
    }
    return driver;
}

DeviceState *device_create_from_opts(OptDict *opts, bool hotplug, GError **errp)
{
    g_autofree char *alias_target = NULL;
    const char *driver = opt_dict_get(opts, "driver");
    if (!driver) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-device: missing driver name");
        return NULL;
    }
    driver = resolve_alias(driver, &alias_target);
    GError *err = NULL;
    TypeImpl *t = type_lookup_or_load(driver, &err);
    if (!t) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND, "-device %s: %s", driver,
                    err->message);
        g_error_free(err);
        return NULL;
    }
    ObjectClass *oc = object_class_by_name(driver);
    DeviceClass *dc = (DeviceClass *)object_class_dynamic_cast(oc, TYPE_DEVICE);
    if (!dc || type_is_abstract(t)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-device %s: '%s' is not a device type that can be created", driver, driver);
        return NULL;
    }
    if (!dc->user_creatable) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-device %s: device cannot be created by the user (it is part of a board)",
                    driver);
        return NULL;
    }
    if (hotplug && !dc->hotpluggable) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "device_add %s: device does not support hotplugging", driver);
        return NULL;
    }
    const char *id = opt_dict_get(opts, "id");
    if (id && !object_id_check(id, &err)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-device %s: %s", driver,
                    err->message);
        g_error_free(err);
        return NULL;
    }
    Object *peripheral = container_get(id ? "/machine/peripheral" : "/machine/peripheral-anon");
    if (id && object_resolve_child(peripheral, id)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-device %s: duplicate id '%s'",
                    driver, id);
        return NULL;
    }
    Object *obj = object_new(driver);
    DeviceState *dev = DEVICE(obj);
    dev->hotplugged = hotplug;
    for (guint i = 0; i < opts->keys->len; i++) {
        const char *key = g_ptr_array_index(opts->keys, i);
        if (!strcmp(key, "driver") || !strcmp(key, "id") || !strcmp(key, "bus")) {
            continue;
        }
        if (!object_property_parse(obj, key, opt_dict_get(opts, key), &err)) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-device %s: %s", driver,
                        err->message);
            g_error_free(err);
            object_unref(obj);
            return NULL;
        }
    }
    const char *bus_name = opt_dict_get(opts, "bus");
    BusState *bus = NULL;
    if (bus_name && !dc->bus_type) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-device %s: bus=%s given, but the device plugs into no bus", driver, bus_name);
        object_unref(obj);
        return NULL;
    }
    if (bus_name && !(bus = bus_find(bus_name))) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND, "-device %s: Bus '%s' not found",
                    driver, bus_name);
        object_unref(obj);
        return NULL;
    }
    dev->id = g_strdup(id);
    dev->user_created = true;
    g_autofree char *name = id ? g_strdup(id) : anon_name(peripheral);
    bool placed = id ? object_add_user_child(peripheral, name, obj, &err)
                     : object_property_add_child(peripheral, name, obj, &err);
    object_unref(obj);
    if (!placed) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-device %s: %s", driver,
                    err->message);
        g_error_free(err);
        return NULL;
    }
    if ((dc->bus_type && !bus_plug(bus, dev, &err)) || !bus_realize_plugged(dev, &err)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-device %s: %s", driver,
                    err->message);
        g_error_free(err);
        bus_unplug(dev);
        object_unparent(obj);
        return NULL;
    }
    return dev;
}

typedef struct DeletedListener {
    DeviceDeletedFn fn;
    void *opaque;
} DeletedListener;

/* Listeners for removed devices (the monitor's DEVICE_DELETED). */
static GArray *deleted_listeners;

void device_add_deleted_listener(DeviceDeletedFn fn, void *opaque)
{
    if (!deleted_listeners) {
        deleted_listeners = g_array_new(false, false, sizeof(DeletedListener));
    }
    DeletedListener l = { .fn = fn, .opaque = opaque };
    g_array_append_val(deleted_listeners, l);
}

void device_unplug_complete(DeviceState *dev)
{
    Object *obj = OBJECT(dev);
    g_autofree char *path = object_get_canonical_path(obj);
    g_autofree char *id = g_strdup(dev->id);
    bus_unplug(dev);
    object_unparent(obj);
    for (guint i = 0; deleted_listeners && i < deleted_listeners->len; i++) {
        DeletedListener *l = &g_array_index(deleted_listeners, DeletedListener, i);
        l->fn(id, path ? path : "", l->opaque);
    }
}

/* The first user-created device on one of @dev's own buses, or NULL. */
static DeviceState *held_device(DeviceState *dev, BusState **on)
{
    g_autoptr(GPtrArray) kids = object_get_children(OBJECT(dev));
    for (guint i = 0; i < kids->len; i++) {
        BusState *b = (BusState *)object_dynamic_cast(g_ptr_array_index(kids, i), TYPE_BUS);
        for (guint j = 0; b && j < b->children->len; j++) {
            /* Parts the device made itself (a -pci proxy's virtio device) go
             * with it; devices the user plugged there must go first. */
            DeviceState *d = g_ptr_array_index(b->children, j);
            if (d->user_created) {
                *on = b;
                return d;
            }
        }
    }
    return NULL;
}

bool device_delete(const char *id, bool *pending, GError **errp)
{
    Object *obj = NULL;
    if (pending) {
        *pending = false;
    }
    if (id[0] == '/') {
        obj = object_resolve_path(id, NULL);
    } else {
        obj = object_resolve_child(container_get("/machine/peripheral"), id);
    }
    DeviceState *dev = obj ? (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE) : NULL;
    if (!dev) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND, "Device '%s' not found", id);
        return false;
    }
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    if (!dc->hotpluggable) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "Device '%s' (%s) does not support hot-unplugging", id,
                    object_get_typename(obj));
        return false;
    }
    BusState *held_on = NULL;
    DeviceState *held = held_device(dev, &held_on);
    if (held) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "Device '%s' still holds device '%s' on its bus '%s'; remove that first", id,
                    held->id ? held->id : object_get_typename(OBJECT(held)), held_on->name);
        return false;
    }
    BusState *bus = dev->parent_bus;
    if (bus && bus->hotplug && bus->hotplug->unplug_request) {
        if (!bus->hotplug->unplug_request(bus->hotplug_opaque, bus, dev, errp)) {
            return false;
        }
        if (pending) {
            *pending = true;
        }
        return true;
    }
    device_unplug_complete(dev);
    return true;
}

/* What users see of a device type is declared once, in its TypeInfo. */
static void device_class_base_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    const TypeInfo *ti = type_get_info(klass->type);
    if (!ti) {
        return;
    }
    dc->desc = ti->description;
    if (ti->category) {
        dc->category = ti->category;
    }
    dc->user_creatable = ti->user_creatable;
}

static void device_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->category = "misc";
    dc->bus_type = TYPE_SYSTEM_BUS;
}

static const TypeInfo device_type_info = {
    .name = TYPE_DEVICE,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .instance_size = sizeof(DeviceState),
    .class_size = sizeof(DeviceClass),
    .instance_init = device_instance_init,
    .instance_post_init = device_post_init,
    .instance_finalize = device_finalize,
    .class_init = device_class_init,
    .class_base_init = device_class_base_init,
};

void device_types_init(void)
{
    type_register_static(&device_type_info);
}
