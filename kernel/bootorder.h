/* SPDX-License-Identifier: MIT */
/*
 * Boot order: the devices given a "bootindex" (QEMU's property, which
 * libvirt sets on a domain's first disk).  Each index names one device; a
 * board whose firmware searches boot devices reads the list in index order.
 * Tessera's boards boot what -kernel/-bios give them (see -boot), so the
 * registry's job on them is the checks QEMU makes: a valid index, used once.
 */
#ifndef TESSERA_KERNEL_BOOTORDER_H
#define TESSERA_KERNEL_BOOTORDER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Claim @index (-1: none, nothing is recorded) for @owner, named @what
 * in messages.  False with @errp set for index < -1 or one already used. */
bool boot_order_add(int32_t index, const void *owner, const char *what, GError **errp);
/* Release what @owner claimed (no-op when it claimed nothing). */
void boot_order_del(const void *owner);
/* The owners in index order (a new array; the caller frees it). */
GPtrArray *boot_order_list(void);

#endif
