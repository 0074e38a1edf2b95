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

#endif
