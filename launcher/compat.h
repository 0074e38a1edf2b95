/* SPDX-License-Identifier: MIT */
/*
 * Command-line options management tools (libvirt) rely on: -pidfile,
 * -daemonize and the accelerator fallback list of -machine accel=A:B.
 */
#ifndef TESSERA_LAUNCHER_COMPAT_H
#define TESSERA_LAUNCHER_COMPAT_H

#include <glib.h>
#include <stdbool.h>

#include "kernel/machine.h"

/*
 * -daemonize, first half: fork.  The parent never returns: it waits until
 * the child calls compat_daemonize_ready() (exit 0) or exits before that
 * (the parent exits with the child's status; the child's error lines went
 * to the stderr they share).  The child returns true in a new session.
 */
bool compat_daemonize_start(GError **errp);
/* -daemonize, second half (the monitors listen): release the parent and
 * point stdin/stdout/stderr at /dev/null.  No-op without -daemonize. */
void compat_daemonize_ready(void);

/*
 * -pidfile PATH: create PATH, take an exclusive lock on it (a second
 * process with the same pidfile is refused while this one lives), write
 * our pid, and remove it at exit.
 */
bool compat_pidfile_create(const char *path, GError **errp);

/*
 * Create the accelerator from a fallback list "kvm:tcg" (-machine accel=):
 * each in turn, reporting failures as QEMU does ("invalid accelerator kvm",
 * then "falling back to tcg").  NULL with @errp set when none works.
 */
AccelState *compat_accel_from_list(MachineState *ms, const char *list, GError **errp);

#endif
