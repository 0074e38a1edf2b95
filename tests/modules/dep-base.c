/* SPDX-License-Identifier: MIT */
/* A library module: provides an abstract base type and a function that
 * dep-leaf imports (tests/modules/dep-base.h). */
#include "kernel/device.h"
#include "kernel/module.h"
#include "tests/modules/dep-base.h"

const char *dep_base_origin(void)
{
    return "dep-base";
}

static const TypeInfo base_info = {
    .name = "test-dep-base",
    .parent = TYPE_DEVICE,
    .category = "misc",
    .description = "abstract base for tests",
    .abstract = true,
    .instance_size = sizeof(DeviceState) + 16,
    .class_size = sizeof(DeviceClass),
};

TESSERA_MODULE(.name = "dep-base", .kind = "library", .types = TESSERA_TYPES(&base_info));
