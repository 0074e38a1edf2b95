/* SPDX-License-Identifier: MIT */
/*
 * The "nbd" protocol driver: a block node backed by an export of an NBD
 * server, through libnbd.
 *
 * Options (QEMU's): server.type=inet|unix, server.host, server.port
 * (default 10809), server.path, export (default ""), reconnect-delay
 * (seconds a request keeps trying to reconnect after the connection was
 * lost; 0: one attempt).
 *
 * I/O is asynchronous: each connection has its own poll thread that drives
 * libnbd's state machine (nbd_aio_*), so several requests are in flight on
 * one connection; a block worker thread issues its command and waits for
 * its completion, never the main loop or a vCPU.  When the server goes
 * away, libnbd fails every command in flight; the next request reconnects
 * (the connection is rebuilt under a writer lock while no request uses
 * it), and if that fails the request fails with EIO after one clear
 * message naming the server and the cause.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <libnbd.h>

#include "block/block.h"
#include "kernel/log.h"
#include "kernel/module.h"

typedef struct NbdConn {
    struct nbd_handle *h;
    GThread *thread;
    int wake_fd;
    int quit;                /* atomic */
    GMutex lock;             /* guards the request completions below */
    GCond cond;
} NbdConn;

typedef struct NbdState {
    char *host, *port, *path, *export;
    char *desc;              /* "nbd://host:port/export" for messages */
    uint64_t reconnect_delay;
    uint64_t size;
    bool can_flush, can_fua, can_trim, can_zero, read_only;
    GRWLock conn_lock;       /* readers: requests; writer: reconnect */
    NbdConn *conn;           /* NULL while disconnected */
    bool reported;           /* the loss was reported (once per outage) */
} NbdState;

typedef struct NbdReq {
    NbdConn *conn;
    bool done;
    int err;
} NbdReq;

/* ---- connections ------------------------------------------------------- */

static void conn_wake(NbdConn *c)
{
    uint64_t one = 1;
    while (write(c->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR) {
    }
}

/* Drives libnbd: waits for the socket in the direction the state machine
 * wants, or for a wake-up (new command, quit). */
static gpointer conn_thread(gpointer opaque)
{
    NbdConn *c = opaque;
    int fd = nbd_aio_get_fd(c->h);
    while (!g_atomic_int_get(&c->quit)) {
        if (nbd_aio_is_dead(c->h) || nbd_aio_is_closed(c->h)) {
            /* Commands were failed by libnbd; wait to be torn down. */
            struct pollfd w = { .fd = c->wake_fd, .events = POLLIN };
            poll(&w, 1, -1);
            uint64_t cnt;
            if (read(c->wake_fd, &cnt, sizeof(cnt)) < 0) {
                /* nothing to drain */
            }
            continue;
        }
        unsigned dir = nbd_aio_get_direction(c->h);
        struct pollfd p[2] = {
            { .fd = c->wake_fd, .events = POLLIN },
            { .fd = fd, .events = ((dir & LIBNBD_AIO_DIRECTION_READ) ? POLLIN : 0) |
                                  ((dir & LIBNBD_AIO_DIRECTION_WRITE) ? POLLOUT : 0) },
        };
        if (poll(p, 2, -1) < 0) {
            continue;
        }
        if (p[0].revents & POLLIN) {
            uint64_t cnt;
            if (read(c->wake_fd, &cnt, sizeof(cnt)) < 0) {
                /* spurious */
            }
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            nbd_aio_notify_read(c->h);
        } else if (p[1].revents & POLLOUT) {
            nbd_aio_notify_write(c->h);
        }
    }
    return NULL;
}

static bool conn_open(NbdState *s, NbdConn **out, GError **errp)
{
    struct nbd_handle *h = nbd_create();
    if (!h) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "%s: %s", s->desc, nbd_get_error());
        return false;
    }
    int r = nbd_set_export_name(h, s->export);
    if (r == 0) {
        r = s->path ? nbd_connect_unix(h, s->path) : nbd_connect_tcp(h, s->host, s->port);
    }
    if (r < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "Could not connect to %s: %s", s->desc,
                    nbd_get_error());
        nbd_close(h);
        return false;
    }
    NbdConn *c = g_new0(NbdConn, 1);
    c->h = h;
    c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    g_mutex_init(&c->lock);
    g_cond_init(&c->cond);
    c->thread = g_thread_new("nbd-client", conn_thread, c);
    *out = c;
    return true;
}

static void conn_close(NbdConn *c)
{
    if (nbd_aio_is_ready(c->h) && nbd_aio_in_flight(c->h) == 0) {
        nbd_aio_disconnect(c->h, 0);
    }
    g_atomic_int_set(&c->quit, 1);
    conn_wake(c);
    g_thread_join(c->thread);
    nbd_close(c->h); /* fails (and calls back) whatever was still queued */
    close(c->wake_fd);
    g_mutex_clear(&c->lock);
    g_cond_clear(&c->cond);
    g_free(c);
}

static bool conn_alive(NbdConn *c)
{
    return c && !nbd_aio_is_dead(c->h) && !nbd_aio_is_closed(c->h);
}

/* ---- requests ---------------------------------------------------------- */

static int req_done(void *opaque, int *error)
{
    NbdReq *r = opaque;
    g_mutex_lock(&r->conn->lock);
    r->err = *error;
    r->done = true;
    g_cond_broadcast(&r->conn->cond);
    g_mutex_unlock(&r->conn->lock);
    return 1;
}

typedef enum { OP_READ, OP_WRITE, OP_FLUSH, OP_TRIM, OP_ZERO } NbdOp;

static int64_t issue(NbdConn *c, NbdOp op, void *buf, uint64_t off, uint64_t bytes,
                     uint32_t flags, NbdReq *r)
{
    nbd_completion_callback cb = { .callback = req_done, .user_data = r };
    switch (op) {
    case OP_READ:
        return nbd_aio_pread(c->h, buf, bytes, off, cb, 0);
    case OP_WRITE:
        return nbd_aio_pwrite(c->h, buf, bytes, off, cb, flags);
    case OP_FLUSH:
        return nbd_aio_flush(c->h, cb, 0);
    case OP_TRIM:
        return nbd_aio_trim(c->h, bytes, off, cb, 0);
    case OP_ZERO:
        return nbd_aio_zero(c->h, bytes, off, cb, flags);
    }
    return -1;
}

/* Rebuild a lost connection (writer lock held).  0 or -EIO. */
static int reconnect(BlockNode *bs)
{
    NbdState *s = bs->opaque;
    if (conn_alive(s->conn)) {
        return 0; /* another request did it */
    }
    if (s->conn) {
        conn_close(s->conn);
        s->conn = NULL;
    }
    int64_t deadline = g_get_monotonic_time() + (int64_t)s->reconnect_delay * G_USEC_PER_SEC;
    for (;;) {
        GError *err = NULL;
        if (conn_open(s, &s->conn, &err)) {
            int64_t size = nbd_get_size(s->conn->h);
            if (size >= 0 && (uint64_t)size == s->size) {
                if (s->reported) {
                    warn_report("nbd: reconnected to %s", s->desc);
                }
                s->reported = false;
                return 0;
            }
            g_set_error(&err, BLOCK_ERROR, BLOCK_ERROR_IO,
                        "%s changed size (%" G_GUINT64_FORMAT " -> %" G_GINT64_FORMAT " bytes)",
                        s->desc, s->size, size);
            conn_close(s->conn);
            s->conn = NULL;
        }
        if (g_get_monotonic_time() >= deadline) {
            if (!s->reported) {
                error_report("nbd: connection to %s lost, reconnecting failed: %s", s->desc,
                             err->message);
                s->reported = true;
            }
            g_error_free(err);
            return -EIO;
        }
        g_error_free(err);
        g_usleep(G_USEC_PER_SEC);
    }
}

/* Run one command to completion on the worker thread calling it. */
static int nbdc_run(BlockNode *bs, NbdOp op, void *buf, uint64_t off, uint64_t bytes,
                   uint32_t flags)
{
    NbdState *s = bs->opaque;
    for (int attempt = 0; attempt < 2; attempt++) {
        g_rw_lock_reader_lock(&s->conn_lock);
        NbdConn *c = s->conn;
        if (!conn_alive(c)) {
            g_rw_lock_reader_unlock(&s->conn_lock);
            g_rw_lock_writer_lock(&s->conn_lock);
            int ret = reconnect(bs);
            g_rw_lock_writer_unlock(&s->conn_lock);
            if (ret < 0) {
                return ret;
            }
            continue;
        }
        NbdReq r = { .conn = c };
        int64_t cookie = issue(c, op, buf, off, bytes, flags, &r);
        if (cookie < 0) {
            int err = nbd_get_errno();
            bool alive = conn_alive(c);
            g_rw_lock_reader_unlock(&s->conn_lock);
            if (!alive) {
                continue; /* lost between the check and the command: reconnect */
            }
            return err ? -err : -EIO;
        }
        conn_wake(c);
        g_mutex_lock(&c->lock);
        while (!r.done) {
            g_cond_wait(&c->cond, &c->lock);
        }
        g_mutex_unlock(&c->lock);
        bool lost = r.err && !conn_alive(c);
        g_rw_lock_reader_unlock(&s->conn_lock);
        if (!r.err) {
            return 0;
        }
        if (!lost || op == OP_WRITE || op == OP_ZERO || op == OP_TRIM || op == OP_FLUSH) {
            /* A write whose fate is unknown is not silently repeated: a
             * flush after it may have been lost too.  Report the loss. */
            if (lost) {
                g_rw_lock_writer_lock(&s->conn_lock);
                if (!s->reported) {
                    error_report("nbd: connection to %s lost during a request", s->desc);
                    s->reported = true;
                }
                reconnect(bs);
                g_rw_lock_writer_unlock(&s->conn_lock);
            }
            return r.err == ENOTCONN ? -EIO : -r.err;
        }
        /* A read may simply be repeated on a new connection. */
    }
    return -EIO;
}

static void *bounce_for(const BlockIOV *iov, uint64_t bytes, bool *owned)
{
    if (iov->niov == 1 && iov->iov[0].iov_len >= bytes) {
        *owned = false;
        return iov->iov[0].iov_base;
    }
    *owned = true;
    return g_malloc(bytes);
}

static int nbdc_preadv(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov)
{
    bool owned;
    void *buf = bounce_for(iov, bytes, &owned);
    int ret = nbdc_run(bs, OP_READ, buf, off, bytes, 0);
    if (owned) {
        if (ret == 0) {
            block_iov_from_buf_copy(iov, 0, buf, bytes);
        }
        g_free(buf);
    }
    return ret;
}

static int nbdc_pwritev(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov,
                       int flags)
{
    NbdState *s = bs->opaque;
    bool owned;
    void *buf = bounce_for(iov, bytes, &owned);
    if (owned) {
        block_iov_to_buf(iov, 0, buf, bytes);
    }
    bool fua = (flags & BLOCK_WRITE_FUA) && s->can_fua;
    int ret = nbdc_run(bs, OP_WRITE, buf, off, bytes, fua ? LIBNBD_CMD_FLAG_FUA : 0);
    if (ret == 0 && (flags & BLOCK_WRITE_FUA) && !s->can_fua && s->can_flush) {
        ret = nbdc_run(bs, OP_FLUSH, NULL, 0, 0, 0);
    }
    if (owned) {
        g_free(buf);
    }
    return ret;
}

static int nbdc_flush(BlockNode *bs)
{
    NbdState *s = bs->opaque;
    return s->can_flush ? nbdc_run(bs, OP_FLUSH, NULL, 0, 0, 0) : 0;
}

static int nbdc_pdiscard(BlockNode *bs, uint64_t off, uint64_t bytes)
{
    NbdState *s = bs->opaque;
    return s->can_trim ? nbdc_run(bs, OP_TRIM, NULL, off, bytes, 0) : 0;
}

static int nbdc_pwrite_zeroes(BlockNode *bs, uint64_t off, uint64_t bytes, bool may_unmap)
{
    NbdState *s = bs->opaque;
    if (!s->can_zero) {
        return -ENOTSUP; /* the graph writes zeroed buffers */
    }
    return nbdc_run(bs, OP_ZERO, NULL, off, bytes, may_unmap ? 0 : LIBNBD_CMD_FLAG_NO_HOLE);
}

static int64_t nbdc_getlength(BlockNode *bs)
{
    return ((NbdState *)bs->opaque)->size;
}

/* ---- open/close -------------------------------------------------------- */

static void state_free(NbdState *s)
{
    if (s->conn) {
        conn_close(s->conn);
    }
    g_rw_lock_clear(&s->conn_lock);
    g_free(s->host);
    g_free(s->port);
    g_free(s->path);
    g_free(s->export);
    g_free(s->desc);
    g_free(s);
}

static bool parse_server(NbdState *s, BlockOpts *opts, GError **errp)
{
    static const char *const types[] = { "inet", "unix", NULL };
    int type = block_opts_take_enum(opts, "server.type", types, -1, errp);
    g_autofree char *host = block_opts_take(opts, "server.host");
    g_autofree char *port = block_opts_take(opts, "server.port");
    g_autofree char *path = block_opts_take(opts, "server.path");
    if (type < 0) {
        if (errp && !*errp) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Parameter 'server.type' is missing (inet or unix)");
        }
        return false;
    }
    if (type == 0) {
        if (!host || !*host) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Parameter 'server.host' is missing");
            return false;
        }
        if (path) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "server.path is for server.type=unix");
            return false;
        }
        uint64_t p = 10809;
        if (port && (!g_ascii_string_to_unsigned(port, 10, 1, 65535, &p, NULL))) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "server.port '%s' is not a port number (1-65535)", port);
            return false;
        }
        s->host = g_steal_pointer(&host);
        s->port = g_strdup_printf("%" G_GUINT64_FORMAT, p);
        s->desc = g_strdup_printf("nbd://%s:%s/%s", s->host, s->port, s->export);
    } else {
        if (!path || !*path) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Parameter 'server.path' is missing");
            return false;
        }
        if (host || port) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "server.host and server.port are for server.type=inet");
            return false;
        }
        s->path = g_steal_pointer(&path);
        s->desc = g_strdup_printf("nbd+unix:///%s?socket=%s", s->export, s->path);
    }
    return true;
}

static bool nbdc_open(BlockNode *bs, BlockOpts *opts, GError **errp)
{
    NbdState *s = g_new0(NbdState, 1);
    g_rw_lock_init(&s->conn_lock);
    s->export = block_opts_take(opts, "export");
    if (!s->export) {
        s->export = g_strdup("");
    }
    g_autofree char *tls = block_opts_take(opts, "tls-creds");
    if (tls) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "nbd: tls-creds is not supported (plain NBD only)");
        state_free(s);
        return false;
    }
    if (!parse_server(s, opts, errp) ||
        !block_opts_take_uint(opts, "reconnect-delay", 0, &s->reconnect_delay, errp)) {
        state_free(s);
        return false;
    }
    if (!conn_open(s, &s->conn, errp)) {
        state_free(s);
        return false;
    }
    struct nbd_handle *h = s->conn->h;
    int64_t size = nbd_get_size(h);
    if (size < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "%s: %s", s->desc, nbd_get_error());
        state_free(s);
        return false;
    }
    s->size = size;
    s->read_only = nbd_is_read_only(h) == 1;
    s->can_flush = nbd_can_flush(h) == 1;
    s->can_fua = nbd_can_fua(h) == 1;
    s->can_trim = nbd_can_trim(h) == 1;
    s->can_zero = nbd_can_zero(h) == 1;
    if (s->read_only && !bs->read_only) {
        if (!bs->auto_read_only) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_PERM,
                        "%s is a read-only export: open it with read-only=on", s->desc);
            state_free(s);
            return false;
        }
        bs->read_only = true;
    }
    bs->opaque = s;
    bs->filename = g_strdup(s->desc);
    return true;
}

static void nbdc_close(BlockNode *bs)
{
    state_free(bs->opaque);
    bs->opaque = NULL;
}

/* An export has a fixed size.  As QEMU does for non-exact truncation, a
 * smaller size is accepted and leaves the export as it is (a format such
 * as qcow2 created on it "truncates" its file to 0 first and then only
 * uses the space it writes); growing is refused. */
static bool nbdc_truncate(BlockNode *bs, uint64_t size, GError **errp)
{
    NbdState *s = bs->opaque;
    if (size > s->size) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Cannot grow %s to %" G_GUINT64_FORMAT " bytes: an NBD export has a fixed "
                    "size (%" G_GUINT64_FORMAT ")", s->desc, size, s->size);
        return false;
    }
    return true;
}

static const BlockDriver nbd_driver = {
    .name = "nbd",
    .open = nbdc_open,
    .close = nbdc_close,
    .preadv = nbdc_preadv,
    .pwritev = nbdc_pwritev,
    .flush = nbdc_flush,
    .pdiscard = nbdc_pdiscard,
    .pwrite_zeroes = nbdc_pwrite_zeroes,
    .getlength = nbdc_getlength,
    .truncate = nbdc_truncate,
};

static const TypeInfo nbd_type = {
    .name = TYPE_BLOCK_DRIVER_PREFIX "nbd", .parent = TYPE_BLOCK_DRIVER,
    .category = "block-driver", .description = "protocol: an NBD server's export (libnbd)",
    .class_size = sizeof(BlockDriverClass), .class_init = block_driver_class_init,
    .class_data = &nbd_driver,
};

TESSERA_MODULE(.name = "block-nbd", .kind = "backend", .types = TESSERA_TYPES(&nbd_type));
