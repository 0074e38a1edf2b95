/* SPDX-License-Identifier: MIT */
/* Passed file descriptors (kernel/fdpass.h). */
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "kernel/core.h"
#include "kernel/fdpass.h"

static GMutex fd_lock;
static GHashTable *named_fds;   /* name -> fd (GINT_TO_POINTER) */

static GHashTable *table(void)
{
    if (!named_fds) {
        named_fds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    }
    return named_fds;
}

void fdpass_add_named(const char *name, int fd)
{
    gpointer old;
    g_mutex_lock(&fd_lock);
    if (g_hash_table_lookup_extended(table(), name, NULL, &old)) {
        close(GPOINTER_TO_INT(old));
    }
    g_hash_table_insert(table(), g_strdup(name), GINT_TO_POINTER(fd));
    g_mutex_unlock(&fd_lock);
}

bool fdpass_close_named(const char *name)
{
    gpointer old;
    g_mutex_lock(&fd_lock);
    bool found = g_hash_table_lookup_extended(table(), name, NULL, &old);
    if (found) {
        close(GPOINTER_TO_INT(old));
        g_hash_table_remove(table(), name);
    }
    g_mutex_unlock(&fd_lock);
    return found;
}

int fdpass_resolve(const char *text, GError **errp)
{
    if (g_ascii_isdigit(text[0])) {
        char *end;
        errno = 0;
        long v = strtol(text, &end, 10);
        if (*end || errno || v > G_MAXINT) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "fd=%s: not a file descriptor",
                        text);
            return -1;
        }
        if (fcntl((int)v, F_GETFD) < 0) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "fd=%s: no such open file descriptor", text);
            return -1;
        }
        return (int)v;
    }
    gpointer key, fd;
    g_mutex_lock(&fd_lock);
    bool found = g_hash_table_steal_extended(table(), text, &key, &fd);
    g_mutex_unlock(&fd_lock);
    g_free(found ? key : NULL);
    if (!found) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                    "File descriptor named '%s' has not been found", text);
        return -1;
    }
    return GPOINTER_TO_INT(fd);
}

/* ---- fd sets ---------------------------------------------------------------- */

typedef struct Fdset {
    int64_t id;
    GArray *fds;                /* FdsetFd */
} Fdset;

static GMutex set_lock;
static GPtrArray *fdsets;       /* Fdset *, sorted by id */

static void fdset_fd_clear(gpointer p)
{
    FdsetFd *f = p;
    close(f->fd);
    g_free(f->opaque);
}

static guint fdset_index(int64_t id, bool *found)
{
    guint i = 0;
    for (; fdsets && i < fdsets->len; i++) {
        Fdset *s = g_ptr_array_index(fdsets, i);
        if (s->id >= id) {
            *found = s->id == id;
            return i;
        }
    }
    *found = false;
    return i;
}

int64_t fdset_add_fd(int64_t set_id, int fd, const char *opaque, GError **errp)
{
    if (set_id < -1) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "fdset-id %" G_GINT64_FORMAT ": must be 0 or more", set_id);
        return -1;
    }
    g_mutex_lock(&set_lock);
    if (!fdsets) {
        fdsets = g_ptr_array_new();
    }
    if (set_id == -1) {
        /* The lowest id no set has. */
        set_id = 0;
        for (guint i = 0; i < fdsets->len; i++) {
            Fdset *s = g_ptr_array_index(fdsets, i);
            if (s->id != set_id) {
                break;
            }
            set_id++;
        }
    }
    bool found;
    guint at = fdset_index(set_id, &found);
    Fdset *s;
    if (found) {
        s = g_ptr_array_index(fdsets, at);
    } else {
        s = g_new0(Fdset, 1);
        s->id = set_id;
        s->fds = g_array_new(false, false, sizeof(FdsetFd));
        g_array_set_clear_func(s->fds, fdset_fd_clear);
        g_ptr_array_insert(fdsets, (gint)at, s);
    }
    FdsetFd f = { .fd = fd, .opaque = g_strdup(opaque) };
    g_array_append_val(s->fds, f);
    g_mutex_unlock(&set_lock);
    return set_id;
}

bool fdset_remove_fd(int64_t set_id, int fd, GError **errp)
{
    g_mutex_lock(&set_lock);
    bool found;
    guint at = fdset_index(set_id, &found);
    bool done = false;
    if (found) {
        Fdset *s = g_ptr_array_index(fdsets, at);
        for (guint i = 0; i < s->fds->len; i++) {
            if (fd == -1 || g_array_index(s->fds, FdsetFd, i).fd == fd) {
                g_array_remove_index(s->fds, i--);
                done = true;
            }
        }
        if (!s->fds->len) {
            g_array_unref(s->fds);
            g_free(s);
            g_ptr_array_remove_index(fdsets, at);
        }
    }
    g_mutex_unlock(&set_lock);
    if (!done) {
        g_autofree char *what = fd == -1
            ? g_strdup_printf("fdset-id:%" G_GINT64_FORMAT, set_id)
            : g_strdup_printf("fdset-id:%" G_GINT64_FORMAT ", fd:%d", set_id, fd);
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                    "File descriptor named '%s' not found", what);
    }
    return done;
}

void fdset_foreach(void (*fn)(int64_t set_id, const FdsetFd *fds, guint n, void *opaque),
                   void *opaque)
{
    g_mutex_lock(&set_lock);
    for (guint i = 0; fdsets && i < fdsets->len; i++) {
        Fdset *s = g_ptr_array_index(fdsets, i);
        fn(s->id, (const FdsetFd *)(void *)s->fds->data, s->fds->len, opaque);
    }
    g_mutex_unlock(&set_lock);
}

bool fdset_path(const char *path, int64_t *set_id)
{
    if (!g_str_has_prefix(path, "/dev/fdset/")) {
        return false;
    }
    const char *num = path + strlen("/dev/fdset/");
    char *end;
    errno = 0;
    long long v = g_ascii_isdigit(num[0]) ? strtoll(num, &end, 10) : -1;
    *set_id = v >= 0 && !errno && !*end ? v : -1;
    return true;
}

int fdset_open(int64_t set_id, int flags)
{
    g_mutex_lock(&set_lock);
    bool found;
    guint at = fdset_index(set_id, &found);
    int out = -1, err = ENOENT;
    if (found && set_id >= 0) {
        Fdset *s = g_ptr_array_index(fdsets, at);
        err = EACCES;
        for (guint i = 0; i < s->fds->len; i++) {
            int fd = g_array_index(s->fds, FdsetFd, i).fd;
            int fl = fcntl(fd, F_GETFL);
            if (fl >= 0 && (fl & O_ACCMODE) == (flags & O_ACCMODE)) {
                out = fcntl(fd, F_DUPFD_CLOEXEC, 0);
                err = errno;
                break;
            }
        }
    }
    g_mutex_unlock(&set_lock);
    if (out < 0) {
        errno = err;
    }
    return out;
}
