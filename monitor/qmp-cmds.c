/* SPDX-License-Identifier: MIT */
/*
 * QMP handlers for the protocol, queries and run control.  Shapes follow
 * QEMU's (see monitor/qmp-schema.c for the declared types).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel/accel.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "kernel/runstate.h"
#include "monitor/qmp-handlers.h"

#ifndef TESSERA_VERSION
#define TESSERA_VERSION "0.0.0"
#endif
#define TESSERA_PACKAGE "tessera"

/* -name; set once by main() before the main loop runs. */
static char *vm_name;

void monitor_set_vm_name(const char *name)
{
    g_free(vm_name);
    vm_name = g_strdup(name);
}

static JsonNode *node_take_object(JsonObject *o)
{
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    return n;
}

static JsonNode *node_take_array(JsonArray *a)
{
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, a);
    return n;
}

JsonNode *qmp_qmp_capabilities(JsonObject *args, GError **errp)
{
    JsonNode *enable = args ? json_object_get_member(args, "enable") : NULL;
    if (enable && json_array_get_length(json_node_get_array(enable)) > 0) {
        JsonNode *first = json_array_get_element(json_node_get_array(enable), 0);
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "Capability '%s' not available",
                    json_node_get_string(first));
        return NULL;
    }
    return qmp_empty_return();
}

JsonNode *qmp_query_version(JsonObject *args, GError **errp)
{
    /* The QEMU interface level implemented; Tessera's own version is in
     * "package" (docs/qmp.md, "Compatibility level"). */
    JsonObject *triple = json_object_new();
    json_object_set_int_member(triple, "micro", TESSERA_QEMU_MICRO);
    json_object_set_int_member(triple, "minor", TESSERA_QEMU_MINOR);
    json_object_set_int_member(triple, "major", TESSERA_QEMU_MAJOR);
    JsonObject *info = json_object_new();
    json_object_set_object_member(info, "qemu", triple);
    json_object_set_string_member(info, "package", TESSERA_PACKAGE " " TESSERA_VERSION);
    return node_take_object(info);
}

JsonNode *qmp_query_name(JsonObject *args, GError **errp)
{
    JsonObject *info = json_object_new();
    if (vm_name) {
        json_object_set_string_member(info, "name", vm_name);
    }
    return node_take_object(info);
}

JsonNode *qmp_query_status(JsonObject *args, GError **errp)
{
    JsonObject *info = json_object_new();
    json_object_set_string_member(info, "status", runstate_name(runstate_get()));
    json_object_set_boolean_member(info, "singlestep", false);
    json_object_set_boolean_member(info, "running", runstate_is_running());
    return node_take_object(info);
}

JsonNode *qmp_query_commands(JsonObject *args, GError **errp)
{
    JsonArray *a = json_array_new();
    for (const QmpCommand *c = qmp_commands; c->name; c++) {
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "name", c->name);
        json_array_add_object_element(a, o);
    }
    return node_take_array(a);
}

JsonNode *qmp_query_qmp_schema(JsonObject *args, GError **errp)
{
    return qmp_schema_introspect();
}

static JsonObject *machine_info(const char *type_name, bool is_default)
{
    JsonObject *o = json_object_new();
    g_autofree char *name = machine_name_from_type(type_name);
    /* The board's module is loaded to report its real limits (libvirt
     * sizes domains from cpu-max); a board that fails to load is listed
     * with what the index says. */
    MachineClass *mc = type_lookup_or_load(type_name, NULL)
        ? (MachineClass *)object_class_dynamic_cast(object_class_by_name(type_name), TYPE_MACHINE)
        : NULL;
    json_object_set_string_member(o, "name", name);
    if (is_default || (mc && mc->is_default)) {
        json_object_set_boolean_member(o, "is-default", true);
    }
    json_object_set_int_member(o, "cpu-max", mc && mc->max_cpus ? mc->max_cpus : 1);
    json_object_set_boolean_member(o, "hotpluggable-cpus", false);
    json_object_set_boolean_member(o, "numa-mem-supported", false);
    json_object_set_boolean_member(o, "deprecated", false);
    if (mc && mc->default_cpu_type) {
        json_object_set_string_member(o, "default-cpu-type", mc->default_cpu_type);
    }
    if (mc && mc->default_ram_size) {
        json_object_set_string_member(o, "default-ram-id", MACHINE_RAM_ID);
    }
    json_object_set_boolean_member(o, "acpi", false);
    return o;
}

JsonNode *qmp_query_machines(JsonObject *args, GError **errp)
{
    JsonArray *a = json_array_new();
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *types = module_list_types(TYPE_MACHINE);
    for (guint i = 0; i < types->len; i++) {
        const ModuleTypeEntry *e = g_ptr_array_index(types, i);
        if (module_find_type(e->name) != e) {
            continue; /* no target chosen: another target's board of that name */
        }
        g_hash_table_add(seen, e->name);
        json_array_add_object_element(a, machine_info(e->name, e->is_default));
    }
    /* Boards registered without the index (tests, directly loaded files). */
    GSList *classes = object_class_get_list(TYPE_MACHINE, false);
    const char *target = module_get_target();
    for (GSList *l = classes; l; l = l->next) {
        const char *name = object_class_get_name(l->data);
        const MachineClass *mc = l->data;
        if (mc->target && target && strcmp(mc->target, target)) {
            continue; /* another target's board */
        }
        if (!g_hash_table_contains(seen, name)) {
            json_array_add_object_element(a, machine_info(name, false));
        }
    }
    g_slist_free(classes);
    g_ptr_array_unref(types);
    return node_take_array(a);
}

JsonNode *qmp_query_cpus_fast(JsonObject *args, GError **errp)
{
    JsonArray *a = json_array_new();
    MachineState *ms = machine_current();
    for (guint i = 0; ms && ms->cpus && i < ms->cpus->len; i++) {
        CPUState *cpu = g_ptr_array_index(ms->cpus, i);
        CPUClass *cc = CPU_GET_CLASS(cpu);
        g_autofree char *path = object_get_canonical_path(OBJECT(cpu));
        JsonObject *o = json_object_new();
        json_object_set_int_member(o, "cpu-index", cpu->index);
        json_object_set_string_member(o, "qom-path", path ? path : "");
        /* An engine without vCPU threads runs them in the main thread. */
        json_object_set_int_member(o, "thread-id", cpu->thread_id ? cpu->thread_id : getpid());
        json_object_set_string_member(o, "target", cc->arch ? cc->arch
                                      : module_get_target() ? module_get_target() : "none");
        json_array_add_object_element(a, o);
    }
    return node_take_array(a);
}

JsonNode *qmp_query_chardev(JsonObject *args, GError **errp)
{
    JsonArray *a = json_array_new();
    GPtrArray *all = chardev_list();
    for (guint i = 0; i < all->len; i++) {
        Chardev *chr = g_ptr_array_index(all, i);
        g_autofree char *desc = chardev_describe(chr);
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "label", chr->label);
        json_object_set_string_member(o, "filename", desc);
        json_object_set_boolean_member(o, "frontend-open", mux_frontend_count(chr) > 0);
        json_array_add_object_element(a, o);
    }
    g_ptr_array_unref(all);
    return node_take_array(a);
}

JsonNode *qmp_stop(JsonObject *args, GError **errp)
{
    vm_stop();
    return qmp_empty_return();
}

JsonNode *qmp_cont(JsonObject *args, GError **errp)
{
    if (runstate_get() == RUN_STATE_SHUTDOWN) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "The machine is shutting down");
        return NULL;
    }
    vm_start();
    return qmp_empty_return();
}

JsonNode *qmp_system_reset(JsonObject *args, GError **errp)
{
    system_request_reset(SHUTDOWN_CAUSE_HOST_RESET);
    return qmp_empty_return();
}

JsonNode *qmp_system_powerdown(JsonObject *args, GError **errp)
{
    system_request_powerdown();
    return qmp_empty_return();
}

JsonNode *qmp_quit(JsonObject *args, GError **errp)
{
    system_request_shutdown(SHUTDOWN_CAUSE_HOST_QMP);
    return qmp_empty_return();
}

JsonNode *qmp_human_monitor_command(JsonObject *args, GError **errp)
{
    GString *out = g_string_new(NULL);
    hmp_run_line(qmp_arg_str(args, "command-line", ""), out);
    /* The reply is JSON: keep it valid UTF-8 whatever the command printed. */
    g_autofree char *text = g_utf8_make_valid(out->str, out->len);
    g_string_free(out, TRUE);
    JsonNode *n = json_node_new(JSON_NODE_VALUE);
    json_node_set_string(n, text);
    return n;
}
