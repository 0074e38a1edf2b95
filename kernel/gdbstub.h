/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote-protocol server (docs/architecture.md, "gdbstub").
 *
 * One server per process, on a chardev ("-gdb tcp::1234", "-s", HMP
 * "gdbserver").  It talks to the target only through the CPU debugger hooks
 * (kernel/accel.h: CPUClass.debug_ops, cpu_memory_rw_debug, breakpoints,
 * single-step, debug stops), so any target that fills them is debuggable.
 * Everything runs in the main loop with the device lock held.
 */
#ifndef TESSERA_KERNEL_GDBSTUB_H
#define TESSERA_KERNEL_GDBSTUB_H

#include <glib.h>
#include <stdbool.h>

/* Start serving on @device, a -serial style shorthand ("tcp::1234",
 * "tcp:HOST:PORT", "unix:PATH,server=on", "chardev:ID"); "tcp::N" and
 * "tcp:HOST:N" listen (server=on,wait=off implied).  Replaces a running
 * server.  "none" stops it.  Errors name the device. */
bool gdbserver_start(const char *device, GError **errp);
void gdbserver_stop(void);
/* Human description of the server for HMP ("tcp::1234, client connected"),
 * or NULL when none runs (g_free it). */
char *gdbserver_describe(void);

/* qRcmd ("monitor CMD" in gdb) is forwarded to this hook, which the
 * monitor registers; it returns the command's output (g_free it). */
typedef char *(*GdbMonitorFn)(const char *cmdline);
void gdbserver_set_monitor_hook(GdbMonitorFn fn);

#endif
