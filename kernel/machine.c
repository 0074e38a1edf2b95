/* SPDX-License-Identifier: MIT */
/*
 * The machine base type and machine creation.  Boards subclass it; the
 * core allocates the system memory container, its address space and the
 * RAM block before the board's init runs.
 */
#include "kernel/machine.h"

#include <inttypes.h>
#include <string.h>

#include "kernel/bus.h"
#include "kernel/core.h"
#include "kernel/hostmem.h"
#include "kernel/options.h"

#define MAX_SERIAL_PORTS 4
/* RAM sizes are rounded up to this, as QEMU does. */
#define MACHINE_RAM_ALIGN 8192
/* The largest CPU count -smp accepts (a board has its own, lower, limit). */
#define MACHINE_MAX_SMP 4096

/* The machine of this process (one per process; tests may replace it). */
static MachineState *current_machine;
static char *serial_ids[MAX_SERIAL_PORTS];

MachineState *machine_current(void)
{
    return current_machine;
}

const char *machine_serial_chardev_id(int index)
{
    return index >= 0 && index < MAX_SERIAL_PORTS ? serial_ids[index] : NULL;
}

int machine_max_serial_ports(void)
{
    return MAX_SERIAL_PORTS;
}

bool machine_set_serial_chardev_id(int index, const char *id, GError **errp)
{
    if (index < 0 || index >= MAX_SERIAL_PORTS) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "too many serial ports (at most %d)", MAX_SERIAL_PORTS);
        return false;
    }
    g_free(serial_ids[index]);
    serial_ids[index] = g_strdup(id);
    return true;
}

/* ---- -m and -smp ---------------------------------------------------------- */

/* Keys an option takes; anything else is refused naming it, as QEMU does. */
static bool only_keys(const OptDict *d, const char *option, const char *text,
                      const char *const *keys, GError **errp)
{
    for (guint i = 0; i < d->keys->len; i++) {
        const char *key = g_ptr_array_index(d->keys, i);
        if (!g_strv_contains(keys, key)) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s %s: Invalid parameter '%s'",
                        option, text, key);
            return false;
        }
    }
    return true;
}

bool machine_parse_memory(MachineState *ms, const char *text, GError **errp)
{
    static const char *const keys[] = { "size", "slots", "maxmem", NULL };
    OptDict *d = opt_dict_parse("-m", text, "size", false, errp);
    if (!d) {
        return false;
    }
    bool ok = false;
    if (!only_keys(d, "-m", text, keys, errp)) {
        goto out;
    }
    if (opt_dict_get(d, "slots") || opt_dict_get(d, "maxmem")) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                    "-m %s: memory hotplug (slots=, maxmem=) is not supported", text);
        goto out;
    }
    uint64_t size;
    const char *s = opt_dict_get(d, "size");
    if (!s || !opt_parse_size(s, 1024 * 1024, &size) || size == 0 ||
        size > UINT64_MAX - (MACHINE_RAM_ALIGN - 1)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-m %s: invalid RAM size", text);
        goto out;
    }
    /* Rounded up to 8 KiB, as QEMU does ("-m 1.0000001G"). */
    ms->ram_size = (size + MACHINE_RAM_ALIGN - 1) & ~(uint64_t)(MACHINE_RAM_ALIGN - 1);
    ms->ram_size_given = true;
    ok = true;
out:
    opt_dict_free(d);
    return ok;
}

/* The -smp keys in QEMU's order; values 0 mean "not given". */
enum { SMP_CPUS, SMP_MAXCPUS, SMP_SOCKETS, SMP_DIES, SMP_CLUSTERS, SMP_CORES, SMP_THREADS,
       SMP_N };
static const char *const smp_keys[] = {
    [SMP_CPUS] = "cpus", [SMP_MAXCPUS] = "maxcpus", [SMP_SOCKETS] = "sockets",
    [SMP_DIES] = "dies", [SMP_CLUSTERS] = "clusters", [SMP_CORES] = "cores",
    [SMP_THREADS] = "threads", [SMP_N] = NULL,
};

bool machine_parse_smp(MachineState *ms, const char *text, GError **errp)
{
    OptDict *d = opt_dict_parse("-smp", text, "cpus", false, errp);
    if (!d) {
        return false;
    }
    uint64_t v[SMP_N] = { 0 };
    bool ok = only_keys(d, "-smp", text, smp_keys, errp);
    for (int k = 0; ok && k < SMP_N; k++) {
        const char *s = opt_dict_get(d, smp_keys[k]);
        if (s && (!g_ascii_isdigit(*s) ||
                  !g_ascii_string_to_unsigned(s, 10, 1, MACHINE_MAX_SMP, &v[k], NULL))) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "-smp %s: invalid %s '%s' (expected 1 to %u)", text, smp_keys[k], s,
                        MACHINE_MAX_SMP);
            ok = false;
        }
    }
    opt_dict_free(d);
    if (!ok) {
        return false;
    }
    /* QEMU's rules: absent levels are 1, except that sockets (then cores)
     * take what is left of maxcpus, or of cpus. */
    uint64_t dies = v[SMP_DIES] ? v[SMP_DIES] : 1;
    uint64_t clusters = v[SMP_CLUSTERS] ? v[SMP_CLUSTERS] : 1;
    uint64_t threads = v[SMP_THREADS] ? v[SMP_THREADS] : 1;
    uint64_t sockets = v[SMP_SOCKETS], cores = v[SMP_CORES];
    uint64_t cpus = v[SMP_CPUS], maxcpus = v[SMP_MAXCPUS];
    if (!cpus) {
        cpus = maxcpus ? maxcpus
                       : (sockets ? sockets : 1) * dies * clusters * (cores ? cores : 1) * threads;
    }
    maxcpus = maxcpus ? maxcpus : cpus;
    if (!sockets) {
        cores = cores ? cores : 1;
        sockets = maxcpus / (dies * clusters * cores * threads);
    } else if (!cores) {
        cores = maxcpus / (sockets * dies * clusters * threads);
    }
    if (sockets * dies * clusters * cores * threads != maxcpus) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-smp %s: Invalid CPU topology: product of the hierarchy must match maxcpus:"
                    " sockets (%" PRIu64 ") * dies (%" PRIu64 ") * clusters (%" PRIu64 ") *"
                    " cores (%" PRIu64 ") * threads (%" PRIu64 ") != maxcpus (%" PRIu64 ")",
                    text, sockets, dies, clusters, cores, threads, maxcpus);
        return false;
    }
    if (maxcpus < cpus) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-smp %s: Invalid CPU topology: maxcpus must be equal to or greater than"
                    " smp: maxcpus (%" PRIu64 ") < smp_cpus (%" PRIu64 ")", text, maxcpus, cpus);
        return false;
    }
    if (maxcpus > cpus) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                    "-smp %s: CPU hotplug is not supported (maxcpus %" PRIu64 " > cpus %" PRIu64
                    ")", text, maxcpus, cpus);
        return false;
    }
    ms->smp_cpus = (unsigned)cpus;
    return true;
}

char *machine_name_from_type(const char *type_name)
{
    if (g_str_has_suffix(type_name, TYPE_MACHINE_SUFFIX)) {
        return g_strndup(type_name, strlen(type_name) - strlen(TYPE_MACHINE_SUFFIX));
    }
    return g_strdup(type_name);
}

/* machine_name_from_type() for class set-up: the result is interned. */
static const char *machine_name_from_type_static(const char *type_name)
{
    g_autofree char *n = machine_name_from_type(type_name);
    return g_intern_string(n);
}

MachineState *machine_create(const char *name, GError **errp)
{
    g_autofree char *type = g_strconcat(name, TYPE_MACHINE_SUFFIX, NULL);
    GError *err = NULL;
    TypeImpl *t = type_lookup_or_load(type, &err);
    if (!t) {
        if (err->domain == OBJECT_ERROR || g_str_has_prefix(err->message, "no module")) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                        "-machine: unsupported machine type '%s'; use -machine help to list"
                        " supported machines", name);
        } else {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND, "-machine %s: %s", name,
                        err->message);
        }
        g_error_free(err);
        return NULL;
    }
    if (!type_is_a(t, TYPE_MACHINE) || type_is_abstract(t)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                    "-machine: '%s' is not a machine type", name);
        return NULL;
    }
    Object *obj = object_new(type);
    object_property_add_child(object_root(), "machine", obj, NULL);
    object_unref(obj);
    current_machine = MACHINE(obj);
    MachineClass *mc = MACHINE_GET_CLASS(obj);
    current_machine->ram_size = mc->default_ram_size;
    current_machine->smp_cpus = 1;
    return current_machine;
}

/* The main system bus's handler: the board places user-created devices;
 * its own devices it maps itself. */
static bool sysbus_pre_plug(void *opaque, BusState *bus, DeviceState *dev, GError **errp)
{
    MachineState *ms = opaque;
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    return !dev->user_created || !mc->pre_plug_device || mc->pre_plug_device(ms, dev, errp);
}

static bool sysbus_plug(void *opaque, BusState *bus, DeviceState *dev, GError **errp)
{
    MachineState *ms = opaque;
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    return !dev->user_created || !mc->plug_device || mc->plug_device(ms, dev, errp);
}

static void sysbus_unplug(void *opaque, BusState *bus, DeviceState *dev)
{
    MachineState *ms = opaque;
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    if (dev->user_created && mc->unplug_device) {
        mc->unplug_device(ms, dev);
    }
}

static const BusHotplugOps sysbus_hotplug_ops = {
    .pre_plug = sysbus_pre_plug,
    .plug = sysbus_plug,
    .unplug = sysbus_unplug,
};

/* -machine memory-backend=ID: the guest RAM is the backend's memory. */
static bool machine_ram_from_backend(MachineState *ms, GError **errp)
{
    const char *id = ms->memory_backend;
    Object *obj = object_resolve_child(container_get("/objects"), id);
    HostMemoryBackend *b = obj ? (HostMemoryBackend *)object_dynamic_cast(obj,
                                                                          TYPE_MEMORY_BACKEND)
                               : NULL;
    if (!b) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                    "-machine memory-backend=%s: %s", id,
                    obj ? "not a memory backend object" : "no -object with this id");
        return false;
    }
    if (b->in_use) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-machine memory-backend=%s: the backend is already in use", id);
        return false;
    }
    if (ms->ram_size_given && ms->ram_size != b->size) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-machine memory-backend=%s: its size (%" G_GUINT64_FORMAT
                    ") differs from -m (%" G_GUINT64_FORMAT "); drop -m or make them equal",
                    id, b->size, ms->ram_size);
        return false;
    }
    void *ptr = host_memory_backend_map(b, errp);
    if (!ptr) {
        return false;
    }
    b->in_use = true;
    ms->ram_size = b->size;
    memory_region_init_ram_ptr(&ms->ram, OBJECT(ms), MACHINE_RAM_ID, b->size, ptr);
    return true;
}

bool machine_init(MachineState *ms, GError **errp)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    if (ms->smp_cpus < 1 || (mc->max_cpus && ms->smp_cpus > mc->max_cpus)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-smp %u: machine '%s' supports 1 to %u CPUs", ms->smp_cpus, mc->name,
                    mc->max_cpus ? mc->max_cpus : 1);
        return false;
    }
    memory_region_init(&ms->system_memory, OBJECT(ms), "system", UINT64_MAX);
    address_space_init(&ms->address_space, &ms->system_memory, "memory");
    if (ms->memory_backend) {
        if (!machine_ram_from_backend(ms, errp)) {
            return false;
        }
    } else if (ms->ram_size &&
               !memory_region_init_ram(&ms->ram, OBJECT(ms), MACHINE_RAM_ID, ms->ram_size,
                                       errp)) {
        return false;
    }
    ms->cpus = g_ptr_array_new();
    ms->sysbus = bus_new(TYPE_SYSTEM_BUS, OBJECT(ms), "main-system-bus");
    ms->sysbus->dma_as = &ms->address_space;
    ms->sysbus->hotpluggable = true;
    bus_set_hotplug_handler(ms->sysbus, &sysbus_hotplug_ops, ms);
    if (!ms->cpu_type && mc->default_cpu_type) {
        ms->cpu_type = g_strdup(mc->default_cpu_type);
    }
    return mc->init ? mc->init(ms, errp) : true;
}

static void fw_cfg_file_free(gpointer p)
{
    MachineFwCfgFile *f = p;
    g_free(f->name);
    g_bytes_unref(f->data);
    g_free(f);
}

void machine_add_fw_cfg_file(MachineState *ms, const char *name, GBytes *data)
{
    if (!ms->fw_cfg_user) {
        ms->fw_cfg_user = g_ptr_array_new_with_free_func(fw_cfg_file_free);
    }
    MachineFwCfgFile *f = g_new0(MachineFwCfgFile, 1);
    f->name = g_strdup(name);
    f->data = data;
    g_ptr_array_add(ms->fw_cfg_user, f);
}

static void machine_finalize(Object *obj)
{
    MachineState *ms = MACHINE(obj);
    if (ms->fw_cfg_user) {
        g_ptr_array_unref(ms->fw_cfg_user);
    }
    if (current_machine == ms) {
        current_machine = NULL;
    }
    g_free(ms->cpu_type);
    g_free(ms->cpu_opts);
    if (ms->cpus) {
        g_ptr_array_unref(ms->cpus);
    }
}

static const PropertyInfo machine_props[] = {
    PROP_STRING("kernel", MachineState, kernel_filename, NULL, "Linux kernel image file"),
    PROP_STRING("initrd", MachineState, initrd_filename, NULL, "Linux initial ramdisk file"),
    PROP_STRING("append", MachineState, kernel_cmdline, NULL, "Linux kernel command line"),
    PROP_STRING("dtb", MachineState, dtb, NULL, "Linux kernel device tree file"),
    PROP_STRING("dumpdtb", MachineState, dumpdtb, NULL, "Dump current dtb to a file and quit"),
    PROP_STRING("firmware", MachineState, firmware, NULL, "Firmware image"),
    PROP_SIZE("memory-size", MachineState, ram_size, 0, "RAM size in bytes"),
    PROP_STRING("memory-backend", MachineState, memory_backend, NULL,
                "id of the memory backend object (-object memory-backend-*) giving the RAM"),
    PROP_END
};

static void machine_class_init(ObjectClass *klass, const void *data)
{
    object_class_add_field_properties(klass, machine_props);
}

/* A board's name, description, target and default-ness are declared once,
 * in its TypeInfo ("virt-machine" is -M virt). */
static void machine_class_base_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(klass);
    const TypeInfo *ti = type_get_info(klass->type);
    if (!ti) {
        return;
    }
    mc->name = machine_name_from_type_static(ti->name);
    mc->desc = ti->description;
    mc->target = ti->target;
    mc->is_default = ti->is_default;
}

static const TypeInfo machine_type_info = {
    .name = TYPE_MACHINE,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .instance_size = sizeof(MachineState),
    .class_size = sizeof(MachineClass),
    .class_init = machine_class_init,
    .class_base_init = machine_class_base_init,
    .instance_finalize = machine_finalize,
};

void machine_types_init(void)
{
    type_register_static(&machine_type_info);
}
