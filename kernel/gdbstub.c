/* SPDX-License-Identifier: MIT */
/*
 * The gdbstub server: its chardev (the transport), the connection's
 * lifetime, and run control (resume with per-vCPU actions, interrupt,
 * debug stops reported as stop replies, detach, kill).
 *
 * A client that leaves (or detaches) takes its breakpoints, watchpoints
 * and single-step with it; the VM stays running or paused as it was, and
 * the chardev keeps listening for the next client.
 */
#include <string.h>

#include "kernel/chardev.h"
#include "kernel/core.h"
#include "kernel/gdbstub-internal.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/runstate.h"

#define GDB_CHARDEV_ID "gdb"

typedef struct GdbServer {
    Chardev *chr;
    bool own_chr;             /* created from a shorthand: deleted with the server */
    char *device;
    GdbSession s;
    bool connected;
    ChardevHandlers handlers;
    char *busy;
} GdbServer;

static GdbServer *gdbserver;
static GdbMonitorFn monitor_hook;

void gdbserver_set_monitor_hook(GdbMonitorFn fn)
{
    monitor_hook = fn;
}

char *gdbserver_run_monitor(const char *cmdline)
{
    if (!monitor_hook) {
        return g_strdup("no monitor is available\n");
    }
    return monitor_hook(cmdline);
}

/* ---- run control ----------------------------------------------------------------------- */

/* Drop every breakpoint, watchpoint and single-step; debugger state only
 * changes while the VM is paused, so a running VM pauses for a moment. */
static void clear_debug_state(void)
{
    bool any = false;
    for (guint i = 0; i < gdb_num_cpus(); i++) {
        any |= cpu_debug_active(gdb_cpu(i));
    }
    if (!any) {
        return;
    }
    bool was_running = runstate_is_running();
    if (was_running) {
        vm_stop();
    }
    for (guint i = 0; i < gdb_num_cpus(); i++) {
        cpu_breakpoint_remove_all(gdb_cpu(i));
    }
    if (was_running) {
        vm_start();
    }
}

static void srv_resume(GdbSession *s, const char *actions)
{
    if (runstate_is_running()) {
        /* Resumed by other means (HMP cont): pause quietly, then apply the
         * actions, since single-step may only change while paused. */
        s->running = false;
        vm_stop();
        s->running = true;
    }
    for (guint i = 0; i < gdb_num_cpus(); i++) {
        CPUState *cpu = gdb_cpu(i);
        cpu->debug_event.kind = CPU_DEBUG_NONE;
        if (cpu->singlestep != (actions[i] == 's')) {
            cpu_single_step(cpu, actions[i] == 's');
        }
        /* A vCPU without an action stays where it is while the rest run. */
        cpu->stopped = actions[i] == 0;
    }
    if (runstate_get() == RUN_STATE_SHUTDOWN) {
        gdb_send_packet(s, "W00");
        s->running = false;
        return;
    }
    vm_start();
}

static void srv_interrupt(GdbSession *s)
{
    if (!s->running) {
        return;
    }
    vm_stop();
    CPUState *cpu = gdb_cpu(s->c_cpu) ? gdb_cpu(s->c_cpu) : gdb_cpu(0);
    for (guint i = 0; i < gdb_num_cpus(); i++) {
        gdb_cpu(i)->stopped = false;
        if (gdb_cpu(i)->singlestep) {
            cpu_single_step(gdb_cpu(i), false);
        }
    }
    if (cpu) {
        cpu->debug_event.kind = CPU_DEBUG_NONE;
        gdb_stop_reply(s, cpu, 2);
    }
}

/* A vCPU stopped for the debugger (main loop, VM paused). */
static void srv_debug_stop(CPUState *cpu, void *opaque)
{
    GdbServer *g = opaque;
    for (guint i = 0; i < gdb_num_cpus(); i++) {
        if (gdb_cpu(i)->singlestep) {
            cpu_single_step(gdb_cpu(i), false);
        }
    }
    if (g != gdbserver || !g->connected || !g->s.running) {
        return;    /* nobody waits for it: the VM stays paused */
    }
    gdb_stop_reply(&g->s, cpu, 5);
}

/* The VM stopped by other means (HMP stop, a paused shutdown) while the
 * client waits for a stop reply: report it as an interrupt. */
static void srv_run_event(RunEvent ev, ShutdownCause cause, void *opaque)
{
    GdbServer *g = opaque;
    if (g != gdbserver || !g->connected || !g->s.running) {
        return;
    }
    if (ev == RUN_EVENT_STOP && !cpu_debug_stop_pending()) {
        CPUState *cpu = gdb_cpu(g->s.c_cpu) ? gdb_cpu(g->s.c_cpu) : gdb_cpu(0);
        for (guint i = 0; i < gdb_num_cpus(); i++) {
            gdb_cpu(i)->stopped = false;
        }
        if (cpu) {
            cpu->debug_event.kind = CPU_DEBUG_NONE;
            gdb_stop_reply(&g->s, cpu, 2);
        }
    } else if (ev == RUN_EVENT_SHUTDOWN && runstate_get() != RUN_STATE_PAUSED) {
        gdb_send_packet(&g->s, "W00");
        g->s.running = false;
    }
}

static void srv_detach(GdbSession *s)
{
    clear_debug_state();
    for (guint i = 0; i < gdb_num_cpus(); i++) {
        gdb_cpu(i)->stopped = false;
    }
    s->running = false;
    /* gdb resumes the program it detaches from, as with QEMU. */
    if (runstate_get() == RUN_STATE_PAUSED) {
        vm_start();
    }
}

static void srv_kill(GdbSession *s)
{
    system_request_shutdown(SHUTDOWN_CAUSE_HOST_QMP);
}

/* ---- the chardev frontend ----------------------------------------------------------------- */

static void srv_write(void *opaque, const uint8_t *buf, size_t len)
{
    GdbServer *g = opaque;
    if (g->chr && g->connected) {
        chardev_write(g->chr, buf, (int)len);
    }
}

static void session_reset(GdbServer *g)
{
    gdb_session_destroy(&g->s);
    gdb_session_init(&g->s, srv_write, g);
    g->s.resume = srv_resume;
    g->s.interrupt = srv_interrupt;
    g->s.detach = srv_detach;
    g->s.kill = srv_kill;
}

static int gdb_can_read(void *opaque)
{
    return 4096;
}

static void gdb_read(void *opaque, const uint8_t *buf, int len)
{
    GdbServer *g = opaque;
    if (!g->connected) {
        g->connected = true;   /* a chardev that never signals OPENED (pipes) */
    }
    gdb_session_input(&g->s, buf, (size_t)len);
}

static void gdb_event(void *opaque, ChardevEvent ev)
{
    GdbServer *g = opaque;
    if (ev == CHR_EVENT_OPENED) {
        session_reset(g);
        g->connected = true;
        /* gdb expects a stopped target when it attaches (all-stop mode),
         * and asks why with '?'. */
        g->s.c_cpu = g->s.g_cpu = 0;
        if (runstate_is_running()) {
            vm_stop();
        }
    } else if (ev == CHR_EVENT_CLOSED) {
        g->connected = false;
        g->s.running = false;
        /* The client's breakpoints go with it; the VM stays as it was. */
        clear_debug_state();
        for (guint i = 0; i < gdb_num_cpus(); i++) {
            gdb_cpu(i)->stopped = false;
        }
        session_reset(g);
    }
}

/* What a second client gets before it is let go: an error packet (gdb
 * prints its text) on a connection that then closes. */
#define GDB_BUSY_TEXT "E.busy: another debugger is attached to this gdbserver"

/* ---- starting and stopping -------------------------------------------------------------------- */

static void server_free(GdbServer *g)
{
    if (g->chr) {
        chardev_clear_handlers(g->chr);
        if (g->own_chr) {
            chardev_delete(g->chr);
        }
        object_unref(OBJECT(g->chr));
    }
    runstate_remove_listener(srv_run_event, g);
    gdb_session_destroy(&g->s);
    g_free(g->device);
    g_free(g->busy);
    g_free(g);
}

void gdbserver_stop(void)
{
    GdbServer *g = gdbserver;
    if (!g) {
        return;
    }
    gdbserver = NULL;
    cpu_debug_set_stop_handler(NULL, NULL);
    if (g->connected) {
        clear_debug_state();
        for (guint i = 0; i < gdb_num_cpus(); i++) {
            gdb_cpu(i)->stopped = false;
        }
    }
    server_free(g);
}

/* "tcp::1234" and "tcp:HOST:PORT" listen without waiting; unix needs server=on. */
static char *listen_shorthand(const char *device)
{
    if (g_str_has_prefix(device, "tcp:") && !strstr(device, "server")) {
        return g_strdup_printf("%s,server=on,wait=off", device);
    }
    if (g_str_has_prefix(device, "unix:") && strstr(device, "server=on") &&
        !strstr(device, "wait=")) {
        return g_strdup_printf("%s,wait=off", device);
    }
    if (g_ascii_isdigit(device[0])) {
        return g_strdup_printf("tcp::%s,server=on,wait=off", device);   /* QEMU's "-gdb 1234" */
    }
    return g_strdup(device);
}

bool gdbserver_start(const char *device, GError **errp)
{
    if (!device || !*device) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "gdbserver: no device given");
        return false;
    }
    gdbserver_stop();
    if (!strcmp(device, "none")) {
        return true;
    }
    GdbServer *g = g_new0(GdbServer, 1);
    g->device = g_strdup(device);
    session_reset(g);
    GError *err = NULL;
    if (g_str_has_prefix(device, "chardev:")) {
        g->chr = chardev_find(device + strlen("chardev:"));
        if (!g->chr) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                        "gdbserver %s: no chardev '%s'", device, device + strlen("chardev:"));
            server_free(g);
            return false;
        }
        object_ref(OBJECT(g->chr));
    } else {
        g_autofree char *text = listen_shorthand(device);
        /* A previous server's chardev of that name is gone by now. */
        Chardev *old = chardev_find(GDB_CHARDEV_ID);
        if (old) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "gdbserver %s: chardev id '%s' is taken", device, GDB_CHARDEV_ID);
            server_free(g);
            return false;
        }
        g->chr = chardev_new_from_shorthand(GDB_CHARDEV_ID, text, &err);
        if (!g->chr) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "gdbserver %s: %s", device,
                        err ? err->message : "cannot open");
            g_clear_error(&err);
            server_free(g);
            return false;
        }
        object_ref(OBJECT(g->chr));
        g->own_chr = true;
    }
    GString *busy = g_string_new(NULL);
    gdb_frame_encode(busy, (const uint8_t *)GDB_BUSY_TEXT, strlen(GDB_BUSY_TEXT));
    g->busy = g_string_free(busy, FALSE);
    g->handlers = (ChardevHandlers){
        .can_read = gdb_can_read,
        .read = gdb_read,
        .event = gdb_event,
        .busy_reply = g->busy,
    };
    if (!chardev_set_handlers(g->chr, &g->handlers, g, &err)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "gdbserver %s: %s", device,
                    err->message);
        g_clear_error(&err);
        server_free(g);
        return false;
    }
    runstate_add_listener(srv_run_event, g);
    gdbserver = g;
    cpu_debug_set_stop_handler(srv_debug_stop, g);
    return true;
}

char *gdbserver_describe(void)
{
    GdbServer *g = gdbserver;
    if (!g) {
        return NULL;
    }
    return g_strdup_printf("gdbserver on %s, %s", g->device,
                           g->connected ? "client connected" : "waiting for a client");
}
