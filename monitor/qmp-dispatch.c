/* SPDX-License-Identifier: MIT */
/*
 * Everything derived from the QMP schema tables: argument checking with
 * QEMU's messages, dispatch, the query-qmp-schema result (QEMU's
 * SchemaInfo format) and the Markdown reference (docs/qmp.md); plus the
 * JSON helpers the handlers share.
 */
#include <math.h>
#include <string.h>

#include "monitor/monitor-internal.h"

G_DEFINE_QUARK(tessera-qmp-error-quark, qmp_error)

/* Names of the implicit object types for argument lists (QEMU's naming). */
#define EMPTY_TYPE "q_empty"
#define ARG_TYPE_PREFIX "q_obj_"
#define ARG_TYPE_SUFFIX "-arg"

typedef struct Builtin {
    const char *name;
    const char *json_type;  /* SchemaInfo json-type */
    const char *expects;    /* in "Parameter 'x' expects ..." */
} Builtin;

static const Builtin builtins[] = {
    { .name = "str", .json_type = "string", .expects = "string" },
    { .name = "int", .json_type = "int", .expects = "integer" },
    { .name = "number", .json_type = "number", .expects = "number" },
    { .name = "bool", .json_type = "boolean", .expects = "boolean" },
    { .name = "any", .json_type = "value", .expects = "value" },
    { .name = NULL },
};

static const Builtin *find_builtin(const char *name)
{
    for (const Builtin *b = builtins; b->name; b++) {
        if (!strcmp(b->name, name)) {
            return b;
        }
    }
    return NULL;
}

const char *qmp_error_class(const GError *err)
{
    if (err->domain == QMP_ERROR) {
        switch ((QmpErrorCode)err->code) {
        case QMP_ERROR_COMMAND_NOT_FOUND:
            return "CommandNotFound";
        case QMP_ERROR_DEVICE_NOT_FOUND:
            return "DeviceNotFound";
        case QMP_ERROR_DEVICE_NOT_ACTIVE:
            return "DeviceNotActive";
        case QMP_ERROR_GENERIC:
            break;
        }
    }
    return "GenericError";
}

/* ---- checking ------------------------------------------------------------ */

static bool is_value_of(JsonNode *node, GType type)
{
    return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == type;
}

static bool expect(bool ok, const char *where, const char *what, GError **errp)
{
    if (!ok) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Parameter '%s' expects %s", where, what);
    }
    return ok;
}

static bool check_members(const QmpMember *members, bool allow_extra, JsonObject *obj,
                          const char *prefix, GError **errp)
{
    for (const QmpMember *m = members; m && m->name; m++) {
        g_autofree char *where = prefix ? g_strdup_printf("%s.%s", prefix, m->name)
                                        : g_strdup(m->name);
        JsonNode *v = obj ? json_object_get_member(obj, m->name) : NULL;
        if (!v) {
            if (!m->optional) {
                g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Parameter '%s' is missing",
                            where);
                return false;
            }
            continue;
        }
        if (!qmp_check_value(m->type, v, where, errp)) {
            return false;
        }
    }
    if (allow_extra || !obj) {
        return true;
    }
    g_autoptr(GList) names = json_object_get_members(obj);
    for (GList *l = names; l; l = l->next) {
        bool known = false;
        for (const QmpMember *m = members; m && m->name && !known; m++) {
            known = !strcmp(m->name, l->data);
        }
        if (!known) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Invalid parameter '%s%s%s'",
                        prefix ? prefix : "", prefix ? "." : "", (const char *)l->data);
            return false;
        }
    }
    return true;
}

bool qmp_check_value(const char *type, JsonNode *node, const char *where, GError **errp)
{
    size_t tlen = strlen(type);
    if (type[0] == '[' && tlen > 2 && type[tlen - 1] == ']') {
        if (!expect(JSON_NODE_HOLDS_ARRAY(node), where, "array", errp)) {
            return false;
        }
        g_autofree char *elem = g_strndup(type + 1, tlen - 2);
        JsonArray *a = json_node_get_array(node);
        for (guint i = 0; i < json_array_get_length(a); i++) {
            g_autofree char *w = g_strdup_printf("%s[%u]", where, i);
            if (!qmp_check_value(elem, json_array_get_element(a, i), w, errp)) {
                return false;
            }
        }
        return true;
    }
    const Builtin *b = find_builtin(type);
    if (b) {
        bool ok = true;
        if (!strcmp(type, "str")) {
            ok = is_value_of(node, G_TYPE_STRING);
        } else if (!strcmp(type, "int")) {
            uint64_t big;
            if (qmp_json_is_big_uint(node, &big)) {
                g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                            "Parameter '%s': %" G_GUINT64_FORMAT " is out of range for int64",
                            where, big);
                return false;
            }
            ok = is_value_of(node, G_TYPE_INT64);
        } else if (!strcmp(type, "number")) {
            ok = is_value_of(node, G_TYPE_INT64) || is_value_of(node, G_TYPE_DOUBLE);
        } else if (!strcmp(type, "bool")) {
            ok = is_value_of(node, G_TYPE_BOOLEAN);
        }
        return expect(ok, where, b->expects, errp);
    }
    const QmpEnum *e = qmp_find_enum(type);
    if (e) {
        if (!expect(is_value_of(node, G_TYPE_STRING), where, "string", errp)) {
            return false;
        }
        const char *s = json_node_get_string(node);
        for (const char *const *v = e->values; *v; v++) {
            if (!strcmp(*v, s)) {
                return true;
            }
        }
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Parameter '%s' does not accept value '%s'", where, s);
        return false;
    }
    const QmpStruct *st = qmp_find_struct(type);
    g_assert(st); /* the schema's own test proves every name resolves */
    if (!expect(JSON_NODE_HOLDS_OBJECT(node), where, "object", errp)) {
        return false;
    }
    return check_members(st->members, false, json_node_get_object(node), where, errp);
}

bool qmp_check_args(const QmpCommand *cmd, JsonObject *args, GError **errp)
{
    return check_members(cmd->args, cmd->allow_extra, args, NULL, errp);
}

JsonNode *qmp_call(const QmpCommand *cmd, JsonObject *args, GError **errp)
{
    if (!qmp_check_args(cmd, args, errp)) {
        return NULL;
    }
    GError *err = NULL;
    JsonNode *ret = cmd->handler(args, &err);
    if (!ret && !err) {
        /* A handler bug must not take the process down: report it instead. */
        g_set_error(&err, QMP_ERROR, QMP_ERROR_GENERIC,
                    "%s failed without giving a reason (a Tessera bug: please report it)",
                    cmd->name);
    }
    if (err) {
        g_clear_pointer(&ret, json_node_unref);
        g_propagate_error(errp, err);
    }
    return ret;
}

/* ---- JSON helpers ---------------------------------------------------------- */

JsonNode *qmp_empty_return(void)
{
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, json_object_new());
    return n;
}

static void json_append_string(GString *out, const char *text)
{
    /* Strings from devices may hold anything; JSON carries only Unicode. */
    g_autofree char *valid = g_utf8_validate(text, -1, NULL) ? NULL
                                                              : g_utf8_make_valid(text, -1);
    const char *s = valid ? valid : text;
    g_string_append_c(out, '"');
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        switch (c) {
        case '"': g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\b': g_string_append(out, "\\b"); break;
        case '\f': g_string_append(out, "\\f"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\r': g_string_append(out, "\\r"); break;
        case '\t': g_string_append(out, "\\t"); break;
        default:
            if (c >= 0x20 && c < 0x7f) {
                g_string_append_c(out, (char)c);
            } else if (c < 0x10000) {
                g_string_append_printf(out, "\\u%04x", c);
            } else {
                /* A surrogate pair, as JSON spells characters beyond the BMP. */
                c -= 0x10000;
                g_string_append_printf(out, "\\u%04x\\u%04x", 0xd800 | (c >> 10),
                                       0xdc00 | (c & 0x3ff));
            }
            break;
        }
    }
    g_string_append_c(out, '"');
}

static void json_append(GString *out, JsonNode *node)
{
    switch (JSON_NODE_TYPE(node)) {
    case JSON_NODE_OBJECT: {
        JsonObject *o = json_node_get_object(node);
        g_autoptr(GList) names = json_object_get_members(o);
        g_string_append_c(out, '{');
        for (GList *l = names; l; l = l->next) {
            json_append_string(out, l->data);
            g_string_append(out, ": ");
            json_append(out, json_object_get_member(o, l->data));
            if (l->next) {
                g_string_append(out, ", ");
            }
        }
        g_string_append_c(out, '}');
        break;
    }
    case JSON_NODE_ARRAY: {
        JsonArray *a = json_node_get_array(node);
        guint n = json_array_get_length(a);
        g_string_append_c(out, '[');
        for (guint i = 0; i < n; i++) {
            json_append(out, json_array_get_element(a, i));
            if (i + 1 < n) {
                g_string_append(out, ", ");
            }
        }
        g_string_append_c(out, ']');
        break;
    }
    case JSON_NODE_NULL:
        g_string_append(out, "null");
        break;
    case JSON_NODE_VALUE: {
        GType t = json_node_get_value_type(node);
        uint64_t big;
        if (t == G_TYPE_INT64 && qmp_json_is_big_uint(node, &big)) {
            g_string_append_printf(out, "%" G_GUINT64_FORMAT, big);
        } else if (t == G_TYPE_INT64) {
            g_string_append_printf(out, "%" G_GINT64_FORMAT, json_node_get_int(node));
        } else if (t == G_TYPE_DOUBLE) {
            double d = json_node_get_double(node);
            char buf[G_ASCII_DTOSTR_BUF_SIZE];
            if (d >= 0 && d < 0x1p64 && d == floor(d)) {
                /* Unsigned values above INT64_MAX travel as doubles. */
                g_string_append_printf(out, "%.0f", d);
            } else {
                g_string_append(out, isfinite(d) ? g_ascii_dtostr(buf, sizeof(buf), d) : "null");
            }
        } else if (t == G_TYPE_BOOLEAN) {
            g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
        } else {
            const char *s = json_node_get_string(node);
            json_append_string(out, s ? s : "");
        }
        break;
    }
    }
}

/* QEMU's layout (": " and ", " separators, non-ASCII characters escaped), so
 * that even scripts that match reply text work unchanged. */
char *qmp_json_to_string(JsonNode *node)
{
    GString *out = g_string_new(NULL);
    json_append(out, node);
    return g_string_free(out, FALSE);
}

static JsonNode *arg(JsonObject *args, const char *name)
{
    return args ? json_object_get_member(args, name) : NULL;
}

bool qmp_arg_has(JsonObject *args, const char *name)
{
    return arg(args, name) != NULL;
}

const char *qmp_arg_str(JsonObject *args, const char *name, const char *def)
{
    JsonNode *n = arg(args, name);
    return n && is_value_of(n, G_TYPE_STRING) ? json_node_get_string(n) : def;
}

bool qmp_arg_bool(JsonObject *args, const char *name, bool def)
{
    JsonNode *n = arg(args, name);
    return n && is_value_of(n, G_TYPE_BOOLEAN) ? json_node_get_boolean(n) : def;
}

int64_t qmp_arg_int(JsonObject *args, const char *name, int64_t def)
{
    JsonNode *n = arg(args, name);
    return n && is_value_of(n, G_TYPE_INT64) ? json_node_get_int(n) : def;
}

/*
 * JSON-GLib keeps every integer as an int64.  Integers above INT64_MAX (up
 * to UINT64_MAX, for uint64 properties) are held exactly in this table,
 * keyed by their node, while one request is handled (qmp_bignum_scope_*);
 * the node itself holds the same bits as an int64.
 */
static GHashTable *big_uints;
static int bignum_depth;

void qmp_bignum_scope_begin(void)
{
    if (bignum_depth++ == 0) {
        big_uints = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    }
}

void qmp_bignum_scope_end(void)
{
    g_assert(bignum_depth > 0);
    if (--bignum_depth == 0) {
        g_clear_pointer(&big_uints, g_hash_table_unref);
    }
}

void qmp_json_mark_uint(JsonNode *n, uint64_t v)
{
    json_node_set_int(n, (gint64)v);
    if (big_uints && v > G_MAXINT64) {
        g_hash_table_insert(big_uints, n, g_memdup2(&v, sizeof(v)));
    }
}

bool qmp_json_is_big_uint(JsonNode *n, uint64_t *v)
{
    uint64_t *p = big_uints ? g_hash_table_lookup(big_uints, n) : NULL;
    if (p && v) {
        *v = *p;
    }
    return p != NULL;
}

JsonNode *qmp_json_uint(uint64_t v)
{
    JsonNode *n = json_node_new(JSON_NODE_VALUE);
    if (v <= G_MAXINT64) {
        json_node_set_int(n, (gint64)v);
    } else if (big_uints) {
        qmp_json_mark_uint(n, v);
    } else {
        json_node_set_double(n, (double)v);
    }
    return n;
}

char *qmp_json_to_opt_text(JsonNode *node)
{
    if (is_value_of(node, G_TYPE_STRING)) {
        return g_strdup(json_node_get_string(node));
    }
    if (is_value_of(node, G_TYPE_BOOLEAN)) {
        return g_strdup(json_node_get_boolean(node) ? "on" : "off");
    }
    uint64_t big;
    if (qmp_json_is_big_uint(node, &big)) {
        return g_strdup_printf("%" G_GUINT64_FORMAT, big);
    }
    if (is_value_of(node, G_TYPE_INT64)) {
        return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
    }
    return qmp_json_to_string(node);
}

/* ---- introspection --------------------------------------------------------- */

typedef struct TypeSet {
    GPtrArray *order;       /* type names in first-use order (owned) */
    GHashTable *seen;       /* borrowed from order */
} TypeSet;

static void collect_type(TypeSet *ts, const char *type);

static void collect_members(TypeSet *ts, const QmpMember *members)
{
    for (const QmpMember *m = members; m && m->name; m++) {
        collect_type(ts, m->type);
    }
}

static void collect_type(TypeSet *ts, const char *type)
{
    if (g_hash_table_contains(ts->seen, type)) {
        return;
    }
    char *copy = g_strdup(type);
    g_ptr_array_add(ts->order, copy);
    g_hash_table_add(ts->seen, copy);
    size_t len = strlen(type);
    if (type[0] == '[') {
        g_autofree char *elem = g_strndup(type + 1, len - 2);
        collect_type(ts, elem);
        return;
    }
    const QmpStruct *st = qmp_find_struct(type);
    if (st) {
        collect_members(ts, st->members);
    }
}

static char *arg_type_name(const char *owner, const QmpMember *members)
{
    if (!members) {
        return g_strdup(EMPTY_TYPE);
    }
    return g_strconcat(ARG_TYPE_PREFIX, owner, ARG_TYPE_SUFFIX, NULL);
}

static JsonObject *entity(JsonArray *out, const char *name, const char *meta)
{
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "name", name);
    json_object_set_string_member(o, "meta-type", meta);
    json_array_add_object_element(out, o);
    return o;
}

static void add_object_entity(JsonArray *out, const char *name, const QmpMember *members)
{
    JsonObject *o = entity(out, name, "object");
    JsonArray *ms = json_array_new();
    for (const QmpMember *m = members; m && m->name; m++) {
        JsonObject *mo = json_object_new();
        json_object_set_string_member(mo, "name", m->name);
        json_object_set_string_member(mo, "type", m->type);
        if (m->optional) {
            json_object_set_null_member(mo, "default");
        }
        json_array_add_object_element(ms, mo);
    }
    json_object_set_array_member(o, "members", ms);
}

static void add_type_entity(JsonArray *out, const char *type)
{
    const Builtin *b = find_builtin(type);
    if (b) {
        json_object_set_string_member(entity(out, type, "builtin"), "json-type", b->json_type);
        return;
    }
    if (type[0] == '[') {
        g_autofree char *elem = g_strndup(type + 1, strlen(type) - 2);
        json_object_set_string_member(entity(out, type, "array"), "element-type", elem);
        return;
    }
    const QmpEnum *e = qmp_find_enum(type);
    if (e) {
        JsonObject *o = entity(out, type, "enum");
        JsonArray *values = json_array_new();
        JsonArray *members = json_array_new();
        for (const char *const *v = e->values; *v; v++) {
            json_array_add_string_element(values, *v);
            JsonObject *mo = json_object_new();
            json_object_set_string_member(mo, "name", *v);
            json_array_add_object_element(members, mo);
        }
        json_object_set_array_member(o, "members", members);
        json_object_set_array_member(o, "values", values);
        return;
    }
    add_object_entity(out, type, qmp_find_struct(type)->members);
}

JsonNode *qmp_schema_introspect(void)
{
    JsonArray *out = json_array_new();
    TypeSet ts = { .order = g_ptr_array_new_with_free_func(g_free),
                   .seen = g_hash_table_new(g_str_hash, g_str_equal) };
    bool need_empty = false;
    for (const QmpCommand *c = qmp_commands; c->name; c++) {
        JsonObject *o = entity(out, c->name, "command");
        g_autofree char *at = arg_type_name(c->name, c->args);
        json_object_set_string_member(o, "arg-type", at);
        json_object_set_string_member(o, "ret-type", c->returns ? c->returns : EMPTY_TYPE);
        need_empty |= !c->args || !c->returns;
        collect_members(&ts, c->args);
        if (c->returns) {
            collect_type(&ts, c->returns);
        }
    }
    for (const QmpEvent *e = qmp_events; e->name; e++) {
        JsonObject *o = entity(out, e->name, "event");
        g_autofree char *at = arg_type_name(e->name, e->data);
        json_object_set_string_member(o, "arg-type", at);
        need_empty |= !e->data;
        collect_members(&ts, e->data);
    }
    if (need_empty) {
        add_object_entity(out, EMPTY_TYPE, NULL);
    }
    for (const QmpCommand *c = qmp_commands; c->name; c++) {
        if (c->args) {
            g_autofree char *at = arg_type_name(c->name, c->args);
            add_object_entity(out, at, c->args);
        }
    }
    for (const QmpEvent *e = qmp_events; e->name; e++) {
        if (e->data) {
            g_autofree char *at = arg_type_name(e->name, e->data);
            add_object_entity(out, at, e->data);
        }
    }
    for (guint i = 0; i < ts.order->len; i++) {
        add_type_entity(out, g_ptr_array_index(ts.order, i));
    }
    g_hash_table_unref(ts.seen);
    g_ptr_array_unref(ts.order);
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, out);
    return n;
}

/* ---- Markdown reference ---------------------------------------------------- */

static const char doc_intro[] =
    "<!-- SPDX-License-Identifier: MIT -->\n"
    "<!-- Generated by scripts/gen-qmp-doc.py from monitor/qmp-schema.c: do not edit. -->\n"
    "# QMP reference\n"
    "\n"
    "Tessera speaks the QEMU Machine Protocol on every `-qmp` chardev, e.g.\n"
    "`-qmp unix:/tmp/qmp.sock,server=on,wait=off` (then `socat - UNIX-CONNECT:/tmp/qmp.sock`).\n"
    "Several clients may be connected at once, each on its own `-qmp`.\n"
    "\n"
    "## Protocol\n"
    "\n"
    "- On connection the server sends a greeting:\n"
    "  `{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
    "\"package\": \"tessera 0.1.0\"}, \"capabilities\": []}}`\n"
    "- The client leaves negotiation mode with `{\"execute\": \"qmp_capabilities\"}`. Before "
    "that every other command fails with class `CommandNotFound` (\"Expecting capabilities "
    "negotiation with 'qmp_capabilities'\").\n"
    "- A command is `{\"execute\": NAME, \"arguments\": {...}, \"id\": ANY}`; `arguments` and "
    "`id` are optional and `id` is echoed in the reply.\n"
    "- Success is `{\"return\": VALUE}`; failure is `{\"error\": {\"class\": CLASS, \"desc\": "
    "TEXT}}` with CLASS one of `GenericError`, `CommandNotFound`, `DeviceNotFound`, "
    "`DeviceNotActive` (no such block job).\n"
    "- Arguments are checked against the schema below: \"Parameter 'path' is missing\", "
    "\"Invalid parameter 'foo'\", \"Parameter 'id' expects string\".\n"
    "- Events arrive between replies: `{\"timestamp\": {\"seconds\": S, \"microseconds\": U}, "
    "\"event\": NAME, \"data\": {...}}` (no `data` when the event has none).\n"
    "- Messages are JSON objects framed by their braces; each reply ends with CR LF. "
    "Malformed JSON gets a `GenericError` (\"JSON parse error, ...\"), as does a message "
    "over 1 MiB or nested deeper than 1024 levels; the session goes on either way.\n"
    "- Integers must fit in int64, or in uint64 when positive: any other integer refuses the "
    "message (\"JSON parse error, integer N is out of range ...\"), never wraps. Values above "
    "INT64_MAX reach uint64 properties exactly and are returned exactly; an `int` argument "
    "refuses them.\n"
    "- No reply or event is ever dropped: while a client has not read its output, the "
    "monitor reads no more of its requests (a slow reader is slowed down, not cut short).\n"
    "- Strings given to string properties may hold any bytes through HMP; text that is not "
    "UTF-8 is returned with each invalid byte as U+FFFD.\n"
    "- The machine's and the accelerator's properties are fixed once the machine is built: "
    "`qom-set` on them fails (\"... cannot change once the machine is built\").\n"
    "- `query-qmp-schema` returns this schema in QEMU's SchemaInfo format; types keep their "
    "names, argument lists are `q_obj_COMMAND-arg` and the empty object is `q_empty`.\n"
    "\n"
    "## Compatibility level\n"
    "\n"
    "`query-version` (and the greeting) report in `qemu` the QEMU interface level Tessera "
    "implements, 7.2.0, and Tessera's own name and version in `package` "
    "(\"tessera 0.1.0\"); `-version` prints \"QEMU emulator version 7.2.0 (Tessera 0.1.0)\" "
    "first. The level promises, for every command listed below and only for those: "
    "QEMU 7.2's command and argument names, result shapes and error classes "
    "(`DeviceNotFound` for an unknown device or class, as QEMU), so that management tools "
    "written for QEMU 7.2 (libvirt 9.0's capability probe in particular) work unchanged. "
    "It does not promise every QEMU 7.2 command: a command missing from this page is "
    "refused with `CommandNotFound`, and `query-qmp-schema` lists exactly what exists. "
    "Where Tessera lacks a feature the answer says so honestly rather than inventing one: "
    "`query-kvm` is false/false, `query-tpm-models`, `query-tpm-types`, "
    "`query-migrate-capabilities` and `query-iothreads` are empty lists, "
    "`query-hotpluggable-cpus` fails as QEMU does for boards without CPU hotplug.\n";

static void doc_members(GString *md, const QmpMember *members, const char *what)
{
    if (!members || !members->name) {
        g_string_append_printf(md, "%s: none.\n\n", what);
        return;
    }
    g_string_append_printf(md, "%s:\n\n| name | type | description |\n|---|---|---|\n", what);
    for (const QmpMember *m = members; m->name; m++) {
        g_string_append_printf(md, "| `%s`%s | `%s` | %s |\n", m->name,
                               m->optional ? " (optional)" : "", m->type, m->doc);
    }
    g_string_append(md, "\n");
}

/* Text for a Markdown table cell: '|' escaped. */
static char *md_cell(const char *text)
{
    GString *out = g_string_new(NULL);
    for (const char *p = text; *p; p++) {
        if (*p == '|') {
            g_string_append_c(out, '\\');
        }
        g_string_append_c(out, *p);
    }
    return g_string_free(out, FALSE);
}

char *qmp_schema_doc_markdown(void)
{
    GString *md = g_string_new(doc_intro);
    g_string_append(md, "\n## Commands\n\n");
    for (const QmpCommand *c = qmp_commands; c->name; c++) {
        g_string_append_printf(md, "### %s\n\n%s\n\n", c->name, c->doc);
        doc_members(md, c->args, "Arguments");
        if (c->allow_extra) {
            g_string_append(md, "Further arguments are passed on as properties.\n\n");
        }
        g_string_append_printf(md, "Returns: `%s`\n\n", c->returns ? c->returns : "{}");
        if (c->example) {
            g_string_append_printf(md, "Example: `%s`\n\n", c->example);
        } else {
            g_string_append_printf(md, "Example: `{\"execute\": \"%s\"}`\n\n", c->name);
        }
    }
    g_string_append(md, "## Events\n\n");
    for (const QmpEvent *e = qmp_events; e->name; e++) {
        g_string_append_printf(md, "### %s\n\n%s\n\n", e->name, e->doc);
        doc_members(md, e->data, "Data");
    }
    g_string_append(md, "## Types\n\n");
    for (const QmpStruct *s = qmp_structs; s->name; s++) {
        g_string_append_printf(md, "### %s\n\n%s\n\n", s->name, s->doc);
        doc_members(md, s->members, "Members");
    }
    for (const QmpEnum *e = qmp_enums; e->name; e++) {
        g_string_append_printf(md, "### %s\n\n%s\n\nValues:", e->name, e->doc);
        for (const char *const *v = e->values; *v; v++) {
            g_string_append_printf(md, " `%s`%s", *v, v[1] ? "," : ".");
        }
        g_string_append(md, "\n\n");
    }
    /* The human monitor's own table (HMP commands that have a QMP twin
     * run it; the rest are HMP only). */
    g_string_append(md, "## HMP commands\n\n"
                        "The human monitor (`-monitor`, `-serial mon:stdio`, "
                        "`human-monitor-command`, gdb's `monitor CMD`):\n\n"
                        "| command | arguments | description |\n|---|---|---|\n");
    for (const HmpCommand *c = hmp_commands; c->name; c++) {
        g_autofree char *help = md_cell(c->help);
        g_string_append_printf(md, "| `%s`%s%s%s | %s%s%s | %s |\n", c->name,
                               c->alias ? " (`" : "", c->alias ? c->alias : "",
                               c->alias ? "`)" : "", c->params && *c->params ? "`" : "",
                               c->params ? c->params : "", c->params && *c->params ? "`" : "",
                               help);
    }
    for (const HmpInfoCommand *i = hmp_info_commands; i->name; i++) {
        g_autofree char *help = md_cell(i->help);
        g_string_append_printf(md, "| `info %s` | %s%s%s | %s |\n", i->name,
                               *i->params ? "`" : "", i->params, *i->params ? "`" : "",
                               help);
    }
    g_string_append(md, "\n");
    /* One trailing newline, none doubled. */
    while (md->len > 1 && md->str[md->len - 1] == '\n' && md->str[md->len - 2] == '\n') {
        g_string_truncate(md, md->len - 1);
    }
    return g_string_free(md, FALSE);
}
