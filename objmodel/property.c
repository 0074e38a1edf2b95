/* SPDX-License-Identifier: MIT */
/*
 * Typed properties: kinds and their GVariant types, class and instance
 * properties, field properties stored in the instance struct, the generic
 * checked get/set, text parsing and printing.
 *
 * Every value is checked here (type, range, enum membership, link target)
 * before a setter sees it, so setters only store.
 */
#include "objmodel/internal.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    const char *vtype;  /* GVariant type string */
    int64_t min;        /* signed kinds */
    uint64_t max;       /* signed and unsigned kinds */
} kind_table[] = {
    [PROP_KIND_BOOL] = { "bool", "b" },
    [PROP_KIND_INT8] = { "int8", "x", INT8_MIN, INT8_MAX },
    [PROP_KIND_INT16] = { "int16", "x", INT16_MIN, INT16_MAX },
    [PROP_KIND_INT32] = { "int32", "x", INT32_MIN, INT32_MAX },
    [PROP_KIND_INT64] = { "int64", "x", INT64_MIN, INT64_MAX },
    [PROP_KIND_UINT8] = { "uint8", "t", 0, UINT8_MAX },
    [PROP_KIND_UINT16] = { "uint16", "t", 0, UINT16_MAX },
    [PROP_KIND_UINT32] = { "uint32", "t", 0, UINT32_MAX },
    [PROP_KIND_UINT64] = { "uint64", "t", 0, UINT64_MAX },
    [PROP_KIND_SIZE] = { "size", "t", 0, UINT64_MAX },
    [PROP_KIND_STRING] = { "str", "s" },
    [PROP_KIND_ENUM] = { "enum", "s" },
    [PROP_KIND_LINK] = { "link", "s" },
    [PROP_KIND_CHILD] = { "child", "s" },
};

/* Size suffixes accepted by prop_value_parse(), as powers of two. */
static const struct {
    char suffix;
    unsigned shift;
} size_suffixes[] = {
    { 'b', 0 }, { 'k', 10 }, { 'm', 20 }, { 'g', 30 }, { 't', 40 },
};

static bool kind_is_signed(PropKind k)
{
    return k >= PROP_KIND_INT8 && k <= PROP_KIND_INT64;
}

static bool kind_is_unsigned(PropKind k)
{
    return k >= PROP_KIND_UINT8 && k <= PROP_KIND_SIZE;
}

const char *prop_kind_name(PropKind kind)
{
    g_assert((size_t)kind < G_N_ELEMENTS(kind_table));
    return kind_table[kind].name;
}

const GVariantType *prop_kind_variant_type(PropKind kind)
{
    g_assert((size_t)kind < G_N_ELEMENTS(kind_table));
    return G_VARIANT_TYPE(kind_table[kind].vtype);
}

/* ---- creation and lookup ---------------------------------------------- */

Property *prop_new(const char *name, PropKind kind, PropGetter get, PropSetter set,
                   void *opaque)
{
    g_assert(name && *name);
    Property *p = g_new0(Property, 1);
    p->name = g_strdup(name);
    p->kind = kind;
    p->type_name = g_strdup(prop_kind_name(kind));
    p->get = get;
    p->set = set;
    p->offset = -1;
    p->opaque = opaque;
    return p;
}

void prop_free(Property *prop)
{
    if (prop->kind == PROP_KIND_CHILD && prop->opaque) {
        object_child_release(prop->opaque);
    }
    g_free(prop->name);
    g_free(prop->type_name);
    g_free(prop->description);
    g_free(prop->target_type);
    if (prop->defval) {
        g_variant_unref(prop->defval);
    }
    g_free(prop);
}

void property_set_description(Property *prop, const char *description)
{
    g_free(prop->description);
    prop->description = g_strdup(description);
}

void property_set_default(Property *prop, GVariant *value)
{
    g_variant_ref_sink(value);
    g_assert(g_variant_is_of_type(value, prop_kind_variant_type(prop->kind)));
    if (prop->defval) {
        g_variant_unref(prop->defval);
    }
    prop->defval = value;
}

void property_set_enum_values(Property *prop, const char *const *values)
{
    g_assert(prop->kind == PROP_KIND_ENUM && values && values[0]);
    prop->enum_values = values;
}

void property_set_target_type(Property *prop, const char *type)
{
    g_assert(prop->kind == PROP_KIND_LINK || prop->kind == PROP_KIND_CHILD);
    g_free(prop->target_type);
    g_free(prop->type_name);
    prop->target_type = g_strdup(type);
    prop->type_name = g_strdup_printf("%s<%s>", prop_kind_name(prop->kind), type);
}

Property *object_class_property_find(ObjectClass *klass, const char *name)
{
    for (; klass; klass = object_class_get_parent(klass)) {
        Property *p = g_hash_table_lookup(klass->properties, name);
        if (p) {
            return p;
        }
    }
    return NULL;
}

Property *object_property_find(Object *obj, const char *name)
{
    Property *p = g_hash_table_lookup(obj->properties, name);
    return p ? p : object_class_property_find(obj->klass, name);
}

Property *object_class_property_add(ObjectClass *klass, const char *name, PropKind kind,
                                    PropGetter get, PropSetter set, void *opaque)
{
    if (object_class_property_find(klass, name)) {
        objmodel_fatal("class '%s' already has a property '%s'",
                       object_class_get_name(klass), name);
    }
    Property *p = prop_new(name, kind, get, set, opaque);
    g_hash_table_insert(klass->properties, p->name, p);
    g_ptr_array_add(klass->property_order, p);
    return p;
}

Property *object_property_add(Object *obj, const char *name, PropKind kind,
                              PropGetter get, PropSetter set, void *opaque)
{
    if (object_property_find(obj, name)) {
        objmodel_fatal("object of type '%s' already has a property '%s'",
                       object_get_typename(obj), name);
    }
    Property *p = prop_new(name, kind, get, set, opaque);
    g_hash_table_insert(obj->properties, p->name, p);
    return p;
}

bool object_property_del(Object *obj, const char *name)
{
    return g_hash_table_remove(obj->properties, name);
}

static void class_collect_props(ObjectClass *klass, GPtrArray *out)
{
    ObjectClass *parent = object_class_get_parent(klass);
    if (parent) {
        class_collect_props(parent, out);
    }
    for (guint i = 0; i < klass->property_order->len; i++) {
        g_ptr_array_add(out, klass->property_order->pdata[i]);
    }
}

GPtrArray *object_class_property_list(ObjectClass *klass)
{
    GPtrArray *out = g_ptr_array_new();
    class_collect_props(klass, out);
    return out;
}

static int prop_name_cmp(const void *a, const void *b)
{
    return strcmp((*(Property *const *)a)->name, (*(Property *const *)b)->name);
}

GPtrArray *object_property_list(Object *obj)
{
    GPtrArray *out = object_class_property_list(obj->klass);
    guint first = out->len;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, obj->properties);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        g_ptr_array_add(out, value);
    }
    qsort(out->pdata + first, out->len - first, sizeof(gpointer), prop_name_cmp);
    return out;
}

/* ---- checks ----------------------------------------------------------- */

static int enum_index(const Property *p, const char *s)
{
    for (int i = 0; p->enum_values && p->enum_values[i]; i++) {
        if (!strcmp(p->enum_values[i], s)) {
            return i;
        }
    }
    return -1;
}

/* A value as users would type it: strings bare, numbers in decimal. */
static char *value_text(GVariant *v)
{
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)) {
        return g_variant_dup_string(v, NULL);
    }
    return g_variant_print(v, FALSE);
}

static const char *value_kind_text(GVariant *v)
{
    static const struct { const char *vtype, *name; } names[] = {
        { "b", "bool" }, { "x", "int64" }, { "t", "uint64" }, { "s", "str" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!strcmp(g_variant_get_type_string(v), names[i].vtype)) {
            return names[i].name;
        }
    }
    return g_variant_get_type_string(v);
}

static void range_error(GError **errp, const Property *p, const char *text)
{
    g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_OUT_OF_RANGE,
                "Property '%s': value %s is out of range for %s (%" G_GINT64_FORMAT " to %"
                G_GUINT64_FORMAT ")", p->name, text, p->type_name, kind_table[p->kind].min,
                kind_table[p->kind].max);
}

static void wrong_text_error(GError **errp, const Property *p, const char *text,
                             const char *hint)
{
    g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_WRONG_TYPE,
                "Property '%s' expects %s%s, got '%s'", p->name, p->type_name, hint, text);
}

/* Type, range and enum checks shared by set, parse and defaults. */
static bool prop_check_value(const Property *p, GVariant *v, GError **errp)
{
    if (!g_variant_is_of_type(v, prop_kind_variant_type(p->kind))) {
        char *text = value_text(v);
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_WRONG_TYPE,
                    "Property '%s' expects %s, got '%s' (%s)", p->name, p->type_name, text,
                    value_kind_text(v));
        g_free(text);
        return false;
    }
    bool ok = true;
    if (kind_is_signed(p->kind)) {
        int64_t x = g_variant_get_int64(v);
        ok = x >= kind_table[p->kind].min && x <= (int64_t)kind_table[p->kind].max;
    } else if (kind_is_unsigned(p->kind)) {
        ok = g_variant_get_uint64(v) <= kind_table[p->kind].max;
    } else if (p->kind == PROP_KIND_ENUM && enum_index(p, g_variant_get_string(v, NULL)) < 0) {
        char *allowed = g_strjoinv(", ", (char **)p->enum_values);
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "Property '%s': '%s' is not one of: %s", p->name,
                    g_variant_get_string(v, NULL), allowed);
        g_free(allowed);
        return false;
    }
    if (!ok) {
        char *text = value_text(v);
        range_error(errp, p, text);
        g_free(text);
    }
    return ok;
}

/* A link value: "" (no target) or a path to an object of the target type. */
static bool link_check(const Property *p, const char *path, Object **target, GError **errp)
{
    bool ambiguous;
    *target = NULL;
    if (!*path) {
        return true;
    }
    Object *t = object_resolve_path(path, &ambiguous);
    if (!t) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_NOT_FOUND,
                    "Property '%s': %s path '%s'", p->name,
                    ambiguous ? "ambiguous" : "no object at", path);
        return false;
    }
    if (p->target_type && !object_dynamic_cast(t, p->target_type)) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_WRONG_TYPE,
                    "Property '%s' expects %s, but '%s' is a %s", p->name, p->type_name, path,
                    object_get_typename(t));
        return false;
    }
    *target = t;
    return true;
}

/* ---- field properties ------------------------------------------------- */

static void *field_ptr(Object *obj, const Property *p)
{
    return (char *)obj + p->offset;
}

static void link_store(Object *obj, const Property *p, Object *target)
{
    Object **slot = field_ptr(obj, p);
    Object *old = *slot;
    *slot = object_ref(target);
    object_unref(old);
}

/* Store a checked value into the field. */
static void field_store(Object *obj, const Property *p, GVariant *v)
{
    void *f = field_ptr(obj, p);
    switch (p->kind) {
    case PROP_KIND_BOOL: *(bool *)f = g_variant_get_boolean(v); break;
    case PROP_KIND_INT8: *(int8_t *)f = (int8_t)g_variant_get_int64(v); break;
    case PROP_KIND_INT16: *(int16_t *)f = (int16_t)g_variant_get_int64(v); break;
    case PROP_KIND_INT32: *(int32_t *)f = (int32_t)g_variant_get_int64(v); break;
    case PROP_KIND_INT64: *(int64_t *)f = g_variant_get_int64(v); break;
    case PROP_KIND_UINT8: *(uint8_t *)f = (uint8_t)g_variant_get_uint64(v); break;
    case PROP_KIND_UINT16: *(uint16_t *)f = (uint16_t)g_variant_get_uint64(v); break;
    case PROP_KIND_UINT32: *(uint32_t *)f = (uint32_t)g_variant_get_uint64(v); break;
    case PROP_KIND_UINT64:
    case PROP_KIND_SIZE: *(uint64_t *)f = g_variant_get_uint64(v); break;
    case PROP_KIND_STRING:
        g_free(*(char **)f);
        *(char **)f = g_variant_dup_string(v, NULL);
        break;
    case PROP_KIND_ENUM: *(int *)f = enum_index(p, g_variant_get_string(v, NULL)); break;
    case PROP_KIND_LINK: {
        Object *target = NULL;
        GError *err = NULL;
        if (!link_check(p, g_variant_get_string(v, NULL), &target, &err)) {
            objmodel_fatal("%s", err->message); /* checked before the setter runs */
        }
        link_store(obj, p, target);
        break;
    }
    case PROP_KIND_CHILD: g_assert_not_reached();
    }
}

static GVariant *field_get(Object *obj, Property *p)
{
    void *f = field_ptr(obj, p);
    switch (p->kind) {
    case PROP_KIND_BOOL: return g_variant_new_boolean(*(bool *)f);
    case PROP_KIND_INT8: return g_variant_new_int64(*(int8_t *)f);
    case PROP_KIND_INT16: return g_variant_new_int64(*(int16_t *)f);
    case PROP_KIND_INT32: return g_variant_new_int64(*(int32_t *)f);
    case PROP_KIND_INT64: return g_variant_new_int64(*(int64_t *)f);
    case PROP_KIND_UINT8: return g_variant_new_uint64(*(uint8_t *)f);
    case PROP_KIND_UINT16: return g_variant_new_uint64(*(uint16_t *)f);
    case PROP_KIND_UINT32: return g_variant_new_uint64(*(uint32_t *)f);
    case PROP_KIND_UINT64:
    case PROP_KIND_SIZE: return g_variant_new_uint64(*(uint64_t *)f);
    case PROP_KIND_STRING: return g_variant_new_string(*(char **)f ? *(char **)f : "");
    case PROP_KIND_ENUM: return g_variant_new_string(p->enum_values[*(int *)f]);
    case PROP_KIND_LINK: {
        char *path = *(Object **)f ? object_get_canonical_path(*(Object **)f) : NULL;
        GVariant *v = g_variant_new_string(path ? path : "");
        g_free(path);
        return v;
    }
    case PROP_KIND_CHILD: break;
    }
    g_assert_not_reached();
}

static bool field_set(Object *obj, Property *p, GVariant *value, GError **errp)
{
    field_store(obj, p, value);
    return true;
}

static GVariant *info_default(const PropertyInfo *i)
{
    if (i->kind == PROP_KIND_BOOL) {
        return g_variant_new_boolean(i->def_int != 0);
    } else if (kind_is_signed(i->kind)) {
        return g_variant_new_int64(i->def_int);
    } else if (kind_is_unsigned(i->kind)) {
        return g_variant_new_uint64((uint64_t)i->def_int);
    } else if (i->kind == PROP_KIND_STRING) {
        return g_variant_new_string(i->def_str);
    }
    g_assert(i->kind == PROP_KIND_ENUM);
    for (int64_t n = 0; n <= i->def_int; n++) {
        if (!i->enum_values[n]) {
            objmodel_fatal("property '%s': default index %" G_GINT64_FORMAT
                           " is past the enum values", i->name, i->def_int);
        }
    }
    return g_variant_new_string(i->enum_values[i->def_int]);
}

void object_class_add_field_properties(ObjectClass *klass, const PropertyInfo *infos)
{
    for (const PropertyInfo *i = infos; i->name; i++) {
        g_assert(i->kind != PROP_KIND_CHILD && i->offset >= (ptrdiff_t)sizeof(Object));
        Property *p = object_class_property_add(klass, i->name, i->kind, field_get, field_set,
                                                NULL);
        p->offset = i->offset;
        property_set_description(p, i->description);
        if (i->kind == PROP_KIND_ENUM) {
            property_set_enum_values(p, i->enum_values);
        } else if (i->kind == PROP_KIND_LINK) {
            property_set_target_type(p, i->target_type ? i->target_type : TYPE_OBJECT);
        }
        if (i->has_default && i->kind != PROP_KIND_LINK) {
            GVariant *d = g_variant_ref_sink(info_default(i));
            GError *err = NULL;
            if (!prop_check_value(p, d, &err)) {
                objmodel_fatal("class '%s': bad default: %s", object_class_get_name(klass),
                               err->message);
            }
            property_set_default(p, d);
        }
    }
}

static bool prop_is_field(const Property *p)
{
    return p->offset >= 0 && p->get == field_get;
}

void object_init_field_defaults(Object *obj)
{
    for (ObjectClass *k = obj->klass; k; k = object_class_get_parent(k)) {
        for (guint i = 0; i < k->property_order->len; i++) {
            Property *p = k->property_order->pdata[i];
            if (prop_is_field(p) && p->defval) {
                field_store(obj, p, p->defval);
            }
        }
    }
}

void object_release_fields(Object *obj)
{
    for (ObjectClass *k = obj->klass; k; k = object_class_get_parent(k)) {
        for (guint i = 0; i < k->property_order->len; i++) {
            Property *p = k->property_order->pdata[i];
            if (prop_is_field(p) && p->kind == PROP_KIND_STRING) {
                g_clear_pointer((char **)field_ptr(obj, p), g_free);
            } else if (prop_is_field(p) && p->kind == PROP_KIND_LINK) {
                link_store(obj, p, NULL);
            }
        }
    }
}

/* ---- generic access --------------------------------------------------- */

static Property *prop_lookup(Object *obj, const char *name, GError **errp)
{
    Property *p = object_property_find(obj, name);
    if (!p) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_NOT_FOUND,
                    "Property '%s' not found in object of type '%s'", name,
                    object_get_typename(obj));
    }
    return p;
}

bool object_property_set(Object *obj, const char *name, GVariant *value, GError **errp)
{
    g_variant_ref_sink(value);
    Property *p = prop_lookup(obj, name, errp);
    Object *target;
    bool ok = false;
    if (p && !p->set) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_READ_ONLY, "Property '%s' is read-only",
                    name);
    } else if (p && prop_check_value(p, value, errp) &&
               (p->kind != PROP_KIND_LINK ||
                link_check(p, g_variant_get_string(value, NULL), &target, errp))) {
        ok = p->set(obj, p, value, errp);
    }
    g_variant_unref(value);
    return ok;
}

GVariant *object_property_get(Object *obj, const char *name, GError **errp)
{
    Property *p = prop_lookup(obj, name, errp);
    if (p && !p->get) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID, "Property '%s' is write-only",
                    name);
        return NULL;
    }
    return p ? g_variant_ref_sink(p->get(obj, p)) : NULL;
}

/* "[-]digits" or "[-]0xhex"; *end points past the digits. */
static bool parse_number(const char *s, bool *neg, uint64_t *mag, bool *overflow,
                         const char **end)
{
    *neg = *s == '-';
    s += *neg || *s == '+';
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    uint64_t v = 0;
    const char *digits = s;
    *overflow = false;
    for (int d; (d = base == 16 ? g_ascii_xdigit_value(*s) : g_ascii_digit_value(*s)) >= 0;
         s++) {
        if (v > (UINT64_MAX - (unsigned)d) / base) {
            *overflow = true;
        }
        v = v * base + (unsigned)d;
    }
    *mag = v;
    *end = s;
    return s != digits;
}

static GVariant *parse_integer(const Property *p, const char *text, GError **errp)
{
    bool neg, overflow;
    uint64_t mag;
    const char *end;
    if (!parse_number(text, &neg, &mag, &overflow, &end)) {
        wrong_text_error(errp, p, text, "");
        return NULL;
    }
    unsigned shift = 0;
    if (p->kind == PROP_KIND_SIZE && *end) {
        size_t i = 0;
        while (i < G_N_ELEMENTS(size_suffixes) &&
               size_suffixes[i].suffix != g_ascii_tolower(*end)) {
            i++;
        }
        if (i == G_N_ELEMENTS(size_suffixes) || end[1]) {
            wrong_text_error(errp, p, text, " (bytes, or a number with suffix k, M, G or T)");
            return NULL;
        }
        shift = size_suffixes[i].shift;
        end++;
    }
    if (*end) {
        wrong_text_error(errp, p, text, "");
        return NULL;
    }
    if (overflow || mag > (UINT64_MAX >> shift) ||
        (kind_is_signed(p->kind) && mag > (uint64_t)INT64_MAX + neg) ||
        (kind_is_unsigned(p->kind) && neg && mag)) {
        range_error(errp, p, text);
        return NULL;
    }
    if (kind_is_unsigned(p->kind)) {
        return g_variant_new_uint64(mag << shift);
    }
    return g_variant_new_int64(neg ? (int64_t)(0 - mag) : (int64_t)mag);
}

GVariant *prop_value_parse(const Property *prop, const char *text, GError **errp)
{
    static const char *const truths[] = { "on", "yes", "true" };
    static const char *const lies[] = { "off", "no", "false" };
    GVariant *v = NULL;
    if (prop->kind == PROP_KIND_BOOL) {
        for (size_t i = 0; i < G_N_ELEMENTS(truths) && !v; i++) {
            if (!g_ascii_strcasecmp(text, truths[i])) {
                v = g_variant_new_boolean(true);
            } else if (!g_ascii_strcasecmp(text, lies[i])) {
                v = g_variant_new_boolean(false);
            }
        }
        if (!v) {
            wrong_text_error(errp, prop, text, " (on/off, yes/no or true/false)");
        }
    } else if (kind_is_signed(prop->kind) || kind_is_unsigned(prop->kind)) {
        v = parse_integer(prop, text, errp);
    } else {
        v = g_variant_new_string(text);
    }
    if (!v) {
        return NULL;
    }
    g_variant_ref_sink(v);
    if (!prop_check_value(prop, v, errp)) {
        g_variant_unref(v);
        return NULL;
    }
    return v;
}

char *prop_value_print(const Property *prop, GVariant *value)
{
    if (!g_variant_is_of_type(value, prop_kind_variant_type(prop->kind))) {
        return g_variant_print(value, FALSE);
    }
    if (prop->kind == PROP_KIND_BOOL) {
        return g_strdup(g_variant_get_boolean(value) ? "on" : "off");
    } else if (kind_is_signed(prop->kind)) {
        return g_strdup_printf("%" G_GINT64_FORMAT, g_variant_get_int64(value));
    } else if (kind_is_unsigned(prop->kind)) {
        return g_strdup_printf("%" G_GUINT64_FORMAT, g_variant_get_uint64(value));
    }
    return g_variant_dup_string(value, NULL);
}

bool object_property_parse(Object *obj, const char *name, const char *text, GError **errp)
{
    Property *p = prop_lookup(obj, name, errp);
    GVariant *v = p ? prop_value_parse(p, text, errp) : NULL;
    if (!v) {
        return false;
    }
    bool ok = object_property_set(obj, name, v, errp);
    g_variant_unref(v);
    return ok;
}

char *object_property_print(Object *obj, const char *name, GError **errp)
{
    GVariant *v = object_property_get(obj, name, errp);
    if (!v) {
        return NULL;
    }
    char *s = prop_value_print(object_property_find(obj, name), v);
    g_variant_unref(v);
    return s;
}

/* ---- typed conveniences ----------------------------------------------- */

bool object_property_set_bool(Object *obj, const char *name, bool v, GError **errp)
{
    return object_property_set(obj, name, g_variant_new_boolean(v), errp);
}

bool object_property_set_int(Object *obj, const char *name, int64_t v, GError **errp)
{
    Property *p = object_property_find(obj, name);
    if (p && kind_is_unsigned(p->kind)) {
        if (v < 0) {
            char *text = g_strdup_printf("%" G_GINT64_FORMAT, v);
            range_error(errp, p, text);
            g_free(text);
            return false;
        }
        return object_property_set(obj, name, g_variant_new_uint64((uint64_t)v), errp);
    }
    return object_property_set(obj, name, g_variant_new_int64(v), errp);
}

bool object_property_set_uint(Object *obj, const char *name, uint64_t v, GError **errp)
{
    Property *p = object_property_find(obj, name);
    if (p && kind_is_signed(p->kind)) {
        if (v > INT64_MAX) {
            char *text = g_strdup_printf("%" G_GUINT64_FORMAT, v);
            range_error(errp, p, text);
            g_free(text);
            return false;
        }
        return object_property_set(obj, name, g_variant_new_int64((int64_t)v), errp);
    }
    return object_property_set(obj, name, g_variant_new_uint64(v), errp);
}

bool object_property_set_str(Object *obj, const char *name, const char *v, GError **errp)
{
    return object_property_set(obj, name, g_variant_new_string(v), errp);
}

bool object_property_set_link(Object *obj, const char *name, Object *target, GError **errp)
{
    Property *p = prop_lookup(obj, name, errp);
    if (!p) {
        return false;
    }
    if (prop_is_field(p) && p->kind == PROP_KIND_LINK) {
        /* Field links may point at objects outside the tree. */
        if (target && !object_dynamic_cast(target, p->target_type)) {
            g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_WRONG_TYPE,
                        "Property '%s' expects %s, got an object of type %s", name,
                        p->type_name, object_get_typename(target));
            return false;
        }
        link_store(obj, p, target);
        return true;
    }
    char *path = target ? object_get_canonical_path(target) : g_strdup("");
    if (!path) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "Property '%s': the %s target is not in the composition tree", name,
                    object_get_typename(target));
        return false;
    }
    bool ok = object_property_set_str(obj, name, path, errp);
    g_free(path);
    return ok;
}

/* Get @name and check that its value has GVariant type @vtype (NULL: "x" or "t"). */
static GVariant *get_typed(Object *obj, const char *name, const char *vtype, const char *want,
                           GError **errp)
{
    GVariant *v = object_property_get(obj, name, errp);
    bool ok = !v || (vtype ? g_variant_is_of_type(v, G_VARIANT_TYPE(vtype))
                           : g_variant_is_of_type(v, G_VARIANT_TYPE_INT64) ||
                             g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64));
    if (!ok) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_WRONG_TYPE,
                    "Property '%s' is a %s, not %s", name, object_property_find(obj, name)->type_name,
                    want);
        g_variant_unref(v);
        return NULL;
    }
    return v;
}

bool object_property_get_bool(Object *obj, const char *name, GError **errp)
{
    GVariant *v = get_typed(obj, name, "b", "a bool", errp);
    bool r = v && g_variant_get_boolean(v);
    if (v) {
        g_variant_unref(v);
    }
    return r;
}

/* Signed and unsigned kinds both read as either C type when the value fits. */
static bool get_number(Object *obj, const char *name, bool want_signed, uint64_t *raw,
                       GError **errp)
{
    GVariant *v = get_typed(obj, name, NULL, "a number", errp);
    if (!v) {
        return false;
    }
    bool is_signed = g_variant_is_of_type(v, G_VARIANT_TYPE_INT64);
    *raw = is_signed ? (uint64_t)g_variant_get_int64(v) : g_variant_get_uint64(v);
    bool ok = is_signed == want_signed || *raw <= INT64_MAX;
    if (!ok) {
        char *text = value_text(v);
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_OUT_OF_RANGE,
                    "Property '%s': value %s does not fit in %s", name, text,
                    want_signed ? "int64" : "uint64");
        g_free(text);
    }
    g_variant_unref(v);
    return ok;
}

int64_t object_property_get_int(Object *obj, const char *name, GError **errp)
{
    uint64_t raw = 0;
    return get_number(obj, name, true, &raw, errp) ? (int64_t)raw : 0;
}

uint64_t object_property_get_uint(Object *obj, const char *name, GError **errp)
{
    uint64_t raw = 0;
    return get_number(obj, name, false, &raw, errp) ? raw : 0;
}

char *object_property_get_str(Object *obj, const char *name, GError **errp)
{
    GVariant *v = get_typed(obj, name, "s", "a string", errp);
    char *s = v ? g_variant_dup_string(v, NULL) : NULL;
    if (v) {
        g_variant_unref(v);
    }
    return s;
}

Object *object_property_get_link(Object *obj, const char *name, GError **errp)
{
    Property *p = prop_lookup(obj, name, errp);
    if (p && p->kind == PROP_KIND_CHILD) {
        return p->opaque;
    } else if (p && prop_is_field(p) && p->kind == PROP_KIND_LINK) {
        return *(Object **)field_ptr(obj, p);
    } else if (p && p->kind != PROP_KIND_LINK) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_WRONG_TYPE,
                    "Property '%s' is a %s, not a link", name, p->type_name);
        return NULL;
    }
    char *path = p ? object_property_get_str(obj, name, errp) : NULL;
    Object *target = path && *path ? object_resolve_path(path, NULL) : NULL;
    g_free(path);
    return target;
}
