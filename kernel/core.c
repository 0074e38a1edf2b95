/* SPDX-License-Identifier: MIT */
#include "kernel/core.h"

#include "kernel/accel.h"
#include "kernel/bus.h"
#include "kernel/chardev.h"
#include "kernel/device.h"
#include "kernel/hostmem.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "kernel/options.h"

#include <string.h>

G_DEFINE_QUARK(tessera-core-error-quark, core_error)

void core_init(const char *progname, const char *module_dir)
{
    static gsize once;
    error_set_progname(progname);
    if (g_once_init_enter(&once)) {
        device_types_init();
        bus_types_init();
        machine_types_init();
        accel_types_init();
        chardev_types_init();
        hostmem_types_init();
        g_once_init_leave(&once, 1);
    }
    module_init(module_dir);
}

Object *object_create_from_opts(OptDict *opts, GError **errp)
{
    const char *type = opt_dict_get(opts, "qom-type");
    const char *id = opt_dict_get(opts, "id");
    if (!type || !id) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-object: %s",
                    type ? "parameter 'id' is missing" : "parameter 'qom-type' is missing");
        return NULL;
    }
    GError *err = NULL;
    if (!object_id_check(id, &err)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-object %s: %s", type, err->message);
        g_error_free(err);
        return NULL;
    }
    /* Core-internal types (container, chardev-mux...) are in no module
     * index, so they are not user-creatable, as -object help shows. */
    const ModuleTypeEntry *e = module_find_type(type);
    TypeImpl *t = type_lookup_or_load(type, &err);
    if (!t || type_is_abstract(t) || type_is_a(t, TYPE_DEVICE) || !e || !e->user_creatable) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-object %s: not a user-creatable object type%s%s", type,
                    err ? ": " : "", err ? err->message : "");
        g_clear_error(&err);
        return NULL;
    }
    Object *parent = container_get("/objects");
    if (object_resolve_child(parent, id)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-object %s: duplicate id '%s'", type,
                    id);
        return NULL;
    }
    Object *obj = object_new(type);
    for (guint i = 0; i < opts->keys->len; i++) {
        const char *key = g_ptr_array_index(opts->keys, i);
        if (!strcmp(key, "qom-type") || !strcmp(key, "id")) {
            continue;
        }
        if (!object_property_parse(obj, key, opt_dict_get(opts, key), &err)) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-object %s: %s", type,
                        err->message);
            g_error_free(err);
            object_unref(obj);
            return NULL;
        }
    }
    ObjectClass *oc = object_get_class(obj);
    if (oc->complete && !oc->complete(obj, &err)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-object %s: %s", type, err->message);
        g_error_free(err);
        object_unref(obj);
        return NULL;
    }
    bool placed = object_add_user_child(parent, id, obj, &err);
    object_unref(obj);
    if (!placed) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-object %s: %s", type, err->message);
        g_error_free(err);
        return NULL;
    }
    return obj;
}

static bool debug_threads;   /* set by the launcher before any thread starts */

void core_set_debug_threads(bool on)
{
    debug_threads = on;
}

const char *core_thread_name(const char *name)
{
    return debug_threads ? name : NULL;
}
