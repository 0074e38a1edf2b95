/* SPDX-License-Identifier: MIT */
/*
 * Property values: the kinds and their GVariant types, the checks every
 * value passes before a setter sees it (type, range, enum membership, link
 * target), and conversion from and to the text users type.
 */
#include "objmodel/internal.h"

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

/* ---- strings ---------------------------------------------------------- */

GVariant *prop_string_new(const char *bytes)
{
    if (g_utf8_validate(bytes, -1, NULL)) {
        return g_variant_new_string(bytes);
    }
    return g_variant_new_bytestring(bytes);
}

const char *prop_string_peek(GVariant *v)
{
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)) {
        return g_variant_get_string(v, NULL);
    }
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_BYTESTRING)) {
        return g_variant_get_bytestring(v);
    }
    return NULL;
}

static bool is_bytestring(GVariant *v)
{
    return g_variant_is_of_type(v, G_VARIANT_TYPE_BYTESTRING);
}

/* ---- checks ----------------------------------------------------------- */

int prop_enum_index(const Property *p, const char *s)
{
    for (int i = 0; p->enum_values && p->enum_values[i]; i++) {
        if (!strcmp(p->enum_values[i], s)) {
            return i;
        }
    }
    return -1;
}

char *prop_value_text(GVariant *v)
{
    const char *str = prop_string_peek(v);
    if (str) {
        return g_strdup(str);
    }
    return g_variant_print(v, FALSE);
}

static const char *value_kind_text(GVariant *v)
{
    static const struct { const char *vtype, *name; } names[] = {
        { "b", "bool" }, { "x", "int64" }, { "t", "uint64" }, { "s", "str" },
        { "ay", "text that is not UTF-8" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!strcmp(g_variant_get_type_string(v), names[i].vtype)) {
            return names[i].name;
        }
    }
    return g_variant_get_type_string(v);
}

void prop_range_error(GError **errp, const Property *p, const char *text)
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

bool prop_check_value(const Property *p, GVariant *v, GError **errp)
{
    if (!g_variant_is_of_type(v, prop_kind_variant_type(p->kind)) &&
        !(p->kind == PROP_KIND_STRING && is_bytestring(v))) {
        char *text = prop_value_text(v);
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_WRONG_TYPE,
                    "Property '%s' expects %s, got '%s' (%s)", p->name, p->type_name, text,
                    value_kind_text(v));
        g_free(text);
        return false;
    }
    bool ok = true;
    if (prop_kind_is_signed(p->kind)) {
        int64_t x = g_variant_get_int64(v);
        ok = x >= kind_table[p->kind].min && x <= (int64_t)kind_table[p->kind].max;
    } else if (prop_kind_is_unsigned(p->kind)) {
        ok = g_variant_get_uint64(v) <= kind_table[p->kind].max;
    } else if (p->kind == PROP_KIND_ENUM &&
               prop_enum_index(p, g_variant_get_string(v, NULL)) < 0) {
        char *allowed = g_strjoinv(", ", (char **)p->enum_values);
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "Property '%s': '%s' is not one of: %s", p->name,
                    g_variant_get_string(v, NULL), allowed);
        g_free(allowed);
        return false;
    }
    if (!ok) {
        char *text = prop_value_text(v);
        prop_range_error(errp, p, text);
        g_free(text);
    }
    return ok;
}

bool prop_link_check(const Property *p, const char *path, Object **target, GError **errp)
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

/* ---- text ------------------------------------------------------------- */

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
        (prop_kind_is_signed(p->kind) && mag > (uint64_t)INT64_MAX + neg) ||
        (prop_kind_is_unsigned(p->kind) && neg && mag)) {
        prop_range_error(errp, p, text);
        return NULL;
    }
    if (prop_kind_is_unsigned(p->kind)) {
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
    } else if (prop_kind_is_signed(prop->kind) || prop_kind_is_unsigned(prop->kind)) {
        v = parse_integer(prop, text, errp);
    } else {
        v = prop_string_new(text);
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
    if (prop_string_peek(value)) {
        return g_strdup(prop_string_peek(value));
    }
    if (!g_variant_is_of_type(value, prop_kind_variant_type(prop->kind))) {
        return g_variant_print(value, FALSE);
    }
    if (prop->kind == PROP_KIND_BOOL) {
        return g_strdup(g_variant_get_boolean(value) ? "on" : "off");
    } else if (prop_kind_is_signed(prop->kind)) {
        return g_strdup_printf("%" G_GINT64_FORMAT, g_variant_get_int64(value));
    } else if (prop_kind_is_unsigned(prop->kind)) {
        return g_strdup_printf("%" G_GUINT64_FORMAT, g_variant_get_uint64(value));
    }
    return g_variant_dup_string(value, NULL);
}

