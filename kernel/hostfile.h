/* SPDX-License-Identifier: MIT */
/*
 * Files the user names (-kernel, -bios, -dtb, -initrd, -D, dumpdtb=,
 * chardev paths): opened in one place, so that no name can hang start-up
 * or exhaust memory.
 *
 * Every open uses O_NONBLOCK, so a FIFO with nobody on the other side
 * fails at once instead of waiting in open().  Files that are read must be
 * regular files no larger than the caller's bound (checked with fstat on
 * the open descriptor, not by a separate stat of the name).  Files that are
 * written are written through the name as given: a symlink is followed, a
 * device node or a FIFO with a reader is written to, nothing is replaced
 * by renaming.  Errors are CORE_ERROR_INVALID and name the file.
 */
#ifndef TESSERA_KERNEL_HOSTFILE_H
#define TESSERA_KERNEL_HOSTFILE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * open(2) for any file the user names: "/dev/fdset/N" is a duplicate of an
 * fd of set N passed by the manager (kernel/fdpass.h; O_CREAT, O_TRUNC and
 * O_APPEND do not apply: the manager opened it), anything else is opened.
 */
int host_file_open(const char *path, int flags, mode_t mode);

/* The largest file any reader takes when it gives no bound of its own. */
#define HOST_FILE_MAX_READ (2ULL << 30)

/* Open a regular file for reading; *size gets its size (<= @max_size, or
 * HOST_FILE_MAX_READ when 0).  Returns a blocking fd, or -1. */
int host_file_open_read(const char *path, uint64_t max_size, uint64_t *size, GError **errp);
/* Read a whole regular file (bounded as above) into a new buffer. */
bool host_file_read(const char *path, uint64_t max_size, char **data, size_t *len,
                    GError **errp);
/* Open for writing with O_CREAT plus @extra_flags (O_TRUNC or O_APPEND):
 * refuses directories and a FIFO nobody reads.  Returns a blocking fd, or -1. */
int host_file_open_write(const char *path, int extra_flags, GError **errp);
/* Write @len bytes to @path, as host_file_open_write(path, O_TRUNC). */
bool host_file_write(const char *path, const void *data, size_t len, GError **errp);

#endif
