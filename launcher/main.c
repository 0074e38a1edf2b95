/* SPDX-License-Identifier: MIT */
/*
 * The tessera executable: QEMU-compatible command line, introspection
 * (-M help, -device help, ...), and the launch sequence of the blueprint:
 * options -> machine -> backends -> board init -> accelerator -> -device
 * -> firmware tables -> reset -> vCPUs -> main loop.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/accel.h"
#include "kernel/block-hook.h"
#include "kernel/chardev.h"
#include "kernel/core.h"
#include "kernel/gdbstub.h"
#include "kernel/help.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "kernel/options.h"
#include "kernel/runstate.h"
#include "launcher/compat.h"
#include "launcher/runopts.h"
#include "monitor/monitor.h"
#include "monitor/monitor-net.h"

#define PROGNAME "tessera"
#define LINK_PREFIX "tessera-system-"
/* What plain `tessera` means by a name several targets provide. */
#define PLAIN_TESSERA_TARGET "riscv64"

typedef enum {
    OPT_MACHINE, OPT_MEMORY, OPT_SMP, OPT_CPU, OPT_ACCEL, OPT_DEVICE, OPT_OBJECT, OPT_GLOBAL,
    OPT_CHARDEV, OPT_SERIAL, OPT_MONITOR, OPT_QMP, OPT_DISPLAY, OPT_NOGRAPHIC, OPT_KERNEL,
    OPT_INITRD, OPT_APPEND, OPT_DTB, OPT_BIOS, OPT_PAUSED, OPT_NO_REBOOT, OPT_NO_SHUTDOWN,
    OPT_DEBUG, OPT_LOGFILE, OPT_LIBDIR, OPT_NODEFAULTS, OPT_VERSION, OPT_HELP, OPT_BLOCKDEV,
    OPT_DRIVE, OPT_NETDEV, OPT_NET, OPT_NIC, OPT_TARGET, OPT_LIST_MODULES, OPT_UPDATE_INDEX,
    OPT_NAME, OPT_SNAPSHOT, OPT_QTEST, OPT_GDB, OPT_GDB_DEFAULT,
    OPT_NO_USER_CONFIG, OPT_PIDFILE, OPT_DAEMONIZE, OPT_UUID,
    OPT_OVERCOMMIT, OPT_RTC, OPT_BOOT, OPT_FW_CFG, OPT_MSG, OPT_MON, OPT_AUDIODEV, OPT_SANDBOX,
    OPT_ADD_FD, OPT_PERFMAP,
} OptionId;

typedef struct CmdOption {
    const char *name;
    OptionId id;
    const char *arg;          /* NULL: takes no argument */
    const char *help;
    /* Subsystem not built yet: the option is refused with this message. */
    const char *unbuilt;
} CmdOption;

static const CmdOption cmd_options[] = {
    { "M", OPT_MACHINE, "[type=]name[,prop=value...]", "select the machine (-M help lists them)" },
    { "machine", OPT_MACHINE, "[type=]name[,prop=value...]", "same as -M" },
    { "m", OPT_MEMORY, "[size=]megs[M|G]", "RAM size (default: the machine's)" },
    { "smp", OPT_SMP, "[cpus=]n", "number of vCPUs" },
    { "cpu", OPT_CPU, "model[,ext=on|off...]", "select the CPU model (-cpu help lists them)" },
    { "accel", OPT_ACCEL, "name[,prop=value...]", "select the accelerator (-accel help)" },
    { "device", OPT_DEVICE, "driver[,prop=value...]", "add a device (-device help lists them)" },
    { "object", OPT_OBJECT, "type,id=ID[,prop=value...]", "create an object (-object help)" },
    { "global", OPT_GLOBAL, "driver.prop=value", "default property value for a device type" },
    { "chardev", OPT_CHARDEV, "backend,id=ID[,...]", "create a character device (-chardev help)" },
    { "serial", OPT_SERIAL, "dev", "redirect the next serial port to host device dev" },
    { "monitor", OPT_MONITOR, "dev", "human monitor (HMP) on host device dev" },
    { "qmp", OPT_QMP, "dev", "QMP monitor on host device dev (e.g. unix:PATH,server=on,wait=off)" },
    { "qtest", OPT_QTEST, "dev", "qtest protocol on host device dev (unix:PATH, stdio, chardev:ID);"
      " implies -accel qtest (docs/qtest.md)" },
    { "display", OPT_DISPLAY, "none", "select the display (only 'none' exists)" },
    { "nographic", OPT_NOGRAPHIC, NULL, "no display; serial port on stdio" },
    { "kernel", OPT_KERNEL, "file", "kernel image (ELF or raw)" },
    { "initrd", OPT_INITRD, "file", "initial ramdisk" },
    { "append", OPT_APPEND, "cmdline", "kernel command line" },
    { "dtb", OPT_DTB, "file", "use this device tree blob" },
    { "bios", OPT_BIOS, "file|default|none", "firmware image" },
    { "S", OPT_PAUSED, NULL, "do not start the CPUs at start-up" },
    { "gdb", OPT_GDB, "dev", "accept a GDB connection on dev (tcp::PORT, tcp:HOST:PORT,"
      " unix:PATH,server=on, chardev:ID; docs/gdbstub.md)" },
    { "s", OPT_GDB_DEFAULT, NULL, "shorthand for -gdb tcp::1234" },
    { "no-reboot", OPT_NO_REBOOT, NULL, "exit instead of rebooting" },
    { "no-shutdown", OPT_NO_SHUTDOWN, NULL, "stop instead of exiting on guest shutdown" },
    { "d", OPT_DEBUG, "item[,...]", "enable logging of items (-d help lists them)" },
    { "perfmap", OPT_PERFMAP, NULL,
      "write /tmp/perf-PID.map naming each translated block's host code (for perf report;"
      " same as -accel tcg,perfmap=on)" },
    { "D", OPT_LOGFILE, "logfile", "write logs to logfile instead of stderr" },
    { "L", OPT_LIBDIR, "dir", "add dir to the module and firmware search path" },
    { "nodefaults", OPT_NODEFAULTS, NULL, "create no default devices" },
    { "name", OPT_NAME, "string", "name of the guest" },
    { "version", OPT_VERSION, NULL, "print version and exit" },
    { "h", OPT_HELP, NULL, "print this help and exit" },
    { "help", OPT_HELP, NULL, "same as -h" },
    { "blockdev", OPT_BLOCKDEV, "driver=D,node-name=N[,...]|JSON",
      "add a block node (drivers: file, host_device, null-co, raw, qcow2)" },
    { "drive", OPT_DRIVE, "file=F[,format=,if=none|virtio,id=,media=,readonly=,cache=,...]",
      "add a drive: nodes for the file plus a backend named by id" },
    { "snapshot", OPT_SNAPSHOT, NULL, "write to temporary files instead of disk images" },
    { "netdev", OPT_NETDEV, "type,id=ID[,...]", "add a network backend (-netdev help)" },
    { "net", OPT_NET, "nic|user|tap|...[,vlan=N][,...]",
      "legacy: a NIC or a backend on hub N (default 0)" },
    { "nic", OPT_NIC, "type[,model=M][,mac=MAC][,...]", "a backend and a NIC joined to it" },
    { "target", OPT_TARGET, "arch", "select the target architecture (default: from program name)" },
    { "list-modules", OPT_LIST_MODULES, NULL, "list installed modules, loaded or not, and exit" },
    { "update-module-index", OPT_UPDATE_INDEX, "dir", "rewrite dir/modules.index and exit" },
    { "no-user-config", OPT_NO_USER_CONFIG, NULL,
      "read no user configuration files (Tessera never reads any)" },
    { "pidfile", OPT_PIDFILE, "file", "write the process id to file, locked, removed at exit" },
    { "uuid", OPT_UUID, "%08x-%04x-%04x-%04x-%012x", "the VM's UUID (query-uuid)" },
    { "daemonize", OPT_DAEMONIZE, NULL,
      "detach once the monitors listen; earlier errors still reach the caller" },
    { "overcommit", OPT_OVERCOMMIT, "mem-lock=on|off|on-fault[,cpu-pm=off]",
      "mem-lock=on: lock all memory (mlockall)" },
    { "rtc", OPT_RTC, "base=utc|localtime|DATE[,clock=vm][,driftfix=none]",
      "the guest RTC's start time" },
    { "boot", OPT_BOOT, "strict=on|off[,menu=on|off][,splash-time=MS]",
      "boot policy (boards boot -kernel/-bios or what their firmware picks; menu and"
      " splash-time reach firmware through fw_cfg)" },
    { "fw_cfg", OPT_FW_CFG, "[name=]NAME,file=PATH|string=STR",
      "add a named file for the guest's firmware (fw_cfg; names start with opt/)" },
    { "msg", OPT_MSG, "timestamp=on|off[,guest-name=on|off]", "prefix error lines" },
    { "mon", OPT_MON, "[chardev=]ID[,mode=control|readline][,id=X]",
      "a monitor on chardev ID (control: QMP)" },
    { "add-fd", OPT_ADD_FD, "fd=N,set=M[,opaque=TEXT]",
      "put inherited fd N in fd set M (files named /dev/fdset/M)" },
    { "audiodev", OPT_AUDIODEV, "none,id=ID|JSON", "an audio backend (only 'none')" },
    { "sandbox", OPT_SANDBOX,
      "on|off[,obsolete=deny][,elevateprivileges=deny|children][,spawn=deny]"
      "[,resourcecontrol=deny]", "seccomp system-call filter" },
};

typedef struct Config {
    GPtrArray *machine;       /* option texts, merged in order */
    GPtrArray *devices;
    GPtrArray *objects;
    GPtrArray *globals;
    GPtrArray *chardevs;
    GPtrArray *serials;
    GPtrArray *monitors;      /* -monitor texts */
    GPtrArray *qmps;          /* -qmp texts */
    GPtrArray *libdirs;
    GPtrArray *nets;          /* "-netdev TEXT", "-net TEXT", "-nic TEXT", in order */
    GPtrArray *blockdevs;     /* -blockdev texts */
    GPtrArray *drives;        /* -drive texts */
    GPtrArray *mons;          /* -mon texts */
    GPtrArray *audiodevs;     /* -audiodev texts */
    GPtrArray *fw_cfgs;       /* -fw_cfg texts */
    GPtrArray *addfds;        /* -add-fd texts */
    char *overcommit, *rtc, *boot, *msg, *sandbox;
    bool snapshot;
    bool perfmap;             /* -perfmap */
    char *memory, *smp, *cpu, *accel, *display, *kernel, *initrd, *append, *dtb, *bios;
    char *debug, *logfile, *target, *update_index, *name, *qtest;
    char *gdb;                /* -gdb / -s device */
    char *pidfile;
    char *machine_accel;      /* -machine accel=A:B fallback list */
    bool daemonize;
    bool nographic, paused, no_reboot, no_shutdown, nodefaults, version, help, list_modules;
} Config;

static const CmdOption *find_option(const char *arg)
{
    const char *name = arg + 1;
    if (*name == '-') {
        name++;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(cmd_options); i++) {
        if (!strcmp(cmd_options[i].name, name)) {
            return &cmd_options[i];
        }
    }
    return NULL;
}

static void print_usage(const char *progname)
{
    printf("usage: %s [options]\n\nTessera machine emulator %s\n\nOptions:\n", progname,
           TESSERA_VERSION);
    for (size_t i = 0; i < G_N_ELEMENTS(cmd_options); i++) {
        const CmdOption *o = &cmd_options[i];
        g_autofree char *left = g_strdup_printf("-%s%s%s", o->name, o->arg ? " " : "",
                                                o->arg ? o->arg : "");
        printf("  %-36s %s%s\n", left, o->help, o->unbuilt ? " [not built yet]" : "");
    }
    printf("\nAny option taking a list accepts 'help' (e.g. -device help, -device ns16550a,help),"
           "\nand 'help,format=json' for machine-readable output.\n");
}

static void set_string(char **slot, const char *value)
{
    g_free(*slot);
    *slot = g_strdup(value);
}

/* Fill @cfg from argv; false with an error naming the option. */
static bool parse_args(int argc, char **argv, Config *cfg, GError **errp)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || !arg[1]) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "%s: unexpected argument (for a disk image use -drive file=...)", arg);
            return false;
        }
        const CmdOption *o = find_option(arg);
        if (!o) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: invalid option", arg);
            return false;
        }
        const char *val = NULL;
        if (o->arg) {
            if (i + 1 >= argc) {
                g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                            "%s: requires an argument (%s)", arg, o->arg);
                return false;
            }
            val = argv[++i];
        }
        if (o->unbuilt) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_UNSUPPORTED, "-%s: %s", o->name, o->unbuilt);
            return false;
        }
        switch (o->id) {
        case OPT_MACHINE: g_ptr_array_add(cfg->machine, g_strdup(val)); break;
        case OPT_DEVICE: g_ptr_array_add(cfg->devices, g_strdup(val)); break;
        case OPT_OBJECT: g_ptr_array_add(cfg->objects, g_strdup(val)); break;
        case OPT_GLOBAL: g_ptr_array_add(cfg->globals, g_strdup(val)); break;
        case OPT_CHARDEV: g_ptr_array_add(cfg->chardevs, g_strdup(val)); break;
        case OPT_SERIAL: g_ptr_array_add(cfg->serials, g_strdup(val)); break;
        case OPT_MONITOR: g_ptr_array_add(cfg->monitors, g_strdup(val)); break;
        case OPT_QMP: g_ptr_array_add(cfg->qmps, g_strdup(val)); break;
        case OPT_LIBDIR: g_ptr_array_add(cfg->libdirs, g_strdup(val)); break;
        case OPT_NETDEV: case OPT_NET: case OPT_NIC:
            g_ptr_array_add(cfg->nets, g_strdup_printf("-%s %s", o->name, val));
            break;
        case OPT_BLOCKDEV: g_ptr_array_add(cfg->blockdevs, g_strdup(val)); break;
        case OPT_DRIVE: g_ptr_array_add(cfg->drives, g_strdup(val)); break;
        case OPT_SNAPSHOT: cfg->snapshot = true; break;
        case OPT_PERFMAP: cfg->perfmap = true; break;
        case OPT_MEMORY: set_string(&cfg->memory, val); break;
        case OPT_SMP: set_string(&cfg->smp, val); break;
        case OPT_CPU: set_string(&cfg->cpu, val); break;
        case OPT_ACCEL: set_string(&cfg->accel, val); break;
        case OPT_DISPLAY: set_string(&cfg->display, val); break;
        case OPT_KERNEL: set_string(&cfg->kernel, val); break;
        case OPT_INITRD: set_string(&cfg->initrd, val); break;
        case OPT_APPEND: set_string(&cfg->append, val); break;
        case OPT_DTB: set_string(&cfg->dtb, val); break;
        case OPT_BIOS: set_string(&cfg->bios, val); break;
        case OPT_DEBUG: set_string(&cfg->debug, val); break;
        case OPT_LOGFILE: set_string(&cfg->logfile, val); break;
        case OPT_TARGET: set_string(&cfg->target, val); break;
        case OPT_NAME: set_string(&cfg->name, val); break;
        case OPT_QTEST: set_string(&cfg->qtest, val); break;
        case OPT_GDB: set_string(&cfg->gdb, val); break;
        case OPT_GDB_DEFAULT: set_string(&cfg->gdb, "tcp::1234"); break;
        case OPT_UPDATE_INDEX: set_string(&cfg->update_index, val); break;
        case OPT_PIDFILE: set_string(&cfg->pidfile, val); break;
        case OPT_DAEMONIZE: cfg->daemonize = true; break;
        case OPT_UUID:
            if (!g_uuid_string_is_valid(val)) {
                g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                            "-uuid %s: not a UUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                            val);
                return false;
            }
            monitor_set_vm_uuid(val);
            break;
        case OPT_MON: g_ptr_array_add(cfg->mons, g_strdup(val)); break;
        case OPT_AUDIODEV: g_ptr_array_add(cfg->audiodevs, g_strdup(val)); break;
        case OPT_ADD_FD: g_ptr_array_add(cfg->addfds, g_strdup(val)); break;
        case OPT_OVERCOMMIT: set_string(&cfg->overcommit, val); break;
        case OPT_RTC: set_string(&cfg->rtc, val); break;
        case OPT_BOOT: set_string(&cfg->boot, val); break;
        case OPT_FW_CFG: g_ptr_array_add(cfg->fw_cfgs, g_strdup(val)); break;
        case OPT_MSG: set_string(&cfg->msg, val); break;
        case OPT_SANDBOX:
            if (!sandbox_parse(val, errp)) {
                return false;
            }
            break;
        case OPT_NO_USER_CONFIG: break; /* Tessera has no user configuration files */
        case OPT_NOGRAPHIC: cfg->nographic = true; break;
        case OPT_PAUSED: cfg->paused = true; break;
        case OPT_NO_REBOOT: cfg->no_reboot = true; break;
        case OPT_NO_SHUTDOWN: cfg->no_shutdown = true; break;
        case OPT_NODEFAULTS: cfg->nodefaults = true; break;
        case OPT_VERSION: cfg->version = true; break;
        case OPT_HELP: cfg->help = true; break;
        case OPT_LIST_MODULES: cfg->list_modules = true; break;
        default: g_assert_not_reached();
        }
    }
    return true;
}

static bool apply_machine_opts(MachineState *ms, OptDict *d, GError **errp)
{
    for (guint i = 0; i < d->keys->len; i++) {
        const char *key = g_ptr_array_index(d->keys, i);
        if (!strcmp(key, "type")) {
            continue;
        }
        GError *err = NULL;
        if (!object_property_parse(OBJECT(ms), key, opt_dict_get(d, key), &err)) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-machine %s: %s", key,
                        err->message);
            g_error_free(err);
            return false;
        }
    }
    return true;
}

/* Merge every -M occurrence into one dictionary (later keys win). */
static OptDict *machine_dict(Config *cfg, GError **errp)
{
    OptDict *all = opt_dict_new("-machine");
    for (guint i = 0; i < cfg->machine->len; i++) {
        OptDict *d = opt_dict_parse("-machine", g_ptr_array_index(cfg->machine, i), "type", false,
                                errp);
        if (!d) {
            opt_dict_free(all);
            return NULL;
        }
        all->help |= d->help;
        for (guint k = 0; k < d->keys->len; k++) {
            const char *key = g_ptr_array_index(d->keys, k);
            opt_dict_set(all, key, opt_dict_get(d, key));
        }
        opt_dict_free(d);
    }
    return all;
}

static bool setup_cpu(MachineState *ms, Config *cfg, GError **errp)
{
    if (!cfg->cpu) {
        return true;
    }
    OptDict *d = opt_dict_parse("-cpu", cfg->cpu, "model", false, errp);
    if (!d) {
        return false;
    }
    bool ok = false;
    const char *model = opt_dict_get(d, "model");
    char *type = model ? help_cpu_type_for_model(model) : NULL;
    if (!type) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                    "-cpu %s: unknown CPU model; use -cpu help to list models",
                    model ? model : "");
        goto out;
    }
    set_string(&ms->cpu_type, type);
    for (guint i = 0; i < d->keys->len; i++) {
        const char *key = g_ptr_array_index(d->keys, i);
        if (strcmp(key, "model")) {
            g_autofree char *origin = g_strdup_printf("-cpu %s", cfg->cpu);
            device_add_global(origin, type, key, opt_dict_get(d, key));
        }
    }
    g_free(type);
    ok = true;
out:
    opt_dict_free(d);
    return ok;
}

static bool setup_machine_config(MachineState *ms, Config *cfg, OptDict *mdict, GError **errp)
{
    if (!apply_machine_opts(ms, mdict, errp)) {
        return false;
    }
    if (cfg->memory && !machine_parse_memory(ms, cfg->memory, errp)) {
        return false;
    }
    if (cfg->smp && !machine_parse_smp(ms, cfg->smp, errp)) {
        return false;
    }
    struct { char *value; const char *prop; } files[] = {
        { cfg->kernel, "kernel" }, { cfg->initrd, "initrd" }, { cfg->append, "append" },
        { cfg->dtb, "dtb" }, { cfg->bios, "firmware" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        if (files[i].value && !object_property_set_str(OBJECT(ms), files[i].prop, files[i].value,
                                                       errp)) {
            return false;
        }
    }
    if (cfg->boot && !runopts_boot(cfg->boot, ms, errp)) {
        return false;
    }
    for (guint i = 0; i < cfg->fw_cfgs->len; i++) {
        if (!runopts_fw_cfg(g_ptr_array_index(cfg->fw_cfgs, i), ms, errp)) {
            return false;
        }
    }
    return setup_cpu(ms, cfg, errp);
}

/*
 * A chardev from a -serial/-monitor/-qmp shorthand.  "mon:X" (for -serial)
 * puts a multiplexer over X with a human monitor on it, as QEMU does.
 * NULL without an error for "none".
 */
static Chardev *shorthand_chardev(const char *option, const char *id, const char *text,
                                  bool allow_mux, GError **errp)
{
    GError *err = NULL;
    Chardev *chr;
    if (allow_mux && g_str_has_prefix(text, "mon:")) {
        g_autofree char *backend_id = g_strconcat(id, "-base", NULL);
        Chardev *backend = chardev_new_from_shorthand(backend_id, text + 4, &err);
        chr = backend ? monitor_mux_new(id, backend, &err) : NULL;
        if (chr && !monitor_init_hmp(chr, &err)) {
            chr = NULL;
        }
    } else {
        chr = chardev_new_from_shorthand(id, text, &err);
    }
    if (err) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s %s: %s", option, text,
                    err->message);
        g_error_free(err);
        return NULL;
    }
    return chr;
}

static bool setup_chardevs(Config *cfg, GError **errp)
{
    for (guint i = 0; i < cfg->chardevs->len; i++) {
        OptDict *d = opt_dict_parse("-chardev", g_ptr_array_index(cfg->chardevs, i), "backend",
                                false, errp);
        if (!d) {
            return false;
        }
        Chardev *chr = chardev_new_from_opts(d, errp);
        opt_dict_free(d);
        if (!chr) {
            return false;
        }
    }
    GPtrArray *serials = cfg->serials;
    if (!serials->len && !cfg->nodefaults && cfg->nographic) {
        g_ptr_array_add(serials, g_strdup("mon:stdio"));
    }
    for (guint i = 0; i < serials->len; i++) {
        g_autofree char *id = g_strdup_printf("serial%u", i);
        const char *text = g_ptr_array_index(serials, i);
        if (i >= (guint)machine_max_serial_ports()) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "-serial %s: too many serial ports (at most %d)", text,
                        machine_max_serial_ports());
            return false;
        }
        Chardev *chr = shorthand_chardev("-serial", id, text, true, errp);
        if (!chr && *errp) {
            return false;
        }
        if (chr) {
            machine_set_serial_chardev_id(i, chr->label, NULL); /* index checked above */
        }
    }
    struct { GPtrArray *texts; const char *option; const char *prefix;
             bool (*start)(Chardev *chr, GError **errp); } monitors[] = {
        { cfg->monitors, "-monitor", "monitor", monitor_init_hmp },
        { cfg->qmps, "-qmp", "qmp", monitor_init_qmp },
    };
    for (size_t m = 0; m < G_N_ELEMENTS(monitors); m++) {
        for (guint i = 0; i < monitors[m].texts->len; i++) {
            g_autofree char *id = g_strdup_printf("compat_%s%u", monitors[m].prefix, i);
            const char *text = g_ptr_array_index(monitors[m].texts, i);
            Chardev *chr = shorthand_chardev(monitors[m].option, id, text, false, errp);
            if (!chr) {
                if (!*errp) {
                    continue; /* "none" */
                }
                return false;
            }
            GError *err = NULL;
            if (!monitors[m].start(chr, &err)) {
                g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s %s: %s",
                            monitors[m].option, text, err->message);
                g_error_free(err);
                return false;
            }
        }
    }
    for (guint i = 0; i < cfg->mons->len; i++) {
        if (!runopts_mon(g_ptr_array_index(cfg->mons, i), errp)) {
            return false;
        }
    }
    return true;
}

/* -netdev help: the backends the module index knows. */
static void print_netdev_help(void)
{
    GPtrArray *types = module_list_types("netdev");
    printf("Available netdev backend types:\n");
    for (guint i = 0; i < types->len; i++) {
        const ModuleTypeEntry *e = g_ptr_array_index(types, i);
        if (!e->abstract && g_str_has_prefix(e->name, "netdev-")) {
            printf("%s\n", e->name + strlen("netdev-"));
        }
    }
    printf("hubport\n");
    g_ptr_array_unref(types);
}

/*
 * -netdev, -net and -nic, in command-line order, through the net module's
 * hooks; "-net nic" and "-nic" add their NIC to the -device list.  Then
 * -object filter-dump objects attach to their netdevs.
 */
static bool setup_net(Config *cfg, GError **errp)
{
    if (!cfg->nets->len) {
        return true;
    }
    const MonitorNetHooks *net = monitor_net_hooks(errp);
    if (!net) {
        return false;
    }
    for (guint i = 0; i < cfg->nets->len; i++) {
        const char *entry = g_ptr_array_index(cfg->nets, i);
        const char *text = strchr(entry, ' ') + 1;
        g_autofree char *option = g_strndup(entry, text - 1 - entry);
        char *nic = NULL;
        bool ok = !strcmp(option, "-netdev") ? net->netdev_add_text(text, errp)
                                              : net->legacy_add(option, text, &nic, errp);
        if (!ok) {
            return false;
        }
        if (nic) {
            g_ptr_array_add(cfg->devices, nic);
        }
    }
    return net->filters_attach(errp);
}

/* -blockdev, -drive and -snapshot, through the block module (loaded only
 * when one is given); -drive if=virtio adds its device to the -device list. */
static bool setup_block(Config *cfg, GError **errp)
{
    if (!cfg->blockdevs->len && !cfg->drives->len) {
        return true;
    }
    const BlockHookOps *ops = block_hook_get(errp);
    if (!ops) {
        return false;
    }
    for (guint i = 0; i < cfg->blockdevs->len; i++) {
        if (!ops->blockdev(g_ptr_array_index(cfg->blockdevs, i), errp)) {
            return false;
        }
    }
    for (guint i = 0; i < cfg->drives->len; i++) {
        if (!ops->drive(g_ptr_array_index(cfg->drives, i), cfg->snapshot, cfg->devices, errp)) {
            return false;
        }
    }
    return true;
}

/* -qtest DEV: the protocol on chardev "qtest", for the qtest accelerator only. */
static bool setup_qtest(OptDict *accel, Config *cfg, GError **errp)
{
    if (g_strcmp0(opt_dict_get(accel, "accel"), "qtest")) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-qtest %s: needs -accel qtest (CPUs must not run), not -accel %s",
                    cfg->qtest, opt_dict_get(accel, "accel"));
        return false;
    }
    if (opt_dict_get(accel, "chardev")) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-qtest %s: the qtest chardev is already given by -accel qtest,chardev=%s",
                    cfg->qtest, opt_dict_get(accel, "chardev"));
        return false;
    }
    Chardev *chr = shorthand_chardev("-qtest", "qtest", cfg->qtest, false, errp);
    if (chr) {
        opt_dict_set(accel, "chardev", chr->label);
    }
    return chr || !*errp;
}

static bool setup_accel(MachineState *ms, Config *cfg, GError **errp)
{
    if (cfg->machine_accel) {
        if (cfg->qtest) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "-qtest needs -accel qtest, not -machine accel=%s", cfg->machine_accel);
            return false;
        }
        if (cfg->perfmap) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "-perfmap needs -accel tcg, not -machine accel=%s", cfg->machine_accel);
            return false;
        }
        ms->accel = compat_accel_from_list(ms, cfg->machine_accel, errp);
        return ms->accel != NULL;
    }
    if (!cfg->accel && !cfg->qtest && !cfg->perfmap && ms->cpus->len == 0) {
        return true; /* nothing to execute: no accelerator needed */
    }
    const char *deflt = cfg->qtest ? "qtest" : "tcg";
    OptDict *d = opt_dict_parse("-accel", cfg->accel ? cfg->accel : deflt, "accel", false, errp);
    if (!d) {
        return false;
    }
    if (cfg->perfmap) {
        if (g_strcmp0(opt_dict_get(d, "accel"), "tcg")) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "-perfmap needs -accel tcg (translated code), not -accel %s",
                        opt_dict_get(d, "accel"));
            opt_dict_free(d);
            return false;
        }
        opt_dict_set(d, "perfmap", "on");
    }
    if (cfg->qtest && !setup_qtest(d, cfg, errp)) {
        opt_dict_free(d);
        return false;
    }
    ms->accel = accel_create(d, errp);
    opt_dict_free(d);
    if (!ms->accel) {
        return false;
    }
    AccelClass *ac = ACCEL_GET_CLASS(ms->accel);
    return !ac->init_machine || ac->init_machine(ms->accel, ms, errp);
}

static bool setup_devices(Config *cfg, GError **errp)
{
    for (guint i = 0; i < cfg->devices->len; i++) {
        OptDict *d = opt_dict_parse("-device", g_ptr_array_index(cfg->devices, i), "driver", true,
                                errp);
        if (!d) {
            return false;
        }
        DeviceState *dev = device_create_from_opts(d, false, errp);
        opt_dict_free(d);
        if (!dev) {
            return false;
        }
    }
    return true;
}

static bool setup_objects(Config *cfg, GError **errp)
{
    for (guint i = 0; i < cfg->objects->len; i++) {
        OptDict *d = opt_dict_parse("-object", g_ptr_array_index(cfg->objects, i), "qom-type", true,
                                errp);
        if (!d) {
            return false;
        }
        Object *obj = object_create_from_opts(d, errp);
        opt_dict_free(d);
        if (!obj) {
            return false;
        }
    }
    return true;
}

static bool setup_globals(Config *cfg, GError **errp)
{
    for (guint i = 0; i < cfg->globals->len; i++) {
        const char *g = g_ptr_array_index(cfg->globals, i);
        const char *dot = strchr(g, '.');
        const char *eq = dot ? strchr(dot, '=') : NULL;
        if (!dot || !eq || dot == g || eq == dot + 1) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "-global %s: expected driver.property=value", g);
            return false;
        }
        g_autofree char *driver = g_strndup(g, dot - g);
        g_autofree char *prop = g_strndup(dot + 1, eq - dot - 1);
        device_add_global(NULL, driver, prop, eq + 1);
    }
    return true;
}

/* Answer every "help" request; returns true if one was answered. */
static bool answer_help(Config *cfg, OptDict *mdict, GError **errp, bool *failed)
{
    struct { GPtrArray *texts; const char *text; const char *option; const char *implied;
             HelpKind kind; } reqs[] = {
        { NULL, cfg->cpu, "-cpu", "model", HELP_CPU },
        { NULL, cfg->accel, "-accel", "accel", HELP_ACCEL },
        { NULL, cfg->debug, "-d", NULL, HELP_LOG },
        { cfg->devices, NULL, "-device", "driver", HELP_DEVICE },
        { cfg->objects, NULL, "-object", "qom-type", HELP_OBJECT },
        { cfg->chardevs, NULL, "-chardev", "backend", HELP_CHARDEV },
    };
    if (mdict->help) {
        *failed = !help_print(HELP_MACHINE, opt_dict_get(mdict, "type"),
                              g_strcmp0(opt_dict_get(mdict, "format"), "json") == 0, errp);
        return true;
    }
    for (size_t r = 0; r < G_N_ELEMENTS(reqs); r++) {
        guint n = reqs[r].texts ? reqs[r].texts->len : (reqs[r].text ? 1 : 0);
        for (guint i = 0; i < n; i++) {
            const char *text = reqs[r].texts ? g_ptr_array_index(reqs[r].texts, i) : reqs[r].text;
            if (reqs[r].kind == HELP_LOG) {
                if (!strcmp(text, "help") || !strcmp(text, "?")) {
                    *failed = !help_print(HELP_LOG, NULL, false, errp);
                    return true;
                }
                continue;
            }
            OptDict *d = opt_dict_parse(reqs[r].option, text, reqs[r].implied, false, NULL);
            if (d && d->help) {
                *failed = !help_print(reqs[r].kind, opt_dict_get(d, reqs[r].implied),
                                      g_strcmp0(opt_dict_get(d, "format"), "json") == 0, errp);
                opt_dict_free(d);
                return true;
            }
            if (d) {
                opt_dict_free(d);
            }
        }
    }
    return false;
}

static void config_free(Config *cfg)
{
    GPtrArray *lists[] = { cfg->machine, cfg->devices, cfg->objects, cfg->globals, cfg->chardevs,
                           cfg->serials, cfg->monitors, cfg->qmps, cfg->libdirs, cfg->nets,
                           cfg->blockdevs, cfg->drives, cfg->mons, cfg->audiodevs,
                           cfg->fw_cfgs, cfg->addfds };
    char *strings[] = { cfg->memory, cfg->smp, cfg->cpu, cfg->accel, cfg->display, cfg->kernel,
                        cfg->initrd, cfg->append, cfg->dtb, cfg->bios, cfg->debug, cfg->logfile,
                        cfg->target, cfg->update_index, cfg->name, cfg->qtest, cfg->gdb,
                        cfg->pidfile, cfg->machine_accel, cfg->overcommit, cfg->rtc, cfg->boot,
                        cfg->msg, cfg->sandbox };
    for (size_t i = 0; i < G_N_ELEMENTS(lists); i++) {
        g_ptr_array_unref(lists[i]);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(strings); i++) {
        g_free(strings[i]);
    }
}

/* stdio cannot follow a daemon: QEMU refuses it too. */
static bool uses_stdio(GPtrArray *texts)
{
    for (guint i = 0; i < texts->len; i++) {
        const char *t = g_ptr_array_index(texts, i);
        if (!strcmp(t, "stdio") || !strcmp(t, "mon:stdio") || g_str_has_prefix(t, "stdio,")) {
            return true;
        }
    }
    return false;
}

/* -machine accel=, -daemonize and -pidfile, once the options are known. */
static bool compat_setup(Config *cfg, OptDict *mdict, GError **errp)
{
    const char *accel = opt_dict_get(mdict, "accel");
    if (accel) {
        if (cfg->accel) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "The -accel and \"-machine accel=\" options are incompatible");
            return false;
        }
        if (!*accel) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-machine accel=: empty list");
            return false;
        }
        set_string(&cfg->machine_accel, accel);
        opt_dict_remove(mdict, "accel");
    }
    if (cfg->daemonize) {
        if (cfg->nographic && !cfg->nodefaults && !cfg->serials->len) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "-nographic cannot be used with -daemonize");
            return false;
        }
        if (uses_stdio(cfg->serials) || uses_stdio(cfg->monitors) || uses_stdio(cfg->qmps) ||
            uses_stdio(cfg->chardevs) || (cfg->qtest && !strcmp(cfg->qtest, "stdio"))) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "-daemonize: cannot use stdio (the daemon has no terminal)");
            return false;
        }
        if (!compat_daemonize_start(errp)) {
            return false;
        }
    }
    if (cfg->pidfile && !compat_pidfile_create(cfg->pidfile, errp)) {
        return false;
    }
    /* In the process that lives (mlockall is not inherited by fork). */
    return (!cfg->overcommit || runopts_overcommit(cfg->overcommit, errp)) &&
           sandbox_apply(errp);
}

/* Options applied before the machine exists, in the process that lives. */
static bool runopts_setup(Config *cfg, OptDict *mdict, GError **errp)
{
    g_autofree char *guest = NULL;
    if (cfg->name && !runopts_name(cfg->name, &guest, errp)) {
        return false;
    }
    if (guest) {
        monitor_set_vm_name(guest);
    }
    if (cfg->msg && !runopts_msg(cfg->msg, guest, errp)) {
        return false;
    }
    for (guint i = 0; i < cfg->audiodevs->len; i++) {
        if (!runopts_audiodev(g_ptr_array_index(cfg->audiodevs, i), errp)) {
            return false;
        }
    }
    return runopts_machine(mdict, errp) && (!cfg->rtc || runopts_rtc(cfg->rtc, errp)) &&
           (!cfg->boot || runopts_boot(cfg->boot, NULL, errp));
}

static const char *target_from_progname(const char *progname)
{
    return g_str_has_prefix(progname, LINK_PREFIX) ? progname + strlen(LINK_PREFIX) : NULL;
}

static int run(Config *cfg, const char *progname)
{
    GError *err = NULL;
    if (cfg->help) {
        print_usage(progname);
        return 0;
    }
    if (cfg->version) {
        /* QEMU's first line, so scripts that parse it keep working. */
        printf("QEMU emulator version %s (Tessera %s)\n", TESSERA_QEMU_VERSION, TESSERA_VERSION);
        printf("Tessera emulator version %s (build %s)\n", TESSERA_VERSION, tessera_build_id());
        return 0;
    }
    if (cfg->update_index) {
        if (!module_update_index(cfg->update_index, &err)) {
            goto fail;
        }
        return 0;
    }
    if (cfg->list_modules && !cfg->machine->len && !cfg->devices->len && !cfg->cpu &&
        !cfg->accel && !cfg->objects->len && !cfg->chardevs->len) {
        help_list_modules();
        return 0;
    }
    if (cfg->display && strcmp(cfg->display, "none") != 0) {
        g_set_error(&err, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                    "-display %s: no display backends are built yet (use -display none)",
                    cfg->display);
        goto fail;
    }
    if (cfg->debug && strcmp(cfg->debug, "help") && !log_set_mask_str(cfg->debug, &err)) {
        goto fail;
    }
    if (cfg->logfile && !log_set_file(cfg->logfile, &err)) {
        goto fail;
    }
    OptDict *mdict = machine_dict(cfg, &err);
    if (!mdict) {
        goto fail;
    }
    for (guint i = 0; i < cfg->nets->len; i++) {
        const char *entry = g_ptr_array_index(cfg->nets, i);
        if (!strcmp(entry, "-netdev help") || !strcmp(entry, "-netdev ?") ||
            !strcmp(entry, "-nic help") || !strcmp(entry, "-net help")) {
            opt_dict_free(mdict);
            print_netdev_help();
            return 0;
        }
    }
    bool failed = false;
    if (answer_help(cfg, mdict, &err, &failed)) {
        opt_dict_free(mdict);
        if (failed) {
            goto fail;
        }
        if (cfg->list_modules) {
            printf("\n");
            help_list_modules(); /* shows what answering the request loaded */
        }
        return 0;
    }
    if (!runopts_setup(cfg, mdict, &err) || !compat_setup(cfg, mdict, &err)) {
        opt_dict_free(mdict);
        goto fail;
    }
    char *machine_name = g_strdup(opt_dict_get(mdict, "type"));
    if (!machine_name) {
        machine_name = help_default_machine();
    }
    if (!machine_name) {
        g_set_error(&err, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                    "no machine specified and no default machine for target '%s';"
                    " use -M none or -M help", module_get_target() ? module_get_target() : "any");
        opt_dict_free(mdict);
        goto fail;
    }
    runstate_set_no_reboot(cfg->no_reboot);
    runstate_set_no_shutdown(cfg->no_shutdown);
    MachineState *ms = machine_create(machine_name, &err);
    g_free(machine_name);
    bool ok = ms && setup_globals(cfg, &err) && setup_machine_config(ms, cfg, mdict, &err);
    opt_dict_free(mdict);
    if (!ok || !setup_objects(cfg, &err) || !setup_chardevs(cfg, &err) || !setup_net(cfg, &err) ||
        !setup_block(cfg, &err) || !machine_init(ms, &err) ||
        !setup_accel(ms, cfg, &err) || !setup_devices(cfg, &err)) {
        goto fail;
    }
    if (ms->fw_cfg_user && ms->fw_cfg_user->len && !ms->fw_cfg_taken) {
        g_set_error(&err, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                    "-fw_cfg: machine '%s' has no fw_cfg device", MACHINE_GET_CLASS(ms)->name);
        goto fail;
    }
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    if (mc->finalize && !mc->finalize(ms, &err)) {
        goto fail;
    }
    /* Where -device/device_add put devices exists even when empty, as in
     * QEMU: tools list it (qom-list /machine/peripheral) on every start. */
    container_get("/machine/peripheral");
    container_get("/machine/peripheral-anon");
    if (ms->dumpdtb) {
        return 0; /* the board wrote the blob, as QEMU does, and we quit */
    }
    /* Built: what qom-get reports from now on is what runs. */
    object_freeze_properties(OBJECT(ms));
    if (ms->accel) {
        object_freeze_properties(OBJECT(ms->accel));
    }
    if (cfg->gdb && !gdbserver_start(cfg->gdb, &err)) {
        g_prefix_error(&err, "-gdb: ");
        goto fail;
    }
    system_reset();
    if (ms->accel) {
        AccelClass *ac = ACCEL_GET_CLASS(ms->accel);
        if (ac->start_vcpus && !ac->start_vcpus(ms->accel, ms, &err)) {
            goto fail;
        }
    }
    if (!cfg->paused) {
        vm_start();
    }
    compat_daemonize_ready();
    int status = main_loop_run();
    const BlockHookOps *block = block_hook_peek();
    if (block && block->shutdown) {
        block->shutdown();
    }
    chardev_close_all();
    return status;
fail:
    error_report("%s", err->message);
    g_error_free(err);
    return 1;
}

/*
 * vCPU threads allocate translated blocks and their records from per-thread
 * malloc arenas, which glibc grows and trims a few pages at a time with
 * mprotect: about 13 000 calls in a 4-CPU aarch64 boot, each a TLB
 * shootdown across the process's threads.  Grow in 16 MiB steps (address
 * space only, until touched) and give memory back above 64 MiB free.
 * GLIBC_TUNABLES with malloc settings keeps the user's choice.
 */
static void tune_malloc(void)
{
    const char *t = getenv("GLIBC_TUNABLES");
    if (t && strstr(t, "glibc.malloc.")) {
        return;
    }
    mallopt(M_TOP_PAD, 16 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

int main(int argc, char **argv)
{
    tune_malloc();
    g_autofree char *progname = g_path_get_basename(argv[0]);
    Config cfg = {
        .machine = g_ptr_array_new_with_free_func(g_free),
        .devices = g_ptr_array_new_with_free_func(g_free),
        .objects = g_ptr_array_new_with_free_func(g_free),
        .globals = g_ptr_array_new_with_free_func(g_free),
        .chardevs = g_ptr_array_new_with_free_func(g_free),
        .serials = g_ptr_array_new_with_free_func(g_free),
        .monitors = g_ptr_array_new_with_free_func(g_free),
        .qmps = g_ptr_array_new_with_free_func(g_free),
        .libdirs = g_ptr_array_new_with_free_func(g_free),
        .nets = g_ptr_array_new_with_free_func(g_free),
        .blockdevs = g_ptr_array_new_with_free_func(g_free),
        .drives = g_ptr_array_new_with_free_func(g_free),
        .mons = g_ptr_array_new_with_free_func(g_free),
        .audiodevs = g_ptr_array_new_with_free_func(g_free),
        .fw_cfgs = g_ptr_array_new_with_free_func(g_free),
        .addfds = g_ptr_array_new_with_free_func(g_free),
    };
    core_init(PROGNAME, NULL);
    monitor_types_init();
    /* query-command-line-options lists what this table accepts. */
    static const char *arg_options[G_N_ELEMENTS(cmd_options) + 1];
    size_t n_arg_options = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(cmd_options); i++) {
        if (cmd_options[i].arg && !cmd_options[i].unbuilt) {
            arg_options[n_arg_options++] = cmd_options[i].name;
        }
    }
    monitor_set_command_line_options(arg_options);
    GError *err = NULL;
    if (!parse_args(argc, argv, &cfg, &err)) {
        error_report("%s", err->message);
        g_error_free(err);
        config_free(&cfg);
        return 1;
    }
    /* The inherited fds go into their sets before anything may open a
     * /dev/fdset name (or -daemonize closes stdio). */
    if (!runopts_add_fds(cfg.addfds, &err)) {
        error_report("%s", err->message);
        g_error_free(err);
        config_free(&cfg);
        return 1;
    }
    for (guint i = 0; i < cfg.libdirs->len; i++) {
        module_add_search_dir(g_ptr_array_index(cfg.libdirs, i));
    }
    const char *target = cfg.target ? cfg.target : target_from_progname(progname);
    if (target) {
        module_set_target(target);
    }
    /* Plain `tessera` sees every target; a machine name several targets
     * share (virt) means the first target's, as before aarch64 had one. */
    module_set_fallback_target(PLAIN_TESSERA_TARGET);
    int status = run(&cfg, progname);
    config_free(&cfg);
    return status;
}
