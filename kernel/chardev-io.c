/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the fd-based chardev backends (stdio, pipe, socket,
 * pty): the ChardevStream that moves bytes between a pair of fds and a
 * frontend from the main loop, the terminal raw-mode switch for stdio, and
 * option parsing.
 *
 * Input is read only when the frontend can take it, and never more than it
 * said: when can_read() drops to 0 the input watch is removed, and
 * chardev_stream_accept_input() (the frontend has room again) re-adds it.
 * Output goes straight to the fd when it can take it; the rest waits in a
 * bounded buffer flushed by an output watch.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>

#include "kernel/chardev.h"
#include "kernel/log.h"
#include "kernel/runstate.h"

/* Largest read handed to a frontend at once. */
#define STREAM_READ_CHUNK 4096
/* At close, held output gets this long to leave (the last guest output
 * before exit matters most). */
#define STREAM_CLOSE_FLUSH_MS 500
/* Writes to a blocking fd are cut into pieces a pipe takes atomically once
 * poll() says it is writable, so they cannot block. */
#define BLOCKING_WRITE_CHUNK PIPE_BUF

/* ---- options ------------------------------------------------------------ */

bool chardev_opt_bool(OptDict *opts, const char *key, bool def, bool *out, GError **errp)
{
    static const char *const yes[] = { "on", "yes", "true", NULL };
    static const char *const no[] = { "off", "no", "false", NULL };
    const char *v = opt_dict_get(opts, key);

    *out = def;
    if (!v) {
        return true;
    }
    if (g_strv_contains(yes, v)) {
        *out = true;
        return true;
    }
    if (g_strv_contains(no, v)) {
        *out = false;
        return true;
    }
    g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                "invalid value '%s' for '%s' (expected on or off)", v, key);
    return false;
}

bool chardev_opt_uint(OptDict *opts, const char *key, uint64_t min, uint64_t max, uint64_t def,
                      uint64_t *out, GError **errp)
{
    const char *v = opt_dict_get(opts, key);
    guint64 n;

    *out = def;
    if (!v) {
        return true;
    }
    /* Decimal digits only: no sign, no space, no wrap-around. */
    if (!*v || !g_ascii_isdigit(v[0]) || !g_ascii_string_to_unsigned(v, 10, min, max, &n, NULL)) {
        g_autofree char *shown = g_utf8_make_valid(v, -1);
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "invalid value '%s' for '%s' (expected %" G_GUINT64_FORMAT " to %"
                    G_GUINT64_FORMAT ")", shown, key, min, max);
        return false;
    }
    *out = n;
    return true;
}

/* ---- stream ------------------------------------------------------------- */

static void stream_drop_source(GSource **src)
{
    if (*src) {
        g_source_destroy(*src);
        g_source_unref(*src);
        *src = NULL;
    }
}

static GSource *stream_add_source(GSource *src, GSourceFunc fn, ChardevStream *st)
{
    g_source_set_callback(src, fn, st, NULL);
    g_source_attach(src, main_loop_context());
    return src;
}

static gboolean stream_hangup_idle(gpointer opaque)
{
    ChardevStream *st = opaque;

    devlock_lock();
    g_source_unref(st->hup_idle);
    st->hup_idle = NULL;
    st->hangup(st->chr);
    devlock_unlock();
    return G_SOURCE_REMOVE;
}

/* Report the peer gone once per set of fds.  Deferred to the main loop so
 * that a frontend's chardev_write() never sees the connection torn down
 * under it. */
static void stream_report_hangup(ChardevStream *st)
{
    if (st->hung || !st->hangup) {
        return;
    }
    st->hung = true;
    if (!st->hup_idle) {
        st->hup_idle = stream_add_source(g_idle_source_new(), stream_hangup_idle, st);
    }
}

/* Bytes written, 0 when the fd cannot take any now, -1 on a fatal error. */
static ssize_t stream_raw_write(ChardevStream *st, const uint8_t *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        size_t n = len - done;
        ssize_t w;
        if (st->out_poll) {
            struct pollfd pfd = { .fd = st->out_fd, .events = POLLOUT };
            if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLOUT)) {
                break;
            }
            n = MIN(n, BLOCKING_WRITE_CHUNK);
        }
        if (st->out_socket) {
            w = send(st->out_fd, buf + done, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        } else {
            w = write(st->out_fd, buf + done, n);
        }
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            }
            return done ? (ssize_t)done : -1;
        }
        done += w;
    }
    return done;
}

/* Keep @buf for later, dropping the oldest held bytes beyond the bound. */
static void stream_hold(ChardevStream *st, const uint8_t *buf, size_t len)
{
    size_t excess;

    if (st->chr->keep_output) {
        g_byte_array_append(st->pending, buf, len);
        return;
    }
    if (len >= st->pending_max) {
        excess = st->pending->len + len - st->pending_max;
        g_byte_array_set_size(st->pending, 0);
        buf += len - st->pending_max;
        len = st->pending_max;
    } else {
        excess = st->pending->len + len > st->pending_max
                     ? st->pending->len + len - st->pending_max : 0;
        if (excess) {
            g_byte_array_remove_range(st->pending, 0, excess);
        }
    }
    if (excess && !st->drop_warned) {
        warn_report("chardev '%s': output not taken, dropping the oldest %zu bytes",
                    st->chr->label ? st->chr->label : "?", excess);
        st->drop_warned = true;
    }
    g_byte_array_append(st->pending, buf, len);
}

static bool stream_can_output(ChardevStream *st)
{
    return st->out_fd >= 0 && !st->out_broken;
}

static void stream_out_failed(ChardevStream *st)
{
    st->out_broken = true;
    stream_drop_source(&st->out_src);
    stream_report_hangup(st);
}

static gboolean stream_out_cb(gint fd, GIOCondition cond, gpointer opaque);

/* Write held output; keep an output watch while some is left. */
static void stream_flush(ChardevStream *st)
{
    if (!stream_can_output(st)) {
        return;
    }
    if (st->pending->len) {
        ssize_t w = stream_raw_write(st, st->pending->data, st->pending->len);
        if (w < 0) {
            stream_out_failed(st);
            return;
        }
        g_byte_array_remove_range(st->pending, 0, w);
    }
    if (!st->pending->len) {
        st->drop_warned = false;
        stream_drop_source(&st->out_src);
        if (st->chr->keep_output && !st->in_src) {
            chardev_accept_input(st->chr); /* the frontend may have paused input for it */
        }
    } else if (!st->out_src) {
        st->out_src = stream_add_source(g_unix_fd_source_new(st->out_fd, G_IO_OUT),
                                        G_SOURCE_FUNC(stream_out_cb), st);
    }
}

static gboolean stream_out_cb(gint fd, GIOCondition cond, gpointer opaque)
{
    ChardevStream *st = opaque;

    devlock_lock();
    if (g_main_current_source() == st->out_src) {
        stream_flush(st);
    }
    devlock_unlock();
    return G_SOURCE_CONTINUE; /* stream_flush destroys it when done */
}

int chardev_stream_write(ChardevStream *st, const uint8_t *buf, int len)
{
    size_t done = 0;

    devlock_lock();
    if (stream_can_output(st) && !st->pending->len) {
        ssize_t w = stream_raw_write(st, buf, len);
        if (w < 0) {
            stream_out_failed(st);
        } else {
            done = w;
        }
    }
    if (done < (size_t)len) {
        stream_hold(st, buf + done, len - done);
        stream_flush(st);
    }
    devlock_unlock();
    return len;
}

static void stream_stop_input(ChardevStream *st)
{
    stream_drop_source(&st->in_src);
    st->in_fd = -1;
}

void chardev_set_msgfds(Chardev *chr, const int *fds, size_t n)
{
    for (guint i = 0; chr->msgfds && i < chr->msgfds->len; i++) {
        close(g_array_index(chr->msgfds, int, i));
    }
    if (chr->msgfds) {
        g_array_set_size(chr->msgfds, 0);
    }
    if (n) {
        if (!chr->msgfds) {
            chr->msgfds = g_array_new(false, false, sizeof(int));
        }
        g_array_append_vals(chr->msgfds, fds, (guint)n);
    } else if (chr->msgfds) {
        g_array_unref(chr->msgfds);
        chr->msgfds = NULL;
    }
}

int chardev_take_msgfd(Chardev *chr)
{
    if (!chr->msgfds || !chr->msgfds->len) {
        return -1;
    }
    int fd = g_array_index(chr->msgfds, int, 0);
    g_array_remove_index(chr->msgfds, 0);
    return fd;
}

#define STREAM_MAX_MSGFDS 16

/* read(), or on a socket recvmsg() keeping the fds passed with the data. */
static ssize_t stream_read(ChardevStream *st, int fd, uint8_t *buf, size_t len)
{
    if (!st->out_socket) {
        return read(fd, buf, len);
    }
    union {
        struct cmsghdr align;
        char space[CMSG_SPACE(sizeof(int) * STREAM_MAX_MSGFDS)];
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = control.space, .msg_controllen = sizeof(control) };
    ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    int fds[STREAM_MAX_MSGFDS];
    size_t nfds = 0;
    for (struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int passed;
            memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (nfds < STREAM_MAX_MSGFDS) {
                fds[nfds++] = passed;
            } else {
                close(passed);
            }
        }
    }
    if (nfds) {
        chardev_set_msgfds(st->chr, fds, nfds);
    }
    return n;
}

static gboolean stream_in_cb(gint fd, GIOCondition cond, gpointer opaque)
{
    ChardevStream *st = opaque;
    uint8_t buf[STREAM_READ_CHUNK];

    devlock_lock();
    if (g_main_current_source() != st->in_src) {
        devlock_unlock();
        return G_SOURCE_CONTINUE; /* already destroyed */
    }
    int room = chardev_be_can_read(st->chr);
    if (room <= 0) {
        /* Wait for chardev_stream_accept_input(). */
        stream_drop_source(&st->in_src);
    } else {
        ssize_t n = stream_read(st, fd, buf, MIN((size_t)room, sizeof(buf)));
        if (n > 0) {
            chardev_be_read(st->chr, buf, n);
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
            stream_stop_input(st);
            stream_report_hangup(st);
        }
    }
    devlock_unlock();
    return G_SOURCE_CONTINUE; /* removal goes through stream_drop_source() */
}

static gboolean stream_hup_cb(gint fd, GIOCondition cond, gpointer opaque)
{
    ChardevStream *st = opaque;

    devlock_lock();
    /* While input flows, reading drains what the peer sent last and then
     * finds the end of file; only a paused stream relies on the hangup. */
    if (g_main_current_source() == st->hup_src && !st->in_src) {
        stream_drop_source(&st->hup_src);
        stream_report_hangup(st);
    }
    devlock_unlock();
    return G_SOURCE_CONTINUE;
}

void chardev_stream_accept_input(ChardevStream *st)
{
    devlock_lock();
    if (st->in_fd >= 0 && !st->in_src && chardev_be_can_read(st->chr) > 0) {
        st->in_src = stream_add_source(g_unix_fd_source_new(st->in_fd, G_IO_IN),
                                       G_SOURCE_FUNC(stream_in_cb), st);
    }
    devlock_unlock();
}

void chardev_stream_init(ChardevStream *st, Chardev *chr, size_t pending_max,
                         void (*hangup)(Chardev *chr))
{
    g_assert(pending_max > 0);
    *st = (ChardevStream) {
        .chr = chr,
        .in_fd = -1,
        .out_fd = -1,
        .pending = g_byte_array_new(),
        .pending_max = pending_max,
        .hangup = hangup,
    };
    chr->stream = st;
}

void chardev_stream_set_fds(ChardevStream *st, int in_fd, int out_fd)
{
    devlock_lock();
    stream_drop_source(&st->in_src);
    stream_drop_source(&st->out_src);
    stream_drop_source(&st->hup_src);
    stream_drop_source(&st->hup_idle);
    st->in_fd = in_fd;
    st->out_fd = out_fd;
    st->out_broken = false;
    st->hung = false;
    if (st->hangup && in_fd >= 0) {
        /* Notices a peer leaving even while input is paused. */
        st->hup_src = stream_add_source(g_unix_fd_source_new(in_fd, G_IO_HUP | G_IO_ERR),
                                        G_SOURCE_FUNC(stream_hup_cb), st);
    }
    stream_flush(st);
    chardev_stream_accept_input(st);
    devlock_unlock();
}

static void stream_final_flush(ChardevStream *st)
{
    gint64 end = g_get_monotonic_time() + STREAM_CLOSE_FLUSH_MS * 1000;

    while (st->pending->len && stream_can_output(st)) {
        gint64 left_ms = (end - g_get_monotonic_time()) / 1000;
        struct pollfd pfd = { .fd = st->out_fd, .events = POLLOUT };
        if (left_ms <= 0 || poll(&pfd, 1, left_ms) <= 0) {
            break;
        }
        ssize_t w = stream_raw_write(st, st->pending->data, st->pending->len);
        if (w < 0) {
            break;
        }
        g_byte_array_remove_range(st->pending, 0, w);
    }
}

void chardev_stream_destroy(ChardevStream *st)
{
    if (!st->pending) {
        return; /* never initialised (open failed early) or already gone */
    }
    devlock_lock();
    stream_final_flush(st);
    stream_drop_source(&st->in_src);
    stream_drop_source(&st->out_src);
    stream_drop_source(&st->hup_src);
    stream_drop_source(&st->hup_idle);
    g_byte_array_unref(st->pending);
    st->pending = NULL;
    if (st->chr && st->chr->stream == st) {
        st->chr->stream = NULL;
    }
    st->in_fd = st->out_fd = -1;
    if (st->chr && st->chr->stream == st) {
        st->chr->stream = NULL;
    }
    devlock_unlock();
}

/* ---- terminal ----------------------------------------------------------- */

/* The terminal's mode before stdio changed it: one terminal per process. */
static struct {
    GMutex lock;
    bool saved;
    bool atexit_done;
    int fd;
    struct termios orig;
} term;

void chardev_term_restore(void)
{
    g_mutex_lock(&term.lock);
    if (term.saved) {
        tcsetattr(term.fd, TCSANOW, &term.orig);
        term.saved = false;
    }
    g_mutex_unlock(&term.lock);
}

static void term_restore_at_exit(void)
{
    chardev_term_restore();
}

bool chardev_term_set_raw(int fd, bool allow_signals, GError **errp)
{
    struct termios t;
    bool ok = true;

    if (!isatty(fd)) {
        return true;
    }
    g_mutex_lock(&term.lock);
    if (tcgetattr(fd, &t) < 0) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_HOST,
                    "cannot read the terminal mode: %s", g_strerror(errno));
        ok = false;
        goto out;
    }
    if (!term.saved) {
        term.orig = t;
        term.fd = fd;
        term.saved = true;
        if (!term.atexit_done) {
            atexit(term_restore_at_exit);
            term.atexit_done = true;
        }
    }
    /* Bytes pass unchanged: no line editing, echo, CR/NL mapping, flow
     * control or parity stripping.  Output processing stays on so the
     * guest's "\n" still returns the carriage. */
    t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag |= OPOST;
    t.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (allow_signals) {
        t.c_lflag |= ISIG;
    } else {
        t.c_lflag &= ~ISIG;
    }
    t.c_cflag &= ~(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &t) < 0) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_HOST,
                    "cannot set the terminal mode: %s", g_strerror(errno));
        ok = false;
    }
out:
    g_mutex_unlock(&term.lock);
    return ok;
}
