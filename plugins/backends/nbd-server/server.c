/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
/*
 * The NBD server module: nbd-server-start/-stop, block-export-add/-del
 * (and the legacy nbd-server-add/-remove), query-block-exports.
 *
 * The server listens on an inet or unix socket in the main loop; each
 * client's socket is non-blocking and watched for input only while its
 * connection can take more (bounded requests in flight and output queued),
 * and for output only while replies wait, so a slow or stuck client costs
 * nothing and never stalls the main loop.  An export is an anonymous block
 * backend on the node, taking consistent-read (and write, if writable).
 * The server's state hangs off the block graph ("nbd-server").
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "kernel/log.h"
#include "kernel/module.h"
#include "kernel/runstate.h"
#include "monitor/monitor-internal.h"
#include "nbd-server.h"

#define SERVER_KEY "nbd-server"

typedef struct SockConn {
    NbdConn *conn;
    int fd;
    GSource *rd, *wr;
    size_t out_off;
    bool eof;                 /* input over: close once output is sent */
} SockConn;

static void sock_update(NbdConn *c);

/* ---- client sockets ----------------------------------------------------- */

static void drop_source(GSource **src)
{
    if (*src) {
        g_source_destroy(*src);
        g_source_unref(*src);
        *src = NULL;
    }
}

static void conn_forget(NbdServer *srv, NbdConn *c)
{
    g_ptr_array_remove(srv->conns, c);
    g_free(c->io_opaque);
    nbd_conn_free(c);
}

/* Stop talking to the client; the connection goes once its requests did. */
static void sock_close(NbdConn *c)
{
    SockConn *sc = c->io_opaque;
    drop_source(&sc->rd);
    drop_source(&sc->wr);
    if (sc->fd >= 0) {
        close(sc->fd);
        sc->fd = -1;
    }
    nbd_conn_close(c);
    if (nbd_conn_finished(c)) {
        conn_forget(c->srv, c);
    }
}

static gboolean sock_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    NbdConn *c = opaque;
    SockConn *sc = c->io_opaque;
    uint8_t buf[256 * 1024];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        sock_close(c);           /* the client went (or the socket broke) */
        return G_SOURCE_REMOVE;
    }
    g_byte_array_append(c->in, buf, n);
    if (!nbd_conn_process(c)) {
        sc->eof = true;          /* send what is queued (an ABORT's ack), then close */
        nbd_conn_close(c);
    }
    sock_update(c);
    return G_SOURCE_CONTINUE;
}

static gboolean sock_writable(gint fd, GIOCondition cond, gpointer opaque)
{
    NbdConn *c = opaque;
    SockConn *sc = c->io_opaque;
    ssize_t n = write(fd, c->out->data + sc->out_off, c->out->len - sc->out_off);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    if (n < 0) {
        sock_close(c);
        return G_SOURCE_REMOVE;
    }
    sc->out_off += n;
    if (sc->out_off == c->out->len) {
        g_byte_array_set_size(c->out, 0);
        sc->out_off = 0;
    }
    /* Output drained: input held back may be parsed now. */
    if (!sc->eof && c->in->len && nbd_conn_can_process(c) && !nbd_conn_process(c)) {
        sc->eof = true;
        nbd_conn_close(c);
    }
    sock_update(c);
    return G_SOURCE_CONTINUE;
}

static GSource *watch(int fd, GIOCondition cond, GUnixFDSourceFunc fn, NbdConn *c)
{
    GSource *src = g_unix_fd_source_new(fd, cond);
    g_source_set_callback(src, G_SOURCE_FUNC(fn), c, NULL);
    g_source_attach(src, main_loop_context());
    return src;
}

/* Watch for what the connection can use now; close when it is over. */
static void sock_update(NbdConn *c)
{
    SockConn *sc = c->io_opaque;
    if (sc->fd < 0) {
        if (nbd_conn_finished(c)) {
            conn_forget(c->srv, c);
        }
        return;
    }
    bool pending = sc->out_off < c->out->len;
    if (sc->eof && !pending) {
        sock_close(c);
        return;
    }
    bool want_read = !sc->eof && nbd_conn_can_process(c);
    if (want_read && !sc->rd) {
        sc->rd = watch(sc->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, sock_readable, c);
    } else if (!want_read && sc->rd) {
        drop_source(&sc->rd);
    }
    if (pending && !sc->wr) {
        sc->wr = watch(sc->fd, G_IO_OUT | G_IO_ERR, sock_writable, c);
    } else if (!pending && sc->wr) {
        drop_source(&sc->wr);
    }
}

/* A request finished (or output was queued): parse held input, update. */
static void sock_kick(NbdConn *c)
{
    SockConn *sc = c->io_opaque;
    if (sc->fd >= 0 && !sc->eof && c->in->len && nbd_conn_can_process(c) &&
        !nbd_conn_process(c)) {
        sc->eof = true;
        nbd_conn_close(c);
    }
    sock_update(c);
}

static const NbdConnIO sock_io = { .kick = sock_kick };

static gboolean on_accept(gint fd, GIOCondition cond, gpointer opaque)
{
    NbdServer *srv = opaque;
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0) {
        return G_SOURCE_CONTINUE;
    }
    if (srv->max_connections && srv->conns->len >= (guint)srv->max_connections) {
        close(cfd);
        return G_SOURCE_CONTINUE;
    }
    SockConn *sc = g_new0(SockConn, 1);
    sc->fd = cfd;
    NbdConn *c = nbd_conn_new(srv, &sock_io, sc);
    sc->conn = c;
    g_ptr_array_add(srv->conns, c);
    sock_update(c);
    return G_SOURCE_CONTINUE;
}

/* ---- exports ------------------------------------------------------------- */

NbdExport *nbd_server_find_export(NbdServer *srv, const char *name)
{
    for (guint i = 0; i < srv->exports->len; i++) {
        NbdExport *exp = g_ptr_array_index(srv->exports, i);
        if (!exp->shutting_down && !strcmp(exp->name, name)) {
            return exp;
        }
    }
    return NULL;
}

static NbdExport *find_export_id(NbdServer *srv, const char *id)
{
    for (guint i = 0; i < srv->exports->len; i++) {
        NbdExport *exp = g_ptr_array_index(srv->exports, i);
        if (!strcmp(exp->id, id)) {
            return exp;
        }
    }
    return NULL;
}

static NbdExport *export_add(NbdServer *srv, const char *id, const char *node_name,
                             const char *name, const char *desc, bool writable,
                             bool writethrough, GError **errp)
{
    if (find_export_id(srv, id)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Block export id '%s' is already in use",
                    id);
        return NULL;
    }
    if (!name) {
        name = node_name;
    }
    if (strlen(name) > NBD_MAX_STRING || (desc && strlen(desc) > NBD_MAX_STRING)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                    "export name and description are limited to %d bytes", NBD_MAX_STRING);
        return NULL;
    }
    if (nbd_server_find_export(srv, name)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "NBD server already has export named "
                    "'%s'", name);
        return NULL;
    }
    BlockNode *bs = block_node_find(srv->graph, node_name);
    BlockBackend *drive = bs ? NULL : blk_by_name(srv->graph, node_name);
    if (drive) {
        bs = blk_node(drive);
    }
    if (!bs) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Cannot find device=%s nor "
                    "node-name=%s", node_name, node_name);
        return NULL;
    }
    if (writable && bs->read_only) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Cannot export node '%s' writable: it "
                    "is read-only", bs->node_name);
        return NULL;
    }
    BlockBackend *blk = blk_new(srv->graph, NULL, errp);
    if (!blk) {
        return NULL;
    }
    uint32_t perm = BLK_PERM_CONSISTENT_READ | (writable ? BLK_PERM_WRITE : 0);
    if (!blk_set_perm(blk, perm, BLK_PERM_ALL, errp) || !blk_insert_node(blk, bs, errp)) {
        blk_unref(blk);
        return NULL;
    }
    blk_set_error_actions(blk, BLOCK_ERROR_ACTION_REPORT, BLOCK_ERROR_ACTION_REPORT);
    blk_set_write_cache(blk, !writethrough);
    NbdExport *exp = g_new0(NbdExport, 1);
    exp->srv = srv;
    exp->id = g_strdup(id);
    exp->name = g_strdup(name);
    exp->description = g_strdup(desc);
    exp->blk = blk;
    exp->writable = writable;
    g_ptr_array_add(srv->exports, exp);
    return exp;
}

/* Disconnect every client of @exp (NULL: all clients). */
static void close_clients(NbdServer *srv, NbdExport *exp)
{
    g_autoptr(GPtrArray) victims = g_ptr_array_new();
    for (guint i = 0; i < srv->conns->len; i++) {
        NbdConn *c = g_ptr_array_index(srv->conns, i);
        if (!exp || c->exp == exp) {
            g_ptr_array_add(victims, c);
        }
    }
    for (guint i = 0; i < victims->len; i++) {
        NbdConn *c = g_ptr_array_index(victims, i);
        SockConn *sc = c->io_opaque;
        if (sc->fd >= 0) {
            sock_close(c);
        } else {
            nbd_conn_close(c);
        }
    }
}

static void export_free(NbdServer *srv, NbdExport *exp, bool event)
{
    g_ptr_array_remove(srv->exports, exp);
    blk_unref(exp->blk);  /* drains: requests of closed clients finish */
    if (event) {
        JsonObject *d = json_object_new();
        json_object_set_string_member(d, "id", exp->id);
        qmp_event_emit("BLOCK_EXPORT_DELETED", d);
    }
    g_free(exp->id);
    g_free(exp->name);
    g_free(exp->description);
    g_free(exp);
}

static bool export_del(NbdServer *srv, NbdExport *exp, const char *mode, GError **errp)
{
    bool hard;
    if (!strcmp(mode, "safe")) {
        hard = false;
    } else if (!strcmp(mode, "hard")) {
        hard = true;
    } else {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Parameter 'mode' does not accept value '%s'", mode);
        return false;
    }
    if (exp->clients && !hard) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "export '%s' still in use (%d "
                    "client%s); use mode 'hard' to disconnect them", exp->id, exp->clients,
                    exp->clients == 1 ? "" : "s");
        return false;
    }
    exp->shutting_down = true;
    close_clients(srv, exp);
    export_free(srv, exp, true);
    return true;
}

/* ---- the server ------------------------------------------------------------ */

static void server_free(gpointer data)
{
    NbdServer *srv = data;
    close_clients(srv, NULL);
    while (srv->exports->len) {
        export_free(srv, g_ptr_array_index(srv->exports, 0), true);
    }
    block_graph_drain(srv->graph);
    while (srv->conns->len) {
        /* Closed and drained: nothing refers to them any more. */
        conn_forget(srv, g_ptr_array_index(srv->conns, 0));
    }
    drop_source(&srv->listen_src);
    if (srv->listen_fd >= 0) {
        close(srv->listen_fd);
    }
    if (srv->unix_path) {
        unlink(srv->unix_path);
        g_free(srv->unix_path);
    }
    g_ptr_array_unref(srv->exports);
    g_ptr_array_unref(srv->conns);
    g_free(srv);
}

/* The address members, QEMU's flat SocketAddress or legacy {type, data}. */
static JsonObject *addr_members(JsonObject *addr)
{
    JsonNode *d = json_object_get_member(addr, "data");
    return d && JSON_NODE_HOLDS_OBJECT(d) ? json_node_get_object(d) : addr;
}

static const char *member_str(JsonObject *o, const char *name, char *buf, size_t len)
{
    JsonNode *n = json_object_get_member(o, name);
    if (!n || !JSON_NODE_HOLDS_VALUE(n)) {
        return NULL;
    }
    if (json_node_get_value_type(n) == G_TYPE_STRING) {
        return json_node_get_string(n);
    }
    if (json_node_get_value_type(n) == G_TYPE_INT64) {
        g_snprintf(buf, len, "%" G_GINT64_FORMAT, json_node_get_int(n));
        return buf;
    }
    return NULL;
}

static bool check_members(JsonObject *o, const char *const *known, GError **errp)
{
    g_autoptr(GList) names = json_object_get_members(o);
    for (GList *l = names; l; l = l->next) {
        if (!g_strv_contains(known, l->data)) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                        "Parameter 'addr.%s' is unexpected", (const char *)l->data);
            return false;
        }
    }
    return true;
}

static int listen_inet(const char *host, const char *port, GError **errp)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE };
    struct addrinfo *res;
    int r = getaddrinfo(host && *host ? host : NULL, port, &hints, &res);
    if (r) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "address resolution failed for %s:%s: "
                    "%s", host ? host : "", port, gai_strerror(r));
        return -1;
    }
    int err = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 16) == 0) {
            freeaddrinfo(res);
            return fd;
        }
        err = errno;
        close(fd);
    }
    freeaddrinfo(res);
    g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Failed to listen on %s:%s: %s",
                host ? host : "", port, g_strerror(err));
    return -1;
}

static int listen_unix(const char *path, GError **errp)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(a.sun_path)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "UNIX socket path '%s' is too long",
                    path);
        return -1;
    }
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
        }
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Failed to bind socket to %s: %s",
                    path, g_strerror(e));
        return -1;
    }
    return fd;
}

static JsonNode *server_start(BlockGraph *g, JsonObject *args, GError **errp)
{
    if (block_graph_get_data(g, SERVER_KEY)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "NBD server already running");
        return NULL;
    }
    if (qmp_arg_has(args, "tls-creds") || qmp_arg_has(args, "tls-authz")) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                    "TLS is not supported by Tessera's NBD server");
        return NULL;
    }
    int64_t maxc = qmp_arg_int(args, "max-connections", 0);
    if (maxc < 0 || maxc > UINT32_MAX) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Parameter 'max-connections' is out of "
                    "range");
        return NULL;
    }
    JsonNode *an = json_object_get_member(args, "addr");
    if (!an || !JSON_NODE_HOLDS_OBJECT(an)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Parameter 'addr' expects an object");
        return NULL;
    }
    JsonObject *addr = json_node_get_object(an);
    const char *type = qmp_arg_str(addr, "type", NULL);
    JsonObject *m = addr_members(addr);
    char pbuf[32];
    int fd;
    char *unix_path = NULL;
    if (!type) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Parameter 'addr.type' is missing");
        return NULL;
    } else if (!strcmp(type, "inet")) {
        static const char *const known[] = { "type", "data", "host", "port", "numeric",
                                             "ipv4", "ipv6", NULL };
        if (!check_members(addr, known, errp) || (m != addr && !check_members(m, known, errp))) {
            return NULL;
        }
        const char *host = member_str(m, "host", pbuf, sizeof(pbuf));
        const char *port = member_str(m, "port", pbuf, sizeof(pbuf));
        if (!host || !port) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                        "addr of type inet needs 'host' and 'port'");
            return NULL;
        }
        g_autofree char *h = g_strdup(host);
        fd = listen_inet(h, port, errp);
    } else if (!strcmp(type, "unix")) {
        static const char *const known[] = { "type", "data", "path", NULL };
        if (!check_members(addr, known, errp) || (m != addr && !check_members(m, known, errp))) {
            return NULL;
        }
        const char *path = qmp_arg_str(m, "path", NULL);
        if (!path || !*path) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "addr of type unix needs 'path'");
            return NULL;
        }
        fd = listen_unix(path, errp);
        unix_path = g_strdup(path);
    } else {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                    "addr type '%s' is not supported (inet or unix)", type);
        return NULL;
    }
    if (fd < 0) {
        g_free(unix_path);
        return NULL;
    }
    NbdServer *srv = g_new0(NbdServer, 1);
    srv->graph = g;
    srv->listen_fd = fd;
    srv->unix_path = unix_path;
    srv->max_connections = maxc;
    srv->exports = g_ptr_array_new();
    srv->conns = g_ptr_array_new();
    srv->listen_src = g_unix_fd_source_new(fd, G_IO_IN);
    g_source_set_callback(srv->listen_src, G_SOURCE_FUNC(on_accept), srv, NULL);
    g_source_attach(srv->listen_src, main_loop_context());
    block_graph_set_data(g, SERVER_KEY, srv, server_free);
    return qmp_empty_return();
}

static NbdServer *running(BlockGraph *g, GError **errp)
{
    NbdServer *srv = block_graph_get_data(g, SERVER_KEY);
    if (!srv) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "NBD server not running");
    }
    return srv;
}

static JsonNode *export_add_cmd(BlockGraph *g, JsonObject *args, bool legacy, GError **errp)
{
    NbdServer *srv = running(g, errp);
    if (!srv) {
        return NULL;
    }
    const char *node, *id, *name;
    if (legacy) {
        node = qmp_arg_str(args, "device", "");
        name = qmp_arg_str(args, "name", node);
        id = name;
    } else {
        const char *type = qmp_arg_str(args, "type", "");
        if (strcmp(type, "nbd")) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                        "Export type '%s' is not supported (nbd)", type);
            return NULL;
        }
        node = qmp_arg_str(args, "node-name", "");
        id = qmp_arg_str(args, "id", "");
        name = qmp_arg_str(args, "name", NULL);
    }
    return export_add(srv, id, node, name, qmp_arg_str(args, "description", NULL),
                      qmp_arg_bool(args, "writable", false),
                      qmp_arg_bool(args, "writethrough", false), errp)
           ? qmp_empty_return() : NULL;
}

static JsonNode *export_del_cmd(BlockGraph *g, JsonObject *args, bool legacy, GError **errp)
{
    NbdServer *srv = running(g, errp);
    if (!srv) {
        return NULL;
    }
    const char *id = qmp_arg_str(args, legacy ? "name" : "id", "");
    NbdExport *exp = find_export_id(srv, id);
    if (!exp) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Export '%s' is not found", id);
        return NULL;
    }
    return export_del(srv, exp, qmp_arg_str(args, "mode", "safe"), errp)
           ? qmp_empty_return() : NULL;
}

static JsonNode *query_exports(BlockGraph *g)
{
    JsonArray *a = json_array_new();
    NbdServer *srv = block_graph_get_data(g, SERVER_KEY);
    for (guint i = 0; srv && i < srv->exports->len; i++) {
        NbdExport *exp = g_ptr_array_index(srv->exports, i);
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "id", exp->id);
        json_object_set_string_member(o, "type", "nbd");
        json_object_set_string_member(o, "node-name", blk_node(exp->blk)->node_name);
        json_object_set_boolean_member(o, "shutting-down", exp->shutting_down);
        json_array_add_object_element(a, o);
    }
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, a);
    return n;
}

static JsonNode *dispatch(BlockGraph *g, const char *command, JsonObject *args, GError **errp)
{
    if (!strcmp(command, "nbd-server-start")) {
        return server_start(g, args, errp);
    } else if (!strcmp(command, "nbd-server-stop")) {
        if (!running(g, errp)) {
            return NULL;
        }
        block_graph_set_data(g, SERVER_KEY, NULL, NULL); /* frees the server */
        return qmp_empty_return();
    } else if (!strcmp(command, "block-export-add")) {
        return export_add_cmd(g, args, false, errp);
    } else if (!strcmp(command, "nbd-server-add")) {
        return export_add_cmd(g, args, true, errp);
    } else if (!strcmp(command, "block-export-del")) {
        return export_del_cmd(g, args, false, errp);
    } else if (!strcmp(command, "nbd-server-remove")) {
        return export_del_cmd(g, args, true, errp);
    } else if (!strcmp(command, "query-block-exports")) {
        return query_exports(g);
    }
    g_set_error(errp, QMP_ERROR, QMP_ERROR_COMMAND_NOT_FOUND, "The command %s has not been "
                "found", command);
    return NULL;
}

static const char *const nbd_commands[] = {
    "nbd-server-start", "nbd-server-stop", "nbd-server-add", "nbd-server-remove",
    "block-export-add", "block-export-del", "query-block-exports", NULL,
};

static const BlockQmpExtension nbd_qmp = { .commands = nbd_commands, .dispatch = dispatch };

static void nbd_server_module_init(void)
{
    block_qmp_register(block_graph_default(), &nbd_qmp);
}

TESSERA_MODULE(.name = "nbd-server", .kind = "backend", .types = TESSERA_NO_TYPES,
               .init = nbd_server_module_init);
