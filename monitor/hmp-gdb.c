/* SPDX-License-Identifier: MIT */
/*
 * The monitor's side of the gdbstub: HMP "gdbserver [dev|none]", and the
 * hook through which the gdbstub runs "monitor CMD" from gdb (qRcmd) as an
 * HMP command line.
 */
#include <string.h>

#include "kernel/gdbstub.h"
#include "monitor/monitor-internal.h"

#define GDB_DEFAULT_DEVICE "tcp::1234"

void hmp_gdbserver(GString *out, JsonObject *args)
{
    const char *dev = qmp_arg_str(args, "device", NULL);
    if (!dev) {
        dev = GDB_DEFAULT_DEVICE;
    }
    GError *err = NULL;
    if (!gdbserver_start(dev, &err)) {
        g_string_append_printf(out, "%s\n", err->message);
        g_error_free(err);
        return;
    }
    if (!strcmp(dev, "none")) {
        g_string_append(out, "Disabled gdbserver\n");
    } else {
        g_string_append_printf(out, "Waiting for gdb connection on device '%s'\n", dev);
    }
}

/* qRcmd: one HMP line; gdb prints the output as is, so plain newlines. */
static char *gdb_monitor_command(const char *cmdline)
{
    g_autoptr(GString) out = g_string_new(NULL);
    hmp_run_line(cmdline, out);
    GString *text = g_string_new(NULL);
    for (gsize i = 0; i < out->len; i++) {
        if (out->str[i] != '\r') {
            g_string_append_c(text, out->str[i]);
        }
    }
    return g_string_free(text, FALSE);
}

void hmp_gdb_init(void)
{
    gdbserver_set_monitor_hook(gdb_monitor_command);
}
