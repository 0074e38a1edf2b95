/* SPDX-License-Identifier: MIT */
/*
 * QMP handlers for the composition tree (qom-*), types, devices and
 * objects.  Property values cross between JSON and the object model's
 * GVariants by the property's kind: booleans, integers and strings map
 * directly; a JSON string is also accepted for any kind and parsed as on
 * the command line ("on", "0x1000", "64M"), which is how HMP's qom-set
 * reaches the same handler.
 */
#include <string.h>

#include "kernel/core.h"
#include "kernel/device.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "kernel/options.h"
#include "monitor/qmp-handlers.h"

/* Every object has a read-only "type" property in QEMU; Tessera's object
 * model does not store one, so the monitor answers for it. */
#define QOM_TYPE_PROPERTY "type"

static JsonNode *node_take_array(JsonArray *a)
{
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, a);
    return n;
}

static Object *resolve(const char *path, GError **errp)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path(path, &ambiguous);
    if (!obj) {
        if (ambiguous) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Path '%s' is ambiguous", path);
        } else {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found",
                        path);
        }
    }
    return obj;
}

/* ---- GVariant <-> JSON ----------------------------------------------------- */

static JsonNode *variant_to_json(GVariant *v)
{
    JsonNode *n = json_node_new(JSON_NODE_VALUE);
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN)) {
        json_node_set_boolean(n, g_variant_get_boolean(v));
    } else if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT64)) {
        json_node_set_int(n, g_variant_get_int64(v));
    } else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64)) {
        json_node_unref(n);
        return qmp_json_uint(g_variant_get_uint64(v));
    } else if (prop_string_peek(v)) {
        json_node_set_string(n, prop_string_peek(v)); /* made valid on output */
    } else {
        g_autofree char *text = g_variant_print(v, FALSE);
        json_node_set_string(n, text);
    }
    return n;
}

static bool value_type_is(JsonNode *n, GType t)
{
    return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == t;
}

static bool set_property_json(Object *obj, Property *p, JsonNode *value, GError **errp)
{
    if (value_type_is(value, G_TYPE_STRING)) {
        return object_property_parse(obj, p->name, json_node_get_string(value), errp);
    }
    switch (p->kind) {
    case PROP_KIND_BOOL:
        if (value_type_is(value, G_TYPE_BOOLEAN)) {
            return object_property_set_bool(obj, p->name, json_node_get_boolean(value), errp);
        }
        break;
    case PROP_KIND_INT8:
    case PROP_KIND_INT16:
    case PROP_KIND_INT32:
    case PROP_KIND_INT64:
    case PROP_KIND_UINT8:
    case PROP_KIND_UINT16:
    case PROP_KIND_UINT32:
    case PROP_KIND_UINT64:
    case PROP_KIND_SIZE: {
        uint64_t big;
        if (qmp_json_is_big_uint(value, &big)) {
            return object_property_set_uint(obj, p->name, big, errp);
        }
        if (value_type_is(value, G_TYPE_INT64)) {
            return object_property_set_int(obj, p->name, json_node_get_int(value), errp);
        }
        break;
    }
    case PROP_KIND_LINK:
        if (JSON_NODE_HOLDS_NULL(value)) {
            return object_property_set_str(obj, p->name, "", errp);
        }
        break;
    default:
        break;
    }
    g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Parameter 'value' expects %s",
                p->type_name);
    return false;
}

static JsonObject *property_info(Property *p, bool details)
{
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "name", p->name);
    json_object_set_string_member(o, "type", p->type_name);
    if (details && p->description && *p->description) {
        json_object_set_string_member(o, "description", p->description);
    }
    if (details && p->defval) {
        json_object_set_member(o, "default-value", variant_to_json(p->defval));
    }
    return o;
}

/* ---- qom-* ------------------------------------------------------------------ */

JsonNode *qmp_qom_list(JsonObject *args, GError **errp)
{
    Object *obj = resolve(qmp_arg_str(args, "path", ""), errp);
    if (!obj) {
        return NULL;
    }
    JsonArray *a = json_array_new();
    JsonObject *type = json_object_new();
    json_object_set_string_member(type, "name", QOM_TYPE_PROPERTY);
    json_object_set_string_member(type, "type", "string");
    json_array_add_object_element(a, type);
    GPtrArray *props = object_property_list(obj);
    for (guint i = 0; i < props->len; i++) {
        Property *p = g_ptr_array_index(props, i);
        if (strcmp(p->name, QOM_TYPE_PROPERTY)) {
            json_array_add_object_element(a, property_info(p, false));
        }
    }
    g_ptr_array_unref(props);
    return node_take_array(a);
}

JsonNode *qmp_qom_get(JsonObject *args, GError **errp)
{
    Object *obj = resolve(qmp_arg_str(args, "path", ""), errp);
    if (!obj) {
        return NULL;
    }
    const char *name = qmp_arg_str(args, "property", "");
    if (!strcmp(name, QOM_TYPE_PROPERTY) && !object_property_find(obj, name)) {
        JsonNode *n = json_node_new(JSON_NODE_VALUE);
        json_node_set_string(n, object_get_typename(obj));
        return n;
    }
    GVariant *v = object_property_get(obj, name, errp);
    if (!v) {
        return NULL;
    }
    JsonNode *n = variant_to_json(v);
    g_variant_unref(v);
    return n;
}

JsonNode *qmp_qom_set(JsonObject *args, GError **errp)
{
    Object *obj = resolve(qmp_arg_str(args, "path", ""), errp);
    if (!obj) {
        return NULL;
    }
    const char *name = qmp_arg_str(args, "property", "");
    Property *p = object_property_find(obj, name);
    if (!p && !strcmp(name, QOM_TYPE_PROPERTY)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Property '%s' is read-only", name);
        return NULL;
    }
    if (!p) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Property '%s' not found in object of type '%s'", name,
                    object_get_typename(obj));
        return NULL;
    }
    /* Devices size their state from properties at realize: changing one
     * underneath a running device would break its bounds. */
    DeviceState *dev = (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE);
    if (dev && dev->realized) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Attempt to set property '%s' on device '%s' (type '%s') after it was"
                    " realized", name, dev->id ? dev->id : object_get_name(obj),
                    object_get_typename(obj));
        return NULL;
    }
    JsonNode *value = json_object_get_member(args, "value");
    return set_property_json(obj, p, value, errp) ? qmp_empty_return() : NULL;
}

/* ---- types ------------------------------------------------------------------ */

static void add_type_info(GHashTable *by_name, const char *name, const char *parent,
                          bool abstract)
{
    if (g_hash_table_contains(by_name, name)) {
        return;
    }
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "name", name);
    if (abstract) {
        json_object_set_boolean_member(o, "abstract", true);
    }
    if (parent) {
        json_object_set_string_member(o, "parent", parent);
    }
    g_hash_table_insert(by_name, g_strdup(name), o);
}

static gint compare_type_info(gconstpointer a, gconstpointer b)
{
    return strcmp(json_object_get_string_member(*(JsonObject *const *)a, "name"),
                  json_object_get_string_member(*(JsonObject *const *)b, "name"));
}

JsonNode *qmp_qom_list_types(JsonObject *args, GError **errp)
{
    const char *implements = qmp_arg_str(args, "implements", NULL);
    bool abstract = qmp_arg_bool(args, "abstract", false);
    g_autoptr(GHashTable) by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                          (GDestroyNotify)json_object_unref);
    /* Registered types first: they know whether they are abstract. */
    GSList *classes = object_class_get_list(implements, abstract);
    for (GSList *l = classes; l; l = l->next) {
        ObjectClass *klass = l->data;
        TypeImpl *parent = type_parent(klass->type);
        add_type_info(by_name, object_class_get_name(klass), parent ? type_name(parent) : NULL,
                      object_class_is_abstract(klass));
    }
    g_slist_free(classes);
    /* Then whatever the module index lists, without loading anything. */
    GPtrArray *entries = module_list_types(implements ? implements : TYPE_OBJECT);
    for (guint i = 0; i < entries->len; i++) {
        const ModuleTypeEntry *e = g_ptr_array_index(entries, i);
        add_type_info(by_name, e->name, e->parent, false);
    }
    g_ptr_array_unref(entries);
    GPtrArray *sorted = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, by_name);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        g_ptr_array_add(sorted, value);
    }
    g_ptr_array_sort(sorted, compare_type_info);
    JsonArray *a = json_array_new();
    for (guint i = 0; i < sorted->len; i++) {
        json_array_add_object_element(a, json_object_ref(g_ptr_array_index(sorted, i)));
    }
    g_ptr_array_unref(sorted);
    return node_take_array(a);
}

static JsonNode *class_properties(ObjectClass *klass)
{
    JsonArray *a = json_array_new();
    GPtrArray *props = object_class_property_list(klass);
    for (guint i = 0; i < props->len; i++) {
        json_array_add_object_element(a, property_info(g_ptr_array_index(props, i), true));
    }
    g_ptr_array_unref(props);
    return node_take_array(a);
}

JsonNode *qmp_qom_list_properties(JsonObject *args, GError **errp)
{
    const char *name = qmp_arg_str(args, "typename", "");
    if (!type_lookup_or_load(name, NULL)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND, "Class '%s' not found", name);
        return NULL;
    }
    return class_properties(object_class_by_name(name));
}

JsonNode *qmp_device_list_properties(JsonObject *args, GError **errp)
{
    const char *name = qmp_arg_str(args, "typename", "");
    TypeImpl *t = type_lookup_or_load(name, NULL);
    if (!t) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", name);
        return NULL;
    }
    if (!type_is_a(t, TYPE_DEVICE) || type_is_abstract(t)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Parameter 'typename' expects non-abstract device type");
        return NULL;
    }
    return class_properties(object_class_by_name(name));
}

/* ---- devices and objects ---------------------------------------------------- */

/* Arguments as an option dictionary, as if given on the command line. */
static OptDict *args_to_opts(const char *option, JsonObject *args, const char *const *skip)
{
    OptDict *d = opt_dict_new(option);
    g_autoptr(GList) names = json_object_get_members(args);
    for (GList *l = names; l; l = l->next) {
        const char *key = l->data;
        bool skipped = false;
        for (const char *const *s = skip; *s && !skipped; s++) {
            skipped = !strcmp(*s, key);
        }
        JsonNode *v = json_object_get_member(args, key);
        if (skipped) {
            continue;
        }
        if (!strcmp(key, "props") && JSON_NODE_HOLDS_OBJECT(v)) {
            /* object-add's pre-QEMU-6 form nests the properties. */
            JsonObject *props = json_node_get_object(v);
            g_autoptr(GList) inner = json_object_get_members(props);
            for (GList *p = inner; p; p = p->next) {
                g_autofree char *text =
                    qmp_json_to_opt_text(json_object_get_member(props, p->data));
                opt_dict_set(d, p->data, text);
            }
            continue;
        }
        g_autofree char *text = qmp_json_to_opt_text(v);
        opt_dict_set(d, key, text);
    }
    return d;
}

/* Core errors name the command-line option ("-device foo: ..."); QMP users
 * did not type one. */
static void propagate_without_option(GError **errp, GError *err, const char *option)
{
    const char *msg = err->message;
    if (g_str_has_prefix(msg, option) && msg[strlen(option)] == ' ') {
        msg += strlen(option) + 1;
    }
    g_set_error_literal(errp, QMP_ERROR, QMP_ERROR_GENERIC, msg);
    g_error_free(err);
}

static bool require_machine(const char *cmd, GError **errp)
{
    if (!machine_current()) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "%s: there is no machine", cmd);
        return false;
    }
    return true;
}

JsonNode *qmp_device_add(JsonObject *args, GError **errp)
{
    static const char *const skip[] = { NULL };
    if (!require_machine("device_add", errp)) {
        return NULL;
    }
    OptDict *opts = args_to_opts("device_add", args, skip);
    GError *err = NULL;
    DeviceState *dev = device_create_from_opts(opts, true, &err);
    opt_dict_free(opts);
    if (!dev) {
        propagate_without_option(errp, err, "-device");
        return NULL;
    }
    return qmp_empty_return();
}

JsonNode *qmp_device_del(JsonObject *args, GError **errp)
{
    const char *id = qmp_arg_str(args, "id", "");
    if (!require_machine("device_del", errp)) {
        return NULL;
    }
    Object *obj = id[0] == '/' ? object_resolve_path(id, NULL)
                               : object_resolve_child(container_get("/machine/peripheral"), id);
    DeviceState *dev = obj ? (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE) : NULL;
    if (!dev) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", id);
        return NULL;
    }
    GError *err = NULL;
    /* DEVICE_DELETED comes from the device-deleted listener (qmp.c), now or
     * once the guest released the device. */
    if (!device_delete(id, NULL, &err)) {
        propagate_without_option(errp, err, "-device");
        return NULL;
    }
    return qmp_empty_return();
}

JsonNode *qmp_object_add(JsonObject *args, GError **errp)
{
    static const char *const skip[] = { NULL };
    OptDict *opts = args_to_opts("object-add", args, skip);
    GError *err = NULL;
    Object *obj = object_create_from_opts(opts, &err);
    opt_dict_free(opts);
    if (!obj) {
        propagate_without_option(errp, err, "-object");
        return NULL;
    }
    return qmp_empty_return();
}

JsonNode *qmp_object_del(JsonObject *args, GError **errp)
{
    const char *id = qmp_arg_str(args, "id", "");
    Object *obj = object_resolve_child(container_get("/objects"), id);
    if (!obj) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "object '%s' not found", id);
        return NULL;
    }
    object_unparent(obj);
    return qmp_empty_return();
}
