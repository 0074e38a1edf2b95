/* SPDX-License-Identifier: MIT */
/*
 * Option dictionaries: QEMU's "val,key=val,flag" syntax and JSON objects.
 *
 * Rules of the key=value form:
 *  - elements are separated by ','; ",," is a literal comma in a value;
 *  - the first element may omit "key=" when the option has an implied key;
 *  - a bare "help" or "?" element asks for help;
 *  - any other bare element "flag" means "flag=on";
 *  - a later duplicate key replaces the earlier value (in its place);
 *  - a trailing comma is ignored, other empty elements are an error.
 * Keys are letters, digits, '-', '_' and '.'.
 */
#include <stdint.h> /* options.h uses uint64_t without including it */

#include "kernel/options.h"

#include <errno.h>
#include <string.h>

#include <json-glib/json-glib.h>

G_DEFINE_QUARK(tessera-options-error-quark, options_error)

enum { OPTIONS_ERROR_INVALID = 1 };

static const char *opt_name(const char *option)
{
    return option ? option : "option";
}

OptDict *opt_dict_new(const char *option)
{
    OptDict *d = g_new0(OptDict, 1);
    d->option = g_strdup(option);
    d->keys = g_ptr_array_new_with_free_func(g_free);
    d->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return d;
}

void opt_dict_free(OptDict *d)
{
    if (!d) {
        return;
    }
    g_free(d->option);
    g_ptr_array_unref(d->keys);
    g_hash_table_unref(d->values);
    g_free(d);
}

const char *opt_dict_get(const OptDict *d, const char *key)
{
    return g_hash_table_lookup(d->values, key);
}

void opt_dict_set(OptDict *d, const char *key, const char *value)
{
    g_assert(key && value);
    if (!g_hash_table_contains(d->values, key)) {
        g_ptr_array_add(d->keys, g_strdup(key));
    }
    g_hash_table_insert(d->values, g_strdup(key), g_strdup(value));
}

bool opt_dict_remove(OptDict *d, const char *key)
{
    if (!g_hash_table_remove(d->values, key)) {
        return false;
    }
    for (guint i = 0; i < d->keys->len; i++) {
        if (!strcmp(g_ptr_array_index(d->keys, i), key)) {
            g_ptr_array_remove_index(d->keys, i);
            break;
        }
    }
    return true;
}

static bool key_is_valid(const char *key, size_t len)
{
    if (len == 0) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = key[i];
        if (!g_ascii_isalnum(c) && c != '-' && c != '_' && c != '.') {
            return false;
        }
    }
    return true;
}

/* Split at unescaped commas, turning ",," into ','.  A trailing empty
 * element (from a trailing comma) is dropped. */
static GPtrArray *split_elements(const char *text)
{
    GPtrArray *elems = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);
    for (const char *p = text;; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || *p == '\0') {
            if (*p == ',' || cur->len) {
                g_ptr_array_add(elems, g_strdup(cur->str));
            }
            g_string_truncate(cur, 0);
            if (!*p) {
                break;
            }
        } else {
            g_string_append_c(cur, *p);
        }
    }
    g_string_free(cur, TRUE);
    return elems;
}

static bool is_help(const char *s)
{
    return !strcmp(s, "help") || !strcmp(s, "?");
}

static bool parse_keyval(OptDict *d, const char *text, const char *implied_key, GError **errp)
{
    GPtrArray *elems = split_elements(text);
    bool ok = true;
    for (guint i = 0; i < elems->len && ok; i++) {
        const char *el = g_ptr_array_index(elems, i);
        const char *eq = strchr(el, '=');
        if (is_help(el)) {
            d->help = true;
        } else if (!*el) {
            g_set_error(errp, OPTIONS_ERROR, OPTIONS_ERROR_INVALID,
                        "%s: empty parameter in '%s'", opt_name(d->option), text);
            ok = false;
        } else if (!eq && i == 0 && implied_key) {
            opt_dict_set(d, implied_key, el);
        } else if (!eq && key_is_valid(el, strlen(el))) {
            opt_dict_set(d, el, "on");
        } else if (eq && key_is_valid(el, eq - el)) {
            char *key = g_strndup(el, eq - el);
            const char *positional = implied_key && !strcmp(key, implied_key) &&
                                     !strchr(g_ptr_array_index(elems, 0), '=')
                                         ? opt_dict_get(d, key) : NULL;
            if (positional && strcmp(positional, eq + 1)) {
                /* "-M virt,type=spike": one of the two would be ignored. */
                g_set_error(errp, OPTIONS_ERROR, OPTIONS_ERROR_INVALID,
                            "%s: %s given twice ('%s' and '%s')", opt_name(d->option), key,
                            positional, eq + 1);
                ok = false;
            } else {
                opt_dict_set(d, key, eq + 1);
            }
            g_free(key);
        } else {
            g_set_error(errp, OPTIONS_ERROR, OPTIONS_ERROR_INVALID,
                        "%s: invalid parameter '%s' (expected key=value)",
                        opt_name(d->option), el);
            ok = false;
        }
    }
    g_ptr_array_unref(elems);
    return ok;
}

/* A JSON member as an option string: scalars as text, the rest as JSON. */
static char *json_member_text(JsonNode *node)
{
    if (JSON_NODE_HOLDS_VALUE(node)) {
        switch (json_node_get_value_type(node)) {
        case G_TYPE_STRING:
            return g_strdup(json_node_get_string(node));
        case G_TYPE_BOOLEAN:
            return g_strdup(json_node_get_boolean(node) ? "on" : "off");
        case G_TYPE_INT64:
            return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
        case G_TYPE_DOUBLE: {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];
            return g_strdup(g_ascii_dtostr(buf, sizeof(buf), json_node_get_double(node)));
        }
        default:
            break;
        }
    }
    return json_to_string(node, FALSE);
}

static bool parse_json(OptDict *d, const char *text, GError **errp)
{
    JsonParser *parser = json_parser_new();
    GError *err = NULL;
    bool ok = false;
    if (!json_parser_load_from_data(parser, text, -1, &err)) {
        g_set_error(errp, OPTIONS_ERROR, OPTIONS_ERROR_INVALID, "%s: JSON: %s",
                    opt_name(d->option), err->message);
        g_error_free(err);
        goto out;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(errp, OPTIONS_ERROR, OPTIONS_ERROR_INVALID,
                    "%s: JSON: expected an object", opt_name(d->option));
        goto out;
    }
    JsonObject *obj = json_node_get_object(root);
    GList *members = json_object_get_members(obj);
    for (GList *m = members; m; m = m->next) {
        char *value = json_member_text(json_object_get_member(obj, m->data));
        opt_dict_set(d, m->data, value);
        g_free(value);
    }
    g_list_free(members);
    ok = true;
out:
    g_object_unref(parser);
    return ok;
}

OptDict *opt_dict_parse(const char *option, const char *text, const char *implied_key,
                        bool allow_json, GError **errp)
{
    g_assert(text);
    OptDict *d = opt_dict_new(option);
    bool ok = allow_json && text[0] == '{' ? parse_json(d, text, errp)
                                           : parse_keyval(d, text, implied_key, errp);
    if (!ok) {
        opt_dict_free(d);
        return NULL;
    }
    return d;
}

bool opt_parse_bool(const char *option, const char *key, const char *text, bool *out,
                    GError **errp)
{
    static const char *const yes[] = { "on", "yes", "true" };
    static const char *const no[] = { "off", "no", "false" };
    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (!g_strcmp0(text, yes[i])) {
            *out = true;
            return true;
        }
        if (!g_strcmp0(text, no[i])) {
            *out = false;
            return true;
        }
    }
    g_set_error(errp, OPTIONS_ERROR, OPTIONS_ERROR_INVALID,
                "%s: parameter '%s' expects on or off, not '%s'", opt_name(option),
                key ? key : "", text ? text : "");
    return false;
}

/* Power-of-1024 suffix multiplier, or 0 if @c is not one. */
static uint64_t size_suffix_unit(char c)
{
    static const char suffixes[] = "bkmgtpe";
    const char *p = c ? strchr(suffixes, g_ascii_tolower(c)) : NULL;
    return p ? (uint64_t)1 << (10 * (p - suffixes)) : 0;
}

bool opt_parse_size(const char *text, uint64_t default_unit, uint64_t *out)
{
    g_assert(default_unit > 0);
    if (!text || !g_ascii_isdigit(text[0])) {
        return false;
    }
    char *end;
    errno = 0;
    guint64 whole = g_ascii_strtoull(text, &end, 10);
    if (errno == ERANGE) {
        return false;
    }
    /* A fraction ("1.5G") is allowed only with a suffix. */
    double frac = 0, scale = 1;
    bool has_frac = *end == '.';
    if (has_frac) {
        int digits = 0;
        for (end++; g_ascii_isdigit(*end); end++, digits++) {
            scale /= 10;
            frac += (*end - '0') * scale;
        }
        if (!digits) {
            return false;
        }
    }
    uint64_t unit = default_unit;
    if (*end) {
        unit = size_suffix_unit(*end);
        if (!unit || end[1]) {
            return false;
        }
    } else if (has_frac) {
        return false;
    }
    if (whole > UINT64_MAX / unit) {
        return false;
    }
    uint64_t bytes = whole * unit;
    uint64_t extra = (uint64_t)(frac * (double)unit);
    if (bytes > UINT64_MAX - extra) {
        return false;
    }
    *out = bytes + extra;
    return true;
}
