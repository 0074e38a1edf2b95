/* SPDX-License-Identifier: MIT */
/*
 * Throwaway types shared by the object-model tests (test_objmodel_*.c):
 *
 *   object
 *   +- test-base (abstract; a field property of every kind, accessor props)
 *      +- test-a (implements test-iface, overrides greet)
 *      |  +- test-a-sub (implements test-iface-ext and, again, test-iface)
 *      +- test-b (class_data "b-data")
 *   interface
 *   +- test-iface (greet)
 *      +- test-iface-ext
 *
 * Every hook appends a word to test_log so tests can check ordering.
 */
#ifndef TESSERA_TESTS_UNIT_TEST_OBJMODEL_H
#define TESSERA_TESTS_UNIT_TEST_OBJMODEL_H

#include "objmodel/object.h"

#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>

#define TYPE_TEST_IFACE "test-iface"
#define TYPE_TEST_IFACE_EXT "test-iface-ext"
#define TYPE_TEST_BASE "test-base"
#define TYPE_TEST_A "test-a"
#define TYPE_TEST_A_SUB "test-a-sub"
#define TYPE_TEST_B "test-b"

#define TEST_SIZE_DEFAULT (64 * 1024 * 1024)
#define TEST_U16_FROM_INIT 7

typedef struct TestIfaceClass {
    InterfaceClass parent_class;
    const char *(*greet)(Object *obj);
} TestIfaceClass;

typedef struct TestBase {
    Object parent_obj;
    bool flag;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    uint64_t size;
    char *label;
    int mode;
    Object *peer;
    /* Accessor-property state. */
    char *mirror;
    Object *buddy;
    unsigned pokes;
    int32_t i32_seen_by_init;
} TestBase;

typedef struct TestBaseClass {
    ObjectClass parent_class;
    int generation;
    int base_inits;
    const char *data_seen;
} TestBaseClass;

OBJECT_DECLARE_TYPE(TestBase, TestBaseClass, TEST_BASE, TYPE_TEST_BASE)

static GString *test_log;

static inline G_GNUC_PRINTF(1, 2) void test_log_add(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_string_append_vprintf(test_log, fmt, ap);
    g_string_append_c(test_log, ' ');
    va_end(ap);
}

static const char *const test_mode_names[] = { "slow", "fast", "turbo", NULL };

static const PropertyInfo test_base_props[] = {
    PROP_BOOL("flag", TestBase, flag, true, "A flag"),
    { .name = "i8", .kind = PROP_KIND_INT8, .offset = offsetof(TestBase, i8),
      .has_default = true, .def_int = -5 },
    { .name = "i16", .kind = PROP_KIND_INT16, .offset = offsetof(TestBase, i16) },
    PROP_INT32("i32", TestBase, i32, -100000, "A signed 32-bit value"),
    PROP_INT64("i64", TestBase, i64, INT64_MIN, "A signed 64-bit value"),
    PROP_UINT8("u8", TestBase, u8, 200, "A byte"),
    PROP_UINT16("u16", TestBase, u16, 1000, "A half word"),
    PROP_UINT32("u32", TestBase, u32, 0xdeadbeef, "A word"),
    PROP_UINT64("u64", TestBase, u64, INT64_C(1) << 40, "A double word"),
    PROP_SIZE("size", TestBase, size, TEST_SIZE_DEFAULT, "A size"),
    PROP_STRING("label", TestBase, label, "unnamed", "A label"),
    PROP_ENUM("mode", TestBase, mode, 1, test_mode_names, "A mode"),
    PROP_LINK("peer", TestBase, peer, TYPE_TEST_A, "A peer"),
    PROP_END
};

static inline GVariant *test_generation_get(Object *obj, Property *prop)
{
    return g_variant_new_int64(TEST_BASE_GET_CLASS(obj)->generation);
}

static inline bool test_poke_set(Object *obj, Property *prop, GVariant *value, GError **errp)
{
    TEST_BASE(obj)->pokes += g_variant_get_boolean(value);
    return true;
}

static inline GVariant *test_mirror_get(Object *obj, Property *prop)
{
    const char *s = TEST_BASE(obj)->mirror;
    return prop_string_new(s ? s : "");
}

static inline bool test_mirror_set(Object *obj, Property *prop, GVariant *value, GError **errp)
{
    const char *s = prop_string_peek(value); /* "s", or "ay" when not UTF-8 */
    if (!strcmp(s, "bad")) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID, "mirror refuses '%s'", s);
        return false;
    }
    g_free(TEST_BASE(obj)->mirror);
    TEST_BASE(obj)->mirror = g_strdup(s);
    return true;
}

static inline GVariant *test_buddy_get(Object *obj, Property *prop)
{
    Object *b = TEST_BASE(obj)->buddy;
    char *path = b ? object_get_canonical_path(b) : NULL;
    GVariant *v = g_variant_new_string(path ? path : "");
    g_free(path);
    return v;
}

static inline bool test_buddy_set(Object *obj, Property *prop, GVariant *value, GError **errp)
{
    const char *path = g_variant_get_string(value, NULL);
    TEST_BASE(obj)->buddy = *path ? object_resolve_path(path, NULL) : NULL; /* weak */
    return true;
}

static inline void test_base_class_init(ObjectClass *klass, const void *data)
{
    test_log_add("ci:%s", object_class_get_name(klass));
    TEST_BASE_CLASS(klass)->generation = 1;
    object_class_add_field_properties(klass, test_base_props);
    object_class_property_add(klass, "generation", PROP_KIND_INT32, test_generation_get, NULL,
                              NULL);
    object_class_property_add(klass, "poke", PROP_KIND_BOOL, NULL, test_poke_set, NULL);
    Property *p = object_class_property_add(klass, "mirror", PROP_KIND_STRING, test_mirror_get,
                                            test_mirror_set, NULL);
    property_set_description(p, "Echoes what was set");
    property_set_default(p, g_variant_new_string("informational"));
    p = object_class_property_add(klass, "buddy", PROP_KIND_LINK, test_buddy_get,
                                  test_buddy_set, NULL);
    property_set_target_type(p, TYPE_TEST_B);
}

static inline void test_base_class_base_init(ObjectClass *klass, const void *data)
{
    test_log_add("bi:%s", object_class_get_name(klass));
    TEST_BASE_CLASS(klass)->base_inits++;
    TEST_BASE_CLASS(klass)->data_seen = data;
}

static inline void test_base_instance_init(Object *obj)
{
    test_log_add("ii:%s", TYPE_TEST_BASE);
    TEST_BASE(obj)->i32_seen_by_init = TEST_BASE(obj)->i32;
}

static inline void test_base_post_init(Object *obj)
{
    test_log_add("pi:%s", TYPE_TEST_BASE);
}

static inline void test_base_finalize(Object *obj)
{
    test_log_add("fi:%s(%s)", TYPE_TEST_BASE, TEST_BASE(obj)->label);
    g_free(TEST_BASE(obj)->mirror);
}

static inline const char *test_iface_default_greet(Object *obj)
{
    return "hello";
}

static inline const char *test_a_greet(Object *obj)
{
    return "hi from a";
}

static inline void test_iface_class_init(ObjectClass *klass, const void *data)
{
    test_log_add("ci:%s", object_class_get_name(klass));
    ((TestIfaceClass *)klass)->greet = test_iface_default_greet;
}

static inline void test_a_class_init(ObjectClass *klass, const void *data)
{
    test_log_add("ci:%s", object_class_get_name(klass));
    TEST_BASE_CLASS(klass)->generation += 10;
    TestIfaceClass *ic = OBJECT_CLASS_CHECK(TestIfaceClass, klass, TYPE_TEST_IFACE);
    ic->greet = test_a_greet;
}

static inline void test_a_instance_init(Object *obj)
{
    test_log_add("ii:%s", TYPE_TEST_A);
    TEST_BASE(obj)->u16 = TEST_U16_FROM_INIT;
}

static inline void test_a_finalize(Object *obj)
{
    test_log_add("fi:%s", TYPE_TEST_A);
}

static inline void test_sub_class_init(ObjectClass *klass, const void *data)
{
    test_log_add("ci:%s", object_class_get_name(klass));
    TEST_BASE_CLASS(klass)->generation += 100;
}

static inline void test_sub_instance_init(Object *obj)
{
    test_log_add("ii:%s", TYPE_TEST_A_SUB);
}

static inline void test_sub_post_init(Object *obj)
{
    test_log_add("pi:%s", TYPE_TEST_A_SUB);
}

static inline void test_sub_finalize(Object *obj)
{
    test_log_add("fi:%s", TYPE_TEST_A_SUB);
}

static inline void test_unparent_hook(Object *obj)
{
    test_log_add("up:%s", object_get_name(obj));
}

static inline void test_b_class_init(ObjectClass *klass, const void *data)
{
    test_log_add("ci:%s(%s)", object_class_get_name(klass), (const char *)data);
    klass->unparent = test_unparent_hook;
}

static const char *const test_a_ifaces[] = { TYPE_TEST_IFACE, NULL };
static const char *const test_sub_ifaces[] = { TYPE_TEST_IFACE_EXT, TYPE_TEST_IFACE, NULL };

static const TypeInfo test_types[] = {
    {
        .name = TYPE_TEST_IFACE,
        .parent = TYPE_INTERFACE,
        .class_size = sizeof(TestIfaceClass),
        .class_init = test_iface_class_init,
    },
    {
        .name = TYPE_TEST_IFACE_EXT,
        .parent = TYPE_TEST_IFACE,
    },
    {
        .name = TYPE_TEST_BASE,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .instance_size = sizeof(TestBase),
        .class_size = sizeof(TestBaseClass),
        .class_init = test_base_class_init,
        .class_base_init = test_base_class_base_init,
        .instance_init = test_base_instance_init,
        .instance_post_init = test_base_post_init,
        .instance_finalize = test_base_finalize,
    },
    {
        .name = TYPE_TEST_A,
        .parent = TYPE_TEST_BASE,
        .class_init = test_a_class_init,
        .instance_init = test_a_instance_init,
        .instance_finalize = test_a_finalize,
        .interfaces = test_a_ifaces,
    },
    {
        .name = TYPE_TEST_A_SUB,
        .parent = TYPE_TEST_A,
        .class_init = test_sub_class_init,
        .class_data = "sub-data",
        .instance_init = test_sub_instance_init,
        .instance_post_init = test_sub_post_init,
        .instance_finalize = test_sub_finalize,
        .interfaces = test_sub_ifaces,
    },
    {
        .name = TYPE_TEST_B,
        .parent = TYPE_TEST_BASE,
        .class_init = test_b_class_init,
        .class_data = "b-data",
    },
};

/* Checked fixture: a fresh registry and tree with the test types. */
static inline void test_types_setup(void)
{
    objmodel_reset_for_tests();
    if (!test_log) {
        test_log = g_string_new(NULL);
    }
    g_string_truncate(test_log, 0);
    type_register_static_array(test_types, G_N_ELEMENTS(test_types));
}

static inline void test_types_teardown(void)
{
    objmodel_reset_for_tests();
}

/* Assert that @text occurs in @haystack, showing both on failure. */
#define ck_assert_contains(haystack, text) \
    ck_assert_msg(strstr((haystack), (text)) != NULL, "'%s' does not contain '%s'", \
                  (haystack), (text))

#endif
