/* SPDX-License-Identifier: MIT */
/*
 * QMP sessions: QEMU's wire protocol on a byte stream.
 *
 * Input is cut into messages by counting braces and brackets outside
 * strings; each message is parsed on its own (JSON-GLib), so a bad one is
 * answered with an error and the next one is read normally.  A message
 * over QMP_MAX_MESSAGE bytes or nested deeper than QMP_MAX_NESTING is
 * answered once and skipped to its end; a 0xff byte (never valid in JSON)
 * drops whatever was being collected, as QEMU's parser does.
 *
 * Events go to every session that finished capabilities negotiation.
 * Run events come from runstate listeners; DEVICE_DELETED from device_del.
 */
#include <stdio.h>
#include <string.h>

#include "kernel/device.h"
#include "kernel/runstate.h"
#include "monitor/qmp-handlers.h"

/* Bytes a QMP monitor accepts from its chardev per read. */
#define QMP_READ_CHUNK 4096
/* The byte that resets the parser (QEMU's convention). */
#define QMP_RESET_BYTE 0xff

struct QmpSession {
    MonitorWriteFn write;
    void *opaque;
    bool negotiated;
    /* Framing state of the message being collected. */
    GByteArray *buf;
    bool collecting;
    bool structured;          /* started with '{' or '[' (else a bare token) */
    int depth;
    bool in_string;
    bool escape;
    bool skipping;            /* too large or too deep: answered, now skipped */
};

/* Sessions that receive events; guarded by the device lock. */
static GPtrArray *qmp_sessions;

static void session_write_node(QmpSession *s, JsonNode *node)
{
    g_autofree char *text = qmp_json_to_string(node);
    s->write(s->opaque, text, strlen(text));
    s->write(s->opaque, "\r\n", 2);
}

static void session_reply(QmpSession *s, JsonNode *ret, const GError *err, JsonNode *id)
{
    JsonObject *o = json_object_new();
    if (err) {
        JsonObject *e = json_object_new();
        json_object_set_string_member(e, "class", qmp_error_class(err));
        json_object_set_string_member(e, "desc", err->message);
        json_object_set_object_member(o, "error", e);
    } else {
        json_object_set_member(o, "return", ret);
    }
    if (id) {
        JsonNode *copy = json_node_copy(id);
        uint64_t big;
        if (qmp_json_is_big_uint(id, &big)) {
            qmp_json_mark_uint(copy, big); /* the copy is echoed exactly too */
        }
        json_object_set_member(o, "id", copy);
    }
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    session_write_node(s, n);
    json_node_unref(n);
}

static void session_error(QmpSession *s, JsonNode *id, int code, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static void session_error(QmpSession *s, JsonNode *id, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    GError *err = g_error_new_valist(QMP_ERROR, code, fmt, ap);
    va_end(ap);
    session_reply(s, NULL, err, id);
    g_error_free(err);
}

/* ---- requests -------------------------------------------------------------- */

static void session_execute(QmpSession *s, JsonNode *root)
{
    if (!JSON_NODE_HOLDS_OBJECT(root)) {
        session_error(s, NULL, QMP_ERROR_GENERIC, "QMP input must be a JSON object");
        return;
    }
    JsonObject *req = json_node_get_object(root);
    JsonNode *id = json_object_get_member(req, "id");
    JsonNode *exec = NULL;
    JsonObject *args = NULL;
    g_autoptr(GList) members = json_object_get_members(req);
    for (GList *l = members; l; l = l->next) {
        const char *key = l->data;
        JsonNode *v = json_object_get_member(req, key);
        if (!strcmp(key, "execute")) {
            if (!JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_STRING) {
                session_error(s, id, QMP_ERROR_GENERIC,
                              "QMP input member 'execute' must be a string");
                return;
            }
            exec = v;
        } else if (!strcmp(key, "arguments")) {
            if (!JSON_NODE_HOLDS_OBJECT(v)) {
                session_error(s, id, QMP_ERROR_GENERIC,
                              "QMP input member 'arguments' must be an object");
                return;
            }
            args = json_node_get_object(v);
        } else if (strcmp(key, "id")) {
            session_error(s, id, QMP_ERROR_GENERIC, "QMP input member '%s' is unexpected", key);
            return;
        }
    }
    if (!exec) {
        session_error(s, id, QMP_ERROR_GENERIC, "QMP input lacks member 'execute'");
        return;
    }
    const char *name = json_node_get_string(exec);
    bool is_caps = !strcmp(name, "qmp_capabilities");
    if (!s->negotiated && !is_caps) {
        session_error(s, id, QMP_ERROR_COMMAND_NOT_FOUND,
                      "Expecting capabilities negotiation with 'qmp_capabilities'");
        return;
    }
    if (s->negotiated && is_caps) {
        session_error(s, id, QMP_ERROR_COMMAND_NOT_FOUND,
                      "Capabilities negotiation is already complete, command ignored");
        return;
    }
    const QmpCommand *cmd = qmp_find_command(name);
    if (!cmd) {
        session_error(s, id, QMP_ERROR_COMMAND_NOT_FOUND, "The command %s has not been found",
                      name);
        return;
    }
    GError *err = NULL;
    JsonNode *ret = qmp_call(cmd, args, &err);
    if (ret && is_caps) {
        s->negotiated = true;
    }
    session_reply(s, ret, err, id);
    g_clear_error(&err);
}

/* ---- integers outside int64 ----------------------------------------------- */

/*
 * JSON-GLib wraps or saturates integers outside int64 without a word, so
 * each message's number tokens are read here first, in document order.  An
 * integer below INT64_MIN or above UINT64_MAX refuses the message; one in
 * (INT64_MAX, UINT64_MAX] is matched to its node as the parser reports each
 * scalar (same order) and kept exactly (qmp_json_mark_uint).
 */
typedef struct NumberToken {
    bool big;                 /* an integer in (INT64_MAX, UINT64_MAX] */
    uint64_t value;
} NumberToken;

typedef struct NumberScan {
    GArray *tokens;           /* NumberToken, in document order */
    guint next;
} NumberScan;

/* false (with the token in *bad) if an integer is out of every range. */
static bool scan_numbers(const char *text, size_t len, GArray *tokens, char **bad)
{
    bool in_string = false, escape = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (escape) {
                escape = false;
            } else if (c == '\\') {
                escape = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
            escape = false;
            continue;
        }
        if (c != '-' && !g_ascii_isdigit(c)) {
            continue;
        }
        size_t start = i;
        bool integer = true;
        while (i < len && (g_ascii_isdigit(text[i]) || strchr("+-.eE", text[i]))) {
            integer &= g_ascii_isdigit(text[i]) || (i == start && text[i] == '-');
            i++;
        }
        NumberToken t = { 0 };
        if (integer) {
            bool neg = text[start] == '-';
            uint64_t mag = 0;
            bool overflow = false;
            for (size_t k = start + neg; k < i; k++) {
                unsigned d = (unsigned)(text[k] - '0');
                overflow |= mag > (UINT64_MAX - d) / 10;
                mag = mag * 10 + d;
            }
            if (overflow || (neg && mag > (uint64_t)INT64_MAX + 1)) {
                *bad = g_strndup(text + start, i - start);
                return false;
            }
            t.big = !neg && mag > INT64_MAX;
            t.value = mag;
        }
        g_array_append_val(tokens, t);
        i--;
    }
    return true;
}

static void match_number(NumberScan *scan, JsonNode *node)
{
    if (!JSON_NODE_HOLDS_VALUE(node) || (json_node_get_value_type(node) != G_TYPE_INT64 &&
                                         json_node_get_value_type(node) != G_TYPE_DOUBLE)) {
        return;
    }
    if (scan->next < scan->tokens->len) {
        NumberToken *t = &g_array_index(scan->tokens, NumberToken, scan->next++);
        if (t->big) {
            qmp_json_mark_uint(node, t->value);
        }
    }
}

static void on_object_member(JsonParser *p, JsonObject *obj, const char *name, gpointer opaque)
{
    match_number(opaque, json_object_get_member(obj, name));
}

static void on_array_element(JsonParser *p, JsonArray *arr, gint index, gpointer opaque)
{
    match_number(opaque, json_array_get_element(arr, (guint)index));
}

static void session_message(QmpSession *s, const char *text, size_t len)
{
    if (memchr(text, '\0', len) || !g_utf8_validate(text, len, NULL)) {
        session_error(s, NULL, QMP_ERROR_GENERIC, "JSON parse error, invalid UTF-8 sequence");
        return;
    }
    NumberScan scan = { .tokens = g_array_new(FALSE, TRUE, sizeof(NumberToken)) };
    g_autofree char *bad = NULL;
    if (!scan_numbers(text, len, scan.tokens, &bad)) {
        session_error(s, NULL, QMP_ERROR_GENERIC,
                      "JSON parse error, integer %s is out of range (an integer must fit in"
                      " int64, or uint64 if positive)", bad);
        g_array_unref(scan.tokens);
        return;
    }
    qmp_bignum_scope_begin();
    JsonParser *p = json_parser_new();
    g_signal_connect(p, "object-member", G_CALLBACK(on_object_member), &scan);
    g_signal_connect(p, "array-element", G_CALLBACK(on_array_element), &scan);
    GError *err = NULL;
    if (!json_parser_load_from_data(p, text, len, &err)) {
        /* JSON-GLib names the input "<data>"; the client knows what it sent. */
        const char *msg = err->message;
        if (g_str_has_prefix(msg, "<data>:")) {
            msg += strlen("<data>:");
        }
        session_error(s, NULL, QMP_ERROR_GENERIC, "JSON parse error, %s", msg);
        g_error_free(err);
    } else if (!json_parser_get_root(p)) {
        session_error(s, NULL, QMP_ERROR_GENERIC, "JSON parse error, expecting value");
    } else {
        session_execute(s, json_parser_get_root(p));
    }
    g_object_unref(p);
    qmp_bignum_scope_end();
    g_array_unref(scan.tokens);
}

/* ---- framing --------------------------------------------------------------- */

static void framer_reset(QmpSession *s)
{
    g_byte_array_set_size(s->buf, 0);
    s->collecting = s->structured = s->in_string = s->escape = s->skipping = false;
    s->depth = 0;
}

static void framer_finish(QmpSession *s)
{
    if (!s->skipping) {
        session_message(s, (const char *)s->buf->data, s->buf->len);
    }
    framer_reset(s);
}

static void framer_skip(QmpSession *s, const char *why)
{
    session_error(s, NULL, QMP_ERROR_GENERIC, "JSON parse error, %s", why);
    s->skipping = true;
    g_byte_array_set_size(s->buf, 0);
}

static bool is_json_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Bare tokens (numbers, true, garbage) end at a space or a structural byte. */
static bool ends_token(uint8_t c)
{
    return is_json_space(c) || strchr("{}[]\",:", c);
}

static void framer_byte(QmpSession *s, uint8_t c)
{
    if (c == QMP_RESET_BYTE) {
        bool had_input = s->collecting && !s->skipping;
        framer_reset(s);
        if (had_input) {
            session_error(s, NULL, QMP_ERROR_GENERIC,
                          "JSON parse error, input reset by byte 0xff");
        }
        return;
    }
    if (!s->collecting) {
        if (is_json_space(c)) {
            return;
        }
        s->collecting = true;
        s->structured = c == '{' || c == '[';
    } else if (!s->structured && !s->in_string && ends_token(c)) {
        framer_finish(s);            /* the bare token ends before @c */
        framer_byte(s, c);
        return;
    }
    if (!s->skipping) {
        if (s->buf->len >= QMP_MAX_MESSAGE) {
            framer_skip(s, "message too large (the limit is 1 MiB)");
        } else {
            g_byte_array_append(s->buf, &c, 1);
        }
    }
    if (s->in_string) {
        if (s->escape) {
            s->escape = false;
        } else if (c == '\\') {
            s->escape = true;
        } else if (c == '"') {
            s->in_string = false;
            if (!s->structured) {
                framer_finish(s);    /* a bare string at top level */
            }
        }
        return;
    }
    switch (c) {
    case '"':
        s->in_string = true;
        break;
    case '{':
    case '[':
        if (s->structured && ++s->depth > QMP_MAX_NESTING && !s->skipping) {
            framer_skip(s, "too many nested objects or arrays (the limit is 1024)");
        }
        break;
    case '}':
    case ']':
        if (!s->structured || --s->depth <= 0) {
            framer_finish(s);        /* balanced, or a stray closer */
        }
        break;
    default:
        break;
    }
}

void qmp_session_input(QmpSession *s, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        framer_byte(s, buf[i]);
    }
}

/* ---- sessions -------------------------------------------------------------- */

QmpSession *qmp_session_new(MonitorWriteFn write, void *opaque)
{
    QmpSession *s = g_new0(QmpSession, 1);
    s->write = write;
    s->opaque = opaque;
    s->buf = g_byte_array_new();
    devlock_lock();
    if (!qmp_sessions) {
        qmp_sessions = g_ptr_array_new();
    }
    g_ptr_array_add(qmp_sessions, s);
    devlock_unlock();
    return s;
}

void qmp_session_free(QmpSession *s)
{
    devlock_lock();
    g_ptr_array_remove(qmp_sessions, s);
    devlock_unlock();
    g_byte_array_unref(s->buf);
    g_free(s);
}

void qmp_session_open(QmpSession *s)
{
    framer_reset(s);
    s->negotiated = false;
    JsonObject *qmp = json_object_new();
    json_object_set_member(qmp, "version", qmp_query_version(NULL, NULL));
    json_object_set_array_member(qmp, "capabilities", json_array_new());
    JsonObject *greeting = json_object_new();
    json_object_set_object_member(greeting, "QMP", qmp);
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, greeting);
    session_write_node(s, n);
    json_node_unref(n);
}

void qmp_session_close(QmpSession *s)
{
    framer_reset(s);
    s->negotiated = false;
}

/* ---- events ---------------------------------------------------------------- */

void qmp_event_emit(const char *name, JsonObject *data)
{
    g_assert(qmp_find_event(name));
    int64_t now = g_get_real_time();
    JsonObject *ts = json_object_new();
    json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);
    JsonObject *ev = json_object_new();
    json_object_set_object_member(ev, "timestamp", ts);
    json_object_set_string_member(ev, "event", name);
    if (data) {
        json_object_set_object_member(ev, "data", data);
    }
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, ev);
    devlock_lock();
    for (guint i = 0; qmp_sessions && i < qmp_sessions->len; i++) {
        QmpSession *s = g_ptr_array_index(qmp_sessions, i);
        if (s->negotiated) {
            session_write_node(s, n);
        }
    }
    devlock_unlock();
    json_node_unref(n);
}

static const char *const shutdown_reasons[] = {
    [SHUTDOWN_CAUSE_NONE] = "none",
    [SHUTDOWN_CAUSE_HOST_QMP] = "host-qmp-quit",
    [SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
    [SHUTDOWN_CAUSE_HOST_UI] = "host-ui",
    [SHUTDOWN_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
    [SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
    [SHUTDOWN_CAUSE_GUEST_PANIC] = "guest-panic",
    [SHUTDOWN_CAUSE_HOST_RESET] = "host-qmp-system-reset",
};

static JsonObject *shutdown_data(ShutdownCause cause)
{
    JsonObject *d = json_object_new();
    bool guest = cause == SHUTDOWN_CAUSE_GUEST_SHUTDOWN || cause == SHUTDOWN_CAUSE_GUEST_RESET ||
                 cause == SHUTDOWN_CAUSE_GUEST_PANIC;
    const char *reason = (unsigned)cause < G_N_ELEMENTS(shutdown_reasons) &&
                         shutdown_reasons[cause] ? shutdown_reasons[cause] : "none";
    json_object_set_boolean_member(d, "guest", guest);
    json_object_set_string_member(d, "reason", reason);
    return d;
}

static void on_run_event(RunEvent ev, ShutdownCause cause, void *opaque)
{
    switch (ev) {
    case RUN_EVENT_STOP:
        qmp_event_emit("STOP", NULL);
        break;
    case RUN_EVENT_RESUME:
        qmp_event_emit("RESUME", NULL);
        break;
    case RUN_EVENT_RESET:
        qmp_event_emit("RESET", shutdown_data(cause));
        break;
    case RUN_EVENT_SHUTDOWN:
        qmp_event_emit("SHUTDOWN", shutdown_data(cause));
        break;
    case RUN_EVENT_POWERDOWN:
        qmp_event_emit("POWERDOWN", NULL);
        break;
    }
}

static void on_device_deleted(const char *id, const char *path, void *opaque)
{
    JsonObject *data = json_object_new();
    if (id) {
        json_object_set_string_member(data, "device", id);
    }
    json_object_set_string_member(data, "path", path);
    qmp_event_emit("DEVICE_DELETED", data);
}

/* ---- the QMP monitor on a chardev ------------------------------------------ */

typedef struct QmpMonitor {
    Chardev *chr;
    QmpSession *session;
} QmpMonitor;

static void qmp_monitor_write(void *opaque, const char *data, size_t len)
{
    QmpMonitor *m = opaque;
    chardev_write(m->chr, (const uint8_t *)data, (int)len);
}

/* Nothing is dropped: while replies wait for the client to read them,
 * its next requests wait too (input resumes when the output has left). */
static int qmp_monitor_can_read(void *opaque)
{
    QmpMonitor *m = opaque;
    return chardev_output_pending(m->chr) ? 0 : QMP_READ_CHUNK;
}

/* The chardev whose input is being handled (main loop, device lock held). */
static Chardev *reading_chr;

int qmp_take_passed_fd(void)
{
    return reading_chr ? chardev_take_msgfd(reading_chr) : -1;
}

static void qmp_monitor_read(void *opaque, const uint8_t *buf, int len)
{
    QmpMonitor *m = opaque;
    Chardev *outer = reading_chr;
    reading_chr = m->chr;
    qmp_session_input(m->session, buf, len);
    reading_chr = outer;
}

static void qmp_monitor_event(void *opaque, ChardevEvent ev)
{
    QmpMonitor *m = opaque;
    if (ev == CHR_EVENT_OPENED) {
        qmp_session_open(m->session);
    } else if (ev == CHR_EVENT_CLOSED) {
        qmp_session_close(m->session);
    }
}

static const ChardevHandlers qmp_monitor_handlers = {
    .can_read = qmp_monitor_can_read,
    .read = qmp_monitor_read,
    .event = qmp_monitor_event,
};

bool monitor_init_qmp(Chardev *chr, GError **errp)
{
    static bool listening;
    QmpMonitor *m = g_new0(QmpMonitor, 1);
    m->chr = chr;
    m->session = qmp_session_new(qmp_monitor_write, m);
    devlock_lock();
    if (!listening) {
        runstate_add_listener(on_run_event, NULL);
        device_add_deleted_listener(on_device_deleted, NULL);
        listening = true;
    }
    chardev_set_keep_output(chr, true);
    bool ok = object_dynamic_cast(OBJECT(chr), TYPE_CHARDEV_MUX)
                  ? mux_add_frontend(chr, &qmp_monitor_handlers, m, errp)
                  : chardev_set_handlers(chr, &qmp_monitor_handlers, m, errp);
    devlock_unlock();
    if (!ok) {
        qmp_session_free(m->session);
        g_free(m);
    }
    return ok;
}
