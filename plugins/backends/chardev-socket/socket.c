/* SPDX-License-Identifier: MIT */
/*
 * Socket chardev backend: a stream socket, unix or TCP, as server or client.
 *   -chardev socket,id=ID,path=PATH[,server=on][,wait=off]
 *   -chardev socket,id=ID,host=HOST,port=PORT[,server=on][,wait=off][,nodelay=on]
 *   -chardev socket,id=ID,fd=N|NAME[,server=on][,wait=off]  (an inherited
 *       socket, or one passed with QMP getfd: listening for servers,
 *       connected for clients)
 *   -chardev socket,id=ID,path=PATH|host=..,port=..[,reconnect=SECONDS]
 *   -serial unix:PATH,server=on,wait=off / tcp:HOST:PORT,server=on
 *
 * A server serves one client at a time: while one is connected the
 * listening socket is not watched, so the next client waits in the backlog
 * until the current one leaves.  With wait=on (the default for servers,
 * as in QEMU) opening blocks until the first client connects.  A client
 * connects at open (an error if that fails) unless reconnect=N is given,
 * in which case it (re)tries every N seconds in the background.
 *
 * Output written while no peer is connected is held (64 KiB, oldest bytes
 * dropped with a warning) and sent to the next peer.  A peer leaving is
 * noticed as end of file, hangup or EPIPE; none of them blocks or kills
 * the process (send() uses MSG_NOSIGNAL, SIGPIPE is ignored by the core).
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "kernel/chardev.h"
#include "kernel/fdpass.h"
#include "kernel/log.h"
#include "kernel/module.h"
#include "kernel/runstate.h"

#define TYPE_CHARDEV_SOCKET TYPE_CHARDEV_PREFIX "socket"

/* One client at a time; a few more may queue. */
#define SOCKET_BACKLOG 1
#define SOCKET_MAX_RECONNECT (24 * 60 * 60)

typedef struct SocketChardev {
    Chardev parent_obj;
    ChardevStream stream;
    char *path;                 /* unix socket, or NULL for TCP */
    char *host, *port;          /* TCP; port is the bound one for servers */
    bool server, wait, nodelay;
    unsigned reconnect;         /* client: seconds between attempts, 0: never */
    bool unlink_path;           /* remove the server's socket file on close */
    bool connect_warned;        /* one warning per run of failed attempts */
    int listen_fd, fd, connecting_fd;
    int given_fd;               /* fd=: the passed socket until it is adopted */
    GSource *listen_src, *connect_src, *reconnect_src;
} SocketChardev;

OBJECT_DECLARE_SIMPLE_TYPE(SocketChardev, SOCKET_CHARDEV, TYPE_CHARDEV_SOCKET)

static const char *const socket_options[] = {
    "path", "host", "port", "server", "wait", "reconnect", "nodelay", "fd", NULL,
};

/* ---- addresses ---------------------------------------------------------- */

/* Resolved addresses: the one unix path, or getaddrinfo's list. */
typedef struct SocketAddrs {
    struct addrinfo *list;
    struct addrinfo unix_ai;
    struct sockaddr_un sun;
} SocketAddrs;

static char *socket_address(SocketChardev *s)
{
    if (s->path) {
        return g_strdup_printf("unix:%s", s->path);
    }
    bool v6 = strchr(s->host, ':') != NULL;
    return g_strdup_printf("tcp:%s%s%s:%s", v6 ? "[" : "", s->host, v6 ? "]" : "", s->port);
}

static bool socket_resolve(SocketChardev *s, SocketAddrs *a, GError **errp)
{
    memset(a, 0, sizeof(*a));
    if (s->path) {
        if (strlen(s->path) >= sizeof(a->sun.sun_path)) {
            g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                        "unix socket path '%s' is too long (at most %zu bytes)", s->path,
                        sizeof(a->sun.sun_path) - 1);
            return false;
        }
        a->sun.sun_family = AF_UNIX;
        strcpy(a->sun.sun_path, s->path);
        a->unix_ai = (struct addrinfo) {
            .ai_family = AF_UNIX,
            .ai_socktype = SOCK_STREAM,
            .ai_addr = (struct sockaddr *)&a->sun,
            .ai_addrlen = sizeof(a->sun),
        };
        a->list = &a->unix_ai;
        return true;
    }
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = s->server ? AI_PASSIVE : 0,
    };
    const char *host = *s->host ? s->host : (s->server ? NULL : "localhost");
    int rc = getaddrinfo(host, s->port, &hints, &a->list);
    if (rc != 0) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_HOST, "cannot resolve '%s:%s': %s",
                    s->host, s->port, gai_strerror(rc));
        return false;
    }
    return true;
}

static void socket_addrs_free(SocketAddrs *a)
{
    if (a->list && a->list != &a->unix_ai) {
        freeaddrinfo(a->list);
    }
}

/* ---- connection state ----------------------------------------------------- */

static void drop_source(GSource **src)
{
    if (*src) {
        g_source_destroy(*src);
        g_source_unref(*src);
        *src = NULL;
    }
}

static GSource *watch_fd(int fd, GIOCondition cond, GUnixFDSourceFunc fn, SocketChardev *s)
{
    GSource *src = g_unix_fd_source_new(fd, cond);
    g_source_set_callback(src, G_SOURCE_FUNC(fn), s, NULL);
    g_source_attach(src, main_loop_context());
    return src;
}

static gboolean socket_accept_cb(gint fd, GIOCondition cond, gpointer opaque);
static gboolean socket_reconnect_cb(gpointer opaque);

/* The frontend refuses second clients instead of leaving them waiting. */
static bool socket_refuses_busy(SocketChardev *s)
{
    const Chardev *chr = CHARDEV(s);
    return chr->fe && chr->fe->busy_reply;
}

static void socket_listen_watch(SocketChardev *s)
{
    if (s->listen_fd >= 0 && (s->fd < 0 || socket_refuses_busy(s)) && !s->listen_src) {
        s->listen_src = watch_fd(s->listen_fd, G_IO_IN, socket_accept_cb, s);
    }
}

static void socket_schedule_reconnect(SocketChardev *s)
{
    if (!s->server && s->reconnect && !s->reconnect_src) {
        s->reconnect_src = g_timeout_source_new_seconds(s->reconnect);
        g_source_set_callback(s->reconnect_src, socket_reconnect_cb, s, NULL);
        g_source_attach(s->reconnect_src, main_loop_context());
    }
}

static void socket_connected(SocketChardev *s, int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (!socket_refuses_busy(s)) {
        drop_source(&s->listen_src); /* one client at a time */
    }
    drop_source(&s->reconnect_src);
    if (fl >= 0) {
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    }
    if (!s->path && s->nodelay) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    s->fd = fd;
    s->connect_warned = false;
    chardev_stream_set_fds(&s->stream, fd, fd);
    chardev_be_event(CHARDEV(s), CHR_EVENT_OPENED);
}

/* The stream saw the peer leave (main loop, device lock held). */
static void socket_hangup(Chardev *chr)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);

    if (s->fd < 0) {
        return;
    }
    chardev_stream_set_fds(&s->stream, -1, -1);
    /* What was still queued was meant for the peer that left (a QMP reply,
     * say); the next client must not receive it. */
    g_byte_array_set_size(s->stream.pending, 0);
    close(s->fd);
    s->fd = -1;
    chardev_be_event(chr, CHR_EVENT_CLOSED);
    socket_listen_watch(s);
    socket_schedule_reconnect(s);
}

static gboolean socket_accept_cb(gint fd, GIOCondition cond, gpointer opaque)
{
    SocketChardev *s = opaque;

    devlock_lock();
    if (g_main_current_source() == s->listen_src) {
        int c = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c >= 0 && s->fd >= 0) {
            /* Busy: tell the newcomer and let it go (best effort). */
            const char *msg = CHARDEV(s)->fe ? CHARDEV(s)->fe->busy_reply : NULL;
            if (msg && send(c, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
                /* nothing more to do for a client we refuse anyway */
            }
            close(c);
        } else if (c >= 0) {
            socket_connected(s, c);
        }
    }
    devlock_unlock();
    return G_SOURCE_CONTINUE;
}

/* ---- client ------------------------------------------------------------- */

/* A background attempt failed: say so once, then keep trying quietly. */
static void socket_connect_failed(SocketChardev *s, const char *msg)
{
    if (!s->connect_warned) {
        warn_report("chardev '%s': %s; retrying every %u s", CHARDEV(s)->label, msg,
                    s->reconnect);
        s->connect_warned = true;
    }
    socket_schedule_reconnect(s);
}

static gboolean socket_connect_cb(gint fd, GIOCondition cond, gpointer opaque)
{
    SocketChardev *s = opaque;
    int err = 0;
    socklen_t len = sizeof(err);

    devlock_lock();
    if (g_main_current_source() == s->connect_src) {
        drop_source(&s->connect_src);
        int c = s->connecting_fd;
        s->connecting_fd = -1;
        if (getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
            err = errno;
        }
        if (err == 0) {
            socket_connected(s, c);
        } else {
            g_autofree char *addr = socket_address(s);
            g_autofree char *msg = g_strdup_printf("could not connect to '%s': %s", addr,
                                                   g_strerror(err));
            close(c);
            socket_connect_failed(s, msg);
        }
    }
    devlock_unlock();
    return G_SOURCE_CONTINUE;
}

/* Connect now (@blocking, at open) or start a background attempt. */
static bool socket_connect(SocketChardev *s, bool blocking, GError **errp)
{
    SocketAddrs a;
    int err = ECONNREFUSED;

    if (!socket_resolve(s, &a, errp)) {
        return false;
    }
    for (struct addrinfo *ai = a.list; ai; ai = ai->ai_next) {
        int type = SOCK_STREAM | SOCK_CLOEXEC | (blocking ? 0 : SOCK_NONBLOCK);
        int fd = socket(ai->ai_family, type, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            socket_addrs_free(&a);
            socket_connected(s, fd);
            return true;
        }
        if (!blocking && errno == EINPROGRESS) {
            socket_addrs_free(&a);
            s->connecting_fd = fd;
            s->connect_src = watch_fd(fd, G_IO_OUT, socket_connect_cb, s);
            return true;
        }
        err = errno;
        close(fd);
    }
    socket_addrs_free(&a);
    g_autofree char *addr = socket_address(s);
    g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_HOST, "could not connect to '%s': %s",
                addr, g_strerror(err));
    return false;
}

static gboolean socket_reconnect_cb(gpointer opaque)
{
    SocketChardev *s = opaque;
    GError *err = NULL;

    devlock_lock();
    if (g_main_current_source() == s->reconnect_src) {
        drop_source(&s->reconnect_src);
        if (s->fd < 0 && s->connecting_fd < 0 && !socket_connect(s, false, &err)) {
            socket_connect_failed(s, err->message);
            g_error_free(err);
        }
    }
    devlock_unlock();
    return G_SOURCE_REMOVE;
}

/* ---- server ------------------------------------------------------------- */

static bool socket_listen(SocketChardev *s, GError **errp)
{
    SocketAddrs a;
    int err = EADDRNOTAVAIL;
    struct stat st;

    if (!socket_resolve(s, &a, errp)) {
        return false;
    }
    if (s->path && lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(s->path); /* a stale socket from an earlier run */
    }
    for (struct addrinfo *ai = a.list; ai && s->listen_fd < 0; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        int one = 1;
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (ai->ai_family != AF_UNIX) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        }
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOCKET_BACKLOG) == 0) {
            s->listen_fd = fd;
        } else {
            err = errno;
            close(fd);
        }
    }
    socket_addrs_free(&a);
    if (s->listen_fd < 0) {
        g_autofree char *addr = socket_address(s);
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_HOST, "could not listen on '%s': %s",
                    addr, g_strerror(err));
        return false;
    }
    s->unlink_path = s->path != NULL;
    if (!s->path) {
        /* Show the port really bound (port=0 picks a free one). */
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        char port[NI_MAXSERV];
        if (getsockname(s->listen_fd, (struct sockaddr *)&ss, &len) == 0 &&
            getnameinfo((struct sockaddr *)&ss, len, NULL, 0, port, sizeof(port),
                        NI_NUMERICSERV) == 0) {
            g_free(s->port);
            s->port = g_strdup(port);
        }
    }
    return true;
}

/* wait=on: block until the first client arrives, as QEMU does. */
static bool socket_wait_first_client(SocketChardev *s, GError **errp)
{
    g_autofree char *addr = socket_address(s);

    fprintf(stderr, "%s: waiting for connection on: %s,server=on\n",
            g_get_prgname() ? g_get_prgname() : "tessera", addr);
    for (;;) {
        struct pollfd pfd = { .fd = s->listen_fd, .events = POLLIN };
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
            break;
        }
        int c = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c >= 0) {
            socket_connected(s, c);
            return true;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
            errno != ECONNABORTED) {
            break;
        }
    }
    g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_HOST,
                "waiting for a connection on '%s': %s", addr, g_strerror(errno));
    return false;
}

/* ---- chardev ------------------------------------------------------------ */

/*
 * fd=: adopt a socket the manager made.  Its address (for describe and
 * query-chardev) comes from getsockname; a server's must be listening, a
 * client's connected.
 */
static bool socket_parse_fd(SocketChardev *s, const char *text, GError **errp)
{
    GError *err = NULL;
    int fd = fdpass_resolve(text, &err);
    if (fd < 0) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID, "%s", err->message);
        g_error_free(err);
        return false;
    }
    int listening = 0, type = 0;
    socklen_t len = sizeof(listening), tlen = sizeof(type);
    struct sockaddr_storage ss;
    socklen_t slen = sizeof(ss);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != SOCK_STREAM ||
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &slen) < 0) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "fd=%s: not a stream socket", text);
        return false;
    }
    if (!!listening != s->server) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID, s->server
                    ? "fd=%s: server=on needs a listening socket"
                    : "fd=%s: a client (server=off) needs a connected socket", text);
        return false;
    }
    if (ss.ss_family == AF_UNIX) {
        const struct sockaddr_un *sun = (const struct sockaddr_un *)&ss;
        s->path = g_strdup(slen > offsetof(struct sockaddr_un, sun_path) && sun->sun_path[0]
                           ? sun->sun_path : "");
        s->host = g_strdup("");
    } else {
        char host[NI_MAXHOST], port[NI_MAXSERV];
        if (getnameinfo((struct sockaddr *)&ss, slen, host, sizeof(host), port, sizeof(port),
                        NI_NUMERICHOST | NI_NUMERICSERV)) {
            g_strlcpy(host, "?", sizeof(host));
            g_strlcpy(port, "?", sizeof(port));
        }
        s->host = g_strdup(host);
        s->port = g_strdup(port);
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    s->given_fd = fd;
    return true;
}

static bool socket_parse(SocketChardev *s, OptDict *opts, GError **errp)
{
    const char *path = opt_dict_get(opts, "path");
    const char *host = opt_dict_get(opts, "host");
    const char *port = opt_dict_get(opts, "port");
    const char *reconnect = opt_dict_get(opts, "reconnect");

    if (!chardev_opt_bool(opts, "server", false, &s->server, errp) ||
        !chardev_opt_bool(opts, "wait", s->server, &s->wait, errp) ||
        !chardev_opt_bool(opts, "nodelay", false, &s->nodelay, errp)) {
        return false;
    }
    if (path && (host || port)) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "'path' (unix) cannot be combined with '%s' (tcp)", host ? "host" : "port");
        return false;
    }
    const char *fd = opt_dict_get(opts, "fd");
    if (fd) {
        if (path || host || port || reconnect) {
            g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                        "'fd' cannot be combined with '%s'",
                        path ? "path" : host ? "host" : port ? "port" : "reconnect");
            return false;
        }
        return socket_parse_fd(s, fd, errp);
    }
    if (!path && !port) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "socket: 'path' (unix) or 'port' (tcp) is required");
        return false;
    }
    if (path && !*path) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID, "'path' must not be empty");
        return false;
    }
    if (opt_dict_get(opts, "wait") && !s->server) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "'wait' is only for servers (server=on)");
        return false;
    }
    uint64_t port_num;
    if (!chardev_opt_uint(opts, "port", 0, 65535, 0, &port_num, errp)) {
        return false;
    }
    if (reconnect) {
        uint64_t v;
        if (!chardev_opt_uint(opts, "reconnect", 0, SOCKET_MAX_RECONNECT, 0, &v, errp)) {
            return false;
        }
        if (s->server) {
            g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                        "'reconnect' is only for clients (server=off)");
            return false;
        }
        s->reconnect = v;
    }
    s->path = g_strdup(path);
    s->host = g_strdup(host ? host : "");
    s->port = g_strdup(port);
    return true;
}

static bool socket_open(Chardev *chr, OptDict *opts, GError **errp)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);

    if (!socket_parse(s, opts, errp)) {
        return false;
    }
    chardev_stream_init(&s->stream, chr, CHARDEV_STREAM_DEFAULT_PENDING, socket_hangup);
    s->stream.out_socket = true;
    if (s->given_fd >= 0 && !s->server) {
        int fd = s->given_fd;
        s->given_fd = -1;
        socket_connected(s, fd);
        return true;
    }
    if (s->server) {
        if (s->given_fd >= 0) {
            s->listen_fd = s->given_fd;  /* the manager owns the socket file */
            s->given_fd = -1;
        } else if (!socket_listen(s, errp)) {
            return false;
        }
        if (s->wait && !socket_wait_first_client(s, errp)) {
            return false;
        }
        socket_listen_watch(s);
        return true;
    }
    if (!s->reconnect) {
        return socket_connect(s, true, errp);
    }
    GError *err = NULL;
    if (!socket_connect(s, false, &err)) {
        socket_connect_failed(s, err->message);
        g_error_free(err);
    }
    return true;
}

static int socket_write(Chardev *chr, const uint8_t *buf, int len)
{
    return chardev_stream_write(&SOCKET_CHARDEV(chr)->stream, buf, len);
}

static void socket_accept_input(Chardev *chr)
{
    chardev_stream_accept_input(&SOCKET_CHARDEV(chr)->stream);
}

static char *socket_describe(Chardev *chr)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);
    g_autofree char *addr = socket_address(s);

    return g_strdup_printf("%s%s%s", s->fd < 0 ? "disconnected:" : "", addr,
                           s->server ? ",server=on" : "");
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static void socket_close(Chardev *chr)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);

    drop_source(&s->listen_src);
    drop_source(&s->connect_src);
    drop_source(&s->reconnect_src);
    chardev_stream_destroy(&s->stream);
    close_fd(&s->fd);
    close_fd(&s->connecting_fd);
    close_fd(&s->listen_fd);
    close_fd(&s->given_fd);
    if (s->unlink_path) {
        unlink(s->path);
        s->unlink_path = false;
    }
    g_free(s->path);
    g_free(s->host);
    g_free(s->port);
    s->path = s->host = s->port = NULL;
}

static void socket_instance_init(Object *obj)
{
    SocketChardev *s = SOCKET_CHARDEV(obj);

    s->listen_fd = s->fd = s->connecting_fd = s->given_fd = -1;
}

static void socket_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(klass);

    cc->backend = "socket";
    cc->desc = "Unix or TCP stream socket, server or client";
    cc->options = socket_options;
    cc->open = socket_open;
    cc->write = socket_write;
    cc->accept_input = socket_accept_input;
    cc->describe = socket_describe;
    cc->close = socket_close;
}

static const TypeInfo socket_type_info = {
    .name = TYPE_CHARDEV_SOCKET,
    .parent = TYPE_CHARDEV,
    .category = "chardev",
    .description = "Unix (path=) or TCP (host=, port=) socket; server=, wait=, reconnect=",
    .instance_size = sizeof(SocketChardev),
    .class_size = sizeof(ChardevClass),
    .instance_init = socket_instance_init,
    .class_init = socket_class_init,
};

TESSERA_MODULE(.name = "chardev-socket", .kind = "backend",
               .types = TESSERA_TYPES(&socket_type_info));
