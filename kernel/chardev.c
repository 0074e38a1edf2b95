/* SPDX-License-Identifier: MIT */
/*
 * Character devices: the abstract TYPE_CHARDEV, creation from -chardev
 * options and from -serial/-monitor shorthands, the /chardevs container,
 * and the plumbing between frontends and backends.
 *
 * Locking: every entry point takes the (recursive) device lock, so a UART
 * writing from a vCPU thread and a backend's GSource in the main loop never
 * see each other half-way.  Frontend callbacks therefore always run with
 * the device lock held.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "kernel/chardev.h"
#include "kernel/hostfile.h"
#include "kernel/module.h"
#include "kernel/runstate.h"

/* Keys every backend accepts; handled here. */
static const char *const common_options[] = {
    "backend", "id", "logfile", "logappend", "mux", NULL,
};

G_DEFINE_QUARK(tessera-chardev-error-quark, chardev_error)

/* ---- object type -------------------------------------------------------- */

static void chardev_instance_init(Object *obj)
{
    Chardev *chr = CHARDEV(obj);

    chr->logfd = -1;
}

/* Release the host side once; the object itself may live on. */
static void chardev_close(Chardev *chr)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);

    devlock_lock();
    if (!chr->closed) {
        chr->closed = true;
        if (cc->close) {
            cc->close(chr);
        }
        if (chr->logfd >= 0) {
            close(chr->logfd);
            chr->logfd = -1;
        }
        chardev_set_msgfds(chr, NULL, 0);
    }
    devlock_unlock();
}

static void chardev_instance_finalize(Object *obj)
{
    Chardev *chr = CHARDEV(obj);

    chardev_close(chr);
    g_free(chr->label);
}

static GVariant *chardev_get_label(Object *obj, Property *prop)
{
    return prop_string_new(CHARDEV(obj)->label ? CHARDEV(obj)->label : "");
}

static GVariant *chardev_get_filename(Object *obj, Property *prop)
{
    g_autofree char *desc = chardev_describe(CHARDEV(obj));
    return prop_string_new(desc);
}

static GVariant *chardev_get_frontend_open(Object *obj, Property *prop)
{
    return g_variant_new_boolean(CHARDEV(obj)->fe_open);
}

static void chardev_class_init(ObjectClass *klass, const void *data)
{
    Property *p;

    p = object_class_property_add(klass, "label", PROP_KIND_STRING, chardev_get_label,
                                  NULL, NULL);
    property_set_description(p, "The chardev's id");
    p = object_class_property_add(klass, "filename", PROP_KIND_STRING,
                                  chardev_get_filename, NULL, NULL);
    property_set_description(p, "What the backend is connected to (as in info chardev)");
    p = object_class_property_add(klass, "connected", PROP_KIND_BOOL,
                                  chardev_get_frontend_open, NULL, NULL);
    property_set_description(p, "The backend is open (a client is connected)");
}

static const TypeInfo chardev_type_info = {
    .name = TYPE_CHARDEV,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .instance_size = sizeof(Chardev),
    .class_size = sizeof(ChardevClass),
    .class_init = chardev_class_init,
    .instance_init = chardev_instance_init,
    .instance_finalize = chardev_instance_finalize,
};

void chardev_types_init(void)
{
    if (!type_lookup(TYPE_CHARDEV)) {
        type_register_static(&chardev_type_info);
    }
    /* A socket or pipe peer going away must show up as EPIPE, not kill us. */
    signal(SIGPIPE, SIG_IGN);
}

/* ---- creation ----------------------------------------------------------- */

/* "-chardev" whether the parser recorded the option with or without dash. */
static char *option_label(const OptDict *opts)
{
    if (!opts->option || !*opts->option) {
        return g_strdup("-chardev");
    }
    return opts->option[0] == '-' ? g_strdup(opts->option)
                                  : g_strconcat("-", opts->option, NULL);
}

static bool key_in(const char *const *list, const char *key)
{
    for (; list && *list; list++) {
        if (!strcmp(*list, key)) {
            return true;
        }
    }
    return false;
}

static bool open_logfile(Chardev *chr, OptDict *opts, GError **errp)
{
    const char *path = opt_dict_get(opts, "logfile");
    bool append;

    if (!chardev_opt_bool(opts, "logappend", false, &append, errp)) {
        return false;
    }
    if (!path) {
        return true;
    }
    GError *err = NULL;
    chr->logfd = host_file_open_write(path, append ? O_APPEND : O_TRUNC, &err);
    if (chr->logfd < 0) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_HOST, "logfile: %s", err->message);
        g_error_free(err);
        return false;
    }
    return true;
}

static Chardev *chardev_create(OptDict *opts, const char *ctx, GError **errp);

/*
 * "mux=on": the backend @opts describe becomes "<id>-base" and the
 * monitor's multiplexer over it takes the id, so "-serial chardev:ID" and
 * "-monitor chardev:ID" share it as with mon:stdio.
 */
static Chardev *chardev_create_muxed(OptDict *opts, const char *id, GError **errp)
{
    g_autofree char *base_id = g_strconcat(id, "-base", NULL);

    /* The mux type is the monitor's: registered by monitor_types_init(). */
    if (!type_lookup(TYPE_CHARDEV_PREFIX "mux")) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "mux=on: no multiplexer (the monitor is not available)");
        return NULL;
    }
    OptDict *base_opts = opt_dict_new(opts->option);
    for (guint i = 0; i < opts->keys->len; i++) {
        const char *key = g_ptr_array_index(opts->keys, i);
        if (strcmp(key, "mux") && strcmp(key, "id")) {
            opt_dict_set(base_opts, key, opt_dict_get(opts, key));
        }
    }
    opt_dict_set(base_opts, "id", base_id);
    Chardev *base = chardev_create(base_opts, NULL, errp);
    opt_dict_free(base_opts);
    if (!base) {
        return NULL;
    }

    OptDict *mux_opts = opt_dict_new(opts->option);
    opt_dict_set(mux_opts, "backend", "mux");
    opt_dict_set(mux_opts, "id", id);
    opt_dict_set(mux_opts, "chardev", base_id);
    Chardev *chr = chardev_create(mux_opts, NULL, errp);
    opt_dict_free(mux_opts);
    if (!chr) {
        chardev_delete(base);
    }
    return chr;
}

/* Create, open and place one chardev; errors are prefixed with "@ctx: "
 * when @ctx is not NULL. */
static Chardev *chardev_create(OptDict *opts, const char *ctx, GError **errp)
{
    const char *backend = opt_dict_get(opts, "backend");
    const char *id = opt_dict_get(opts, "id");
    g_autofree char *typename = NULL;
    GError *err = NULL;
    Chardev *chr = NULL;
    bool mux;

    chardev_types_init();
    if (!backend || !*backend) {
        g_set_error(&err, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "a backend is required (e.g. 'stdio,id=ID')");
        goto fail;
    }
    if (!id || !*id) {
        g_set_error(&err, CHARDEV_ERROR, CHARDEV_ERROR_INVALID, "'id' is required");
        goto fail;
    }
    if (!object_id_check(id, &err)) {
        goto fail;
    }
    if (chardev_find(id)) {
        g_set_error(&err, CHARDEV_ERROR, CHARDEV_ERROR_EXISTS, "duplicate id '%s'", id);
        goto fail;
    }
    if (!chardev_opt_bool(opts, "mux", false, &mux, &err)) {
        goto fail;
    }
    if (mux) {
        chr = chardev_create_muxed(opts, id, &err);
        if (!chr) {
            goto fail;
        }
        return chr;
    }

    typename = g_strconcat(TYPE_CHARDEV_PREFIX, backend, NULL);
    TypeImpl *t = type_lookup_or_load(typename, &err);
    if (!t || !type_is_a(t, TYPE_CHARDEV) || type_is_abstract(t)) {
        GError *why = err;
        err = NULL;
        if (why && why->domain == MODULE_ERROR && why->code != MODULE_ERROR_NOT_FOUND) {
            g_set_error(&err, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                        "backend '%s' could not be loaded: %s", backend, why->message);
        } else {
            g_set_error(&err, CHARDEV_ERROR, CHARDEV_ERROR_INVALID, "unknown backend '%s'",
                        backend);
        }
        g_clear_error(&why);
        goto fail;
    }
    g_clear_error(&err);

    ChardevClass *cc = CHARDEV_CLASS(object_class_by_name(typename));
    for (guint i = 0; i < opts->keys->len; i++) {
        const char *key = g_ptr_array_index(opts->keys, i);
        if (!key_in(common_options, key) && !key_in(cc->options, key)) {
            g_set_error(&err, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                        "backend '%s' has no option '%s'", backend, key);
            goto fail;
        }
    }

    chr = CHARDEV(object_new_with_class(OBJECT_CLASS(cc)));
    chr->label = g_strdup(id);
    if (!open_logfile(chr, opts, &err) || (cc->open && !cc->open(chr, opts, &err)) ||
        !object_property_add_child(container_get(CHARDEV_CONTAINER), id, OBJECT(chr), &err)) {
        object_unref(OBJECT(chr));
        chr = NULL;
        goto fail;
    }
    object_unref(OBJECT(chr)); /* the container holds it now */
    return chr;

fail:
    if (ctx) {
        g_propagate_prefixed_error(errp, err, "%s: ", ctx);
    } else {
        g_propagate_error(errp, err);
    }
    return NULL;
}

Chardev *chardev_new_from_opts(OptDict *opts, GError **errp)
{
    g_autofree char *ctx = option_label(opts);
    return chardev_create(opts, ctx, errp);
}

/* ---- shorthands (-serial, -monitor, -qmp) -------------------------------- */

#define SHORTHAND_FORMS "stdio, mon:stdio, null, none, pty, file:PATH, pipe:PATH, " \
                        "tcp:HOST:PORT, unix:PATH or chardev:ID"

/*
 * Append ",key=val,flag" options (as after tcp:HOST:PORT) to @opts.  The
 * old bare flags "server", "nowait" and "nodelay" are accepted as QEMU does.
 */
static bool parse_suboptions(OptDict *opts, const char *text, GError **errp)
{
    g_auto(GStrv) items = g_strsplit(text, ",", -1);

    for (char **it = items; *it; it++) {
        char *eq = strchr(*it, '=');
        if (eq) {
            *eq = '\0';
            if (!**it) {
                g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                            "option name missing before '=%s'", eq + 1);
                return false;
            }
            opt_dict_set(opts, *it, eq + 1);
        } else if (!strcmp(*it, "server") || !strcmp(*it, "nodelay")) {
            opt_dict_set(opts, *it, "on");
        } else if (!strcmp(*it, "nowait")) {
            opt_dict_set(opts, "wait", "off");
        } else if (**it) {
            g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                        "option '%s' needs a value ('%s=on')", *it, *it);
            return false;
        }
    }
    return true;
}

/* "HOST:PORT[,opts]" with HOST possibly empty or "[v6addr]". */
static bool parse_inet(OptDict *opts, const char *rest, GError **errp)
{
    const char *comma = strchr(rest, ',');
    g_autofree char *addr = comma ? g_strndup(rest, comma - rest) : g_strdup(rest);
    char *colon = strrchr(addr, ':');
    char *host = addr;

    if (!colon) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "expected HOST:PORT after 'tcp:'");
        return false;
    }
    *colon = '\0';
    const char *port = colon + 1;
    if (host[0] == '[') {
        size_t n = strlen(host);
        if (n < 2 || host[n - 1] != ']') {
            g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                        "unterminated '[' in host '%s'", host);
            return false;
        }
        host[n - 1] = '\0';
        host++;
    }
    guint64 num;
    if (!g_ascii_isdigit(*port) || !g_ascii_string_to_unsigned(port, 10, 0, G_MAXUINT16, &num,
                                                                 NULL)) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "invalid port '%s' (expected 0 to 65535)", port);
        return false;
    }
    opt_dict_set(opts, "host", host);
    opt_dict_set(opts, "port", port);
    return !comma || parse_suboptions(opts, comma + 1, errp);
}

/* "PATH[,opts]" for unix sockets. */
static bool parse_unix(OptDict *opts, const char *rest, GError **errp)
{
    const char *comma = strchr(rest, ',');
    g_autofree char *path = comma ? g_strndup(rest, comma - rest) : g_strdup(rest);

    if (!*path) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "a socket path is required after 'unix:'");
        return false;
    }
    opt_dict_set(opts, "path", path);
    return !comma || parse_suboptions(opts, comma + 1, errp);
}

/* "file:PATH" and "pipe:PATH" take the rest verbatim, commas included. */
static bool parse_path(OptDict *opts, const char *prefix, const char *rest, GError **errp)
{
    if (!*rest) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "a path is required after '%s:'", prefix);
        return false;
    }
    opt_dict_set(opts, "path", rest);
    return true;
}

Chardev *chardev_new_from_shorthand(const char *id, const char *text, GError **errp)
{
    const char *colon = strchr(text, ':');
    g_autofree char *prefix = colon ? g_strndup(text, colon - text) : g_strdup(text);
    const char *rest = colon ? colon + 1 : "";
    bool ok = true;

    if (!strcmp(text, "none")) {
        return NULL;
    }
    if (!strcmp(prefix, "chardev")) {
        Chardev *chr = chardev_find(rest);
        if (!chr) {
            g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_NOT_FOUND,
                        "no chardev with id '%s'", rest);
        }
        return chr;
    }
    if (!strcmp(prefix, "mon")) {
        /* TODO(lead): return the monitor's mux over the inner chardev. */
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "mon: multiplexer not available yet");
        return NULL;
    }

    OptDict *opts = opt_dict_new(text);
    opt_dict_set(opts, "id", id);
    if (!colon && (!strcmp(text, "stdio") || !strcmp(text, "null") || !strcmp(text, "pty"))) {
        opt_dict_set(opts, "backend", text);
    } else if (!strcmp(prefix, "file") || !strcmp(prefix, "pipe")) {
        opt_dict_set(opts, "backend", prefix);
        ok = parse_path(opts, prefix, rest, errp);
    } else if (!strcmp(prefix, "tcp")) {
        opt_dict_set(opts, "backend", "socket");
        ok = parse_inet(opts, rest, errp);
    } else if (!strcmp(prefix, "unix")) {
        opt_dict_set(opts, "backend", "socket");
        ok = parse_unix(opts, rest, errp);
    } else if (!strcmp(prefix, "telnet") || !strcmp(prefix, "udp")) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "'%s:' is not supported (use tcp:HOST:PORT)", prefix);
        ok = false;
    } else {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "unknown character device (expected " SHORTHAND_FORMS ")");
        ok = false;
    }
    Chardev *chr = ok ? chardev_create(opts, NULL, errp) : NULL;
    opt_dict_free(opts);
    return chr;
}

/* ---- lookup ------------------------------------------------------------- */

Chardev *chardev_find(const char *id)
{
    Object *obj = object_resolve_child(container_get(CHARDEV_CONTAINER), id);
    return obj && object_dynamic_cast(obj, TYPE_CHARDEV) ? CHARDEV(obj) : NULL;
}

GPtrArray *chardev_list(void)
{
    GPtrArray *children = object_get_children(container_get(CHARDEV_CONTAINER));
    GPtrArray *out = g_ptr_array_new();

    for (guint i = 0; i < children->len; i++) {
        Object *obj = g_ptr_array_index(children, i);
        if (object_dynamic_cast(obj, TYPE_CHARDEV)) {
            g_ptr_array_add(out, obj);
        }
    }
    g_ptr_array_unref(children);
    return out;
}

char *chardev_describe(Chardev *chr)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);
    return cc->describe ? cc->describe(chr) : g_strdup(cc->backend ? cc->backend : "");
}

void chardev_delete(Chardev *chr)
{
    devlock_lock();
    chardev_clear_handlers(chr);
    devlock_unlock();
    object_unparent(OBJECT(chr));
}

void chardev_close_all(void)
{
    g_autoptr(GPtrArray) all = chardev_list();

    for (guint i = 0; i < all->len; i++) {
        chardev_close(g_ptr_array_index(all, i));
    }
}

/* ---- frontend side ------------------------------------------------------ */

bool chardev_set_handlers(Chardev *chr, const ChardevHandlers *fe, void *opaque, GError **errp)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);
    bool ok = true;

    devlock_lock();
    if (chr->fe) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_IN_USE,
                    "chardev '%s' is already in use by another device", chr->label);
        ok = false;
    } else {
        chr->fe = fe;
        chr->fe_opaque = opaque;
        if (cc->fe_changed) {
            cc->fe_changed(chr);
        }
        if (chr->fe_open && fe->event) {
            fe->event(opaque, CHR_EVENT_OPENED);
        }
        chardev_accept_input(chr);
    }
    devlock_unlock();
    return ok;
}

void chardev_clear_handlers(Chardev *chr)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);

    devlock_lock();
    if (chr->fe) {
        chr->fe = NULL;
        chr->fe_opaque = NULL;
        if (cc->fe_changed) {
            cc->fe_changed(chr);
        }
    }
    devlock_unlock();
}

int chardev_write(Chardev *chr, const uint8_t *buf, int len)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);
    int n;

    g_assert(len >= 0);
    devlock_lock();
    if (chr->closed) {
        devlock_unlock();
        return len; /* shutting down: dropped */
    }
    n = cc->write ? cc->write(chr, buf, len) : len;
    if (n > 0 && chr->logfd >= 0) {
        /* The log is a regular file: a short blocking write is acceptable. */
        ssize_t off = 0;
        while (off < n) {
            ssize_t w = write(chr->logfd, buf + off, n - off);
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w <= 0) {
                break;
            }
            off += w;
        }
    }
    devlock_unlock();
    return n;
}

void chardev_set_keep_output(Chardev *chr, bool on)
{
    devlock_lock();
    chr->keep_output = on;
    devlock_unlock();
}

size_t chardev_output_pending(Chardev *chr)
{
    devlock_lock();
    size_t n = chr->stream && chr->stream->pending ? chr->stream->pending->len : 0;
    devlock_unlock();
    return n;
}

size_t chardev_write_room(Chardev *chr)
{
    devlock_lock();
    size_t room = SIZE_MAX;
    ChardevStream *st = chr->stream;
    if (st && st->pending && !chr->closed) {
        room = st->pending->len < st->pending_max ? st->pending_max - st->pending->len : 0;
    }
    devlock_unlock();
    return room;
}

void chardev_accept_input(Chardev *chr)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);

    devlock_lock();
    if (cc->accept_input && !chr->closed) {
        cc->accept_input(chr);
    }
    devlock_unlock();
}

/* ---- backend side ------------------------------------------------------- */

int chardev_be_can_read(Chardev *chr)
{
    int n = 0;

    devlock_lock();
    if (chr->fe && chr->fe->can_read && chr->fe->read) {
        n = chr->fe->can_read(chr->fe_opaque);
    }
    devlock_unlock();
    return n > 0 ? n : 0;
}

void chardev_be_read(Chardev *chr, const uint8_t *buf, int len)
{
    devlock_lock();
    if (chr->fe && chr->fe->read && len > 0) {
        chr->fe->read(chr->fe_opaque, buf, len);
    }
    devlock_unlock();
}

void chardev_be_event(Chardev *chr, ChardevEvent ev)
{
    devlock_lock();
    if (ev == CHR_EVENT_OPENED) {
        chr->fe_open = true;
    } else if (ev == CHR_EVENT_CLOSED) {
        chr->fe_open = false;
    }
    if (chr->fe && chr->fe->event) {
        chr->fe->event(chr->fe_opaque, ev);
    }
    devlock_unlock();
}
