/* SPDX-License-Identifier: MIT */
/*
 * Opening and reading the files users name; see hostfile.h.
 */
#include "kernel/hostfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/core.h"
#include "kernel/fdpass.h"

static void file_error(GError **errp, const char *path, const char *what, int err)
{
    g_autofree char *shown = g_utf8_make_valid(path, -1);
    g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "could not %s '%s': %s", what, shown,
                g_strerror(err));
}

static bool make_blocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0;
}

static const char *file_kind(mode_t mode)
{
    return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO"
         : S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device"
         : S_ISSOCK(mode) ? "a socket" : "something else";
}

int host_file_open(const char *path, int flags, mode_t mode)
{
    int64_t set_id;
    if (fdset_path(path, &set_id)) {
        return fdset_open(set_id, flags);
    }
    return open(path, flags, mode);
}

int host_file_open_read(const char *path, uint64_t max_size, uint64_t *size, GError **errp)
{
    g_autofree char *shown = g_utf8_make_valid(path, -1);
    uint64_t limit = max_size ? max_size : HOST_FILE_MAX_READ;
    int fd = host_file_open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
    if (fd < 0) {
        file_error(errp, path, "open", errno);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        file_error(errp, path, "examine", errno);
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "'%s' is not a regular file (it is %s)", shown, file_kind(st.st_mode));
        close(fd);
        return -1;
    }
    if ((uint64_t)st.st_size > limit) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "'%s' is too large (%" PRIu64 " bytes, at most %" PRIu64 " fit)", shown,
                    (uint64_t)st.st_size, limit);
        close(fd);
        return -1;
    }
    if (!make_blocking(fd)) {
        file_error(errp, path, "open", errno);
        close(fd);
        return -1;
    }
    if (size) {
        *size = (uint64_t)st.st_size;
    }
    return fd;
}

bool host_file_read(const char *path, uint64_t max_size, char **data, size_t *len,
                    GError **errp)
{
    uint64_t size;
    int fd = host_file_open_read(path, max_size, &size, errp);
    if (fd < 0) {
        return false;
    }
    /* One byte more than fstat said: a file that grew is noticed. */
    char *buf = g_try_malloc(size + 1);
    if (!buf) {
        g_autofree char *shown = g_utf8_make_valid(path, -1);
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "'%s': not enough memory to read %" PRIu64 " bytes", shown, size);
        close(fd);
        return false;
    }
    size_t got = 0;
    while (got <= size) {
        ssize_t n = read(fd, buf + got, size + 1 - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            file_error(errp, path, "read", errno);
            g_free(buf);
            close(fd);
            return false;
        }
        if (n == 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    if (got > size) {
        g_autofree char *shown = g_utf8_make_valid(path, -1);
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "'%s' changed while it was read",
                    shown);
        g_free(buf);
        return false;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return true;
}

int host_file_open_write(const char *path, int extra_flags, GError **errp)
{
    int fd = host_file_open(path, O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC | O_NOCTTY |
                            extra_flags, 0666);
    if (fd < 0 && errno == ENXIO) {
        g_autofree char *shown = g_utf8_make_valid(path, -1);
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "could not open '%s': it is a FIFO that nobody is reading", shown);
        return -1;
    }
    if (fd < 0) {
        file_error(errp, path, "open", errno);
        return -1;
    }
    if (!make_blocking(fd)) {
        file_error(errp, path, "open", errno);
        close(fd);
        return -1;
    }
    return fd;
}

bool host_file_write(const char *path, const void *data, size_t len, GError **errp)
{
    int fd = host_file_open_write(path, O_TRUNC, errp);
    if (fd < 0) {
        return false;
    }
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            file_error(errp, path, "write", n < 0 ? errno : EIO);
            close(fd);
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    if (close(fd) != 0) {
        file_error(errp, path, "write", errno);
        return false;
    }
    return true;
}
