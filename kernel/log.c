/* SPDX-License-Identifier: MIT */
/*
 * Logging (-d/-D) and error reporting.
 *
 * log_mask_printf() may be called from any vCPU thread: each call formats
 * its text first and writes it under one lock, so lines from different
 * threads do not mix as long as each call writes whole lines.  The -D file
 * is line-buffered so that a crashed run still leaves its last lines.
 * Nothing here ever waits for a reader (see "Output that never blocks").
 */
#include "kernel/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/core.h"
#include "kernel/hostfile.h"

#define PROGNAME_DEFAULT "tessera"

const LogCategory log_categories[] = {
    { .name = "guest_errors", .mask = LOG_GUEST_ERROR,
      .help = "log when the guest does something invalid (bad register, bad access size)" },
    { .name = "unimp", .mask = LOG_UNIMP,
      .help = "log when the guest uses a feature that is not emulated" },
    { .name = "in_asm", .mask = LOG_IN_ASM,
      .help = "show the guest instructions of each translated block" },
    { .name = "exec", .mask = LOG_EXEC,
      .help = "show each translated block as it runs" },
    { .name = "int", .mask = LOG_INT,
      .help = "show interrupts and exceptions as they are taken" },
    { .name = "cpu", .mask = LOG_CPU,
      .help = "show the CPU registers before each translated block runs" },
    { .name = "op", .mask = LOG_OP,
      .help = "show the intermediate code of each translated block" },
    { .name = "mmu", .mask = LOG_MMU,
      .help = "log MMU page walks and faults" },
    { .name = "out_asm", .mask = LOG_OUT_ASM,
      .help = "show the host code generated for each translated block" },
    { .name = NULL },
};

unsigned log_current_mask;

/*
 * Output that never blocks its caller.  A -D regular file is written at
 * once (line-buffered FILE).  stderr, or a -D FIFO, may be a pipe nobody
 * drains: a vCPU or the monitor must not wait on it.  Text is written at
 * once only when poll() says the descriptor takes it without blocking
 * (PIPE_BUF bytes or fewer, nothing queued before it); otherwise it joins a
 * bounded queue that one writer thread drains with blocking writes.  When
 * the queue is full whole messages are dropped and counted, and a line
 * saying how many follows once the output moves again.
 */
#define LOG_QUEUE_MAX (1024 * 1024)
/* At exit, queued text gets this long to drain (a stuck pipe is left). */
#define LOG_EXIT_FLUSH_MS 2000

typedef struct LogChunk {
    int fd;
    size_t len;
    char text[];
} LogChunk;

static GMutex log_lock;        /* the queue, the destination, progname */
static GMutex write_lock;      /* held by the writer thread around write() */
static GCond queue_cond;       /* work for the writer */
static GCond idle_cond;        /* queue drained */
static GQueue log_queue = G_QUEUE_INIT;
static size_t queued_bytes;
static uint64_t dropped;
static int dropped_fd = -1;
static bool in_flight;         /* the writer holds a chunk it is writing */
static GThread *writer;
static FILE *log_out;          /* the -D file (regular), or NULL */
static int log_fd = -1;        /* the -D file when it is not regular (FIFO...) */
static int stderr_regular = -1; /* fstat(2) said regular: -1 unknown */
static char *progname;
static bool msg_timestamp;      /* -msg timestamp=on */
static char *msg_guest_name;    /* -msg guest-name=on: the -name */

static bool fd_is_regular(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* Write all of @text; EINTR retried, other errors give up (logs are lossy). */
static void write_fully(int fd, const char *text, size_t len)
{
    while (len) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        text += n;
        len -= (size_t)n;
    }
}

static gpointer log_writer(gpointer unused)
{
    g_mutex_lock(&log_lock);
    for (;;) {
        while (g_queue_is_empty(&log_queue)) {
            if (dropped) {
                char *line = g_strdup_printf("%s: %" PRIu64 " log messages were dropped: the"
                                             " log output was not being read\n",
                                             progname ? progname : PROGNAME_DEFAULT, dropped);
                size_t len = strlen(line);
                LogChunk *c = g_malloc(sizeof(*c) + len + 1);
                c->fd = dropped_fd;
                c->len = len;
                memcpy(c->text, line, len + 1);
                g_free(line);
                g_queue_push_tail(&log_queue, c);
                dropped = 0;
                break;
            }
            g_cond_broadcast(&idle_cond);
            g_cond_wait(&queue_cond, &log_lock);
        }
        LogChunk *c = g_queue_pop_head(&log_queue);
        queued_bytes -= MIN(queued_bytes, c->len);
        in_flight = true;
        g_mutex_unlock(&log_lock);
        g_mutex_lock(&write_lock);
        write_fully(c->fd, c->text, c->len);
        g_mutex_unlock(&write_lock);
        g_free(c);
        g_mutex_lock(&log_lock);
        in_flight = false;
    }
    return NULL;
}

/* Would writing @len bytes to @fd return without waiting? */
static bool writable_now(int fd, size_t len)
{
    if (fd == STDERR_FILENO && stderr_regular < 0) {
        stderr_regular = fd_is_regular(fd);
    }
    if (fd == STDERR_FILENO && stderr_regular) {
        return true;
    }
    struct pollfd pfd = { .fd = fd, .events = POLLOUT };
    return len <= PIPE_BUF && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT);
}

static void flush_at_exit(void)
{
    log_flush(LOG_EXIT_FLUSH_MS);
}

/* Emit @text to @fd without blocking; called with log_lock held. */
static void emit_locked(int fd, const char *text)
{
    size_t len = strlen(text);
    if (g_queue_is_empty(&log_queue) && !in_flight && writable_now(fd, len)) {
        write_fully(fd, text, len);
        return;
    }
    if (queued_bytes + len > LOG_QUEUE_MAX) {
        dropped++;
        dropped_fd = fd;
        return;
    }
    LogChunk *c = g_malloc(sizeof(*c) + len + 1);
    c->fd = fd;
    c->len = len;
    memcpy(c->text, text, len + 1);
    g_queue_push_tail(&log_queue, c);
    queued_bytes += len;
    if (!writer) {
        writer = g_thread_new(core_thread_name("log-writer"), log_writer, NULL);
        atexit(flush_at_exit);
    }
    g_cond_signal(&queue_cond);
}

bool log_flush(unsigned timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * G_TIME_SPAN_MILLISECOND;
    g_mutex_lock(&log_lock);
    bool done = true;
    while (!g_queue_is_empty(&log_queue) || in_flight || (writer && dropped)) {
        if (!g_cond_wait_until(&idle_cond, &log_lock, deadline)) {
            done = false;
            break;
        }
    }
    if (log_out) {
        fflush(log_out);
    }
    g_mutex_unlock(&log_lock);
    return done;
}

uint64_t log_dropped_count(void)
{
    g_mutex_lock(&log_lock);
    uint64_t n = dropped;
    g_mutex_unlock(&log_lock);
    return n;
}

static const LogCategory *log_category_find(const char *name)
{
    for (const LogCategory *c = log_categories; c->name; c++) {
        if (!strcmp(c->name, name)) {
            return c;
        }
    }
    return NULL;
}

bool log_set_mask_str(const char *str, GError **errp)
{
    unsigned mask = 0;
    char **items = g_strsplit(str, ",", -1);
    bool ok = true;
    for (char **it = items; *it; it++) {
        if (!**it) {
            continue;
        }
        if (!strcmp(*it, "help") || !strcmp(*it, "?")) {
            /* The caller prints log_format_categories(); nothing to set. */
            g_strfreev(items);
            return true;
        }
        const LogCategory *c = log_category_find(*it);
        if (!c) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "unknown -d category '%s' (use -d help to list them)", *it);
            ok = false;
            break;
        }
        mask |= c->mask;
    }
    g_strfreev(items);
    if (ok) {
        log_current_mask = mask;
    }
    return ok;
}

/* Drop queued chunks for @fd (it is being closed); with log_lock held. */
static void purge_fd_locked(int fd)
{
    for (GList *l = log_queue.head; l;) {
        GList *next = l->next;
        LogChunk *c = l->data;
        if (c->fd == fd) {
            queued_bytes -= MIN(queued_bytes, c->len);
            g_free(c);
            g_queue_delete_link(&log_queue, l);
        }
        l = next;
    }
}

bool log_set_file(const char *path, GError **errp)
{
    FILE *f = NULL;
    int fd = -1;
    if (path) {
        GError *err = NULL;
        fd = host_file_open_write(path, O_TRUNC, &err);
        if (fd < 0) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-D %s: %s", path, err->message);
            g_error_free(err);
            return false;
        }
        if (fd_is_regular(fd)) {
            f = fdopen(fd, "w");
            g_assert(f);
            setvbuf(f, NULL, _IOLBF, 0);
            fd = -1;
        }
    }
    log_flush(LOG_EXIT_FLUSH_MS);
    g_mutex_lock(&log_lock);
    FILE *old = log_out;
    int old_fd = log_fd;
    log_out = f;
    log_fd = fd;
    if (old_fd >= 0) {
        purge_fd_locked(old_fd);
    }
    g_mutex_unlock(&log_lock);
    g_mutex_lock(&write_lock); /* the writer is not inside write() on old_fd */
    if (old) {
        fclose(old);
    }
    if (old_fd >= 0) {
        close(old_fd);
    }
    g_mutex_unlock(&write_lock);
    return true;
}

FILE *log_file(void)
{
    g_mutex_lock(&log_lock);
    FILE *f = log_out ? log_out : stderr;
    g_mutex_unlock(&log_lock);
    return f;
}

void log_mask_printf(unsigned mask, const char *fmt, ...)
{
    if (!log_enabled(mask)) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_mutex_lock(&log_lock);
    if (log_out) {
        fputs(text, log_out);
    } else {
        emit_locked(log_fd >= 0 ? log_fd : STDERR_FILENO, text);
    }
    g_mutex_unlock(&log_lock);
    g_free(text);
}

char *log_format_categories(void)
{
    GString *s = g_string_new(NULL); /* one line per category; callers add a heading */
    int width = 0;
    for (const LogCategory *c = log_categories; c->name; c++) {
        width = MAX(width, (int)strlen(c->name));
    }
    for (const LogCategory *c = log_categories; c->name; c++) {
        g_string_append_printf(s, "%-*s  %s\n", width, c->name, c->help);
    }
    return g_string_free(s, FALSE);
}

/* Error reporting */

void error_set_progname(const char *name)
{
    g_mutex_lock(&log_lock);
    g_free(progname);
    progname = g_strdup(name);
    g_mutex_unlock(&log_lock);
}

void error_set_message_format(bool timestamp, const char *guest_name)
{
    g_mutex_lock(&log_lock);
    msg_timestamp = timestamp;
    g_free(msg_guest_name);
    msg_guest_name = g_strdup(guest_name);
    g_mutex_unlock(&log_lock);
}

/* One write per message, so concurrent reports do not interleave. */
static void report(const char *kind, const char *fmt, va_list ap)
{
    char *msg = g_strdup_vprintf(fmt, ap);
    g_autofree char *stamp = NULL;
    g_mutex_lock(&log_lock);
    if (msg_timestamp) {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();
        g_autofree char *base = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S");
        stamp = g_strdup_printf("%s.%06dZ ", base, g_date_time_get_microsecond(now));
    }
    char *line = g_strdup_printf("%s%s%s%s: %s%s\n", stamp ? stamp : "",
                                 msg_guest_name ? msg_guest_name : "",
                                 msg_guest_name ? " " : "",
                                 progname ? progname : PROGNAME_DEFAULT, kind, msg);
    fflush(stderr); /* anything stdio buffered for stderr goes first */
    emit_locked(STDERR_FILENO, line);
    g_mutex_unlock(&log_lock);
    g_free(line);
    g_free(msg);
}

void error_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("", fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("warning: ", fmt, ap);
    va_end(ap);
}

void error_report_gerror(GError *err)
{
    g_assert(err);
    error_report("%s", err->message);
}
