/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* accept4 */
/*
 * -netdev stream (QEMU 7.2's form): frames over a stream socket, each
 * with a 4-byte big-endian length, so two emulators (Tessera or QEMU) can
 * be linked.
 *   -netdev stream,id=ID,server=on|off,addr.type=inet,addr.host=H,addr.port=P
 *        [,addr.ipv4=on|off][,addr.ipv6=on|off]
 *   -netdev stream,id=ID,server=on|off,addr.type=unix,addr.path=PATH[,addr.abstract=on]
 * A server accepts one client at a time and listens again when it leaves.
 * A client connects when created (an error if nothing listens).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "kernel/module.h"
#include "kernel/runstate.h"
#include "net/net.h"

typedef struct StreamState {
    NetClientState nc;
    NetStreamConn conn;
    int listen_fd;
    GSource *listen_src;
    char *where;                /* "127.0.0.1:5555" or "unix:/tmp/s" */
    bool server;
} StreamState;

static const char *const stream_options[] = {
    "server", "addr.type", "addr.host", "addr.port", "addr.path", "addr.abstract",
    "addr.ipv4", "addr.ipv6", NULL,
};

static gboolean stream_accept(gint fd, GIOCondition cond, gpointer opaque);

static void stream_listen_watch(StreamState *s)
{
    if (s->listen_fd >= 0 && !s->listen_src) {
        s->listen_src = g_unix_fd_source_new(s->listen_fd, G_IO_IN);
        g_source_set_callback(s->listen_src, G_SOURCE_FUNC(stream_accept), s, NULL);
        g_source_attach(s->listen_src, main_loop_context());
    }
}

static void stream_closed(NetClientState *nc)
{
    StreamState *s = (StreamState *)nc;
    net_client_set_info_str(nc, "%s%s", s->server ? "listening on " : "disconnected from ",
                            s->where);
    stream_listen_watch(s);
}

static gboolean stream_accept(gint fd, GIOCondition cond, gpointer opaque)
{
    StreamState *s = opaque;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd < 0) {
        return G_SOURCE_CONTINUE;
    }
    /* One client at a time: stop listening until it leaves. */
    GSource *self = s->listen_src;
    s->listen_src = NULL;
    g_source_unref(self);
    net_stream_conn_start(&s->conn, &s->nc, cfd, stream_closed);
    net_client_set_info_str(&s->nc, "connection from %s", s->where);
    return G_SOURCE_REMOVE;
}

static ssize_t stream_receive(NetClientState *nc, const struct iovec *iov, int iovcnt)
{
    return net_stream_conn_receive(&((StreamState *)nc)->conn, iov, iovcnt);
}

static void stream_cleanup(NetClientState *nc)
{
    StreamState *s = (StreamState *)nc;
    net_stream_conn_stop(&s->conn);
    g_free(s->conn.rbuf);
    if (s->conn.out) {
        g_byte_array_unref(s->conn.out);
    }
    if (s->listen_src) {
        g_source_destroy(s->listen_src);
        g_source_unref(s->listen_src);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    g_free(s->where);
}

static const NetClientInfo stream_info = {
    .kind = "stream",
    .receive = stream_receive,
    .cleanup = stream_cleanup,
};

static NetClientState *stream_init(OptDict *opts, const char *name, NetClientState *peer,
                                   GError **errp)
{
    bool server, abstract = false, v4, v6;
    if (!net_opt_bool(opts, "server", false, &server, errp) ||
        !net_opt_bool(opts, "addr.abstract", false, &abstract, errp) ||
        !net_opt_bool(opts, "addr.ipv4", true, &v4, errp) ||
        !net_opt_bool(opts, "addr.ipv6", true, &v6, errp)) {
        return NULL;
    }
    const char *type = opt_dict_get(opts, "addr.type");
    const char *host = opt_dict_get(opts, "addr.host");
    const char *port = opt_dict_get(opts, "addr.port");
    const char *path = opt_dict_get(opts, "addr.path");
    int fd;
    g_autofree char *where = NULL;
    if (!type) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "parameter 'addr.type' is missing");
        return NULL;
    }
    if (!strcmp(type, "inet")) {
        if (!host || !port || path || abstract) {
            g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "addr.type=inet needs addr.host and "
                        "addr.port (and no addr.path or addr.abstract)");
            return NULL;
        }
        if (!v4 && !v6) {
            g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                        "addr.ipv4=off and addr.ipv6=off leave no address family");
            return NULL;
        }
        fd = server ? net_inet_listen(host, port, errp) : net_inet_connect(host, port, errp);
        where = g_strdup_printf("%s:%s", host, port);
    } else if (!strcmp(type, "unix")) {
        if (!path || host || port) {
            g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                        "addr.type=unix needs addr.path (and no addr.host or addr.port)");
            return NULL;
        }
        fd = server ? net_unix_listen(path, abstract, errp) : net_unix_connect(path, abstract,
                                                                              errp);
        where = g_strdup_printf("unix:%s%s", abstract ? "@" : "", path);
    } else {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "addr.type '%s' is not supported (inet or unix)", type);
        return NULL;
    }
    if (fd < 0) {
        return NULL;
    }
    StreamState *s = (StreamState *)net_client_new(&stream_info, sizeof(StreamState), peer,
                                                   "stream", name, errp);
    if (!s) {
        close(fd);
        return NULL;
    }
    s->conn.fd = -1;
    s->listen_fd = -1;
    s->server = server;
    s->where = g_steal_pointer(&where);
    if (server) {
        s->listen_fd = fd;
        net_client_set_info_str(&s->nc, "listening on %s", s->where);
        stream_listen_watch(s);
    } else {
        net_stream_conn_start(&s->conn, &s->nc, fd, stream_closed);
        net_client_set_info_str(&s->nc, "connected to %s", s->where);
    }
    return &s->nc;
}

static void stream_class_init(ObjectClass *klass, const void *data)
{
    NetdevClass *nc = NETDEV_CLASS(klass);
    nc->options = stream_options;
    nc->init = stream_init;
}

static const TypeInfo stream_type = {
    .name = TYPE_NETDEV_PREFIX "stream",
    .parent = TYPE_NETDEV,
    .category = "netdev",
    .description = "frames over a stream socket (inet or unix), server or client",
    .instance_size = sizeof(Object),
    .class_size = sizeof(NetdevClass),
    .class_init = stream_class_init,
};

TESSERA_MODULE(.name = "net-stream", .kind = "backend", .types = TESSERA_TYPES(&stream_type));
