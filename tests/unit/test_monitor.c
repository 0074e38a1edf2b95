/* SPDX-License-Identifier: MIT */
/*
 * The monitor in-process: the schema table checks itself, QMP sessions on
 * a captured byte stream (protocol, argument errors, framing, bad input),
 * results against their declared types, HMP line editing and commands,
 * and the mux with a throwaway backend.
 */
#include <check.h>
#include <string.h>

#include "kernel/core.h"
#include "kernel/runstate.h"
#include "monitor/qmp-handlers.h"

/* ---- fixtures ----------------------------------------------------------------- */

static GString *captured;

static void capture(void *opaque, const char *data, size_t len)
{
    g_string_append_len(captured, data, len);
}

static void setup(void)
{
    core_init("test", "/nonexistent-install-dir");
    monitor_types_init();
    captured = g_string_new(NULL);
}

static void teardown(void)
{
    g_string_free(captured, TRUE);
    captured = NULL;
}

/* Every line written since the last call, parsed. */
static GPtrArray *take_messages(void)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
    g_auto(GStrv) lines = g_strsplit(captured->str, "\r\n", -1);
    for (char **l = lines; *l; l++) {
        if (!**l) {
            continue;
        }
        JsonParser *p = json_parser_new();
        ck_assert_msg(json_parser_load_from_data(p, *l, -1, NULL), "not JSON: %s", *l);
        g_ptr_array_add(out, json_node_copy(json_parser_get_root(p)));
        g_object_unref(p);
    }
    g_string_truncate(captured, 0);
    return out;
}

/* Send @text and return the one message it produced. */
static JsonObject *exchange(QmpSession *s, const char *text)
{
    static JsonNode *last;
    g_clear_pointer(&last, json_node_unref);
    qmp_session_input(s, (const uint8_t *)text, strlen(text));
    g_autoptr(GPtrArray) msgs = take_messages();
    ck_assert_msg(msgs->len == 1, "%s: %u replies", text, msgs->len);
    last = json_node_ref(g_ptr_array_index(msgs, 0));
    return json_node_get_object(last);
}

static QmpSession *negotiated_session(void)
{
    QmpSession *s = qmp_session_new(capture, NULL);
    qmp_session_open(s);
    g_string_truncate(captured, 0);
    exchange(s, "{\"execute\": \"qmp_capabilities\"}");
    return s;
}

static void assert_error(JsonObject *reply, const char *klass, const char *desc)
{
    ck_assert_msg(json_object_has_member(reply, "error"), "no error");
    JsonObject *e = json_object_get_object_member(reply, "error");
    ck_assert_str_eq(json_object_get_string_member(e, "class"), klass);
    ck_assert_str_eq(json_object_get_string_member(e, "desc"), desc);
}

static void assert_error_prefix(JsonObject *reply, const char *desc_prefix)
{
    ck_assert_msg(json_object_has_member(reply, "error"), "no error");
    JsonObject *e = json_object_get_object_member(reply, "error");
    const char *desc = json_object_get_string_member(e, "desc");
    ck_assert_msg(g_str_has_prefix(desc, desc_prefix), "desc '%s'", desc);
}

/* ---- the schema table ------------------------------------------------------------- */

static bool type_resolves(const char *type)
{
    size_t n = strlen(type);
    if (type[0] == '[') {
        g_autofree char *elem = g_strndup(type + 1, n - 2);
        return type[n - 1] == ']' && type_resolves(elem);
    }
    static const char *const builtins[] = { "str", "int", "bool", "number", "any", NULL };
    for (const char *const *b = builtins; *b; b++) {
        if (!strcmp(*b, type)) {
            return true;
        }
    }
    return qmp_find_struct(type) || qmp_find_enum(type);
}

static void assert_members_resolve(const QmpMember *members, const char *owner)
{
    for (const QmpMember *m = members; m && m->name; m++) {
        ck_assert_msg(type_resolves(m->type), "%s.%s: unknown type '%s'", owner, m->name,
                      m->type);
        ck_assert_msg(m->doc && *m->doc, "%s.%s: no doc", owner, m->name);
    }
}

START_TEST(test_schema_names_unique_and_documented)
{
    for (const QmpCommand *c = qmp_commands; c->name; c++) {
        ck_assert_msg(qmp_find_command(c->name) == c, "duplicate command %s", c->name);
        ck_assert_msg(c->doc && *c->doc, "%s: no doc", c->name);
        ck_assert_msg(c->handler, "%s: no handler", c->name);
    }
    for (const QmpEvent *e = qmp_events; e->name; e++) {
        ck_assert_msg(qmp_find_event(e->name) == e, "duplicate event %s", e->name);
        ck_assert_msg(e->doc && *e->doc, "%s: no doc", e->name);
    }
    for (const QmpStruct *st = qmp_structs; st->name; st++) {
        ck_assert_msg(qmp_find_struct(st->name) == st && !qmp_find_enum(st->name),
                      "duplicate type %s", st->name);
    }
}
END_TEST

START_TEST(test_schema_types_resolve)
{
    for (const QmpCommand *c = qmp_commands; c->name; c++) {
        assert_members_resolve(c->args, c->name);
        ck_assert_msg(!c->returns || type_resolves(c->returns), "%s returns unknown %s",
                      c->name, c->returns);
    }
    for (const QmpEvent *e = qmp_events; e->name; e++) {
        assert_members_resolve(e->data, e->name);
    }
    for (const QmpStruct *st = qmp_structs; st->name; st++) {
        assert_members_resolve(st->members, st->name);
    }
}
END_TEST

START_TEST(test_schema_examples_pass_argument_checks)
{
    for (const QmpCommand *c = qmp_commands; c->name; c++) {
        if (!c->example) {
            ck_assert_msg(qmp_check_args(c, NULL, NULL), "%s needs an example", c->name);
            continue;
        }
        JsonParser *p = json_parser_new();
        ck_assert_msg(json_parser_load_from_data(p, c->example, -1, NULL), "%s", c->example);
        JsonObject *req = json_node_get_object(json_parser_get_root(p));
        ck_assert_str_eq(json_object_get_string_member(req, "execute"), c->name);
        JsonObject *args = json_object_has_member(req, "arguments")
                               ? json_object_get_object_member(req, "arguments") : NULL;
        GError *err = NULL;
        ck_assert_msg(qmp_check_args(c, args, &err), "%s: %s", c->name, err ? err->message : "");
        g_object_unref(p);
    }
}
END_TEST

START_TEST(test_schema_has_the_issue_commands_and_events)
{
    static const char *const commands[] = {
        "qmp_capabilities", "query-version", "query-status", "query-commands",
        "query-qmp-schema", "query-machines", "query-cpus-fast", "query-chardev", "qom-list",
        "qom-get", "qom-set", "qom-list-types", "qom-list-properties",
        "device-list-properties", "device_add", "device_del", "object-add", "object-del",
        "stop", "cont", "system_reset", "system_powerdown", "quit", "human-monitor-command",
        NULL,
    };
    static const char *const events[] = {
        "STOP", "RESUME", "RESET", "SHUTDOWN", "POWERDOWN", "DEVICE_DELETED", NULL,
    };
    for (const char *const *c = commands; *c; c++) {
        ck_assert_msg(qmp_find_command(*c), "missing command %s", *c);
    }
    for (const char *const *e = events; *e; e++) {
        ck_assert_msg(qmp_find_event(*e), "missing event %s", *e);
    }
}
END_TEST

START_TEST(test_schema_hmp_twins_use_schema_handlers)
{
    for (const HmpCommand *h = hmp_commands; h->name; h++) {
        ck_assert_msg(!h->qmp != !h->run, "%s: exactly one of qmp/run", h->name);
        ck_assert_msg(!h->qmp || qmp_find_command_by_handler(h->qmp),
                      "%s: its QMP twin is not in the schema", h->name);
        ck_assert_msg(hmp_find_command(h->name) == h, "duplicate HMP command %s", h->name);
        ck_assert_msg(h->help && *h->help, "%s: no help", h->name);
    }
    /* State changes go through QMP twins. */
    static const char *const changers[] = {
        "stop", "cont", "system_reset", "system_powerdown", "quit", "device_add", "device_del",
        "qom-set", NULL,
    };
    for (const char *const *c = changers; *c; c++) {
        const HmpCommand *h = hmp_find_command(*c);
        ck_assert_msg(h && h->qmp == qmp_find_command(*c)->handler, "%s: not its twin", *c);
    }
}
END_TEST

START_TEST(test_schema_introspection_names_resolve)
{
    JsonNode *schema = qmp_schema_introspect();
    JsonArray *a = json_node_get_array(schema);
    g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        g_hash_table_add(names, (gpointer)json_object_get_string_member(o, "name"));
    }
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        static const char *const refs[] = { "arg-type", "ret-type", "element-type", NULL };
        for (const char *const *r = refs; *r; r++) {
            if (json_object_has_member(o, *r)) {
                const char *t = json_object_get_string_member(o, *r);
                ck_assert_msg(g_hash_table_contains(names, t), "%s: %s %s undefined",
                              json_object_get_string_member(o, "name"), *r, t);
            }
        }
    }
    for (const QmpCommand *c = qmp_commands; c->name; c++) {
        ck_assert_msg(g_hash_table_contains(names, c->name), "%s not introspected", c->name);
    }
    GError *err = NULL;
    ck_assert_msg(qmp_check_value("[SchemaInfo]", schema, "return", &err), "%s",
                  err ? err->message : "");
    json_node_unref(schema);
}
END_TEST

/* ---- QMP sessions ------------------------------------------------------------------ */

START_TEST(test_qmp_greeting_and_negotiation)
{
    QmpSession *s = qmp_session_new(capture, NULL);
    qmp_session_open(s);
    g_autoptr(GPtrArray) msgs = take_messages();
    ck_assert_uint_eq(msgs->len, 1);
    JsonObject *qmp = json_object_get_object_member(
        json_node_get_object(g_ptr_array_index(msgs, 0)), "QMP");
    JsonObject *version = json_object_get_object_member(qmp, "version");
    /* The QEMU interface level in "qemu", Tessera's own version in "package". */
    ck_assert_str_eq(json_object_get_string_member(version, "package"),
                     "tessera " TESSERA_VERSION);
    JsonObject *qemu = json_object_get_object_member(version, "qemu");
    ck_assert_int_eq(json_object_get_int_member(qemu, "major"), TESSERA_QEMU_MAJOR);
    ck_assert_int_eq(json_object_get_int_member(qemu, "minor"), TESSERA_QEMU_MINOR);
    ck_assert_int_eq(json_object_get_int_member(qemu, "micro"), TESSERA_QEMU_MICRO);
    ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(qmp, "capabilities")),
                      0);
    assert_error(exchange(s, "{\"execute\": \"query-status\"}"), "CommandNotFound",
                 "Expecting capabilities negotiation with 'qmp_capabilities'");
    assert_error(exchange(s, "{\"execute\": \"qmp_capabilities\", \"arguments\": "
                             "{\"enable\": [\"oob\"]}}"),
                 "GenericError", "Capability 'oob' not available");
    ck_assert(json_object_has_member(exchange(s, "{\"execute\": \"qmp_capabilities\"}"),
                                     "return"));
    assert_error(exchange(s, "{\"execute\": \"qmp_capabilities\"}"), "CommandNotFound",
                 "Capabilities negotiation is already complete, command ignored");
    /* A new client starts over. */
    qmp_session_close(s);
    qmp_session_open(s);
    g_string_truncate(captured, 0);
    assert_error(exchange(s, "{\"execute\": \"query-status\"}"), "CommandNotFound",
                 "Expecting capabilities negotiation with 'qmp_capabilities'");
    qmp_session_free(s);
}
END_TEST

START_TEST(test_qmp_id_is_echoed)
{
    QmpSession *s = negotiated_session();
    JsonObject *r = exchange(s, "{\"execute\": \"query-status\", \"id\": {\"n\": [1, 2]}}");
    ck_assert(json_object_has_member(r, "return"));
    JsonObject *id = json_object_get_object_member(r, "id");
    ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(id, "n")), 2);
    r = exchange(s, "{\"execute\": \"nosuch\", \"id\": \"abc\"}");
    assert_error(r, "CommandNotFound", "The command nosuch has not been found");
    ck_assert_str_eq(json_object_get_string_member(r, "id"), "abc");
    qmp_session_free(s);
}
END_TEST

START_TEST(test_qmp_argument_errors)
{
    QmpSession *s = negotiated_session();
    assert_error(exchange(s, "{\"execute\": \"qom-get\", \"arguments\": {\"property\": \"x\"}}"),
                 "GenericError", "Parameter 'path' is missing");
    assert_error(exchange(s, "{\"execute\": \"qom-list\", \"arguments\": "
                             "{\"path\": \"/\", \"foo\": 1}}"),
                 "GenericError", "Invalid parameter 'foo'");
    assert_error(exchange(s, "{\"execute\": \"device_del\", \"arguments\": {\"id\": 5}}"),
                 "GenericError", "Parameter 'id' expects string");
    assert_error(exchange(s, "{\"execute\": \"qom-list-types\", \"arguments\": "
                             "{\"abstract\": \"yes\"}}"),
                 "GenericError", "Parameter 'abstract' expects boolean");
    assert_error(exchange(s, "{\"execute\": \"stop\", \"arguments\": {\"now\": true}}"),
                 "GenericError", "Invalid parameter 'now'");
    assert_error(exchange(s, "{\"execute\": \"qom-list\", \"arguments\": [1]}"),
                 "GenericError", "QMP input member 'arguments' must be an object");
    assert_error(exchange(s, "{\"execute\": 3}"), "GenericError",
                 "QMP input member 'execute' must be a string");
    assert_error(exchange(s, "{\"id\": 3}"), "GenericError",
                 "QMP input lacks member 'execute'");
    assert_error(exchange(s, "{\"execute\": \"stop\", \"extra\": 1}"), "GenericError",
                 "QMP input member 'extra' is unexpected");
    assert_error(exchange(s, "[1, 2]"), "GenericError", "QMP input must be a JSON object");
    assert_error(exchange(s, "{\"execute\": \"qom-list\", \"arguments\": "
                             "{\"path\": \"/nowhere\"}}"),
                 "DeviceNotFound", "Device '/nowhere' not found");
    qmp_session_free(s);
}
END_TEST

START_TEST(test_qmp_framing)
{
    QmpSession *s = negotiated_session();
    /* Byte by byte, with braces inside strings. */
    const char *msg = "{\"execute\": \"qom-list\", \"id\": \"{[\\\"}\", "
                      "\"arguments\": {\"path\": \"/\"}}";
    for (const char *p = msg; *p; p++) {
        qmp_session_input(s, (const uint8_t *)p, 1);
    }
    g_autoptr(GPtrArray) one = take_messages();
    ck_assert_uint_eq(one->len, 1);
    ck_assert_str_eq(json_object_get_string_member(
                         json_node_get_object(g_ptr_array_index(one, 0)), "id"), "{[\"}");
    /* Two messages in one write, no separator. */
    const char *two = "{\"execute\":\"query-status\"}{\"execute\":\"query-version\"}";
    qmp_session_input(s, (const uint8_t *)two, strlen(two));
    g_autoptr(GPtrArray) both = take_messages();
    ck_assert_uint_eq(both->len, 2);
    qmp_session_free(s);
}
END_TEST

START_TEST(test_qmp_bad_input_keeps_the_session)
{
    QmpSession *s = negotiated_session();
    assert_error_prefix(exchange(s, "{\"execute\": }"), "JSON parse error, ");
    assert_error_prefix(exchange(s, "nonsense "), "JSON parse error, ");
    assert_error(exchange(s, "42 "), "GenericError", "QMP input must be a JSON object");
    assert_error_prefix(exchange(s, "}"), "JSON parse error, ");
    assert_error_prefix(exchange(s, "{\"execute\": \"stop\xff"),
                        "JSON parse error, input reset");
    assert_error_prefix(exchange(s, "{\"execute\": \"st\xc3\x28op\"}"), "JSON parse error, ");
    /* Oversized: one error, the rest skipped, the session goes on. */
    GString *big = g_string_new("{\"execute\": \"qom-list\", \"arguments\": {\"path\": \"");
    while (big->len <= QMP_MAX_MESSAGE) {
        g_string_append(big, "aaaaaaaaaaaaaaaa");
    }
    g_string_append(big, "\"}}");
    assert_error_prefix(exchange(s, big->str), "JSON parse error, message too large");
    g_string_free(big, TRUE);
    /* Too deep: same. */
    GString *deep = g_string_new(NULL);
    for (int i = 0; i < 2 * QMP_MAX_NESTING; i++) {
        g_string_append_c(deep, '[');
    }
    for (int i = 0; i < 2 * QMP_MAX_NESTING; i++) {
        g_string_append_c(deep, ']');
    }
    assert_error_prefix(exchange(s, deep->str), "JSON parse error, too many nested");
    g_string_free(deep, TRUE);
    JsonObject *r = exchange(s, "{\"execute\": \"query-status\"}");
    ck_assert(json_object_has_member(r, "return"));
    qmp_session_free(s);
}
END_TEST

START_TEST(test_qmp_results_match_their_types)
{
    static const struct { const char *name; const char *args; } calls[] = {
        { "query-version", NULL }, { "query-name", NULL }, { "query-status", NULL },
        { "query-commands", NULL }, { "query-machines", NULL }, { "query-cpus-fast", NULL },
        { "query-chardev", NULL }, { "qom-list", "{\"path\": \"/\"}" },
        { "qom-list-types", "{\"abstract\": true}" },
        { "qom-list-properties", "{\"typename\": \"chardev\"}" },
        { "human-monitor-command", "{\"command-line\": \"info status\"}" },
        { "stop", NULL }, { "cont", NULL },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(calls); i++) {
        const QmpCommand *c = qmp_find_command(calls[i].name);
        JsonParser *p = json_parser_new();
        JsonObject *args = NULL;
        if (calls[i].args) {
            ck_assert(json_parser_load_from_data(p, calls[i].args, -1, NULL));
            args = json_node_get_object(json_parser_get_root(p));
        }
        GError *err = NULL;
        JsonNode *ret = qmp_call(c, args, &err);
        ck_assert_msg(ret, "%s: %s", c->name, err ? err->message : "");
        ck_assert_msg(qmp_check_value(c->returns ? c->returns : "any", ret, "return", &err),
                      "%s: %s", c->name, err ? err->message : "");
        json_node_unref(ret);
        g_object_unref(p);
    }
}
END_TEST

START_TEST(test_qmp_events_after_negotiation_only)
{
    QmpSession *fresh = qmp_session_new(capture, NULL);
    qmp_session_open(fresh);
    g_string_truncate(captured, 0);
    qmp_event_emit("POWERDOWN", NULL);
    ck_assert_uint_eq(captured->len, 0);
    QmpSession *s = negotiated_session();
    qmp_event_emit("POWERDOWN", NULL);
    g_autoptr(GPtrArray) msgs = take_messages();
    ck_assert_uint_eq(msgs->len, 1);
    JsonObject *ev = json_node_get_object(g_ptr_array_index(msgs, 0));
    ck_assert_str_eq(json_object_get_string_member(ev, "event"), "POWERDOWN");
    JsonObject *ts = json_object_get_object_member(ev, "timestamp");
    ck_assert(json_object_get_int_member(ts, "seconds") > 0);
    ck_assert(json_object_get_int_member(ts, "microseconds") < 1000000);
    qmp_session_free(s);
    qmp_session_free(fresh);
}
END_TEST

START_TEST(test_qmp_replies_use_qemu_layout)
{
    QmpSession *s = negotiated_session();
    const char *cmd = "{\"execute\": \"stop\"}";
    runstate_reset_for_tests();
    qmp_session_input(s, (const uint8_t *)cmd, strlen(cmd));
    ck_assert_str_eq(captured->str, "{\"return\": {}}\r\n");
    g_string_truncate(captured, 0);
    qmp_session_free(s);
}
END_TEST

/* ---- HMP ---------------------------------------------------------------------------- */

static GPtrArray *lines_seen;

static void on_line(void *opaque, const char *line)
{
    g_ptr_array_add(lines_seen, g_strdup(line));
}

static void feed(ReadLine *rl, const char *keys)
{
    for (const char *k = keys; *k; k++) {
        readline_feed(rl, (uint8_t)*k);
    }
}

START_TEST(test_hmp_line_editing)
{
    ReadLine rl;
    lines_seen = g_ptr_array_new_with_free_func(g_free);
    readline_init(&rl, "(tessera) ", capture, on_line, NULL);
    feed(&rl, "infx\x7fo status\r");
    feed(&rl, "nfo\x1b[Hi\x1b[F version\r\n");          /* home, insert, end */
    feed(&rl, "info cpu\x1b[Ds\x1b[C\r");               /* left, insert, right */
    feed(&rl, "\x1b[A\x1b[A\r");                        /* history: two back */
    feed(&rl, "garbage\x15help\x1b[3~\r");              /* ^U, delete at end */
    feed(&rl, "ab\x1b[D\x1b[D\x04\r");                  /* ^D deletes under the cursor */
    ck_assert_uint_eq(lines_seen->len, 6);
    ck_assert_str_eq(g_ptr_array_index(lines_seen, 0), "info status");
    ck_assert_str_eq(g_ptr_array_index(lines_seen, 1), "info version");
    ck_assert_str_eq(g_ptr_array_index(lines_seen, 2), "info cpsu");
    ck_assert_str_eq(g_ptr_array_index(lines_seen, 3), "info version");
    ck_assert_str_eq(g_ptr_array_index(lines_seen, 4), "help");
    ck_assert_str_eq(g_ptr_array_index(lines_seen, 5), "b");
    /* Plain typing is plain echo. */
    g_string_truncate(captured, 0);
    feed(&rl, "abc");
    ck_assert_str_eq(captured->str, "abc");
    readline_destroy(&rl);
    g_ptr_array_unref(lines_seen);
}
END_TEST

static char *run_hmp(const char *line)
{
    GString *out = g_string_new(NULL);
    hmp_run_line(line, out);
    return g_string_free(out, FALSE);
}

START_TEST(test_hmp_commands)
{
    g_autofree char *help = run_hmp("help");
    for (const HmpCommand *h = hmp_commands; h->name; h++) {
        ck_assert_msg(strstr(help, h->name), "help lacks %s", h->name);
    }
    g_autofree char *info = run_hmp("help info");
    for (const HmpInfoCommand *i = hmp_info_commands; i->name; i++) {
        ck_assert_msg(strstr(info, i->name), "help info lacks %s", i->name);
    }
    g_autofree char *unknown = run_hmp("frobnicate now");
    ck_assert_str_eq(unknown, "unknown command: 'frobnicate'\r\n");
    g_autofree char *missing = run_hmp("qom-get /");
    ck_assert_msg(strstr(missing, "missing argument 'property'"), "%s", missing);
    g_autofree char *extra = run_hmp("stop now");
    ck_assert_msg(strstr(extra, "too many arguments"), "%s", extra);
    g_autofree char *badfmt = run_hmp("xp /4z 0");
    ck_assert_msg(strstr(badfmt, "invalid char in format: 'z'"), "%s", badfmt);
    g_autofree char *badnum = run_hmp("xp /4x zero");
    ck_assert_msg(strstr(badnum, "invalid number 'zero'"), "%s", badnum);
    g_autofree char *qlist = run_hmp("qom-list /");
    ck_assert_msg(strstr(qlist, "type (string)\r\n"), "%s", qlist);
    g_autofree char *status = run_hmp("info status");
    ck_assert_msg(g_str_has_prefix(status, "VM status: "), "%s", status);
    g_autofree char *err = run_hmp("device_del nosuch");
    ck_assert_msg(g_str_has_prefix(err, "Error: "), "%s", err);
}
END_TEST

/* ---- the mux ------------------------------------------------------------------------ */

#define TYPE_CHARDEV_FAKE TYPE_CHARDEV_PREFIX "testfake"

static int fake_write(Chardev *chr, const uint8_t *buf, int len)
{
    g_string_append_len(captured, (const char *)buf, len);
    return len;
}

static void fake_class_init(ObjectClass *klass, const void *data)
{
    CHARDEV_CLASS(klass)->backend = "testfake";
    CHARDEV_CLASS(klass)->write = fake_write;
}

static const TypeInfo fake_info = {
    .name = TYPE_CHARDEV_FAKE,
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(Chardev),
    .class_size = sizeof(ChardevClass),
    .class_init = fake_class_init,
};

static GString *uart_in;
static int uart_room;

static int uart_can_read(void *opaque)
{
    return uart_room;
}

/* A FIFO of uart_room free bytes: what it takes fills it. */
static void uart_read(void *opaque, const uint8_t *buf, int len)
{
    ck_assert_int_le(len, uart_room);
    g_string_append_len(uart_in, (const char *)buf, len);
    uart_room -= len;
}

static const ChardevHandlers uart_handlers = {
    .can_read = uart_can_read,
    .read = uart_read,
};

static void type_into(Chardev *backend, const char *text)
{
    chardev_be_read(backend, (const uint8_t *)text, (int)strlen(text));
    while (g_main_context_iteration(NULL, FALSE)) {
    }
}

START_TEST(test_mux_switches_between_serial_and_monitor)
{
    if (!type_lookup(TYPE_CHARDEV_FAKE)) {
        type_register_static(&fake_info);
    }
    OptDict *opts = opt_dict_new("-chardev");
    opt_dict_set(opts, "backend", "testfake");
    opt_dict_set(opts, "id", "fake0");
    GError *err = NULL;
    Chardev *backend = chardev_new_from_opts(opts, &err);
    opt_dict_free(opts);
    ck_assert_msg(backend, "%s", err ? err->message : "");
    chardev_be_event(backend, CHR_EVENT_OPENED);
    Chardev *mux = monitor_mux_new("mux0", backend, &err);
    ck_assert_msg(mux, "%s", err ? err->message : "");
    ck_assert(monitor_init_hmp(mux, &err));
    uart_in = g_string_new(NULL);
    uart_room = 16;
    ck_assert(chardev_set_handlers(mux, &uart_handlers, NULL, &err));
    ck_assert_int_eq(mux_frontend_count(mux), 2);
    /* The UART attached last: it has the focus, and the monitor kept quiet. */
    type_into(backend, "ab");
    ck_assert_str_eq(uart_in->str, "ab");
    ck_assert_msg(!strstr(captured->str, "monitor"), "%s", captured->str);
    type_into(backend, "\x01\x01");
    ck_assert_str_eq(uart_in->str, "ab\x01");
    /* Ctrl-A c: the monitor greets and answers. */
    type_into(backend, "\x01" "c");
    ck_assert_msg(strstr(captured->str, "monitor - type 'help'"), "%s", captured->str);
    ck_assert(g_str_has_suffix(captured->str, "(tessera) "));
    type_into(backend, "info version\r");
    ck_assert_msg(strstr(captured->str, "0.1.0 (tessera)\r\n(tessera) "), "%s", captured->str);
    ck_assert_str_eq(uart_in->str, "ab\x01");
    /* Ctrl-A h helps; Ctrl-A c goes back to the guest. */
    type_into(backend, "\x01h");
    ck_assert_msg(strstr(captured->str, "C-a c    switch between console and monitor"), "%s",
                  captured->str);
    type_into(backend, "\x01" "cz");
    ck_assert_str_eq(uart_in->str, "ab\x01z");
    chardev_clear_handlers(mux);
    ck_assert_int_eq(mux_frontend_count(mux), 1);
    g_string_free(uart_in, TRUE);
}
END_TEST

START_TEST(test_mux_escapes_work_while_the_guest_reads_nothing)
{
    if (!type_lookup(TYPE_CHARDEV_FAKE)) {
        type_register_static(&fake_info);
    }
    OptDict *opts = opt_dict_new("-chardev");
    opt_dict_set(opts, "backend", "testfake");
    opt_dict_set(opts, "id", "fake1");
    Chardev *backend = chardev_new_from_opts(opts, NULL);
    opt_dict_free(opts);
    chardev_be_event(backend, CHR_EVENT_OPENED);
    Chardev *mux = monitor_mux_new("mux1", backend, NULL);
    ck_assert(mux && monitor_init_hmp(mux, NULL));
    uart_in = g_string_new(NULL);
    uart_room = 0;                           /* a stopped guest */
    ck_assert(chardev_set_handlers(mux, &uart_handlers, NULL, NULL));
    for (int i = 0; i < 200; i++) {
        ck_assert_int_gt(chardev_be_can_read(backend), 0);
        type_into(backend, "x");
    }
    ck_assert_uint_eq(uart_in->len, 0);
    type_into(backend, "\x01" "c" "info version\r");
    ck_assert_msg(strstr(captured->str, "0.1.0 (tessera)\r\n"), "%s", captured->str);
    g_string_free(uart_in, TRUE);
}
END_TEST

/* A UART with a 16-byte FIFO that the guest empties now and then: a burst
 * typed (or piped) much faster than that reaches it whole and in order. */
START_TEST(test_mux_holds_a_burst_for_a_slow_guest)
{
    if (!type_lookup(TYPE_CHARDEV_FAKE)) {
        type_register_static(&fake_info);
    }
    OptDict *opts = opt_dict_new("-chardev");
    opt_dict_set(opts, "backend", "testfake");
    opt_dict_set(opts, "id", "fake2");
    Chardev *backend = chardev_new_from_opts(opts, NULL);
    opt_dict_free(opts);
    chardev_be_event(backend, CHR_EVENT_OPENED);
    Chardev *mux = monitor_mux_new("mux2", backend, NULL);
    ck_assert(mux && monitor_init_hmp(mux, NULL));
    uart_in = g_string_new(NULL);
    uart_room = 16;
    ck_assert(chardev_set_handlers(mux, &uart_handlers, NULL, NULL));
    GString *sent = g_string_new(NULL);
    for (int i = 0; i < 2000; i++) {
        g_string_append_printf(sent, "line %d; ", i);
    }
    /* The backend delivers as much as the mux says it can take, while the
     * guest has stopped reading after the first FIFO-full. */
    size_t off = 0;
    while (off < sent->len) {
        int n = chardev_be_can_read(backend);
        ck_assert_int_gt(n, 0);
        n = (int)MIN((size_t)n, sent->len - off);
        chardev_be_read(backend, (const uint8_t *)sent->str + off, n);
        off += n;
    }
    ck_assert_uint_eq(uart_in->len, 16);
    /* The guest reads its FIFO empty again and again: each time the UART
     * accepts input and the mux hands over the next 16 bytes. */
    while (uart_in->len < sent->len) {
        size_t before = uart_in->len;
        uart_room = 16;
        chardev_accept_input(mux);
        ck_assert_uint_gt(uart_in->len, before);
    }
    ck_assert_str_eq(uart_in->str, sent->str);
    chardev_clear_handlers(mux);
    g_string_free(sent, TRUE);
    g_string_free(uart_in, TRUE);
}
END_TEST

/* -chardev BACKEND,id=ID,mux=on: the backend becomes ID-base under a mux named ID. */
static Chardev *chardev_from_text(const char *text, GError **errp)
{
    OptDict *opts = opt_dict_parse("-chardev", text, "backend", false, errp);
    if (!opts) {
        return NULL;
    }
    Chardev *chr = chardev_new_from_opts(opts, errp);
    opt_dict_free(opts);
    return chr;
}

START_TEST(test_mux_on_option_shares_one_backend)
{
    if (!type_lookup(TYPE_CHARDEV_FAKE)) {
        type_register_static(&fake_info);
    }
    GError *err = NULL;
    Chardev *mux = chardev_from_text("testfake,id=c0,mux=on", &err);
    ck_assert_msg(mux, "%s", err ? err->message : "");
    Chardev *backend = chardev_find("c0-base");
    ck_assert_ptr_nonnull(backend);
    ck_assert_ptr_eq(chardev_find("c0"), mux);
    ck_assert_str_eq(object_get_typename(OBJECT(mux)), TYPE_CHARDEV_MUX);
    ck_assert_str_eq(object_get_typename(OBJECT(backend)), TYPE_CHARDEV_FAKE);
    chardev_be_event(backend, CHR_EVENT_OPENED);
    /* -monitor chardev:c0 then -serial chardev:c0, as main() attaches them. */
    ck_assert(monitor_init_hmp(mux, &err));
    uart_in = g_string_new(NULL);
    uart_room = 16;
    ck_assert(chardev_set_handlers(mux, &uart_handlers, NULL, &err));
    ck_assert_int_eq(mux_frontend_count(mux), 2);
    type_into(backend, "ab");
    ck_assert_str_eq(uart_in->str, "ab");
    type_into(backend, "\x01" "c" "info version\r");
    ck_assert_msg(strstr(captured->str, "0.1.0 (tessera)\r\n"), "%s", captured->str);
    ck_assert_str_eq(uart_in->str, "ab");
    g_string_free(uart_in, TRUE);
}
END_TEST

START_TEST(test_mux_on_option_errors_leave_nothing)
{
    if (!type_lookup(TYPE_CHARDEV_FAKE)) {
        type_register_static(&fake_info);
    }
    GError *err = NULL;
    ck_assert_ptr_null(chardev_from_text("testfake,id=c1,mux=on,bogus=1", &err));
    ck_assert_str_eq(err->message, "-chardev: backend 'testfake' has no option 'bogus'");
    g_clear_error(&err);
    ck_assert_ptr_null(chardev_find("c1"));
    ck_assert_ptr_null(chardev_find("c1-base"));
    ck_assert_ptr_null(chardev_from_text("testfake,id=c2,mux=maybe", &err));
    ck_assert_ptr_nonnull(strstr(err->message, "mux"));
    g_clear_error(&err);
    ck_assert_ptr_null(chardev_find("c2-base"));
}
END_TEST

static Suite *monitor_suite(void)
{
    Suite *s = suite_create("monitor");
    TCase *schema = tcase_create("/monitor/schema");
    tcase_add_checked_fixture(schema, setup, teardown);
    tcase_add_test(schema, test_schema_names_unique_and_documented);
    tcase_add_test(schema, test_schema_types_resolve);
    tcase_add_test(schema, test_schema_examples_pass_argument_checks);
    tcase_add_test(schema, test_schema_has_the_issue_commands_and_events);
    tcase_add_test(schema, test_schema_hmp_twins_use_schema_handlers);
    tcase_add_test(schema, test_schema_introspection_names_resolve);
    suite_add_tcase(s, schema);
    TCase *qmp = tcase_create("/monitor/qmp");
    tcase_add_checked_fixture(qmp, setup, teardown);
    tcase_add_test(qmp, test_qmp_greeting_and_negotiation);
    tcase_add_test(qmp, test_qmp_id_is_echoed);
    tcase_add_test(qmp, test_qmp_argument_errors);
    tcase_add_test(qmp, test_qmp_framing);
    tcase_add_test(qmp, test_qmp_bad_input_keeps_the_session);
    tcase_add_test(qmp, test_qmp_results_match_their_types);
    tcase_add_test(qmp, test_qmp_events_after_negotiation_only);
    tcase_add_test(qmp, test_qmp_replies_use_qemu_layout);
    suite_add_tcase(s, qmp);
    TCase *hmp = tcase_create("/monitor/hmp");
    tcase_add_checked_fixture(hmp, setup, teardown);
    tcase_add_test(hmp, test_hmp_line_editing);
    tcase_add_test(hmp, test_hmp_commands);
    suite_add_tcase(s, hmp);
    TCase *mux = tcase_create("/monitor/mux");
    tcase_add_checked_fixture(mux, setup, teardown);
    tcase_add_test(mux, test_mux_switches_between_serial_and_monitor);
    tcase_add_test(mux, test_mux_escapes_work_while_the_guest_reads_nothing);
    tcase_add_test(mux, test_mux_holds_a_burst_for_a_slow_guest);
    tcase_add_test(mux, test_mux_on_option_shares_one_backend);
    tcase_add_test(mux, test_mux_on_option_errors_leave_nothing);
    suite_add_tcase(s, mux);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(monitor_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
