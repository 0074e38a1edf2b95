/* SPDX-License-Identifier: MIT */
/*
 * File descriptors handed to the process by its manager (libvirt):
 * inherited ones named by number ("-chardev socket,fd=25") and ones passed
 * over a monitor socket with SCM_RIGHTS and named by QMP "getfd".
 */
#ifndef TESSERA_KERNEL_FDPASS_H
#define TESSERA_KERNEL_FDPASS_H

#include <glib.h>
#include <stdbool.h>

/* getfd: keep @fd under @name (an earlier fd of that name is closed). */
void fdpass_add_named(const char *name, int fd);
/* closefd: false when no fd has that name. */
bool fdpass_close_named(const char *name);
/*
 * An fd= value: a decimal number names an fd this process already has
 * open (checked), anything else a getfd name (the fd is taken out of the
 * table: the caller owns it).  -1 with @errp set otherwise.
 */
int fdpass_resolve(const char *text, GError **errp);

/*
 * fd sets (QMP add-fd, -add-fd): numbered sets of fds, each with an
 * optional opaque text, that a file name "/dev/fdset/N" stands for.
 */
typedef struct FdsetFd {
    int fd;
    char *opaque;               /* NULL: none */
} FdsetFd;

/* Add @fd (taken) to set @set_id, or to a new set with the lowest free id
 * when @set_id is -1.  Returns the set's id, or -1 with @errp set. */
int64_t fdset_add_fd(int64_t set_id, int fd, const char *opaque, GError **errp);
/* Close @fd of set @set_id, or the whole set when @fd is -1; an emptied set
 * goes.  False with @errp set ("File descriptor named ... not found"). */
bool fdset_remove_fd(int64_t set_id, int fd, GError **errp);
/* Call @fn for every set and every fd in it, sets and fds in order. */
void fdset_foreach(void (*fn)(int64_t set_id, const FdsetFd *fds, guint n, void *opaque),
                   void *opaque);
/* @path is "/dev/fdset/N": *set_id gets N (-1 when N is no number). */
bool fdset_path(const char *path, int64_t *set_id);
/*
 * open() for a "/dev/fdset/N" name: a new fd (close-on-exec) duplicated
 * from the set's first fd whose access mode is that of @flags.  -1 with
 * errno ENOENT (no such set) or EACCES (no fd with that access mode).
 */
int fdset_open(int64_t set_id, int flags);

#endif
