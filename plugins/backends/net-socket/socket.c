/* SPDX-License-Identifier: MIT */
/*
 * -netdev socket (the older form QEMU keeps beside stream and dgram):
 *   -netdev socket,id=ID,listen=[HOST]:PORT    frames over TCP, as a server
 *   -netdev socket,id=ID,connect=HOST:PORT     ... as a client
 *   -netdev socket,id=ID,mcast=MADDR:PORT[,localaddr=ADDR]   multicast group
 * TCP frames carry a 4-byte big-endian length (wire-compatible with
 * -netdev stream and with QEMU); multicast carries one frame per datagram.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "kernel/module.h"
#include "kernel/runstate.h"
#include "net/net.h"

typedef struct SocketState {
    NetClientState nc;
    NetStreamConn conn;
    NetDgramConn dgram;
    int listen_fd;
    GSource *listen_src;
    char *where;
} SocketState;

static const char *const socket_options[] = { "listen", "connect", "mcast", "localaddr", NULL };

static gboolean socket_accept(gint fd, GIOCondition cond, gpointer opaque);

static void socket_listen_watch(SocketState *s)
{
    if (s->listen_fd >= 0 && !s->listen_src) {
        s->listen_src = g_unix_fd_source_new(s->listen_fd, G_IO_IN);
        g_source_set_callback(s->listen_src, G_SOURCE_FUNC(socket_accept), s, NULL);
        g_source_attach(s->listen_src, main_loop_context());
    }
}

static void socket_closed(NetClientState *nc)
{
    SocketState *s = (SocketState *)nc;
    net_client_set_info_str(nc, "socket: %s%s", s->listen_fd >= 0 ? "wait from " : "lost ",
                            s->where);
    socket_listen_watch(s);
}

static gboolean socket_accept(gint fd, GIOCondition cond, gpointer opaque)
{
    SocketState *s = opaque;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd < 0) {
        return G_SOURCE_CONTINUE;
    }
    GSource *self = s->listen_src;
    s->listen_src = NULL;
    g_source_unref(self);
    net_stream_conn_start(&s->conn, &s->nc, cfd, socket_closed);
    net_client_set_info_str(&s->nc, "socket: connection from %s", s->where);
    return G_SOURCE_REMOVE;
}

static ssize_t socket_receive(NetClientState *nc, const struct iovec *iov, int iovcnt)
{
    SocketState *s = (SocketState *)nc;
    if (s->dgram.fd >= 0) {
        return net_dgram_conn_receive(&s->dgram, iov, iovcnt);
    }
    return net_stream_conn_receive(&s->conn, iov, iovcnt);
}

static void socket_cleanup(NetClientState *nc)
{
    SocketState *s = (SocketState *)nc;
    net_stream_conn_stop(&s->conn);
    net_dgram_conn_stop(&s->dgram);
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

static const NetClientInfo socket_info = {
    .kind = "socket",
    .receive = socket_receive,
    .cleanup = socket_cleanup,
};

static int mcast_open(const char *host, const char *port, const char *localaddr,
                      struct sockaddr_in *dest, GError **errp)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    char *end = NULL;
    guint64 p = g_ascii_strtoull(port, &end, 10);
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1 || !IN_MULTICAST(ntohl(a.sin_addr.s_addr)) ||
        *end || p == 0 || p > 65535) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "mcast=%s:%s is not a multicast address (224.0.0.0/4) and port", host, port);
        return -1;
    }
    a.sin_port = htons(p);
    struct ip_mreq mreq = { .imr_multiaddr = a.sin_addr };
    if (localaddr && inet_pton(AF_INET, localaddr, &mreq.imr_interface) != 1) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "invalid localaddr '%s'", localaddr);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in bind_a = { .sin_family = AF_INET, .sin_port = a.sin_port };
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&bind_a, sizeof(bind_a)) ||
        setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq))) {
        g_set_error(errp, NET_ERROR, NET_ERROR_HOST, "cannot join %s:%s: %s", host, port,
                    g_strerror(errno));
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &one, sizeof(one));
    if (localaddr) {
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq.imr_interface,
                   sizeof(mreq.imr_interface));
    }
    *dest = a;
    return fd;
}

static NetClientState *socket_init(OptDict *opts, const char *name, NetClientState *peer,
                                   GError **errp)
{
    const char *listen_ = opt_dict_get(opts, "listen");
    const char *connect_ = opt_dict_get(opts, "connect");
    const char *mcast = opt_dict_get(opts, "mcast");
    const char *localaddr = opt_dict_get(opts, "localaddr");
    int given = !!listen_ + !!connect_ + !!mcast;
    if (given != 1) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "exactly one of listen=, connect= and mcast= is needed");
        return NULL;
    }
    if (localaddr && !mcast) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "localaddr= goes with mcast= only");
        return NULL;
    }
    const char *text = listen_ ? listen_ : connect_ ? connect_ : mcast;
    g_autofree char *host = NULL, *port = NULL;
    if (!net_parse_host_port(text, &host, &port, errp)) {
        return NULL;
    }
    struct sockaddr_in dest;
    int fd = listen_ ? net_inet_listen(host, port, errp)
           : connect_ ? net_inet_connect(host, port, errp)
           : mcast_open(host, port, localaddr, &dest, errp);
    if (fd < 0) {
        return NULL;
    }
    SocketState *s = (SocketState *)net_client_new(&socket_info, sizeof(SocketState), peer,
                                                   "socket", name, errp);
    if (!s) {
        close(fd);
        return NULL;
    }
    s->conn.fd = -1;
    s->dgram.fd = -1;
    s->listen_fd = -1;
    s->where = g_strdup(text);
    if (listen_) {
        s->listen_fd = fd;
        net_client_set_info_str(&s->nc, "socket: wait from %s", text);
        socket_listen_watch(s);
    } else if (connect_) {
        net_stream_conn_start(&s->conn, &s->nc, fd, socket_closed);
        net_client_set_info_str(&s->nc, "socket: connect to %s", text);
    } else {
        memcpy(&s->dgram.dest, &dest, sizeof(dest));
        s->dgram.dest_len = sizeof(dest);
        net_dgram_conn_start(&s->dgram, &s->nc, fd);
        net_client_set_info_str(&s->nc, "socket: mcast=%s", text);
    }
    return &s->nc;
}

static void socket_class_init(ObjectClass *klass, const void *data)
{
    NetdevClass *nc = NETDEV_CLASS(klass);
    nc->options = socket_options;
    nc->init = socket_init;
}

static const TypeInfo socket_type = {
    .name = TYPE_NETDEV_PREFIX "socket",
    .parent = TYPE_NETDEV,
    .category = "netdev",
    .description = "frames over TCP (listen/connect) or a multicast group",
    .instance_size = sizeof(Object),
    .class_size = sizeof(NetdevClass),
    .class_init = socket_class_init,
};

TESSERA_MODULE(.name = "net-socket", .kind = "backend", .types = TESSERA_TYPES(&socket_type));
