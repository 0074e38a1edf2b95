/* SPDX-License-Identifier: MIT */
/* Provides an abstract base type that dep-leaf requires. */
#include "kernel/device.h"
#include "kernel/module.h"

static const TypeInfo base_info = {
    .name = "test-dep-base",
    .parent = TYPE_DEVICE,
    .abstract = true,
    .instance_size = sizeof(DeviceState) + 16,
    .class_size = sizeof(DeviceClass),
};

static void dep_base_register(void)
{
    type_register_static(&base_info);
}

static const TesseraTypeDesc types[] = {
    { .name = "test-dep-base", .parent = TYPE_DEVICE, .category = "misc",
      .description = "abstract base for tests", .abstract = true },
    { .name = NULL },
};

TESSERA_MODULE(.name = "dep-base", .kind = "device", .types = types,
               .register_types = dep_base_register);
