/* SPDX-License-Identifier: MIT */
/*
 * The monitor: QMP (the QEMU Machine Protocol, for tools) and HMP (the
 * human monitor) on character devices, and the "chardev-mux" multiplexer
 * behind "-serial mon:stdio".
 *
 * Both monitors sit on one declarative command schema
 * (monitor/qmp-schema.c); HMP commands that change state call the same
 * handlers as their QMP twins.  A monitor attaches to its chardev as a
 * frontend and lives until the process exits; any number of them may run
 * at once, each on its own chardev.  All monitor work happens in the main
 * loop with the device lock held (chardev frontend callbacks).
 */
#ifndef TESSERA_MONITOR_MONITOR_H
#define TESSERA_MONITOR_MONITOR_H

#include <glib.h>
#include <stdbool.h>

#include "kernel/chardev.h"

/* The multiplexer chardev type: "-chardev mux,id=ID,chardev=BACKEND_ID". */
#define TYPE_CHARDEV_MUX TYPE_CHARDEV_PREFIX "mux"

/* Register TYPE_CHARDEV_MUX (idempotent); called from core_init() after
 * chardev_types_init(). */
void monitor_types_init(void);

/* Start a QMP monitor on @chr (-qmp): it greets each client when the
 * backend opens (a socket client connects) and serves it until it goes.
 * Fails when @chr already has a frontend. */
bool monitor_init_qmp(Chardev *chr, GError **errp);

/* Start a human monitor on @chr (-monitor, or the mux of mon:stdio):
 * banner and "(tessera) " prompt, line editing with history. */
bool monitor_init_hmp(Chardev *chr, GError **errp);

/*
 * A multiplexer at /chardevs/@id over @backend (which it takes as its
 * frontend).  The mux accepts one ordinary frontend through
 * chardev_set_handlers() (the guest's serial port) and up to three
 * monitors (monitor_init_hmp/qmp on the mux).  Input goes to the focused
 * frontend; output from all of them goes to @backend.  Escape keys
 * (Ctrl-A then): c switch focus, x quit, h help, b break, Ctrl-A a literal
 * Ctrl-A.  The frontend attached last gets the focus, so with a board the
 * guest console has it first.
 */
Chardev *monitor_mux_new(const char *id, Chardev *backend, GError **errp);

/* The VM name shown by "info name" and query-name (-name); NULL: none. */
void monitor_set_vm_name(const char *name);

/*
 * The QEMU interface level Tessera implements: query-version's "qemu"
 * member and the first line of -version ("QEMU emulator version 7.2.0
 * (Tessera X.Y.Z)").  See docs/qmp.md for what it promises.
 */
#define TESSERA_QEMU_MAJOR 7
#define TESSERA_QEMU_MINOR 2
#define TESSERA_QEMU_MICRO 0
#define TESSERA_QEMU_VERSION "7.2.0"

/* The options of the command line that take an argument, for
 * query-command-line-options (NULL-terminated, borrowed for the process's
 * life; set by the launcher from its option table). */
void monitor_set_command_line_options(const char *const *names);

/* -uuid, canonical lowercase form, for query-uuid; NULL: the nil UUID. */
void monitor_set_vm_uuid(const char *uuid);

#endif
