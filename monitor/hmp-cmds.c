/* SPDX-License-Identifier: MIT */
/*
 * The HMP command tables and the HMP-only commands (help, info, x, xp,
 * log).  Commands that change state have no code here: their entries
 * point at the QMP handler that does the work (hmp_execute() checks the
 * arguments against the QMP schema and calls it), and at most a printer
 * for the result.
 */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "kernel/accel.h"
#include "kernel/bus.h"
#include "kernel/device.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "kernel/runstate.h"
#include "monitor/qmp-block.h"
#include "monitor/qmp-block-jobs.h"
#include "monitor/qmp-handlers.h"

#ifndef TESSERA_VERSION
#define TESSERA_VERSION "0.0.0"
#endif

/* x/xp: QEMU's defaults and limits. */
#define DUMP_DEFAULT_FORMAT 'x'
#define DUMP_DEFAULT_SIZE 4
#define DUMP_MAX_BYTES (64 * 1024)
#define DUMP_LINE_BYTES 16
#define DUMP_LINE_BYTES_NARROW 8   /* for byte-sized items */
/* x translates in pieces that never cross the smallest page a CPU maps. */
#define DUMP_PAGE_SIZE 4096

/* ---- printers for QMP results ------------------------------------------------ */

static void print_json(GString *out, JsonNode *ret)
{
    g_autofree char *text = qmp_json_to_string(ret);
    g_string_append_printf(out, "%s\n", text);
}

static void print_qom_list(GString *out, JsonNode *ret)
{
    JsonArray *a = json_node_get_array(ret);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        g_string_append_printf(out, "%s (%s)\n", json_object_get_string_member(o, "name"),
                               json_object_get_string_member(o, "type"));
    }
}

/* ---- help and info -------------------------------------------------------------- */

static void hmp_help(GString *out, JsonObject *args);
static void hmp_info(GString *out, JsonObject *args);
static void hmp_x(GString *out, JsonObject *args);
static void hmp_xp(GString *out, JsonObject *args);
static void hmp_log(GString *out, JsonObject *args);

const HmpCommand hmp_commands[] = {
    { .name = "help", .alias = "?", .spec = "name:s?", .params = "[cmd]",
      .help = "show the help", .run = hmp_help },
    { .name = "info", .spec = "item:s? arg:S?", .params = "[subcommand]",
      .help = "show various information about the system state", .run = hmp_info },
    { .name = "stop", .alias = "s", .help = "stop emulation", .qmp = qmp_stop },
    { .name = "cont", .alias = "c", .help = "resume emulation", .qmp = qmp_cont },
    { .name = "system_reset", .help = "reset the system", .qmp = qmp_system_reset },
    { .name = "system_powerdown", .help = "send system power down event",
      .qmp = qmp_system_powerdown },
    { .name = "quit", .alias = "q", .help = "quit the emulator", .qmp = qmp_quit },
    { .name = "device_add", .spec = "driver:O", .params = "driver[,prop=value][,...]",
      .help = "add device, like -device on the command line", .qmp = qmp_device_add },
    { .name = "device_del", .spec = "id:s", .params = "device",
      .help = "remove device (by id or QOM path)", .qmp = qmp_device_del },
    { .name = "qom-list", .spec = "path:s?=/", .params = "[path]",
      .help = "list QOM properties", .qmp = qmp_qom_list, .print = print_qom_list },
    { .name = "qom-get", .spec = "path:s property:s", .params = "path property",
      .help = "print QOM property", .qmp = qmp_qom_get, .print = print_json },
    { .name = "qom-set", .spec = "path:s property:s value:S", .params = "path property value",
      .help = "set QOM property", .qmp = qmp_qom_set },
    { .name = "x", .spec = "fmt:/ addr:i", .params = "/fmt addr",
      .help = "virtual memory dump starting at 'addr' (fmt: count, then x/d/u/o/c and "
              "b/h/w/g, or i: disassemble count instructions)", .run = hmp_x },
    { .name = "xp", .spec = "fmt:/ addr:i", .params = "/fmt addr",
      .help = "physical memory dump starting at 'addr'", .run = hmp_xp },
    { .name = "gdbserver", .spec = "device:s?", .params = "[device]",
      .help = "start gdbserver on the given device (default 'tcp::1234'), stop with 'none'",
      .run = hmp_gdbserver },
    { .name = "log", .spec = "items:s", .params = "item1[,...]",
      .help = "activate logging of the specified items ('none' stops, 'help' lists)",
      .run = hmp_log },
    { .name = "netdev_add", .spec = "args:S",
      .params = "[user|tap|socket|stream|dgram|hubport],id=str[,prop=value][,...]",
      .help = "add host network device", .run = hmp_netdev_add },
    { .name = "netdev_del", .spec = "id:s", .params = "id", .help = "remove host network device",
      .qmp = qmp_netdev_del },
    { .name = "set_link", .spec = "name:s state:s", .params = "name on|off",
      .help = "change the link status of a network adapter", .run = hmp_set_link },
    { .name = "hostfwd_add", .spec = "a:s b:s?",
      .params = "[netdev_id] [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport",
      .help = "redirect TCP or UDP connections from host to guest (user netdev)",
      .run = hmp_hostfwd_add },
    { .name = "hostfwd_remove", .spec = "a:s b:s?",
      .params = "[netdev_id] [tcp|udp]:[hostaddr]:hostport",
      .help = "remove host-to-guest TCP or UDP redirection", .run = hmp_hostfwd_remove },
    HMP_BLOCK_COMMANDS
    HMP_BLOCK_JOB_COMMANDS
    { .name = NULL },
};

const HmpCommand *hmp_find_command(const char *name)
{
    for (const HmpCommand *c = hmp_commands; c->name; c++) {
        if (!strcmp(c->name, name) || (c->alias && !strcmp(c->alias, name))) {
            return c;
        }
    }
    return NULL;
}

static void help_line(GString *out, const HmpCommand *c)
{
    g_string_append_printf(out, "%s%s%s %s -- %s\n", c->name, c->alias ? "|" : "",
                           c->alias ? c->alias : "", c->params ? c->params : "", c->help);
}

static void help_info(GString *out)
{
    for (const HmpInfoCommand *i = hmp_info_commands; i->name; i++) {
        g_string_append_printf(out, "info %s %s -- %s\n", i->name, i->params, i->help);
    }
}

static void hmp_help(GString *out, JsonObject *args)
{
    const char *name = qmp_arg_str(args, "name", NULL);
    if (name && !strcmp(name, "info")) {
        help_info(out);
        return;
    }
    const HmpCommand *one = name ? hmp_find_command(name) : NULL;
    if (name && !one) {
        g_string_append_printf(out, "unknown command: '%s'\n", name);
        return;
    }
    for (const HmpCommand *c = hmp_commands; c->name; c++) {
        if (!one || c == one) {
            help_line(out, c);
        }
    }
}

static void hmp_info(GString *out, JsonObject *args)
{
    const char *item = qmp_arg_str(args, "item", NULL);
    if (!item) {
        help_info(out);
        return;
    }
    for (const HmpInfoCommand *i = hmp_info_commands; i->name; i++) {
        if (!strcmp(i->name, item)) {
            i->run(out, qmp_arg_str(args, "arg", NULL));
            return;
        }
    }
    g_string_append_printf(out, "info: unknown subcommand '%s' (try 'help info')\n", item);
}

static void info_status(GString *out, const char *arg)
{
    RunState st = runstate_get();
    if (st == RUN_STATE_RUNNING) {
        g_string_append(out, "VM status: running\n");
    } else if (st == RUN_STATE_PAUSED) {
        g_string_append(out, "VM status: paused\n");
    } else {
        g_string_append_printf(out, "VM status: paused (%s)\n", runstate_name(st));
    }
}

static void info_version(GString *out, const char *arg)
{
    g_string_append(out, TESSERA_VERSION " (tessera)\n");
}

static void info_name(GString *out, const char *arg)
{
    JsonNode *n = qmp_query_name(NULL, NULL);
    JsonObject *o = json_node_get_object(n);
    if (json_object_has_member(o, "name")) {
        g_string_append_printf(out, "%s\n", json_object_get_string_member(o, "name"));
    }
    json_node_unref(n);
}

static void qom_tree_walk(GString *out, Object *obj, int depth)
{
    g_string_append_printf(out, "%*s/%s (%s)\n", depth * 2, "",
                           depth ? object_get_name(obj) : "", object_get_typename(obj));
    GPtrArray *children = object_get_children(obj);
    for (guint i = 0; i < children->len; i++) {
        qom_tree_walk(out, g_ptr_array_index(children, i), depth + 1);
    }
    g_ptr_array_unref(children);
}

static void info_qom_tree(GString *out, const char *arg)
{
    const char *path = arg && *arg ? arg : machine_current() ? "/machine" : "/";
    Object *obj = object_resolve_path(path, NULL);
    if (!obj) {
        g_string_append_printf(out, "Path '%s' could not be resolved.\n", path);
        return;
    }
    /* The first line shows the full path, the rest names relative to it. */
    g_autofree char *canon = object_get_canonical_path(obj);
    g_string_append_printf(out, "%s (%s)\n", canon ? canon : path, object_get_typename(obj));
    GPtrArray *children = object_get_children(obj);
    for (guint i = 0; i < children->len; i++) {
        qom_tree_walk(out, g_ptr_array_index(children, i), 1);
    }
    g_ptr_array_unref(children);
}

static void info_qtree(GString *out, const char *arg)
{
    qtree_print(out);
}

static MachineState *machine_with_memory(GString *out)
{
    MachineState *ms = machine_current();
    if (!ms || !ms->address_space.root) {
        g_string_append(out, "there is no machine memory\n");
        return NULL;
    }
    return ms;
}

static void info_mtree(GString *out, const char *arg)
{
    MachineState *ms = machine_with_memory(out);
    if (ms) {
        g_autofree char *text = address_space_format_mtree(&ms->address_space, true);
        g_string_append(out, text);
    }
}

static void info_registers(GString *out, const char *arg)
{
    MachineState *ms = machine_current();
    guint n = ms && ms->cpus ? ms->cpus->len : 0;
    if (!n) {
        g_string_append(out, "there are no CPUs\n");
        return;
    }
    for (guint i = 0; i < n; i++) {
        CPUState *cpu = g_ptr_array_index(ms->cpus, i);
        CPUClass *cc = CPU_GET_CLASS(cpu);
        if (n > 1) {
            g_string_append_printf(out, "%sCPU#%d\n", i ? "\n" : "", cpu->index);
        }
        if (cc->dump_state) {
            cc->dump_state(cpu, out);
        } else {
            g_string_append_printf(out, "(%s has no register dump)\n",
                                   object_get_typename(OBJECT(cpu)));
        }
    }
}

static void info_cpus(GString *out, const char *arg)
{
    MachineState *ms = machine_current();
    for (guint i = 0; ms && ms->cpus && i < ms->cpus->len; i++) {
        CPUState *cpu = g_ptr_array_index(ms->cpus, i);
        g_string_append_printf(out, "%c CPU #%d: thread_id=%d%s\n", i ? ' ' : '*', cpu->index,
                               cpu->thread_id ? cpu->thread_id : (int)getpid(),
                               cpu->halted ? " (halted)" : "");
    }
}

static void info_modules(GString *out, const char *arg)
{
    GPtrArray *mods = module_list();
    g_string_append_printf(out, "%-24s %-12s %s\n", "module", "kind", "loaded");
    for (guint i = 0; i < mods->len; i++) {
        ModuleInfo *m = g_ptr_array_index(mods, i);
        g_string_append_printf(out, "%-24s %-12s %s\n", m->name, m->kind,
                               m->loaded ? "yes" : "no");
    }
}

static void info_chardev(GString *out, const char *arg)
{
    GPtrArray *all = chardev_list();
    for (guint i = 0; i < all->len; i++) {
        Chardev *chr = g_ptr_array_index(all, i);
        g_autofree char *desc = chardev_describe(chr);
        g_string_append_printf(out, "%s: filename=%s\n", chr->label, desc);
    }
    g_ptr_array_unref(all);
}

/* Every device's input pins, to name where output pins lead. */
static void irq_collect_inputs(Object *obj, void *opaque)
{
    GHashTable *inputs = opaque;
    DeviceState *dev = (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE);
    for (int i = 0; dev && i < dev->num_irq_in; i++) {
        g_hash_table_insert(inputs, dev->irq_in[i], dev);
    }
    object_child_foreach(obj, irq_collect_inputs, opaque);
}

static void irq_print_outputs(GString *out, Object *obj, GHashTable *inputs)
{
    DeviceState *dev = (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE);
    if (dev && dev->num_irq_out) {
        g_autofree char *path = object_get_canonical_path(obj);
        for (int i = 0; i < dev->num_irq_out; i++) {
            IRQLine *line = *dev->irq_out[i];
            DeviceState *to = line ? g_hash_table_lookup(inputs, line) : NULL;
            g_autofree char *to_path = to ? object_get_canonical_path(OBJECT(to)) : NULL;
            if (!line) {
                g_string_append_printf(out, "%s out %d: not connected\n", path, i);
            } else if (to_path) {
                g_string_append_printf(out, "%s out %d -> %s in %d\n", path, i, to_path,
                                       line->n);
            } else {
                g_string_append_printf(out, "%s out %d -> (a non-device input) %d\n", path, i,
                                       line->n);
            }
        }
    }
    GPtrArray *children = object_get_children(obj);
    for (guint i = 0; i < children->len; i++) {
        irq_print_outputs(out, g_ptr_array_index(children, i), inputs);
    }
    g_ptr_array_unref(children);
}

static void info_irq(GString *out, const char *arg)
{
    MachineState *ms = machine_current();
    if (!ms) {
        g_string_append(out, "there is no machine\n");
        return;
    }
    GHashTable *inputs = g_hash_table_new(g_direct_hash, g_direct_equal);
    irq_collect_inputs(OBJECT(ms), inputs);
    irq_print_outputs(out, OBJECT(ms), inputs);
    g_hash_table_unref(inputs);
}

const HmpInfoCommand hmp_info_commands[] = {
    { .name = "status", .params = "", .help = "show the current VM status (running|paused)",
      .run = info_status },
    { .name = "version", .params = "", .help = "show the version of Tessera",
      .run = info_version },
    { .name = "name", .params = "", .help = "show the current VM name", .run = info_name },
    { .name = "qtree", .params = "", .help = "show device tree", .run = info_qtree },
    { .name = "qom-tree", .params = "[path]", .help = "show QOM composition tree",
      .run = info_qom_tree },
    { .name = "mtree", .params = "", .help = "show memory tree", .run = info_mtree },
    { .name = "pci", .params = "", .help = "show PCI info", .run = hmp_info_pci },
    { .name = "registers", .params = "", .help = "show the cpu registers",
      .run = info_registers },
    { .name = "cpus", .params = "", .help = "show infos for each CPU", .run = info_cpus },
    { .name = "modules", .params = "", .help = "show the modules and whether they are loaded",
      .run = info_modules },
    { .name = "chardev", .params = "", .help = "show the character devices",
      .run = info_chardev },
    { .name = "irq", .params = "", .help = "show how interrupt lines are wired",
      .run = info_irq },
    { .name = "network", .params = "", .help = "show the network state",
      .run = hmp_info_network },
    { .name = "usernet", .params = "", .help = "show user network stack connection states",
      .run = hmp_info_usernet },
    HMP_BLOCK_INFO_COMMANDS
    HMP_BLOCK_JOB_INFO_COMMANDS
    { .name = NULL },
};

/* ---- x and xp ------------------------------------------------------------------- */

typedef struct DumpFormat {
    uint64_t count;
    char format;       /* x d u o c */
    unsigned size;     /* 1 2 4 8 */
} DumpFormat;

/* "/[count][format][size]" with format and size letters in any order. */
static bool parse_dump_format(const char *text, DumpFormat *f, GString *out)
{
    f->count = 1;
    f->format = DUMP_DEFAULT_FORMAT;
    f->size = 0;
    const char *p = text ? text : "";
    if (g_ascii_isdigit(*p)) {
        char *end;
        f->count = g_ascii_strtoull(p, &end, 10);
        p = end;
    }
    for (; *p; p++) {
        switch (*p) {
        case 'x': case 'd': case 'u': case 'o': case 'c':
            f->format = *p;
            break;
        case 'b': f->size = 1; break;
        case 'h': f->size = 2; break;
        case 'w': f->size = 4; break;
        case 'g': f->size = 8; break;
        case 'i':
            f->format = 'i';
            break;
        default:
            g_string_append_printf(out, "invalid char in format: '%c'\n", *p);
            return false;
        }
    }
    if (f->format == 'i') {
        f->size = 1;   /* count is in instructions; bytes are counted as they go */
    } else if (f->format == 'c') {
        f->size = 1;
    } else if (!f->size) {
        f->size = DUMP_DEFAULT_SIZE;
    }
    if (f->count > DUMP_MAX_BYTES / f->size) {
        g_string_append_printf(out, "at most %u bytes can be dumped at once\n", DUMP_MAX_BYTES);
        return false;
    }
    return true;
}

/* A character in C syntax between quotes, as QEMU prints /c items. */
static void print_char(GString *out, uint8_t c)
{
    g_string_append_c(out, '\'');
    switch (c) {
    case '\'': g_string_append(out, "\\'"); break;
    case '\\': g_string_append(out, "\\\\"); break;
    case '\n': g_string_append(out, "\\n"); break;
    case '\r': g_string_append(out, "\\r"); break;
    default:
        if (c >= 0x20 && c < 0x7f) {
            g_string_append_c(out, c);
        } else {
            g_string_append_printf(out, "\\x%02x", c);
        }
        break;
    }
    g_string_append_c(out, '\'');
}

static void print_item(GString *out, const DumpFormat *f, const uint8_t *bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < f->size; i++) {
        v |= (uint64_t)bytes[i] << (8 * i);   /* the bus is little-endian */
    }
    unsigned bits = f->size * 8;
    g_string_append_c(out, ' ');
    switch (f->format) {
    case 'x':
        g_string_append_printf(out, "0x%0*" PRIx64, (int)(f->size * 2), v);
        break;
    case 'o':
        g_string_append_printf(out, "%#*" PRIo64, (int)((bits + 2) / 3), v);
        break;
    case 'u':
        g_string_append_printf(out, "%*" PRIu64, (int)((bits * 10 + 32) / 33), v);
        break;
    case 'd': {
        int64_t s = bits < 64 && (v >> (bits - 1)) ? (int64_t)(v | (~0ULL << bits)) : (int64_t)v;
        g_string_append_printf(out, "%*" PRId64, (int)((bits * 10 + 32) / 33), s);
        break;
    }
    case 'c':
        print_char(out, (uint8_t)v);
        break;
    }
}

/* The CPU whose MMU x looks through: the first one (the monitor selects no other). */
static CPUState *dump_cpu(MachineState *ms)
{
    if (!ms->cpus || !ms->cpus->len) {
        return NULL;
    }
    CPUState *cpu = g_ptr_array_index(ms->cpus, 0);
    return CPU_GET_CLASS(cpu)->debug_translate ? cpu : NULL;
}

/*
 * Read @len bytes at @addr: a virtual address of @cpu when @cpu is set,
 * else physical.  On failure, says why on @out and returns false.
 */
static bool dump_read(MachineState *ms, CPUState *cpu, uint64_t addr, uint8_t *buf,
                      unsigned len, GString *out)
{
    while (len > 0) {
        unsigned piece = len;
        uint64_t paddr = addr;
        if (cpu) {
            piece = MIN(len, DUMP_PAGE_SIZE - (unsigned)(addr & (DUMP_PAGE_SIZE - 1)));
            if (!CPU_GET_CLASS(cpu)->debug_translate(cpu, addr, &paddr)) {
                g_string_append_printf(out, " Cannot access memory: virtual address 0x%" PRIx64
                                       " is not mapped\n", addr);
                return false;
            }
        }
        if (address_space_read_buf(&ms->address_space, paddr, buf, piece) != MEMTX_OK) {
            g_string_append(out, " Cannot access memory\n");
            return false;
        }
        addr += piece;
        buf += piece;
        len -= piece;
    }
    return true;
}

/* x/i, xp/i: @count instructions through the CPU's disassembler. */
static void disas_dump(GString *out, MachineState *ms, CPUState *cpu, uint64_t addr,
                       uint64_t count)
{
    CPUState *dcpu = cpu;
    if (!dcpu && ms->cpus && ms->cpus->len) {
        dcpu = g_ptr_array_index(ms->cpus, 0);
    }
    CPUClass *cc = dcpu ? CPU_GET_CLASS(dcpu) : NULL;
    if (!cc || !cc->disas_insn) {
        g_string_append(out, "format 'i': the CPU offers no disassembler\n");
        return;
    }
    enum { MAX_INSN_BYTES = 16 };
    for (uint64_t i = 0; i < count; i++) {
        uint8_t buf[MAX_INSN_BYTES];
        unsigned avail = 0;
        /* As many bytes as can be read, up to the longest instruction. */
        g_autoptr(GString) err = g_string_new(NULL);
        while (avail < MAX_INSN_BYTES && addr + avail >= addr &&
               dump_read(ms, cpu, addr + avail, buf + avail, 1, err)) {
            avail++;
        }
        g_autoptr(GString) text = g_string_new(NULL);
        unsigned len = avail ? cc->disas_insn(dcpu, addr, buf, avail, text) : 0;
        if (!len) {
            g_string_append_printf(out, "0x%016" PRIx64 ":%s", addr,
                                   err->len ? err->str : " Cannot access memory\n");
            return;
        }
        uint64_t word = 0;
        for (unsigned k = 0; k < len && k < 8; k++) {
            word |= (uint64_t)buf[k] << (8 * k);
        }
        g_string_append_printf(out, "0x%016" PRIx64 ":  %0*" PRIx64 "  %s\n", addr,
                               (int)MIN(len, 8u) * 2, word, text->str);
        addr += len;
    }
}

static void memory_dump(GString *out, JsonObject *args, bool physical)
{
    DumpFormat f;
    if (!parse_dump_format(qmp_arg_str(args, "fmt", NULL), &f, out)) {
        return;
    }
    MachineState *ms = machine_with_memory(out);
    if (!ms) {
        return;
    }
    CPUState *cpu = physical ? NULL : dump_cpu(ms);
    if (!physical && !cpu) {
        g_string_append(out, "(the CPU offers no MMU walk to the monitor: 'x' reads physical "
                             "addresses, like 'xp')\n");
    }
    uint64_t addr = (uint64_t)qmp_arg_int(args, "addr", 0);
    if (f.format == 'i') {
        disas_dump(out, ms, cpu, addr, f.count);
        return;
    }
    uint64_t len = f.count * f.size;
    unsigned line_bytes = f.size == 1 ? DUMP_LINE_BYTES_NARROW : DUMP_LINE_BYTES;
    uint8_t buf[DUMP_LINE_BYTES];
    while (len > 0) {
        unsigned l = (unsigned)MIN(len, (uint64_t)line_bytes);
        if (addr + l - 1 < addr) {
            break;   /* would wrap past the top of the address space */
        }
        g_string_append_printf(out, "%016" PRIx64 ":", addr);
        if (!dump_read(ms, cpu, addr, buf, l, out)) {
            return;
        }
        for (unsigned i = 0; i < l; i += f.size) {
            print_item(out, &f, buf + i);
        }
        g_string_append_c(out, '\n');
        addr += l;
        len -= l;
    }
}

static void hmp_x(GString *out, JsonObject *args)
{
    memory_dump(out, args, false);
}

static void hmp_xp(GString *out, JsonObject *args)
{
    memory_dump(out, args, true);
}

/* ---- log -------------------------------------------------------------------------- */

static void hmp_log(GString *out, JsonObject *args)
{
    const char *items = qmp_arg_str(args, "items", "");
    if (!strcmp(items, "help") || !strcmp(items, "?")) {
        g_autofree char *text = log_format_categories();
        g_string_append(out, text);
        return;
    }
    GError *err = NULL;
    if (!log_set_mask_str(strcmp(items, "none") ? items : "", &err)) {
        g_string_append_printf(out, "%s\n", err->message);
        g_error_free(err);
    }
}
