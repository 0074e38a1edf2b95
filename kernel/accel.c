/* SPDX-License-Identifier: MIT */
/*
 * The accelerator and CPU base types, and accelerator creation.
 */
#include "kernel/accel.h"

#include <string.h>

#include "kernel/core.h"
#include "kernel/options.h"

static AccelState *accel_of(CPUState *cpu)
{
    MachineState *ms = machine_current();
    return ms ? ms->accel : NULL;
}

void cpu_kick(CPUState *cpu)
{
    AccelState *accel = accel_of(cpu);
    if (accel) {
        /* Every cpu_interrupt() comes here: no checked (by-name) cast. */
        AccelClass *ac = (AccelClass *)object_get_class(OBJECT(accel));
        if (ac->kick) {
            ac->kick(accel, cpu);
        }
    }
}

void cpu_interrupt(CPUState *cpu, uint64_t mask)
{
    __atomic_fetch_or(&cpu->interrupt_request, mask, __ATOMIC_SEQ_CST);
    cpu_kick(cpu);
}

void cpu_reset_interrupt(CPUState *cpu, uint64_t mask)
{
    __atomic_fetch_and(&cpu->interrupt_request, ~mask, __ATOMIC_SEQ_CST);
}

AccelState *accel_create(OptDict *opts, GError **errp)
{
    const char *name = opt_dict_get(opts, "accel");
    if (!name) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-accel: missing accelerator name");
        return NULL;
    }
    g_autofree char *type = g_strconcat(name, TYPE_ACCEL_SUFFIX, NULL);
    GError *err = NULL;
    TypeImpl *t = type_lookup_or_load(type, &err);
    if (!t || !type_is_a(t, TYPE_ACCEL) || type_is_abstract(t)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                    "-accel %s: invalid accelerator%s%s; use -accel help to list them", name,
                    err ? ": " : "", err ? err->message : "");
        g_clear_error(&err);
        return NULL;
    }
    Object *obj = object_new(type);
    for (guint i = 0; i < opts->keys->len; i++) {
        const char *key = g_ptr_array_index(opts->keys, i);
        if (!strcmp(key, "accel")) {
            continue;
        }
        if (!object_property_parse(obj, key, opt_dict_get(opts, key), &err)) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-accel %s: %s", name,
                        err->message);
            g_error_free(err);
            object_unref(obj);
            return NULL;
        }
    }
    object_property_add_child(container_get("/machine"), "accel", obj, NULL);
    object_unref(obj);
    return ACCEL(obj);
}

const void *cpu_accel_ops(CPUState *cpu, const char *accel)
{
    for (const CPUAccelOps *o = CPU_GET_CLASS(cpu)->accel_ops; o && o->accel; o++) {
        if (!strcmp(o->accel, accel)) {
            return o->ops;
        }
    }
    return NULL;
}

static void cpu_instance_finalize(Object *obj)
{
    CPUState *cpu = CPU(obj);
    if (cpu->breakpoints) {
        g_array_unref(cpu->breakpoints);
    }
    if (cpu->watchpoints) {
        g_array_unref(cpu->watchpoints);
    }
}

static void cpu_class_init(ObjectClass *klass, const void *data)
{
    DEVICE_CLASS(klass)->bus_type = NULL; /* CPUs sit on no bus */
}

static const TypeInfo accel_types[] = {
    {
        .name = TYPE_ACCEL,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .instance_size = sizeof(AccelState),
        .class_size = sizeof(AccelClass),
    },
    {
        .name = TYPE_CPU,
        .parent = TYPE_DEVICE,
        .abstract = true,
        .instance_size = sizeof(CPUState),
        .class_size = sizeof(CPUClass),
        .class_init = cpu_class_init,
        .instance_finalize = cpu_instance_finalize,
    },
};

void accel_types_init(void)
{
    type_register_static_array(accel_types, G_N_ELEMENTS(accel_types));
}
