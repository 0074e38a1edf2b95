/* SPDX-License-Identifier: MIT */
/*
 * The human monitor: sessions with line editing, the command-line parser
 * driven by each command's parameter spec (see HmpCommand), and execution
 * through the QMP twin's handler where there is one.
 *
 * Output is built with "\n" line ends and sent with "\r\n", as QEMU's
 * monitor does (the terminal is raw).
 */
#include <string.h>

#include "kernel/options.h"
#include "kernel/runstate.h"
#include "monitor/monitor-internal.h"

#define HMP_PROMPT "(tessera) "
#ifndef TESSERA_VERSION
#define TESSERA_VERSION "0.0.0"
#endif
/* Bytes an HMP monitor accepts from its chardev per read. */
#define HMP_READ_CHUNK 256

struct HmpSession {
    MonitorWriteFn write;
    void *opaque;
    ReadLine rl;
};

/* ---- parsing ---------------------------------------------------------------- */

static const char *skip_space(const char *p)
{
    while (*p && g_ascii_isspace(*p)) {
        p++;
    }
    return p;
}

/* One word, or a double-quoted string with \" and \\ escapes. */
static char *read_word(const char **pp, GError **errp)
{
    const char *p = *pp;
    GString *w = g_string_new(NULL);
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && p[1]) {
                p++;
            }
            g_string_append_c(w, *p);
        }
        if (*p != '"') {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "unterminated string");
            g_string_free(w, TRUE);
            return NULL;
        }
        p++;
    } else {
        while (*p && !g_ascii_isspace(*p)) {
            g_string_append_c(w, *p++);
        }
    }
    *pp = p;
    return g_string_free(w, FALSE);
}

/* "0x80000000", "4096+16", "0x1000-8": base-0 numbers joined by + and -. */
static bool parse_expr(const char *text, uint64_t *out)
{
    uint64_t v = 0;
    int sign = 1;
    const char *p = text;
    if (!*p) {
        return false;
    }
    while (*p) {
        char *end = NULL;
        if (!g_ascii_isdigit(*p)) {
            return false;
        }
        uint64_t term = g_ascii_strtoull(p, &end, 0);
        if (end == p) {
            return false;
        }
        v = sign > 0 ? v + term : v - term;
        p = end;
        if (*p == '+' || *p == '-') {
            sign = *p == '+' ? 1 : -1;
            p++;
            if (!*p) {
                return false;
            }
        } else if (*p) {
            return false;
        }
    }
    *out = v;
    return true;
}

static bool parse_item(const HmpCommand *cmd, const char *item, const char **pp,
                       JsonObject *args, GError **errp)
{
    const char *colon = strchr(item, ':');
    g_assert(colon && colon[1]);
    g_autofree char *name = g_strndup(item, colon - item);
    char kind = colon[1];
    bool optional = colon[2] == '?';
    const char *def = optional && colon[3] == '=' ? colon + 4 : NULL;
    const char *p = skip_space(*pp);

    if (kind == '/') {
        if (*p == '/') {
            const char *start = ++p;
            while (*p && !g_ascii_isspace(*p)) {
                p++;
            }
            g_autofree char *fmt = g_strndup(start, p - start);
            json_object_set_string_member(args, name, fmt);
        }
        *pp = p;
        return true;
    }
    if (!*p) {
        if (def) {
            json_object_set_string_member(args, name, def);
        } else if (!optional) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                        "%s: missing argument '%s' (usage: %s %s)", cmd->name, name, cmd->name,
                        cmd->params ? cmd->params : "");
            return false;
        }
        *pp = p;
        return true;
    }
    if (kind == 'S') {
        g_autofree char *rest = g_strchomp(g_strdup(p));
        json_object_set_string_member(args, name, rest);
        *pp = p + strlen(p);
        return true;
    }
    if (kind == 'O') {
        g_autofree char *rest = g_strchomp(g_strdup(p));
        OptDict *d = opt_dict_parse(cmd->name, rest, name, false, errp);
        if (!d) {
            return false;
        }
        if (d->help) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                        "%s: help is not available here (run 'tessera -device help')",
                        cmd->name);
            opt_dict_free(d);
            return false;
        }
        for (guint i = 0; i < d->keys->len; i++) {
            const char *key = g_ptr_array_index(d->keys, i);
            json_object_set_string_member(args, key, opt_dict_get(d, key));
        }
        opt_dict_free(d);
        *pp = p + strlen(p);
        return true;
    }
    g_autofree char *word = read_word(&p, errp);
    if (!word) {
        return false;
    }
    if (kind == 'i') {
        uint64_t v;
        if (!parse_expr(word, &v)) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "%s: invalid number '%s'",
                        cmd->name, word);
            return false;
        }
        json_object_set_int_member(args, name, (gint64)v);
    } else {
        g_assert(kind == 's');
        json_object_set_string_member(args, name, word);
    }
    *pp = p;
    return true;
}

bool hmp_parse_args(const HmpCommand *cmd, const char *rest, JsonObject *args, GError **errp)
{
    const char *p = rest;
    if (cmd->spec) {
        g_auto(GStrv) items = g_strsplit(cmd->spec, " ", -1);
        for (char **it = items; *it; it++) {
            if (!parse_item(cmd, *it, &p, args, errp)) {
                return false;
            }
        }
    }
    p = skip_space(p);
    if (*p) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "%s: too many arguments (usage: %s %s)",
                    cmd->name, cmd->name, cmd->params ? cmd->params : "");
        return false;
    }
    return true;
}

void hmp_execute(const HmpCommand *cmd, JsonObject *args, GString *out)
{
    if (!cmd->qmp) {
        cmd->run(out, args);
        return;
    }
    const QmpCommand *twin = qmp_find_command_by_handler(cmd->qmp);
    g_assert(twin);
    GError *err = NULL;
    qmp_bignum_scope_begin();
    JsonNode *ret = qmp_call(twin, args, &err);
    if (!ret) {
        g_string_append_printf(out, "Error: %s\n", err->message);
        g_error_free(err);
    } else {
        if (cmd->print) {
            cmd->print(out, ret);
        }
        json_node_unref(ret);
    }
    qmp_bignum_scope_end();
}

/* "\n" -> "\r\n" for the raw terminal. */
static void append_crlf(GString *dst, const char *src, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (src[i] == '\n' && (i == 0 || src[i - 1] != '\r')) {
            g_string_append_c(dst, '\r');
        }
        g_string_append_c(dst, src[i]);
    }
}

void hmp_run_line(const char *line, GString *out)
{
    const char *p = skip_space(line);
    if (!*p) {
        return;
    }
    const char *start = p;
    /* The name ends at a space or at the '/' of "x/4x". */
    while (*p && *p != '/' && !g_ascii_isspace(*p)) {
        p++;
    }
    g_autofree char *name = g_strndup(start, p - start);
    const HmpCommand *cmd = hmp_find_command(name);
    g_autoptr(GString) text = g_string_new(NULL);
    if (!cmd) {
        g_string_append_printf(text, "unknown command: '%s'\n", name);
    } else {
        JsonObject *args = json_object_new();
        GError *err = NULL;
        devlock_lock();
        if (hmp_parse_args(cmd, p, args, &err)) {
            hmp_execute(cmd, args, text);
        } else {
            g_string_append_printf(text, "%s\n", err->message);
            g_error_free(err);
        }
        devlock_unlock();
        json_object_unref(args);
    }
    append_crlf(out, text->str, text->len);
}

/* ---- sessions ---------------------------------------------------------------- */

static void session_on_line(void *opaque, const char *line)
{
    HmpSession *s = opaque;
    g_autoptr(GString) out = g_string_new(NULL);
    hmp_run_line(line, out);
    s->write(s->opaque, out->str, out->len);
    readline_show_prompt(&s->rl);
}

static void session_write(void *opaque, const char *data, size_t len)
{
    HmpSession *s = opaque;
    s->write(s->opaque, data, len);
}

HmpSession *hmp_session_new(MonitorWriteFn write, void *opaque)
{
    HmpSession *s = g_new0(HmpSession, 1);
    s->write = write;
    s->opaque = opaque;
    readline_init(&s->rl, HMP_PROMPT, session_write, session_on_line, s);
    return s;
}

void hmp_session_free(HmpSession *s)
{
    readline_destroy(&s->rl);
    g_free(s);
}

void hmp_session_open(HmpSession *s, bool banner)
{
    if (banner) {
        static const char text[] =
            "Tessera " TESSERA_VERSION " monitor - type 'help' for more information\r\n";
        s->write(s->opaque, text, sizeof(text) - 1);
    }
    readline_show_prompt(&s->rl);
}

void hmp_session_input(HmpSession *s, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        readline_feed(&s->rl, buf[i]);
    }
}

/* ---- the human monitor on a chardev ----------------------------------------- */

typedef struct HmpMonitor {
    Chardev *chr;
    HmpSession *session;
    bool focused;       /* the mux gives us input (always, without a mux) */
    bool open;          /* the backend is connected */
    bool greeted;       /* banner shown to this client */
    bool greet_pending;
} HmpMonitor;

static void hmp_monitor_write(void *opaque, const char *data, size_t len)
{
    HmpMonitor *m = opaque;
    chardev_write(m->chr, (const uint8_t *)data, (int)len);
}

static int hmp_monitor_can_read(void *opaque)
{
    return HMP_READ_CHUNK;
}

static void hmp_monitor_read(void *opaque, const uint8_t *buf, int len)
{
    HmpMonitor *m = opaque;
    hmp_session_input(m->session, buf, len);
}

/* Greet from the main loop rather than at once: with "-serial mon:stdio"
 * the board's UART attaches to the mux after the monitor and takes the
 * focus, and then the banner waits for the first Ctrl-A c, as in QEMU. */
static gboolean hmp_monitor_greet_idle(gpointer opaque)
{
    HmpMonitor *m = opaque;
    m->greet_pending = false;
    if (m->open && m->focused) {
        hmp_session_open(m->session, !m->greeted);
        m->greeted = true;
    }
    return G_SOURCE_REMOVE;
}

static void hmp_monitor_greet(HmpMonitor *m)
{
    if (m->greet_pending) {
        return;
    }
    m->greet_pending = true;
    GSource *src = g_idle_source_new();
    g_source_set_callback(src, hmp_monitor_greet_idle, m, NULL);
    g_source_attach(src, main_loop_context());
    g_source_unref(src);
}

static void hmp_monitor_event(void *opaque, ChardevEvent ev)
{
    HmpMonitor *m = opaque;
    switch (ev) {
    case CHR_EVENT_OPENED:
        m->open = true;
        m->greeted = false;
        readline_reset_line(&m->session->rl);
        hmp_monitor_greet(m);
        break;
    case CHR_EVENT_CLOSED:
        m->open = false;
        readline_reset_line(&m->session->rl);
        break;
    case CHR_EVENT_MUX_IN:
        m->focused = true;
        hmp_monitor_greet(m);
        break;
    case CHR_EVENT_MUX_OUT:
        m->focused = false;
        break;
    case CHR_EVENT_BREAK:
        break;
    }
}

static const ChardevHandlers hmp_monitor_handlers = {
    .can_read = hmp_monitor_can_read,
    .read = hmp_monitor_read,
    .event = hmp_monitor_event,
};

bool monitor_init_hmp(Chardev *chr, GError **errp)
{
    HmpMonitor *m = g_new0(HmpMonitor, 1);
    m->chr = chr;
    m->focused = true;
    m->session = hmp_session_new(hmp_monitor_write, m);
    devlock_lock();
    bool ok = object_dynamic_cast(OBJECT(chr), TYPE_CHARDEV_MUX)
                  ? mux_add_frontend(chr, &hmp_monitor_handlers, m, errp)
                  : chardev_set_handlers(chr, &hmp_monitor_handlers, m, errp);
    devlock_unlock();
    if (!ok) {
        hmp_session_free(m->session);
        g_free(m);
    }
    return ok;
}
