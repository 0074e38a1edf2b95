/* SPDX-License-Identifier: MIT */
/*
 * Throwaway types for the monitor's tests: "test-object", a user-creatable
 * object (object-add / object-del), and "test-cold-device", a
 * user-creatable device that cannot be hot-plugged (device_add refuses it).
 */
#include "kernel/device.h"
#include "kernel/module.h"

typedef struct TestObject {
    Object parent_obj;
    uint64_t size;
    char *label;
} TestObject;

static const PropertyInfo test_object_props[] = {
    PROP_SIZE("size", TestObject, size, 4096, "a size with a default"),
    PROP_STRING("label", TestObject, label, "none", "a string with a default"),
    PROP_END
};

static void test_object_class_init(ObjectClass *klass, const void *data)
{
    object_class_add_field_properties(klass, test_object_props);
}

static void cold_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->hotpluggable = false;
}

static const TypeInfo test_object_types[] = {
    {
        .name = "test-object",
        .parent = TYPE_OBJECT,
        .category = "object",
        .description = "test object",
        .user_creatable = true,
        .instance_size = sizeof(TestObject),
        .class_size = sizeof(ObjectClass),
        .class_init = test_object_class_init,
    },
    {
        .name = "test-cold-device",
        .parent = TYPE_DEVICE,
        .category = "misc",
        .description = "test device that cannot be hot-plugged",
        .user_creatable = true,
        .instance_size = sizeof(DeviceState),
        .class_size = sizeof(DeviceClass),
        .class_init = cold_class_init,
    },
};

TESSERA_MODULE(.name = "test-object", .kind = "device",
               .types = TESSERA_TYPES(&test_object_types[0], &test_object_types[1]));
