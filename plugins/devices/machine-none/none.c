/* SPDX-License-Identifier: MIT */
/*
 * The "none" machine: no CPUs, no RAM unless -m is given, no devices.
 * It lets the core start, be introspected and be managed with no hardware.
 */
#include "kernel/machine.h"
#include "kernel/module.h"

#define TYPE_NONE_MACHINE "none" TYPE_MACHINE_SUFFIX

static bool none_init(MachineState *ms, GError **errp)
{
    if (ms->ram_size) {
        memory_region_add_subregion(&ms->system_memory, 0, &ms->ram);
    }
    return true;
}

/* Any user device is accepted; there is no bus to place it on. */
static bool none_plug_device(MachineState *ms, DeviceState *dev, GError **errp)
{
    return true;
}

static void none_class_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(klass);
    mc->max_cpus = 1;
    mc->default_ram_size = 0;
    mc->init = none_init;
    mc->plug_device = none_plug_device;
}

static const TypeInfo none_machine_info = {
    .name = TYPE_NONE_MACHINE,
    .parent = TYPE_MACHINE,
    .category = "machine",
    .description = "empty machine",
    .instance_size = sizeof(MachineState),
    .class_size = sizeof(MachineClass),
    .class_init = none_class_init,
};

TESSERA_MODULE(.name = "machine-none", .kind = "board", .types = TESSERA_TYPES(&none_machine_info));
