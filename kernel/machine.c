/* SPDX-License-Identifier: MIT */
/*
 * The machine base type and machine creation.  Boards subclass it; the
 * core allocates the system memory container, its address space and the
 * RAM block before the board's init runs.
 */
#include "kernel/machine.h"

#include <string.h>

#include "kernel/bus.h"
#include "kernel/core.h"

#define MAX_SERIAL_PORTS 4

/* The machine of this process (one per process; tests may replace it). */
static MachineState *current_machine;
static char *serial_ids[MAX_SERIAL_PORTS];

MachineState *machine_current(void)
{
    return current_machine;
}

const char *machine_serial_chardev_id(int index)
{
    return index >= 0 && index < MAX_SERIAL_PORTS ? serial_ids[index] : NULL;
}

void machine_set_serial_chardev_id(int index, const char *id)
{
    g_assert(index >= 0 && index < MAX_SERIAL_PORTS);
    g_free(serial_ids[index]);
    serial_ids[index] = g_strdup(id);
}

char *machine_name_from_type(const char *type_name)
{
    if (g_str_has_suffix(type_name, TYPE_MACHINE_SUFFIX)) {
        return g_strndup(type_name, strlen(type_name) - strlen(TYPE_MACHINE_SUFFIX));
    }
    return g_strdup(type_name);
}

/* machine_name_from_type() for class set-up: the result is interned. */
static const char *machine_name_from_type_static(const char *type_name)
{
    g_autofree char *n = machine_name_from_type(type_name);
    return g_intern_string(n);
}

MachineState *machine_create(const char *name, GError **errp)
{
    g_autofree char *type = g_strconcat(name, TYPE_MACHINE_SUFFIX, NULL);
    GError *err = NULL;
    TypeImpl *t = type_lookup_or_load(type, &err);
    if (!t) {
        if (err->domain == OBJECT_ERROR || g_str_has_prefix(err->message, "no module")) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                        "-machine: unsupported machine type '%s'; use -machine help to list"
                        " supported machines", name);
        } else {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND, "-machine %s: %s", name,
                        err->message);
        }
        g_error_free(err);
        return NULL;
    }
    if (!type_is_a(t, TYPE_MACHINE) || type_is_abstract(t)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                    "-machine: '%s' is not a machine type", name);
        return NULL;
    }
    Object *obj = object_new(type);
    object_property_add_child(object_root(), "machine", obj, NULL);
    object_unref(obj);
    current_machine = MACHINE(obj);
    MachineClass *mc = MACHINE_GET_CLASS(obj);
    current_machine->ram_size = mc->default_ram_size;
    current_machine->smp_cpus = 1;
    return current_machine;
}

/* The main system bus's handler: the board places user-created devices;
 * its own devices it maps itself. */
static bool sysbus_pre_plug(void *opaque, BusState *bus, DeviceState *dev, GError **errp)
{
    MachineState *ms = opaque;
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    return !dev->user_created || !mc->pre_plug_device || mc->pre_plug_device(ms, dev, errp);
}

static bool sysbus_plug(void *opaque, BusState *bus, DeviceState *dev, GError **errp)
{
    MachineState *ms = opaque;
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    return !dev->user_created || !mc->plug_device || mc->plug_device(ms, dev, errp);
}

static void sysbus_unplug(void *opaque, BusState *bus, DeviceState *dev)
{
    MachineState *ms = opaque;
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    if (dev->user_created && mc->unplug_device) {
        mc->unplug_device(ms, dev);
    }
}

static const BusHotplugOps sysbus_hotplug_ops = {
    .pre_plug = sysbus_pre_plug,
    .plug = sysbus_plug,
    .unplug = sysbus_unplug,
};

bool machine_init(MachineState *ms, GError **errp)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    if (ms->smp_cpus < 1 || (mc->max_cpus && ms->smp_cpus > mc->max_cpus)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-smp %u: machine '%s' supports 1 to %u CPUs", ms->smp_cpus, mc->name,
                    mc->max_cpus ? mc->max_cpus : 1);
        return false;
    }
    memory_region_init(&ms->system_memory, OBJECT(ms), "system", UINT64_MAX);
    address_space_init(&ms->address_space, &ms->system_memory, "memory");
    if (ms->ram_size && !memory_region_init_ram(&ms->ram, OBJECT(ms), "ram", ms->ram_size, errp)) {
        return false;
    }
    ms->cpus = g_ptr_array_new();
    ms->sysbus = bus_new(TYPE_SYSTEM_BUS, OBJECT(ms), "main-system-bus");
    ms->sysbus->dma_as = &ms->address_space;
    ms->sysbus->hotpluggable = true;
    bus_set_hotplug_handler(ms->sysbus, &sysbus_hotplug_ops, ms);
    if (!ms->cpu_type && mc->default_cpu_type) {
        ms->cpu_type = g_strdup(mc->default_cpu_type);
    }
    return mc->init ? mc->init(ms, errp) : true;
}

static void machine_finalize(Object *obj)
{
    MachineState *ms = MACHINE(obj);
    if (current_machine == ms) {
        current_machine = NULL;
    }
    g_free(ms->cpu_type);
    g_free(ms->cpu_opts);
    if (ms->cpus) {
        g_ptr_array_unref(ms->cpus);
    }
}

static const PropertyInfo machine_props[] = {
    PROP_STRING("kernel", MachineState, kernel_filename, NULL, "Linux kernel image file"),
    PROP_STRING("initrd", MachineState, initrd_filename, NULL, "Linux initial ramdisk file"),
    PROP_STRING("append", MachineState, kernel_cmdline, NULL, "Linux kernel command line"),
    PROP_STRING("dtb", MachineState, dtb, NULL, "Linux kernel device tree file"),
    PROP_STRING("dumpdtb", MachineState, dumpdtb, NULL, "Dump current dtb to a file and quit"),
    PROP_STRING("firmware", MachineState, firmware, NULL, "Firmware image"),
    PROP_SIZE("memory-size", MachineState, ram_size, 0, "RAM size in bytes"),
    PROP_END
};

static void machine_class_init(ObjectClass *klass, const void *data)
{
    object_class_add_field_properties(klass, machine_props);
}

/* A board's name, description, target and default-ness are declared once,
 * in its TypeInfo ("virt-machine" is -M virt). */
static void machine_class_base_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(klass);
    const TypeInfo *ti = type_get_info(klass->type);
    if (!ti) {
        return;
    }
    mc->name = machine_name_from_type_static(ti->name);
    mc->desc = ti->description;
    mc->target = ti->target;
    mc->is_default = ti->is_default;
}

static const TypeInfo machine_type_info = {
    .name = TYPE_MACHINE,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .instance_size = sizeof(MachineState),
    .class_size = sizeof(MachineClass),
    .class_init = machine_class_init,
    .class_base_init = machine_class_base_init,
    .instance_finalize = machine_finalize,
};

void machine_types_init(void)
{
    type_register_static(&machine_type_info);
}
