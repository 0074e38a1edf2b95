/* SPDX-License-Identifier: MIT */
/*
 * Buses: plugging devices before realize, the bus's hotplug handler,
 * DMA address spaces, lookup by name and type, and info qtree.
 */
#include "kernel/bus.h"

#include <string.h>

#include "kernel/bootorder.h"
#include "kernel/core.h"
#include "kernel/machine.h"

static GPtrArray *child_buses(Object *owner)
{
    GPtrArray *out = g_ptr_array_new();
    g_autoptr(GPtrArray) kids = object_get_children(owner);
    for (guint i = 0; i < kids->len; i++) {
        Object *o = object_dynamic_cast(g_ptr_array_index(kids, i), TYPE_BUS);
        if (o) {
            g_ptr_array_add(out, o);
        }
    }
    return out;
}

/* Devices in the composition tree below @obj (a bus owner's subtree) whose
 * buses must be searched too: every device with buses is somewhere under
 * /machine, so walk the whole tree once. */
static void collect_buses(Object *obj, GPtrArray *out)
{
    if (object_dynamic_cast(obj, TYPE_BUS)) {
        g_ptr_array_add(out, obj);
    }
    g_autoptr(GPtrArray) kids = object_get_children(obj);
    for (guint i = 0; i < kids->len; i++) {
        collect_buses(g_ptr_array_index(kids, i), out);
    }
}

/* Depth of a bus: how many buses stand between it and the machine. */
static unsigned bus_depth(BusState *bus)
{
    unsigned d = 0;
    while (bus->parent && bus->parent->parent_bus) {
        bus = bus->parent->parent_bus;
        d++;
    }
    return d;
}

static int cmp_bus_depth(gconstpointer a, gconstpointer b)
{
    BusState *x = *(BusState *const *)a, *y = *(BusState *const *)b;
    unsigned dx = bus_depth(x), dy = bus_depth(y);
    return dx != dy ? (dx < dy ? -1 : 1) : 0;
}

GPtrArray *bus_list(void)
{
    GPtrArray *out = g_ptr_array_new();
    collect_buses(object_root(), out);
    /* Breadth first: the machine's buses before those behind bridges;
     * g_ptr_array_sort is stable, so tree order is kept within a level. */
    g_ptr_array_sort(out, cmp_bus_depth);
    return out;
}

BusState *bus_find(const char *name)
{
    if (name[0] == '/') {
        Object *o = object_resolve_path(name, NULL);
        return o ? (BusState *)object_dynamic_cast(o, TYPE_BUS) : NULL;
    }
    g_autoptr(GPtrArray) all = bus_list();
    for (guint i = 0; i < all->len; i++) {
        BusState *b = g_ptr_array_index(all, i);
        if (!strcmp(b->name, name)) {
            return b;
        }
    }
    return NULL;
}

bool bus_has_room(BusState *bus)
{
    unsigned max = BUS_GET_CLASS(bus)->max_children;
    return !max || bus->children->len < max;
}

int bus_name_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (g_ascii_isdigit(*a) && g_ascii_isdigit(*b)) {
            while (*a == '0' && g_ascii_isdigit(a[1])) {
                a++;
            }
            while (*b == '0' && g_ascii_isdigit(b[1])) {
                b++;
            }
            size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
            if (la != lb) {
                return la < lb ? -1 : 1;
            }
            int c = strncmp(a, b, la);
            if (c) {
                return c;
            }
            a += la;
            b += lb;
        } else if (*a != *b) {
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        } else {
            a++;
            b++;
        }
    }
    return *a ? 1 : *b ? -1 : 0;
}

/* Which of two free buses takes the next device given without bus=. */
static bool bus_fills_before(BusState *x, BusState *y)
{
    unsigned dx = bus_depth(x), dy = bus_depth(y);
    if (dx != dy) {
        return dx < dy;
    }
    if (x->fill_order != y->fill_order) {
        return x->fill_order < y->fill_order;
    }
    return bus_name_cmp(x->name, y->name) < 0;
}

BusState *bus_find_free(const char *type)
{
    g_autoptr(GPtrArray) all = bus_list();
    BusState *best = NULL;
    for (guint i = 0; i < all->len; i++) {
        BusState *b = g_ptr_array_index(all, i);
        if (object_dynamic_cast(OBJECT(b), type) && bus_has_room(b) &&
            (!best || bus_fills_before(b, best))) {
            best = b;
        }
    }
    return best;
}

void bus_set_fill_order(BusState *bus, int order)
{
    bus->fill_order = order;
}

BusState *bus_owned_by(DeviceState *owner, const char *type)
{
    g_autoptr(GPtrArray) buses = child_buses(OBJECT(owner));
    BusState *best = NULL;
    for (guint i = 0; i < buses->len; i++) {
        BusState *b = g_ptr_array_index(buses, i);
        if (object_dynamic_cast(OBJECT(b), type) &&
            (!best || bus_name_cmp(b->name, best->name) < 0)) {
            best = b;
        }
    }
    return best;
}

static bool bus_name_used(const char *name)
{
    return bus_find(name) != NULL;
}

BusState *bus_new(const char *type, Object *owner, const char *name)
{
    Object *obj = object_new(type);
    BusState *bus = BUS(obj);
    BusClass *bc = BUS_GET_CLASS(bus);
    DeviceState *parent = (DeviceState *)object_dynamic_cast(owner, TYPE_DEVICE);
    bus->parent = parent;
    if (name) {
        bus->name = g_strdup(name);
    } else {
        g_autoptr(GPtrArray) siblings = child_buses(owner);
        const char *prefix = parent && parent->id ? parent->id
                             : bc->name_prefix ? bc->name_prefix : type;
        unsigned n = parent && parent->id ? siblings->len : 0;
        for (;; n++) {
            bus->name = g_strdup_printf("%s.%u", prefix, n);
            if (!bus_name_used(bus->name)) {
                break;
            }
            g_free(bus->name);
        }
    }
    /* A name taken by another property of the owner is a programming error. */
    if (!object_property_add_child(owner, bus->name, obj, NULL)) {
        g_error("bus_new: '%s' already has a child named '%s'", object_get_typename(owner),
                bus->name);
    }
    object_unref(obj);
    return bus;
}

void bus_destroy(BusState *bus)
{
    g_assert(bus->children->len == 0);
    object_unparent(OBJECT(bus));
}

void bus_set_hotplug_handler(BusState *bus, const BusHotplugOps *ops, void *opaque)
{
    bus->hotplug = ops;
    bus->hotplug_opaque = opaque;
}

AddressSpace *bus_dma_address_space(BusState *bus, DeviceState *dev)
{
    BusClass *bc = BUS_GET_CLASS(bus);
    return bc->dma_as ? bc->dma_as(bus, dev) : bus->dma_as;
}

bool bus_plug(BusState *bus, DeviceState *dev, GError **errp)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    const char *type = object_get_typename(OBJECT(dev));
    g_assert(!dev->parent_bus && !dev->realized);
    if (!dc->bus_type) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "device '%s' does not plug into any bus", type);
        return false;
    }
    if (!bus) {
        bus = bus_find_free(dc->bus_type);
        if (!bus) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "no '%s' bus with room for device '%s'", dc->bus_type, type);
            return false;
        }
    } else if (!object_dynamic_cast(OBJECT(bus), dc->bus_type)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "bus '%s' is a %s, but device '%s' plugs into a %s", bus->name,
                    object_get_typename(OBJECT(bus)), type, dc->bus_type);
        return false;
    } else if (!bus_has_room(bus)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "bus '%s' is full (%u devices); device '%s' does not fit", bus->name,
                    bus->children->len, type);
        return false;
    }
    if (dev->hotplugged && !bus->hotpluggable) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "bus '%s' does not support hotplugging", bus->name);
        return false;
    }
    if (bus->hotplug && bus->hotplug->pre_plug &&
        !bus->hotplug->pre_plug(bus->hotplug_opaque, bus, dev, errp)) {
        return false;
    }
    dev->parent_bus = bus;
    g_ptr_array_add(bus->children, object_ref(OBJECT(dev)));
    return true;
}

/* Leave the bus's list without running handlers. */
static void bus_remove_child(DeviceState *dev)
{
    BusState *bus = dev->parent_bus;
    if (!bus) {
        return;
    }
    dev->parent_bus = NULL;
    g_ptr_array_remove(bus->children, dev);
}

bool bus_realize_plugged(DeviceState *dev, GError **errp)
{
    BusState *bus = dev->parent_bus;
    if (!device_realize(dev, errp)) {
        return false;
    }
    if (bus && bus->hotplug && bus->hotplug->plug &&
        !bus->hotplug->plug(bus->hotplug_opaque, bus, dev, errp)) {
        device_unrealize(dev);
        return false;
    }
    return true;
}

void bus_unplug(DeviceState *dev)
{
    BusState *bus = dev->parent_bus;
    if (bus && dev->realized && bus->hotplug && bus->hotplug->unplug) {
        bus->hotplug->unplug(bus->hotplug_opaque, bus, dev);
    }
    device_unrealize(dev);
    bus_remove_child(dev);
}

/* ---- info qtree ------------------------------------------------------------ */

static void print_bus(BusState *bus, GString *out, int indent);

static void print_dev(DeviceState *dev, GString *out, int indent)
{
    Object *obj = OBJECT(dev);
    g_string_append_printf(out, "%*sdev: %s, id \"%s\"\n", indent, "",
                           object_get_typename(obj), dev->id ? dev->id : "");
    indent += 2;
    g_autoptr(GPtrArray) props = object_property_list(obj);
    for (guint i = 0; i < props->len; i++) {
        Property *p = g_ptr_array_index(props, i);
        if (p->kind == PROP_KIND_CHILD || !p->get) {
            continue;
        }
        g_autoptr(GVariant) v = object_property_get(obj, p->name, NULL);
        if (!v) {
            continue;
        }
        g_string_append_printf(out, "%*s%s = ", indent, "", p->name);
        if (prop_string_peek(v)) {
            g_string_append_printf(out, "\"%s\"\n", prop_string_peek(v));
        } else if (g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN)) {
            g_string_append_printf(out, "%s\n", g_variant_get_boolean(v) ? "true" : "false");
        } else if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT64)) {
            int64_t x = g_variant_get_int64(v);
            g_string_append_printf(out, "%" PRId64 " (0x%" PRIx64 ")\n", x, (uint64_t)x);
        } else {
            uint64_t x = g_variant_get_uint64(v);
            g_string_append_printf(out, "%" PRIu64 " (0x%" PRIx64 ")\n", x, x);
        }
    }
    if (dev->num_irq_out) {
        g_string_append_printf(out, "%*sgpio-out \"\" %d\n", indent, "", dev->num_irq_out);
    }
    if (dev->num_irq_in) {
        g_string_append_printf(out, "%*sgpio-in \"\" %d\n", indent, "", dev->num_irq_in);
    }
    for (int i = 0; i < dev->num_mmio; i++) {
        if (dev->mmio_addr[i] != HWADDR_UNMAPPED) {
            g_string_append_printf(out, "%*smmio %016" PRIx64 "/%016" PRIx64 "\n", indent, "",
                                   dev->mmio_addr[i], memory_region_size(dev->mmio[i]));
        }
    }
    BusState *parent_bus = dev->parent_bus;
    if (parent_bus && BUS_GET_CLASS(parent_bus)->print_dev) {
        BUS_GET_CLASS(parent_bus)->print_dev(parent_bus, dev, out, indent);
    }
    g_autoptr(GPtrArray) buses = child_buses(obj);
    for (guint i = 0; i < buses->len; i++) {
        print_bus(g_ptr_array_index(buses, i), out, indent);
    }
}

static void print_bus(BusState *bus, GString *out, int indent)
{
    g_string_append_printf(out, "%*sbus: %s\n", indent, "", bus->name);
    g_string_append_printf(out, "%*stype %s\n", indent + 2, "",
                           object_get_typename(OBJECT(bus)));
    for (guint i = 0; i < bus->children->len; i++) {
        print_dev(g_ptr_array_index(bus->children, i), out, indent + 2);
    }
}

void qtree_print(GString *out)
{
    MachineState *ms = machine_current();
    if (!ms) {
        return;
    }
    g_autoptr(GPtrArray) buses = child_buses(OBJECT(ms));
    for (guint i = 0; i < buses->len; i++) {
        print_bus(g_ptr_array_index(buses, i), out, 0);
    }
}

/* ---- types ------------------------------------------------------------------ */

static void bus_instance_init(Object *obj)
{
    BusState *bus = BUS(obj);
    bus->children = g_ptr_array_new_with_free_func((GDestroyNotify)object_unref);
}

static void bus_instance_finalize(Object *obj)
{
    BusState *bus = BUS(obj);
    /* Devices still on the bus (the machine is going away) just leave it. */
    for (guint i = 0; i < bus->children->len; i++) {
        DEVICE(g_ptr_array_index(bus->children, i))->parent_bus = NULL;
    }
    g_ptr_array_unref(bus->children);
    g_free(bus->name);
}

/* A memory-mapped device's node: its type name at its first MMIO address. */
static char *system_bus_fw_node(BusState *bus, DeviceState *dev)
{
    return device_fw_mmio_node(dev, object_get_typename(OBJECT(dev)));
}

static void system_bus_class_init(ObjectClass *klass, const void *data)
{
    BUS_CLASS(klass)->name_prefix = "main-system-bus";
    BUS_CLASS(klass)->fw_node = system_bus_fw_node;
}

static const TypeInfo bus_type_infos[] = {
    {
        .name = TYPE_BUS,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .instance_size = sizeof(BusState),
        .class_size = sizeof(BusClass),
        .instance_init = bus_instance_init,
        .instance_finalize = bus_instance_finalize,
    },
    {
        .name = TYPE_SYSTEM_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(BusState),
        .class_size = sizeof(BusClass),
        .class_init = system_bus_class_init,
    },
};

void bus_types_init(void)
{
    type_register_static_array(bus_type_infos, G_N_ELEMENTS(bus_type_infos));
}
