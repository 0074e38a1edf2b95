/* SPDX-License-Identifier: MIT */
/*
 * One of two modules providing a machine named "test-twin" (type
 * "test-twin-machine"), this one for the made-up target "tgt-a": a type's
 * target is part of its identity in the module index.
 */
#include "kernel/machine.h"
#include "kernel/module.h"

static const TypeInfo twin_info = {
    .name = "test-twin-machine",
    .parent = TYPE_MACHINE,
    .category = "machine",
    .description = "twin board for tgt-a",
    .target = "tgt-a",
    .is_default = true,
    .instance_size = sizeof(MachineState),
    .class_size = sizeof(MachineClass),
};

TESSERA_MODULE(.name = "twin-a", .kind = "board", .types = TESSERA_TYPES(&twin_info));
