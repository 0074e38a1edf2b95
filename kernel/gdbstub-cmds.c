/* SPDX-License-Identifier: MIT */
/*
 * The gdbstub's session: acknowledgements, and one handler per packet kind
 * (a table keyed by the packet's leading characters).  Handlers reach the
 * target through kernel/accel.h only; run control (resume, interrupt,
 * kill, detach) goes through the session's hooks, which gdbstub.c fills.
 * Every malformed packet gets an error reply ("E22"), an unknown one the
 * empty reply; nothing here trusts a length from the client.
 */
#include <inttypes.h>
#include <string.h>

#include "kernel/gdbstub-internal.h"
#include "kernel/machine.h"
#include "kernel/runstate.h"

#define GDB_EINVAL "E22"
#define GDB_EFAULT "E14"
#define GDB_ENOENT "E02"
#define GDB_EBUSY "E10"
/* Signals in stop replies. */
#define GDB_SIGINT 2
#define GDB_SIGTRAP 5
/* Registers in a 'g' reply at most (then gdb uses 'p'). */
#define GDB_G_MAX_REGS 256
/* Qqemu.sstep bits, as gdb's "maintenance packet" users know them. */
#define SSTEP_ENABLE 0x1
#define SSTEP_NOIRQ 0x2
#define SSTEP_NOTIMER 0x4

guint gdb_num_cpus(void)
{
    MachineState *ms = machine_current();
    return ms && ms->cpus ? ms->cpus->len : 0;
}

CPUState *gdb_cpu(int index)
{
    MachineState *ms = machine_current();
    if (!ms || !ms->cpus || index < 0 || (guint)index >= ms->cpus->len) {
        return NULL;
    }
    return g_ptr_array_index(ms->cpus, index);
}

static const CPUDebugOps *debug_ops(CPUState *cpu)
{
    return cpu ? CPU_GET_CLASS(cpu)->debug_ops : NULL;
}

/* ---- sending --------------------------------------------------------------------------- */

static void send_raw(GdbSession *s, const char *buf, size_t len)
{
    if (s->write) {
        s->write(s->opaque, (const uint8_t *)buf, len);
    }
}

static void send_bin(GdbSession *s, const uint8_t *payload, size_t len)
{
    g_string_truncate(s->last, 0);
    gdb_frame_encode(s->last, payload, len);
    send_raw(s, s->last->str, s->last->len);
}

void gdb_send_packet(GdbSession *s, const char *payload)
{
    send_bin(s, (const uint8_t *)payload, strlen(payload));
}

void gdb_stop_reply(GdbSession *s, CPUState *cpu, int signal)
{
    g_autoptr(GString) r = g_string_new(NULL);
    g_string_append_printf(r, "T%02xthread:%x;", signal, cpu->index + 1);
    const CPUDebugEvent *ev = &cpu->debug_event;
    if (signal == GDB_SIGTRAP) {
        switch (ev->kind) {
        case CPU_DEBUG_BREAKPOINT:
            g_string_append(r, ev->wp_type == CPU_BP_HARDWARE ? "hwbreak:;" : "swbreak:;");
            break;
        case CPU_DEBUG_WATCHPOINT:
            g_string_append_printf(r, "%s:%" PRIx64 ";",
                                   ev->wp_type == CPU_WP_READ ? "rwatch" :
                                   ev->wp_type == CPU_WP_ACCESS ? "awatch" : "watch", ev->addr);
            break;
        default:
            break;
        }
    }
    s->c_cpu = s->g_cpu = cpu->index;
    s->running = false;
    gdb_send_packet(s, r->str);
}

/* ---- threads ---------------------------------------------------------------------------- */

/* A thread id: "-1" (all), "0" (any), or a hex id; "pP.T" forms take T.
 * Returns -1 for all, -2 for any, else the CPU index; -3 on error. */
static int parse_thread(const char **p)
{
    const char *s = *p;
    if (*s == 'p') {
        const char *dot = strchr(s, '.');
        if (!dot) {
            return -3;
        }
        s = dot + 1;
    }
    if (s[0] == '-' && s[1] == '1') {
        *p = s + 2;
        return -1;
    }
    uint64_t v;
    if (!gdb_parse_hex(&s, &v)) {
        return -3;
    }
    *p = s;
    if (v == 0) {
        return -2;
    }
    return v <= gdb_num_cpus() ? (int)(v - 1) : -3;
}

static CPUState *g_cpu(GdbSession *s)
{
    CPUState *cpu = gdb_cpu(s->g_cpu);
    return cpu ? cpu : gdb_cpu(0);
}

/* ---- handlers ----------------------------------------------------------------------------- */

typedef struct GdbPacket {
    const char *data;          /* NUL-terminated (binary packets may hold NULs) */
    size_t len;
} GdbPacket;

typedef void (*GdbHandler)(GdbSession *s, const GdbPacket *pkt, const char *args);

static void cmd_query_halt(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    CPUState *cpu = gdb_cpu(s->c_cpu) ? gdb_cpu(s->c_cpu) : gdb_cpu(0);
    if (!cpu) {
        gdb_send_packet(s, "W00");
        return;
    }
    g_autofree char *r = g_strdup_printf("T%02xthread:%x;", GDB_SIGTRAP, cpu->index + 1);
    gdb_send_packet(s, r);
}

static void cmd_supported(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    g_autofree char *r = g_strdup_printf("PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;"
                                         "vContSupported+;QStartNoAckMode+", GDB_MAX_PACKET);
    gdb_send_packet(s, r);
}

static void cmd_no_ack(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    gdb_send_packet(s, "OK");
    s->no_ack = true;
}

/* qXfer:features:read:ANNEX:OFFSET,LENGTH */
static void cmd_xfer_features(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    const char *colon = strchr(args, ':');
    CPUState *cpu = g_cpu(s);
    const CPUDebugOps *ops = debug_ops(cpu);
    if (!colon || !ops || !ops->gdb_xml) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    g_autofree char *annex = g_strndup(args, colon - args);
    const char *p = colon + 1;
    uint64_t off, len;
    if (!gdb_parse_hex(&p, &off) || *p++ != ',' || !gdb_parse_hex(&p, &len) || *p) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    const char *xml = ops->gdb_xml(cpu, annex);
    if (!xml) {
        gdb_send_packet(s, GDB_ENOENT);
        return;
    }
    size_t total = strlen(xml);
    if (off > total) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    len = MIN(len, (uint64_t)(GDB_MAX_PACKET / 2 - 8));
    size_t n = (size_t)MIN(len, (uint64_t)(total - off));
    g_autoptr(GByteArray) r = g_byte_array_new();
    uint8_t kind = off + n < total ? 'm' : 'l';
    g_byte_array_append(r, &kind, 1);
    g_byte_array_append(r, (const uint8_t *)xml + off, n);
    send_bin(s, r->data, r->len);
}

static void cmd_read_regs(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    CPUState *cpu = g_cpu(s);
    const CPUDebugOps *ops = debug_ops(cpu);
    if (!ops) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    g_autoptr(GByteArray) regs = g_byte_array_new();
    for (int n = 0; n < ops->gdb_num_regs && n < GDB_G_MAX_REGS; n++) {
        if (!ops->gdb_read_register(cpu, regs, n)) {
            break;
        }
    }
    g_autoptr(GString) r = g_string_new(NULL);
    gdb_hex_encode(r, regs->data, regs->len);
    gdb_send_packet(s, r->str);
}

static void cmd_write_regs(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    CPUState *cpu = g_cpu(s);
    const CPUDebugOps *ops = debug_ops(cpu);
    size_t n = strlen(args) / 2;
    if (!ops || strlen(args) % 2) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    g_autofree uint8_t *buf = g_malloc(n + 1);
    if (!gdb_hex_decode(args, n, buf)) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    size_t off = 0;
    for (int r = 0; r < ops->gdb_num_regs && off < n; r++) {
        int used = ops->gdb_write_register(cpu, buf + off, n - off, r);
        if (!used) {
            break;
        }
        off += used;
    }
    gdb_send_packet(s, "OK");
}

static void cmd_read_reg(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    CPUState *cpu = g_cpu(s);
    const CPUDebugOps *ops = debug_ops(cpu);
    const char *p = args;
    uint64_t n;
    if (!ops || !gdb_parse_hex(&p, &n) || *p || n >= (uint64_t)ops->gdb_num_regs) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    g_autoptr(GByteArray) v = g_byte_array_new();
    if (!ops->gdb_read_register(cpu, v, (int)n)) {
        gdb_send_packet(s, GDB_ENOENT);
        return;
    }
    g_autoptr(GString) r = g_string_new(NULL);
    gdb_hex_encode(r, v->data, v->len);
    gdb_send_packet(s, r->str);
}

static void cmd_write_reg(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    CPUState *cpu = g_cpu(s);
    const CPUDebugOps *ops = debug_ops(cpu);
    const char *p = args;
    uint64_t n;
    if (!ops || !gdb_parse_hex(&p, &n) || *p++ != '=' || n >= (uint64_t)ops->gdb_num_regs ||
        strlen(p) % 2 || strlen(p) / 2 > 64) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    uint8_t buf[64];
    size_t len = strlen(p) / 2;
    if (!gdb_hex_decode(p, len, buf) || !ops->gdb_write_register(cpu, buf, len, (int)n)) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    gdb_send_packet(s, "OK");
}

static bool mem_rw(GdbSession *s, uint64_t addr, uint8_t *buf, size_t len, bool is_write)
{
    CPUState *cpu = g_cpu(s);
    if (!cpu) {
        return false;
    }
    if (!len) {
        return true;
    }
    if (addr + len - 1 < addr) {
        return false;
    }
    if (s->phys_mem) {
        MemTxResult r = is_write ? address_space_write_rom(cpu->as, addr, buf, len)
                                 : address_space_read_buf(cpu->as, addr, buf, len);
        return r == MEMTX_OK;
    }
    return cpu_memory_rw_debug(cpu, addr, buf, len, is_write);
}

/* "ADDR,LEN" then @sep (or the end when @sep is 0). */
static bool parse_addr_len(const char **p, uint64_t *addr, uint64_t *len, char sep)
{
    if (!gdb_parse_hex(p, addr) || *(*p)++ != ',' || !gdb_parse_hex(p, len)) {
        return false;
    }
    if (sep) {
        return *(*p)++ == sep;
    }
    return **p == 0;
}

static void cmd_read_mem(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    const char *p = args;
    uint64_t addr, len;
    if (!parse_addr_len(&p, &addr, &len, 0)) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    len = MIN(len, (uint64_t)(GDB_MAX_PACKET / 2 - 8));
    g_autofree uint8_t *buf = g_malloc(len + 1);
    if (!mem_rw(s, addr, buf, len, false)) {
        gdb_send_packet(s, GDB_EFAULT);
        return;
    }
    g_autoptr(GString) r = g_string_new(NULL);
    gdb_hex_encode(r, buf, len);
    gdb_send_packet(s, r->str);
}

static void cmd_write_mem(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    const char *p = args;
    uint64_t addr, len;
    if (!parse_addr_len(&p, &addr, &len, ':') || strlen(p) != len * 2) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    g_autofree uint8_t *buf = g_malloc(len + 1);
    if (!gdb_hex_decode(p, len, buf)) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    gdb_send_packet(s, mem_rw(s, addr, buf, len, true) ? "OK" : GDB_EFAULT);
}

static void cmd_write_mem_bin(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    const char *p = args;
    uint64_t addr, len;
    if (!parse_addr_len(&p, &addr, &len, ':')) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    size_t have = pkt->len - (size_t)(p - pkt->data);
    if (have != len) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    g_autofree uint8_t *buf = g_memdup2(p, len + 1);
    gdb_send_packet(s, mem_rw(s, addr, buf, len, true) ? "OK" : GDB_EFAULT);
}

/* ---- run control -------------------------------------------------------------------------- */

/* Resume with per-CPU actions ('c', 's' or 0: stays stopped). */
static void resume(GdbSession *s, const char *actions)
{
    guint n = gdb_num_cpus();
    bool any = false;
    for (guint i = 0; i < n; i++) {
        any |= actions[i] != 0;
    }
    if (!any) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    s->running = true;
    if (s->resume) {
        s->resume(s, actions);
    }
}

/* c/s [ADDR] and C/S SIG[;ADDR]: the Hc thread, others continue for c. */
static void cmd_continue_step(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    char kind = (char)g_ascii_tolower(pkt->data[0]);
    bool with_sig = g_ascii_isupper(pkt->data[0]);
    const char *p = args;
    uint64_t v;
    if (with_sig) {
        if (!gdb_parse_hex(&p, &v)) {
            gdb_send_packet(s, GDB_EINVAL);
            return;
        }
        if (*p == ';') {
            p++;
        }
    }
    CPUState *cpu = gdb_cpu(s->c_cpu) ? gdb_cpu(s->c_cpu) : gdb_cpu(0);
    if (!cpu) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    if (*p) {
        if (!gdb_parse_hex(&p, &v) || *p || !debug_ops(cpu)) {
            gdb_send_packet(s, GDB_EINVAL);
            return;
        }
        debug_ops(cpu)->set_pc(cpu, v);
    }
    guint n = gdb_num_cpus();
    g_autofree char *actions = g_malloc0(n + 1);
    for (guint i = 0; i < n; i++) {
        actions[i] = kind == 'c' ? 'c' : 0;
    }
    actions[cpu->index < (int)n ? cpu->index : 0] = kind;
    resume(s, actions);
}

static void cmd_vcont_query(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    gdb_send_packet(s, "vCont;c;C;s;S");
}

/* vCont;ACTION[:THREAD];... -- the leftmost action that names a thread wins. */
static void cmd_vcont(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    guint n = gdb_num_cpus();
    g_autofree char *actions = g_malloc0(n + 1);
    const char *p = args;
    if (!n) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    for (bool first = true; first || *p == ';'; first = false) {
        p += first ? 0 : 1;
        char a = (char)g_ascii_tolower(*p);
        bool with_sig = *p == 'C' || *p == 'S';
        if (a != 'c' && a != 's') {
            gdb_send_packet(s, GDB_EINVAL);
            return;
        }
        p++;
        uint64_t sig;
        if (with_sig && !gdb_parse_hex(&p, &sig)) {
            gdb_send_packet(s, GDB_EINVAL);
            return;
        }
        int t = -1;
        if (*p == ':') {
            p++;
            t = parse_thread(&p);
            if (t == -3) {
                gdb_send_packet(s, GDB_EINVAL);
                return;
            }
        }
        for (guint i = 0; i < n; i++) {
            if ((t < 0 || (guint)t == i) && !actions[i]) {
                actions[i] = a;
            }
        }
    }
    if (*p) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    resume(s, actions);
}

static void cmd_interrupt_like_vctrlc(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    gdb_send_packet(s, "OK");
    if (s->interrupt) {
        s->interrupt(s);
    }
}

static void cmd_set_thread(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    char which = args[0];
    const char *p = args + 1;
    int t = which ? parse_thread(&p) : -3;
    if ((which != 'g' && which != 'c') || t == -3 || *p) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    int idx = t < 0 ? 0 : t;
    if (which == 'g') {
        s->g_cpu = idx;
    } else {
        s->c_cpu = idx;
    }
    gdb_send_packet(s, "OK");
}

static void cmd_thread_alive(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    const char *p = args;
    int t = parse_thread(&p);
    gdb_send_packet(s, t >= 0 && !*p ? "OK" : GDB_ENOENT);
}

static void cmd_thread_first(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    g_autoptr(GString) r = g_string_new("m");
    for (guint i = 0; i < gdb_num_cpus(); i++) {
        g_string_append_printf(r, "%s%x", i ? "," : "", i + 1);
    }
    gdb_send_packet(s, r->len > 1 ? r->str : "l");
}

static void cmd_thread_next(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    gdb_send_packet(s, "l");
}

static void cmd_thread_extra(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    const char *p = args;
    int t = parse_thread(&p);
    CPUState *cpu = t >= 0 ? gdb_cpu(t) : NULL;
    if (!cpu || *p) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    g_autofree char *text = g_strdup_printf("CPU#%d [%s]", cpu->index,
                                            cpu->halted ? "halted" :
                                            runstate_is_running() ? "running" : "paused");
    g_autoptr(GString) r = g_string_new(NULL);
    gdb_hex_encode(r, (const uint8_t *)text, strlen(text));
    gdb_send_packet(s, r->str);
}

static void cmd_current_thread(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    g_autofree char *r = g_strdup_printf("QC%x", (gdb_cpu(s->c_cpu) ? s->c_cpu : 0) + 1);
    gdb_send_packet(s, r);
}

static void cmd_attached(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    gdb_send_packet(s, "1");
}

static void cmd_empty(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    gdb_send_packet(s, "");
}

static void cmd_ok(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    gdb_send_packet(s, "OK");
}

/* Z/z TYPE,ADDR,KIND: on every vCPU. */
static void cmd_breakpoint(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    bool insert = pkt->data[0] == 'Z';
    const char *p = args;
    uint64_t type, addr, kind;
    if (!gdb_parse_hex(&p, &type) || *p++ != ',' || !gdb_parse_hex(&p, &addr) ||
        *p++ != ',' || !gdb_parse_hex(&p, &kind) || (*p && *p != ';') || type > CPU_WP_ACCESS) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    if (runstate_is_running()) {
        /* Debug state changes only while the VM is paused (gdb's all-stop
         * mode never asks otherwise). */
        gdb_send_packet(s, GDB_EBUSY);
        return;
    }
    guint n = gdb_num_cpus();
    bool ok = n > 0;
    for (guint i = 0; i < n && ok; i++) {
        CPUState *cpu = gdb_cpu(i);
        if (type <= CPU_BP_HARDWARE) {
            ok = insert ? cpu_breakpoint_insert(cpu, type, addr)
                        : cpu_breakpoint_remove(cpu, type, addr);
        } else {
            ok = kind > 0 && (insert ? cpu_watchpoint_insert(cpu, type, addr, kind)
                                     : cpu_watchpoint_remove(cpu, type, addr, kind));
        }
    }
    if (!ok && insert) {
        /* Leave no half-inserted breakpoint behind. */
        for (guint i = 0; i < n; i++) {
            CPUState *cpu = gdb_cpu(i);
            if (type <= CPU_BP_HARDWARE) {
                cpu_breakpoint_remove(cpu, type, addr);
            } else if (kind) {
                cpu_watchpoint_remove(cpu, type, addr, kind);
            }
        }
    }
    gdb_send_packet(s, ok ? "OK" : GDB_EINVAL);
}

static void send_console(GdbSession *s, const char *text)
{
    size_t len = strlen(text);
    for (size_t off = 0; off < len;) {
        size_t chunk = MIN(len - off, (size_t)(GDB_MAX_PACKET / 2 - 8));
        g_autoptr(GString) r = g_string_new("O");
        gdb_hex_encode(r, (const uint8_t *)text + off, chunk);
        gdb_send_packet(s, r->str);
        off += chunk;
    }
}

/* gdbstub-local monitor commands: "gdbstub phys on|off", "gdbstub step-irq on|off". */
static bool local_monitor(GdbSession *s, const char *cmd)
{
    if (!g_str_has_prefix(cmd, "gdbstub")) {
        return false;
    }
    g_auto(GStrv) w = g_strsplit_set(cmd, " \t", -1);
    guint n = g_strv_length(w);
    if (n == 3 && !strcmp(w[1], "phys") && (!strcmp(w[2], "on") || !strcmp(w[2], "off"))) {
        s->phys_mem = !strcmp(w[2], "on");
        send_console(s, s->phys_mem ? "m/M/X now use physical addresses\n"
                                    : "m/M/X now use virtual addresses\n");
    } else if (n == 3 && !strcmp(w[1], "step-irq") &&
               (!strcmp(w[2], "on") || !strcmp(w[2], "off"))) {
        cpu_debug_set_step_irqs_masked(!strcmp(w[2], "off"));
        send_console(s, cpu_debug_step_irqs_masked() ? "interrupts masked while stepping\n"
                                                     : "interrupts taken while stepping\n");
    } else {
        send_console(s, "usage: gdbstub phys on|off | gdbstub step-irq on|off\n");
    }
    return true;
}

static void cmd_rcmd(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    size_t len = strlen(args);
    if (len % 2) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    g_autofree char *cmd = g_malloc0(len / 2 + 1);
    if (!gdb_hex_decode(args, len / 2, (uint8_t *)cmd) || strlen(cmd) != len / 2) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    if (!local_monitor(s, cmd)) {
        g_autofree char *out = gdbserver_run_monitor(cmd);
        if (!out) {
            gdb_send_packet(s, GDB_EINVAL);
            return;
        }
        send_console(s, out);
    }
    gdb_send_packet(s, "OK");
}

static void cmd_sstep_query(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    g_autofree char *r = g_strdup_printf("0x%x", SSTEP_ENABLE |
                                         (cpu_debug_step_irqs_masked() ? SSTEP_NOIRQ : 0));
    gdb_send_packet(s, r);
}

static void cmd_sstepbits(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    g_autofree char *r = g_strdup_printf("ENABLE=%x,NOIRQ=%x,NOTIMER=%x", SSTEP_ENABLE,
                                         SSTEP_NOIRQ, SSTEP_NOTIMER);
    gdb_send_packet(s, r);
}

static void cmd_sstep_set(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    const char *p = args;
    if (g_str_has_prefix(p, "0x")) {
        p += 2;
    }
    uint64_t v;
    if (!gdb_parse_hex(&p, &v) || *p) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    cpu_debug_set_step_irqs_masked((v & SSTEP_NOIRQ) != 0);
    gdb_send_packet(s, "OK");
}

static void cmd_phymem_query(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    gdb_send_packet(s, s->phys_mem ? "1" : "0");
}

static void cmd_phymem_set(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    if (strcmp(args, "0") && strcmp(args, "1")) {
        gdb_send_packet(s, GDB_EINVAL);
        return;
    }
    s->phys_mem = args[0] == '1';
    gdb_send_packet(s, "OK");
}

static void cmd_detach(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    gdb_send_packet(s, "OK");
    if (s->detach) {
        s->detach(s);
    }
}

static void cmd_kill(GdbSession *s, const GdbPacket *pkt, const char *args)
{
    if (pkt->data[0] == 'v') {
        gdb_send_packet(s, "OK");
    }
    if (s->kill) {
        s->kill(s);
    }
}

/* Matched in order: the first whose prefix the packet starts with (exact:
 * the whole packet must equal it). */
static const struct {
    const char *prefix;
    bool exact;
    GdbHandler fn;
} gdb_commands[] = {
    { "?", true, cmd_query_halt },
    { "qSupported", false, cmd_supported },
    { "QStartNoAckMode", true, cmd_no_ack },
    { "qXfer:features:read:", false, cmd_xfer_features },
    { "g", true, cmd_read_regs },
    { "G", false, cmd_write_regs },
    { "p", false, cmd_read_reg },
    { "P", false, cmd_write_reg },
    { "m", false, cmd_read_mem },
    { "M", false, cmd_write_mem },
    { "X", false, cmd_write_mem_bin },
    { "c", false, cmd_continue_step },
    { "C", false, cmd_continue_step },
    { "s", false, cmd_continue_step },
    { "S", false, cmd_continue_step },
    { "vCont?", true, cmd_vcont_query },
    { "vCont;", false, cmd_vcont },
    { "vCtrlC", true, cmd_interrupt_like_vctrlc },
    { "vMustReplyEmpty", true, cmd_empty },
    { "vKill", false, cmd_kill },
    { "Z", false, cmd_breakpoint },
    { "z", false, cmd_breakpoint },
    { "H", false, cmd_set_thread },
    { "T", false, cmd_thread_alive },
    { "qfThreadInfo", true, cmd_thread_first },
    { "qsThreadInfo", true, cmd_thread_next },
    { "qThreadExtraInfo,", false, cmd_thread_extra },
    { "qC", true, cmd_current_thread },
    { "qAttached", false, cmd_attached },
    { "qRcmd,", false, cmd_rcmd },
    { "qSymbol", false, cmd_ok },
    { "qqemu.sstepbits", true, cmd_sstepbits },
    { "qqemu.sstep", true, cmd_sstep_query },
    { "Qqemu.sstep=", false, cmd_sstep_set },
    { "qqemu.PhyMemMode", true, cmd_phymem_query },
    { "Qqemu.PhyMemMode:", false, cmd_phymem_set },
    { "D", false, cmd_detach },
    { "k", true, cmd_kill },
};

static void dispatch(GdbSession *s, const GdbPacket *pkt)
{
    for (size_t i = 0; i < G_N_ELEMENTS(gdb_commands); i++) {
        const char *pre = gdb_commands[i].prefix;
        size_t n = strlen(pre);
        if (gdb_commands[i].exact ? (pkt->len == n && !memcmp(pkt->data, pre, n))
                                  : (pkt->len >= n && !memcmp(pkt->data, pre, n))) {
            gdb_commands[i].fn(s, pkt, pkt->data + n);
            return;
        }
    }
    gdb_send_packet(s, "");   /* unsupported */
}

/* ---- the session ----------------------------------------------------------------------------- */

void gdb_session_init(GdbSession *s, GdbWriteFn write, void *opaque)
{
    memset(s, 0, sizeof(*s));
    gdb_framer_init(&s->fr);
    s->write = write;
    s->opaque = opaque;
    s->last = g_string_new(NULL);
}

void gdb_session_destroy(GdbSession *s)
{
    gdb_framer_destroy(&s->fr);
    if (s->last) {
        g_string_free(s->last, TRUE);
        s->last = NULL;
    }
}

void gdb_session_input(GdbSession *s, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (gdb_framer_push(&s->fr, buf[i])) {
        case GDB_FRAME_PACKET: {
            if (!s->no_ack) {
                send_raw(s, "+", 1);
            }
            /* A NUL-terminated copy: handlers parse it as a string. */
            g_autofree char *data = g_malloc(s->fr.buf->len + 1);
            memcpy(data, s->fr.buf->data, s->fr.buf->len);
            data[s->fr.buf->len] = 0;
            GdbPacket pkt = { .data = data, .len = s->fr.buf->len };
            if (!pkt.len) {
                gdb_send_packet(s, "");
            } else {
                dispatch(s, &pkt);
            }
            break;
        }
        case GDB_FRAME_BAD_CHECKSUM:
        case GDB_FRAME_TOO_LONG:
            if (!s->no_ack) {
                send_raw(s, "-", 1);
            }
            break;
        case GDB_FRAME_INTERRUPT:
            if (s->interrupt) {
                s->interrupt(s);
            }
            break;
        case GDB_FRAME_NAK:
            if (!s->no_ack && s->last->len) {
                send_raw(s, s->last->str, s->last->len);
            }
            break;
        case GDB_FRAME_ACK:
        case GDB_FRAME_NONE:
            break;
        }
    }
}
