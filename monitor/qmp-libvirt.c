/* SPDX-License-Identifier: MIT */
/*
 * QMP queries management tools (libvirt 9.0's capability probe, a running
 * domain) send, in QEMU 7.2's shapes.  Each answers what Tessera really
 * has: a feature Tessera lacks is an empty list or false, never invented.
 */
#include <string.h>

#include "kernel/accel.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "monitor/qmp-handlers.h"

#define NIL_UUID "00000000-0000-0000-0000-000000000000"

/* Set once by the launcher before the main loop runs. */
static const char *const *cmdline_options;
static char *vm_uuid;

void monitor_set_command_line_options(const char *const *names)
{
    cmdline_options = names;
}

void monitor_set_vm_uuid(const char *uuid)
{
    g_free(vm_uuid);
    vm_uuid = g_ascii_strdown(uuid, -1);
}

static JsonNode *take_object(JsonObject *o)
{
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    return n;
}

static JsonNode *take_array(JsonArray *a)
{
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, a);
    return n;
}

JsonNode *qmp_query_target(JsonObject *args, GError **errp)
{
    const char *target = module_get_target();
    if (!target) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                    "no target architecture selected (run tessera-system-ARCH or use -target)");
        return NULL;
    }
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "arch", target);
    return take_object(o);
}

JsonNode *qmp_query_kvm(JsonObject *args, GError **errp)
{
    /* Tessera has no KVM accelerator: neither present nor enabled. */
    JsonObject *o = json_object_new();
    json_object_set_boolean_member(o, "enabled", false);
    json_object_set_boolean_member(o, "present", false);
    return take_object(o);
}

/* Tessera has no TPM device and no TPM backend. */
JsonNode *qmp_query_tpm_models(JsonObject *args, GError **errp)
{
    return take_array(json_array_new());
}

JsonNode *qmp_query_tpm_types(JsonObject *args, GError **errp)
{
    return take_array(json_array_new());
}

JsonNode *qmp_query_command_line_options(JsonObject *args, GError **errp)
{
    const char *want = qmp_arg_str(args, "option", NULL);
    JsonArray *a = json_array_new();
    for (const char *const *n = cmdline_options; n && *n; n++) {
        if (want && strcmp(want, *n)) {
            continue;
        }
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "option", *n);
        /* Each option's own parser checks its parameters (as QEMU's options
         * without a fixed description do): none is listed. */
        json_object_set_array_member(o, "parameters", json_array_new());
        json_array_add_object_element(a, o);
    }
    if (want && json_array_get_length(a) == 0) {
        json_array_unref(a);
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC, "invalid option name: %s", want);
        return NULL;
    }
    return take_array(a);
}

JsonNode *qmp_query_cpu_definitions(JsonObject *args, GError **errp)
{
    JsonArray *a = json_array_new();
    GPtrArray *types = module_list_types(TYPE_CPU);
    for (guint i = 0; i < types->len; i++) {
        const ModuleTypeEntry *e = g_ptr_array_index(types, i);
        if (e->abstract) {
            continue;
        }
        /* The model name -cpu takes: "rv64-riscv-cpu" -> "rv64". */
        size_t plen = e->parent ? strlen(e->parent) : 0;
        g_autofree char *model = plen && g_str_has_suffix(e->name, e->parent) &&
                                 strlen(e->name) > plen + 1
            ? g_strndup(e->name, strlen(e->name) - plen - 1) : g_strdup(e->name);
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "name", model);
        json_object_set_string_member(o, "typename", e->name);
        json_object_set_boolean_member(o, "static", false);
        json_object_set_boolean_member(o, "deprecated", false);
        json_object_set_array_member(o, "unavailable-features", json_array_new());
        json_array_add_object_element(a, o);
    }
    g_ptr_array_unref(types);
    return take_array(a);
}

JsonNode *qmp_query_hotpluggable_cpus(JsonObject *args, GError **errp)
{
    /* No Tessera board plugs CPUs at run time; QEMU's answer for such a board. */
    g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                "machine does not support hot-plugging CPUs");
    return NULL;
}

JsonNode *qmp_query_iothreads(JsonObject *args, GError **errp)
{
    /* Tessera has no iothread objects. */
    return take_array(json_array_new());
}

JsonNode *qmp_query_uuid(JsonObject *args, GError **errp)
{
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "UUID", vm_uuid ? vm_uuid : NIL_UUID);
    return take_object(o);
}

JsonNode *qmp_query_memory_size_summary(JsonObject *args, GError **errp)
{
    MachineState *ms = machine_current();
    JsonObject *o = json_object_new();
    json_object_set_member(o, "base-memory", qmp_json_uint(ms ? ms->ram_size : 0));
    /* No memory hotplug: QEMU leaves plugged-memory out then. */
    return take_object(o);
}
