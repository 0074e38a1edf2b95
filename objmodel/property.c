/* SPDX-License-Identifier: MIT */
/*
 * Property definitions: class and instance properties, lookup and listing,
 * and field properties stored in the instance struct (defaults stored at
 * instance init, owned strings and link references released on finalize).
 */
#include "objmodel/internal.h"

#include <stdlib.h>
#include <string.h>

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
    if (out->len > first) {
        qsort(out->pdata + first, out->len - first, sizeof(gpointer), prop_name_cmp);
    }
    return out;
}

/* ---- field properties ------------------------------------------------- */

static void *field_ptr(Object *obj, const Property *p)
{
    return (char *)obj + p->offset;
}

void prop_link_store(Object **slot, Object *target)
{
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
        *(char **)f = g_strdup(prop_string_peek(v));
        break;
    case PROP_KIND_ENUM: *(int *)f = prop_enum_index(p, g_variant_get_string(v, NULL)); break;
    case PROP_KIND_LINK: {
        Object *target = NULL;
        GError *err = NULL;
        if (!prop_link_check(p, g_variant_get_string(v, NULL), &target, &err)) {
            objmodel_fatal("%s", err->message); /* checked before the setter runs */
        }
        prop_link_store(field_ptr(obj, p), target);
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
    case PROP_KIND_STRING: return prop_string_new(*(char **)f ? *(char **)f : "");
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
    } else if (prop_kind_is_signed(i->kind)) {
        return g_variant_new_int64(i->def_int);
    } else if (prop_kind_is_unsigned(i->kind)) {
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
            GVariant *d = info_default(i); /* floating until set as default */
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

Object **prop_link_field(Object *obj, const Property *p)
{
    return prop_is_field(p) && p->kind == PROP_KIND_LINK ? field_ptr(obj, p) : NULL;
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
                prop_link_store(field_ptr(obj, p), NULL);
            }
        }
    }
}

