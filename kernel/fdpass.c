/* SPDX-License-Identifier: MIT */
/* Passed file descriptors (kernel/fdpass.h). */
#include <errno.h>
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
