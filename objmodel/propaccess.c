/* SPDX-License-Identifier: MIT */
/*
 * Generic property access by name: checked get/set, parse/print through the
 * property's kind, and the typed conveniences built on them.
 */
#include "objmodel/internal.h"

#include <string.h>

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
    } else if (p && obj->frozen) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_READ_ONLY,
                    "Property '%s' of a %s cannot change once the machine is built", name,
                    object_get_typename(obj));
    } else if (p && prop_check_value(p, value, errp) &&
               (p->kind != PROP_KIND_LINK ||
                prop_link_check(p, g_variant_get_string(value, NULL), &target, errp))) {
        ok = p->set(obj, p, value, errp);
    }
    g_variant_unref(value);
    return ok;
}

void object_freeze_properties(Object *obj)
{
    obj->frozen = true;
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

bool object_property_value_is(Object *obj, const char *name, const char *text)
{
    Property *p = object_property_find(obj, name);
    GVariant *want = p && p->get ? prop_value_parse(p, text, NULL) : NULL;
    GVariant *have = want ? object_property_get(obj, name, NULL) : NULL;
    bool same = have && g_variant_equal(want, have);
    if (want) {
        g_variant_unref(want);
    }
    if (have) {
        g_variant_unref(have);
    }
    return same;
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
    if (p && prop_kind_is_unsigned(p->kind)) {
        if (v < 0) {
            char *text = g_strdup_printf("%" G_GINT64_FORMAT, v);
            prop_range_error(errp, p, text);
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
    if (p && prop_kind_is_signed(p->kind)) {
        if (v > INT64_MAX) {
            char *text = g_strdup_printf("%" G_GUINT64_FORMAT, v);
            prop_range_error(errp, p, text);
            g_free(text);
            return false;
        }
        return object_property_set(obj, name, g_variant_new_int64((int64_t)v), errp);
    }
    return object_property_set(obj, name, g_variant_new_uint64(v), errp);
}

bool object_property_set_str(Object *obj, const char *name, const char *v, GError **errp)
{
    return object_property_set(obj, name, prop_string_new(v), errp);
}

bool object_property_set_link(Object *obj, const char *name, Object *target, GError **errp)
{
    Property *p = prop_lookup(obj, name, errp);
    if (!p) {
        return false;
    }
    Object **slot = prop_link_field(obj, p);
    if (slot) {
        /* Field links may point at objects outside the tree. */
        if (target && !object_dynamic_cast(target, p->target_type)) {
            g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_WRONG_TYPE,
                        "Property '%s' expects %s, got an object of type %s", name,
                        p->type_name, object_get_typename(target));
            return false;
        }
        prop_link_store(slot, target);
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
    bool ok = !v || (vtype && !strcmp(vtype, "s") ? prop_string_peek(v) != NULL :
                     vtype ? g_variant_is_of_type(v, G_VARIANT_TYPE(vtype))
                           : g_variant_is_of_type(v, G_VARIANT_TYPE_INT64) ||
                             g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64));
    if (!ok) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_WRONG_TYPE,
                    "Property '%s' is a %s, not %s", name,
                    object_property_find(obj, name)->type_name, want);
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
        char *text = prop_value_text(v);
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
    char *s = v ? g_strdup(prop_string_peek(v)) : NULL;
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
    } else if (p && prop_link_field(obj, p)) {
        return *prop_link_field(obj, p);
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
