/* SPDX-License-Identifier: MIT */
/* A user-creatable device deriving from dep-base's type; requires dep-base. */
#include "kernel/device.h"
#include "kernel/module.h"
#include "tests/modules/dep-base.h"

typedef struct LeafState {
    DeviceState parent_obj;
    uint8_t pad[16];
    uint32_t level;
    char *label;
} LeafState;

static const PropertyInfo leaf_props[] = {
    PROP_UINT32("level", LeafState, level, 3, "a number with a default"),
    PROP_STRING("label", LeafState, label, "leaf", "a string with a default"),
    PROP_END
};

/* "origin" comes from a function of the library module dep-base. */
static GVariant *leaf_get_origin(Object *obj, Property *prop)
{
    return g_variant_new_string(dep_base_origin());
}

static void leaf_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->hotpluggable = true;
    object_class_add_field_properties(klass, leaf_props);
    object_class_property_add(klass, "origin", PROP_KIND_STRING, leaf_get_origin, NULL, NULL);
}

static const TypeInfo leaf_info = {
    .name = "test-dep-leaf",
    .parent = "test-dep-base",
    .category = "misc",
    .description = "test leaf device",
    .user_creatable = true,
    .instance_size = sizeof(LeafState),
    .class_size = sizeof(DeviceClass),
    .class_init = leaf_class_init,
};

TESSERA_MODULE(.name = "dep-leaf", .kind = "device", .types = TESSERA_TYPES(&leaf_info));
