/* SPDX-License-Identifier: MIT */
/*
 * Object model: typed properties (field and accessor, class and instance),
 * defaults, checked get/set, parsing and printing, links.
 */
#include "test_objmodel.h"

#include <stdlib.h>

static Object *obj;

static void props_setup(void)
{
    test_types_setup();
    obj = object_new(TYPE_TEST_A);
}

static void props_teardown(void)
{
    object_unref(obj);
    test_types_teardown();
}

/* Assert that setting @text fails with @code and a message containing
 * the property name and @fragment. */
static void assert_parse_fails(const char *name, const char *text, int code,
                               const char *fragment)
{
    GError *err = NULL;
    ck_assert_msg(!object_property_parse(obj, name, text, &err), "%s=%s accepted", name, text);
    ck_assert_int_eq(err->code, code);
    ck_assert(err->domain == OBJECT_ERROR);
    ck_assert_contains(err->message, name);
    ck_assert_contains(err->message, fragment);
    g_error_free(err);
}

static char *print(const char *name)
{
    return object_property_print(obj, name, NULL);
}

#define ck_assert_printed(name, expected) \
    do { \
        char *s_ = print(name); \
        ck_assert_str_eq(s_, expected); \
        g_free(s_); \
    } while (0)

/* ---- kinds -------------------------------------------------------------- */

START_TEST(test_kind_names_and_types)
{
    static const struct {
        PropKind kind;
        const char *name, *vtype;
    } kinds[] = {
        { PROP_KIND_BOOL, "bool", "b" },     { PROP_KIND_INT8, "int8", "x" },
        { PROP_KIND_INT16, "int16", "x" },   { PROP_KIND_INT32, "int32", "x" },
        { PROP_KIND_INT64, "int64", "x" },   { PROP_KIND_UINT8, "uint8", "t" },
        { PROP_KIND_UINT16, "uint16", "t" }, { PROP_KIND_UINT32, "uint32", "t" },
        { PROP_KIND_UINT64, "uint64", "t" }, { PROP_KIND_SIZE, "size", "t" },
        { PROP_KIND_STRING, "str", "s" },    { PROP_KIND_ENUM, "enum", "s" },
        { PROP_KIND_LINK, "link", "s" },     { PROP_KIND_CHILD, "child", "s" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
        ck_assert_str_eq(prop_kind_name(kinds[i].kind), kinds[i].name);
        ck_assert(g_variant_type_equal(prop_kind_variant_type(kinds[i].kind),
                                       G_VARIANT_TYPE(kinds[i].vtype)));
    }
    ck_assert_str_eq(object_property_find(obj, "peer")->type_name, "link<test-a>");
    ck_assert_str_eq(object_property_find(obj, "buddy")->type_name, "link<test-b>");
    ck_assert_str_eq(object_property_find(obj, "size")->type_name, "size");
}
END_TEST

/* ---- field properties --------------------------------------------------- */

START_TEST(test_field_defaults)
{
    TestBase *s = TEST_BASE(obj);
    ck_assert(s->flag);
    ck_assert_int_eq(s->i8, -5);
    ck_assert_int_eq(s->i16, 0); /* no default: zeroed */
    ck_assert_int_eq(s->i32, -100000);
    ck_assert(s->i64 == INT64_MIN);
    ck_assert_uint_eq(s->u8, 200);
    ck_assert_uint_eq(s->u32, 0xdeadbeef);
    ck_assert(s->u64 == UINT64_C(1) << 40);
    ck_assert(s->size == TEST_SIZE_DEFAULT);
    ck_assert_str_eq(s->label, "unnamed");
    ck_assert_int_eq(s->mode, 1);
    ck_assert_ptr_null(s->peer);
    /* Defaults are stored before instance_init, which may override them. */
    ck_assert_int_eq(s->i32_seen_by_init, -100000);
    ck_assert_uint_eq(s->u16, TEST_U16_FROM_INIT);
    /* Each instance owns its copy of the default string. */
    Object *other = object_new(TYPE_TEST_B);
    ck_assert_ptr_ne(TEST_BASE(other)->label, s->label);
    object_unref(other);

    Property *p = object_property_find(obj, "u8");
    ck_assert_uint_eq(g_variant_get_uint64(p->defval), 200);
    ck_assert_str_eq(p->description, "A byte");
    ck_assert_int_eq(p->offset, offsetof(TestBase, u8));
    ck_assert_ptr_null(object_property_find(obj, "i16")->defval);
    ck_assert_str_eq(g_variant_get_string(object_property_find(obj, "mode")->defval, NULL),
                     "fast");
}
END_TEST

START_TEST(test_field_roundtrip)
{
    GError *err = NULL;
    TestBase *s = TEST_BASE(obj);
    ck_assert(object_property_set_bool(obj, "flag", false, &err));
    ck_assert(!s->flag);
    ck_assert(!object_property_get_bool(obj, "flag", &err));
    ck_assert(object_property_set_int(obj, "i8", -128, &err));
    ck_assert_int_eq(s->i8, -128);
    ck_assert(object_property_set_int(obj, "i16", 32767, &err));
    ck_assert_int_eq(object_property_get_int(obj, "i16", &err), 32767);
    ck_assert(object_property_set_int(obj, "i32", INT32_MIN, &err));
    ck_assert_int_eq(s->i32, INT32_MIN);
    ck_assert(object_property_set_int(obj, "i64", INT64_MAX, &err));
    ck_assert(object_property_get_int(obj, "i64", &err) == INT64_MAX);
    ck_assert(object_property_set_uint(obj, "u8", 255, &err));
    ck_assert_uint_eq(s->u8, 255);
    ck_assert(object_property_set_uint(obj, "u16", 65535, &err));
    ck_assert_uint_eq(object_property_get_uint(obj, "u16", &err), 65535);
    ck_assert(object_property_set_uint(obj, "u32", UINT32_MAX, &err));
    ck_assert_uint_eq(s->u32, UINT32_MAX);
    ck_assert(object_property_set_uint(obj, "u64", UINT64_MAX, &err));
    ck_assert(object_property_get_uint(obj, "u64", &err) == UINT64_MAX);
    ck_assert(object_property_set_uint(obj, "size", 4096, &err));
    ck_assert(s->size == 4096);
    ck_assert(object_property_set_str(obj, "label", "uart0", &err));
    ck_assert_str_eq(s->label, "uart0");
    char *label = object_property_get_str(obj, "label", &err);
    ck_assert_str_eq(label, "uart0");
    ck_assert_ptr_ne(label, s->label); /* a copy */
    g_free(label);
    ck_assert(object_property_set_str(obj, "mode", "turbo", &err));
    ck_assert_int_eq(s->mode, 2);
    char *mode = object_property_get_str(obj, "mode", &err);
    ck_assert_str_eq(mode, "turbo");
    g_free(mode);
    ck_assert_ptr_null(err);

    /* Signed and unsigned conveniences cross over when the value fits. */
    ck_assert(object_property_set_int(obj, "u8", 17, &err));
    ck_assert_uint_eq(s->u8, 17);
    ck_assert(object_property_set_uint(obj, "i8", 17, &err));
    ck_assert_int_eq(s->i8, 17);
    ck_assert_int_eq(object_property_get_int(obj, "u8", &err), 17);
    ck_assert_uint_eq(object_property_get_uint(obj, "i8", &err), 17);
    ck_assert_ptr_null(err);

    /* Generic GVariant access. */
    ck_assert(object_property_set(obj, "u32", g_variant_new_uint64(5), &err));
    GVariant *v = object_property_get(obj, "u32", &err);
    ck_assert(!g_variant_is_floating(v));
    ck_assert_str_eq(g_variant_get_type_string(v), "t");
    ck_assert_uint_eq(g_variant_get_uint64(v), 5);
    g_variant_unref(v);
    GVariant *held = g_variant_ref_sink(g_variant_new_int64(-3));
    ck_assert(object_property_set(obj, "i32", held, &err)); /* caller keeps its ref */
    ck_assert_int_eq(s->i32, -3);
    g_variant_unref(held);
}
END_TEST

START_TEST(test_string_field_ownership)
{
    TestBase *s = TEST_BASE(obj);
    ck_assert(object_property_set_str(obj, "label", "first", NULL));
    ck_assert(object_property_set_str(obj, "label", "second", NULL));
    ck_assert_str_eq(s->label, "second");
    /* Finalize sees the last value (then the field is freed). */
    g_string_truncate(test_log, 0);
    object_unref(obj);
    obj = NULL;
    ck_assert_contains(test_log->str, "fi:test-base(second)");
}
END_TEST

/* ---- errors ------------------------------------------------------------- */

START_TEST(test_out_of_range)
{
    GError *err = NULL;
    ck_assert(!object_property_set_uint(obj, "u8", 300, &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_OUT_OF_RANGE);
    ck_assert_contains(err->message, "'u8'");
    ck_assert_contains(err->message, "300");
    ck_assert_contains(err->message, "uint8");
    g_clear_error(&err);
    ck_assert_uint_eq(TEST_BASE(obj)->u8, 200); /* unchanged */

    ck_assert(!object_property_set_int(obj, "u32", -1, &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_OUT_OF_RANGE);
    ck_assert_contains(err->message, "'u32'");
    ck_assert_contains(err->message, "-1");
    ck_assert_contains(err->message, "uint32");
    g_clear_error(&err);

    ck_assert(!object_property_set_int(obj, "i8", -129, &err));
    ck_assert_contains(err->message, "-129");
    ck_assert_contains(err->message, "-128 to 127");
    g_clear_error(&err);
    ck_assert(!object_property_set_uint(obj, "i64", UINT64_MAX, &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_OUT_OF_RANGE);
    ck_assert_contains(err->message, "'i64'");
    g_clear_error(&err);
    ck_assert(!object_property_set(obj, "u16", g_variant_new_uint64(65536), &err));
    ck_assert_contains(err->message, "65536");
    g_clear_error(&err);
}
END_TEST

START_TEST(test_wrong_type)
{
    GError *err = NULL;
    ck_assert(!object_property_set_bool(obj, "u8", true, &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_WRONG_TYPE);
    ck_assert_str_eq(err->message, "Property 'u8' expects uint8, got 'true' (bool)");
    g_clear_error(&err);
    ck_assert(!object_property_set(obj, "u32", g_variant_new_int64(5), &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_WRONG_TYPE);
    ck_assert_contains(err->message, "'u32'");
    g_clear_error(&err);
    ck_assert(!object_property_set_str(obj, "flag", "yes", &err));
    ck_assert_str_eq(err->message, "Property 'flag' expects bool, got 'yes' (str)");
    g_clear_error(&err);
    ck_assert(!object_property_set(obj, "label", g_variant_new_int32(1), &err));
    ck_assert_contains(err->message, "(i)");
    g_clear_error(&err);

    ck_assert(!object_property_set_str(obj, "mode", "warp", &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_INVALID);
    ck_assert_contains(err->message, "'mode'");
    ck_assert_contains(err->message, "'warp'");
    ck_assert_contains(err->message, "slow, fast, turbo");
    g_clear_error(&err);

    /* Typed getters check the kind too. */
    ck_assert(!object_property_get_bool(obj, "u8", &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_WRONG_TYPE);
    ck_assert_str_eq(err->message, "Property 'u8' is a uint8, not a bool");
    g_clear_error(&err);
    ck_assert_int_eq(object_property_get_int(obj, "label", &err), 0);
    ck_assert_int_eq(err->code, OBJECT_ERROR_WRONG_TYPE);
    g_clear_error(&err);
    ck_assert_ptr_null(object_property_get_str(obj, "flag", &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_WRONG_TYPE);
    g_clear_error(&err);
    ck_assert(object_property_set_int(obj, "i32", -7, NULL));
    ck_assert_uint_eq(object_property_get_uint(obj, "i32", &err), 0);
    ck_assert_int_eq(err->code, OBJECT_ERROR_OUT_OF_RANGE);
    ck_assert_contains(err->message, "-7");
    g_clear_error(&err);
    ck_assert(object_property_set_uint(obj, "u64", UINT64_MAX, NULL));
    ck_assert_int_eq(object_property_get_int(obj, "u64", &err), 0);
    ck_assert_int_eq(err->code, OBJECT_ERROR_OUT_OF_RANGE);
    g_clear_error(&err);
}
END_TEST

START_TEST(test_not_found_read_only_write_only)
{
    GError *err = NULL;
    ck_assert(!object_property_set_bool(obj, "nope", true, &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_NOT_FOUND);
    ck_assert_contains(err->message, "'nope'");
    ck_assert_contains(err->message, TYPE_TEST_A);
    g_clear_error(&err);
    ck_assert_ptr_null(object_property_get(obj, "nope", &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_NOT_FOUND);
    g_clear_error(&err);
    ck_assert(!object_property_parse(obj, "nope", "1", &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_NOT_FOUND);
    g_clear_error(&err);
    ck_assert_ptr_null(object_property_print(obj, "nope", &err));
    g_clear_error(&err);
    ck_assert_ptr_null(object_property_get_link(obj, "nope", &err));
    g_clear_error(&err);
    ck_assert(!object_property_set_link(obj, "nope", NULL, &err));
    g_clear_error(&err);

    /* "generation" has only a getter, "poke" only a setter. */
    ck_assert_int_eq(object_property_get_int(obj, "generation", &err), 11);
    ck_assert(!object_property_set_int(obj, "generation", 3, &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_READ_ONLY);
    ck_assert_contains(err->message, "'generation'");
    g_clear_error(&err);
    ck_assert(object_property_set_bool(obj, "poke", true, &err));
    ck_assert(object_property_parse(obj, "poke", "on", &err));
    ck_assert_uint_eq(TEST_BASE(obj)->pokes, 2);
    ck_assert_ptr_null(object_property_get(obj, "poke", &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_INVALID);
    ck_assert_contains(err->message, "'poke'");
    g_clear_error(&err);
}
END_TEST

/* ---- parsing and printing ----------------------------------------------- */

START_TEST(test_parse_bool)
{
    static const char *const truths[] = { "on", "yes", "true", "ON", "True" };
    static const char *const lies[] = { "off", "no", "false", "OFF", "No" };
    for (size_t i = 0; i < G_N_ELEMENTS(truths); i++) {
        ck_assert(object_property_parse(obj, "flag", lies[i], NULL));
        ck_assert(!TEST_BASE(obj)->flag);
        ck_assert(object_property_parse(obj, "flag", truths[i], NULL));
        ck_assert(TEST_BASE(obj)->flag);
    }
    assert_parse_fails("flag", "maybe", OBJECT_ERROR_WRONG_TYPE, "on/off");
    assert_parse_fails("flag", "1", OBJECT_ERROR_WRONG_TYPE, "'1'");
    ck_assert_printed("flag", "on");
    ck_assert(object_property_parse(obj, "flag", "no", NULL));
    ck_assert_printed("flag", "off");
}
END_TEST

START_TEST(test_parse_integers)
{
    TestBase *s = TEST_BASE(obj);
    ck_assert(object_property_parse(obj, "i32", "-42", NULL));
    ck_assert_int_eq(s->i32, -42);
    ck_assert(object_property_parse(obj, "i32", "+42", NULL));
    ck_assert_int_eq(s->i32, 42);
    ck_assert(object_property_parse(obj, "i32", "0x10", NULL));
    ck_assert_int_eq(s->i32, 16);
    ck_assert(object_property_parse(obj, "i32", "-0X1f", NULL));
    ck_assert_int_eq(s->i32, -31);
    ck_assert(object_property_parse(obj, "i32", "010", NULL)); /* decimal, not octal */
    ck_assert_int_eq(s->i32, 10);
    ck_assert(object_property_parse(obj, "i64", "-9223372036854775808", NULL));
    ck_assert(s->i64 == INT64_MIN);
    ck_assert(object_property_parse(obj, "u64", "0xffffffffffffffff", NULL));
    ck_assert(s->u64 == UINT64_MAX);
    ck_assert(object_property_parse(obj, "u8", "0xff", NULL));
    ck_assert_uint_eq(s->u8, 255);
    ck_assert(object_property_parse(obj, "u16", "-0", NULL));
    ck_assert_uint_eq(s->u16, 0);
    ck_assert_printed("u8", "255");
    ck_assert(object_property_parse(obj, "i32", "0x1000", NULL));
    ck_assert_printed("i32", "4096"); /* printed in decimal */

    assert_parse_fails("u8", "300", OBJECT_ERROR_OUT_OF_RANGE, "300");
    assert_parse_fails("u8", "0x100", OBJECT_ERROR_OUT_OF_RANGE, "uint8");
    assert_parse_fails("u32", "-1", OBJECT_ERROR_OUT_OF_RANGE, "-1");
    assert_parse_fails("i8", "128", OBJECT_ERROR_OUT_OF_RANGE, "int8");
    assert_parse_fails("i8", "-129", OBJECT_ERROR_OUT_OF_RANGE, "-129");
    assert_parse_fails("i64", "9223372036854775808", OBJECT_ERROR_OUT_OF_RANGE, "int64");
    assert_parse_fails("u64", "18446744073709551616", OBJECT_ERROR_OUT_OF_RANGE, "uint64");
    assert_parse_fails("i32", "12abc", OBJECT_ERROR_WRONG_TYPE, "'12abc'");
    assert_parse_fails("i32", "abc", OBJECT_ERROR_WRONG_TYPE, "int32");
    assert_parse_fails("i32", "", OBJECT_ERROR_WRONG_TYPE, "int32");
    assert_parse_fails("u32", "0x", OBJECT_ERROR_WRONG_TYPE, "'0x'");
    assert_parse_fails("u32", "4k", OBJECT_ERROR_WRONG_TYPE, "'4k'"); /* suffix only for size */
    ck_assert_int_eq(s->i32, 4096);
}
END_TEST

START_TEST(test_parse_size)
{
    static const struct {
        const char *text;
        uint64_t value;
    } sizes[] = {
        { "4096", 4096 }, { "4k", 4096 }, { "4K", 4096 }, { "64M", 64ull << 20 },
        { "64m", 64ull << 20 }, { "1G", 1ull << 30 }, { "2T", 2ull << 40 }, { "512b", 512 },
        { "0x10M", 16ull << 20 }, { "16777215T", 16777215ull << 40 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        ck_assert_msg(object_property_parse(obj, "size", sizes[i].text, NULL), "%s",
                      sizes[i].text);
        ck_assert_msg(TEST_BASE(obj)->size == sizes[i].value, "%s", sizes[i].text);
    }
    ck_assert(object_property_parse(obj, "size", "1G", NULL));
    ck_assert_printed("size", "1073741824");
    assert_parse_fails("size", "4X", OBJECT_ERROR_WRONG_TYPE, "suffix");
    assert_parse_fails("size", "4kb", OBJECT_ERROR_WRONG_TYPE, "'4kb'");
    assert_parse_fails("size", "M", OBJECT_ERROR_WRONG_TYPE, "'M'");
    assert_parse_fails("size", "16777216T", OBJECT_ERROR_OUT_OF_RANGE, "16777216T");
    assert_parse_fails("size", "-4k", OBJECT_ERROR_OUT_OF_RANGE, "-4k");
}
END_TEST

START_TEST(test_parse_strings_and_enums)
{
    ck_assert(object_property_parse(obj, "label", "a,b c", NULL));
    ck_assert_str_eq(TEST_BASE(obj)->label, "a,b c");
    ck_assert_printed("label", "a,b c");
    ck_assert(object_property_parse(obj, "mode", "slow", NULL));
    ck_assert_int_eq(TEST_BASE(obj)->mode, 0);
    ck_assert_printed("mode", "slow");
    assert_parse_fails("mode", "Slow", OBJECT_ERROR_INVALID, "slow, fast, turbo");

    /* prop_value_parse/prop_value_print work without an object. */
    Property *p = object_property_find(obj, "i16");
    GError *err = NULL;
    GVariant *v = prop_value_parse(p, "-0x10", &err);
    ck_assert(!g_variant_is_floating(v));
    ck_assert_int_eq(g_variant_get_int64(v), -16);
    char *s = prop_value_print(p, v);
    ck_assert_str_eq(s, "-16");
    g_free(s);
    g_variant_unref(v);
    ck_assert_ptr_null(prop_value_parse(p, "40000", &err));
    ck_assert_contains(err->message, "40000");
    g_clear_error(&err);
    /* A value of another type is printed in GVariant text form. */
    v = g_variant_ref_sink(g_variant_new_boolean(true));
    s = prop_value_print(p, v);
    ck_assert_str_eq(s, "true");
    g_free(s);
    g_variant_unref(v);
}
END_TEST

/* ---- accessor and instance properties ----------------------------------- */

START_TEST(test_accessor_property)
{
    GError *err = NULL;
    Property *p = object_property_find(obj, "mirror");
    ck_assert_int_eq(p->offset, -1);
    ck_assert_str_eq(p->description, "Echoes what was set");
    /* An accessor property's default is informational only. */
    ck_assert_str_eq(g_variant_get_string(p->defval, NULL), "informational");
    ck_assert_ptr_null(TEST_BASE(obj)->mirror);
    ck_assert(object_property_parse(obj, "mirror", "hello", &err));
    ck_assert_printed("mirror", "hello");
    /* A setter's own refusal is passed through. */
    ck_assert(!object_property_set_str(obj, "mirror", "bad", &err));
    ck_assert_str_eq(err->message, "mirror refuses 'bad'");
    g_clear_error(&err);
    ck_assert_str_eq(TEST_BASE(obj)->mirror, "hello");
    property_set_description(p, "Replaced");
    ck_assert_str_eq(p->description, "Replaced");
    property_set_default(p, g_variant_new_string("other"));
    ck_assert_str_eq(g_variant_get_string(p->defval, NULL), "other");
}
END_TEST

static GVariant *extra_get(Object *o, Property *prop)
{
    return g_variant_new_string(((const char *const *)prop->opaque)[TEST_BASE(o)->mode]);
}

static bool extra_set(Object *o, Property *prop, GVariant *value, GError **errp)
{
    const char *const *names = prop->opaque;
    for (int i = 0; names[i]; i++) {
        if (!strcmp(names[i], g_variant_get_string(value, NULL))) {
            TEST_BASE(o)->mode = i;
        }
    }
    return true;
}

START_TEST(test_instance_property)
{
    static const char *const speeds[] = { "low", "mid", "high", NULL };
    Property *p = object_property_add(obj, "speed", PROP_KIND_ENUM, extra_get, extra_set,
                                      (void *)speeds);
    property_set_enum_values(p, speeds);
    ck_assert_ptr_eq(object_property_find(obj, "speed"), p);
    ck_assert_ptr_null(object_class_property_find(object_get_class(obj), "speed"));
    ck_assert(object_property_parse(obj, "speed", "high", NULL));
    ck_assert_int_eq(TEST_BASE(obj)->mode, 2);
    ck_assert_printed("speed", "high");
    assert_parse_fails("speed", "max", OBJECT_ERROR_INVALID, "low, mid, high");
    /* Only this instance has it. */
    Object *other = object_new(TYPE_TEST_A);
    ck_assert_ptr_null(object_property_find(other, "speed"));
    object_unref(other);
    ck_assert(object_property_del(obj, "speed"));
    ck_assert_ptr_null(object_property_find(obj, "speed"));
    ck_assert(!object_property_del(obj, "speed"));
    ck_assert(!object_property_del(obj, "flag")); /* class properties stay */
}
END_TEST

START_TEST(test_duplicate_instance_property_aborts)
{
    object_property_add(obj, "flag", PROP_KIND_BOOL, NULL, NULL, NULL);
}
END_TEST

START_TEST(test_duplicate_class_property_aborts)
{
    object_class_property_add(object_get_class(obj), "u8", PROP_KIND_UINT8, NULL, NULL, NULL);
}
END_TEST

typedef struct BadDefault {
    TestBase parent;
    uint8_t small;
} BadDefault;

static void bad_default_class_init(ObjectClass *klass, const void *data)
{
    static const PropertyInfo props[] = {
        PROP_UINT8("small", BadDefault, small, 300, "Does not fit"),
        PROP_END
    };
    object_class_add_field_properties(klass, props);
}

START_TEST(test_bad_default_aborts)
{
    static const TypeInfo info = { .name = "test-bad-default", .parent = TYPE_TEST_B,
                                   .instance_size = sizeof(BadDefault),
                                   .class_init = bad_default_class_init };
    type_register_static(&info);
    object_class_by_name("test-bad-default");
}
END_TEST

static void bad_enum_class_init(ObjectClass *klass, const void *data)
{
    static const PropertyInfo props[] = {
        PROP_ENUM("e", BadDefault, small, 3, test_mode_names, "Index past the names"),
        PROP_END
    };
    object_class_add_field_properties(klass, props);
}

START_TEST(test_bad_enum_default_aborts)
{
    static const TypeInfo info = { .name = "test-bad-enum", .parent = TYPE_TEST_B,
                                   .instance_size = sizeof(BadDefault),
                                   .class_init = bad_enum_class_init };
    type_register_static(&info);
    object_class_by_name("test-bad-enum");
}
END_TEST

/* ---- listing ------------------------------------------------------------ */

START_TEST(test_property_lists)
{
    GPtrArray *list = object_class_property_list(object_get_class(obj));
    GString *names = g_string_new(NULL);
    for (guint i = 0; i < list->len; i++) {
        g_string_append_printf(names, "%s ", ((Property *)list->pdata[i])->name);
    }
    ck_assert_str_eq(names->str, "flag i8 i16 i32 i64 u8 u16 u32 u64 size label mode peer "
                                 "generation poke mirror buddy ");
    g_ptr_array_unref(list);

    object_property_add(obj, "zz", PROP_KIND_BOOL, NULL, NULL, NULL);
    object_property_add(obj, "aa", PROP_KIND_BOOL, NULL, NULL, NULL);
    list = object_property_list(obj);
    ck_assert_int_eq(list->len, 19);
    ck_assert_str_eq(((Property *)list->pdata[0])->name, "flag");
    ck_assert_str_eq(((Property *)list->pdata[17])->name, "aa");
    ck_assert_str_eq(((Property *)list->pdata[18])->name, "zz");
    g_ptr_array_unref(list);
    g_string_free(names, TRUE);

    ck_assert_ptr_nonnull(object_class_property_find(object_class_by_name(TYPE_TEST_A_SUB),
                                                     "label"));
    ck_assert_ptr_null(object_class_property_find(object_class_by_name(TYPE_CONTAINER),
                                                  "label"));
}
END_TEST

/* ---- links -------------------------------------------------------------- */

START_TEST(test_field_link)
{
    GError *err = NULL;
    Object *target = object_new(TYPE_TEST_A_SUB);
    Object *wrong = object_new(TYPE_TEST_B);
    object_property_add_child(object_root(), "target", target, NULL);
    object_property_add_child(object_root(), "wrong", wrong, NULL);
    ck_assert_uint_eq(object_get_refcount(target), 2);

    ck_assert(object_property_parse(obj, "peer", "/target", &err));
    ck_assert_ptr_eq(TEST_BASE(obj)->peer, target);
    ck_assert_uint_eq(object_get_refcount(target), 3); /* strong reference */
    ck_assert_printed("peer", "/target");
    ck_assert_ptr_eq(object_property_get_link(obj, "peer", &err), target);

    ck_assert(!object_property_parse(obj, "peer", "/wrong", &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_WRONG_TYPE);
    ck_assert_contains(err->message, "'peer'");
    ck_assert_contains(err->message, "link<test-a>");
    ck_assert_contains(err->message, "test-b");
    g_clear_error(&err);
    ck_assert(!object_property_set_link(obj, "peer", wrong, &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_WRONG_TYPE);
    g_clear_error(&err);
    ck_assert(!object_property_set_str(obj, "peer", "/nowhere", &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_NOT_FOUND);
    ck_assert_contains(err->message, "/nowhere");
    g_clear_error(&err);
    ck_assert_ptr_eq(TEST_BASE(obj)->peer, target);

    ck_assert(object_property_set_str(obj, "peer", "", &err)); /* clears */
    ck_assert_ptr_null(TEST_BASE(obj)->peer);
    ck_assert_uint_eq(object_get_refcount(target), 2);
    ck_assert_printed("peer", "");

    /* A field link may point outside the tree. */
    Object *loose = object_new(TYPE_TEST_A);
    ck_assert(object_property_set_link(obj, "peer", loose, &err));
    ck_assert_uint_eq(object_get_refcount(loose), 2);
    ck_assert_ptr_eq(object_property_get_link(obj, "peer", &err), loose);
    ck_assert(object_property_set_link(obj, "peer", target, &err)); /* replaces */
    ck_assert_uint_eq(object_get_refcount(loose), 1);
    object_unref(loose);
    ck_assert(object_property_set_link(obj, "peer", NULL, &err));
    ck_assert(object_property_set_link(obj, "peer", target, &err));
    ck_assert_ptr_null(err);

    /* Finalizing the holder drops its reference. */
    ck_assert_uint_eq(object_get_refcount(target), 3);
    object_unref(obj);
    obj = NULL;
    ck_assert_uint_eq(object_get_refcount(target), 2);
    object_unref(target);
    object_unref(wrong);
}
END_TEST

START_TEST(test_accessor_link)
{
    GError *err = NULL;
    Object *b = object_new(TYPE_TEST_B);
    Object *c = container_get("/machine/peripheral");
    object_property_add_child(c, "b0", b, NULL);
    object_unref(b);
    ck_assert(object_property_set_link(obj, "buddy", b, &err));
    ck_assert_ptr_eq(TEST_BASE(obj)->buddy, b);
    ck_assert_ptr_eq(object_property_get_link(obj, "buddy", &err), b);
    ck_assert(object_property_parse(obj, "buddy", "b0", &err)); /* partial path */
    ck_assert_ptr_eq(TEST_BASE(obj)->buddy, b);
    ck_assert(!object_property_set_link(obj, "buddy", obj, &err)); /* obj not in the tree */
    ck_assert_int_eq(err->code, OBJECT_ERROR_INVALID);
    g_clear_error(&err);
    object_property_add_child(object_root(), "a", obj, NULL);
    ck_assert(!object_property_set_link(obj, "buddy", obj, &err)); /* wrong type */
    ck_assert_int_eq(err->code, OBJECT_ERROR_WRONG_TYPE);
    ck_assert_contains(err->message, "link<test-b>");
    g_clear_error(&err);
    ck_assert(object_property_set_link(obj, "buddy", NULL, &err));
    ck_assert_ptr_null(TEST_BASE(obj)->buddy);
    ck_assert_ptr_null(object_property_get_link(obj, "buddy", &err));
    ck_assert_ptr_null(err);

    /* Ambiguous partial paths are refused. */
    Object *b2 = object_new(TYPE_TEST_B);
    object_property_add_child(container_get("/machine/other"), "b0", b2, NULL);
    object_unref(b2);
    ck_assert(!object_property_parse(obj, "buddy", "b0", &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_NOT_FOUND);
    ck_assert_contains(err->message, "ambiguous");
    g_clear_error(&err);

    ck_assert_ptr_null(object_property_get_link(obj, "flag", &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_WRONG_TYPE);
    g_clear_error(&err);
    /* A child<> property reads as a link to the child. */
    ck_assert_ptr_eq(object_property_get_link(c, "b0", &err), b);
    object_unparent(obj);
}
END_TEST

static Suite *objmodel_props_suite(void)
{
    Suite *s = suite_create("/objmodel/properties");
    TCase *tc = tcase_create("/objmodel/properties/fields");
    tcase_add_checked_fixture(tc, props_setup, props_teardown);
    tcase_add_test(tc, test_kind_names_and_types);
    tcase_add_test(tc, test_field_defaults);
    tcase_add_test(tc, test_field_roundtrip);
    tcase_add_test(tc, test_string_field_ownership);
    tcase_add_test_raise_signal(tc, test_bad_default_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, test_bad_enum_default_aborts, SIGABRT);
    suite_add_tcase(s, tc);

    tc = tcase_create("/objmodel/properties/errors");
    tcase_add_checked_fixture(tc, props_setup, props_teardown);
    tcase_add_test(tc, test_out_of_range);
    tcase_add_test(tc, test_wrong_type);
    tcase_add_test(tc, test_not_found_read_only_write_only);
    suite_add_tcase(s, tc);

    tc = tcase_create("/objmodel/properties/parse");
    tcase_add_checked_fixture(tc, props_setup, props_teardown);
    tcase_add_test(tc, test_parse_bool);
    tcase_add_test(tc, test_parse_integers);
    tcase_add_test(tc, test_parse_size);
    tcase_add_test(tc, test_parse_strings_and_enums);
    suite_add_tcase(s, tc);

    tc = tcase_create("/objmodel/properties/accessors");
    tcase_add_checked_fixture(tc, props_setup, props_teardown);
    tcase_add_test(tc, test_accessor_property);
    tcase_add_test(tc, test_instance_property);
    tcase_add_test_raise_signal(tc, test_duplicate_instance_property_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, test_duplicate_class_property_aborts, SIGABRT);
    tcase_add_test(tc, test_property_lists);
    suite_add_tcase(s, tc);

    tc = tcase_create("/objmodel/properties/links");
    tcase_add_checked_fixture(tc, props_setup, props_teardown);
    tcase_add_test(tc, test_field_link);
    tcase_add_test(tc, test_accessor_link);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(objmodel_props_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
