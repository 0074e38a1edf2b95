/* SPDX-License-Identifier: MIT */
/*
 * Host I/O for the socket-based backends (stream, dgram, socket): framed
 * stream connections and datagram sockets driven from the main loop, with
 * back-pressure both ways (net/net.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "kernel/log.h"
#include "kernel/runstate.h"
#include "net-internal.h"

#define FRAME_HDR 4
#define RBUF_SIZE (FRAME_HDR + NET_MAX_FRAME)

static void drop_source(GSource **src)
{
    if (*src) {
        g_source_destroy(*src);
        g_source_unref(*src);
        *src = NULL;
    }
}

static GSource *watch(int fd, GIOCondition cond, GUnixFDSourceFunc fn, void *opaque)
{
    GSource *src = g_unix_fd_source_new(fd, cond);
    g_source_set_callback(src, G_SOURCE_FUNC(fn), opaque, NULL);
    g_source_attach(src, main_loop_context());
    return src;
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) {
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    }
}

/* ---- framed streams ------------------------------------------------------ */

static gboolean stream_readable(gint fd, GIOCondition cond, gpointer opaque);

static void stream_hangup(NetStreamConn *c)
{
    NetClientState *nc = c->nc;
    void (*closed)(NetClientState *) = c->closed;
    net_stream_conn_stop(c);
    if (closed) {
        closed(nc);
    }
}

/* Hand complete frames in the buffer to the peer; false when paused. */
static bool stream_parse(NetStreamConn *c);

static void stream_sent(NetClientState *nc, ssize_t len)
{
    NetStreamConn *c = nc->io;
    if (!c || c->fd < 0) {
        return;
    }
    c->paused = false;
    if (stream_parse(c) && !c->in_src && c->fd >= 0) {
        c->in_src = watch(c->fd, G_IO_IN, stream_readable, c);
    }
}

static bool stream_parse(NetStreamConn *c)
{
    size_t off = 0;
    bool ok = true;
    while (c->rlen - off >= FRAME_HDR) {
        const uint8_t *h = c->rbuf + off;
        uint32_t len = (uint32_t)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];
        if (len > NET_MAX_FRAME) {
            warn_report("netdev %s: peer sent a frame of %u bytes (at most %d); closing",
                        c->nc->name, len, NET_MAX_FRAME);
            stream_hangup(c);
            return false;
        }
        if (c->rlen - off < FRAME_HDR + len) {
            break;
        }
        off += FRAME_HDR + len;
        if (net_send(c->nc, h + FRAME_HDR, len, stream_sent) == 0) {
            c->paused = true;
            ok = false;
            break;
        }
    }
    memmove(c->rbuf, c->rbuf + off, c->rlen - off);
    c->rlen -= off;
    return ok;
}

static gboolean stream_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    NetStreamConn *c = opaque;
    /* A few reads per wake-up (bounded, so the main loop stays responsive). */
    for (int i = 0; i < 4; i++) {
        ssize_t n = recv(fd, c->rbuf + c->rlen, RBUF_SIZE - c->rlen, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            break;
        }
        if (n <= 0) {
            c->in_src = NULL; /* returning FALSE drops the source */
            g_source_unref(g_main_current_source());
            stream_hangup(c);
            return G_SOURCE_REMOVE;
        }
        c->rlen += n;
        if (!stream_parse(c)) {
            if (c->fd >= 0 && c->paused) {
                /* Stop reading until the peer takes the frame. */
                GSource *self = c->in_src;
                c->in_src = NULL;
                g_source_unref(self);
                return G_SOURCE_REMOVE;
            }
            break; /* hung up inside (a bad frame) */
        }
    }
    return G_SOURCE_CONTINUE;
}

static gboolean stream_writable(gint fd, GIOCondition cond, gpointer opaque)
{
    NetStreamConn *c = opaque;
    ssize_t n = send(fd, c->out->data, c->out->len, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    if (n < 0) {
        c->out_src = NULL;
        g_source_unref(g_main_current_source());
        stream_hangup(c);
        return G_SOURCE_REMOVE;
    }
    g_byte_array_remove_range(c->out, 0, n);
    if (c->out->len) {
        return G_SOURCE_CONTINUE;
    }
    GSource *self = c->out_src;
    c->out_src = NULL;
    g_source_unref(self);
    net_client_flush(c->nc); /* packets the layer held for us */
    return G_SOURCE_REMOVE;
}

void net_stream_conn_start(NetStreamConn *c, NetClientState *nc, int fd,
                           void (*closed)(NetClientState *nc))
{
    c->nc = nc;
    c->fd = fd;
    c->closed = closed;
    c->rlen = 0;
    c->paused = false;
    if (!c->rbuf) {
        c->rbuf = g_malloc(RBUF_SIZE);
    }
    if (!c->out) {
        c->out = g_byte_array_new();
    }
    g_byte_array_set_size(c->out, 0);
    nc->io = c;
    set_nonblock(fd);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* fails harmlessly on unix */
    c->in_src = watch(fd, G_IO_IN, stream_readable, c);
    net_client_flush(nc);
}

bool net_stream_conn_active(NetStreamConn *c)
{
    return c->fd >= 0 && c->rbuf;
}

void net_stream_conn_stop(NetStreamConn *c)
{
    drop_source(&c->in_src);
    drop_source(&c->out_src);
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    c->rlen = 0;
    c->paused = false;
    if (c->out) {
        g_byte_array_set_size(c->out, 0);
    }
}

ssize_t net_stream_conn_receive(NetStreamConn *c, const struct iovec *iov, int iovcnt)
{
    size_t len = net_iov_size(iov, iovcnt);
    if (c->fd < 0 || !c->out) {
        return len; /* not connected: like an unplugged cable */
    }
    if (c->out->len) {
        return 0; /* wait until the held frame has left */
    }
    uint8_t hdr[FRAME_HDR] = { len >> 24, len >> 16, len >> 8, len };
    struct iovec v[1 + 64];
    int n = 0;
    v[n++] = (struct iovec) { .iov_base = hdr, .iov_len = FRAME_HDR };
    for (int i = 0; i < iovcnt && n < (int)G_N_ELEMENTS(v); i++) {
        v[n++] = iov[i];
    }
    struct msghdr msg = { .msg_iov = v, .msg_iovlen = n };
    ssize_t sent = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
        if (errno != EAGAIN && errno != EINTR) {
            return len; /* the reader will see the hangup */
        }
        sent = 0;
    }
    if ((size_t)sent < FRAME_HDR + len) {
        /* Keep the rest of this frame; later packets wait in the queue. */
        g_autofree uint8_t *all = g_malloc(FRAME_HDR + len);
        memcpy(all, hdr, FRAME_HDR);
        net_iov_to_buf(iov, iovcnt, 0, all + FRAME_HDR, len);
        g_byte_array_append(c->out, all + sent, FRAME_HDR + len - sent);
        c->out_src = watch(c->fd, G_IO_OUT, stream_writable, c);
    }
    return len;
}

/* ---- datagrams ----------------------------------------------------------- */

static gboolean dgram_readable(gint fd, GIOCondition cond, gpointer opaque);

static void dgram_sent(NetClientState *nc, ssize_t len)
{
    NetDgramConn *c = nc->io;
    if (c && c->fd >= 0 && c->paused) {
        c->paused = false;
        c->in_src = watch(c->fd, G_IO_IN, dgram_readable, c);
    }
}

static gboolean dgram_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    NetDgramConn *c = opaque;
    g_autofree uint8_t *buf = g_malloc(NET_MAX_FRAME);
    /* A bounded batch per wake-up keeps the main loop responsive. */
    for (int i = 0; i < 64; i++) {
        ssize_t n = recv(fd, buf, NET_MAX_FRAME, MSG_DONTWAIT);
        if (n <= 0) {
            break;
        }
        if (net_send(c->nc, buf, n, dgram_sent) == 0) {
            c->paused = true;
            GSource *self = c->in_src;
            c->in_src = NULL;
            g_source_unref(self);
            return G_SOURCE_REMOVE;
        }
    }
    return G_SOURCE_CONTINUE;
}

static gboolean dgram_writable(gint fd, GIOCondition cond, gpointer opaque)
{
    NetDgramConn *c = opaque;
    GSource *self = c->out_src;
    c->out_src = NULL;
    g_source_unref(self);
    net_client_flush(c->nc);
    return G_SOURCE_REMOVE;
}

void net_dgram_conn_start(NetDgramConn *c, NetClientState *nc, int fd)
{
    c->nc = nc;
    c->fd = fd;
    c->paused = false;
    nc->io = c;
    set_nonblock(fd);
    c->in_src = watch(fd, G_IO_IN, dgram_readable, c);
}

void net_dgram_conn_stop(NetDgramConn *c)
{
    drop_source(&c->in_src);
    drop_source(&c->out_src);
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

ssize_t net_dgram_conn_receive(NetDgramConn *c, const struct iovec *iov, int iovcnt)
{
    size_t len = net_iov_size(iov, iovcnt);
    if (c->fd < 0) {
        return len;
    }
    if (c->out_src) {
        return 0;
    }
    struct msghdr msg = {
        .msg_name = c->dest_len ? &c->dest : NULL,
        .msg_namelen = c->dest_len,
        .msg_iov = (struct iovec *)iov,
        .msg_iovlen = iovcnt,
    };
    ssize_t n = sendmsg(c->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
        c->out_src = watch(c->fd, G_IO_OUT, dgram_writable, c);
        return 0;
    }
    /* Other errors (no listener on a unix path, ECONNREFUSED) mean nobody
     * is there: as with a real wire, the frame is gone. */
    return len;
}

/* ---- addresses ----------------------------------------------------------- */

bool net_parse_host_port(const char *text, char **host, char **port, GError **errp)
{
    const char *colon;
    if (text[0] == '[') {
        const char *end = strchr(text, ']');
        if (!end || end[1] != ':') {
            goto bad;
        }
        *host = g_strndup(text + 1, end - text - 1);
        colon = end + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon) {
            goto bad;
        }
        *host = g_strndup(text, colon - text);
    }
    const char *p = colon + 1;
    char *end = NULL;
    guint64 n = g_ascii_strtoull(p, &end, 10);
    if (!*p || *end || n > 65535) {
        g_free(*host);
        *host = NULL;
        goto bad;
    }
    *port = g_strdup(p);
    return true;
bad:
    g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "invalid address '%s' (expected host:port)",
                text);
    return false;
}

static int inet_open(const char *host, const char *port, bool listen_, GError **errp)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = listen_ ? AI_PASSIVE : 0,
    };
    struct addrinfo *list = NULL;
    const char *h = host && *host ? host : (listen_ ? NULL : "localhost");
    int rc = getaddrinfo(h, port, &hints, &list);
    if (rc) {
        g_set_error(errp, NET_ERROR, NET_ERROR_HOST, "cannot resolve '%s:%s': %s",
                    host ? host : "", port, gai_strerror(rc));
        return -1;
    }
    int err = 0, fd = -1;
    for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (listen_) {
            int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0) {
                break;
            }
        } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(list);
    if (fd < 0) {
        g_set_error(errp, NET_ERROR, NET_ERROR_HOST, "cannot %s %s:%s: %s",
                    listen_ ? "listen on" : "connect to", host ? host : "", port,
                    g_strerror(err));
    }
    return fd;
}

int net_inet_listen(const char *host, const char *port, GError **errp)
{
    return inet_open(host, port, true, errp);
}

int net_inet_connect(const char *host, const char *port, GError **errp)
{
    return inet_open(host, port, false, errp);
}

static bool unix_addr(const char *path, bool abstract, struct sockaddr_un *sun, socklen_t *len,
                      GError **errp)
{
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    size_t n = strlen(path);
    if (n + (abstract ? 1 : 0) >= sizeof(sun->sun_path)) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "unix socket path '%s' is too long",
                    path);
        return false;
    }
    memcpy(sun->sun_path + (abstract ? 1 : 0), path, n);
    *len = offsetof(struct sockaddr_un, sun_path) + n + (abstract ? 1 : 1);
    return true;
}

static int unix_open(const char *path, bool abstract, bool listen_, GError **errp)
{
    struct sockaddr_un sun;
    socklen_t len;
    if (!unix_addr(path, abstract, &sun, &len, errp)) {
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        g_set_error(errp, NET_ERROR, NET_ERROR_HOST, "socket: %s", g_strerror(errno));
        return -1;
    }
    if (listen_ && !abstract) {
        unlink(path);
    }
    int rc = listen_ ? bind(fd, (struct sockaddr *)&sun, len) : connect(fd, (struct sockaddr *)&sun,
                                                                      len);
    if (rc == 0 && listen_) {
        rc = listen(fd, 1);
    }
    if (rc) {
        g_set_error(errp, NET_ERROR, NET_ERROR_HOST, "cannot %s unix:%s: %s",
                    listen_ ? "listen on" : "connect to", path, g_strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int net_unix_listen(const char *path, bool abstract, GError **errp)
{
    return unix_open(path, abstract, true, errp);
}

int net_unix_connect(const char *path, bool abstract, GError **errp)
{
    return unix_open(path, abstract, false, errp);
}
